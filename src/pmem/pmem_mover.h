/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_mover.h -- what every mover of persistent memory shares: durable
 * operations on the polling thread or on the pool engine, with group
 * persist; a target says how its ranges are stored and made durable
 * (internal)
 *
 * The internal names of libminiasync-pmem are its own, apart from those of
 * libpmem (pmem_) and libpmem2 (pmem2_): pmv_ in one file, pmv__ across
 * its files (PMV_ and PMV__ for macros).
 */

#ifndef MINIASYNC_PMEM_MOVER_H
#define MINIASYNC_PMEM_MOVER_H 1

#include <pthread.h>
#include <stdint.h>

#include <libminiasync.h>

#include "pmem_fns.h"
#include "engine.h"

/* ranges a group holds at most; a full group is written back first */
#define PMV__GROUP_MAX 64

/*
 * The group persist of the ranges that need a write-back (msync): stored
 * ranges join the open group; one thread at a time (the leader) closes the
 * open group and writes back all its ranges, coalesced, with the lock
 * dropped, while new ranges join the next group.  So operations in flight
 * together share msync calls: while one runs, the next group fills.  A
 * leader first waits a little for ranges the pool's threads stored and
 * have yet to join (unjoined), so that a burst of copies spread over
 * several workers is written back once, not once per worker.
 */
struct pmv__group {
	pthread_mutex_t lock;
	pthread_cond_t done;	/* a leader finished (lock) */
	/* ranges joined while a leader gathers (lock; CLOCK_MONOTONIC) */
	pthread_cond_t joined;
	/*
	 * Pieces the pool's threads stored that need a write-back and have
	 * not joined a group yet: a leader waits a little for them before it
	 * closes the group (pmv_group_gather).  Relaxed increments as they
	 * are stored; decremented under the lock as they join.
	 */
	unsigned unjoined;
	int gathering;		/* a leader waits on joined (lock) */
	uint64_t open;		/* the group new ranges join (lock) */
	/* every group up to this one is written back: release store under
	 * the lock after the leader's write-back, acquire load outside */
	uint64_t durable;
	/* the first group whose write-back failed, 0 if none: it and every
	 * later group end with VDM_ERROR_IO, as the kernel reports a
	 * write-back error only once; earlier ones keep their success.
	 * Set once, under the lock, before the release store of durable */
	uint64_t failed;
	int leading;		/* a leader writes a group back (lock) */
	/* a leader gathers ranges or writes back: the pool's threads stop
	 * waiting for more work, so that what they stored joins now, and
	 * sleep rather than spin (vdm__threads_backend.quiet).  Relaxed:
	 * a hint that orders nothing */
	unsigned quiet;
	unsigned n;		/* ranges in the open group (lock) */
	struct vdm__range ranges[PMV__GROUP_MAX];
};

struct pmv__target;

/* how a target stores its ranges and makes them durable */
struct pmv__target_ops {
	/* the result an operation will end with; VDM_SUCCESS: move it */
	enum vdm_operation_result (*check)(const struct pmv__target *t,
		const struct vdm_operation *op);
	/* stores [off, off + len) of a checked operation, not durable yet:
	 * flushed or non-temporal but not drained, or not written back */
	void (*store)(const struct pmv__target *t,
		const struct vdm_operation *op, size_t off, size_t len);
	/* non-zero if a stored range needs a write-back, not a drain */
	int (*needs_write_back)(const struct pmv__target *t,
		const void *addr, size_t len);
	/* writes a range back to its file: 0, or -1 */
	int (*write_back)(const struct pmv__target *t, const void *addr,
		size_t len);
};

/* a target: its operations, its group, and what they need to know */
struct pmv__target {
	const struct pmv__target_ops *ops;
	struct pmv__group group;

	/* a libpmem2 map's range and granularity */
	uintptr_t base;		/* the map's first byte */
	size_t size;		/* its length */
	int page;		/* PAGE granularity: write back with msync */
	/* ranges of a group at most this many bytes apart share a
	 * write-back, which covers the gap too: only where every byte
	 * between them is mapped (a libpmem2 map), else 0 (touching) */
	size_t write_back_gap;
	/* its stores may go through the kernel (pmv__kernel_store): a
	 * mapping of a file's page cache, where the environment does not say
	 * no (threads under a seccomp filter store themselves all the same) */
	int kernel_store;
	/* the functions it stores and drains with; drain orders this
	 * thread's flushes and non-temporal stores */
	struct pmv__fns fns;
};

/*
 * pmv__mover_new -- a durable mover on a target that setup(target, arg)
 * fills in (ops and its own fields); nthreads 0: on the polling thread,
 * else on that many workers; NULL with errno set on failure
 */
struct vdm *pmv__mover_new(void (*setup)(struct pmv__target *t, void *arg),
	void *arg, unsigned nthreads);

#endif /* MINIASYNC_PMEM_MOVER_H */
