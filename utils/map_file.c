/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * map_file.c -- a new file of /var/tmp mapped with libpmem2 (see
 * map_file.h)
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map_file.h"

/*
 * map_file_granularity -- the name of a store granularity
 */
const char *
map_file_granularity(enum pmem2_granularity g)
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
 * map_file_close -- unmaps and closes what map_file_open made
 */
void
map_file_close(struct map_file *f)
{
	if (f->map != NULL)
		(void) pmem2_map_delete(&f->map);
	if (f->source != NULL)
		(void) pmem2_source_delete(&f->source);
	if (f->cfg != NULL)
		(void) pmem2_config_delete(&f->cfg);
	if (f->fd >= 0)
		(void) close(f->fd);
	f->fd = -1;
}

/*
 * map_new -- pmem2_map_new with MAP_FILE_FORCE_ENV set to force (unless
 * NULL) meanwhile; 0, or -1 with why
 */
static int
map_new(struct map_file *f, const char *force, char *why, size_t whylen)
{
	char *saved = NULL;

	if (force != NULL) {
		const char *old = getenv(MAP_FILE_FORCE_ENV);
		if (old != NULL && (saved = strdup(old)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		(void) setenv(MAP_FILE_FORCE_ENV, force, 1);
	}
	int e = pmem2_map_new(&f->map, f->cfg, f->source);
	if (e != 0)
		snprintf(why, whylen, "pmem2_map_new: %s", pmem2_errormsg());
	if (force != NULL) {
		if (saved != NULL)
			(void) setenv(MAP_FILE_FORCE_ENV, saved, 1);
		else
			(void) unsetenv(MAP_FILE_FORCE_ENV);
		free(saved);
	}
	return e != 0 ? -1 : 0;
}

/*
 * map_file_open -- a new file of len bytes in MAP_FILE_DIR, unlinked at
 * once, its blocks allocated, mapped with libpmem2
 */
int
map_file_open(struct map_file *f, const char *name, size_t len,
	const char *force, char *why, size_t whylen)
{
	char path[128];

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/miniasync-%s.XXXXXX", MAP_FILE_DIR,
		name);
	f->fd = mkstemp(path);
	if (f->fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	(void) unlink(path);

	int e = posix_fallocate(f->fd, 0, (off_t)len);
	if (e != 0) {
		snprintf(why, whylen, "posix_fallocate of %zu bytes in %s: %s",
			len, MAP_FILE_DIR, strerror(e));
		goto fail;
	}
	if (pmem2_config_new(&f->cfg) != 0 ||
		pmem2_source_from_fd(&f->source, f->fd) != 0 ||
		pmem2_config_set_required_store_granularity(f->cfg,
			PMEM2_GRANULARITY_PAGE) != 0) {
		snprintf(why, whylen, "libpmem2: %s", pmem2_errormsg());
		goto fail;
	}
	if (map_new(f, force, why, whylen) != 0)
		goto fail;

	f->addr = pmem2_map_get_address(f->map);
	f->len = pmem2_map_get_size(f->map);
	f->gran = pmem2_map_get_store_granularity(f->map);
	return 0;

fail:
	map_file_close(f);
	return -1;
}
