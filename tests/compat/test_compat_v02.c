/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_compat_v02.c -- the interface of miniasync 0.2 as programs written
 * for it use it: the data_mover_sync and data_mover_threads handles, futures
 * spelled struct vdm_operation_future with their output read as
 * output.memcpy.dest, a pool that moves bytes with the program's own
 * functions, and the bad input of the handles' constructors.  Nothing but
 * <libminiasync.h> is included for the library, as 0.2 programs do.
 */

#include <libminiasync.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>


#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KIB ((size_t)1024)
#define MIB (1024 * KIB)

/* the sizes the operations run at: inline, one piece, several pieces */
static const size_t sizes[] = { 100, 64 * KIB, 3 * MIB + 5 };

/*
 * fill -- bytes that depend on seed and differ from their neighbours
 */
static void
fill(unsigned char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)((i * 131U + seed * 7U) % 251U + 1U);
}

/* two buffers of n bytes and what the destination must hold */
struct bufs {
	size_t n;
	unsigned char *src;
	unsigned char *dst;
	unsigned char *want;
};

/*
 * bufs_new -- buffers of n bytes (plus a guard byte), filled
 */
static void
bufs_new(struct bufs *b, size_t n, unsigned seed)
{
	b->n = n;
	b->src = malloc(n + 1);
	b->dst = malloc(n + 1);
	b->want = malloc(n + 1);
	assert_non_null(b->src);
	assert_non_null(b->dst);
	assert_non_null(b->want);
	fill(b->src, n + 1, seed);
	fill(b->dst, n + 1, seed + 1);
	memcpy(b->want, b->dst, n + 1);
}

/*
 * bufs_free -- frees the buffers
 */
static void
bufs_free(struct bufs *b)
{
	free(b->src);
	free(b->dst);
	free(b->want);
}

/*
 * run_ops -- a memcpy, a memmove within dst, a memset and a flush on vdm,
 * each spelled struct vdm_operation_future, waited for by rt; the outputs
 * as 0.2 programs read them, and every byte
 */
static void
run_ops(struct runtime *rt, struct vdm *vdm, size_t n, unsigned seed)
{
	struct bufs b;
	bufs_new(&b, n, seed);

	struct vdm_operation_future cpy = vdm_memcpy(vdm, b.dst, b.src, n, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&cpy));
	memcpy(b.want, b.src, n);
	assert_int_equal(FUTURE_OUTPUT(&cpy)->type, VDM_OPERATION_MEMCPY);
	assert_int_equal(FUTURE_OUTPUT(&cpy)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&cpy)->output.memcpy.dest, b.dst);
	assert_memory_equal(b.dst, b.want, n + 1);

	/* overlapping: one sweep */
	struct vdm_operation_future mov = vdm_memmove(vdm, b.dst + 1, b.dst,
		n - 1, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&mov));
	memmove(b.want + 1, b.want, n - 1);
	assert_int_equal(FUTURE_OUTPUT(&mov)->type, VDM_OPERATION_MEMMOVE);
	assert_int_equal(FUTURE_OUTPUT(&mov)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&mov)->output.memmove.dest,
		b.dst + 1);
	assert_memory_equal(b.dst, b.want, n + 1);

	struct vdm_operation_future set = vdm_memset(vdm, b.dst + 3, 0x7e,
		n - 3, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&set));
	memset(b.want + 3, 0x7e, n - 3);
	assert_int_equal(FUTURE_OUTPUT(&set)->type, VDM_OPERATION_MEMSET);
	assert_int_equal(FUTURE_OUTPUT(&set)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&set)->output.memset.str, b.dst + 3);
	assert_ptr_equal(FUTURE_OUTPUT(&set)->str, b.dst + 3);
	assert_memory_equal(b.dst, b.want, n + 1);

	struct vdm_operation_future fl = vdm_flush(vdm, b.dst, n, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fl));
	assert_int_equal(FUTURE_OUTPUT(&fl)->type, VDM_OPERATION_FLUSH);
	assert_int_equal(FUTURE_OUTPUT(&fl)->result, VDM_SUCCESS);
	assert_memory_equal(b.dst, b.want, n + 1);

	bufs_free(&b);
}

/*
 * test_sync -- data_mover_sync_new(): every operation at every size, busy
 * polled and waited for; no capability, no property; NULL handles
 */
static void
test_sync(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct data_mover_sync *dms = data_mover_sync_new();
	assert_non_null(dms);
	struct vdm *vdm = data_mover_sync_get_vdm(dms);
	assert_non_null(vdm);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		run_ops(rt, vdm, sizes[i], (unsigned)i);

	assert_false(vdm_is_supported(vdm, VDM_F_MEM_DURABLE));
	unsigned char a[32], b[32];
	fill(a, sizeof(a), 9);
	struct vdm_operation_future fut = vdm_memcpy(vdm, b, a, sizeof(a), 0);
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
		FUTURE_PROPERTY_ASYNC), 0);
	FUTURE_BUSY_POLL(&fut);
	assert_memory_equal(a, b, sizeof(a));

	assert_null(data_mover_sync_get_vdm(NULL));
	data_mover_sync_delete(NULL);
	data_mover_sync_delete(dms);
	runtime_delete(rt);
}

/*
 * noop_wake -- a waker that has nothing to wake
 */
static void
noop_wake(void *data)
{
	(void) data;
}

/*
 * test_threads_notifiers -- data_mover_threads_new() with each notifier:
 * an operation handed to the workers hands back the notifier asked for
 * (none for FUTURE_NOTIFIER_NONE), and every operation completes, waited
 * for by a runtime; the futures report FUTURE_PROPERTY_ASYNC
 */
static void
test_threads_notifiers(void **state)
{
	(void) state;
	static const enum future_notifier_type notifiers[] = {
		FUTURE_NOTIFIER_NONE, FUTURE_NOTIFIER_WAKER,
		FUTURE_NOTIFIER_POLLER,
	};
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	for (size_t k = 0; k < ARRAY_SIZE(notifiers); k++) {
		struct data_mover_threads *dmt = data_mover_threads_new(2, 16,
			notifiers[k]);
		assert_non_null(dmt);
		struct vdm *vdm = data_mover_threads_get_vdm(dmt);
		assert_non_null(vdm);
		assert_false(vdm_is_supported(vdm, VDM_F_MEM_DURABLE));

		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			run_ops(rt, vdm, sizes[i], (unsigned)(10 * k + i));

		/* a copy large enough to leave to the workers */
		struct bufs b;
		bufs_new(&b, 2 * MIB, (unsigned)k);
		struct vdm_operation_future fut = vdm_memcpy(vdm, b.dst, b.src,
			b.n, 0);
		assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
			FUTURE_PROPERTY_ASYNC), 1);
		struct future_notifier n;
		memset(&n, 0, sizeof(n));
		n.waker.data = rt;
		n.waker.wake = noop_wake;
		n.notifier_used = FUTURE_NOTIFIER_NONE;
		if (future_poll(FUTURE_AS_RUNNABLE(&fut), &n) !=
				FUTURE_STATE_COMPLETE) {
			assert_int_equal(n.notifier_used, notifiers[k]);
			if (notifiers[k] == FUTURE_NOTIFIER_POLLER)
				assert_non_null(n.poller.ptr_to_monitor);
		}
		runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
		memcpy(b.want, b.src, b.n);
		assert_memory_equal(b.dst, b.want, b.n + 1);
		bufs_free(&b);

		data_mover_threads_delete(dmt);
	}
	runtime_delete(rt);
}

/*
 * test_threads_default -- data_mover_threads_default(): a working pool
 * whose futures call the waker; NULL handles
 */
static void
test_threads_default(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct data_mover_threads *dmt = data_mover_threads_default();
	assert_non_null(dmt);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		run_ops(rt, data_mover_threads_get_vdm(dmt), sizes[i],
			(unsigned)(30 + i));

	assert_null(data_mover_threads_get_vdm(NULL));
	data_mover_threads_delete(NULL);
	data_mover_threads_set_memcpy_fn(NULL, NULL);
	data_mover_threads_set_memmove_fn(NULL, NULL);
	data_mover_threads_set_memset_fn(NULL, NULL);
	data_mover_threads_delete(dmt);
	runtime_delete(rt);
}

/*
 * test_threads_bad_input -- sizes a pool cannot have and notifiers that do
 * not exist: NULL with EINVAL; the smallest pool works
 */
static void
test_threads_bad_input(void **state)
{
	(void) state;
	static const struct {
		size_t nthreads;
		size_t ringbuf;
		int notifier;
	} bad[] = {
		{ 0, 16, FUTURE_NOTIFIER_WAKER },
		{ 257, 16, FUTURE_NOTIFIER_WAKER },
		{ (size_t)1 << 32, 16, FUTURE_NOTIFIER_WAKER },
		{ ((size_t)1 << 32) + 1, 16, FUTURE_NOTIFIER_WAKER },
		{ SIZE_MAX, 16, FUTURE_NOTIFIER_WAKER },
		{ 2, 0, FUTURE_NOTIFIER_WAKER },
		{ 2, 65537, FUTURE_NOTIFIER_WAKER },
		{ 2, ((size_t)1 << 32) + 16, FUTURE_NOTIFIER_WAKER },
		{ 2, SIZE_MAX, FUTURE_NOTIFIER_POLLER },
		{ 2, 16, 3 },
		{ 2, 16, -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		assert_null(data_mover_threads_new(bad[i].nthreads,
			bad[i].ringbuf,
			(enum future_notifier_type)bad[i].notifier));
		assert_int_equal(errno, EINVAL);
	}

	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct data_mover_threads *dmt = data_mover_threads_new(1, 1,
		FUTURE_NOTIFIER_WAKER);
	assert_non_null(dmt);
	run_ops(rt, data_mover_threads_get_vdm(dmt), 1 * MIB, 40);
	data_mover_threads_delete(dmt);
	runtime_delete(rt);
}

/*
 * The program's own functions: they count their calls and bytes, note the
 * flags and whether the calling thread was the test's, then do the work.
 */
static struct {
	atomic_uint calls[3];
	atomic_size_t bytes[3];
	atomic_uint flags_seen;	/* OR of every flags argument */
	atomic_uint off_thread;	/* calls from another thread than main */
} counted;

static pthread_t main_thread;

/*
 * counted_note -- records one call of function k
 */
static void
counted_note(int k, size_t n, unsigned flags)
{
	atomic_fetch_add(&counted.calls[k], 1);
	atomic_fetch_add(&counted.bytes[k], n);
	atomic_fetch_or(&counted.flags_seen, flags);
	if (!pthread_equal(pthread_self(), main_thread))
		atomic_fetch_add(&counted.off_thread, 1);
}

/* counted_memcpy -- memcpy_fn that counts */
static void *
counted_memcpy(void *dst, const void *src, size_t n, unsigned flags)
{
	counted_note(0, n, flags);
	return memcpy(dst, src, n);
}

/* counted_memmove -- memmove_fn that counts */
static void *
counted_memmove(void *dst, const void *src, size_t n, unsigned flags)
{
	counted_note(1, n, flags);
	return memmove(dst, src, n);
}

/* counted_memset -- memset_fn that counts */
static void *
counted_memset(void *str, int c, size_t n, unsigned flags)
{
	counted_note(2, n, flags);
	return memset(str, c, n);
}

/*
 * counted_reset -- forgets every call
 */
static void
counted_reset(void)
{
	for (int k = 0; k < 3; k++) {
		atomic_store(&counted.calls[k], 0);
		atomic_store(&counted.bytes[k], 0);
	}
	atomic_store(&counted.flags_seen, 0);
	atomic_store(&counted.off_thread, 0);
}

/*
 * test_threads_fns -- a pool moves every byte of memcpy, memmove and memset
 * with the functions the program set, on the polling thread for a short
 * operation and on the workers, in pieces, for a long one, each call with
 * the operation's flags; a flush calls none of them; set to NULL, they are
 * called no more
 */
static void
test_threads_fns(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct data_mover_threads *dmt = data_mover_threads_new(2, 64,
		FUTURE_NOTIFIER_WAKER);
	assert_non_null(dmt);
	struct vdm *vdm = data_mover_threads_get_vdm(dmt);
	main_thread = pthread_self();

	data_mover_threads_set_memcpy_fn(dmt, counted_memcpy);
	data_mover_threads_set_memmove_fn(dmt, counted_memmove);
	data_mover_threads_set_memset_fn(dmt, counted_memset);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		counted_reset();
		run_ops(rt, vdm, n, (unsigned)(50 + i));
		/* every byte, through the program's functions only */
		assert_int_equal(atomic_load(&counted.bytes[0]), n);
		assert_int_equal(atomic_load(&counted.bytes[1]), n - 1);
		assert_int_equal(atomic_load(&counted.bytes[2]), n - 3);
		assert_true(atomic_load(&counted.calls[0]) >= 1);
		/* the overlapping memmove: one call */
		assert_int_equal(atomic_load(&counted.calls[1]), 1);
		assert_int_equal(atomic_load(&counted.flags_seen), 0);
		if (n >= MIB) {
			/* cut into pieces for the workers */
			assert_true(atomic_load(&counted.calls[0]) > 1);
			assert_true(atomic_load(&counted.off_thread) > 0);
		}
	}

	/* the operation's flags reach the function */
	struct bufs b;
	bufs_new(&b, 64 * KIB, 60);
	counted_reset();
	struct vdm_operation_future fut = vdm_memcpy(vdm, b.dst, b.src, b.n,
		VDM_F_NO_CACHE_HINT);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	assert_memory_equal(b.dst, b.src, b.n);
	assert_int_equal(atomic_load(&counted.bytes[0]), b.n);
	assert_int_equal(atomic_load(&counted.flags_seen),
		VDM_F_NO_CACHE_HINT);

	/* back to the library's own functions */
	data_mover_threads_set_memcpy_fn(dmt, NULL);
	data_mover_threads_set_memmove_fn(dmt, NULL);
	data_mover_threads_set_memset_fn(dmt, NULL);
	counted_reset();
	run_ops(rt, vdm, 3 * MIB + 5, 61);
	for (int k = 0; k < 3; k++)
		assert_int_equal(atomic_load(&counted.calls[k]), 0);

	bufs_free(&b);
	data_mover_threads_delete(dmt);
	runtime_delete(rt);
}

/*
 * test_threads_delete_in_flight -- data_mover_threads_delete() with a copy
 * in flight, never polled again: the bytes are there when it returns
 */
static void
test_threads_delete_in_flight(void **state)
{
	(void) state;
	struct data_mover_threads *dmt = data_mover_threads_new(2, 8,
		FUTURE_NOTIFIER_WAKER);
	assert_non_null(dmt);
	struct bufs b;
	bufs_new(&b, 8 * MIB, 70);

	struct vdm_operation_future fut = vdm_memcpy(
		data_mover_threads_get_vdm(dmt), b.dst, b.src, b.n, 0);
	(void) future_poll(FUTURE_AS_RUNNABLE(&fut), NULL);
	data_mover_threads_delete(dmt);
	memcpy(b.want, b.src, b.n);
	assert_memory_equal(b.dst, b.want, b.n + 1);
	bufs_free(&b);
}

/* a chain, as 0.2 programs write them: a copy, then a look at the copy */
struct look_data {
	void *value;
};

struct look_output {
	int seen;
};

FUTURE(look_future, struct look_data, struct look_output);

/*
 * look_task -- sees whether the copy landed where the map says
 */
static enum future_state
look_task(struct future_context *ctx, struct future_notifier *notifier)
{
	if (notifier)
		notifier->notifier_used = FUTURE_NOTIFIER_NONE;
	struct look_data *data = future_context_get_data(ctx);
	struct look_output *out = future_context_get_output(ctx);
	out->seen = data->value != NULL &&
		memcmp(data->value, "copied", 7) == 0;
	return FUTURE_STATE_COMPLETE;
}

struct copy_look_data {
	FUTURE_CHAIN_ENTRY(struct vdm_operation_future, copy);
	FUTURE_CHAIN_ENTRY(struct look_future, look);
};

struct copy_look_output {
	int seen;
};

FUTURE(copy_look_future, struct copy_look_data, struct copy_look_output);

/*
 * map_copy_to_look -- the copy's destination, as a 0.2 program reads it
 */
static void
map_copy_to_look(struct future_context *copy, struct future_context *look,
	void *arg)
{
	struct vdm_operation_output *out = future_context_get_output(copy);
	struct look_data *data = future_context_get_data(look);
	assert_ptr_equal(arg, (void *)0xd);
	assert_int_equal(out->type, VDM_OPERATION_MEMCPY);
	data->value = out->result == VDM_SUCCESS ?
		out->output.memcpy.dest : NULL;
}

/*
 * map_look_to_chain -- the look's verdict is the chain's
 */
static void
map_look_to_chain(struct future_context *look, struct future_context *chain,
	void *arg)
{
	(void) arg;
	struct look_output *out = future_context_get_output(look);
	struct copy_look_output *res = future_context_get_output(chain);
	res->seen = out->seen;
}

/*
 * test_chain -- a chain of an operation future and a future of the
 * program's own, on the thread pool, busy polled and waited for
 */
static void
test_chain(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct data_mover_threads *dmt = data_mover_threads_new(2, 16,
		FUTURE_NOTIFIER_WAKER);
	assert_non_null(dmt);
	struct vdm *vdm = data_mover_threads_get_vdm(dmt);

	for (int busy = 0; busy < 2; busy++) {
		char src[] = "copied", dst[8] = "";
		struct copy_look_future chain = { .output.seen = -1 };
		struct look_future look;
		memset(&look, 0, sizeof(look));
		FUTURE_INIT(&look, look_task);
		FUTURE_CHAIN_ENTRY_INIT(&chain.data.copy,
			vdm_memcpy(vdm, dst, src, sizeof(src), 0),
			map_copy_to_look, (void *)0xd);
		FUTURE_CHAIN_ENTRY_INIT(&chain.data.look, look,
			map_look_to_chain, NULL);
		FUTURE_CHAIN_INIT(&chain);
		if (busy)
			FUTURE_BUSY_POLL(&chain);
		else
			runtime_wait(rt, FUTURE_AS_RUNNABLE(&chain));
		assert_int_equal(FUTURE_OUTPUT(&chain)->seen, 1);
		assert_true(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.look));
	}

	data_mover_threads_delete(dmt);
	runtime_delete(rt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_threads_notifiers),
		cmocka_unit_test(test_threads_default),
		cmocka_unit_test(test_threads_bad_input),
		cmocka_unit_test(test_threads_fns),
		cmocka_unit_test(test_threads_delete_in_flight),
		cmocka_unit_test(test_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
