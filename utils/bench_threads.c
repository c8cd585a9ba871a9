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
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>

#include "bench.h"
#include "bench_threads.h"

#define FIG_LATENCY_SIZE 64
#define FIG_LATENCY_GOAL_NS 450.0

#define FIG_BATCH_COPIES 64
#define FIG_BATCH_SIZE ((size_t)4096)
#define FIG_BATCH_GOAL 0.7

#define FIG_LARGE_REPS 9
#define FIG_LARGE_GOAL 1.4

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
pool_open(struct pool *p, const struct pool_spec *spec)
{
	cpu_set_t pinned;
	int err;

	unpin(&pinned);
	if (spec->descriptor != NULL) {
		p->vdm = vdm_new(spec->descriptor());
	} else {
		struct vdm_threads_config cfg = {
			.nthreads = spec->nthreads,
			.queue_depth = 0,
			.offload_min = spec->offload_min,
		};
		p->vdm = vdm_threads_new(&cfg, spec->notifier);
	}
	err = errno;
	repin(&pinned);

	if (p->vdm == NULL) {
		fprintf(stderr, "%s: cannot make the mover: %s\n", spec->mover,
			strerror(err));
		return -1;
	}
	p->rt = runtime_new();
	if (p->rt == NULL) {
		fprintf(stderr, "runtime_new: %s\n", strerror(errno));
		vdm_delete(p->vdm);
		return -1;
	}
	return 0;
}

/*
 * pool_close -- deletes the runtime and the mover
 */
void
pool_close(struct pool *p)
{
	runtime_delete(p->rt);
	vdm_delete(p->vdm);
}

/*
 * threads_sweep_setup -- the default pool and a runtime, for the threads
 * case
 */
static int
threads_sweep_setup(struct bench_env *env, char *why, size_t whylen)
{
	struct pool *p = malloc(sizeof(*p));

	if (p == NULL || pool_open(p, &pool_default) != 0) {
		snprintf(why, whylen, "cannot make the default pool");
		free(p);
		return -1;
	}
	env->state = p;
	return 0;
}

/*
 * threads_sweep_teardown -- deletes what threads_sweep_setup made
 */
static void
threads_sweep_teardown(struct bench_env *env)
{
	pool_close(env->state);
	free(env->state);
	env->state = NULL;
}

/*
 * threads_wait_run -- ops copies, each a vdm_memcpy future waited for with
 * runtime_wait: submit (the first poll) to complete
 */
BENCH_BATCH int
threads_wait_run(struct bench_env *env, uint64_t ops)
{
	struct pool *p = env->state;
	char *dst = env->dst;
	char *src = env->src;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		struct vdm_memcpy_future fut =
			vdm_memcpy(p->vdm, dst, src, n, 0);
		runtime_wait(p->rt, FUTURE_AS_RUNNABLE(&fut));
		bad |= (FUTURE_OUTPUT(&fut)->result != VDM_SUCCESS) |
			(FUTURE_OUTPUT(&fut)->dest != dst);
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * threads_batch_run -- ops times: FIG_BATCH_COPIES futures copying distinct
 * ranges of env->n bytes, waited for together with runtime_wait_multiple
 */
BENCH_BATCH static int
threads_batch_run(struct bench_env *env, uint64_t ops)
{
	struct pool *p = env->state;
	struct vdm_memcpy_future futs[FIG_BATCH_COPIES];
	struct future *ptrs[FIG_BATCH_COPIES];
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		for (size_t k = 0; k < FIG_BATCH_COPIES; k++) {
			futs[k] = vdm_memcpy(p->vdm, env->dst + k * n,
				env->src + k * n, n, 0);
			ptrs[k] = FUTURE_AS_RUNNABLE(&futs[k]);
		}
		runtime_wait_multiple(p->rt, ptrs, FIG_BATCH_COPIES);
		for (size_t k = 0; k < FIG_BATCH_COPIES; k++)
			bad |= (FUTURE_OUTPUT(&futs[k])->result !=
					VDM_SUCCESS) |
				(FUTURE_OUTPUT(&futs[k])->dest !=
					env->dst + k * n);
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
	struct pool p;

	if (pool_open(&p, spec) != 0)
		return -1;
	env->state = &p;
	int e = measure(c, env, o, r) != 0 ||
		verify_span(c, c->mover, c->run, env, span) != 0 ||
		verify_span(c, c->baseline, c->baseline_run, env, span) != 0;
	pool_close(&p);
	env->state = NULL;
	return e ? -1 : 0;
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
	char goal[32];
	int ret = 0;

	snprintf(goal, sizeof(goal), "<= %.0f ns", FIG_LATENCY_GOAL_NS);
	printf("\nthreads-latency: one %d B copy, vdm_memcpy() + "
	       "runtime_wait(), submit to\n  complete, against memcpy of "
	       "%d B; times in ns; goal: mover median %s\n  (absolute); "
	       "ratio = mover / memcpy time; threads: default pool (%u\n  "
	       "workers), threads-1: one worker, threads-polled: the polled "
	       "pool (%u workers);\n  threads-offload: the default pool with "
	       "offload_min 1, every copy handed to\n  a worker (what a "
	       "hand-over costs; no goal)\n",
		FIG_LATENCY_SIZE, FIG_LATENCY_SIZE, goal, x->ncpus, x->ncpus);
	fig_header();

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct pool_spec *spec = specs[i];
		struct bench_case c = fig_case("threads-latency", spec->mover,
			threads_wait_run, baseline_memcpy);
		struct bench_env env = {
			.src = x->src,
			.dst = x->dst,
			.n = FIG_LATENCY_SIZE,
			.max_size = FIG_LATENCY_SIZE,
			.state = NULL,
		};
		struct bench_result r;

		fill_src(env.src, env.n);
		if (pool_measure(spec, &c, &env, x->o, env.n, &r) != 0) {
			ret = -1;
			continue;
		}

		fig_row(spec->mover, &r, 1.0, r.ratio, spec->goal ? goal : "-",
			spec->goal ? fig_goal(x, r.mover_med <=
				FIG_LATENCY_GOAL_NS) : "");
		csv_fig(x, "threads-latency", spec->mover, env.n, r.mover_med,
			r.base_med, r.ratio, spec->goal ? FIG_LATENCY_GOAL_NS :
			NAN);
		fflush(stdout);
	}

	if (fig_floor(x) != 0)
		ret = -1;
	return ret;
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
	size_t span = FIG_BATCH_COPIES * FIG_BATCH_SIZE;
	char goal[32];
	int ret = 0;

	snprintf(goal, sizeof(goal), ">= %.2f", FIG_BATCH_GOAL);
	printf("\nthreads-batch: %d copies of 4 KiB on distinct ranges, "
	       "%d x vdm_memcpy() then\n  runtime_wait_multiple(), default "
	       "pool (%u workers), against %d memcpy()\n  calls on this "
	       "thread; ns per copy; ratio = memcpy time / mover time\n  "
	       "(higher is better); threads-offload: every copy handed to a "
	       "worker\n  (offload_min 1; no goal)\n",
		FIG_BATCH_COPIES, FIG_BATCH_COPIES, x->ncpus,
		FIG_BATCH_COPIES);
	fig_header();

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct pool_spec *spec = specs[i];
		struct bench_case c = fig_case("threads-batch", spec->mover,
			threads_batch_run, baseline_batch);
		struct bench_env env = {
			.src = x->src,
			.dst = x->dst,
			.n = FIG_BATCH_SIZE,
			.max_size = FIG_BATCH_SIZE,
			.state = NULL,
		};
		struct bench_result r;

		fill_words(env.src, span, 1);
		if (pool_measure(spec, &c, &env, x->o, span, &r) != 0) {
			ret = -1;
			continue;
		}

		/* per copy, not per group of copies */
		r.mover_med /= FIG_BATCH_COPIES;
		r.mover_min /= FIG_BATCH_COPIES;
		r.base_med /= FIG_BATCH_COPIES;
		r.base_min /= FIG_BATCH_COPIES;
		double ratio = r.base_med / r.mover_med;

		fig_row(spec->mover, &r, 1.0, ratio, spec->goal ? goal : "-",
			spec->goal ? fig_goal(x, ratio >= FIG_BATCH_GOAL) :
			"");
		csv_fig(x, "threads-batch", spec->mover, env.n, r.mover_med,
			r.base_med, ratio, spec->goal ? FIG_BATCH_GOAL : NAN);
		fflush(stdout);
	}
	return ret;
}

/*
 * fig_large -- one 64 MiB copy waited for with runtime_wait, against one
 * memcpy of 64 MiB, the same buffers every time
 */
static int
fig_large(struct fig_ctx *x)
{
	struct bench_case c = fig_case("threads-large", pool_default.mover,
		threads_wait_run, baseline_memcpy);
	struct bench_opts o = *x->o;
	struct bench_result r;
	char goal[32];

	if (o.reps > FIG_LARGE_REPS)
		o.reps = FIG_LARGE_REPS;
	snprintf(goal, sizeof(goal), ">= %.2f", FIG_LARGE_GOAL);
	printf("\nthreads-large: one copy of 64 MiB, vdm_memcpy() + "
	       "runtime_wait(), default pool\n  (%u workers), against one "
	       "memcpy() of 64 MiB; %u repetitions; times in us;\n  ratio = "
	       "memcpy time / mover time (higher is better)\n",
		x->ncpus, o.reps);

	if (fig_big(x, FIG_LARGE_SIZE) != 0)
		return -1;

	struct bench_env env = {
		.src = x->big_src,
		.dst = x->big_dst,
		.n = FIG_LARGE_SIZE,
		.max_size = FIG_LARGE_SIZE,
		.state = NULL,
	};
	fill_words(env.src, env.n, 2);

	if (pool_measure(&pool_default, &c, &env, &o, env.n, &r) != 0)
		return -1;

	double ratio = r.base_med / r.mover_med;
	fig_header();
	fig_row(pool_default.mover, &r, 1e3, ratio, goal,
		fig_goal(x, ratio >= FIG_LARGE_GOAL));
	csv_fig(x, "threads-large", pool_default.mover, env.n, r.mover_med,
		r.base_med, ratio, FIG_LARGE_GOAL);

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
	return 0;
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
		.run = threads_wait_run,
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
"                   ceiling: plain threads, one per CPU, each copying a piece\n"
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
"                   plain-threads: the ceiling (no goal)\n"
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
