/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/vdm.h -- virtual data movers: one interface, many engines
 *
 * A virtual data mover (vdm) moves memory on behalf of futures: the thread
 * that polls (synchronous mover), a pool of worker threads, or an engine of
 * the user's own.  Every mover exposes the same operation table, struct vdm;
 * a struct vdm_descriptor tells vdm_new() how to set a mover up.
 *
 * Operations never report errors through errno: the outcome of each one is
 * the result member of its output, valid once the future is complete.  An
 * operation's arguments are judged when it starts, at the first poll of its
 * future, so that a chain may fill them in after the future is made.
 *
 * Every operation future is a struct vdm_operation_future, whichever name
 * the program gives it: struct vdm_memcpy_future, vdm_memmove_future,
 * vdm_memset_future and vdm_flush_future are other names of that type, and
 * struct vdm_memcpy_output and friends of struct vdm_operation_output.  Its
 * output answers both FUTURE_OUTPUT(&f)->dest (->str for memset) and
 * FUTURE_OUTPUT(&f)->output.memcpy.dest, as miniasync 0.2 spelled it.
 *
 * The layout of struct vdm, struct vdm_operation* and struct
 * vdm_operation_future is part of the binary interface: libpmem2 1.12
 * (pmem2_memcpy_async() and friends, pmem2_config_set_vdm()) drives movers
 * through it with its own compiled code.  See miniasync_vdm(7).
 */

#ifndef LIBMINIASYNC_VDM_H
#define LIBMINIASYNC_VDM_H 1

#include <stddef.h>
#include <stdint.h>

#include <libminiasync/base.h>
#include <libminiasync/future.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdm;

/* the kinds of operation; the values are part of the ABI */
enum vdm_operation_type {
	VDM_OPERATION_MEMCPY = 0,
	VDM_OPERATION_MEMMOVE = 1,
	VDM_OPERATION_MEMSET = 2,
	VDM_OPERATION_FLUSH = 3,
};

/* how an operation ended; the first three values are part of the ABI */
enum vdm_operation_result {
	VDM_SUCCESS = 0,
	/* the mover could not get the memory it needs for the operation */
	VDM_ERROR_OUT_OF_MEMORY = 1,
	/* the mover lost or damaged the operation */
	VDM_ERROR_JOB_CORRUPTED = 2,
	/* NULL mover, or a NULL address with a non-zero length */
	VDM_ERROR_INVALID_ARGUMENT = 3,
	/* a flag bit outside VDM_F_VALID_FLAGS */
	VDM_ERROR_INVALID_FLAGS = 4,
	/* the mover cannot honour a flag or an operation it was given */
	VDM_ERROR_NOT_SUPPORTED = 5,
	/* the range is not one the mover may write (e.g. outside its map) */
	VDM_ERROR_OUT_OF_RANGE = 6,
	/* the mover was deleted before the operation could run */
	VDM_ERROR_CANCELED = 7,
	/* the bytes were stored but could not be made durable: writing them
	 * back failed (an I/O error of the file behind a mapping) */
	VDM_ERROR_IO = 8,
};

/* the caller wants the bytes durable when the future completes */
#define VDM_F_MEM_DURABLE	(1U << 0)
/* a hint: the bytes will not be read soon, non-temporal stores welcome */
#define VDM_F_NO_CACHE_HINT	(1U << 1)
/* every flag an operation may carry; other bits fail the operation */
#define VDM_F_VALID_FLAGS	(VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT)

/* the arguments of each kind of operation */
struct vdm_operation_data_memcpy {
	void *dest;
	void *src;
	size_t n;
	uint64_t flags;
};

struct vdm_operation_data_memmove {
	void *dest;
	void *src;
	size_t n;
	uint64_t flags;
};

struct vdm_operation_data_memset {
	void *str;
	int c;
	size_t n;
	uint64_t flags;
};

struct vdm_operation_data_flush {
	void *dest;
	size_t n;
	uint64_t flags;
};

/* sized so that struct vdm_operation_data is 64 bytes */
#define VDM_OPERATION_DATA_MAX_SIZE (40)

/* struct vdm_operation -- one operation, as a mover receives it */
struct vdm_operation {
	union {
		struct vdm_operation_data_memcpy memcpy;
		struct vdm_operation_data_memmove memmove;
		struct vdm_operation_data_memset memset;
		struct vdm_operation_data_flush flush;
		uint8_t data[VDM_OPERATION_DATA_MAX_SIZE];
	} data;
	enum vdm_operation_type type;
	uint32_t padding;
};

/*
 * struct vdm_operation_data -- the data of every vdm future: the mover's
 * handle for the operation (from op_new), the mover, and the operation.
 */
struct vdm_operation_data {
	void *data;
	struct vdm *vdm;
	struct vdm_operation operation;
};

/* what a mover reports when an operation is done (op_delete) */
struct vdm_operation_output_memcpy {
	void *dest;
};

struct vdm_operation_output_memmove {
	void *dest;
};

struct vdm_operation_output_memset {
	void *str;
};

struct vdm_operation_output_flush {
	uint64_t unused;
};

/* what each kind of operation reports (internal to the output below) */
union vdm_operation_output__kinds {
	struct vdm_operation_output_memcpy memcpy;
	struct vdm_operation_output_memmove memmove;
	struct vdm_operation_output_memset memset;
	struct vdm_operation_output_flush flush;
};

/*
 * an anonymous member, which C11 and C++ have; GCC and Clang accept it
 * quietly in older C dialects too (internal)
 */
#if defined(__GNUC__) || defined(__clang__)
#define VDM__ANONYMOUS __extension__
#else
#define VDM__ANONYMOUS
#endif

/*
 * struct vdm_operation_output -- the output of every operation future:
 * its type, how it ended (VDM_SUCCESS or a VDM_ERROR_* code) and what the
 * C function would return, the destination (NULL if the operation failed,
 * and for a flush).  dest and str are the same pointer as output.memcpy.dest
 * and friends, under the names struct vdm_memcpy_output and friends give
 * it.
 */
struct vdm_operation_output {
	enum vdm_operation_type type;
	enum vdm_operation_result result;
	VDM__ANONYMOUS union {
		union vdm_operation_output__kinds output;
		void *dest;	/* memcpy, memmove */
		void *str;	/* memset */
	};
};

/*
 * struct vdm_operation_future -- the future of every operation: what
 * vdm_memcpy() and friends return, and what libpmem2 1.12 makes and runs
 * itself
 */
FUTURE(vdm_operation_future,
	struct vdm_operation_data, struct vdm_operation_output);

/*
 * The names a program may give the future of each kind of operation and its
 * output: all of them are the operation future and its output.
 */
#define vdm_memcpy_future vdm_operation_future
#define vdm_memmove_future vdm_operation_future
#define vdm_memset_future vdm_operation_future
#define vdm_flush_future vdm_operation_future
#define vdm_memcpy_output vdm_operation_output
#define vdm_memmove_output vdm_operation_output
#define vdm_memset_output vdm_operation_output
#define vdm_flush_output vdm_operation_output

/*
 * The operation table.  A future calls, in this order and from the thread
 * that polls it:
 *	op_new(vdm, type)		once: at the first poll, once the
 *					arguments passed their checks (libpmem2's
 *					futures: when they are made); returns the
 *					mover's handle for the operation, or NULL
 *					if it cannot take one (out of memory)
 *	op_start(handle, op, notifier)	at each poll while the future is idle;
 *					0 when the operation started, non-zero to
 *					be asked again at the next poll
 *	op_check(handle, op)		at each poll once started; COMPLETE when
 *					the operation is done
 *	op_delete(handle, op, output)	once, after op_check said COMPLETE:
 *					fills output (type, result, pointer) and
 *					gives the handle back to the mover
 * A mover's threads never write into the future, which may have moved.
 */
typedef void *(*vdm_operation_new)(struct vdm *vdm,
	const enum vdm_operation_type type);
typedef int (*vdm_operation_start)(void *data,
	const struct vdm_operation *operation,
	struct future_notifier *n);
typedef enum future_state (*vdm_operation_check)(void *data,
	const struct vdm_operation *operation);
typedef void (*vdm_operation_delete)(void *data,
	const struct vdm_operation *operation,
	struct vdm_operation_output *output);

/*
 * struct vdm -- the operation table every mover exposes, first in its
 * instance.  capabilities holds VDM_F_* flags the mover honours with effect.
 * Beware: libpmem2 1.12 treats any non-zero capabilities as "this mover makes
 * VDM_F_MEM_DURABLE copies durable" and then skips its own persist step, so a
 * mover that sets any bit must really make durable copies durable.
 * has_property answers future_has_property() for the mover's futures.
 */
struct vdm {
	vdm_operation_new op_new;
	vdm_operation_delete op_delete;
	vdm_operation_start op_start;
	vdm_operation_check op_check;
	unsigned capabilities;
	/* internal, do not use: vdm_new() sets it; 0 in a mover of the
	 * program's own (it fills its padding) */
	unsigned vdm__id;
	future_has_property_fn has_property;
};

/*
 * vdm_is_supported -- non-zero if the mover honours every capability bit
 * in capability
 */
static inline int
vdm_is_supported(struct vdm *vdm, unsigned capability)
{
	return (vdm->capabilities & capability) == capability;
}

/*
 * vdm_operation_impl -- the task of an operation future that goes through
 * the mover's operation table (the protocol above): op_start while idle,
 * op_check once started, op_delete once complete, which fills the output;
 * the output pointer of an operation that failed is NULL.  The data's data
 * member must be the handle op_new gave.  libpmem2 1.12 runs a copy of this
 * task of its own; the futures of vdm_memcpy() and friends end up running
 * it for a mover without run tasks.
 */
static inline enum future_state
vdm_operation_impl(struct future_context *context,
	struct future_notifier *notifier)
{
	struct vdm_operation_data *data = (struct vdm_operation_data *)
		future_context_get_data(context);
	struct vdm *vdm = data->vdm;

	if (context->state == FUTURE_STATE_IDLE) {
		if (vdm->op_start(data->data, &data->operation, notifier))
			return FUTURE_STATE_IDLE;
	} else if (notifier != NULL) {
		/* op_check takes no notifier: poll again */
		notifier->notifier_used = FUTURE_NOTIFIER_NONE;
	}

	if (vdm->op_check(data->data, &data->operation) !=
			FUTURE_STATE_COMPLETE)
		return FUTURE_STATE_RUNNING;

	struct vdm_operation_output *output = (struct vdm_operation_output *)
		future_context_get_output(context);
	/* what the output says if op_delete fails to say anything */
	output->type = data->operation.type;
	output->result = VDM_ERROR_JOB_CORRUPTED;
	output->dest = NULL;
	vdm->op_delete(data->data, &data->operation, output);
	if (output->result != VDM_SUCCESS ||
			data->operation.type == VDM_OPERATION_FLUSH)
		output->dest = NULL;
	return FUTURE_STATE_COMPLETE;
}

/*
 * vdm_set_has_property_fn -- makes has_property the property function of
 * future, unless it is NULL
 */
static inline void
vdm_set_has_property_fn(struct vdm_operation_future *future,
	future_has_property_fn has_property)
{
	if (has_property != NULL)
		future->base.has_property = has_property;
}

/*
 * vdm_generic_operation -- readies future, whose operation is filled in, to
 * run on vdm through its operation table: takes the handle from op_new now
 * (a future that gets none is complete with VDM_ERROR_OUT_OF_MEMORY) and
 * runs vdm_operation_impl.  The arguments are not checked: the mover's
 * op_start does that, as it must for libpmem2.  vdm_memcpy() and friends
 * are what programs use; this is how miniasync 0.2 built their futures.
 */
static inline void
vdm_generic_operation(struct vdm *vdm, struct vdm_operation_future *future)
{
	future->data.vdm = vdm;
	future->data.operation.padding = 0;
	future->output.type = future->data.operation.type;
	future->output.result = VDM_SUCCESS;
	future->output.dest = NULL;
	future->data.data = vdm->op_new(vdm, future->data.operation.type);
	if (future->data.data == NULL) {
		future->output.result = VDM_ERROR_OUT_OF_MEMORY;
		FUTURE_INIT_COMPLETE(future);
	} else {
		FUTURE_INIT(future, vdm_operation_impl);
	}
	vdm_set_has_property_fn(future, vdm->has_property);
}

/*
 * struct vdm_descriptor -- how vdm_new() makes a mover.
 *
 * vdm_new() allocates size bytes (at least sizeof(struct vdm), aligned to 64
 * bytes, zeroed), copies ops into the struct vdm that starts them, then calls
 * init(vdm, init_arg) if init is not NULL.  init returns 0, or an errno value
 * that vdm_new() hands back (NULL return, errno set) after freeing the
 * instance; fini is then not called.  vdm_delete() calls fini(vdm), if not
 * NULL, before it frees the instance.  vdm_new() keeps no pointer to the
 * descriptor: it may be a temporary.
 *
 * run is optional: one future task per operation type, indexed by enum
 * vdm_operation_type.  The futures vdm_memcpy() and friends make for a type
 * with a task run it as their own task from their first poll on, so that
 * poll makes one call of the mover's (that moves the bytes, or hands them
 * over) and no handle is taken.  Types whose entry is NULL go through
 * op_new, op_start, op_check and op_delete (those stay required: libpmem2
 * builds its futures with them).  A run task:
 *	- finds the struct vdm_operation_data in the future's data:
 *	  future_context_get_data(context); its vdm member is the mover;
 *	- gets an operation checked at that first poll, just before its first
 *	  call: its pointers are not NULL, n > 0, and no flag lies outside
 *	  VDM_F_VALID_FLAGS (whether the mover honours the flags is still for
 *	  the task to decide);
 *	- may be given a NULL notifier, and need not set one;
 *	- completes with return vdm_run_complete(context, result); usually at
 *	  the first call.  One that returns FUTURE_STATE_RUNNING instead
 *	  (context->state is then RUNNING at the next call) may hand back a
 *	  notifier like any future task, or none to be polled again; until it
 *	  completes it may keep a value of its own in the data's data member,
 *	  which is NULL at the first call.
 */
typedef int (*vdm_init_fn)(struct vdm *vdm, void *arg);
typedef void (*vdm_fini_fn)(struct vdm *vdm);

/* the number of operation types: the size of a descriptor's run table */
#define VDM_OPERATION_TYPES 4

struct vdm_descriptor {
	size_t size;
	vdm_init_fn init;
	vdm_fini_fn fini;
	void *init_arg;
	struct vdm ops;
	future_task_fn run[VDM_OPERATION_TYPES];
};

/*
 * vdm_new -- creates a mover from a descriptor; NULL with errno set on
 * failure (EINVAL: NULL or incomplete descriptor; ENOMEM; or init's error).
 */
MINIASYNC_EXPORT struct vdm *vdm_new(struct vdm_descriptor *descriptor);

/*
 * vdm_delete -- undoes vdm_new(); NULL is a no-op.  What happens to
 * operations still in flight is up to the mover and documented with it.
 */
MINIASYNC_EXPORT void vdm_delete(struct vdm *vdm);

/*
 * vdm_run_complete -- for a descriptor's run task: records result as the
 * outcome of the operation future whose context is context (the output
 * pointer is the operation's destination on success, NULL otherwise and
 * for a flush) and returns FUTURE_STATE_COMPLETE
 */
static inline enum future_state
vdm_run_complete(struct future_context *context,
	enum vdm_operation_result result)
{
	struct vdm_operation_data *data = (struct vdm_operation_data *)
		future_context_get_data(context);
	/* every operation future keeps its output at the same place */
	struct vdm_operation_output *out = (struct vdm_operation_output *)
		(void *)((char *)context +
		(offsetof(struct vdm_operation_future, output) -
		offsetof(struct vdm_operation_future, base.context)));

	out->result = result;
	/* every operation's destination is its first argument */
	out->dest = result == VDM_SUCCESS &&
		data->operation.type != VDM_OPERATION_FLUSH ?
		data->operation.data.memcpy.dest : NULL;
	return FUTURE_STATE_COMPLETE;
}

/*
 * vdm_memcpy -- a future that copies n bytes from src to dest on vdm: a
 * mover made by vdm_new(), or a struct vdm of the program's own.  A NULL vdm
 * gives a future that is complete at once with VDM_ERROR_INVALID_ARGUMENT
 * (and no property).  The other arguments are judged at the first poll, so
 * that a chain may fill them in after the future is made; the first of
 * these checks that fails decides the result, and nothing is touched:
 *	a flag outside VDM_F_VALID_FLAGS	VDM_ERROR_INVALID_FLAGS
 *	n == 0				VDM_SUCCESS, the output pointer is
 *					the argument
 *	a NULL pointer			VDM_ERROR_INVALID_ARGUMENT
 *	the mover has no handle		VDM_ERROR_OUT_OF_MEMORY
 * then the mover's own (a flag it cannot honour, a range it may not
 * write).  The same rules hold for vdm_memmove(), vdm_memset() and
 * vdm_flush().
 */
MINIASYNC_EXPORT struct vdm_memcpy_future vdm_memcpy(struct vdm *vdm,
	void *dest, void *src, size_t n, uint64_t flags);

/* vdm_memmove -- as vdm_memcpy(), for ranges that may overlap */
MINIASYNC_EXPORT struct vdm_memmove_future vdm_memmove(struct vdm *vdm,
	void *dest, void *src, size_t n, uint64_t flags);

/* vdm_memset -- a future that sets n bytes at str to (unsigned char)c */
MINIASYNC_EXPORT struct vdm_memset_future vdm_memset(struct vdm *vdm,
	void *str, int c, size_t n, uint64_t flags);

/*
 * vdm_flush -- a future that writes n bytes at dest back from the CPU caches
 * (for a mover of persistent memory: makes them durable).
 */
MINIASYNC_EXPORT struct vdm_flush_future vdm_flush(struct vdm *vdm,
	void *dest, size_t n, uint64_t flags);

/* the binary layout libpmem2 1.12 was compiled against (x86-64, LP64) */
#if UINTPTR_MAX == UINT64_MAX
MINIASYNC_STATIC_ASSERT(sizeof(struct vdm_operation) == 48,
	"vdm_operation size");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation, type) == 40,
	"vdm_operation.type offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct vdm_operation_data) == 64,
	"vdm_operation_data size");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_data, operation) == 16,
	"vdm_operation_data.operation offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct vdm_operation_output) == 16,
	"vdm_operation_output size");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_output, output) == 8,
	"vdm_operation_output.output offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_output, dest) == 8,
	"vdm_operation_output.dest offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_output, str) == 8,
	"vdm_operation_output.str offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct vdm_operation_future) == 120,
	"vdm_operation_future size");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_future, data) == 40,
	"vdm_operation_future.data offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_future, output) == 104,
	"vdm_operation_future.output offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm, op_delete) == 8,
	"vdm.op_delete offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm, op_start) == 16,
	"vdm.op_start offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm, op_check) == 24,
	"vdm.op_check offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm, capabilities) == 32,
	"vdm.capabilities offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm, vdm__id) == 36,
	"vdm.vdm__id offset (padding in libpmem2's layout)");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm, has_property) == 40,
	"vdm.has_property offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct vdm) == 48, "vdm size");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_data_memset, n) == 16,
	"vdm_operation_data_memset.n offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct vdm_operation_data_flush, flags) == 16,
	"vdm_operation_data_flush.flags offset");
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_VDM_H */
