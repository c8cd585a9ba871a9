/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * ring.h -- a bounded queue of 64-bit entries for many producers and many
 * consumers, without locks
 *
 * The ring is a power-of-two array of cells, each holding an entry and a
 * sequence number that says whose turn the cell is.  Producers claim
 * positions on tail and consumers on head, both free-running unsigned
 * counters masked on access, each on a cache line of its own.  A cell at
 * position pos is free for the producer of pos when its sequence number is
 * pos, holds that producer's entry for the consumer of pos when it is
 * pos + 1, and is freed for the producer of the next lap (pos + size) by
 * that consumer.  A push or a pop that finds its cell not yet handed on
 * reports the ring full or empty at once, so neither ever waits for another
 * thread.
 *
 * Entries pass in order: a consumer gets them in the order their producers
 * claimed their positions.  A push publishes what its thread wrote before
 * it to the thread whose pop takes the entry (release, then acquire).
 *
 * Any thread may push, pop or look (core__ring_ready) at any time between
 * core__ring_init() and core__ring_fini(); the ring's owner calls those
 * two, when no other thread uses it.
 */

#ifndef MINIASYNC_CORE_RING_H
#define MINIASYNC_CORE_RING_H 1

#include <stdint.h>

#include "util.h"

/* a cell of the ring: its turn, then its entry (see above) */
struct core__ring_cell {
	unsigned seq;
	uint64_t entry;
};

/* a ring; its fields are the ring's own, read them only through the API */
struct core__ring {
	/* set up by core__ring_init(), read-only until core__ring_fini() */
	struct core__ring_cell *cells;
	unsigned mask;	/* the number of cells, less one */

	/* the next position a producer claims */
	unsigned tail __attribute__((aligned(CORE__CACHELINE_SIZE)));
	/* the next position a consumer claims */
	unsigned head __attribute__((aligned(CORE__CACHELINE_SIZE)));
};

/*
 * core__ring_init -- sets up an empty ring of at least size cells (rounded
 * up to a power of two, at least 2, at most 2^30); 0, or ENOMEM
 */
int core__ring_init(struct core__ring *r, unsigned size);

/* core__ring_fini -- frees what core__ring_init() allocated */
void core__ring_fini(struct core__ring *r);

/* core__ring_size -- the number of entries the ring holds when full */
static inline unsigned
core__ring_size(const struct core__ring *r)
{
	return r->mask + 1;
}

/* core__ring_push -- queues entry: 0, or -1 if the ring is full */
int core__ring_push(struct core__ring *r, uint64_t entry);

/* core__ring_pop -- takes the oldest entry: 0, or -1 if the ring is empty */
int core__ring_pop(struct core__ring *r, uint64_t *entry);

/*
 * core__ring_ready -- non-zero if an entry waits at the head of the ring:
 * a hint for a consumer that watches the ring, which core__ring_pop()
 * confirms or not
 */
int core__ring_ready(struct core__ring *r);

#endif /* MINIASYNC_CORE_RING_H */
