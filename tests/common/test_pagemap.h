/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pagemap.h -- asks the kernel whether the pages of a mapped file are
 * clean: /proc/self/pagemap gives the page frame behind an address,
 * /proc/kpageflags the flags of that frame (see the kernel's
 * Documentation/admin-guide/mm/pagemap.rst).  A page of a file mapping is
 * durable once it is neither dirty nor under writeback.  Reading the frame
 * numbers and their flags takes CAP_SYS_ADMIN (root); without it the probe
 * does not open.  Include after <cmocka.h>: test_expect_clean() and
 * test_expect_dirtied() fail the test through it.
 */

#ifndef TEST_PAGEMAP_H
#define TEST_PAGEMAP_H 1

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

/* kpageflags bits */
#define TEST_KPF_DIRTY		(((uint64_t)1) << 4)
#define TEST_KPF_WRITEBACK	(((uint64_t)1) << 8)
/* a pagemap entry: page present, and the page frame number */
#define TEST_PAGEMAP_PRESENT	(((uint64_t)1) << 63)
#define TEST_PAGEMAP_PFN_MASK	((((uint64_t)1) << 55) - 1)

/* what the kernel says of a page (or, for a range, of its worst page) */
enum test_page_state {
	TEST_PAGE_UNKNOWN = -1,	/* the probe cannot say */
	TEST_PAGE_CLEAN = 0,	/* present, neither dirty nor in writeback */
	TEST_PAGE_DIRTY = 1,	/* dirty or under writeback */
	TEST_PAGE_ABSENT = 2,	/* no page behind the address */
};

struct test_pagemap {
	int pagemap_fd;
	int kpageflags_fd;
	size_t page;
};

/*
 * test_pagemap_close -- closes what test_pagemap_open() opened; fine on a
 * probe that did not open
 */
static inline void
test_pagemap_close(struct test_pagemap *pm)
{
	if (pm->pagemap_fd >= 0)
		(void) close(pm->pagemap_fd);
	if (pm->kpageflags_fd >= 0)
		(void) close(pm->kpageflags_fd);
	pm->pagemap_fd = -1;
	pm->kpageflags_fd = -1;
}

/*
 * test_page_state -- the state of the page that holds addr
 */
static inline enum test_page_state
test_page_state(const struct test_pagemap *pm, const void *addr)
{
	uint64_t entry = 0;
	uint64_t flags = 0;
	off_t at = (off_t)((uintptr_t)addr / pm->page * sizeof(entry));

	if (pm->pagemap_fd < 0 || pread(pm->pagemap_fd, &entry,
			sizeof(entry), at) != (ssize_t)sizeof(entry))
		return TEST_PAGE_UNKNOWN;
	if (!(entry & TEST_PAGEMAP_PRESENT))
		return TEST_PAGE_ABSENT;

	/* without CAP_SYS_ADMIN the kernel hides the frame number */
	uint64_t pfn = entry & TEST_PAGEMAP_PFN_MASK;
	if (pfn == 0)
		return TEST_PAGE_UNKNOWN;

	if (pread(pm->kpageflags_fd, &flags, sizeof(flags),
			(off_t)(pfn * sizeof(flags))) != (ssize_t)sizeof(flags))
		return TEST_PAGE_UNKNOWN;

	return (flags & (TEST_KPF_DIRTY | TEST_KPF_WRITEBACK)) ?
		TEST_PAGE_DIRTY : TEST_PAGE_CLEAN;
}

/*
 * test_pagemap_open -- opens the probe and checks that it sees frame
 * numbers (on the page of *pm, just written); 0, or -1 with errno set and
 * nothing left open
 */
static inline int
test_pagemap_open(struct test_pagemap *pm)
{
	pm->page = (size_t)sysconf(_SC_PAGESIZE);
	pm->pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	pm->kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	if (pm->pagemap_fd < 0 || pm->kpageflags_fd < 0) {
		int err = errno;
		test_pagemap_close(pm);
		errno = err;
		return -1;
	}

	if (test_page_state(pm, pm) == TEST_PAGE_UNKNOWN) {
		test_pagemap_close(pm);
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * test_range_state -- the state of the pages that hold [addr, addr + n):
 * DIRTY (and *where, the first byte of the first such page) if one is
 * dirty, else ABSENT if one is absent, else UNKNOWN if the probe cannot
 * say, else CLEAN (so too for n == 0)
 */
static inline enum test_page_state
test_range_state(const struct test_pagemap *pm, const void *addr, size_t n,
	const void **where)
{
	enum test_page_state worst = TEST_PAGE_CLEAN;

	if (n == 0)
		return TEST_PAGE_CLEAN;

	uintptr_t end = (uintptr_t)addr + n;
	for (uintptr_t p = (uintptr_t)addr / pm->page * pm->page; p < end;
			p += pm->page) {
		enum test_page_state s = test_page_state(pm, (const void *)p);
		if (s == TEST_PAGE_DIRTY) {
			if (where != NULL)
				*where = (const void *)p;
			return s;
		}
		if (s == TEST_PAGE_ABSENT ||
				(s == TEST_PAGE_UNKNOWN &&
				worst == TEST_PAGE_CLEAN))
			worst = s;
	}
	return worst;
}

/*
 * test_expect_clean -- every page of [p, p + n) is clean: what the kernel
 * holds of it is in the file.  A dirty page fails the test, named by its
 * offset from base, and so does a page that is not there; where the probe
 * can no longer say, the test is skipped.  what and mode say which
 * operation of which test.
 */
static inline void
test_expect_clean(const struct test_pagemap *pm, const void *base,
	const void *p, size_t n, const char *what, const char *mode)
{
	const void *where = NULL;

	switch (test_range_state(pm, p, n, &where)) {
	case TEST_PAGE_CLEAN:
		return;
	case TEST_PAGE_DIRTY:
		fail_msg("%s (%s): the page at offset %td is dirty after the "
			"future completed", what, mode,
			(const char *)where - (const char *)base);
		break;
	case TEST_PAGE_ABSENT:
		fail_msg("%s (%s): a page of the range is not present after "
			"it was written", what, mode);
		break;
	case TEST_PAGE_UNKNOWN:
		print_message("the page flags are no longer readable: "
			"skipped\n");
		skip();
		break;
	}
}

/*
 * test_expect_dirtied -- the control of test_expect_clean(): a plain store
 * into the first page of [p, p + n), which keeps its bytes, makes it dirty,
 * and the probe says so
 */
static inline void
test_expect_dirtied(const struct test_pagemap *pm, void *p, size_t n)
{
	const void *where = NULL;
	volatile char *c = p;

	c[0] = (char)(c[0] + 1);
	c[0] = (char)(c[0] - 1);
	assert_int_equal(test_range_state(pm, p, n, &where), TEST_PAGE_DIRTY);
	assert_ptr_equal(where, (const void *)((uintptr_t)p / pm->page *
		pm->page));
}

#endif /* TEST_PAGEMAP_H */
