/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_threads_stress.c -- several threads submit operations of random
 * kind, size and alignment to one thread-pool mover, each on buffers of its
 * own, and check every byte against a reference buffer that receives the
 * same operations through libc.
 *
 * A submitter works in batches of one to eight operations on disjoint
 * lanes of its buffer.  Each future of a batch is, at random: waited for by
 * the submitter with its runtime (alone, or with the others of the batch),
 * busy-polled by it, or handed over -- copied, so the future also moves --
 * to the submitter's finisher thread, which waits for it with a runtime of
 * its own; before the hand-over the submitter may poll it once, with no
 * notifier or with a waker of its own.
 *
 * MINIASYNC_STRESS_OPS sets the operations per submitter and test (default
 * 15000, a fiftieth of that under valgrind); MINIASYNC_STRESS_SEED the seed
 * (printed, for a rerun).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <libminiasync.h>

#include "test_checkers.h"
#include "test_future_helpers.h"
#include "test_kinds.h"

#define SUBMITTERS 3
#define BATCH_MAX 8
/* the part of a submitter's buffer its operations write */
#define DST_SIZE (4 * MIB)
/* the source of its copies */
#define SRC_SIZE (2 * MIB + 64)
/* bytes no operation may touch before and after DST_SIZE */
#define GUARD 128
/* a full comparison of the buffer every this many batches */
#define FULL_CHECK_EVERY 64

#define DEFAULT_OPS 15000UL

/* who completes a future */
enum way {
	W_BATCH,	/* the submitter, all its batch futures at once */
	W_ALONE,	/* the submitter, runtime_wait() at once */
	W_BUSY,		/* the submitter, FUTURE_BUSY_POLL at once */
	W_HAND,		/* the finisher, unpolled */
	W_HAND_POLLED,	/* the finisher, polled once without a notifier */
	W_HAND_WAKER,	/* the finisher, polled once with a waker */
	W_COUNT
};

/* one operation of a batch: a copy or a move from the source buffer, or
 * (K_MEMMOVE_UP, K_MEMMOVE_DOWN) within its lane */
struct op {
	enum test_kind kind;
	enum way way;
	unsigned char *dest;
	size_t n;
	size_t lo, hi;		/* the offsets of dst it may change */
	union test_future fut;	/* the submitter's copy */
};

/* a future on its way to the finisher, and back */
struct item {
	union test_future fut;
	unsigned idx;
};

/* one submitting thread, its buffers, and its finisher */
struct submitter {
	struct vdm *vdm;
	unsigned long ops;
	uint64_t rng;

	unsigned char *dst;	/* GUARD + DST_SIZE + GUARD */
	unsigned char *ref;
	unsigned char *src;

	struct runtime *rt;

	/* the queue to the finisher and the results it hands back */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item queue[BATCH_MAX];
	unsigned queued;
	unsigned done;
	int stop;
	struct item results[BATCH_MAX];
	pthread_t finisher;

	/* the waker of W_HAND_WAKER first polls: calls, and first polls
	 * that took it */
	atomic_ulong wakes;
	unsigned long wakers_taken;

	/* what went wrong, for the main thread to report */
	char error[256];
	unsigned long stats[W_COUNT];
};

static uint64_t base_seed;

/*
 * rnd -- the next number of a submitter's xorshift generator
 */
static uint64_t
rnd(struct submitter *s)
{
	uint64_t x = s->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	s->rng = x;
	return x;
}

/*
 * rnd_below -- a number in [0, n), n > 0
 */
static size_t
rnd_below(struct submitter *s, size_t n)
{
	return (size_t)(rnd(s) % n);
}

/*
 * count_wake -- the waker of W_HAND_WAKER first polls: counts
 */
static void
count_wake(void *arg)
{
	struct submitter *s = arg;

	TEST_HAPPENS_BEFORE(&s->wakes);
	atomic_fetch_add(&s->wakes, 1);
}

/*
 * finisher_main -- waits for what the submitter hands over, with a runtime
 * of its own, and hands the completed futures back
 */
static void *
finisher_main(void *arg)
{
	struct submitter *s = arg;
	struct runtime *rt = runtime_new();
	struct item items[BATCH_MAX];
	struct future *runnable[BATCH_MAX];

	if (rt == NULL) {
		fprintf(stderr, "finisher: runtime_new: %s\n",
			strerror(errno));
		abort();
	}

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->queued == 0 && !s->stop)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->queued == 0)
			break;
		unsigned n = s->queued;
		/* the futures move, once more, into the finisher's array */
		memcpy(items, s->queue, n * sizeof(items[0]));
		s->queued = 0;
		pthread_mutex_unlock(&s->lock);

		for (unsigned i = 0; i < n; i++)
			runnable[i] = FUTURE_AS_RUNNABLE(&items[i].fut.op);
		if (n > 1 && (items[0].idx & 1))
			runtime_wait_multiple(rt, runnable, n);
		else
			for (unsigned i = 0; i < n; i++)
				runtime_wait(rt, runnable[i]);

		pthread_mutex_lock(&s->lock);
		for (unsigned i = 0; i < n; i++)
			s->results[items[i].idx] = items[i];
		s->done += n;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	runtime_delete(rt);
	return NULL;
}

/*
 * op_make -- picks an operation for a lane [lane, lane + lane_size) of dst,
 * applies it to ref, and makes its future
 */
static void
op_make(struct submitter *s, struct op *o, size_t lane, size_t lane_size)
{
	size_t r = rnd_below(s, 100);
	size_t max = lane_size - 64;
	size_t n;

	/* mostly small, often up to 64 KiB, sometimes up to 2 MiB */
	if (r < 50)
		n = rnd_below(s, 1025);
	else if (r < 96)
		n = rnd_below(s, 64 * KIB + 1);
	else
		n = rnd_below(s, 2 * MIB + 1);
	o->kind = (enum test_kind)rnd_below(s, K_COUNT);
	size_t shift = 0;
	if (o->kind == K_MEMMOVE_UP || o->kind == K_MEMMOVE_DOWN)
		shift = 1 + rnd_below(s, n / 2 + 1);
	if (n + shift > max) {
		n = max / 2;
		shift = shift > n ? n : shift;
	}

	size_t off = lane + rnd_below(s, lane_size - n - shift);
	unsigned char *d = s->dst + GUARD + off;
	unsigned char *rf = s->ref + GUARD + off;
	unsigned char *from = s->src + rnd_below(s, SRC_SIZE - n);
	int c = (int)rnd_below(s, 256);

	o->n = n;
	o->lo = off;
	o->hi = off + n + shift;
	o->dest = test_kind_make(&o->fut, o->kind, s->vdm, d, rf, from, shift,
		c, n, 0);
}

/*
 * stress_fail -- records the first thing that went wrong; returns -1
 */
__attribute__((format(printf, 2, 3)))
static int
stress_fail(struct submitter *s, const char *fmt, ...)
{
	if (s->error[0] != '\0')
		return -1;
	va_list ap;
	va_start(ap, fmt);
	(void) vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * op_verify -- a completed operation's output, and its bytes (with some
 * around them); returns 0 or -1
 */
static int
op_verify(struct submitter *s, const struct op *o,
	const union test_future *fut, unsigned long opno)
{
	const struct vdm_operation_output *out = FUTURE_OUTPUT(&fut->op);
	enum vdm_operation_type type = test_kind_type(o->kind);

	if (FUTURE_STATE(&fut->op) != FUTURE_STATE_COMPLETE)
		return stress_fail(s, "op %lu not complete", opno);

	/* a flush has no pointer to report */
	enum vdm_operation_result result = out->result;
	void *ptr = type == OP_FLUSH ? o->dest : out->dest;
	enum vdm_operation_result expected = o->n != 0 ?
		test_ok_result(type) : VDM_SUCCESS;
	if (result != expected || ptr != o->dest)
		return stress_fail(s, "op %lu (%s, %zu bytes): result %d, "
			"pointer %p, expected %d and %p", opno,
			test_kind_name(o->kind), o->n, (int)result, ptr,
			(int)expected, (void *)o->dest);

	size_t lo = o->lo + GUARD - GUARD / 2;
	size_t hi = o->hi + GUARD + GUARD / 2;
	size_t i = lo + test_first_diff(s->dst + lo, s->ref + lo, hi - lo);
	if (i != hi)
		return stress_fail(s, "op %lu (%s, %zu bytes at offset %zu): "
			"byte at offset %zd is 0x%02x, expected 0x%02x", opno,
			test_kind_name(o->kind), o->n, o->lo,
			(ssize_t)i - GUARD, s->dst[i], s->ref[i]);
	return 0;
}

/*
 * full_check -- the whole buffer, guards included
 */
static int
full_check(struct submitter *s, unsigned long opno)
{
	size_t size = DST_SIZE + 2 * GUARD;
	size_t i = test_first_diff(s->dst, s->ref, size);

	if (i == size)
		return 0;
	return stress_fail(s, "after op %lu: byte at offset %zd is 0x%02x, "
		"expected 0x%02x", opno, (ssize_t)i - GUARD, s->dst[i],
		s->ref[i]);
}

/*
 * submitter_main -- batches of operations until the quota is done or
 * something went wrong
 */
static void *
submitter_main(void *arg)
{
	struct submitter *s = arg;
	struct op ops[BATCH_MAX];
	struct future *batch[BATCH_MAX];
	unsigned long opno = 0;
	unsigned long batches = 0;

	while (opno < s->ops) {
		unsigned k = 1 + (unsigned)rnd_below(s, BATCH_MAX);
		size_t lane_size = DST_SIZE / k;
		unsigned nbatch = 0;
		unsigned handed = 0;

		for (unsigned i = 0; i < k; i++) {
			struct op *o = &ops[i];
			op_make(s, o, i * lane_size, lane_size);
			o->way = (enum way)rnd_below(s, W_COUNT);
			s->stats[o->way]++;

			struct future *f = FUTURE_AS_RUNNABLE(&o->fut.op);
			struct future_notifier n;
			switch (o->way) {
			case W_BATCH:
				batch[nbatch++] = f;
				continue;
			case W_ALONE:
				runtime_wait(s->rt, f);
				continue;
			case W_BUSY:
				FUTURE_BUSY_POLL(&o->fut.op);
				continue;
			case W_HAND_POLLED:
				(void) future_poll(f, NULL);
				break;
			case W_HAND_WAKER:
				memset(&n, 0, sizeof(n));
				n.waker.data = s;
				n.waker.wake = count_wake;
				(void) future_poll(f, &n);
				if (n.notifier_used == FUTURE_NOTIFIER_WAKER)
					s->wakers_taken++;
				break;
			case W_HAND:
			case W_COUNT:
				break;
			}

			pthread_mutex_lock(&s->lock);
			s->queue[s->queued].fut = o->fut;
			s->queue[s->queued].idx = i;
			s->queued++;
			handed++;
			pthread_cond_signal(&s->cond);
			pthread_mutex_unlock(&s->lock);
		}

		if (nbatch > 0)
			runtime_wait_multiple(s->rt, batch, nbatch);

		pthread_mutex_lock(&s->lock);
		while (s->done < handed)
			pthread_cond_wait(&s->cond, &s->lock);
		s->done = 0;
		for (unsigned i = 0; i < k; i++) {
			if (ops[i].way >= W_HAND)
				ops[i].fut = s->results[i].fut;
		}
		pthread_mutex_unlock(&s->lock);

		for (unsigned i = 0; i < k; i++) {
			if (op_verify(s, &ops[i], &ops[i].fut, opno + i))
				return NULL;
		}
		opno += k;
		if (++batches % FULL_CHECK_EVERY == 0 && full_check(s, opno))
			return NULL;
	}
	(void) full_check(s, opno);
	return NULL;
}

/*
 * env_ulong -- an unsigned number from the environment, or def
 */
static unsigned long
env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		return def;
	return strtoul(v, NULL, 0);
}

/*
 * run -- SUBMITTERS submitters on one mover made as config and notifier say
 */
static void
run(const struct vdm_threads_config *config,
	enum future_notifier_type notifier)
{
	unsigned long def = TEST_UNDER_VALGRIND() ? DEFAULT_OPS / 50 :
		DEFAULT_OPS;
	unsigned long nops = env_ulong("MINIASYNC_STRESS_OPS", def);
	struct vdm *vdm = vdm_threads_new(config, notifier);
	assert_non_null(vdm);

	struct submitter *subs = calloc(SUBMITTERS, sizeof(*subs));
	pthread_t threads[SUBMITTERS];
	assert_non_null(subs);

	fprintf(stderr, "%u submitters x %lu operations, %u workers, depth "
		"%u, %s, seed %" PRIu64 "\n", SUBMITTERS, nops,
		config->nthreads, config->queue_depth,
		notifier == FUTURE_NOTIFIER_WAKER ? "waker" : "poller",
		base_seed);

	for (unsigned i = 0; i < SUBMITTERS; i++) {
		struct submitter *s = &subs[i];
		s->vdm = vdm;
		s->ops = nops;
		s->rng = (base_seed + i + 1) * 0x9e3779b97f4a7c15ULL | 1;
		s->dst = malloc(DST_SIZE + 2 * GUARD);
		s->ref = malloc(DST_SIZE + 2 * GUARD);
		s->src = malloc(SRC_SIZE);
		s->rt = runtime_new();
		assert_non_null(s->dst);
		assert_non_null(s->ref);
		assert_non_null(s->src);
		assert_non_null(s->rt);
		test_fill(s->dst, DST_SIZE + 2 * GUARD, base_seed + 100 + i);
		memcpy(s->ref, s->dst, DST_SIZE + 2 * GUARD);
		test_fill(s->src, SRC_SIZE, base_seed + 200 + i);
		atomic_init(&s->wakes, 0);
		assert_int_equal(pthread_mutex_init(&s->lock, NULL), 0);
		assert_int_equal(pthread_cond_init(&s->cond, NULL), 0);
		assert_int_equal(pthread_create(&s->finisher, NULL,
			finisher_main, s), 0);
	}
	for (unsigned i = 0; i < SUBMITTERS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL,
			submitter_main, &subs[i]), 0);

	for (unsigned i = 0; i < SUBMITTERS; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);

	int failed = 0;
	for (unsigned i = 0; i < SUBMITTERS; i++) {
		struct submitter *s = &subs[i];

		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		assert_int_equal(pthread_join(s->finisher, NULL), 0);

		if (s->error[0] != '\0') {
			fprintf(stderr, "submitter %u: %s\n", i, s->error);
			failed = 1;
		}
		fprintf(stderr, "submitter %u: batch %lu, alone %lu, busy "
			"%lu, handed %lu/%lu/%lu, wakes %lu\n", i,
			s->stats[W_BATCH], s->stats[W_ALONE],
			s->stats[W_BUSY], s->stats[W_HAND],
			s->stats[W_HAND_POLLED], s->stats[W_HAND_WAKER],
			atomic_load(&s->wakes));

		(void) pthread_cond_destroy(&s->cond);
		(void) pthread_mutex_destroy(&s->lock);
		runtime_delete(s->rt);
		free(s->dst);
		free(s->ref);
		free(s->src);
	}
	vdm_delete(vdm);

	/* every waker a first poll took was called exactly once */
	for (unsigned i = 0; i < SUBMITTERS && !failed; i++) {
		if (notifier == FUTURE_NOTIFIER_POLLER)
			assert_int_equal(subs[i].wakers_taken, 0);
		assert_int_equal(atomic_load(&subs[i].wakes),
			subs[i].wakers_taken);
	}
	free(subs);
	assert_false(failed);
}

/*
 * test_waker_default -- the waker pool as vdm_descriptor_threads() makes it
 */
static void
test_waker_default(void **state)
{
	(void) state;
	struct vdm_threads_config config = { 0, 0, 0 };
	run(&config, FUTURE_NOTIFIER_WAKER);
}

/*
 * test_polled_small -- the poller pool with four workers and eight slots:
 * slots are reused at once, and some operations find none free
 */
static void
test_polled_small(void **state)
{
	(void) state;
	struct vdm_threads_config config = { 4, 8, 1 };
	run(&config, FUTURE_NOTIFIER_POLLER);
}

/*
 * test_waker_tiny -- the waker pool with three workers and two slots:
 * most operations run on the polling thread
 */
static void
test_waker_tiny(void **state)
{
	(void) state;
	struct vdm_threads_config config = { 3, 2, 1 };
	run(&config, FUTURE_NOTIFIER_WAKER);
}

/*
 * main -- the stress runs
 */
int
main(void)
{
	base_seed = env_ulong("MINIASYNC_STRESS_SEED",
		(unsigned long)time(NULL));

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waker_default),
		cmocka_unit_test(test_polled_small),
		cmocka_unit_test(test_waker_tiny),
	};

	return cmocka_run_group_tests_name("vdm_threads stress", tests,
		NULL, NULL);
}
