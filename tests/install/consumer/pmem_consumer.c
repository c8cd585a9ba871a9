/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_consumer.c -- a program outside the project that uses the installed
 * libminiasync-pmem: a durable copy into a file mapped with libpmem2
 */

#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libminiasync-pmem.h>
#include <libpmem2.h>

int
main(void)
{
	char path[] = "/var/tmp/miniasync-consumer.XXXXXX";
	char msg[] = "durable";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 4096) != 0) {
		perror(path);
		return 1;
	}
	(void) unlink(path);

	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	if (pmem2_config_new(&cfg) || pmem2_source_from_fd(&src, fd) ||
			pmem2_config_set_required_store_granularity(cfg,
				PMEM2_GRANULARITY_PAGE) ||
			pmem2_map_new(&map, cfg, src)) {
		pmem2_perror("pmem2");
		return 1;
	}

	int ok = 0;
	for (unsigned nthreads = 0; nthreads <= 1; nthreads++) {
		struct vdm *vdm = vdm_pmem2_new(map, nthreads);
		struct runtime *rt = runtime_new();
		if (vdm == NULL || rt == NULL) {
			perror("libminiasync-pmem");
			return 1;
		}
		char *dest = (char *)pmem2_map_get_address(map) + nthreads;
		struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, msg,
			sizeof(msg), 0);
		runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		ok += FUTURE_OUTPUT(&fut)->result == VDM_SUCCESS &&
			memcmp(dest, msg, sizeof(msg)) == 0;
		runtime_delete(rt);
		vdm_delete(vdm);
	}

	pmem2_map_delete(&map);
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	close(fd);
	printf("pmem consumer: %s\n", ok == 2 ? "ok" : "failed");
	return ok == 2 ? 0 : 1;
}
