/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_ops.h -- what the tests of the movers share that needs no cmocka
 * (the libFuzzer target uses it too): the bytes a test fills a buffer with,
 * where two buffers differ, a mover under test with its runtime, and the
 * future of an operation of any kind
 */

#ifndef TEST_OPS_H
#define TEST_OPS_H 1

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libminiasync.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KIB (((size_t)1) << 10)
#define MIB (((size_t)1) << 20)

/*
 * The kinds of operation, as the tests name and count them: the values of
 * enum vdm_operation_type
 */
#define OP_MEMCPY VDM_OPERATION_MEMCPY
#define OP_MEMMOVE VDM_OPERATION_MEMMOVE
#define OP_MEMSET VDM_OPERATION_MEMSET
#define OP_FLUSH VDM_OPERATION_FLUSH
#define OP_KINDS VDM_OPERATION_TYPES

/* TEST_FOR_EACH_OP -- a loop over the kinds of operation, in _kind */
#define TEST_FOR_EACH_OP(_kind)\
	for (enum vdm_operation_type _kind = OP_MEMCPY; _kind < OP_KINDS;\
		_kind++)

/*
 * test_fill -- fills n bytes with pseudo-random bytes that depend on seed
 * only (a word at a time: some buffers are large, and the tests run under
 * valgrind too)
 */
static inline void
test_fill(void *buf, size_t n, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < n; i += sizeof(x)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, n - i < sizeof(x) ? n - i : sizeof(x));
	}
}

/*
 * test_first_diff -- the offset of the first byte where a and b differ, or
 * n if they do not
 */
static inline size_t
test_first_diff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a;
	const unsigned char *y = b;

	if (memcmp(x, y, n) == 0)
		return n;
	size_t i = 0;
	while (x[i] == y[i])
		i++;
	return i;
}

/*
 * struct test_mover -- a mover under test, and a runtime to wait for its
 * futures with
 */
struct test_mover {
	struct vdm *vdm;
	struct runtime *rt;
};

/*
 * test_mover_init -- m gets vdm, which the caller made (NULL: that failed,
 * and name says what failed), and a new runtime; 0, or -1 with a message
 * and nothing left (vdm deleted)
 */
static inline int
test_mover_init(struct test_mover *m, struct vdm *vdm, const char *name)
{
	m->vdm = vdm;
	if (vdm == NULL)
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
	m->rt = runtime_new();
	if (m->vdm != NULL && m->rt != NULL)
		return 0;
	runtime_delete(m->rt);
	vdm_delete(m->vdm);
	m->rt = NULL;
	m->vdm = NULL;
	return -1;
}

/*
 * test_mover_fini -- deletes the runtime and the mover
 */
static inline void
test_mover_fini(struct test_mover *m)
{
	runtime_delete(m->rt);
	vdm_delete(m->vdm);
}

/*
 * union test_future -- the future of an operation of any kind.  vdm.h makes
 * the futures of all four kinds one type, struct vdm_operation_future,
 * under the names of the other members: op serves any kind, the others
 * name the kind a test means.
 */
union test_future {
	struct vdm_operation_future op;
	struct vdm_memcpy_future cpy;
	struct vdm_memmove_future mov;
	struct vdm_memset_future set;
	struct vdm_flush_future fl;
};

/*
 * test_op_make -- makes in *f an operation of type on vdm: to dest, from
 * src (a copy or a move), of c (a memset); returns the future to poll
 */
static inline struct future *
test_op_make(union test_future *f, enum vdm_operation_type type,
	struct vdm *vdm, void *dest, void *src, int c, size_t n, uint64_t flags)
{
	switch (type) {
	case VDM_OPERATION_MEMCPY:
		f->cpy = vdm_memcpy(vdm, dest, src, n, flags);
		break;
	case VDM_OPERATION_MEMMOVE:
		f->mov = vdm_memmove(vdm, dest, src, n, flags);
		break;
	case VDM_OPERATION_MEMSET:
		f->set = vdm_memset(vdm, dest, c, n, flags);
		break;
	case VDM_OPERATION_FLUSH:
	default:
		f->fl = vdm_flush(vdm, dest, n, flags);
		break;
	}
	return FUTURE_AS_RUNNABLE(&f->op);
}

/*
 * struct test_op_fields -- where the arguments of an operation lie in a
 * struct vdm_operation of its type; NULL for those the type has not
 * (internal to this header)
 */
struct test_op_fields {
	void **dest;
	void **src;
	int *c;
	size_t *n;
	uint64_t *flags;
};

/*
 * test_op_fields -- the fields of op for its type (internal to this header)
 */
static inline struct test_op_fields
test_op_fields(struct vdm_operation *op)
{
	struct test_op_fields f;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		f = (struct test_op_fields){ &op->data.memcpy.dest,
			&op->data.memcpy.src, NULL, &op->data.memcpy.n,
			&op->data.memcpy.flags };
		break;
	case VDM_OPERATION_MEMMOVE:
		f = (struct test_op_fields){ &op->data.memmove.dest,
			&op->data.memmove.src, NULL, &op->data.memmove.n,
			&op->data.memmove.flags };
		break;
	case VDM_OPERATION_MEMSET:
		f = (struct test_op_fields){ &op->data.memset.str, NULL,
			&op->data.memset.c, &op->data.memset.n,
			&op->data.memset.flags };
		break;
	case VDM_OPERATION_FLUSH:
	default:
		f = (struct test_op_fields){ &op->data.flush.dest, NULL, NULL,
			&op->data.flush.n, &op->data.flush.flags };
		break;
	}
	return f;
}

/*
 * test_operation -- the operation of type, as a program with its own
 * generic future (libpmem2) builds it for a mover's table: to dest, from
 * src (a copy or a move), of c (a memset)
 */
static inline struct vdm_operation
test_operation(enum vdm_operation_type type, void *dest, void *src, int c,
	size_t n, uint64_t flags)
{
	struct vdm_operation op;

	memset(&op, 0, sizeof(op));
	op.type = type;
	struct test_op_fields f = test_op_fields(&op);
	*f.dest = dest;
	if (f.src != NULL)
		*f.src = src;
	if (f.c != NULL)
		*f.c = c;
	*f.n = n;
	*f.flags = flags;
	return op;
}

/*
 * struct test_op_args -- the arguments of an operation, as test_op_make()
 * takes them
 */
struct test_op_args {
	enum vdm_operation_type type;
	void *dest;
	void *src;
	int c;
	size_t n;
	uint64_t flags;
};

/*
 * test_operation_args -- the arguments of op (src NULL but for a copy or a
 * move, c 0 but for a memset)
 */
static inline struct test_op_args
test_operation_args(const struct vdm_operation *op)
{
	struct vdm_operation copy = *op;
	struct test_op_fields f = test_op_fields(&copy);
	struct test_op_args a = {
		op->type, *f.dest, f.src != NULL ? *f.src : NULL,
		f.c != NULL ? *f.c : 0, *f.n, *f.flags,
	};

	return a;
}

/*
 * test_operation_make -- makes in *f the operation op on vdm, through
 * vdm_memcpy() and friends; returns the future to poll
 */
static inline struct future *
test_operation_make(union test_future *f, struct vdm *vdm,
	const struct vdm_operation *op)
{
	struct test_op_args a = test_operation_args(op);

	return test_op_make(f, a.type, vdm, a.dest, a.src, a.c, a.n, a.flags);
}

/*
 * test_op_apply -- does to dest with libc what an operation of type does:
 * copies or moves n bytes from src, or sets them to c (a flush: nothing)
 */
static inline void
test_op_apply(enum vdm_operation_type type, void *dest, const void *src,
	int c, size_t n)
{
	switch (type) {
	case VDM_OPERATION_MEMCPY:
		memcpy(dest, src, n);
		break;
	case VDM_OPERATION_MEMMOVE:
		memmove(dest, src, n);
		break;
	case VDM_OPERATION_MEMSET:
		memset(dest, c, n);
		break;
	case VDM_OPERATION_FLUSH:
	default:
		break;
	}
}

/*
 * test_operation_apply -- does the work of op with libc, as the movers the
 * tests write do it
 */
static inline void
test_operation_apply(const struct vdm_operation *op)
{
	struct test_op_args a = test_operation_args(op);

	test_op_apply(a.type, a.dest, a.src, a.c, a.n);
}

/*
 * test_ok_result -- the result of an operation of type that succeeds on a
 * mover that stores with the CPU (the synchronous mover, the thread pool):
 * VDM_SUCCESS, but for a flush where the machine has no flush for them
 */
static inline enum vdm_operation_result
test_ok_result(enum vdm_operation_type type)
{
#if !defined(__x86_64__)
	if (type == OP_FLUSH)
		return VDM_ERROR_NOT_SUPPORTED;
#endif
	(void) type;
	return VDM_SUCCESS;
}

#endif /* TEST_OPS_H */
