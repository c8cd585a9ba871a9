/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * soak_pmem.c -- the family of the pmem movers of soak, built with
 * libminiasync-pmem: a file of /var/tmp mapped with libpmem2 for the file
 * lanes, vdm_pmem2_new() on its map and vdm_pmem_new(), each with 0 and
 * with 2 worker threads.  Without a file, the pmem2 movers do not run.
 */

#include <stdio.h>

#include <libminiasync.h>
#include <libminiasync-pmem.h>

#include "map_file.h"
#include "soak.h"

/* the mapped file of the file lanes */
static struct map_file file = { .fd = -1 };

/* what the file is, for the run's header */
static char file_what[64];

/*
 * family_open -- maps the file, and makes the movers of its map (if there
 * is one) and the others; -1 if a mover could not be made
 */
static int
family_open(size_t file_len)
{
	char why[256];

	if (map_file_open(&file, "soak", file_len, NULL, why,
			sizeof(why)) == 0) {
		snprintf(file_what, sizeof(file_what),
			"a %s file (%s granularity)", MAP_FILE_DIR,
			map_file_granularity(file.gran));
		soak_file_set(file.addr, file.len, file_what);
		if (soak_mover_add("pmem2-0", vdm_pmem2_new(file.map, 0), 1, 1,
				SOAK_WEIGHT_DURABLE) != 0 ||
			soak_mover_add("pmem2-2", vdm_pmem2_new(file.map, 2),
				1, 1, SOAK_WEIGHT_DURABLE) != 0)
			return -1;
	} else {
		fprintf(stderr, "%s\nno file in %s: the pmem2 movers do not "
			"run\n", why, MAP_FILE_DIR);
	}

	if (soak_mover_add("pmem-0", vdm_pmem_new(0), 1, 0,
			SOAK_WEIGHT_DURABLE) != 0 ||
		soak_mover_add("pmem-2", vdm_pmem_new(2), 1, 0,
			SOAK_WEIGHT_DURABLE) != 0)
		return -1;
	return 0;
}

/*
 * family_close -- unmaps the file, once the movers of its map are deleted
 */
static void
family_close(void)
{
	map_file_close(&file);
}

const struct soak_family soak_family_pmem = {
	.open = family_open,
	.close = family_close,
};
