/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_mover.c -- the pmemobj mover (vdm_pmemobj_new()) on a pool
 * in a file of /var/tmp: its constructor's bad input, every operation into
 * objects of the pool (pmemobj_zalloc() + pmemobj_direct()) through
 * vdm_memcpy() and friends and through the operation table, the bad-input
 * table, destinations not wholly inside the pool, large operations the
 * workers split, many futures waited for together, and errno, which no
 * operation touches.
 *
 * Every test runs with the operations done on the polling thread (no
 * threads) and on two workers.  After each operation every byte of the
 * pool and of an ordinary buffer is compared with a shadow copy that got
 * the same operations through libc, so a byte written where it must not be
 * fails the test.  ctest runs it on the pool as libpmemobj finds it (the
 * page cache) and with PMEM_IS_PMEM_FORCE=1 (persistent memory: stored
 * with the pool's own functions, drained).
 */

#include <limits.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_pmemobj_pool.h"

/* the pool, and the object the operations write to: room for 8 MiB */
#define POOL_SIZE (24 * MIB)
#define OBJ_SIZE (9 * MIB)
/* the ordinary memory that no operation may write */
#define OUTSIDE_SIZE (64 * KIB)
/* futures waited for at once */
#define MANY 64

struct fixture {
	const struct test_mode *mode;
	struct test_pool pool;
	struct test_mover m;
	char *obj;		/* OBJ_SIZE bytes of the pool */
	unsigned char *shadow;	/* what the whole pool must hold */
	unsigned char *outside;	/* ordinary memory, never written */
	unsigned char *outside_shadow;
	struct test_shadow sh;	/* the pool and the outside buffer */
};

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
	if (test_pool_create(&f->pool, "/var/tmp", POOL_SIZE) != 0) {
		free(f);
		return -1;
	}
	f->obj = test_pool_alloc(&f->pool, OBJ_SIZE, NULL);
	f->shadow = malloc(POOL_SIZE);
	f->outside = malloc(OUTSIDE_SIZE);
	f->outside_shadow = malloc(OUTSIDE_SIZE);
	if (f->shadow == NULL || f->outside == NULL ||
			f->outside_shadow == NULL ||
			test_pool_mover(&f->m, &f->pool, mode->nthreads) != 0) {
		test_pool_close(&f->pool);
		free(f->shadow);
		free(f->outside);
		free(f->outside_shadow);
		free(f);
		return -1;
	}
	memcpy(f->shadow, f->pool.base, POOL_SIZE);
	test_fill(f->outside, OUTSIDE_SIZE, 4242);
	memcpy(f->outside_shadow, f->outside, OUTSIDE_SIZE);

	test_shadow_init(&f->sh, &f->m, mode->name);
	test_shadow_add(&f->sh, "the pool", f->pool.base, f->shadow,
		POOL_SIZE);
	test_shadow_add(&f->sh, "the outside buffer", f->outside,
		f->outside_shadow, OUTSIDE_SIZE);

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
	free(f->shadow);
	free(f->outside);
	free(f->outside_shadow);
	free(f);
	return 0;
}

/*
 * expect_einval -- vdm_pmemobj_new(pop, nthreads) fails with EINVAL
 */
static void
expect_einval(PMEMobjpool *pop, unsigned nthreads)
{
	errno = 0;
	assert_null(vdm_pmemobj_new(pop, nthreads));
	assert_int_equal(errno, EINVAL);
}

/*
 * test_new_bad -- vdm_pmemobj_new() refuses a NULL pool, a pointer that
 * is not an open pool (ordinary memory, a byte inside a pool, a pool
 * closed since) and too many threads; one thread and none are fine
 */
static void
test_new_bad(void **state)
{
	(void) state;
	struct test_pool pool;
	struct test_pool closed;
	char heap[64];

	expect_einval(NULL, 0);
	expect_einval(NULL, 2);
	expect_einval(NULL, 257);
	expect_einval((PMEMobjpool *)(void *)heap, 0);

	assert_int_equal(test_pool_create(&pool, "/var/tmp", 8 * MIB), 0);
	assert_int_equal(test_pool_create(&closed, "/var/tmp", 8 * MIB), 0);
	PMEMobjpool *gone = closed.pop;
	test_pool_close(&closed);

	expect_einval((PMEMobjpool *)(void *)(pool.base + 4096), 0);
	expect_einval((PMEMobjpool *)(void *)(pool.base + 1), 2);
	expect_einval(gone, 0);
	expect_einval(pool.pop, 257);
	expect_einval(pool.pop, UINT_MAX);

	for (unsigned n = 0; n <= 1; n++) {
		struct vdm *vdm = vdm_pmemobj_new(pool.pop, n);
		assert_non_null(vdm);
		assert_int_equal(vdm->capabilities, VDM_F_MEM_DURABLE);
		vdm_delete(vdm);
	}
	test_pool_close(&pool);
}

/*
 * test_capabilities -- the mover says it makes copies durable, and no more;
 * its futures are asynchronous when it has workers
 */
static void
test_capabilities(void **state)
{
	struct fixture *f = *state;

	test_shadow_durable_mover(&f->sh, f->obj + 100,
		f->mode->nthreads != 0);
}

/*
 * test_memcpy -- copies from ordinary memory and from inside the pool,
 * with each accepted flag, up to both ends of the object and of the pool
 */
static void
test_memcpy(void **state)
{
	struct fixture *f = *state;
	size_t pg = 4096;
	char *obj = f->obj;
	size_t n = 3 * pg + 100;
	unsigned char *src = malloc(n);
	assert_non_null(src);

	static const uint64_t flags[] = {
		0, VDM_F_MEM_DURABLE, VDM_F_NO_CACHE_HINT,
		VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT,
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		test_fill(src, n, (unsigned)i + 1);
		test_shadow_op(&f->sh, OP_MEMCPY,
			obj + (1 + 4 * i) * pg + 17 + i, src, 0, n, flags[i]);
	}

	/* the first and the last bytes of the object */
	test_shadow_op(&f->sh, OP_MEMCPY, obj, src, 0, 100, 0);
	test_shadow_op(&f->sh, OP_MEMCPY, obj + OBJ_SIZE - 100, src + 7, 0,
		100, 0);
	/* the source may lie anywhere: in another object too (whose
	 * allocation changed the pool's metadata) */
	char *other = test_pool_alloc(&f->pool, 2 * pg, NULL);
	memcpy(f->shadow, f->pool.base, POOL_SIZE);
	test_shadow_op(&f->sh, OP_MEMCPY, other + 5, obj + pg + 17, 0,
		pg + 3, 0);
	test_shadow_op(&f->sh, OP_MEMCPY, obj + 20 * pg + 5, other, 0, 2 * pg,
		0);

	/* the last bytes of the pool, free space of its heap: the mover's
	 * range is all of the pool */
	test_shadow_op(&f->sh, OP_MEMCPY, f->pool.base + POOL_SIZE - 64, src,
		0, 64, 0);

	free(src);
}

/*
 * test_memmove -- a move from ordinary memory, and overlapping moves both
 * ways, small and large enough for the workers to split were the ranges
 * apart
 */
static void
test_memmove(void **state)
{
	struct fixture *f = *state;
	size_t pg = 4096;
	char *obj = f->obj;

	/* from ordinary memory */
	test_shadow_op(&f->sh, OP_MEMMOVE, obj + 2 * pg + 9, f->outside, 0,
		pg + 300, 0);

	/* forward, overlapping by most of the range */
	char *from = obj + 2 * pg + 9;
	test_shadow_op(&f->sh, OP_MEMMOVE, from + 123, from, 0, pg,
		VDM_F_MEM_DURABLE);

	/* backward, across a page boundary */
	char *dest = obj + 2 * pg + 5;
	test_shadow_op(&f->sh, OP_MEMMOVE, dest, dest + 700, 0, pg + 50,
		VDM_F_NO_CACHE_HINT);

	/* 2 MiB of content, then moved forward and back over itself */
	size_t n = 2 * MIB;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 77);
	char *big = obj + 4 * MIB + 64;
	test_shadow_op(&f->sh, OP_MEMMOVE, big, src, 0, n, 0);
	test_shadow_op(&f->sh, OP_MEMMOVE, big + pg + 3, big, 0, n, 0);
	test_shadow_op(&f->sh, OP_MEMMOVE, big - 2 * pg - 1, big, 0, n, 0);

	free(src);
}

/*
 * test_memset -- small and split memsets; the value is taken as an
 * unsigned char
 */
static void
test_memset(void **state)
{
	struct fixture *f = *state;
	size_t pg = 4096;
	char *obj = f->obj;

	test_shadow_op(&f->sh, OP_MEMSET, obj + 5 * pg + 1, NULL, 0xa5,
		2 * pg - 2, 0);
	test_shadow_op(&f->sh, OP_MEMSET, obj + 7 * pg + 3, NULL, 0x13c, 333,
		VDM_F_NO_CACHE_HINT);
	assert_int_equal((unsigned char)obj[7 * pg + 3], 0x3c);
	test_shadow_op(&f->sh, OP_MEMSET, obj + MIB + 11, NULL, 0x5e,
		3 * MIB + 5, VDM_F_MEM_DURABLE);
}

/*
 * test_flush -- bytes stored with plain stores are flushed as they are,
 * up to the whole object; a flush past the pool's end fails
 */
static void
test_flush(void **state)
{
	struct fixture *f = *state;
	size_t pg = 4096;
	char *dest = f->obj + 9 * pg + 30;

	test_fill(dest, 2 * pg, 5);
	memcpy(test_shadow_of(&f->sh, dest), dest, 2 * pg);

	test_shadow_op(&f->sh, OP_FLUSH, dest, NULL, 0, 2 * pg, 0);
	test_shadow_op(&f->sh, OP_FLUSH, dest + 1, NULL, 0, 100,
		VDM_F_MEM_DURABLE);
	test_shadow_op(&f->sh, OP_FLUSH, f->obj, NULL, 0, OBJ_SIZE, 0);

	char *end = f->pool.base + POOL_SIZE;
	struct vdm_flush_output out = test_wait_flush(&f->m, end - 10, 11, 0);
	assert_int_equal(out.result, VDM_ERROR_OUT_OF_RANGE);
	out = test_wait_flush(&f->m, f->outside, 10, 0);
	assert_int_equal(out.result, VDM_ERROR_OUT_OF_RANGE);
	test_shadow_check(&f->sh);
}

/*
 * check_out_of_range -- every kind of operation on [dest, dest + n) fails
 * with VDM_ERROR_OUT_OF_RANGE and writes nothing (in the pool, in the
 * outside buffer, and in the n bytes at dest when check is non-zero),
 * through vdm_memcpy() and friends and through the table
 */
static void
check_out_of_range(struct fixture *f, char *dest, size_t n, int check,
	const char *what)
{
	unsigned char *before = NULL;

	print_message("out of range: %s\n", what);
	if (check) {
		before = malloc(n);
		assert_non_null(before);
		memcpy(before, dest, n);
	}

	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, dest, f->outside,
		n, 0);
	assert_int_equal(cpy.result, VDM_ERROR_OUT_OF_RANGE);
	assert_null(cpy.dest);
	test_shadow_check(&f->sh);

	struct vdm_memmove_output mov = test_wait_memmove(&f->m, dest,
		f->outside, n, 0);
	assert_int_equal(mov.result, VDM_ERROR_OUT_OF_RANGE);
	assert_null(mov.dest);
	test_shadow_check(&f->sh);

	struct vdm_memset_output set = test_wait_memset(&f->m, dest, 0xee, n,
		0);
	assert_int_equal(set.result, VDM_ERROR_OUT_OF_RANGE);
	assert_null(set.str);
	test_shadow_check(&f->sh);

	struct vdm_flush_output fl = test_wait_flush(&f->m, dest, n, 0);
	assert_int_equal(fl.result, VDM_ERROR_OUT_OF_RANGE);

	test_table_expect(f->m.vdm, test_operation(OP_MEMCPY, dest, f->outside,
		0, n, VDM_F_MEM_DURABLE), VDM_ERROR_OUT_OF_RANGE);
	test_table_expect(f->m.vdm, test_operation(OP_MEMSET, dest, NULL, 0xdd,
		n, 0), VDM_ERROR_OUT_OF_RANGE);
	test_shadow_check(&f->sh);
	if (check) {
		test_expect_bytes(dest, before, n, what);
		free(before);
	}
}

/*
 * test_out_of_range -- destinations in ordinary memory (the heap, the
 * stack), before the pool, straddling either end of it, after it, and
 * lengths past its end
 */
static void
test_out_of_range(void **state)
{
	struct fixture *f = *state;
	char *pool = f->pool.base;
	size_t size = POOL_SIZE;
	char stack[256];

	test_fill(stack, sizeof(stack), 17);
	check_out_of_range(f, (char *)f->outside + 8, 100, 1, "the heap");
	check_out_of_range(f, stack + 3, 200, 1, "the stack");
	/* before the pool: a store there would fault if nothing is mapped,
	 * and fail the test all the same */
	check_out_of_range(f, pool - 64, 64, 0, "wholly before the pool");
	check_out_of_range(f, pool - 1, 1, 0, "the byte before pop");
	check_out_of_range(f, pool - 10, 20, 0, "straddling its start");
	check_out_of_range(f, pool + size - 10, 20, 0, "straddling its end");
	check_out_of_range(f, f->obj + OBJ_SIZE - 10, size, 0,
		"from an object past the pool's end");
	check_out_of_range(f, pool + size - 1, 2, 0, "one byte past its end");
	check_out_of_range(f, pool + size, 1, 0, "the byte after the pool");
	check_out_of_range(f, pool, size + 1, 0, "the pool and one byte more");
	check_out_of_range(f, f->obj + 10, SIZE_MAX - 5, 0, "n huge");
	check_out_of_range(f, f->obj, SIZE_MAX, 0, "n = SIZE_MAX");
	check_out_of_range(f, (char *)(UINTPTR_MAX - 10), 100, 0,
		"a range that wraps around");
}

/*
 * test_null_pointer -- a NULL destination, or a NULL source of a copy or
 * a move, with n > 0: VDM_ERROR_INVALID_ARGUMENT, nothing written, with
 * vdm_memcpy() and friends and through the table
 */
static void
test_null_pointer(void **state)
{
	struct fixture *f = *state;
	char *dest = f->obj + 64;

	TEST_FOR_EACH_OP(type) {
		union test_future fut;

		runtime_wait(f->m.rt, test_op_make(&fut, type, f->m.vdm, NULL,
			f->outside, 7, 16, 0));
		test_expect_output(&fut, type, VDM_ERROR_INVALID_ARGUMENT,
			NULL);
		test_table_expect(f->m.vdm, test_operation(type, NULL,
			f->outside, 7, 1, VDM_F_NO_CACHE_HINT),
			VDM_ERROR_INVALID_ARGUMENT);
		if (type == OP_MEMSET || type == OP_FLUSH)
			continue;
		runtime_wait(f->m.rt, test_op_make(&fut, type, f->m.vdm, dest,
			NULL, 0, 16, 0));
		test_expect_output(&fut, type, VDM_ERROR_INVALID_ARGUMENT,
			NULL);
		runtime_wait(f->m.rt, test_op_make(&fut, type, f->m.vdm, NULL,
			NULL, 0, SIZE_MAX, 0));
		test_expect_output(&fut, type, VDM_ERROR_INVALID_ARGUMENT,
			NULL);
		test_table_expect(f->m.vdm, test_operation(type, dest, NULL,
			0, 16, 0), VDM_ERROR_INVALID_ARGUMENT);
	}
	test_shadow_check(&f->sh);
}

/*
 * test_invalid_flags -- an unknown flag fails, through vdm_memcpy() and
 * friends and through the table (where only the mover can catch it), and
 * writes nothing
 */
static void
test_invalid_flags(void **state)
{
	struct fixture *f = *state;
	char *dest = f->obj + 64;
	const uint64_t bad = ((uint64_t)1) << 7;

	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, dest, f->outside,
		100, bad | VDM_F_MEM_DURABLE);
	assert_int_equal(cpy.result, VDM_ERROR_INVALID_FLAGS);
	assert_null(cpy.dest);
	struct vdm_memmove_output mov = test_wait_memmove(&f->m, dest,
		f->outside, 100, bad);
	assert_int_equal(mov.result, VDM_ERROR_INVALID_FLAGS);
	struct vdm_memset_output set = test_wait_memset(&f->m, dest, 1, 100,
		bad);
	assert_int_equal(set.result, VDM_ERROR_INVALID_FLAGS);
	struct vdm_flush_output fl = test_wait_flush(&f->m, dest, 100, bad);
	assert_int_equal(fl.result, VDM_ERROR_INVALID_FLAGS);
	test_shadow_check(&f->sh);

	test_table_expect(f->m.vdm, test_operation(OP_MEMMOVE, dest,
		f->outside, 0, 100, bad), VDM_ERROR_INVALID_FLAGS);
	test_table_expect(f->m.vdm, test_operation(OP_MEMSET, dest, NULL, 3,
		100, ((uint64_t)1) << 40), VDM_ERROR_INVALID_FLAGS);
	/* bad flags and a destination outside: the flags decide */
	test_table_expect(f->m.vdm, test_operation(OP_MEMSET, f->outside, NULL,
		3, 100, ((uint64_t)1) << 40), VDM_ERROR_INVALID_FLAGS);
	test_shadow_check(&f->sh);
}

/*
 * test_table -- operations driven through the table as libpmem2 drives
 * them: the output op_delete reports, and the bytes
 */
static void
test_table(void **state)
{
	struct fixture *f = *state;
	char *dest = f->obj + 3 * 4096 + 1;

	test_shadow_table_op(&f->sh, test_operation(OP_MEMCPY, dest,
		f->outside, 0, 5000, VDM_F_MEM_DURABLE));
	test_shadow_table_op(&f->sh, test_operation(OP_MEMMOVE, dest + 1,
		dest, 0, 5000, 0));
	test_shadow_table_op(&f->sh, test_operation(OP_MEMSET, dest + 10, NULL,
		0x42, 2 * MIB, VDM_F_NO_CACHE_HINT));
	test_table_expect(f->m.vdm, test_operation(OP_FLUSH, dest, NULL, 0,
		4000, 0), VDM_SUCCESS);
	test_shadow_check(&f->sh);
}

/*
 * test_zero_length -- n == 0 succeeds, gives the destination back and
 * touches nothing, in the pool or outside it, through the table too
 */
static void
test_zero_length(void **state)
{
	struct fixture *f = *state;
	char *dests[] = {
		f->obj + 10,
		f->pool.base + POOL_SIZE,
		(char *)f->outside,
		(char *)(uintptr_t)0x10000,
	};

	for (size_t i = 0; i < ARRAY_SIZE(dests); i++) {
		TEST_FOR_EACH_OP(type) {
			union test_future fut;
			runtime_wait(f->m.rt, test_op_make(&fut, type,
				f->m.vdm, dests[i], f->outside, 9, 0,
				VDM_F_MEM_DURABLE));
			test_expect_output(&fut, type, VDM_SUCCESS, dests[i]);
			test_table_expect(f->m.vdm, test_operation(type,
				dests[i], f->outside, 9, 0, 0), VDM_SUCCESS);
		}
	}
	test_shadow_check(&f->sh);
}

/*
 * test_split -- an 8 MiB copy (cut into pieces with workers) at an
 * unaligned address, and the same with non-temporal stores
 */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	size_t n = 8 * MIB;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 8);

	test_shadow_op(&f->sh, OP_MEMCPY, f->obj + 64 + 3, src, 0, n, 0);

	test_fill(src, n, 9);
	test_shadow_op(&f->sh, OP_MEMCPY, f->obj + OBJ_SIZE - n, src, 0, n,
		VDM_F_NO_CACHE_HINT);

	free(src);
}

/*
 * test_many -- MANY memcpys, memmoves, memsets and flushes on disjoint
 * ranges of the object, waited for together with runtime_wait_multiple()
 */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	size_t stride = OBJ_SIZE / MANY;
	struct vdm_operation ops[MANY];
	unsigned char *big = malloc(128 * KIB);

	assert_non_null(big);
	test_fill(big, 128 * KIB, 64);
	for (unsigned i = 0; i < MANY; i++) {
		enum vdm_operation_type type = (enum vdm_operation_type)
			(i % OP_KINDS);
		/* every fourth one is long enough for a worker */
		size_t n = i % 4 == 3 ? 96 * KIB + i : 3000 + 97 * i;
		char *dest = f->obj + i * stride + i;
		unsigned char *src = i % 4 == 3 ? big + i :
			f->outside + (i % 3 == 1 ? 2 * i : i);

		ops[i] = test_operation(type, dest, src, (int)i, n,
			type == OP_MEMMOVE ? VDM_F_MEM_DURABLE : 0);
		test_shadow_apply(&f->sh, type, dest, src, (int)i, n);
	}
	test_wait_together(&f->m, ops, MANY, VDM_SUCCESS);
	test_shadow_check(&f->sh);
	free(big);
}

/*
 * test_errno -- operations that succeed and operations that fail, and a
 * mover made and deleted, leave errno as it was
 */
static void
test_errno(void **state)
{
	struct fixture *f = *state;
	char *dest = f->obj + 5;

	errno = 4242;
	/* long enough for a worker */
	test_shadow_op(&f->sh, OP_MEMCPY, dest, f->obj + 4 * MIB, 0, 200 * KIB,
		0);
	assert_int_equal(errno, 4242);
	test_shadow_op(&f->sh, OP_MEMSET, dest, NULL, 3, 100, 0);
	test_shadow_op(&f->sh, OP_FLUSH, dest, NULL, 0, 100, 0);
	assert_int_equal(errno, 4242);
	assert_int_equal(test_wait_memcpy(&f->m, f->outside, dest, 10,
		0).result, VDM_ERROR_OUT_OF_RANGE);
	assert_int_equal(test_wait_memset(&f->m, NULL, 0, 10, 0).result,
		VDM_ERROR_INVALID_ARGUMENT);
	assert_int_equal(test_wait_memmove(&f->m, dest, f->outside, 10,
		(uint64_t)1 << 30).result, VDM_ERROR_INVALID_FLAGS);
	assert_int_equal(errno, 4242);
	test_shadow_check(&f->sh);

	/* and so does a mover made and deleted without a failure */
	struct vdm *vdm = vdm_pmemobj_new(f->pool.pop, f->mode->nthreads);
	assert_non_null(vdm);
	assert_int_equal(errno, 4242);
	vdm_delete(vdm);
	assert_int_equal(errno, 4242);
}

/*
 * test_delete_finishes -- vdm_delete() lets an operation that was started
 * (polled once) finish before the mover goes
 */
static void
test_delete_finishes(void **state)
{
	struct fixture *f = *state;
	size_t n = 4 * MIB;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 12);

	struct vdm *vdm = vdm_pmemobj_new(f->pool.pop, f->mode->nthreads);
	assert_non_null(vdm);
	char *dest = f->obj + MIB + 1;
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, src, n, 0);
	(void) future_poll(FUTURE_AS_RUNNABLE(&fut), NULL);
	/* the future is not polled again: the mover is gone */
	vdm_delete(vdm);

	memcpy(test_shadow_of(&f->sh, dest), src, n);
	test_shadow_check(&f->sh);
	free(src);
}

/*
 * TESTS -- the tests with the mover of mode _mode
 */
#define TESTS(_mode)\
	TEST_PRESTATE(test_capabilities, _mode),\
	TEST_PRESTATE(test_memcpy, _mode),\
	TEST_PRESTATE(test_memmove, _mode),\
	TEST_PRESTATE(test_memset, _mode),\
	TEST_PRESTATE(test_flush, _mode),\
	TEST_PRESTATE(test_out_of_range, _mode),\
	TEST_PRESTATE(test_null_pointer, _mode),\
	TEST_PRESTATE(test_invalid_flags, _mode),\
	TEST_PRESTATE(test_table, _mode),\
	TEST_PRESTATE(test_zero_length, _mode),\
	TEST_PRESTATE(test_split, _mode),\
	TEST_PRESTATE(test_many, _mode),\
	TEST_PRESTATE(test_errno, _mode),\
	TEST_PRESTATE(test_delete_finishes, _mode)

/*
 * main -- the constructor's tests, then the rest without threads and with
 * two
 */
int
main(void)
{
	const struct CMUnitTest common_tests[] = {
		cmocka_unit_test(test_new_bad),
	};
	const struct CMUnitTest inline_tests[] = { TESTS(test_mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(test_mode_pool) };

	int failed = cmocka_run_group_tests_name("vdm_pmemobj_new",
		common_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("pmemobj mover, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("pmemobj mover, 2 threads",
		pool_tests, NULL, NULL);
	return failed;
}
