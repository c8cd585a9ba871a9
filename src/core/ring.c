/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * ring.c -- a bounded queue of 64-bit entries for many producers and many
 * consumers (see ring.h)
 */

#include <errno.h>

#include "alloc.h"
#include "atomics.h"
#include "ring.h"

/*
 * the most cells a ring may have: a cell's seq and a position are compared
 * by their difference as an int, which must hold plus or minus the size
 */
#define RING_MAX_SIZE (1U << 30)

/*
 * core__ring_init -- allocates the cells and hands each to the producer of
 * its first lap
 */
int
core__ring_init(struct core__ring *r, unsigned size)
{
	unsigned n = 2;

	/*
	 * One cell is too few: its "holds the entry of pos" (pos + 1) would
	 * read as "free for pos + 1".
	 */
	while (n < size && n < RING_MAX_SIZE)
		n <<= 1;

	r->cells = core__zalloc_aligned(CORE__CACHELINE_SIZE,
		(size_t)n * sizeof(*r->cells));
	if (r->cells == NULL)
		return ENOMEM;
	r->mask = n - 1;

	for (unsigned i = 0; i < n; i++)
		core__atomic_init_uint(&r->cells[i].seq, i);
	core__atomic_init_uint(&r->tail, 0);
	core__atomic_init_uint(&r->head, 0);
	return 0;
}

/*
 * core__ring_fini -- frees the cells
 */
void
core__ring_fini(struct core__ring *r)
{
	core__free(r->cells);
	r->cells = NULL;
}

/*
 * core__ring_push -- claims the position at tail if its cell is free (CAS
 * on tail), stores the entry, then seq = position + 1 hands the cell to
 * the consumer of that position
 */
int
core__ring_push(struct core__ring *r, uint64_t entry)
{
	/* relaxed: only a guess at the position, which the CAS claims */
	unsigned pos = core__load_relaxed_uint(&r->tail);

	for (;;) {
		struct core__ring_cell *cell = &r->cells[pos & r->mask];
		/* acquire: pairs with the consumer's release that freed it
		 * (told to the checkers only when it is free for pos) */
		unsigned seq = core__load_acquire_eq_uint(&cell->seq, pos);
		int diff = (int)(seq - pos);

		if (diff == 0) {
			/* relaxed: the cell's seq orders the entry, not tail */
			if (core__cas_weak_relaxed_uint(&r->tail, &pos,
					pos + 1)) {
				cell->entry = entry;
				/* release: the entry (and what this thread
				 * wrote before the push) to the consumer */
				core__store_release_uint(&cell->seq, pos + 1);
				return 0;
			}
		} else if (diff < 0) {
			/* the cell still holds the entry of the last lap */
			return -1;
		} else {
			/* claimed since tail was read: try the new tail;
			 * relaxed, as above */
			pos = core__load_relaxed_uint(&r->tail);
		}
	}
}

/*
 * core__ring_pop -- claims the position at head if its cell holds the
 * entry of that position (CAS on head), reads the entry, then seq =
 * position + ring size frees the cell for the producer of the next lap
 */
int
core__ring_pop(struct core__ring *r, uint64_t *entry)
{
	/* relaxed: only a guess at the position, which the CAS claims */
	unsigned pos = core__load_relaxed_uint(&r->head);

	for (;;) {
		struct core__ring_cell *cell = &r->cells[pos & r->mask];
		/* acquire: pairs with the producer's release of the entry
		 * (told to the checkers only when it holds the entry of pos) */
		unsigned seq = core__load_acquire_eq_uint(&cell->seq,
			pos + 1);
		int diff = (int)(seq - (pos + 1));

		if (diff == 0) {
			/* relaxed: the cell's seq orders the entry, not head */
			if (core__cas_weak_relaxed_uint(&r->head, &pos,
					pos + 1)) {
				*entry = cell->entry;
				/* release: done reading, the producer of the
				 * next lap may write */
				core__store_release_uint(&cell->seq,
					pos + r->mask + 1);
				return 0;
			}
		} else if (diff < 0) {
			/* no entry pushed at head yet */
			return -1;
		} else {
			/* popped since head was read: try the new head;
			 * relaxed, as above */
			pos = core__load_relaxed_uint(&r->head);
		}
	}
}

/*
 * core__ring_ready -- looks at the cell of head as core__ring_pop() would,
 * without claiming it
 */
int
core__ring_ready(struct core__ring *r)
{
	/* relaxed: only a guess at the position, as in core__ring_pop() */
	unsigned pos = core__load_relaxed_uint(&r->head);

	for (;;) {
		struct core__ring_cell *cell = &r->cells[pos & r->mask];
		/* acquire: pairs with the producer's release of the entry,
		 * so that what a later pop reads is there (told to the
		 * checkers only when it holds the entry of pos) */
		unsigned seq = core__load_acquire_eq_uint(&cell->seq,
			pos + 1);
		int diff = (int)(seq - (pos + 1));

		if (diff == 0)
			return 1;
		if (diff < 0)
			return 0;
		/* popped since head was read: look at the new head;
		 * relaxed, as above */
		pos = core__load_relaxed_uint(&r->head);
	}
}
