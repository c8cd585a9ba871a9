/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * consumer.c -- a program outside the project, built against the installed
 * libminiasync: a copy on the synchronous mover, waited for with the runtime
 */

#include <libminiasync.h>

#include <stdio.h>
#include <string.h>

/*
 * main -- copies a string with the installed library and checks it
 */
int
main(void)
{
	char src[] = "copied by the installed libminiasync";
	char dst[sizeof(src)];
	memset(dst, 0, sizeof(dst));

	struct runtime *rt = runtime_new();
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	if (rt == NULL || vdm == NULL) {
		fprintf(stderr, "consumer: cannot create runtime or mover\n");
		runtime_delete(rt);
		vdm_delete(vdm);
		return 1;
	}

	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dst, src, sizeof(src),
		0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));

	int ok = FUTURE_STATE(&fut) == FUTURE_STATE_COMPLETE &&
		FUTURE_OUTPUT(&fut)->result == VDM_SUCCESS &&
		FUTURE_OUTPUT(&fut)->dest == dst &&
		memcmp(dst, src, sizeof(src)) == 0;

	vdm_delete(vdm);
	runtime_delete(rt);

	if (!ok) {
		fprintf(stderr, "consumer: the copy went wrong\n");
		return 1;
	}
	printf("consumer: %s\n", dst);
	return 0;
}
