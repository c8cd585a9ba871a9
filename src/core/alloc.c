/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * alloc.c -- allocation wrappers, with fault injection in test builds
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#ifdef MINIASYNC_FAULT_INJECTION
#include "atomics.h"

/*
 * Allocations left before the armed failure (0: none armed), and whether it
 * happened.  Relaxed: a test arms, calls and checks on one thread; the
 * atomics only keep a concurrent allocation from tearing the counter.
 */
static unsigned long alloc_countdown;
static int alloc_fired;

/*
 * core__alloc_fail_at -- arms a failure of the nth allocation from now
 */
void
core__alloc_fail_at(unsigned long nth)
{
	core__store_relaxed_int(&alloc_fired, 0);
	core__store_relaxed_ulong(&alloc_countdown, nth);
}

/*
 * core__alloc_failed -- tells whether the armed failure happened
 */
int
core__alloc_failed(void)
{
	return core__load_relaxed_int(&alloc_fired);
}

/*
 * alloc_should_fail -- counts one allocation down; true when it must fail
 */
static int
alloc_should_fail(void)
{
	unsigned long left = core__load_relaxed_ulong(&alloc_countdown);

	while (left != 0) {
		if (core__cas_weak_relaxed_ulong(&alloc_countdown, &left,
				left - 1)) {
			if (left == 1) {
				core__store_relaxed_int(&alloc_fired, 1);
				return 1;
			}
			return 0;
		}
	}
	return 0;
}
#else
#define alloc_should_fail() 0
#endif

/*
 * core__malloc -- malloc(), or NULL with ENOMEM when a failure is injected
 */
void *
core__malloc(size_t size)
{
	if (alloc_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(size);
}

/*
 * core__zalloc_aligned -- zeroed memory aligned to alignment (a power of two
 * at least sizeof(void *)); NULL with errno set on failure
 */
void *
core__zalloc_aligned(size_t alignment, size_t size)
{
	void *ptr;

	if (alloc_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	int ret = posix_memalign(&ptr, alignment, size);
	if (ret != 0) {
		errno = ret;
		return NULL;
	}
	memset(ptr, 0, size);
	return ptr;
}

/*
 * core__free -- frees what the wrappers above returned; NULL is a no-op
 */
void
core__free(void *ptr)
{
	free(ptr);
}
