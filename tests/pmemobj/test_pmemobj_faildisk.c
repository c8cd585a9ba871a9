/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_faildisk.c -- the pmemobj mover on a disk that fails: a
 * write-back (msync) that the kernel fails ends its operation, and every
 * later one of the mover, with VDM_ERROR_IO, while the process lives on;
 * operations written back before keep VDM_SUCCESS.
 *
 * test_pmemobj_faildisk.sh makes the disk: ext4 on a loop device whose
 * image is a sparse file on a small tmpfs, and hands this program the
 * ext4's mount point and the tmpfs.  Once the tmpfs is full, every page
 * the ext4 writes to a block the image does not hold yet fails to reach
 * it, and msync() of such a page fails (ENOSPC or EIO).  The program
 * makes a pool in a sparse file of the ext4, allocates an object in it
 * (libpmemobj writes its metadata then, and would abort the process were
 * its own msync() to fail: it is not called while the disk fails) and
 * runs the mover, with 0 or 2 workers, through a workload:
 *
 *	control		with room on the tmpfs: every operation succeeds,
 *			so the test tells a working disk from a failing one
 *	failing		a round of the four kinds of operation (memcpy,
 *			memmove, memset, flush) succeeds; the tmpfs is
 *			filled; the next round fails, from its first
 *			operation on, and so do futures waited for together;
 *			with room again, a third round fails all the same
 *			(the kernel reports a write-back error once, the
 *			mover from then on); the first round keeps its
 *			success; a new mover of the same pool writes back
 *
 * Each operation writes pages of the object never written before (holes
 * of the file), waited for alone (but the batch), so the first operation
 * after the filling is the first whose write-back needs room; the failing
 * workload runs twice, on two pools, with another kind of operation first
 * each time, and 0 and 2 workers start with different kinds, so that each
 * kind is the first to fail in one of the four.  Every operation's bytes
 * are in the object whatever its result.  A process that dies fails the
 * test.
 *
 * usage: test_pmemobj_faildisk EXT4-DIR TMPFS-DIR NTHREADS
 * Run otherwise (no rig), it skips (77).
 */

#include <errno.h>
#include <fcntl.h>
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
#include "test_loopdev.h"
#include "test_pmemobj_pool.h"

#define POOL_SIZE (16 * MIB)
#define OBJ_SIZE (8 * MIB)
/* each operation's pages lie in a region of their own */
#define REGION (256 * KIB)
/* the kinds of operation of a round, and the futures of the batch */
#define ROUND OP_KINDS
#define BATCH 4

/* the rig and the mover, from the command line */
static const char *ext4_dir;
static const char *tmpfs_dir;
static unsigned nthreads;

struct fixture {
	struct test_rig_file file;	/* the pool's file, a hole */
	struct test_pool pool;
	char *obj;		/* OBJ_SIZE bytes of the pool, never written */
	struct test_mover m;
	unsigned char *src;	/* REGION bytes to copy from */
	unsigned next;		/* the next region to write */
	int filler;		/* the tmpfs's filler, or -1 */
};

/*
 * open_pool -- a fresh file of the rig, name, a pool in it with an object,
 * and a mover for it
 */
static void
open_pool(struct fixture *f, const char *name)
{
	/* a hole: the pool header is zero, the object's pages unwritten */
	test_rig_file_create(&f->file, ext4_dir, name, POOL_SIZE, 0);
	if (test_pool_create_file(&f->pool, f->file.path, POOL_SIZE) != 0)
		fail_msg("no pool in %s", f->file.path);
	if (f->pool.is_pmem)
		fail_msg("libpmem takes the pool for persistent memory: "
			"nothing would be written back");
	PMEMoid oid;
	if (pmemobj_alloc(f->pool.pop, &oid, OBJ_SIZE, 1, NULL, NULL) != 0)
		fail_msg("pmemobj_alloc: %s", pmemobj_errormsg());
	f->obj = pmemobj_direct(oid);
	test_pool_expose(&f->pool);
	assert_int_equal(test_pool_mover(&f->m, &f->pool, nthreads), 0);
}

/*
 * setup -- the fixture, no pool yet
 */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->file.fd = -1;
	f->filler = -1;
	f->src = malloc(REGION);
	if (f->src == NULL) {
		free(f);
		return -1;
	}
	test_fill(f->src, REGION, 4321);
	*state = f;
	return 0;
}

/*
 * teardown -- deletes the mover, closes the pool and its file, removes
 * the filler
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->m.vdm != NULL)
		test_mover_fini(&f->m);
	test_pool_close(&f->pool);
	test_rig_file_close(&f->file);
	f->filler = test_rig_unfill(tmpfs_dir, f->filler, 0);
	free(f->src);
	free(f);
	return 0;
}

/*
 * next_op -- an operation of type on the next region of the object, 3
 * pages and a bit, unaligned: a copy or a move from src, a memset, or a
 * flush of bytes stored now with plain stores; *expect gets the bytes it
 * leaves
 */
static struct vdm_operation
next_op(struct fixture *f, enum vdm_operation_type type,
	const unsigned char **expect, unsigned char *set)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = 3 * page + 100;
	unsigned r = f->next++;
	char *dest = f->obj + (size_t)r * REGION + 17;
	unsigned char *src = f->src + r;

	assert_true((size_t)(r + 1) * REGION <= OBJ_SIZE);
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
 * run_round -- the four kinds of operation, the first being first, each
 * waited for alone: each must end with result, its bytes in the object
 * either way; the futures stay in futs
 */
static void
run_round(struct fixture *f, enum vdm_operation_type first,
	enum vdm_operation_result result, union test_future *futs)
{
	unsigned char *set = malloc(REGION);

	assert_non_null(set);
	for (unsigned i = 0; i < ROUND; i++) {
		enum vdm_operation_type type = (first + i) % OP_KINDS;
		const unsigned char *expect;
		struct vdm_operation op = next_op(f, type, &expect, set);
		struct test_op_args a = test_operation_args(&op);

		/* a failed write-back reaches the result, never errno */
		errno = 0;
		runtime_wait(f->m.rt, test_operation_make(&futs[i],
			f->m.vdm, &op));
		assert_int_equal(errno, 0);
		test_expect_output(&futs[i], type, result,
			result == VDM_SUCCESS ? a.dest : NULL);
		test_expect_bytes(a.dest, expect, a.n, "the object");
	}
	free(set);
}

/*
 * run_batch -- BATCH copies waited for together: each must end with result
 */
static void
run_batch(struct fixture *f, enum vdm_operation_result result)
{
	struct vdm_operation ops[BATCH];
	const unsigned char *expect[BATCH];

	for (unsigned i = 0; i < BATCH; i++)
		ops[i] = next_op(f, OP_MEMCPY, &expect[i], NULL);
	test_wait_together(&f->m, ops, BATCH, result);
	for (unsigned i = 0; i < BATCH; i++)
		test_expect_bytes(ops[i].data.memcpy.dest, expect[i],
			ops[i].data.memcpy.n, "the object");
}

/*
 * workload -- three rounds and a batch, the rounds starting with first;
 * fail: the tmpfs is filled after the first round, and has room again
 * before the third
 */
static void
workload(struct fixture *f, enum vdm_operation_type first, int fail)
{
	enum vdm_operation_result later = fail ? VDM_ERROR_IO : VDM_SUCCESS;
	union test_future before[ROUND];
	union test_future after[ROUND];
	static const char *const names[] = {
		"memcpy", "memmove", "memset", "flush",
	};

	print_message("%u threads, %s first\n", nthreads, names[first]);
	run_round(f, first, VDM_SUCCESS, before);
	if (fail)
		test_rig_fill(tmpfs_dir, &f->filler);
	run_round(f, first, later, after);
	run_batch(f, later);
	if (fail)
		f->filler = test_rig_unfill(tmpfs_dir, f->filler, 1);
	run_round(f, first, later, after);

	/* written back before the failure: still a success */
	for (unsigned i = 0; i < ROUND; i++)
		assert_int_equal(FUTURE_OUTPUT(&before[i].op)->result,
			VDM_SUCCESS);

	/* the failure was the mover's: a new one of the same pool, with
	 * room on the tmpfs, writes back */
	test_mover_fini(&f->m);
	assert_int_equal(test_pool_mover(&f->m, &f->pool, nthreads), 0);
	run_round(f, first, VDM_SUCCESS, after);
}

/*
 * first_kind -- the kind of operation a workload starts with: turns with
 * the number of workers and the run (0 or 1)
 */
static enum vdm_operation_type
first_kind(unsigned run)
{
	return (enum vdm_operation_type)(((nthreads ? 2 : 0) + run) %
		OP_KINDS);
}

/*
 * test_control -- the workload with room on the tmpfs: every operation
 * succeeds
 */
static void
test_control(void **state)
{
	struct fixture *f = *state;

	open_pool(f, "control");
	workload(f, first_kind(0), 0);
}

/*
 * test_failing -- the workload with the tmpfs filled after the first
 * round: the operations from then on end with VDM_ERROR_IO
 */
static void
test_failing(void **state)
{
	struct fixture *f = *state;

	open_pool(f, "failing-0");
	workload(f, first_kind(0), 1);
}

/*
 * test_failing_again -- the same on a pool of its own, another kind of
 * operation first
 */
static void
test_failing_again(void **state)
{
	struct fixture *f = *state;

	open_pool(f, "failing-1");
	workload(f, first_kind(1), 1);
}

/*
 * main -- the rig and the number of workers from the command line, then
 * the control and the failing disk, in this order (the control needs the
 * room)
 */
int
main(int argc, char *argv[])
{
	char *end = NULL;

	if (argc != 4) {
		fprintf(stderr, "usage: %s EXT4-DIR TMPFS-DIR NTHREADS "
			"(test_pmemobj_faildisk.sh makes the disk): "
			"skipped\n", argv[0]);
		return 77;
	}
	ext4_dir = argv[1];
	tmpfs_dir = argv[2];
	errno = 0;
	unsigned long n = strtoul(argv[3], &end, 10);
	if (errno != 0 || *end != '\0' || n > 64) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	nthreads = (unsigned)n;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_again, setup,
			teardown),
	};
	char name[64];
	(void) snprintf(name, sizeof(name), "pmemobj faildisk, %u threads",
		nthreads);
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
