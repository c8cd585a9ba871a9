/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_fns.h -- the functions a pmem mover stores and persists with
 * (internal; tests replace them through pmem_seam.h)
 */

#ifndef MINIASYNC_PMEM_FNS_H
#define MINIASYNC_PMEM_FNS_H 1

#include <libpmem2.h>

/* the functions a target stores with: a libpmem2 map's own, or libpmem's */
struct pmv__fns {
	pmem2_memcpy_fn memcpy;
	pmem2_memmove_fn memmove;
	pmem2_memset_fn memset;
	pmem2_flush_fn flush;
	pmem2_drain_fn drain;
	pmem2_persist_fn persist;
};

/*
 * pmv__store -- stores the bytes [off, off + len) of an operation with
 * fns, passing flags (PMEM2_F_MEM_*, whose values libpmem's PMEM_F_MEM_*
 * share); a flush runs fns->flush unless flags has PMEM2_F_MEM_NOFLUSH
 */
struct vdm_operation;
void pmv__store(const struct pmv__fns *fns, const struct vdm_operation *op,
	size_t off, size_t len, unsigned flags);

#endif /* MINIASYNC_PMEM_FNS_H */
