/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_mover.c -- durable operations on a target, on the polling thread or
 * on the pool engine (engine.c), with group persist
 *
 * A range is durable once it was stored and then either drained on the
 * thread that stored it (persistent memory: the store flushed the cache
 * lines or bypassed the caches) or written back to its file (msync).  The
 * target says which a range needs.  Drains are per thread and cheap to
 * share: a worker drains once for all it stored since it ran out of work.
 * Write-backs go through the target's group (see write_back.h), so
 * operations in flight together share them.
 *
 * Without threads, a future's first poll stores its bytes and returns
 * RUNNING (with no notifier: the runtime polls again).  A range that needs
 * a drain joins the polling thread's drain group (drain_group.h): a later
 * poll completes once a drain of the thread that stored it covers it, so
 * that futures polled together share one drain.  A range that needs a
 * write-back joins the target's group, to complete at a later poll once
 * its group was written back (by that poll, as the group's leader, or by
 * another thread).  Where the drain group cannot be used (membarrier
 * refused, or a thread that finds its table full), a range that needs a
 * drain is drained at the first poll and the future completes.
 */

#include <errno.h>
#include <string.h>

#include "core/util.h"
#include "drain_group.h"
#include "kernel_copy.h"
#include "pmem_mover.h"
#include "vdm_internal.h"

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

/* every operation of a pmem mover is durable: VDM_F_MEM_DURABLE is implied */
#define PMV_SUPPORTED_FLAGS \
	((uint64_t)(VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT))

/*
 * pmv__check_in_target -- bad input, then a destination outside the
 * target's range, if it has one
 */
enum vdm_operation_result
pmv__check_in_target(const struct pmv__target *t,
	const struct vdm_operation *op)
{
	enum vdm_operation_result result =
		vdm__operation_check(op, PMV_SUPPORTED_FLAGS);
	size_t len = vdm__operation_len(op);

	if (result != VDM_SUCCESS || len == 0 || t->size == 0)
		return result;
	if (!pmv__in_target(t, vdm__operation_range(op, 0, len).addr, len))
		return VDM_ERROR_OUT_OF_RANGE;
	return VDM_SUCCESS;
}

/*
 * pmv__store_unflushed -- stores a piece to be written back: through the
 * kernel, or prefaulted and stored with the target's functions (which
 * would store with no flush too), non-temporally if the operation asks
 */
void
pmv__store_unflushed(const struct pmv__target *t,
	const struct vdm_operation *op, size_t off, size_t len)
{
	if (t->kernel_store && pmv__kernel_store(op, off, len) == 0)
		return;
	pmv__prefault(op, off, len);
	unsigned flags = PMEM2_F_MEM_NOFLUSH;
	if (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT)
		flags |= PMEM2_F_MEM_NONTEMPORAL;
	pmv__store(&t->fns, op, off, len, flags);
}

/*
 * pmv_target_write_back -- the write-back of a target's group: the
 * target's own
 */
static int
pmv_target_write_back(void *arg, const void *addr, size_t len)
{
	const struct pmv__target *t = arg;

	return t->ops->write_back(t, addr, len);
}

/*
 * pmv_target_group_init -- readies the groups of a target set up: its
 * write-back group, and the polling thread's drain group where its drains
 * wait for flushes (drain_flushes) and the group is to be had
 */
static int
pmv_target_group_init(struct pmv__target *t)
{
	t->defer_drains = t->drain_flushes && pmv__drain_group_ready();
	return pmv__group_init(&t->group, pmv_target_write_back, t,
		t->write_back_gap);
}

/*
 * pmv_target_group_fini -- once no other thread uses the target: drains
 * what this thread deferred for it (those started on other threads are
 * theirs to drain, at their next completion of a future or their exit),
 * writes back what its group still holds, and frees the group
 */
static void
pmv_target_group_fini(struct pmv__target *t)
{
	if (t->defer_drains)
		pmv__drain_pending();
	pmv__group_fini(&t->group);
}

/*
 * pmv_persist_now -- makes ranges this thread stored durable before it
 * returns: a drain, or (write_back) the group's write-back, waited for;
 * counted as for pmv__group_join
 */
static enum vdm_operation_result
pmv_persist_now(struct pmv__target *t, struct vdm__range *r, unsigned n,
	int write_back, int counted)
{
	if (!write_back) {
		t->fns.drain();
		return VDM_SUCCESS;
	}

	enum vdm_operation_result result;
	uint64_t ticket = pmv__group_join(&t->group, r, n, counted);
	(void) pmv__group_try(&t->group, ticket, 1, &result);
	return result;
}

/*
 * pmv_persist -- the engine's persist: the ranges of the pieces this
 * thread stored with pmv_piece, of operations whose whole range needs a
 * write-back (costly, pmv_linger) or of operations whose range needs
 * none: a drain
 */
static enum vdm_operation_result
pmv_persist(void *arg, struct vdm__range *r, unsigned n, int costly)
{
	return pmv_persist_now(arg, r, n, costly, 1);
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
 * pmv_piece -- stores a piece of an operation whose whole range needs a
 * write-back (costly, as pmv_linger said) or none; the engine persists it
 * with pmv_persist, or pmv_join
 */
static void
pmv_piece(void *arg, const struct vdm_operation *op, size_t off,
	size_t len, int costly)
{
	struct pmv__target *t = arg;

	if (costly)
		pmv__group_stored(&t->group);
	if (t->ops->store_as != NULL)
		t->ops->store_as(t, op, off, len, costly);
	else
		t->ops->store(t, op, off, len);
}

/*
 * pmv_linger -- an operation whose range needs a write-back is costly to
 * persist: one msync costs far more than a wait for more work to join it.
 * The engine asks once per operation (the whole range), and tells
 * pmv_piece, pmv_persist and pmv_join: needs_write_back may be slow
 * (pmem_is_pmem() looks the range up under a lock).
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

	return pmv__group_quiet(&t->group);
}

/*
 * pmv_join -- the engine's join: the range of a short operation that
 * needs a write-back, which the polling thread stored with pmv_piece,
 * into the open group
 */
static uint64_t
pmv_join(void *arg, struct vdm__range *r, unsigned n)
{
	struct pmv__target *t = arg;

	return pmv__group_join(&t->group, r, n, 1);
}

/*
 * pmv_poll -- the engine's poll: non-zero once the group of ticket was
 * written back, by this thread if no other one leads it
 */
static int
pmv_poll(void *arg, uint64_t ticket, enum vdm_operation_result *result)
{
	struct pmv__target *t = arg;

	return pmv__group_try(&t->group, ticket, 0, result);
}

/*
 * pmv_defer -- the engine's defer, and pmv_sync_run's: the range of an
 * operation that needs a drain, which the polling thread stored, into
 * this thread's drain group; its ticket, or 0 once drained here (no
 * drain group for this target or thread)
 */
static uint64_t
pmv_defer(void *arg, const struct vdm__range *r)
{
	struct pmv__target *t = arg;
	uint64_t ticket = t->defer_drains && r->len != 0 ?
		pmv__drain_defer(t->fns.drain) : 0;

	if (ticket == 0)
		t->fns.drain();
	return ticket;
}

/*
 * pmv_finish -- the engine's finish, and pmv_sync_run's: the range of a
 * ticket of pmv_defer durable on this thread (pmv__drain_finish)
 */
static void
pmv_finish(void *arg, uint64_t ticket, const struct vdm__range *r)
{
	struct pmv__target *t = arg;

	pmv__drain_finish(ticket, &t->fns, r->addr, r->len);
}

/* the engine tells its tickets from its slots by the bit of the drain's */
_Static_assert(PMV__DRAIN_TICKET == VDM__THREADS_DEFERRED,
	"a drain ticket is a deferred handle of the engine");

static const struct vdm__threads_backend pmv_backend = {
	.check = pmv_check,
	.piece = pmv_piece,
	.persist = pmv_persist,
	.linger = pmv_linger,
	.quiet = pmv_quiet,
	.join = pmv_join,
	.poll = pmv_poll,
	.defer = pmv_defer,
	.finish = pmv_finish,
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
 * for a drain or a write-back: running, with no notifier, so that it is
 * polled again
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
 * bytes and joins the drain group or the write-back group (or drains them
 * and completes, where the drain group is not to be had); a later call
 * completes once they are drained or written back
 */
static enum future_state
pmv_sync_run(struct future_context *context, struct future_notifier *notifier)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	struct pmv__target *t = &pmv_sync_of(data->vdm)->target;
	const struct vdm_operation *op = &data->operation;
	enum vdm_operation_result result;

	if (context->state == FUTURE_STATE_RUNNING) {
		/* data->data holds the ticket of the drain group or the
		 * write-back group this operation joined */
		uint64_t ticket = (uint64_t)(uintptr_t)data->data;
		if (ticket & PMV__DRAIN_TICKET) {
			struct vdm__range r = pmv_range_of(op);
			pmv_finish(t, ticket, &r);
			return vdm_run_complete(context, VDM_SUCCESS);
		}
		/* while another thread writes back, poll again rather than
		 * wait */
		if (!pmv__group_try(&t->group, ticket, 0, &result))
			return pmv_sync_again(notifier);
		return vdm_run_complete(context, result);
	}

	result = t->ops->check(t, op);
	if (result != VDM_SUCCESS)
		return vdm_run_complete(context, result);

	struct vdm__range r = pmv_range_of(op);
	t->ops->store(t, op, 0, r.len);
	if (!t->ops->needs_write_back(t, r.addr, r.len)) {
		/* drained already (or nothing stored): no later poll */
		uint64_t ticket = pmv_defer(t, &r);
		if (ticket == 0)
			return vdm_run_complete(context, VDM_SUCCESS);
		data->data = (void *)(uintptr_t)ticket;
		/* the runtime polls again, and a poll drains */
		return pmv_sync_again(notifier);
	}

	data->data = (void *)(uintptr_t)pmv__group_join(&t->group, &r, 1, 0);
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
 * way in, used by libpmem2).  It drains at once, never through the drain
 * group: op_check must report the operation complete, and the handle is
 * the mover, shared by all operations, with no room for a ticket.
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
		pmv_sync_failed = pmv_persist_now(t, &r, 1,
			t->ops->needs_write_back(t, r.addr, r.len), 0);
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
 * pmv_sync_init -- sets the target up, readies its groups
 */
static int
pmv_sync_init(struct vdm *vdm, void *arg)
{
	const struct pmv_init_args *a = arg;
	struct pmv__target *t = &pmv_sync_of(vdm)->target;

	a->setup(t, a->arg);
	return pmv_target_group_init(t);
}

/*
 * pmv_sync_fini -- writes back what the group still holds, and drains
 * what this thread stored and has not drained yet, so that operations
 * started on it and never polled again are durable once the mover is
 * gone.  Those started on other threads are theirs to drain: at their
 * next completion of a future, or at their exit.
 */
static void
pmv_sync_fini(struct vdm *vdm)
{
	pmv_target_group_fini(&pmv_sync_of(vdm)->target);
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

/*
 * Operations shorter than this are stored on the polling thread, not
 * handed to a worker: drained there, or joined to the group write-back,
 * which the pool's threads share (vdm__threads_backend.join).  A burst of
 * 64 copies of 4 KiB into a PAGE map took the pool 1.25 times as long as
 * the polling thread alone (workers woken, their stores handed back,
 * msync() with the process's other threads running); now the two take
 * the same path.
 */
#define PMV_POOL_OFFLOAD_MIN ((size_t)64 << 10)

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
		.offload_min = PMV_POOL_OFFLOAD_MIN,
	};

	a->setup(t, a->arg);
	int ret = pmv_target_group_init(t);
	if (ret != 0)
		return ret;
	ret = vdm__threads_init(vdm, &config, FUTURE_NOTIFIER_WAKER,
		&pmv_backend, t);
	if (ret != 0)
		pmv__group_fini(&t->group);
	return ret;
}

/*
 * pmv_pool_fini -- lets the queued work finish, stops the workers, drains
 * what this thread deferred, then frees the group
 */
static void
pmv_pool_fini(struct vdm *vdm)
{
	vdm__threads_fini(vdm);
	pmv_target_group_fini(pmv_pool_target(vdm));
}

/*
 * pmv__mover_new -- a durable mover on the target setup fills in; errno
 * as it was, unless it fails
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

	int olderrno = errno;
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
	struct vdm *vdm = vdm_new(&desc);
	/* a setup may write errno on the way (libpmem's pmem_has_auto_flush()
	 * does): success leaves it as it was */
	if (vdm != NULL)
		errno = olderrno;
	return vdm;
}
