/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_pmem.c -- the family of the pmem mover (libminiasync-pmem), built
 * with it: its figures, durable copies into a file of /var/tmp mapped with
 * libpmem2, against libpmem2's own functions on the same map.  One 4 KiB
 * copy on the mover without threads (pmem-4k), 64 copies of 4 KiB waited
 * together, whose write-backs (msync) the mover groups (pmem-group), and
 * 64 copies of 1 MiB on two workers (pmem-large).
 *
 * Each map is a new file, unlinked at once and its blocks allocated; one
 * untimed pass of the baseline, then one of the mover, precede the timed
 * ones, so that neither side pays for the first touch of the map's pages.
 * pmem-4k and pmem-large force their maps to CACHE_LINE granularity with
 * PMEM2_FORCE_GRANULARITY, which libpmem2 reads at every pmem2_map_new();
 * a figure whose map does not get the granularity it needs is skipped.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>
#include <libminiasync-pmem.h>
#include <libpmem2.h>

#include "bench.h"
#include "map_file.h"

#define FIG_PMEM_4K_SIZE ((size_t)4096)
/* the mover stores with the map's own function: parity, less what a future
 * costs (its second poll, on a map whose drains it shares) */
#define FIG_PMEM_4K_GOAL 0.95

/* the copies pmem-group and pmem-large wait for together */
#define FIG_PMEM_COPIES 64
_Static_assert(FIG_PMEM_COPIES <= BENCH_MAX_COPIES,
	"pmem figures wait for more copies than wait_copies() can");

#define FIG_PMEM_GROUP_SIZE ((size_t)4096)
#define FIG_PMEM_GROUP_REPS 9
#define FIG_PMEM_GROUP_GOAL 10.0
/* the pool on that burst, against the mover without threads */
#define FIG_PMEM_GROUP_POOL_GOAL 0.9

#define FIG_PMEM_LARGE_SIZE ((size_t)1 << 20)
#define FIG_PMEM_LARGE_REPS 9
#define FIG_PMEM_LARGE_GOAL 1.0

/* the workers of the pmem movers with threads */
#define FIG_PMEM_THREADS 2U

/* a pair of these long batches that the kernel preempted is run again once */
#define FIG_PMEM_RETRIES 1

/*
 * libpmem2's functions of the map that a pmem mover copies into: the
 * bench_env state of a pmem figure, whose mover is in env->mover
 */
struct map_fns {
	pmem2_memcpy_fn memcpy_fn;
	pmem2_persist_fn persist_fn;
	uint64_t stamp; /* the number of the last pass, in its source */
};

/*
 * map_open -- map_file_open, then prints the map and checks that it got
 * the granularity want; returns 0 or BENCH_SKIP (printed, nothing left
 * mapped)
 */
static int
map_open(struct map_file *f, size_t len, const char *force,
	enum pmem2_granularity want)
{
	char why[256] = "";
	char sz[32];

	if (map_file_open(f, "bench", len, force, why, sizeof(why)) != 0) {
		printf("  skipped: %s\n", why);
		return BENCH_SKIP;
	}
	printf("  map: %s in %s, %s granularity%s\n",
		size_str(f->len, sz, sizeof(sz)), MAP_FILE_DIR,
		map_file_granularity(f->gran),
		force != NULL ? " (forced)" : "");
	if (f->gran != want) {
		const char *env = getenv(MAP_FILE_FORCE_ENV);
		printf("  skipped: the figure needs a %s map\n",
			map_file_granularity(want));
		if (env != NULL)
			printf("  (%s=%s in the environment)\n",
				MAP_FILE_FORCE_ENV, env);
		map_file_close(f);
		return BENCH_SKIP;
	}
	return 0;
}

/*
 * durable_open -- env's mover: the pmem mover c->mover of f's map with
 * nthreads workers (on every CPU the program was given), and a runtime;
 * env's state: fns, the map's functions
 */
static int
durable_open(const struct bench_case *c, struct bench_env *env,
	struct map_fns *fns, struct map_file *f, unsigned nthreads)
{
	cpu_set_t pinned;

	unpin(&pinned);
	struct vdm *vdm = vdm_pmem2_new(f->map, nthreads);
	int err = errno;
	repin(&pinned);

	if (mover_open(&env->mover, vdm, err, c->mover) != 0)
		return -1;
	fns->memcpy_fn = pmem2_get_memcpy_fn(f->map);
	fns->persist_fn = pmem2_get_persist_fn(f->map);
	fns->stamp = 0;
	env->state = fns;
	return 0;
}

/*
 * fn_base -- ops durable copies with libpmem2's memcpy function, flags
 * 0: stored, then flushed and drained (or written back) as the map needs
 */
BENCH_BATCH static int
fn_base(struct bench_env *env, uint64_t ops)
{
	struct map_fns *p = env->state;
	char *dst = env->dst;
	const char *src = env->src;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		bad |= p->memcpy_fn(dst, src, n, 0) != dst;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * stamp_pass -- makes the source of a pass differ from the last pass's:
 * the pass's number in the first word of each of its FIG_PMEM_COPIES pieces
 */
static void
stamp_pass(struct bench_env *env, struct map_fns *p)
{
	p->stamp++;
	for (size_t k = 0; k < FIG_PMEM_COPIES; k++)
		memcpy(env->src + k * env->n, &p->stamp, sizeof(p->stamp));
}

/*
 * multi_run -- ops passes: FIG_PMEM_COPIES durable copies of env->n
 * bytes to consecutive ranges, vdm_memcpy futures on the pmem mover waited
 * for together with runtime_wait_multiple
 */
BENCH_BATCH static int
multi_run(struct bench_env *env, uint64_t ops)
{
	struct map_fns *p = env->state;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		stamp_pass(env, p);
		bad |= wait_copies(env, FIG_PMEM_COPIES) != 0;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * group_base -- ops passes of the copies multi_run makes, each
 * with libpmem2's memcpy function without flushing, then its persist
 * function (on a PAGE map, an msync per copy)
 */
BENCH_BATCH static int
group_base(struct bench_env *env, uint64_t ops)
{
	struct map_fns *p = env->state;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		stamp_pass(env, p);
		for (size_t k = 0; k < FIG_PMEM_COPIES; k++) {
			char *dst = env->dst + k * n;
			bad |= p->memcpy_fn(dst, env->src + k * n, n,
				PMEM2_F_MEM_NOFLUSH) != dst;
			p->persist_fn(dst, n);
			bench_barrier();
		}
	}

	return bad ? -1 : 0;
}

/*
 * large_base -- ops passes of the bytes multi_run copies, all
 * FIG_PMEM_COPIES * env->n of them in one call of libpmem2's memcpy
 * function, flags 0, on this thread
 */
BENCH_BATCH static int
large_base(struct bench_env *env, uint64_t ops)
{
	struct map_fns *p = env->state;
	size_t len = FIG_PMEM_COPIES * env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		stamp_pass(env, p);
		bad |= p->memcpy_fn(env->dst, env->src, len, 0) != env->dst;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * durable_case -- a bench_case of a pmem figure, against libpmem2
 */
static struct bench_case
durable_case(const char *name, const char *mover,
	int (*run)(struct bench_env *, uint64_t),
	int (*baseline_run)(struct bench_env *, uint64_t))
{
	struct bench_case c = fig_case(name, mover, run, baseline_run);

	c.baseline = "libpmem2";
	return c;
}

/*
 * warm_pass -- one untimed pass of the baseline, then one of the mover:
 * the map's pages are touched (and their blocks written) before anything
 * is timed
 */
static int
warm_pass(const struct bench_case *c, struct bench_env *env)
{
	if (c->baseline_run(env, 1) != 0 || c->run(env, 1) != 0) {
		fprintf(stderr, "%s: %s: the untimed pass failed\n", c->name,
			c->mover);
		return -1;
	}
	return 0;
}

/*
 * measure_passes -- a pass of copies per batch, as many batches as o says
 * (after warm_pass), then one pass of each side checked over span bytes;
 * 0, or -1 (reported)
 */
static int
measure_passes(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, size_t span, struct bench_result *r)
{
	/* a pass lasts milliseconds: one per batch */
	r->ops = 1;
	if (warm_pass(c, env) != 0 ||
		measure_pairs(c, env, o, FIG_PMEM_RETRIES, r) != 0 ||
		verify_span(c, c->mover, c->run, env, span) != 0 ||
		verify_span(c, c->baseline, c->baseline_run, env, span) != 0)
		return -1;
	return 0;
}

/*
 * fig_pmem_4k -- one durable 4 KiB copy on the pmem mover without threads,
 * busy-polled, against libpmem2's memcpy function on a CACHE_LINE map
 */
static int
fig_pmem_4k(struct fig_ctx *x)
{
	struct bench_case c = durable_case("pmem-4k", "pmem2-0", busy_run,
		fn_base);
	struct bench_result r;
	struct map_file f;
	struct map_fns fns;

	printf("\npmem-4k: one durable copy of 4 KiB, vdm_memcpy() + "
	       "FUTURE_BUSY_POLL on the pmem\n  mover without threads "
	       "(pmem2-0), against libpmem2's memcpy function, flags 0\n  "
	       "(store, flush, drain), on a file map forced to CACHE_LINE; "
	       "ns per copy;\n  ratio = libpmem2 time / mover time (higher "
	       "is better)\n");

	int s = map_open(&f, FIG_PMEM_4K_SIZE, "CACHE_LINE",
		PMEM2_GRANULARITY_CACHE_LINE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	struct bench_env env = fig_env(x->src, f.addr, FIG_PMEM_4K_SIZE);
	if (durable_open(&c, &env, &fns, &f, 0) != 0) {
		map_file_close(&f);
		return -1;
	}
	fill_src(env.src, env.n);

	int e = warm_pass(&c, &env) != 0 ||
		measure_span(&c, &env, x->o, env.n, &r) != 0;
	mover_close(&env.mover);
	map_file_close(&f);
	if (e)
		return -1;

	fig_header();
	fig_speedup(x, "pmem-4k", c.mover, env.n, &r, 1.0, FIG_PMEM_4K_GOAL);
	return 0;
}

/*
 * fig_pmem_group -- 64 durable 4 KiB copies to consecutive pages waited for
 * together (their write-backs grouped), on the pmem mover without threads
 * and with FIG_PMEM_THREADS, against an msync per copy on a PAGE map
 */
static int
fig_pmem_group(struct fig_ctx *x)
{
	static const unsigned nthreads[] = { 0, FIG_PMEM_THREADS };
	size_t span = FIG_PMEM_COPIES * FIG_PMEM_GROUP_SIZE;
	struct bench_opts o = fig_opts(x, FIG_PMEM_GROUP_REPS);
	struct map_file f;
	struct bench_result got[2];
	int measured = 0;
	int ret = 0;

	printf("\npmem-group: %d durable copies of 4 KiB to consecutive "
	       "pages, %d x vdm_memcpy()\n  then runtime_wait_multiple(), "
	       "on the pmem mover without threads (pmem2-0)\n  and with %u "
	       "(pmem2-%u), against %d x (libpmem2's memcpy function with\n  "
	       "PMEM2_F_MEM_NOFLUSH + its persist function), on a PAGE map "
	       "(msync);\n  %u repetitions, one pass of %d copies each; us "
	       "per copy; ratio =\n  libpmem2 time / mover time (higher is "
	       "better)\n",
		FIG_PMEM_COPIES, FIG_PMEM_COPIES, FIG_PMEM_THREADS,
		FIG_PMEM_THREADS, FIG_PMEM_COPIES, o.reps, FIG_PMEM_COPIES);

	int s = map_open(&f, span, NULL, PMEM2_GRANULARITY_PAGE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	fig_header();

	for (size_t i = 0; i < sizeof(nthreads) / sizeof(nthreads[0]); i++) {
		char mover[32];
		struct bench_result r;
		struct map_fns fns;

		snprintf(mover, sizeof(mover), "pmem2-%u", nthreads[i]);
		struct bench_case c = durable_case("pmem-group", mover,
			multi_run, group_base);
		struct bench_env env = fig_env(x->src, f.addr,
			FIG_PMEM_GROUP_SIZE);
		if (durable_open(&c, &env, &fns, &f, nthreads[i]) != 0) {
			ret = -1;
			continue;
		}
		fill_words(env.src, span, 5);

		int e = measure_passes(&c, &env, &o, span, &r);
		mover_close(&env.mover);
		if (e) {
			ret = -1;
			continue;
		}

		/* per copy, not per pass */
		result_per(&r, FIG_PMEM_COPIES);
		fig_speedup(x, "pmem-group", mover, env.n, &r, 1e3,
			FIG_PMEM_GROUP_GOAL);
		got[i] = r;
		measured++;
		fflush(stdout);
	}

	if (measured == 2) {
		/* the pool's time against the time without threads */
		struct bench_result v = got[1];
		v.base_med = got[0].mover_med;
		v.base_min = got[0].mover_min;
		if (got[0].quiet < v.quiet)
			v.quiet = got[0].quiet;
		char mover[32];
		snprintf(mover, sizeof(mover), "pmem2-%u-vs-0",
			FIG_PMEM_THREADS);
		fig_speedup(x, "pmem-group", mover, FIG_PMEM_GROUP_SIZE, &v,
			1e3, FIG_PMEM_GROUP_POOL_GOAL);
		printf("  pmem2-%u-vs-0: the pool's time against pmem2-0's "
		       "(base); ratio = pmem2-0 time /\n  pmem2-%u time\n",
			FIG_PMEM_THREADS, FIG_PMEM_THREADS);
	}

	map_file_close(&f);
	return ret;
}

/*
 * fig_pmem_large -- 64 durable copies of 1 MiB waited for together on the
 * pmem mover with FIG_PMEM_THREADS workers, against libpmem2's memcpy
 * function copying the same 64 MiB on this thread, on a CACHE_LINE map
 */
static int
fig_pmem_large(struct fig_ctx *x)
{
	char mover[32];
	size_t span = FIG_PMEM_COPIES * FIG_PMEM_LARGE_SIZE;
	struct bench_opts o = fig_opts(x, FIG_PMEM_LARGE_REPS);
	struct bench_result r;
	struct map_file f;
	struct map_fns fns;

	snprintf(mover, sizeof(mover), "pmem2-%u", FIG_PMEM_THREADS);
	struct bench_case c = durable_case("pmem-large", mover, multi_run,
		large_base);
	printf("\npmem-large: %d durable copies of 1 MiB, %d x vdm_memcpy() "
	       "then\n  runtime_wait_multiple(), on the pmem mover with %u "
	       "workers (%s), against\n  libpmem2's memcpy function, flags 0, "
	       "copying the same %zu MiB in one call on\n  this thread, on a "
	       "file map forced to CACHE_LINE; %u repetitions; us per\n  "
	       "%zu MiB; ratio = libpmem2 time / mover time (higher is "
	       "better)\n",
		FIG_PMEM_COPIES, FIG_PMEM_COPIES, FIG_PMEM_THREADS, mover,
		span >> 20, o.reps, span >> 20);

	if (fig_big(x, span) != 0)
		return -1;
	int s = map_open(&f, span, "CACHE_LINE",
		PMEM2_GRANULARITY_CACHE_LINE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	struct bench_env env = fig_env(x->big_src, f.addr, FIG_PMEM_LARGE_SIZE);
	if (durable_open(&c, &env, &fns, &f, FIG_PMEM_THREADS) != 0) {
		map_file_close(&f);
		return -1;
	}
	fill_words(env.src, span, 6);

	int e = measure_passes(&c, &env, &o, span, &r);
	mover_close(&env.mover);
	map_file_close(&f);
	if (e)
		return -1;

	fig_header();
	fig_speedup(x, "pmem-large", mover, span, &r, 1e3,
		FIG_PMEM_LARGE_GOAL);
	return 0;
}

static const struct bench_figure durable_figures[] = {
	{
		"pmem-4k",
		"one durable 4 KiB copy on the pmem mover without threads, "
		"against libpmem2 (CACHE_LINE map)",
		fig_pmem_4k,
	},
	{
		"pmem-group",
		"64 x 4 KiB durable copies waited together on the pmem mover, "
		"against an msync per copy (PAGE map)",
		fig_pmem_group,
	},
	{
		"pmem-large",
		"64 x 1 MiB durable copies on the pmem mover with 2 workers, "
		"against libpmem2 (CACHE_LINE map)",
		fig_pmem_large,
	},
};

/* clang-format off */
static const char durable_help[] =
"\n"
"Then the figures of the pmem mover (libminiasync-pmem), each on a new file\n"
"of " MAP_FILE_DIR " mapped with libpmem2 (unlinked at once, its blocks "
"allocated\n"
"with posix_fallocate), against libpmem2's own functions on the same map,\n"
"after one untimed pass of each.  pmem2-N is vdm_pmem2_new(map, N): pmem2-0\n"
"moves bytes on the polling thread, pmem2-2 on 2 workers.  A figure\n"
"forced to CACHE_LINE sets PMEM2_FORCE_GRANULARITY=CACHE_LINE while its map\n"
"is made; a figure whose map lacks the granularity it needs is skipped.\n"
"  pmem-4k          one 4 KiB copy, vdm_memcpy() + FUTURE_BUSY_POLL on\n"
"                   pmem2-0, against libpmem2's memcpy function with flags 0\n"
"                   (store, flush, drain), CACHE_LINE map (forced); goal:\n"
"                   libpmem2 time / mover time at least 1.0\n"
"  pmem-group       64 x 4 KiB copies to consecutive pages waited with\n"
"                   runtime_wait_multiple() on pmem2-0 and pmem2-2, against\n"
"                   64 x (memcpy function with PMEM2_F_MEM_NOFLUSH + persist\n"
"                   function), PAGE map (msync, the default on a file);\n"
"                   every pass writes new bytes; at most 9 repetitions;\n"
"                   goal: libpmem2 time / mover time at least 10\n"
"  pmem-large       64 x 1 MiB copies waited together on pmem2-2, against\n"
"                   one 64 MiB copy by libpmem2's memcpy function, flags 0,\n"
"                   on this thread, CACHE_LINE map (forced); at most 9\n"
"                   repetitions; goal: libpmem2 time / mover time at least\n"
"                   1.0\n";

static const char durable_csv_help[] =
"  pmem-4k          ns per copy of 4096 bytes; ratio = baseline / mover\n"
"                   time (higher is better); goal: the smallest ratio\n"
"  pmem-group       movers pmem2-0, pmem2-2: ns per copy of 4096 bytes (of\n"
"                   64 waited together); ratio and goal as pmem-4k\n"
"  pmem-large       size 67108864 (64 x 1 MiB): ns per 64 MiB; ratio and\n"
"                   goal as pmem-4k\n";
/* clang-format on */

const struct bench_family bench_family_pmem = {
	.cases = NULL,
	.ncases = 0,
	.figures = durable_figures,
	.nfigures = sizeof(durable_figures) / sizeof(durable_figures[0]),
	.help = durable_help,
	.csv_help = durable_csv_help,
};
