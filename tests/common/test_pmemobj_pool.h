/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_pool.h -- a fresh libpmemobj pool in a file of a directory
 * (/var/tmp: the page cache; under PMEM_IS_PMEM_FORCE=1 libpmemobj takes
 * it for persistent memory), objects allocated in it, and the pool closed
 * and opened again, for the tests of the pmemobj mover.  The pool is one
 * mapping of the whole file: its bytes are [pop, pop + size).  Include
 * after <cmocka.h>; link libminiasync-pmemobj (or its test build).
 */

#ifndef TEST_PMEMOBJ_POOL_H
#define TEST_PMEMOBJ_POOL_H 1

#include <libminiasync-pmemobj.h>
#include <libpmem.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_ops.h"

/* TEST_POOL_DEFINED -- tells valgrind memcheck that [a, a + n) is defined */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TEST_POOL_DEFINED(a, n) ((void) VALGRIND_MAKE_MEM_DEFINED((a), (n)))
#endif
#endif
#ifndef TEST_POOL_DEFINED
#define TEST_POOL_DEFINED(a, n) ((void)(a), (void)(n))
#endif

/* the layout name of the tests' pools */
#define TEST_POOL_LAYOUT "miniasync-test"

struct test_pool {
	char path[4096];
	size_t size;		/* bytes of the file, and of the pool */
	PMEMobjpool *pop;	/* NULL while closed */
	char *base;		/* (char *)pop */
	int is_pmem;		/* libpmem takes the pool for pmem */
	int keep;		/* the file is the caller's: never removed */
};

/*
 * test_pool_expose -- the whole pool readable and writable to valgrind
 * memcheck: libpmemobj marks its metadata and the free space of its heap
 * inaccessible, and tests compare every byte of the pool with a shadow, and
 * write outside their objects.  Done again after each call of libpmemobj
 * that allocates.
 */
static inline void
test_pool_expose(const struct test_pool *p)
{
	TEST_POOL_DEFINED(p->base, p->size);
}

/*
 * test_pool_create -- a new pool of size bytes in a fresh file of dir
 * (named after the test's pid), open; 0, or -1 with a message and nothing
 * left
 */
static inline int
test_pool_create(struct test_pool *p, const char *dir, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = size;
	if ((size_t)snprintf(p->path, sizeof(p->path),
			"%s/miniasync-pool.XXXXXX", dir) >= sizeof(p->path))
		return -1;
	/* a name of our own; libpmemobj creates the file itself */
	int fd = mkstemp(p->path);
	if (fd < 0) {
		fprintf(stderr, "mkstemp %s: %s\n", p->path, strerror(errno));
		return -1;
	}
	(void) close(fd);
	(void) unlink(p->path);
	p->pop = pmemobj_create(p->path, TEST_POOL_LAYOUT, size, 0600);
	if (p->pop == NULL) {
		fprintf(stderr, "pmemobj_create %s: %s\n", p->path,
			pmemobj_errormsg());
		(void) unlink(p->path);
		return -1;
	}
	p->base = (char *)p->pop;
	p->is_pmem = pmem_is_pmem(p->base, size);
	test_pool_expose(p);
	return 0;
}

/*
 * test_pool_create_file -- a new pool in the existing file path, of size
 * bytes, whose first page is zero (libpmemobj refuses a file whose pool
 * header is not), open; the file stays the caller's (test_pool_close()
 * leaves it); 0, or -1 with a message
 */
static inline int
test_pool_create_file(struct test_pool *p, const char *path, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = size;
	p->keep = 1;
	if ((size_t)snprintf(p->path, sizeof(p->path), "%s", path) >=
			sizeof(p->path))
		return -1;
	p->pop = pmemobj_create(p->path, TEST_POOL_LAYOUT, 0, 0600);
	if (p->pop == NULL) {
		fprintf(stderr, "pmemobj_create %s: %s\n", p->path,
			pmemobj_errormsg());
		return -1;
	}
	p->base = (char *)p->pop;
	p->is_pmem = pmem_is_pmem(p->base, size);
	test_pool_expose(p);
	return 0;
}

/*
 * test_pool_close -- closes the pool, if open, and removes its file
 * (unless the caller gave it)
 */
static inline void
test_pool_close(struct test_pool *p)
{
	if (p->pop != NULL)
		pmemobj_close(p->pop);
	p->pop = NULL;
	p->base = NULL;
	if (p->path[0] != '\0' && !p->keep)
		(void) unlink(p->path);
	p->path[0] = '\0';
}

/*
 * test_pool_reopen -- closes the pool and opens its file again (at an
 * address of libpmemobj's choosing); the test fails if it does not open
 */
static inline void
test_pool_reopen(struct test_pool *p)
{
	pmemobj_close(p->pop);
	p->pop = pmemobj_open(p->path, TEST_POOL_LAYOUT);
	if (p->pop == NULL)
		fail_msg("pmemobj_open %s: %s", p->path, pmemobj_errormsg());
	p->base = (char *)p->pop;
	test_pool_expose(p);
}

/*
 * test_pool_alloc -- a new object of size bytes, zeroed, in the pool; its
 * first byte (pmemobj_direct()), and its oid in *oid if not NULL; the test
 * fails if the pool has no room
 */
static inline char *
test_pool_alloc(struct test_pool *p, size_t size, PMEMoid *oid)
{
	PMEMoid o;

	if (pmemobj_zalloc(p->pop, &o, size, 1) != 0)
		fail_msg("pmemobj_zalloc of %zu bytes: %s", size,
			pmemobj_errormsg());
	if (oid != NULL)
		*oid = o;
	test_pool_expose(p);
	return pmemobj_direct(o);
}

/*
 * test_pool_mover -- m gets a pmemobj mover of the pool with nthreads
 * workers, and a runtime; 0, or -1 with a message
 */
static inline int
test_pool_mover(struct test_mover *m, const struct test_pool *p,
	unsigned nthreads)
{
	return test_mover_init(m, vdm_pmemobj_new(p->pop, nthreads),
		"vdm_pmemobj_new");
}

#endif /* TEST_PMEMOBJ_POOL_H */
