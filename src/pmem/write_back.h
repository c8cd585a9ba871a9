/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * write_back.h -- the group write-back (write_back.c; internal): any
 * thread may join ranges it stored to a group and wait for them to be
 * written back; the group needs only a function that writes one range
 * back and how far apart two ranges may lie to be written back together
 */

#ifndef MINIASYNC_PMEM_WRITE_BACK_H
#define MINIASYNC_PMEM_WRITE_BACK_H 1

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/atomics.h"
#include "vdm_internal.h"

/*
 * pmv__write_back_fn -- writes [addr, addr + len) back to its file, arg
 * being what pmv__group_init was given: 0, or -1 if it failed.  Called on
 * any thread that joins or waits, never with the group's lock held.
 */
typedef int (*pmv__write_back_fn)(void *arg, const void *addr, size_t len);

/*
 * pmv__msync -- msync(MS_SYNC) of the pages that hold [addr, addr + len),
 * retried on EINTR: 0, or -1 if it failed; errno as it was.  Under
 * valgrind, errors are not reported during the call.
 */
int pmv__msync(const void *addr, size_t len);

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
	 * closes the group.  Relaxed increments as they are stored
	 * (pmv__group_stored); decremented under the lock as they join.
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

	/* set by pmv__group_init, read only after it */
	pmv__write_back_fn write_back;	/* writes a range back */
	void *arg;			/* write_back's first argument */
	size_t gap;	/* ranges at most this far apart: one write-back */
};

/*
 * pmv__group_init -- an empty group that writes back with write_back(arg,
 * addr, len), one call for every run of ranges at most gap bytes apart,
 * the gap covered too (0: only ranges that touch or overlap); 0 or an
 * errno value.  Before any thread sees the group.
 */
int pmv__group_init(struct pmv__group *g, pmv__write_back_fn write_back,
	void *arg, size_t gap);

/*
 * pmv__group_fini -- writes back what the open group still holds (ranges
 * joined by futures dropped before they completed), then frees the group.
 * Once no other thread uses it.
 */
void pmv__group_fini(struct pmv__group *g);

/*
 * pmv__group_join -- adds n ranges this thread stored to the open group
 * (a full one is written back first) and returns the ticket of the group
 * the last one joined, for pmv__group_try.  counted: each was counted
 * with pmv__group_stored when it was stored.
 */
uint64_t pmv__group_join(struct pmv__group *g, const struct vdm__range *r,
	unsigned n, int counted);

/*
 * pmv__group_try -- once group ticket and every one before it are written
 * back, sets *result (VDM_SUCCESS, or VDM_ERROR_IO if this group's
 * write-back or an earlier one's failed) and returns non-zero; leads the
 * write-back itself if no thread does; if another does and wait is 0,
 * returns 0 at once, else waits for it.
 */
int pmv__group_try(struct pmv__group *g, uint64_t ticket, int wait,
	enum vdm_operation_result *result);

/*
 * pmv__group_stored -- a pool's thread stored a range it will join later:
 * a leader about to close the group waits a little for it
 */
static inline void
pmv__group_stored(struct pmv__group *g)
{
	/* relaxed: a hint for a leader; the range joins under the lock */
	(void) core__add_relaxed_uint(&g->unjoined, 1);
}

/*
 * pmv__group_quiet -- non-zero while a leader gathers ranges or writes
 * back: the pool's threads had better join what they stored at once
 */
static inline int
pmv__group_quiet(struct pmv__group *g)
{
	/* relaxed: a hint, see struct pmv__group */
	return core__load_relaxed_uint(&g->quiet) != 0;
}

#endif /* MINIASYNC_PMEM_WRITE_BACK_H */
