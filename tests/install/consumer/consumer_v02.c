/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * consumer_v02.c -- a program outside libminiasync written for miniasync
 * 0.2: its movers from data_mover_*_new(), its futures spelled struct
 * vdm_operation_future and read as output.memcpy.dest, a chain whose map
 * fills in the arguments of a copy made with placeholders, stdio from
 * <libminiasync.h>.  Exits 0 when every byte is where it belongs.
 */

#include <libminiasync.h>
#include <string.h>

/* a chain: a copy of a string, then a copy of the copy */
struct twice_data {
	FUTURE_CHAIN_ENTRY(struct vdm_operation_future, first);
	FUTURE_CHAIN_ENTRY_LAST(struct vdm_operation_future, second);
};

struct twice_output {
	void *dest;
};

FUTURE(twice_future, struct twice_data, struct twice_output);

/*
 * first_to_second -- the second copy reads what the first one wrote
 */
static void
first_to_second(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	struct vdm_operation_output *out = future_context_get_output(lhs);
	struct vdm_operation_data *next = future_context_get_data(rhs);
	next->operation.data.memcpy.src = out->output.memcpy.dest;
}

/*
 * second_to_chain -- the chain's output is where the second copy went
 */
static void
second_to_chain(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	struct vdm_operation_output *out = future_context_get_output(lhs);
	struct twice_output *chain = future_context_get_output(rhs);
	chain->dest = out->result == VDM_SUCCESS ?
		out->output.memcpy.dest : NULL;
}

/*
 * copy_twice -- copies s to mid, then mid to dst, on vdm
 */
static int
copy_twice(struct runtime *r, struct vdm *vdm, const char *s, char *mid,
	char *dst)
{
	size_t n = strlen(s) + 1;
	struct twice_future chain;

	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		vdm_memcpy(vdm, mid, (void *)s, n, 0), first_to_second, NULL);
	/* the source is not known yet: the first entry's map fills it in */
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second,
		vdm_memcpy(vdm, dst, NULL, n, 0), second_to_chain, NULL);
	FUTURE_CHAIN_INIT(&chain);
	runtime_wait(r, FUTURE_AS_RUNNABLE(&chain));

	return FUTURE_OUTPUT(&chain)->dest == dst &&
		FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.second) &&
		strcmp(dst, s) == 0;
}

int
main(void)
{
	char mid[64], dst[64];
	struct runtime *r = runtime_new();
	struct data_mover_sync *dms = data_mover_sync_new();
	struct data_mover_threads *dmt = data_mover_threads_default();

	if (r == NULL || dms == NULL || dmt == NULL) {
		fprintf(stderr, "consumer_v02: cannot set up\n");
		return 1;
	}

	int ok = copy_twice(r, data_mover_sync_get_vdm(dms), "synchronous",
		mid, dst);
	ok = ok && copy_twice(r, data_mover_threads_get_vdm(dmt), "threads",
		mid, dst);

	struct vdm_operation_future set = vdm_memset(
		data_mover_threads_get_vdm(dmt), dst, 'z', 8, 0);
	FUTURE_BUSY_POLL(&set);
	ok = ok && FUTURE_OUTPUT(&set)->result == VDM_SUCCESS &&
		FUTURE_OUTPUT(&set)->output.memset.str == dst &&
		memcmp(dst, "zzzzzzzz", 8) == 0;

	data_mover_threads_delete(dmt);
	data_mover_sync_delete(dms);
	runtime_delete(r);
	printf("consumer_v02: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
