/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_loopdev.h -- a file on the ext4 of a rig (test_loopdev.sh: ext4 on
 * a loop device, mounted in a directory the wrapper script hands the
 * test), mapped for a pmem mover: with libpmem2 as a PAGE map, for
 * vdm_pmem2_new(), or with libpmem's pmem_map_file(), for vdm_pmem_new().
 * Include after <cmocka.h>.
 */

#ifndef TEST_LOOPDEV_H
#define TEST_LOOPDEV_H 1

#include <libminiasync-pmem.h>
#include <libpmem.h>
#include <libpmem2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the two pmem movers */
enum test_rig_kind {
	TEST_RIG_PMEM2,		/* vdm_pmem2_new(), a PAGE map */
	TEST_RIG_LIBPMEM,	/* vdm_pmem_new(), pmem_map_file() */
};

/* a file of the rig, mapped */
struct test_rig_file {
	enum test_rig_kind kind;
	char path[4096];
	size_t size;
	int fd;				/* open all along */
	char *addr;			/* the map's first byte */
	struct pmem2_source *src;	/* TEST_RIG_PMEM2 */
	struct pmem2_config *cfg;
	struct pmem2_map *map;
};

/*
 * test_rig_kind_parse -- "pmem2" or "libpmem" as a kind; 0, or -1
 */
static inline int
test_rig_kind_parse(const char *name, enum test_rig_kind *kind)
{
	if (strcmp(name, "pmem2") == 0)
		*kind = TEST_RIG_PMEM2;
	else if (strcmp(name, "libpmem") == 0)
		*kind = TEST_RIG_LIBPMEM;
	else
		return -1;
	return 0;
}

/*
 * test_rig_file_create -- a new file dir/name of size bytes, each byte as
 * test_fill(seed) makes it (seed 0: a hole, never written), written and
 * fsync()ed, open in f->fd; nothing mapped yet
 */
static inline void
test_rig_file_create(struct test_rig_file *f, const char *dir,
	const char *name, size_t size, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->size = size;
	assert_true((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir,
		name) < sizeof(f->path));
	f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (f->fd < 0)
		fail_msg("open %s: %s", f->path, strerror(errno));
	assert_int_equal(ftruncate(f->fd, (off_t)size), 0);
	if (seed != 0) {
		unsigned char *buf = malloc(size);
		assert_non_null(buf);
		test_fill(buf, size, seed);
		assert_int_equal(pwrite(f->fd, buf, size, 0), (ssize_t)size);
		free(buf);
	}
	assert_int_equal(fsync(f->fd), 0);
}

/*
 * test_rig_file_map -- maps the file as the kind wants: a libpmem2 PAGE map
 * of its descriptor, or pmem_map_file() of its path; 0, or -1 after
 * printing why the mapping does not fit (the map is not PAGE granular,
 * libpmem takes the file for persistent memory)
 */
static inline int
test_rig_file_map(struct test_rig_file *f, enum test_rig_kind kind)
{
	f->kind = kind;
	if (kind == TEST_RIG_LIBPMEM) {
		size_t mapped = 0;
		int is_pmem = 0;
		f->addr = pmem_map_file(f->path, 0, 0, 0, &mapped, &is_pmem);
		if (f->addr == NULL)
			fail_msg("pmem_map_file: %s", pmem_errormsg());
		assert_int_equal(mapped, f->size);
		if (is_pmem) {
			fprintf(stderr, "libpmem takes the file for "
				"persistent memory: nothing is written back\n");
			return -1;
		}
		return 0;
	}

	if (pmem2_source_from_fd(&f->src, f->fd) != 0 ||
			pmem2_config_new(&f->cfg) != 0 ||
			pmem2_config_set_required_store_granularity(f->cfg,
				PMEM2_GRANULARITY_PAGE) != 0 ||
			pmem2_map_new(&f->map, f->cfg, f->src) != 0)
		fail_msg("libpmem2: %s", pmem2_errormsg());
	f->addr = pmem2_map_get_address(f->map);
	assert_int_equal(pmem2_map_get_size(f->map), f->size);
	if (pmem2_map_get_store_granularity(f->map) != PMEM2_GRANULARITY_PAGE) {
		fprintf(stderr, "the map is not PAGE granular: nothing is "
			"written back\n");
		return -1;
	}
	return 0;
}

/*
 * test_rig_mover -- a mover of the file's kind for its map, with nthreads
 * workers
 */
static inline struct vdm *
test_rig_mover(const struct test_rig_file *f, unsigned nthreads)
{
	struct vdm *vdm = f->kind == TEST_RIG_PMEM2 ?
		vdm_pmem2_new(f->map, nthreads) : vdm_pmem_new(nthreads);

	if (vdm == NULL)
		fail_msg("a pmem mover: %s", strerror(errno));
	return vdm;
}

/*
 * test_rig_file_close -- unmaps and closes the file (it stays in the rig);
 * fine on a partly made one
 */
static inline void
test_rig_file_close(struct test_rig_file *f)
{
	if (f->map != NULL)
		assert_int_equal(pmem2_map_delete(&f->map), 0);
	else if (f->addr != NULL)
		assert_int_equal(pmem_unmap(f->addr, f->size), 0);
	f->addr = NULL;
	if (f->cfg != NULL)
		(void) pmem2_config_delete(&f->cfg);
	if (f->src != NULL)
		(void) pmem2_source_delete(&f->src);
	if (f->fd >= 0)
		(void) close(f->fd);
	f->fd = -1;
}

/*
 * test_rig_filler_path -- the path of the file that fills the rig's
 * tmpfs, in tmpfs_dir
 */
static inline void
test_rig_filler_path(const char *tmpfs_dir, char *path, size_t size)
{
	assert_true((size_t)snprintf(path, size, "%s/filler", tmpfs_dir) <
		size);
}

/*
 * test_rig_fill -- writes a file on the rig's tmpfs until it is full
 * (ENOSPC): write-backs to the ext4 on it fail from then on.  *fd gets the
 * file, open, before the writing starts, so that a teardown removes it
 * even if a check fails on the way.
 */
static inline void
test_rig_fill(const char *tmpfs_dir, int *fd)
{
	static char chunk[64 << 10];
	char path[4096];

	memset(chunk, 0xee, sizeof(chunk));
	test_rig_filler_path(tmpfs_dir, path, sizeof(path));
	*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	for (;;) {
		ssize_t w = write(*fd, chunk, sizeof(chunk));
		if (w < 0) {
			assert_int_equal(errno, ENOSPC);
			break;
		}
		assert_true(w > 0);
	}
}

/*
 * test_rig_unfill -- removes the file of test_rig_fill (fd, or -1 if
 * none): the tmpfs has room again.  check: assert that it goes (a test's
 * step, not its teardown).  Returns -1, for the caller's fd.
 */
static inline int
test_rig_unfill(const char *tmpfs_dir, int fd, int check)
{
	char path[4096];

	if (fd < 0)
		return -1;
	test_rig_filler_path(tmpfs_dir, path, sizeof(path));
	int u = unlink(path);
	int c = close(fd);
	if (check) {
		assert_int_equal(u, 0);
		assert_int_equal(c, 0);
	}
	return -1;
}

#endif /* TEST_LOOPDEV_H */
