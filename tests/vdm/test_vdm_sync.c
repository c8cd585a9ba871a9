/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_sync.c -- the vdm operations on the synchronous mover: every byte
 * of memcpy, memmove, memset and flush for a range of sizes and alignments,
 * the outputs, the flags, the ways to wait, and futures moved in memory
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>

#include "test_helpers.h"

/* bytes kept on each side of every range, to catch writes outside it */
#define GUARD 64

static const size_t sizes[] = {1, 63, 64, 4096, (size_t)1 << 20};

/* offsets from a 64-byte boundary: destination, source */
static const struct {
	size_t dst;
	size_t src;
} offsets[] = {
	{0, 0}, {1, 0}, {0, 1}, {3, 7}, {63, 33},
};

/* how a test waits for a future */
enum wait_kind {
	WAIT_POLL_ONCE,
	WAIT_RUNTIME,
	WAIT_BUSY_POLL,
	WAIT_KINDS,
};

/*
 * wait_for -- waits the way wk says for the future in *f
 */
static void
wait_for(struct test_mover *fx, union test_future *f, enum wait_kind wk)
{
	struct future *fut = FUTURE_AS_RUNNABLE(&f->op);
	struct future_notifier notifier;

	switch (wk) {
	case WAIT_POLL_ONCE:
		memset(&notifier, 0, sizeof(notifier));
		notifier.notifier_used = FUTURE_NOTIFIER_POLLER;
		assert_int_equal(future_poll(fut, &notifier),
			FUTURE_STATE_COMPLETE);
		break;
	case WAIT_RUNTIME:
		runtime_wait(fx->rt, fut);
		break;
	case WAIT_BUSY_POLL:
	default:
		FUTURE_BUSY_POLL(&f->op);
		break;
	}
	assert_int_equal(fut->context.state, FUTURE_STATE_COMPLETE);
}

/*
 * setup -- creates the mover and the runtime of a test
 */
static int
setup(void **state)
{
	struct test_mover *fx = calloc(1, sizeof(*fx));
	struct vdm_descriptor *sync = vdm_descriptor_synchronous();

	if (fx == NULL || test_mover_init(fx, vdm_new(sync), "vdm_new") != 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/*
 * teardown -- deletes what setup made
 */
static int
teardown(void **state)
{
	test_mover_fini(*state);
	free(*state);
	return 0;
}

/*
 * test_signatures -- the seed's entry points have exactly its signatures,
 * and the others the spec's; a change fails to compile
 */
static void
test_signatures(void **state)
{
	(void) state;

	struct vdm *(*n)(struct vdm_descriptor *) = vdm_new;
	void (*d)(struct vdm *) = vdm_delete;
	struct vdm_memcpy_future (*fn)(struct vdm *, void *, void *, size_t,
		uint64_t) = vdm_memcpy;
	struct vdm_memmove_future (*mv)(struct vdm *, void *, void *, size_t,
		uint64_t) = vdm_memmove;
	struct vdm_memset_future (*st)(struct vdm *, void *, int, size_t,
		uint64_t) = vdm_memset;
	struct vdm_flush_future (*fl)(struct vdm *, void *, size_t,
		uint64_t) = vdm_flush;
	struct vdm_descriptor *(*sd)(void) = vdm_descriptor_synchronous;

	/* and they work through the pointers */
	unsigned char src[16], dst[16];
	test_fill(src, sizeof(src), 1);
	memset(dst, 0, sizeof(dst));

	struct vdm *vdm = n(sd());
	assert_non_null(vdm);
	struct vdm_memcpy_future f = fn(vdm, dst, src, sizeof(dst), 0);
	FUTURE_BUSY_POLL(&f);
	assert_int_equal(FUTURE_OUTPUT(&f)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&f)->dest, dst);
	test_expect_bytes(dst, src, sizeof(dst), "memcpy through pointer");

	struct vdm_memmove_future m = mv(vdm, dst, dst + 1, 8, 0);
	FUTURE_BUSY_POLL(&m);
	assert_int_equal(FUTURE_OUTPUT(&m)->result, VDM_SUCCESS);
	struct vdm_memset_future s = st(vdm, dst, 7, 4, 0);
	FUTURE_BUSY_POLL(&s);
	assert_int_equal(FUTURE_OUTPUT(&s)->result, VDM_SUCCESS);
	assert_int_equal(dst[3], 7);
	struct vdm_flush_future l = fl(vdm, dst, sizeof(dst), 0);
	FUTURE_BUSY_POLL(&l);
	assert_int_equal(FUTURE_OUTPUT(&l)->result, test_ok_result(OP_FLUSH));

	d(vdm);
}

/*
 * test_instance -- the synchronous mover's instances: distinct, aligned,
 * capabilities 0, the descriptor unchanged and shared
 */
static void
test_instance(void **state)
{
	(void) state;

	struct vdm_descriptor *desc = vdm_descriptor_synchronous();
	assert_non_null(desc);
	assert_ptr_equal(vdm_descriptor_synchronous(), desc);
	struct vdm_descriptor saved = *desc;

	struct vdm *a = vdm_new(desc);
	struct vdm *b = vdm_new(desc);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal((uintptr_t)a % 64, 0);
	assert_int_equal((uintptr_t)b % 64, 0);
	assert_memory_equal(&saved, desc, sizeof(saved));

	assert_int_equal(a->capabilities, 0);
	assert_int_equal(vdm_is_supported(a, VDM_F_MEM_DURABLE), 0);
	assert_int_equal(vdm_is_supported(a, VDM_F_NO_CACHE_HINT), 0);
	assert_int_equal(vdm_is_supported(a, 0), 1);
	assert_non_null(a->op_new);
	assert_non_null(a->op_start);
	assert_non_null(a->op_check);
	assert_non_null(a->op_delete);

	/* one instance gone, the other still works */
	vdm_delete(a);
	unsigned char src[100], dst[100];
	test_fill(src, sizeof(src), 2);
	memset(dst, 0, sizeof(dst));
	struct vdm_memcpy_future f = vdm_memcpy(b, dst, src, sizeof(dst), 0);
	FUTURE_BUSY_POLL(&f);
	assert_int_equal(FUTURE_OUTPUT(&f)->result, VDM_SUCCESS);
	test_expect_bytes(dst, src, sizeof(dst), "copy on the other instance");
	vdm_delete(b);
}

/* one operation of a test, as run_case() runs it */
struct op_case {
	enum vdm_operation_type kind;
	uint64_t flags;
	size_t n;
	size_t doff;	/* where it writes, in a guarded buffer */
	size_t soff;	/* where a copy or a move reads, in another */
	int c;		/* what a memset stores */
};

/*
 * run_case -- the operation of oc on buffers filled as seed says, waited
 * for as wk says: it ends with result; on success the bytes moved, on
 * failure none did; no byte outside the range changed, nor the source
 */
static void
run_case(struct test_mover *fx, const struct op_case *oc,
	enum vdm_operation_result result, unsigned seed, enum wait_kind wk)
{
	size_t total = GUARD + oc->n + 64 + GUARD;
	size_t doff = GUARD + oc->doff;
	size_t soff = GUARD + oc->soff;
	unsigned char *dst = test_xalloc(total);
	unsigned char *src = test_xalloc(total);
	unsigned char *want = test_xalloc(total);
	unsigned char *src_want = test_xalloc(total);

	test_fill(dst, total, seed);
	test_fill(src, total, seed + 1);
	memcpy(want, dst, total);
	memcpy(src_want, src, total);
	if (result == VDM_SUCCESS)
		test_op_apply(oc->kind, want + doff, src + soff, oc->c, oc->n);

	union test_future f;
	(void) test_op_make(&f, oc->kind, fx->vdm, dst + doff, src + soff,
		oc->c, oc->n, oc->flags);
	wait_for(fx, &f, wk);

	test_expect_output(&f, oc->kind, result,
		result == VDM_SUCCESS ? dst + doff : NULL);
	test_expect_bytes(dst, want, total, "dest");
	test_expect_bytes(src, src_want, total, "src");

	free(dst);
	free(src);
	free(want);
	free(src_want);
}

/*
 * test_memcpy -- every size and alignment: the range copied, the bytes
 * around it and the source untouched, dest in the output
 */
static void
test_memcpy(void **state)
{
	unsigned iter = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (size_t o = 0; o < ARRAY_SIZE(offsets); o++, iter++) {
			struct op_case oc = { OP_MEMCPY, 0, sizes[s],
				offsets[o].dst, offsets[o].src, 0 };
			run_case(*state, &oc, VDM_SUCCESS, 10 + iter,
				(enum wait_kind)(iter % WAIT_KINDS));
		}
	}
}

/*
 * memmove_case -- moves n bytes inside one buffer from soff to doff and
 * checks the buffer against a byte-by-byte model of memmove
 */
static void
memmove_case(struct test_mover *fx, unsigned char *buf, unsigned char *want,
	size_t total, size_t doff, size_t soff, size_t n, unsigned seed)
{
	test_fill(buf, total, seed);
	memcpy(want, buf, total);
	/* memmove copies as if through a temporary: read the original,
	 * which buf holds until the operation runs */
	for (size_t i = 0; i < n; i++)
		want[doff + i] = buf[soff + i];

	union test_future f;
	(void) test_op_make(&f, OP_MEMMOVE, fx->vdm, buf + doff, buf + soff, 0,
		n, 0);
	wait_for(fx, &f, (enum wait_kind)(seed % WAIT_KINDS));

	test_expect_output(&f, OP_MEMMOVE, VDM_SUCCESS, buf + doff);
	test_expect_bytes(buf, want, total, "memmove");
}

/*
 * test_memmove -- overlapping ranges in both directions (dest above and
 * below src) by several distances, and disjoint ranges, for every size
 */
static void
test_memmove(void **state)
{
	struct test_mover *fx = *state;
	unsigned seed = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t n = sizes[s];
		size_t shifts[] = {1, 7, 64, n / 2 + 1, n};
		size_t total = GUARD + 64 + 2 * n + 64 + GUARD;
		unsigned char *buf = test_xalloc(total);
		unsigned char *want = test_xalloc(total);

		for (size_t k = 0; k < ARRAY_SIZE(shifts); k++) {
			size_t d = shifts[k];
			size_t lo = GUARD + 3;

			/* forward: dest above src, overlapping when d < n */
			memmove_case(fx, buf, want, total, lo + d, lo, n,
				seed++);
			/* backward: dest below src */
			memmove_case(fx, buf, want, total, lo, lo + d, n,
				seed++);
		}
		/* the same range: nothing changes */
		memmove_case(fx, buf, want, total, GUARD + 5, GUARD + 5, n,
			seed++);
		free(buf);
		free(want);
	}
}

/*
 * test_memset -- every size and alignment, c taken as unsigned char
 */
static void
test_memset(void **state)
{
	static const int values[] = {0, 0xa5, 0x1a5, -1, 0x7f};
	unsigned iter = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (size_t o = 0; o < ARRAY_SIZE(offsets); o++, iter++) {
			int c = values[o % ARRAY_SIZE(values)];
			struct op_case oc = { OP_MEMSET, 0, sizes[s],
				offsets[o].dst, 0, c };
			run_case(*state, &oc, VDM_SUCCESS, 30 + iter,
				(enum wait_kind)(iter % WAIT_KINDS));
		}
	}
}

/*
 * test_flush -- every size and alignment: the result, and no byte changed
 */
static void
test_flush(void **state)
{
	unsigned iter = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (size_t o = 0; o < ARRAY_SIZE(offsets); o++, iter++) {
			struct op_case oc = { OP_FLUSH, 0, sizes[s],
				offsets[o].dst, 0, 0 };
			run_case(*state, &oc, test_ok_result(OP_FLUSH),
				40 + iter, (enum wait_kind)(iter % WAIT_KINDS));
		}
	}
}

/*
 * test_first_poll -- nothing moves before the first poll; the first poll
 * completes the future and takes no notifier; later polls redo nothing
 */
static void
test_first_poll(void **state)
{
	struct test_mover *fx = *state;
	unsigned char src[256], dst[256], want[256], before[256];

	TEST_FOR_EACH_OP(kind) {
		for (int with_notifier = 0; with_notifier < 2;
				with_notifier++) {
			test_fill(src, sizeof(src), 50);
			test_fill(dst, sizeof(dst), 51);
			memcpy(before, dst, sizeof(dst));

			union test_future f;
			struct future *h = test_op_make(&f, kind,
				fx->vdm, dst + 8, src + 8, 0x3c, 200, 0);

			assert_int_equal(h->context.state, FUTURE_STATE_IDLE);
			test_expect_bytes(dst, before, sizeof(dst),
				"before the first poll");

			struct future_notifier notifier;
			memset(&notifier, 0, sizeof(notifier));
			notifier.notifier_used = FUTURE_NOTIFIER_WAKER;
			assert_int_equal(future_poll(h,
				with_notifier ? &notifier : NULL),
				FUTURE_STATE_COMPLETE);
			/* complete at once: the notifier is not touched */
			if (with_notifier)
				assert_int_equal(notifier.notifier_used,
					FUTURE_NOTIFIER_WAKER);

			memcpy(want, before, sizeof(want));
			test_op_apply(kind, want + 8, src + 8, 0x3c, 200);
			test_expect_bytes(dst, want, sizeof(dst), "first poll");
			test_expect_output(&f, kind, test_ok_result(kind),
				dst + 8);

			/* complete: a second poll runs nothing again */
			test_fill(dst, sizeof(dst), 52);
			memcpy(want, dst, sizeof(dst));
			assert_int_equal(future_poll(h, NULL),
				FUTURE_STATE_COMPLETE);
			test_expect_bytes(dst, want, sizeof(dst),
				"second poll");
			test_expect_output(&f, kind, test_ok_result(kind),
				dst + 8);
		}
	}
}

/*
 * test_runtime_wait_multiple -- one runtime_wait_multiple() call over all
 * four kinds of future on one mover
 */
static void
test_runtime_wait_multiple(void **state)
{
	struct test_mover *fx = *state;
	unsigned char a[512], b[512], c[512], d[512];
	unsigned char wa[512], wc[512], wd[512];

	test_fill(a, sizeof(a), 60);
	test_fill(b, sizeof(b), 61);
	test_fill(c, sizeof(c), 62);
	test_fill(d, sizeof(d), 63);
	memcpy(wa, b, sizeof(wa));
	memcpy(wc, c, sizeof(wc));
	memmove(wc + 1, c, 500);
	memcpy(wd, d, sizeof(wd));
	memset(wd + 3, 0xee, 400);

	struct vdm_memcpy_future f1 = vdm_memcpy(fx->vdm, a, b, sizeof(a), 0);
	struct vdm_memmove_future f2 = vdm_memmove(fx->vdm, c + 1, c, 500, 0);
	struct vdm_memset_future f3 = vdm_memset(fx->vdm, d + 3, 0xee, 400,
		VDM_F_NO_CACHE_HINT);
	struct vdm_flush_future f4 = vdm_flush(fx->vdm, b, sizeof(b), 0);
	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&f1), FUTURE_AS_RUNNABLE(&f2),
		FUTURE_AS_RUNNABLE(&f3), FUTURE_AS_RUNNABLE(&f4),
	};

	runtime_wait_multiple(fx->rt, futs, ARRAY_SIZE(futs));

	for (size_t i = 0; i < ARRAY_SIZE(futs); i++)
		assert_int_equal(futs[i]->context.state,
			FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&f1)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&f1)->dest, a);
	assert_int_equal(FUTURE_OUTPUT(&f2)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&f2)->dest, c + 1);
	assert_int_equal(FUTURE_OUTPUT(&f3)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&f3)->str, d + 3);
	assert_int_equal(FUTURE_OUTPUT(&f4)->result, test_ok_result(OP_FLUSH));
	test_expect_bytes(a, wa, sizeof(a), "memcpy");
	test_expect_bytes(c, wc, sizeof(c), "memmove");
	test_expect_bytes(d, wd, sizeof(d), "memset");

	/* complete futures: the runtime returns at once */
	runtime_wait_multiple(fx->rt, futs, ARRAY_SIZE(futs));
	runtime_wait(fx->rt, futs[0]);
}

/*
 * overlap_no_cache -- a memmove with VDM_F_NO_CACHE_HINT whose ranges
 * overlap, dest above src (up) or below: the same bytes as memmove()
 */
static void
overlap_no_cache(struct test_mover *fx, size_t n, size_t shift, int up)
{
	size_t total = GUARD + n + shift + GUARD;
	unsigned char *buf = test_xalloc(total);
	unsigned char *want = test_xalloc(total);
	unsigned char *lo = buf + GUARD;
	unsigned char *hi = lo + shift;

	test_fill(buf, total, (unsigned)(n + shift));
	memcpy(want, buf, total);
	if (up)
		memmove(want + GUARD + shift, want + GUARD, n);
	else
		memmove(want + GUARD, want + GUARD + shift, n);

	struct vdm_memmove_future f = vdm_memmove(fx->vdm, up ? hi : lo,
		up ? lo : hi, n, VDM_F_NO_CACHE_HINT);
	FUTURE_BUSY_POLL(&f);
	assert_int_equal(FUTURE_OUTPUT(&f)->result, VDM_SUCCESS);
	test_expect_bytes(buf, want, total,
		"overlapping memmove with the hint");

	free(buf);
	free(want);
}

/*
 * test_no_cache_hint -- VDM_F_NO_CACHE_HINT is accepted by every operation
 * and moves the same bytes as without it: every size around the point where
 * stores start to bypass the caches, at every alignment of a cache line's
 * start and end, and overlapping memmoves both ways
 */
static void
test_no_cache_hint(void **state)
{
	struct test_mover *fx = *state;
	static const size_t hint_sizes[] = {
		1, 63, 64, 255, 256, 257, 319, 4096, 65536 + 7,
	};
	static const size_t offs[] = { 0, 1, 15, 16, 63 };
	unsigned seed = 70;

	TEST_FOR_EACH_OP(kind) {
		for (size_t i = 0; i < ARRAY_SIZE(hint_sizes); i++) {
			for (size_t o = 0; o < ARRAY_SIZE(offs); o++) {
				struct op_case oc = { kind, VDM_F_NO_CACHE_HINT,
					hint_sizes[i], offs[o], 9, 0x11 };
				run_case(fx, &oc, test_ok_result(kind), seed,
					(enum wait_kind)(seed % WAIT_KINDS));
				seed++;
			}
		}
	}

	for (int up = 0; up < 2; up++) {
		overlap_no_cache(fx, 4096, 1, up);
		overlap_no_cache(fx, 4096, 64, up);
		overlap_no_cache(fx, 300, 299, up);
		overlap_no_cache(fx, 65536 + 3, 4097, up);
	}
}

/*
 * test_mem_durable -- VDM_F_MEM_DURABLE, alone or with the hint, fails
 * every operation with VDM_ERROR_NOT_SUPPORTED and writes nothing
 */
static void
test_mem_durable(void **state)
{
	struct test_mover *fx = *state;

	static const uint64_t flags[] = {
		VDM_F_MEM_DURABLE, VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT,
	};

	TEST_FOR_EACH_OP(kind) {
		for (unsigned i = 0; i < ARRAY_SIZE(flags); i++) {
			/* 4 KiB at an odd offset */
			struct op_case oc = {
				kind, flags[i], 4096, 5, 9, 0x11
			};
			unsigned seed = 80U + 10U * i + (unsigned)kind;
			run_case(fx, &oc, VDM_ERROR_NOT_SUPPORTED, seed,
				(enum wait_kind)(seed % WAIT_KINDS));
		}
	}
}

/*
 * test_property_async -- the synchronous mover's futures do not run
 * elsewhere: FUTURE_PROPERTY_ASYNC is 0, before and after completion
 */
static void
test_property_async(void **state)
{
	struct test_mover *fx = *state;
	unsigned char src[64], dst[64];

	test_fill(src, sizeof(src), 100);
	TEST_FOR_EACH_OP(kind) {
		union test_future f;
		struct future *h = test_op_make(&f, kind, fx->vdm,
			dst, src, 1, sizeof(dst), 0);
		assert_int_equal(future_has_property(h,
			FUTURE_PROPERTY_ASYNC), 0);
		FUTURE_BUSY_POLL(&f.op);
		assert_int_equal(future_has_property(h,
			FUTURE_PROPERTY_ASYNC), 0);
	}
}

/*
 * test_moved_before_first_poll -- a future copied elsewhere (and the
 * original scribbled over) before its first poll still does its work
 */
static void
test_moved_before_first_poll(void **state)
{
	struct test_mover *fx = *state;
	unsigned char src[300], dst[300], want[300];

	TEST_FOR_EACH_OP(kind) {
		test_fill(src, sizeof(src), 110);
		test_fill(dst, sizeof(dst), 111);
		memcpy(want, dst, sizeof(want));
		test_op_apply(kind, want + 1, src + 2, 0x5a, 290);

		union test_future *orig = malloc(sizeof(*orig));
		assert_non_null(orig);
		(void) test_op_make(orig, kind, fx->vdm, dst + 1, src + 2, 0x5a,
			290, 0);
		union test_future *moved = test_future_move(orig);

		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&moved->op),
			NULL), FUTURE_STATE_COMPLETE);
		test_expect_output(moved, kind, test_ok_result(kind), dst + 1);
		test_expect_bytes(dst, want, sizeof(dst), "moved future");
		free(moved);
	}
}

/*
 * test_operation_table -- the mover driven through its struct vdm alone,
 * as a program with its own generic future does (libpmem2 1.12)
 */
static void
test_operation_table(void **state)
{
	struct test_mover *fx = *state;
	struct vdm *vdm = fx->vdm;
	unsigned char src[128], dst[128];

	test_fill(src, sizeof(src), 120);
	test_fill(dst, sizeof(dst), 121);

	struct vdm_operation op = test_operation(OP_MEMCPY, dst, src, 0,
		sizeof(dst), 0);

	void *handle = vdm->op_new(vdm, VDM_OPERATION_MEMCPY);
	assert_non_null(handle);

	struct future_notifier notifier;
	memset(&notifier, 0, sizeof(notifier));
	notifier.notifier_used = FUTURE_NOTIFIER_WAKER;
	assert_int_equal(vdm->op_start(handle, &op, &notifier), 0);
	assert_int_equal(notifier.notifier_used, FUTURE_NOTIFIER_NONE);
	assert_int_equal(vdm->op_check(handle, &op), FUTURE_STATE_COMPLETE);

	struct vdm_operation_output out;
	memset(&out, 0xff, sizeof(out));
	vdm->op_delete(handle, &op, &out);
	assert_int_equal(out.type, VDM_OPERATION_MEMCPY);
	assert_int_equal(out.result, VDM_SUCCESS);
	assert_ptr_equal(out.output.memcpy.dest, dst);
	test_expect_bytes(dst, src, sizeof(dst), "through the table");

	/* the same with a flag the mover cannot honour */
	test_fill(dst, sizeof(dst), 122);
	unsigned char want[128];
	memcpy(want, dst, sizeof(want));
	op.data.memcpy.flags = VDM_F_MEM_DURABLE;
	handle = vdm->op_new(vdm, VDM_OPERATION_MEMCPY);
	assert_non_null(handle);
	assert_int_equal(vdm->op_start(handle, &op, NULL), 0);
	assert_int_equal(vdm->op_check(handle, &op), FUTURE_STATE_COMPLETE);
	memset(&out, 0, sizeof(out));
	vdm->op_delete(handle, &op, &out);
	assert_int_equal(out.type, VDM_OPERATION_MEMCPY);
	assert_int_equal(out.result, VDM_ERROR_NOT_SUPPORTED);
	test_expect_bytes(dst, want, sizeof(dst), "durable through the table");
}

/*
 * table_run -- runs op through the mover's table alone and returns the
 * result op_delete reports
 */
static enum vdm_operation_result
table_run(struct vdm *vdm, const struct vdm_operation *op)
{
	void *handle = test_table_start(vdm, op);
	assert_int_equal(vdm->op_check(handle, op), FUTURE_STATE_COMPLETE);

	struct vdm_operation_output out;
	memset(&out, 0, sizeof(out));
	vdm->op_delete(handle, op, &out);
	assert_int_equal(out.type, op->type);
	return out.result;
}

/*
 * test_operation_table_bad_input -- operations built without vdm_memcpy()
 * and friends (as libpmem2 1.12 builds them) reach the mover unchecked: the
 * mover itself must refuse NULL pointers and unknown flags, moving nothing
 */
static void
test_operation_table_bad_input(void **state)
{
	struct test_mover *fx = *state;
	unsigned char src[64], dst[64], want[64];
	struct vdm_operation op;

	test_fill(src, sizeof(src), 130);
	test_fill(dst, sizeof(dst), 131);
	memcpy(want, dst, sizeof(want));

	op = test_operation(OP_MEMCPY, NULL, src, 0, sizeof(src), 0);
	assert_int_equal(table_run(fx->vdm, &op), VDM_ERROR_INVALID_ARGUMENT);
	op = test_operation(OP_MEMMOVE, dst, NULL, 0, sizeof(dst), 0);
	assert_int_equal(table_run(fx->vdm, &op), VDM_ERROR_INVALID_ARGUMENT);
	op = test_operation(OP_MEMSET, NULL, NULL, 1, 16, 0);
	assert_int_equal(table_run(fx->vdm, &op), VDM_ERROR_INVALID_ARGUMENT);
	op = test_operation(OP_FLUSH, NULL, NULL, 0, 4096, 0);
	assert_int_equal(table_run(fx->vdm, &op), VDM_ERROR_INVALID_ARGUMENT);
	op = test_operation(OP_MEMCPY, dst, src, 0, sizeof(dst),
		(uint64_t)1 << 40);
	assert_int_equal(table_run(fx->vdm, &op), VDM_ERROR_INVALID_FLAGS);

	test_expect_bytes(dst, want, sizeof(dst),
		"bad input through the table");
}

/*
 * main -- runs the synchronous mover's tests
 */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_instance),
		cmocka_unit_test_setup_teardown(test_memcpy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_poll, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_runtime_wait_multiple,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_cache_hint, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_mem_durable, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_property_async, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_moved_before_first_poll,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_operation_table, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_operation_table_bad_input,
			setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
