/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_durable.c -- the pmemobj mover makes the bytes of a pool in
 * the page cache durable before its futures complete: once a future is
 * complete, the kernel reports every page of its destination range neither
 * dirty nor under writeback (/proc/self/pagemap and /proc/kpageflags, see
 * test_pagemap.h), for every kind of operation, alone, split among workers
 * and waited for together.
 *
 * Each test also stores into the pool with plain stores and checks that
 * the same probe then sees a dirty page: the control that the check can
 * fail.  And bytes a copy wrote, published afterwards in a transaction of
 * the pool, are there when the pool is closed and opened again.
 *
 * Runs without threads and with two workers; ctest runs it as it is (the
 * kernel copies for the mover) and with MINIASYNC_PMEM_KERNEL_COPY=0 (the
 * mover stores with libpmem's functions).  Skipped (77) where libpmem
 * takes the pool for persistent memory (nothing is written back there:
 * the kernel cannot tell) and where the page flags cannot be read (they
 * need root).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_pagemap.h"
#include "test_pmemobj_pool.h"

#define POOL_SIZE (24 * MIB)
#define OBJ_SIZE (9 * MIB)

struct fixture {
	const struct test_mode *mode;
	struct test_pool pool;
	struct test_mover m;
	char *obj;		/* OBJ_SIZE bytes of the pool */
	unsigned char *src;	/* OBJ_SIZE bytes to copy from */
};

/* the page-state probe, opened by main() */
static struct test_pagemap probe = { -1, -1, 0 };

/*
 * setup -- a fresh pool with an object, and the mover of the mode in the
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
	f->src = malloc(OBJ_SIZE);
	if (f->src == NULL || test_pool_create(&f->pool, "/var/tmp",
			POOL_SIZE) != 0) {
		free(f->src);
		free(f);
		return -1;
	}
	f->obj = test_pool_alloc(&f->pool, OBJ_SIZE, NULL);
	if (test_pool_mover(&f->m, &f->pool, mode->nthreads) != 0) {
		test_pool_close(&f->pool);
		free(f->src);
		free(f);
		return -1;
	}
	test_fill(f->src, OBJ_SIZE, 1234);
	*state = f;
	return 0;
}

/*
 * teardown -- deletes the mover, then closes the pool
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_mover_fini(&f->m);
	test_pool_close(&f->pool);
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
	test_expect_clean(&probe, f->pool.base, p, n, what, f->mode->name);
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
 * wait_ok -- waits for the future of an operation of type in *fut, which
 * must succeed with dest
 */
static void
wait_ok(struct fixture *f, union test_future *fut,
	enum vdm_operation_type type, void *dest)
{
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut->op));
	test_expect_output(fut, type, VDM_SUCCESS, dest);
}

/*
 * test_memcpy -- copies of a few pages, unaligned, with and without
 * non-temporal stores, and one driven through the table as libpmem2 does
 */
static void
test_memcpy(void **state)
{
	struct fixture *f = *state;
	size_t pg = probe.page;
	size_t n = 3 * pg + 100;
	union test_future fut;

	for (unsigned i = 0; i < 2; i++) {
		char *dest = f->obj + (1 + 5 * i) * pg + 17;
		(void) test_op_make(&fut, OP_MEMCPY, f->m.vdm, dest,
			f->src + i, 0, n, i ? VDM_F_NO_CACHE_HINT : 0);
		wait_ok(f, &fut, OP_MEMCPY, dest);
		check_clean(f, dest, n, "memcpy");
		check_bytes(dest, f->src + i, n);
		test_expect_dirtied(&probe, dest, n);
	}

	/* the table path: op_new, op_start, op_check, op_delete */
	char *dest = f->obj + 12 * pg + 1;
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
	size_t pg = probe.page;
	char *dest = f->obj + 3 * pg + 1;
	size_t n = 2 * pg - 2;
	union test_future fut;

	(void) test_op_make(&fut, OP_MEMSET, f->m.vdm, dest, NULL, 0x5a, n, 0);
	wait_ok(f, &fut, OP_MEMSET, dest);
	check_clean(f, dest, n, "memset");
	for (size_t i = 0; i < n; i++)
		assert_int_equal((unsigned char)dest[i], 0x5a);
	test_expect_dirtied(&probe, dest, n);
}

/*
 * test_memmove -- an overlapping memmove within the object, and one from
 * ordinary memory
 */
static void
test_memmove(void **state)
{
	struct fixture *f = *state;
	size_t pg = probe.page;
	char *from = f->obj + 20 * pg;
	size_t n = 2 * pg + 5;
	union test_future fut;

	memcpy(from, f->src, n);
	(void) test_op_make(&fut, OP_MEMMOVE, f->m.vdm, from + 700, from, 0, n,
		0);
	wait_ok(f, &fut, OP_MEMMOVE, from + 700);
	check_clean(f, from + 700, n, "memmove over itself");
	check_bytes(from + 700, f->src, n);
	test_expect_dirtied(&probe, from + 700, n);

	char *dest = f->obj + 26 * pg + 9;
	(void) test_op_make(&fut, OP_MEMMOVE, f->m.vdm, dest, f->src + 3, 0, n,
		0);
	wait_ok(f, &fut, OP_MEMMOVE, dest);
	check_clean(f, dest, n, "memmove");
	check_bytes(dest, f->src + 3, n);
	test_expect_dirtied(&probe, dest, n);
}

/*
 * test_flush -- pages dirtied with plain stores are clean once a flush
 * of their range completes
 */
static void
test_flush(void **state)
{
	struct fixture *f = *state;
	size_t pg = probe.page;
	char *dest = f->obj + 30 * pg + 8;
	size_t n = 3 * pg;
	union test_future fut;

	memcpy(dest, f->src, n);
	/* the control first: plain stores leave the pages dirty */
	assert_int_equal(test_range_state(&probe, dest, n, NULL),
		TEST_PAGE_DIRTY);

	(void) test_op_make(&fut, OP_FLUSH, f->m.vdm, dest, NULL, 0, n, 0);
	wait_ok(f, &fut, OP_FLUSH, NULL);
	check_clean(f, dest, n, "flush");
	check_bytes(dest, f->src, n);
}

/*
 * test_split -- an 8 MiB copy and a 3 MiB memset, cut into pieces that
 * different threads store and write back when the mover has workers
 */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	size_t n = 8 * MIB;
	char *dest = f->obj + 64 + 3;
	union test_future fut;

	(void) test_op_make(&fut, OP_MEMCPY, f->m.vdm, dest, f->src, 0, n, 0);
	wait_ok(f, &fut, OP_MEMCPY, dest);
	check_clean(f, dest, n, "8 MiB memcpy");
	check_bytes(dest, f->src, n);
	test_expect_dirtied(&probe, dest + n / 2, n / 2);

	(void) test_op_make(&fut, OP_MEMSET, f->m.vdm, dest + 5, NULL, 0x3c,
		3 * MIB, VDM_F_NO_CACHE_HINT);
	wait_ok(f, &fut, OP_MEMSET, dest + 5);
	check_clean(f, dest + 5, 3 * MIB, "3 MiB memset");
	test_expect_dirtied(&probe, dest + 2 * MIB, MIB);
}

/*
 * test_many -- sixteen operations of every kind waited for together,
 * short ones (the polling thread stores them) and ones long enough to be
 * handed to workers: every range is clean once all are complete
 */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	size_t pg = probe.page;
	struct vdm_operation ops[16];
	size_t stride = 256 * KIB;

	for (unsigned i = 0; i < 16; i++) {
		enum vdm_operation_type type = (enum vdm_operation_type)
			(i % OP_KINDS);
		size_t n = i < 8 ? 2 * pg + i : 96 * KIB + 3;
		char *dest = f->obj + i * stride + 5;
		if (type == OP_FLUSH)
			memcpy(dest, f->src + i, n);
		ops[i] = test_operation(type, dest, f->src + i, (int)i, n, 0);
	}
	test_wait_together(&f->m, ops, 16, VDM_SUCCESS);
	for (unsigned i = 0; i < 16; i++) {
		struct test_op_args a = test_operation_args(&ops[i]);
		check_clean(f, a.dest, a.n, "one of many operations");
		if (a.type == OP_MEMSET) {
			for (size_t k = 0; k < a.n; k++)
				assert_int_equal(((unsigned char *)a.dest)[k],
					i);
		} else {
			check_bytes(a.dest, f->src + i, a.n);
		}
	}
	test_expect_dirtied(&probe, f->obj, pg);
}

/*
 * test_delete_writes_back -- an operation polled once (stored; without
 * threads, waiting in the group write-back; with threads, queued) is
 * durable once vdm_delete() of its mover returns
 */
static void
test_delete_writes_back(void **state)
{
	struct fixture *f = *state;
	size_t pg = probe.page;
	char *dest = f->obj + 70 * pg + 5;
	size_t n = 3 * pg;

	struct vdm *vdm = vdm_pmemobj_new(f->pool.pop, f->mode->nthreads);
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

/* the root object of the pool of test_published */
struct root {
	PMEMoid data;		/* the object the copy wrote, once published */
	uint64_t len;
};

/*
 * test_published -- a copy into a new object, then the object published
 * in a transaction (the root points to it): the root and every byte are
 * there once the pool is closed and opened again
 */
static void
test_published(void **state)
{
	struct fixture *f = *state;
	size_t n = 2 * MIB + 77;
	PMEMoid oid;
	PMEMoid root_oid = pmemobj_root(f->pool.pop, sizeof(struct root));

	assert_false(OID_IS_NULL(root_oid));
	char *obj = test_pool_alloc(&f->pool, n, &oid);
	struct root *root = pmemobj_direct(root_oid);
	assert_true(OID_IS_NULL(root->data));

	union test_future fut;
	(void) test_op_make(&fut, OP_MEMCPY, f->m.vdm, obj, f->src + 9, 0, n,
		0);
	wait_ok(f, &fut, OP_MEMCPY, obj);
	check_clean(f, obj, n, "memcpy into a new object");

	int committed = 0;
	TX_BEGIN(f->pool.pop) {
		pmemobj_tx_add_range(root_oid, 0, sizeof(*root));
		root->data = oid;
		root->len = n;
	} TX_ONCOMMIT {
		committed = 1;
	} TX_END
	assert_true(committed);

	/* the mover goes before the pool closes */
	test_mover_fini(&f->m);
	test_pool_reopen(&f->pool);
	assert_int_equal(test_pool_mover(&f->m, &f->pool, f->mode->nthreads),
		0);

	root = pmemobj_direct(pmemobj_root(f->pool.pop, sizeof(*root)));
	assert_non_null(root);
	assert_false(OID_IS_NULL(root->data));
	assert_int_equal(root->len, n);
	check_bytes(pmemobj_direct(root->data), f->src + 9, n);
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
	TEST_PRESTATE(test_delete_writes_back, _mode),\
	TEST_PRESTATE(test_published, _mode)

/*
 * main -- skips unless a pool is in the page cache and the page flags are
 * readable, then runs the tests without threads and with two
 */
int
main(void)
{
	struct test_pool pool;

	if (test_pool_create(&pool, "/var/tmp", 8 * MIB) != 0)
		return 1;
	int is_pmem = pool.is_pmem;
	test_pool_close(&pool);
	if (is_pmem) {
		fprintf(stderr, "libpmem takes a pool in /var/tmp for "
			"persistent memory: nothing is written back, the "
			"kernel cannot tell whether it is durable; skipped\n");
		return 77;
	}
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
