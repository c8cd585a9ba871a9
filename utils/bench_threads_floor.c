/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_threads_floor.c -- what the machine allows the thread-pool figures,
 * measured without the library: the round trip of a cache line between two
 * CPUs (the floor of threads-latency), a copy split among plain threads
 * (the ceiling of threads-large) and the wake-up of a thread asleep on a
 * condition variable (the floor of threads-waiter)
 */

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_threads.h"
#include "common.h"

/* round trips of the floor before any is timed */
#define FIG_PINGPONG_WARM 100

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
int
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
int
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

/* the half a plain thread of the two-way split copies */
struct split_half {
	char *dst;
	const char *src;
	size_t n;
};

/*
 * split_worker -- the created thread of the two-way split: copies its half
 */
static void *
split_worker(void *arg)
{
	const struct split_half *h = arg;

	memcpy(h->dst, h->src, h->n);
	return NULL;
}

/*
 * split_copy -- the simplest split of a copy of n bytes: one thread
 * created, copying the second half while this thread copies the first,
 * then joined; 0, or -1 (reported)
 */
static int
split_copy(char *dst, const char *src, size_t n)
{
	size_t first = (n / 2 + 63) & ~(size_t)63;
	struct split_half h = { dst + first, src + first, n - first };
	pthread_t t;

	int e = pthread_create(&t, NULL, split_worker, &h);
	if (e != 0) {
		fprintf(stderr, "pthread_create: %s\n", strerror(e));
		return -1;
	}
	memcpy(dst, src, first);
	(void) pthread_join(t, NULL);
	return 0;
}

/*
 * pool_copy -- one copy of n bytes on the pool p, waited for with
 * runtime_wait(); 0, or -1 if it failed
 */
static int
pool_copy(const struct bench_mover *p, char *dst, char *src, size_t n)
{
	struct vdm_memcpy_future fut = vdm_memcpy(p->vdm, dst, src, n, 0);

	runtime_wait(p->rt, FUTURE_AS_RUNNABLE(&fut));
	if (FUTURE_OUTPUT(&fut)->result != VDM_SUCCESS) {
		fprintf(stderr, "the pool's copy failed\n");
		return -1;
	}
	return 0;
}

/*
 * split_rotated -- reps rounds of three copies of n bytes, one on the pool
 * p (SPLIT_POOL), one by the two-way split (SPLIT_TWO), one by memcpy
 * (SPLIT_MEMCPY), their order rotated from round to round so that each
 * sees the same noise, after one untimed round; the median and minimum ns
 * of each go to med[] and min[], and dst holds the copy
 */
int
split_rotated(const struct bench_mover *p, char *dst, char *src,
	size_t n, unsigned reps, double med[SPLIT_WAYS],
	double min[SPLIT_WAYS])
{
	double *v[SPLIT_WAYS];
	int ret = -1;
	unsigned w;

	for (w = 0; w < SPLIT_WAYS; w++)
		if ((v[w] = calloc(reps, sizeof(double))) == NULL)
			break;
	if (w < SPLIT_WAYS) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}

	for (unsigned i = 0; i <= reps; i++) {
		for (unsigned k = 0; k < SPLIT_WAYS; k++) {
			unsigned way = (i + k) % SPLIT_WAYS;
			uint64_t t0 = now_ns();
			int e = 0;

			if (way == SPLIT_POOL)
				e = pool_copy(p, dst, src, n);
			else if (way == SPLIT_TWO)
				e = split_copy(dst, src, n);
			else
				memcpy(dst, src, n);
			uint64_t t1 = now_ns();
			if (e != 0)
				goto out;
			/* round 0 warms the pool, the caches and the pages */
			if (i > 0)
				v[way][i - 1] = (double)(t1 - t0);
		}
	}
	for (w = 0; w < SPLIT_WAYS; w++) {
		med[w] = median(v[w], reps);
		min[w] = v[w][0];
	}
	ret = 0;
out:
	while (w-- > 0)
		free(v[w]);
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
int
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
