/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_runtime.c -- the runtime: waiting on futures that take no notifier,
 * the waker or a poller, alone and mixed, from several threads at once, and
 * many wake-ups in a row (lost wake-ups would hang; ctest's timeout catches
 * that)
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <libminiasync.h>

#include "core/alloc.h"
#include "test_future_helpers.h"

/*
 * Polls a future that sleeps on the waker may take: the first (takes the
 * waker), the one after the wake-up, and slack for a spurious wake-up.
 * A runtime that polled instead of sleeping would poll thousands of times
 * while the other thread waits WAKE_DELAY_NS before waking.
 */
#define SLEEPING_POLLS_MAX 4
#define WAKE_DELAY_NS (50 * 1000 * 1000L)

/* how many wake-ups the stress test goes through, unless told otherwise */
#define STRESS_ITERATIONS 10000
#define STRESS_ENV "MINIASYNC_TEST_STRESS_ITERATIONS"

/* checks of a flag before a waiting thread starts to yield the CPU */
#define SPINS_BEFORE_YIELD 1000

/*
 * sleep_ns -- sleeps for about ns nanoseconds
 */
static void
sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * start_thread -- starts a thread or fails the test
 */
static void
start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	assert_int_equal(pthread_create(thread, NULL, fn, arg), 0);
}

/*
 * join_thread -- joins a thread or fails the test
 */
static void
join_thread(pthread_t thread)
{
	assert_int_equal(pthread_join(thread, NULL), 0);
}

/*
 * A waker future and the slot it shares with the thread that completes it.
 * Each use of a slot has a generation number: the task publishes a copy of
 * the waker for its generation, the other thread waits for that, writes the
 * result, publishes "done" for the generation, then wakes.
 */
struct wake_slot {
	atomic_uint published;	/* generation whose waker is in waker */
	atomic_uint done;	/* generation completed by the other side */
	struct future_waker waker; /* written before published (release) */
	uint64_t result;	/* written before done (release) */
};

struct wake_data {
	struct wake_slot *slot;
	unsigned gen;
	unsigned polls;
	unsigned null_notifiers;
	/* hold on after taking the waker until the wake-up has happened */
	int linger;
};

struct wake_output {
	uint64_t result;
	unsigned polls;
};

FUTURE(wake_future, struct wake_data, struct wake_output);

/*
 * wake_slot_init -- an unused slot (generation 0 is never used)
 */
static void
wake_slot_init(struct wake_slot *slot)
{
	atomic_init(&slot->published, 0);
	atomic_init(&slot->done, 0);
	TEST_ATOMIC_VAR(&slot->published);
	TEST_ATOMIC_VAR(&slot->done);
	memset(&slot->waker, 0, sizeof(slot->waker));
	slot->result = 0;
}

/*
 * wake_slot_fini -- ends the use of a slot (no thread may touch it still)
 */
static void
wake_slot_fini(struct wake_slot *slot)
{
	TEST_ATOMIC_DONE(&slot->published);
	TEST_ATOMIC_DONE(&slot->done);
}

/*
 * wake_slot_new -- a new unused slot on the heap (so that no later stack
 * frame reuses its place while valgrind's tools remember it)
 */
static struct wake_slot *
wake_slot_new(void)
{
	struct wake_slot *slot = malloc(sizeof(*slot));
	assert_non_null(slot);
	wake_slot_init(slot);
	return slot;
}

/*
 * wake_slot_delete -- frees a slot from wake_slot_new()
 */
static void
wake_slot_delete(struct wake_slot *slot)
{
	wake_slot_fini(slot);
	free(slot);
}

/*
 * wake_task -- complete once the other side says so; until then take the
 * waker, publishing a copy of it the first time
 */
static enum future_state
wake_task(struct future_context *context, struct future_notifier *notifier)
{
	struct wake_data *data = future_context_get_data(context);
	struct wake_output *output = future_context_get_output(context);
	struct wake_slot *slot = data->slot;

	data->polls++;

	/* acquire: pairs with the release in wake_slot_complete() */
	if (atomic_load_explicit(&slot->done, memory_order_acquire) ==
			data->gen) {
		TEST_HAPPENS_AFTER(&slot->done);
		output->result = slot->result;
		output->polls = data->polls;
		return FUTURE_STATE_COMPLETE;
	}

	if (notifier == NULL) {
		/* nothing to hand the waker through: be polled again */
		data->null_notifiers++;
		return FUTURE_STATE_RUNNING;
	}

	/* only this task writes published: relaxed is enough to read it */
	if (atomic_load_explicit(&slot->published, memory_order_relaxed) !=
			data->gen) {
		slot->waker = notifier->waker;
		TEST_HAPPENS_BEFORE(&slot->published);
		/* release: the waker copy is visible to whoever sees gen */
		atomic_store_explicit(&slot->published, data->gen,
			memory_order_release);
	}
	notifier->notifier_used = FUTURE_NOTIFIER_WAKER;

	/*
	 * The wake-up may come at any time after the waker is published,
	 * even before the task returns: a runtime must not sleep through a
	 * wake-up that came while it was polling.
	 */
	if (data->linger) {
		while (atomic_load_explicit(&slot->done,
				memory_order_acquire) != data->gen)
			(void) sched_yield();
		TEST_HAPPENS_AFTER(&slot->done);
	}
	return FUTURE_STATE_RUNNING;
}

/*
 * wake_future_init -- an idle waker future for generation gen of slot
 */
static void
wake_future_init(struct wake_future *fut, struct wake_slot *slot,
	unsigned gen)
{
	memset(fut, 0, sizeof(*fut));
	FUTURE_INIT(fut, wake_task);
	fut->data.slot = slot;
	fut->data.gen = gen;
}

/*
 * wake_slot_wait_published -- waits until the task has published its
 * waker for generation gen: spinning for a while, to answer as soon as
 * possible, then giving the CPU away
 */
static void
wake_slot_wait_published(struct wake_slot *slot, unsigned gen)
{
	unsigned spins = 0;

	/* acquire: pairs with the release in wake_task() */
	while (atomic_load_explicit(&slot->published, memory_order_acquire) !=
			gen) {
		if (spins < SPINS_BEFORE_YIELD)
			spins++;
		else
			(void) sched_yield();
	}
	TEST_HAPPENS_AFTER(&slot->published);
}

/*
 * wake_slot_complete -- completes generation gen with result and wakes the
 * runtime with the waker the task published; delay_ns > 0 sleeps between
 * seeing the waker and completing
 */
static void
wake_slot_complete(struct wake_slot *slot, unsigned gen, uint64_t result,
	long delay_ns)
{
	wake_slot_wait_published(slot, gen);
	struct future_waker waker = slot->waker;

	if (delay_ns > 0)
		sleep_ns(delay_ns);

	slot->result = result;
	TEST_HAPPENS_BEFORE(&slot->done);
	/* release: the result is visible to the task that sees gen done */
	atomic_store_explicit(&slot->done, gen, memory_order_release);
	FUTURE_WAKER_WAKE(&waker);
}

/* what a completer thread does: complete one generation of one slot */
struct completer {
	struct wake_slot *slot;
	unsigned gen;
	uint64_t result;
	long delay_ns;
};

/*
 * completer_thread -- completes its slot's generation
 */
static void *
completer_thread(void *arg)
{
	struct completer *c = arg;
	wake_slot_complete(c->slot, c->gen, c->result, c->delay_ns);
	return NULL;
}

/*
 * A poller future: it hands the runtime a word to watch, which another
 * thread sets non-zero when the future can complete.
 */
struct watch_data {
	uint64_t *word;
	atomic_uint *armed;	/* set once the task has handed the word */
	unsigned polls;
};

struct watch_output {
	uint64_t value;
	unsigned polls;
};

FUTURE(watch_future, struct watch_data, struct watch_output);

/*
 * watch_task -- complete once the word is non-zero; until then hand it to
 * the poller
 */
static enum future_state
watch_task(struct future_context *context, struct future_notifier *notifier)
{
	struct watch_data *data = future_context_get_data(context);
	struct watch_output *output = future_context_get_output(context);

	data->polls++;
	uint64_t value = test_word_load(data->word);
	if (value != 0) {
		output->value = value;
		output->polls = data->polls;
		return FUTURE_STATE_COMPLETE;
	}

	if (notifier != NULL) {
		notifier->notifier_used = FUTURE_NOTIFIER_POLLER;
		notifier->poller.ptr_to_monitor = data->word;
	}
	/* release: orders nothing in particular; the setter only waits */
	TEST_HAPPENS_BEFORE(data->armed);
	atomic_store_explicit(data->armed, 1, memory_order_release);
	return FUTURE_STATE_RUNNING;
}

/* the word a poller future hands over, and whether it did */
struct watch_flags {
	uint64_t word;
	atomic_uint armed;
};

/*
 * watch_flags_new -- cleared flags on the heap (see wake_slot_new)
 */
static struct watch_flags *
watch_flags_new(void)
{
	struct watch_flags *wf = malloc(sizeof(*wf));
	assert_non_null(wf);
	wf->word = 0;
	atomic_init(&wf->armed, 0);
	TEST_ATOMIC_VAR(&wf->word);
	TEST_ATOMIC_VAR(&wf->armed);
	return wf;
}

/*
 * watch_flags_delete -- frees flags from watch_flags_new()
 */
static void
watch_flags_delete(struct watch_flags *wf)
{
	TEST_ATOMIC_DONE(&wf->word);
	TEST_ATOMIC_DONE(&wf->armed);
	free(wf);
}

/*
 * watch_future_init -- an idle poller future on the word of wf
 */
static void
watch_future_init(struct watch_future *fut, struct watch_flags *wf)
{
	memset(fut, 0, sizeof(*fut));
	FUTURE_INIT(fut, watch_task);
	fut->data.word = &wf->word;
	fut->data.armed = &wf->armed;
}

/* what a setter thread does: set a word once its future is armed */
struct setter {
	uint64_t *word;
	atomic_uint *armed;
	uint64_t value;
	long delay_ns;
};

/*
 * setter_thread -- waits for the future to hand its word over, waits a
 * little more, then sets the word
 */
static void *
setter_thread(void *arg)
{
	struct setter *s = arg;

	/* acquire: pairs with the release in watch_task() */
	while (atomic_load_explicit(s->armed, memory_order_acquire) == 0)
		(void) sched_yield();
	TEST_HAPPENS_AFTER(s->armed);
	if (s->delay_ns > 0)
		sleep_ns(s->delay_ns);
	test_word_store(s->word, s->value);
	return NULL;
}

/*
 * test_runtime_new_delete -- a runtime is made and freed; NULL is no-op
 */
static void
test_runtime_new_delete(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	runtime_delete(rt);

	runtime_delete(NULL);

	struct runtime *a = runtime_new();
	struct runtime *b = runtime_new();
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	runtime_delete(b);
	runtime_delete(a);
}

/*
 * test_runtime_new_enomem -- a failed allocation gives NULL and ENOMEM
 */
static void
test_runtime_new_enomem(void **state)
{
	(void) state;
	core__alloc_fail_at(1);
	errno = 0;
	struct runtime *rt = runtime_new();
	int err = errno;
	int failed = core__alloc_failed();
	core__alloc_fail_at(0);

	assert_true(failed);
	assert_null(rt);
	assert_int_equal(err, ENOMEM);

	/* and works again once the failure is gone */
	rt = runtime_new();
	assert_non_null(rt);
	runtime_delete(rt);
}

/*
 * test_runtime_wait_complete -- a future that is complete already returns
 * at once: its task (NULL) is never run
 */
static void
test_runtime_wait_complete(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct countdown_future fut;
	countdown_init_complete(&fut, 0xabc);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 0xabc);

	/* one that completes at its first poll is polled once */
	countdown_init(&fut, 0, 0xdef);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 0xdef);
	assert_int_equal(fut.data.polls, 1);

	runtime_delete(rt);
}

/*
 * test_runtime_wait_none -- a future that takes no notifier is polled
 * until it completes, each time with a notifier reset to NONE
 */
static void
test_runtime_wait_none(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct countdown_future fut;
	countdown_init(&fut, 300, 42);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 42);
	assert_int_equal(fut.data.polls, 301);
	assert_int_equal(fut.data.null_notifiers, 0);
	assert_int_equal(fut.data.seen_used, FUTURE_NOTIFIER_NONE);

	runtime_delete(rt);
}

/*
 * test_runtime_wait_waker_sleeps -- a future completed by another thread
 * through the waker: the wait returns with the output the other thread
 * wrote, and the waiting thread slept meanwhile instead of polling
 */
static void
test_runtime_wait_waker_sleeps(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct wake_slot *slot = wake_slot_new();
	struct wake_future fut;
	wake_future_init(&fut, slot, 1);

	struct completer c = { slot, 1, 0x5eed, WAKE_DELAY_NS };
	pthread_t thread;
	start_thread(&thread, completer_thread, &c);

	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, 0x5eed);
	assert_true(fut.data.polls >= 2);
	assert_true(fut.data.polls <= SLEEPING_POLLS_MAX);
	assert_int_equal(fut.data.null_notifiers, 0);

	/* the waker may still be running: only then may the runtime go */
	join_thread(thread);
	wake_slot_delete(slot);
	runtime_delete(rt);
}

/*
 * test_runtime_wait_waker_early -- the wake-up comes before the runtime
 * could go to sleep (the other thread does not wait at all); the wait must
 * not sleep through it
 */
static void
test_runtime_wait_waker_early(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	for (unsigned gen = 1; gen <= 50; gen++) {
		struct wake_slot *slot = wake_slot_new();
		struct wake_future fut;
		wake_future_init(&fut, slot, gen);
		struct completer c = { slot, gen, gen * 3, 0 };
		pthread_t thread;
		start_thread(&thread, completer_thread, &c);

		runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		assert_int_equal(FUTURE_OUTPUT(&fut)->result, gen * 3);
		join_thread(thread);
		wake_slot_delete(slot);
	}

	runtime_delete(rt);
}

/*
 * test_runtime_wait_poller -- a future that hands over a word: the runtime
 * polls it again once another thread sets the word, and not before
 */
static void
test_runtime_wait_poller(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct watch_flags *wf = watch_flags_new();
	struct watch_future fut;
	watch_future_init(&fut, wf);

	struct setter s = { &wf->word, &wf->armed, 0x77, WAKE_DELAY_NS };
	pthread_t thread;
	start_thread(&thread, setter_thread, &s);

	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 0x77);
	/* the runtime watched the word rather than polling the future */
	assert_true(fut.data.polls >= 2);
	assert_true(fut.data.polls <= SLEEPING_POLLS_MAX);

	join_thread(thread);
	watch_flags_delete(wf);
	runtime_delete(rt);
}

/*
 * test_runtime_wait_multiple_mixed -- futures that take no notifier, the
 * waker or a poller, and ones complete from the start, in one wait: all of
 * them end complete with their outputs
 */
static void
test_runtime_wait_multiple_mixed(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct countdown_future none;
	countdown_init(&none, 100, 1);
	struct countdown_future done1, done2;
	countdown_init_complete(&done1, 2);
	countdown_init_complete(&done2, 3);

	struct wake_slot *slot_late = wake_slot_new();
	struct wake_slot *slot_soon = wake_slot_new();
	struct wake_future late, soon;
	wake_future_init(&late, slot_late, 1);
	wake_future_init(&soon, slot_soon, 1);

	struct watch_flags *wf = watch_flags_new();
	struct watch_future watch;
	watch_future_init(&watch, wf);

	struct completer c_late = { slot_late, 1, 4, WAKE_DELAY_NS / 5 };
	struct completer c_soon = { slot_soon, 1, 5, 0 };
	struct setter s = { &wf->word, &wf->armed, 6, WAKE_DELAY_NS / 10 };
	pthread_t t_late, t_soon, t_set;
	start_thread(&t_late, completer_thread, &c_late);
	start_thread(&t_soon, completer_thread, &c_soon);
	start_thread(&t_set, setter_thread, &s);

	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&done1),
		FUTURE_AS_RUNNABLE(&late),
		FUTURE_AS_RUNNABLE(&none),
		FUTURE_AS_RUNNABLE(&watch),
		FUTURE_AS_RUNNABLE(&soon),
		FUTURE_AS_RUNNABLE(&done2),
	};
	runtime_wait_multiple(rt, futs, sizeof(futs) / sizeof(futs[0]));

	for (size_t i = 0; i < sizeof(futs) / sizeof(futs[0]); i++)
		assert_int_equal(futs[i]->context.state,
			FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&none)->value, 1);
	assert_int_equal(none.data.polls, 101);
	assert_int_equal(FUTURE_OUTPUT(&done1)->value, 2);
	assert_int_equal(FUTURE_OUTPUT(&done2)->value, 3);
	assert_int_equal(FUTURE_OUTPUT(&late)->result, 4);
	assert_int_equal(FUTURE_OUTPUT(&soon)->result, 5);
	assert_int_equal(FUTURE_OUTPUT(&watch)->value, 6);

	join_thread(t_late);
	join_thread(t_soon);
	join_thread(t_set);
	wake_slot_delete(slot_late);
	wake_slot_delete(slot_soon);
	watch_flags_delete(wf);
	runtime_delete(rt);
}

/*
 * test_runtime_wait_multiple_wakers -- two waker futures completed one after
 * the other: the wait sleeps for each (a bounded number of polls) and
 * returns only when both are complete
 */
static void
test_runtime_wait_multiple_wakers(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct wake_slot *slot_a = wake_slot_new();
	struct wake_slot *slot_b = wake_slot_new();
	struct wake_future a, b;
	wake_future_init(&a, slot_a, 1);
	wake_future_init(&b, slot_b, 1);

	struct completer ca = { slot_a, 1, 10, WAKE_DELAY_NS / 2 };
	struct completer cb = { slot_b, 1, 20, WAKE_DELAY_NS };
	pthread_t ta, tb;
	start_thread(&ta, completer_thread, &ca);
	start_thread(&tb, completer_thread, &cb);

	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&a), FUTURE_AS_RUNNABLE(&b)
	};
	runtime_wait_multiple(rt, futs, 2);

	assert_int_equal(FUTURE_STATE(&a), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_STATE(&b), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&a)->result, 10);
	assert_int_equal(FUTURE_OUTPUT(&b)->result, 20);
	/* each future is polled once per wake-up, give or take */
	assert_true(a.data.polls <= SLEEPING_POLLS_MAX);
	assert_true(b.data.polls <= 2 * SLEEPING_POLLS_MAX);

	join_thread(ta);
	join_thread(tb);
	wake_slot_delete(slot_a);
	wake_slot_delete(slot_b);
	runtime_delete(rt);
}

/* a chain: wait for the other thread, then count down from its result */
struct wake_count_data {
	FUTURE_CHAIN_ENTRY(struct wake_future, wake);
	FUTURE_CHAIN_ENTRY_LAST(struct countdown_future, count);
};

FUTURE(wake_count_future, struct wake_count_data, struct countdown_output);

/*
 * map_wake_to_count -- the other thread's result becomes the count's value
 */
static void
map_wake_to_count(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	struct wake_output *output = future_context_get_output(lhs);
	struct countdown_data *next = future_context_get_data(rhs);
	next->value = output->result;
}

/*
 * map_count_to_chain -- the count's output is the chain's
 */
static void
map_count_to_chain(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	memcpy(future_context_get_output(rhs), future_context_get_output(lhs),
		sizeof(struct countdown_output));
}

/*
 * test_runtime_wait_chain -- a chain hands on the notifier of the entry it
 * runs: the runtime sleeps while the first entry waits for the waker, then
 * polls the second, which takes no notifier, until it completes
 */
static void
test_runtime_wait_chain(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct wake_slot *slot = wake_slot_new();
	struct wake_future wake;
	wake_future_init(&wake, slot, 1);
	struct countdown_future count;
	countdown_init(&count, 5, 0);

	struct wake_count_future chain;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.wake, wake, map_wake_to_count,
		NULL);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.count, count, map_count_to_chain,
		NULL);
	FUTURE_CHAIN_INIT(&chain);

	struct completer c = { slot, 1, 0xc4a1, WAKE_DELAY_NS };
	pthread_t thread;
	start_thread(&thread, completer_thread, &c);

	runtime_wait(rt, FUTURE_AS_RUNNABLE(&chain));
	assert_int_equal(FUTURE_STATE(&chain), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&chain)->value, 0xc4a1);
	assert_int_equal(FUTURE_OUTPUT(&chain)->polls, 6);
	assert_true(chain.data.wake.fut.data.polls >= 2);
	assert_true(chain.data.wake.fut.data.polls <= SLEEPING_POLLS_MAX);

	join_thread(thread);
	wake_slot_delete(slot);
	runtime_delete(rt);
}

/*
 * test_runtime_wait_multiple_empty -- no futures: returns at once
 */
static void
test_runtime_wait_multiple_empty(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	runtime_wait_multiple(rt, NULL, 0);

	struct countdown_future fut;
	countdown_init(&fut, 0, 1);
	struct future *futs[] = { FUTURE_AS_RUNNABLE(&fut) };
	runtime_wait_multiple(rt, futs, 0);
	/* a future beyond nfuts is not touched */
	assert_int_equal(fut.data.polls, 0);
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_IDLE);

	runtime_delete(rt);
}

/* a future that calls the waker itself before it answers RUNNING */
struct selfwake_data {
	unsigned remaining;
	unsigned polls;
};

struct selfwake_output {
	unsigned polls;
};

FUTURE(selfwake_future, struct selfwake_data, struct selfwake_output);

/*
 * selfwake_task -- wakes the runtime, then takes the waker and answers
 * RUNNING, until no polls remain
 */
static enum future_state
selfwake_task(struct future_context *context,
	struct future_notifier *notifier)
{
	struct selfwake_data *data = future_context_get_data(context);
	struct selfwake_output *output = future_context_get_output(context);

	data->polls++;
	if (data->remaining == 0 || notifier == NULL) {
		output->polls = data->polls;
		return FUTURE_STATE_COMPLETE;
	}
	data->remaining--;
	FUTURE_WAKER_WAKE(&notifier->waker);
	notifier->notifier_used = FUTURE_NOTIFIER_WAKER;
	return FUTURE_STATE_RUNNING;
}

/*
 * selfwake_init -- an idle self-waking future that completes at poll
 * running + 1
 */
static void
selfwake_init(struct selfwake_future *fut, unsigned running)
{
	memset(fut, 0, sizeof(*fut));
	FUTURE_INIT(fut, selfwake_task);
	fut->data.remaining = running;
}

/*
 * test_runtime_wake_during_poll -- a wake-up that comes while the runtime
 * polls (here from the task itself, before it answers RUNNING with the
 * waker) is not lost: the runtime polls again rather than sleeping for
 * ever (a lost wake-up hangs the test; the ctest timeout reports it)
 */
static void
test_runtime_wake_during_poll(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct selfwake_future a, b;
	selfwake_init(&a, 20);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&a));
	assert_int_equal(FUTURE_STATE(&a), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&a)->polls, 21);

	selfwake_init(&a, 5);
	selfwake_init(&b, 10);
	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&a), FUTURE_AS_RUNNABLE(&b)
	};
	runtime_wait_multiple(rt, futs, 2);
	assert_int_equal(FUTURE_OUTPUT(&a)->polls, 6);
	assert_int_equal(FUTURE_OUTPUT(&b)->polls, 11);

	/* the same with the wake-up from another thread, mid-poll */
	for (unsigned gen = 1; gen <= 20; gen++) {
		struct wake_slot *slot = wake_slot_new();
		struct wake_future fut;
		wake_future_init(&fut, slot, gen);
		fut.data.linger = 1;
		struct completer c = { slot, gen, gen, 0 };
		pthread_t thread;
		start_thread(&thread, completer_thread, &c);

		runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		assert_int_equal(FUTURE_OUTPUT(&fut)->result, gen);
		assert_true(fut.data.polls >= 2);
		assert_true(fut.data.polls <= SLEEPING_POLLS_MAX);
		join_thread(thread);
		wake_slot_delete(slot);
	}

	runtime_delete(rt);
}

#define WAITERS 4

/* one of several threads waiting in one runtime */
struct waiter {
	struct runtime *rt;
	struct wake_slot slot;
	struct wake_future fut;
	atomic_int returned;
};

/*
 * waiter_thread -- waits on its own future in the shared runtime
 */
static void *
waiter_thread(void *arg)
{
	struct waiter *w = arg;
	runtime_wait(w->rt, FUTURE_AS_RUNNABLE(&w->fut));
	/* release: the future's final state is visible with the flag */
	TEST_HAPPENS_BEFORE(&w->returned);
	atomic_store_explicit(&w->returned, 1, memory_order_release);
	return NULL;
}

/*
 * test_runtime_several_waiters -- threads waiting at the same time in one
 * runtime each return once their own future completes, and not before
 */
static void
test_runtime_several_waiters(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct waiter *w = calloc(WAITERS, sizeof(*w));
	assert_non_null(w);
	pthread_t threads[WAITERS];
	for (unsigned i = 0; i < WAITERS; i++) {
		w[i].rt = rt;
		wake_slot_init(&w[i].slot);
		wake_future_init(&w[i].fut, &w[i].slot, 1);
		atomic_init(&w[i].returned, 0);
		TEST_ATOMIC_VAR(&w[i].returned);
		start_thread(&threads[i], waiter_thread, &w[i]);
	}

	/* every waiter has polled once and is (about to be) asleep */
	for (unsigned i = 0; i < WAITERS; i++)
		wake_slot_wait_published(&w[i].slot, 1);
	sleep_ns(WAKE_DELAY_NS / 5);

	/* complete them last first; each wake-up reaches all sleepers */
	for (unsigned k = WAITERS; k-- > 0; ) {
		for (unsigned i = 0; i < WAITERS; i++)
			assert_int_equal(atomic_load_explicit(&w[i].returned,
				memory_order_acquire), i > k);
		wake_slot_complete(&w[k].slot, 1, 100 + k, 0);
		join_thread(threads[k]);
		assert_int_equal(atomic_load(&w[k].returned), 1);
		assert_int_equal(FUTURE_STATE(&w[k].fut),
			FUTURE_STATE_COMPLETE);
		assert_int_equal(FUTURE_OUTPUT(&w[k].fut)->result, 100 + k);
	}

	for (unsigned i = 0; i < WAITERS; i++) {
		wake_slot_fini(&w[i].slot);
		TEST_ATOMIC_DONE(&w[i].returned);
	}
	free(w);
	runtime_delete(rt);
}

/* the state the stress test shares with its completer thread */
struct stress {
	struct wake_slot slot;
	unsigned iterations;
};

/*
 * stress_thread -- completes each generation in turn, waking the runtime
 * at varied moments relative to the waiter going to sleep
 */
static void *
stress_thread(void *arg)
{
	struct stress *s = arg;

	for (unsigned gen = 1; gen <= s->iterations; gen++) {
		wake_slot_wait_published(&s->slot, gen);
		switch (gen % 5) {
		case 0:
			break;
		case 1:
			(void) sched_yield();
			break;
		case 2:
			for (volatile int i = 0; i < 200; i++)
				;
			break;
		case 3:
			(void) sched_yield();
			(void) sched_yield();
			break;
		default:
			/* the waiter lingers in its poll (see main loop) */
			break;
		}
		wake_slot_complete(&s->slot, gen, (uint64_t)gen * 7, 0);
	}
	return NULL;
}

/*
 * stress_iterations -- STRESS_ITERATIONS, or what the environment says
 * (slow tools such as valgrind may want fewer)
 */
static unsigned
stress_iterations(void)
{
	const char *env = getenv(STRESS_ENV);
	if (env == NULL || *env == '\0')
		return STRESS_ITERATIONS;
	unsigned long n = strtoul(env, NULL, 10);
	return n == 0 || n > STRESS_ITERATIONS * 100UL ?
		STRESS_ITERATIONS : (unsigned)n;
}

/*
 * test_runtime_stress_wakeups -- many rounds of "the other thread completes
 * and wakes, this one waits"; a lost wake-up hangs the test
 */
static void
test_runtime_stress_wakeups(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct stress *s = malloc(sizeof(*s));
	assert_non_null(s);
	wake_slot_init(&s->slot);
	s->iterations = stress_iterations();

	pthread_t thread;
	start_thread(&thread, stress_thread, s);

	for (unsigned gen = 1; gen <= s->iterations; gen++) {
		struct wake_future fut;
		wake_future_init(&fut, &s->slot, gen);
		fut.data.linger = gen % 5 == 4;
		runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		if (FUTURE_STATE(&fut) != FUTURE_STATE_COMPLETE ||
				FUTURE_OUTPUT(&fut)->result !=
				(uint64_t)gen * 7)
			fail_msg("round %u: state %d result %llu", gen,
				(int)FUTURE_STATE(&fut), (unsigned long long)
				FUTURE_OUTPUT(&fut)->result);
	}

	join_thread(thread);
	wake_slot_fini(&s->slot);
	free(s);
	runtime_delete(rt);
}

/*
 * The order in which a runtime polls: futures that log their id at every
 * poll, answer RUNNING (no notifier) until their last poll, and report
 * FUTURE_PROPERTY_ASYNC as they are told to.
 */
#define ORDER_LOG_MAX 64

struct order_log {
	int ids[ORDER_LOG_MAX];
	unsigned n;
};

struct order_data {
	struct order_log *log;
	int id;
	int async;
	unsigned polls_left;	/* the poll that takes it to 0 completes */
};

struct order_output {
	int id;
};

FUTURE(order_future, struct order_data, struct order_output);

/*
 * order_task -- logs the poll, completes at the last one
 */
static enum future_state
order_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct order_data *data = future_context_get_data(context);

	assert_true(data->log->n < ORDER_LOG_MAX);
	data->log->ids[data->log->n++] = data->id;
	if (--data->polls_left > 0)
		return FUTURE_STATE_RUNNING;
	((struct order_output *)future_context_get_output(context))->id =
		data->id;
	return FUTURE_STATE_COMPLETE;
}

/*
 * order_property -- ASYNC if the future was made so
 */
static int
order_property(void *future, enum future_property property)
{
	struct order_future *fut = future;
	return property == FUTURE_PROPERTY_ASYNC && fut->data.async;
}

/*
 * order_make -- a future logging id, complete at its polls-th poll
 */
static struct order_future
order_make(struct order_log *log, int id, int async, unsigned polls)
{
	struct order_future fut;
	memset(&fut, 0, sizeof(fut));
	FUTURE_INIT_EXT(&fut, order_task, order_property);
	fut.data.log = log;
	fut.data.id = id;
	fut.data.async = async;
	fut.data.polls_left = polls;
	return fut;
}

/*
 * expect_order -- the log holds exactly the ids given
 */
static void
expect_order(const struct order_log *log, const int *ids, unsigned n)
{
	assert_int_equal(log->n, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(log->ids[i], ids[i]);
}

/*
 * test_runtime_async_first -- in every pass, the futures that report
 * FUTURE_PROPERTY_ASYNC are polled before the others, each future once;
 * the caller's array keeps its order and the futures their padding
 */
static void
test_runtime_async_first(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct order_log log;
	memset(&log, 0, sizeof(log));

	struct order_future s0 = order_make(&log, 0, 0, 3);
	struct order_future a1 = order_make(&log, 1, 1, 3);
	struct order_future s2 = order_make(&log, 2, 0, 2);
	struct order_future a3 = order_make(&log, 3, 1, 1);
	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&s0), FUTURE_AS_RUNNABLE(&a1),
		FUTURE_AS_RUNNABLE(&s2), FUTURE_AS_RUNNABLE(&a3),
	};
	struct future *before[4];
	memcpy(before, futs, sizeof(futs));

	runtime_wait_multiple(rt, futs, 4);

	static const int want[] = {
		1, 3, 0, 2,	/* a3 completes */
		1, 0, 2,	/* s2 completes */
		1, 0,
	};
	expect_order(&log, want, sizeof(want) / sizeof(want[0]));
	assert_memory_equal(futs, before, sizeof(futs));
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(futs[i]->context.state,
			FUTURE_STATE_COMPLETE);
		assert_int_equal(futs[i]->context.padding, 0);
	}

	runtime_delete(rt);
}

/* a chain of two logging futures */
struct order_chain_data {
	FUTURE_CHAIN_ENTRY(struct order_future, first);
	FUTURE_CHAIN_ENTRY_LAST(struct order_future, second);
};

struct order_chain_output {
	int unused;
};

FUTURE(order_chain_future, struct order_chain_data,
	struct order_chain_output);

/*
 * order_chain_make -- a chain of a future logging id1 then one logging
 * id2, each complete at its second poll
 */
static struct order_chain_future
order_chain_make(struct order_log *log, int id1, int async1, int id2,
	int async2)
{
	struct order_chain_future chain;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		order_make(log, id1, async1, 2), NULL, NULL);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second,
		order_make(log, id2, async2, 2), NULL, NULL);
	FUTURE_CHAIN_INIT(&chain);
	return chain;
}

/*
 * test_runtime_async_first_chains -- a chain is asynchronous while the step
 * it runs is: it moves between the two groups as it goes on, and is still
 * polled once per pass (the group is decided before the pass polls it)
 */
static void
test_runtime_async_first_chains(void **state)
{
	(void) state;
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	struct order_log log;
	memset(&log, 0, sizeof(log));

	/* synchronous then asynchronous; asynchronous then synchronous */
	struct order_chain_future c0 = order_chain_make(&log, 10, 0, 11, 1);
	struct order_chain_future c1 = order_chain_make(&log, 20, 1, 21, 0);
	struct order_future s = order_make(&log, 30, 0, 4);
	struct future *futs[] = {
		FUTURE_AS_RUNNABLE(&c0), FUTURE_AS_RUNNABLE(&c1),
		FUTURE_AS_RUNNABLE(&s),
	};

	runtime_wait_multiple(rt, futs, 3);

	/* a chain whose step completes polls its next step at once */
	static const int want[] = {
		20, 10, 30,
		20, 21, 10, 11, 30,
		11, 21, 30,
		30,
	};
	expect_order(&log, want, sizeof(want) / sizeof(want[0]));

	runtime_delete(rt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_new_delete),
		cmocka_unit_test(test_runtime_new_enomem),
		cmocka_unit_test(test_runtime_wait_complete),
		cmocka_unit_test(test_runtime_wait_none),
		cmocka_unit_test(test_runtime_wait_waker_sleeps),
		cmocka_unit_test(test_runtime_wait_waker_early),
		cmocka_unit_test(test_runtime_wait_poller),
		cmocka_unit_test(test_runtime_wait_multiple_mixed),
		cmocka_unit_test(test_runtime_wait_multiple_wakers),
		cmocka_unit_test(test_runtime_wait_chain),
		cmocka_unit_test(test_runtime_async_first),
		cmocka_unit_test(test_runtime_async_first_chains),
		cmocka_unit_test(test_runtime_wait_multiple_empty),
		cmocka_unit_test(test_runtime_wake_during_poll),
		cmocka_unit_test(test_runtime_several_waiters),
		cmocka_unit_test(test_runtime_stress_wakeups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
