/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm.c -- creating and deleting movers, and the typed operation futures
 *
 * A mover instance is one allocation: a hidden header (what vdm_delete()
 * needs), then, 64 bytes in, the struct vdm and the mover's own state as its
 * descriptor sized them.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/util.h"
#include "vdm.h"

/* the hidden header of every mover instance */
struct vdm_instance {
	vdm_fini_fn fini;
	/* the descriptor's run tasks, NULL where a type has none */
	future_task_fn run[VDM_OPERATION_TYPES];
};

#define VDM_INSTANCE_HEADER_SIZE CORE__CACHELINE_SIZE
_Static_assert(sizeof(struct vdm_instance) <= VDM_INSTANCE_HEADER_SIZE,
	"the header fits before the struct vdm");

/*
 * vdm_instance_of -- the header of a mover instance
 */
static struct vdm_instance *
vdm_instance_of(struct vdm *vdm)
{
	return (struct vdm_instance *)(void *)
		((char *)vdm - VDM_INSTANCE_HEADER_SIZE);
}

/*
 * vdm_new -- allocates a mover as its descriptor says and initialises it
 */
struct vdm *
vdm_new(struct vdm_descriptor *descriptor)
{
	if (descriptor == NULL || descriptor->size < sizeof(struct vdm) ||
			descriptor->ops.op_new == NULL ||
			descriptor->ops.op_delete == NULL ||
			descriptor->ops.op_start == NULL ||
			descriptor->ops.op_check == NULL) {
		errno = EINVAL;
		return NULL;
	}

	/* no object may be larger than PTRDIFF_MAX: do not even ask */
	if (descriptor->size > PTRDIFF_MAX - VDM_INSTANCE_HEADER_SIZE) {
		errno = ENOMEM;
		return NULL;
	}

	char *mem = core__zalloc_aligned(CORE__CACHELINE_SIZE,
		VDM_INSTANCE_HEADER_SIZE + descriptor->size);
	if (mem == NULL)
		return NULL;

	struct vdm_instance *instance = (struct vdm_instance *)(void *)mem;
	struct vdm *vdm = (struct vdm *)(void *)
		(mem + VDM_INSTANCE_HEADER_SIZE);

	instance->fini = descriptor->fini;
	memcpy(instance->run, descriptor->run, sizeof(instance->run));
	*vdm = descriptor->ops;

	if (descriptor->init != NULL) {
		int ret = descriptor->init(vdm, descriptor->init_arg);
		if (ret != 0) {
			core__free(mem);
			errno = ret;
			return NULL;
		}
	}

	return vdm;
}

/*
 * vdm_delete -- finalises and frees a mover
 */
void
vdm_delete(struct vdm *vdm)
{
	if (vdm == NULL)
		return;

	struct vdm_instance *instance = vdm_instance_of(vdm);
	if (instance->fini != NULL)
		instance->fini(vdm);
	core__free(instance);
}

/*
 * vdm_output_set -- writes the typed output of a vdm future; the pointer is
 * NULL when the operation failed
 */
static inline void
vdm_output_set(enum vdm_operation_type type, void *output,
	enum vdm_operation_result result, void *ptr)
{
	if (type == VDM_OPERATION_FLUSH) {
		struct vdm_flush_output *out = output;
		out->result = result;
		return;
	}

	struct vdm_memcpy_output *out = output;
	out->dest = result == VDM_SUCCESS ? ptr : NULL;
	out->result = result;
}

/*
 * vdm_operation_task -- the task of every typed vdm future: start the
 * operation while idle, check it once started, and once it is complete let
 * the mover fill in the output and release its handle.
 */
static enum future_state
vdm_operation_task(struct future_context *context,
	struct future_notifier *notifier)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	struct vdm *vdm = data->vdm;

	if (context->state == FUTURE_STATE_IDLE &&
			vdm->op_start(data->data, &data->operation, notifier))
		return FUTURE_STATE_IDLE;

	if (vdm->op_check(data->data, &data->operation) !=
			FUTURE_STATE_COMPLETE)
		return FUTURE_STATE_RUNNING;

	struct vdm_operation_output out;
	out.type = data->operation.type;
	out.result = VDM_ERROR_JOB_CORRUPTED;
	out.output.memcpy.dest = NULL;
	vdm->op_delete(data->data, &data->operation, &out);

	/* the pointer member sits at the same place in every union member */
	vdm_output_set(data->operation.type,
		future_context_get_output(context), out.result,
		out.output.memcpy.dest);

	return FUTURE_STATE_COMPLETE;
}

/*
 * vdm_future_fail -- makes a typed vdm future complete at once: bad
 * arguments, nothing to do (n == 0), or no handle from the mover
 */
static void
vdm_future_fail(struct future *base, void *output,
	enum vdm_operation_type type, struct vdm *vdm, void *ptr,
	void *ptr2, size_t n, uint64_t flags)
{
	enum vdm_operation_result result;

	if (vdm == NULL)
		result = VDM_ERROR_INVALID_ARGUMENT;
	else if (flags & ~(uint64_t)VDM_F_VALID_FLAGS)
		result = VDM_ERROR_INVALID_FLAGS;
	else if (n == 0)
		result = VDM_SUCCESS;
	else if (ptr == NULL || ptr2 == NULL)
		result = VDM_ERROR_INVALID_ARGUMENT;
	else
		result = VDM_ERROR_OUT_OF_MEMORY;

	base->task = NULL;
	base->has_property = NULL;
	base->context.state = FUTURE_STATE_COMPLETE;
	vdm_output_set(type, output, result, ptr);
}

/*
 * vdm_future_init -- readies a typed vdm future whose operation is filled
 * in.  ptr and n are the operation's destination and length, ptr2 its
 * source (or ptr again when there is none).  Inlined into each constructor
 * so the future is built in place in the caller's return slot.
 */
static inline __attribute__((always_inline)) void
vdm_future_init(struct future *base, struct vdm_operation_data *data,
	void *output, struct vdm *vdm, void *ptr, void *ptr2, size_t n,
	uint64_t flags)
{
	enum vdm_operation_type type = data->operation.type;

	data->vdm = vdm;
	data->data = NULL;
	data->operation.padding = 0;
	base->context.data_size = sizeof(*data);
	base->context.padding = 0;

	/* one test for every way the operation cannot go to the mover */
	if (core__unlikely((vdm == NULL) | (n == 0) | (ptr == NULL) |
			(ptr2 == NULL) |
			((flags & ~(uint64_t)VDM_F_VALID_FLAGS) != 0))) {
		vdm_future_fail(base, output, type, vdm, ptr, ptr2, n, flags);
		return;
	}

	if (vdm_instance_of(vdm)->run[type] != NULL) {
		base->task = vdm_instance_of(vdm)->run[type];
	} else if (core__likely((data->data = vdm->op_new(vdm, type))
			!= NULL)) {
		base->task = vdm_operation_task;
	} else {
		vdm_future_fail(base, output, type, vdm, ptr, ptr2, n, flags);
		return;
	}

	base->has_property = vdm->has_property;
	base->context.state = FUTURE_STATE_IDLE;
}

/*
 * VDM_FUTURE_INIT -- fills in the head of a typed vdm future (internal)
 */
#define VDM_FUTURE_INIT(_futp, _vdm, _ptr, _ptr2, _n, _flags)\
do {\
	(_futp)->base.context.output_size = sizeof((_futp)->output);\
	vdm_future_init(&(_futp)->base, &(_futp)->data, &(_futp)->output,\
		(_vdm), (_ptr), (_ptr2), (_n), (_flags));\
} while (0)

/*
 * vdm_memcpy_table -- vdm_memcpy() for any mover and any arguments
 */
static __attribute__((noinline)) struct vdm_memcpy_future
vdm_memcpy_table(struct vdm *vdm, void *dest, void *src, size_t n, uint64_t flags)
{
	struct vdm_memcpy_future future;

	future.data.operation.type = VDM_OPERATION_MEMCPY;
	future.data.operation.data.memcpy.dest = dest;
	future.data.operation.data.memcpy.src = src;
	future.data.operation.data.memcpy.n = n;
	future.data.operation.data.memcpy.flags = flags;
	VDM_FUTURE_INIT(&future, vdm, dest, src, n, flags);

	return future;
}

/*
 * vdm_memmove_table -- vdm_memmove() for any mover and any arguments
 */
static __attribute__((noinline)) struct vdm_memmove_future
vdm_memmove_table(struct vdm *vdm, void *dest, void *src, size_t n, uint64_t flags)
{
	struct vdm_memmove_future future;

	future.data.operation.type = VDM_OPERATION_MEMMOVE;
	future.data.operation.data.memmove.dest = dest;
	future.data.operation.data.memmove.src = src;
	future.data.operation.data.memmove.n = n;
	future.data.operation.data.memmove.flags = flags;
	VDM_FUTURE_INIT(&future, vdm, dest, src, n, flags);

	return future;
}

/*
 * vdm_memset_table -- vdm_memset() for any mover and any arguments
 */
static __attribute__((noinline)) struct vdm_memset_future
vdm_memset_table(struct vdm *vdm, void *str, int c, size_t n, uint64_t flags)
{
	struct vdm_memset_future future;

	future.data.operation.type = VDM_OPERATION_MEMSET;
	future.data.operation.data.memset.str = str;
	future.data.operation.data.memset.c = c;
	future.data.operation.data.memset.n = n;
	future.data.operation.data.memset.flags = flags;
	VDM_FUTURE_INIT(&future, vdm, str, str, n, flags);

	return future;
}

/*
 * vdm_flush_table -- vdm_flush() for any mover and any arguments
 */
static __attribute__((noinline)) struct vdm_flush_future
vdm_flush_table(struct vdm *vdm, void *dest, size_t n, uint64_t flags)
{
	struct vdm_flush_future future;

	future.data.operation.type = VDM_OPERATION_FLUSH;
	future.data.operation.data.flush.dest = dest;
	future.data.operation.data.flush.n = n;
	future.data.operation.data.flush.flags = flags;
	VDM_FUTURE_INIT(&future, vdm, dest, dest, n, flags);

	return future;
}

/*
 * vdm_run_task_of -- the run task of the mover for an operation of type
 * with these arguments, or NULL when the arguments are bad or the mover has
 * none: the constructors below build a future with a run task themselves,
 * with no call, and leave everything else to their out-of-line *_table
 * twins
 */
static inline __attribute__((always_inline)) future_task_fn
vdm_run_task_of(struct vdm *vdm, enum vdm_operation_type type, void *ptr,
	void *ptr2, size_t n, uint64_t flags)
{
	if (core__unlikely(vdm == NULL))
		return NULL;
	if (core__unlikely((n == 0) | (ptr == NULL) | (ptr2 == NULL) |
			((flags & ~(uint64_t)VDM_F_VALID_FLAGS) != 0)))
		return NULL;
	return vdm_instance_of(vdm)->run[type];
}

/*
 * VDM_RUN_FUTURE -- fills in the head of a typed future whose operation is
 * filled in, with the run task _task (internal)
 */
#define VDM_RUN_FUTURE(_futp, _vdm, _task)\
do {\
	(_futp)->data.vdm = (_vdm);\
	(_futp)->data.data = NULL;\
	(_futp)->data.operation.padding = 0;\
	(_futp)->base.task = (_task);\
	(_futp)->base.has_property = (_vdm)->has_property;\
	(_futp)->base.context.data_size = sizeof((_futp)->data);\
	(_futp)->base.context.output_size = sizeof((_futp)->output);\
	(_futp)->base.context.state = FUTURE_STATE_IDLE;\
	(_futp)->base.context.padding = 0;\
} while (0)

/*
 * vdm_memcpy -- a future copying n bytes from src to dest
 */
struct vdm_memcpy_future
vdm_memcpy(struct vdm *vdm, void *dest, void *src, size_t n, uint64_t flags)
{
	struct vdm_memcpy_future future;

	future_task_fn task = vdm_run_task_of(vdm, VDM_OPERATION_MEMCPY, dest,
		src, n, flags);

	if (task == NULL)
		return vdm_memcpy_table(vdm, dest, src, n, flags);

	future.data.operation.type = VDM_OPERATION_MEMCPY;
	future.data.operation.data.memcpy.dest = dest;
	future.data.operation.data.memcpy.src = src;
	future.data.operation.data.memcpy.n = n;
	future.data.operation.data.memcpy.flags = flags;
	VDM_RUN_FUTURE(&future, vdm, task);
	return future;
}

/*
 * vdm_memmove -- a future moving n bytes from src to dest, ranges may overlap
 */
struct vdm_memmove_future
vdm_memmove(struct vdm *vdm, void *dest, void *src, size_t n, uint64_t flags)
{
	struct vdm_memmove_future future;

	future_task_fn task = vdm_run_task_of(vdm, VDM_OPERATION_MEMMOVE, dest,
		src, n, flags);

	if (task == NULL)
		return vdm_memmove_table(vdm, dest, src, n, flags);

	future.data.operation.type = VDM_OPERATION_MEMMOVE;
	future.data.operation.data.memmove.dest = dest;
	future.data.operation.data.memmove.src = src;
	future.data.operation.data.memmove.n = n;
	future.data.operation.data.memmove.flags = flags;
	VDM_RUN_FUTURE(&future, vdm, task);
	return future;
}

/*
 * vdm_memset -- a future setting n bytes at str to (unsigned char)c
 */
struct vdm_memset_future
vdm_memset(struct vdm *vdm, void *str, int c, size_t n, uint64_t flags)
{
	struct vdm_memset_future future;

	future_task_fn task = vdm_run_task_of(vdm, VDM_OPERATION_MEMSET, str,
		str, n, flags);

	if (task == NULL)
		return vdm_memset_table(vdm, str, c, n, flags);

	future.data.operation.type = VDM_OPERATION_MEMSET;
	future.data.operation.data.memset.str = str;
	future.data.operation.data.memset.c = c;
	future.data.operation.data.memset.n = n;
	future.data.operation.data.memset.flags = flags;
	VDM_RUN_FUTURE(&future, vdm, task);
	return future;
}

/*
 * vdm_flush -- a future writing n bytes at dest back from the CPU caches
 */
struct vdm_flush_future
vdm_flush(struct vdm *vdm, void *dest, size_t n, uint64_t flags)
{
	struct vdm_flush_future future;

	future_task_fn task = vdm_run_task_of(vdm, VDM_OPERATION_FLUSH, dest,
		dest, n, flags);

	if (task == NULL)
		return vdm_flush_table(vdm, dest, n, flags);

	future.data.operation.type = VDM_OPERATION_FLUSH;
	future.data.operation.data.flush.dest = dest;
	future.data.operation.data.flush.n = n;
	future.data.operation.data.flush.flags = flags;
	VDM_RUN_FUTURE(&future, vdm, task);
	return future;
}
