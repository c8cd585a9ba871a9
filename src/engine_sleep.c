/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine_sleep.c -- the engine's workers wait for entries of its ring
 *
 * A worker that finds the ring empty spins for a short while if no other
 * worker spins, then sleeps on the condition variable, so a stream of
 * operations does not pay a wake-up per operation while an idle mover burns
 * no CPU.  It stops spinning at once while the backend asks for quiet (an
 * msync() of another thread runs, see vdm__threads_backend).
 *
 * Where a worker sleeps matters: the kernel wakes a thread on the CPU it
 * slept on or on its waker's, and looks further for an idle CPU only where
 * it sees them share a cache (on a virtual machine it often does not).  Two
 * workers asleep on one CPU then wake there together and take turns on it
 * while another CPU stays idle: a 64 MiB copy split between them takes as
 * long as on one worker.  So a worker about to sleep on a CPU where another
 * worker of the mover sleeps already moves to a CPU it may run on where
 * none does (sleep_spread): its affinity narrowed to that CPU, which moves
 * it at once, then given back as it was, so the kernel stays free to place
 * it anywhere when it wakes.  Only a hint is kept, the number of workers
 * asleep on each CPU (engine__sleep.parked); two workers deciding at once
 * may still meet, and the next sleep spreads them again.
 *
 * Lock order: engine__sleep.lock is the only lock; nothing but the
 * condition variable is used under it.
 */

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <libminiasync/future.h>

#include "core/atomics.h"
#include "core/clock.h"
#include "engine_sleep.h"

/* how long an idle worker spins before it sleeps */
#define SLEEP_SPIN_NS 50000

/*
 * engine__sleep_init -- no worker waits yet
 */
int
engine__sleep_init(struct engine__sleep *s, struct core__ring *ring,
	int (*quiet)(void *arg), void *quiet_arg)
{
	s->ring = ring;
	s->quiet = quiet;
	s->quiet_arg = quiet_arg;
	s->signaled = 0;
	core__atomic_init_uint(&s->waiters, 0);
	for (unsigned i = 0; i < ENGINE__SLEEP_CPUS; i++)
		core__atomic_init_uint(&s->parked[i], 0);
	/* the CPUs there are, as far as they are counted */
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	s->ncpus = cpus < 1 ? 1 : cpus > ENGINE__SLEEP_CPUS ?
		ENGINE__SLEEP_CPUS : (unsigned)cpus;

	int ret = pthread_mutex_init(&s->lock, NULL);
	if (ret != 0)
		return ret;
	ret = pthread_cond_init(&s->work, NULL);
	if (ret != 0) {
		(void) pthread_mutex_destroy(&s->lock);
		return ret;
	}
	return 0;
}

/*
 * engine__sleep_fini -- destroys the lock and the condition variable
 */
void
engine__sleep_fini(struct engine__sleep *s)
{
	(void) pthread_cond_destroy(&s->work);
	(void) pthread_mutex_destroy(&s->lock);
}

/*
 * engine__sleep_await -- spins until the ring has an entry, for at most ns
 * nanoseconds, and not while the backend asks for quiet
 */
void
engine__sleep_await(struct engine__sleep *s, uint64_t ns)
{
	uint64_t until = core__now_ns() + ns;
	unsigned spins = 0;

	while (!core__ring_ready(s->ring)) {
		future__cpu_relax();
		if ((++spins & 63) == 0) {
			if (core__now_ns() > until)
				break;
			if (s->quiet != NULL && s->quiet(s->quiet_arg))
				break;
			/*
			 * A thread that can run (a waiter the pool woke)
			 * gets this CPU rather than wait for the spin; not
			 * once a producer counts on the spinner (relaxed: a
			 * hint, the ring is looked at next).
			 */
			if ((core__load_relaxed_uint(&s->waiters) &
					ENGINE__SLEEP_TAKEN) == 0)
				(void) sched_yield();
		}
	}
}

/*
 * engine__sleep_wake -- after n entries were queued: wakes a sleeping
 * worker for each, as far as sleepers are left that were not signalled
 * already; if may_skip, a worker that spins watching the ring stands in for
 * one of them, unless another producer counts on it already (it will look
 * at the ring once more when it stops spinning)
 *
 * All n are signalled in one hold of the lock.  A worker woken on this
 * thread's CPU may take the CPU from it at once; before the last signal, it
 * finds the lock held and gives the CPU back, so the others are woken now
 * rather than once it has moved its piece (a 64 MiB copy on two workers
 * took twice as long whenever the first one woke here).
 *
 * Against lost wake-ups: after its push, the producer reads waiters with a
 * read-modify-write (adding 0, acq_rel); a worker changes waiters only with
 * read-modify-writes too, and looks at the ring after each: after it adds
 * itself to the sleepers (engine__sleep_idle), and after it stops spinning.
 * The producer's and the worker's read-modify-writes are ordered in the
 * word's modification order: if the producer's comes later it sees the
 * sleeper (or the spinner); if it comes first, the worker's reads from it
 * (through the release sequence of read-modify-writes), so the push happens
 * before the worker's next look, which sees the entry.  The signals are
 * sent under the lock, which the sleeper holds from that look until
 * pthread_cond_wait.
 */
void
engine__sleep_wake(struct engine__sleep *s, unsigned n, int may_skip)
{
	/* acq_rel: the read-modify-write after the push (see above) */
	unsigned w = core__add_acqrel_uint(&s->waiters, 0);

	if (n == 0 || (w & ENGINE__SLEEP_IDLE_MASK) == 0)
		return;
	/* acq_rel: as the read-modify-write above; on failure, wake */
	if (may_skip && (w & (ENGINE__SLEEP_SPINNER | ENGINE__SLEEP_TAKEN)) ==
			ENGINE__SLEEP_SPINNER &&
			core__cas_strong_acqrel_uint(&s->waiters, &w,
				w | ENGINE__SLEEP_TAKEN))
		n--;

	if (n == 0)
		return;
	pthread_mutex_lock(&s->lock);
	/* relaxed: sleepers change only under the lock */
	unsigned idle = core__load_relaxed_uint(&s->waiters) &
		ENGINE__SLEEP_IDLE_MASK;
	for (; n > 0 && idle > s->signaled; n--) {
		s->signaled++;
		pthread_cond_signal(&s->work);
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * sleep_move -- moves the calling worker, asleep soon, from CPU cpu to the
 * next CPU it may run on where no worker of the mover sleeps, if there is
 * one, and gives it back the affinity it had; the CPU it is on then
 */
static int
sleep_move(struct engine__sleep *s, int cpu)
{
	pthread_t self = pthread_self();
	cpu_set_t mask, one;

	if (pthread_getaffinity_np(self, sizeof(mask), &mask) != 0)
		return cpu;
	for (unsigned i = 1; i < s->ncpus; i++) {
		unsigned to = ((unsigned)cpu + i) % s->ncpus;

		/* relaxed: a hint */
		if (!CPU_ISSET(to, &mask) ||
				core__load_relaxed_uint(&s->parked[to]) != 0)
			continue;
		CPU_ZERO(&one);
		CPU_SET(to, &one);
		if (pthread_setaffinity_np(self, sizeof(one), &one) != 0)
			return cpu;
		/*
		 * The mask it had, which holds the CPU it is on now.  Should
		 * the kernel refuse it (its CPUs were taken from the thread's
		 * cpuset meanwhile), every CPU the cpuset allows, as the
		 * kernel itself gives a thread whose CPUs are all gone.
		 */
		if (pthread_setaffinity_np(self, sizeof(mask), &mask) != 0) {
			memset(&mask, 0xff, sizeof(mask));
			(void) pthread_setaffinity_np(self, sizeof(mask),
				&mask);
		}
		return sched_getcpu();
	}
	return cpu;
}

/*
 * sleep_spread -- a worker about to sleep: moves it first if another worker
 * of the mover sleeps on its CPU and no entry waits (see the top of the
 * file), and counts it asleep on the CPU it is on; that CPU, or -1 if it is
 * not counted
 */
static int
sleep_spread(struct engine__sleep *s)
{
	int cpu = sched_getcpu();

	if (cpu < 0 || (unsigned)cpu >= s->ncpus)
		return -1;
	/* relaxed: a hint; the ring is looked at again before the sleep */
	if (core__load_relaxed_uint(&s->parked[cpu]) != 0 &&
			!core__ring_ready(s->ring))
		cpu = sleep_move(s, cpu);
	if (cpu < 0 || (unsigned)cpu >= s->ncpus)
		return -1;
	/* relaxed: a hint, read by workers about to sleep */
	(void) core__add_relaxed_uint(&s->parked[cpu], 1);
	return cpu;
}

/*
 * engine__sleep_idle -- a worker found the ring empty: spin for a while if
 * no other worker spins (more spinners would take the CPUs the submitting
 * threads need), else, or then, sleep until signalled
 */
void
engine__sleep_idle(struct engine__sleep *s)
{
	/* relaxed: only a hint; the CAS below decides */
	unsigned w = core__load_relaxed_uint(&s->waiters);

	while ((w & ENGINE__SLEEP_SPINNER) == 0) {
		/* relaxed: the spinner looks at the ring after it stops */
		if (!core__cas_weak_relaxed_uint(&s->waiters, &w,
				w | ENGINE__SLEEP_SPINNER))
			continue;

		engine__sleep_await(s, SLEEP_SPIN_NS);
		/* acq_rel, before the look at the ring: producers that saw
		 * the spinner did not wake anyone (engine__sleep_wake) */
		(void) core__and_acqrel_uint(&s->waiters,
			~(ENGINE__SLEEP_SPINNER | ENGINE__SLEEP_TAKEN));
		if (core__ring_ready(s->ring))
			return;
		break;
	}

	int cpu = sleep_spread(s);

	pthread_mutex_lock(&s->lock);
	/* acq_rel, before the look at the ring: see engine__sleep_wake */
	(void) core__add_acqrel_uint(&s->waiters, 1);
	while (!core__ring_ready(s->ring)) {
		pthread_cond_wait(&s->work, &s->lock);
		/* every wake-up uses up a signal, if one is owed */
		if (s->signaled > 0)
			s->signaled--;
	}
	/* relaxed: leaving orders nothing; a producer decides to signal
	 * under the lock, which orders this with its look */
	(void) core__sub_relaxed_uint(&s->waiters, 1);
	pthread_mutex_unlock(&s->lock);

	/* relaxed: a hint, as in sleep_spread */
	if (cpu >= 0)
		(void) core__sub_relaxed_uint(&s->parked[cpu], 1);
}
