/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_future_helpers.h -- helpers shared by the future and runtime tests:
 * a countdown future that completes after a set number of polls and
 * records how it was polled, and atomic access to a poller's watched word
 */

#ifndef TEST_FUTURE_HELPERS_H
#define TEST_FUTURE_HELPERS_H 1

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <libminiasync/future.h>

/* no notifier_used seen yet (not a value of enum future_notifier_type) */
#define COUNTDOWN_SEEN_NOTHING (-1)

struct countdown_data {
	unsigned remaining;	/* polls that still answer RUNNING */
	unsigned polls;		/* times the task ran */
	unsigned null_notifiers; /* runs that got no notifier */
	int seen_used;		/* notifier_used as the last run found it */
	uint64_t value;		/* what the output gets on completion */
};

struct countdown_output {
	uint64_t value;
	unsigned polls;
};

FUTURE(countdown_future, struct countdown_data, struct countdown_output);

/*
 * countdown_task -- answers RUNNING (taking no notifier) until remaining
 * drops to zero, then writes value and the poll count to the output
 */
static inline enum future_state
countdown_task(struct future_context *context,
	struct future_notifier *notifier)
{
	struct countdown_data *data = future_context_get_data(context);
	struct countdown_output *output = future_context_get_output(context);

	data->polls++;
	if (notifier == NULL)
		data->null_notifiers++;
	else
		data->seen_used = (int)notifier->notifier_used;

	if (data->remaining > 0) {
		data->remaining--;
		return FUTURE_STATE_RUNNING;
	}

	output->value = data->value;
	output->polls = data->polls;
	return FUTURE_STATE_COMPLETE;
}

/*
 * countdown_init -- makes *fut an idle countdown future that answers RUNNING
 * to its first `running` polls and completes with value at the next one
 */
static inline void
countdown_init(struct countdown_future *fut, unsigned running,
	uint64_t value)
{
	memset(fut, 0, sizeof(*fut));
	FUTURE_INIT(fut, countdown_task);
	fut->data.remaining = running;
	fut->data.polls = 0;
	fut->data.null_notifiers = 0;
	fut->data.seen_used = COUNTDOWN_SEEN_NOTHING;
	fut->data.value = value;
	fut->output.value = 0;
	fut->output.polls = 0;
}

/*
 * countdown_init_complete -- makes *fut a future that is complete already,
 * with value in its output; its task is NULL, so polling it must not run
 * anything
 */
static inline void
countdown_init_complete(struct countdown_future *fut, uint64_t value)
{
	memset(fut, 0, sizeof(*fut));
	FUTURE_INIT_COMPLETE(fut);
	fut->output.value = value;
	fut->output.polls = 0;
}

/*
 * Helgrind knows nothing of C11 atomics: it takes atomic accesses for plain
 * ones and does not see the ordering acquire/release gives.  The tests tell
 * it, when its header is there: TEST_ATOMIC_VAR marks a variable accessed
 * only atomically (not checked for races), TEST_HAPPENS_BEFORE goes right
 * before a release store, TEST_HAPPENS_AFTER right after the acquire load
 * that saw it; both name the atomic variable.  TEST_ATOMIC_DONE ends all
 * that once the variable is no longer used, before its memory is reused
 * (drd keeps the annotation otherwise, and takes a later mutex at the same
 * stack address for it; drd knows only the last of the three requests,
 * which both tools share, and drops its objects in the range for it).
 */
#if defined(__has_include)
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#define TEST_HAPPENS_BEFORE(addr) ANNOTATE_HAPPENS_BEFORE(addr)
#define TEST_HAPPENS_AFTER(addr) ANNOTATE_HAPPENS_AFTER(addr)
#define TEST_ATOMIC_VAR(addr) \
	VALGRIND_HG_DISABLE_CHECKING((addr), sizeof(*(addr)))
#define TEST_ATOMIC_DONE(addr) do {\
	ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(addr);\
	VALGRIND_HG_ENABLE_CHECKING((addr), sizeof(*(addr)));\
	VALGRIND_HG_CLEAN_MEMORY((addr), sizeof(*(addr)));\
} while (0)
#endif
#endif

#ifndef TEST_HAPPENS_BEFORE
#define TEST_HAPPENS_BEFORE(addr) ((void)(addr))
#define TEST_HAPPENS_AFTER(addr) ((void)(addr))
#define TEST_ATOMIC_VAR(addr) ((void)(addr))
#define TEST_ATOMIC_DONE(addr) ((void)(addr))
#endif

/*
 * The runtime reads a poller's word through a uint64_t pointer with atomic
 * loads; the tests write it the same way, through an _Atomic view of it.
 */

/*
 * test_word_load -- reads a watched word (acquire)
 */
static inline uint64_t
test_word_load(uint64_t *word)
{
	uint64_t value = atomic_load_explicit((_Atomic uint64_t *)word,
		memory_order_acquire);
	TEST_HAPPENS_AFTER(word);
	return value;
}

/*
 * test_word_store -- sets a watched word (release: what was written before
 * it is visible to whoever sees the new value)
 */
static inline void
test_word_store(uint64_t *word, uint64_t value)
{
	TEST_HAPPENS_BEFORE(word);
	atomic_store_explicit((_Atomic uint64_t *)word, value,
		memory_order_release);
}

#endif /* TEST_FUTURE_HELPERS_H */
