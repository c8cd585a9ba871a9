/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm.h -- internals shared by the movers
 */

#ifndef MINIASYNC_VDM_H
#define MINIASYNC_VDM_H 1

#include <libminiasync/vdm.h>

/*
 * vdm__check_flags -- the result for flags a mover is asked to honour, given
 * the flags it can honour; unknown bits were rejected before a mover sees
 * them, so this only checks the mover's own limits.
 */
static inline enum vdm_operation_result
vdm__check_flags(uint64_t flags, uint64_t supported)
{
	return (flags & ~supported) ? VDM_ERROR_NOT_SUPPORTED : VDM_SUCCESS;
}

/*
 * vdm__operation_flags -- the flags of any kind of operation
 */
static inline uint64_t
vdm__operation_flags(const struct vdm_operation *op)
{
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		return op->data.memcpy.flags;
	case VDM_OPERATION_MEMMOVE:
		return op->data.memmove.flags;
	case VDM_OPERATION_MEMSET:
		return op->data.memset.flags;
	case VDM_OPERATION_FLUSH:
		return op->data.flush.flags;
	}
	return 0;
}

#endif /* MINIASYNC_VDM_H */
