/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_helpers.h -- the checks the cmocka tests of the movers share: memory
 * or a failed test, a buffer compared byte for byte, the output of a
 * completed operation, an operation waited for with a runtime or driven
 * through a mover's table as libpmem2 drives it, and a future moved in
 * memory.  Include after <cmocka.h>.
 */

#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H 1

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "test_ops.h"

/*
 * TEST_PRESTATE -- the cmocka entry of _test with the file's setup() and
 * teardown(), which get &_state as their prestate
 */
#define TEST_PRESTATE(_test, _state)\
	cmocka_unit_test_prestate_setup_teardown(_test, setup, teardown,\
		&(_state))

/*
 * test_descriptor_drop -- clears in d the which-th (0 to 3) of the four
 * operations every mover must give: op_new, op_delete, op_start, op_check
 */
static inline void
test_descriptor_drop(struct vdm_descriptor *d, int which)
{
	switch (which) {
	case 0:
		d->ops.op_new = NULL;
		break;
	case 1:
		d->ops.op_delete = NULL;
		break;
	case 2:
		d->ops.op_start = NULL;
		break;
	default:
		d->ops.op_check = NULL;
		break;
	}
}

/*
 * test_xalloc -- size bytes aligned to 64, or the test fails
 */
static inline unsigned char *
test_xalloc(size_t size)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 64, size), 0);
	assert_non_null(p);
	return p;
}

/*
 * test_expect_bytes -- actual holds what expected holds over n bytes, or the
 * test fails naming what and the first byte that differs
 */
static inline void
test_expect_bytes(const void *actual, const void *expected, size_t n,
	const char *what)
{
	size_t i = test_first_diff(actual, expected, n);

	if (i != n)
		fail_msg("%s: byte %zu of %zu is 0x%02x, expected 0x%02x", what,
			i, n, ((const unsigned char *)actual)[i],
			((const unsigned char *)expected)[i]);
}

/*
 * test_expect_output -- the future in *f, of an operation of type, is
 * complete with result, and with ptr as its pointer where the type has one
 * (a flush has none)
 */
static inline void
test_expect_output(union test_future *f, enum vdm_operation_type type,
	enum vdm_operation_result result, void *ptr)
{
	assert_int_equal(FUTURE_STATE(&f->op), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&f->op)->result, result);
	if (type == VDM_OPERATION_MEMSET)
		assert_ptr_equal(FUTURE_OUTPUT(&f->set)->str, ptr);
	else if (type != VDM_OPERATION_FLUSH)
		assert_ptr_equal(FUTURE_OUTPUT(&f->op)->dest, ptr);
}

/*
 * test_expect_polls_complete -- polling the future in *f, with a notifier
 * and without, finds it complete with result and ptr (test_expect_output)
 * each time
 */
static inline void
test_expect_polls_complete(union test_future *f,
	enum vdm_operation_type type, enum vdm_operation_result result,
	void *ptr)
{
	struct future_notifier notifier;

	memset(&notifier, 0, sizeof(notifier));
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), &notifier),
		FUTURE_STATE_COMPLETE);
	test_expect_output(f, type, result, ptr);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), NULL),
		FUTURE_STATE_COMPLETE);
	test_expect_output(f, type, result, ptr);
}

/*
 * test_future_move -- the future in *f, copied to fresh memory; *f is
 * scribbled over and freed (it came from malloc)
 */
static inline union test_future *
test_future_move(union test_future *f)
{
	union test_future *moved = malloc(sizeof(*moved));

	assert_non_null(moved);
	memcpy(moved, f, sizeof(*moved));
	memset(f, 0xff, sizeof(*f));
	free(f);
	return moved;
}

/*
 * test_wait_together -- makes on vdm each of the n operations of ops, waits
 * for them all at once with rt, and checks that each one completed with
 * result, and with its destination if that is VDM_SUCCESS (else NULL)
 */
static inline void
test_wait_together(struct vdm *vdm, struct runtime *rt,
	const struct vdm_operation *ops, size_t n,
	enum vdm_operation_result result)
{
	union test_future *futs = calloc(n, sizeof(*futs));
	struct future **runnable = calloc(n, sizeof(*runnable));

	assert_non_null(futs);
	assert_non_null(runnable);
	for (size_t i = 0; i < n; i++)
		runnable[i] = test_operation_make(&futs[i], vdm, &ops[i]);
	runtime_wait_multiple(rt, runnable, n);
	for (size_t i = 0; i < n; i++)
		test_expect_output(&futs[i], ops[i].type, result,
			result == VDM_SUCCESS ?
			test_operation_dest(&ops[i]) : NULL);
	free(futs);
	free(runnable);
}

/*
 * TEST_WAIT -- waits for *_futp with rt and evaluates to its output
 * (internal to this header)
 */
#define TEST_WAIT(_rt, _futp)\
	(runtime_wait((_rt), FUTURE_AS_RUNNABLE(_futp)),\
	assert_int_equal(FUTURE_STATE(_futp), FUTURE_STATE_COMPLETE),\
	*FUTURE_OUTPUT(_futp))

/* test_wait_memcpy -- vdm_memcpy() on vdm, waited for with rt; its output */
static inline struct vdm_memcpy_output
test_wait_memcpy(struct vdm *vdm, struct runtime *rt, void *dest, void *src,
	size_t n, uint64_t flags)
{
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, src, n, flags);
	return TEST_WAIT(rt, &fut);
}

/* test_wait_memmove -- vdm_memmove() on vdm, waited for with rt; its output */
static inline struct vdm_memmove_output
test_wait_memmove(struct vdm *vdm, struct runtime *rt, void *dest, void *src,
	size_t n, uint64_t flags)
{
	struct vdm_memmove_future fut = vdm_memmove(vdm, dest, src, n, flags);
	return TEST_WAIT(rt, &fut);
}

/* test_wait_memset -- vdm_memset() on vdm, waited for with rt; its output */
static inline struct vdm_memset_output
test_wait_memset(struct vdm *vdm, struct runtime *rt, void *str, int c,
	size_t n, uint64_t flags)
{
	struct vdm_memset_future fut = vdm_memset(vdm, str, c, n, flags);
	return TEST_WAIT(rt, &fut);
}

/* test_wait_flush -- vdm_flush() on vdm, waited for with rt; its output */
static inline struct vdm_flush_output
test_wait_flush(struct vdm *vdm, struct runtime *rt, void *dest, size_t n,
	uint64_t flags)
{
	struct vdm_flush_future fut = vdm_flush(vdm, dest, n, flags);
	return TEST_WAIT(rt, &fut);
}

/*
 * test_table_start -- starts op through vdm's table the way libpmem2 does
 * (op_new, op_start with no notifier); the mover's handle
 */
static inline void *
test_table_start(struct vdm *vdm, const struct vdm_operation *op)
{
	void *data = vdm->op_new(vdm, op->type);

	assert_non_null(data);
	assert_int_equal(vdm->op_start(data, op, NULL), 0);
	return data;
}

/*
 * test_table_finish -- op_check on a started operation until it says
 * complete, then op_delete; what op_delete reported, of op's type
 */
static inline struct vdm_operation_output
test_table_finish(struct vdm *vdm, void *data, const struct vdm_operation *op)
{
	struct vdm_operation_output out;

	while (vdm->op_check(data, op) != FUTURE_STATE_COMPLETE)
		(void) sched_yield();
	memset(&out, 0, sizeof(out));
	out.result = VDM_ERROR_JOB_CORRUPTED;
	vdm->op_delete(data, op, &out);
	assert_int_equal(out.type, op->type);
	return out;
}

/*
 * test_table_run -- op driven through vdm's table to its end; what
 * op_delete reported
 */
static inline struct vdm_operation_output
test_table_run(struct vdm *vdm, const struct vdm_operation *op)
{
	return test_table_finish(vdm, test_table_start(vdm, op), op);
}

/*
 * test_table_memcpy -- a memcpy driven through vdm's table to its end;
 * what op_delete reported
 */
static inline struct vdm_operation_output
test_table_memcpy(struct vdm *vdm, void *dest, void *src, size_t n,
	uint64_t flags)
{
	struct vdm_operation op = test_operation(OP_MEMCPY, dest, src, 0, n,
		flags);

	return test_table_run(vdm, &op);
}

#endif /* TEST_HELPERS_H */
