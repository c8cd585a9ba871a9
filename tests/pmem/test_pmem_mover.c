/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_mover.c -- the pmem mover (vdm_pmem2_new()) on a file mapped from
 * /var/tmp: its bad input, every operation through vdm_memcpy() and
 * friends, through the operation table as libpmem2 drives it, and through
 * libpmem2's pmem2_memcpy_async() and friends; destinations outside the
 * map; large operations the workers split; many futures at once.
 *
 * Every test runs with the mover's operations done on the polling thread
 * (no threads) and on two workers.  After each operation every byte of the
 * file (the target map and its neighbours, see test_pmem2_file.h) and of an
 * ordinary buffer is compared with a shadow copy that got the same
 * operations through libc, so a byte written where it must not be fails the
 * test.  ctest runs it with the store granularity libpmem2 detects (PAGE
 * on a file system) and forced to CACHE_LINE and to BYTE.  Skipped (77)
 * where libpmem2 cannot map a file.
 */

#include "test_pmem2_mover.h"

#include <limits.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_pmem2_future.h"

/* room for an 8 MiB copy, with some to spare */
#define TARGET_SIZE (9 * MIB)
/* the ordinary memory that no operation may write */
#define OUTSIDE_SIZE (64 * KIB)
/* futures waited for at once */
#define MANY 64

struct fixture {
	const struct test_mode *mode;
	struct test_file file;
	struct test_mover m;
	unsigned char *shadow;	/* what the whole file must hold */
	unsigned char *outside;	/* ordinary memory, never written */
	unsigned char *outside_shadow;
	struct test_shadow sh;	/* the file and the outside buffer */
};

/*
 * setup -- maps a fresh file, makes the mover of the mode in the prestate
 * for its target map and attaches it to the after map
 */
static int
setup(void **state)
{
	const struct test_mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	if (test_pmem2_mover_open(&f->file, &f->m, TARGET_SIZE,
			mode->nthreads) != 0) {
		free(f);
		return -1;
	}
	f->shadow = calloc(1, f->file.total);
	f->outside = malloc(OUTSIDE_SIZE);
	f->outside_shadow = malloc(OUTSIDE_SIZE);
	if (test_file_attach(&f->file, f->m.vdm) != 0 || f->shadow == NULL ||
			f->outside == NULL || f->outside_shadow == NULL) {
		(void) test_pmem2_mover_close(&f->file, &f->m);
		free(f->shadow);
		free(f->outside);
		free(f->outside_shadow);
		free(f);
		return -1;
	}
	test_fill(f->outside, OUTSIDE_SIZE, 4242);
	memcpy(f->outside_shadow, f->outside, OUTSIDE_SIZE);

	struct test_file *file = &f->file;
	test_shadow_init(&f->sh, &f->m, mode->name);
	test_shadow_add(&f->sh, "the neighbour before the map", file->base,
		f->shadow, file->neighbour);
	test_shadow_add(&f->sh, "the map", file->addr,
		f->shadow + file->neighbour, file->size);
	test_shadow_add(&f->sh, "the neighbour after the map",
		file->addr + file->size,
		f->shadow + file->neighbour + file->size, file->neighbour);
	test_shadow_add(&f->sh, "the outside buffer", f->outside,
		f->outside_shadow, OUTSIDE_SIZE);

	*state = f;
	return 0;
}

/*
 * teardown -- frees what setup() made, the maps that use the mover first
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_pmem2_mover_close(&f->file, &f->m), 0);
	free(f->shadow);
	free(f->outside);
	free(f->outside_shadow);
	free(f);
	return 0;
}

/*
 * test_new_bad -- vdm_pmem2_new() refuses a NULL map and too many threads;
 * one thread and none are fine, and leave errno as it was
 */
static void
test_new_bad(void **state)
{
	(void) state;
	struct test_file file;

	errno = 0;
	assert_null(vdm_pmem2_new(NULL, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdm_pmem2_new(NULL, 2));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdm_pmem2_new(NULL, 257));
	assert_int_equal(errno, EINVAL);

	assert_int_equal(test_file_open(&file, 4 * (size_t)sysconf(
		_SC_PAGESIZE)), 0);
	errno = 0;
	assert_null(vdm_pmem2_new(file.target, 257));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdm_pmem2_new(file.target, UINT_MAX));
	assert_int_equal(errno, EINVAL);

	for (unsigned n = 0; n <= 1; n++) {
		/* errno as it was, made and deleted */
		errno = 4242;
		struct vdm *vdm = vdm_pmem2_new(file.target, n);
		assert_non_null(vdm);
		assert_int_equal(errno, 4242);
		assert_int_equal(vdm->capabilities, VDM_F_MEM_DURABLE);
		vdm_delete(vdm);
		assert_int_equal(errno, 4242);
	}
	assert_int_equal(test_file_close(&file), 0);
}

/*
 * test_capabilities -- the mover says it makes copies durable, and no more;
 * its futures are asynchronous when it has workers
 */
static void
test_capabilities(void **state)
{
	struct fixture *f = *state;

	test_shadow_durable_mover(&f->sh, f->file.addr + 100,
		f->mode->nthreads != 0);
}

/*
 * test_memcpy -- copies from ordinary memory and from inside the file, with
 * each accepted flag, up to both ends of the map
 */
static void
test_memcpy(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *map = f->file.addr;
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
			map + (1 + 4 * i) * pg + 17 + i, src, 0, n, flags[i]);
	}

	/* the first and the last bytes of the map */
	test_shadow_op(&f->sh, OP_MEMCPY, map, src, 0, 100, 0);
	test_shadow_op(&f->sh, OP_MEMCPY, map + f->file.size - 100, src + 7, 0,
		100, 0);

	/* the source may lie anywhere: in the map, or in a neighbour */
	test_shadow_op(&f->sh, OP_MEMCPY, map + 20 * pg + 5, map + pg + 17, 0,
		n, 0);
	memcpy(f->file.base + 64, "neighbour", 9);
	memcpy(f->shadow + 64, "neighbour", 9);
	test_shadow_op(&f->sh, OP_MEMCPY, map + 3, f->file.base + 64, 0, 9, 0);

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
	size_t pg = f->file.page;
	char *map = f->file.addr;

	/* from ordinary memory */
	test_shadow_op(&f->sh, OP_MEMMOVE, map + 2 * pg + 9, f->outside, 0,
		pg + 300, 0);

	/* forward, overlapping by most of the range */
	char *from = map + 2 * pg + 9;
	test_shadow_op(&f->sh, OP_MEMMOVE, from + 123, from, 0, pg,
		VDM_F_MEM_DURABLE);

	/* backward, across a page boundary */
	char *dest = map + 2 * pg + 5;
	test_shadow_op(&f->sh, OP_MEMMOVE, dest, dest + 700, 0, pg + 50,
		VDM_F_NO_CACHE_HINT);

	/* 2 MiB of content, then moved forward and back over itself */
	size_t n = 2 * MIB;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 77);
	char *big = map + 4 * MIB + 64;
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
	size_t pg = f->file.page;
	char *map = f->file.addr;

	test_shadow_op(&f->sh, OP_MEMSET, map + 5 * pg + 1, NULL, 0xa5,
		2 * pg - 2, 0);
	test_shadow_op(&f->sh, OP_MEMSET, map + 7 * pg + 3, NULL, 0x13c, 333,
		VDM_F_NO_CACHE_HINT);
	assert_int_equal((unsigned char)map[7 * pg + 3], 0x3c);
	test_shadow_op(&f->sh, OP_MEMSET, map + MIB + 11, NULL, 0x5e,
		3 * MIB + 5, VDM_F_MEM_DURABLE);
}

/*
 * test_flush -- bytes stored with plain stores are flushed as they are;
 * a flush outside the map fails
 */
static void
test_flush(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *dest = f->file.addr + 9 * pg + 30;

	test_fill(dest, 2 * pg, 5);
	memcpy(test_shadow_of(&f->sh, dest), dest, 2 * pg);

	test_shadow_op(&f->sh, OP_FLUSH, dest, NULL, 0, 2 * pg, 0);
	test_shadow_op(&f->sh, OP_FLUSH, dest + 1, NULL, 0, 100,
		VDM_F_MEM_DURABLE);
	test_shadow_op(&f->sh, OP_FLUSH, f->file.addr, NULL, 0, f->file.size,
		0);

	char *end = f->file.addr + f->file.size;
	struct vdm_flush_output out = test_wait_flush(&f->m, end - 10, 11, 0);
	assert_int_equal(out.result, VDM_ERROR_OUT_OF_RANGE);
	out = test_wait_flush(&f->m, f->outside, 10, 0);
	assert_int_equal(out.result, VDM_ERROR_OUT_OF_RANGE);
	test_shadow_check(&f->sh);
}

/*
 * check_out_of_range -- every kind of operation on [dest, dest + n) fails
 * with VDM_ERROR_OUT_OF_RANGE and writes nothing, through vdm_memcpy() and
 * friends and through the table
 */
static void
check_out_of_range(struct fixture *f, char *dest, size_t n, const char *what)
{
	print_message("out of range: %s\n", what);

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
}

/*
 * test_out_of_range -- destinations before the map, straddling either end,
 * right after it, in ordinary memory, and lengths past its end
 */
static void
test_out_of_range(void **state)
{
	struct fixture *f = *state;
	char *map = f->file.addr;
	size_t size = f->file.size;

	check_out_of_range(f, map - 64, 64, "wholly before the map");
	check_out_of_range(f, map - 1, 1, "the byte before the map");
	check_out_of_range(f, map - 10, 20, "straddling its start");
	check_out_of_range(f, map + size - 10, 20, "straddling its end");
	check_out_of_range(f, map + size - 1, 2, "one byte past its end");
	check_out_of_range(f, map + size, 1, "the byte after the map");
	check_out_of_range(f, map + size + 8, 64, "wholly after the map");
	check_out_of_range(f, (char *)f->outside + 8, 100,
		"ordinary memory");
	check_out_of_range(f, map, size + 1, "the map and one byte more");
	check_out_of_range(f, map + 10, SIZE_MAX - 5, "n huge");
	check_out_of_range(f, map + size / 2, SIZE_MAX, "n = SIZE_MAX");
	check_out_of_range(f, (char *)(UINTPTR_MAX - 10), 100,
		"a range that wraps around");
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
	char *dest = f->file.addr + 64;
	const uint64_t bad = ((uint64_t)1) << 7;

	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, dest, f->outside,
		100, bad | VDM_F_MEM_DURABLE);
	assert_int_equal(cpy.result, VDM_ERROR_INVALID_FLAGS);
	assert_null(cpy.dest);
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
	char *dest = f->file.addr + 3 * f->file.page + 1;

	test_shadow_table_op(&f->sh, test_operation(OP_MEMCPY, dest,
		f->outside, 0, 5000, VDM_F_MEM_DURABLE));
	test_shadow_table_op(&f->sh, test_operation(OP_MEMSET, dest + 10, NULL,
		0x42, 2 * MIB, VDM_F_NO_CACHE_HINT));
	test_table_expect(f->m.vdm, test_operation(OP_FLUSH, dest, NULL, 0,
		4000, 0), VDM_SUCCESS);

	/* a NULL destination: the mover's own check */
	test_table_expect(f->m.vdm, test_operation(OP_MEMCPY, NULL, f->outside,
		0, 10, 0), VDM_ERROR_INVALID_ARGUMENT);

	/* nothing to move: done, nothing touched (nor written back),
	 * wherever the destination points */
	char *zero_dests[] = {
		dest + 7,
		f->file.addr + f->file.size,
		(char *)f->outside,
		(char *)(uintptr_t)0x10000,
	};
	for (size_t i = 0; i < ARRAY_SIZE(zero_dests); i++)
		test_table_expect(f->m.vdm, test_operation(OP_MEMCPY,
			zero_dests[i], f->outside, 0, 0, 0), VDM_SUCCESS);
	test_shadow_check(&f->sh);
}

/*
 * test_zero_length -- n == 0 succeeds, gives the destination back and
 * touches nothing, in the map or outside it
 */
static void
test_zero_length(void **state)
{
	struct fixture *f = *state;
	char *in = f->file.addr + 10;
	char *out_of = f->file.addr + f->file.size;

	char *dests[] = { in, out_of, (char *)f->outside };
	for (size_t i = 0; i < ARRAY_SIZE(dests); i++) {
		struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, dests[i],
			f->outside, 0, 0);
		assert_int_equal(cpy.result, VDM_SUCCESS);
		assert_ptr_equal(cpy.dest, dests[i]);
		struct vdm_memmove_output mov = test_wait_memmove(&f->m,
			dests[i], f->outside, 0, VDM_F_MEM_DURABLE);
		assert_int_equal(mov.result, VDM_SUCCESS);
		assert_ptr_equal(mov.dest, dests[i]);
		struct vdm_memset_output set = test_wait_memset(&f->m, dests[i],
			9, 0, 0);
		assert_int_equal(set.result, VDM_SUCCESS);
		assert_ptr_equal(set.str, dests[i]);
		struct vdm_flush_output fl = test_wait_flush(&f->m, dests[i], 0,
			0);
		assert_int_equal(fl.result, VDM_SUCCESS);
	}
	test_shadow_check(&f->sh);
}

/*
 * test_split -- an 8 MiB copy (cut into pieces with workers) at an
 * unaligned address, then an 8 MiB copy from the map to itself
 */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	size_t n = 8 * MIB;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 8);

	test_shadow_op(&f->sh, OP_MEMCPY, f->file.addr + 64 + 3, src, 0, n, 0);

	/* the same, with every piece going through non-temporal stores */
	test_fill(src, n, 9);
	test_shadow_op(&f->sh, OP_MEMCPY, f->file.addr + f->file.size - n, src,
		0, n, VDM_F_NO_CACHE_HINT);

	free(src);
}

/*
 * test_many -- MANY memcpys, memmoves and memsets on disjoint ranges,
 * waited for together with runtime_wait_multiple()
 */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	size_t stride = f->file.size / MANY;
	struct vdm_operation ops[MANY];

	for (unsigned i = 0; i < MANY; i++) {
		enum vdm_operation_type type = i % 3 == 0 ? OP_MEMCPY :
			i % 3 == 1 ? OP_MEMMOVE : OP_MEMSET;
		size_t n = 3000 + 97 * i;
		char *dest = f->file.addr + i * stride + i;
		unsigned char *src = f->outside + (i % 3 == 1 ? 2 * i : i);

		ops[i] = test_operation(type, dest, src, (int)i, n,
			type == OP_MEMMOVE ? VDM_F_MEM_DURABLE : 0);
		test_op_apply(type, test_shadow_of(&f->sh, dest), src, (int)i,
			n);
	}
	test_wait_together(&f->m, ops, MANY, VDM_SUCCESS);
	test_shadow_check(&f->sh);
}

/*
 * test_pmem2_async -- libpmem2's pmem2_memcpy_async() and friends on a map
 * whose mover is ours (the after map, see test_pmem2_file.h), one at a time
 * and together; a destination outside our mover's map fails
 */
static void
test_pmem2_async(void **state)
{
	struct fixture *f = *state;
	struct pmem2_map *carrier = f->file.after;
	size_t pg = f->file.page;
	char *map = f->file.addr;
	size_t n = 2 * MIB + 300;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 31);

	/* libpmem2 trusts the mover with CACHE_LINE maps: no persist step */
	char *dest = map + pg + 17;
	struct pmem2_future fut = test_pmem2_op(carrier, OP_MEMCPY, dest, src,
		0, n);
	if (f->file.gran == PMEM2_GRANULARITY_CACHE_LINE)
		assert_true(fut.data.op.flags & FUTURE_CHAIN_FLAG_ENTRY_LAST);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	test_expect_pmem2_done(&fut, dest, VDM_SUCCESS);
	test_shadow_apply(&f->sh, OP_MEMCPY, dest, src, 0, n);
	test_shadow_check(&f->sh);

	test_shadow_pmem2_op(&f->sh, carrier, OP_MEMMOVE, dest + 123, dest, 0,
		pg);
	test_shadow_pmem2_op(&f->sh, carrier, OP_MEMSET, map + 5 * MIB + 1,
		NULL, 0x6b, 2 * pg - 2);

	/* three at once */
	struct vdm_operation ops[] = {
		test_operation(OP_MEMCPY, map + 6 * MIB, src, 0, MIB + 1, 0),
		test_operation(OP_MEMSET, map + 7 * MIB + 5, NULL, 0x19, 1000,
			0),
		test_operation(OP_MEMMOVE, map + 5 * MIB + 64, map + 5 * MIB, 0,
			pg + 100, 0),
	};
	test_shadow_pmem2_together(&f->sh, carrier, ops, ARRAY_SIZE(ops));

	/* into the carrier map itself: not our mover's map */
	dest = (char *)pmem2_map_get_address(carrier) + 10;
	fut = test_pmem2_op(carrier, OP_MEMCPY, dest, src, 0, 100);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	test_expect_pmem2_done(&fut, dest, VDM_ERROR_OUT_OF_RANGE);
	dest = map + f->file.size - 1;
	fut = test_pmem2_op(carrier, OP_MEMSET, dest, NULL, 0, 2);
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	test_expect_pmem2_done(&fut, dest, VDM_ERROR_OUT_OF_RANGE);
	test_shadow_check(&f->sh);

	free(src);
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

	struct vdm *vdm = vdm_pmem2_new(f->file.target, f->mode->nthreads);
	assert_non_null(vdm);
	char *dest = f->file.addr + MIB + 1;
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
	TEST_PRESTATE(test_invalid_flags, _mode),\
	TEST_PRESTATE(test_table, _mode),\
	TEST_PRESTATE(test_zero_length, _mode),\
	TEST_PRESTATE(test_split, _mode),\
	TEST_PRESTATE(test_many, _mode),\
	TEST_PRESTATE(test_pmem2_async, _mode),\
	TEST_PRESTATE(test_delete_finishes, _mode)

/*
 * main -- skips unless libpmem2 can map a file, then runs the tests
 * without threads and with two
 */
int
main(void)
{
	enum pmem2_granularity gran;

	if (test_file_probe(&gran) != 0)
		return 77;

	const struct CMUnitTest common_tests[] = {
		cmocka_unit_test(test_new_bad),
	};
	const struct CMUnitTest inline_tests[] = { TESTS(test_mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(test_mode_pool) };

	int failed = cmocka_run_group_tests_name("vdm_pmem2_new",
		common_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("pmem mover, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("pmem mover, 2 threads",
		pool_tests, NULL, NULL);
	return failed;
}
