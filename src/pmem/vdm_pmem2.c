/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_pmem2.c -- the pmem mover of a libpmem2 mapping: operations inside
 * the map, durable when their futures complete
 *
 * The mover stores with the map's own functions (pmem2_get_memcpy_fn() and
 * friends), so it uses the instructions libpmem2 picked for the map, and
 * makes each range durable as the map's store granularity needs:
 *	BYTE, CACHE_LINE	stored without a drain (the map's functions
 *				flush or store non-temporally as needed), then
 *				drained on the same thread: a drain orders
 *				only its own thread's flushes and stores
 *	PAGE			stored without a flush, then written back with
 *				msync(), through the group write-back of
 *				write_back.c
 *
 * A PAGE map's persist function in libpmem2 1.12 aborts the process when
 * msync() fails, as on a disk that fails or a file system out of room: it
 * has no way to report the failure.  The mover writes such a map back with
 * msync() of its own instead, which is all that function would do, so a
 * failed write-back ends its operations with VDM_ERROR_IO.
 */

#include <errno.h>
#include <stdint.h>

#include <libminiasync-pmem.h>
#include <libpmem2.h>

#include "kernel_copy.h"
#include "pmem_mover.h"
#include "pmem_seam.h"
#include "vdm_internal.h"

#ifdef MINIASYNC_PMEM_TEST_SEAM
void (*pmv__fns_seam)(struct pmv__fns *fns);
#endif

/*
 * pmv_pmem2_store -- stores [off, off + len) with the map's functions: on a
 * PAGE map without a flush, on others without a drain
 */
static void
pmv_pmem2_store(const struct pmv__target *t, const struct vdm_operation *op,
	size_t off, size_t len)
{
	if (t->page) {
		pmv__store_unflushed(t, op, off, len);
		return;
	}
	unsigned flags = PMEM2_F_MEM_NODRAIN;
	if (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT)
		flags |= PMEM2_F_MEM_NONTEMPORAL;
	pmv__store(&t->fns, op, off, len, flags);
}

/*
 * pmv_pmem2_needs_write_back -- every range of a PAGE map, none of others
 */
static int
pmv_pmem2_needs_write_back(const struct pmv__target *t, const void *addr,
	size_t len)
{
	(void) addr;
	(void) len;
	return t->page;
}

/*
 * Non-zero once pmv_pmem2_msync() failed on this thread since
 * pmv_pmem2_write_back() last cleared it: a persist function returns
 * nothing, so the failure comes back beside it.  Thread-local: the
 * write-back calls the persist function on its own thread, directly or
 * through the wrapper a test seam puts around it (pmv__fns_seam).
 */
static _Thread_local int pmv_pmem2_msync_failed;

/*
 * pmv_pmem2_msync -- the persist function of a PAGE map: pmv__msync(),
 * which does what libpmem2 1.12's own does (pmem2_persist_pages), but
 * notes a failure in pmv_pmem2_msync_failed rather than aborting the
 * process
 */
static void
pmv_pmem2_msync(const void *addr, size_t len)
{
	if (pmv__msync(addr, len) != 0)
		pmv_pmem2_msync_failed = 1;
}

/*
 * pmv_pmem2_write_back -- the map's persist function (pmv_pmem2_msync on a
 * PAGE map, unless a test seam wraps or replaces it): 0, or -1 if the
 * msync() failed
 */
static int
pmv_pmem2_write_back(const struct pmv__target *t, const void *addr, size_t len)
{
	pmv_pmem2_msync_failed = 0;
	t->fns.persist(addr, len);
	return pmv_pmem2_msync_failed ? -1 : 0;
}

static const struct pmv__target_ops pmv_pmem2_ops = {
	.check = pmv__check_in_target,
	.store = pmv_pmem2_store,
	.needs_write_back = pmv_pmem2_needs_write_back,
	.write_back = pmv_pmem2_write_back,
};

/* ranges of a group at most this far apart share one write-back */
#define PMV_PMEM2_WRITE_BACK_GAP ((size_t)64 << 10)

/*
 * pmv_pmem2_setup -- learns the map's range and functions
 */
static void
pmv_pmem2_setup(struct pmv__target *t, void *arg)
{
	struct pmem2_map *map = arg;

	t->ops = &pmv_pmem2_ops;
	t->base = (uintptr_t)pmem2_map_get_address(map);
	t->size = pmem2_map_get_size(map);
	enum pmem2_granularity g = pmem2_map_get_store_granularity(map);
	t->page = g == PMEM2_GRANULARITY_PAGE;
	/* only a CACHE_LINE map's drain waits for the flushes of its stores */
	t->drain_flushes = g == PMEM2_GRANULARITY_CACHE_LINE;
	/* the map holds every byte between two of its ranges */
	t->write_back_gap = PMV_PMEM2_WRITE_BACK_GAP;
	/* a PAGE map is a file mapping: the kernel may store into it,
	 * unless it is a DAX one */
	t->kernel_store = t->page && pmv__kernel_store_wanted() &&
		pmv__page_cache_map(t->base, t->size);
	if (t->kernel_store)
		pmv__kernel_store_epoch();
	t->fns.memcpy = pmem2_get_memcpy_fn(map);
	t->fns.memmove = pmem2_get_memmove_fn(map);
	t->fns.memset = pmem2_get_memset_fn(map);
	t->fns.flush = pmem2_get_flush_fn(map);
	t->fns.drain = pmem2_get_drain_fn(map);
	/* a PAGE map's own would abort the process if msync() failed; the
	 * others are never called to write back (needs_write_back) */
	t->fns.persist = t->page ? pmv_pmem2_msync :
		pmem2_get_persist_fn(map);
	t->ctx = NULL;
#ifdef MINIASYNC_PMEM_TEST_SEAM
	if (pmv__fns_seam != NULL)
		pmv__fns_seam(&t->fns);
#endif
}

/*
 * vdm_pmem2_new -- a durable mover of map, on nthreads workers or none
 */
struct vdm *
vdm_pmem2_new(struct pmem2_map *map, unsigned nthreads)
{
	if (map == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return pmv__mover_new(pmv_pmem2_setup, map, nthreads);
}
