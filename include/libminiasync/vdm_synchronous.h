/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/vdm_synchronous.h -- the synchronous data mover
 *
 * The synchronous mover moves bytes on the thread that polls the future, at
 * its first poll; it allocates nothing per operation and takes no notifier.
 * It serves ordinary memory: VDM_F_MEM_DURABLE fails with
 * VDM_ERROR_NOT_SUPPORTED (durability needs a mover that knows the mapping,
 * see libminiasync-pmem), VDM_F_NO_CACHE_HINT stores past the CPU caches
 * (non-temporal stores, on x86-64).
 * vdm_flush() writes the range back from the CPU caches.  Its capabilities
 * are 0.  See miniasync_vdm_synchronous(3).
 */

#ifndef LIBMINIASYNC_VDM_SYNCHRONOUS_H
#define LIBMINIASYNC_VDM_SYNCHRONOUS_H 1

#include <libminiasync/base.h>
#include <libminiasync/vdm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * vdm_descriptor_synchronous -- the descriptor of the synchronous mover, for
 * vdm_new().  It points to static storage: do not modify it.
 */
MINIASYNC_EXPORT struct vdm_descriptor *vdm_descriptor_synchronous(void);

/*
 * vdm_synchronous_new -- a synchronous mover: vdm_new() of the descriptor
 * above (a name miniasync 0.2 declared)
 */
static inline struct vdm *
vdm_synchronous_new(void)
{
	return vdm_new(vdm_descriptor_synchronous());
}

/* vdm_synchronous_delete -- vdm_delete() of such a mover */
static inline void
vdm_synchronous_delete(struct vdm *vdm)
{
	vdm_delete(vdm);
}

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_VDM_SYNCHRONOUS_H */
