/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_alloc.h -- allocation failures injected through the library's
 * fault-injection hook (core/alloc.h, in the static test builds): a
 * constructor made to fail at each of its allocations in turn, and
 * operations that must not allocate at all.  Include after <cmocka.h>;
 * link the test build of the library.
 */

#ifndef TEST_ALLOC_H
#define TEST_ALLOC_H 1

#include <errno.h>

#include <libminiasync.h>

#include "core/alloc.h"
#include "test_ops.h"

/* give up on a constructor that still allocates after this many tries */
#define TEST_MAX_ALLOCS 64

/*
 * test_alloc_sweep -- calls make(arg) with its n-th allocation made to
 * fail, for n = 1, 2, ... until a call gets through without reaching it.
 * A call fails exactly when it reached the failure: NULL with errno
 * ENOMEM, then failed(arg) checks what else it must have left undone (if
 * failed is not NULL).  At least the first call fails, and one within
 * TEST_MAX_ALLOCS gets through; returns what it made, and the number of
 * failed calls in *failures.
 */
static inline void *
test_alloc_sweep(void *(*make)(void *arg), void *arg,
	void (*failed)(void *arg), unsigned long *failures)
{
	void *made = NULL;

	*failures = 0;
	for (unsigned long n = 1; n <= TEST_MAX_ALLOCS; n++) {
		core__alloc_fail_at(n);
		errno = 0;
		made = make(arg);
		int hit = core__alloc_failed();
		core__alloc_fail_at(0);

		if (!hit)
			break;
		assert_null(made);
		assert_int_equal(errno, ENOMEM);
		if (failed != NULL)
			failed(arg);
		(*failures)++;
	}
	/* every allocation before the n-th succeeded: it must have worked */
	assert_non_null(made);
	assert_true(*failures >= 1);
	return made;
}

/*
 * test_alloc_sweep_mover -- test_alloc_sweep() of a constructor of
 * movers, named name, whose calls must fail at least min_failures times;
 * m gets the mover the last call made, and a runtime.  Returns the number
 * of failed calls.
 */
static inline unsigned long
test_alloc_sweep_mover(struct test_mover *m, void *(*make)(void *arg),
	void *arg, const char *name, unsigned long min_failures)
{
	unsigned long failures;
	struct vdm *vdm = test_alloc_sweep(make, arg, NULL, &failures);

	print_message("%s: %lu allocation failures, then a mover\n", name,
		failures);
	assert_true(failures >= min_failures);
	assert_int_equal(test_mover_init(m, vdm, name), 0);
	return failures;
}

/*
 * test_ops_without_alloc -- with the next allocation armed to fail, every
 * kind of operation on m: a copy of n bytes from src to dst waited for
 * alone, then waited for together a memmove of 4 KiB within dst (with
 * move_flags), a memset of the 4 KiB after the copy (with
 * VDM_F_NO_CACHE_HINT) and a flush of 100 bytes 8 KiB further on.  All
 * succeed, a flush with flush_result, and no allocation was tried.  dst
 * holds n + 8 KiB + 100 bytes.
 */
static inline void
test_ops_without_alloc(const struct test_mover *m, unsigned char *dst,
	unsigned char *src, size_t n, uint64_t move_flags,
	enum vdm_operation_result flush_result)
{
	core__alloc_fail_at(1);
	struct vdm_memcpy_future f1 = vdm_memcpy(m->vdm, dst, src, n, 0);
	runtime_wait(m->rt, FUTURE_AS_RUNNABLE(&f1));
	struct vdm_memmove_future f2 = vdm_memmove(m->vdm, dst + 1, dst, 4096,
		move_flags);
	struct vdm_memset_future f3 = vdm_memset(m->vdm, dst + n, 0x21, 4096,
		VDM_F_NO_CACHE_HINT);
	struct vdm_flush_future f4 = vdm_flush(m->vdm, dst + n + 8192, 100,
		0);
	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&f2),
		FUTURE_AS_RUNNABLE(&f3),
		FUTURE_AS_RUNNABLE(&f4),
	};
	runtime_wait_multiple(m->rt, futs, 3);
	int hit = core__alloc_failed();
	core__alloc_fail_at(0);

	assert_false(hit);
	assert_int_equal(f1.output.result, VDM_SUCCESS);
	assert_int_equal(f2.output.result, VDM_SUCCESS);
	assert_int_equal(f3.output.result, VDM_SUCCESS);
	assert_int_equal(f4.output.result, flush_result);
	assert_memory_equal(dst + 1, src, 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(dst[n + i], 0x21);
}

#endif /* TEST_ALLOC_H */
