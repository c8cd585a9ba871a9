/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine.c -- the thread-pool engine: the slots of the operations in
 * flight and the operation table (the workers, setup and teardown are in
 * engine_setup.c)
 *
 * Every operation in flight owns a slot of the mover (taken in op_new,
 * given back in op_delete); the future keeps only the slot's address, so it
 * may move freely.  The futures of vdm_memcpy() and friends run
 * vdm__threads_run, which calls op_new at their first poll rather than at
 * their creation, and takes no slot at all for an operation shorter than
 * offload_min: it moves it at once.  op_start does the same for such an
 * operation in a slot (libpmem2's futures).  The hand-over (the slot's line
 * and a ring cell to a worker's cache, the completion back) costs the
 * polling thread more than such a copy.  Only when the backend's persist
 * of it is costly (a write-back) and the backend can share it (join and
 * poll) does such an operation take a slot: it is stored at its first
 * poll, joins the persist the mover's threads share, and completes at a
 * later poll once that is done (threads_check_joined), so a burst of them
 * costs one persist, as on a mover without threads.  One whose persist is
 * a drain the backend can leave to a later poll (defer and finish) takes
 * no slot either: it is stored at its first poll, the future's handle
 * keeps its ticket (VDM__THREADS_DEFERRED), and it completes at a later
 * poll, so that those stored in one pass share one drain.  Any other
 * op_start copies the operation into the slot and queues it, cut into
 * pieces when it is large, on a bounded lock-free ring (core/ring.h) of
 * entries (slot, generation), one per piece.  Whoever holds an entry
 * claims the slot's pieces one by one and moves them (engine_piece.c); a
 * poll after the first one claims and moves the pieces no worker has taken
 * yet, rather than wait.  A short operation (one piece, at most
 * THREADS_HELP_MAX bytes) hands out no notifier, so that a waiting runtime
 * polls it again and moves it on its own thread if no worker has claimed
 * it yet, rather than sleep and be woken (a wake-up costs far more than
 * the copy).
 *
 * The thread that finishes the last piece calls the waker, and a long
 * operation's pieces call it early, before completion (engine_piece.c).
 * A later poll hands out no notifier: a runtime woken by something else
 * polls the operation until it completes.  (Handing the waker out again
 * made each completion of many operations waited together cost its worker
 * a wake-up of the sleeping runtime: the pmem pool's 64 grouped copies took
 * twice as long.)
 *
 * A worker that finds the ring empty spins for a while, then sleeps
 * (engine_sleep.c).  vdm_delete() queues one stop entry per worker behind
 * the work already queued and joins them: the work queued before it is done
 * first.
 *
 * Entries whose pieces were all claimed by pollers stay in the ring until a
 * worker takes them, so the ring may fill up; op_start then moves the
 * operation itself if it could queue no entry.  When every slot is taken,
 * op_new hands out the inline handle instead, and such an operation runs
 * on the polling thread at its first poll.  Nothing is ever dropped.
 *
 * Lock order: the lock of the sleeping workers (engine_sleep.c) is the only
 * lock.
 */

#include <stdint.h>

#include <libminiasync/vdm_threads.h>

#include "core/atomics.h"
#include "core/ring.h"
#include "core/util.h"
#include "engine_internal.h"
#include "engine_sleep.h"

/* operations at least this long are cut into pieces for several workers */
#define THREADS_SPLIT_MIN ((size_t)1 << 20)
/*
 * ... of at least this many bytes each, one per worker, at most
 * ENGINE__MAX_SPREAD.  (Finer pieces, claimed one at a time, share the work
 * more evenly, but on a machine with few processors they make the workers
 * finish together, and the scheduler then often puts both to sleep on one
 * processor, so that the next operation's second worker waits for a
 * scheduler tick: a 64 MiB copy on two workers measured slower so.)
 */
#define THREADS_PIECE_MIN ((size_t)256 << 10)

/*
 * operations up to this long take no notifier: the waiting thread polls
 * them again and moves them itself unless a worker took them already (a
 * hand-over, and above all a wake-up of the waiter, costs more than that)
 */
#define THREADS_HELP_MAX ((size_t)64 << 10)

/*
 * The outcome of a persist on the inline handle, which many operations
 * share: op_start sets it and op_delete takes it, on the same thread in
 * the same poll (a vdm future's task calls both in the poll that starts
 * the operation, since op_check reports the inline handle complete).
 */
static _Thread_local enum vdm_operation_result threads_inline_failed;

/*
 * threads_result -- the outcome of an operation on this mover
 */
static inline enum vdm_operation_result
threads_result(const struct engine__mover *m, const struct vdm_operation *op)
{
	return m->backend->check(m->backend_arg, op);
}

/*
 * threads_pieces -- how many pieces an operation is cut into
 */
static unsigned
threads_pieces(const struct engine__mover *m, const struct vdm_operation *op,
	size_t len)
{
	if (len < THREADS_SPLIT_MIN)
		return 1;

	/* overlapping ranges must move in one sweep */
	if (vdm__operation_overlaps(op))
		return 1;

	size_t pieces = len / THREADS_PIECE_MIN;
	if (pieces > m->spread)
		pieces = m->spread;
	return pieces < 1 ? 1 : (unsigned)pieces;
}

/*
 * threads_push -- queues up to count copies of entry and returns how many
 * it queued: fewer when the ring is full
 */
static unsigned
threads_push(struct engine__mover *m, uint64_t entry, unsigned count)
{
	unsigned n = 0;

	while (n < count && core__ring_push(&m->ring, entry) == 0)
		n++;
	/*
	 * One sleeper per entry at most, all woken at once.  A spinning
	 * worker takes one entry; the others are pieces of the same
	 * operation, for more workers at once.
	 */
	engine__sleep_wake(&m->sleep, n < m->nthreads ? n : m->nthreads, 1);
	return n;
}

/*
 * engine__op_new -- takes a free slot, or the inline handle if none is free
 */
void *
engine__op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	struct engine__mover *m = (struct engine__mover *)vdm;
	(void) type;

	/* relaxed: a hint, see struct engine__mover */
	unsigned start = core__load_relaxed_uint(&m->slot_hint);
	for (unsigned i = 0; i < m->nslots; i++) {
		unsigned idx = (start + i) & (m->nslots - 1);
		struct engine__slot *slot = &m->slots[idx];
		int expected = 0;

		/* relaxed: a look before the CAS, which decides */
		if (core__load_relaxed_int(&slot->busy) != 0)
			continue;
		/* acquire: pairs with the release in op_delete, so the
		 * slot's last user is done with it */
		if (core__cas_strong_acquire_int(&slot->busy, &expected, 1)) {
			/* relaxed: a hint, as above */
			if (idx != start)
				core__store_relaxed_uint(&m->slot_hint, idx);
			return slot;
		}
	}

	return &m->inline_slot;
}

/*
 * threads_move_here -- moves (and persists, for a backend with persist) a
 * whole operation on the calling thread; the outcome of the persist
 */
static enum vdm_operation_result
threads_move_here(const struct engine__mover *m, const struct vdm_operation *op,
	size_t len, int costly)
{
	m->backend->piece(m->backend_arg, op, 0, len, costly);
	if (m->backend->persist == NULL)
		return VDM_SUCCESS;
	struct vdm__range r = vdm__operation_range(op, 0, len);
	return m->backend->persist(m->backend_arg, &r, 1, costly);
}

/*
 * threads_costly -- non-zero if the persist of a whole operation this
 * mover accepted is worth sharing with others (backend->linger)
 */
static int
threads_costly(const struct engine__mover *m, const struct vdm_operation *op,
	size_t len)
{
	if (m->backend->linger == NULL || len == 0)
		return 0;
	struct vdm__range whole = vdm__operation_range(op, 0, len);
	return m->backend->linger(m->backend_arg, &whole, 1);
}

/*
 * threads_joins -- non-zero if a short operation whose persist is costly
 * is stored on the polling thread and joins the shared persist, rather
 * than wait for a persist of its own (backend->join)
 */
static inline int
threads_joins(const struct engine__mover *m, int costly)
{
	return costly && m->backend->join != NULL;
}

/*
 * threads_store_join -- stores a whole short operation on this thread and
 * hands its range to the shared persist (backend->join): the ticket to
 * wait for, or 0 if it is durable already
 */
static uint64_t
threads_store_join(const struct engine__mover *m,
	const struct vdm_operation *op, size_t len)
{
	m->backend->piece(m->backend_arg, op, 0, len, 1);
	struct vdm__range r = vdm__operation_range(op, 0, len);
	return m->backend->join(m->backend_arg, &r, 1);
}

/*
 * threads_defers -- non-zero if a short operation whose persist is not
 * costly (a drain) leaves it to a later poll (backend->defer), so that the
 * operations stored in one pass share one
 */
static inline int
threads_defers(const struct engine__mover *m, int costly)
{
	return !costly && m->backend->defer != NULL;
}

/*
 * threads_store_defer -- stores a whole short operation on this thread and
 * leaves its persist to a later poll (backend->defer): the ticket for
 * backend->finish, or 0 if it is durable already
 */
static uint64_t
threads_store_defer(const struct engine__mover *m,
	const struct vdm_operation *op, size_t len)
{
	m->backend->piece(m->backend_arg, op, 0, len, 0);
	struct vdm__range r = vdm__operation_range(op, 0, len);
	return m->backend->defer(m->backend_arg, &r);
}

/*
 * threads_start -- op_start for a slot, with the operation's outcome and
 * the cost of its persist known: moves an operation shorter than
 * offload_min here (completing it at once, or once the shared persist it
 * joined is done), queues any other
 */
static void
threads_start(struct engine__slot *slot, const struct vdm_operation *op,
	struct future_notifier *n, enum vdm_operation_result result,
	int costly)
{
	struct engine__mover *m = slot->mover;
	size_t len = vdm__operation_len(op);

	if (result != VDM_SUCCESS || len < m->offload_min) {
		/* nothing to move, or too little to hand over: move it and
		 * complete at once, or at a later poll once the persist it
		 * joined is done (engine__op_check).  Relaxed: only polling
		 * threads read them, and a future reaches another polling
		 * thread only through the program's own synchronization */
		if (result == VDM_SUCCESS && len != 0) {
			if (threads_joins(m, costly))
				slot->ticket = threads_store_join(m, op, len);
			else
				result = threads_move_here(m, op, len,
					costly);
		}
		core__store_relaxed_uint(&slot->failed, (unsigned)result);
		/* the poll that joined returns at once, as pmv_sync_run's:
		 * the next one persists, for every operation joined by then */
		slot->fresh = slot->ticket != 0;
		core__store_relaxed_u64(&slot->complete, slot->ticket == 0);
		return;
	}

	slot->op = *op;
	slot->has_waker = 0;
	/* relaxed: published by the release store of claim below */
	core__store_relaxed_uint(&slot->failed, VDM_SUCCESS);
	slot->fresh = 1;
	slot->gen++;

	/* decided once: op_check asks on every poll */
	slot->costly = costly;

	unsigned pieces = threads_pieces(m, op, len);
	slot->piece_size = CORE__ALIGN_UP(len / pieces,
		(size_t)CORE__CACHELINE_SIZE);
	/* the rounding up may leave fewer pieces with bytes to move */
	while (pieces > 1 && (size_t)(pieces - 1) * slot->piece_size >= len)
		pieces--;
	/* relaxed: published by the release store of claim below */
	core__store_relaxed_uint(&slot->pieces, pieces);
	core__store_relaxed_uint(&slot->pieces_left, pieces);
	/* relaxed: the slot's last user is done with it (op_new's acquire) */
	core__store_relaxed_u64(&slot->complete, 0);

	/*
	 * A short operation that is not costly to persist takes no notifier:
	 * the waiting thread moves it itself at its next poll, unless a
	 * worker took it (see the top of the file).
	 */
	int helpable = pieces == 1 && len <= THREADS_HELP_MAX &&
		!slot->costly;
	if (n != NULL && !helpable && m->notifier != FUTURE_NOTIFIER_NONE) {
		if (m->notifier == FUTURE_NOTIFIER_POLLER) {
			n->poller.ptr_to_monitor = &slot->complete;
		} else {
			slot->waker = n->waker;
			slot->has_waker = 1;
		}
		n->notifier_used = m->notifier;
	}

	/*
	 * A long operation calls its waker early, so that the waiter is
	 * awake when it completes (see engine_piece.c).  Not with a
	 * persist to come after the pieces, whose length cannot be foreseen,
	 * nor for a memmove whose ranges overlap, which cannot be cut into
	 * chunks.
	 */
	slot->early = slot->has_waker && len >= ENGINE__EARLY_MIN &&
		m->backend->persist == NULL && !vdm__operation_overlaps(op);
	/* relaxed: published by the release store of claim below */
	core__store_relaxed_uint(&slot->near, pieces);

	/* release: everything above before any claim of this generation */
	core__store_release_u64(&slot->claim,
		((uint64_t)slot->gen << 32) | ((uint64_t)pieces << 16));

	/* each entry's worker claims pieces until none is left */
	uint64_t entry = ((uint64_t)slot->index << 32) | slot->gen;
	if (threads_push(m, entry, pieces) == 0) {
		/* the ring is full of entries: move it now */
		struct engine__batch b;
		b.n = 0;
		b.costly = 0;
		engine__work(slot, slot->gen, &b);
		engine__batch_flush(m, &b);
	}
}

/*
 * engine__op_start -- queues the operation, or moves it on this thread
 * when it is shorter than offload_min or got no slot
 */
int
engine__op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	struct engine__slot *slot = data;
	struct engine__mover *m = slot->mover;
	enum vdm_operation_result result = threads_result(m, op);
	size_t len = vdm__operation_len(op);

	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;

	if (slot->is_inline) {
		if (result == VDM_SUCCESS && len != 0)
			threads_inline_failed = threads_move_here(m, op, len,
				threads_costly(m, op, len));
		return 0;
	}

	threads_start(slot, op, n, result,
		result == VDM_SUCCESS && threads_costly(m, op, len));
	return 0;
}

/*
 * threads_check_joined -- op_check of a short operation stored on the
 * polling thread: complete once the shared persist it joined is done, the
 * persist done here if no other thread does it
 */
static enum future_state
threads_check_joined(struct engine__slot *slot)
{
	const struct engine__mover *m = slot->mover;
	enum vdm_operation_result result;

	if (slot->fresh) {
		slot->fresh = 0;
		return FUTURE_STATE_RUNNING;
	}
	if (!m->backend->poll(m->backend_arg, slot->ticket, &result))
		return FUTURE_STATE_RUNNING;
	slot->ticket = 0;
	/* relaxed: the polling thread's own, as in threads_start */
	core__store_relaxed_uint(&slot->failed, (unsigned)result);
	core__store_relaxed_u64(&slot->complete, 1);
	return FUTURE_STATE_COMPLETE;
}

/*
 * engine__op_check -- complete once the last piece is done
 */
enum future_state
engine__op_check(void *data, const struct vdm_operation *op)
{
	struct engine__slot *slot = data;
	(void) op;

	if (slot->is_inline)
		return FUTURE_STATE_COMPLETE;
	if (slot->ticket != 0)
		return threads_check_joined(slot);

	/* acquire: pairs with the release in threads_finish (told to the
	 * checkers only once complete: polls that miss order nothing) */
	if (core__load_acquire_eq_u64(&slot->complete, 1))
		return FUTURE_STATE_COMPLETE;

	/*
	 * Polled again and not done: rather than wait, move the pieces no
	 * worker has taken yet.  Not in the poll that started the operation,
	 * which must return at once, nor when persisting them costs so much
	 * that they are better left to a worker, to share it with others.
	 */
	if (slot->fresh) {
		slot->fresh = 0;
		return FUTURE_STATE_RUNNING;
	}
	if (slot->costly)
		return FUTURE_STATE_RUNNING;
	const struct engine__mover *m = slot->mover;
	struct engine__batch b;
	b.n = 0;
	b.costly = 0;
	engine__work(slot, slot->gen, &b);
	engine__batch_flush(m, &b);

	/* acquire: as above */
	if (!core__load_acquire_eq_u64(&slot->complete, 1))
		return FUTURE_STATE_RUNNING;
	return FUTURE_STATE_COMPLETE;
}

/*
 * engine__op_delete -- reports the outcome and gives the slot back
 */
void
engine__op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	struct engine__slot *slot = data;

	enum vdm_operation_result result;
	if (slot->is_inline) {
		result = threads_result(slot->mover, op);
		if (result == VDM_SUCCESS)
			result = threads_inline_failed;
		threads_inline_failed = VDM_SUCCESS;
	} else {
		/* the outcome op_start or a persist left; relaxed: ordered
		 * by op_check's acquire of complete */
		result = (enum vdm_operation_result)core__load_relaxed_uint(
			&slot->failed);
	}
	vdm__operation_output(op, result, output);

	if (!slot->is_inline) {
		/* release: pairs with the acquire CAS in op_new */
		core__store_release_int(&slot->busy, 0);
	}
}

/*
 * threads_run_here -- the first poll of a future of vdm__threads_run whose
 * short operation takes no slot, r and costly judged: moved here and
 * complete, or stored here with its drain left to a later poll
 * (backend->defer), the future's handle keeping the ticket
 */
static enum future_state
threads_run_here(struct future_context *context,
	struct future_notifier *notifier, const struct engine__mover *m,
	enum vdm_operation_result r, int costly)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	const struct vdm_operation *op = &data->operation;
	size_t len = vdm__operation_len(op);

	if (r != VDM_SUCCESS || len == 0)
		return vdm_run_complete(context, r);
	if (!threads_defers(m, costly))
		return vdm_run_complete(context,
			threads_move_here(m, op, len, costly));

	uint64_t ticket = threads_store_defer(m, op, len);
	if (ticket == 0)
		return vdm_run_complete(context, VDM_SUCCESS);
	/* as a joined one's first poll: the next one finishes */
	data->data = (void *)(uintptr_t)ticket;
	if (notifier != NULL)
		notifier->notifier_used = FUTURE_NOTIFIER_NONE;
	return FUTURE_STATE_RUNNING;
}

/*
 * vdm__threads_run -- the task of the futures vdm_memcpy() and friends make
 * on the engine's movers (the run task of every type): the first poll
 * moves an operation shorter than offload_min on this thread and takes no
 * slot (completing at a later poll if the backend deferred its drain);
 * any other takes its slot then, not when the future was made, and
 * goes on as the operation table's functions would
 */
enum future_state
vdm__threads_run(struct future_context *context,
	struct future_notifier *notifier)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	struct engine__mover *m = (struct engine__mover *)data->vdm;
	const struct vdm_operation *op = &data->operation;

	if (context->state == FUTURE_STATE_IDLE) {
		size_t len = vdm__operation_len(op);

		if (len < m->offload_min) {
			/* judged here: a future's arguments are not judged
			 * before its first poll (see vdm_run_judging) */
			enum vdm_operation_result r = threads_result(m, op);
			int costly = r == VDM_SUCCESS &&
				threads_costly(m, op, len);
			if (!threads_joins(m, costly))
				return threads_run_here(context, notifier, m,
					r, costly);
			/* it waits for the shared persist in a slot */
			data->data = engine__op_new(&m->base, op->type);
			struct engine__slot *slot = data->data;
			if (notifier != NULL)
				notifier->notifier_used =
					FUTURE_NOTIFIER_NONE;
			if (slot->is_inline) {
				if (len != 0)
					r = threads_move_here(m, op, len, 1);
				return vdm_run_complete(context, r);
			}
			threads_start(slot, op, notifier, r, costly);
		} else {
			data->data = engine__op_new(&m->base, op->type);
			(void) engine__op_start(data->data, op, notifier);
		}
	} else {
		/* a later poll hands out no notifier (see the top) */
		if (notifier != NULL)
			notifier->notifier_used = FUTURE_NOTIFIER_NONE;
		uint64_t h = (uint64_t)(uintptr_t)data->data;
		if (h & VDM__THREADS_DEFERRED) {
			struct vdm__range whole = vdm__operation_range(op, 0,
				vdm__operation_len(op));
			m->backend->finish(m->backend_arg, h, &whole);
			return vdm_run_complete(context, VDM_SUCCESS);
		}
	}

	if (engine__op_check(data->data, op) != FUTURE_STATE_COMPLETE)
		return FUTURE_STATE_RUNNING;

	struct vdm_operation_output out;
	engine__op_delete(data->data, op, &out);
	return vdm_run_complete(context, out.result);
}

/*
 * engine__has_property -- the bytes move on other threads
 */
int
engine__has_property(void *future, enum future_property property)
{
	(void) future;
	return property == FUTURE_PROPERTY_ASYNC;
}

/*
 * vdm__threads_ops -- the engine's operation table
 */
struct vdm
vdm__threads_ops(void)
{
	struct vdm ops = ENGINE__OPS;

	return ops;
}
