/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_threads.c -- the thread-pool mover: every kind of operation at
 * every size class on both notifier variants and several pool shapes, with
 * every byte and the guard bytes around it checked; the notifier each
 * variant hands back; futures moved, or finished on another thread, between
 * polls; more futures than slots; vdm_delete() with operations in flight;
 * bad configurations; pools made and deleted over and over (vdm_delete()
 * must always return); and workers that burn no CPU while idle.
 *
 * MINIASYNC_TEST_QUICK=1 (for helgrind and drd, which are slow) leaves out
 * the operations larger than 2 MiB.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libminiasync.h>

#include "test_checkers.h"
#include "test_future_helpers.h"
#include "test_helpers.h"
#include "test_kinds.h"

/* sanitizers make thread creation slow: fewer pools in test_delete_churn */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
#ifndef TEST_SANITIZED
#define TEST_SANITIZED 0
#endif

/* bytes before and after every destination that no operation may touch */
#define GUARD 96

/* operations this long call the waker early too (vdm_descriptor_threads) */
#define EARLY_MIN (4 * MIB)

/* the sizes every kind of operation runs at */
static const size_t op_sizes[] = {
	0, 1, 64, 4 * KIB, MIB + 13, 8 * MIB,
};

/* MINIASYNC_TEST_QUICK (for helgrind and drd): no size above this */
static size_t max_size = SIZE_MAX;

/* how a test gets its mover */
struct mover_cfg {
	const char *name;
	/* 0: vdm_new() of the descriptor itself, 1: of a copy with the
	 * config as init_arg, 2: vdm_threads_new() */
	int how;
	int polled;
	struct vdm_threads_config config;
};

static struct mover_cfg cfg_desc_waker = {
	"vdm_descriptor_threads()", 0, 0, {0, 0, 0} };
static struct mover_cfg cfg_desc_polled = {
	"vdm_descriptor_threads_polled()", 0, 1, {0, 0, 0} };
static struct mover_cfg cfg_1t_q1_waker = {
	"1 thread, depth 1, waker, all offloaded", 2, 0, {1, 1, 1} };
static struct mover_cfg cfg_2t_q2_polled = {
	"2 threads, depth 2, poller, all offloaded", 2, 1, {2, 2, 1} };
static struct mover_cfg cfg_2t_q1024_waker = {
	"2 threads, depth 1024, waker (descriptor copy)", 1, 0,
	{2, 1024, 0} };
static struct mover_cfg cfg_1t_q1024_polled = {
	"1 thread, depth 1024, poller (descriptor copy), all offloaded", 1, 1,
	{1, 1024, 1} };
static struct mover_cfg cfg_3t_q1_polled = {
	"3 threads, depth 1, poller, offload from 64 KiB + 1", 2, 1,
	{3, 1, 64 * KIB + 1} };
static struct mover_cfg cfg_4t_q2_waker = {
	"4 threads, depth 2, waker, all offloaded", 2, 0, {4, 2, 1} };

/* what each test gets as its state */
struct fixture {
	const struct mover_cfg *cfg;
	struct test_mover m;
};

/*
 * mover_new -- makes the mover a configuration describes
 */
static struct vdm *
mover_new(const struct mover_cfg *cfg)
{
	struct vdm_descriptor desc;

	switch (cfg->how) {
	case 0:
		return vdm_new(cfg->polled ? vdm_descriptor_threads_polled() :
			vdm_descriptor_threads());
	case 1:
		desc = cfg->polled ? *vdm_descriptor_threads_polled() :
			*vdm_descriptor_threads();
		desc.init_arg = (void *)(uintptr_t)&cfg->config;
		return vdm_new(&desc);
	default:
		return vdm_threads_new(&cfg->config, cfg->polled ?
			FUTURE_NOTIFIER_POLLER : FUTURE_NOTIFIER_WAKER);
	}
}

/*
 * setup -- makes the mover of the test's configuration and a runtime
 */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->cfg = *state;
	if (test_mover_init(&f->m, mover_new(f->cfg), f->cfg->name) != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/*
 * teardown -- undoes setup()
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_mover_fini(&f->m);
	free(f);
	return 0;
}

/*
 * One operation, with its buffers: dst holds GUARD + span + GUARD bytes
 * (span covers an overlapping memmove's source too), ref what dst must hold
 * once the operation is done.
 */
struct job {
	enum test_kind kind;
	size_t n;
	size_t shift;		/* of an overlapping memmove */
	unsigned char *dst;
	unsigned char *ref;
	unsigned char *src;	/* memcpy and memmove: the other buffer */
	size_t size;		/* of dst and ref */
	unsigned seed;		/* dst was filled with it */
	unsigned char *dest;	/* where the operation writes */
	uint64_t flags;
	union test_future fut;
};

/*
 * job_prepare -- allocates and fills the buffers of a job, computes what
 * dst must hold afterwards and makes the future (not polled yet)
 */
static void
job_prepare(struct job *j, struct vdm *vdm, enum test_kind kind, size_t n,
	unsigned seed, uint64_t flags)
{
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->n = n;
	j->seed = seed;
	j->flags = flags;
	j->shift = kind == K_MEMMOVE_UP || kind == K_MEMMOVE_DOWN ?
		n / 3 + 1 : 0;
	/* an odd offset: the operations are not cache-line aligned */
	size_t off = GUARD + 3;
	j->size = off + n + j->shift + GUARD;
	j->dst = test_xalloc(j->size);
	j->ref = test_xalloc(j->size);
	test_fill(j->dst, j->size, seed);
	memcpy(j->ref, j->dst, j->size);
	if (kind == K_MEMCPY || kind == K_MEMMOVE) {
		j->src = test_xalloc(n + 16);
		test_fill(j->src, n + 16, seed + 1000U);
	}

	j->dest = test_kind_make(&j->fut, kind, vdm, j->dst + off,
		j->ref + off, j->src != NULL ? j->src + 5 : NULL, j->shift,
		(int)(0x40U + (seed & 0x3fU)), n, flags);
}

/*
 * job_future -- the runnable future of a job
 */
static struct future *
job_future(struct job *j)
{
	return FUTURE_AS_RUNNABLE(&j->fut.op);
}

/*
 * job_check -- a completed job (its future is fut, wherever it is now) must
 * have the expected output and have written exactly what ref says
 */
static void
job_check(struct job *j, union test_future *fut)
{
	char what[128];

	(void) snprintf(what, sizeof(what), "%s of %zu bytes",
		test_kind_name(j->kind), j->n);

	assert_int_equal(FUTURE_STATE(&fut->op), FUTURE_STATE_COMPLETE);
	enum vdm_operation_result result = FUTURE_OUTPUT(&fut->op)->result;
	enum vdm_operation_result expected = VDM_SUCCESS;
	if (j->flags & VDM_F_MEM_DURABLE)
		expected = VDM_ERROR_NOT_SUPPORTED;
	else if (j->n > 0)
		expected = test_ok_result(test_kind_type(j->kind));
	if (result != expected)
		fail_msg("%s: result %d, expected %d", what, (int)result,
			(int)expected);
	test_expect_output(fut, test_kind_type(j->kind), expected,
		expected == VDM_SUCCESS ? j->dest : NULL);

	if (expected != VDM_SUCCESS) {
		/* a failed operation writes nothing */
		test_fill(j->ref, j->size, j->seed);
	}
	test_expect_bytes(j->dst, j->ref, j->size, what);
}

/*
 * job_free -- frees the buffers of a job
 */
static void
job_free(struct job *j)
{
	free(j->dst);
	free(j->ref);
	free(j->src);
}

/*
 * job_run -- one job made, waited for with runtime_wait() on rt, checked
 * and freed
 */
static void
job_run(struct vdm *vdm, struct runtime *rt, enum test_kind kind, size_t n,
	unsigned seed, uint64_t flags)
{
	struct job j;

	job_prepare(&j, vdm, kind, n, seed, flags);
	runtime_wait(rt, job_future(&j));
	job_check(&j, &j.fut);
	job_free(&j);
}

/*
 * test_ops -- every kind of operation at every size, each waited for with
 * runtime_wait(); the property of every future that went to the mover
 */
static void
test_ops(void **state)
{
	struct fixture *f = *state;
	struct job j;
	unsigned seed = 1;

	for (size_t s = 0; s < ARRAY_SIZE(op_sizes); s++) {
		if (op_sizes[s] > max_size)
			continue;
		for (int k = 0; k < K_COUNT; k++) {
			job_prepare(&j, f->m.vdm, (enum test_kind)k,
				op_sizes[s], seed++, 0);
			/* a future of the mover has its property, whatever
			 * its first poll finds (n == 0: nothing to do) */
			assert_int_equal(future_has_property(job_future(&j),
				FUTURE_PROPERTY_ASYNC), 1);
			runtime_wait(f->m.rt, job_future(&j));
			job_check(&j, &j.fut);
			job_free(&j);
		}
	}
}

/*
 * test_durable -- VDM_F_MEM_DURABLE fails with VDM_ERROR_NOT_SUPPORTED and
 * writes nothing; VDM_F_NO_CACHE_HINT is accepted
 */
static void
test_durable(void **state)
{
	struct fixture *f = *state;
	struct job j;
	static const size_t sizes[] = { 64, 257, 64 * KIB + 1, 2 * MIB + 1 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (int k = 0; k < K_COUNT; k++) {
			job_prepare(&j, f->m.vdm, (enum test_kind)k, sizes[s],
				(unsigned)(100 + k), VDM_F_MEM_DURABLE);
			unsigned char *before = test_xalloc(j.size);
			memcpy(before, j.dst, j.size);
			runtime_wait(f->m.rt, job_future(&j));

			test_expect_output(&j.fut, test_kind_type(j.kind),
				VDM_ERROR_NOT_SUPPORTED, NULL);
			test_expect_bytes(j.dst, before, j.size,
				"operation with VDM_F_MEM_DURABLE");
			free(before);
			job_free(&j);

			job_run(f->m.vdm, f->m.rt, (enum test_kind)k, sizes[s],
				(unsigned)(200 + k), VDM_F_NO_CACHE_HINT);
		}
	}
}

/* a waker that counts its calls and checks the bytes at the last one */
struct counting_waker {
	atomic_uint calls;
	/* set before the first poll: what dest must hold at the call */
	const unsigned char *dest;
	const unsigned char *expect;
	size_t n;
	unsigned last;	/* the call that checks them (an early call comes
			 * while workers still write) */
	atomic_int bytes_ok;
};

/*
 * counting_wake -- the waker: counts, and at the last call checks the
 * operation's bytes are all in place already (the mover wakes once every
 * piece is done)
 */
static void
counting_wake(void *arg)
{
	struct counting_waker *w = arg;

	TEST_HAPPENS_BEFORE(&w->calls);
	unsigned call = atomic_fetch_add(&w->calls, 1) + 1;
	if (w->dest != NULL && call == w->last)
		atomic_store(&w->bytes_ok,
			memcmp(w->dest, w->expect, w->n) == 0);
}

/*
 * counting_calls -- how often the waker ran (acquire)
 */
static unsigned
counting_calls(struct counting_waker *w)
{
	unsigned calls = atomic_load(&w->calls);
	TEST_HAPPENS_AFTER(&w->calls);
	return calls;
}

/*
 * waker_fini -- the waker's memory is about to go (a stack frame returns):
 * the thread checkers forget its annotations
 */
static void
waker_fini(struct counting_waker *w)
{
	TEST_ATOMIC_DONE(&w->calls);
}

/*
 * notifier_init -- a notifier whose waker is w
 */
static void
notifier_init(struct future_notifier *n, struct counting_waker *w)
{
	memset(n, 0, sizeof(*n));
	n->waker.data = w;
	n->waker.wake = counting_wake;
	n->poller.ptr_to_monitor = NULL;
	n->notifier_used = FUTURE_NOTIFIER_NONE;
}

/*
 * waker_init -- a counting waker that will check the bytes of job j
 */
static void
waker_init(struct counting_waker *w, struct job *j)
{
	atomic_init(&w->calls, 0);
	atomic_init(&w->bytes_ok, 0);
	w->dest = j != NULL ? j->dst : NULL;
	w->expect = j != NULL ? j->ref : NULL;
	w->n = j != NULL ? j->size : 0;
	w->last = j != NULL && j->size >= EARLY_MIN ? 2 : 1;
}

/*
 * test_waker_notifier -- the waker variant hands back FUTURE_NOTIFIER_WAKER
 * at the first poll and its worker calls the waker exactly once (twice from
 * 4 MiB on: see test_early_wake), the last time with every byte in place,
 * without the future being polled again; polling while waiting (the poller
 * helps) calls it at most as often
 */
static void
test_waker_notifier(void **state)
{
	struct fixture *f = *state;
	/* above 64 KiB: a shorter operation takes no notifier */
	static const size_t sizes[] = { 64 * KIB + 1, 512 * KIB, 8 * MIB + 1 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		if (sizes[s] > max_size)
			continue;
		for (int help = 0; help < 2; help++) {
			struct job j;
			struct counting_waker w;
			struct future_notifier n;

			job_prepare(&j, f->m.vdm, K_MEMCPY, sizes[s],
				(unsigned)(s * 2 + (size_t)help), 0);
			waker_init(&w, &j);
			notifier_init(&n, &w);

			enum future_state st = future_poll(job_future(&j), &n);
			assert_int_equal(n.notifier_used,
				FUTURE_NOTIFIER_WAKER);

			if (!help) {
				/* the workers finish it unpolled */
				while (counting_calls(&w) == 0)
					(void) sched_yield();
			}
			while (st != FUTURE_STATE_COMPLETE) {
				st = future_poll(job_future(&j), NULL);
				if (st != FUTURE_STATE_COMPLETE)
					(void) sched_yield();
			}
			job_check(&j, &j.fut);
			unsigned calls = sizes[s] >= EARLY_MIN ? 2 : 1;
			if (help) {
				assert_in_range(counting_calls(&w), 0, calls);
			} else {
				assert_int_equal(counting_calls(&w), calls);
				assert_true(atomic_load(&w.bytes_ok));
			}
			waker_fini(&w);
			job_free(&j);
		}
	}
}

/*
 * test_poller_notifier -- the polled variant hands back
 * FUTURE_NOTIFIER_POLLER and a word that turns non-zero once the bytes are
 * in place; the next poll then completes
 */
static void
test_poller_notifier(void **state)
{
	struct fixture *f = *state;
	/* above 64 KiB: a shorter operation takes no notifier */
	static const size_t sizes[] = { 64 * KIB + 1, 512 * KIB, 8 * MIB + 1 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		if (sizes[s] > max_size)
			continue;
		struct job j;
		struct counting_waker w;
		struct future_notifier n;

		job_prepare(&j, f->m.vdm, K_MEMSET, sizes[s], (unsigned)s, 0);
		waker_init(&w, NULL);
		notifier_init(&n, &w);

		enum future_state st = future_poll(job_future(&j), &n);
		assert_int_equal(n.notifier_used, FUTURE_NOTIFIER_POLLER);
		assert_non_null(n.poller.ptr_to_monitor);

		while (test_word_load(n.poller.ptr_to_monitor) == 0)
			(void) sched_yield();
		/* the word says done: the bytes are there, the poll agrees */
		test_expect_bytes(j.dst, j.ref, j.size, "memset, word set");
		if (st != FUTURE_STATE_COMPLETE)
			st = future_poll(job_future(&j), &n);
		assert_int_equal(st, FUTURE_STATE_COMPLETE);
		job_check(&j, &j.fut);
		/* the poller variant never calls the waker */
		assert_int_equal(counting_calls(&w), 0);
		waker_fini(&w);
		job_free(&j);
	}
}

/*
 * test_short_no_notifier -- an operation of at most 64 KiB hands back no
 * notifier on either variant (the waiting thread polls it again, and moves
 * it itself if no worker took it), and completes by polling alone
 */
static void
test_short_no_notifier(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 1, 4 * KIB, 64 * KIB };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (unsigned k = 0; k < K_COUNT; k++) {
			struct job j;
			struct counting_waker w;
			struct future_notifier n;

			job_prepare(&j, f->m.vdm, (enum test_kind)k, sizes[s],
				(unsigned)(s * K_COUNT + k), 0);
			waker_init(&w, NULL);
			notifier_init(&n, &w);
			n.notifier_used = FUTURE_NOTIFIER_WAKER;

			enum future_state st = future_poll(job_future(&j), &n);
			/* what a poll that completes leaves in the notifier
			 * means nothing; one that does not says NONE */
			if (st != FUTURE_STATE_COMPLETE)
				assert_int_equal(n.notifier_used,
					FUTURE_NOTIFIER_NONE);
			while (st != FUTURE_STATE_COMPLETE)
				st = future_poll(job_future(&j), &n);
			job_check(&j, &j.fut);
			assert_int_equal(counting_calls(&w), 0);
			waker_fini(&w);
			job_free(&j);
		}
	}
}

/* a waker that holds the worker calling it until the test lets it go */
struct holding_waker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int entered;	/* the worker is in the waker */
	int released;	/* the test let it go */
};

/*
 * holding_wake -- the waker: says it was entered, then waits for release
 */
static void
holding_wake(void *arg)
{
	struct holding_waker *h = arg;

	pthread_mutex_lock(&h->lock);
	h->entered = 1;
	pthread_cond_broadcast(&h->cond);
	while (!h->released)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

/* a pool of one worker, held inside the waker of an operation */
struct held_pool {
	struct vdm *vdm;
	struct runtime *rt;
	struct holding_waker h;
	struct job held;
};

/*
 * held_pool_open -- makes a pool of one worker and holds that worker: from
 * then on nobody but the polling thread moves bytes
 */
static void
held_pool_open(struct held_pool *p, size_t offload_min)
{
	struct vdm_threads_config config = { 1, 8, offload_min };
	p->vdm = vdm_threads_new(&config, FUTURE_NOTIFIER_WAKER);
	p->rt = runtime_new();
	assert_non_null(p->vdm);
	assert_non_null(p->rt);

	assert_int_equal(pthread_mutex_init(&p->h.lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&p->h.cond, NULL), 0);
	p->h.entered = 0;
	p->h.released = 0;

	struct future_notifier n;
	job_prepare(&p->held, p->vdm, K_MEMCPY, 64 * KIB + 1, 90, 0);
	memset(&n, 0, sizeof(n));
	n.waker.data = &p->h;
	n.waker.wake = holding_wake;
	(void) future_poll(job_future(&p->held), &n);
	assert_int_equal(n.notifier_used, FUTURE_NOTIFIER_WAKER);

	pthread_mutex_lock(&p->h.lock);
	while (!p->h.entered)
		pthread_cond_wait(&p->h.cond, &p->h.lock);
	pthread_mutex_unlock(&p->h.lock);
}

/*
 * held_pool_close -- lets the worker go, checks the operation it held, and
 * deletes the pool
 */
static void
held_pool_close(struct held_pool *p)
{
	pthread_mutex_lock(&p->h.lock);
	p->h.released = 1;
	pthread_cond_broadcast(&p->h.cond);
	pthread_mutex_unlock(&p->h.lock);

	runtime_wait(p->rt, job_future(&p->held));
	job_check(&p->held, &p->held.fut);
	job_free(&p->held);
	runtime_delete(p->rt);
	vdm_delete(p->vdm);
	(void) pthread_cond_destroy(&p->h.cond);
	(void) pthread_mutex_destroy(&p->h.lock);
}

/*
 * test_short_helped -- the poller moves a short operation itself: on a pool
 * that hands every operation to its workers and whose only worker is held,
 * a 4 KiB copy is done by its second poll (the first only starts it)
 */
static void
test_short_helped(void **state)
{
	(void) state;
	struct held_pool p;
	held_pool_open(&p, 1);

	struct job j;
	struct future_notifier n;
	job_prepare(&j, p.vdm, K_MEMCPY, 4 * KIB, 91, 0);
	memset(&n, 0, sizeof(n));
	assert_int_equal(future_poll(job_future(&j), &n),
		FUTURE_STATE_RUNNING);
	assert_int_equal(n.notifier_used, FUTURE_NOTIFIER_NONE);
	assert_int_equal(future_poll(job_future(&j), &n),
		FUTURE_STATE_COMPLETE);
	job_check(&j, &j.fut);
	job_free(&j);

	held_pool_close(&p);
}

/*
 * A waker that counts its calls, holds the worker making the first one
 * until the test lets it go, and checks the operation's bytes at the calls
 * after the first (the last check stays)
 */
struct early_waker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned calls;
	int released;
	int bytes_ok;
	const unsigned char *dest;
	const unsigned char *expect;
	size_t n;
};

/*
 * early_wake -- the waker of test_early_wake
 */
static void
early_wake(void *arg)
{
	struct early_waker *e = arg;

	pthread_mutex_lock(&e->lock);
	/* the bytes only from the second call on: at the first, workers
	 * may still write */
	if (e->calls > 0)
		e->bytes_ok = memcmp(e->dest, e->expect, e->n) == 0;
	e->calls++;
	pthread_cond_broadcast(&e->cond);
	while (e->calls == 1 && !e->released)
		pthread_cond_wait(&e->cond, &e->lock);
	pthread_mutex_unlock(&e->lock);
}

/*
 * early_waker_init -- a waker nobody called yet
 */
static void
early_waker_init(struct early_waker *e)
{
	assert_int_equal(pthread_mutex_init(&e->lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&e->cond, NULL), 0);
	e->calls = 0;
	e->released = 0;
	e->bytes_ok = 0;
}

/*
 * early_waker_fini -- frees what early_waker_init made
 */
static void
early_waker_fini(struct early_waker *e)
{
	(void) pthread_cond_destroy(&e->cond);
	(void) pthread_mutex_destroy(&e->lock);
}

/*
 * held_at_wake -- polls a job once with a holding waker and waits until a
 * worker is inside it
 */
static void
held_at_wake(struct job *j, struct holding_waker *h,
	struct future_notifier *n)
{
	memset(n, 0, sizeof(*n));
	n->waker.data = h;
	n->waker.wake = holding_wake;
	(void) future_poll(job_future(j), n);
	assert_int_equal(n->notifier_used, FUTURE_NOTIFIER_WAKER);

	pthread_mutex_lock(&h->lock);
	while (!h->entered)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

/*
 * test_no_waker_once_called -- a poll of an operation whose worker is
 * inside the waker hands back no notifier, not the waker again: that call
 * is under way already, and a waiter that slept on it would never be woken
 * (the operation completes right after the call); 512 KiB moves in one
 * piece, 8 MiB + 1 in one piece per worker
 */
static void
test_no_waker_once_called(void **state)
{
	(void) state;
	static const size_t sizes[] = { 512 * KIB + 1, 8 * MIB + 1 };
	struct vdm_threads_config config = { 1, 8, 1 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct vdm *vdm = vdm_threads_new(&config,
			FUTURE_NOTIFIER_WAKER);
		assert_non_null(vdm);
		struct holding_waker h;
		assert_int_equal(pthread_mutex_init(&h.lock, NULL), 0);
		assert_int_equal(pthread_cond_init(&h.cond, NULL), 0);
		h.entered = 0;
		h.released = 0;

		struct job j;
		struct future_notifier n;
		job_prepare(&j, vdm, K_MEMSET, sizes[s], 98, 0);
		held_at_wake(&j, &h, &n);

		/* the same waker again: it is being called, none now */
		assert_int_equal(future_poll(job_future(&j), &n),
			FUTURE_STATE_RUNNING);
		assert_int_equal(n.notifier_used, FUTURE_NOTIFIER_NONE);

		pthread_mutex_lock(&h.lock);
		h.released = 1;
		pthread_cond_broadcast(&h.cond);
		pthread_mutex_unlock(&h.lock);
		while (future_poll(job_future(&j), NULL) !=
				FUTURE_STATE_COMPLETE)
			(void) sched_yield();
		job_check(&j, &j.fut);
		job_free(&j);
		vdm_delete(vdm);
		(void) pthread_cond_destroy(&h.cond);
		(void) pthread_mutex_destroy(&h.lock);
	}
}

/*
 * test_early_wake -- an operation of 4 MiB or more calls the waker before
 * it completes, and again as it completes: while a worker is held in the
 * first call, the operation does not complete and its polls hand back no
 * notifier; once let go, it completes having called the waker twice, the
 * second time with every byte in place.  One worker and two; memcpy and
 * memset; and a memmove whose ranges overlap, which moves in one sweep
 * and calls the waker once only, as it completes.
 */
static void
test_early_wake(void **state)
{
	(void) state;
	static const struct {
		unsigned nthreads;
		enum test_kind kind;
		size_t size;
		int always;	/* also in a quick run (under the checkers) */
	} cases[] = {
		{ 1, K_MEMCPY, EARLY_MIN, 1 },
		{ 2, K_MEMSET, EARLY_MIN + 65, 1 },
		{ 2, K_MEMCPY, 16 * MIB + 3, 0 },
		{ 2, K_MEMMOVE_UP, 8 * MIB, 0 },
	};

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		if (cases[c].size > max_size && !cases[c].always)
			continue;
		struct vdm_threads_config config = { cases[c].nthreads, 8, 1 };
		struct vdm *vdm = vdm_threads_new(&config,
			FUTURE_NOTIFIER_WAKER);
		assert_non_null(vdm);
		struct early_waker e;
		early_waker_init(&e);

		struct job j;
		struct future_notifier n;
		job_prepare(&j, vdm, cases[c].kind, cases[c].size,
			(unsigned)(120 + c), 0);
		e.dest = j.dst;
		e.expect = j.ref;
		e.n = j.size;
		memset(&n, 0, sizeof(n));
		n.waker.data = &e;
		n.waker.wake = early_wake;
		assert_int_equal(future_poll(job_future(&j), &n),
			FUTURE_STATE_RUNNING);
		assert_int_equal(n.notifier_used, FUTURE_NOTIFIER_WAKER);

		int overlap = cases[c].kind == K_MEMMOVE_UP;
		pthread_mutex_lock(&e.lock);
		while (e.calls == 0)
			pthread_cond_wait(&e.cond, &e.lock);
		pthread_mutex_unlock(&e.lock);

		/* a worker is held inside the first call, before it counts
		 * its piece done: not complete, whoever polls */
		for (int i = 0; i < 100; i++) {
			assert_int_equal(future_poll(job_future(&j), &n),
				FUTURE_STATE_RUNNING);
			assert_int_equal(n.notifier_used,
				FUTURE_NOTIFIER_NONE);
		}

		pthread_mutex_lock(&e.lock);
		e.released = 1;
		pthread_cond_broadcast(&e.cond);
		pthread_mutex_unlock(&e.lock);
		while (future_poll(job_future(&j), NULL) !=
				FUTURE_STATE_COMPLETE)
			(void) sched_yield();

		pthread_mutex_lock(&e.lock);
		assert_int_equal(e.calls, overlap ? 1 : 2);
		assert_true(overlap || e.bytes_ok);
		pthread_mutex_unlock(&e.lock);
		job_check(&j, &j.fut);
		job_free(&j);
		vdm_delete(vdm);
		early_waker_fini(&e);
	}
}

/*
 * test_large_bypass -- an operation of 16 MiB or more is stored past the
 * caches even without VDM_F_NO_CACHE_HINT (an overlapping memmove still
 * by memmove()): every kind moves the right bytes, in pieces on every
 * worker
 */
static void
test_large_bypass(void **state)
{
	(void) state;
	static const enum test_kind kinds[] = {
		K_MEMCPY, K_MEMMOVE, K_MEMMOVE_UP, K_MEMMOVE_DOWN, K_MEMSET,
	};
	size_t n = 16 * MIB + 5;

	if (n > max_size)
		skip();
	struct vdm *vdm = vdm_new(vdm_descriptor_threads());
	struct runtime *rt = runtime_new();
	assert_non_null(vdm);
	assert_non_null(rt);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		job_run(vdm, rt, kinds[k], n, 300U + (unsigned)k, 0);
	runtime_delete(rt);
	vdm_delete(vdm);
}

/*
 * expect_first_poll -- a future of every kind of n bytes, made by vdm_*()
 * and polled once, completes at that poll (done) or not
 */
static void
expect_first_poll(struct vdm *vdm, size_t n, int done)
{
	for (unsigned k = 0; k < K_COUNT; k++) {
		struct job j;
		struct future_notifier fn;

		job_prepare(&j, vdm, (enum test_kind)k, n, 92U + k, 0);
		memset(&fn, 0, sizeof(fn));
		/* a queued one gets no waker: the worker that would call it
		 * is held */
		enum future_state st = future_poll(job_future(&j),
			done ? &fn : NULL);
		if (done) {
			assert_int_equal(st, FUTURE_STATE_COMPLETE);
			assert_int_equal(fn.notifier_used,
				FUTURE_NOTIFIER_NONE);
		} else {
			assert_int_equal(st, FUTURE_STATE_RUNNING);
			/* the worker is held: the poller moves it */
			while (st != FUTURE_STATE_COMPLETE)
				st = future_poll(job_future(&j), NULL);
		}
		job_check(&j, &j.fut);
		job_free(&j);
	}
}

/*
 * expect_op_table -- the same through the operation table, as libpmem2
 * drives a mover: op_start moves an operation shorter than offload_min, so
 * the op_check right after it finds it complete
 */
static void
expect_op_table(struct vdm *vdm, size_t n, int done)
{
	unsigned char *src = malloc(n);
	unsigned char *dst = calloc(1, n);
	assert_non_null(src);
	assert_non_null(dst);
	test_fill(src, n, 93);

	struct vdm_operation op = test_operation(OP_MEMCPY, dst, src, 0, n, 0);
	struct future_notifier fn;
	memset(&fn, 0, sizeof(fn));

	void *h = vdm->op_new(vdm, VDM_OPERATION_MEMCPY);
	assert_non_null(h);
	assert_int_equal(vdm->op_start(h, &op, done ? &fn : NULL), 0);
	assert_int_equal(fn.notifier_used, FUTURE_NOTIFIER_NONE);
	enum future_state st = vdm->op_check(h, &op);
	assert_int_equal(st, done ? FUTURE_STATE_COMPLETE :
		FUTURE_STATE_RUNNING);
	while (st != FUTURE_STATE_COMPLETE)
		st = vdm->op_check(h, &op);

	struct vdm_operation_output out;
	memset(&out, 0, sizeof(out));
	vdm->op_delete(h, &op, &out);
	assert_int_equal(out.result, VDM_SUCCESS);
	assert_ptr_equal(out.output.memcpy.dest, dst);
	assert_memory_equal(dst, src, n);
	free(src);
	free(dst);
}

/*
 * test_offload_min -- with the only worker held, an operation shorter than
 * offload_min completes at its first poll, on the polling thread; one of
 * offload_min bytes is queued (its first poll returns RUNNING); the
 * default is VDM_THREADS_DEFAULT_OFFLOAD_MIN, 1 queues everything
 */
static void
test_offload_min(void **state)
{
	(void) state;
	static const size_t mins[] = {
		0, 1, 4096, 64 * KIB + 1,
	};

	for (size_t i = 0; i < ARRAY_SIZE(mins); i++) {
		size_t min = mins[i] != 0 ? mins[i] :
			VDM_THREADS_DEFAULT_OFFLOAD_MIN;
		struct held_pool p;
		held_pool_open(&p, mins[i]);

		if (min > 1) {
			expect_first_poll(p.vdm, min - 1, 1);
			expect_op_table(p.vdm, min - 1, 1);
		}
		expect_first_poll(p.vdm, min, 0);
		expect_op_table(p.vdm, min, 0);

		held_pool_close(&p);
	}
}

#define MULTI 64

/*
 * test_wait_multiple -- 64 operations of every kind and many sizes on
 * disjoint ranges of one buffer, waited for with runtime_wait_multiple()
 */
static void
test_wait_multiple(void **state)
{
	struct fixture *f = *state;
	size_t sizes[MULTI];
	size_t offs[MULTI];
	size_t total = GUARD;

	for (unsigned i = 0; i < MULTI; i++) {
		/* mostly small, every eighth one large enough to split */
		sizes[i] = i % 8 == 7 ? MIB + i * 4097U : i * 1031U + 1U;
		offs[i] = total + (i % 7);
		total = offs[i] + 2 * sizes[i] + GUARD;
	}

	unsigned char *buf = test_xalloc(total);
	unsigned char *ref = test_xalloc(total);
	unsigned char *src = test_xalloc(2 * MIB);
	test_fill(buf, total, 77);
	memcpy(ref, buf, total);
	test_fill(src, 2 * MIB, 78);

	/* copies from src, moves up by half and down by all of their
	 * length, memsets, flushes */
	static const enum test_kind kinds[] = {
		K_MEMCPY, K_MEMMOVE_UP, K_MEMMOVE_DOWN, K_MEMSET, K_FLUSH,
	};
	union test_future futs[MULTI];
	struct future *runnable[MULTI];
	unsigned char *dests[MULTI];
	for (unsigned i = 0; i < MULTI; i++) {
		enum test_kind kind = kinds[i % ARRAY_SIZE(kinds)];
		size_t n = sizes[i];
		size_t shift = kind == K_MEMMOVE_UP ? n / 2 : n;
		dests[i] = test_kind_make(&futs[i], kind, f->m.vdm,
			buf + offs[i], ref + offs[i], src + i, shift, (int)i, n,
			0);
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i].op);
	}

	runtime_wait_multiple(f->m.rt, runnable, MULTI);

	for (unsigned i = 0; i < MULTI; i++) {
		enum vdm_operation_type type =
			test_kind_type(kinds[i % ARRAY_SIZE(kinds)]);
		test_expect_output(&futs[i], type, test_ok_result(type),
			dests[i]);
	}
	test_expect_bytes(buf, ref, total, "64 operations at once");

	free(buf);
	free(ref);
	free(src);
}

/*
 * test_moved_future -- a future copied elsewhere between its first poll and
 * its completion (the old place scribbled over) completes from its new place
 */
static void
test_moved_future(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 100, 4 * MIB + 3 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct job j;
		struct counting_waker w;
		struct future_notifier n;

		job_prepare(&j, f->m.vdm, K_MEMMOVE_DOWN, sizes[s],
			(unsigned)(40 + s), 0);
		waker_init(&w, NULL);
		notifier_init(&n, &w);
		(void) future_poll(job_future(&j), &n);

		union test_future *moved = malloc(sizeof(*moved));
		assert_non_null(moved);
		memcpy(moved, &j.fut, sizeof(*moved));
		memset(&j.fut, 0xa5, sizeof(j.fut));

		runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&moved->mov));
		job_check(&j, moved);

		/* the waker the first poll gave is the one called, if any */
		if (n.notifier_used == FUTURE_NOTIFIER_WAKER) {
			while (counting_calls(&w) == 0)
				(void) sched_yield();
			assert_int_equal(counting_calls(&w), 1);
		}
		waker_fini(&w);
		free(moved);
		job_free(&j);
	}
}

/* a job handed from one thread to another */
struct handoff {
	struct job *job;
	struct vdm *vdm;
	int first_poll_here;	/* 1: this thread makes the first poll */
	struct counting_waker w;
	struct future_notifier n;
};

/*
 * first_poll -- the first poll of a handed-over job, with a counting waker
 */
static void
first_poll(struct handoff *h)
{
	waker_init(&h->w, NULL);
	notifier_init(&h->n, &h->w);
	(void) future_poll(job_future(h->job), &h->n);
}

/*
 * finisher -- a thread that waits, with a runtime of its own, for a job
 * another thread started (or starts it itself first)
 */
static void *
finisher(void *arg)
{
	struct handoff *h = arg;
	struct runtime *rt = runtime_new();

	if (rt == NULL)
		return NULL;
	if (h->first_poll_here)
		first_poll(h);
	else
		runtime_wait(rt, job_future(h->job));
	runtime_delete(rt);
	return h;
}

/*
 * test_cross_thread -- a future polled first on one thread and completed by
 * polling on another, both ways round
 */
static void
test_cross_thread(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 64, 64 * KIB, 3 * MIB + 7 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (int way = 0; way < 2; way++) {
			struct job j;
			struct handoff h;
			pthread_t t;
			void *ret;

			job_prepare(&j, f->m.vdm, K_MEMCPY, sizes[s],
				(unsigned)(60 + 2 * s + (size_t)way), 0);
			memset(&h, 0, sizeof(h));
			h.job = &j;
			h.vdm = f->m.vdm;
			h.first_poll_here = way;

			/* way 0: poll here, finish there; way 1: reverse */
			if (way == 0)
				first_poll(&h);
			assert_int_equal(pthread_create(&t, NULL, finisher,
				&h), 0);
			assert_int_equal(pthread_join(t, &ret), 0);
			assert_ptr_equal(ret, &h);
			if (way == 1)
				runtime_wait(f->m.rt, job_future(&j));

			job_check(&j, &j.fut);
			if (h.n.notifier_used == FUTURE_NOTIFIER_WAKER) {
				while (counting_calls(&h.w) == 0)
					(void) sched_yield();
				assert_int_equal(counting_calls(&h.w), 1);
			}
			waker_fini(&h.w);
			job_free(&j);
		}
	}
}

#define BACKLOG 8

/*
 * The operation that holds the slot: long enough that a worker woken by
 * its first poll cannot finish it before that poll returns, even when the
 * worker takes the poller's processor (a loaded machine)
 */
#define HELD_SIZE (32 * MIB)

/*
 * test_backpressure -- on a mover of one slot (depth 1), futures take the
 * slot at their first poll, not when made: of eight futures made before any
 * is polled, the last one, polled first, takes it (and hands out a
 * notifier); the other seven, polled while it runs, find no slot and are
 * done at their first poll, with no notifier; then, with the slot free
 * again, eight more are waited for together
 */
static void
test_backpressure(void **state)
{
	struct fixture *f = *state;

	for (int round = 0; round < 2; round++) {
		struct job jobs[BACKLOG];
		struct future *runnable[BACKLOG];

		for (unsigned i = 0; i < BACKLOG; i++) {
			job_prepare(&jobs[i], f->m.vdm, (enum test_kind)(i % 5),
				i == BACKLOG - 1 ? HELD_SIZE : 256 * KIB + i,
				(unsigned)(round * 10) + i, 0);
			runnable[i] = job_future(&jobs[i]);
		}

		if (round == 0) {
			struct counting_waker held;
			struct future_notifier hn;
			struct job *last = &jobs[BACKLOG - 1];
			enum future_state st;
			unsigned tries = 0;

			/*
			 * It keeps the slot until polled to completion; if a
			 * worker finished it before that very poll returned
			 * (a preempted poller), the slot is free again: redo.
			 */
			for (;;) {
				waker_init(&held, NULL);
				notifier_init(&hn, &held);
				st = future_poll(job_future(last), &hn);
				assert_int_not_equal(hn.notifier_used,
					FUTURE_NOTIFIER_NONE);
				if (st != FUTURE_STATE_COMPLETE ||
						++tries == 100)
					break;
				waker_fini(&held);
				job_check(last, &last->fut);
				job_free(last);
				job_prepare(last, f->m.vdm, K_MEMSET, HELD_SIZE,
					(unsigned)(7 + tries), 0);
			}
			assert_int_equal(st, FUTURE_STATE_RUNNING);
			runnable[BACKLOG - 1] = job_future(last);

			/* those without a slot: done at their first poll */
			for (unsigned i = 0; i < BACKLOG - 1; i++) {
				struct counting_waker w;
				struct future_notifier n;
				waker_init(&w, NULL);
				notifier_init(&n, &w);
				assert_int_equal(future_poll(runnable[i], &n),
					FUTURE_STATE_COMPLETE);
				assert_int_equal(n.notifier_used,
					FUTURE_NOTIFIER_NONE);
				assert_int_equal(counting_calls(&w), 0);
				waker_fini(&w);
				job_check(&jobs[i], &jobs[i].fut);
			}
			runtime_wait(f->m.rt, runnable[BACKLOG - 1]);
			waker_fini(&held);
		} else {
			runtime_wait_multiple(f->m.rt, runnable, BACKLOG);
		}

		for (unsigned i = 0; i < BACKLOG; i++) {
			job_check(&jobs[i], &jobs[i].fut);
			job_free(&jobs[i]);
		}
	}
}

/*
 * test_backlog_any -- on any mover: more futures made before polling than
 * it has slots all complete correctly
 */
static void
test_backlog_any(void **state)
{
	struct fixture *f = *state;
	enum { N = 24 };
	struct job jobs[N];
	struct future *runnable[N];

	for (unsigned i = 0; i < N; i++) {
		job_prepare(&jobs[i], f->m.vdm, (enum test_kind)(i % K_COUNT),
			i % 6 == 0 ? MIB + i : 3000U * i + 1U, 300U + i, 0);
		runnable[i] = job_future(&jobs[i]);
	}
	/* polled in reverse order of creation */
	for (unsigned i = N; i-- > 0;)
		runtime_wait(f->m.rt, runnable[i]);
	for (unsigned i = 0; i < N; i++) {
		job_check(&jobs[i], &jobs[i].fut);
		job_free(&jobs[i]);
	}
}

#define IN_FLIGHT 16

/*
 * test_delete_in_flight -- many large operations polled once, then
 * vdm_delete() at once: it must return (not hang), and every started
 * operation must have moved every byte by then; futures made but never
 * polled cost nothing
 */
static void
test_delete_in_flight(void **state)
{
	const struct mover_cfg *cfg = *state;
	struct vdm *vdm = mover_new(cfg);
	assert_non_null(vdm);

	struct job *jobs = calloc(IN_FLIGHT + 2, sizeof(*jobs));
	struct counting_waker *wakers = calloc(IN_FLIGHT, sizeof(*wakers));
	assert_non_null(jobs);
	assert_non_null(wakers);

	for (unsigned i = 0; i < IN_FLIGHT; i++) {
		enum test_kind kind = i % 3 == 0 ? K_MEMSET : i % 3 == 1 ?
			K_MEMCPY : K_MEMMOVE_UP;
		job_prepare(&jobs[i], vdm, kind, MIB + 5 * i,
			500U + i, 0);
		struct future_notifier n;
		waker_init(&wakers[i], NULL);
		notifier_init(&n, &wakers[i]);
		/* every other one with a waker, the rest with none */
		(void) future_poll(job_future(&jobs[i]),
			i % 2 ? &n : NULL);
	}
	/* two never polled */
	job_prepare(&jobs[IN_FLIGHT], vdm, K_MEMCPY, MIB, 900, 0);
	job_prepare(&jobs[IN_FLIGHT + 1], vdm, K_MEMSET, 4 * KIB, 901, 0);

	vdm_delete(vdm);

	for (unsigned i = 0; i < IN_FLIGHT; i++) {
		char what[64];
		(void) snprintf(what, sizeof(what),
			"operation %u in flight at vdm_delete", i);
		test_expect_bytes(jobs[i].dst, jobs[i].ref, jobs[i].size, what);
		/* a waker handed over is called before the pool stops */
		if (cfg->polled)
			assert_int_equal(counting_calls(&wakers[i]), 0);
		else
			assert_in_range(counting_calls(&wakers[i]), 0, 1);
		if (i % 2 && !cfg->polled &&
				FUTURE_STATE(&jobs[i].fut.op) ==
				FUTURE_STATE_RUNNING)
			assert_int_equal(counting_calls(&wakers[i]), 1);
		job_free(&jobs[i]);
	}
	/* the two never polled: untouched */
	for (unsigned i = IN_FLIGHT; i < IN_FLIGHT + 2; i++) {
		test_fill(jobs[i].ref, jobs[i].size, 900U + (i - IN_FLIGHT));
		test_expect_bytes(jobs[i].dst, jobs[i].ref, jobs[i].size,
			"operation never polled");
		job_free(&jobs[i]);
	}
	free(jobs);
	free(wakers);
}

/*
 * expect_einval -- vdm_threads_new() with config and notifier, and vdm_new()
 * of a descriptor copy carrying config, both fail with EINVAL
 */
static void
expect_einval(const struct vdm_threads_config *config,
	enum future_notifier_type notifier, int descriptor_too)
{
	errno = 0;
	assert_null(vdm_threads_new(config, notifier));
	assert_int_equal(errno, EINVAL);

	if (!descriptor_too)
		return;
	struct vdm_descriptor desc = *vdm_descriptor_threads();
	desc.init_arg = (void *)(uintptr_t)config;
	errno = 0;
	assert_null(vdm_new(&desc));
	assert_int_equal(errno, EINVAL);

	desc = *vdm_descriptor_threads_polled();
	desc.init_arg = (void *)(uintptr_t)config;
	errno = 0;
	assert_null(vdm_new(&desc));
	assert_int_equal(errno, EINVAL);
}

/*
 * use_once -- one memcpy through vdm, checked, then the mover is deleted
 */
static void
use_once(struct vdm *vdm)
{
	struct runtime *rt = runtime_new();

	assert_non_null(vdm);
	assert_non_null(rt);
	job_run(vdm, rt, K_MEMCPY, 3 * MIB + 1, 7, 0);
	runtime_delete(rt);
	vdm_delete(vdm);
}

/*
 * test_bad_config -- notifiers other than none, waker and poller, more than
 * 256 threads or 65536 slots: NULL and EINVAL; the limits themselves work,
 * and so does a pool whose operations take no notifier
 */
static void
test_bad_config(void **state)
{
	(void) state;
	struct vdm_threads_config ok = { 1, 1, 0 };
	struct vdm_threads_config threads = { 257, 1, 0 };
	struct vdm_threads_config depth = { 1, 65537, 0 };
	struct vdm_threads_config huge = { UINT32_MAX, UINT32_MAX, 0 };

	expect_einval(NULL, (enum future_notifier_type)3, 0);
	expect_einval(&ok, (enum future_notifier_type)3, 0);
	expect_einval(&threads, FUTURE_NOTIFIER_NONE, 0);
	expect_einval(&ok, (enum future_notifier_type)-1, 0);
	expect_einval(&threads, FUTURE_NOTIFIER_WAKER, 1);
	expect_einval(&threads, FUTURE_NOTIFIER_POLLER, 0);
	expect_einval(&depth, FUTURE_NOTIFIER_WAKER, 1);
	expect_einval(&depth, FUTURE_NOTIFIER_POLLER, 0);
	expect_einval(&huge, FUTURE_NOTIFIER_WAKER, 1);

	/* the limits themselves are fine; NULL means all defaults */
	struct vdm_threads_config max_depth = { 1, 65536, 0 };
	use_once(vdm_threads_new(&max_depth, FUTURE_NOTIFIER_POLLER));
	struct vdm_threads_config max_threads = { 256, 1, 0 };
	use_once(vdm_threads_new(&max_threads, FUTURE_NOTIFIER_WAKER));
	struct vdm_threads_config odd = { 3, 3, 12345 };
	use_once(vdm_threads_new(&odd, FUTURE_NOTIFIER_WAKER));
	use_once(vdm_threads_new(NULL, FUTURE_NOTIFIER_WAKER));
	use_once(vdm_threads_new(NULL, FUTURE_NOTIFIER_POLLER));
	use_once(vdm_threads_new(&ok, FUTURE_NOTIFIER_NONE));
	use_once(vdm_threads_new(NULL, FUTURE_NOTIFIER_NONE));
}

/*
 * watchdog_fire -- SIGALRM in test_delete_churn: a vdm_delete() hangs
 */
static void
watchdog_fire(int sig)
{
	static const char msg[] =
		"test_delete_churn: vdm_delete() did not return\n";

	(void) sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/*
 * test_delete_churn -- pools of 2 and of 64 workers made and deleted over
 * and over, some after an operation: every worker must get its stop entry
 * and vdm_delete() must return (a watchdog ends the process otherwise)
 */
static void
test_delete_churn(void **state)
{
	(void) state;
	unsigned rounds = TEST_UNDER_VALGRIND() ? 8 :
		TEST_SANITIZED ? 40 : 300;
	static unsigned char src[4 * KIB];
	static unsigned char dst[4 * KIB];

	test_fill(src, sizeof(src), 5);
	assert_true(signal(SIGALRM, watchdog_fire) != SIG_ERR);
	(void) alarm(TEST_UNDER_VALGRIND() ? 900 : 60);
	for (unsigned r = 0; r < rounds; r++) {
		struct vdm_threads_config cfg = { r % 4 ? 64 : 2, 1, 1 };
		struct vdm *vdm = vdm_threads_new(&cfg, r % 3 ?
			FUTURE_NOTIFIER_WAKER : FUTURE_NOTIFIER_POLLER);
		assert_non_null(vdm);
		if (r % 4 == 1) {
			memset(dst, 0, sizeof(dst));
			struct vdm_memcpy_future f = vdm_memcpy(vdm, dst, src,
				sizeof(dst), 0);
			FUTURE_BUSY_POLL(&f);
			assert_int_equal(f.output.result, VDM_SUCCESS);
			assert_memory_equal(dst, src, sizeof(dst));
		}
		vdm_delete(vdm);
	}
	(void) alarm(0);
	assert_true(signal(SIGALRM, SIG_DFL) != SIG_ERR);
}

/*
 * cpu_ms -- the CPU time of the process so far, in milliseconds
 */
static double
cpu_ms(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
		(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/*
 * sleep_ms -- sleeps for ms milliseconds
 */
static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * test_idle_cpu -- workers sleep when there is no work: a mover left alone
 * for 300 ms, fresh and again after a burst of work, costs the process far
 * less than 10 ms of CPU (a busy worker would cost about 300 ms).  Under
 * valgrind the limit is 30 ms: its tools spend CPU of their own (helgrind
 * collects its shadow memory in whichever thread runs), about 10 ms here.
 */
static void
test_idle_cpu(void **state)
{
	const struct mover_cfg *cfg = *state;
	const double limit = TEST_UNDER_VALGRIND() ? 30.0 : 10.0;
	struct vdm *vdm = mover_new(cfg);
	struct runtime *rt = runtime_new();
	assert_non_null(vdm);
	assert_non_null(rt);

	/* the workers may spin briefly right after they start */
	sleep_ms(20);
	double before = cpu_ms();
	sleep_ms(300);
	double idle = cpu_ms() - before;
	fprintf(stderr, "%s: %.2f ms of CPU in 300 ms idle (fresh)\n",
		cfg->name, idle);
	assert_true(idle < limit);

	for (unsigned i = 0; i < 50; i++)
		job_run(vdm, rt, (enum test_kind)(i % K_COUNT),
			i % 10 == 0 ? MIB + i : 100U * i + 1U, i, 0);

	sleep_ms(20);
	before = cpu_ms();
	sleep_ms(300);
	idle = cpu_ms() - before;
	fprintf(stderr, "%s: %.2f ms of CPU in 300 ms idle (after work)\n",
		cfg->name, idle);
	assert_true(idle < limit);

	runtime_delete(rt);
	vdm_delete(vdm);
}

/* the tests run on a mover made for them, with the configuration _cfg */
#define MOVER_TESTS(_cfg)\
	cmocka_unit_test_prestate_setup_teardown(test_ops, setup, teardown,\
		&(_cfg)),\
	cmocka_unit_test_prestate_setup_teardown(test_durable, setup,\
		teardown, &(_cfg)),\
	cmocka_unit_test_prestate_setup_teardown(test_wait_multiple, setup,\
		teardown, &(_cfg)),\
	cmocka_unit_test_prestate_setup_teardown(test_moved_future, setup,\
		teardown, &(_cfg)),\
	cmocka_unit_test_prestate_setup_teardown(test_cross_thread, setup,\
		teardown, &(_cfg)),\
	cmocka_unit_test_prestate_setup_teardown(test_backlog_any, setup,\
		teardown, &(_cfg)),\
	cmocka_unit_test_prestate_setup_teardown(test_short_no_notifier,\
		setup, teardown, &(_cfg)),\
	cmocka_unit_test_prestate(test_delete_in_flight, &(_cfg))

/*
 * main -- runs every group
 */
int
main(void)
{
	const char *quick = getenv("MINIASYNC_TEST_QUICK");
	if (quick != NULL && *quick != '\0' && *quick != '0')
		max_size = 2 * MIB;

	const struct CMUnitTest desc_waker[] = {
		MOVER_TESTS(cfg_desc_waker),
		cmocka_unit_test_prestate_setup_teardown(test_waker_notifier,
			setup, teardown, &cfg_desc_waker),
		cmocka_unit_test_prestate(test_idle_cpu, &cfg_desc_waker),
	};
	const struct CMUnitTest desc_polled[] = {
		MOVER_TESTS(cfg_desc_polled),
		cmocka_unit_test_prestate_setup_teardown(test_poller_notifier,
			setup, teardown, &cfg_desc_polled),
		cmocka_unit_test_prestate(test_idle_cpu, &cfg_desc_polled),
	};
	const struct CMUnitTest q1_waker[] = {
		MOVER_TESTS(cfg_1t_q1_waker),
		cmocka_unit_test_prestate_setup_teardown(test_waker_notifier,
			setup, teardown, &cfg_1t_q1_waker),
		cmocka_unit_test_prestate_setup_teardown(test_backpressure,
			setup, teardown, &cfg_1t_q1_waker),
	};
	const struct CMUnitTest q2_polled[] = {
		MOVER_TESTS(cfg_2t_q2_polled),
		cmocka_unit_test_prestate_setup_teardown(test_poller_notifier,
			setup, teardown, &cfg_2t_q2_polled),
	};
	const struct CMUnitTest q1024_waker[] = {
		MOVER_TESTS(cfg_2t_q1024_waker),
		cmocka_unit_test_prestate_setup_teardown(test_waker_notifier,
			setup, teardown, &cfg_2t_q1024_waker),
		cmocka_unit_test_prestate(test_idle_cpu, &cfg_2t_q1024_waker),
	};
	const struct CMUnitTest q1024_polled[] = {
		MOVER_TESTS(cfg_1t_q1024_polled),
		cmocka_unit_test_prestate_setup_teardown(test_poller_notifier,
			setup, teardown, &cfg_1t_q1024_polled),
	};
	const struct CMUnitTest t3_q1_polled[] = {
		cmocka_unit_test_prestate_setup_teardown(test_backpressure,
			setup, teardown, &cfg_3t_q1_polled),
		cmocka_unit_test_prestate_setup_teardown(test_backlog_any,
			setup, teardown, &cfg_3t_q1_polled),
		cmocka_unit_test_prestate(test_delete_in_flight,
			&cfg_3t_q1_polled),
	};
	const struct CMUnitTest t4_q2_waker[] = {
		cmocka_unit_test_prestate_setup_teardown(test_ops, setup,
			teardown, &cfg_4t_q2_waker),
		cmocka_unit_test_prestate_setup_teardown(test_wait_multiple,
			setup, teardown, &cfg_4t_q2_waker),
		cmocka_unit_test_prestate_setup_teardown(test_waker_notifier,
			setup, teardown, &cfg_4t_q2_waker),
		cmocka_unit_test_prestate(test_delete_in_flight,
			&cfg_4t_q2_waker),
	};
	const struct CMUnitTest config[] = {
		cmocka_unit_test(test_short_helped),
		cmocka_unit_test(test_offload_min),
		cmocka_unit_test(test_large_bypass),
		cmocka_unit_test(test_no_waker_once_called),
		cmocka_unit_test(test_early_wake),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_delete_churn),
	};

	int failed = 0;
	failed += cmocka_run_group_tests_name(cfg_desc_waker.name,
		desc_waker, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_desc_polled.name,
		desc_polled, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_1t_q1_waker.name,
		q1_waker, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_2t_q2_polled.name,
		q2_polled, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_2t_q1024_waker.name,
		q1024_waker, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_1t_q1024_polled.name,
		q1024_polled, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_3t_q1_polled.name,
		t3_q1_polled, NULL, NULL);
	failed += cmocka_run_group_tests_name(cfg_4t_q2_waker.name,
		t4_q2_waker, NULL, NULL);
	failed += cmocka_run_group_tests_name("configuration and deletion",
		config, NULL, NULL);
	return failed;
}
