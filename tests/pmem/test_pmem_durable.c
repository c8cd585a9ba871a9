/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_durable.c -- the pmem mover makes a PAGE map's bytes durable
 * before its futures complete: once a future is complete, the kernel
 * reports every page of its destination range neither dirty nor under
 * writeback (/proc/self/pagemap and /proc/kpageflags, see test_pagemap.h).
 *
 * Each test also stores into the map with plain stores and checks that the
 * same probe then sees a dirty page: the control that the check can fail.
 * Runs without threads and with two workers.  Skipped (77) where libpmem2
 * cannot map a file, where the map is not PAGE granular (the durability of
 * the other granularities is not visible to the kernel), and where the
 * page flags cannot be read (they need root).
 */

#include "test_pmem2_mover.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_pagemap.h"

#define TARGET_SIZE (9 * MIB)

struct fixture {
	const struct test_mode *mode;
	struct test_file file;
	struct test_mover m;
	unsigned char *src;	/* TARGET_SIZE bytes to copy from */
};

/* the page-state probe, opened by main() */
static struct test_pagemap probe = { -1, -1, 0 };

/*
 * setup -- maps a fresh file and makes the mover of the mode in the
 * prestate for it
 */
static int
setup(void **state)
{
	const struct test_mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	f->src = malloc(TARGET_SIZE);
	if (f->src == NULL ||
			test_pmem2_mover_open(&f->file, &f->m, TARGET_SIZE,
				mode->nthreads) != 0) {
		free(f->src);
		free(f);
		return -1;
	}
	test_fill(f->src, TARGET_SIZE, 1234);
	*state = f;
	return 0;
}

/*
 * teardown -- frees what setup() made
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_pmem2_mover_close(&f->file, &f->m), 0);
	free(f->src);
	free(f);
	return 0;
}

/*
 * check_clean -- every page of [p, p + n) must be clean: what the kernel
 * holds of it is in the file
 */
static void
check_clean(struct fixture *f, const void *p, size_t n, const char *what)
{
	test_expect_clean(&probe, f->file.addr, p, n, what, f->mode->name);
}

/*
 * check_bytes -- [p, p + n) holds what expect holds
 */
static void
check_bytes(const void *p, const void *expect, size_t n)
{
	test_expect_bytes(p, expect, n, "the destination");
}

/*
 * test_memcpy -- copies of a few pages, unaligned, with and without
 * non-temporal stores, and one driven through the table as libpmem2 does
 */
static void
test_memcpy(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	size_t n = 3 * pg + 100;

	for (unsigned i = 0; i < 2; i++) {
		char *dest = f->file.addr + (1 + 5 * i) * pg + 17;
		struct vdm_memcpy_future fut = vdm_memcpy(f->m.vdm, dest,
			f->src + i, n, i ? VDM_F_NO_CACHE_HINT : 0);
		runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
		assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
		check_clean(f, dest, n, "memcpy");
		check_bytes(dest, f->src + i, n);
		test_expect_dirtied(&probe, dest, n);
	}

	/* the table path: op_new, op_start, op_check, op_delete */
	char *dest = f->file.addr + 12 * pg + 1;
	struct vdm_operation op = test_operation(OP_MEMCPY, dest, f->src, 0,
		2 * pg, 0);
	void *data = test_table_start(f->m.vdm, &op);
	while (f->m.vdm->op_check(data, &op) != FUTURE_STATE_COMPLETE)
		(void) sched_yield();
	check_clean(f, dest, 2 * pg, "memcpy through the table");
	assert_int_equal(test_table_finish(f->m.vdm, data, &op).result,
		VDM_SUCCESS);
	check_bytes(dest, f->src, 2 * pg);
	test_expect_dirtied(&probe, dest, 2 * pg);
}

/*
 * test_memset -- a memset of two pages but a byte at either end
 */
static void
test_memset(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *dest = f->file.addr + 3 * pg + 1;
	size_t n = 2 * pg - 2;

	struct vdm_memset_future fut = vdm_memset(f->m.vdm, dest, 0x5a, n, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, dest, n, "memset");
	for (size_t i = 0; i < n; i++)
		assert_int_equal((unsigned char)dest[i], 0x5a);
	test_expect_dirtied(&probe, dest, n);
}

/*
 * test_memmove -- an overlapping memmove within the map
 */
static void
test_memmove(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *from = f->file.addr + 20 * pg;
	size_t n = 2 * pg + 5;

	memcpy(from, f->src, n);
	struct vdm_memmove_future fut = vdm_memmove(f->m.vdm, from + 700, from,
		n, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, from + 700, n, "memmove");
	check_bytes(from + 700, f->src, n);
	test_expect_dirtied(&probe, from + 700, n);
}

/*
 * test_flush -- pages dirtied with plain stores are clean once a flush
 * of their range completes
 */
static void
test_flush(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *dest = f->file.addr + 30 * pg + 8;
	size_t n = 3 * pg;

	memcpy(dest, f->src, n);
	assert_int_equal(test_range_state(&probe, dest, n, NULL),
		TEST_PAGE_DIRTY);

	struct vdm_flush_future fut = vdm_flush(f->m.vdm, dest, n, 0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, dest, n, "flush");
	check_bytes(dest, f->src, n);
}

/*
 * test_split -- an 8 MiB copy, cut into pieces that different threads
 * store and persist when the mover has workers
 */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	size_t n = 8 * MIB;
	char *dest = f->file.addr + 64 + 3;

	struct vdm_memcpy_future fut = vdm_memcpy(f->m.vdm, dest, f->src, n,
		0);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, dest, n, "8 MiB memcpy");
	check_bytes(dest, f->src, n);
	test_expect_dirtied(&probe, dest + n / 2, n / 2);
}

/*
 * test_many -- eight operations waited for together: every range is clean
 * once all are complete
 */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	struct vdm_operation ops[8];

	for (unsigned i = 0; i < 8; i++)
		ops[i] = test_operation(OP_MEMCPY,
			f->file.addr + (40 + 4 * i) * pg, f->src + i, 0,
			2 * pg + i, 0);
	test_wait_together(&f->m, ops, 8, VDM_SUCCESS);
	for (unsigned i = 0; i < 8; i++) {
		char *dest = f->file.addr + (40 + 4 * i) * pg;
		check_clean(f, dest, 2 * pg + i, "one of many memcpys");
		check_bytes(dest, f->src + i, 2 * pg + i);
	}
	test_expect_dirtied(&probe, f->file.addr + 40 * pg, pg);
}

/*
 * test_many_handed -- eight operations long enough to be handed to the
 * workers of a pool (the polling thread stores shorter ones itself),
 * waited for together: every range is clean once all are complete
 */
static void
test_many_handed(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	size_t n = 96 * KIB + 3;
	struct vdm_operation ops[8];

	for (unsigned i = 0; i < 8; i++)
		ops[i] = test_operation(OP_MEMCPY,
			f->file.addr + MIB + i * 128 * KIB + 5, f->src + i,
			0, n, 0);
	test_wait_together(&f->m, ops, 8, VDM_SUCCESS);
	for (unsigned i = 0; i < 8; i++) {
		char *dest = f->file.addr + MIB + i * 128 * KIB + 5;
		check_clean(f, dest, n, "one of many long memcpys");
		check_bytes(dest, f->src + i, n);
	}
	test_expect_dirtied(&probe, f->file.addr + MIB, pg);
}

/*
 * test_delete_writes_back -- an operation polled once (stored; without
 * threads, waiting in the group persist; with threads, queued) is durable
 * once vdm_delete() of its mover returns
 */
static void
test_delete_writes_back(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *dest = f->file.addr + 70 * pg + 5;
	size_t n = 3 * pg;

	struct vdm *vdm = vdm_pmem2_new(f->file.target, f->mode->nthreads);
	assert_non_null(vdm);
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, f->src + 3, n,
		0);
	(void) future_poll(FUTURE_AS_RUNNABLE(&fut), NULL);
	/* the future is not polled again: the mover is gone */
	vdm_delete(vdm);

	check_clean(f, dest, n, "memcpy before vdm_delete()");
	check_bytes(dest, f->src + 3, n);
	test_expect_dirtied(&probe, dest, n);
}

/*
 * TESTS -- the tests with the mover of mode _mode
 */
#define TESTS(_mode)\
	TEST_PRESTATE(test_memcpy, _mode),\
	TEST_PRESTATE(test_memset, _mode),\
	TEST_PRESTATE(test_memmove, _mode),\
	TEST_PRESTATE(test_flush, _mode),\
	TEST_PRESTATE(test_split, _mode),\
	TEST_PRESTATE(test_many, _mode),\
	TEST_PRESTATE(test_many_handed, _mode),\
	TEST_PRESTATE(test_delete_writes_back, _mode)

/*
 * main -- skips unless a PAGE map of a file and the page flags are there,
 * then runs the tests without threads and with two
 */
int
main(void)
{
	if (test_file_probe_page("the kernel cannot tell whether it is "
			"durable") != 0)
		return 77;
	if (test_pagemap_open(&probe) != 0) {
		fprintf(stderr, "/proc/self/pagemap or /proc/kpageflags not "
			"readable (%s; the page flags need root): skipped\n",
			strerror(errno));
		return 77;
	}

	const struct CMUnitTest inline_tests[] = { TESTS(test_mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(test_mode_pool) };

	int failed = cmocka_run_group_tests_name("durable, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("durable, 2 threads",
		pool_tests, NULL, NULL);

	test_pagemap_close(&probe);
	return failed;
}
