/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_threads_sleep.c -- the figures of the thread-pool mover about
 * sleeping: the CPU time an idle pool burns (threads-idle), and how late a
 * thread asleep in runtime_wait() learns that a long copy is done, and how
 * much CPU it burns meanwhile (threads-waiter)
 */

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libminiasync.h>

#include "bench.h"
#include "bench_threads.h"
#include "common.h"

#define FIG_IDLE_SETTLE_NS (100 * 1000 * 1000ULL)
#define FIG_IDLE_GOAL_PCT 0.1

/* a copy of about this long; its size is found on the running machine */
#define FIG_WAITER_NS (20 * 1000 * 1000ULL)
#define FIG_WAITER_REPS 15
#define FIG_LATE_GOAL_NS 20000.0
#define FIG_WAIT_CPU_GOAL_PCT 2.0

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
int
fig_idle(struct fig_ctx *x)
{
	struct bench_case c = fig_case("threads-idle", pool_default.mover,
		wait_run, baseline_memcpy);
	struct bench_env env = fig_env(x->src, x->dst, FIG_SMALL_LEN);
	struct idle_cpu base, with;

	printf("\nthreads-idle: CPU time while a default pool (%u workers) "
	       "sits idle, %.0f ms\n  after it was made, over %.2f s of "
	       "sleep; against the same sleep without a\n  pool; in %% of "
	       "one core\n",
		x->ncpus, (double)FIG_IDLE_SETTLE_NS / 1e6,
		(double)x->o->idle_ns / 1e9);

	idle_over(x->o->idle_ns, &base);

	if (pool_open(&env.mover, &pool_default) != 0)
		return -1;
	sleep_ns(FIG_IDLE_SETTLE_NS);
	idle_over(x->o->idle_ns, &with);

	/* the pool still works after its rest */
	fill_words(env.src, env.n, 3);
	int e = verify(&c, c.mover, c.run, &env);
	mover_close(&env.mover);
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
waiter_copy(struct bench_mover *p, char *dst, char *src, size_t n,
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
waiter_time(struct fig_ctx *x, struct bench_mover *p, size_t n, double *ns)
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
waiter_size(struct fig_ctx *x, struct bench_mover *p, size_t *n, double *ns64)
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
int
fig_waiter(struct fig_ctx *x)
{
	unsigned reps = x->o->reps < FIG_WAITER_REPS ? x->o->reps :
		FIG_WAITER_REPS;
	double *col[6];	/* woken, running, returned, late, cpu, pct */
	unsigned calls_min = UINT_MAX, calls_max = 0; /* waker calls */
	struct bench_mover p;
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
	mover_close(&p);
out:
	while (c-- > 0)
		free(col[c]);
	return ret;
}
