/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_threads.h -- what the files of the thread-pool family of bench
 * share: the pools the figures make, and the figures that
 * bench_threads_floor.c and bench_threads_sleep.c hold
 */

#ifndef MINIASYNC_UTILS_BENCH_THREADS_H
#define MINIASYNC_UTILS_BENCH_THREADS_H 1

#include <stddef.h>
#include <stdint.h>

#include <libminiasync.h>

#include "bench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the copy of threads-large, and the first guess of threads-waiter */
#define FIG_LARGE_SIZE ((size_t)64 << 20)

/* the sleep between two copies of threads-waiter, or two of its floor */
#define FIG_WAITER_GAP_NS (1000 * 1000ULL)

/* a thread-pool mover as a figure makes it */
struct pool_spec {
	const char *mover; /* the CSV's mover column */
	struct vdm_descriptor *(*descriptor)(void); /* NULL: vdm_threads_new */
	unsigned nthreads; /* vdm_threads_new only */
	enum future_notifier_type notifier; /* vdm_threads_new only */
	size_t offload_min; /* vdm_threads_new only */
	int goal; /* the figures' goals apply to it */
};

/* the default pool: vdm_descriptor_threads(), a worker per CPU */
extern const struct pool_spec pool_default;

/*
 * pool_open -- makes the mover spec describes, and a runtime; the workers
 * may run on every CPU the program was given, even when --cpu pinned the
 * measuring thread; 0, or -1 (reported)
 */
int pool_open(struct bench_mover *m, const struct pool_spec *spec);

/*
 * fig_floor -- the floor of threads-latency: the round trip of a cache line
 * between two threads on two CPUs (bench_threads_floor.c)
 */
int fig_floor(struct fig_ctx *x);

/*
 * par_ceiling -- the ceiling of threads-large: reps copies of n bytes, each
 * split among nthreads plain threads; the median and the minimum ns of a
 * copy go to *med and *min (bench_threads_floor.c)
 */
int par_ceiling(char *dst, const char *src, size_t n, unsigned nthreads,
	unsigned reps, double *med, double *min);

/* the ways split_rotated() copies, in the order of its results */
enum split_way {
	SPLIT_POOL,	/* one vdm_memcpy() on a pool + runtime_wait() */
	SPLIT_TWO,	/* the caller copies half, a created thread the rest */
	SPLIT_MEMCPY,	/* one memcpy() */
	SPLIT_WAYS
};

/*
 * split_rotated -- the two-way split of threads-large beside the pool p and
 * memcpy: reps rounds of the three copies of n bytes, rotated; median and
 * minimum ns of each way (bench_threads_floor.c); 0, or -1 (reported)
 */
int split_rotated(const struct bench_mover *p, char *dst, char *src,
	size_t n, unsigned reps, double med[SPLIT_WAYS],
	double min[SPLIT_WAYS]);

/*
 * wake_floor -- the floor of threads-waiter: how long after a broadcast a
 * thread asleep on a condition variable runs again (bench_threads_floor.c)
 */
int wake_floor(uint64_t busy_ns, unsigned reps, double *med, double *min);

/*
 * fig_idle -- threads-idle, the CPU time an idle default pool burns
 * (bench_threads_sleep.c)
 */
int fig_idle(struct fig_ctx *x);

/*
 * fig_waiter -- threads-waiter, how late a thread asleep in runtime_wait()
 * learns that a copy of about 20 ms is done (bench_threads_sleep.c)
 */
int fig_waiter(struct fig_ctx *x);

#ifdef __cplusplus
}
#endif

#endif /* MINIASYNC_UTILS_BENCH_THREADS_H */
