/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync-pmem.h -- movers of persistent memory: every operation is
 * durable when its future completes (libminiasync-pmem, -lminiasync-pmem)
 *
 * vdm_pmem2_new() makes a mover for one libpmem2 mapping; vdm_pmem_new()
 * one for any address, for programs that map with libpmem.  They are
 * deleted with vdm_delete() and take the futures of vdm_memcpy(),
 * vdm_memmove(), vdm_memset() and vdm_flush(), and libpmem2's asynchronous
 * functions through pmem2_config_set_vdm().  When such a future completes
 * with VDM_SUCCESS, every byte of its destination range is in the
 * persistence domain:
 *	PMEM2_GRANULARITY_BYTE		stored, then drained
 *	PMEM2_GRANULARITY_CACHE_LINE	stored with non-temporal stores or
 *					flushed from the caches, then drained,
 *					on the thread that stored them
 *	PMEM2_GRANULARITY_PAGE		stored, then written back with msync()
 * VDM_F_MEM_DURABLE is implied and accepted; VDM_F_NO_CACHE_HINT asks for
 * non-temporal stores.  See vdm_pmem2_new(3).
 */

#ifndef LIBMINIASYNC_PMEM_H
#define LIBMINIASYNC_PMEM_H 1

#include <libminiasync.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pmem2_map;

/*
 * vdm_pmem2_new -- a mover whose operations write inside map and are
 * durable when complete.  nthreads == 0: bytes move on the polling thread,
 * at the first poll (on a PAGE map a later poll writes them back, shared
 * with the other operations in flight); otherwise on nthreads workers of
 * the mover's own (at most 256).  A destination range not wholly inside the map fails with
 * VDM_ERROR_OUT_OF_RANGE and writes nothing.  The map must outlive the
 * mover.  NULL with errno set on failure (EINVAL: map is NULL or nthreads
 * too large; ENOMEM).
 */
MINIASYNC_EXPORT struct vdm *vdm_pmem2_new(struct pmem2_map *map,
	unsigned nthreads);

/*
 * vdm_pmem_new -- a mover whose operations are durable when complete, for
 * memory mapped with libpmem (pmem_map_file()): a range that
 * pmem_is_pmem() says is persistent memory is stored with libpmem's
 * functions and drained; any other is written back with pmem_msync(), and
 * an operation whose write-back fails ends with VDM_ERROR_IO.  nthreads as
 * for vdm_pmem2_new().  NULL with errno set on failure (EINVAL: nthreads
 * too large; ENOMEM).
 */
MINIASYNC_EXPORT struct vdm *vdm_pmem_new(unsigned nthreads);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_PMEM_H */
