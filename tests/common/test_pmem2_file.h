/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem2_file.h -- a fresh file in /var/tmp (unlinked at once) mapped
 * with libpmem2, the way every test that maps a file needs it.
 *
 * test_file_open() maps it as three neighbouring maps in one virtual
 * memory reservation,
 *
 *	[ before | target | after ]
 *
 * for the tests of the pmem mover: the mover under test is made for the
 * target map.  The before and after maps show that nothing is written
 * outside it: they are ordinary memory a stray store would change.  The
 * after map is made once the mover exists and is given the mover with
 * pmem2_config_set_vdm(): libpmem2's pmem2_memcpy_async() and friends on
 * it run on the mover, with destinations in the target map (libpmem2 hands
 * them to the mover as they are).  A map cannot be given the mover of its
 * own range: the mover needs the map to exist, and libpmem2 takes a map's
 * mover before it maps.
 *
 * test_file_open_map() maps the whole file as the target map alone, with
 * a mover the test made for libpmem2 to drive.
 */

#ifndef TEST_PMEM2_FILE_H
#define TEST_PMEM2_FILE_H 1

#define PMEM2_USE_MINIASYNC 1
#include <libpmem2.h>
#include <libminiasync.h>

#include "test_checkers.h"
#include "test_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* the neighbours' size, in pages */
#define TEST_FILE_NEIGHBOUR_PAGES 2

struct test_file {
	int fd;
	size_t page;
	size_t neighbour;	/* bytes of the before and after maps */
	size_t size;		/* bytes of the target map */
	size_t total;		/* bytes of the file and the reservation */
	struct pmem2_source *src;
	struct pmem2_vm_reservation *rsv;
	struct pmem2_config *cfg[3];
	struct pmem2_map *before;
	struct pmem2_map *target;
	struct pmem2_map *after;	/* NULL until test_file_attach() */
	char *base;		/* the reservation: the whole file */
	char *addr;		/* the target map */
	enum pmem2_granularity gran;	/* the target map's */
};

/*
 * test_file_gran_name -- a store granularity as text
 */
static inline const char *
test_file_gran_name(enum pmem2_granularity gran)
{
	switch (gran) {
	case PMEM2_GRANULARITY_BYTE:
		return "BYTE";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "CACHE_LINE";
	case PMEM2_GRANULARITY_PAGE:
		return "PAGE";
	}
	return "?";
}

/*
 * test_file_map_part -- maps the bytes [off, off + len) of the file, at the
 * same offset of the reservation if there is one, with vdm as the map's
 * mover (NULL: libpmem2's own); 0, or -1 with a message
 */
static inline int
test_file_map_part(struct test_file *f, unsigned idx, size_t off, size_t len,
	struct vdm *vdm, struct pmem2_map **map)
{
	struct pmem2_config *cfg;

	if (pmem2_config_new(&cfg) != 0) {
		fprintf(stderr, "pmem2_config_new: %s\n", pmem2_errormsg());
		return -1;
	}
	f->cfg[idx] = cfg;
	if (pmem2_config_set_required_store_granularity(cfg,
				PMEM2_GRANULARITY_PAGE) != 0 ||
			pmem2_config_set_offset(cfg, off) != 0 ||
			pmem2_config_set_length(cfg, len) != 0 ||
			(f->rsv != NULL && pmem2_config_set_vm_reservation(cfg,
				f->rsv, off) != 0) ||
			(vdm != NULL && pmem2_config_set_vdm(cfg, vdm) != 0) ||
			pmem2_map_new(map, cfg, f->src) != 0) {
		fprintf(stderr, "libpmem2: %s\n", pmem2_errormsg());
		(void) pmem2_config_delete(&f->cfg[idx]);
		return -1;
	}
	return 0;
}

/*
 * test_file_close -- unmaps and closes what is there, the maps first; fine
 * on a partly made file; 0, or -1 if anything failed to go
 */
static inline int
test_file_close(struct test_file *f)
{
	struct pmem2_map **maps[] = { &f->after, &f->target, &f->before };
	int ret = 0;

	for (unsigned i = 0; i < 3; i++) {
		if (*maps[i] != NULL)
			ret |= pmem2_map_delete(maps[i]);
	}
	for (unsigned i = 0; i < 3; i++) {
		if (f->cfg[i] != NULL)
			ret |= pmem2_config_delete(&f->cfg[i]);
	}
	if (f->rsv != NULL)
		ret |= pmem2_vm_reservation_delete(&f->rsv);
	if (f->src != NULL)
		ret |= pmem2_source_delete(&f->src);
	if (f->fd >= 0)
		ret |= close(f->fd);
	f->fd = -1;
	return ret == 0 ? 0 : -1;
}

/*
 * test_file_create -- a fresh file of size bytes between neighbours of
 * neighbour bytes, given to libpmem2 as a source; nothing mapped yet; 0,
 * or -1 with a message and nothing open
 */
static inline int
test_file_create(struct test_file *f, size_t size, size_t neighbour)
{
	char path[] = "/var/tmp/miniasync-test-XXXXXX";

	memset(f, 0, sizeof(*f));
	f->page = (size_t)sysconf(_SC_PAGESIZE);
	f->neighbour = neighbour;
	f->size = size;
	f->total = size + 2 * neighbour;

	f->fd = mkstemp(path);
	if (f->fd < 0) {
		fprintf(stderr, "mkstemp %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* the file lives as long as the descriptor: nothing is left behind */
	(void) unlink(path);

	if (ftruncate(f->fd, (off_t)f->total) != 0) {
		fprintf(stderr, "ftruncate: %s\n", strerror(errno));
		goto err;
	}
	if (pmem2_source_from_fd(&f->src, f->fd) != 0) {
		fprintf(stderr, "libpmem2: %s\n", pmem2_errormsg());
		goto err;
	}
	return 0;

err:
	(void) test_file_close(f);
	return -1;
}

/*
 * test_file_mapped -- notes where the target map is and its granularity
 */
static inline void
test_file_mapped(struct test_file *f)
{
	f->addr = pmem2_map_get_address(f->target);
	f->gran = pmem2_map_get_store_granularity(f->target);
}

/*
 * test_file_open -- a fresh file with a target map of size bytes (a
 * multiple of the page size) between its neighbours; the after map is
 * left for test_file_attach(); 0, or -1 with a message and nothing open
 */
static inline int
test_file_open(struct test_file *f, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (test_file_create(f, size, TEST_FILE_NEIGHBOUR_PAGES * page) != 0)
		return -1;
	if (pmem2_vm_reservation_new(&f->rsv, NULL, f->total) != 0) {
		fprintf(stderr, "libpmem2: %s\n", pmem2_errormsg());
		goto err;
	}
	if (test_file_map_part(f, 0, 0, f->neighbour, NULL, &f->before) ||
			test_file_map_part(f, 1, f->neighbour, size, NULL,
				&f->target))
		goto err;

	f->base = pmem2_vm_reservation_get_address(f->rsv);
	test_file_mapped(f);
	if (f->addr != f->base + f->neighbour ||
			pmem2_map_get_size(f->target) != size) {
		fprintf(stderr, "the target map is not where it was asked\n");
		goto err;
	}
	return 0;

err:
	(void) test_file_close(f);
	return -1;
}

/*
 * test_file_open_map -- a fresh file of size bytes mapped whole as the
 * target map, with no neighbours, with vdm as its mover (NULL: libpmem2's
 * own); 0, or -1 with a message and nothing open
 */
static inline int
test_file_open_map(struct test_file *f, size_t size, struct vdm *vdm)
{
	if (test_file_create(f, size, 0) != 0)
		return -1;
	if (test_file_map_part(f, 1, 0, size, vdm, &f->target) != 0) {
		(void) test_file_close(f);
		return -1;
	}
	test_file_mapped(f);
	f->base = f->addr;
	return 0;
}

/*
 * test_file_probe -- maps a small file once, to learn whether libpmem2 can
 * and with which store granularity (printed); 0 and *gran, or -1 after
 * printing that the test is skipped
 */
static inline int
test_file_probe(enum pmem2_granularity *gran)
{
	struct test_file probe;

	if (test_file_open(&probe, 4 * (size_t)sysconf(_SC_PAGESIZE)) != 0) {
		fprintf(stderr, "libpmem2 cannot map a file in /var/tmp: "
			"skipped\n");
		return -1;
	}
	fprintf(stderr, "store granularity of the map: %s\n",
		test_file_gran_name(probe.gran));
	*gran = probe.gran;
	(void) test_file_close(&probe);
	return 0;
}

/*
 * test_file_probe_page -- test_file_probe(), and the map must be PAGE
 * granular, which why says a test needs; 0, or -1 after printing that the
 * test is skipped
 */
static inline int
test_file_probe_page(const char *why)
{
	enum pmem2_granularity gran;

	if (test_file_probe(&gran) != 0)
		return -1;
	if (gran == PMEM2_GRANULARITY_PAGE)
		return 0;
	fprintf(stderr, "the map's store granularity is %s, not PAGE: %s; "
		"skipped\n", test_file_gran_name(gran), why);
	return -1;
}

/*
 * test_file_kernel_copy_expected -- whether a pmem mover made now for the
 * file's map, by this thread, has the kernel copy into it
 * (process_vm_writev(), see vdm_pmem2_new(3)), as the tests find out on
 * their own: a PAGE map of a file that is not DAX (statx), the variable
 * MINIASYNC_PMEM_KERNEL_COPY not 0, no seccomp filter on this thread, the
 * call works, and neither valgrind nor ThreadSanitizer runs the test
 */
static inline int
test_file_kernel_copy_expected(const struct test_file *f)
{
	if (f->gran != PMEM2_GRANULARITY_PAGE || TEST_UNDER_VALGRIND() ||
			TEST_UNDER_TSAN)
		return 0;

	const char *env = getenv("MINIASYNC_PMEM_KERNEL_COPY");
	if (env != NULL && strcmp(env, "0") == 0)
		return 0;

	struct statx stx;
	if (statx(f->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) != 0 ||
			(stx.stx_attributes & STATX_ATTR_DAX))
		return 0;

	int seccomp = -1;
	FILE *status = fopen("/proc/thread-self/status", "r");
	if (status != NULL) {
		char line[256];
		while (fgets(line, sizeof(line), status) != NULL)
			if (strncmp(line, "Seccomp:", 8) == 0)
				seccomp = atoi(line + 8);
		fclose(status);
	}
	if (seccomp != 0)
		return 0;

	char a[8] = "probe", b[8] = "";
	struct iovec local = { a, sizeof(a) };
	struct iovec remote = { b, sizeof(b) };
	return process_vm_writev(gettid(), &local, 1, &remote, 1, 0) ==
		(ssize_t)sizeof(a) && memcmp(a, b, sizeof(a)) == 0;
}

/*
 * test_file_attach -- maps the after neighbour with vdm as its mover (see
 * the top of the file); 0, or -1 with a message
 */
static inline int
test_file_attach(struct test_file *f, struct vdm *vdm)
{
	return test_file_map_part(f, 2, f->neighbour + f->size, f->neighbour,
		vdm, &f->after);
}

/*
 * test_file_detach -- unmaps the after neighbour, so that its mover may
 * go; 0, or -1
 */
static inline int
test_file_detach(struct test_file *f)
{
	int ret = 0;

	if (f->after != NULL)
		ret |= pmem2_map_delete(&f->after);
	if (f->cfg[2] != NULL)
		ret |= pmem2_config_delete(&f->cfg[2]);
	return ret == 0 ? 0 : -1;
}

#endif /* TEST_PMEM2_FILE_H */
