/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * map_file.h -- a new file of /var/tmp mapped with libpmem2, for the pmem
 * movers of bench and soak (built only with libminiasync-pmem)
 */

#ifndef MINIASYNC_UTILS_MAP_FILE_H
#define MINIASYNC_UTILS_MAP_FILE_H 1

#include <stddef.h>

#include <libpmem2.h>

#ifdef __cplusplus
extern "C" {
#endif

/* where the mapped files are made */
#define MAP_FILE_DIR "/var/tmp"

/*
 * the environment variable that makes libpmem2 treat a file's map as
 * another granularity; pmem2_map_new() reads it at every call
 */
#define MAP_FILE_FORCE_ENV "PMEM2_FORCE_GRANULARITY"

/* a file of MAP_FILE_DIR mapped with libpmem2 */
struct map_file {
	int fd;
	struct pmem2_config *cfg;
	struct pmem2_source *source;
	struct pmem2_map *map;
	char *addr;
	size_t len;
	enum pmem2_granularity gran; /* what the map got */
};

/*
 * map_file_open -- a new file of len bytes, MAP_FILE_DIR/miniasync-NAME.*,
 * unlinked at once, its blocks allocated with posix_fallocate, mapped with
 * libpmem2 (PAGE granularity or finer required); force, unless NULL, is the
 * value of MAP_FILE_FORCE_ENV while the map is made (the program's own
 * value is put back after).  Returns 0, or -1 with why saying why no such
 * map can be made here (nothing is left open).
 */
int map_file_open(struct map_file *f, const char *name, size_t len,
	const char *force, char *why, size_t whylen);

/*
 * map_file_close -- unmaps and closes what map_file_open made (the file is
 * gone with its last descriptor); the movers of the map must be deleted
 * first
 */
void map_file_close(struct map_file *f);

/*
 * map_file_granularity -- the name of a store granularity
 */
const char *map_file_granularity(enum pmem2_granularity g);

#ifdef __cplusplus
}
#endif

#endif /* MINIASYNC_UTILS_MAP_FILE_H */
