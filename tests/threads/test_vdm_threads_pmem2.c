/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_threads_pmem2.c -- libpmem2's asynchronous API driving the
 * thread-pool mover (pmem2_config_set_vdm()) on a file mapped from
 * /var/tmp with PAGE granularity: pmem2_memcpy_async(), _memmove_async()
 * and _memset_async(), large enough to be split across the workers, waited
 * for with the runtime one at a time and all at once; every byte of the map
 * is compared with a shadow copy.  Skipped (77) where libpmem2 cannot map a
 * file.
 */

#include "test_pmem2_file.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_helpers.h"

/* the mapped file: room for operations that the pool splits */
#define MAP_SIZE (8 * MIB)

/* which thread-pool mover a group of tests uses */
struct mode {
	const char *name;
	int polled;
	struct vdm_threads_config config;
};

static struct mode mode_waker = { "threads, waker, all offloaded", 0,
	{2, 16, 1} };
static struct mode mode_polled = { "threads, poller", 1, {0, 0, 0} };
static struct mode mode_tiny = { "threads, 3 workers, depth 1", 0,
	{3, 1, 0} };

struct fixture {
	const struct mode *mode;
	struct test_mover m;
	struct test_file file;	/* its target map: the whole file */
	unsigned char *addr;	/* file.addr */
	unsigned char *shadow;
	struct runtime *rt;
};

/*
 * setup -- maps a file with the test's mover, fills it and its shadow
 */
static int
setup(void **state)
{
	const struct mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	f->shadow = malloc(MAP_SIZE);
	if (f->shadow == NULL || test_mover_init(&f->m,
			vdm_threads_new(&mode->config, mode->polled ?
				FUTURE_NOTIFIER_POLLER : FUTURE_NOTIFIER_WAKER),
			"vdm_threads_new") != 0) {
		free(f->shadow);
		free(f);
		return -1;
	}
	if (test_file_open_map(&f->file, MAP_SIZE, f->m.vdm) != 0) {
		test_mover_fini(&f->m);
		free(f->shadow);
		free(f);
		return -1;
	}
	f->addr = (unsigned char *)f->file.addr;
	test_fill(f->shadow, MAP_SIZE, 1);
	memcpy(f->addr, f->shadow, MAP_SIZE);
	*state = f;
	return 0;
}

/*
 * teardown -- undoes setup(), the map before its mover
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_file_close(&f->file), 0);
	test_mover_fini(&f->m);
	free(f->shadow);
	free(f);
	return 0;
}

/*
 * check_done -- a completed pmem2 future: its destination, and success in
 * the output our mover gave libpmem2
 */
static void
check_done(struct pmem2_future *fut, void *dest)
{
	assert_int_equal(FUTURE_STATE(fut), FUTURE_STATE_COMPLETE);
	assert_ptr_equal(FUTURE_OUTPUT(fut)->dest, dest);
	struct vdm_operation_output *op = &fut->data.op.fut.output;
	assert_int_equal(op->result, VDM_SUCCESS);
}

/*
 * check_map -- the map must hold what the shadow holds
 */
static void
check_map(struct fixture *f)
{
	test_expect_bytes(f->addr, f->shadow, MAP_SIZE, f->mode->name);
}

/*
 * test_each -- a split memcpy from ordinary memory, a split memmove
 * without overlap, overlapping memmoves both ways and a split memset, each
 * waited for on its own
 */
static void
test_each(void **state)
{
	struct fixture *f = *state;
	size_t n = 2 * MIB + 77;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 2);

	unsigned char *d = f->addr + 13;
	struct pmem2_future fut = pmem2_memcpy_async(f->file.target, d, src, n, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	memcpy(f->shadow + 13, src, n);
	check_done(&fut, d);
	check_map(f);

	d = f->addr + 5 * MIB + 1;
	fut = pmem2_memmove_async(f->file.target, d, f->addr + 7, 2 * MIB, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	memmove(f->shadow + 5 * MIB + 1, f->shadow + 7, 2 * MIB);
	check_done(&fut, d);
	check_map(f);

	d = f->addr + MIB + 100;
	fut = pmem2_memmove_async(f->file.target, d, f->addr + 99, MIB + 3, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	memmove(f->shadow + MIB + 100, f->shadow + 99, MIB + 3);
	check_done(&fut, d);
	check_map(f);

	d = f->addr + 3;
	fut = pmem2_memmove_async(f->file.target, d, f->addr + 4099, 3 * MIB, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	memmove(f->shadow + 3, f->shadow + 4099, 3 * MIB);
	check_done(&fut, d);
	check_map(f);

	d = f->addr + 4 * MIB - 1;
	fut = pmem2_memset_async(f->file.target, d, 0x6b, 3 * MIB + 1, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	memset(f->shadow + 4 * MIB - 1, 0x6b, 3 * MIB + 1);
	check_done(&fut, d);
	check_map(f);

	free(src);
}

#define MANY 12

/*
 * test_multiple -- twelve operations on disjoint ranges, small and large,
 * waited for with runtime_wait_multiple()
 */
static void
test_multiple(void **state)
{
	struct fixture *f = *state;
	size_t slice = MAP_SIZE / MANY;
	struct pmem2_future futs[MANY];
	struct future *runnable[MANY];
	unsigned char *src = malloc(slice);
	assert_non_null(src);
	test_fill(src, slice, 3);

	for (unsigned i = 0; i < MANY; i++) {
		size_t off = i * slice + i;
		size_t n = i % 2 ? slice / 2 - 64 : 1000U * i + 1U;
		unsigned char *d = f->addr + off;
		unsigned char *s = f->shadow + off;

		switch (i % 3) {
		case 0:
			futs[i] = pmem2_memcpy_async(f->file.target, d, src, n, 0);
			memcpy(s, src, n);
			break;
		case 1:
			futs[i] = pmem2_memmove_async(f->file.target, d, d + n / 4,
				n, 0);
			memmove(s, s + n / 4, n);
			break;
		default:
			futs[i] = pmem2_memset_async(f->file.target, d, (int)i, n, 0);
			memset(s, (int)i, n);
			break;
		}
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i]);
	}
	runtime_wait_multiple(f->m.rt, runnable, MANY);
	for (unsigned i = 0; i < MANY; i++)
		check_done(&futs[i], f->addr + i * slice + i);
	check_map(f);
	free(src);
}

#define TESTS(_mode)\
	cmocka_unit_test_prestate_setup_teardown(test_each, setup, teardown,\
		&(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_multiple, setup,\
		teardown, &(_mode))

/*
 * main -- skips unless libpmem2 can map a file, then runs the tests on
 * each pool
 */
int
main(void)
{
	enum pmem2_granularity gran;

	if (test_file_probe(&gran) != 0)
		return 77;

	const struct CMUnitTest tests[] = {
		TESTS(mode_waker),
		TESTS(mode_polled),
		TESTS(mode_tiny),
	};
	return cmocka_run_group_tests_name("libpmem2 on the thread pool",
		tests, NULL, NULL);
}
