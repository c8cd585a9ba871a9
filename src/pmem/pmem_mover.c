/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_mover.c -- durable operations on a target, on the polling thread or
 * on the pool engine of vdm_threads.c, with group persist
 *
 * A range is durable once it was stored and then either drained on the
 * thread that stored it (persistent memory: the store flushed the cache
 * lines or bypassed the caches) or written back to its file (msync).  The
 * target says which a range needs.  Drains are per thread and cheap to
 * share: a worker drains once for all it stored since it ran out of work.
 * Write-backs go through the target's group (see pmem_mover.h), so
 * operations in flight together share them.
 *
 * Without threads, a future's first poll stores its bytes; a range that
 * needs a drain is drained and the future completes, one that needs a
 * write-back joins the group and the future returns RUNNING, to complete
 * at a later poll once its group was written back (by that poll, as the
 * group's leader, or by another thread).
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/atomics.h"
#include "core/clock.h"
#include "core/util.h"
#include "pmem_mover.h"
#include "vdm_internal.h"

/* how long a leader waits for stored ranges to join its group */
#define PMV_GATHER_NS ((uint64_t)100000)

#ifdef MINIASYNC_PMEM_TEST_SEAM
int (*pmv__fail_write_back)(const void *addr, size_t len);
#endif

/*
 * pmv__store -- stores a piece of an operation with a set of functions
 */
void
pmv__store(const struct pmv__fns *fns, const struct vdm_operation *op,
	size_t off, size_t len, unsigned flags)
{
	char *dest = vdm__operation_range(op, off, len).addr;

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
		if (!(flags & PMEM2_F_MEM_NOFLUSH))
			fns->flush(dest, len);
		break;
	}
}

/*
 * pmv_write_back -- writes back ranges: one write-back per run of ranges
 * at most the target's write_back_gap apart (sorts the ranges); 0, or -1
 * if any failed.  A run covers the gaps between its ranges too: what else
 * was stored there is written back sooner, never later, and the kernel
 * finds the dirty pages of a range without looking at the clean ones.  Two
 * workers that stored every other page of a map so cost one write-back,
 * not one per page.  A target whose ranges may lie anywhere (libpmem) has
 * no gap: the bytes between two ranges may not even be mapped.  (The
 * write-back rounds to pages itself.)
 */
static int
pmv_write_back(const struct pmv__target *t, struct vdm__range *r,
	unsigned n)
{
	int ret = 0;

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
		uintptr_t start = (uintptr_t)r[i].addr;
		uintptr_t end = start + r[i].len;
		for (i++; i < n && (uintptr_t)r[i].addr <= end +
				t->write_back_gap; i++) {
			uintptr_t e = (uintptr_t)r[i].addr + r[i].len;
			if (e > end)
				end = e;
		}
		if (t->ops->write_back(t, (const void *)start, end - start))
			ret = -1;
#ifdef MINIASYNC_PMEM_TEST_SEAM
		if (pmv__fail_write_back != NULL &&
				pmv__fail_write_back((const void *)start,
					end - start))
			ret = -1;
#endif
	}
	return ret;
}

/*
 * pmv_group_lead -- closes the open group and writes it back, the lock
 * dropped meanwhile (lock held, no leader; returns with the lock held)
 */
static void
pmv_group_lead(struct pmv__target *t)
{
	struct pmv__group *g = &t->group;
	struct vdm__range r[PMV__GROUP_MAX];
	unsigned n = g->n;
	uint64_t closed = g->open;

	memcpy(r, g->ranges, n * sizeof(r[0]));
	g->n = 0;
	g->open++;
	g->leading = 1;
	/* relaxed: a hint for the pool's spinning threads (pmv_quiet) */
	core__store_relaxed_uint(&g->quiet, 1);
	pthread_mutex_unlock(&g->lock);

	int failed = pmv_write_back(t, r, n);

	/* relaxed: the hint withdrawn; it orders nothing */
	core__store_relaxed_uint(&g->quiet, 0);
	pthread_mutex_lock(&g->lock);
	/* relaxed: published by the release store of durable below */
	if (failed && core__load_relaxed_u64(&g->failed) == 0)
		core__store_relaxed_u64(&g->failed, closed);
	/* release: the write-back (and error) above before any thread sees
	 * the group written back (pairs with the acquire in pmv_group_try) */
	core__store_release_u64(&g->durable, closed);
	g->leading = 0;
	pthread_cond_broadcast(&g->done);
}

/*
 * pmv_group_join -- adds stored ranges to the open group; returns the
 * number of the group the last one joined.  counted: the pool's threads
 * counted them in unjoined as they stored them (pmv_piece).
 */
static uint64_t
pmv_group_join(struct pmv__target *t, const struct vdm__range *r,
	unsigned n, int counted)
{
	struct pmv__group *g = &t->group;

	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < n; i++) {
		/* a full group goes first, by this thread or the leader */
		while (g->n == PMV__GROUP_MAX) {
			if (g->leading) {
				/* a gathering leader stops at a full group */
				if (g->gathering)
					pthread_cond_broadcast(&g->joined);
				pthread_cond_wait(&g->done, &g->lock);
			} else {
				pmv_group_lead(t);
			}
		}
		g->ranges[g->n++] = r[i];
		if (counted)
			/* relaxed: changes only under the lock but for the
			 * increments, which need no order */
			(void) core__sub_relaxed_uint(&g->unjoined, 1);
	}
	if (g->gathering)
		pthread_cond_broadcast(&g->joined);
	uint64_t ticket = g->open;
	pthread_mutex_unlock(&g->lock);
	return ticket;
}

/*
 * pmv_group_gather -- before a leader closes the open group: while the
 * pool's threads hold stored ranges that have not joined it yet, waits for
 * them, up to PMV_GATHER_NS or until the group is full, so that one
 * write-back serves them too rather than the next group's (lock held,
 * leading set)
 */
static void
pmv_group_gather(struct pmv__group *g)
{
	/* relaxed: a hint; the ranges themselves join under the lock */
	if (core__load_relaxed_uint(&g->unjoined) == 0)
		return;

	struct timespec until = core__deadline(PMV_GATHER_NS);

	g->gathering = 1;
	/* relaxed: as above */
	while (g->n < PMV__GROUP_MAX &&
			core__load_relaxed_uint(&g->unjoined) != 0)
		if (pthread_cond_timedwait(&g->joined, &g->lock,
				&until) != 0)
			break;
	g->gathering = 0;
}

/*
 * pmv_group_result -- the outcome of group ticket, written back already
 */
static inline enum vdm_operation_result
pmv_group_result(struct pmv__group *g, uint64_t ticket)
{
	/* relaxed: a failure of this group or an earlier one was stored
	 * before the write-back was published (see pmv_group_lead) */
	uint64_t failed = core__load_relaxed_u64(&g->failed);

	return failed != 0 && ticket >= failed ? VDM_ERROR_IO : VDM_SUCCESS;
}

/*
 * pmv_group_try -- once group ticket (and every one before it) is written
 * back, sets *result and returns non-zero; leads the write-back if no
 * thread does; if another does and wait is 0, returns 0 at once rather
 * than wait for it
 */
static int
pmv_group_try(struct pmv__target *t, uint64_t ticket, int wait,
	enum vdm_operation_result *result)
{
	struct pmv__group *g = &t->group;

	/* acquire: pairs with the release store in pmv_group_lead */
	if (core__load_acquire_u64(&g->durable) >= ticket) {
		*result = pmv_group_result(g, ticket);
		return 1;
	}

	pthread_mutex_lock(&g->lock);
	/*
	 * Relaxed: durable changes under this lock.  With no leader, every
	 * closed group is written back, so the group still missing is the
	 * open one: lead it.
	 */
	while (core__load_relaxed_u64(&g->durable) < ticket) {
		if (!g->leading) {
			g->leading = 1;
			/* relaxed: a hint (pmv_quiet); pmv_group_lead
			 * clears it */
			core__store_relaxed_uint(&g->quiet, 1);
			pmv_group_gather(g);
			pmv_group_lead(t);
		}
		else if (wait)
			pthread_cond_wait(&g->done, &g->lock);
		else
			break;
	}
	/* relaxed: under the lock, as above */
	int done = core__load_relaxed_u64(&g->durable) >= ticket;
	*result = pmv_group_result(g, ticket);
	pthread_mutex_unlock(&g->lock);
	return done;
}

/*
 * pmv_group_init -- an empty group; 0 or an errno value
 */
static int
pmv_group_init(struct pmv__group *g)
{
	int ret = pthread_mutex_init(&g->lock, NULL);
	if (ret != 0)
		return ret;
	ret = pthread_cond_init(&g->done, NULL);
	if (ret != 0)
		goto err_lock;

	pthread_condattr_t attr;
	ret = pthread_condattr_init(&attr);
	if (ret != 0)
		goto err_done;
	/* pmv_group_gather's deadline is on the monotonic clock */
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (ret == 0)
		ret = pthread_cond_init(&g->joined, &attr);
	(void) pthread_condattr_destroy(&attr);
	if (ret != 0)
		goto err_done;

	g->open = 1;
	g->leading = 0;
	g->gathering = 0;
	g->n = 0;
	/* the words read outside the lock: before the mover is published */
	core__atomic_init_u64(&g->durable, 0);
	core__atomic_init_u64(&g->failed, 0);
	core__atomic_init_uint(&g->unjoined, 0);
	core__atomic_init_uint(&g->quiet, 0);
	return 0;

err_done:
	(void) pthread_cond_destroy(&g->done);
err_lock:
	(void) pthread_mutex_destroy(&g->lock);
	return ret;
}

/*
 * pmv_group_fini -- writes back what futures dropped after their first
 * poll left in the open group, and frees the group
 */
static void
pmv_group_fini(struct pmv__target *t)
{
	struct pmv__group *g = &t->group;

	pthread_mutex_lock(&g->lock);
	if (g->n > 0)
		pmv_group_lead(t);
	pthread_mutex_unlock(&g->lock);
	(void) pthread_cond_destroy(&g->joined);
	(void) pthread_cond_destroy(&g->done);
	(void) pthread_mutex_destroy(&g->lock);
}

/*
 * pmv_persist -- makes durable the ranges this thread stored: one drain
 * for those that need one, the group for those that need a write-back
 * (waiting for it)
 */
static enum vdm_operation_result
pmv_persist_ranges(struct pmv__target *t, struct vdm__range *r, unsigned n,
	int counted)
{
	uint64_t ticket = 0;
	unsigned nwb = 0;
	int drain = 0;

	/* the ranges that need a write-back move to the front, in order */
	for (unsigned i = 0; i < n; i++) {
		if (t->ops->needs_write_back(t, r[i].addr, r[i].len))
			r[nwb++] = r[i];
		else
			drain = 1;
	}
	if (drain)
		t->fns.drain();
	if (nwb == 0)
		return VDM_SUCCESS;

	enum vdm_operation_result result;
	ticket = pmv_group_join(t, r, nwb, counted);
	(void) pmv_group_try(t, ticket, 1, &result);
	return result;
}

/*
 * pmv_persist -- the engine's persist: the ranges of the pieces this
 * thread stored with pmv_piece
 */
static enum vdm_operation_result
pmv_persist(void *arg, struct vdm__range *r, unsigned n)
{
	return pmv_persist_ranges(arg, r, n, 1);
}

/*
 * pmv_check -- the target's check
 */
static enum vdm_operation_result
pmv_check(void *arg, const struct vdm_operation *op)
{
	const struct pmv__target *t = arg;

	return t->ops->check(t, op);
}

/*
 * pmv_piece -- stores a piece; the engine persists it with pmv_persist
 */
static void
pmv_piece(void *arg, const struct vdm_operation *op, size_t off,
	size_t len)
{
	struct pmv__target *t = arg;
	struct vdm__range r = vdm__operation_range(op, off, len);

	/* relaxed: a hint for a leader (pmv_group_gather) */
	if (t->ops->needs_write_back(t, r.addr, r.len))
		(void) core__add_relaxed_uint(&t->group.unjoined, 1);
	t->ops->store(t, op, off, len);
}

/*
 * pmv_linger -- a batch with a range to write back is worth waiting for
 * more work: one msync costs far more than a wait, and more work joins it
 */
static int
pmv_linger(void *arg, const struct vdm__range *r, unsigned n)
{
	const struct pmv__target *t = arg;

	for (unsigned i = 0; i < n; i++)
		if (t->ops->needs_write_back(t, r[i].addr, r[i].len))
			return 1;
	return 0;
}

/*
 * pmv_quiet -- while a leader gathers or writes back, the pool's threads
 * had better join what they stored at once than wait for more work, and
 * sleep than spin: every page msync() writes back costs an interrupt to
 * each other processor running the process
 */
static int
pmv_quiet(void *arg)
{
	struct pmv__target *t = arg;

	/* relaxed: a hint, see struct pmv__group */
	return core__load_relaxed_uint(&t->group.quiet) != 0;
}

static const struct vdm__threads_backend pmv_backend = {
	.check = pmv_check,
	.piece = pmv_piece,
	.persist = pmv_persist,
	.linger = pmv_linger,
	.quiet = pmv_quiet,
};

/*
 * pmv_range_of -- the whole destination range of an operation
 */
static inline struct vdm__range
pmv_range_of(const struct vdm_operation *op)
{
	return vdm__operation_range(op, 0, vdm__operation_len(op));
}

/* a pmem mover without threads: the table, then the target */
struct pmv_sync_mover {
	struct vdm base;
	struct pmv__target target;
};

/*
 * pmv_sync_of -- the pmem mover without threads that vdm is
 */
static inline struct pmv_sync_mover *
pmv_sync_of(struct vdm *vdm)
{
	return (struct pmv_sync_mover *)vdm;
}

/*
 * pmv_sync_again -- what pmv_sync_run answers while its operation waits
 * for a write-back: running, with no notifier, so that it is polled again
 */
static inline enum future_state
pmv_sync_again(struct future_notifier *notifier)
{
	if (notifier != NULL)
		notifier->notifier_used = FUTURE_NOTIFIER_NONE;
	return FUTURE_STATE_RUNNING;
}

/*
 * pmv_sync_run -- the run task of every type: the first call stores the
 * bytes and drains them, or joins the group; a later call completes once
 * the group was written back
 */
static enum future_state
pmv_sync_run(struct future_context *context, struct future_notifier *notifier)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	struct pmv__target *t = &pmv_sync_of(data->vdm)->target;
	const struct vdm_operation *op = &data->operation;
	enum vdm_operation_result result;

	if (context->state == FUTURE_STATE_RUNNING) {
		/* data->data holds the group this operation joined; while
		 * another thread writes back, poll again rather than wait */
		if (!pmv_group_try(t, (uint64_t)(uintptr_t)data->data, 0,
				&result))
			return pmv_sync_again(notifier);
		return vdm_run_complete(context, result);
	}

	result = t->ops->check(t, op);
	if (result != VDM_SUCCESS)
		return vdm_run_complete(context, result);

	struct vdm__range r = pmv_range_of(op);
	t->ops->store(t, op, 0, r.len);
	if (!t->ops->needs_write_back(t, r.addr, r.len)) {
		t->fns.drain();
		return vdm_run_complete(context, VDM_SUCCESS);
	}

	data->data = (void *)(uintptr_t)pmv_group_join(t, &r, 1, 0);
	/* the runtime polls again, and a poll writes back */
	return pmv_sync_again(notifier);
}

/*
 * The outcome of the persist in pmv_sync_op_start, for pmv_sync_op_delete:
 * the handle is the mover, shared by all operations, but a vdm future's
 * task calls both on the same thread in the same poll (op_check reports
 * the operation complete at once).
 */
static _Thread_local enum vdm_operation_result pmv_sync_failed;

/*
 * pmv_sync_op_new -- the handle of every operation is the mover itself
 */
static void *
pmv_sync_op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	(void) type;
	return vdm;
}

/*
 * pmv_sync_op_start -- performs the operation now, durably (the table's
 * way in, used by libpmem2)
 */
static int
pmv_sync_op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	struct pmv__target *t = &pmv_sync_of(data)->target;

	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;
	/* nothing to store is nothing to make durable, wherever it points */
	struct vdm__range r = pmv_range_of(op);
	if (r.len != 0 && t->ops->check(t, op) == VDM_SUCCESS) {
		t->ops->store(t, op, 0, r.len);
		pmv_sync_failed = pmv_persist_ranges(t, &r, 1, 0);
	}
	return 0;
}

/*
 * pmv_sync_op_check -- an operation is done once started
 */
static enum future_state
pmv_sync_op_check(void *data, const struct vdm_operation *op)
{
	(void) data;
	(void) op;
	return FUTURE_STATE_COMPLETE;
}

/*
 * pmv_sync_op_delete -- reports the outcome; nothing to release
 */
static void
pmv_sync_op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	struct pmv__target *t = &pmv_sync_of(data)->target;

	enum vdm_operation_result result = t->ops->check(t, op);
	if (result == VDM_SUCCESS)
		result = pmv_sync_failed;
	pmv_sync_failed = VDM_SUCCESS;
	vdm__operation_output(op, result, output);
}

/* what the init functions get */
struct pmv_init_args {
	void (*setup)(struct pmv__target *t, void *arg);
	void *arg;
	unsigned nthreads;
};

/*
 * pmv_sync_init -- sets the target up, readies its group
 */
static int
pmv_sync_init(struct vdm *vdm, void *arg)
{
	const struct pmv_init_args *a = arg;
	struct pmv__target *t = &pmv_sync_of(vdm)->target;

	a->setup(t, a->arg);
	return pmv_group_init(&t->group);
}

/*
 * pmv_sync_fini -- writes back what the group still holds
 */
static void
pmv_sync_fini(struct vdm *vdm)
{
	pmv_group_fini(&pmv_sync_of(vdm)->target);
}

static const struct vdm_descriptor pmv_sync_descriptor = {
	.size = sizeof(struct pmv_sync_mover),
	.init = pmv_sync_init,
	.fini = pmv_sync_fini,
	.init_arg = NULL,
	.ops = {
		.op_new = pmv_sync_op_new,
		.op_delete = pmv_sync_op_delete,
		.op_start = pmv_sync_op_start,
		.op_check = pmv_sync_op_check,
		/* durable it is: libpmem2 may skip its own persist */
		.capabilities = VDM_F_MEM_DURABLE,
		.has_property = NULL,
	},
	.run = {
		[VDM_OPERATION_MEMCPY] = pmv_sync_run,
		[VDM_OPERATION_MEMMOVE] = pmv_sync_run,
		[VDM_OPERATION_MEMSET] = pmv_sync_run,
		[VDM_OPERATION_FLUSH] = pmv_sync_run,
	},
};

/* the engine's state comes first; the target follows on a line of its own */
#define PMV_POOL_TARGET_OFFSET \
	CORE__ALIGN_UP(vdm__threads_size(), (size_t)CORE__CACHELINE_SIZE)

/*
 * pmv_pool_target -- the target of a pmem mover with threads
 */
static inline struct pmv__target *
pmv_pool_target(struct vdm *vdm)
{
	return (struct pmv__target *)(void *)
		((char *)vdm + PMV_POOL_TARGET_OFFSET);
}

/*
 * pmv_pool_init -- sets the target up, readies its group, starts the
 * engine with the pmem backend
 */
static int
pmv_pool_init(struct vdm *vdm, void *arg)
{
	const struct pmv_init_args *a = arg;
	struct pmv__target *t = pmv_pool_target(vdm);
	struct vdm_threads_config config = {
		.nthreads = a->nthreads,
		.queue_depth = 0,
		/* every operation to the workers: stores to persistent
		 * memory are slow enough to be worth handing over, and
		 * nthreads == 0 is how to keep them on the polling thread */
		.offload_min = 1,
	};

	a->setup(t, a->arg);
	int ret = pmv_group_init(&t->group);
	if (ret != 0)
		return ret;
	ret = vdm__threads_init(vdm, &config, FUTURE_NOTIFIER_WAKER,
		&pmv_backend, t);
	if (ret != 0)
		pmv_group_fini(t);
	return ret;
}

/*
 * pmv_pool_fini -- lets the queued work finish, stops the workers, then
 * frees the group
 */
static void
pmv_pool_fini(struct vdm *vdm)
{
	vdm__threads_fini(vdm);
	pmv_group_fini(pmv_pool_target(vdm));
}

/*
 * pmv__mover_new -- a durable mover on the target setup fills in
 */
struct vdm *
pmv__mover_new(void (*setup)(struct pmv__target *t, void *arg), void *arg,
	unsigned nthreads)
{
	/* the pool engine's own limit, checked before a target is set up */
	if (nthreads > VDM__POOL_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}

	struct pmv_init_args args = {
		.setup = setup,
		.arg = arg,
		.nthreads = nthreads,
	};
	struct vdm_descriptor desc;

	if (nthreads == 0) {
		desc = pmv_sync_descriptor;
	} else {
		memset(&desc, 0, sizeof(desc));
		desc.size = PMV_POOL_TARGET_OFFSET + sizeof(struct pmv__target);
		desc.init = pmv_pool_init;
		desc.fini = pmv_pool_fini;
		desc.ops = vdm__threads_ops();
		/* durable it is: libpmem2 may skip its own persist */
		desc.ops.capabilities = VDM_F_MEM_DURABLE;
		for (unsigned t = 0; t < VDM_OPERATION_TYPES; t++)
			desc.run[t] = vdm__threads_run;
	}
	desc.init_arg = &args;
	return vdm_new(&desc);
}
