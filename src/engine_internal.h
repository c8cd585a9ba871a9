/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine_internal.h -- the thread-pool engine's state and the functions
 * its files share (internal)
 *
 * engine.c holds the slots and the operation table; engine_setup.c the
 * workers, setup and teardown; engine_piece.c moves the pieces of an operation in a slot and finishes
 * it; engine_sleep.c lets idle workers wait.  The plain pool
 * (vdm_threads.c) sees this state too, only for its size and for the
 * operation table: its descriptors are static.  Other movers use engine.h.
 */

#ifndef MINIASYNC_ENGINE_INTERNAL_H
#define MINIASYNC_ENGINE_INTERNAL_H 1

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ring.h"
#include "core/util.h"
#include "engine.h"
#include "engine_sleep.h"
#include "vdm_internal.h"

/* the ring entry that stops a worker */
#define ENGINE__STOP UINT64_MAX

/* the most workers one operation is cut into pieces for */
#define ENGINE__MAX_SPREAD 16U

/* pieces a thread moves before it must persist them (backend->persist) */
#define ENGINE__BATCH_MAX 32

/*
 * the waker of an operation at least this long is called early: once all
 * its pieces should be done within ENGINE__EARLY_NS, so that the waiter,
 * woken then, is awake and polling when it completes (waking a sleeping
 * thread takes about 100 us on a virtual machine); the pieces of such an
 * operation move ENGINE__CHUNK bytes at a time, to see how fast they go
 */
#define ENGINE__EARLY_MIN ((size_t)4 << 20)
#define ENGINE__EARLY_NS 150000
#define ENGINE__CHUNK ((size_t)256 << 10)

struct engine__mover;

/*
 * The state of one operation in flight; only the mover's threads and the
 * polling thread touch it, never through the future.
 *
 * Pieces are claimed through the claim word, (generation << 32) | (pieces
 * << 16) | next piece, one word so that a claim never pairs the count of
 * one operation with the progress of another: a ring entry names a slot
 * and a generation, and whoever holds it (a worker, or a poller that
 * helps) claims the next piece with a CAS that fails once the slot has
 * moved on to another operation.  An entry whose pieces were all claimed
 * by others is thus harmless, even after the slot was reused.
 */
struct engine__slot {
	/*
	 * The first line holds what an operation that op_start moves itself
	 * touches (the slot's identity, busy, failed and complete), so that
	 * such an operation costs the polling thread one line of the slot.
	 */

	/* set up in vdm_new(), read-only afterwards */
	struct engine__mover *mover;
	unsigned index;
	int is_inline;	/* the shared handle of operations without a slot */

	/* the slot is taken (op_new to op_delete): acquire CAS in op_new,
	 * release store in op_delete */
	int busy;

	/* the operation's outcome: op_start's check, then the error a
	 * failed persist of a piece left; relaxed stores before the
	 * piece's acq_rel decrement of pieces_left (or in op_start), read
	 * by op_delete after op_check's acquire */
	unsigned failed;

	/* 0 while running, 1 once complete: the word a poller watches.  The
	 * finishing thread's release store pairs with op_check's acquire */
	uint64_t complete;

	/* the polling thread's own: op_start to op_delete */
	uint32_t gen;	/* generation of the current operation */
	int fresh;	/* no op_check since op_start yet */
	int costly;	/* its persist is worth sharing (backend->linger) */
	/* non-zero while a short operation this thread stored waits for
	 * the shared persist it joined (backend->join), 0 otherwise */
	uint64_t ticket;

	/* written by op_start before its release store of claim, read by
	 * whoever claims a piece (acquire) */
	struct vdm_operation op;
	struct future_waker waker;
	int has_waker;
	int early;	/* the waker is called early (threads_near) */
	unsigned pieces;	/* read after a claim (its acquire) */
	size_t piece_size;

	/* see above; release store in op_start, acquire CAS in a claim */
	uint64_t claim;

	/* pieces not finished yet; whoever takes it to 0 finishes the
	 * operation (acq_rel: every piece's bytes before the finish) */
	unsigned pieces_left;

	/* with early: pieces not yet near their end; whoever takes it to 0
	 * calls the waker (see threads_near) */
	unsigned near;
} __attribute__((aligned(CORE__CACHELINE_SIZE)));

/* what an operation moved by op_start touches shares the slot's first line */
_Static_assert(offsetof(struct engine__slot, complete) +
	sizeof(uint64_t) <= CORE__CACHELINE_SIZE, "the slot's first line");

/* the engine's state, at the start of a mover's instance */
struct engine__mover {
	struct vdm base;

	/* how bytes move: the plain backend, or a mover's own */
	const struct vdm__threads_backend *backend;
	void *backend_arg;

	unsigned nthreads;
	unsigned nslots;
	unsigned spread;	/* ring entries per split operation */
	enum future_notifier_type notifier;
	size_t offload_min;	/* shorter operations are moved by op_start */

	struct engine__slot *slots;
	pthread_t *threads;
	unsigned started;	/* threads created */

	/* where op_new starts looking for a free slot (relaxed: a hint); on
	 * a line of its own, away from what the workers read */
	unsigned slot_hint __attribute__((aligned(CORE__CACHELINE_SIZE)));

	/* the handle of the operations that got no slot: they run inline */
	struct engine__slot inline_slot;

	/* the ring of piece entries, (slot index << 32) | generation, or
	 * the stop entry */
	struct core__ring ring;

	/* the workers waiting for entries of the ring */
	struct engine__sleep sleep;
};

/*
 * The pieces a thread moved and has yet to persist, for a backend with
 * persist: they count as done only once persisted.  Each thread has its
 * own: a worker's lives as long as the worker, a polling thread's as long
 * as the op_start or op_check call.
 */
struct engine__batch {
	unsigned n;
	int costly;	/* its ranges are of costly operations (linger) */
	struct engine__slot *slots[ENGINE__BATCH_MAX];
	struct vdm__range ranges[ENGINE__BATCH_MAX];
};

/*
 * engine__work -- claims and moves the pieces of generation gen of a slot
 * that are left (engine_piece.c); with a backend that persists, they join
 * the caller's batch b
 */
void engine__work(struct engine__slot *slot, uint32_t gen,
	struct engine__batch *b);

/*
 * engine__batch_flush -- persists the pieces of batch b, then counts them
 * done (engine_piece.c)
 */
void engine__batch_flush(const struct engine__mover *m,
	struct engine__batch *b);

/* the engine's operation table (engine.c), see struct vdm */
void *engine__op_new(struct vdm *vdm, const enum vdm_operation_type type);
int engine__op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n);
enum future_state engine__op_check(void *data,
	const struct vdm_operation *op);
void engine__op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output);
int engine__has_property(void *future, enum future_property property);

/*
 * ENGINE__OPS -- the engine's operation table as an initializer, for a
 * static descriptor; vdm__threads_ops() gives the same table
 */
#define ENGINE__OPS {\
	.op_new = engine__op_new,\
	.op_delete = engine__op_delete,\
	.op_start = engine__op_start,\
	.op_check = engine__op_check,\
	/* 0: see the capabilities warning in vdm_internal.h */\
	.capabilities = 0,\
	.has_property = engine__has_property,\
}

#endif /* MINIASYNC_ENGINE_INTERNAL_H */
