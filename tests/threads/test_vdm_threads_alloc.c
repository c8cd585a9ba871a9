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

#include "core/alloc.h"

/* give up on a constructor that still allocates after this many tries */
#define MAX_ALLOCS 64

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
 * make -- makes the mover the maker describes
 */
static struct vdm *
make(const struct maker *m)
{
	if (m->descriptor != NULL)
		return vdm_new(m->descriptor());
	return vdm_threads_new(&m->config, m->notifier);
}

/*
 * use -- a split memcpy and a small memset through the mover, checked
 */
static void
use(struct vdm *vdm, struct runtime *rt)
{
	unsigned char *src = malloc(BUF_SIZE);
	unsigned char *dst = malloc(BUF_SIZE);
	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < BUF_SIZE; i++)
		src[i] = (unsigned char)(i * 7U + 1U);
	memset(dst, 0, BUF_SIZE);

	struct vdm_memcpy_future cpy = vdm_memcpy(vdm, dst, src, BUF_SIZE, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&cpy));
	assert_int_equal(cpy.output.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.output.dest, dst);
	assert_memory_equal(dst, src, BUF_SIZE);

	struct vdm_memset_future set = vdm_memset(vdm, dst + 1, 0x5c, 100, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&set));
	assert_int_equal(set.output.result, VDM_SUCCESS);
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
	const struct maker *m = *state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	unsigned long n;
	unsigned long failures = 0;
	for (n = 1; n <= MAX_ALLOCS; n++) {
		core__alloc_fail_at(n);
		errno = 0;
		struct vdm *vdm = make(m);
		int failed = core__alloc_failed();
		core__alloc_fail_at(0);

		if (vdm == NULL) {
			/* it fails only through the injected failure */
			assert_true(failed);
			assert_int_equal(errno, ENOMEM);
			failures++;
			continue;
		}

		/* every allocation before the n-th succeeded: it works */
		assert_false(failed);
		use(vdm, rt);
		vdm_delete(vdm);
		break;
	}
	assert_in_range(n, 2, MAX_ALLOCS);
	/* the instance, slots, thread table and ring at least */
	assert_true(failures >= 4);

	runtime_delete(rt);
}

/*
 * test_no_alloc_per_operation -- every kind of operation on the pool, a
 * split copy among them, waited for alone and together, with the next
 * allocation armed to fail: all succeed, and no allocation was tried
 */
static void
test_no_alloc_per_operation(void **state)
{
	const struct maker *m = *state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct vdm *vdm = make(m);
	assert_non_null(vdm);
	unsigned char *src = malloc(BUF_SIZE);
	unsigned char *dst = malloc(BUF_SIZE);
	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < BUF_SIZE; i++)
		src[i] = (unsigned char)(i * 3U + 2U);
	memset(dst, 0, BUF_SIZE);

	core__alloc_fail_at(1);
	struct vdm_memcpy_future f1 = vdm_memcpy(vdm, dst, src, BUF_SIZE, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&f1));
	struct vdm_memmove_future f2 = vdm_memmove(vdm, src + 1, src, 4096,
		0);
	struct vdm_memset_future f3 = vdm_memset(vdm, dst + 8192, 0x33, 4096,
		VDM_F_NO_CACHE_HINT);
	struct vdm_flush_future f4 = vdm_flush(vdm, dst, 100, 0);
	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&f2),
		FUTURE_AS_RUNNABLE(&f3),
		FUTURE_AS_RUNNABLE(&f4),
	};
	runtime_wait_multiple(rt, futs, 3);
	int failed = core__alloc_failed();
	core__alloc_fail_at(0);

	assert_false(failed);
	assert_int_equal(f1.output.result, VDM_SUCCESS);
	assert_int_equal(f2.output.result, VDM_SUCCESS);
	assert_int_equal(f3.output.result, VDM_SUCCESS);
	assert_int_equal(f4.output.result, VDM_SUCCESS);
	assert_memory_equal(src + 1, dst, 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(dst[8192 + i], 0x33);

	free(src);
	free(dst);
	vdm_delete(vdm);
	runtime_delete(rt);
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
