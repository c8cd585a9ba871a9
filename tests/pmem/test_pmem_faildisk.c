/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_faildisk.c -- a pmem mover on a disk that fails: a write-back
 * (msync) that the kernel fails ends its operation, and every later one of
 * the mover, with VDM_ERROR_IO, while the process lives on; operations
 * written back before keep VDM_SUCCESS.
 *
 * test_pmem_faildisk.sh makes the disk: ext4 on a loop device whose image
 * is a sparse file on a small tmpfs, and hands this program the ext4's
 * mount point and the tmpfs.  Once the tmpfs is full, every page the ext4
 * writes to a block the image does not hold yet fails to reach it, and
 * msync() of such a page fails (ENOSPC or EIO).  The program runs one
 * mover (vdm_pmem2_new() on a PAGE map, or vdm_pmem_new() on a file mapped
 * with pmem_map_file(), with 0 or 2 workers) through the same workload
 * twice, on two files of the ext4:
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
 *			success; a new mover of the same map writes back
 *
 * Each operation writes pages never written before, waited for alone (but
 * the batch), so the first operation after the filling is the first whose
 * write-back needs room; which kind of operation comes first turns with
 * the mover and its workers, so that each kind is the first to fail in
 * one of the four runs.  Every operation's bytes are in the map whatever
 * its result.  A process that dies (libpmem2 1.12 aborts when the msync of
 * its persist function fails) fails the test.
 *
 * usage: test_pmem_faildisk EXT4-DIR TMPFS-DIR pmem2|libpmem NTHREADS
 * Run otherwise (no rig), it skips (77).
 */

#include <libminiasync.h>

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

#define FILE_SIZE (8 * MIB)
/* each operation's pages lie in a region of their own */
#define REGION (256 * KIB)
/* the kinds of operation of a round, and the futures of the batch */
#define ROUND OP_KINDS
#define BATCH 4

/* the rig and the mover, from the command line */
static const char *ext4_dir;
static const char *tmpfs_dir;
static enum test_rig_kind kind;
static unsigned nthreads;

struct fixture {
	struct test_rig_file file;
	struct test_mover m;
	unsigned char *src;	/* REGION bytes to copy from */
	unsigned next;		/* the next region to write */
	int filler;		/* the tmpfs's filler, or -1 */
};

/*
 * open_file -- a fresh file of the rig, name, mapped, and a mover for it
 */
static void
open_file(struct fixture *f, const char *name)
{
	test_rig_file_create(&f->file, ext4_dir, name, FILE_SIZE, 0);
	if (test_rig_file_map(&f->file, kind) != 0)
		fail_msg("the file would not be written back");
	assert_int_equal(test_mover_init(&f->m,
		test_rig_mover(&f->file, nthreads), "mover"), 0);
}

/*
 * setup -- the fixture, no file yet
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
 * teardown -- deletes the mover, unmaps the file, removes the filler
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->m.vdm != NULL)
		test_mover_fini(&f->m);
	test_rig_file_close(&f->file);
	f->filler = test_rig_unfill(tmpfs_dir, f->filler, 0);
	free(f->src);
	free(f);
	return 0;
}

/*
 * next_op -- an operation of type on the next region of the file, 3 pages
 * and a bit, unaligned: a copy or a move from src, a memset, or a flush of
 * bytes stored now with plain stores; *expect gets the bytes it leaves
 */
static struct vdm_operation
next_op(struct fixture *f, enum vdm_operation_type type,
	const unsigned char **expect, unsigned char *set)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = 3 * page + 100;
	unsigned r = f->next++;
	char *dest = f->file.addr + (size_t)r * REGION + 17;
	unsigned char *src = f->src + r;

	assert_true((size_t)(r + 1) * REGION <= FILE_SIZE);
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
 * waited for alone: each must end with result, its bytes in the map
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
		test_expect_bytes(a.dest, expect, a.n, "the map");
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
			ops[i].data.memcpy.n, "the map");
}

/*
 * workload -- three rounds and a batch; fail: the tmpfs is filled after
 * the first round, and has room again before the third
 */
static void
workload(struct fixture *f, int fail)
{
	enum vdm_operation_result later = fail ? VDM_ERROR_IO : VDM_SUCCESS;
	/* each kind is the first to fail for one mover and mode */
	enum vdm_operation_type first = (enum vdm_operation_type)
		((kind == TEST_RIG_PMEM2 ? 0 : 2) + (nthreads ? 1 : 0));
	union test_future before[ROUND];
	union test_future after[ROUND];

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

	/* the failure was the mover's: a new one of the same map, with room
	 * on the tmpfs, writes back */
	test_mover_fini(&f->m);
	assert_int_equal(test_mover_init(&f->m,
		test_rig_mover(&f->file, nthreads), "mover"), 0);
	run_round(f, first, VDM_SUCCESS, after);
}

/*
 * test_control -- the workload with room on the tmpfs: every operation
 * succeeds
 */
static void
test_control(void **state)
{
	struct fixture *f = *state;

	open_file(f, "control");
	workload(f, 0);
}

/*
 * test_failing -- the workload with the tmpfs filled after the first
 * round: the operations from then on end with VDM_ERROR_IO
 */
static void
test_failing(void **state)
{
	struct fixture *f = *state;

	open_file(f, "failing");
	workload(f, 1);
}

/*
 * main -- the rig and the mover from the command line, then the control
 * and the failing disk, in this order (the control needs the room)
 */
int
main(int argc, char *argv[])
{
	char *end = NULL;

	if (argc != 5) {
		fprintf(stderr, "usage: %s EXT4-DIR TMPFS-DIR pmem2|libpmem "
			"NTHREADS (test_pmem_faildisk.sh makes the disk): "
			"skipped\n", argv[0]);
		return 77;
	}
	ext4_dir = argv[1];
	tmpfs_dir = argv[2];
	errno = 0;
	unsigned long n = strtoul(argv[4], &end, 10);
	if (test_rig_kind_parse(argv[3], &kind) != 0 || errno != 0 ||
			*end != '\0' || n > 64) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	nthreads = (unsigned)n;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing, setup, teardown),
	};
	char name[64];
	(void) snprintf(name, sizeof(name), "faildisk, %s, %u threads",
		argv[3], nthreads);
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
