/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_seam.h -- the test seams of libminiasync-pmem: what tests set to
 * observe or drive the movers' internals.  They exist only in the test
 * build of the library (miniasync-pmem-test, which defines
 * MINIASYNC_PMEM_TEST_SEAM); a test sets them while no mover is in use.
 */

#ifndef MINIASYNC_PMEM_SEAM_H
#define MINIASYNC_PMEM_SEAM_H 1

#ifdef MINIASYNC_PMEM_TEST_SEAM

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pmem_fns.h"

struct vdm_operation;

/*
 * pmv__fns_seam -- when not NULL, called with the functions of every new
 * mover of a libpmem2 map, which it may replace (with wrappers that record
 * the calls and then call the originals).  vdm_pmem2.c.
 */
extern void (*pmv__fns_seam)(struct pmv__fns *fns);

/*
 * pmv__fail_write_back -- when not NULL, asked after every write-back of
 * a range (addr, len) whether to report it failed, as an I/O error would.
 * write_back.c.
 */
extern int (*pmv__fail_write_back)(const void *addr, size_t len);

/*
 * pmv__kernel_store_disabled -- when non-zero, stores to ranges to be
 * written back are never made through the kernel (pmv__kernel_store), as
 * where process_vm_writev() is refused.  kernel_copy_linux.c, as the two
 * below.
 */
extern int pmv__kernel_store_disabled;

/*
 * pmv__kernel_store_seam -- when not NULL, called with every piece of an
 * operation the kernel stored (with no flush, as the map's function with
 * PMEM2_F_MEM_NOFLUSH would)
 */
extern void (*pmv__kernel_store_seam)(const struct vdm_operation *op,
	size_t off, size_t len);

/*
 * pmv__kernel_writev -- the call the kernel copies with,
 * process_vm_writev() unless a test replaces it (to fail it, count its
 * calls, or copy fewer bytes than asked)
 */
extern ssize_t (*pmv__kernel_writev)(pid_t pid, const struct iovec *local,
	unsigned long nlocal, const struct iovec *remote,
	unsigned long nremote, unsigned long flags);

/*
 * pmv__membarrier -- the call the drain group makes membarrier(2) with,
 * as membarrier(cmd, flags, 0), unless a test replaces it (to log the
 * barriers of the cross-thread path, or leave them out): set it before
 * the first mover is made, as the first one registers the process with
 * it.  drain_group.c, as the one below.
 */
extern long (*pmv__membarrier)(int cmd, unsigned flags);

/*
 * pmv__drain_group_disabled -- when non-zero, movers made from then on
 * drain at the first poll, as where membarrier is refused
 */
extern int pmv__drain_group_disabled;

#endif /* MINIASYNC_PMEM_TEST_SEAM */

#endif /* MINIASYNC_PMEM_SEAM_H */
