/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_kinds.h -- the kinds of operation the thread-pool tests run, the
 * overlapping moves apart from the others, each made together with the
 * same work done with libc on a model of the buffer it writes
 */

#ifndef TEST_KINDS_H
#define TEST_KINDS_H 1

#include "test_ops.h"

enum test_kind {
	K_MEMCPY,
	K_MEMMOVE,	/* from another buffer: no overlap */
	K_MEMMOVE_UP,	/* dest above src, overlapping */
	K_MEMMOVE_DOWN,	/* dest below src, overlapping */
	K_MEMSET,
	K_FLUSH,
	K_COUNT
};

/*
 * test_kind_name -- a kind of operation as text
 */
static inline const char *
test_kind_name(enum test_kind kind)
{
	static const char *const names[] = {
		"memcpy", "memmove", "memmove (overlap, dest > src)",
		"memmove (overlap, dest < src)", "memset", "flush",
	};

	return kind < K_COUNT ? names[kind] : "?";
}

/*
 * test_kind_type -- the type of operation a kind is
 */
static inline enum vdm_operation_type
test_kind_type(enum test_kind kind)
{
	switch (kind) {
	case K_MEMCPY:
		return OP_MEMCPY;
	case K_MEMMOVE:
	case K_MEMMOVE_UP:
	case K_MEMMOVE_DOWN:
		return OP_MEMMOVE;
	case K_MEMSET:
		return OP_MEMSET;
	case K_FLUSH:
	case K_COUNT:
	default:
		return OP_FLUSH;
	}
}

/*
 * test_kind_make -- makes in *f an operation of kind on vdm, of n bytes
 * at buf: copied or moved from from (K_MEMCPY, K_MEMMOVE), moved up or
 * down by shift within [buf, buf + n + shift) (K_MEMMOVE_UP,
 * K_MEMMOVE_DOWN), set to c, or flushed; and does the same with libc to
 * model, the copy of buf that holds what buf must hold.  Returns where the
 * operation writes.
 */
static inline unsigned char *
test_kind_make(union test_future *f, enum test_kind kind, struct vdm *vdm,
	unsigned char *buf, unsigned char *model, unsigned char *from,
	size_t shift, int c, size_t n, uint64_t flags)
{
	enum vdm_operation_type type = test_kind_type(kind);
	unsigned char *dest = buf;
	unsigned char *src = from;
	unsigned char *model_src = from;

	if (kind == K_MEMMOVE_UP) {
		dest = buf + shift;
		model += shift;
		src = buf;
		model_src = model - shift;
	} else if (kind == K_MEMMOVE_DOWN) {
		src = buf + shift;
		model_src = model + shift;
	}
	(void) test_op_make(f, type, vdm, dest, src, c, n, flags);
	test_op_apply(type, model, model_src, c, n);
	return dest;
}

#endif /* TEST_KINDS_H */
