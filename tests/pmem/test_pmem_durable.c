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

#include "test_pmem2_file.h"

#include <libminiasync-pmem.h>

#include <sched.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_pagemap.h"

#define MIB (((size_t)1) << 20)
#define TARGET_SIZE (9 * MIB)

/* where the mover moves bytes */
struct mode {
	const char *name;
	unsigned nthreads;
};

static struct mode mode_inline = { "no threads", 0 };
static struct mode mode_pool = { "2 threads", 2 };

struct fixture {
	const struct mode *mode;
	struct test_file file;
	struct vdm *vdm;
	struct runtime *rt;
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
	const struct mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	if (test_file_open(&f->file, TARGET_SIZE) != 0) {
		free(f);
		return -1;
	}
	f->vdm = vdm_pmem2_new(f->file.target, mode->nthreads);
	f->rt = runtime_new();
	f->src = malloc(TARGET_SIZE);
	if (f->vdm == NULL || f->rt == NULL || f->src == NULL) {
		vdm_delete(f->vdm);
		runtime_delete(f->rt);
		free(f->src);
		test_file_close(&f->file);
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

	runtime_delete(f->rt);
	vdm_delete(f->vdm);
	test_file_close(&f->file);
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
	const void *where = NULL;
	enum test_page_state state = test_range_state(&probe, p, n, &where);

	switch (state) {
	case TEST_PAGE_CLEAN:
		return;
	case TEST_PAGE_DIRTY:
		fail_msg("%s (%s): the page at offset %zd of the map is "
			"dirty after the future completed", what,
			f->mode->name,
			(ssize_t)((const char *)where - f->file.addr));
		break;
	case TEST_PAGE_ABSENT:
		fail_msg("%s (%s): a page of the range is not present after "
			"it was written", what, f->mode->name);
		break;
	case TEST_PAGE_UNKNOWN:
		print_message("the page flags are no longer readable: "
			"skipped\n");
		skip();
		break;
	}
}

/*
 * control -- the check does fail: a plain store into the first page of
 * [p, p + n) makes it dirty, and the probe says so
 */
static void
control(struct fixture *f, void *p, size_t n)
{
	const void *where = NULL;
	volatile char *c = p;

	(void) f;
	c[0] = (char)(c[0] + 1);
	c[0] = (char)(c[0] - 1);
	assert_int_equal(test_range_state(&probe, p, n, &where),
		TEST_PAGE_DIRTY);
	assert_ptr_equal(where, (const void *)((uintptr_t)p / probe.page *
		probe.page));
}

/*
 * check_bytes -- [p, p + n) holds what expect holds
 */
static void
check_bytes(const void *p, const void *expect, size_t n)
{
	size_t d = test_first_diff(p, expect, n);

	if (d != n)
		fail_msg("byte %zu of the destination is wrong", d);
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
		struct vdm_memcpy_future fut = vdm_memcpy(f->vdm, dest,
			f->src + i, n, i ? VDM_F_NO_CACHE_HINT : 0);
		runtime_wait(f->rt, FUTURE_AS_RUNNABLE(&fut));
		assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
		check_clean(f, dest, n, "memcpy");
		check_bytes(dest, f->src + i, n);
		control(f, dest, n);
	}

	/* the table path: op_new, op_start, op_check, op_delete */
	char *dest = f->file.addr + 12 * pg + 1;
	struct vdm_operation op;
	struct vdm_operation_output out;
	memset(&op, 0, sizeof(op));
	op.type = VDM_OPERATION_MEMCPY;
	op.data.memcpy.dest = dest;
	op.data.memcpy.src = f->src;
	op.data.memcpy.n = 2 * pg;
	void *data = f->vdm->op_new(f->vdm, op.type);
	assert_non_null(data);
	assert_int_equal(f->vdm->op_start(data, &op, NULL), 0);
	while (f->vdm->op_check(data, &op) != FUTURE_STATE_COMPLETE)
		(void) sched_yield();
	check_clean(f, dest, 2 * pg, "memcpy through the table");
	f->vdm->op_delete(data, &op, &out);
	assert_int_equal(out.result, VDM_SUCCESS);
	check_bytes(dest, f->src, 2 * pg);
	control(f, dest, 2 * pg);
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

	struct vdm_memset_future fut = vdm_memset(f->vdm, dest, 0x5a, n, 0);
	runtime_wait(f->rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, dest, n, "memset");
	for (size_t i = 0; i < n; i++)
		assert_int_equal((unsigned char)dest[i], 0x5a);
	control(f, dest, n);
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
	struct vdm_memmove_future fut = vdm_memmove(f->vdm, from + 700, from,
		n, 0);
	runtime_wait(f->rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, from + 700, n, "memmove");
	check_bytes(from + 700, f->src, n);
	control(f, from + 700, n);
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

	struct vdm_flush_future fut = vdm_flush(f->vdm, dest, n, 0);
	runtime_wait(f->rt, FUTURE_AS_RUNNABLE(&fut));
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

	struct vdm_memcpy_future fut = vdm_memcpy(f->vdm, dest, f->src, n,
		0);
	runtime_wait(f->rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	check_clean(f, dest, n, "8 MiB memcpy");
	check_bytes(dest, f->src, n);
	control(f, dest + n / 2, n / 2);
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
	struct vdm_memcpy_future futs[8];
	struct future *runnable[8];

	for (unsigned i = 0; i < 8; i++) {
		futs[i] = vdm_memcpy(f->vdm, f->file.addr + (40 + 4 * i) * pg,
			f->src + i, 2 * pg + i, 0);
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i]);
	}
	runtime_wait_multiple(f->rt, runnable, 8);
	for (unsigned i = 0; i < 8; i++) {
		char *dest = f->file.addr + (40 + 4 * i) * pg;
		assert_int_equal(FUTURE_OUTPUT(&futs[i])->result,
			VDM_SUCCESS);
		check_clean(f, dest, 2 * pg + i, "one of many memcpys");
		check_bytes(dest, f->src + i, 2 * pg + i);
	}
	control(f, f->file.addr + 40 * pg, pg);
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
	control(f, dest, n);
}

/*
 * TESTS -- the tests with the mover of mode _mode
 */
#define TESTS(_mode)\
	cmocka_unit_test_prestate_setup_teardown(test_memcpy,\
		setup, teardown, &(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_memset,\
		setup, teardown, &(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_memmove,\
		setup, teardown, &(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_flush,\
		setup, teardown, &(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_split,\
		setup, teardown, &(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_many,\
		setup, teardown, &(_mode)),\
	cmocka_unit_test_prestate_setup_teardown(test_delete_writes_back,\
		setup, teardown, &(_mode))

/*
 * main -- skips unless a PAGE map of a file and the page flags are there,
 * then runs the tests without threads and with two
 */
int
main(void)
{
	enum pmem2_granularity gran;

	if (test_file_probe(&gran) != 0)
		return 77;
	if (gran != PMEM2_GRANULARITY_PAGE) {
		fprintf(stderr, "the map's store granularity is %s, not PAGE: "
			"the kernel cannot tell whether it is durable; "
			"skipped\n", test_file_gran_name(gran));
		return 77;
	}
	if (test_pagemap_open(&probe) != 0) {
		fprintf(stderr, "/proc/self/pagemap or /proc/kpageflags not "
			"readable (%s; the page flags need root): skipped\n",
			strerror(errno));
		return 77;
	}

	const struct CMUnitTest inline_tests[] = { TESTS(mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(mode_pool) };

	int failed = cmocka_run_group_tests_name("durable, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("durable, 2 threads",
		pool_tests, NULL, NULL);

	test_pagemap_close(&probe);
	return failed;
}
