/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem2_future.h -- libpmem2's asynchronous operations
 * (pmem2_memcpy_async() and friends) on a map whose mover is the test's,
 * checked as the tests check their own futures.  Include after <cmocka.h>.
 */

#ifndef TEST_PMEM2_FUTURE_H
#define TEST_PMEM2_FUTURE_H 1

#include "test_helpers.h"
#include "test_pmem2_file.h"

/*
 * test_pmem2_op -- libpmem2's future of an operation of type on map (as
 * test_op_make() takes it; a flush is not one of them)
 */
static inline struct pmem2_future
test_pmem2_op(struct pmem2_map *map, enum vdm_operation_type type,
	void *dest, void *src, int c, size_t n)
{
	switch (type) {
	case VDM_OPERATION_MEMMOVE:
		return pmem2_memmove_async(map, dest, src, n, 0);
	case VDM_OPERATION_MEMSET:
		return pmem2_memset_async(map, dest, c, n, 0);
	case VDM_OPERATION_MEMCPY:
	case VDM_OPERATION_FLUSH:
	default:
		return pmem2_memcpy_async(map, dest, src, n, 0);
	}
}

/*
 * test_expect_pmem2_done -- the pmem2 future *fut is complete with dest in
 * its output, and the mover ended the operation inside it with result (and
 * dest as its pointer, if that is VDM_SUCCESS)
 */
static inline void
test_expect_pmem2_done(struct pmem2_future *fut, void *dest,
	enum vdm_operation_result result)
{
	/* what the mover filled in through op_delete */
	const struct vdm_operation_output *out = &fut->data.op.fut.output;

	assert_int_equal(FUTURE_STATE(fut), FUTURE_STATE_COMPLETE);
	assert_ptr_equal(FUTURE_OUTPUT(fut)->dest, dest);
	assert_int_equal(out->result, result);
	if (result == VDM_SUCCESS)
		assert_ptr_equal(out->type == VDM_OPERATION_MEMSET ?
			out->output.memset.str : out->output.memcpy.dest, dest);
}

/*
 * test_shadow_pmem2_op -- test_shadow_op() through libpmem2: the operation
 * of type on map, waited for with the shadow's runtime, completes with
 * success and dest; the shadows get the same work, and every range holds
 * what its shadow holds
 */
static inline void
test_shadow_pmem2_op(const struct test_shadow *s, struct pmem2_map *map,
	enum vdm_operation_type type, void *dest, void *src, int c, size_t n)
{
	struct pmem2_future fut = test_pmem2_op(map, type, dest, src, c, n);

	runtime_wait(s->m->rt, FUTURE_AS_RUNNABLE(&fut));
	test_expect_pmem2_done(&fut, dest, VDM_SUCCESS);
	test_shadow_apply(s, type, dest, src, c, n);
	test_shadow_check(s);
}

/*
 * test_shadow_pmem2_together -- the n operations of ops (on ranges apart)
 * made with libpmem2 on map and waited for at once: each completes with
 * success and its destination; the shadows get the same work, and every
 * range holds what its shadow holds
 */
static inline void
test_shadow_pmem2_together(const struct test_shadow *s,
	struct pmem2_map *map, const struct vdm_operation *ops, size_t n)
{
	struct pmem2_future *futs = calloc(n, sizeof(*futs));
	struct future **runnable = calloc(n, sizeof(*runnable));

	assert_non_null(futs);
	assert_non_null(runnable);
	for (size_t i = 0; i < n; i++) {
		struct test_op_args a = test_operation_args(&ops[i]);
		futs[i] = test_pmem2_op(map, a.type, a.dest, a.src, a.c, a.n);
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i]);
	}
	runtime_wait_multiple(s->m->rt, runnable, n);
	for (size_t i = 0; i < n; i++) {
		struct test_op_args a = test_operation_args(&ops[i]);
		test_expect_pmem2_done(&futs[i], a.dest, VDM_SUCCESS);
		test_shadow_apply(s, a.type, a.dest, a.src, a.c, a.n);
	}
	test_shadow_check(s);
	free(futs);
	free(runnable);
}

#endif /* TEST_PMEM2_FUTURE_H */
