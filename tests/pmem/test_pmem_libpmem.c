/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_libpmem.c -- the pmem mover for programs that map with libpmem
 * (vdm_pmem_new()), as a program links it: the shared libminiasync-pmem.
 *
 * The tests share a temporary file in /var/tmp mapped with
 * pmem_map_file(), and ordinary memory from aligned_alloc() (written back
 * with msync() as well, which succeeds).  After each operation every byte
 * of the file and of the ordinary buffer is compared with a shadow copy
 * that got the same operations through libc, so a byte written where it
 * must not be fails the test.  The durable tests then ask the kernel
 * whether every page an operation wrote is clean once its future completes
 * (/proc/self/pagemap and /proc/kpageflags, see test_pagemap.h), and check
 * that a plain store makes the probe report a dirty page: the control that
 * the check can fail.  They skip where the page flags cannot be read (they
 * need root) or where pmem_is_pmem() says the file is persistent memory
 * (its durability is not visible to the kernel).
 *
 * The test's own pmem_msync() stands in front of libpmem's, to count the
 * library's write-backs and to fail one, as an I/O error would.
 *
 * Every test runs with the mover's operations done on the polling thread
 * (no threads) and on two workers.  ctest runs it as libpmem finds the
 * file, and with PMEM_IS_PMEM_FORCE=1 (every range persistent memory:
 * stored with libpmem's functions and drained).  Skipped (77) where
 * libpmem cannot map a file in /var/tmp.
 */

#include <libminiasync-pmem.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_libpmem_file.h"
#include "test_pagemap.h"

/* room for an 8 MiB copy, with some to spare */
#define FILE_SIZE (9 * MIB)
/* the ordinary memory some operations write */
#define HEAP_SIZE (3 * MIB)
/* futures waited for at once */
#define MANY 64

struct fixture {
	const struct test_mode *mode;
	size_t page;
	char *file;		/* FILE_SIZE bytes, from pmem_map_file() */
	int is_pmem;		/* as pmem_map_file() said */
	unsigned char *file_shadow;	/* what the file must hold */
	char *heap;		/* HEAP_SIZE bytes of ordinary memory */
	unsigned char *heap_shadow;
	unsigned char *src;	/* FILE_SIZE bytes to copy from */
	struct test_mover m;
	struct test_shadow sh;	/* the file and the heap buffer */
};

/*
 * The test defines pmem_msync(), which the library's calls reach before
 * libpmem's: the executable comes first in symbol lookup, and the linker
 * puts the definition in its dynamic symbols as libpmem.so, on the link
 * line, defines it too.  It counts the calls and, when asked, fails the
 * next one as an I/O error would, without writing anything back;
 * otherwise it calls libpmem's.
 */
static int (*libpmem_msync)(const void *addr, size_t len);
static struct test_calls msync_calls = TEST_CALLS_INITIALIZER;

/*
 * pmem_msync -- libpmem's, counted, or failed when asked (default
 * visibility: the build hides symbols unless told)
 */
__attribute__((visibility("default"))) int
pmem_msync(const void *addr, size_t len)
{
	if (test_calls_add(&msync_calls, NULL, NULL)) {
		errno = EIO;
		return -1;
	}
	return libpmem_msync(addr, len);
}

/* the page-state probe, opened by main(); closed if it cannot be read */
static struct test_pagemap probe = { -1, -1, 0 };

/* the memory every test works on: made once, by main() */
static struct {
	char *file;
	int is_pmem;
	unsigned char *file_shadow;
	char *heap;
	unsigned char *heap_shadow;
	unsigned char *src;
} mem;

/*
 * mem_free -- frees what mem_new() made; fine on a part
 */
static void
mem_free(void)
{
	if (mem.file != NULL)
		(void) pmem_unmap(mem.file, FILE_SIZE);
	free(mem.file_shadow);
	free(mem.heap);
	free(mem.heap_shadow);
	free(mem.src);
	memset(&mem, 0, sizeof(mem));
}

/*
 * mem_new -- maps a fresh file and allocates the buffers; 0, or -1 with a
 * message and nothing left
 */
static int
mem_new(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	mem.file = test_libpmem_map(FILE_SIZE, &mem.is_pmem);
	if (mem.file == NULL)
		return -1;
	mem.file_shadow = malloc(FILE_SIZE);
	/* whole pages: the mover writes back the pages of a range, and
	 * libpmem's pmem_msync() asks valgrind whether every byte it is
	 * given is addressable */
	mem.heap = aligned_alloc(page, HEAP_SIZE);
	mem.heap_shadow = malloc(HEAP_SIZE);
	mem.src = malloc(FILE_SIZE);
	if (mem.file_shadow == NULL || mem.heap == NULL ||
			mem.heap_shadow == NULL || mem.src == NULL) {
		fprintf(stderr, "out of memory\n");
		mem_free();
		return -1;
	}
	test_fill(mem.heap, HEAP_SIZE, 4242);
	test_fill(mem.src, FILE_SIZE, 1234);
	return 0;
}

/*
 * setup -- makes the mover of the mode in the prestate; the shadows start
 * as what the file and the heap buffer hold (what the last test checked)
 */
static int
setup(void **state)
{
	const struct test_mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	f->page = (size_t)sysconf(_SC_PAGESIZE);
	f->file = mem.file;
	f->is_pmem = mem.is_pmem;
	f->file_shadow = mem.file_shadow;
	f->heap = mem.heap;
	f->heap_shadow = mem.heap_shadow;
	f->src = mem.src;
	memcpy(f->file_shadow, f->file, FILE_SIZE);
	memcpy(f->heap_shadow, f->heap, HEAP_SIZE);

	if (test_mover_init(&f->m, vdm_pmem_new(mode->nthreads),
			"vdm_pmem_new") != 0) {
		free(f);
		return -1;
	}
	test_shadow_init(&f->sh, &f->m, mode->name);
	test_shadow_add(&f->sh, "the file", f->file, f->file_shadow,
		FILE_SIZE);
	test_shadow_add(&f->sh, "the heap buffer", f->heap, f->heap_shadow,
		HEAP_SIZE);
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

	test_mover_fini(&f->m);
	free(f);
	return 0;
}

/*
 * test_new_bad -- vdm_pmem_new() refuses more than 256 threads; none, 1
 * and 2 are fine (256 would be too, but so many threads are slow to start
 * under valgrind), and leave errno as it was
 */
static void
test_new_bad(void **state)
{
	(void) state;

	errno = 0;
	assert_null(vdm_pmem_new(257));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdm_pmem_new(UINT_MAX));
	assert_int_equal(errno, EINVAL);

	static const unsigned ok[] = { 0, 1, 2 };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		/* errno as it was, made and deleted */
		errno = 4242;
		struct vdm *vdm = vdm_pmem_new(ok[i]);
		assert_non_null(vdm);
		assert_int_equal(errno, 4242);
		assert_int_equal(vdm->capabilities, VDM_F_MEM_DURABLE);
		vdm_delete(vdm);
		assert_int_equal(errno, 4242);
	}
}

/*
 * test_capabilities -- the mover says it makes copies durable, and no more;
 * its futures are asynchronous when it has workers
 */
static void
test_capabilities(void **state)
{
	struct fixture *f = *state;

	test_shadow_durable_mover(&f->sh, f->file + 100,
		f->mode->nthreads != 0);
}

/*
 * test_memcpy -- copies into the file from ordinary memory and from inside
 * the file, with each accepted flag, up to both ends of the file
 */
static void
test_memcpy(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	size_t n = 3 * pg + 100;

	static const uint64_t flags[] = {
		0, VDM_F_MEM_DURABLE, VDM_F_NO_CACHE_HINT,
		VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT,
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		test_shadow_op(&f->sh, OP_MEMCPY,
			f->file + (1 + 4 * i) * pg + 17 + i, f->src + 1000 * i,
			0, n, flags[i]);

	/* the first and the last byte of the file */
	test_shadow_op(&f->sh, OP_MEMCPY, f->file, f->src, 0, 1, 0);
	test_shadow_op(&f->sh, OP_MEMCPY, f->file + FILE_SIZE - 1, f->src + 1,
		0, 1, 0);

	/* from one place of the file to another */
	test_shadow_op(&f->sh, OP_MEMCPY, f->file + 40 * pg + 3,
		f->file + pg + 17, 0, 2 * pg, 0);
}

/*
 * test_memmove -- overlapping moves within the file, forwards and
 * backwards, small and large enough to be split if they did not overlap
 */
static void
test_memmove(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	char *base = f->file + 3 * pg;

	/* something to move */
	test_shadow_op(&f->sh, OP_MEMCPY, base, f->src, 0, 3 * MIB, 0);

	static const struct {
		size_t from;
		size_t to;
		size_t n;
	} moves[] = {
		{ 0, 700, 2 * 4096 + 5 },	/* forwards, overlapping */
		{ 1000, 1, 3 * 4096 },		/* backwards, overlapping */
		{ 0, 4096 + 64, 2 * MIB },	/* large, overlapping */
		{ 2 * MIB, 100, MIB / 2 },	/* apart */
	};
	for (size_t i = 0; i < ARRAY_SIZE(moves); i++)
		test_shadow_op(&f->sh, OP_MEMMOVE, base + moves[i].to,
			base + moves[i].from, 0, moves[i].n,
			i == 1 ? VDM_F_NO_CACHE_HINT : 0);
}

/*
 * test_memset -- sets of a byte, of pages but a byte at either end, and
 * of 2 MiB
 */
static void
test_memset(void **state)
{
	struct fixture *f = *state;

	static const struct {
		size_t off;
		size_t n;
		int c;
	} sets[] = {
		{ 5, 1, 0x11 },
		{ 4096 + 1, 2 * 4096 - 2, 0x5a },
		{ 3 * 4096 + 7, 2 * MIB, 0xa5 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		test_shadow_op(&f->sh, OP_MEMSET, f->file + sets[i].off, NULL,
			sets[i].c, sets[i].n, i == 2 ? VDM_F_NO_CACHE_HINT : 0);
}

/*
 * test_flush -- a flush of bytes stored with plain stores succeeds and
 * leaves them as they are
 */
static void
test_flush(void **state)
{
	struct fixture *f = *state;
	char *dest = f->file + 30 * f->page + 8;
	size_t n = 3 * f->page;

	memcpy(dest, f->src, n);
	memcpy(test_shadow_of(&f->sh, dest), f->src, n);
	test_shadow_op(&f->sh, OP_FLUSH, dest, NULL, 0, n, 0);
	test_shadow_op(&f->sh, OP_FLUSH, f->file + FILE_SIZE - 1, NULL, 0, 1,
		VDM_F_MEM_DURABLE);
}

/*
 * test_bad_input -- the mover's operations fail as every mover's do, and
 * write nothing
 */
static void
test_bad_input(void **state)
{
	struct fixture *f = *state;
	char *dest = f->file + 64;

	struct vdm_memcpy_output out = test_wait_memcpy(&f->m, dest, f->src, 10,
		1U << 7);
	assert_int_equal(out.result, VDM_ERROR_INVALID_FLAGS);
	assert_null(out.dest);
	out = test_wait_memcpy(&f->m, NULL, f->src, 10, 0);
	assert_int_equal(out.result, VDM_ERROR_INVALID_ARGUMENT);
	out = test_wait_memcpy(&f->m, dest, f->src, 0, 0);
	assert_int_equal(out.result, VDM_SUCCESS);

	/* the mover's own check, which libpmem2's futures reach */
	test_table_expect(f->m.vdm, test_operation(OP_MEMSET, dest, NULL, 1, 10,
		1U << 9), VDM_ERROR_INVALID_FLAGS);
	test_table_expect(f->m.vdm, test_operation(OP_MEMSET, NULL, NULL, 1, 10,
		0), VDM_ERROR_INVALID_ARGUMENT);
	test_shadow_check(&f->sh);
}

/*
 * test_table -- operations driven through the table as libpmem2 drives
 * them, into the file and into ordinary memory
 */
static void
test_table(void **state)
{
	struct fixture *f = *state;
	char *dests[] = { f->file + 3 * f->page + 1, f->heap + 77 };
	size_t n = 5000;

	for (size_t i = 0; i < 2; i++)
		test_shadow_table_op(&f->sh, test_operation(OP_MEMCPY, dests[i],
			f->src + i, 0, n, VDM_F_MEM_DURABLE));

	/* a split memset */
	test_shadow_table_op(&f->sh, test_operation(OP_MEMSET,
		f->file + MIB + 10, NULL, 0x42, 2 * MIB, VDM_F_NO_CACHE_HINT));
}

/*
 * test_split -- an 8 MiB copy, cut into pieces that different threads
 * store and write back when the mover has workers
 */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	test_shadow_op(&f->sh, OP_MEMCPY, f->file + 64 + 3, f->src + 1, 0,
		8 * MIB, 0);
}

/*
 * test_many -- MANY operations of every kind, into the file and into
 * ordinary memory, waited for together
 */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	struct vdm_operation ops[MANY];

	size_t file_off = 4 * pg;
	size_t heap_off = 8 * pg;

	/* what the memmoves move: plain stores, the shadow alike */
	memcpy(f->file + 7 * MIB, f->src + 99, 2 * MIB);
	memcpy(f->file_shadow + 7 * MIB, f->src + 99, 2 * MIB);

	for (unsigned i = 0; i < MANY; i++) {
		/* odd ones into ordinary memory; two large enough to split */
		size_t n = (i == 5 || i == 38) ? MIB + i : pg / 2 + 3 * i;
		size_t *off = i % 2 ? &heap_off : &file_off;
		char *dest = (i % 2 ? f->heap : f->file) + *off + i;
		*off += n + i + 64;

		/* copies from src, moves from a part of the file no operation
		 * writes */
		enum vdm_operation_type type = (enum vdm_operation_type)(i % 4);
		void *src = f->src + i;
		if (type == OP_MEMMOVE)
			src = f->file + 7 * MIB + i;
		ops[i] = test_operation(type, dest, src, (int)i, n, 0);
		test_op_apply(type, test_shadow_of(&f->sh, dest),
			type == OP_MEMMOVE ? test_shadow_of(&f->sh, src) : src,
			(int)i, n);
	}
	/* no destination reaches the memmoves' sources, nor out */
	assert_true(file_off < 7 * MIB);
	assert_true(heap_off < HEAP_SIZE);

	test_wait_together(&f->m, ops, MANY, VDM_SUCCESS);
	test_shadow_check(&f->sh);
}

/*
 * test_small_blocks -- copies into small heap blocks that start and end
 * inside a page, one at a time and several waited together: the
 * write-back is handed only bytes that were written (under valgrind, a
 * write-back of the whole page would touch memory no block owns)
 */
static void
test_small_blocks(void **state)
{
	struct fixture *f = *state;
	char *b[4];
	struct vdm_memcpy_future fut[4];
	struct future *futs[4];

	for (int i = 0; i < 4; i++) {
		b[i] = malloc(100);
		assert_non_null(b[i]);
		struct vdm_memcpy_output out = test_wait_memcpy(&f->m,
			b[i] + 50, f->src + i, 10, 0);
		assert_int_equal(out.result, VDM_SUCCESS);
		assert_memory_equal(b[i] + 50, f->src + i, 10);
	}
	for (int i = 0; i < 4; i++) {
		fut[i] = vdm_memcpy(f->m.vdm, b[i] + 20, f->src + 40 + i, 30,
			0);
		futs[i] = FUTURE_AS_RUNNABLE(&fut[i]);
	}
	runtime_wait_multiple(f->m.rt, futs, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(FUTURE_OUTPUT(&fut[i])->result, VDM_SUCCESS);
		assert_memory_equal(b[i] + 20, f->src + 40 + i, 30);
		free(b[i]);
	}
	test_shadow_check(&f->sh);
}

/*
 * test_heap -- every operation into ordinary memory (malloc): written back
 * with msync() like a file, which succeeds
 */
static void
test_heap(void **state)
{
	struct fixture *f = *state;
	char *h = f->heap;

	test_shadow_op(&f->sh, OP_MEMCPY, h + 5, f->src, 0, 10000, 0);
	/* large enough to be split among the workers */
	test_shadow_op(&f->sh, OP_MEMCPY, h + 20000, f->src + 3, 0, 2 * MIB, 0);
	test_shadow_op(&f->sh, OP_MEMMOVE, h + 100, h + 5, 0, 9000, 0);
	test_shadow_op(&f->sh, OP_MEMSET, h + 30, NULL, 0x3c, 7000,
		VDM_F_NO_CACHE_HINT);
	test_shadow_op(&f->sh, OP_FLUSH, h + HEAP_SIZE - 4097, NULL, 0, 4097,
		0);
	/* the last byte of the buffer */
	test_shadow_op(&f->sh, OP_MEMSET, h + HEAP_SIZE - 1, NULL, 0x7e, 1, 0);
}

/*
 * test_delete_finishes -- an operation polled once (stored and, without
 * threads, waiting for its write-back; with threads, queued) is done once
 * vdm_delete() of its mover returns
 */
static void
test_delete_finishes(void **state)
{
	struct fixture *f = *state;
	char *dest = f->file + MIB + 1;
	size_t n = 4 * MIB;

	struct vdm *vdm = vdm_pmem_new(f->mode->nthreads);
	assert_non_null(vdm);
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, f->src + 9, n,
		0);
	(void) future_poll(FUTURE_AS_RUNNABLE(&fut), NULL);
	/* the future is not polled again: the mover is gone */
	vdm_delete(vdm);

	memcpy(test_shadow_of(&f->sh, dest), f->src + 9, n);
	test_shadow_check(&f->sh);
}

/*
 * test_write_back_fails -- a pmem_msync() that fails ends its operation
 * with VDM_ERROR_IO and a NULL pointer, its bytes stored; every later
 * operation of the mover that writes back, through vdm futures and
 * through the table, fails so too; another mover works, and futures
 * waited for together whose write-back failed all fail
 */
static void
test_write_back_fails(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	char *a = f->file + 5 * pg + 9;
	size_t n = 2 * pg;

	if (f->is_pmem) {
		print_message("pmem_is_pmem() says the file is persistent "
			"memory: it is not written back; skipped\n");
		skip();
	}

	/* the control: the library's write-backs reach pmem_msync() here */
	test_calls_reset(&msync_calls, 0);
	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, a, f->src, n, 0);
	memcpy(test_shadow_of(&f->sh, a), f->src, n);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_true(test_calls_count(&msync_calls) >= 1);

	test_calls_reset(&msync_calls, 1);
	cpy = test_wait_memcpy(&f->m, a, f->src + 1, n, 0);
	memcpy(test_shadow_of(&f->sh, a), f->src + 1, n);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	assert_null(cpy.dest);
	assert_int_equal(test_calls_count(&msync_calls), 1);
	test_shadow_check(&f->sh);

	/* sticky: no pmem_msync() fails any more, the operations do */
	test_calls_reset(&msync_calls, 0);
	char *b = f->heap + 3 * pg + 1;
	struct vdm_memset_output set = test_wait_memset(&f->m, b, 0x44, n, 0);
	memset(test_shadow_of(&f->sh, b), 0x44, n);
	assert_int_equal(set.result, VDM_ERROR_IO);
	assert_null(set.str);
	struct vdm_operation_output out = test_table_memcpy(f->m.vdm, a,
		f->src + 2, n, VDM_F_MEM_DURABLE);
	memcpy(test_shadow_of(&f->sh, a), f->src + 2, n);
	assert_int_equal(out.result, VDM_ERROR_IO);
	test_shadow_check(&f->sh);

	/* another mover works, and fails as the first did */
	struct test_mover other = { vdm_pmem_new(f->mode->nthreads), f->m.rt };
	assert_non_null(other.vdm);
	cpy = test_wait_memcpy(&other, a, f->src + 3, n, 0);
	memcpy(test_shadow_of(&f->sh, a), f->src + 3, n);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.dest, a);

	test_calls_reset(&msync_calls, 1);
	struct vdm_operation ops[8];
	for (unsigned i = 0; i < 8; i++) {
		char *dest = f->file + (20 + 3 * i) * pg;
		ops[i] = test_operation(OP_MEMCPY, dest, f->src + i, 0, pg, 0);
		memcpy(test_shadow_of(&f->sh, dest), f->src + i, pg);
	}
	test_wait_together(&other, ops, 8, VDM_ERROR_IO);
	vdm_delete(other.vdm);
	test_shadow_check(&f->sh);
}

/*
 * durable_ready -- skips the test unless the probe can tell whether the
 * file's pages are durable
 */
static void
durable_ready(struct fixture *f)
{
	if (probe.pagemap_fd < 0) {
		print_message("the page flags are not readable: skipped\n");
		skip();
	}
	if (f->is_pmem) {
		print_message("pmem_is_pmem() says the file is persistent "
			"memory: its pages are never written back; "
			"skipped\n");
		skip();
	}
}

/*
 * check_clean -- every page of [p, p + n) must be clean: what the kernel
 * holds of it is in the file
 */
static void
check_clean(struct fixture *f, const void *p, size_t n, const char *what)
{
	test_expect_clean(&probe, f->file, p, n, what, f->mode->name);
}

/*
 * expect_durable_op -- expect_op(), and every page the operation wrote is
 * clean once it completed; then the control
 */
static void
expect_durable_op(struct fixture *f, enum vdm_operation_type type,
	char *dest, void *src, int c, size_t n, uint64_t flags,
	const char *what)
{
	test_shadow_op(&f->sh, type, dest, src, c, n, flags);
	check_clean(f, dest, n, what);
	test_expect_dirtied(&probe, dest, n);
}

/*
 * test_durable_ops -- memcpy (with and without non-temporal stores),
 * memmove, memset and flush: every page each wrote is clean once its
 * future completes
 */
static void
test_durable_ops(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;

	durable_ready(f);

	for (unsigned i = 0; i < 2; i++)
		expect_durable_op(f, OP_MEMCPY, f->file + (1 + 5 * i) * pg + 17,
			f->src + i, 0, 3 * pg + 100,
			i ? VDM_F_NO_CACHE_HINT : 0, "memcpy");

	char *from = f->file + 20 * pg;
	memcpy(from, f->src, 2 * pg + 5);
	memcpy(test_shadow_of(&f->sh, from), f->src, 2 * pg + 5);
	expect_durable_op(f, OP_MEMMOVE, from + 700, from, 0, 2 * pg + 5, 0,
		"memmove");

	expect_durable_op(f, OP_MEMSET, f->file + 30 * pg + 1, NULL, 0x5a,
		2 * pg - 2, 0, "memset");

	/* pages dirtied with plain stores are clean once a flush of their
	 * range completes */
	char *dest = f->file + 40 * pg + 8;
	size_t n = 3 * pg;
	memcpy(dest, f->src + 7, n);
	memcpy(test_shadow_of(&f->sh, dest), f->src + 7, n);
	assert_int_equal(test_range_state(&probe, dest, n, NULL),
		TEST_PAGE_DIRTY);
	expect_durable_op(f, OP_FLUSH, dest, NULL, 0, n, 0, "flush");
}

/*
 * test_durable_split -- an 8 MiB copy: every page is clean once it
 * completes, whichever thread stored it
 */
static void
test_durable_split(void **state)
{
	struct fixture *f = *state;
	size_t n = 8 * MIB;
	char *dest = f->file + 64 + 3;

	durable_ready(f);
	test_shadow_op(&f->sh, OP_MEMCPY, dest, f->src, 0, n, 0);
	check_clean(f, dest, n, "8 MiB memcpy");
	test_expect_dirtied(&probe, dest + n / 2, n / 2);
}

/*
 * test_durable_many -- MANY copies waited for together: every range is
 * clean once all are complete
 */
static void
test_durable_many(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	struct vdm_operation ops[MANY];

	durable_ready(f);
	for (unsigned i = 0; i < MANY; i++) {
		char *dest = f->file + (8 + 3 * i) * pg + i;
		ops[i] = test_operation(OP_MEMCPY, dest, f->src + i, 0,
			pg + 10 * i, 0);
		memcpy(test_shadow_of(&f->sh, dest), f->src + i, pg + 10 * i);
	}
	test_wait_together(&f->m, ops, MANY, VDM_SUCCESS);
	for (unsigned i = 0; i < MANY; i++)
		check_clean(f, test_operation_args(&ops[i]).dest, pg + 10 * i,
			"one of many memcpys");
	test_shadow_check(&f->sh);
	test_expect_dirtied(&probe, f->file + 8 * pg, pg);
}

/*
 * test_durable_table -- an operation driven through the table as libpmem2
 * drives it: its pages are clean once op_check says it is complete
 */
static void
test_durable_table(void **state)
{
	struct fixture *f = *state;
	char *dest = f->file + 12 * f->page + 1;
	size_t n = 2 * f->page;
	struct vdm_operation op = test_operation(OP_MEMCPY, dest, f->src, 0, n,
		0);

	durable_ready(f);
	void *data = test_table_start(f->m.vdm, &op);
	while (f->m.vdm->op_check(data, &op) != FUTURE_STATE_COMPLETE)
		(void) sched_yield();
	check_clean(f, dest, n, "memcpy through the table");
	struct vdm_operation_output out = test_table_finish(f->m.vdm, data,
		&op);
	assert_int_equal(out.result, VDM_SUCCESS);
	memcpy(test_shadow_of(&f->sh, dest), f->src, n);
	test_shadow_check(&f->sh);
	test_expect_dirtied(&probe, dest, n);
}

/*
 * test_durable_delete -- an operation polled once is durable once
 * vdm_delete() of its mover returns
 */
static void
test_durable_delete(void **state)
{
	struct fixture *f = *state;
	char *dest = f->file + 70 * f->page + 5;
	size_t n = 3 * f->page;

	durable_ready(f);
	struct vdm *vdm = vdm_pmem_new(f->mode->nthreads);
	assert_non_null(vdm);
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, f->src + 3, n,
		0);
	(void) future_poll(FUTURE_AS_RUNNABLE(&fut), NULL);
	vdm_delete(vdm);

	check_clean(f, dest, n, "memcpy before vdm_delete()");
	memcpy(test_shadow_of(&f->sh, dest), f->src + 3, n);
	test_shadow_check(&f->sh);
	test_expect_dirtied(&probe, dest, n);
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
	TEST_PRESTATE(test_bad_input, _mode),\
	TEST_PRESTATE(test_table, _mode),\
	TEST_PRESTATE(test_split, _mode),\
	TEST_PRESTATE(test_many, _mode),\
	TEST_PRESTATE(test_small_blocks, _mode),\
	TEST_PRESTATE(test_heap, _mode),\
	TEST_PRESTATE(test_delete_finishes, _mode),\
	TEST_PRESTATE(test_write_back_fails, _mode),\
	TEST_PRESTATE(test_durable_ops, _mode),\
	TEST_PRESTATE(test_durable_split, _mode),\
	TEST_PRESTATE(test_durable_many, _mode),\
	TEST_PRESTATE(test_durable_table, _mode),\
	TEST_PRESTATE(test_durable_delete, _mode)

/*
 * main -- skips unless libpmem can map a file in /var/tmp, opens the page
 * probe if it can, then runs the tests without threads and with two
 */
int
main(void)
{
	void *sym = dlsym(RTLD_NEXT, "pmem_msync");
	if (sym == NULL) {
		fprintf(stderr, "no pmem_msync() in libpmem: %s\n",
			dlerror());
		return 1;
	}
	memcpy(&libpmem_msync, &sym, sizeof(sym));

	if (mem_new() != 0) {
		fprintf(stderr, "libpmem cannot map a file in /var/tmp: "
			"skipped\n");
		return 77;
	}
	fprintf(stderr, "pmem_is_pmem() of the file: %d\n", mem.is_pmem);

	if (test_pagemap_open(&probe) != 0)
		fprintf(stderr, "/proc/self/pagemap or /proc/kpageflags not "
			"readable (%s; the page flags need root): the durable "
			"tests skip\n", strerror(errno));

	const struct CMUnitTest common_tests[] = {
		cmocka_unit_test(test_new_bad),
	};
	const struct CMUnitTest inline_tests[] = { TESTS(test_mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(test_mode_pool) };

	int failed = cmocka_run_group_tests_name("vdm_pmem_new",
		common_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("libpmem mover, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("libpmem mover, 2 threads",
		pool_tests, NULL, NULL);

	test_pagemap_close(&probe);
	mem_free();
	return failed;
}
