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
#include "test_faildisk.h"

#define FILE_SIZE (8 * MIB)

/* the rig and the mover, from the command line */
static const char *ext4_dir;
static const char *tmpfs_dir;
static enum test_rig_kind kind;
static unsigned nthreads;

struct fixture {
	struct test_rig_file file;
	struct test_faildisk w;	/* the mover and the map's range */
};

/*
 * remake -- a new mover of the file's map (test_faildisk.h)
 */
static int
remake(struct test_mover *m, void *arg)
{
	struct fixture *f = arg;

	return test_mover_init(m, test_rig_mover(&f->file, nthreads),
		"mover");
}

/*
 * open_file -- a fresh file of the rig, name, mapped, and a mover for it
 */
static void
open_file(struct fixture *f, const char *name)
{
	test_rig_file_create(&f->file, ext4_dir, name, FILE_SIZE, 0);
	if (test_rig_file_map(&f->file, kind) != 0)
		fail_msg("the file would not be written back");
	f->w.base = f->file.addr;
	f->w.size = FILE_SIZE;
	assert_int_equal(remake(&f->w.m, f), 0);
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
	if (test_faildisk_init(&f->w, tmpfs_dir, "the map", remake, f) != 0) {
		free(f);
		return -1;
	}
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

	if (f->w.m.vdm != NULL)
		test_mover_fini(&f->w.m);
	test_rig_file_close(&f->file);
	f->w.filler = test_rig_unfill(tmpfs_dir, f->w.filler, 0);
	free(f->w.src);
	free(f);
	return 0;
}

/*
 * workload -- the workload of test_faildisk.h; each kind is the first to
 * fail for one mover and mode
 */
static void
workload(struct fixture *f, int fail)
{
	enum vdm_operation_type first = (enum vdm_operation_type)
		((kind == TEST_RIG_PMEM2 ? 0 : 2) + (nthreads ? 1 : 0));

	test_faildisk_workload(&f->w, first, fail);
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
