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

#include "test_pmem2_future.h"

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
	struct test_shadow sh;	/* the map */
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
	test_shadow_init(&f->sh, &f->m, mode->name);
	test_shadow_add(&f->sh, "the map", f->addr, f->shadow, MAP_SIZE);
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

	struct pmem2_map *map = f->file.target;
	unsigned char *a = f->addr;
	const struct test_shadow *sh = &f->sh;

	test_shadow_pmem2_op(sh, map, OP_MEMCPY, a + 13, src, 0, n);
	test_shadow_pmem2_op(sh, map, OP_MEMMOVE, a + 5 * MIB + 1, a + 7, 0,
		2 * MIB);
	test_shadow_pmem2_op(sh, map, OP_MEMMOVE, a + MIB + 100, a + 99, 0,
		MIB + 3);
	test_shadow_pmem2_op(sh, map, OP_MEMMOVE, a + 3, a + 4099, 0, 3 * MIB);
	test_shadow_pmem2_op(sh, map, OP_MEMSET, a + 4 * MIB - 1, NULL, 0x6b,
		3 * MIB + 1);

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
	struct vdm_operation ops[MANY];
	unsigned char *src = malloc(slice);
	assert_non_null(src);
	test_fill(src, slice, 3);

	for (unsigned i = 0; i < MANY; i++) {
		size_t n = i % 2 ? slice / 2 - 64 : 1000U * i + 1U;
		unsigned char *d = f->addr + i * slice + i;

		/* copies from src, moves from a quarter of their length up,
		 * memsets */
		ops[i] = test_operation((enum vdm_operation_type)(i % 3), d,
			i % 3 == 1 ? d + n / 4 : src, (int)i, n, 0);
	}
	test_shadow_pmem2_together(&f->sh, f->file.target, ops, MANY);
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
