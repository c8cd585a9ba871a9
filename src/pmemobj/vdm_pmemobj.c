/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_pmemobj.c -- the mover of a libpmemobj pool: operations inside the
 * pool, durable when their futures complete
 *
 * A pool is persistent memory or not as libpmemobj decides when it opens
 * it (a device DAX, a mapping with MAP_SYNC, or a range pmem_is_pmem()
 * accepts, as under PMEM_IS_PMEM_FORCE=1), and the mover makes each range
 * durable as the pool itself would, with one difference: work in flight
 * together shares the cost.
 *	persistent memory	stored with the pool's functions
 *				(pmemobj_memcpy() and friends, which also
 *				keep the pool's replicas) without a drain,
 *				then drained on the same thread: the drain of
 *				such a pool is libpmem's pmem_drain()
 *	the page cache		stored with libpmem's functions without a
 *				flush, as the pool's own functions store
 *				there (8-byte stores stay whole), then
 *				written back with msync() through the group
 *				write-back of write_back.c.  The pool's own
 *				functions would msync() every copy by itself,
 *				and abort the process if it failed.
 * The mover tells the two apart as libpmemobj does, from the mapping: a
 * pool that pmem_is_pmem() accepts, or whose mapping is a DAX one
 * (/proc/self/smaps, pmv__page_cache_map), is persistent memory.  Taken
 * wrongly either way, bytes are durable all the same: the pool's functions
 * msync() a page cache pool themselves, and msync() writes back the CPU
 * caches of a DAX file's dirty pages.
 *
 * The pool's range is learnt once, with pmemobj_pool_by_ptr(): the pool
 * is one mapping, so the bytes it says are the pool's are an interval
 * from pop on, whose end a binary search finds.
 */

#include <errno.h>
#include <stdint.h>

#include <libminiasync-pmemobj.h>
#include <libpmem.h>

#include "kernel_copy.h"
#include "pmem_mover.h"
#include "pmemobj_seam.h"
#include "vdm_internal.h"

/* the flags pass to the pool's functions, and to libpmem's */
_Static_assert(PMEMOBJ_F_MEM_NODRAIN == PMEM_F_MEM_NODRAIN, "flag values");
_Static_assert(PMEMOBJ_F_MEM_NONTEMPORAL == PMEM_F_MEM_NONTEMPORAL,
	"flag values");
_Static_assert(PMEMOBJ_F_MEM_NOFLUSH == PMEM_F_MEM_NOFLUSH, "flag values");
/* pmv__store_unflushed() passes libpmem2's to libpmem's functions */
_Static_assert(PMEM_F_MEM_NOFLUSH == PMEM2_F_MEM_NOFLUSH, "flag values");
_Static_assert(PMEM_F_MEM_NONTEMPORAL == PMEM2_F_MEM_NONTEMPORAL,
	"flag values");

#ifdef MINIASYNC_PMEM_TEST_SEAM
struct pmv__obj_fns pmv__obj_fns = {
#else
static const struct pmv__obj_fns pmv__obj_fns = {
#endif
	.memcpy = pmemobj_memcpy,
	.memmove = pmemobj_memmove,
	.memset = pmemobj_memset,
	.flush = pmemobj_flush,
};

#ifdef MINIASYNC_PMEM_TEST_SEAM
void (*pmv__obj_fns_seam)(struct pmv__fns *fns);
#endif

/*
 * pmv_obj_store_pmem -- stores [off, off + len) into a pool on persistent
 * memory with the pool's functions, without a drain
 */
static void
pmv_obj_store_pmem(const struct pmv__target *t,
	const struct vdm_operation *op, size_t off, size_t len)
{
	PMEMobjpool *pop = t->ctx;
	char *dest = vdm__operation_range(op, off, len).addr;
	unsigned flags = PMEMOBJ_F_MEM_NODRAIN;

	if (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT)
		flags |= PMEMOBJ_F_MEM_NONTEMPORAL;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		pmv__obj_fns.memcpy(pop, dest,
			(const char *)op->data.memcpy.src + off, len, flags);
		break;
	case VDM_OPERATION_MEMMOVE:
		pmv__obj_fns.memmove(pop, dest,
			(const char *)op->data.memmove.src + off, len, flags);
		break;
	case VDM_OPERATION_MEMSET:
		pmv__obj_fns.memset(pop, dest, op->data.memset.c, len, flags);
		break;
	case VDM_OPERATION_FLUSH:
		pmv__obj_fns.flush(pop, dest, len);
		break;
	}
}

/*
 * pmv_obj_store -- stores [off, off + len): into a pool on persistent
 * memory with its functions, without a drain; into one in the page cache
 * through the kernel, where it may, or with libpmem's functions, without a
 * flush
 */
static void
pmv_obj_store(const struct pmv__target *t, const struct vdm_operation *op,
	size_t off, size_t len)
{
	if (t->page)
		pmv__store_unflushed(t, op, off, len);
	else
		pmv_obj_store_pmem(t, op, off, len);
}

/*
 * pmv_obj_needs_write_back -- every range of a pool in the page cache, none
 * of one on persistent memory
 */
static int
pmv_obj_needs_write_back(const struct pmv__target *t, const void *addr,
	size_t len)
{
	(void) addr;
	(void) len;
	return t->page;
}

/*
 * pmv_obj_write_back -- msync() of a range of a pool in the page cache: 0,
 * or -1
 */
static int
pmv_obj_write_back(const struct pmv__target *t, const void *addr, size_t len)
{
	(void) t;
	return pmv__msync(addr, len);
}

static const struct pmv__target_ops pmv_obj_ops = {
	.check = pmv__check_in_target,
	.store = pmv_obj_store,
	.needs_write_back = pmv_obj_needs_write_back,
	.write_back = pmv_obj_write_back,
};

/* ranges of a group at most this far apart share one write-back */
#define PMV_OBJ_WRITE_BACK_GAP ((size_t)64 << 10)

/*
 * pmv_obj_size -- the length of the pool that starts at pop: the bytes
 * from pop on that pmemobj_pool_by_ptr() says are the pool's, an interval
 * (see the top of the file)
 */
static size_t
pmv_obj_size(PMEMobjpool *pop)
{
	const char *base = (const char *)pop;
	/* in: a length the pool has; out: one it has not */
	size_t in = 1, out = (size_t)4 << 10;

	while (pmemobj_pool_by_ptr(base + out - 1) == pop) {
		in = out;
		/* no mapping reaches the top of the address space */
		if (out > SIZE_MAX / 4 - (uintptr_t)base)
			return in;
		out *= 2;
	}
	while (out - in > 1) {
		size_t mid = in + (out - in) / 2;
		if (pmemobj_pool_by_ptr(base + mid - 1) == pop)
			in = mid;
		else
			out = mid;
	}
	return in;
}

/*
 * pmv_obj_setup -- learns the pool's range and whether it is persistent
 * memory
 */
static void
pmv_obj_setup(struct pmv__target *t, void *arg)
{
	PMEMobjpool *pop = arg;

	t->ops = &pmv_obj_ops;
	t->ctx = pop;
	t->base = (uintptr_t)pop;
	t->size = pmv_obj_size(pop);
	int page_cache = pmv__page_cache_map(t->base, t->size);
	t->page = page_cache && !pmem_is_pmem(pop, t->size);
	/* without auto flush, the drain of persistent memory waits for the
	 * flushes of its stores */
	t->drain_flushes = !t->page && !pmem_has_auto_flush();
	/* the pool's mapping holds every byte between two of its ranges */
	t->write_back_gap = PMV_OBJ_WRITE_BACK_GAP;
	t->kernel_store = t->page && pmv__kernel_store_wanted();
	if (t->kernel_store)
		pmv__kernel_store_epoch();
	/* a pool on persistent memory drains with libpmem's pmem_drain(),
	 * as pmemobj_drain() does; its flush is pmem_flush() */
	t->fns.memcpy = pmem_memcpy;
	t->fns.memmove = pmem_memmove;
	t->fns.memset = pmem_memset;
	t->fns.flush = pmem_flush;
	t->fns.drain = pmem_drain;
	t->fns.persist = pmem_persist;
#ifdef MINIASYNC_PMEM_TEST_SEAM
	if (pmv__obj_fns_seam != NULL)
		pmv__obj_fns_seam(&t->fns);
#endif
}

/*
 * vdm_pmemobj_new -- a durable mover into the pool pop, on nthreads
 * workers or none
 */
struct vdm *
vdm_pmemobj_new(PMEMobjpool *pop, unsigned nthreads)
{
	/* an open pool is the pool of its own first byte */
	if (pop == NULL || pmemobj_pool_by_ptr(pop) != pop) {
		errno = EINVAL;
		return NULL;
	}
	return pmv__mover_new(pmv_obj_setup, pop, nthreads);
}
