/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_image.h -- what reached the medium of a rig's device: the image
 * file of a loop device in direct I/O mode (test_loopdev.sh), read with
 * O_DIRECT at the extents of a file of its ext4.
 *
 * A test writes its file on the ext4 whole and fsync()s it, so that every
 * block is allocated and written, and asks where its blocks lie
 * (FS_IOC_FIEMAP, without FIEMAP_FLAG_SYNC: nothing is written back by
 * asking, test_extents_map()); the image holds byte o of the file at the
 * extent's fe_physical plus o's offset in the extent.  It reads the image
 * with O_DIRECT, and before every reading checks that the page cache holds
 * no page of the image there (mincore() on a mapping of the image): what
 * it reads is what reached the image's medium (test_image_read()).
 * Include after <cmocka.h>.
 */

#ifndef TEST_IMAGE_H
#define TEST_IMAGE_H 1

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* a block of the file system, of the reading */
#define TEST_IMAGE_BLOCK ((size_t)4096)
/* extents FIEMAP may report */
#define TEST_MAX_EXTENTS 256

/* the image of a rig's loop device */
struct test_image {
	int fd;			/* O_DIRECT */
	unsigned char *map;	/* for mincore() only */
	size_t size;
};

/* where the blocks of a file of the rig lie in the image */
struct test_extents {
	struct fiemap_extent ext[TEST_MAX_EXTENTS];
	unsigned n;
};

/*
 * test_image_open -- opens the image at path with O_DIRECT, and maps it
 * (for mincore()); 0, or -1 with a message and nothing left
 */
static inline int
test_image_open(struct test_image *img, const char *path)
{
	struct stat st;

	img->map = NULL;
	img->fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (img->fd < 0) {
		fprintf(stderr, "open %s with O_DIRECT: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fstat(img->fd, &st) != 0) {
		perror("fstat");
		(void) close(img->fd);
		return -1;
	}
	img->size = (size_t)st.st_size;
	img->map = mmap(NULL, img->size, PROT_READ, MAP_SHARED, img->fd, 0);
	if (img->map == MAP_FAILED) {
		perror("mmap");
		(void) close(img->fd);
		return -1;
	}
	return 0;
}

/*
 * test_image_close -- unmaps and closes the image
 */
static inline void
test_image_close(struct test_image *img)
{
	(void) munmap(img->map, img->size);
	(void) close(img->fd);
}

/*
 * test_extents_map -- where the first size bytes of the file open in fd
 * lie in img: FIEMAP without FIEMAP_FLAG_SYNC; every extent must be
 * allocated, written, plain, inside the image, and together they must
 * cover the size bytes
 */
static inline void
test_extents_map(struct test_extents *x, int fd, size_t size,
	const struct test_image *img)
{
	size_t fm_size = sizeof(struct fiemap) +
		TEST_MAX_EXTENTS * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, fm_size);

	assert_non_null(fm);
	fm->fm_start = 0;
	fm->fm_length = size;
	fm->fm_flags = 0;
	fm->fm_extent_count = TEST_MAX_EXTENTS;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0)
		fail_msg("FS_IOC_FIEMAP: %s", strerror(errno));
	assert_true(fm->fm_mapped_extents > 0);
	assert_true(fm->fm_mapped_extents <= TEST_MAX_EXTENTS);

	uint64_t covered = 0;
	const uint32_t odd = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
		FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
		FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE |
		FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_UNWRITTEN;
	for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];
		if (e->fe_flags & odd)
			fail_msg("extent %u has flags 0x%x", i, e->fe_flags);
		assert_int_equal(e->fe_logical, covered);
		assert_int_equal(e->fe_physical % TEST_IMAGE_BLOCK, 0);
		assert_true(e->fe_physical + e->fe_length <= img->size);
		covered += e->fe_length;
		x->ext[i] = *e;
	}
	assert_true(covered >= size);
	x->n = fm->fm_mapped_extents;
	free(fm);
}

/*
 * test_extents_physical -- where byte off of the file lies in the image
 */
static inline uint64_t
test_extents_physical(const struct test_extents *x, size_t off)
{
	for (unsigned i = 0; i < x->n; i++) {
		const struct fiemap_extent *e = &x->ext[i];
		if (off >= e->fe_logical && off - e->fe_logical < e->fe_length)
			return e->fe_physical + (off - e->fe_logical);
	}
	fail_msg("byte %zu of the file lies in no extent", off);
	return 0;
}

/*
 * test_image_read -- the bytes [start, start + n) of the file, as the
 * image holds them, into buf at the same offsets (the blocks that hold
 * them whole; block: TEST_IMAGE_BLOCK bytes aligned for O_DIRECT); the
 * page cache must hold none of the image's pages read
 */
static inline void
test_image_read(const struct test_image *img, const struct test_extents *x,
	size_t start, size_t n, unsigned char *buf, unsigned char *block)
{
	size_t first = start & ~(TEST_IMAGE_BLOCK - 1);

	for (size_t off = first; off < start + n; off += TEST_IMAGE_BLOCK) {
		uint64_t phys = test_extents_physical(x, off);
		unsigned char vec = 0xff;

		assert_int_equal(mincore(img->map + phys, TEST_IMAGE_BLOCK,
			&vec), 0);
		if (vec & 1)
			fail_msg("the page cache holds the image's page at "
				"%llu (byte %zu of the file): the reading "
				"would not show the medium",
				(unsigned long long)phys, off);
		assert_int_equal(pread(img->fd, block, TEST_IMAGE_BLOCK,
			(off_t)phys), (ssize_t)TEST_IMAGE_BLOCK);
		memcpy(buf + off, block, TEST_IMAGE_BLOCK);
	}
}

#endif /* TEST_IMAGE_H */
