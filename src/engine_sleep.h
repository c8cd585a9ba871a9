/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine_sleep.h -- how the engine's workers wait for entries of its ring
 * and how producers wake them (internal)
 *
 * A worker that finds the ring empty calls engine__sleep_idle(), which
 * returns once the ring has an entry (or looks as if it had: the worker
 * pops to see); a thread that pushed entries calls engine__sleep_wake()
 * once, after the push, with their number.  See engine_sleep.c for the
 * protocol, and for where a worker sleeps.
 */

#ifndef MINIASYNC_ENGINE_SLEEP_H
#define MINIASYNC_ENGINE_SLEEP_H 1

#include <pthread.h>
#include <stdint.h>

#include "core/ring.h"
#include "core/util.h"

/* the CPUs engine__sleep counts sleeping workers on; a worker on a CPU of a
 * higher number sleeps wherever it is */
#define ENGINE__SLEEP_CPUS 256

/* the bits of engine__sleep.waiters: a worker spins watching the ring */
#define ENGINE__SLEEP_SPINNER (1U << 31)
/* a producer counts on the spinner for its entry: the next one may not */
#define ENGINE__SLEEP_TAKEN (1U << 30)
/* the workers asleep, or about to be */
#define ENGINE__SLEEP_IDLE_MASK (ENGINE__SLEEP_TAKEN - 1)

/* the workers that wait for entries of one ring */
struct engine__sleep {
	/* set up by engine__sleep_init(), read-only afterwards */
	struct core__ring *ring;	/* the ring the workers pop */
	int (*quiet)(void *arg);	/* the backend's, or NULL */
	void *quiet_arg;

	/* sleeping workers, guarded by lock */
	pthread_mutex_t lock __attribute__((aligned(CORE__CACHELINE_SIZE)));
	pthread_cond_t work;	/* signalled when entries arrive */
	/* the workers that wait for work, RMW only: the count of those
	 * asleep or about to be (ENGINE__SLEEP_IDLE_MASK),
	 * ENGINE__SLEEP_SPINNER while one spins watching the ring, and
	 * ENGINE__SLEEP_TAKEN once a producer counted on that spinner instead
	 * of waking a sleeper (engine_sleep.c) */
	unsigned waiters;
	unsigned signaled;	/* sleepers signalled already (lock) */

	/* the CPUs there are, at most ENGINE__SLEEP_CPUS (set up once) */
	unsigned ncpus;

	/* the workers asleep (or about to be) on each CPU, by the CPU's
	 * number: where a worker goes to sleep (engine_sleep.c); relaxed,
	 * a hint; away from the line of waiters, which producers touch */
	unsigned parked[ENGINE__SLEEP_CPUS]
		__attribute__((aligned(CORE__CACHELINE_SIZE)));
};

/*
 * engine__sleep_init -- sets s up for the workers of ring; while quiet
 * (optional, vdm__threads_backend.quiet) says so with quiet_arg, no worker
 * spins.  0 or an errno value.
 */
int engine__sleep_init(struct engine__sleep *s, struct core__ring *ring,
	int (*quiet)(void *arg), void *quiet_arg);

/* engine__sleep_fini -- frees what engine__sleep_init() set up, once no
 * worker runs */
void engine__sleep_fini(struct engine__sleep *s);

/*
 * engine__sleep_idle -- for a worker that found the ring empty: returns
 * once an entry may wait in it, after a spin or a sleep
 */
void engine__sleep_idle(struct engine__sleep *s);

/*
 * engine__sleep_await -- spins until the ring has an entry, for at most ns
 * nanoseconds, and not while quiet says so
 */
void engine__sleep_await(struct engine__sleep *s, uint64_t ns);

/*
 * engine__sleep_wake -- for a producer, after it pushed n entries: wakes a
 * sleeping worker for each, as far as there are any, in one hold of the
 * lock; if may_skip, a spinning worker takes one of them
 */
void engine__sleep_wake(struct engine__sleep *s, unsigned n, int may_skip);

#endif /* MINIASYNC_ENGINE_SLEEP_H */
