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
	env->mover.vdm = vdm;
	return 0;
}

/*
 * sync_teardown -- deletes the synchronous mover
 */
static void
sync_teardown(struct bench_env *env)
{
	vdm_delete(env->mover.vdm);
	env->mover.vdm = NULL;
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
		.run = busy_run,
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
