/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_device.c -- durable down to the device: once a future of a
 * pmem mover completes, its bytes are on the medium under the file
 * system, not only in the page cache.
 *
 * test_pmem_device.sh makes the device: ext4 on a loop device in direct
 * I/O mode (the loop device writes through to its image with O_DIRECT,
 * keeping no page of it cached) whose image is a file in /var/tmp, and
 * hands this program the ext4's mount point and the image.  The program
 * writes a file on the ext4 whole and fsync()s it, so that every block is
 * allocated and written, and reads the image at the file's extents with
 * O_DIRECT, from no cached page (test_image.h): what it reads is what
 * reached the image's medium.
 *
 *	reader		the image holds the file as written and fsync()ed:
 *			the extents and the reading are right
 *	operations	memcpy, memmove, memset and flush (of bytes stored
 *			with plain stores), each of a few unaligned pages,
 *			a copy of 1 MiB (split among the workers), and eight
 *			copies waited for together: once each future is
 *			complete with VDM_SUCCESS, the image holds its bytes
 *	control		bytes stored into the map with plain stores, not
 *			written back: the image still holds the old ones
 *			there (the check can fail); a flush of them then
 *			puts them there
 *
 * Runs for vdm_pmem2_new() on a PAGE map with 0 and 2 workers, each with
 * the kernel's copies (process_vm_writev(), counted through the test seam
 * where they are expected: not under valgrind nor ThreadSanitizer) and
 * without them (pmv__kernel_store_disabled), and for vdm_pmem_new() on a
 * file mapped with pmem_map_file(), with 0 and 2 workers; each mode on a
 * file of its own.
 *
 * usage: test_pmem_device EXT4-DIR IMAGE
 * Run otherwise (no rig), it skips (77).
 */

#include "test_pmem2_file.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pmem_seam.h"
#include "test_helpers.h"
#include "test_image.h"
#include "test_device.h"
#include "test_loopdev.h"

#define FILE_SIZE (4 * MIB)

/* the rig, from the command line */
static const char *ext4_dir;
static struct test_image image;

struct mode {
	const char *name;
	enum test_rig_kind kind;
	unsigned nthreads;
	int kernel_copy;	/* the kernel may copy (pmem2) */
};

static const struct mode modes[] = {
	{ "pmem2-0-kcopy", TEST_RIG_PMEM2, 0, 1 },
	{ "pmem2-2-kcopy", TEST_RIG_PMEM2, 2, 1 },
	{ "pmem2-0-stores", TEST_RIG_PMEM2, 0, 0 },
	{ "pmem2-2-stores", TEST_RIG_PMEM2, 2, 0 },
	{ "libpmem-0", TEST_RIG_LIBPMEM, 0, 0 },
	{ "libpmem-2", TEST_RIG_LIBPMEM, 2, 0 },
};

struct fixture {
	const struct mode *mode;
	struct test_rig_file file;
	struct test_device d;	/* the mover; the whole file is its range */
};

/* the pieces the kernel copied for the mover */
static struct test_calls kernel_copies = TEST_CALLS_INITIALIZER;

/*
 * count_kernel_copy -- pmv__kernel_store_seam: counts a piece
 */
static void
count_kernel_copy(const struct vdm_operation *op, size_t off, size_t len)
{
	(void) op;
	(void) off;
	(void) len;
	(void) test_calls_add(&kernel_copies, NULL, NULL);
}

/*
 * setup -- a fresh file of the mode, written whole and fsync()ed, its
 * extents, the image checked to hold it, the map and the mover
 */
static int
setup(void **state)
{
	const struct mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mode = mode;
	test_device_init(&f->d, mode->name, "the map", &image, FILE_SIZE,
		FILE_SIZE);

	/* a file of its own for every test */
	static unsigned files;
	char name[64];
	(void) snprintf(name, sizeof(name), "%s.%u", mode->name, files++);
	test_rig_file_create(&f->file, ext4_dir, name, FILE_SIZE,
		TEST_DEVICE_OLD_SEED);
	test_extents_map(&f->d.ext, f->file.fd, FILE_SIZE, &image);
	if (test_rig_file_map(&f->file, mode->kind) != 0)
		fail_msg("the file would not be written back");
	f->d.file = f->file.addr;
	f->d.range = f->file.addr;
	assert_int_equal(test_mover_init(&f->d.m,
		test_rig_mover(&f->file, mode->nthreads), "mover"), 0);
	pmv__kernel_store_disabled = !mode->kernel_copy;
	test_calls_reset(&kernel_copies, 0);
	*state = f;
	return 0;
}

/*
 * teardown -- the mover, the map, the buffers
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_mover_fini(&f->d.m);
	test_rig_file_close(&f->file);
	pmv__kernel_store_disabled = 0;
	test_device_fini(&f->d);
	free(f);
	return 0;
}

/*
 * kernel_copy_expected -- whether the kernel copies for the mode's mover,
 * as test_file_kernel_copy_expected() finds out for the file's map
 */
static int
kernel_copy_expected(const struct fixture *f)
{
	struct test_file tf;

	if (f->mode->kind != TEST_RIG_PMEM2 || !f->mode->kernel_copy)
		return 0;
	memset(&tf, 0, sizeof(tf));
	tf.fd = f->file.fd;
	tf.gran = PMEM2_GRANULARITY_PAGE;
	return test_file_kernel_copy_expected(&tf);
}

/*
 * test_reader -- the image holds the whole file as written: the extents
 * and the reading find its bytes
 */
static void
test_reader(void **state)
{
	struct fixture *f = *state;

	test_device_expect(&f->d, f->file.addr, f->d.old, FILE_SIZE,
		"the file written");
}

/*
 * test_operations -- every kind of operation, a split copy and copies
 * waited for together: their bytes are in the image once they complete
 * (test_device.h); the kernel copied pieces where it is expected to
 */
static void
test_operations(void **state)
{
	struct fixture *f = *state;

	test_device_operations(&f->d);

	unsigned copies = test_calls_count(&kernel_copies);
	if (kernel_copy_expected(f))
		assert_true(copies > 0);
	else
		assert_int_equal(copies, 0);
	fprintf(stderr, "%s: %u pieces copied by the kernel\n",
		f->mode->name, copies);
}

/*
 * test_control -- bytes stored with plain stores and not written back are
 * not in the image; a flush puts them there (test_device.h)
 */
static void
test_control(void **state)
{
	struct fixture *f = *state;

	test_device_control(&f->d);
}

/*
 * TESTS -- the tests of mode _m
 */
#define TESTS(_m)\
	TEST_PRESTATE(test_reader, modes[_m]),\
	TEST_PRESTATE(test_operations, modes[_m]),\
	TEST_PRESTATE(test_control, modes[_m])

/*
 * main -- the rig from the command line, then every mode
 */
int
main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s EXT4-DIR IMAGE "
			"(test_pmem_device.sh makes the device): skipped\n",
			argv[0]);
		return 77;
	}
	ext4_dir = argv[1];
	if (test_image_open(&image, argv[2]) != 0)
		return 1;
	pmv__kernel_store_seam = count_kernel_copy;

	const struct CMUnitTest tests[] = {
		TESTS(0), TESTS(1), TESTS(2), TESTS(3), TESTS(4), TESTS(5),
	};
	_Static_assert(ARRAY_SIZE(modes) == 6, "a TESTS() per mode");
	int failed = cmocka_run_group_tests_name("device", tests, NULL, NULL);

	pmv__kernel_store_seam = NULL;
	test_image_close(&image);
	return failed;
}
