/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_device.c -- durable down to the device: once a future of
 * the pmemobj mover completes, its bytes are on the medium under the file
 * system, not only in the page cache.
 *
 * test_pmemobj_device.sh makes the device: ext4 on a loop device in
 * direct I/O mode (the loop device writes through to its image with
 * O_DIRECT, keeping no page of it cached) whose image is a file in
 * /var/tmp, and hands this program the ext4's mount point and the image.
 * The program writes a file on the ext4 whole (its first page zero: the
 * pool header to be) and fsync()s it, so that every block is allocated
 * and written, makes a pool in it and allocates an object without zeroing
 * it (the object holds the file's bytes as written, but for a few bytes
 * at its start that libpmemobj writes; the pool's pmemobj_persist() makes
 * them durable), and reads the image at the file's extents with O_DIRECT,
 * from no cached page (test_image.h):
 *
 *	reader		the image holds the object as it is: the extents
 *			and the reading are right
 *	operations	memcpy, memmove, memset and flush (of bytes stored
 *			with plain stores), each of a few unaligned pages,
 *			a copy of 1 MiB (split among the workers), and eight
 *			copies waited for together: once each future is
 *			complete with VDM_SUCCESS, the image holds its bytes
 *	control		bytes stored into the object with plain stores, not
 *			written back: the image still holds the old ones
 *			there (the check can fail); a flush of them then
 *			puts them there
 *
 * Runs with 0 and 2 workers, each with the kernel's copies
 * (process_vm_writev(), counted through the test seam) and without them
 * (pmv__kernel_store_disabled); each mode on a pool of its own.
 *
 * usage: test_pmemobj_device EXT4-DIR IMAGE
 * Run otherwise (no rig), it skips (77).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pmem_seam.h"
#include "test_checkers.h"
#include "test_helpers.h"
#include "test_image.h"
#include "test_device.h"
#include "test_loopdev.h"
#include "test_pmemobj_pool.h"

#define POOL_SIZE (16 * MIB)
#define OBJ_SIZE (4 * MIB)
/* the bytes of the file kept zero: the pool header to be */
#define HEADER ((size_t)4096)

/* the rig, from the command line */
static const char *ext4_dir;
static struct test_image image;

struct mode {
	const char *name;
	unsigned nthreads;
	int kernel_copy;	/* the kernel may copy */
};

static const struct mode modes[] = {
	{ "pmemobj-0-kcopy", 0, 1 },
	{ "pmemobj-2-kcopy", 2, 1 },
	{ "pmemobj-0-stores", 0, 0 },
	{ "pmemobj-2-stores", 2, 0 },
};

struct fixture {
	const struct mode *mode;
	struct test_rig_file file;	/* the pool's */
	struct test_pool pool;
	size_t obj_off;		/* where the object lies in the file */
	/* the mover; its range is the object, OBJ_SIZE bytes of the pool */
	struct test_device d;
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
 * setup -- a fresh file, written whole and fsync()ed, its extents, a pool
 * in it with an object, and the mover of the mode
 */
static int
setup(void **state)
{
	const struct mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mode = mode;
	test_device_init(&f->d, mode->name, "the object", &image, POOL_SIZE,
		OBJ_SIZE);
	memset(f->d.old, 0, HEADER);

	/* a file of its own for every test */
	static unsigned files;
	char name[64];
	(void) snprintf(name, sizeof(name), "%s.%u", mode->name, files++);
	test_rig_file_create(&f->file, ext4_dir, name, POOL_SIZE,
		TEST_DEVICE_OLD_SEED);
	assert_int_equal(pwrite(f->file.fd, f->d.old, HEADER, 0),
		(ssize_t)HEADER);
	assert_int_equal(fsync(f->file.fd), 0);
	test_extents_map(&f->d.ext, f->file.fd, POOL_SIZE, &image);

	if (test_pool_create_file(&f->pool, f->file.path, POOL_SIZE) != 0)
		fail_msg("no pool in %s", f->file.path);
	if (f->pool.is_pmem)
		fail_msg("libpmem takes the pool for persistent memory: "
			"nothing would be written back");
	PMEMoid oid;
	if (pmemobj_alloc(f->pool.pop, &oid, OBJ_SIZE, 1, NULL, NULL) != 0)
		fail_msg("pmemobj_alloc: %s", pmemobj_errormsg());
	f->d.file = f->pool.base;
	f->d.range = pmemobj_direct(oid);
	f->obj_off = (size_t)(f->d.range - f->pool.base);
	test_pool_expose(&f->pool);
	/* libpmemobj writes the first bytes of a new object (the free
	 * chunk's metadata that was there): what the object holds now,
	 * made durable by the pool itself, is the old content */
	pmemobj_persist(f->pool.pop, f->d.range, OBJ_SIZE);
	memcpy(f->d.old + f->obj_off, f->d.range, OBJ_SIZE);

	pmv__kernel_store_disabled = !mode->kernel_copy;
	assert_int_equal(test_pool_mover(&f->d.m, &f->pool, mode->nthreads),
		0);
	test_calls_reset(&kernel_copies, 0);
	*state = f;
	return 0;
}

/*
 * teardown -- the mover, the pool, the file, the buffers
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_mover_fini(&f->d.m);
	test_pool_close(&f->pool);
	test_rig_file_close(&f->file);
	pmv__kernel_store_disabled = 0;
	test_device_fini(&f->d);
	free(f);
	return 0;
}

/*
 * kernel_copy_expected -- whether the kernel copies for the mode's mover:
 * asked for, and neither valgrind nor ThreadSanitizer runs the test (the
 * mover finds the call refused under them)
 */
static int
kernel_copy_expected(const struct fixture *f)
{
	return f->mode->kernel_copy && !TEST_UNDER_VALGRIND() &&
		!TEST_UNDER_TSAN;
}

/*
 * test_reader -- the image holds the whole object as it is, the file's
 * bytes as written but for the first few: the extents and the reading
 * find its bytes
 */
static void
test_reader(void **state)
{
	struct fixture *f = *state;
	char *obj = f->d.range;

	assert_true(f->obj_off >= HEADER);
	assert_true(f->obj_off + OBJ_SIZE <= POOL_SIZE);
	test_device_expect(&f->d, obj, f->d.old + f->obj_off, OBJ_SIZE,
		"the object as it is");
	/* as the file was written, past libpmemobj's bytes */
	unsigned char *written = malloc(POOL_SIZE);
	assert_non_null(written);
	test_fill(written, POOL_SIZE, TEST_DEVICE_OLD_SEED);
	test_expect_bytes(obj + 4096, written + f->obj_off + 4096,
		OBJ_SIZE - 4096, "the object");
	free(written);
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
			"(test_pmemobj_device.sh makes the device): "
			"skipped\n", argv[0]);
		return 77;
	}
	ext4_dir = argv[1];
	if (test_image_open(&image, argv[2]) != 0)
		return 1;
	pmv__kernel_store_seam = count_kernel_copy;

	const struct CMUnitTest tests[] = {
		TESTS(0), TESTS(1), TESTS(2), TESTS(3),
	};
	_Static_assert(ARRAY_SIZE(modes) == 4, "a TESTS() per mode");
	int failed = cmocka_run_group_tests_name("pmemobj device", tests,
		NULL, NULL);

	pmv__kernel_store_seam = NULL;
	test_image_close(&image);
	return failed;
}
