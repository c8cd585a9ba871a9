/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * clock.h -- the library's one clock: CLOCK_MONOTONIC, in nanoseconds for
 * spin budgets and as an absolute struct timespec for
 * pthread_cond_timedwait() on a condition variable set to that clock
 * (pthread_condattr_setclock(..., CLOCK_MONOTONIC)).
 */

#ifndef MINIASYNC_CORE_CLOCK_H
#define MINIASYNC_CORE_CLOCK_H 1

#include <stdint.h>
#include <time.h>

#define CORE__NS_PER_S 1000000000ULL

/* core__now_ns -- the monotonic clock, in nanoseconds */
static inline uint64_t
core__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CORE__NS_PER_S + (uint64_t)ts.tv_nsec;
}

/*
 * core__deadline -- the monotonic time ns nanoseconds from now, as a
 * deadline for pthread_cond_timedwait()
 */
static inline struct timespec
core__deadline(uint64_t ns)
{
	uint64_t t = core__now_ns() + ns;
	struct timespec ts;

	ts.tv_sec = (time_t)(t / CORE__NS_PER_S);
	ts.tv_nsec = (long)(t % CORE__NS_PER_S);
	return ts;
}

#endif /* MINIASYNC_CORE_CLOCK_H */
