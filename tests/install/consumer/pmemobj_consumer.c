/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmemobj_consumer.c -- a program outside the project that uses the
 * installed libminiasync-pmemobj, through its header alone: durable copies
 * into an object of a libpmemobj pool
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libminiasync-pmemobj.h>

int
main(void)
{
	char path[] = "/var/tmp/miniasync-pmemobj-consumer.XXXXXX";
	char msg[] = "durable in a pool";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	close(fd);
	(void) unlink(path);

	PMEMobjpool *pop = pmemobj_create(path, "consumer", PMEMOBJ_MIN_POOL,
		0600);
	if (pop == NULL) {
		fprintf(stderr, "pmemobj_create: %s\n", pmemobj_errormsg());
		return 1;
	}
	PMEMoid oid;
	if (pmemobj_zalloc(pop, &oid, 2 * sizeof(msg), 1) != 0) {
		fprintf(stderr, "pmemobj_zalloc: %s\n", pmemobj_errormsg());
		return 1;
	}
	char *obj = pmemobj_direct(oid);

	int ok = 0;
	for (unsigned nthreads = 0; nthreads <= 1; nthreads++) {
		struct vdm *vdm = vdm_pmemobj_new(pop, nthreads);
		struct runtime *rt = runtime_new();
		if (vdm == NULL || rt == NULL) {
			perror("libminiasync-pmemobj");
			return 1;
		}
		char *dest = obj + nthreads * sizeof(msg);
		struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, msg,
			sizeof(msg), 0);
		runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		ok += FUTURE_OUTPUT(&fut)->result == VDM_SUCCESS &&
			memcmp(dest, msg, sizeof(msg)) == 0;
		runtime_delete(rt);
		vdm_delete(vdm);
	}

	pmemobj_free(&oid);
	pmemobj_close(pop);
	(void) unlink(path);
	printf("pmemobj consumer: %s\n", ok == 2 ? "ok" : "failed");
	return ok == 2 ? 0 : 1;
}
