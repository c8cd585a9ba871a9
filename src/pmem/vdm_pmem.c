/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_pmem.c -- the pmem mover for programs that map with libpmem:
 * operations anywhere, durable when their futures complete
 *
 * Each range is persistent memory or not as pmem_is_pmem() says, and is
 * made durable as libpmem would: persistent memory is stored with
 * pmem_memcpy() and friends without a drain, then drained on the same
 * thread; anything else is stored with the C library, then written back
 * with pmem_msync(), through the group write-back of write_back.c.
 */

#include <errno.h>

#include <libminiasync-pmem.h>
#include <libpmem.h>

#include "kernel_copy.h"
#include "pmem_mover.h"
#include "vdm_internal.h"

/* pmv__store() passes the flags to libpmem2's or libpmem's functions */
_Static_assert(PMEM_F_MEM_NODRAIN == PMEM2_F_MEM_NODRAIN, "flag values");
_Static_assert(PMEM_F_MEM_NONTEMPORAL == PMEM2_F_MEM_NONTEMPORAL,
	"flag values");
_Static_assert(PMEM_F_MEM_NOFLUSH == PMEM2_F_MEM_NOFLUSH, "flag values");

/*
 * pmv_libpmem_needs_write_back -- a range that is not persistent memory
 */
static int
pmv_libpmem_needs_write_back(const struct pmv__target *t, const void *addr,
	size_t len)
{
	(void) t;
	return !pmem_is_pmem(addr, len);
}

/*
 * pmv_libpmem_store_as -- stores [off, off + len) of an operation whose
 * range is persistent memory (write_back 0) with libpmem's functions,
 * without a drain, and of any other (write_back non-zero) with the C
 * library
 */
static void
pmv_libpmem_store_as(const struct pmv__target *t,
	const struct vdm_operation *op, size_t off, size_t len, int write_back)
{
	if (write_back) {
		pmv__prefault(op, off, len);
		vdm__operation_run(op, off, len);
		return;
	}

	unsigned flags = PMEM_F_MEM_NODRAIN;
	if (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT)
		flags |= PMEM_F_MEM_NONTEMPORAL;
	pmv__store(&t->fns, op, off, len, flags);
}

/*
 * pmv_libpmem_store -- stores [off, off + len): persistent memory with
 * libpmem's functions, without a drain; anything else with the C library
 */
static void
pmv_libpmem_store(const struct pmv__target *t, const struct vdm_operation *op,
	size_t off, size_t len)
{
	pmv_libpmem_store_as(t, op, off, len, pmv_libpmem_needs_write_back(t,
		vdm__operation_range(op, off, len).addr, len));
}

/*
 * pmv_libpmem_write_back -- pmem_msync(): 0, or -1; errno as it was, as
 * operations never touch it (the failure reaches the future's result)
 */
static int
pmv_libpmem_write_back(const struct pmv__target *t, const void *addr,
	size_t len)
{
	int olderrno = errno;

	(void) t;
	int ret = pmem_msync(addr, len);
	errno = olderrno;
	return ret;
}

static const struct pmv__target_ops pmv_libpmem_ops = {
	.check = pmv__check_in_target,
	.store = pmv_libpmem_store,
	.store_as = pmv_libpmem_store_as,
	.needs_write_back = pmv_libpmem_needs_write_back,
	.write_back = pmv_libpmem_write_back,
};

/*
 * pmv_libpmem_setup -- the target knows nothing but its functions
 */
static void
pmv_libpmem_setup(struct pmv__target *t, void *arg)
{
	(void) arg;
	t->ops = &pmv_libpmem_ops;
	t->base = 0;
	t->size = 0;
	t->page = 0;
	/* without auto flush, the drain of persistent memory waits for the
	 * flushes of its stores */
	t->drain_flushes = !pmem_has_auto_flush();
	/* a range may lie anywhere: the bytes between two may be unmapped */
	t->write_back_gap = 0;
	/* its ranges may be heap memory, whose stores sanitizers must see */
	t->kernel_store = 0;
	/* libpmem's functions have the signatures of the map's in libpmem2 */
	t->fns.memcpy = pmem_memcpy;
	t->fns.memmove = pmem_memmove;
	t->fns.memset = pmem_memset;
	t->fns.flush = pmem_flush;
	t->fns.drain = pmem_drain;
	t->fns.persist = pmem_persist;
	t->ctx = NULL;
}

/*
 * vdm_pmem_new -- a durable mover for memory mapped with libpmem
 */
struct vdm *
vdm_pmem_new(unsigned nthreads)
{
	return pmv__mover_new(pmv_libpmem_setup, NULL, nthreads);
}
