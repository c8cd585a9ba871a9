/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_sync.c -- the family of the synchronous mover: its sweep against
 * memcpy, every copy a vdm_memcpy() future busy-polled to completion on
 * the calling thread
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libminiasync.h>

#include "bench.h"

/*
 * sync_setup -- makes a synchronous mover
 */
static int
sync_setup(struct bench_env *env, char *why, size_t whylen)
{
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	if (vdm == NULL) {
		snprintf(why, whylen, "vdm_new: %s", strerror(errno));
		return -1;
	}
	env->state = vdm;
	return 0;
}

/*
 * sync_teardown -- deletes the synchronous mover
 */
static void
sync_teardown(struct bench_env *env)
{
	vdm_delete(env->state);
	env->state = NULL;
}

/*
 * sync_run -- ops copies, each a vdm_memcpy future busy-polled to completion
 */
BENCH_BATCH static int
sync_run(struct bench_env *env, uint64_t ops)
{
	struct vdm *vdm = env->state;
	char *dst = env->dst;
	char *src = env->src;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		struct vdm_memcpy_future fut = vdm_memcpy(vdm, dst, src, n, 0);
		FUTURE_BUSY_POLL(&fut);
		bad |= (FUTURE_OUTPUT(&fut)->result != VDM_SUCCESS) |
			(FUTURE_OUTPUT(&fut)->dest != dst);
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/* the project's goals for the synchronous mover against memcpy */
static const struct bench_goal sync_goals[] = {
	{ 64, 4.0 },
	{ 4096, 1.15 },
	{ 0, 0.0 },
};

static const struct bench_case sync_cases[] = {
	{
		.name = "sync",
		.mover = "synchronous",
		.baseline = "memcpy",
		.what = "vdm_memcpy() + FUTURE_BUSY_POLL on the synchronous "
			"mover",
		.setup = sync_setup,
		.teardown = sync_teardown,
		.run = sync_run,
		.baseline_run = baseline_memcpy,
		.goals = sync_goals,
	},
};

const struct bench_family bench_family_sync = {
	.cases = sync_cases,
	.ncases = sizeof(sync_cases) / sizeof(sync_cases[0]),
	.figures = NULL,
	.nfigures = 0,
	.help = NULL,
	.csv_help = NULL,
};
