/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_faildisk.h -- the workload of the failing-disk tests
 * (pmem_faildisk, pmemobj_faildisk) on one mover and a range of a file of
 * the rig that was never written (test_loopdev.h): rounds of the four
 * kinds of operation, each waited for alone, and a batch waited for
 * together, with the rig's tmpfs filled between the first round and the
 * next.  Each operation writes pages of a region of its own, so that the
 * first one after the filling is the first whose write-back needs room.
 * Include after <cmocka.h>, test_helpers.h and test_loopdev.h.
 */

#ifndef TEST_FAILDISK_H
#define TEST_FAILDISK_H 1

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* each operation's pages lie in a region of their own */
#define TEST_FAILDISK_REGION (256 * KIB)
/* the kinds of operation of a round, and the futures of the batch */
#define TEST_FAILDISK_ROUND OP_KINDS
#define TEST_FAILDISK_BATCH 4

/* a mover, the range it writes, and the rig's tmpfs */
struct test_faildisk {
	struct test_mover m;	/* made by the test */
	char *base;		/* where the regions lie, never written */
	size_t size;		/* its length */
	const char *what;	/* its name in messages ("the map") */
	const char *tmpfs_dir;	/* the rig's tmpfs */
	unsigned char *src;	/* TEST_FAILDISK_REGION bytes to copy from */
	unsigned next;		/* the next region to write */
	int filler;		/* the tmpfs's filler, or -1 */
	/* makes a new mover of the same range into m: 0, or -1 */
	int (*remake)(struct test_mover *m, void *arg);
	void *remake_arg;
};

/*
 * test_faildisk_init -- no mover and no range yet, the bytes to copy from;
 * 0, or -1 if they cannot be allocated
 */
static inline int
test_faildisk_init(struct test_faildisk *w, const char *tmpfs_dir,
	const char *what, int (*remake)(struct test_mover *m, void *arg),
	void *remake_arg)
{
	memset(w, 0, sizeof(*w));
	w->what = what;
	w->tmpfs_dir = tmpfs_dir;
	w->filler = -1;
	w->remake = remake;
	w->remake_arg = remake_arg;
	w->src = malloc(TEST_FAILDISK_REGION);
	if (w->src == NULL)
		return -1;
	test_fill(w->src, TEST_FAILDISK_REGION, 4321);
	return 0;
}

/*
 * test_faildisk_next_op -- an operation of type on the next region of the
 * range, 3 pages and a bit, unaligned: a copy or a move from src, a
 * memset, or a flush of bytes stored now with plain stores; *expect gets
 * the bytes it leaves
 */
static inline struct vdm_operation
test_faildisk_next_op(struct test_faildisk *w, enum vdm_operation_type type,
	const unsigned char **expect, unsigned char *set)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = 3 * page + 100;
	unsigned r = w->next++;
	char *dest = w->base + (size_t)r * TEST_FAILDISK_REGION + 17;
	unsigned char *src = w->src + r;

	assert_true((size_t)(r + 1) * TEST_FAILDISK_REGION <= w->size);
	*expect = src;
	if (type == OP_MEMSET) {
		memset(set, 0x40 + (int)r, n);
		*expect = set;
	} else if (type == OP_FLUSH) {
		memcpy(dest, src, n);
	}
	return test_operation(type, dest, src, 0x40 + (int)r, n, 0);
}

/*
 * test_faildisk_round -- the four kinds of operation, the first being
 * first, each waited for alone: each must end with result, its bytes in
 * the range either way; the futures stay in futs
 */
static inline void
test_faildisk_round(struct test_faildisk *w, enum vdm_operation_type first,
	enum vdm_operation_result result, union test_future *futs)
{
	unsigned char *set = malloc(TEST_FAILDISK_REGION);

	assert_non_null(set);
	for (unsigned i = 0; i < TEST_FAILDISK_ROUND; i++) {
		enum vdm_operation_type type = (first + i) % OP_KINDS;
		const unsigned char *expect;
		struct vdm_operation op = test_faildisk_next_op(w, type,
			&expect, set);
		struct test_op_args a = test_operation_args(&op);

		/* a failed write-back reaches the result, never errno */
		errno = 0;
		runtime_wait(w->m.rt, test_operation_make(&futs[i],
			w->m.vdm, &op));
		assert_int_equal(errno, 0);
		test_expect_output(&futs[i], type, result,
			result == VDM_SUCCESS ? a.dest : NULL);
		test_expect_bytes(a.dest, expect, a.n, w->what);
	}
	free(set);
}

/*
 * test_faildisk_batch -- TEST_FAILDISK_BATCH copies waited for together:
 * each must end with result
 */
static inline void
test_faildisk_batch(struct test_faildisk *w, enum vdm_operation_result result)
{
	struct vdm_operation ops[TEST_FAILDISK_BATCH];
	const unsigned char *expect[TEST_FAILDISK_BATCH];

	for (unsigned i = 0; i < TEST_FAILDISK_BATCH; i++)
		ops[i] = test_faildisk_next_op(w, OP_MEMCPY, &expect[i],
			NULL);
	test_wait_together(&w->m, ops, TEST_FAILDISK_BATCH, result);
	for (unsigned i = 0; i < TEST_FAILDISK_BATCH; i++)
		test_expect_bytes(ops[i].data.memcpy.dest, expect[i],
			ops[i].data.memcpy.n, w->what);
}

/*
 * test_faildisk_workload -- three rounds and a batch, the rounds starting
 * with first; fail: the tmpfs is filled after the first round, and has
 * room again before the third.  The first round keeps its success, and a
 * new mover of the same range (remake) writes back.
 */
static inline void
test_faildisk_workload(struct test_faildisk *w, enum vdm_operation_type first,
	int fail)
{
	enum vdm_operation_result later = fail ? VDM_ERROR_IO : VDM_SUCCESS;
	union test_future before[TEST_FAILDISK_ROUND];
	union test_future after[TEST_FAILDISK_ROUND];

	test_faildisk_round(w, first, VDM_SUCCESS, before);
	if (fail)
		test_rig_fill(w->tmpfs_dir, &w->filler);
	test_faildisk_round(w, first, later, after);
	test_faildisk_batch(w, later);
	if (fail)
		w->filler = test_rig_unfill(w->tmpfs_dir, w->filler, 1);
	test_faildisk_round(w, first, later, after);

	/* written back before the failure: still a success */
	for (unsigned i = 0; i < TEST_FAILDISK_ROUND; i++)
		assert_int_equal(FUTURE_OUTPUT(&before[i].op)->result,
			VDM_SUCCESS);

	/* the failure was the mover's: a new one of the same range, with
	 * room on the tmpfs, writes back */
	test_mover_fini(&w->m);
	assert_int_equal(w->remake(&w->m, w->remake_arg), 0);
	test_faildisk_round(w, first, VDM_SUCCESS, after);
}

#endif /* TEST_FAILDISK_H */
