/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_badinput.c -- the rows of the bad-input table that the core
 * answers: broken descriptors, failing init, NULL movers and pointers,
 * unknown flags, empty ranges, and every allocation of vdm_new() and
 * runtime_new() made to fail in turn (the library's fault-injection hook).
 *
 * Leaks are not counted here: the test runs under valgrind memcheck and
 * LeakSanitizer, which fail it if a failed call leaves memory behind.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <libminiasync.h>

#include "test_alloc.h"
#include "test_helpers.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif

/* the hook for its default options a sanitizer's runtime calls */
#if defined(__SANITIZE_ADDRESS__) || defined(TEST_ASAN)
#define SANITIZER_OPTIONS_HOOK __asan_default_options
#elif defined(__SANITIZE_THREAD__) || defined(TEST_TSAN)
#define SANITIZER_OPTIONS_HOOK __tsan_default_options
#endif

#ifdef SANITIZER_OPTIONS_HOOK
/*
 * SANITIZER_OPTIONS_HOOK -- a huge allocation returns NULL, as from libc,
 * instead of ending the process (test_new_huge_size); ASAN_OPTIONS or
 * TSAN_OPTIONS still override it.  The sanitizer runtime looks the hook up
 * dynamically, so it must be visible despite the project's hidden default.
 */
__attribute__((visibility("default"), used))
const char *SANITIZER_OPTIONS_HOOK(void);

__attribute__((visibility("default"), used))
const char *
SANITIZER_OPTIONS_HOOK(void)
{
	return "allocator_may_return_null=1";
}
#endif

/* calls to the counting mover since counters_reset() */
static struct {
	unsigned inits;
	unsigned finis;
	unsigned news;
	unsigned deletes;
	void *init_arg;
} counters;

/*
 * counters_reset -- zeroes the counters
 */
static void
counters_reset(void)
{
	memset(&counters, 0, sizeof(counters));
}

/*
 * count_op_new -- counts, and uses the mover as the handle
 */
static void *
count_op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	(void) type;
	counters.news++;
	return vdm;
}

/*
 * count_op_start -- does the work at once
 */
static int
count_op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	(void) data;
	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;
	test_operation_apply(op);
	return 0;
}

/*
 * count_op_check -- done once started
 */
static enum future_state
count_op_check(void *data, const struct vdm_operation *op)
{
	(void) data;
	(void) op;
	return FUTURE_STATE_COMPLETE;
}

/*
 * count_op_delete -- counts and reports success
 */
static void
count_op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	(void) data;
	counters.deletes++;
	output->type = op->type;
	output->result = VDM_SUCCESS;
	output->output.memcpy.dest = op->type == VDM_OPERATION_MEMSET ?
		op->data.memset.str : op->data.memcpy.dest;
}

/*
 * count_init -- counts; fails with the errno value *arg holds, if any
 */
static int
count_init(struct vdm *vdm, void *arg)
{
	(void) vdm;
	counters.inits++;
	counters.init_arg = arg;
	/* vdm_new() must report the returned value, not errno */
	errno = EBADF;
	return arg == NULL ? 0 : *(int *)arg;
}

/*
 * count_fini -- counts
 */
static void
count_fini(struct vdm *vdm)
{
	(void) vdm;
	counters.finis++;
}

/*
 * count_descriptor -- the counting mover's descriptor; init fails with
 * *init_error when init_error is not NULL and *init_error is non-zero
 */
static struct vdm_descriptor
count_descriptor(int *init_error)
{
	static const struct vdm table = {
		.op_new = count_op_new,
		.op_delete = count_op_delete,
		.op_start = count_op_start,
		.op_check = count_op_check,
	};

	return test_descriptor(sizeof(struct vdm) + 256, count_init,
		count_fini, init_error, &table);
}

/* two buffers and their contents before the operation */
struct bufs {
	unsigned char a[64];
	unsigned char b[64];
	unsigned char a0[64];
	unsigned char b0[64];
};

/*
 * bufs_init -- two buffers of distinct, remembered bytes
 */
static void
bufs_init(struct bufs *bf)
{
	for (size_t i = 0; i < sizeof(bf->a); i++) {
		bf->a[i] = (unsigned char)(i + 1);
		bf->b[i] = (unsigned char)(0xff - i);
	}
	memcpy(bf->a0, bf->a, sizeof(bf->a));
	memcpy(bf->b0, bf->b, sizeof(bf->b));
}

/*
 * bufs_untouched -- neither buffer changed
 */
static void
bufs_untouched(struct bufs *bf)
{
	assert_memory_equal(bf->a, bf->a0, sizeof(bf->a));
	assert_memory_equal(bf->b, bf->b0, sizeof(bf->b));
}

/*
 * untouched -- no operation reached the counting mover, and the buffers of
 * arg (a struct bufs) did not change
 */
static void
untouched(void *arg)
{
	assert_int_equal(counters.news, 0);
	assert_int_equal(counters.deletes, 0);
	bufs_untouched(arg);
}

/*
 * expect_at_once -- an operation of kind on vdm is complete when created,
 * with result and ptr in its output, without a call to the mover's op_new
 * and without a byte written; polling it changes nothing
 */
static void
expect_at_once(struct vdm *vdm, enum vdm_operation_type kind, void *dest,
	void *src, size_t n, uint64_t flags, struct bufs *bf,
	enum vdm_operation_result result, void *ptr)
{
	union test_future f;

	counters_reset();
	struct future *h = test_op_make(&f, kind, vdm, dest, src, 0x42, n,
		flags);
	test_expect_output(&f, kind, result, ptr);
	test_expect_polls_complete(&f, kind, result, ptr);
	assert_int_equal(future_has_property(h, FUTURE_PROPERTY_ASYNC), 0);
	untouched(bf);
}

/*
 * expect_at_first_poll -- an operation of kind on vdm is idle when
 * created, with nothing written and no call to the mover; its first poll
 * completes it with result and ptr in its output, still without a call to
 * the mover's op_new and without a byte written; polling it again changes
 * nothing
 */
static void
expect_at_first_poll(struct vdm *vdm, enum vdm_operation_type kind,
	void *dest, void *src, size_t n, uint64_t flags, struct bufs *bf,
	enum vdm_operation_result result, void *ptr)
{
	struct vdm_operation op = test_operation(kind, dest, src, 0x42, n,
		flags);

	counters_reset();
	test_expect_done_at_first_poll(vdm, &op, result, ptr, untouched, bf);
}

/*
 * copy_works -- a copy on vdm succeeds: the library is usable
 */
static void
copy_works(struct vdm *vdm)
{
	struct bufs bf;

	bufs_init(&bf);
	struct vdm_memcpy_future f = vdm_memcpy(vdm, bf.a, bf.b,
		sizeof(bf.a), 0);
	FUTURE_BUSY_POLL(&f);
	assert_int_equal(FUTURE_OUTPUT(&f)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&f)->dest, bf.a);
	assert_memory_equal(bf.a, bf.b0, sizeof(bf.a));
}

/*
 * test_new_null -- vdm_new(NULL): NULL, errno EINVAL
 */
static void
test_new_null(void **state)
{
	(void) state;

	errno = 0;
	assert_null(vdm_new(NULL));
	assert_int_equal(errno, EINVAL);
}

/*
 * expect_refused -- vdm_new(d) fails with EINVAL (or ENOMEM, if
 * enomem_too) and never calls init
 */
static void
expect_refused(struct vdm_descriptor *d, int enomem_too)
{
	counters_reset();
	errno = 0;
	assert_null(vdm_new(d));
	if (enomem_too)
		assert_true(errno == EINVAL || errno == ENOMEM);
	else
		assert_int_equal(errno, EINVAL);
	assert_int_equal(counters.inits, 0);
}

/*
 * test_new_small_size -- a descriptor smaller than struct vdm: NULL,
 * errno EINVAL, init never called; exactly struct vdm is enough
 */
static void
test_new_small_size(void **state)
{
	(void) state;
	static const size_t sizes[] = {0, 1, sizeof(struct vdm) - 1};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct vdm_descriptor d = count_descriptor(NULL);
		d.size = sizes[i];
		expect_refused(&d, 0);
	}

	struct vdm_descriptor d = count_descriptor(NULL);
	d.size = sizeof(struct vdm);
	counters_reset();
	struct vdm *vdm = vdm_new(&d);
	assert_non_null(vdm);
	assert_int_equal(counters.inits, 1);
	copy_works(vdm);
	vdm_delete(vdm);
	assert_int_equal(counters.finis, 1);
}

/*
 * test_new_null_op -- a descriptor missing any of the four operations:
 * NULL, errno EINVAL, init never called
 */
static void
test_new_null_op(void **state)
{
	(void) state;

	for (int which = 0; which < 4; which++) {
		struct vdm_descriptor d = count_descriptor(NULL);
		test_descriptor_drop(&d, which);
		expect_refused(&d, 0);
	}
}

/*
 * test_new_huge_size -- a size whose instance would overflow size_t
 * (SIZE_MAX - 63: the smallest once a 64-byte header is added) or that no
 * allocation can satisfy: NULL with errno set, init never called.  (Sizes
 * past PTRDIFF_MAX that reach the allocator are left out: valgrind counts
 * them as errors of the caller.)
 */
static void
test_new_huge_size(void **state)
{
	(void) state;
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 63, SIZE_MAX >> 2,
	};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct vdm_descriptor d = count_descriptor(NULL);
		d.size = sizes[i];
		expect_refused(&d, 1);
	}
}

/*
 * test_new_init_fails -- init returning an errno value: NULL, errno is that
 * value (whatever init left in errno), init called once with init_arg, fini
 * never called, nothing leaked
 */
static void
test_new_init_fails(void **state)
{
	(void) state;
	static const int errors[] = {EAGAIN, ENOMEM, EPERM};

	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		int err = errors[i];
		struct vdm_descriptor d = count_descriptor(&err);
		counters_reset();
		errno = 0;
		assert_null(vdm_new(&d));
		assert_int_equal(errno, err);
		assert_int_equal(counters.inits, 1);
		assert_ptr_equal(counters.init_arg, &err);
		assert_int_equal(counters.finis, 0);
	}

	/* the same descriptor works once init does */
	int ok = 0;
	struct vdm_descriptor d = count_descriptor(&ok);
	counters_reset();
	struct vdm *vdm = vdm_new(&d);
	assert_non_null(vdm);
	copy_works(vdm);
	vdm_delete(vdm);
	assert_int_equal(counters.inits, 1);
	assert_int_equal(counters.finis, 1);
}

/*
 * test_delete_null -- vdm_delete(NULL) and runtime_delete(NULL) do nothing
 */
static void
test_delete_null(void **state)
{
	(void) state;

	counters_reset();
	vdm_delete(NULL);
	runtime_delete(NULL);
	assert_int_equal(counters.finis, 0);
}

/*
 * test_null_vdm -- every operation on a NULL mover: complete at once with
 * VDM_ERROR_INVALID_ARGUMENT and a NULL pointer, whatever n is
 */
static void
test_null_vdm(void **state)
{
	(void) state;
	static const size_t lengths[] = {16, 1, 0};

	TEST_FOR_EACH_OP(k) {
		for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
			struct bufs bf;
			bufs_init(&bf);
			expect_at_once(NULL, k, bf.a, bf.b,
				lengths[i], 0, &bf,
				VDM_ERROR_INVALID_ARGUMENT, NULL);
		}
	}
}

/*
 * null_pointer_cases -- NULL dest or src with n > 0 on vdm: complete at the
 * first poll with VDM_ERROR_INVALID_ARGUMENT, nothing written, no op_new
 */
static void
null_pointer_cases(struct vdm *vdm)
{
	struct bufs bf;

	TEST_FOR_EACH_OP(kind) {
		/* NULL destination (str for memset) */
		bufs_init(&bf);
		expect_at_first_poll(vdm, kind, NULL, bf.b, 16, 0, &bf,
			VDM_ERROR_INVALID_ARGUMENT, NULL);
		bufs_init(&bf);
		expect_at_first_poll(vdm, kind, NULL, bf.b, 1,
			VDM_F_NO_CACHE_HINT, &bf, VDM_ERROR_INVALID_ARGUMENT,
			NULL);
		if (kind == OP_MEMSET || kind == OP_FLUSH)
			continue;

		/* NULL source */
		bufs_init(&bf);
		expect_at_first_poll(vdm, kind, bf.a, NULL, 16, 0, &bf,
			VDM_ERROR_INVALID_ARGUMENT, NULL);
		bufs_init(&bf);
		expect_at_first_poll(vdm, kind, NULL, NULL, SIZE_MAX, 0, &bf,
			VDM_ERROR_INVALID_ARGUMENT, NULL);
	}
}

/*
 * on_each_mover -- runs cases on the synchronous mover, on a counting mover
 * (whose op_new must not be called) and on the thread pool, whose run task
 * judges its arguments itself; copy_after: then a copy on the first two
 * must still work
 */
static void
on_each_mover(void (*cases)(struct vdm *vdm), int copy_after)
{
	struct vdm_descriptor d = count_descriptor(NULL);
	struct vdm *movers[] = {
		vdm_new(vdm_descriptor_synchronous()),
		vdm_new(&d),
		vdm_threads_new(NULL, FUTURE_NOTIFIER_WAKER),
	};

	for (size_t i = 0; i < ARRAY_SIZE(movers); i++) {
		assert_non_null(movers[i]);
		cases(movers[i]);
		if (copy_after && i < 2)
			copy_works(movers[i]);
		vdm_delete(movers[i]);
	}
}

/*
 * test_null_pointer -- NULL pointers with n > 0, on the synchronous mover,
 * on a counting mover (whose op_new must not be called) and on the thread
 * pool
 */
static void
test_null_pointer(void **state)
{
	(void) state;
	on_each_mover(null_pointer_cases, 1);
}

/*
 * unknown_flag_cases -- a flag bit outside VDM_F_VALID_FLAGS, alone or with
 * valid ones: complete at the first poll with VDM_ERROR_INVALID_FLAGS,
 * nothing written, no op_new
 */
static void
unknown_flag_cases(struct vdm *vdm)
{
	static const uint64_t flags[] = {
		(uint64_t)1 << 2,
		(uint64_t)1 << 5,
		(uint64_t)1 << 31,
		(uint64_t)1 << 32,
		(uint64_t)1 << 63,
		VDM_F_NO_CACHE_HINT | ((uint64_t)1 << 5),
		VDM_F_MEM_DURABLE | ((uint64_t)1 << 63),
		~(uint64_t)0,
	};

	TEST_FOR_EACH_OP(k) {
		for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
			struct bufs bf;
			bufs_init(&bf);
			expect_at_first_poll(vdm, k, bf.a, bf.b,
				sizeof(bf.a), flags[i], &bf,
				VDM_ERROR_INVALID_FLAGS, NULL);
		}
	}
}

/*
 * test_unknown_flags -- unknown flags on the synchronous mover, on a
 * counting mover and on the thread pool
 */
static void
test_unknown_flags(void **state)
{
	(void) state;
	on_each_mover(unknown_flag_cases, 1);
}

/*
 * zero_length_cases -- n == 0, with real or NULL pointers and with the
 * flags each mover accepts: complete at the first poll with VDM_SUCCESS
 * and the pointer given, nothing touched, no op_new
 */
static void
zero_length_cases(struct vdm *vdm)
{
	static const uint64_t flags[] = {0, VDM_F_NO_CACHE_HINT};

	TEST_FOR_EACH_OP(kind) {
		for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
			struct bufs bf;

			bufs_init(&bf);
			expect_at_first_poll(vdm, kind, bf.a, bf.b, 0, flags[i],
				&bf, VDM_SUCCESS, bf.a);
			bufs_init(&bf);
			expect_at_first_poll(vdm, kind, NULL, bf.b, 0, flags[i],
				&bf, VDM_SUCCESS, NULL);
			bufs_init(&bf);
			expect_at_first_poll(vdm, kind, bf.a, NULL, 0, flags[i],
				&bf, VDM_SUCCESS, bf.a);
			bufs_init(&bf);
			expect_at_first_poll(vdm, kind, NULL, NULL, 0, flags[i],
				&bf, VDM_SUCCESS, NULL);
		}
	}
}

/*
 * test_zero_length -- n == 0 on the synchronous mover, on a counting mover
 * and on the thread pool
 */
static void
test_zero_length(void **state)
{
	(void) state;
	on_each_mover(zero_length_cases, 0);
}

/*
 * make_sync -- vdm_new() of the synchronous mover
 */
static void *
make_sync(void *arg)
{
	(void) arg;
	return vdm_new(vdm_descriptor_synchronous());
}

/*
 * test_alloc_fail_vdm_new_sync -- every allocation of
 * vdm_new(synchronous) made to fail in turn: NULL, errno ENOMEM; then it
 * succeeds and the mover works
 */
static void
test_alloc_fail_vdm_new_sync(void **state)
{
	(void) state;
	unsigned long failures;

	/* vdm_new() allocates the instance: the first try must fail */
	struct vdm *vdm = test_alloc_sweep(make_sync, NULL, NULL, &failures);
	copy_works(vdm);
	vdm_delete(vdm);
}

/*
 * make_counting -- vdm_new() of the descriptor arg points to, the
 * counters zeroed first
 */
static void *
make_counting(void *arg)
{
	counters_reset();
	return vdm_new(arg);
}

/*
 * counting_not_called -- a failed vdm_new() called neither init nor fini
 */
static void
counting_not_called(void *arg)
{
	(void) arg;
	assert_int_equal(counters.inits, 0);
	assert_int_equal(counters.finis, 0);
}

/*
 * test_alloc_fail_vdm_new_custom -- the same for a user's descriptor: each
 * failed call also leaves init and fini uncalled
 */
static void
test_alloc_fail_vdm_new_custom(void **state)
{
	(void) state;
	unsigned long failures;
	struct vdm_descriptor d = count_descriptor(NULL);

	struct vdm *vdm = test_alloc_sweep(make_counting, &d,
		counting_not_called, &failures);
	assert_int_equal(counters.inits, 1);
	copy_works(vdm);
	vdm_delete(vdm);
	assert_int_equal(counters.finis, 1);
}

/*
 * make_runtime -- runtime_new()
 */
static void *
make_runtime(void *arg)
{
	(void) arg;
	return runtime_new();
}

/*
 * test_alloc_fail_runtime_new -- every allocation of runtime_new() made to
 * fail in turn: NULL, errno ENOMEM; then the runtime works
 */
static void
test_alloc_fail_runtime_new(void **state)
{
	(void) state;
	unsigned long failures;
	struct runtime *rt = test_alloc_sweep(make_runtime, NULL, NULL,
		&failures);

	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	assert_non_null(vdm);
	struct bufs bf;
	bufs_init(&bf);
	struct vdm_memmove_future f = vdm_memmove(vdm, bf.a + 1, bf.a, 32, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&f));
	assert_int_equal(FUTURE_OUTPUT(&f)->result, VDM_SUCCESS);
	assert_memory_equal(bf.a + 1, bf.a0, 32);
	vdm_delete(vdm);
	runtime_delete(rt);
}

/*
 * test_no_alloc_per_operation -- the synchronous mover allocates nothing
 * to create or run an operation: with the next allocation armed to fail,
 * every kind of operation still succeeds and the failure never fires
 */
static void
test_no_alloc_per_operation(void **state)
{
	(void) state;

	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	assert_non_null(vdm);

	core__alloc_fail_at(1);
	struct bufs bf;
	bufs_init(&bf);
	struct vdm_memcpy_future f1 = vdm_memcpy(vdm, bf.a, bf.b, 8, 0);
	struct vdm_memmove_future f2 = vdm_memmove(vdm, bf.a + 8, bf.a, 8, 0);
	struct vdm_memset_future f3 = vdm_memset(vdm, bf.b, 9, 8, 0);
	struct vdm_flush_future f4 = vdm_flush(vdm, bf.b, 8, 0);
	FUTURE_BUSY_POLL(&f1);
	FUTURE_BUSY_POLL(&f2);
	FUTURE_BUSY_POLL(&f3);
	FUTURE_BUSY_POLL(&f4);
	int failed = core__alloc_failed();
	core__alloc_fail_at(0);

	assert_false(failed);
	assert_int_equal(FUTURE_OUTPUT(&f1)->result, VDM_SUCCESS);
	assert_int_equal(FUTURE_OUTPUT(&f2)->result, VDM_SUCCESS);
	assert_int_equal(FUTURE_OUTPUT(&f3)->result, VDM_SUCCESS);
	assert_memory_equal(bf.a, bf.b0, 8);
	assert_memory_equal(bf.a + 8, bf.b0, 8);
	assert_int_equal(bf.b[7], 9);
	vdm_delete(vdm);
}

/*
 * main -- runs the bad-input tests
 */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_null),
		cmocka_unit_test(test_new_small_size),
		cmocka_unit_test(test_new_null_op),
		cmocka_unit_test(test_new_huge_size),
		cmocka_unit_test(test_new_init_fails),
		cmocka_unit_test(test_delete_null),
		cmocka_unit_test(test_null_vdm),
		cmocka_unit_test(test_null_pointer),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_alloc_fail_vdm_new_sync),
		cmocka_unit_test(test_alloc_fail_vdm_new_custom),
		cmocka_unit_test(test_alloc_fail_runtime_new),
		cmocka_unit_test(test_no_alloc_per_operation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
