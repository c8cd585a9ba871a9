/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_pmem_cl.c -- the family of the pmem movers on maps that are
 * drained, not written back (built with libminiasync-pmem): pmem-cl-group,
 * 64 durable copies of 4 KiB waited together on a mover without threads,
 * whose drains its drain group shares, against 64 durable copies of the
 * map's own function (a drain each) and against the ceiling, the same 64
 * stores with no drain and one drain after them.  Three maps: a file of
 * /var/tmp mapped with libpmem2 forced to CACHE_LINE, the same forced to
 * BYTE (vdm_pmem2_new(map, 0), against the map's memcpy function), and a
 * file map that libpmem is forced to take for persistent memory with
 * PMEM_IS_PMEM_FORCE=1 (vdm_pmem_new(0), against pmem_memcpy() and
 * pmem_drain()).
 *
 * libpmem2 reads PMEM2_FORCE_GRANULARITY at every pmem2_map_new(), so
 * each map gets its own; libpmem reads PMEM_IS_PMEM_FORCE once, at its
 * first pmem_is_pmem(), which this family sets before (unless the
 * environment did), and checks: the third map is skipped if libpmem does
 * not take it for persistent memory.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>
#include <libminiasync-pmem.h>
#include <libpmem.h>
#include <libpmem2.h>

#include "bench.h"
#include "map_file.h"

/* the copies waited together, and their size */
#define FIG_CL_COPIES 64
#define FIG_CL_SIZE ((size_t)4096)
_Static_assert(FIG_CL_COPIES <= BENCH_MAX_COPIES,
	"pmem-cl-group waits for more copies than wait_copies() can");

/*
 * the goal of a mover: baseline time / mover time, on a CACHE_LINE map and
 * with libpmem; none on a BYTE map, where a drain (a store fence) costs
 * next to nothing and the ceiling is no better than the baseline: its row
 * shows what the two polls of each future cost there
 */
#define FIG_CL_GOAL 1.8

#define FIG_CL_REPS 15

/* what the copies of a pass are stored and drained with */
struct cl_fns {
	pmem2_memcpy_fn memcpy_fn;
	pmem2_drain_fn drain_fn;
	uint64_t stamp; /* the number of the last pass, in its source */
};

/*
 * cl_stamp -- makes the source of a pass differ from the last pass's: the
 * pass's number in the first word of each of its copies
 */
static void
cl_stamp(struct bench_env *env, struct cl_fns *p)
{
	p->stamp++;
	for (size_t k = 0; k < FIG_CL_COPIES; k++)
		memcpy(env->src + k * env->n, &p->stamp, sizeof(p->stamp));
}

/*
 * cl_copies -- ops passes of FIG_CL_COPIES copies with the memcpy
 * function and flags; with drain_after, one drain after each pass's last
 */
static inline int
cl_copies(struct bench_env *env, uint64_t ops, unsigned flags,
	int drain_after)
{
	struct cl_fns *p = env->state;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		cl_stamp(env, p);
		for (size_t k = 0; k < FIG_CL_COPIES; k++) {
			char *dst = env->dst + k * n;
			bad |= p->memcpy_fn(dst, env->src + k * n, n, flags) !=
				dst;
			bench_barrier();
		}
		if (drain_after)
			p->drain_fn();
	}

	return bad ? -1 : 0;
}

/*
 * cl_base -- ops passes of FIG_CL_COPIES durable copies with the memcpy
 * function, flags 0: each stored, flushed and drained
 */
BENCH_BATCH static int
cl_base(struct bench_env *env, uint64_t ops)
{
	return cl_copies(env, ops, 0, 0);
}

/*
 * cl_ceiling -- ops passes of the copies cl_base makes, each stored with
 * PMEM2_F_MEM_NODRAIN, and one drain after the last
 */
BENCH_BATCH static int
cl_ceiling(struct bench_env *env, uint64_t ops)
{
	return cl_copies(env, ops, PMEM2_F_MEM_NODRAIN, 1);
}

/*
 * cl_mover -- ops passes of the copies cl_base makes, vdm_memcpy futures
 * on the mover waited together with runtime_wait_multiple
 */
BENCH_BATCH static int
cl_mover(struct bench_env *env, uint64_t ops)
{
	struct cl_fns *p = env->state;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		cl_stamp(env, p);
		bad |= wait_copies(env, FIG_CL_COPIES) != 0;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * cl_measure -- the mover, then the ceiling, each in pairs with the
 * baseline, and a row each: ratio = baseline time / its time
 */
static int
cl_measure(struct fig_ctx *x, struct bench_env *env, const char *mover,
	const char *ceiling, const char *baseline, double goal)
{
	size_t span = FIG_CL_COPIES * FIG_CL_SIZE;
	struct bench_opts o = fig_opts(x, FIG_CL_REPS);
	struct bench_case c = fig_case("pmem-cl-group", mover, cl_mover,
		cl_base);
	struct bench_case top = fig_case("pmem-cl-group", ceiling,
		cl_ceiling, cl_base);
	struct bench_result r;
	struct bench_result t;

	c.baseline = baseline;
	top.baseline = baseline;
	/* one untimed pass each first: every page of the map touched */
	if (cl_base(env, 1) != 0 || cl_mover(env, 1) != 0 ||
			cl_ceiling(env, 1) != 0) {
		fprintf(stderr, "pmem-cl-group: %s: the untimed pass "
			"failed\n", mover);
		return -1;
	}
	if (measure_span(&c, env, &o, span, &r) != 0 ||
			measure_span(&top, env, &o, span, &t) != 0)
		return -1;

	/* per copy, not per pass */
	result_per(&r, FIG_CL_COPIES);
	result_per(&t, FIG_CL_COPIES);
	fig_speedup(x, "pmem-cl-group", mover, FIG_CL_SIZE, &r, 1.0, goal);
	fig_speedup(x, "pmem-cl-group", ceiling, FIG_CL_SIZE, &t, 1.0, NAN);
	fflush(stdout);
	return 0;
}

/*
 * cl_map -- a file map of span bytes forced to granularity force; 0,
 * BENCH_SKIP (printed; nothing left) if it cannot be made or does not get
 * want
 */
static int
cl_map(struct map_file *f, size_t span, const char *force,
	enum pmem2_granularity want)
{
	char why[256] = "";

	if (map_file_open(f, "bench", span, force, why, sizeof(why)) != 0) {
		printf("  skipped: %s\n", why);
		return BENCH_SKIP;
	}
	if (f->gran != want) {
		printf("  skipped: the map is %s, not %s\n",
			map_file_granularity(f->gran),
			map_file_granularity(want));
		map_file_close(f);
		return BENCH_SKIP;
	}
	return 0;
}

/*
 * cl_pmem2 -- the libpmem2 rows: vdm_pmem2_new(map, nthreads) of a map
 * forced to force, against the map's own functions
 */
static int
cl_pmem2(struct fig_ctx *x, const char *force, enum pmem2_granularity want,
	unsigned nthreads, const char *mover, const char *ceiling,
	double goal)
{
	size_t span = FIG_CL_COPIES * FIG_CL_SIZE;
	struct map_file f;
	struct cl_fns fns;

	printf("  %s map (forced), libpmem2:\n", force);
	int s = cl_map(&f, span, force, want);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	struct bench_env env = fig_env(x->src, f.addr, FIG_CL_SIZE);
	struct vdm *vdm = vdm_pmem2_new(f.map, nthreads);
	if (mover_open(&env.mover, vdm, errno, mover) != 0) {
		map_file_close(&f);
		return -1;
	}
	fns.memcpy_fn = pmem2_get_memcpy_fn(f.map);
	fns.drain_fn = pmem2_get_drain_fn(f.map);
	fns.stamp = 0;
	env.state = &fns;
	fill_words(env.src, span, 7);

	int ret = cl_measure(x, &env, mover, ceiling, "libpmem2", goal);
	mover_close(&env.mover);
	map_file_close(&f);
	return ret;
}

/*
 * cl_libpmem -- the libpmem rows: vdm_pmem_new(0) on a file map libpmem
 * takes for persistent memory, against pmem_memcpy() and pmem_drain()
 */
static int
cl_libpmem(struct fig_ctx *x)
{
	size_t span = FIG_CL_COPIES * FIG_CL_SIZE;
	struct map_file f;
	struct cl_fns fns;

	printf("  PAGE map taken for persistent memory "
	       "(PMEM_IS_PMEM_FORCE=1), libpmem:\n");
	int s = cl_map(&f, span, NULL, PMEM2_GRANULARITY_PAGE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	if (!pmem_is_pmem(f.addr, span)) {
		printf("  skipped: libpmem does not take the map for "
		       "persistent memory (PMEM_IS_PMEM_FORCE=%s when it "
		       "first looked)\n", getenv("PMEM_IS_PMEM_FORCE") ?
			getenv("PMEM_IS_PMEM_FORCE") : "unset");
		map_file_close(&f);
		return 0;
	}
	struct bench_env env = fig_env(x->src, f.addr, FIG_CL_SIZE);
	struct vdm *vdm = vdm_pmem_new(0);
	if (mover_open(&env.mover, vdm, errno, "pmem-0") != 0) {
		map_file_close(&f);
		return -1;
	}
	fns.memcpy_fn = pmem_memcpy;
	fns.drain_fn = pmem_drain;
	fns.stamp = 0;
	env.state = &fns;
	fill_words(env.src, span, 8);

	int ret = cl_measure(x, &env, "pmem-0/libpmem", "ceiling/libpmem",
		"libpmem", FIG_CL_GOAL);
	mover_close(&env.mover);
	map_file_close(&f);
	return ret;
}

/*
 * fig_pmem_cl_group -- 64 durable 4 KiB copies waited together on the
 * pmem movers without threads, on maps that are drained, against a drain
 * per copy and against one drain for all
 */
static int
fig_pmem_cl_group(struct fig_ctx *x)
{
	struct bench_opts o = fig_opts(x, FIG_CL_REPS);

	printf("\npmem-cl-group: %d durable copies of 4 KiB to consecutive "
	       "ranges, %d x vdm_memcpy()\n  then runtime_wait_multiple(), "
	       "on the pmem movers without threads (and\n  pmem2-2: with 2, "
	       "on CACHE_LINE), against %d x the map's memcpy function\n"
	       "  with flags 0 (a drain each), and the ceiling: %d x the "
	       "memcpy function with\n  "
	       "PMEM2_F_MEM_NODRAIN, then one drain; %u\n  repetitions; ns "
	       "per copy; ratio = baseline time / mover (or ceiling) time\n"
	       "  (higher is better)\n",
		FIG_CL_COPIES, FIG_CL_COPIES, FIG_CL_COPIES, FIG_CL_COPIES,
		o.reps);
	/* libpmem looks at it once, at its first pmem_is_pmem() */
	if (setenv("PMEM_IS_PMEM_FORCE", "1", 0) != 0)
		return -1;

	fig_header();
	int ret = cl_pmem2(x, "CACHE_LINE", PMEM2_GRANULARITY_CACHE_LINE, 0,
		"pmem2-0/cl", "ceiling/cl", FIG_CL_GOAL);
	/* the pool stores copies this short on the polling thread too, and
	 * they share its drain group */
	ret |= cl_pmem2(x, "CACHE_LINE", PMEM2_GRANULARITY_CACHE_LINE, 2,
		"pmem2-2/cl", "ceiling/cl", FIG_CL_GOAL);
	/* a BYTE map's drain waits for no flush: the mover drains at once,
	 * and one drain for all is worth nothing there (the ceiling shows) */
	ret |= cl_pmem2(x, "BYTE", PMEM2_GRANULARITY_BYTE, 0, "pmem2-0/byte",
		"ceiling/byte", NAN);
	ret |= cl_libpmem(x);
	return ret;
}

static const struct bench_figure cl_figures[] = {
	{
		"pmem-cl-group",
		"64 x 4 KiB durable copies waited together on the pmem movers "
		"(no threads, and 2 on CACHE_LINE), against a drain per copy "
		"(CACHE_LINE, BYTE, libpmem)",
		fig_pmem_cl_group,
	},
};

/* clang-format off */
static const char cl_help[] =
"  pmem-cl-group    64 x 4 KiB copies waited with runtime_wait_multiple()\n"
"                   on pmem2-0 (and pmem2-2) of a map forced to CACHE_LINE,\n"
"                   on pmem2-0 of one forced to BYTE,\n"
"                   and on vdm_pmem_new(0) of a map libpmem takes for\n"
"                   persistent memory (PMEM_IS_PMEM_FORCE=1), against 64 x\n"
"                   the memcpy function with flags 0 (a drain each); the\n"
"                   ceiling: 64 x the memcpy function with\n"
"                   PMEM2_F_MEM_NODRAIN and one drain; at most 15\n"
"                   repetitions; goal: baseline time / mover time at least\n"
"                   1.8 (none on BYTE, where a drain costs next to nothing:\n"
"                   the ceiling is no better than the baseline there)\n";

static const char cl_csv_help[] =
"  pmem-cl-group    movers pmem2-0/cl, pmem2-0/byte, pmem-0/libpmem and\n"
"                   the ceilings ceiling/cl, ceiling/byte, ceiling/libpmem:\n"
"                   ns per copy of 4096 bytes (of 64 waited together);\n"
"                   ratio = baseline / mover time; goal: the smallest\n"
"                   ratio (NaN for the ceilings and pmem2-0/byte)\n";
/* clang-format on */

const struct bench_family bench_family_pmem_cl = {
	.cases = NULL,
	.ncases = 0,
	.figures = cl_figures,
	.nfigures = sizeof(cl_figures) / sizeof(cl_figures[0]),
	.help = cl_help,
	.csv_help = cl_csv_help,
};
