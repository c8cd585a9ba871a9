/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_device.h -- the checks of the device tests (pmem_device,
 * pmemobj_device): a mover writes into a range of a file on the ext4 of a
 * rig whose loop device does direct I/O, and once an operation completes,
 * its bytes are in the image at the file's extents (test_image.h); bytes
 * stored with plain stores and not written back are not.  Include after
 * <cmocka.h>, test_helpers.h and test_image.h.
 */

#ifndef TEST_DEVICE_H
#define TEST_DEVICE_H 1

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the bytes the file holds before the operations, and those copied */
#define TEST_DEVICE_OLD_SEED 1111
#define TEST_DEVICE_SRC_SEED 2222
/* each operation's pages lie in a region of their own */
#define TEST_DEVICE_REGION (64 * KIB)
/* the copy split among the workers */
#define TEST_DEVICE_SPLIT (1 * MIB)
/* copies waited for together */
#define TEST_DEVICE_TOGETHER 8

/* a mover, the file it writes into and the range of it it writes */
struct test_device {
	const char *name;	/* the mode's, in messages */
	const char *what;	/* the range's ("the map") */
	struct test_image *image;
	struct test_extents ext;	/* the file's, in the image */
	char *file;		/* the file's first byte, mapped */
	size_t file_size;
	char *range;		/* where the operations write, in the file */
	size_t range_size;
	size_t next;		/* the next free byte of the range */
	unsigned char *old;	/* file_size bytes: the file as written */
	unsigned char *src;	/* range_size bytes to copy from */
	unsigned char *buf;	/* file_size bytes read from the image */
	unsigned char *block;	/* TEST_IMAGE_BLOCK bytes, for O_DIRECT */
	struct test_mover m;	/* made by the test */
};

/*
 * test_device_init -- the buffers for a file of file_size bytes and a
 * range of range_size, the old bytes and those to copy from seeded; the
 * file, the range and the mover are the test's to set
 */
static inline void
test_device_init(struct test_device *d, const char *name, const char *what,
	struct test_image *image, size_t file_size, size_t range_size)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->what = what;
	d->image = image;
	d->file_size = file_size;
	d->range_size = range_size;
	d->old = malloc(file_size);
	d->src = malloc(range_size);
	d->buf = malloc(file_size);
	assert_int_equal(posix_memalign((void **)&d->block, TEST_IMAGE_BLOCK,
		TEST_IMAGE_BLOCK), 0);
	assert_non_null(d->old);
	assert_non_null(d->src);
	assert_non_null(d->buf);
	test_fill(d->old, file_size, TEST_DEVICE_OLD_SEED);
	test_fill(d->src, range_size, TEST_DEVICE_SRC_SEED);
}

/*
 * test_device_fini -- frees the buffers
 */
static inline void
test_device_fini(struct test_device *d)
{
	free(d->old);
	free(d->src);
	free(d->buf);
	free(d->block);
}

/*
 * test_device_expect -- the image holds expect at the bytes [p, p + n) of
 * the file, or the test fails saying what; the page cache must hold none
 * of the image's pages read
 */
static inline void
test_device_expect(struct test_device *d, const void *p, const void *expect,
	size_t n, const char *what)
{
	size_t start = (size_t)((const char *)p - d->file);
	size_t i;

	assert_true(start + n <= d->file_size);
	test_image_read(d->image, &d->ext, start, n, d->buf, d->block);
	i = test_first_diff(d->buf + start, expect, n);
	if (i != n)
		fail_msg("%s, %s: byte %zu of %zu of the range at %zu is "
			"0x%02x in the image, 0x%02x expected", d->name,
			what, i, n, start, d->buf[start + i],
			((const unsigned char *)expect)[i]);
}

/*
 * test_device_next -- n bytes of the range not written yet, unaligned;
 * the image must still hold the old bytes there
 */
static inline char *
test_device_next(struct test_device *d, size_t n)
{
	size_t off = d->next + 17;
	size_t end = off + n;
	size_t in_file = (size_t)(d->range - d->file) + off;

	end = (end + TEST_DEVICE_REGION - 1) & ~(TEST_DEVICE_REGION - 1);
	assert_true(end <= d->range_size);
	d->next = end;
	test_device_expect(d, d->range + off, d->old + in_file, n,
		"before the operation");
	return d->range + off;
}

/*
 * test_device_operations -- every kind of operation, a split copy and
 * copies waited for together: their bytes are in the image once they
 * complete
 */
static inline void
test_device_operations(struct test_device *d)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = 3 * page + 100;
	unsigned char *want = malloc(n);

	assert_non_null(want);
	TEST_FOR_EACH_OP(type) {
		char *dest = test_device_next(d, n);
		unsigned char *src = d->src + type * 7;
		union test_future fut;

		if (type == OP_MEMSET) {
			memset(want, 0x3c, n);
		} else {
			memcpy(want, src, n);
			if (type == OP_FLUSH)
				memcpy(dest, src, n);
		}
		runtime_wait(d->m.rt, test_op_make(&fut, type, d->m.vdm, dest,
			src, 0x3c, n, 0));
		test_expect_output(&fut, type, VDM_SUCCESS,
			type == OP_FLUSH ? NULL : dest);
		test_expect_bytes(dest, want, n, d->what);
		test_device_expect(d, dest, want, n, "once complete");
	}
	free(want);

	char *dest = test_device_next(d, TEST_DEVICE_SPLIT);
	struct vdm_memcpy_output out = test_wait_memcpy(&d->m, dest, d->src,
		TEST_DEVICE_SPLIT, 0);
	assert_int_equal(out.result, VDM_SUCCESS);
	test_device_expect(d, dest, d->src, TEST_DEVICE_SPLIT,
		"a split copy once complete");

	struct vdm_operation ops[TEST_DEVICE_TOGETHER];
	for (unsigned i = 0; i < TEST_DEVICE_TOGETHER; i++)
		ops[i] = test_operation(OP_MEMCPY,
			test_device_next(d, 2 * page + i), d->src + 100 * i, 0,
			2 * page + i, 0);
	test_wait_together(&d->m, ops, TEST_DEVICE_TOGETHER, VDM_SUCCESS);
	for (unsigned i = 0; i < TEST_DEVICE_TOGETHER; i++)
		test_device_expect(d, ops[i].data.memcpy.dest,
			d->src + 100 * i, 2 * page + i,
			"copies waited for together");
}

/*
 * test_device_control -- bytes stored with plain stores and not written
 * back are not in the image; a flush puts them there
 */
static inline void
test_device_control(struct test_device *d)
{
	size_t n = 2 * (size_t)sysconf(_SC_PAGESIZE) + 50;
	char *dest = test_device_next(d, n);
	size_t off = (size_t)(dest - d->file);

	memcpy(dest, d->src + 5, n);
	test_device_expect(d, dest, d->old + off, n, "plain stores");

	struct vdm_flush_output out = test_wait_flush(&d->m, dest, n, 0);
	assert_int_equal(out.result, VDM_SUCCESS);
	test_device_expect(d, dest, d->src + 5, n, "plain stores flushed");
}

#endif /* TEST_DEVICE_H */
