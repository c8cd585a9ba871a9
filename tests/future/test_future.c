/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_future.c -- futures and chains: polling, notifiers, layout of data
 * and output, property queries, chains of eager, lazy and complete entries,
 * a chain that copies with the synchronous mover, and futures moved in
 * memory between polls
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <libminiasync.h>

#include "test_future_helpers.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * move_future -- moves a future of size bytes from *cur to a new heap
 * block, scribbles over and frees the old one (so that a pointer kept into
 * the old place shows up, under valgrind too), and returns the new place
 */
static void *
move_future(void *cur, size_t size)
{
	void *next = malloc(size);
	assert_non_null(next);
	memcpy(next, cur, size);
	memset(cur, 0xa5, size);
	free(cur);
	return next;
}

/*
 * clone_future -- a heap copy of a future of size bytes
 */
static void *
clone_future(const void *fut, size_t size)
{
	void *copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, fut, size);
	return copy;
}

/*
 * test_future_init_layout -- FUTURE_INIT fills the head of a future and the
 * accessors find its data and output where the compiler put them
 */
static void
test_future_init_layout(void **state)
{
	(void) state;
	struct countdown_future fut;
	countdown_init(&fut, 0, 7);

	struct future *runnable = FUTURE_AS_RUNNABLE(&fut);
	assert_ptr_equal(runnable, &fut.base);
	assert_ptr_equal(runnable->task, countdown_task);
	assert_null(runnable->has_property);
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_IDLE);
	assert_int_equal(runnable->context.data_size,
		offsetof(struct countdown_future, output) -
		offsetof(struct countdown_future, data));
	assert_int_equal(runnable->context.output_size,
		sizeof(struct countdown_output));
	assert_int_equal(runnable->context.padding, 0);

	assert_ptr_equal(FUTURE_DATA(&fut), &fut.data);
	assert_ptr_equal(FUTURE_OUTPUT(&fut), &fut.output);
	assert_ptr_equal(future_context_get_data(&runnable->context),
		FUTURE_DATA(&fut));
	assert_ptr_equal(future_context_get_output(&runnable->context),
		FUTURE_OUTPUT(&fut));
	assert_int_equal(future_context_get_size(&runnable->context),
		runnable->context.data_size + sizeof(struct countdown_output));
	/* data and output end where the struct does (no tail padding here) */
	assert_int_equal(sizeof(struct future) +
		future_context_get_size(&runnable->context), sizeof(fut));
}

/* property queries seen by prop_async / prop_none */
static unsigned prop_calls;
static void *prop_last_future;

/*
 * prop_async -- a property function: the future is ASYNC
 */
static int
prop_async(void *future, enum future_property property)
{
	prop_calls++;
	prop_last_future = future;
	return property == FUTURE_PROPERTY_ASYNC;
}

/*
 * prop_none -- a property function that denies every property
 */
static int
prop_none(void *future, enum future_property property)
{
	(void) property;
	prop_calls++;
	prop_last_future = future;
	return 0;
}

/*
 * test_future_init_ext -- FUTURE_INIT_EXT stores the property function
 * besides what FUTURE_INIT stores
 */
static void
test_future_init_ext(void **state)
{
	(void) state;
	struct countdown_future fut;
	countdown_init(&fut, 0, 1);
	FUTURE_INIT_EXT(&fut, countdown_task, prop_async);

	assert_ptr_equal(fut.base.task, countdown_task);
	assert_ptr_equal(fut.base.has_property, prop_async);
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_IDLE);
	assert_int_equal(fut.base.context.output_size,
		sizeof(struct countdown_output));
}

/*
 * test_future_poll_once -- a task that completes at its first poll writes
 * its output; polls after completion do not run the task again
 */
static void
test_future_poll_once(void **state)
{
	(void) state;
	struct countdown_future fut;
	struct future_notifier notifier;
	memset(&notifier, 0, sizeof(notifier));
	countdown_init(&fut, 0, 0x1234);

	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), &notifier),
		FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 0x1234);
	assert_int_equal(fut.data.polls, 1);

	for (int i = 0; i < 3; i++)
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut),
			&notifier), FUTURE_STATE_COMPLETE);
	assert_int_equal(fut.data.polls, 1);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 0x1234);
}

/*
 * test_future_poll_several -- a task that needs several polls stays
 * RUNNING until it is done; the state the task returns is the future's
 */
static void
test_future_poll_several(void **state)
{
	(void) state;
	struct countdown_future fut;
	struct future_notifier notifier;
	memset(&notifier, 0, sizeof(notifier));
	countdown_init(&fut, 5, 99);

	for (unsigned i = 1; i <= 5; i++) {
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut),
			&notifier), FUTURE_STATE_RUNNING);
		assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_RUNNING);
		assert_int_equal(fut.data.polls, i);
		assert_int_equal(FUTURE_OUTPUT(&fut)->value, 0);
		assert_int_equal(notifier.notifier_used,
			FUTURE_NOTIFIER_NONE);
	}
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), &notifier),
		FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 99);
	assert_int_equal(FUTURE_OUTPUT(&fut)->polls, 6);
	assert_int_equal(fut.data.null_notifiers, 0);
}

/*
 * test_future_poll_null_notifier -- a future may be polled without a
 * notifier; the task then gets NULL
 */
static void
test_future_poll_null_notifier(void **state)
{
	(void) state;
	struct countdown_future fut;
	countdown_init(&fut, 2, 5);

	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), NULL),
		FUTURE_STATE_COMPLETE);
	assert_int_equal(fut.data.null_notifiers, 3);
	assert_int_equal(fut.data.seen_used, COUNTDOWN_SEEN_NOTHING);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 5);
}

/* a future whose task never touches the notifier it is given */
struct quiet_data {
	unsigned polls;
};

struct quiet_output {
	unsigned done;
};

FUTURE(quiet_future, struct quiet_data, struct quiet_output);

/*
 * quiet_task -- completes at its third poll without looking at notifier
 */
static enum future_state
quiet_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct quiet_data *data = future_context_get_data(context);
	struct quiet_output *output = future_context_get_output(context);

	if (++data->polls < 3)
		return FUTURE_STATE_RUNNING;
	output->done = 1;
	return FUTURE_STATE_COMPLETE;
}

/*
 * test_future_poll_leaves_notifier -- future_poll() neither reads nor
 * writes the notifier: one on a page that cannot be touched at all is fine
 * for a task that does not use it, and one on readable memory keeps every
 * byte the poller put there (notifier_used included)
 */
static void
test_future_poll_leaves_notifier(void **state)
{
	(void) state;
	long page = sysconf(_SC_PAGESIZE);
	void *none = mmap(NULL, (size_t)page, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(none != MAP_FAILED);

	struct quiet_future fut;
	memset(&fut, 0, sizeof(fut));
	FUTURE_INIT(&fut, quiet_task);
	while (future_poll(FUTURE_AS_RUNNABLE(&fut), none) !=
			FUTURE_STATE_COMPLETE)
		;
	assert_int_equal(fut.data.polls, 3);
	assert_int_equal(FUTURE_OUTPUT(&fut)->done, 1);
	/* a complete future is not polled: the notifier is not touched */
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), none),
		FUTURE_STATE_COMPLETE);
	assert_int_equal(munmap(none, (size_t)page), 0);

	struct future_notifier notifier, before;
	memset(&notifier, 0x5a, sizeof(notifier));
	notifier.notifier_used = FUTURE_NOTIFIER_POLLER;
	before = notifier;
	memset(&fut, 0, sizeof(fut));
	FUTURE_INIT(&fut, quiet_task);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), &notifier),
		FUTURE_STATE_RUNNING);
	assert_memory_equal(&notifier, &before, sizeof(notifier));
}

/*
 * test_future_busy_poll -- FUTURE_BUSY_POLL polls until completion
 */
static void
test_future_busy_poll(void **state)
{
	(void) state;
	struct countdown_future fut;
	countdown_init(&fut, 10, 77);

	FUTURE_BUSY_POLL(&fut);
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 77);
	assert_int_equal(fut.data.polls, 11);
	assert_int_equal(fut.data.null_notifiers, 11);

	/* busy polling a complete future returns at once */
	FUTURE_BUSY_POLL(&fut);
	assert_int_equal(fut.data.polls, 11);
}

/*
 * test_future_init_complete -- a future made complete runs no task (it has
 * none), keeps its output and has no property
 */
static void
test_future_init_complete(void **state)
{
	(void) state;
	struct countdown_future fut;
	struct future_notifier notifier;
	memset(&notifier, 0, sizeof(notifier));
	countdown_init_complete(&fut, 31);

	assert_null(fut.base.task);
	assert_null(fut.base.has_property);
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	assert_int_equal(fut.base.context.output_size,
		sizeof(struct countdown_output));
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), &notifier),
		FUTURE_STATE_COMPLETE);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), NULL),
		FUTURE_STATE_COMPLETE);
	FUTURE_BUSY_POLL(&fut);
	assert_int_equal(FUTURE_OUTPUT(&fut)->value, 31);
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
		FUTURE_PROPERTY_ASYNC), 0);
}

/* a data struct whose size is not a multiple of the output's alignment */
struct char_data {
	char c;
};

struct ptr_output {
	void *p;
};

FUTURE(charptr_future, struct char_data, struct ptr_output);

/* the address charptr_task writes to its output */
static int charptr_target;

/*
 * charptr_task -- reads the data through the context, writes a pointer to
 * the output through the context
 */
static enum future_state
charptr_task(struct future_context *context,
	struct future_notifier *notifier)
{
	(void) notifier;
	struct char_data *data = future_context_get_data(context);
	struct ptr_output *output = future_context_get_output(context);

	if (data->c != 'x')
		return FUTURE_STATE_RUNNING;
	output->p = &charptr_target;
	data->c = 'y';
	return FUTURE_STATE_COMPLETE;
}

/* twelve bytes of data before an eight-byte output */
struct three_data {
	uint32_t a, b, c;
};

struct u64_output {
	uint64_t v;
};

FUTURE(three_future, struct three_data, struct u64_output);

/*
 * three_task -- adds its three words into the output
 */
static enum future_state
three_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct three_data *data = future_context_get_data(context);
	struct u64_output *output = future_context_get_output(context);

	output->v = (uint64_t)data->a + data->b + data->c;
	return FUTURE_STATE_COMPLETE;
}

/*
 * test_future_output_alignment -- the task finds the output where the
 * compiler put it even when padding separates it from the data
 */
static void
test_future_output_alignment(void **state)
{
	(void) state;
	struct charptr_future fut;
	memset(&fut, 0xee, sizeof(fut));
	FUTURE_INIT(&fut, charptr_task);
	fut.data.c = 'x';

	assert_true(fut.base.context.data_size > sizeof(struct char_data));
	assert_int_equal(fut.base.context.data_size,
		offsetof(struct charptr_future, output) -
		offsetof(struct charptr_future, data));
	assert_ptr_equal(future_context_get_output(&fut.base.context),
		&fut.output);

	FUTURE_BUSY_POLL(&fut);
	assert_ptr_equal(FUTURE_OUTPUT(&fut)->p, &charptr_target);
	assert_int_equal(FUTURE_DATA(&fut)->c, 'y');

	struct three_future t;
	memset(&t, 0xee, sizeof(t));
	FUTURE_INIT(&t, three_task);
	t.data.a = 1;
	t.data.b = 20;
	t.data.c = 300;
	assert_ptr_equal(future_context_get_output(&t.base.context),
		&t.output);
	FUTURE_BUSY_POLL(&t);
	assert_int_equal(FUTURE_OUTPUT(&t)->v, 321);
}

/*
 * test_future_has_property -- no property function: no property; with one:
 * its answer, given the future itself
 */
static void
test_future_has_property(void **state)
{
	(void) state;
	struct countdown_future fut;
	countdown_init(&fut, 0, 0);

	prop_calls = 0;
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(prop_calls, 0);

	FUTURE_INIT_EXT(&fut, countdown_task, prop_async);
	prop_last_future = NULL;
	assert_int_not_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(prop_calls, 1);
	assert_ptr_equal(prop_last_future, FUTURE_AS_RUNNABLE(&fut));

	FUTURE_INIT_EXT(&fut, countdown_task, prop_none);
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(prop_calls, 2);
}

/*
 * test_future_moved_between_polls -- a future copied elsewhere between
 * polls goes on from where it was
 */
static void
test_future_moved_between_polls(void **state)
{
	(void) state;
	struct countdown_future fut;
	countdown_init(&fut, 4, 1000);
	struct countdown_future *cur = clone_future(&fut, sizeof(fut));

	unsigned polls = 0;
	while (future_poll(FUTURE_AS_RUNNABLE(cur), NULL) !=
			FUTURE_STATE_COMPLETE) {
		polls++;
		assert_true(polls <= 4);
		cur = move_future(cur, sizeof(*cur));
	}
	assert_int_equal(polls, 4);
	assert_int_equal(FUTURE_OUTPUT(cur)->value, 1000);
	assert_int_equal(FUTURE_OUTPUT(cur)->polls, 5);
	free(cur);
}

/*
 * Chains.  Every entry below is a step future: at each poll it logs its id;
 * once its remaining polls are used up it computes in * mul + add.  Maps log
 * 100 + the id of the entry they follow, lazy inits 200 + the id of the
 * entry they build, so the log shows the order of everything.
 */
#define EV_MAP(id) (100 + (id))
#define EV_INIT(id) (200 + (id))

struct step_log {
	int events[64];
	unsigned n;
};

/*
 * log_event -- appends an event to the log
 */
static void
log_event(struct step_log *log, int event)
{
	assert_true(log->n < ARRAY_SIZE(log->events));
	log->events[log->n++] = event;
}

/*
 * assert_log -- the log holds exactly the n events of expected
 */
static void
assert_log(const struct step_log *log, const int *expected, unsigned n)
{
	for (unsigned i = 0; i < n && i < log->n; i++) {
		if (log->events[i] != expected[i])
			fail_msg("event %u is %d, expected %d", i,
				log->events[i], expected[i]);
	}
	assert_int_equal(log->n, n);
}

struct step_data {
	struct step_log *log;
	int id;
	unsigned remaining;
	uint64_t in;
	uint64_t mul;
	uint64_t add;
};

struct step_output {
	uint64_t out;
	int id;
};

FUTURE(step_future, struct step_data, struct step_output);

/*
 * step_task -- logs the poll; RUNNING while polls remain, then computes
 */
static enum future_state
step_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct step_data *data = future_context_get_data(context);
	struct step_output *output = future_context_get_output(context);

	log_event(data->log, data->id);
	if (data->remaining > 0) {
		data->remaining--;
		return FUTURE_STATE_RUNNING;
	}
	output->out = data->in * data->mul + data->add;
	output->id = data->id;
	return FUTURE_STATE_COMPLETE;
}

/*
 * step_make -- an idle step future
 */
static struct step_future
step_make(struct step_log *log, int id, unsigned remaining, uint64_t in,
	uint64_t mul, uint64_t add)
{
	struct step_future fut;
	memset(&fut, 0, sizeof(fut));
	FUTURE_INIT(&fut, step_task);
	fut.data.log = log;
	fut.data.id = id;
	fut.data.remaining = remaining;
	fut.data.in = in;
	fut.data.mul = mul;
	fut.data.add = add;
	return fut;
}

/*
 * step_make_prop -- an idle step future with a property function
 */
static struct step_future
step_make_prop(struct step_log *log, int id, future_has_property_fn prop)
{
	struct step_future fut = step_make(log, id, 0, 1, 1, 0);
	FUTURE_INIT_EXT(&fut, step_task, prop);
	return fut;
}

/*
 * step_make_complete -- a step future that is complete already with out
 */
static struct step_future
step_make_complete(int id, uint64_t out)
{
	struct step_future fut;
	memset(&fut, 0, sizeof(fut));
	FUTURE_INIT_COMPLETE(&fut);
	fut.output.out = out;
	fut.output.id = id;
	return fut;
}

/* the output of every chain of step futures */
struct chain_output {
	uint64_t result;
	int from;
};

#define CHAIN_OUTPUT_UNSET 0xdeadbeefULL

/*
 * map_step_to_step -- hands a step's result to the next step as its input
 */
static void
map_step_to_step(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	struct step_output *output = future_context_get_output(lhs);
	struct step_data *next = future_context_get_data(rhs);

	assert_int_equal(rhs->data_size, sizeof(struct step_data));
	assert_int_equal(rhs->output_size, sizeof(struct step_output));
	log_event(arg, EV_MAP(output->id));
	next->in = output->out;
}

/*
 * map_step_to_chain -- writes the last step's result to the chain output
 */
static void
map_step_to_chain(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	struct step_output *output = future_context_get_output(lhs);
	struct chain_output *chain = future_context_get_output(rhs);

	assert_int_equal(rhs->output_size, sizeof(struct chain_output));
	log_event(arg, EV_MAP(output->id));
	chain->result = output->out;
	chain->from = output->id;
}

/* two entries, the second declared last */
struct chain2_data {
	FUTURE_CHAIN_ENTRY(struct step_future, first);
	FUTURE_CHAIN_ENTRY_LAST(struct step_future, second);
};

FUTURE(chain2_future, struct chain2_data, struct chain_output);

/*
 * chain2_init -- first computes 3 * 2 + 1 = 7 after first_running
 * RUNNING polls, second 7 * 10 + 5 = 75
 */
static void
chain2_init(struct chain2_future *chain, struct step_log *log,
	unsigned first_running)
{
	memset(chain, 0, sizeof(*chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain->data.first,
		step_make(log, 1, first_running, 3, 2, 1),
		map_step_to_step, log);
	FUTURE_CHAIN_ENTRY_INIT(&chain->data.second,
		step_make(log, 2, 0, 0, 10, 5), map_step_to_chain, log);
	FUTURE_CHAIN_INIT(chain);
	chain->output.result = CHAIN_OUTPUT_UNSET;
	chain->output.from = -1;
}

/*
 * test_chain_init -- the entry and chain initialisers fill what they should
 */
static void
test_chain_init(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;
	chain2_init(&chain, &log, 0);

	assert_ptr_equal(chain.base.task, future__chain_task);
	assert_ptr_equal(chain.base.has_property, future__chain_has_property);
	assert_int_equal(FUTURE_STATE(&chain), FUTURE_STATE_IDLE);
	assert_int_equal(chain.base.context.data_size,
		sizeof(struct chain2_data));
	assert_int_equal(chain.base.context.output_size,
		sizeof(struct chain_output));

	assert_ptr_equal(chain.data.first.map, map_step_to_step);
	assert_ptr_equal(chain.data.first.map_arg, &log);
	assert_null(chain.data.first.init);
	assert_int_equal(chain.data.first.flags, 0);
	assert_int_equal(chain.data.first.fut.data.id, 1);
	assert_int_equal(chain.data.second.flags,
		FUTURE_CHAIN_FLAG_ENTRY_LAST);

	/* an entry's head is laid out as struct future_chain_entry */
	assert_int_equal(offsetof(struct chain2_data, first.fut),
		offsetof(struct future_chain_entry, future));
	assert_int_equal(offsetof(struct chain2_data, first.flags),
		offsetof(struct future_chain_entry, flags));
	assert_int_equal(log.n, 0);
}

/*
 * test_chain2_in_order -- the first entry runs alone while it is RUNNING
 * (and so is the chain), then its map feeds the second, whose map writes
 * the chain's output
 */
static void
test_chain2_in_order(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;
	struct future_notifier notifier;
	memset(&notifier, 0, sizeof(notifier));
	chain2_init(&chain, &log, 2);

	for (int i = 0; i < 2; i++) {
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain),
			&notifier), FUTURE_STATE_RUNNING);
		assert_int_equal(FUTURE_STATE(&chain), FUTURE_STATE_RUNNING);
		assert_int_equal(chain.output.result, CHAIN_OUTPUT_UNSET);
	}
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), &notifier),
		FUTURE_STATE_COMPLETE);

	static const int expected[] = {
		1, 1, 1, EV_MAP(1), 2, EV_MAP(2)
	};
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_int_equal(chain.data.first.fut.output.out, 7);
	assert_int_equal(chain.data.second.fut.data.in, 7);
	assert_int_equal(chain.output.result, 75);
	assert_int_equal(chain.output.from, 2);

	/* a complete chain runs nothing more */
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), &notifier),
		FUTURE_STATE_COMPLETE);
	assert_int_equal(log.n, ARRAY_SIZE(expected));
}

/*
 * test_chain2_busy_poll -- a chain polled with a NULL notifier
 */
static void
test_chain2_busy_poll(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;
	chain2_init(&chain, &log, 3);

	FUTURE_BUSY_POLL(&chain);
	assert_int_equal(chain.output.result, 75);
	assert_int_equal(log.n, 7);
}

/* three entries, none declared last: the data's size ends the chain */
struct chain3_data {
	FUTURE_CHAIN_ENTRY(struct step_future, a);
	FUTURE_CHAIN_ENTRY(struct step_future, b);
	FUTURE_CHAIN_ENTRY(struct step_future, c);
};

FUTURE(chain3_future, struct chain3_data, struct chain_output);

/*
 * test_chain3_eager -- three eager entries run in order, each fed by the
 * previous one's map; the chain ends after the third without a LAST mark
 */
static void
test_chain3_eager(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain3_future chain;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.a, step_make(&log, 1, 0, 2, 3, 0),
		map_step_to_step, &log);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.b, step_make(&log, 2, 1, 0, 5, 1),
		map_step_to_step, &log);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.c, step_make(&log, 3, 0, 0, 2, 0),
		map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = CHAIN_OUTPUT_UNSET;
	assert_int_equal(chain.data.c.flags, 0);

	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_COMPLETE);

	/* (2 * 3) -> (6 * 5 + 1) -> (31 * 2) */
	static const int expected[] = {
		1, EV_MAP(1), 2, 2, EV_MAP(2), 3, EV_MAP(3)
	};
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_int_equal(chain.output.result, 62);
	assert_int_equal(chain.output.from, 3);
}

/* what a lazy init of a chain3 entry is told and what it saw */
struct lazy_arg {
	struct step_log *log;
	int id;			/* 2 builds entry b, 3 builds entry c */
	unsigned remaining;	/* RUNNING polls of the entry it builds */
	unsigned calls;
	uint64_t seen_prev;	/* the previous entry's output at init */
	int seen_prev_id;
};

/*
 * lazy_step_init -- builds entry b or c of a chain3 from the output of the
 * entry before it, read through the chain's context: the new step adds
 * that output to in * mul (in comes later, from the previous map)
 */
static void
lazy_step_init(void *future, struct future_context *chain, void *arg)
{
	struct lazy_arg *la = arg;
	struct chain3_data *data = future_context_get_data(chain);
	struct step_future *prev = la->id == 2 ? &data->a.fut : &data->b.fut;

	assert_int_equal(chain->data_size, sizeof(struct chain3_data));
	assert_int_equal(prev->base.context.state, FUTURE_STATE_COMPLETE);
	assert_ptr_equal(future, la->id == 2 ? (void *)&data->b.fut :
		(void *)&data->c.fut);

	la->calls++;
	log_event(la->log, EV_INIT(la->id));
	la->seen_prev = prev->output.out;
	la->seen_prev_id = prev->output.id;
	*(struct step_future *)future = step_make(la->log, la->id,
		la->remaining, 0, 3, la->seen_prev);
}

/*
 * chain3_lazy_init -- a eager (2 + 3 = 5 after a_running RUNNING polls),
 * b lazy (5 * 3 + 5 = 20 after 2 RUNNING polls), c lazy (20 * 3 + 20 = 80)
 */
static void
chain3_lazy_init(struct chain3_future *chain, struct step_log *log,
	struct lazy_arg *lb, struct lazy_arg *lc, unsigned a_running)
{
	memset(chain, 0, sizeof(*chain));
	memset(lb, 0, sizeof(*lb));
	memset(lc, 0, sizeof(*lc));
	lb->log = log;
	lb->id = 2;
	lb->remaining = 2;
	lc->log = log;
	lc->id = 3;
	lc->remaining = 0;

	FUTURE_CHAIN_ENTRY_INIT(&chain->data.a,
		step_make(log, 1, a_running, 2, 1, 3), map_step_to_step, log);
	FUTURE_CHAIN_ENTRY_LAZY_INIT(&chain->data.b, lazy_step_init, lb,
		map_step_to_step, log);
	FUTURE_CHAIN_ENTRY_LAZY_INIT(&chain->data.c, lazy_step_init, lc,
		map_step_to_chain, log);
	FUTURE_CHAIN_INIT(chain);
	chain->output.result = CHAIN_OUTPUT_UNSET;
}

/*
 * assert_chain3_lazy_done -- what a chain made by chain3_lazy_init leaves
 */
static void
assert_chain3_lazy_done(struct chain3_future *chain, struct lazy_arg *lb,
	struct lazy_arg *lc)
{
	assert_int_equal(lb->calls, 1);
	assert_int_equal(lb->seen_prev, 5);
	assert_int_equal(lb->seen_prev_id, 1);
	assert_int_equal(lc->calls, 1);
	assert_int_equal(lc->seen_prev, 20);
	assert_int_equal(lc->seen_prev_id, 2);
	assert_int_equal(chain->output.result, 80);
	assert_int_equal(chain->output.from, 3);
}

/*
 * test_chain3_lazy -- lazy entries are built once, when the chain reaches
 * them, before the previous map writes into them, and they see what the
 * earlier entries produced; a lazy entry that needs several polls keeps the
 * chain RUNNING without being built again
 */
static void
test_chain3_lazy(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct lazy_arg lb, lc;
	struct chain3_future chain;
	chain3_lazy_init(&chain, &log, &lb, &lc, 0);

	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(lb.calls, 1);
	assert_int_equal(lc.calls, 0);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_COMPLETE);

	static const int expected[] = {
		1, EV_INIT(2), EV_MAP(1), 2,
		2,
		2, EV_INIT(3), EV_MAP(2), 3, EV_MAP(3)
	};
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_chain3_lazy_done(&chain, &lb, &lc);
}

/*
 * entry_is_last, entry_is_processed, entry_is_initialized -- the flag
 * macros on an entry seen as the struct every entry begins with, as the
 * chain's code sees it
 */
static int
entry_is_last(void *entry)
{
	return FUTURE_CHAIN_ENTRY_IS_LAST((struct future_chain_entry *)entry);
}

static int
entry_is_processed(void *entry)
{
	return FUTURE_CHAIN_ENTRY_IS_PROCESSED(
		(struct future_chain_entry *)entry);
}

static int
entry_is_initialized(void *entry)
{
	return FUTURE_CHAIN_ENTRY_IS_INITIALIZED(
		(struct future_chain_entry *)entry);
}

/*
 * test_chain_entry_flags -- FUTURE_CHAIN_ENTRY_IS_LAST, _IS_PROCESSED,
 * _IS_INITIALIZED and _HAS_FLAG follow a chain's entries through its life,
 * on the entries as declared and as struct future_chain_entry
 */
static void
test_chain_entry_flags(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct lazy_arg lb, lc;
	struct chain3_future chain;
	chain3_lazy_init(&chain, &log, &lb, &lc, 1);

	assert_int_equal(FUTURE_CHAIN_ENTRY_REGULAR, 1);
	assert_int_equal(FUTURE_CHAIN_ENTRY_LAST, 2);

	/* declared without a last entry: none is last */
	assert_false(FUTURE_CHAIN_ENTRY_IS_LAST(&chain.data.a));
	assert_false(FUTURE_CHAIN_ENTRY_IS_LAST(&chain.data.c));
	assert_true(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.a));
	assert_false(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.b));
	assert_false(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.c));
	assert_false(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.a));

	/* a answers RUNNING once: nothing changes */
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_false(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.a));
	assert_false(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.b));

	/* a completes; b is built and polled, and runs */
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_true(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.a));
	assert_true(entry_is_processed(&chain.data.a));
	assert_true(FUTURE_CHAIN_ENTRY_HAS_FLAG(&chain.data.a,
		FUTURE_CHAIN_FLAG_ENTRY_PROCESSED));
	assert_false(FUTURE_CHAIN_ENTRY_HAS_FLAG(&chain.data.a,
		FUTURE_CHAIN_VALID_FLAGS));
	assert_true(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.b));
	assert_true(entry_is_initialized(&chain.data.b));
	assert_false(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.b));
	assert_false(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.c));

	FUTURE_BUSY_POLL(&chain);
	assert_true(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.b));
	assert_true(FUTURE_CHAIN_ENTRY_IS_PROCESSED(&chain.data.c));
	assert_true(FUTURE_CHAIN_ENTRY_IS_INITIALIZED(&chain.data.c));
	assert_chain3_lazy_done(&chain, &lb, &lc);

	/* a chain declared with a last entry */
	struct chain2_future c2;
	chain2_init(&c2, &log, 0);
	assert_false(FUTURE_CHAIN_ENTRY_IS_LAST(&c2.data.first));
	assert_true(FUTURE_CHAIN_ENTRY_IS_LAST(&c2.data.second));
	assert_true(entry_is_last(&c2.data.second));
	assert_false(entry_is_last(&c2.data.first));
	FUTURE_BUSY_POLL(&c2);
	assert_true(FUTURE_CHAIN_ENTRY_HAS_FLAG(&c2.data.second,
		FUTURE_CHAIN_VALID_FLAGS));
}

/* two entries, the last followed by a member of the chain's own */
struct chain2x_data {
	FUTURE_CHAIN_ENTRY(struct step_future, first);
	FUTURE_CHAIN_ENTRY_LAST(struct step_future, second);
	/*
	 * Laid out as an entry with no map, no init and no flags, holding
	 * a step future with id 9: a chain that took it for an entry would
	 * log 9 and hand the last map this instead of the chain.
	 */
	struct {
		uint64_t head[5];
		struct step_future fut;
	} extra;
	uint64_t tag;
};

FUTURE(chain2x_future, struct chain2x_data, struct chain_output);

/*
 * test_chain_member_after_last -- a member after the LAST entry is no entry:
 * it is never polled nor written, and the last map writes the chain output
 */
static void
test_chain_member_after_last(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2x_future chain;
	memset(&chain, 0, sizeof(chain));
	MINIASYNC_STATIC_ASSERT(sizeof(chain.data.extra) >=
		sizeof(struct future_chain_entry),
		"the extra member is big enough to pass for an entry");

	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		step_make(&log, 1, 1, 3, 2, 1), map_step_to_step, &log);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second,
		step_make(&log, 2, 1, 0, 10, 5), map_step_to_chain, &log);
	chain.data.extra.fut = step_make(&log, 9, 0, 0, 0, 0);
	chain.data.tag = 0x1122334455667788ULL;
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = CHAIN_OUTPUT_UNSET;

	struct chain2x_future before = chain;

	FUTURE_BUSY_POLL(&chain);

	static const int expected[] = {
		1, 1, EV_MAP(1), 2, 2, EV_MAP(2)
	};
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_int_equal(chain.output.result, 75);
	assert_int_equal(chain.output.from, 2);
	assert_memory_equal(&chain.data.extra, &before.data.extra,
		sizeof(chain.data.extra));
	assert_int_equal(chain.data.tag, 0x1122334455667788ULL);
	assert_int_equal(FUTURE_STATE(&chain.data.extra.fut),
		FUTURE_STATE_IDLE);

	/* the property query does not look at the extra member either */
	chain.data.extra.fut.base.has_property = prop_async;
	prop_calls = 0;
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&chain),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(prop_calls, 0);
}

/*
 * test_chain_complete_entries -- an entry whose future is complete from
 * the start runs no task; its map still hands its output on
 */
static void
test_chain_complete_entries(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;

	/* complete first entry: 42 feeds the second, 42 * 10 + 5 */
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first, step_make_complete(1, 42),
		map_step_to_step, &log);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second,
		step_make(&log, 2, 0, 0, 10, 5), map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = CHAIN_OUTPUT_UNSET;
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_COMPLETE);
	static const int expected1[] = { EV_MAP(1), 2, EV_MAP(2) };
	assert_log(&log, expected1, ARRAY_SIZE(expected1));
	assert_int_equal(chain.output.result, 425);

	/* complete last entry: its preset output becomes the chain's */
	log.n = 0;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		step_make(&log, 1, 0, 3, 2, 1), map_step_to_step, &log);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second, step_make_complete(2, 8),
		map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = CHAIN_OUTPUT_UNSET;
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_COMPLETE);
	static const int expected2[] = { 1, EV_MAP(1), EV_MAP(2) };
	assert_log(&log, expected2, ARRAY_SIZE(expected2));
	assert_int_equal(chain.output.result, 8);
	assert_int_equal(chain.output.from, 2);

	/* every entry complete: done at the first poll */
	log.n = 0;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first, step_make_complete(1, 4),
		map_step_to_step, &log);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second, step_make_complete(2, 6),
		map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&chain);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_COMPLETE);
	static const int expected3[] = { EV_MAP(1), EV_MAP(2) };
	assert_log(&log, expected3, ARRAY_SIZE(expected3));
	assert_int_equal(chain.output.result, 6);
}

/*
 * test_chain_without_maps -- entries without a map still run in order; the
 * chain's output is left alone
 */
static void
test_chain_without_maps(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		step_make(&log, 1, 1, 1, 1, 1), NULL, NULL);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.second,
		step_make(&log, 2, 0, 4, 1, 1), NULL, NULL);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = CHAIN_OUTPUT_UNSET;

	FUTURE_BUSY_POLL(&chain);
	static const int expected[] = { 1, 1, 2 };
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_int_equal(chain.data.second.fut.data.in, 4);
	assert_int_equal(chain.data.second.fut.output.out, 5);
	assert_int_equal(chain.output.result, CHAIN_OUTPUT_UNSET);
}

/*
 * chain2_props -- a chain2 whose entries have the given property functions
 */
static void
chain2_props(struct chain2_future *chain, struct step_log *log,
	future_has_property_fn first, future_has_property_fn second)
{
	memset(chain, 0, sizeof(*chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain->data.first,
		step_make_prop(log, 1, first), map_step_to_step, log);
	FUTURE_CHAIN_ENTRY_INIT(&chain->data.second,
		step_make_prop(log, 2, second), map_step_to_chain, log);
	FUTURE_CHAIN_INIT(chain);
}

/*
 * chain2_props_slow -- a two-entry chain whose entries answer RUNNING once
 * before they complete, with the property functions given
 */
static void
chain2_props_slow(struct chain2_future *chain, struct step_log *log,
	future_has_property_fn first, future_has_property_fn second)
{
	struct step_future a = step_make(log, 1, 1, 1, 1, 0);
	struct step_future b = step_make(log, 2, 1, 1, 1, 0);

	FUTURE_INIT_EXT(&a, step_task, first);
	FUTURE_INIT_EXT(&b, step_task, second);
	memset(chain, 0, sizeof(*chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain->data.first, a, map_step_to_step, log);
	FUTURE_CHAIN_ENTRY_INIT(&chain->data.second, b, map_step_to_chain,
		log);
	FUTURE_CHAIN_INIT(chain);
}

/*
 * chain_async -- non-zero if the chain reports FUTURE_PROPERTY_ASYNC
 */
static int
chain_async(struct chain2_future *chain)
{
	return future_has_property(FUTURE_AS_RUNNABLE(chain),
		FUTURE_PROPERTY_ASYNC);
}

/*
 * test_chain_property -- a chain has a property when the entry it runs next
 * has it: the first entry before it completes, then the second; a chain
 * that is done has none
 */
static void
test_chain_property(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;

	chain2_props(&chain, &log, NULL, NULL);
	assert_int_equal(chain_async(&chain), 0);

	chain2_props(&chain, &log, prop_none, prop_none);
	assert_int_equal(chain_async(&chain), 0);

	chain2_props(&chain, &log, prop_async, NULL);
	prop_last_future = NULL;
	assert_int_not_equal(chain_async(&chain), 0);
	/* the entry's function is asked about the entry's future */
	assert_ptr_equal(prop_last_future,
		FUTURE_AS_RUNNABLE(&chain.data.first.fut));

	/* synchronous first, asynchronous second */
	chain2_props_slow(&chain, &log, prop_none, prop_async);
	assert_int_equal(chain_async(&chain), 0);
	/* the first entry answers RUNNING: it is still the one that runs */
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(chain_async(&chain), 0);
	/* it completes, and the chain goes on to the second */
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	prop_last_future = NULL;
	assert_int_not_equal(chain_async(&chain), 0);
	assert_ptr_equal(prop_last_future,
		FUTURE_AS_RUNNABLE(&chain.data.second.fut));
	FUTURE_BUSY_POLL(&chain);
	assert_int_equal(chain_async(&chain), 0);

	/* asynchronous first, synchronous second */
	chain2_props_slow(&chain, &log, prop_async, NULL);
	assert_int_not_equal(chain_async(&chain), 0);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_not_equal(chain_async(&chain), 0);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(chain_async(&chain), 0);
	FUTURE_BUSY_POLL(&chain);
	assert_int_equal(chain_async(&chain), 0);
}

/*
 * test_chain_v02_names -- a chain made with miniasync 0.2's names for the
 * chain's task and property function runs as FUTURE_CHAIN_INIT's does;
 * future_has_property_default answers no
 */
static void
test_chain_v02_names(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;

	chain2_props_slow(&chain, &log, prop_async, NULL);
	FUTURE_INIT_EXT(&chain, async_chain_impl, future_chain_has_property);
	assert_int_not_equal(future_has_property(FUTURE_AS_RUNNABLE(&chain),
		FUTURE_PROPERTY_ASYNC), 0);
	FUTURE_BUSY_POLL(&chain);
	static const int expected[] = {
		1, 1, EV_MAP(1), 2, 2, EV_MAP(2)
	};
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&chain),
		FUTURE_PROPERTY_ASYNC), 0);

	struct countdown_future fut;
	countdown_init(&fut, 0, 1);
	FUTURE_INIT_EXT(&fut, countdown_task, future_has_property_default);
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&fut),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(future_has_property_default(&fut,
		FUTURE_PROPERTY_ASYNC), 0);
}

/*
 * lazy_prop_init -- builds an ASYNC step future with id 2
 */
static void
lazy_prop_init(void *future, struct future_context *chain, void *arg)
{
	(void) chain;
	*(struct step_future *)future = step_make(arg, 2, 1, 1, 1, 0);
	FUTURE_INIT_EXT((struct step_future *)future, step_task, prop_async);
}

/*
 * test_chain_property_lazy -- an entry not built yet does not count; once
 * the chain has built it, it does
 */
static void
test_chain_property_lazy(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future chain;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		step_make(&log, 1, 1, 1, 1, 0), NULL, NULL);
	FUTURE_CHAIN_ENTRY_LAZY_INIT(&chain.data.second, lazy_prop_init, &log,
		NULL, NULL);
	FUTURE_CHAIN_INIT(&chain);

	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&chain),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&chain),
		FUTURE_PROPERTY_ASYNC), 0);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&chain), NULL),
		FUTURE_STATE_RUNNING);
	/* the first entry is done, the second built and running */
	assert_int_not_equal(future_has_property(FUTURE_AS_RUNNABLE(&chain),
		FUTURE_PROPERTY_ASYNC), 0);
	FUTURE_BUSY_POLL(&chain);
	static const int expected[] = { 1, 1, 2, 2 };
	assert_log(&log, expected, ARRAY_SIZE(expected));
}

/*
 * An entry whose data does not end at pointer alignment and whose output
 * leaves tail padding in its future, followed by another entry.
 */
struct bytes_output {
	char a;
	char b;
};

FUTURE(bytes_future, struct char_data, struct bytes_output);

/*
 * bytes_task -- copies its data byte into both output bytes
 */
static enum future_state
bytes_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct char_data *data = future_context_get_data(context);
	struct bytes_output *output = future_context_get_output(context);

	output->a = data->c;
	output->b = (char)(data->c + 1);
	return FUTURE_STATE_COMPLETE;
}

/*
 * map_bytes_to_step -- the bytes become the next step's input
 */
static void
map_bytes_to_step(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	struct bytes_output *output = future_context_get_output(lhs);
	struct step_data *next = future_context_get_data(rhs);

	assert_int_equal(rhs->data_size, sizeof(struct step_data));
	next->in = (uint64_t)(unsigned char)output->a * 256 +
		(unsigned char)output->b;
}

/*
 * map_charptr_to_step -- the pointer's target value becomes the input
 */
static void
map_charptr_to_step(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	struct ptr_output *output = future_context_get_output(lhs);
	struct step_data *next = future_context_get_data(rhs);

	assert_int_equal(rhs->data_size, sizeof(struct step_data));
	next->in = (uint64_t)*(int *)output->p;
}

struct odd_chain_data {
	FUTURE_CHAIN_ENTRY(struct bytes_future, bytes);
	FUTURE_CHAIN_ENTRY(struct charptr_future, ptr);
	FUTURE_CHAIN_ENTRY_LAST(struct step_future, step);
};

FUTURE(odd_chain_future, struct odd_chain_data, struct chain_output);

struct bytes_chain_data {
	FUTURE_CHAIN_ENTRY(struct bytes_future, bytes);
	FUTURE_CHAIN_ENTRY(struct step_future, step);
};

FUTURE(bytes_chain_future, struct bytes_chain_data, struct chain_output);

/*
 * test_chain_odd_entry_sizes -- entries whose data and output sizes are
 * not multiples of pointer alignment are found where the compiler put them
 */
static void
test_chain_odd_entry_sizes(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct odd_chain_future chain;
	struct bytes_future bytes;
	struct charptr_future ptr;

	memset(&chain, 0, sizeof(chain));
	memset(&bytes, 0, sizeof(bytes));
	FUTURE_INIT(&bytes, bytes_task);
	bytes.data.c = 'A';
	memset(&ptr, 0, sizeof(ptr));
	FUTURE_INIT(&ptr, charptr_task);
	ptr.data.c = 'x';
	charptr_target = 1000;

	FUTURE_CHAIN_ENTRY_INIT(&chain.data.bytes, bytes, NULL, NULL);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.ptr, ptr, map_charptr_to_step,
		NULL);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.step,
		step_make(&log, 3, 0, 0, 1, 0), map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = CHAIN_OUTPUT_UNSET;

	FUTURE_BUSY_POLL(&chain);
	assert_int_equal(chain.data.bytes.fut.output.a, 'A');
	assert_int_equal(chain.data.bytes.fut.output.b, 'B');
	assert_int_equal(chain.data.ptr.fut.data.c, 'y');
	assert_int_equal(chain.output.result, 1000);
	static const int expected[] = { 3, EV_MAP(3) };
	assert_log(&log, expected, ARRAY_SIZE(expected));

	/* the same with the bytes entry feeding a step directly */
	struct bytes_chain_future chain_b;
	memset(&chain_b, 0, sizeof(chain_b));
	bytes.data.c = 'a';
	log.n = 0;
	FUTURE_CHAIN_ENTRY_INIT(&chain_b.data.bytes, bytes, map_bytes_to_step,
		NULL);
	FUTURE_CHAIN_ENTRY_INIT(&chain_b.data.step,
		step_make(&log, 2, 0, 0, 1, 0), map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&chain_b);
	FUTURE_BUSY_POLL(&chain_b);
	assert_int_equal(chain_b.output.result, 'a' * 256 + 'b');
	assert_int_equal(chain_b.output.from, 2);
}

/*
 * test_chain_moved_between_polls -- a chain (eager, then lazy) copied
 * elsewhere between polls goes on from where it was
 */
static void
test_chain_moved_between_polls(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future c2;
	chain2_init(&c2, &log, 3);
	struct chain2_future *cur2 = clone_future(&c2, sizeof(c2));

	unsigned polls = 0;
	while (future_poll(FUTURE_AS_RUNNABLE(cur2), NULL) !=
			FUTURE_STATE_COMPLETE) {
		assert_true(++polls <= 3);
		cur2 = move_future(cur2, sizeof(*cur2));
	}
	assert_int_equal(polls, 3);
	assert_int_equal(cur2->output.result, 75);
	free(cur2);

	struct lazy_arg lb, lc;
	struct chain3_future c3;
	log.n = 0;
	chain3_lazy_init(&c3, &log, &lb, &lc, 1);
	struct chain3_future *cur3 = clone_future(&c3, sizeof(c3));

	polls = 0;
	while (future_poll(FUTURE_AS_RUNNABLE(cur3), NULL) !=
			FUTURE_STATE_COMPLETE) {
		assert_true(++polls <= 3);
		cur3 = move_future(cur3, sizeof(*cur3));
	}
	assert_int_equal(polls, 3);
	assert_chain3_lazy_done(cur3, &lb, &lc);
	free(cur3);
}

/*
 * map_chain_to_step -- the output of a (nested) chain feeds a step
 */
static void
map_chain_to_step(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	struct chain_output *output = future_context_get_output(lhs);
	struct step_data *next = future_context_get_data(rhs);

	assert_int_equal(lhs->output_size, sizeof(struct chain_output));
	assert_int_equal(rhs->data_size, sizeof(struct step_data));
	log_event(arg, EV_MAP(output->from * 10));
	next->in = output->result;
}

struct nested_data {
	FUTURE_CHAIN_ENTRY(struct chain2_future, inner);
	FUTURE_CHAIN_ENTRY_LAST(struct step_future, step);
};

FUTURE(nested_future, struct nested_data, struct chain_output);

/*
 * test_chain_nested -- a chain may be an entry of another chain: it runs
 * to completion first, its output mapped on like any entry's; the property
 * of the step it runs is the outer chain's
 */
static void
test_chain_nested(void **state)
{
	(void) state;
	struct step_log log = {{0}, 0};
	struct chain2_future inner;
	chain2_init(&inner, &log, 1);

	struct nested_future outer;
	memset(&outer, 0, sizeof(outer));
	FUTURE_CHAIN_ENTRY_INIT(&outer.data.inner, inner, map_chain_to_step,
		&log);
	FUTURE_CHAIN_ENTRY_INIT(&outer.data.step,
		step_make(&log, 3, 0, 0, 2, 1), map_step_to_chain, &log);
	FUTURE_CHAIN_INIT(&outer);
	outer.output.result = CHAIN_OUTPUT_UNSET;

	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&outer),
		FUTURE_PROPERTY_ASYNC), 0);
	/* the step the inner chain runs is the outer chain's: an ASYNC
	 * first entry of the inner chain makes the outer one ASYNC */
	outer.data.inner.fut.data.first.fut.base.has_property = prop_async;
	assert_int_not_equal(future_has_property(FUTURE_AS_RUNNABLE(&outer),
		FUTURE_PROPERTY_ASYNC), 0);
	outer.data.inner.fut.data.first.fut.base.has_property = NULL;

	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&outer), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(FUTURE_STATE(&outer.data.inner.fut),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&outer), NULL),
		FUTURE_STATE_COMPLETE);

	/* inner: 7, then 75; outer: 75 * 2 + 1 */
	static const int expected[] = {
		1, 1, EV_MAP(1), 2, EV_MAP(2), EV_MAP(20), 3, EV_MAP(3)
	};
	assert_log(&log, expected, ARRAY_SIZE(expected));
	assert_int_equal(outer.data.inner.fut.output.result, 75);
	assert_int_equal(outer.output.result, 151);

	/* done: no property, whatever its entries have */
	outer.data.inner.fut.data.second.fut.base.has_property = prop_async;
	assert_int_equal(future_has_property(FUTURE_AS_RUNNABLE(&outer),
		FUTURE_PROPERTY_ASYNC), 0);
}

/*
 * A chain that copies bytes with the synchronous mover, then hands the
 * copy to a future of the program's own that checksums it.
 */
struct sum_data {
	const unsigned char *buf;
	size_t n;
	enum vdm_operation_result copy_result;
};

struct sum_output {
	uint64_t sum;
	size_t n;
	const unsigned char *buf;
	enum vdm_operation_result copy_result;
};

FUTURE(sum_future, struct sum_data, struct sum_output);

/*
 * checksum -- a position-weighted sum of n bytes
 */
static uint64_t
checksum(const unsigned char *buf, size_t n)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (uint64_t)buf[i] * (i + 1);
	return sum;
}

/*
 * sum_task -- checksums the copied bytes, if the copy succeeded
 */
static enum future_state
sum_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct sum_data *data = future_context_get_data(context);
	struct sum_output *output = future_context_get_output(context);

	output->copy_result = data->copy_result;
	output->buf = data->buf;
	output->n = data->n;
	output->sum = data->copy_result == VDM_SUCCESS && data->buf != NULL ?
		checksum(data->buf, data->n) : 0;
	return FUTURE_STATE_COMPLETE;
}

/*
 * map_copy_to_sum -- the copy's destination and result feed the checksum;
 * arg points to the number of bytes copied
 */
static void
map_copy_to_sum(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	struct vdm_memcpy_output *output = future_context_get_output(lhs);
	struct sum_data *next = future_context_get_data(rhs);

	assert_int_equal(lhs->output_size, sizeof(struct vdm_memcpy_output));
	next->buf = output->dest;
	next->copy_result = output->result;
	next->n = *(size_t *)arg;
}

/*
 * map_sum_to_chain -- the checksum output is the chain's output
 */
static void
map_sum_to_chain(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	assert_int_equal(rhs->output_size, sizeof(struct sum_output));
	memcpy(future_context_get_output(rhs), future_context_get_output(lhs),
		sizeof(struct sum_output));
}

struct copy_sum_data {
	FUTURE_CHAIN_ENTRY(struct vdm_memcpy_future, copy);
	FUTURE_CHAIN_ENTRY_LAST(struct sum_future, sum);
};

FUTURE(copy_sum_future, struct copy_sum_data, struct sum_output);

#define COPY_SIZE 4096

/*
 * test_chain_vdm_memcpy -- the copy happens (at the first poll of the
 * synchronous mover), the user future sees the copied bytes
 */
static void
test_chain_vdm_memcpy(void **state)
{
	(void) state;
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	assert_non_null(vdm);

	unsigned char *src = malloc(COPY_SIZE);
	unsigned char *dst = calloc(1, COPY_SIZE + 1);
	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < COPY_SIZE; i++)
		src[i] = (unsigned char)(i * 7 + 3);
	size_t n = COPY_SIZE;

	struct copy_sum_future chain;
	memset(&chain, 0, sizeof(chain));
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.copy,
		vdm_memcpy(vdm, dst, src, n, 0), map_copy_to_sum, &n);
	struct sum_future sum;
	memset(&sum, 0, sizeof(sum));
	FUTURE_INIT(&sum, sum_task);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.sum, sum, map_sum_to_chain, NULL);
	FUTURE_CHAIN_INIT(&chain);

	/* nothing moves before the first poll */
	assert_int_equal(dst[0], 0);
	assert_int_equal(dst[COPY_SIZE - 1], 0);

	struct future_notifier notifier;
	memset(&notifier, 0, sizeof(notifier));
	unsigned polls = 0;
	while (future_poll(FUTURE_AS_RUNNABLE(&chain), &notifier) !=
			FUTURE_STATE_COMPLETE)
		assert_true(++polls < 1000);

	assert_memory_equal(dst, src, COPY_SIZE);
	assert_int_equal(dst[COPY_SIZE], 0);
	assert_int_equal(chain.data.copy.fut.output.result, VDM_SUCCESS);
	assert_ptr_equal(chain.data.copy.fut.output.dest, dst);
	assert_int_equal(chain.output.copy_result, VDM_SUCCESS);
	assert_ptr_equal(chain.output.buf, dst);
	assert_int_equal(chain.output.n, COPY_SIZE);
	assert_int_equal(chain.output.sum, checksum(src, COPY_SIZE));

	free(src);
	free(dst);
	vdm_delete(vdm);
}

/* where a lazily built copy goes */
struct lazy_copy_arg {
	struct vdm *vdm;
	unsigned char *dst;
	unsigned char *src;
	unsigned calls;
};

struct count_copy_data {
	FUTURE_CHAIN_ENTRY(struct countdown_future, count);
	FUTURE_CHAIN_ENTRY_LAST(struct vdm_memcpy_future, copy);
};

FUTURE(count_copy_future, struct count_copy_data, struct vdm_memcpy_output);

/*
 * lazy_copy_init -- builds a copy of as many bytes as the countdown entry
 * produced
 */
static void
lazy_copy_init(void *future, struct future_context *chain, void *arg)
{
	struct lazy_copy_arg *la = arg;
	struct count_copy_data *data = future_context_get_data(chain);

	la->calls++;
	*(struct vdm_memcpy_future *)future = vdm_memcpy(la->vdm, la->dst,
		la->src, (size_t)data->count.fut.output.value, 0);
}

/*
 * map_copy_to_chain -- the copy's output is the chain's output
 */
static void
map_copy_to_chain(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	(void) arg;
	assert_int_equal(rhs->output_size, sizeof(struct vdm_memcpy_output));
	memcpy(future_context_get_output(rhs), future_context_get_output(lhs),
		sizeof(struct vdm_memcpy_output));
}

/*
 * test_chain_vdm_lazy -- a copy whose length an earlier entry computes,
 * built lazily; only that many bytes move
 */
static void
test_chain_vdm_lazy(void **state)
{
	(void) state;
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	assert_non_null(vdm);

	unsigned char src[256];
	unsigned char dst[256];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(255 - i);
	memset(dst, 0x5a, sizeof(dst));

	struct lazy_copy_arg la = { vdm, dst, src, 0 };
	struct count_copy_future chain;
	memset(&chain, 0, sizeof(chain));
	struct countdown_future count;
	countdown_init(&count, 2, 100);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.count, count, NULL, NULL);
	FUTURE_CHAIN_ENTRY_LAZY_INIT(&chain.data.copy, lazy_copy_init, &la,
		map_copy_to_chain, NULL);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = VDM_ERROR_JOB_CORRUPTED;

	FUTURE_BUSY_POLL(&chain);
	assert_int_equal(la.calls, 1);
	assert_int_equal(chain.output.result, VDM_SUCCESS);
	assert_ptr_equal(chain.output.dest, dst);
	assert_memory_equal(dst, src, 100);
	for (size_t i = 100; i < sizeof(dst); i++)
		assert_int_equal(dst[i], 0x5a);

	vdm_delete(vdm);
}

/* where a copy made with placeholder arguments is to go */
struct fill_copy_arg {
	unsigned char *dst;
	unsigned char *src;
};

/*
 * map_count_fills_copy -- fills the arguments of the copy entry, made with
 * placeholders (NULL, NULL, 0), in: as many bytes as the countdown entry
 * produced
 */
static void
map_count_fills_copy(struct future_context *lhs, struct future_context *rhs,
	void *arg)
{
	struct fill_copy_arg *fa = arg;
	struct countdown_output *count = future_context_get_output(lhs);
	struct vdm_operation_data *copy = future_context_get_data(rhs);

	copy->operation.data.memcpy.dest = fa->dst;
	copy->operation.data.memcpy.src = fa->src;
	copy->operation.data.memcpy.n = (size_t)count->value;
}

/*
 * chain_placeholder_on -- a chain whose copy entry is made with NULL
 * pointers and n == 0, filled in by the map of the entry before it, waited
 * for on vdm: the copy moves the bytes the map asked for, and no more
 */
static void
chain_placeholder_on(struct vdm *vdm)
{
	struct runtime *rt = runtime_new();
	assert_non_null(rt);
	unsigned char src[300];
	unsigned char dst[300];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 1);
	memset(dst, 0x5a, sizeof(dst));

	struct fill_copy_arg fa = { dst, src };
	struct count_copy_future chain;
	memset(&chain, 0, sizeof(chain));
	struct countdown_future count;
	countdown_init(&count, 1, 257);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.count, count,
		map_count_fills_copy, &fa);
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.copy,
		vdm_memcpy(vdm, NULL, NULL, 0, 0), map_copy_to_chain, NULL);
	FUTURE_CHAIN_INIT(&chain);
	chain.output.result = VDM_ERROR_JOB_CORRUPTED;

	/* the copy entry is not complete before the chain reaches it */
	assert_int_equal(chain.data.copy.fut.base.context.state,
		FUTURE_STATE_IDLE);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&chain));

	assert_int_equal(chain.output.result, VDM_SUCCESS);
	assert_ptr_equal(chain.output.dest, dst);
	assert_ptr_equal(chain.output.output.memcpy.dest, dst);
	assert_memory_equal(dst, src, 257);
	for (size_t i = 257; i < sizeof(dst); i++)
		assert_int_equal(dst[i], 0x5a);
	runtime_delete(rt);
}

/*
 * test_chain_vdm_placeholder -- the arguments of a vdm future are judged
 * when the chain first polls it, so a map may fill them in: on the
 * synchronous mover and on the thread pool
 */
static void
test_chain_vdm_placeholder(void **state)
{
	(void) state;
	struct vdm *sync = vdm_new(vdm_descriptor_synchronous());
	assert_non_null(sync);
	chain_placeholder_on(sync);
	vdm_delete(sync);

	struct vdm_threads_config cfg = { 2, 0, 1 };
	struct vdm *pool = vdm_threads_new(&cfg, FUTURE_NOTIFIER_WAKER);
	assert_non_null(pool);
	chain_placeholder_on(pool);
	vdm_delete(pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_future_init_layout),
		cmocka_unit_test(test_future_init_ext),
		cmocka_unit_test(test_future_poll_once),
		cmocka_unit_test(test_future_poll_several),
		cmocka_unit_test(test_future_poll_null_notifier),
		cmocka_unit_test(test_future_poll_leaves_notifier),
		cmocka_unit_test(test_future_busy_poll),
		cmocka_unit_test(test_future_init_complete),
		cmocka_unit_test(test_future_output_alignment),
		cmocka_unit_test(test_future_has_property),
		cmocka_unit_test(test_future_moved_between_polls),
		cmocka_unit_test(test_chain_init),
		cmocka_unit_test(test_chain2_in_order),
		cmocka_unit_test(test_chain2_busy_poll),
		cmocka_unit_test(test_chain3_eager),
		cmocka_unit_test(test_chain3_lazy),
		cmocka_unit_test(test_chain_entry_flags),
		cmocka_unit_test(test_chain_v02_names),
		cmocka_unit_test(test_chain_member_after_last),
		cmocka_unit_test(test_chain_complete_entries),
		cmocka_unit_test(test_chain_without_maps),
		cmocka_unit_test(test_chain_property),
		cmocka_unit_test(test_chain_property_lazy),
		cmocka_unit_test(test_chain_odd_entry_sizes),
		cmocka_unit_test(test_chain_moved_between_polls),
		cmocka_unit_test(test_chain_nested),
		cmocka_unit_test(test_chain_vdm_memcpy),
		cmocka_unit_test(test_chain_vdm_lazy),
		cmocka_unit_test(test_chain_vdm_placeholder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
