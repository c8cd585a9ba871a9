/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_core_ring.c -- the bounded MPMC ring of src/core (core/ring.h)
 *
 * On one thread: an empty ring gives nothing, a full one takes nothing
 * more, entries come out in the order they went in across many laps of
 * the cells, any 64-bit value passes, sizes round up to a power of two,
 * and a failed allocation is ENOMEM.
 *
 * On several: producers push values that name them and their count, after
 * writing a payload for each value that only the ring's release and
 * acquire order before the consumer's read; consumers pop until a stop
 * value, check each payload, and log what they got.  Every value must come
 * out exactly once, and each producer's values in the order it pushed
 * them to any one consumer.  ThreadSanitizer, helgrind and drd (ctest
 * labels "helgrind" and "drd") see the payload reads as races if the ring
 * does not order them.
 *
 * MINIASYNC_TEST_QUICK=1 (for helgrind and drd, which are slow) pushes
 * fewer values.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/ring.h"

/* values each producer pushes; fewer with MINIASYNC_TEST_QUICK */
#define VALUES 100000U
#define VALUES_QUICK 2000U

/* the value that stops a consumer: no producer pushes it */
#define STOP UINT64_MAX

#define MAX_THREADS 8

static unsigned values = VALUES;

/*
 * test_sizes -- a ring holds its size rounded up to a power of two, at
 * least 2
 */
static void
test_sizes(void **state)
{
	(void) state;
	static const unsigned asked[] = {0, 1, 2, 3, 4, 5, 8, 9, 1000, 1024};
	static const unsigned got[] = {2, 2, 2, 4, 4, 8, 8, 16, 1024, 1024};

	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		struct core__ring r;

		assert_int_equal(core__ring_init(&r, asked[i]), 0);
		assert_int_equal(core__ring_size(&r), got[i]);

		/* exactly that many entries fit */
		for (unsigned v = 0; v < got[i]; v++)
			assert_int_equal(core__ring_push(&r, v), 0);
		assert_int_equal(core__ring_push(&r, 0), -1);
		core__ring_fini(&r);
	}
}

/*
 * test_empty -- a new ring, and one emptied again, gives nothing
 */
static void
test_empty(void **state)
{
	(void) state;
	struct core__ring r;
	uint64_t e = 42;

	assert_int_equal(core__ring_init(&r, 4), 0);
	assert_int_equal(core__ring_ready(&r), 0);
	assert_int_equal(core__ring_pop(&r, &e), -1);
	assert_int_equal(e, 42);

	assert_int_equal(core__ring_push(&r, 7), 0);
	assert_int_not_equal(core__ring_ready(&r), 0);
	assert_int_equal(core__ring_pop(&r, &e), 0);
	assert_int_equal(e, 7);

	assert_int_equal(core__ring_ready(&r), 0);
	assert_int_equal(core__ring_pop(&r, &e), -1);
	assert_int_equal(e, 7);
	core__ring_fini(&r);
}

/*
 * test_full -- a full ring refuses the next entry until one is popped, and
 * then takes exactly one more
 */
static void
test_full(void **state)
{
	(void) state;
	struct core__ring r;
	uint64_t e;

	assert_int_equal(core__ring_init(&r, 8), 0);
	for (uint64_t v = 0; v < 8; v++)
		assert_int_equal(core__ring_push(&r, v), 0);
	assert_int_equal(core__ring_push(&r, 8), -1);
	assert_int_equal(core__ring_push(&r, 8), -1);
	assert_int_not_equal(core__ring_ready(&r), 0);

	assert_int_equal(core__ring_pop(&r, &e), 0);
	assert_int_equal(e, 0);
	assert_int_equal(core__ring_push(&r, 8), 0);
	assert_int_equal(core__ring_push(&r, 9), -1);

	for (uint64_t v = 1; v <= 8; v++) {
		assert_int_equal(core__ring_pop(&r, &e), 0);
		assert_int_equal(e, v);
	}
	assert_int_equal(core__ring_pop(&r, &e), -1);
	core__ring_fini(&r);
}

/*
 * test_order_wrap -- entries come out in order through many laps of the
 * cells, at every fill level, whatever their value
 */
static void
test_order_wrap(void **state)
{
	(void) state;
	struct core__ring r;
	uint64_t next_in = 0;
	uint64_t next_out = 0;
	uint64_t e;

	assert_int_equal(core__ring_init(&r, 4), 0);

	/* fill to 1, 2, 3 and 4 entries in turn, then drain all but one */
	for (unsigned round = 0; round < 4000; round++) {
		unsigned fill = round % 4 + 1;

		while (next_in - next_out < fill) {
			/* values high enough to use all 64 bits */
			uint64_t v = next_in * 0x9e3779b97f4a7c15ULL;
			assert_int_equal(core__ring_push(&r, v), 0);
			next_in++;
		}
		if (fill == 4)
			assert_int_equal(core__ring_push(&r, 0), -1);
		while (next_in - next_out > 1) {
			assert_int_equal(core__ring_pop(&r, &e), 0);
			assert_true(e == next_out * 0x9e3779b97f4a7c15ULL);
			next_out++;
		}
	}

	/* the stop value and 0 pass like any other */
	assert_int_equal(core__ring_push(&r, STOP), 0);
	assert_int_equal(core__ring_push(&r, 0), 0);
	assert_int_equal(core__ring_pop(&r, &e), 0);
	assert_true(e == next_out * 0x9e3779b97f4a7c15ULL);
	assert_int_equal(core__ring_pop(&r, &e), 0);
	assert_true(e == STOP);
	assert_int_equal(core__ring_pop(&r, &e), 0);
	assert_true(e == 0);
	assert_int_equal(core__ring_pop(&r, &e), -1);
	core__ring_fini(&r);
}

/*
 * test_alloc_fail -- a ring whose cells cannot be allocated is ENOMEM
 */
static void
test_alloc_fail(void **state)
{
	(void) state;
	struct core__ring r;

	core__alloc_fail_at(1);
	assert_int_equal(core__ring_init(&r, 16), ENOMEM);
	assert_true(core__alloc_failed());
	core__alloc_fail_at(0);

	assert_int_equal(core__ring_init(&r, 16), 0);
	core__ring_fini(&r);
}

/* a run of producers and consumers on one ring */
struct mpmc {
	struct core__ring ring;
	unsigned producers;
	unsigned consumers;
	/*
	 * payload[p * values + i]: written by producer p before it pushes
	 * its value i, read by the consumer that pops it
	 */
	uint64_t *payload;
};

/* a producer's or a consumer's own part */
struct worker {
	struct mpmc *run;
	unsigned id;
	pthread_t thread;

	/* a consumer's: what it popped, in order, and its faults */
	uint64_t *log;
	size_t logged;
	unsigned bad_payload;
	unsigned out_of_order;
};

/* value_of -- the value producer p pushes i-th */
static uint64_t
value_of(unsigned p, unsigned i)
{
	return ((uint64_t)p << 32) | i;
}

/* payload_of -- the payload of a value, which no other value has */
static uint64_t
payload_of(uint64_t value)
{
	return ~value * 0x9e3779b97f4a7c15ULL;
}

/*
 * producer -- writes each value's payload, then pushes the value, waiting
 * while the ring is full
 */
static void *
producer(void *arg)
{
	struct worker *w = arg;
	struct mpmc *run = w->run;

	for (unsigned i = 0; i < values; i++) {
		uint64_t v = value_of(w->id, i);

		run->payload[(size_t)w->id * values + i] = payload_of(v);
		while (core__ring_push(&run->ring, v) != 0)
			(void) sched_yield();
	}
	return NULL;
}

/*
 * consumer -- pops values until a stop value, checks each payload and that
 * each producer's values come in the order it pushed them, logs them all
 */
static void *
consumer(void *arg)
{
	struct worker *w = arg;
	struct mpmc *run = w->run;
	uint64_t next[MAX_THREADS] = {0};
	uint64_t v;

	for (;;) {
		if (core__ring_pop(&run->ring, &v) != 0) {
			(void) sched_yield();
			continue;
		}
		if (v == STOP)
			break;

		unsigned p = (unsigned)(v >> 32);
		uint64_t i = v & UINT32_MAX;
		if (p >= run->producers || i >= values) {
			w->bad_payload++;
			continue;
		}
		if (run->payload[(size_t)p * values + i] != payload_of(v))
			w->bad_payload++;
		if (i < next[p])
			w->out_of_order++;
		next[p] = i + 1;
		w->log[w->logged++] = v;
	}
	return NULL;
}

/*
 * mpmc -- runs producers x consumers on a ring of size cells and checks
 * that every value came out exactly once, in order per producer and
 * consumer, with its payload
 */
static void
mpmc(unsigned producers, unsigned consumers, unsigned size)
{
	struct mpmc run;
	struct worker prod[MAX_THREADS];
	struct worker cons[MAX_THREADS];
	size_t total = (size_t)producers * values;

	assert_true(producers <= MAX_THREADS && consumers <= MAX_THREADS);
	assert_int_equal(core__ring_init(&run.ring, size), 0);
	run.producers = producers;
	run.consumers = consumers;
	run.payload = calloc(total, sizeof(*run.payload));
	assert_non_null(run.payload);

	for (unsigned c = 0; c < consumers; c++) {
		memset(&cons[c], 0, sizeof(cons[c]));
		cons[c].run = &run;
		cons[c].id = c;
		cons[c].log = calloc(total, sizeof(*cons[c].log));
		assert_non_null(cons[c].log);
		assert_int_equal(pthread_create(&cons[c].thread, NULL,
			consumer, &cons[c]), 0);
	}
	for (unsigned p = 0; p < producers; p++) {
		memset(&prod[p], 0, sizeof(prod[p]));
		prod[p].run = &run;
		prod[p].id = p;
		assert_int_equal(pthread_create(&prod[p].thread, NULL,
			producer, &prod[p]), 0);
	}

	/* one stop value per consumer, behind every value pushed */
	for (unsigned p = 0; p < producers; p++)
		assert_int_equal(pthread_join(prod[p].thread, NULL), 0);
	for (unsigned c = 0; c < consumers; c++)
		while (core__ring_push(&run.ring, STOP) != 0)
			(void) sched_yield();
	for (unsigned c = 0; c < consumers; c++)
		assert_int_equal(pthread_join(cons[c].thread, NULL), 0);

	/* every value exactly once: count each in its payload's place */
	unsigned char *seen = calloc(total, 1);
	assert_non_null(seen);
	size_t logged = 0;
	unsigned bad_payload = 0;
	unsigned out_of_order = 0;
	for (unsigned c = 0; c < consumers; c++) {
		bad_payload += cons[c].bad_payload;
		out_of_order += cons[c].out_of_order;
		for (size_t k = 0; k < cons[c].logged; k++) {
			uint64_t v = cons[c].log[k];
			size_t at = (size_t)(v >> 32) * values +
				(size_t)(v & UINT32_MAX);
			if (seen[at] < UINT8_MAX)
				seen[at]++;
		}
		logged += cons[c].logged;
		free(cons[c].log);
	}
	size_t lost = 0;
	size_t twice = 0;
	for (size_t at = 0; at < total; at++) {
		if (seen[at] == 0)
			lost++;
		else if (seen[at] > 1)
			twice++;
	}
	if (lost != 0 || twice != 0 || logged != total || bad_payload != 0 ||
			out_of_order != 0)
		print_error("%u x %u on %u cells: %zu values lost, %zu more "
			"than once, %zu popped of %zu, %u with a wrong "
			"payload, %u out of order\n", producers, consumers,
			core__ring_size(&run.ring), lost, twice, logged,
			total, bad_payload, out_of_order);
	assert_int_equal(lost, 0);
	assert_int_equal(twice, 0);
	assert_int_equal(logged, total);
	assert_int_equal(bad_payload, 0);
	assert_int_equal(out_of_order, 0);

	/* and nothing is left but what was never pushed */
	uint64_t v;
	assert_int_equal(core__ring_pop(&run.ring, &v), -1);

	free(seen);
	free(run.payload);
	core__ring_fini(&run.ring);
}

/* test_spsc -- one producer, one consumer, a ring of 4 cells */
static void
test_spsc(void **state)
{
	(void) state;
	mpmc(1, 1, 4);
}

/* test_mpmc_small -- 3 producers, 3 consumers on 4 cells: often full */
static void
test_mpmc_small(void **state)
{
	(void) state;
	mpmc(3, 3, 4);
}

/* test_mpsc -- 4 producers, 1 consumer, 64 cells */
static void
test_mpsc(void **state)
{
	(void) state;
	mpmc(4, 1, 64);
}

/* test_spmc -- 1 producer, 4 consumers, 64 cells: often empty */
static void
test_spmc(void **state)
{
	(void) state;
	mpmc(1, 4, 64);
}

/*
 * main -- the tests on one thread, then those on several
 */
int
main(void)
{
	const char *quick = getenv("MINIASYNC_TEST_QUICK");
	if (quick != NULL && *quick != '\0' && *quick != '0')
		values = VALUES_QUICK;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_order_wrap),
		cmocka_unit_test(test_alloc_fail),
		cmocka_unit_test(test_spsc),
		cmocka_unit_test(test_mpmc_small),
		cmocka_unit_test(test_mpsc),
		cmocka_unit_test(test_spmc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
