/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_engine_sleep.c -- how the engine's workers sleep and are woken
 * (src/engine_sleep.h), on threads that play the workers
 *
 * Waking: entries pushed for n sleepers and engine__sleep_wake() told n
 * wake exactly n of them, each of which pops an entry; told fewer, the
 * rest sleep on (the control that shows the count is honoured).
 *
 * Where they sleep: a worker about to sleep on a CPU where another worker
 * sleeps already moves to a CPU it may run on where none does (the counts
 * of the sleepers per CPU and the kernel's /proc/self/task/TID/stat both
 * say so), and gets back the affinity it had; one that may run only there
 * stays (the control: the same checks then see both on one CPU).  This
 * needs two CPUs the test may run on; with fewer, the placement case says
 * so and skips.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/atomics.h"
#include "core/ring.h"
#include "engine_sleep.h"

#define SLEEPERS 3

/* how long a check waits for the sleepers to get somewhere */
#define PATIENCE_NS (10ULL * 1000 * 1000 * 1000)
/* how long the control waits for a sleeper that must not wake */
#define CALM_NS (200ULL * 1000 * 1000)

struct rig {
	struct core__ring ring;
	struct engine__sleep sleep;
};

/* one thread playing a worker: sleeps until it pops an entry */
struct sleeper {
	struct rig *rig;
	pthread_t thread;
	cpu_set_t pin;		/* the affinity it sleeps with */
	cpu_set_t first;	/* ... and the one it starts on, if first_set */
	int first_set;
	pid_t tid;		/* set before it first sleeps (atomic) */
	cpu_set_t had;		/* its affinity once woken */
	unsigned done;		/* 1 once it popped an entry (atomic) */
	uint64_t entry;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
rig_init(struct rig *r)
{
	assert_int_equal(core__ring_init(&r->ring, 16), 0);
	assert_int_equal(engine__sleep_init(&r->sleep, &r->ring, NULL, NULL),
		0);
}

static void
rig_fini(struct rig *r)
{
	engine__sleep_fini(&r->sleep);
	core__ring_fini(&r->ring);
}

/*
 * affinity -- sets (set) or gets the calling thread's affinity; aborts on
 * failure (cmocka's checks belong to the main thread)
 */
static void
affinity(cpu_set_t *mask, int set)
{
	pthread_t self = pthread_self();
	int ret = set ? pthread_setaffinity_np(self, sizeof(*mask), mask) :
		pthread_getaffinity_np(self, sizeof(*mask), mask);

	if (ret != 0) {
		fprintf(stderr, "pthread_%saffinity_np: %s\n",
			set ? "set" : "get", strerror(ret));
		abort();
	}
}

/*
 * sleeper_main -- sleeps until an entry can be popped, as a worker does
 */
static void *
sleeper_main(void *arg)
{
	struct sleeper *sl = arg;

	/* on that CPU now, then free to go where pin allows */
	if (sl->first_set)
		affinity(&sl->first, 1);
	affinity(&sl->pin, 1);
	/* relaxed: read once the sleeper is counted asleep (asleep()) */
	core__store_relaxed_int(&sl->tid, gettid());
	for (;;) {
		engine__sleep_idle(&sl->rig->sleep);
		if (core__ring_pop(&sl->rig->ring, &sl->entry) == 0)
			break;
	}
	affinity(&sl->had, 0);
	/* release: the fields above, for the main thread's acquire */
	core__store_release_uint(&sl->done, 1);
	return NULL;
}

static void
sleeper_start(struct sleeper *sl, struct rig *r, const cpu_set_t *pin)
{
	sl->rig = r;
	sl->pin = *pin;
	core__atomic_init_uint(&sl->done, 0);
	core__atomic_init_int(&sl->tid, 0);
	assert_int_equal(pthread_create(&sl->thread, NULL, sleeper_main, sl),
		0);
}

/*
 * asleep -- the sleepers counted asleep (or about to be), once no one
 * spins: the number waited for, within PATIENCE_NS
 */
static unsigned
asleep(struct rig *r, unsigned want)
{
	uint64_t until = now_ns() + PATIENCE_NS;
	unsigned w;

	do {
		/* acquire: pairs with the release of the sleeper's count in
		 * waiters, which comes after what it set before (its count
		 * in parked, its tid) */
		w = core__load_acquire_uint(&r->sleep.waiters);
		if ((w & ENGINE__SLEEP_IDLE_MASK) == want &&
				(w & ENGINE__SLEEP_SPINNER) == 0)
			return want;
		(void) sched_yield();
	} while (now_ns() < until);
	return w & ENGINE__SLEEP_IDLE_MASK;
}

/*
 * woken -- how many of the sleepers popped an entry, once want did or
 * wait_ns passed
 */
static unsigned
woken(struct sleeper *sl, unsigned n, unsigned want, uint64_t wait_ns)
{
	uint64_t until = now_ns() + wait_ns;
	unsigned got;

	do {
		got = 0;
		/* acquire: pairs with the sleeper's release */
		for (unsigned i = 0; i < n; i++)
			got += core__load_acquire_uint(&sl[i].done);
		if (got == want)
			break;
		(void) sched_yield();
	} while (now_ns() < until);
	return got;
}

/*
 * push -- pushes n entries, numbered on from first; the next number
 */
static uint64_t
push(struct rig *r, unsigned n, uint64_t first)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(core__ring_push(&r->ring, first + i), 0);
	return first + n;
}

/*
 * test_wake_n -- entries for every sleeper and one call telling their
 * number wake them all; a call telling one fewer leaves one asleep
 */
static void
test_wake_n(void **state)
{
	(void) state;
	struct rig r;
	struct sleeper sl[SLEEPERS];
	cpu_set_t any;

	memset(sl, 0, sizeof(sl));
	rig_init(&r);
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(any),
		&any), 0);
	for (unsigned i = 0; i < SLEEPERS; i++)
		sleeper_start(&sl[i], &r, &any);
	assert_int_equal(asleep(&r, SLEEPERS), SLEEPERS);

	/* the control: told one fewer, one sleeper sleeps on */
	uint64_t next = push(&r, SLEEPERS - 1, 100);
	engine__sleep_wake(&r.sleep, SLEEPERS - 2, 0);
	assert_int_equal(woken(sl, SLEEPERS, SLEEPERS - 2, PATIENCE_NS),
		SLEEPERS - 2);
	assert_int_equal(woken(sl, SLEEPERS, SLEEPERS - 1, CALM_NS),
		SLEEPERS - 2);

	/* the last entry, then one call for all that are left */
	(void) push(&r, 1, next);
	engine__sleep_wake(&r.sleep, 2, 0);
	assert_int_equal(woken(sl, SLEEPERS, SLEEPERS, PATIENCE_NS),
		SLEEPERS);

	uint64_t seen = 0;
	for (unsigned i = 0; i < SLEEPERS; i++) {
		assert_int_equal(pthread_join(sl[i].thread, NULL), 0);
		assert_in_range(sl[i].entry, 100, 100 + SLEEPERS - 1);
		seen |= 1ULL << (sl[i].entry - 100);
	}
	/* every entry popped once */
	assert_int_equal(seen, (1ULL << SLEEPERS) - 1);
	rig_fini(&r);
}

/*
 * two_cpus -- two CPUs this thread may run on, in a and b; 0 if it has
 * fewer
 */
static int
two_cpus(unsigned *a, unsigned *b)
{
	cpu_set_t mine;
	int n = 0;

	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(mine),
		&mine), 0);
	for (unsigned c = 0; c < ENGINE__SLEEP_CPUS && n < 2; c++) {
		if (!CPU_ISSET(c, &mine))
			continue;
		if (n++ == 0)
			*a = c;
		else
			*b = c;
	}
	return n == 2;
}

/*
 * sleeping_on -- the CPU a thread of this process last ran on, asleep
 * there (field 39 of /proc/self/task/TID/stat); -1 if it cannot be read
 */
static int
sleeping_on(pid_t tid)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';

	/* the fields after the command, which may hold anything, in () */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	int cpu = -1;
	/* state is field 3; processor is field 39 */
	for (int field = 3; field <= 39 && p != NULL; field++) {
		p = strchr(p + 1, ' ');
		if (p != NULL && field == 39)
			cpu = atoi(p + 1);
	}
	return cpu;
}

/*
 * spread_case -- one sleeper pinned to CPU a asleep there, then a second
 * that starts on a and sleeps with the affinity second_pin: the number of
 * sleepers counted on a and on b, the CPU the second sleeps on, and its
 * affinity once woken
 */
static void
spread_case(unsigned a, unsigned b, const cpu_set_t *second_pin, unsigned *on_a,
	unsigned *on_b, int *second_on, cpu_set_t *second_had)
{
	struct rig r;
	struct sleeper sl[2];
	cpu_set_t only_a;

	memset(sl, 0, sizeof(sl));
	CPU_ZERO(&only_a);
	CPU_SET(a, &only_a);
	rig_init(&r);

	sleeper_start(&sl[0], &r, &only_a);
	assert_int_equal(asleep(&r, 1), 1);
	sl[1].first = only_a;
	sl[1].first_set = 1;
	sleeper_start(&sl[1], &r, second_pin);
	assert_int_equal(asleep(&r, 2), 2);

	/* counted before the sleeper counts itself in waiters (relaxed:
	 * ordered by asleep()'s acquire) */
	*on_a = core__load_relaxed_uint(&r.sleep.parked[a]);
	*on_b = core__load_relaxed_uint(&r.sleep.parked[b]);
	*second_on = sleeping_on(core__load_relaxed_int(&sl[1].tid));

	(void) push(&r, 2, 100);
	engine__sleep_wake(&r.sleep, 2, 0);
	assert_int_equal(woken(sl, 2, 2, PATIENCE_NS), 2);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(sl[i].thread, NULL), 0);
	*second_had = sl[1].had;

	/* awake, none is counted anywhere */
	for (unsigned c = 0; c < ENGINE__SLEEP_CPUS; c++)
		assert_int_equal(core__load_relaxed_uint(&r.sleep.parked[c]),
			0);
	rig_fini(&r);
}

/*
 * test_spread -- a worker about to sleep where another sleeps moves to a
 * free CPU and keeps its affinity; one that may not move stays
 */
static void
test_spread(void **state)
{
	(void) state;
	unsigned a = 0, b = 0;

	if (!two_cpus(&a, &b)) {
		print_message("SKIP: this test may run on one CPU only: no "
			"other CPU to sleep on\n");
		skip();
	}

	cpu_set_t both;
	CPU_ZERO(&both);
	CPU_SET(a, &both);
	CPU_SET(b, &both);

	unsigned on_a, on_b;
	int on;
	cpu_set_t had;

	/* free to move: asleep on a and on b, its affinity given back */
	spread_case(a, b, &both, &on_a, &on_b, &on, &had);
	assert_int_equal(on_a, 1);
	assert_int_equal(on_b, 1);
	assert_int_equal(on, b);
	assert_true(CPU_EQUAL(&had, &both));

	/*
	 * The control: bound to a, the second cannot move, and the same
	 * checks see both on a, as they would see two sleepers left where
	 * they were.
	 */
	cpu_set_t only_a;
	CPU_ZERO(&only_a);
	CPU_SET(a, &only_a);
	spread_case(a, b, &only_a, &on_a, &on_b, &on, &had);
	assert_int_equal(on_a, 2);
	assert_int_equal(on_b, 0);
	assert_int_equal(on, a);
	assert_true(CPU_EQUAL(&had, &only_a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_n),
		cmocka_unit_test(test_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
