/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/data_mover_sync.h -- the synchronous mover behind miniasync
 * 0.2's handle
 *
 * data_mover_sync_new() makes the synchronous mover of
 * vdm_descriptor_synchronous() (bytes move on the polling thread, at the
 * first poll); data_mover_sync_get_vdm() gives the struct vdm to pass to
 * vdm_memcpy() and friends or to pmem2_config_set_vdm().  Programs written
 * for miniasync 0.2 use these; vdm_new() makes the same mover.  See
 * data_mover_sync_new(3).
 */

#ifndef LIBMINIASYNC_DATA_MOVER_SYNC_H
#define LIBMINIASYNC_DATA_MOVER_SYNC_H 1

#include <libminiasync/base.h>
#include <libminiasync/vdm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* the handle of a synchronous mover (opaque) */
struct data_mover_sync;

/*
 * data_mover_sync_new -- a synchronous mover; NULL with errno set (ENOMEM)
 * on failure
 */
MINIASYNC_EXPORT struct data_mover_sync *data_mover_sync_new(void);

/*
 * data_mover_sync_get_vdm -- the mover's operation table, valid until
 * data_mover_sync_delete(); NULL for a NULL handle
 */
MINIASYNC_EXPORT struct vdm *data_mover_sync_get_vdm(
	struct data_mover_sync *dms);

/* data_mover_sync_delete -- deletes the mover; NULL is a no-op */
MINIASYNC_EXPORT void data_mover_sync_delete(struct data_mover_sync *dms);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_DATA_MOVER_SYNC_H */
