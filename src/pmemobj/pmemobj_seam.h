/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmemobj_seam.h -- the pool's functions the pmemobj mover stores with,
 * and the test seams of libminiasync-pmemobj (internal).  The seams exist
 * only in the test build of the library (miniasync-pmemobj-test, which
 * defines MINIASYNC_PMEM_TEST_SEAM); a test sets them while no mover is in
 * use.  The seams of the code it shares with libminiasync-pmem are in
 * pmem_seam.h.
 */

#ifndef MINIASYNC_PMEMOBJ_SEAM_H
#define MINIASYNC_PMEMOBJ_SEAM_H 1

#include <libpmemobj.h>

#include "pmem_fns.h"

/* the functions of a pool on persistent memory the mover stores with */
struct pmv__obj_fns {
	void *(*memcpy)(PMEMobjpool *pop, void *dest, const void *src,
		size_t len, unsigned flags);
	void *(*memmove)(PMEMobjpool *pop, void *dest, const void *src,
		size_t len, unsigned flags);
	void *(*memset)(PMEMobjpool *pop, void *dest, int c, size_t len,
		unsigned flags);
	void (*flush)(PMEMobjpool *pop, const void *addr, size_t len);
};

#ifdef MINIASYNC_PMEM_TEST_SEAM

/*
 * pmv__obj_fns -- pmemobj_memcpy(), pmemobj_memmove(), pmemobj_memset()
 * and pmemobj_flush(), unless a test replaces them (with wrappers that
 * record the calls and then call the originals)
 */
extern struct pmv__obj_fns pmv__obj_fns;

/*
 * pmv__obj_fns_seam -- when not NULL, called with the libpmem functions
 * of every new pmemobj mover (its drain, and the flush and drain of the
 * cross-thread path of the drain group; a pool in the page cache stores
 * with them too), which it may replace
 */
extern void (*pmv__obj_fns_seam)(struct pmv__fns *fns);

#endif /* MINIASYNC_PMEM_TEST_SEAM */

#endif /* MINIASYNC_PMEMOBJ_SEAM_H */
