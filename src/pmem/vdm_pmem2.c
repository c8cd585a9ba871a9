/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_pmem2.c -- the pmem mover: operations on one libpmem2 mapping that
 * are durable when their futures complete
 *
 * The mover stores with the map's own functions (pmem2_get_memcpy_fn() and
 * friends), so it gets the same instructions libpmem2 would pick, and makes
 * each range durable as the map's store granularity needs:
 *	BYTE, CACHE_LINE	store without draining (the map's functions
 *				flush or use non-temporal stores as needed),
 *				then drain on the same thread: a drain orders
 *				only the stores and flushes of its own thread
 *	PAGE			store without flushing, then persist (msync)
 *
 * With no threads, a range moves on the polling thread at the first poll.
 * With threads, the pool engine of vdm_threads.c moves it, cut into pieces
 * when large; each piece is made durable by the thread that stored it
 * before it counts as done, so the future completes only when every piece
 * is durable.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <libminiasync-pmem.h>
#include <libpmem2.h>

#include "core/util.h"
#include "pmem_fns.h"
#include "vdm.h"
#include "vdm_threads.h"

/* every operation of this mover is durable: VDM_F_MEM_DURABLE is implied */
#define PMEM_SUPPORTED_FLAGS \
	((uint64_t)(VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT))

#define PMEM_MAX_THREADS 256

#ifdef MINIASYNC_PMEM_TEST_SEAM
void (*pmem__seam)(struct pmem__fns *fns);
#endif

/* what a pmem mover knows of its map */
struct pmem_map_state {
	uintptr_t base;	/* the map's first byte */
	size_t size;	/* its length */
	int page;	/* PAGE granularity: persist with msync */
	struct pmem__fns fns;
};

/* a pmem mover without threads: the table, then the map */
struct pmem_sync_mover {
	struct vdm base;
	struct pmem_map_state map;
};

/*
 * pmem_in_map -- non-zero if [p, p + n) lies wholly inside the map
 */
static inline int
pmem_in_map(const struct pmem_map_state *map, const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return a >= map->base && a - map->base <= map->size &&
		n <= map->size - (a - map->base);
}

/*
 * pmem_check -- the outcome an operation will have on this mover: bad
 * input as everywhere, then a destination outside the map
 */
static enum vdm_operation_result
pmem_check(void *arg, const struct vdm_operation *op)
{
	const struct pmem_map_state *map = arg;
	enum vdm_operation_result result =
		vdm__operation_check(op, PMEM_SUPPORTED_FLAGS);
	size_t len = vdm__operation_len(op);

	if (result != VDM_SUCCESS || len == 0)
		return result;
	/* every operation's destination is its first argument */
	if (!pmem_in_map(map, op->data.memcpy.dest, len))
		return VDM_ERROR_OUT_OF_RANGE;
	return VDM_SUCCESS;
}

/*
 * pmem_piece -- stores the bytes [off, off + len) of a checked operation
 * and makes them durable before it returns
 */
static void
pmem_piece(void *arg, const struct vdm_operation *op, size_t off,
	size_t len)
{
	const struct pmem_map_state *map = arg;
	const struct pmem__fns *fns = &map->fns;
	char *dest = (char *)op->data.memcpy.dest + off;
	unsigned flags = (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT) ?
		PMEM2_F_MEM_NONTEMPORAL : 0;

	/* PAGE: msync below writes back; else: one drain below */
	flags |= map->page ? PMEM2_F_MEM_NOFLUSH : PMEM2_F_MEM_NODRAIN;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		fns->memcpy(dest, (char *)op->data.memcpy.src + off, len,
			flags);
		break;
	case VDM_OPERATION_MEMMOVE:
		fns->memmove(dest, (char *)op->data.memmove.src + off, len,
			flags);
		break;
	case VDM_OPERATION_MEMSET:
		fns->memset(dest, op->data.memset.c, len, flags);
		break;
	case VDM_OPERATION_FLUSH:
		if (!map->page)
			fns->flush(dest, len);
		break;
	}

	if (map->page)
		fns->persist(dest, len);
	else
		fns->drain();
}

static const struct vdm__threads_backend pmem_backend = {
	.check = pmem_check,
	.piece = pmem_piece,
};

/*
 * pmem_map_init -- learns the map's range and functions
 */
static void
pmem_map_init(struct pmem_map_state *state, struct pmem2_map *map)
{
	state->base = (uintptr_t)pmem2_map_get_address(map);
	state->size = pmem2_map_get_size(map);
	state->page = pmem2_map_get_store_granularity(map) ==
		PMEM2_GRANULARITY_PAGE;
	state->fns.memcpy = pmem2_get_memcpy_fn(map);
	state->fns.memmove = pmem2_get_memmove_fn(map);
	state->fns.memset = pmem2_get_memset_fn(map);
	state->fns.flush = pmem2_get_flush_fn(map);
	state->fns.drain = pmem2_get_drain_fn(map);
	state->fns.persist = pmem2_get_persist_fn(map);
#ifdef MINIASYNC_PMEM_TEST_SEAM
	if (pmem__seam != NULL)
		pmem__seam(&state->fns);
#endif
}

/*
 * pmem_sync_of -- the pmem mover without threads that vdm is
 */
static inline struct pmem_sync_mover *
pmem_sync_of(struct vdm *vdm)
{
	return (struct pmem_sync_mover *)vdm;
}

/*
 * pmem_sync_run -- the run task of every type: the whole operation, durable,
 * in one call
 */
static enum future_state
pmem_sync_run(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct pmem_map_state *map = &pmem_sync_of(data->vdm)->map;
	enum vdm_operation_result result = pmem_check(map, &data->operation);

	if (result == VDM_SUCCESS)
		pmem_piece(map, &data->operation, 0,
			vdm__operation_len(&data->operation));
	return vdm_run_complete(context, result);
}

/*
 * pmem_sync_op_new -- the handle of every operation is the mover itself
 */
static void *
pmem_sync_op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	(void) type;
	return vdm;
}

/*
 * pmem_sync_op_start -- performs the operation now, durably
 */
static int
pmem_sync_op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	struct pmem_map_state *map = &pmem_sync_of(data)->map;

	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;
	if (pmem_check(map, op) == VDM_SUCCESS)
		pmem_piece(map, op, 0, vdm__operation_len(op));
	return 0;
}

/*
 * pmem_sync_op_check -- an operation is done once started
 */
static enum future_state
pmem_sync_op_check(void *data, const struct vdm_operation *op)
{
	(void) data;
	(void) op;
	return FUTURE_STATE_COMPLETE;
}

/*
 * pmem_sync_op_delete -- reports the outcome; nothing to release
 */
static void
pmem_sync_op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	output->type = op->type;
	output->result = pmem_check(&pmem_sync_of(data)->map, op);
	/* every operation's destination is its first argument */
	output->output.memcpy.dest = op->data.memcpy.dest;
	if (op->type == VDM_OPERATION_FLUSH)
		output->output.flush.unused = 0;
}

/*
 * pmem_sync_init -- learns the map (arg)
 */
static int
pmem_sync_init(struct vdm *vdm, void *arg)
{
	pmem_map_init(&pmem_sync_of(vdm)->map, arg);
	return 0;
}

static const struct vdm_descriptor pmem_sync_descriptor = {
	.size = sizeof(struct pmem_sync_mover),
	.init = pmem_sync_init,
	.fini = NULL,
	.init_arg = NULL,
	.ops = {
		.op_new = pmem_sync_op_new,
		.op_delete = pmem_sync_op_delete,
		.op_start = pmem_sync_op_start,
		.op_check = pmem_sync_op_check,
		/* durable it is: libpmem2 may skip its own persist */
		.capabilities = VDM_F_MEM_DURABLE,
		.has_property = NULL,
	},
	.run = {
		[VDM_OPERATION_MEMCPY] = pmem_sync_run,
		[VDM_OPERATION_MEMMOVE] = pmem_sync_run,
		[VDM_OPERATION_MEMSET] = pmem_sync_run,
		[VDM_OPERATION_FLUSH] = pmem_sync_run,
	},
};

/* the engine's state comes first; the map's follows on a line of its own */
#define PMEM_POOL_MAP_OFFSET \
	CORE__ALIGN_UP(vdm__threads_size(), (size_t)CORE__CACHELINE_SIZE)

/* what pmem_pool_init gets */
struct pmem_pool_args {
	struct pmem2_map *map;
	unsigned nthreads;
};

/*
 * pmem_pool_init -- learns the map, starts the engine with the pmem backend
 */
static int
pmem_pool_init(struct vdm *vdm, void *arg)
{
	const struct pmem_pool_args *args = arg;
	struct pmem_map_state *map = (struct pmem_map_state *)(void *)
		((char *)vdm + PMEM_POOL_MAP_OFFSET);
	struct vdm_threads_config config = {
		.nthreads = args->nthreads,
		.queue_depth = 0,
	};

	pmem_map_init(map, args->map);
	return vdm__threads_init(vdm, &config, FUTURE_NOTIFIER_WAKER,
		&pmem_backend, map);
}

/*
 * vdm_pmem2_new -- a durable mover of map, on nthreads workers or none
 */
struct vdm *
vdm_pmem2_new(struct pmem2_map *map, unsigned nthreads)
{
	if (map == NULL || nthreads > PMEM_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}

	if (nthreads == 0) {
		struct vdm_descriptor desc = pmem_sync_descriptor;
		desc.init_arg = map;
		return vdm_new(&desc);
	}

	struct pmem_pool_args args = { .map = map, .nthreads = nthreads };
	struct vdm_descriptor desc;

	memset(&desc, 0, sizeof(desc));
	desc.size = PMEM_POOL_MAP_OFFSET + sizeof(struct pmem_map_state);
	desc.init = pmem_pool_init;
	desc.fini = vdm__threads_fini;
	desc.init_arg = &args;
	desc.ops = vdm__threads_ops();
	/* durable it is: libpmem2 may skip its own persist */
	desc.ops.capabilities = VDM_F_MEM_DURABLE;
	return vdm_new(&desc);
}
