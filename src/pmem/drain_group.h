/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * drain_group.h -- the drain group of the polling thread (drain_group.c;
 * internal): operations stored on one thread without a drain share the
 * next drain of that thread
 *
 * Each thread that defers a drain takes a record of a fixed table and
 * counts its deferred stores there; an operation keeps a ticket, the
 * record and the count its stores reached.  One drain on the thread
 * covers every ticket of its record up to the count it drained, so the
 * operations stored together in one pass of runtime_wait_multiple()
 * complete at the next pass with one drain.  A drain orders only the
 * stores of the thread that issues it: a ticket completed on another
 * thread is covered by its owner's last drain, or else by a process-wide
 * barrier (membarrier) and a flush and drain of the operation's range on
 * the completing thread.
 */

#ifndef MINIASYNC_PMEM_DRAIN_GROUP_H
#define MINIASYNC_PMEM_DRAIN_GROUP_H 1

#include <stddef.h>
#include <stdint.h>

#include "pmem_fns.h"

/* the bit that tells a drain ticket from a write-back group's ticket
 * (write_back.h: those count groups from 1 and never reach it) */
#define PMV__DRAIN_TICKET ((uint64_t)1 << 63)

/*
 * pmv__drain_group_ready -- readies the drain group for the process (the
 * first call registers it for membarrier's expedited barriers); non-zero
 * if a mover may defer its drains to it, 0 if the barrier is refused
 * here (no membarrier: old kernel, seccomp filter) and drains must be
 * made at once.  Any thread, any time.
 */
int pmv__drain_group_ready(void);

/*
 * pmv__drain_defer -- this thread stored (with functions whose drain is
 * drain) a range that needs a drain, and defers it: the ticket that
 * pmv__drain_finish takes, or 0 when this thread has no record (the
 * table is full): drain at once then.  Allocates nothing.
 */
uint64_t pmv__drain_defer(pmem2_drain_fn drain);

/*
 * pmv__drain_pending -- drains what this thread deferred and has not
 * drained yet, if anything
 */
void pmv__drain_pending(void);

/*
 * pmv__drain_finish -- makes durable, on the calling thread, the range
 * [addr, addr + len) whose stores a ticket of pmv__drain_defer counts,
 * stored with fns: on the thread that stored it, its pending drain (if
 * not made yet) covers it; on another, the owner's last drain if it did,
 * else a barrier of every thread of the process and a flush and drain of
 * the range here.  The range is durable when it returns.
 */
void pmv__drain_finish(uint64_t ticket, const struct pmv__fns *fns,
	const void *addr, size_t len);

#endif /* MINIASYNC_PMEM_DRAIN_GROUP_H */
