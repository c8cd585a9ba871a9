/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem2_async.c -- libpmem2's asynchronous copies, waited for with the
 * libminiasync runtime
 *
 * usage: pmem2_async [-d|-s] [file]
 *
 * Maps file (created if missing, sized if empty; default: a temporary file
 * in /var/tmp, removed at exit) with libpmem2, then copies a few blocks into
 * it with pmem2_memcpy_async() and waits for all of them at once with
 * runtime_wait_multiple().  Each copy is durable when its future completes:
 * libpmem2 chains the persist step the map's store granularity needs.  The
 * copies run on a libminiasync thread pool, made and handed to libpmem2 as
 * PMDK's documentation and programs written for miniasync 0.2 do it:
 * data_mover_threads_new(), then pmem2_config_set_vdm() with
 * data_mover_threads_get_vdm(); with -s, on the synchronous mover
 * (data_mover_sync_new()); with -d, on libpmem2's default mover.
 */

#define PMEM2_USE_MINIASYNC 1
#include <libpmem2.h>
#include <libminiasync.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NCOPIES 4
#define BLOCK_SIZE ((size_t)64 * 1024)
#define FILE_SIZE (NCOPIES * BLOCK_SIZE)

/*
 * granularity_name -- what a store granularity is called
 */
static const char *
granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "BYTE";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "CACHE_LINE";
	case PMEM2_GRANULARITY_PAGE:
		return "PAGE";
	}
	return "unknown";
}

/*
 * open_file -- opens path, or a new temporary file if path is NULL, and
 * makes sure it holds at least FILE_SIZE bytes; returns the descriptor or -1
 */
static int
open_file(const char *path, char *tmp_path)
{
	int fd;

	if (path == NULL) {
		fd = mkstemp(tmp_path);
		if (fd < 0) {
			perror(tmp_path);
			return -1;
		}
		/* gone when the descriptor is closed */
		(void) unlink(tmp_path);
	} else {
		fd = open(path, O_RDWR | O_CREAT, 0644);
		if (fd < 0) {
			perror(path);
			return -1;
		}
	}

	struct stat st;
	if (fstat(fd, &st) != 0) {
		perror("fstat");
		goto err;
	}
	if (st.st_size == 0) {
		if (ftruncate(fd, (off_t)FILE_SIZE) != 0) {
			perror("ftruncate");
			goto err;
		}
	} else if ((size_t)st.st_size < FILE_SIZE) {
		fprintf(stderr, "%s: too small, %zu bytes needed\n",
			path != NULL ? path : tmp_path, FILE_SIZE);
		goto err;
	}
	return fd;

err:
	(void) close(fd);
	return -1;
}

/*
 * main -- maps the file, copies the blocks, waits for all of them
 */
int
main(int argc, char *argv[])
{
	int mover = 't';
	int opt;

	while ((opt = getopt(argc, argv, "ds")) != -1) {
		if (opt != 'd' && opt != 's') {
			fprintf(stderr, "usage: %s [-d|-s] [file]\n",
				argv[0]);
			return 2;
		}
		mover = opt;
	}
	const char *path = optind < argc ? argv[optind] : NULL;

	char tmp_path[] = "/var/tmp/pmem2_async.XXXXXX";
	int ret = 1;
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	struct data_mover_threads *dmt = NULL;
	struct data_mover_sync *dms = NULL;
	struct vdm *vdm = NULL;
	struct runtime *rt = NULL;
	char *blocks = NULL;

	int fd = open_file(path, tmp_path);
	if (fd < 0)
		return 1;

	if (pmem2_config_new(&cfg) != 0 ||
			pmem2_source_from_fd(&src, fd) != 0 ||
			pmem2_config_set_required_store_granularity(cfg,
				PMEM2_GRANULARITY_PAGE) != 0) {
		pmem2_perror("libpmem2");
		goto out;
	}

	if (mover == 't') {
		/* two workers, up to 64 copies in flight */
		dmt = data_mover_threads_new(2, 64, FUTURE_NOTIFIER_WAKER);
		vdm = data_mover_threads_get_vdm(dmt);
	} else if (mover == 's') {
		dms = data_mover_sync_new();
		vdm = data_mover_sync_get_vdm(dms);
	}
	if (mover != 'd') {
		if (vdm == NULL) {
			perror("data_mover_*_new");
			goto out;
		}
		if (pmem2_config_set_vdm(cfg, vdm) != 0) {
			pmem2_perror("pmem2_config_set_vdm");
			goto out;
		}
	}

	if (pmem2_map_new(&map, cfg, src) != 0) {
		pmem2_perror("pmem2_map_new");
		goto out;
	}

	rt = runtime_new();
	blocks = malloc(FILE_SIZE);
	if (rt == NULL || blocks == NULL) {
		perror("runtime_new or malloc");
		goto out;
	}

	/* block i is filled with the letter 'a' + i */
	for (size_t i = 0; i < NCOPIES; i++)
		memset(blocks + i * BLOCK_SIZE, 'a' + (int)i, BLOCK_SIZE);

	char *addr = pmem2_map_get_address(map);
	struct pmem2_future futs[NCOPIES];
	struct future *runnable[NCOPIES];

	for (size_t i = 0; i < NCOPIES; i++) {
		futs[i] = pmem2_memcpy_async(map, addr + i * BLOCK_SIZE,
			blocks + i * BLOCK_SIZE, BLOCK_SIZE, 0);
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i]);
	}
	runtime_wait_multiple(rt, runnable, NCOPIES);

	ret = 0;
	for (size_t i = 0; i < NCOPIES; i++) {
		char *dest = FUTURE_OUTPUT(&futs[i])->dest;
		if (dest != addr + i * BLOCK_SIZE ||
				memcmp(dest, blocks + i * BLOCK_SIZE,
					BLOCK_SIZE) != 0) {
			fprintf(stderr, "copy %zu went wrong\n", i);
			ret = 1;
		}
	}

	if (ret == 0)
		printf("copied %d blocks of %zu bytes into %s with "
			"pmem2_memcpy_async() on %s, store granularity %s: "
			"each block durable when its future completed\n",
			NCOPIES, BLOCK_SIZE,
			path != NULL ? path : "a temporary file",
			mover == 'd' ? "libpmem2's default mover" :
			mover == 's' ? "the libminiasync synchronous mover" :
				"a libminiasync thread pool",
			granularity_name(
				pmem2_map_get_store_granularity(map)));

out:
	free(blocks);
	runtime_delete(rt);
	if (map != NULL)
		(void) pmem2_map_delete(&map);
	/* the map no longer uses the mover */
	data_mover_threads_delete(dmt);
	data_mover_sync_delete(dms);
	if (src != NULL)
		(void) pmem2_source_delete(&src);
	if (cfg != NULL)
		(void) pmem2_config_delete(&cfg);
	(void) close(fd);
	return ret;
}
