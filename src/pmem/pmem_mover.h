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

#include "engine.h"
#include "pmem_fns.h"
#include "write_back.h"

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
	/* optional: store, for a target whose store asks needs_write_back
	 * itself, told what it said of the whole operation (write_back) */
	void (*store_as)(const struct pmv__target *t,
		const struct vdm_operation *op, size_t off, size_t len,
		int write_back);
	/* non-zero if a stored range needs a write-back, not a drain */
	int (*needs_write_back)(const struct pmv__target *t,
		const void *addr, size_t len);
	/* writes a range back to its file: 0, or -1 (for its group) */
	int (*write_back)(const struct pmv__target *t, const void *addr,
		size_t len);
};

/* a target: its operations, its group, and what they need to know */
struct pmv__target {
	const struct pmv__target_ops *ops;
	struct pmv__group group;

	/* the range operations must lie in (a libpmem2 map, a pmemobj pool;
	 * 0 and 0: anywhere), and whether it is written back */
	uintptr_t base;		/* its first byte */
	size_t size;		/* its length */
	int page;		/* written back with msync (a PAGE map; a pool
				 * in the page cache) */
	/* the gap of its group (pmv__group_init): only where every byte
	 * between two ranges is mapped (a libpmem2 map), else 0 */
	size_t write_back_gap;
	/* its stores may go through the kernel (pmv__kernel_store): a
	 * mapping of a file's page cache, where the environment does not say
	 * no (threads under a seccomp filter store themselves all the same) */
	int kernel_store;
	/* its drain waits for flushes (a CACHE_LINE map; libpmem's ranges
	 * without auto flush), so that many stores are worth one drain; set
	 * by setup.  A BYTE map's drain has no flush to wait for: one per
	 * operation costs no more than one for many, and a second poll does */
	int drain_flushes;
	/* its drains are deferred to the polling thread's drain group
	 * (drain_group.h): drain_flushes, where the group is to be had; set
	 * by the mover's init after setup */
	int defer_drains;
	/* the functions it stores and drains with; drain orders this
	 * thread's flushes and non-temporal stores */
	struct pmv__fns fns;
	/* what the target's own operations need beyond these (a pmemobj
	 * pool), set by setup; NULL if nothing */
	void *ctx;
};

/*
 * pmv__in_target -- non-zero if [p, p + n) lies wholly inside the target's
 * range [base, base + size)
 */
static inline int
pmv__in_target(const struct pmv__target *t, const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return a >= t->base && a - t->base <= t->size &&
		n <= t->size - (a - t->base);
}

/*
 * pmv__check_in_target -- the check of every target: bad input as
 * everywhere (VDM_F_MEM_DURABLE and VDM_F_NO_CACHE_HINT are the flags a
 * pmem mover takes), then, for a target with a range (size non-zero), a
 * destination not wholly inside it, VDM_ERROR_OUT_OF_RANGE
 */
enum vdm_operation_result pmv__check_in_target(const struct pmv__target *t,
	const struct vdm_operation *op);

/*
 * pmv__store_unflushed -- stores [off, off + len) of an operation into a
 * range that will be written back (a file mapping in the page cache):
 * through the kernel where the target may (kernel_store), else after a
 * prefault with the target's functions, without a flush
 */
void pmv__store_unflushed(const struct pmv__target *t,
	const struct vdm_operation *op, size_t off, size_t len);

/*
 * pmv__mover_new -- a durable mover on a target that setup(target, arg)
 * fills in (ops and its own fields); nthreads 0: on the polling thread,
 * else on that many workers; NULL with errno set on failure, errno as it
 * was on success
 */
struct vdm *pmv__mover_new(void (*setup)(struct pmv__target *t, void *arg),
	void *arg, unsigned nthreads);

#endif /* MINIASYNC_PMEM_MOVER_H */
