/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine_piece.c -- the pieces of an operation in a slot of the engine:
 * claimed one by one, moved, persisted in batches, counted done
 *
 * Whoever holds a ring entry of a slot, a worker or a polling thread that
 * helps, claims the slot's pieces one by one through its claim word (see
 * struct engine__slot) until none is left, and moves each with the
 * backend.  Without a persist, a piece is done once moved; with one, it
 * joins the thread's batch and is done once the batch is persisted.
 *
 * The thread that finishes an operation's last piece calls the waker (if
 * the poll gave one) and only then publishes completion: once op_check can
 * see the operation complete, no thread of the mover touches the waker or
 * the future again, so a waiter may return and free its runtime at once.
 * A long operation (ENGINE__EARLY_MIN) also calls it early, once every
 * piece should be done within ENGINE__EARLY_NS (threads_near): a sleeping
 * waiter takes about 100 us to run again, more when every processor is
 * busy, and is then polling when the operation completes.  That call too
 * comes before completion: each piece counts itself near its end before
 * it counts itself done.
 */

#include <stdint.h>

#include <libminiasync/future.h>

#include "core/atomics.h"
#include "core/clock.h"
#include "engine_internal.h"

/*
 * threads_finish -- the last piece of an operation is done: wake the poller
 * and publish completion, in that order (see the top of the file)
 */
static void
threads_finish(struct engine__slot *slot)
{
	if (slot->has_waker)
		FUTURE_WAKER_WAKE(&slot->waker);

	/* release: the bytes, and the waker call, before the completion */
	core__store_release_u64(&slot->complete, 1);
}

/*
 * threads_claim -- claims the next piece of generation gen of a slot;
 * returns the piece, or -1 if there is none left (or the slot moved on)
 */
static long
threads_claim(struct engine__slot *slot, uint32_t gen)
{
	/* acquire: pairs with op_start's release store of claim */
	uint64_t c = core__load_acquire_u64(&slot->claim);

	for (;;) {
		if ((uint32_t)(c >> 32) != gen)
			return -1;
		/* this very generation's piece count, from the same word */
		if ((c & 0xffffU) >= ((c >> 16) & 0xffffU))
			return -1;
		/* acquire on success: the operation as op_start wrote it
		 * (and on failure, for the c it reads, as the load above) */
		if (core__cas_weak_acquire_u64(&slot->claim, &c, c + 1))
			return (long)(c & 0xffffU);
	}
}

/*
 * threads_piece_done -- a piece of the slot's operation is done (and
 * durable, for a backend with persist); the last one finishes it
 */
static void
threads_piece_done(struct engine__slot *slot)
{
	/* acq_rel: every piece's bytes happen before the finish */
	if (core__sub_acqrel_uint(&slot->pieces_left, 1) == 1)
		threads_finish(slot);
}

/*
 * threads_near -- a piece of an operation whose waker is called early is
 * near its end: the last one calls the waker.  Every piece counts itself
 * before its piece_done, so the call comes before completion, as
 * threads_finish's would.
 */
static void
threads_near(struct engine__slot *slot)
{
	/* acq_rel: one thread, the last, takes it to 0 */
	if (core__sub_acqrel_uint(&slot->near, 1) == 1)
		FUTURE_WAKER_WAKE(&slot->waker);
}

/*
 * threads_move_early -- moves a piece of an operation whose waker is called
 * early, a chunk at a time, and counts the piece near its end (threads_near)
 * once what is left of it should take at most ENGINE__EARLY_NS at the pace
 * of the chunks so far, or when it is done
 */
static void
threads_move_early(const struct engine__mover *m, struct engine__slot *slot,
	size_t off, size_t len)
{
	uint64_t t0 = core__now_ns();
	int counted = 0;
	size_t done = 0;

	while (done < len) {
		size_t step = len - done < ENGINE__CHUNK ? len - done :
			ENGINE__CHUNK;

		m->backend->piece(m->backend_arg, &slot->op, off + done, step,
			slot->costly);
		done += step;
		if (counted)
			continue;
		if (done < len) {
			double took = (double)(core__now_ns() - t0);
			double left = took / (double)done *
				(double)(len - done);
			if (left > (double)ENGINE__EARLY_NS)
				continue;
		}
		counted = 1;
		threads_near(slot);
	}
}

/*
 * engine__batch_flush -- persists the pieces of a batch, then counts them
 * done (failed, if the persist failed)
 */
void
engine__batch_flush(const struct engine__mover *m, struct engine__batch *b)
{
	if (b->n == 0)
		return;
	enum vdm_operation_result r =
		m->backend->persist(m->backend_arg, b->ranges, b->n,
			b->costly);
	for (unsigned i = 0; i < b->n; i++) {
		/* relaxed: published by the piece's acq_rel decrement of
		 * pieces_left (see struct engine__slot) */
		if (r != VDM_SUCCESS)
			core__store_relaxed_uint(&b->slots[i]->failed,
				(unsigned)r);
		threads_piece_done(b->slots[i]);
	}
	b->n = 0;
}

/*
 * engine__work -- claims and moves the pieces of generation gen of a slot
 * that are left, for a worker holding a ring entry of it or for a polling
 * thread that helps.  With a backend that persists, the pieces join
 * the caller's batch b.
 */
void
engine__work(struct engine__slot *slot, uint32_t gen,
	struct engine__batch *b)
{
	const struct engine__mover *m = slot->mover;
	long piece;

	while ((piece = threads_claim(slot, gen)) >= 0) {
		size_t len = vdm__operation_len(&slot->op);
		size_t off = (size_t)piece * slot->piece_size;
		size_t piece_len = (unsigned)piece + 1 == slot->pieces ?
			len - off : slot->piece_size;

		if (slot->early)
			threads_move_early(m, slot, off, piece_len);
		else
			m->backend->piece(m->backend_arg, &slot->op, off,
				piece_len, slot->costly);

		if (m->backend->persist == NULL) {
			threads_piece_done(slot);
		} else {
			/* a batch is full, or all costly or none */
			if (b->n == ENGINE__BATCH_MAX || (b->n != 0 &&
					b->costly != slot->costly))
				engine__batch_flush(m, b);
			b->costly = slot->costly;
			b->slots[b->n] = slot;
			b->ranges[b->n] = vdm__operation_range(&slot->op, off,
				piece_len);
			b->n++;
		}
	}
}
