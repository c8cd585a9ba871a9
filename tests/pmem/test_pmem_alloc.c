/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_alloc.c -- every allocation the pmem movers' constructors make
 * made to fail in turn (the library's fault-injection hook, in the test
 * build): NULL with ENOMEM each time, nothing left behind (the test runs
 * under valgrind memcheck and LeakSanitizer), and once no allocation fails
 * any more, a mover whose copy is right and durable-complete.  And the
 * operations themselves never allocate: with the next allocation armed to
 * fail, every kind still succeeds and the failure never fires.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libminiasync-pmem.h>

#include "core/alloc.h"
#include "test_pmem_file.h"

/* give up on a constructor that still allocates after this many tries */
#define MAX_ALLOCS 64

#define MAP_SIZE ((size_t)4 << 20)
#define COPY_SIZE (((size_t)2 << 20) + 3)

/* how a sweep makes its mover */
struct maker {
	const char *name;
	int pmem2;		/* vdm_pmem2_new(), else vdm_pmem_new() */
	unsigned nthreads;
	unsigned min_failures;	/* allocations the constructor makes */
};

static struct maker makers[] = {
	{ "vdm_pmem2_new(map, 0)", 1, 0, 1 },
	{ "vdm_pmem2_new(map, 2)", 1, 2, 4 },
	{ "vdm_pmem_new(0)", 0, 0, 1 },
	{ "vdm_pmem_new(2)", 0, 2, 4 },
};

static struct pmem_file file;
static unsigned char *src;

/*
 * use -- a split copy into the map and a small memset, checked
 */
static void
use(struct vdm *vdm, struct runtime *rt, unsigned char seed)
{
	for (size_t i = 0; i < COPY_SIZE; i++)
		src[i] = (unsigned char)(i * 13U + seed);

	char *dest = file.addr + 5;
	struct vdm_memcpy_future cpy = vdm_memcpy(vdm, dest, src, COPY_SIZE,
		0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&cpy));
	assert_int_equal(cpy.output.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.output.dest, dest);
	assert_memory_equal(dest, src, COPY_SIZE);

	struct vdm_memset_future set = vdm_memset(vdm, file.addr, seed, 5, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&set));
	assert_int_equal(set.output.result, VDM_SUCCESS);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal((unsigned char)file.addr[i], seed);
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
		struct vdm *vdm = m->pmem2 ?
			vdm_pmem2_new(file.target, m->nthreads) :
			vdm_pmem_new(m->nthreads);
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
		use(vdm, rt, (unsigned char)n);
		vdm_delete(vdm);
		break;
	}
	print_message("%s: %lu allocation failures, then a mover\n", m->name,
		failures);
	assert_in_range(n, 2, MAX_ALLOCS);
	assert_true(failures >= m->min_failures);

	runtime_delete(rt);
}

/*
 * test_no_alloc_per_operation -- every kind of operation on the mover, one
 * at a time and several waited together, with the next allocation armed to
 * fail: all succeed, and no allocation was tried
 */
static void
test_no_alloc_per_operation(void **state)
{
	const struct maker *m = *state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct vdm *vdm = m->pmem2 ? vdm_pmem2_new(file.target, m->nthreads) :
		vdm_pmem_new(m->nthreads);
	assert_non_null(vdm);
	for (size_t i = 0; i < COPY_SIZE; i++)
		src[i] = (unsigned char)(i * 5U + 3U);
	char *d = file.addr;

	core__alloc_fail_at(1);
	struct vdm_memcpy_future f1 = vdm_memcpy(vdm, d, src, COPY_SIZE, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&f1));
	struct vdm_memmove_future f2 = vdm_memmove(vdm, d + 1, d, 4096,
		VDM_F_MEM_DURABLE);
	struct vdm_memset_future f3 = vdm_memset(vdm, d + COPY_SIZE, 0x21,
		4096, VDM_F_NO_CACHE_HINT);
	struct vdm_flush_future f4 = vdm_flush(vdm, d + COPY_SIZE + 8192, 100,
		0);
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
	assert_memory_equal(d + 1, src, 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal((unsigned char)d[COPY_SIZE + i], 0x21);

	vdm_delete(vdm);
	runtime_delete(rt);
}

/*
 * main -- the sweep for each way of making a pmem mover
 */
int
main(void)
{
	if (pmem_file_open(&file, MAP_SIZE) != 0)
		return 1;
	src = malloc(COPY_SIZE);
	if (src == NULL) {
		pmem_file_close(&file);
		return 1;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_sweep, &makers[0]),
		cmocka_unit_test_prestate(test_sweep, &makers[1]),
		cmocka_unit_test_prestate(test_sweep, &makers[2]),
		cmocka_unit_test_prestate(test_sweep, &makers[3]),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&makers[0]),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&makers[1]),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&makers[2]),
		cmocka_unit_test_prestate(test_no_alloc_per_operation,
			&makers[3]),
	};
	int ret = cmocka_run_group_tests_name("pmem allocation failures",
		tests, NULL, NULL);

	free(src);
	pmem_file_close(&file);
	return ret;
}
