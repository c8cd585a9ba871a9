/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm.c -- creating and deleting movers, and the operation futures
 *
 * A mover instance is one allocation: a hidden header (what vdm_delete()
 * and the futures need), then, 64 bytes in, the struct vdm and the mover's
 * own state as its descriptor sized them.
 *
 * A future may also be given a struct vdm the program filled in itself, as
 * miniasync 0.2 programs write their movers: it has no header, and must not
 * be taken for one of ours.  So every mover vdm_new() makes is registered:
 * its vdm__id names an entry of the registry, and the entry names the
 * mover.  A struct vdm whose id does not name an entry holding its own
 * address is the program's, whatever its padding held.
 *
 * Lock order: vdm_registry.lock is the only lock.
 */

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libminiasync/vdm_synchronous.h>
#include <libminiasync/vdm_threads.h>

#include "core/alloc.h"
#include "core/atomics.h"
#include "core/cpu.h"
#include "core/util.h"
#include "vdm_internal.h"

/* the hidden header of every mover instance */
struct vdm_instance {
	vdm_fini_fn fini;
	/* the descriptor's run tasks, NULL where a type has none */
	future_task_fn run[VDM_OPERATION_TYPES];
	/* bit t: run[t] judges its operation's arguments itself */
	unsigned judging;
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
 * The registry: chunks of entries, allocated as ids reach them and never
 * freed (a reader given a stray id may look into any of them at any time).
 * An entry holds the mover with that id, or, while the id is free, the next
 * free id shifted left, plus 1: an odd value, never a mover's address.
 * Ids start at 1; 0 names no entry.
 */
#define VDM_REGISTRY_CHUNK_SHIFT 10
#define VDM_REGISTRY_CHUNK (1U << VDM_REGISTRY_CHUNK_SHIFT)
#define VDM_REGISTRY_CHUNKS 4096U
#define VDM_REGISTRY_IDS (VDM_REGISTRY_CHUNKS * VDM_REGISTRY_CHUNK)

static struct {
	pthread_mutex_t lock;
	/* the chunks' addresses: written once under lock (release), read
	 * (acquire) by any thread, with or without lock */
	uintptr_t chunks[VDM_REGISTRY_CHUNKS];
	/* under lock: the lowest id never handed out, and the first free
	 * one (0: none) */
	unsigned next;
	unsigned free;
} vdm_registry = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.next = 1,
	.free = 0,
};

/*
 * vdm_registry_entry -- the entry of id, or NULL if its chunk was never
 * allocated
 */
static inline uintptr_t *
vdm_registry_entry(unsigned id)
{
	/* acquire: pairs with the release in vdm_registry_add, so the
	 * chunk's zeroes are seen */
	uintptr_t *chunk = (uintptr_t *)core__load_acquire_uptr(
		&vdm_registry.chunks[id >> VDM_REGISTRY_CHUNK_SHIFT]);

	return chunk == NULL ? NULL :
		&chunk[id & (VDM_REGISTRY_CHUNK - 1)];
}

/*
 * vdm_registry_add -- gives vdm an id and its entry; 0 or ENOMEM
 */
static int
vdm_registry_add(struct vdm *vdm)
{
	int ret = 0;
	unsigned id;

	pthread_mutex_lock(&vdm_registry.lock);
	if (vdm_registry.free != 0) {
		id = vdm_registry.free;
		vdm_registry.free = (unsigned)(core__load_relaxed_uptr(
			vdm_registry_entry(id)) >> 1);
	} else if (vdm_registry.next < VDM_REGISTRY_IDS) {
		id = vdm_registry.next;
		unsigned c = id >> VDM_REGISTRY_CHUNK_SHIFT;
		if (vdm_registry.chunks[c] == 0) {
			uintptr_t *chunk = core__zalloc_aligned(
				CORE__CACHELINE_SIZE,
				VDM_REGISTRY_CHUNK * sizeof(*chunk));
			if (chunk == NULL) {
				ret = ENOMEM;
				goto out;
			}
			/* release: the zeroes before the chunk is seen */
			core__store_release_uptr(&vdm_registry.chunks[c],
				(uintptr_t)chunk);
		}
		vdm_registry.next++;
	} else {
		ret = ENOMEM;
		goto out;
	}

	/*
	 * Relaxed: a thread that polls a future of vdm got vdm through the
	 * program's own synchronization after vdm_new() returned; a reader
	 * with a stray id may read it at any time, and compares only.
	 */
	core__store_relaxed_uptr(vdm_registry_entry(id), (uintptr_t)vdm);
	vdm->vdm__id = id;
out:
	pthread_mutex_unlock(&vdm_registry.lock);
	return ret;
}

/*
 * vdm_registry_remove -- frees the id of vdm
 */
static void
vdm_registry_remove(struct vdm *vdm)
{
	unsigned id = vdm->vdm__id;

	pthread_mutex_lock(&vdm_registry.lock);
	/* relaxed: see vdm_registry_add */
	core__store_relaxed_uptr(vdm_registry_entry(id),
		((uintptr_t)vdm_registry.free << 1) | 1);
	vdm_registry.free = id;
	pthread_mutex_unlock(&vdm_registry.lock);
}

/*
 * vdm_registered -- non-zero if vdm_new() made vdm (and vdm_delete() did
 * not delete it yet): then, and only then, it has a header
 */
static inline int
vdm_registered(struct vdm *vdm)
{
	unsigned id = vdm->vdm__id;

	if (core__unlikely(id == 0 || id >= VDM_REGISTRY_IDS))
		return 0;
	uintptr_t *entry = vdm_registry_entry(id);
	/* relaxed: see vdm_registry_add */
	return core__likely(entry != NULL) &&
		core__load_relaxed_uptr(entry) == (uintptr_t)vdm;
}

/*
 * vdm_run_judging -- the types whose run task in d judges the arguments of
 * its operations itself: those of the library's own movers (the synchronous
 * mover and the thread pool), whose first call checks them anyway
 */
static unsigned
vdm_run_judging(const struct vdm_descriptor *d)
{
	const struct vdm_descriptor *own[] = {
		vdm_descriptor_synchronous(),
		vdm_descriptor_threads(),
	};
	unsigned mask = 0;

	for (unsigned t = 0; t < VDM_OPERATION_TYPES; t++) {
		for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
			if (d->run[t] != NULL && d->run[t] == own[i]->run[t])
				mask |= 1U << t;
		}
	}
	return mask;
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
	instance->judging = vdm_run_judging(descriptor);
	*vdm = descriptor->ops;

	int ret = vdm_registry_add(vdm);
	if (ret != 0)
		goto err_free;

	if (descriptor->init != NULL) {
		ret = descriptor->init(vdm, descriptor->init_arg);
		if (ret != 0)
			goto err_registered;
	}

	return vdm;

err_registered:
	vdm_registry_remove(vdm);
err_free:
	core__free(mem);
	errno = ret;
	return NULL;
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
	vdm_registry_remove(vdm);
	core__free(instance);
}

/*
 * vdm_future_of -- the future whose context is context
 */
static inline struct future *
vdm_future_of(struct future_context *context)
{
	return (struct future *)(void *)
		((char *)context - offsetof(struct future, context));
}

/*
 * vdm_start_task -- the task of an operation future at its first poll,
 * unless its mover's run task judges the arguments itself: judges them (a
 * chain may have filled them in since the future was made), then hands the
 * operation to the mover for good: to its run task for the type, if it has
 * one, or to its operation table (vdm_operation_impl) with the handle
 * op_new gives now
 */
static enum future_state
vdm_start_task(struct future_context *context,
	struct future_notifier *notifier)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	struct vdm *vdm = data->vdm;
	enum vdm_operation_type type = data->operation.type;
	enum vdm_operation_result result =
		vdm__operation_judge(&data->operation);

	if (result != VDM_SUCCESS || vdm__operation_len(&data->operation) == 0)
		return vdm_run_complete(context, result);

	struct future *fut = vdm_future_of(context);
	future_task_fn run = vdm_registered(vdm) ?
		vdm_instance_of(vdm)->run[type] : NULL;

	if (run != NULL) {
		fut->task = run;
		return run(context, notifier);
	}

	data->data = vdm->op_new(vdm, type);
	if (data->data == NULL)
		return vdm_run_complete(context, VDM_ERROR_OUT_OF_MEMORY);
	fut->task = vdm_operation_impl;
	return vdm_operation_impl(context, notifier);
}

/*
 * vdm_task_of -- the task a future of an operation of type on vdm starts
 * with: the mover's run task if it judges the arguments itself, else
 * vdm_start_task
 */
static inline future_task_fn
vdm_task_of(struct vdm *vdm, enum vdm_operation_type type)
{
	if (core__likely(vdm_registered(vdm))) {
		struct vdm_instance *instance = vdm_instance_of(vdm);
		if (core__likely(instance->judging & (1U << type)))
			return instance->run[type];
	}
	return vdm_start_task;
}

/*
 * vdm_future_init -- readies an operation future whose operation is filled
 * in: idle, starting at its first poll, or complete at once without a mover
 */
static inline void
vdm_future_init(struct vdm_operation_future *fut, struct vdm *vdm)
{
	fut->data.vdm = vdm;
	fut->data.data = NULL;
	fut->data.operation.padding = 0;
	fut->output.type = fut->data.operation.type;
	fut->output.result = VDM_SUCCESS;
	fut->output.dest = NULL;
	fut->base.context.data_size = sizeof(fut->data);
	fut->base.context.output_size = sizeof(fut->output);
	fut->base.context.padding = 0;

	if (core__unlikely(vdm == NULL)) {
		fut->output.result = VDM_ERROR_INVALID_ARGUMENT;
		fut->base.task = NULL;
		fut->base.has_property = NULL;
		fut->base.context.state = FUTURE_STATE_COMPLETE;
		return;
	}

	fut->base.task = vdm_task_of(vdm, fut->data.operation.type);
	fut->base.has_property = vdm->has_property;
	fut->base.context.state = FUTURE_STATE_IDLE;
}

/*
 * vdm_transfer -- a future of a memcpy or memmove (type), whose arguments
 * are laid out alike
 */
static inline struct vdm_operation_future
vdm_transfer(enum vdm_operation_type type, struct vdm *vdm, void *dest,
	void *src, size_t n, uint64_t flags)
{
	struct vdm_operation_future fut;

	fut.data.operation.type = type;
	fut.data.operation.data.memcpy.dest = dest;
	fut.data.operation.data.memcpy.src = src;
	fut.data.operation.data.memcpy.n = n;
	fut.data.operation.data.memcpy.flags = flags;
	vdm_future_init(&fut, vdm);
	return fut;
}

/*
 * vdm_memcpy -- a future copying n bytes from src to dest
 */
struct vdm_memcpy_future
vdm_memcpy(struct vdm *vdm, void *dest, void *src, size_t n, uint64_t flags)
{
	return vdm_transfer(VDM_OPERATION_MEMCPY, vdm, dest, src, n, flags);
}

/*
 * vdm_memmove -- a future moving n bytes from src to dest, ranges may overlap
 */
struct vdm_memmove_future
vdm_memmove(struct vdm *vdm, void *dest, void *src, size_t n, uint64_t flags)
{
	return vdm_transfer(VDM_OPERATION_MEMMOVE, vdm, dest, src, n, flags);
}

/*
 * vdm_memset -- a future setting n bytes at str to (unsigned char)c
 */
struct vdm_memset_future
vdm_memset(struct vdm *vdm, void *str, int c, size_t n, uint64_t flags)
{
	struct vdm_operation_future fut;

	fut.data.operation.type = VDM_OPERATION_MEMSET;
	fut.data.operation.data.memset.str = str;
	fut.data.operation.data.memset.c = c;
	fut.data.operation.data.memset.n = n;
	fut.data.operation.data.memset.flags = flags;
	vdm_future_init(&fut, vdm);
	return fut;
}

/*
 * vdm_flush -- a future writing n bytes at dest back from the CPU caches
 */
struct vdm_flush_future
vdm_flush(struct vdm *vdm, void *dest, size_t n, uint64_t flags)
{
	struct vdm_operation_future fut;

	fut.data.operation.type = VDM_OPERATION_FLUSH;
	fut.data.operation.data.flush.dest = dest;
	fut.data.operation.data.flush.n = n;
	fut.data.operation.data.flush.flags = flags;
	vdm_future_init(&fut, vdm);
	return fut;
}
