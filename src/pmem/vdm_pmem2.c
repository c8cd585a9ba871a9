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
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <libminiasync-pmem.h>
#include <libpmem2.h>

#include "core/atomics.h"
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

/* ranges a group holds at most; a full group is persisted first */
#define PMEM_GROUP_MAX 64

/* the unit in which ranges coalesce (msync writes back pages) */
#define PMEM_PAGE ((uintptr_t)4096)

/*
 * The group persist of a PAGE map: ranges stored and not written back yet
 * join the open group; one thread at a time (the leader) closes the open
 * group and writes back all its ranges, coalesced, with the lock dropped,
 * while new ranges join the next group.  So operations in flight together
 * share msync calls: while one runs, the next group fills.
 */
struct pmem_group {
	pthread_mutex_t lock;
	pthread_cond_t done;	/* a leader finished (lock) */
	uint64_t open;		/* the group new ranges join (lock) */
	/* every group up to this one is durable: release store under the
	 * lock after the leader's msync, acquire load in pmem_group_try */
	uint64_t durable;
	int leading;		/* a leader writes a group back (lock) */
	unsigned n;		/* ranges in the open group (lock) */
	struct vdm__range ranges[PMEM_GROUP_MAX];
};

/* what a pmem mover knows of its map */
struct pmem_map_state {
	uintptr_t base;	/* the map's first byte */
	size_t size;	/* its length */
	int page;	/* PAGE granularity: persist with msync */
	struct pmem__fns fns;
	struct pmem_group group;	/* PAGE maps only */
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
 * pmem_store -- stores the bytes [off, off + len) of a checked operation,
 * not durable yet: on a PAGE map not written back, on others flushed (or
 * stored non-temporally) but not drained
 */
static void
pmem_store(const struct pmem_map_state *map, const struct vdm_operation *op,
	size_t off, size_t len)
{
	const struct pmem__fns *fns = &map->fns;
	char *dest = (char *)op->data.memcpy.dest + off;
	unsigned flags = (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT) ?
		PMEM2_F_MEM_NONTEMPORAL : 0;

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
}

/*
 * pmem_write_back -- writes back ranges of a PAGE map: one msync per run of
 * ranges that touch or overlap, in whole pages (sorts the ranges)
 */
static void
pmem_write_back(const struct pmem_map_state *map, struct vdm__range *r,
	unsigned n)
{
	/* by address; a group is small */
	for (unsigned i = 1; i < n; i++) {
		struct vdm__range x = r[i];
		unsigned j = i;
		for (; j > 0 && (uintptr_t)r[j - 1].addr > (uintptr_t)x.addr;
				j--)
			r[j] = r[j - 1];
		r[j] = x;
	}

	for (unsigned i = 0; i < n;) {
		uintptr_t start = (uintptr_t)r[i].addr & ~(PMEM_PAGE - 1);
		uintptr_t end = (uintptr_t)r[i].addr + r[i].len;
		for (i++; i < n && ((uintptr_t)r[i].addr & ~(PMEM_PAGE - 1)) <=
				end; i++) {
			uintptr_t e = (uintptr_t)r[i].addr + r[i].len;
			if (e > end)
				end = e;
		}
		map->fns.persist((const void *)start, end - start);
	}
}

/*
 * pmem_group_lead -- closes the open group and writes it back, the lock
 * dropped meanwhile (lock held, no leader; returns with the lock held)
 */
static void
pmem_group_lead(struct pmem_group *g, const struct pmem_map_state *map)
{
	struct vdm__range r[PMEM_GROUP_MAX];
	unsigned n = g->n;
	uint64_t closed = g->open;

	memcpy(r, g->ranges, n * sizeof(r[0]));
	g->n = 0;
	g->open++;
	g->leading = 1;
	pthread_mutex_unlock(&g->lock);

	pmem_write_back(map, r, n);

	pthread_mutex_lock(&g->lock);
	/* release: the write-back above before any thread sees the group
	 * durable (pairs with the acquire load in pmem_group_try) */
	atomic_store_explicit(CORE__ATOMIC(&g->durable), closed,
		memory_order_release);
	g->leading = 0;
	pthread_cond_broadcast(&g->done);
}

/*
 * pmem_group_join -- adds stored ranges to the open group; returns the
 * number of the group the last one joined
 */
static uint64_t
pmem_group_join(struct pmem_group *g, const struct pmem_map_state *map,
	const struct vdm__range *r, unsigned n)
{
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < n; i++) {
		/* a full group goes first, by this thread or the leader */
		while (g->n == PMEM_GROUP_MAX) {
			if (g->leading)
				pthread_cond_wait(&g->done, &g->lock);
			else
				pmem_group_lead(g, map);
		}
		g->ranges[g->n++] = r[i];
	}
	uint64_t ticket = g->open;
	pthread_mutex_unlock(&g->lock);
	return ticket;
}

/*
 * pmem_group_try -- non-zero once group ticket (and every one before) is
 * durable; leads its write-back if no thread does, and if another does and
 * wait is 0, returns 0 at once rather than wait for it
 */
static int
pmem_group_try(struct pmem_group *g, const struct pmem_map_state *map,
	uint64_t ticket, int wait)
{
	/* acquire: pairs with the release store in pmem_group_lead */
	if (atomic_load_explicit(CORE__ATOMIC(&g->durable),
			memory_order_acquire) >= ticket)
		return 1;

	pthread_mutex_lock(&g->lock);
	/*
	 * Relaxed: durable changes under this lock.  With no leader, every
	 * closed group is durable, so the group still missing is the open
	 * one: lead it.
	 */
	while (atomic_load_explicit(CORE__ATOMIC(&g->durable),
			memory_order_relaxed) < ticket) {
		if (!g->leading)
			pmem_group_lead(g, map);
		else if (wait)
			pthread_cond_wait(&g->done, &g->lock);
		else
			break;
	}
	int durable = atomic_load_explicit(CORE__ATOMIC(&g->durable),
		memory_order_relaxed) >= ticket;
	pthread_mutex_unlock(&g->lock);
	return durable;
}

/*
 * pmem_group_init -- an empty group persist; 0 or an errno value
 */
static int
pmem_group_init(struct pmem_group *g)
{
	int ret = pthread_mutex_init(&g->lock, NULL);
	if (ret != 0)
		return ret;
	ret = pthread_cond_init(&g->done, NULL);
	if (ret != 0) {
		(void) pthread_mutex_destroy(&g->lock);
		return ret;
	}
	g->open = 1;
	g->durable = 0;
	g->leading = 0;
	g->n = 0;
	return 0;
}

/*
 * pmem_group_fini -- writes back what futures dropped after their first
 * poll left in the open group, and frees the group
 */
static void
pmem_group_fini(struct pmem_group *g, const struct pmem_map_state *map)
{
	pthread_mutex_lock(&g->lock);
	if (g->n > 0)
		pmem_group_lead(g, map);
	pthread_mutex_unlock(&g->lock);
	(void) pthread_cond_destroy(&g->done);
	(void) pthread_mutex_destroy(&g->lock);
}

/*
 * pmem_persist -- makes durable the ranges this thread stored with
 * pmem_store: on a PAGE map through the group persist (waiting for it),
 * on others with one drain of this thread's flushes and stores
 */
static void
pmem_persist(void *arg, struct vdm__range *r, unsigned n)
{
	struct pmem_map_state *map = arg;

	if (!map->page) {
		map->fns.drain();
		return;
	}
	uint64_t ticket = pmem_group_join(&map->group, map, r, n);
	(void) pmem_group_try(&map->group, map, ticket, 1);
}

/*
 * pmem_piece -- stores the bytes [off, off + len) of a checked operation
 * (the engine persists them in batches with pmem_persist)
 */
static void
pmem_piece(void *arg, const struct vdm_operation *op, size_t off,
	size_t len)
{
	pmem_store(arg, op, off, len);
}

/*
 * pmem_do -- a whole checked operation, durable when it returns
 */
static void
pmem_do(struct pmem_map_state *map, const struct vdm_operation *op)
{
	struct vdm__range r = {
		/* every operation's destination is its first argument */
		.addr = op->data.memcpy.dest,
		.len = vdm__operation_len(op),
	};

	pmem_store(map, op, 0, r.len);
	pmem_persist(map, &r, 1);
}

static const struct vdm__threads_backend pmem_backend = {
	.check = pmem_check,
	.piece = pmem_piece,
	.persist = pmem_persist,
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
 * pmem_sync_run -- the run task of every type: the whole operation,
 * durable, in one call; on a PAGE map, the first call stores the bytes and
 * joins the group persist, and a later one returns once the group is
 * durable
 */
static enum future_state
pmem_sync_run(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct pmem_sync_mover *m = pmem_sync_of(data->vdm);
	const struct vdm_operation *op = &data->operation;

	if (context->state == FUTURE_STATE_RUNNING) {
		/* data->data holds the group this operation joined; while
		 * another thread writes back, poll again rather than wait */
		if (!pmem_group_try(&m->map.group, &m->map,
				(uint64_t)(uintptr_t)data->data, 0))
			return FUTURE_STATE_RUNNING;
		return vdm_run_complete(context, VDM_SUCCESS);
	}

	enum vdm_operation_result result = pmem_check(&m->map, op);
	if (result != VDM_SUCCESS)
		return vdm_run_complete(context, result);

	if (!m->map.page) {
		pmem_do(&m->map, op);
		return vdm_run_complete(context, VDM_SUCCESS);
	}

	struct vdm__range r = {
		/* every operation's destination is its first argument */
		.addr = op->data.memcpy.dest,
		.len = vdm__operation_len(op),
	};
	pmem_store(&m->map, op, 0, r.len);
	data->data = (void *)(uintptr_t)pmem_group_join(&m->map.group,
		&m->map, &r, 1);
	/* no notifier: the runtime polls again, and a poll writes back */
	return FUTURE_STATE_RUNNING;
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
		pmem_do(map, op);
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
 * pmem_sync_init -- learns the map (arg), readies the group persist
 */
static int
pmem_sync_init(struct vdm *vdm, void *arg)
{
	struct pmem_sync_mover *m = pmem_sync_of(vdm);

	pmem_map_init(&m->map, arg);
	return pmem_group_init(&m->map.group);
}

/*
 * pmem_sync_fini -- writes back what the group still holds
 */
static void
pmem_sync_fini(struct vdm *vdm)
{
	struct pmem_sync_mover *m = pmem_sync_of(vdm);

	pmem_group_fini(&m->map.group, &m->map);
}

static const struct vdm_descriptor pmem_sync_descriptor = {
	.size = sizeof(struct pmem_sync_mover),
	.init = pmem_sync_init,
	.fini = pmem_sync_fini,
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
 * pmem_pool_map -- the map state of a pmem mover with threads
 */
static inline struct pmem_map_state *
pmem_pool_map(struct vdm *vdm)
{
	return (struct pmem_map_state *)(void *)
		((char *)vdm + PMEM_POOL_MAP_OFFSET);
}

/*
 * pmem_pool_init -- learns the map, readies the group persist, starts the
 * engine with the pmem backend
 */
static int
pmem_pool_init(struct vdm *vdm, void *arg)
{
	const struct pmem_pool_args *args = arg;
	struct pmem_map_state *map = pmem_pool_map(vdm);
	struct vdm_threads_config config = {
		.nthreads = args->nthreads,
		.queue_depth = 0,
	};

	pmem_map_init(map, args->map);
	int ret = pmem_group_init(&map->group);
	if (ret != 0)
		return ret;
	ret = vdm__threads_init(vdm, &config, FUTURE_NOTIFIER_WAKER,
		&pmem_backend, map);
	if (ret != 0)
		pmem_group_fini(&map->group, map);
	return ret;
}

/*
 * pmem_pool_fini -- lets the queued work finish, stops the workers, then
 * frees the group persist
 */
static void
pmem_pool_fini(struct vdm *vdm)
{
	struct pmem_map_state *map = pmem_pool_map(vdm);

	vdm__threads_fini(vdm);
	pmem_group_fini(&map->group, map);
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
	desc.fini = pmem_pool_fini;
	desc.init_arg = &args;
	desc.ops = vdm__threads_ops();
	/* durable it is: libpmem2 may skip its own persist */
	desc.ops.capabilities = VDM_F_MEM_DURABLE;
	return vdm_new(&desc);
}
