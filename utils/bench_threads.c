/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_threads.c -- the family of the thread-pool mover: its sweep against
 * memcpy, one copy at a time waited with runtime_wait(), and its figures,
 * each a fixed situation rather than a sweep, beside its baseline measured
 * in the same run and with its goal: the latency of one small copy
 * (threads-latency), many copies waited together (threads-batch), one
 * large copy (threads-large), here; the CPU time an idle pool burns
 * (threads-idle) and how late a sleeping waiter learns that a long copy is
 * done (threads-waiter) in bench_threads_sleep.c; the floors and the
 * ceiling they are held against in bench_threads_floor.c
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libminiasync.h>

#include "bench.h"
#include "bench_threads.h"

#define FIG_LATENCY_SIZE 64
#define FIG_LATENCY_GOAL_NS 450.0

#define FIG_BATCH_COPIES 64
_Static_assert(FIG_BATCH_COPIES <= BENCH_MAX_COPIES,
	"threads-batch waits for more copies than wait_copies() can");
#define FIG_BATCH_SIZE ((size_t)4096)
#define FIG_BATCH_GOAL 0.7

#define FIG_LARGE_REPS 9
#define FIG_LARGE_GOAL 1.4
/* rounds of threads-large's rotated table, and the pool's goal there:
 * this fraction of the speed of the two-way split */
#define FIG_SPLIT_REPS 15
#define FIG_SPLIT_GOAL 0.9

const struct pool_spec pool_default = {
	"threads", vdm_descriptor_threads, 0, FUTURE_NOTIFIER_WAKER, 0, 1,
};

static const struct pool_spec pool_one = {
	"threads-1", NULL, 1, FUTURE_NOTIFIER_WAKER, 0, 1,
};

static const struct pool_spec pool_polled = {
	"threads-polled", vdm_descriptor_threads_polled, 0,
	FUTURE_NOTIFIER_POLLER, 0, 1,
};

/* the default pool that hands every copy to its workers: what the
 * hand-over costs (no goal) */
static const struct pool_spec pool_offload = {
	"threads-offload", NULL, 0, FUTURE_NOTIFIER_WAKER, 1, 0,
};

/*
 * pool_open -- makes the mover spec describes, and a runtime; the workers
 * may run on every CPU the program was given, even when --cpu pinned the
 * measuring thread
 */
int
pool_open(struct bench_mover *m, const struct pool_spec *spec)
{
	struct vdm *vdm;
	cpu_set_t pinned;

	unpin(&pinned);
	if (spec->descriptor != NULL) {
		vdm = vdm_new(spec->descriptor());
	} else {
		struct vdm_threads_config cfg = {
			.nthreads = spec->nthreads,
			.queue_depth = 0,
			.offload_min = spec->offload_min,
		};
		vdm = vdm_threads_new(&cfg, spec->notifier);
	}
	int err = errno;
	repin(&pinned);

	return mover_open(m, vdm, err, spec->mover);
}

/*
 * threads_sweep_setup -- the default pool and a runtime, for the threads
 * case
 */
static int
threads_sweep_setup(struct bench_env *env, char *why, size_t whylen)
{
	if (pool_open(&env->mover, &pool_default) != 0) {
		snprintf(why, whylen, "cannot make the default pool");
		return -1;
	}
	return 0;
}

/*
 * threads_sweep_teardown -- deletes what threads_sweep_setup made
 */
static void
threads_sweep_teardown(struct bench_env *env)
{
	mover_close(&env->mover);
}

/*
 * threads_batch_run -- ops times: FIG_BATCH_COPIES futures copying distinct
 * ranges of env->n bytes, waited for together with runtime_wait_multiple
 */
BENCH_BATCH static int
threads_batch_run(struct bench_env *env, uint64_t ops)
{
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		bad |= wait_copies(env, FIG_BATCH_COPIES) != 0;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * baseline_batch -- ops times: FIG_BATCH_COPIES memcpy calls on the ranges
 * threads_batch_run copies
 */
BENCH_BATCH static int
baseline_batch(struct bench_env *env, uint64_t ops)
{
	size_t n = env->n;

	for (uint64_t i = 0; i < ops; i++) {
		for (size_t k = 0; k < FIG_BATCH_COPIES; k++) {
			memcpy(env->dst + k * n, env->src + k * n, n);
			bench_barrier();
		}
	}
	return 0;
}

/*
 * pool_measure -- measures a case on a new pool as spec says, then checks
 * that one operation of the mover, and one of the baseline, copy the first
 * span bytes of the source; 0, or -1 if the pool could not be made or a
 * check failed
 */
static int
pool_measure(const struct pool_spec *spec, const struct bench_case *c,
	struct bench_env *env, const struct bench_opts *o, size_t span,
	struct bench_result *r)
{
	if (pool_open(&env->mover, spec) != 0)
		return -1;
	int e = measure_span(c, env, o, span, r);
	mover_close(&env->mover);
	return e;
}

/*
 * pool_rows -- c measured on a new pool of each of specs[0..nspecs), c's
 * mover named after it, from env's buffers (filled already), one operation
 * of each side checked over span bytes; row prints each result; 0, or -1
 * if one of the pools was broken
 */
static int
pool_rows(struct fig_ctx *x, struct bench_case *c, struct bench_env *env,
	size_t span, const struct pool_spec *const *specs, size_t nspecs,
	void (*row)(struct fig_ctx *x, const struct pool_spec *spec,
		struct bench_result *r))
{
	int ret = 0;

	for (size_t i = 0; i < nspecs; i++) {
		struct bench_result r;

		c->mover = specs[i]->mover;
		if (pool_measure(specs[i], c, env, x->o, span, &r) != 0) {
			ret = -1;
			continue;
		}
		row(x, specs[i], &r);
		fflush(stdout);
	}
	return ret;
}

/*
 * latency_row -- a row of threads-latency: the mover's median against the
 * absolute goal, for the pools the goal applies to
 */
static void
latency_row(struct fig_ctx *x, const struct pool_spec *spec,
	struct bench_result *r)
{
	char goal[32];

	snprintf(goal, sizeof(goal), "<= %.0f ns", FIG_LATENCY_GOAL_NS);
	fig_row(spec->mover, r, 1.0, r->ratio, spec->goal ? goal : "-",
		spec->goal ? fig_goal(x, r->mover_med <= FIG_LATENCY_GOAL_NS) :
		"");
	csv_fig(x, "threads-latency", spec->mover, FIG_LATENCY_SIZE,
		r->mover_med, r->base_med, r->ratio,
		spec->goal ? FIG_LATENCY_GOAL_NS : NAN);
}

/*
 * fig_latency -- one small copy, submit to complete with runtime_wait, on
 * the default pool, a pool of one worker and the polled pool, against
 * memcpy; then the floor
 */
static int
fig_latency(struct fig_ctx *x)
{
	static const struct pool_spec *const specs[] = {
		&pool_default, &pool_one, &pool_polled, &pool_offload,
	};
	struct bench_case c = fig_case("threads-latency", NULL, wait_run,
		baseline_memcpy);
	struct bench_env env = fig_env(x->src, x->dst, FIG_LATENCY_SIZE);

	printf("\nthreads-latency: one %d B copy, vdm_memcpy() + "
	       "runtime_wait(), submit to\n  complete, against memcpy of "
	       "%d B; times in ns; goal: mover median <= %.0f ns\n  "
	       "(absolute); ratio = mover / memcpy time; threads: default "
	       "pool (%u\n  workers), threads-1: one worker, threads-polled: "
	       "the polled pool (%u workers);\n  threads-offload: the default "
	       "pool with offload_min 1, every copy handed to\n  a worker "
	       "(what a hand-over costs; no goal)\n",
		FIG_LATENCY_SIZE, FIG_LATENCY_SIZE, FIG_LATENCY_GOAL_NS,
		x->ncpus, x->ncpus);
	fig_header();

	fill_src(env.src, env.n);
	int ret = pool_rows(x, &c, &env, env.n, specs,
		sizeof(specs) / sizeof(specs[0]), latency_row);

	if (fig_floor(x) != 0)
		ret = -1;
	return ret;
}

/*
 * batch_row -- a row of threads-batch, per copy: memcpy time / mover time
 * against the goal, for the pools the goal applies to
 */
static void
batch_row(struct fig_ctx *x, const struct pool_spec *spec,
	struct bench_result *r)
{
	/* per copy, not per group of copies */
	result_per(r, FIG_BATCH_COPIES);
	fig_speedup(x, "threads-batch", spec->mover, FIG_BATCH_SIZE, r, 1.0,
		spec->goal ? FIG_BATCH_GOAL : NAN);
}

/*
 * fig_batch -- FIG_BATCH_COPIES copies of 4 KiB waited for together, against
 * the same copies by memcpy on this thread
 */
static int
fig_batch(struct fig_ctx *x)
{
	static const struct pool_spec *const specs[] = {
		&pool_default, &pool_offload,
	};
	struct bench_case c = fig_case("threads-batch", NULL,
		threads_batch_run, baseline_batch);
	struct bench_env env = fig_env(x->src, x->dst, FIG_BATCH_SIZE);
	size_t span = FIG_BATCH_COPIES * FIG_BATCH_SIZE;

	printf("\nthreads-batch: %d copies of 4 KiB on distinct ranges, "
	       "%d x vdm_memcpy() then\n  runtime_wait_multiple(), default "
	       "pool (%u workers), against %d memcpy()\n  calls on this "
	       "thread; ns per copy; ratio = memcpy time / mover time\n  "
	       "(higher is better); threads-offload: every copy handed to a "
	       "worker\n  (offload_min 1; no goal)\n",
		FIG_BATCH_COPIES, FIG_BATCH_COPIES, x->ncpus,
		FIG_BATCH_COPIES);
	fig_header();

	fill_words(env.src, span, 1);
	return pool_rows(x, &c, &env, span, specs,
		sizeof(specs) / sizeof(specs[0]), batch_row);
}

/*
 * large_split -- the second table of threads-large: the default pool, the
 * two-way split and memcpy, rotated (split_rotated), each held against
 * the split; 0, or -1 (reported)
 */
static int
large_split(struct fig_ctx *x, struct bench_env *env)
{
	static const char *const names[SPLIT_WAYS] = {
		[SPLIT_POOL] = "threads",
		[SPLIT_TWO] = "two-way split",
		[SPLIT_MEMCPY] = "memcpy",
	};
	static const char *const csv_names[SPLIT_WAYS] = {
		[SPLIT_POOL] = "threads-vs-split",
		[SPLIT_TWO] = "two-way-split",
		[SPLIT_MEMCPY] = "memcpy-vs-split",
	};
	double med[SPLIT_WAYS], min[SPLIT_WAYS];
	struct bench_mover p;
	unsigned reps = x->o->reps < FIG_SPLIT_REPS ? x->o->reps :
		FIG_SPLIT_REPS;

	if (pool_open(&p, &pool_default) != 0)
		return -1;
	memset(env->dst, 0, env->n);
	int e = split_rotated(&p, env->dst, env->src, env->n, reps, med, min);
	mover_close(&p);
	if (e != 0)
		return -1;
	if (memcmp(env->dst, env->src, env->n) != 0) {
		fprintf(stderr, "threads-large: the split copied wrong "
				"bytes\n");
		return -1;
	}

	printf("  the same copy three ways, rotated in each of %u rounds: "
	       "the pool, the\n  two-way split (this thread copies one half "
	       "while a thread it creates\n  copies the other, then joins "
	       "it) and memcpy(); base = the split; ratio =\n  split time / "
	       "time (higher is better)\n", reps);
	for (unsigned w = 0; w < SPLIT_WAYS; w++) {
		struct bench_result r;
		char goal[32] = "-";
		const char *verdict = "";
		double ratio = med[SPLIT_TWO] / med[w];

		memset(&r, 0, sizeof(r));
		r.mover_med = med[w];
		r.mover_min = min[w];
		r.base_med = med[SPLIT_TWO];
		r.base_min = min[SPLIT_TWO];
		if (w == SPLIT_POOL) {
			snprintf(goal, sizeof(goal), ">= %.2f",
				FIG_SPLIT_GOAL);
			verdict = fig_goal(x, ratio >= FIG_SPLIT_GOAL);
		}
		fig_row(names[w], &r, 1e3, ratio, goal, verdict);
		csv_fig(x, "threads-large", csv_names[w], env->n, med[w],
			med[SPLIT_TWO], ratio,
			w == SPLIT_POOL ? FIG_SPLIT_GOAL : NAN);
	}
	printf("  (no quiet count in this table)\n");
	return 0;
}

/*
 * fig_large -- one 64 MiB copy waited for with runtime_wait, against one
 * memcpy of 64 MiB, the same buffers every time
 */
static int
fig_large(struct fig_ctx *x)
{
	struct bench_case c = fig_case("threads-large", pool_default.mover,
		wait_run, baseline_memcpy);
	struct bench_opts o = fig_opts(x, FIG_LARGE_REPS);
	struct bench_result r;

	printf("\nthreads-large: one copy of 64 MiB, vdm_memcpy() + "
	       "runtime_wait(), default pool\n  (%u workers), against one "
	       "memcpy() of 64 MiB; %u repetitions; times in us;\n  ratio = "
	       "memcpy time / mover time (higher is better)\n",
		x->ncpus, o.reps);

	if (fig_big(x, FIG_LARGE_SIZE) != 0)
		return -1;

	struct bench_env env = fig_env(x->big_src, x->big_dst,
		FIG_LARGE_SIZE);
	fill_words(env.src, env.n, 2);

	if (pool_measure(&pool_default, &c, &env, &o, env.n, &r) != 0)
		return -1;

	fig_header();
	fig_speedup(x, "threads-large", pool_default.mover, env.n, &r, 1e3,
		FIG_LARGE_GOAL);

	/* the same copy by as many plain threads, without the library */
	struct bench_result cr = r;
	memset(env.dst, 0, env.n);
	if (par_ceiling(env.dst, env.src, env.n, x->ncpus, o.reps,
			&cr.mover_med, &cr.mover_min) != 0)
		return -1;
	if (memcmp(env.dst, env.src, env.n) != 0) {
		fprintf(stderr, "threads-large: the plain threads copied wrong "
				"bytes\n");
		return -1;
	}
	cr.quiet = 0;
	fig_row("plain threads", &cr, 1e3, cr.base_med / cr.mover_med, "-",
		"");
	printf("  plain threads: the ceiling, the same copy cut into %u "
	       "pieces moved by %u threads\n  with memcpy(), started and "
	       "awaited through a condition variable (no library);\n  "
	       "no quiet count; its baseline is the memcpy above\n",
		x->ncpus, x->ncpus);
	csv_fig(x, "threads-large", "plain-threads", env.n, cr.mover_med,
		cr.base_med, cr.base_med / cr.mover_med, NAN);

	return large_split(x, &env);
}

/* no goal at any size: the figures below hold the thread pool's */
static const struct bench_goal pool_goals[] = {
	{ 0, 0.0 },
};

static const struct bench_case threads_cases[] = {
	{
		.name = "threads",
		.mover = "threads",
		.baseline = "memcpy",
		.what = "vdm_memcpy() + runtime_wait() on the default thread "
			"pool, one copy at a time",
		.setup = threads_sweep_setup,
		.teardown = threads_sweep_teardown,
		.run = wait_run,
		.baseline_run = baseline_memcpy,
		.goals = pool_goals,
	},
};

static const struct bench_figure threads_figures[] = {
	{
		"threads-latency",
		"one 64 B copy, vdm_memcpy() + runtime_wait(), on three pools "
		"(and the floor: a cache-line round trip)",
		fig_latency,
	},
	{
		"threads-batch",
		"64 x 4 KiB copies waited with runtime_wait_multiple()",
		fig_batch,
	},
	{
		"threads-large",
		"one 64 MiB copy waited with runtime_wait()",
		fig_large,
	},
	{
		"threads-idle",
		"CPU time burnt by an idle pool",
		fig_idle,
	},
	{
		"threads-waiter",
		"how late runtime_wait() returns after a ~20 ms copy, and "
		"the CPU it burns",
		fig_waiter,
	},
};

/* clang-format off */
static const char threads_help[] =
"\n"
"After the cases that sweep --sizes come the figures of the thread-pool\n"
"mover, each one fixed situation (--sizes does not apply to them; --cpu\n"
"pins the measuring thread, not the pools' workers).  threads is the\n"
"default pool (vdm_descriptor_threads(), a worker per CPU), threads-1 a\n"
"pool of one worker, threads-polled vdm_descriptor_threads_polled().\n"
"  threads-latency  one 64 B copy, vdm_memcpy() + runtime_wait(), against\n"
"                   memcpy; goal: at most 450 ns (absolute); and the floor:\n"
"                   a cache-line round trip between threads on two CPUs\n"
"  threads-batch    64 x 4 KiB copies waited with runtime_wait_multiple(),\n"
"                   against 64 memcpy() calls; goal: memcpy time / mover\n"
"                   time at least 0.7\n"
"                   Both also run threads-offload, the default pool with\n"
"                   offload_min 1 (every copy to a worker), without goal\n"
"  threads-large    one 64 MiB copy against memcpy (at most 9 repetitions);\n"
"                   goal: memcpy time / mover time at least 1.4; and the\n"
"                   ceiling: plain threads, one per CPU, each copying a piece;\n"
"                   then the pool, the two-way split (this thread copies\n"
"                   half, a thread it creates the rest) and memcpy, rotated,\n"
"                   at most 15 rounds; goal: split time / pool time at\n"
"                   least 0.9\n"
"  threads-idle     CPU time of an idle default pool's workers, and of the\n"
"                   process with and without the pool, over 1 s of sleep\n"
"                   (0.2 s with --quick); goal: the workers use at most\n"
"                   0.1% of one core\n"
"  threads-waiter   runtime_wait() on a copy of about 20 ms: how long after\n"
"                   the mover called the waker it returns (goal: at most\n"
"                   20 us) and the waiting thread's CPU time (goal: at most\n"
"                   2% of the wall time); at most 15 repetitions, copies\n"
"                   of at most 384 MiB (64 MiB with --quick); and the floor:\n"
"                   the wake-up of a thread asleep on a condition variable\n";

static const char threads_csv_help[] =
"  threads-latency  movers threads, threads-1, threads-polled,\n"
"                   threads-offload: as sync, but the goal is the largest\n"
"                   ns_per_op (ns, absolute; empty for threads-offload);\n"
"                   mover pingpong: ns_per_op = one round trip of the\n"
"                   floor, baseline_ns_per_op and ratio NaN\n"
"  threads-batch    movers threads, threads-offload: ns per copy of 4096\n"
"                   bytes; ratio = baseline / mover time (higher is\n"
"                   better); goal: the smallest ratio (empty for\n"
"                   threads-offload)\n"
"  threads-large    as threads-batch, one copy of size bytes; mover\n"
"                   plain-threads: the ceiling (no goal); movers\n"
"                   threads-vs-split, two-way-split, memcpy-vs-split: the\n"
"                   rotated table, baseline = the split, ratio = split\n"
"                   time / time; goal (threads-vs-split): the smallest ratio\n"
"  threads-idle     size 0; ns_per_op = the process's CPU ns per second of\n"
"                   wall time with the pool, baseline_ns_per_op = without;\n"
"                   ratio = % of one core the workers used (all threads\n"
"                   but the sleeping one; the process's % if unreadable);\n"
"                   goal: the largest ratio\n"
"  threads-waiter-late  size = bytes copied; ns_per_op = when runtime_wait()\n"
"                   returned, baseline_ns_per_op = when the waker was called\n"
"                   (ns after the submit, medians); ratio = median lateness\n"
"                   in ns; goal: the largest ratio; mover condvar: the\n"
"                   floor, ratio = its median wake-up in ns, others NaN\n"
"  threads-waiter-cpu  ns_per_op = the waiting thread's CPU ns,\n"
"                   baseline_ns_per_op = the wall ns (medians); ratio =\n"
"                   median CPU % of the wall time; goal: the largest ratio\n";
/* clang-format on */

const struct bench_family bench_family_threads = {
	.cases = threads_cases,
	.ncases = sizeof(threads_cases) / sizeof(threads_cases[0]),
	.figures = threads_figures,
	.nfigures = sizeof(threads_figures) / sizeof(threads_figures[0]),
	.help = threads_help,
	.csv_help = threads_csv_help,
};
