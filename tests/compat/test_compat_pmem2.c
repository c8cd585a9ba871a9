/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_compat_pmem2.c -- libpmem2's asynchronous API (pmem2_memcpy_async() and
 * friends, built against the miniasync 0.2 layout) driven by our headers,
 * our runtime and, through pmem2_config_set_vdm(), our movers
 *
 * Each test runs with libpmem2's own mover and with ours: the synchronous
 * mover from vdm_new(), and, as PMDK 1.12 programs make them, the
 * synchronous mover from data_mover_sync_new() and a thread pool from
 * data_mover_threads_new().  Every byte
 * of the mapped file is compared with a shadow copy that receives the same
 * operations through libc.  For a map of PAGE granularity the test also asks
 * the kernel whether the written pages are clean once a future is complete:
 * a mover with no capabilities makes libpmem2 chain its own persist step
 * (msync) after the operation, and that step must have run.  A plain store
 * into the map serves as the control that the check does see dirty pages.
 */

#include "test_pmem2_file.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_pagemap.h"
#include "test_pmem2_future.h"

/* the mapped file, in pages */
#define FILE_PAGES 16

/* the movers a map may get */
enum mover_kind {
	MOVER_LIBPMEM2,		/* libpmem2's default mover: none of ours */
	MOVER_VDM_NEW,		/* vdm_new(vdm_descriptor_synchronous()) */
	MOVER_DATA_MOVER_SYNC,	/* data_mover_sync_new() */
	MOVER_DATA_MOVER_THREADS,	/* data_mover_threads_new(2, 64, waker) */
};

/* which mover the maps of a test use */
struct mode {
	const char *name;
	enum mover_kind own_mover;
};

static struct mode mode_default = {
	"libpmem2 default mover", MOVER_LIBPMEM2
};
static struct mode mode_sync = {
	"libminiasync synchronous mover", MOVER_VDM_NEW
};
static struct mode mode_dms = {
	"data_mover_sync_new()", MOVER_DATA_MOVER_SYNC
};
static struct mode mode_dmt = {
	"data_mover_threads_new()", MOVER_DATA_MOVER_THREADS
};

/* what a test works on */
struct fixture {
	const struct mode *mode;
	struct test_file file;	/* its target map: the whole file */
	struct test_mover m;	/* our mover, if any, and a runtime */
	struct data_mover_sync *dms;
	struct data_mover_threads *dmt;
	unsigned char *shadow;	/* what the file must hold */
	struct test_shadow sh;	/* the file */
};

/* the page-state probe, shared by all tests; probe_ok is 0 when unavailable */
static struct test_pagemap pagemap = { -1, -1, 0 };
static int probe_ok;

/*
 * page_probe_open -- opens the kernel's page tables and page flags; without
 * them (not root, or no /proc) the durability checks are skipped
 */
static void
page_probe_open(void)
{
	if (test_pagemap_open(&pagemap) == 0) {
		probe_ok = 1;
		return;
	}

	fprintf(stderr, "note: /proc/self/pagemap or /proc/kpageflags not "
		"readable (%s): the dirty-page checks are skipped\n",
		strerror(errno));
}

/*
 * page_probe_close -- closes what page_probe_open() opened
 */
static void
page_probe_close(void)
{
	test_pagemap_close(&pagemap);
	probe_ok = 0;
}

/*
 * page_is_dirty -- 1 if the page holding addr is dirty or under writeback,
 * 0 if it is clean, -1 if the probe cannot say (it then turns itself off)
 */
static int
page_is_dirty(const void *addr)
{
	if (!probe_ok)
		return -1;

	enum test_page_state state = test_page_state(&pagemap, addr);

	/* a page that was just written is present */
	assert_int_not_equal(state, TEST_PAGE_ABSENT);
	if (state == TEST_PAGE_UNKNOWN) {
		fprintf(stderr, "note: page flags not readable: the "
			"dirty-page checks are skipped from here on\n");
		page_probe_close();
		return -1;
	}
	return state == TEST_PAGE_DIRTY;
}

/*
 * check_durable -- on a PAGE map, every page of [ptr, ptr + n) must be
 * clean: written back to the file, which is what durable means there
 */
static void
check_durable(struct fixture *f, const void *ptr, size_t n)
{
	if (f->file.gran != PMEM2_GRANULARITY_PAGE || n == 0)
		return;

	uintptr_t first = (uintptr_t)ptr / f->file.page * f->file.page;
	uintptr_t end = (uintptr_t)ptr + n;

	for (uintptr_t p = first; p < end; p += f->file.page) {
		int dirty = page_is_dirty((const void *)p);
		if (dirty < 0)
			return;
		if (dirty)
			fail_msg("page at offset %zu is dirty after its "
				"future completed (%s)",
				(size_t)(p - (uintptr_t)f->file.addr),
				f->mode->name);
	}
}

/*
 * mover_delete -- deletes the mover of a fixture, as it was made
 */
static void
mover_delete(struct fixture *f)
{
	if (f->dms != NULL)
		data_mover_sync_delete(f->dms);
	else if (f->dmt != NULL)
		data_mover_threads_delete(f->dmt);
	else
		vdm_delete(f->m.vdm);
	f->dms = NULL;
	f->dmt = NULL;
	f->m.vdm = NULL;
}

/*
 * map_file -- maps a fresh file in /var/tmp with the mover of mode; returns
 * 0, or -1 with a message if libpmem2 cannot map it (nothing is left open)
 */
static int
map_file(struct fixture *f, const struct mode *mode)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	switch (mode->own_mover) {
	case MOVER_LIBPMEM2:
		break;
	case MOVER_DATA_MOVER_SYNC:
		f->dms = data_mover_sync_new();
		f->m.vdm = data_mover_sync_get_vdm(f->dms);
		break;
	case MOVER_DATA_MOVER_THREADS:
		f->dmt = data_mover_threads_new(2, 64, FUTURE_NOTIFIER_WAKER);
		f->m.vdm = data_mover_threads_get_vdm(f->dmt);
		break;
	default:
		f->m.vdm = vdm_new(vdm_descriptor_synchronous());
		break;
	}
	if (mode->own_mover != MOVER_LIBPMEM2 && f->m.vdm == NULL) {
		fprintf(stderr, "%s: %s\n", mode->name, strerror(errno));
		mover_delete(f);
		return -1;
	}

	if (test_file_open_map(&f->file,
			FILE_PAGES * (size_t)sysconf(_SC_PAGESIZE),
			f->m.vdm) != 0) {
		mover_delete(f);
		return -1;
	}
	return 0;
}

/*
 * unmap_file -- undoes map_file()
 */
static void
unmap_file(struct fixture *f)
{
	assert_int_equal(test_file_close(&f->file), 0);
	/* the map is gone: the mover may go too */
	mover_delete(f);
}

/*
 * setup -- maps a file with the mover the test's prestate names
 */
static int
setup(void **state)
{
	const struct mode *mode = *state;
	struct fixture *f = malloc(sizeof(*f));

	if (f == NULL)
		return -1;
	if (map_file(f, mode) != 0) {
		free(f);
		return -1;
	}

	f->shadow = calloc(1, f->file.size);
	f->m.rt = runtime_new();
	if (f->shadow == NULL || f->m.rt == NULL) {
		free(f->shadow);
		runtime_delete(f->m.rt);
		unmap_file(f);
		free(f);
		return -1;
	}
	test_shadow_init(&f->sh, &f->m, mode->name);
	test_shadow_add(&f->sh, "the file", f->file.addr, f->shadow,
		f->file.size);

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

	runtime_delete(f->m.rt);
	unmap_file(f);
	free(f->shadow);
	free(f);
	return 0;
}

/*
 * test_each -- memcpy, overlapping memmoves both ways and memset, each
 * waited for on its own with runtime_wait()
 */
static void
test_each(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	size_t n = 2 * pg + 300;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 7);

	struct pmem2_map *map = f->file.target;
	char *a = f->file.addr;

	/* memcpy from ordinary memory into pages 1..3 */
	test_shadow_pmem2_op(&f->sh, map, OP_MEMCPY, a + pg + 17, src, 0, n);
	check_durable(f, a + pg + 17, n);

	/* memmove forward, the ranges overlapping by most of a page */
	test_shadow_pmem2_op(&f->sh, map, OP_MEMMOVE, a + pg + 17 + 123,
		a + pg + 17, 0, pg);
	check_durable(f, a + pg + 17 + 123, pg);

	/* memmove backward, across a page boundary */
	test_shadow_pmem2_op(&f->sh, map, OP_MEMMOVE, a + 2 * pg + 5,
		a + 2 * pg + 705, 0, pg + 50);
	check_durable(f, a + 2 * pg + 5, pg + 50);

	/* memset of pages 5..6, but for a byte at either end */
	test_shadow_pmem2_op(&f->sh, map, OP_MEMSET, a + 5 * pg + 1, NULL,
		0xa5, 2 * pg - 2);
	check_durable(f, a + 5 * pg + 1, 2 * pg - 2);

	free(src);
}

/*
 * test_multiple -- a memcpy, a memset and an overlapping memmove on
 * disjoint ranges, all waited for at once with runtime_wait_multiple()
 */
static void
test_multiple(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	size_t n = 2 * pg - 3;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 99);

	/* the memmove's source, pages 11..12, gets content first */
	char *seed = f->file.addr + 11 * pg;
	test_shadow_pmem2_op(&f->sh, f->file.target, OP_MEMCPY, seed, src, 0,
		pg + 200);

	char *cpy = f->file.addr + 8 * pg;
	char *set = f->file.addr + 10 * pg + 7;
	char *mov = f->file.addr + 11 * pg + 64;
	struct vdm_operation ops[] = {
		test_operation(OP_MEMCPY, cpy, src, 0, n, 0),
		test_operation(OP_MEMSET, set, NULL, 0x3c, 1000, 0),
		test_operation(OP_MEMMOVE, mov, seed, 0, pg + 100, 0),
	};
	test_shadow_pmem2_together(&f->sh, f->file.target, ops,
		ARRAY_SIZE(ops));
	check_durable(f, cpy, n);
	check_durable(f, set, 1000);
	check_durable(f, mov, pg + 100);

	free(src);
}

/*
 * test_persist_step -- the capabilities trap: libpmem2 skips its own
 * persist step on a CACHE_LINE map when the mover claims any capability.
 * Ours claims none, so libpmem2 must chain the persist step after the
 * operation on any map that is not BYTE granular; libpmem2's own mover,
 * which makes durable copies, gets none on a CACHE_LINE map (the control
 * that the check can tell the two apart).  On a PAGE map the step is
 * always there; the dirty-page check then proves it ran.
 */
static void
test_persist_step(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *dst = f->file.addr + 13 * pg + 40;

	struct pmem2_future fut = pmem2_memset_async(f->file.target, dst, 0x5a,
		pg, 0);
	int persist_step = !(fut.data.op.flags & FUTURE_CHAIN_FLAG_ENTRY_LAST);

	if (f->mode->own_mover != MOVER_LIBPMEM2) {
		assert_int_equal(f->m.vdm->capabilities, 0);
		assert_false(vdm_is_supported(f->m.vdm, VDM_F_MEM_DURABLE));
		if (f->file.gran != PMEM2_GRANULARITY_BYTE)
			assert_true(persist_step);
	} else if (f->file.gran == PMEM2_GRANULARITY_CACHE_LINE) {
		assert_false(persist_step);
	}
	if (f->file.gran == PMEM2_GRANULARITY_PAGE)
		assert_true(persist_step);

	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	test_expect_pmem2_done(&fut, dst, VDM_SUCCESS);
	test_shadow_apply(&f->sh, OP_MEMSET, dst, NULL, 0x5a, pg);
	test_shadow_check(&f->sh);
	check_durable(f, dst, pg);
}

/*
 * test_dirty_control -- the dirty-page check does fail: a page a future
 * left clean and a page never written before, both written with plain
 * stores, read as dirty
 */
static void
test_dirty_control(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;

	if (f->file.gran != PMEM2_GRANULARITY_PAGE) {
		fprintf(stderr, "note: not a PAGE map, no dirty-page "
			"control\n");
		return;
	}

	char *dst = f->file.addr + 3 * pg;
	test_shadow_pmem2_op(&f->sh, f->file.target, OP_MEMSET, dst, NULL,
		0x11, pg);
	check_durable(f, dst, pg);

	int before = page_is_dirty(dst);
	if (before < 0)
		return;
	assert_int_equal(before, 0);

	/* plain stores, no persist: both pages stay dirty */
	memset(dst + 10, 0x22, 100);
	memset(f->shadow + 3 * pg + 10, 0x22, 100);
	memcpy(f->file.addr + 15 * pg, "not persisted", 14);
	memcpy(f->shadow + 15 * pg, "not persisted", 14);

	assert_int_equal(page_is_dirty(dst), 1);
	assert_int_equal(page_is_dirty(f->file.addr + 15 * pg), 1);
	test_shadow_check(&f->sh);
}

/*
 * test_pool_map_fns -- a thread pool given the map's own functions
 * (data_mover_threads_set_memcpy_fn() and siblings, with
 * pmem2_get_memcpy_fn() and friends) stores as libpmem2 does: on a PAGE
 * map, the pages of a copy, move or fill the pool completes are clean at
 * once, though no persist step follows (vdm_memcpy() on the pool itself);
 * the control: the same copy with the pool's own functions leaves them
 * dirty.  The bytes are checked on every map.
 */
static void
test_pool_map_fns(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	size_t n = 3 * pg;

	if (f->dmt == NULL)
		return;
	unsigned char *src = malloc(n);
	assert_non_null(src);
	test_fill(src, n, 11);

	data_mover_threads_set_memcpy_fn(f->dmt,
		pmem2_get_memcpy_fn(f->file.target));
	data_mover_threads_set_memmove_fn(f->dmt,
		pmem2_get_memmove_fn(f->file.target));
	data_mover_threads_set_memset_fn(f->dmt,
		pmem2_get_memset_fn(f->file.target));

	char *dst = f->file.addr + 4 * pg + 9;
	test_shadow_op(&f->sh, OP_MEMCPY, dst, src, 0, n, 0);
	check_durable(f, dst, n);
	test_shadow_op(&f->sh, OP_MEMMOVE, dst + 100, dst, 0, pg, 0);
	check_durable(f, dst + 100, pg);
	test_shadow_op(&f->sh, OP_MEMSET, dst, NULL, 0x3c, n, 0);
	check_durable(f, dst, n);

	/* the pool's own functions: the pages stay dirty */
	data_mover_threads_set_memcpy_fn(f->dmt, NULL);
	data_mover_threads_set_memmove_fn(f->dmt, NULL);
	data_mover_threads_set_memset_fn(f->dmt, NULL);
	dst = f->file.addr + 9 * pg;
	test_shadow_op(&f->sh, OP_MEMCPY, dst, src, 0, n, 0);
	if (f->file.gran == PMEM2_GRANULARITY_PAGE && page_is_dirty(dst) >= 0)
		assert_int_equal(page_is_dirty(dst), 1);

	free(src);
}

/*
 * TESTS -- the tests, with the mover _mode
 */
#define TESTS(_mode)\
	TEST_PRESTATE(test_each, _mode),\
	TEST_PRESTATE(test_multiple, _mode),\
	TEST_PRESTATE(test_persist_step, _mode),\
	TEST_PRESTATE(test_dirty_control, _mode),\
	TEST_PRESTATE(test_pool_map_fns, _mode)

/*
 * main -- skips unless libpmem2 can map a file, then runs the tests with
 * each mover
 */
int
main(void)
{
	/* a system where libpmem2 cannot map a file cannot run this test */
	enum pmem2_granularity gran;
	if (test_file_probe(&gran) != 0)
		return 77;

	page_probe_open();

	const struct CMUnitTest default_tests[] = { TESTS(mode_default) };
	const struct CMUnitTest sync_tests[] = { TESTS(mode_sync) };
	const struct CMUnitTest dms_tests[] = { TESTS(mode_dms) };
	const struct CMUnitTest dmt_tests[] = { TESTS(mode_dmt) };

	int failed = cmocka_run_group_tests_name(mode_default.name,
		default_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name(mode_sync.name, sync_tests,
		NULL, NULL);
	failed += cmocka_run_group_tests_name(mode_dms.name, dms_tests,
		NULL, NULL);
	failed += cmocka_run_group_tests_name(mode_dmt.name, dmt_tests,
		NULL, NULL);

	page_probe_close();
	return failed;
}
