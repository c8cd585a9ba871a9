/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_internal.h -- internals shared by the movers
 */

#ifndef MINIASYNC_VDM_INTERNAL_H
#define MINIASYNC_VDM_INTERNAL_H 1

#include <string.h>

#include <libminiasync/vdm.h>

#include "core/cpu.h"
#include "core/util.h"

/*
 * vdm__operation_len -- the length of any kind of operation
 */
static inline size_t
vdm__operation_len(const struct vdm_operation *op)
{
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		return op->data.memcpy.n;
	case VDM_OPERATION_MEMMOVE:
		return op->data.memmove.n;
	case VDM_OPERATION_MEMSET:
		return op->data.memset.n;
	case VDM_OPERATION_FLUSH:
		return op->data.flush.n;
	}
	return 0;
}

/*
 * vdm__operation_flags -- the flags of any kind of operation
 */
static inline uint64_t
vdm__operation_flags(const struct vdm_operation *op)
{
	/* memcpy, memmove and memset keep their flags at the same place */
	return op->type == VDM_OPERATION_FLUSH ? op->data.flush.flags :
		op->data.memcpy.flags;
}

/*
 * vdm__operation_judge -- the result an operation's arguments give, by the
 * precedence every mover and every future follows: an unknown type (no
 * mover does it), a flag outside VDM_F_VALID_FLAGS, then n == 0 (success:
 * there is nothing to do), then a NULL pointer.  VDM_SUCCESS with n > 0
 * leaves the operation to the mover.
 */
static inline enum vdm_operation_result
vdm__operation_judge(const struct vdm_operation *op)
{
	uint64_t flags;
	size_t n;
	int null_ptr;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
	case VDM_OPERATION_MEMMOVE:
		/* memmove's arguments are laid out as memcpy's */
		flags = op->data.memcpy.flags;
		n = op->data.memcpy.n;
		null_ptr = op->data.memcpy.dest == NULL ||
			op->data.memcpy.src == NULL;
		break;
	case VDM_OPERATION_MEMSET:
		flags = op->data.memset.flags;
		n = op->data.memset.n;
		null_ptr = op->data.memset.str == NULL;
		break;
	case VDM_OPERATION_FLUSH:
		flags = op->data.flush.flags;
		n = op->data.flush.n;
		null_ptr = op->data.flush.dest == NULL;
		break;
	default:
		return VDM_ERROR_NOT_SUPPORTED;
	}

	if (core__unlikely(flags & ~(uint64_t)VDM_F_VALID_FLAGS))
		return VDM_ERROR_INVALID_FLAGS;
	if (core__unlikely(n != 0 && null_ptr))
		return VDM_ERROR_INVALID_ARGUMENT;
	return VDM_SUCCESS;
}

/*
 * vdm__operation_check -- the result an operation must end with before any
 * byte moves on a mover that honours the flags in supported: its arguments
 * judged (vdm__operation_judge), then a flag it cannot honour.  The futures
 * of vdm_memcpy() and friends judge their arguments at their first poll,
 * but libpmem2 1.12 builds its futures with its own code and hands the
 * operations to a mover unchecked, so every mover checks here.
 */
static inline enum vdm_operation_result
vdm__operation_check(const struct vdm_operation *op, uint64_t supported)
{
	enum vdm_operation_result result = vdm__operation_judge(op);

	if (core__unlikely(result != VDM_SUCCESS))
		return result;
	if (core__unlikely(vdm__operation_flags(op) & ~supported) &&
			vdm__operation_len(op) != 0)
		return VDM_ERROR_NOT_SUPPORTED;
	return VDM_SUCCESS;
}

_Static_assert(offsetof(struct vdm_operation_data_memmove, flags) ==
	offsetof(struct vdm_operation_data_memcpy, flags), "memmove shape");
_Static_assert(offsetof(struct vdm_operation_data_memmove, n) ==
	offsetof(struct vdm_operation_data_memcpy, n), "memmove shape");
_Static_assert(offsetof(struct vdm_operation_data_memmove, src) ==
	offsetof(struct vdm_operation_data_memcpy, src), "memmove shape");

/*
 * vdm__operation_overlaps -- non-zero for a memmove whose ranges overlap: it
 * must move in one sweep, by memmove()
 */
static inline int
vdm__operation_overlaps(const struct vdm_operation *op)
{
	if (op->type != VDM_OPERATION_MEMMOVE)
		return 0;
	uintptr_t d = (uintptr_t)op->data.memmove.dest;
	uintptr_t s = (uintptr_t)op->data.memmove.src;
	size_t n = op->data.memmove.n;
	return d < s + n && s < d + n;
}

_Static_assert(offsetof(struct vdm_operation_data_memset, flags) ==
	offsetof(struct vdm_operation_data_memcpy, flags), "memset shape");
/* every operation's destination, and output pointer, comes first */
_Static_assert(offsetof(struct vdm_operation_data_memset, str) ==
	offsetof(struct vdm_operation_data_memcpy, dest), "memset shape");
_Static_assert(offsetof(struct vdm_operation_data_flush, dest) ==
	offsetof(struct vdm_operation_data_memcpy, dest), "flush shape");
_Static_assert(offsetof(struct vdm_operation_output_memset, str) ==
	offsetof(struct vdm_operation_output_memcpy, dest), "output shape");

/* a range of bytes: an operation's destination, or a piece of it */
struct vdm__range {
	void *addr;
	size_t len;
};

/*
 * vdm__operation_range -- the bytes [off, off + len) of an operation's
 * destination (every operation's destination is its first argument)
 */
static inline struct vdm__range
vdm__operation_range(const struct vdm_operation *op, size_t off, size_t len)
{
	struct vdm__range r = {
		.addr = (char *)op->data.memcpy.dest + off,
		.len = len,
	};
	return r;
}

/*
 * vdm__operation_output -- fills in what op_delete reports: the type, the
 * result, and the destination as the pointer (a flush reports none)
 */
static inline void
vdm__operation_output(const struct vdm_operation *op,
	enum vdm_operation_result result, struct vdm_operation_output *output)
{
	output->type = op->type;
	output->result = result;
	if (op->type == VDM_OPERATION_FLUSH)
		output->output.flush.unused = 0;
	else
		output->output.memcpy.dest = op->data.memcpy.dest;
}

/*
 * vdm__operation_run -- moves the bytes [off, off + len) of a checked
 * operation on the calling thread; a memmove is cut into ranges only when
 * its source and destination do not overlap
 */
static inline void
vdm__operation_run(const struct vdm_operation *op, size_t off, size_t len)
{
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		memcpy((char *)op->data.memcpy.dest + off,
			(char *)op->data.memcpy.src + off, len);
		break;
	case VDM_OPERATION_MEMMOVE:
		memmove((char *)op->data.memmove.dest + off,
			(char *)op->data.memmove.src + off, len);
		break;
	case VDM_OPERATION_MEMSET:
		memset((char *)op->data.memset.str + off, op->data.memset.c,
			len);
		break;
	case VDM_OPERATION_FLUSH:
		core__flush_range((char *)op->data.flush.dest + off, len);
		break;
	}
}

/*
 * vdm__operation_run_nt -- vdm__operation_run, with stores that bypass the
 * caches (core__memcpy_nt); a memmove whose ranges overlap, and a flush,
 * go the ordinary way
 */
static inline void
vdm__operation_run_nt(const struct vdm_operation *op, size_t off,
	size_t len)
{
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
	case VDM_OPERATION_MEMMOVE:
		if (vdm__operation_overlaps(op))
			break;
		/* memmove's arguments are laid out as memcpy's */
		core__memcpy_nt((char *)op->data.memcpy.dest + off,
			(char *)op->data.memcpy.src + off, len);
		return;
	case VDM_OPERATION_MEMSET:
		core__memset_nt((char *)op->data.memset.str + off,
			op->data.memset.c, len);
		return;
	case VDM_OPERATION_FLUSH:
		break;
	}
	vdm__operation_run(op, off, len);
}

#endif /* MINIASYNC_VDM_INTERNAL_H */
