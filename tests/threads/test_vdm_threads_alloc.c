/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_threads_alloc.c -- every allocation vdm_new() makes for a
 * thread-pool mover made to fail in turn (the library's fault-injection
 * hook): NULL with ENOMEM each time, nothing left behind (the test runs
 * under valgrind memcheck and LeakSanitizer), and once no allocation fails
 * any more, a mover that works.  And the operations themselves never
 * allocate: with the next allocation armed to fail, every kind still
 * succeeds, split or not, and the failure never fires.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>

#include "test_alloc.h"
#include "test_helpers.h"

#define BUF_SIZE (((size_t)3 << 20) + 5)

/* how the sweep makes its mover */
struct maker {
	const char *name;
	struct vdm_descriptor *(*descriptor)(void);
	struct vdm_threads_config config;
	enum future_notifier_type notifier;	/* for vdm_threads_new() */
};

static struct maker make_default = {
	"vdm_new(vdm_descriptor_threads())", vdm_descriptor_threads,
	{0, 0, 0}, FUTURE_NOTIFIER_NONE };
static struct maker make_polled = {
	"vdm_new(vdm_descriptor_threads_polled())",
	vdm_descriptor_threads_polled, {0, 0, 0}, FUTURE_NOTIFIER_NONE };
static struct maker make_new_waker = {
	"vdm_threads_new(2 threads, depth 8, waker)", NULL, {2, 8, 1},
	FUTURE_NOTIFIER_WAKER };
static struct maker make_new_poller = {
	"vdm_threads_new(1 thread, depth 1, poller)", NULL, {1, 1, 1},
	FUTURE_NOTIFIER_POLLER };

/*
 * make -- makes the mover the maker arg describes
 */
static void *
make(void *arg)
{
	const struct maker *m = arg;

	if (m->descriptor != NULL)
		return vdm_new(m->descriptor());
	return vdm_threads_new(&m->config, m->notifier);
}

/*
 * use -- a split memcpy and a small memset through the mover, checked
 */
static void
use(const struct test_mover *m)
{
	unsigned char *src = malloc(BUF_SIZE);
	unsigned char *dst = malloc(BUF_SIZE);
	assert_non_null(src);
	assert_non_null(dst);
	test_fill(src, BUF_SIZE, 1);
	memset(dst, 0, BUF_SIZE);

	struct vdm_memcpy_output cpy = test_wait_memcpy(m, dst, src, BUF_SIZE,
		0);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.dest, dst);
	assert_memory_equal(dst, src, BUF_SIZE);

	assert_int_equal(test_wait_memset(m, dst + 1, 0x5c, 100, 0).result,
		VDM_SUCCESS);
	for (size_t i = 1; i <= 100; i++)
		assert_int_equal(dst[i], 0x5c);
	assert_int_equal(dst[0], src[0]);
	assert_int_equal(dst[101], src[101]);

	free(src);
	free(dst);
}

/*
 * test_sweep -- makes the n-th allocation fail for n = 1, 2, ... until the
 * constructor succeeds without reaching it
 */
static void
test_sweep(void **state)
{
	struct maker *m = *state;
	struct test_mover mv;

	/* the instance, slots, thread table and ring at least */
	(void) test_alloc_sweep_mover(&mv, make, m, m->name, 4);
	use(&mv);
	test_mover_fini(&mv);
}

/*
 * test_no_alloc_per_operation -- every kind of operation on the pool, a
 * split copy among them, waited for alone and together, with the next
 * allocation armed to fail: all succeed, and no allocation was tried
 */
static void
test_no_alloc_per_operation(void **state)
{
	struct maker *m = *state;
	struct test_mover mv;

	assert_int_equal(test_mover_init(&mv, make(m), m->name), 0);
	unsigned char *src = malloc(BUF_SIZE);
	/* room for test_ops_without_alloc() after the copy */
	unsigned char *dst = calloc(1, BUF_SIZE + 16 * KIB);
	assert_non_null(src);
	assert_non_null(dst);
	test_fill(src, BUF_SIZE, 2);

	test_ops_without_alloc(&mv, dst, src, BUF_SIZE, 0,
		test_ok_result(OP_FLUSH));

	free(src);
	free(dst);
	test_mover_fini(&mv);
}

/*
 * main -- the sweep for each way of making a thread-pool mover
 */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_sweep, &make_default),
		cmocka_unit_test_prestate(test_sweep, &make_polled),
		cmocka_unit_test_prestate(test_sweep, &make_new_waker),
		cmocka_unit_test_prestate(test_sweep, &make_new_poller),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&make_default),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&make_new_poller),
	};

	return cmocka_run_group_tests_name("vdm_threads allocation failures",
		tests, NULL, NULL);
}
