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
#include "test_faildisk.h"
#include "test_pmemobj_pool.h"

#define POOL_SIZE (16 * MIB)
#define OBJ_SIZE (8 * MIB)

/* the rig and the mover, from the command line */
static const char *ext4_dir;
static const char *tmpfs_dir;
static unsigned nthreads;

struct fixture {
	struct test_rig_file file;	/* the pool's file, a hole */
	struct test_pool pool;
	/* the mover, and OBJ_SIZE bytes of the pool, never written */
	struct test_faildisk w;
};

/*
 * remake -- a new mover of the pool (test_faildisk.h)
 */
static int
remake(struct test_mover *m, void *arg)
{
	struct fixture *f = arg;

	return test_pool_mover(m, &f->pool, nthreads);
}

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
	f->w.base = pmemobj_direct(oid);
	f->w.size = OBJ_SIZE;
	test_pool_expose(&f->pool);
	assert_int_equal(remake(&f->w.m, f), 0);
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
	if (test_faildisk_init(&f->w, tmpfs_dir, "the object", remake,
			f) != 0) {
		free(f);
		return -1;
	}
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

	if (f->w.m.vdm != NULL)
		test_mover_fini(&f->w.m);
	test_pool_close(&f->pool);
	test_rig_file_close(&f->file);
	f->w.filler = test_rig_unfill(tmpfs_dir, f->w.filler, 0);
	free(f->w.src);
	free(f);
	return 0;
}

/*
 * workload -- the workload of test_faildisk.h, the rounds starting with
 * first
 */
static void
workload(struct fixture *f, enum vdm_operation_type first, int fail)
{
	static const char *const names[] = {
		"memcpy", "memmove", "memset", "flush",
	};

	print_message("%u threads, %s first\n", nthreads, names[first]);
	test_faildisk_workload(&f->w, first, fail);
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
