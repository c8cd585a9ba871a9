/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench.c -- each mover side by side with its baseline, as a ratio measured
 * in the same run
 *
 * A case is a mover and the baseline it is held against (plain memcpy for
 * movers of ordinary memory).  For every copy size, the program times
 * batches of many operations, mover and baseline batches interleaved so that
 * both see the same noise of a shared machine, and reports the median time
 * per operation of each, the ratio of the medians, and the goal the ratio
 * should meet.  Speed never changes the exit status: only a broken case
 * does (wrong bytes, an operation that failed, a mover that cannot be made).
 *
 * A new mover is one more entry in bench_cases[]: its setup and teardown,
 * a function that runs one batch of operations on the mover, one that runs
 * the same batch with the baseline, and the goals of the ratio.
 *
 * After the size sweeps come the figures of the thread-pool mover, each a
 * fixed situation rather than a sweep (bench_figures[]): the latency of one
 * small copy, many copies waited together, one large copy, the CPU time an
 * idle pool burns, and how late a sleeping waiter learns that a long copy
 * is done.  Each is printed beside its baseline, measured in the same run,
 * with its goal.
 *
 * When libminiasync-pmem is built (BENCH_HAVE_PMEM), the figures of the
 * pmem mover follow: durable copies into a file of /var/tmp mapped with
 * libpmem2, against libpmem2's own functions on the same map.  One 4 KiB
 * copy on the mover without threads (pmem-4k), 64 copies of 4 KiB waited
 * together, whose write-backs (msync) the mover groups (pmem-group), and
 * 64 copies of 1 MiB on two workers (pmem-large).  pmem-4k and pmem-large
 * force their maps to CACHE_LINE granularity with PMEM2_FORCE_GRANULARITY,
 * which libpmem2 reads at every pmem2_map_new(); a figure whose map does
 * not get the granularity it needs is skipped.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libminiasync.h>

#include "bench.h"
#include "common.h"

#ifdef BENCH_HAVE_PMEM
#include <libminiasync-pmem.h>

#include "map_file.h"
#endif

#ifndef BENCH_VERSION
#define BENCH_VERSION "(unknown version)"
#endif

#define BENCH_MAX_SIZE ((size_t)1 << 30)

/* the default run and the --quick one (used by the test suite) */
#define BENCH_REPS_DEFAULT 31
#define BENCH_BATCH_NS_DEFAULT (4 * 1000 * 1000ULL)
#define BENCH_WARMUP_NS_DEFAULT (200 * 1000 * 1000ULL)
#define BENCH_REPS_QUICK 3
#define BENCH_BATCH_NS_QUICK (1000 * 1000ULL)
#define BENCH_WARMUP_NS_QUICK (10 * 1000 * 1000ULL)

/* how long the idle pool is watched (threads-idle), default and --quick */
#define BENCH_IDLE_NS_DEFAULT (1000 * 1000 * 1000ULL)
#define BENCH_IDLE_NS_QUICK (200 * 1000 * 1000ULL)

/*
 * the largest copy of threads-waiter (two buffers of it stay under 1 GiB),
 * default and --quick (which then copies less than 20 ms' worth)
 */
#define BENCH_WAITER_MAX_DEFAULT ((size_t)384 << 20)
#define BENCH_WAITER_MAX_QUICK ((size_t)64 << 20)

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

/* the sweep of the default thread pool, defined with the figures below */
static int threads_sweep_setup(struct bench_env *env, char *why,
	size_t whylen);
static void threads_sweep_teardown(struct bench_env *env);
static int threads_wait_run(struct bench_env *env, uint64_t ops);

/* no goal at any size: the figures below hold the thread pool's */
static const struct bench_goal pool_goals[] = {
	{ 0, 0.0 },
};

static const struct bench_case bench_cases[] = {
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

#define BENCH_NCASES (sizeof(bench_cases) / sizeof(bench_cases[0]))

/*
 * The figures of the thread-pool mover.  Each is one fixed situation, with
 * its own buffers, measured beside its baseline and printed with its goal.
 */

#define FIG_LATENCY_SIZE 64
#define FIG_LATENCY_GOAL_NS 450.0

#define FIG_BATCH_COPIES 64
#define FIG_BATCH_SIZE ((size_t)4096)
#define FIG_BATCH_GOAL 0.7

#define FIG_LARGE_SIZE ((size_t)64 << 20)
#define FIG_LARGE_REPS 9
#define FIG_LARGE_GOAL 1.4

#define FIG_IDLE_SETTLE_NS (100 * 1000 * 1000ULL)
#define FIG_IDLE_GOAL_PCT 0.1

/* a copy of about this long; its size is found on the running machine */
#define FIG_WAITER_NS (20 * 1000 * 1000ULL)
#define FIG_WAITER_REPS 15
#define FIG_WAITER_GAP_NS (1000 * 1000ULL)
#define FIG_LATE_GOAL_NS 20000.0
#define FIG_WAIT_CPU_GOAL_PCT 2.0

/* round trips of the floor before any is timed */
#define FIG_PINGPONG_WARM 100

/* a thread-pool mover as a figure makes it */
struct pool_spec {
	const char *mover; /* the CSV's mover column */
	struct vdm_descriptor *(*descriptor)(void); /* NULL: vdm_threads_new */
	unsigned nthreads; /* vdm_threads_new only */
	enum future_notifier_type notifier; /* vdm_threads_new only */
	size_t offload_min; /* vdm_threads_new only */
	int goal; /* the figures' goals apply to it */
};

static const struct pool_spec pool_default = {
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

/* a pool and the runtime that waits on it: a figure's bench_env state */
struct pool {
	struct vdm *vdm;
	struct runtime *rt;
};

/*
 * pool_open -- makes the mover spec describes, and a runtime; the workers
 * may run on every CPU the program was given, even when --cpu pinned the
 * measuring thread
 */
static int
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
static void
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
BENCH_BATCH static int
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
 * cpu_ns -- the CPU time (user and system) of the process
 * (CLOCK_PROCESS_CPUTIME_ID: every thread, the ones gone included) or of
 * this thread (CLOCK_THREAD_CPUTIME_ID), in nanoseconds: what getrusage()
 * counts (RUSAGE_SELF, RUSAGE_THREAD), read to the nanosecond
 */
static double
cpu_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0)
		return NAN;
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* the flag value that ends the helper of the round trips */
#define PINGPONG_STOP UINT64_MAX

/*
 * pingpong_helper -- the far end of the floor's round trips: answers every
 * odd value of the flag with the next even one, until PINGPONG_STOP
 */
static void *
pingpong_helper(void *arg)
{
	uint64_t *flag = arg;
	uint64_t seen = 0;

	for (;;) {
		uint64_t v;
		while ((v = __atomic_load_n(flag, __ATOMIC_ACQUIRE)) == seen)
			;
		if (v == PINGPONG_STOP)
			return NULL;
		seen = v + 1;
		__atomic_store_n(flag, seen, __ATOMIC_RELEASE);
	}
}

/*
 * pingpong_batch -- rounds round trips of the flag's cache line: this
 * thread writes, the helper answers, this thread sees the answer
 */
BENCH_BATCH static void
pingpong_batch(uint64_t *flag, uint64_t *value, uint64_t rounds)
{
	uint64_t v = *value;

	for (uint64_t i = 0; i < rounds; i++) {
		__atomic_store_n(flag, v + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != v + 2)
			;
		v += 2;
	}
	*value = v;
}

/*
 * pick_cpus -- two distinct CPUs for the round trips: this thread's first
 * allowed CPU, and another the program may use; -1 if there is none
 */
static int
pick_cpus(int *a, int *b)
{
	cpu_set_t cur;

	*a = -1;
	*b = -1;
	if (sched_getaffinity(0, sizeof(cur), &cur) != 0)
		return -1;
	for (size_t i = 0; i < CPU_SETSIZE && *a < 0; i++)
		if (CPU_ISSET(i, &cur))
			*a = (int)i;
	for (size_t i = 0; i < CPU_SETSIZE && *b < 0; i++)
		if ((int)i != *a && CPU_ISSET(i, &bench_cpus))
			*b = (int)i;
	return *a >= 0 && *b >= 0 ? 0 : -1;
}

/*
 * fig_floor -- the floor under any mover whose bytes another thread moves:
 * the round trip of a cache line between this thread and a helper thread,
 * each pinned to its own CPU (median ns per round trip of reps batches)
 */
static int
fig_floor(struct fig_ctx *x)
{
	/* the flag alone on its cache line */
	static struct {
		uint64_t flag;
		char pad[64 - sizeof(uint64_t)];
	} line __attribute__((aligned(64)));
	uint64_t *flag = &line.flag;
	const struct bench_opts *o = x->o;
	cpu_set_t saved, set;
	pthread_attr_t attr;
	pthread_t helper;
	int a, b;

	if (pick_cpus(&a, &b) != 0) {
		printf("  floor: skipped, a second CPU is needed\n");
		return 0;
	}

	double *v = calloc(o->reps, sizeof(*v));
	if (v == NULL) {
		fprintf(stderr, "out of memory\n");
		return -1;
	}

	(void) sched_getaffinity(0, sizeof(saved), &saved);
	CPU_ZERO(&set);
	CPU_SET((size_t)a, &set);
	(void) sched_setaffinity(0, sizeof(set), &set);

	__atomic_store_n(flag, 0, __ATOMIC_RELAXED);
	CPU_ZERO(&set);
	CPU_SET((size_t)b, &set);
	int e = pthread_attr_init(&attr);
	if (e == 0) {
		(void) pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		e = pthread_create(&helper, &attr, pingpong_helper, flag);
		(void) pthread_attr_destroy(&attr);
	}
	if (e != 0) {
		(void) sched_setaffinity(0, sizeof(saved), &saved);
		fprintf(stderr, "floor: pthread_create: %s\n", strerror(e));
		free(v);
		return -1;
	}

	/*
	 * Warm up, then size the batches like the other measurements: twice
	 * as many round trips until they last batch_ns / 8 (a busy machine
	 * may make each of them last a time slice).
	 */
	uint64_t value = 0, rounds = 1, t0;
	double per;
	pingpong_batch(flag, &value, FIG_PINGPONG_WARM);
	for (;;) {
		t0 = now_ns();
		pingpong_batch(flag, &value, rounds);
		uint64_t took = now_ns() - t0;
		per = (double)took / (double)rounds;
		if (took >= o->batch_ns / 8 || rounds >= (1ULL << 40))
			break;
		rounds *= 2;
	}
	double want = (double)o->batch_ns / (per > 1.0 ? per : 1.0);
	rounds = want < 1.0 ? 1 : (uint64_t)want;

	for (unsigned i = 0; i < o->reps; i++) {
		t0 = now_ns();
		pingpong_batch(flag, &value, rounds);
		v[i] = (double)(now_ns() - t0) / (double)rounds;
	}

	__atomic_store_n(flag, PINGPONG_STOP, __ATOMIC_RELEASE);
	(void) pthread_join(helper, NULL);
	(void) sched_setaffinity(0, sizeof(saved), &saved);

	double med = median(v, o->reps);
	printf("  floor: a cache-line round trip between CPU %d and CPU %d "
	       "(two threads\n  ping-ponging an atomic flag): %.2f ns median, "
	       "%.2f ns min; no mover whose\n  bytes another thread moves "
	       "can complete a copy faster\n",
		a, b, med, v[0]);
	csv_fig(x, "threads-latency", "pingpong", 64, med, NAN, NAN, NAN);
	free(v);
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
 * The ceiling of a copy split among threads: plain threads, each moving its
 * share with memcpy, started and awaited through a condition variable like
 * the pool's workers.
 */
struct par_copy {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned gen; /* bumped to start a copy */
	unsigned pending; /* threads not done with this copy */
	int stop;
	char *dst;
	const char *src;
	size_t n;
	size_t piece;
};

/* one thread of a par_copy and its share */
struct par_thread {
	struct par_copy *pc;
	unsigned index;
	pthread_t thread;
};

/*
 * par_worker -- copies this thread's share at every new generation, until
 * stop
 */
static void *
par_worker(void *arg)
{
	struct par_thread *t = arg;
	struct par_copy *pc = t->pc;
	unsigned seen = 0;

	for (;;) {
		pthread_mutex_lock(&pc->lock);
		while (pc->gen == seen && !pc->stop)
			pthread_cond_wait(&pc->cond, &pc->lock);
		seen = pc->gen;
		int stop = pc->stop;
		pthread_mutex_unlock(&pc->lock);
		if (stop)
			return NULL;

		size_t off = (size_t)t->index * pc->piece;
		if (off < pc->n) {
			size_t len = pc->n - off < pc->piece ? pc->n - off :
				pc->piece;
			memcpy(pc->dst + off, pc->src + off, len);
		}

		pthread_mutex_lock(&pc->lock);
		if (--pc->pending == 0)
			pthread_cond_broadcast(&pc->cond);
		pthread_mutex_unlock(&pc->lock);
	}
}

/*
 * par_ceiling -- reps copies of n bytes, each split among nthreads plain
 * threads (in pieces cut as the pool cuts them); the median and the
 * minimum ns of a copy go to *med and *min, and dst holds the copy
 */
static int
par_ceiling(char *dst, const char *src, size_t n, unsigned nthreads,
	unsigned reps, double *med, double *min)
{
	struct par_copy pc = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
		.gen = 0,
		.pending = 0,
		.stop = 0,
		.dst = dst,
		.src = src,
		.n = n,
		.piece = (n / nthreads + 63) & ~(size_t)63,
	};
	struct par_thread *t = calloc(nthreads, sizeof(*t));
	double *v = calloc(reps, sizeof(*v));
	unsigned started = 0;
	pthread_attr_t attr;
	int ret = -1;

	if (t == NULL || v == NULL || pthread_attr_init(&attr) != 0) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	/* the threads run where the pools' workers would */
	(void) pthread_attr_setaffinity_np(&attr, sizeof(bench_cpus),
		&bench_cpus);
	for (; started < nthreads; started++) {
		t[started].pc = &pc;
		t[started].index = started;
		int e = pthread_create(&t[started].thread, &attr, par_worker,
			&t[started]);
		if (e != 0) {
			fprintf(stderr, "pthread_create: %s\n", strerror(e));
			break;
		}
	}
	(void) pthread_attr_destroy(&attr);

	for (unsigned i = 0; started == nthreads && i < reps; i++) {
		uint64_t t0 = now_ns();
		pthread_mutex_lock(&pc.lock);
		pc.pending = nthreads;
		pc.gen++;
		pthread_cond_broadcast(&pc.cond);
		while (pc.pending != 0)
			pthread_cond_wait(&pc.cond, &pc.lock);
		pthread_mutex_unlock(&pc.lock);
		v[i] = (double)(now_ns() - t0);
	}
	if (started == nthreads) {
		*med = median(v, reps);
		*min = v[0];
		ret = 0;
	}

	pthread_mutex_lock(&pc.lock);
	pc.stop = 1;
	pthread_cond_broadcast(&pc.cond);
	pthread_mutex_unlock(&pc.lock);
	for (unsigned i = 0; i < started; i++)
		(void) pthread_join(t[i].thread, NULL);
	(void) pthread_cond_destroy(&pc.cond);
	(void) pthread_mutex_destroy(&pc.lock);
out:
	free(t);
	free(v);
	return ret;
}

/* the handshake of the wake-up floor */
struct wake_floor {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int phase; /* 0 idle, 1 busy, 2 done (stamp set), 3 stop */
	uint64_t busy_ns;
	uint64_t stamp; /* when the helper broadcast the end of phase 1 */
};

/*
 * wake_helper -- plays the mover: at each request, stays busy busy_ns on
 * the CPU, then notes the time and wakes the sleeping requester
 */
static void *
wake_helper(void *arg)
{
	struct wake_floor *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->phase != 1 && w->phase != 3)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->phase == 3)
			break;
		pthread_mutex_unlock(&w->lock);

		uint64_t end = now_ns() + w->busy_ns;
		while (now_ns() < end)
			;

		pthread_mutex_lock(&w->lock);
		w->stamp = now_ns();
		w->phase = 2;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * wake_floor -- how long after another thread broadcasts a thread asleep on
 * a condition variable for about busy_ns runs again: the median and the
 * minimum of reps such wake-ups
 */
static int
wake_floor(uint64_t busy_ns, unsigned reps, double *med, double *min)
{
	struct wake_floor w = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
		.phase = 0,
		.busy_ns = busy_ns,
		.stamp = 0,
	};
	double *v = calloc(reps, sizeof(*v));
	pthread_t helper;

	if (v == NULL) {
		fprintf(stderr, "out of memory\n");
		return -1;
	}
	/* the helper runs where the pools' workers would */
	pthread_attr_t attr;
	int e = pthread_attr_init(&attr);
	if (e == 0) {
		(void) pthread_attr_setaffinity_np(&attr, sizeof(bench_cpus),
			&bench_cpus);
		e = pthread_create(&helper, &attr, wake_helper, &w);
		(void) pthread_attr_destroy(&attr);
	}
	if (e != 0) {
		fprintf(stderr, "pthread_create: %s\n", strerror(e));
		free(v);
		return -1;
	}

	for (unsigned i = 0; i < reps; i++) {
		sleep_ns(FIG_WAITER_GAP_NS);
		pthread_mutex_lock(&w.lock);
		w.phase = 1;
		pthread_cond_broadcast(&w.cond);
		while (w.phase != 2)
			pthread_cond_wait(&w.cond, &w.lock);
		v[i] = (double)(now_ns() - w.stamp);
		w.phase = 0;
		pthread_mutex_unlock(&w.lock);
	}

	pthread_mutex_lock(&w.lock);
	w.phase = 3;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	(void) pthread_join(helper, NULL);
	(void) pthread_cond_destroy(&w.cond);
	(void) pthread_mutex_destroy(&w.lock);

	*med = median(v, reps);
	*min = v[0];
	free(v);
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

/*
 * others_cpu_ns -- the time on a CPU of every thread of the process but this
 * one, in nanoseconds, from /proc/self/task/TID/schedstat; NAN if it cannot
 * be read
 */
static double
others_cpu_ns(void)
{
	DIR *dir = opendir("/proc/self/task");
	long self = (long)gettid();
	struct dirent *de;
	double sum = 0.0;

	if (dir == NULL)
		return NAN;
	while ((de = readdir(dir)) != NULL) {
		char path[64];
		unsigned long long ns;
		char *end;

		long tid = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end != '\0' || tid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%ld/schedstat",
			tid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue; /* gone meanwhile */
		int got = fscanf(f, "%llu", &ns);
		fclose(f);
		if (got != 1) {
			sum = NAN;
			break;
		}
		sum += (double)ns;
	}
	closedir(dir);
	return sum;
}

/* what threads-idle reads over one sleep */
struct idle_cpu {
	double process; /* ns of CPU, every thread */
	double others; /* ns of CPU, every thread but this one */
	double wall; /* ns */
};

/*
 * idle_over -- the CPU time of the process, and of its other threads, while
 * this thread sleeps ns
 */
static void
idle_over(uint64_t ns, struct idle_cpu *ic)
{
	double o0 = others_cpu_ns();
	double c0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t t0 = now_ns();
	sleep_ns(ns);
	uint64_t t1 = now_ns();
	double c1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	double o1 = others_cpu_ns();

	ic->process = c1 - c0;
	ic->others = o1 - o0;
	ic->wall = (double)(t1 - t0);
}

/*
 * fig_idle -- the CPU time an idle default pool burns, against the process
 * sleeping without one
 */
static int
fig_idle(struct fig_ctx *x)
{
	struct bench_case c = fig_case("threads-idle", pool_default.mover,
		threads_wait_run, baseline_memcpy);
	struct idle_cpu base, with;
	struct pool p;

	printf("\nthreads-idle: CPU time while a default pool (%u workers) "
	       "sits idle, %.0f ms\n  after it was made, over %.2f s of "
	       "sleep; against the same sleep without a\n  pool; in %% of "
	       "one core\n",
		x->ncpus, (double)FIG_IDLE_SETTLE_NS / 1e6,
		(double)x->o->idle_ns / 1e9);

	idle_over(x->o->idle_ns, &base);

	if (pool_open(&p, &pool_default) != 0)
		return -1;
	sleep_ns(FIG_IDLE_SETTLE_NS);
	idle_over(x->o->idle_ns, &with);

	/* the pool still works after its rest */
	struct bench_env env = {
		.src = x->src,
		.dst = x->dst,
		.n = FIG_SMALL_LEN,
		.max_size = FIG_SMALL_LEN,
		.state = &p,
	};
	fill_words(env.src, env.n, 3);
	int e = verify(&c, c.mover, c.run, &env);
	pool_close(&p);
	if (e != 0)
		return -1;

	double pct = with.process / with.wall * 100.0;
	double base_pct = base.process / base.wall * 100.0;
	double workers_pct = with.others / with.wall * 100.0;
	/* the workers' own time, when the system tells it */
	double judged = isnan(workers_pct) ? pct : workers_pct;
	char goal[32];

	snprintf(goal, sizeof(goal), "<= %.2f %%", FIG_IDLE_GOAL_PCT);
	printf("  %-26s %12s %12s %12s\n", "", "% of a core", "CPU", "goal");
	printf("  %-26s %10.4f %% %9.1f us %12s %s\n", "workers (the goal)",
		workers_pct, with.others / 1e3, goal,
		fig_goal(x, judged <= FIG_IDLE_GOAL_PCT));
	printf("  %-26s %10.4f %% %9.1f us\n", "process, with the pool",
		pct, with.process / 1e3);
	printf("  %-26s %10.4f %% %9.1f us\n", "process, without (base)",
		base_pct, base.process / 1e3);
	printf("  (workers: every thread but the sleeping one, from\n  "
	       "/proc/self/task/*/schedstat; process: CLOCK_PROCESS_CPUTIME_ID,"
	       "\n  which also counts what waking the sleeping thread "
	       "costs)\n");
	csv_fig(x, "threads-idle", pool_default.mover, 0,
		with.process / with.wall * 1e9, base.process / base.wall * 1e9,
		judged, FIG_IDLE_GOAL_PCT);
	return 0;
}

/*
 * A future around another that notes when the inner one's mover called the
 * waker (the last call, if it calls it more than once), then passes the call
 * on to the waker of whoever polls, and when it last polled the inner one
 * and found it still running.  The copy completed after both: the later of
 * the two bounds from below when it completed, so that runtime_wait's
 * return minus it bounds from above how late the waiter saw completion,
 * whether the mover calls the waker on completion or somewhat before it.
 */
struct stamp_data {
	struct future *inner;
	struct future_waker outer; /* the poller's, from the first poll */
	uint64_t woken; /* ns of the waker call, 0 before (atomic) */
	uint64_t running; /* ns of the start of the last poll that found
			   * the inner future running (the polling thread's) */
	unsigned calls; /* waker calls (atomic) */
};

struct stamp_output {
	uint64_t unused;
};

FUTURE(stamp_future, struct stamp_data, struct stamp_output);

/*
 * stamp_wake -- the waker the inner future gets: note the time, then wake
 * the poller
 */
static void
stamp_wake(void *arg)
{
	struct stamp_data *d = arg;

	/* relaxed: ordered by the release store below */
	__atomic_fetch_add(&d->calls, 1, __ATOMIC_RELAXED);
	/* release: seen by the waiter after its runtime_wait returned */
	__atomic_store_n(&d->woken, now_ns(), __ATOMIC_RELEASE);
	FUTURE_WAKER_WAKE(&d->outer);
}

/*
 * stamp_task -- polls the inner future with stamp_wake as its waker and
 * hands back whichever notifier it took
 */
static enum future_state
stamp_task(struct future_context *context, struct future_notifier *notifier)
{
	struct stamp_data *d = future_context_get_data(context);
	struct future_notifier inner;
	enum future_state s;

	uint64_t t = now_ns();

	if (notifier == NULL) {
		s = future_poll(d->inner, NULL);
		if (s != FUTURE_STATE_COMPLETE)
			d->running = t;
		return s == FUTURE_STATE_COMPLETE ? s : FUTURE_STATE_RUNNING;
	}

	/* the first poll only: once the mover holds stamp_wake, it reads
	 * outer at any time */
	if (context->state == FUTURE_STATE_IDLE)
		d->outer = notifier->waker;
	inner.waker.data = d;
	inner.waker.wake = stamp_wake;
	inner.poller.ptr_to_monitor = NULL;
	inner.notifier_used = FUTURE_NOTIFIER_NONE;
	inner.padding = 0;

	s = future_poll(d->inner, &inner);
	notifier->notifier_used = inner.notifier_used;
	notifier->poller = inner.poller;
	if (s != FUTURE_STATE_COMPLETE)
		d->running = t;
	return s == FUTURE_STATE_COMPLETE ? s : FUTURE_STATE_RUNNING;
}

/* what one copy of threads-waiter shows, in ns after the submit */
struct waiter_times {
	double woken;		/* the mover's last call of the waker */
	double running;		/* the last poll that found it running */
	double returned;	/* runtime_wait() returned */
	double late;		/* returned - the later of woken and running */
	double cpu;		/* the waiting thread's CPU time */
	unsigned calls;		/* the mover's calls of the waker */
};

/*
 * waiter_copy -- one copy of n bytes waited for with runtime_wait through a
 * stamp future
 */
static int
waiter_copy(struct pool *p, char *dst, char *src, size_t n,
	struct waiter_times *wt)
{
	struct stamp_future sf;

	double c0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	uint64_t t0 = now_ns();

	struct vdm_memcpy_future fut = vdm_memcpy(p->vdm, dst, src, n, 0);
	sf.data.inner = FUTURE_AS_RUNNABLE(&fut);
	sf.data.woken = 0;
	sf.data.running = t0;
	sf.data.calls = 0;
	FUTURE_INIT(&sf, stamp_task);
	runtime_wait(p->rt, FUTURE_AS_RUNNABLE(&sf));

	uint64_t t1 = now_ns();
	double c1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	uint64_t w = __atomic_load_n(&sf.data.woken, __ATOMIC_ACQUIRE);

	if (FUTURE_OUTPUT(&fut)->result != VDM_SUCCESS ||
		FUTURE_OUTPUT(&fut)->dest != dst) {
		fprintf(stderr, "threads-waiter: the copy failed\n");
		return -1;
	}
	if (w == 0) {
		fprintf(stderr, "threads-waiter: the mover never called the "
				"waker\n");
		return -1;
	}
	uint64_t after = w > sf.data.running ? w : sf.data.running;
	wt->woken = (double)(w - t0);
	wt->running = (double)(sf.data.running - t0);
	wt->returned = (double)(t1 - t0);
	wt->late = (double)(t1 - after);
	wt->cpu = c1 - c0;
	wt->calls = __atomic_load_n(&sf.data.calls, __ATOMIC_RELAXED);
	return 0;
}

/*
 * waiter_time -- the median ns of 3 copies of n bytes on the big buffers
 */
static int
waiter_time(struct fig_ctx *x, struct pool *p, size_t n, double *ns)
{
	double t[3];

	for (unsigned i = 0; i < 3; i++) {
		struct waiter_times wt;
		if (waiter_copy(p, x->big_dst, x->big_src, n, &wt) != 0)
			return -1;
		t[i] = wt.returned;
	}
	*ns = median(t, 3);
	return 0;
}

/*
 * waiter_scale -- the whole MiB that a copy of n bytes taking ns would need
 * to last FIG_WAITER_NS, no less than 1 MiB and no more than max
 */
static size_t
waiter_scale(size_t n, double ns, size_t max)
{
	size_t mib = (size_t)1 << 20;
	double want = (double)n * (double)FIG_WAITER_NS / ns;
	size_t size = (size_t)(want / (double)mib + 0.5) * mib;

	if (size < mib)
		size = mib;
	return size > max ? max : size;
}

/*
 * waiter_size -- the size of a copy that takes the default pool about
 * FIG_WAITER_NS: a guess from copies of 64 MiB, then corrected once from
 * copies of the guessed size (the big buffers get half as much again, so
 * the correction has room); the big buffers are then at least that long
 */
static int
waiter_size(struct fig_ctx *x, struct pool *p, size_t *n, double *ns64)
{
	double ns;

	if (fig_big(x, FIG_LARGE_SIZE) != 0 ||
		waiter_time(x, p, FIG_LARGE_SIZE, ns64) != 0)
		return -1;

	size_t max = x->o->waiter_max;
	size_t guess = waiter_scale(FIG_LARGE_SIZE, *ns64, max);
	size_t room = guess + guess / 2;
	if (room > max)
		room = max;
	if (fig_big(x, room) != 0 || waiter_time(x, p, guess, &ns) != 0)
		return -1;

	*n = waiter_scale(guess, ns, x->big_len);
	return 0;
}

/*
 * fig_waiter -- a thread waiting in runtime_wait for a copy of about 20 ms:
 * how long after the copy completed it returns, at most, and how much CPU
 * the waiting thread burns
 */
static int
fig_waiter(struct fig_ctx *x)
{
	unsigned reps = x->o->reps < FIG_WAITER_REPS ? x->o->reps :
		FIG_WAITER_REPS;
	double *col[6];	/* woken, running, returned, late, cpu, pct */
	unsigned calls_min = UINT_MAX, calls_max = 0; /* waker calls */
	struct pool p;
	size_t n = 0;
	double ns64 = 0.0;
	int ret = -1;
	char sz[32];
	unsigned c;

	for (c = 0; c < 6; c++)
		if ((col[c] = calloc(reps, sizeof(double))) == NULL)
			break;
	if (c < 6) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	if (pool_open(&p, &pool_default) != 0)
		goto out;

	if (waiter_size(x, &p, &n, &ns64) != 0)
		goto close;
	fill_words(x->big_src, n, 4);

	printf("\nthreads-waiter: runtime_wait() on one copy of %s, "
	       "default pool (%u workers)\n  (the size of about %.0f ms: "
	       "64 MiB took %.2f ms, at most %zu MiB); %u\n  repetitions, "
	       "%.0f ms apart; times from the submit: the mover's last call "
	       "of the\n  waker, the start of the last poll that found the "
	       "copy running, and\n  runtime_wait()'s return.  The copy "
	       "completed after the first two, so\n  late = return - the "
	       "later of them bounds from above how late the waiter\n  saw "
	       "completion\n",
		size_str(n, sz, sizeof(sz)), x->ncpus,
		(double)FIG_WAITER_NS / 1e6, ns64 / 1e6, x->o->waiter_max >> 20,
		reps, (double)FIG_WAITER_GAP_NS / 1e6);

	for (unsigned i = 0; i < reps; i++) {
		struct waiter_times wt;

		sleep_ns(FIG_WAITER_GAP_NS);
		if (waiter_copy(&p, x->big_dst, x->big_src, n, &wt) != 0)
			goto close;
		col[0][i] = wt.woken;
		col[1][i] = wt.running;
		col[2][i] = wt.returned;
		col[3][i] = wt.late;
		col[4][i] = wt.cpu;
		col[5][i] = wt.cpu / wt.returned * 100.0;
		if (wt.calls < calls_min)
			calls_min = wt.calls;
		if (wt.calls > calls_max)
			calls_max = wt.calls;
	}

	/* the bytes of one more copy, into a cleared destination */
	memset(x->big_dst, 0, n);
	struct waiter_times last;
	if (waiter_copy(&p, x->big_dst, x->big_src, n, &last) != 0)
		goto close;
	if (memcmp(x->big_dst, x->big_src, n) != 0) {
		fprintf(stderr, "threads-waiter: %zu bytes: wrong bytes "
				"copied\n", n);
		goto close;
	}

	double med[6];
	for (c = 0; c < 6; c++)
		med[c] = median(col[c], reps);	/* sorts: col[c][0] is min */
	char goal[32];

	printf("  %-26s %12s %12s %12s\n", "", "median", "min", "goal");
	printf("  %-26s %9.3f ms %9.3f ms\n", "waker called", med[0] / 1e6,
		col[0][0] / 1e6);
	printf("  %-26s %9.3f ms %9.3f ms\n", "last poll found it running",
		med[1] / 1e6, col[1][0] / 1e6);
	printf("  %-26s %9.3f ms %9.3f ms\n", "runtime_wait returned",
		med[2] / 1e6, col[2][0] / 1e6);
	snprintf(goal, sizeof(goal), "<= %.0f us", FIG_LATE_GOAL_NS / 1e3);
	printf("  %-26s %9.2f us %9.2f us %12s %s\n", "late", med[3] / 1e3,
		col[3][0] / 1e3, goal, fig_goal(x, med[3] <= FIG_LATE_GOAL_NS));
	snprintf(goal, sizeof(goal), "<= %.0f %%", FIG_WAIT_CPU_GOAL_PCT);
	printf("  %-26s %10.3f %% %10.3f %% %12s %s\n",
		"waiting thread's CPU", med[5], col[5][0], goal,
		fig_goal(x, med[5] <= FIG_WAIT_CPU_GOAL_PCT));
	printf("  (CPU: the waiting thread's CPU time, CLOCK_THREAD_CPUTIME_ID,"
	       " over the\n  wall time from the submit to the return: median "
	       "%.1f us of %.3f ms;\n  the mover called the waker %u to %u "
	       "times per copy)\n",
		med[4] / 1e3, med[2] / 1e6, calls_min, calls_max);

	csv_fig(x, "threads-waiter-late", pool_default.mover, n, med[2],
		med[0] > med[1] ? med[0] : med[1], med[3], FIG_LATE_GOAL_NS);
	csv_fig(x, "threads-waiter-cpu", pool_default.mover, n, med[4],
		med[2], med[5], FIG_WAIT_CPU_GOAL_PCT);

	/* what waking a sleeping thread costs here, library or not */
	double fmed, fmin;
	if (wake_floor((uint64_t)med[0], reps, &fmed, &fmin) != 0)
		goto close;
	printf("  floor: a thread asleep on a condition variable, while "
	       "another is busy for\n  %.3f ms, runs again %.2f us (median; "
	       "min %.2f us) after that one\n  broadcasts: a waiter that "
	       "sleeps until completion cannot learn of it sooner\n",
		med[0] / 1e6, fmed / 1e3, fmin / 1e3);
	csv_fig(x, "threads-waiter-late", "condvar", n, NAN, NAN, fmed, NAN);
	ret = 0;

close:
	pool_close(&p);
out:
	while (c-- > 0)
		free(col[c]);
	return ret;
}

#ifdef BENCH_HAVE_PMEM
/*
 * The figures of the pmem mover (libminiasync-pmem): durable copies into a
 * file of MAP_FILE_DIR mapped with libpmem2, against libpmem2's own
 * functions on the same map.  Each map is a new file, unlinked at once and
 * its blocks allocated; one untimed pass of the baseline, then one of the
 * mover, precede the timed ones, so that neither side pays for the first
 * touch of the map's pages.
 */

#define FIG_PMEM_4K_SIZE ((size_t)4096)
#define FIG_PMEM_4K_GOAL 1.0

/* the copies pmem-group and pmem-large wait for together */
#define FIG_PMEM_COPIES 64

#define FIG_PMEM_GROUP_SIZE ((size_t)4096)
#define FIG_PMEM_GROUP_REPS 9
#define FIG_PMEM_GROUP_GOAL 10.0

#define FIG_PMEM_LARGE_SIZE ((size_t)1 << 20)
#define FIG_PMEM_LARGE_REPS 9
#define FIG_PMEM_LARGE_GOAL 1.0

/* the workers of the pmem movers with threads */
#define FIG_PMEM_THREADS 2U

/* a pair of these long batches that the kernel preempted is run again once */
#define FIG_PMEM_RETRIES 1

/*
 * a pmem mover, the runtime that waits on it, and libpmem2's functions of
 * the same map: the bench_env state of a pmem figure
 */
struct pmem_fig {
	struct vdm *vdm;
	struct runtime *rt;
	pmem2_memcpy_fn memcpy_fn;
	pmem2_persist_fn persist_fn;
	uint64_t stamp; /* the number of the last pass, in its source */
};

/*
 * pmem_file_open -- map_file_open, then prints the map and checks that it
 * got the granularity want; returns 0 or BENCH_SKIP (printed, nothing left
 * mapped)
 */
static int
pmem_file_open(struct map_file *f, size_t len, const char *force,
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
 * pmem_fig_open -- a pmem mover of f's map with nthreads workers (on every
 * CPU the program was given), a runtime, and the map's functions
 */
static int
pmem_fig_open(struct pmem_fig *p, struct map_file *f, unsigned nthreads)
{
	cpu_set_t pinned;

	unpin(&pinned);
	p->vdm = vdm_pmem2_new(f->map, nthreads);
	int err = errno;
	repin(&pinned);

	if (p->vdm == NULL) {
		fprintf(stderr, "vdm_pmem2_new(%u threads): %s\n", nthreads,
			strerror(err));
		return -1;
	}
	p->rt = runtime_new();
	if (p->rt == NULL) {
		fprintf(stderr, "runtime_new: %s\n", strerror(errno));
		vdm_delete(p->vdm);
		return -1;
	}
	p->memcpy_fn = pmem2_get_memcpy_fn(f->map);
	p->persist_fn = pmem2_get_persist_fn(f->map);
	p->stamp = 0;
	return 0;
}

/*
 * pmem_fig_close -- deletes the runtime and the mover (before the map)
 */
static void
pmem_fig_close(struct pmem_fig *p)
{
	runtime_delete(p->rt);
	vdm_delete(p->vdm);
}

/*
 * pmem_busy_run -- ops durable copies, each a vdm_memcpy future on the pmem
 * mover busy-polled to completion
 */
BENCH_BATCH static int
pmem_busy_run(struct bench_env *env, uint64_t ops)
{
	struct pmem_fig *p = env->state;
	char *dst = env->dst;
	char *src = env->src;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		struct vdm_memcpy_future fut =
			vdm_memcpy(p->vdm, dst, src, n, 0);
		FUTURE_BUSY_POLL(&fut);
		bad |= (FUTURE_OUTPUT(&fut)->result != VDM_SUCCESS) |
			(FUTURE_OUTPUT(&fut)->dest != dst);
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * pmem_fn_base -- ops durable copies with libpmem2's memcpy function, flags
 * 0: stored, then flushed and drained (or written back) as the map needs
 */
BENCH_BATCH static int
pmem_fn_base(struct bench_env *env, uint64_t ops)
{
	struct pmem_fig *p = env->state;
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
 * pmem_stamp -- makes the source of a pass differ from the last pass's:
 * the pass's number in the first word of each of its FIG_PMEM_COPIES pieces
 */
static void
pmem_stamp(struct bench_env *env, struct pmem_fig *p)
{
	p->stamp++;
	for (size_t k = 0; k < FIG_PMEM_COPIES; k++)
		memcpy(env->src + k * env->n, &p->stamp, sizeof(p->stamp));
}

/*
 * pmem_multi_run -- ops passes: FIG_PMEM_COPIES durable copies of env->n
 * bytes to consecutive ranges, vdm_memcpy futures on the pmem mover waited
 * for together with runtime_wait_multiple
 */
BENCH_BATCH static int
pmem_multi_run(struct bench_env *env, uint64_t ops)
{
	struct pmem_fig *p = env->state;
	struct vdm_memcpy_future futs[FIG_PMEM_COPIES];
	struct future *ptrs[FIG_PMEM_COPIES];
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		pmem_stamp(env, p);
		for (size_t k = 0; k < FIG_PMEM_COPIES; k++) {
			futs[k] = vdm_memcpy(p->vdm, env->dst + k * n,
				env->src + k * n, n, 0);
			ptrs[k] = FUTURE_AS_RUNNABLE(&futs[k]);
		}
		runtime_wait_multiple(p->rt, ptrs, FIG_PMEM_COPIES);
		for (size_t k = 0; k < FIG_PMEM_COPIES; k++)
			bad |= (FUTURE_OUTPUT(&futs[k])->result !=
					VDM_SUCCESS) |
				(FUTURE_OUTPUT(&futs[k])->dest !=
					env->dst + k * n);
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * pmem_group_base -- ops passes of the copies pmem_multi_run makes, each
 * with libpmem2's memcpy function without flushing, then its persist
 * function (on a PAGE map, an msync per copy)
 */
BENCH_BATCH static int
pmem_group_base(struct bench_env *env, uint64_t ops)
{
	struct pmem_fig *p = env->state;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		pmem_stamp(env, p);
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
 * pmem_large_base -- ops passes of the bytes pmem_multi_run copies, all
 * FIG_PMEM_COPIES * env->n of them in one call of libpmem2's memcpy
 * function, flags 0, on this thread
 */
BENCH_BATCH static int
pmem_large_base(struct bench_env *env, uint64_t ops)
{
	struct pmem_fig *p = env->state;
	size_t len = FIG_PMEM_COPIES * env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		pmem_stamp(env, p);
		bad |= p->memcpy_fn(env->dst, env->src, len, 0) != env->dst;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * pmem_case -- a bench_case of a pmem figure, against libpmem2
 */
static struct bench_case
pmem_case(const char *name, const char *mover,
	int (*run)(struct bench_env *, uint64_t),
	int (*baseline_run)(struct bench_env *, uint64_t))
{
	struct bench_case c = fig_case(name, mover, run, baseline_run);

	c.baseline = "libpmem2";
	return c;
}

/*
 * pmem_warm -- one untimed pass of the baseline, then one of the mover:
 * the map's pages are touched (and their blocks written) before anything
 * is timed
 */
static int
pmem_warm(const struct bench_case *c, struct bench_env *env)
{
	if (c->baseline_run(env, 1) != 0 || c->run(env, 1) != 0) {
		fprintf(stderr, "%s: %s: the untimed pass failed\n", c->name,
			c->mover);
		return -1;
	}
	return 0;
}

/*
 * fig_pmem_4k -- one durable 4 KiB copy on the pmem mover without threads,
 * busy-polled, against libpmem2's memcpy function on a CACHE_LINE map
 */
static int
fig_pmem_4k(struct fig_ctx *x)
{
	struct bench_case c = pmem_case("pmem-4k", "pmem2-0", pmem_busy_run,
		pmem_fn_base);
	struct bench_result r;
	struct map_file f;
	struct pmem_fig p;
	char goal[32];

	snprintf(goal, sizeof(goal), ">= %.2f", FIG_PMEM_4K_GOAL);
	printf("\npmem-4k: one durable copy of 4 KiB, vdm_memcpy() + "
	       "FUTURE_BUSY_POLL on the pmem\n  mover without threads "
	       "(pmem2-0), against libpmem2's memcpy function, flags 0\n  "
	       "(store, flush, drain), on a file map forced to CACHE_LINE; "
	       "ns per copy;\n  ratio = libpmem2 time / mover time (higher "
	       "is better)\n");

	int s = pmem_file_open(&f, FIG_PMEM_4K_SIZE, "CACHE_LINE",
		PMEM2_GRANULARITY_CACHE_LINE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	if (pmem_fig_open(&p, &f, 0) != 0) {
		map_file_close(&f);
		return -1;
	}

	struct bench_env env = {
		.src = x->src,
		.dst = f.addr,
		.n = FIG_PMEM_4K_SIZE,
		.max_size = FIG_PMEM_4K_SIZE,
		.state = &p,
	};
	fill_src(env.src, env.n);

	int e = pmem_warm(&c, &env) != 0 || measure(&c, &env, x->o, &r) != 0 ||
		verify(&c, c.mover, c.run, &env) != 0 ||
		verify(&c, c.baseline, c.baseline_run, &env) != 0;
	pmem_fig_close(&p);
	map_file_close(&f);
	if (e)
		return -1;

	double ratio = r.base_med / r.mover_med;
	fig_header();
	fig_row(c.mover, &r, 1.0, ratio, goal,
		fig_goal(x, ratio >= FIG_PMEM_4K_GOAL));
	csv_fig(x, "pmem-4k", c.mover, env.n, r.mover_med, r.base_med, ratio,
		FIG_PMEM_4K_GOAL);
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
	struct bench_opts o = *x->o;
	struct map_file f;
	char goal[32];
	int ret = 0;

	if (o.reps > FIG_PMEM_GROUP_REPS)
		o.reps = FIG_PMEM_GROUP_REPS;
	snprintf(goal, sizeof(goal), ">= %.2f", FIG_PMEM_GROUP_GOAL);
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

	int s = pmem_file_open(&f, span, NULL, PMEM2_GRANULARITY_PAGE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	fig_header();

	for (size_t i = 0; i < sizeof(nthreads) / sizeof(nthreads[0]); i++) {
		char mover[32];
		struct bench_result r;
		struct pmem_fig p;

		snprintf(mover, sizeof(mover), "pmem2-%u", nthreads[i]);
		struct bench_case c = pmem_case("pmem-group", mover,
			pmem_multi_run, pmem_group_base);
		if (pmem_fig_open(&p, &f, nthreads[i]) != 0) {
			ret = -1;
			continue;
		}
		struct bench_env env = {
			.src = x->src,
			.dst = f.addr,
			.n = FIG_PMEM_GROUP_SIZE,
			.max_size = FIG_PMEM_GROUP_SIZE,
			.state = &p,
		};
		fill_words(env.src, span, 5);

		/* a pass lasts milliseconds: one per batch */
		r.ops = 1;
		int e = pmem_warm(&c, &env) != 0 ||
			measure_pairs(&c, &env, &o, FIG_PMEM_RETRIES,
				&r) != 0 ||
			verify_span(&c, c.mover, c.run, &env, span) != 0 ||
			verify_span(&c, c.baseline, c.baseline_run, &env,
				span) != 0;
		pmem_fig_close(&p);
		if (e) {
			ret = -1;
			continue;
		}

		/* per copy, not per pass */
		r.mover_med /= FIG_PMEM_COPIES;
		r.mover_min /= FIG_PMEM_COPIES;
		r.base_med /= FIG_PMEM_COPIES;
		r.base_min /= FIG_PMEM_COPIES;
		double ratio = r.base_med / r.mover_med;

		fig_row(mover, &r, 1e3, ratio, goal,
			fig_goal(x, ratio >= FIG_PMEM_GROUP_GOAL));
		csv_fig(x, "pmem-group", mover, env.n, r.mover_med, r.base_med,
			ratio, FIG_PMEM_GROUP_GOAL);
		fflush(stdout);
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
	struct bench_opts o = *x->o;
	struct bench_result r;
	struct map_file f;
	struct pmem_fig p;
	char goal[32];

	snprintf(mover, sizeof(mover), "pmem2-%u", FIG_PMEM_THREADS);
	struct bench_case c = pmem_case("pmem-large", mover, pmem_multi_run,
		pmem_large_base);
	if (o.reps > FIG_PMEM_LARGE_REPS)
		o.reps = FIG_PMEM_LARGE_REPS;
	snprintf(goal, sizeof(goal), ">= %.2f", FIG_PMEM_LARGE_GOAL);
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
	int s = pmem_file_open(&f, span, "CACHE_LINE",
		PMEM2_GRANULARITY_CACHE_LINE);
	if (s != 0)
		return s == BENCH_SKIP ? 0 : -1;
	if (pmem_fig_open(&p, &f, FIG_PMEM_THREADS) != 0) {
		map_file_close(&f);
		return -1;
	}

	struct bench_env env = {
		.src = x->big_src,
		.dst = f.addr,
		.n = FIG_PMEM_LARGE_SIZE,
		.max_size = FIG_PMEM_LARGE_SIZE,
		.state = &p,
	};
	fill_words(env.src, span, 6);

	/* a pass lasts milliseconds: one per batch */
	r.ops = 1;
	int e = pmem_warm(&c, &env) != 0 ||
		measure_pairs(&c, &env, &o, FIG_PMEM_RETRIES, &r) != 0 ||
		verify_span(&c, c.mover, c.run, &env, span) != 0 ||
		verify_span(&c, c.baseline, c.baseline_run, &env, span) != 0;
	pmem_fig_close(&p);
	map_file_close(&f);
	if (e)
		return -1;

	double ratio = r.base_med / r.mover_med;
	fig_header();
	fig_row(mover, &r, 1e3, ratio, goal,
		fig_goal(x, ratio >= FIG_PMEM_LARGE_GOAL));
	csv_fig(x, "pmem-large", mover, span, r.mover_med, r.base_med, ratio,
		FIG_PMEM_LARGE_GOAL);
	return 0;
}
#endif /* BENCH_HAVE_PMEM */

/* a figure: one fixed situation, measured and printed by run */
struct bench_figure {
	const char *name;
	const char *what;
	int (*run)(struct fig_ctx *x);
};

static const struct bench_figure bench_figures[] = {
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
#ifdef BENCH_HAVE_PMEM
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
#endif
};

#define BENCH_NFIGURES (sizeof(bench_figures) / sizeof(bench_figures[0]))

/*
 * parse_sizes -- a comma-separated list of sizes into o->sizes
 */
static int
parse_sizes(const char *arg, struct bench_opts *o)
{
	char *copy = strdup(arg);
	char *save = NULL;
	int ret = 0;

	if (copy == NULL)
		return -1;

	o->nsizes = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
		t = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == BENCH_MAX_SIZES ||
			parse_size(t, BENCH_MAX_SIZE,
				&o->sizes[o->nsizes]) != 0) {
			ret = -1;
			break;
		}
		o->nsizes++;
	}
	if (o->nsizes == 0)
		ret = -1;

	free(copy);
	return ret;
}

/*
 * usage -- the help text
 */
static void
usage(FILE *f, const char *prog)
{
	/* clang-format off */
	fprintf(f,
"usage: %s [options]\n"
"Times each mover of libminiasync against its baseline (plain memcpy)\n"
"in the same run and prints the ratio of the medians.\n"
"\n"
"  --quick          few short repetitions (a smoke test: the numbers\n"
"                   are rough)\n"
"  --reps N         repetitions of each measurement (default %u)\n"
"  --batch-ms N     milliseconds the slower batch of a pair lasts\n"
"                   (default %u)\n"
"  --sizes LIST     copy sizes, comma-separated, K/M/G suffixes allowed\n"
"                   (default 64,4K,64K,1M)\n"
"  --case NAME      run only this case or figure (see --list)\n"
"  --cpu N          pin the program to CPU N\n"
"  --csv FILE       also write the results to FILE as CSV:\n"
"                   case,mover,size,ns_per_op,baseline_ns_per_op,ratio,goal\n"
"                   (see below)\n"
"  --list           list the cases and exit\n"
"  --help           this text\n"
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
"                   0.1%% of one core\n"
"  threads-waiter   runtime_wait() on a copy of about 20 ms: how long after\n"
"                   the mover called the waker it returns (goal: at most\n"
"                   20 us) and the waiting thread's CPU time (goal: at most\n"
"                   2%% of the wall time); at most 15 repetitions, copies\n"
"                   of at most 384 MiB (64 MiB with --quick); and the floor:\n"
"                   the wake-up of a thread asleep on a condition variable\n",
		prog, BENCH_REPS_DEFAULT,
		(unsigned)(BENCH_BATCH_NS_DEFAULT / 1000000));
#ifdef BENCH_HAVE_PMEM
	fputs(
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
"                   1.0\n", f);
#else
	fputs(
"\n"
"(built without libminiasync-pmem: no figures of the pmem mover)\n", f);
#endif
	fprintf(f,
"\n"
"CSV rows, by case (NaN where a number does not apply; goal empty if none):\n"
"  sync             ns per copy of size bytes, mover and baseline; ratio =\n"
"                   mover / baseline time; goal: the largest ratio\n"
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
"                   ratio = %% of one core the workers used (all threads\n"
"                   but the sleeping one; the process's %% if unreadable);\n"
"                   goal: the largest ratio\n"
"  threads-waiter-late  size = bytes copied; ns_per_op = when runtime_wait()\n"
"                   returned, baseline_ns_per_op = when the waker was called\n"
"                   (ns after the submit, medians); ratio = median lateness\n"
"                   in ns; goal: the largest ratio; mover condvar: the\n"
"                   floor, ratio = its median wake-up in ns, others NaN\n"
"  threads-waiter-cpu  ns_per_op = the waiting thread's CPU ns,\n"
"                   baseline_ns_per_op = the wall ns (medians); ratio =\n"
"                   median CPU %% of the wall time; goal: the largest ratio\n");
#ifdef BENCH_HAVE_PMEM
	fputs(
"  pmem-4k          ns per copy of 4096 bytes; ratio = baseline / mover\n"
"                   time (higher is better); goal: the smallest ratio\n"
"  pmem-group       movers pmem2-0, pmem2-2: ns per copy of 4096 bytes (of\n"
"                   64 waited together); ratio and goal as pmem-4k\n"
"  pmem-large       size 67108864 (64 x 1 MiB): ns per 64 MiB; ratio and\n"
"                   goal as pmem-4k\n", f);
#endif
	fputs(
"plot.sh draws the sweeps only (cases not named threads-* or pmem-*).\n"
"\n"
"The exit status is 0 unless a case is broken (wrong bytes, failed\n"
"operations); a missed goal is reported, never an error.\n", f);
	/* clang-format on */
}

enum {
	OPT_QUICK = 256,
	OPT_REPS,
	OPT_BATCH_MS,
	OPT_SIZES,
	OPT_CASE,
	OPT_CPU,
	OPT_CSV,
	OPT_LIST,
};

/* the options of a run as the command line sets them */
struct bench_args {
	struct bench_opts *o;
	int reps_set; /* --reps given: --quick keeps it */
	int batch_set; /* --batch-ms given: --quick keeps it */
};

/*
 * list_cases -- prints every case and figure, for --list
 */
static void
list_cases(void)
{
	for (size_t i = 0; i < BENCH_NCASES; i++)
		printf("%-15s %s against %s\n", bench_cases[i].name,
			bench_cases[i].what, bench_cases[i].baseline);
	for (size_t i = 0; i < BENCH_NFIGURES; i++)
		printf("%-15s %s\n", bench_figures[i].name,
			bench_figures[i].what);
}

/*
 * handle_opt -- one option of the command line into the run's options
 * (see opts_parse)
 */
static int
handle_opt(int opt, const char *value, void *arg)
{
	struct bench_args *a = arg;
	struct bench_opts *o = a->o;
	unsigned long long v;

	switch (opt) {
	case OPT_QUICK:
		if (!a->reps_set)
			o->reps = BENCH_REPS_QUICK;
		if (!a->batch_set)
			o->batch_ns = BENCH_BATCH_NS_QUICK;
		o->warmup_ns = BENCH_WARMUP_NS_QUICK;
		o->idle_ns = BENCH_IDLE_NS_QUICK;
		o->waiter_max = BENCH_WAITER_MAX_QUICK;
		return 0;
	case OPT_REPS:
		if (parse_u64(value, 1000, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->reps = (unsigned)v;
		a->reps_set = 1;
		return 0;
	case OPT_BATCH_MS:
		if (parse_u64(value, 10000, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->batch_ns = v * 1000000ULL;
		a->batch_set = 1;
		return 0;
	case OPT_SIZES:
		return parse_sizes(value, o) != 0 ? OPTS_BAD : 0;
	case OPT_CASE:
		o->only = value;
		return 0;
	case OPT_CPU:
		if (parse_u64(value, CPU_SETSIZE - 1, &v) != 0)
			return OPTS_BAD;
		o->cpu = (int)v;
		return 0;
	case OPT_CSV:
		o->csv = value;
		return 0;
	case OPT_LIST:
		list_cases();
		return OPTS_DONE;
	default:
		return OPTS_BAD;
	}
}

/*
 * parse_args -- the command line into o; returns 0, 1 (done: help or list)
 * or -1 (bad usage)
 */
static int
parse_args(int argc, char *argv[], struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "batch-ms", required_argument, NULL, OPT_BATCH_MS },
		{ "sizes", required_argument, NULL, OPT_SIZES },
		{ "case", required_argument, NULL, OPT_CASE },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_args a = { o, 0, 0 };

	return opts_parse(argc, argv, longopts, handle_opt, &a, usage);
}

/*
 * cpu_model -- the CPU's name from /proc/cpuinfo, or "unknown"
 */
static void
cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

/*
 * warm_up -- keeps the CPU busy copying for about ns nanoseconds, so that the
 * first measurement does not pay for a core waking up from idle
 */
static void
warm_up(char *src, char *dst, uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end) {
		for (unsigned i = 0; i < 1000; i++) {
			memcpy(dst, src, BENCH_PAGE_SIZE);
			bench_barrier();
		}
	}
}

/*
 * main -- runs every case (or the chosen one) at every size
 */
int
main(int argc, char *argv[])
{
	struct bench_opts o = {
		.reps = BENCH_REPS_DEFAULT,
		.batch_ns = BENCH_BATCH_NS_DEFAULT,
		.warmup_ns = BENCH_WARMUP_NS_DEFAULT,
		.idle_ns = BENCH_IDLE_NS_DEFAULT,
		.waiter_max = BENCH_WAITER_MAX_DEFAULT,
		.cpu = -1,
		.csv = NULL,
		.only = NULL,
		.sizes = { 64, 4096, 65536, 1 << 20 },
		.nsizes = 4,
	};
	char *src = NULL, *dst = NULL;
	FILE *csv = NULL;
	int status = 0;

	int p = parse_args(argc, argv, &o);
	if (p != 0)
		return p > 0 ? 0 : 2;

	if (o.only != NULL) {
		int found = 0;
		for (size_t i = 0; i < BENCH_NCASES; i++)
			found |= strcmp(bench_cases[i].name, o.only) == 0;
		for (size_t i = 0; i < BENCH_NFIGURES; i++)
			found |= strcmp(bench_figures[i].name, o.only) == 0;
		if (!found) {
			fprintf(stderr, "%s: no case '%s' (see --list)\n",
				argv[0], o.only);
			return 2;
		}
	}

	/* the pools' workers may use all of these, whatever --cpu says */
	CPU_ZERO(&bench_cpus);
	if (sched_getaffinity(0, sizeof(bench_cpus), &bench_cpus) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", argv[0],
			strerror(errno));
		return 2;
	}

	if (o.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((size_t)o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "%s: cannot pin to CPU %d: %s\n",
				argv[0], o.cpu, strerror(errno));
			return 2;
		}
		bench_pinned = 1;
	}

	size_t max_size = 0;
	for (unsigned i = 0; i < o.nsizes; i++)
		if (o.sizes[i] > max_size)
			max_size = o.sizes[i];
	size_t alloc = (max_size + BENCH_PAGE_SIZE - 1) &
		~(size_t)(BENCH_PAGE_SIZE - 1);

	if (posix_memalign((void **)&src, BENCH_PAGE_SIZE, alloc) != 0 ||
		posix_memalign((void **)&dst, BENCH_PAGE_SIZE, alloc) != 0) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		status = 1;
		goto out;
	}
	/* fault every page in before anything is timed */
	memset(src, 1, alloc);
	memset(dst, 2, alloc);

	if (o.csv != NULL) {
		csv = fopen(o.csv, "w");
		if (csv == NULL) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], o.csv,
				strerror(errno));
			status = 1;
			goto out;
		}
		fprintf(csv,
			"case,mover,size,ns_per_op,"
			"baseline_ns_per_op,ratio,goal\n");
	}

	char model[128];
	cpu_model(model, sizeof(model));
	printf("libminiasync %s benchmark\n", BENCH_VERSION);
	if (o.cpu >= 0)
		printf("cpu: %s, pinned to CPU %d\n", model, o.cpu);
	else
		printf("cpu: %s, not pinned (--cpu N pins)\n", model);
	printf("%u repetitions of interleaved mover and baseline batches, "
	       "the slower lasting about %.1f ms\n",
		o.reps, (double)o.batch_ns / 1e6);
	printf("times in ns per operation (median and minimum); quiet = pairs "
	       "not preempted\n(of %u); ratio = mover median / baseline "
	       "median; r(min) = ratio of the minimums\n",
		o.reps);
#ifndef __OPTIMIZE__
	printf("warning: built without optimisation, the numbers mean "
	       "little\n");
#endif

	warm_up(src, dst, o.warmup_ns);

	unsigned met = 0, goals = 0;
	for (size_t i = 0; i < BENCH_NCASES; i++) {
		const struct bench_case *c = &bench_cases[i];
		if (o.only != NULL && strcmp(c->name, o.only) != 0)
			continue;
		if (run_case(c, &o, src, dst, max_size, csv, &met, &goals) != 0)
			status = 1;
	}

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct fig_ctx fx = {
		.o = &o,
		.csv = csv,
		.met = &met,
		.goals = &goals,
		.ncpus = cpus > 0 ? (unsigned)cpus : 1,
		.src = NULL,
		.dst = NULL,
		.big_src = NULL,
		.big_dst = NULL,
		.big_len = 0,
	};
	for (size_t i = 0; i < BENCH_NFIGURES; i++) {
		const struct bench_figure *f = &bench_figures[i];
		if (o.only != NULL && strcmp(f->name, o.only) != 0)
			continue;
		if (fx.src == NULL &&
			fig_alloc(&fx.src, &fx.dst, FIG_SMALL_LEN) != 0) {
			status = 1;
			break;
		}
		if (f->run(&fx) != 0) {
			fprintf(stderr, "%s: broken (see above)\n", f->name);
			status = 1;
		}
		fflush(stdout);
	}
	free(fx.src);
	free(fx.dst);
	free(fx.big_src);
	free(fx.big_dst);

	printf("\ngoals met: %u of %u%s\n", met, goals,
		status != 0 ? "; SOME CASES ARE BROKEN (see above)" : "");

out:
	if (csv != NULL && fclose(csv) != 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], o.csv,
			strerror(errno));
		status = 1;
	}
	free(src);
	free(dst);
	return status;
}
