/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_alloc.c -- every allocation vdm_pmemobj_new() makes made to
 * fail in turn (the library's fault-injection hook, in the test build):
 * NULL with ENOMEM each time, nothing left behind (the test runs under
 * valgrind memcheck and LeakSanitizer), and once no allocation fails any
 * more, a mover whose copy into the pool is right.  And the operations
 * themselves never allocate: with the next allocation armed to fail,
 * every kind still succeeds and the failure never fires.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_alloc.h"
#include "test_helpers.h"
#include "test_pmemobj_pool.h"

#define POOL_SIZE (16 * MIB)
#define OBJ_SIZE ((size_t)4 << 20)
#define COPY_SIZE (((size_t)2 << 20) + 3)

/* how a sweep makes its mover */
struct maker {
	const char *name;
	unsigned nthreads;
	unsigned min_failures;	/* allocations the constructor makes */
};

static struct maker makers[] = {
	{ "vdm_pmemobj_new(pop, 0)", 0, 1 },
	{ "vdm_pmemobj_new(pop, 2)", 2, 4 },
};

static struct test_pool pool;
static char *obj;		/* OBJ_SIZE bytes of the pool */
static unsigned char *src;

/*
 * make -- makes the mover the maker arg describes, for the pool
 */
static void *
make(void *arg)
{
	const struct maker *m = arg;

	return vdm_pmemobj_new(pool.pop, m->nthreads);
}

/*
 * use -- a split copy into the object and a small memset, checked
 */
static void
use(const struct test_mover *m, unsigned char seed)
{
	test_fill(src, COPY_SIZE, seed);

	char *dest = obj + 5;
	struct vdm_memcpy_output cpy = test_wait_memcpy(m, dest, src,
		COPY_SIZE, 0);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.dest, dest);
	assert_memory_equal(dest, src, COPY_SIZE);

	assert_int_equal(test_wait_memset(m, obj, seed, 5, 0).result,
		VDM_SUCCESS);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal((unsigned char)obj[i], seed);
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
	unsigned long failures = test_alloc_sweep_mover(&mv, make, m, m->name,
		m->min_failures);

	use(&mv, (unsigned char)(failures + 1));
	test_mover_fini(&mv);
}

/*
 * test_no_alloc_per_operation -- every kind of operation on the mover, one
 * at a time and several waited together, with the next allocation armed to
 * fail: all succeed, and no allocation was tried
 */
static void
test_no_alloc_per_operation(void **state)
{
	struct maker *m = *state;
	struct test_mover mv;

	assert_int_equal(test_mover_init(&mv, make(m), m->name), 0);
	test_fill(src, COPY_SIZE, 3);
	test_ops_without_alloc(&mv, (unsigned char *)obj, src, COPY_SIZE,
		VDM_F_MEM_DURABLE, VDM_SUCCESS);
	test_mover_fini(&mv);
}

/*
 * main -- a pool with an object, then the sweep for each way of making a
 * pmemobj mover
 */
int
main(void)
{
	if (test_pool_create(&pool, "/var/tmp", POOL_SIZE) != 0)
		return 1;
	src = malloc(COPY_SIZE);
	if (src == NULL) {
		test_pool_close(&pool);
		return 1;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_sweep, &makers[0]),
		cmocka_unit_test_prestate(test_sweep, &makers[1]),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&makers[0]),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&makers[1]),
	};
	int ret = 1;
	PMEMoid oid;
	if (pmemobj_zalloc(pool.pop, &oid, OBJ_SIZE, 1) == 0) {
		obj = pmemobj_direct(oid);
		test_pool_expose(&pool);
		ret = cmocka_run_group_tests_name("pmemobj allocation failures",
			tests, NULL, NULL);
	} else {
		fprintf(stderr, "pmemobj_zalloc: %s\n", pmemobj_errormsg());
	}

	free(src);
	test_pool_close(&pool);
	return ret;
}
