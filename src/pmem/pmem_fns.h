/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_fns.h -- the functions a pmem mover stores and persists with, and
 * the seam through which tests see them (internal)
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

#ifdef MINIASYNC_PMEM_TEST_SEAM
/*
 * pmv__fns_seam -- when not NULL, called with the functions of every new pmem
 * mover, which it may replace (with wrappers that record the calls and then
 * call the originals).  Only in the test build of the library.
 */
extern void (*pmv__fns_seam)(struct pmv__fns *fns);

/*
 * pmv__fail_write_back -- when not NULL, asked after every write-back of
 * a range (addr, len) whether to report it failed, as an I/O error would.
 * Only in the test build of the library.
 */
extern int (*pmv__fail_write_back)(const void *addr, size_t len);

/*
 * pmv__kernel_store_disabled -- when non-zero, stores to ranges to be
 * written back are never made through the kernel (pmv__kernel_store), as
 * where process_vm_writev() is refused.  pmv__kernel_store_seam -- when
 * not NULL, called with every piece of an operation the kernel stored
 * (with no flush, as the map's function with PMEM2_F_MEM_NOFLUSH would).
 * Only in the test build of the library.
 */
extern int pmv__kernel_store_disabled;

/*
 * pmv__kernel_writev -- the call the kernel copies with,
 * process_vm_writev() unless a test replaces it (to fail it, count its
 * calls, or copy fewer bytes than asked).  Only in the test build.
 */
#include <sys/types.h>
#include <sys/uio.h>
extern ssize_t (*pmv__kernel_writev)(pid_t pid, const struct iovec *local,
	unsigned long nlocal, const struct iovec *remote,
	unsigned long nremote, unsigned long flags);
extern void (*pmv__kernel_store_seam)(const struct vdm_operation *op,
	size_t off, size_t len);
#endif

#endif /* MINIASYNC_PMEM_FNS_H */
