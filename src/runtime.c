/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * runtime.c -- polls futures, sleeping while every unfinished one waits on
 * the runtime's waker
 *
 * Sleeping without losing a wake-up: a waiter reads the wake-up counter
 * before it polls, and sleeps only while the counter still has that value.
 * A waker bumps the counter, then looks for sleepers and broadcasts to them
 * under the mutex.  The waiter announces itself (sleepers++) under the same
 * mutex before its last look at the counter; both sides use sequentially
 * consistent operations, so either the waiter sees the bump or the waker
 * sees the sleeper (and cannot broadcast before the waiter is in
 * pthread_cond_wait, since it needs the mutex).
 *
 * Lock order: runtime.lock is the only lock.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <libminiasync/runtime.h>

#include "core/alloc.h"
#include "core/atomics.h"
#include "core/clock.h"
#include "core/util.h"

/* poll passes that spin on the CPU before each further pass yields it */
#define RUNTIME_SPINS_BEFORE_YIELD 128

/* how long a waiter watches the wake-up counter before it sleeps */
#define RUNTIME_SPIN_NS 20000

struct runtime {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* bumped by every wake-up; waiters sleep while it is unchanged */
	uint64_t wakeups;
	/* threads that may be in pthread_cond_wait; changed under lock */
	unsigned sleepers;
};

/*
 * runtime_new -- creates a runtime
 */
struct runtime *
runtime_new(void)
{
	struct runtime *rt = core__malloc(sizeof(*rt));
	if (rt == NULL)
		return NULL;

	int ret = pthread_mutex_init(&rt->lock, NULL);
	if (ret != 0)
		goto err_free;

	pthread_condattr_t attr;
	ret = pthread_condattr_init(&attr);
	if (ret != 0)
		goto err_mutex;
	/* the clock does not matter (no timed waits), but be explicit */
	(void) pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = pthread_cond_init(&rt->cond, &attr);
	(void) pthread_condattr_destroy(&attr);
	if (ret != 0)
		goto err_mutex;

	core__atomic_init_u64(&rt->wakeups, 0);
	core__atomic_init_uint(&rt->sleepers, 0);
	return rt;

err_mutex:
	(void) pthread_mutex_destroy(&rt->lock);
err_free:
	core__free(rt);
	errno = ret;
	return NULL;
}

/*
 * runtime_delete -- frees a runtime
 */
void
runtime_delete(struct runtime *rt)
{
	if (rt == NULL)
		return;
	(void) pthread_cond_destroy(&rt->cond);
	(void) pthread_mutex_destroy(&rt->lock);
	core__free(rt);
}

/*
 * runtime_wake -- the waker every poll is given: wakes the sleepers
 */
static void
runtime_wake(void *arg)
{
	struct runtime *rt = arg;

	/*
	 * seq_cst bump, then seq_cst read of sleepers: pairs with the
	 * waiter's sleepers++ then read of wakeups in runtime_sleep().  The
	 * bump is also a release that the waiter's read of the counter
	 * acquires, so whatever the future published before waking (its
	 * completion) is visible to the next poll.
	 */
	core__add_seq_u64(&rt->wakeups, 1);
	if (core__load_seq_uint(&rt->sleepers) == 0)
		return;

	pthread_mutex_lock(&rt->lock);
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
}

/*
 * runtime_sleep -- waits until the wake-up counter moves away from seen:
 * watches it for a short while first (a wake-up that comes soon then costs
 * no trip through the kernel), then sleeps
 */
static void
runtime_sleep(struct runtime *rt, uint64_t seen)
{
	uint64_t until = core__now_ns() + RUNTIME_SPIN_NS;
	unsigned spins = 0;

	/* acquire: see runtime_wake; what the waker published is visible */
	while (core__load_acquire_ne_u64(&rt->wakeups, seen) == seen) {
		future__cpu_relax();
		if ((++spins & 63) == 0 && core__now_ns() > until)
			break;
	}

	pthread_mutex_lock(&rt->lock);
	/* seq_cst: ordered before the counter read below; see runtime_wake */
	core__add_seq_uint(&rt->sleepers, 1);
	while (core__load_seq_u64(&rt->wakeups) == seen)
		pthread_cond_wait(&rt->cond, &rt->lock);
	core__sub_seq_uint(&rt->sleepers, 1);
	pthread_mutex_unlock(&rt->lock);
}

/* what one poll pass learned */
struct runtime_pass {
	size_t pending;		/* futures still unfinished */
	size_t wakers;		/* ... of which wait on the waker */
	uint64_t *watch;	/* the word the last poller future watches */
};

/*
 * runtime_poll_one -- polls one future and folds what it asked for into what
 * the pass learned
 */
static void
runtime_poll_one(struct future *fut, struct future_notifier *notifier,
	struct runtime_pass *pass)
{
	if (fut->context.state == FUTURE_STATE_COMPLETE)
		return;
	/* future_poll() leaves the notifier alone: a task that takes none
	 * asks to be polled again */
	notifier->notifier_used = FUTURE_NOTIFIER_NONE;
	if (future_poll(fut, notifier) == FUTURE_STATE_COMPLETE)
		return;

	pass->pending++;
	if (notifier->notifier_used == FUTURE_NOTIFIER_WAKER)
		pass->wakers++;
	else if (notifier->notifier_used == FUTURE_NOTIFIER_POLLER)
		pass->watch = notifier->poller.ptr_to_monitor;
}

/* marks, in its context's padding, a future polled in a pass's first sweep */
#define RUNTIME_POLLED_FIRST 1U

/*
 * runtime_poll_pass -- polls every unfinished future once: first those that
 * report FUTURE_PROPERTY_ASYNC, whose polls start work that runs elsewhere
 * (worker threads, hardware), then the others, whose polls may do theirs
 * here and take a while.  A future's place is decided before the pass polls
 * it: the first sweep marks what it polled in the context's padding, and the
 * second skips and clears those marks, so a future whose property changes
 * when it is polled (a chain going on to its next step) is not polled twice.
 */
static void
runtime_poll_pass(struct future *futs[], size_t nfuts,
	struct future_notifier *notifier, struct runtime_pass *pass)
{
	/* one future has no other to go before */
	for (size_t i = 0; nfuts > 1 && i < nfuts; i++) {
		struct future *fut = futs[i];

		if (fut->context.state == FUTURE_STATE_COMPLETE ||
				!future_has_property(fut,
					FUTURE_PROPERTY_ASYNC))
			continue;
		runtime_poll_one(fut, notifier, pass);
		fut->context.padding = RUNTIME_POLLED_FIRST;
	}

	for (size_t i = 0; i < nfuts; i++) {
		struct future *fut = futs[i];

		if (fut->context.padding == RUNTIME_POLLED_FIRST)
			fut->context.padding = 0;
		else
			runtime_poll_one(fut, notifier, pass);
	}
}

/*
 * runtime_spin -- pauses between two poll passes that found nothing to
 * sleep on: a CPU hint at first, then, once the wait drags on, giving the
 * CPU away so that the thread that will make progress can run
 */
static void
runtime_spin(unsigned *spins)
{
	if (*spins < RUNTIME_SPINS_BEFORE_YIELD) {
		(*spins)++;
		future__cpu_relax();
	} else {
		(void) sched_yield();
	}
}

/*
 * runtime_wait_multiple -- polls the futures until all are complete, those
 * that report FUTURE_PROPERTY_ASYNC first in each pass.  After a pass in
 * which every unfinished future took the waker, sleeps until a waker runs;
 * when a single unfinished future watches a word, waits for the word
 * instead of polling; otherwise polls again.
 */
void
runtime_wait_multiple(struct runtime *rt, struct future *futs[], size_t nfuts)
{
	struct future_notifier notifier;
	unsigned spins = 0;

	notifier.waker.data = rt;
	notifier.waker.wake = runtime_wake;
	notifier.poller.ptr_to_monitor = NULL;
	notifier.notifier_used = FUTURE_NOTIFIER_NONE;
	notifier.padding = 0;

	for (;;) {
		/*
		 * Read before the pass: a wake-up that lands during the pass
		 * changes the counter, so the pass cannot sleep through it.
		 */
		uint64_t seen = core__load_seq_u64(&rt->wakeups);
		struct runtime_pass pass = {0, 0, NULL};

		runtime_poll_pass(futs, nfuts, &notifier, &pass);

		if (pass.pending == 0)
			return;

		if (pass.wakers == pass.pending) {
			spins = 0;
			runtime_sleep(rt, seen);
		} else if (pass.pending == 1 && pass.watch != NULL) {
			/* acquire: pairs with the release that sets the word */
			while (core__load_acquire_ne_u64(pass.watch, 0) == 0)
				runtime_spin(&spins);
		} else {
			runtime_spin(&spins);
		}
	}
}

/*
 * runtime_wait -- polls one future until it is complete
 */
void
runtime_wait(struct runtime *rt, struct future *fut)
{
	runtime_wait_multiple(rt, &fut, 1);
}
