/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_custom.c -- a mover written by the user through the public
 * struct vdm_descriptor: how vdm_new() and vdm_delete() set it up and tear
 * it down, and in which order and how often a typed future calls its
 * operation table.
 *
 * The mover here ("lazy") keeps its own state after the struct vdm, hands
 * out handles from a fixed table, refuses op_start a configurable number of
 * times, moves the bytes only at the second op_check (the first says
 * RUNNING), and records every call it gets.
 *
 * Set up with_run, its descriptor also gives run tasks, the one-call form
 * of the same work: the typed futures of those types then run it as their
 * task at their first poll and call none of the four operations, while the
 * table (what libpmem2 drives) still works through the four.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>

#include "test_helpers.h"

/* what the mover was asked to do, in order */
enum event {
	EV_INIT,
	EV_FINI,
	EV_NEW,
	EV_START,
	EV_CHECK,
	EV_DELETE,
	EV_PROPERTY,
	EV_RUN,
};

struct record {
	enum event ev;
	struct vdm *vdm;		/* EV_INIT, EV_FINI, EV_NEW, EV_RUN */
	void *handle;			/* EV_START, EV_CHECK, EV_DELETE */
	enum vdm_operation_type type;	/* EV_NEW */
	/* EV_START, EV_CHECK, EV_DELETE, EV_RUN */
	struct vdm_operation op;
	const struct vdm_operation *op_addr;	/* EV_RUN: where op was */
	int notifier;			/* EV_START: notifier not NULL */
	void *future;			/* EV_PROPERTY */
};

#define MAX_RECORDS 256

/* every call any lazy mover got since the last trace_reset() */
static struct {
	struct record rec[MAX_RECORDS];
	size_t n;
	unsigned inits;
	unsigned finis;
	void *init_arg;
	/* init found the bytes after struct vdm zeroed, ops copied */
	int zeroed;
	int ops_copied;
} trace;

/* how a lazy mover is set up: passed as the descriptor's init_arg */
struct lazy_config {
	size_t size;			/* the descriptor's size */
	/* how often op_start says "not yet" before it starts an operation */
	unsigned start_refusals;
	/* bit t set: the descriptor gives a run task for operation type t */
	unsigned with_run;
};

#define LAZY_SLOTS 8
#define LAZY_MAGIC 0x6c617a796d6f7665ULL

struct lazy_mover;

/* one operation handle */
struct lazy_op {
	struct lazy_mover *mover;
	int in_use;
	int started;
	int done;
	unsigned refusals_left;
	unsigned checks;
	enum vdm_operation_type type;
};

struct lazy_mover {
	struct vdm base;		/* first: what vdm_new() returns */
	uint64_t magic;
	struct lazy_config *cfg;
	int fail_new;			/* op_new returns NULL */
	/* the result op_delete (and run) reports */
	enum vdm_operation_result report;
	unsigned live;			/* handles given out, not back yet */
	struct lazy_op slots[LAZY_SLOTS];
};

/*
 * lazy_of -- the lazy mover whose struct vdm is vdm
 */
static struct lazy_mover *
lazy_of(struct vdm *vdm)
{
	return (struct lazy_mover *)(void *)vdm;
}

/*
 * trace_reset -- forgets every recorded call
 */
static void
trace_reset(void)
{
	memset(&trace, 0, sizeof(trace));
}

/*
 * trace_add -- records one call and returns its record
 */
static struct record *
trace_add(enum event ev)
{
	assert_true(trace.n < MAX_RECORDS);
	struct record *r = &trace.rec[trace.n++];
	memset(r, 0, sizeof(*r));
	r->ev = ev;
	return r;
}

/*
 * trace_count -- how many calls of kind ev were recorded
 */
static unsigned
trace_count(enum event ev)
{
	unsigned c = 0;

	for (size_t i = 0; i < trace.n; i++)
		if (trace.rec[i].ev == ev)
			c++;
	return c;
}

/*
 * expect_trace -- the recorded calls are exactly evs, in this order
 */
static void
expect_trace(const enum event *evs, size_t n)
{
	assert_int_equal(trace.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(trace.rec[i].ev, evs[i]);
}

#define EXPECT_TRACE(...) do {\
	static const enum event expected_[] = {__VA_ARGS__};\
	expect_trace(expected_, ARRAY_SIZE(expected_));\
} while (0)

/*
 * lazy_op_new -- takes a free slot as the operation's handle
 */
static void *
lazy_op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	struct lazy_mover *m = lazy_of(vdm);
	struct record *r = trace_add(EV_NEW);

	r->vdm = vdm;
	r->type = type;
	assert_int_equal(m->magic, LAZY_MAGIC);

	if (m->fail_new)
		return NULL;

	for (size_t i = 0; i < LAZY_SLOTS; i++) {
		struct lazy_op *s = &m->slots[i];
		if (s->in_use)
			continue;
		memset(s, 0, sizeof(*s));
		s->mover = m;
		s->in_use = 1;
		s->type = type;
		s->refusals_left = m->cfg->start_refusals;
		m->live++;
		return s;
	}
	return NULL;
}

/*
 * lazy_op_start -- refuses while refusals are left, then marks started
 */
static int
lazy_op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	struct lazy_op *s = data;
	struct record *r = trace_add(EV_START);

	r->handle = data;
	r->op = *op;
	r->notifier = n != NULL;
	assert_true(s->in_use);
	assert_false(s->started);
	assert_int_equal(op->type, s->type);

	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;
	if (s->refusals_left > 0) {
		s->refusals_left--;
		return 1;
	}
	s->started = 1;
	return 0;
}

/*
 * lazy_op_check -- RUNNING at the first check; the work and COMPLETE at
 * the second
 */
static enum future_state
lazy_op_check(void *data, const struct vdm_operation *op)
{
	struct lazy_op *s = data;
	struct record *r = trace_add(EV_CHECK);

	r->handle = data;
	r->op = *op;
	assert_true(s->in_use);
	assert_true(s->started);

	s->checks++;
	if (s->checks == 1)
		return FUTURE_STATE_RUNNING;
	if (!s->done) {
		test_operation_apply(op);
		s->done = 1;
	}
	return FUTURE_STATE_COMPLETE;
}

/*
 * lazy_op_delete -- reports the outcome and frees the slot
 */
static void
lazy_op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	struct lazy_op *s = data;
	struct record *r = trace_add(EV_DELETE);

	r->handle = data;
	r->op = *op;
	assert_true(s->in_use);
	assert_true(s->done);

	output->type = op->type;
	output->result = s->mover->report;
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		output->output.memcpy.dest = op->data.memcpy.dest;
		break;
	case VDM_OPERATION_MEMMOVE:
		output->output.memmove.dest = op->data.memmove.dest;
		break;
	case VDM_OPERATION_MEMSET:
		output->output.memset.str = op->data.memset.str;
		break;
	case VDM_OPERATION_FLUSH:
		output->output.flush.unused = 0;
		break;
	}
	s->in_use = 0;
	s->mover->live--;
}

/*
 * lazy_run -- the run task of every type: the one-call form of op_new,
 * op_start, op_check and op_delete, which does the work and completes the
 * future with the result op_delete would report
 */
static enum future_state
lazy_run(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct lazy_mover *m = lazy_of(data->vdm);
	struct record *r = trace_add(EV_RUN);

	r->vdm = data->vdm;
	r->op = data->operation;
	r->op_addr = &data->operation;
	assert_int_equal(m->magic, LAZY_MAGIC);

	test_operation_apply(&data->operation);
	return vdm_run_complete(context, m->report);
}

/*
 * lazy_has_property -- the work runs outside poll as far as the poller can
 * tell: ASYNC
 */
static int
lazy_has_property(void *future, enum future_property property)
{
	struct record *r = trace_add(EV_PROPERTY);

	r->future = future;
	return property == FUTURE_PROPERTY_ASYNC;
}

/*
 * lazy_init -- checks what vdm_new() prepared, then sets the mover up
 */
static int
lazy_init(struct vdm *vdm, void *arg)
{
	struct lazy_config *cfg = arg;
	struct record *r = trace_add(EV_INIT);

	r->vdm = vdm;
	trace.inits++;
	trace.init_arg = arg;

	const unsigned char *p = (const unsigned char *)vdm;
	trace.zeroed = 1;
	for (size_t i = sizeof(struct vdm); i < cfg->size; i++)
		if (p[i] != 0)
			trace.zeroed = 0;

	trace.ops_copied = vdm->op_new == lazy_op_new &&
		vdm->op_start == lazy_op_start &&
		vdm->op_check == lazy_op_check &&
		vdm->op_delete == lazy_op_delete &&
		vdm->capabilities == 0 &&
		vdm->has_property == lazy_has_property;

	/* claim every byte the descriptor asked for */
	memset((unsigned char *)vdm + sizeof(struct vdm), 0x5c,
		cfg->size - sizeof(struct vdm));
	struct lazy_mover *m = lazy_of(vdm);
	memset((unsigned char *)m + sizeof(struct vdm), 0,
		sizeof(*m) - sizeof(struct vdm));
	m->magic = LAZY_MAGIC;
	m->cfg = cfg;
	m->report = VDM_SUCCESS;
	return 0;
}

/*
 * lazy_fini -- checks every handle came back, then scribbles over the
 * state so that a later instance in the same memory shows unzeroed bytes
 */
static void
lazy_fini(struct vdm *vdm)
{
	struct lazy_mover *m = lazy_of(vdm);
	struct record *r = trace_add(EV_FINI);

	r->vdm = vdm;
	trace.finis++;
	assert_int_equal(m->magic, LAZY_MAGIC);
	assert_int_equal(m->live, 0);
	memset((unsigned char *)vdm + sizeof(struct vdm), 0xab,
		m->cfg->size - sizeof(struct vdm));
}

/* the lazy mover's operation table */
static const struct vdm lazy_table = {
	.op_new = lazy_op_new,
	.op_delete = lazy_op_delete,
	.op_start = lazy_op_start,
	.op_check = lazy_op_check,
	.has_property = lazy_has_property,
};

/*
 * lazy_descriptor -- a descriptor of the lazy mover as cfg says
 */
static struct vdm_descriptor
lazy_descriptor(struct lazy_config *cfg)
{
	struct vdm_descriptor d = test_descriptor(cfg->size, lazy_init,
		lazy_fini, cfg, &lazy_table);

	for (unsigned t = 0; t < VDM_OPERATION_TYPES; t++)
		d.run[t] = cfg->with_run & (1U << t) ? lazy_run : NULL;
	return d;
}

/* what most tests get: a lazy mover made from a temporary descriptor */
struct fixture {
	struct lazy_config cfg;
	struct vdm *vdm;
};

/*
 * fixture_make -- a lazy mover refusing op_start refusals times, giving
 * run tasks for the types with_run has bits for
 */
static struct fixture *
fixture_make(unsigned refusals, unsigned with_run)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->cfg.size = sizeof(struct lazy_mover);
	fx->cfg.start_refusals = refusals;
	fx->cfg.with_run = with_run;

	struct vdm_descriptor d = lazy_descriptor(&fx->cfg);
	fx->vdm = vdm_new(&d);
	assert_non_null(fx->vdm);
	trace_reset();
	return fx;
}

/*
 * fixture_new -- a lazy mover refusing op_start refusals times, no run
 */
static struct fixture *
fixture_new(unsigned refusals)
{
	return fixture_make(refusals, 0);
}

/*
 * fixture_new_run -- a lazy mover that gives a run task for every type
 */
static struct fixture *
fixture_new_run(void)
{
	return fixture_make(0, (1U << VDM_OPERATION_TYPES) - 1);
}

/*
 * fixture_delete -- deletes the mover; fini ran once
 */
static void
fixture_delete(struct fixture *fx)
{
	trace_reset();
	vdm_delete(fx->vdm);
	assert_int_equal(trace.finis, 1);
	free(fx);
}

/* source and destination of a test, and what the destination must become */
struct bufs {
	unsigned char src[200];
	unsigned char dst[200];
	unsigned char before[200];
	unsigned char want[200];
};

#define BUF_OFF 3
#define BUF_LEN 150

/*
 * bufs_init -- fresh buffers and the bytes dst must hold once an operation
 * of kind (at BUF_OFF, BUF_LEN bytes) succeeded
 */
static void
bufs_init(struct bufs *b, enum vdm_operation_type kind, unsigned seed)
{
	test_fill(b->src, sizeof(b->src), seed);
	test_fill(b->dst, sizeof(b->dst), seed + 1);
	memcpy(b->before, b->dst, sizeof(b->dst));
	memcpy(b->want, b->dst, sizeof(b->dst));
	test_op_apply(kind, b->want + BUF_OFF, b->src + BUF_OFF, 0x77, BUF_LEN);
}

/*
 * bufs_make -- an operation of kind over the buffers
 */
static void
bufs_make(struct bufs *b, union test_future *f, enum vdm_operation_type kind,
	struct vdm *vdm, uint64_t flags)
{
	(void) test_op_make(f, kind, vdm, b->dst + BUF_OFF, b->src + BUF_OFF,
		0x77, BUF_LEN, flags);
}

/*
 * bufs_operation -- the operation of kind over the buffers, built by hand
 * as a program with its own generic future (libpmem2) builds it
 */
static struct vdm_operation
bufs_operation(struct bufs *b, enum vdm_operation_type kind, uint64_t flags)
{
	return test_operation(kind, b->dst + BUF_OFF, b->src + BUF_OFF, 0x77,
		BUF_LEN, flags);
}

/*
 * expect_operation -- op is the operation of kind over the buffers, with
 * flags, as bufs_make() asked for it
 */
static void
expect_operation(const struct vdm_operation *op,
	enum vdm_operation_type kind, struct bufs *b, uint64_t flags)
{
	struct vdm_operation want = bufs_operation(b, kind, flags);

	assert_int_equal(op->type, want.type);
	switch (kind) {
	case OP_MEMCPY:
		assert_ptr_equal(op->data.memcpy.dest, want.data.memcpy.dest);
		assert_ptr_equal(op->data.memcpy.src, want.data.memcpy.src);
		assert_int_equal(op->data.memcpy.n, want.data.memcpy.n);
		assert_int_equal(op->data.memcpy.flags, flags);
		break;
	case OP_MEMMOVE:
		assert_ptr_equal(op->data.memmove.dest,
			want.data.memmove.dest);
		assert_ptr_equal(op->data.memmove.src, want.data.memmove.src);
		assert_int_equal(op->data.memmove.n, want.data.memmove.n);
		assert_int_equal(op->data.memmove.flags, flags);
		break;
	case OP_MEMSET:
		assert_ptr_equal(op->data.memset.str, want.data.memset.str);
		assert_int_equal(op->data.memset.c, want.data.memset.c);
		assert_int_equal(op->data.memset.n, want.data.memset.n);
		assert_int_equal(op->data.memset.flags, flags);
		break;
	case OP_FLUSH:
	default:
		assert_ptr_equal(op->data.flush.dest, want.data.flush.dest);
		assert_int_equal(op->data.flush.n, want.data.flush.n);
		assert_int_equal(op->data.flush.flags, flags);
		break;
	}
}

/*
 * op_operation -- the operation inside the future held in *f
 */
static const struct vdm_operation *
op_operation(union test_future *f)
{
	struct vdm_operation_data *data =
		future_context_get_data(&FUTURE_AS_RUNNABLE(&f->op)->context);
	return &data->operation;
}

/*
 * test_new_delete -- vdm_new() allocates the descriptor's size, 64-byte
 * aligned and zeroed after the struct vdm, copies the ops, calls init once
 * with init_arg; it keeps no pointer to the descriptor; vdm_delete() calls
 * fini once.  Repeated, so that reused memory would show unzeroed bytes.
 */
static void
test_new_delete(void **state)
{
	(void) state;
	static const size_t sizes[] = {
		sizeof(struct lazy_mover),
		sizeof(struct lazy_mover) + 1,
		4096 + 7,
	};

	for (unsigned round = 0; round < 4; round++) {
		for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
			struct lazy_config cfg;
			memset(&cfg, 0, sizeof(cfg));
			cfg.size = sizes[k];

			struct vdm_descriptor d = lazy_descriptor(&cfg);
			trace_reset();
			struct vdm *vdm = vdm_new(&d);
			assert_non_null(vdm);
			EXPECT_TRACE(EV_INIT);
			assert_int_equal(trace.inits, 1);
			assert_ptr_equal(trace.rec[0].vdm, vdm);
			assert_ptr_equal(trace.init_arg, &cfg);
			assert_true(trace.zeroed);
			assert_true(trace.ops_copied);
			assert_int_equal((uintptr_t)vdm % 64, 0);
			assert_int_equal(vdm->capabilities, 0);
			assert_int_equal(vdm_is_supported(vdm,
				VDM_F_MEM_DURABLE), 0);
			assert_ptr_equal(vdm->has_property,
				lazy_has_property);

			/* the descriptor may go: vdm_delete needs none */
			memset(&d, 0, sizeof(d));

			trace_reset();
			vdm_delete(vdm);
			EXPECT_TRACE(EV_FINI);
			assert_int_equal(trace.finis, 1);
			assert_int_equal(trace.inits, 0);
			assert_ptr_equal(trace.rec[0].vdm, vdm);
		}
	}
}

/*
 * test_two_instances -- two instances of one descriptor have their own
 * state; deleting one finalises that one only
 */
static void
test_two_instances(void **state)
{
	(void) state;
	struct lazy_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = sizeof(struct lazy_mover);
	struct vdm_descriptor d = lazy_descriptor(&cfg);

	trace_reset();
	struct vdm *a = vdm_new(&d);
	struct vdm *b = vdm_new(&d);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(trace.inits, 2);

	/* a's op_new fails, b's works */
	lazy_of(a)->fail_new = 1;
	struct bufs bf;
	union test_future f;
	bufs_init(&bf, OP_MEMCPY, 1);
	bufs_make(&bf, &f, OP_MEMCPY, a, 0);
	FUTURE_BUSY_POLL(&f.op);
	test_expect_output(&f, OP_MEMCPY, VDM_ERROR_OUT_OF_MEMORY, NULL);
	bufs_make(&bf, &f, OP_MEMCPY, b, 0);
	FUTURE_BUSY_POLL(&f.op);
	test_expect_output(&f, OP_MEMCPY, VDM_SUCCESS, bf.dst + BUF_OFF);
	assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
	assert_int_equal(lazy_of(b)->live, 0);

	trace_reset();
	vdm_delete(a);
	EXPECT_TRACE(EV_FINI);
	assert_ptr_equal(trace.rec[0].vdm, a);
	trace_reset();
	vdm_delete(b);
	EXPECT_TRACE(EV_FINI);
	assert_ptr_equal(trace.rec[0].vdm, b);
}

/*
 * test_call_order -- for every kind: nothing at creation, then op_new,
 * op_start and op_check at the first poll (RUNNING), op_check and op_delete
 * at the second (COMPLETE), nothing after; the same handle throughout, the
 * operation as given; the bytes move at the second poll only
 */
static void
test_call_order(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(0);

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future f;
		struct future_notifier notifier;

		bufs_init(&bf, kind, (unsigned)kind * 3U);
		trace_reset();
		bufs_make(&bf, &f, kind, fx->vdm, VDM_F_NO_CACHE_HINT);
		struct future *h = FUTURE_AS_RUNNABLE(&f.op);

		assert_int_equal(trace.n, 0);
		assert_int_equal(h->context.state, FUTURE_STATE_IDLE);
		assert_int_equal(lazy_of(fx->vdm)->live, 0);

		memset(&notifier, 0, sizeof(notifier));
		assert_int_equal(future_poll(h, &notifier),
			FUTURE_STATE_RUNNING);
		EXPECT_TRACE(EV_NEW, EV_START, EV_CHECK);
		assert_ptr_equal(trace.rec[0].vdm, fx->vdm);
		assert_int_equal(trace.rec[0].type, kind);
		void *handle = &lazy_of(fx->vdm)->slots[0];
		assert_int_equal(lazy_of(fx->vdm)->live, 1);
		assert_memory_equal(bf.dst, bf.before, sizeof(bf.dst));
		assert_int_equal(notifier.notifier_used,
			FUTURE_NOTIFIER_NONE);

		/* the operation the mover sees is the one asked for */
		struct record *st = &trace.rec[1];
		assert_ptr_equal(st->handle, handle);
		assert_true(st->notifier);
		expect_operation(&st->op, kind, &bf, VDM_F_NO_CACHE_HINT);

		assert_int_equal(future_poll(h, NULL), FUTURE_STATE_COMPLETE);
		EXPECT_TRACE(EV_NEW, EV_START, EV_CHECK, EV_CHECK, EV_DELETE);
		for (size_t i = 1; i < trace.n; i++)
			assert_ptr_equal(trace.rec[i].handle, handle);
		assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
		test_expect_output(&f, kind, VDM_SUCCESS,
			bf.dst + BUF_OFF);
		assert_int_equal(lazy_of(fx->vdm)->live, 0);

		/* complete: polling again calls nothing */
		assert_int_equal(future_poll(h, &notifier),
			FUTURE_STATE_COMPLETE);
		assert_int_equal(trace.n, 5);
	}
	fixture_delete(fx);
}

/*
 * test_op_new_fails -- an op_new that returns NULL: the future is complete
 * at its first poll with VDM_ERROR_OUT_OF_MEMORY, the mover is called no
 * further, nothing is written
 */
static void
test_op_new_fails(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(0);
	lazy_of(fx->vdm)->fail_new = 1;

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future f;

		bufs_init(&bf, kind, 10U + (unsigned)kind);
		trace_reset();
		bufs_make(&bf, &f, kind, fx->vdm, 0);
		struct future *h = FUTURE_AS_RUNNABLE(&f.op);

		assert_int_equal(trace.n, 0);
		assert_int_equal(future_poll(h, NULL), FUTURE_STATE_COMPLETE);
		EXPECT_TRACE(EV_NEW);
		test_expect_output(&f, kind, VDM_ERROR_OUT_OF_MEMORY, NULL);
		struct future_notifier notifier;
		memset(&notifier, 0, sizeof(notifier));
		assert_int_equal(future_poll(h, &notifier),
			FUTURE_STATE_COMPLETE);
		EXPECT_TRACE(EV_NEW);
		test_expect_output(&f, kind, VDM_ERROR_OUT_OF_MEMORY, NULL);
		assert_memory_equal(bf.dst, bf.before, sizeof(bf.dst));
	}
	assert_int_equal(lazy_of(fx->vdm)->live, 0);
	fixture_delete(fx);
}

/*
 * test_start_refused -- an op_start that returns non-zero leaves the future
 * IDLE, with no op_check, and is asked again at the next poll
 */
static void
test_start_refused(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(2);
	struct bufs bf;
	union test_future f;

	bufs_init(&bf, OP_MEMCPY, 20);
	trace_reset();
	bufs_make(&bf, &f, OP_MEMCPY, fx->vdm, 0);
	struct future *h = FUTURE_AS_RUNNABLE(&f.op);

	assert_int_equal(future_poll(h, NULL), FUTURE_STATE_IDLE);
	assert_int_equal(h->context.state, FUTURE_STATE_IDLE);
	EXPECT_TRACE(EV_NEW, EV_START);
	assert_int_equal(future_poll(h, NULL), FUTURE_STATE_IDLE);
	EXPECT_TRACE(EV_NEW, EV_START, EV_START);
	assert_memory_equal(bf.dst, bf.before, sizeof(bf.dst));
	assert_int_equal(future_poll(h, NULL), FUTURE_STATE_RUNNING);
	EXPECT_TRACE(EV_NEW, EV_START, EV_START, EV_START, EV_CHECK);
	assert_int_equal(future_poll(h, NULL), FUTURE_STATE_COMPLETE);
	EXPECT_TRACE(EV_NEW, EV_START, EV_START, EV_START, EV_CHECK,
		EV_CHECK, EV_DELETE);
	test_expect_output(&f, OP_MEMCPY, VDM_SUCCESS, bf.dst + BUF_OFF);
	assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));

	fixture_delete(fx);
}

/*
 * test_runtime_wait -- the runtime drives a refusing, two-step mover to
 * the end, one future or several at once
 */
static void
test_runtime_wait(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(3);
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct bufs bf[OP_KINDS];
	union test_future f[OP_KINDS];
	struct future *futs[OP_KINDS];

	bufs_init(&bf[0], OP_MEMCPY, 30);
	trace_reset();
	bufs_make(&bf[0], &f[0], OP_MEMCPY, fx->vdm, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&f[0].op));
	test_expect_output(&f[0], OP_MEMCPY, VDM_SUCCESS, bf[0].dst + BUF_OFF);
	assert_memory_equal(bf[0].dst, bf[0].want, sizeof(bf[0].dst));
	assert_int_equal(trace_count(EV_NEW), 1);
	assert_int_equal(trace_count(EV_START), 4);
	assert_int_equal(trace_count(EV_CHECK), 2);
	assert_int_equal(trace_count(EV_DELETE), 1);

	trace_reset();
	TEST_FOR_EACH_OP(k) {
		bufs_init(&bf[k], k, 40U + (unsigned)k);
		bufs_make(&bf[k], &f[k], k, fx->vdm, 0);
		futs[k] = FUTURE_AS_RUNNABLE(&f[k].op);
	}
	/* no handle is taken before the first poll */
	assert_int_equal(lazy_of(fx->vdm)->live, 0);
	runtime_wait_multiple(rt, futs, OP_KINDS);
	TEST_FOR_EACH_OP(k) {
		test_expect_output(&f[k], k, VDM_SUCCESS,
			bf[k].dst + BUF_OFF);
		assert_memory_equal(bf[k].dst, bf[k].want, sizeof(bf[k].dst));
	}
	assert_int_equal(trace_count(EV_NEW), OP_KINDS);
	assert_int_equal(trace_count(EV_START), 4 * OP_KINDS);
	assert_int_equal(trace_count(EV_CHECK), 2 * OP_KINDS);
	assert_int_equal(trace_count(EV_DELETE), OP_KINDS);
	assert_int_equal(lazy_of(fx->vdm)->live, 0);

	runtime_delete(rt);
	fixture_delete(fx);
}

/*
 * test_property -- future_has_property() asks the mover's has_property,
 * with the future itself, before and after completion
 */
static void
test_property(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(0);

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future f;

		bufs_init(&bf, kind, 50U + (unsigned)kind);
		bufs_make(&bf, &f, kind, fx->vdm, 0);
		struct future *h = FUTURE_AS_RUNNABLE(&f.op);

		trace_reset();
		assert_int_equal(future_has_property(h,
			FUTURE_PROPERTY_ASYNC), 1);
		EXPECT_TRACE(EV_PROPERTY);
		assert_ptr_equal(trace.rec[0].future, h);

		assert_int_equal(future_poll(h, NULL), FUTURE_STATE_RUNNING);
		assert_int_equal(future_has_property(h,
			FUTURE_PROPERTY_ASYNC), 1);
		assert_int_equal(future_poll(h, NULL), FUTURE_STATE_COMPLETE);
		assert_int_equal(future_has_property(h,
			FUTURE_PROPERTY_ASYNC), 1);
		/* a property the mover does not have */
		assert_int_equal(future_has_property(h,
			(enum future_property)1), 0);
	}
	fixture_delete(fx);
}

/*
 * test_mover_error -- a result the mover reports in op_delete reaches the
 * output, and the pointer of a failed operation is NULL
 */
static void
test_mover_error(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(0);
	lazy_of(fx->vdm)->report = VDM_ERROR_OUT_OF_RANGE;

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future f;

		bufs_init(&bf, kind, 60U + (unsigned)kind);
		bufs_make(&bf, &f, kind, fx->vdm, 0);
		FUTURE_BUSY_POLL(&f.op);
		test_expect_output(&f, kind, VDM_ERROR_OUT_OF_RANGE, NULL);
		assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
	}
	fixture_delete(fx);
}

/*
 * test_moved_between_polls -- a future copied elsewhere (the original
 * scribbled over and freed) after its first poll completes from the copy
 */
static void
test_moved_between_polls(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new(1);

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future *f = malloc(sizeof(*f));
		assert_non_null(f);

		bufs_init(&bf, kind, 70U + (unsigned)kind);
		bufs_make(&bf, f, kind, fx->vdm, 0);
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), NULL),
			FUTURE_STATE_IDLE);
		f = test_future_move(f);
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), NULL),
			FUTURE_STATE_RUNNING);
		f = test_future_move(f);
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), NULL),
			FUTURE_STATE_COMPLETE);
		test_expect_output(f, kind, VDM_SUCCESS, bf.dst + BUF_OFF);
		assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
		free(f);
	}
	assert_int_equal(lazy_of(fx->vdm)->live, 0);
	fixture_delete(fx);
}

/*
 * test_run_call_order -- for every kind, on a mover that gives run: the
 * future's creation calls nothing; the first poll calls run once, with the
 * mover and the operation as given (inside the future), and completes the
 * future with the bytes moved, the argument as the output pointer and
 * run's result; op_new, op_start, op_check and op_delete are never called;
 * later polls call nothing
 */
static void
test_run_call_order(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new_run();

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future f;
		struct future_notifier notifier;

		bufs_init(&bf, kind, 80U + (unsigned)kind);
		trace_reset();
		bufs_make(&bf, &f, kind, fx->vdm, VDM_F_NO_CACHE_HINT);
		struct future *h = FUTURE_AS_RUNNABLE(&f.op);

		assert_int_equal(trace.n, 0);
		assert_int_equal(h->context.state, FUTURE_STATE_IDLE);
		assert_memory_equal(bf.dst, bf.before, sizeof(bf.dst));

		memset(&notifier, 0, sizeof(notifier));
		notifier.notifier_used = FUTURE_NOTIFIER_WAKER;
		assert_int_equal(future_poll(h, &notifier),
			FUTURE_STATE_COMPLETE);
		EXPECT_TRACE(EV_RUN);
		assert_ptr_equal(trace.rec[0].vdm, fx->vdm);
		assert_ptr_equal(trace.rec[0].op_addr, op_operation(&f));
		expect_operation(&trace.rec[0].op, kind, &bf,
			VDM_F_NO_CACHE_HINT);
		/* the run task took no notifier and left it as it was */
		assert_int_equal(notifier.notifier_used,
			FUTURE_NOTIFIER_WAKER);
		assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
		test_expect_output(&f, kind, VDM_SUCCESS,
			bf.dst + BUF_OFF);

		/* complete: polling again calls nothing */
		assert_int_equal(future_poll(h, &notifier),
			FUTURE_STATE_COMPLETE);
		assert_int_equal(future_poll(h, NULL), FUTURE_STATE_COMPLETE);
		EXPECT_TRACE(EV_RUN);
		test_expect_output(&f, kind, VDM_SUCCESS,
			bf.dst + BUF_OFF);
	}
	assert_int_equal(lazy_of(fx->vdm)->live, 0);
	fixture_delete(fx);
}

/*
 * test_run_result -- whatever run returns is the future's result; when it
 * is an error the output pointer is NULL
 */
static void
test_run_result(void **state)
{
	(void) state;
	static const enum vdm_operation_result results[] = {
		VDM_ERROR_NOT_SUPPORTED,
		VDM_ERROR_OUT_OF_RANGE,
		VDM_ERROR_CANCELED,
		VDM_ERROR_JOB_CORRUPTED,
		VDM_ERROR_OUT_OF_MEMORY,
		VDM_SUCCESS,
	};
	struct fixture *fx = fixture_new_run();

	for (size_t i = 0; i < ARRAY_SIZE(results); i++) {
		lazy_of(fx->vdm)->report = results[i];
		TEST_FOR_EACH_OP(kind) {
			struct bufs bf;
			union test_future f;

			bufs_init(&bf, kind, 90U + (unsigned)kind);
			trace_reset();
			bufs_make(&bf, &f, kind, fx->vdm, 0);
			assert_int_equal(future_poll(
				FUTURE_AS_RUNNABLE(&f.op), NULL),
				FUTURE_STATE_COMPLETE);
			EXPECT_TRACE(EV_RUN);
			test_expect_output(&f, kind, results[i],
				results[i] == VDM_SUCCESS ?
				bf.dst + BUF_OFF : NULL);
		}
	}
	fixture_delete(fx);
}

/*
 * nothing_called -- no call reached the mover since trace_reset(), and the
 * buffers of arg (a struct bufs) did not change
 */
static void
nothing_called(void *arg)
{
	struct bufs *bf = arg;

	assert_int_equal(trace.n, 0);
	assert_memory_equal(bf->dst, bf->before, sizeof(bf->dst));
}

/*
 * run_expect_at_first_poll -- an operation of kind on a mover giving run is
 * idle when created and complete at its first poll, with result and ptr in
 * its output; no poll calls anything of the mover, not even run, and no
 * byte of the buffers changes
 */
static void
run_expect_at_first_poll(struct fixture *fx, enum vdm_operation_type kind,
	void *dest, void *src, size_t n, uint64_t flags, struct bufs *bf,
	enum vdm_operation_result result, void *ptr)
{
	struct vdm_operation op = test_operation(kind, dest, src, 0x77, n,
		flags);

	trace_reset();
	test_expect_done_at_first_poll(fx->vdm, &op, result, ptr,
		nothing_called, bf);
}

/*
 * test_run_bad_input -- bad input never reaches run: a NULL pointer with
 * n > 0, an unknown flag, and n == 0 give futures complete at their first
 * poll
 */
static void
test_run_bad_input(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new_run();

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		unsigned char *dst;
		unsigned char *src;

		bufs_init(&bf, kind, 100U + (unsigned)kind);
		dst = bf.dst + BUF_OFF;
		src = bf.src + BUF_OFF;

		run_expect_at_first_poll(fx, kind, NULL, src, BUF_LEN, 0, &bf,
			VDM_ERROR_INVALID_ARGUMENT, NULL);
		if (kind == OP_MEMCPY || kind == OP_MEMMOVE)
			run_expect_at_first_poll(fx, kind, dst, NULL,
				BUF_LEN, 0, &bf, VDM_ERROR_INVALID_ARGUMENT,
				NULL);
		run_expect_at_first_poll(fx, kind, dst, src, BUF_LEN,
			(uint64_t)1 << 7, &bf, VDM_ERROR_INVALID_FLAGS, NULL);
		run_expect_at_first_poll(fx, kind, dst, src, BUF_LEN,
			~(uint64_t)VDM_F_VALID_FLAGS, &bf,
			VDM_ERROR_INVALID_FLAGS, NULL);
		run_expect_at_first_poll(fx, kind, dst, src, 0, 0, &bf,
			VDM_SUCCESS, dst);
		run_expect_at_first_poll(fx, kind, NULL, NULL, 0,
			VDM_F_NO_CACHE_HINT, &bf, VDM_SUCCESS, NULL);
	}
	fixture_delete(fx);
}

/*
 * test_run_not_before_poll -- futures of every kind created at once run
 * nothing until polled; asking for a property calls has_property, not run;
 * each poll runs its own operation only; a future dropped unpolled leaves
 * nothing behind
 */
static void
test_run_not_before_poll(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new_run();
	struct bufs bf[OP_KINDS];
	union test_future f[OP_KINDS];
	union test_future dropped;
	struct bufs bd;

	trace_reset();
	TEST_FOR_EACH_OP(k) {
		bufs_init(&bf[k], k, 110U + (unsigned)k);
		bufs_make(&bf[k], &f[k], k, fx->vdm, 0);
	}
	bufs_init(&bd, OP_MEMCPY, 115U);
	bufs_make(&bd, &dropped, OP_MEMCPY, fx->vdm, 0);
	assert_int_equal(trace.n, 0);

	TEST_FOR_EACH_OP(k) {
		struct future *h = FUTURE_AS_RUNNABLE(&f[k].op);
		assert_int_equal(h->context.state, FUTURE_STATE_IDLE);
		assert_int_equal(future_has_property(h,
			FUTURE_PROPERTY_ASYNC), 1);
		assert_memory_equal(bf[k].dst, bf[k].before,
			sizeof(bf[k].dst));
	}
	assert_int_equal(trace_count(EV_PROPERTY), OP_KINDS);
	assert_int_equal(trace.n, OP_KINDS);

	trace_reset();
	for (int k = OP_KINDS - 1; k >= 0; k--) {
		enum vdm_operation_type kind = (enum vdm_operation_type)k;
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f[k].op),
			NULL), FUTURE_STATE_COMPLETE);
		assert_int_equal(trace.n, (size_t)(OP_KINDS - k));
		assert_int_equal(trace_count(EV_RUN), OP_KINDS - k);
		assert_ptr_equal(trace.rec[trace.n - 1].op_addr,
			op_operation(&f[k]));
		test_expect_output(&f[k], kind, VDM_SUCCESS,
			bf[k].dst + BUF_OFF);
		for (int j = 0; j < OP_KINDS; j++)
			assert_memory_equal(bf[j].dst,
				j >= k ? bf[j].want : bf[j].before,
				sizeof(bf[j].dst));
	}
	assert_memory_equal(bd.dst, bd.before, sizeof(bd.dst));

	/* the dropped future took nothing from the mover */
	assert_int_equal(lazy_of(fx->vdm)->live, 0);
	fixture_delete(fx);
}

/*
 * test_run_moved_before_first_poll -- a future copied elsewhere (the
 * original scribbled over and freed) before its first poll runs from the
 * copy: run gets the copy's operation
 */
static void
test_run_moved_before_first_poll(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new_run();

	TEST_FOR_EACH_OP(kind) {
		struct bufs bf;
		union test_future *orig = malloc(sizeof(*orig));
		assert_non_null(orig);

		bufs_init(&bf, kind, 120U + (unsigned)kind);
		trace_reset();
		bufs_make(&bf, orig, kind, fx->vdm, VDM_F_NO_CACHE_HINT);
		union test_future *moved = test_future_move(orig);

		struct future *h = FUTURE_AS_RUNNABLE(&moved->op);
		assert_int_equal(future_poll(h, NULL), FUTURE_STATE_COMPLETE);
		EXPECT_TRACE(EV_RUN);
		assert_ptr_equal(trace.rec[0].vdm, fx->vdm);
		assert_ptr_equal(trace.rec[0].op_addr,
			op_operation(moved));
		expect_operation(&trace.rec[0].op, kind, &bf,
			VDM_F_NO_CACHE_HINT);
		test_expect_output(moved, kind, VDM_SUCCESS,
			bf.dst + BUF_OFF);
		assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
		free(moved);
	}
	fixture_delete(fx);
}

/*
 * test_run_runtime_wait -- the runtime completes futures of a mover that
 * gives run, one or several at once, with one run each
 */
static void
test_run_runtime_wait(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new_run();
	struct runtime *rt = runtime_new();
	assert_non_null(rt);

	struct bufs bf[OP_KINDS];
	union test_future f[OP_KINDS];
	struct future *futs[OP_KINDS];

	bufs_init(&bf[0], OP_MEMMOVE, 130);
	trace_reset();
	bufs_make(&bf[0], &f[0], OP_MEMMOVE, fx->vdm, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&f[0].op));
	EXPECT_TRACE(EV_RUN);
	test_expect_output(&f[0], OP_MEMMOVE, VDM_SUCCESS, bf[0].dst + BUF_OFF);
	assert_memory_equal(bf[0].dst, bf[0].want, sizeof(bf[0].dst));

	trace_reset();
	TEST_FOR_EACH_OP(k) {
		bufs_init(&bf[k], k, 140U + (unsigned)k);
		bufs_make(&bf[k], &f[k], k, fx->vdm, 0);
		futs[k] = FUTURE_AS_RUNNABLE(&f[k].op);
	}
	runtime_wait_multiple(rt, futs, OP_KINDS);
	TEST_FOR_EACH_OP(k) {
		test_expect_output(&f[k], k, VDM_SUCCESS,
			bf[k].dst + BUF_OFF);
		assert_memory_equal(bf[k].dst, bf[k].want, sizeof(bf[k].dst));
	}
	/* the runtime may ask for properties, nothing else but run */
	assert_int_equal(trace_count(EV_RUN), OP_KINDS);
	assert_int_equal(trace.n - trace_count(EV_PROPERTY), OP_KINDS);

	runtime_delete(rt);
	fixture_delete(fx);
}

/*
 * test_run_table -- a mover that gives run, driven through its operation
 * table alone (as libpmem2 drives it), still goes through op_new,
 * op_start, op_check and op_delete and never through run; the table and a
 * typed future give the same result and the same bytes
 */
static void
test_run_table(void **state)
{
	(void) state;
	static const enum vdm_operation_result results[] = {
		VDM_SUCCESS,
		VDM_ERROR_OUT_OF_RANGE,
	};
	struct fixture *fx = fixture_new_run();
	struct vdm *vdm = fx->vdm;

	assert_ptr_equal(vdm->op_new, lazy_op_new);
	assert_ptr_equal(vdm->op_start, lazy_op_start);
	assert_ptr_equal(vdm->op_check, lazy_op_check);
	assert_ptr_equal(vdm->op_delete, lazy_op_delete);

	for (size_t i = 0; i < ARRAY_SIZE(results); i++) {
		lazy_of(vdm)->report = results[i];
		TEST_FOR_EACH_OP(kind) {
			struct bufs bf;
			struct vdm_operation_output out;
			struct future_notifier notifier;

			bufs_init(&bf, kind, 150U + (unsigned)kind);
			struct vdm_operation op = bufs_operation(&bf, kind, 0);
			trace_reset();

			void *handle = vdm->op_new(vdm, op.type);
			assert_non_null(handle);
			memset(&notifier, 0, sizeof(notifier));
			assert_int_equal(vdm->op_start(handle, &op, &notifier),
				0);
			assert_int_equal(vdm->op_check(handle, &op),
				FUTURE_STATE_RUNNING);
			assert_memory_equal(bf.dst, bf.before,
				sizeof(bf.dst));
			assert_int_equal(vdm->op_check(handle, &op),
				FUTURE_STATE_COMPLETE);
			memset(&out, 0, sizeof(out));
			vdm->op_delete(handle, &op, &out);
			EXPECT_TRACE(EV_NEW, EV_START, EV_CHECK, EV_CHECK,
				EV_DELETE);
			assert_int_equal(out.type, op.type);
			assert_int_equal(out.result, results[i]);
			if (kind != OP_FLUSH)
				assert_ptr_equal(out.output.memcpy.dest,
					bf.dst + BUF_OFF);
			assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
			assert_int_equal(lazy_of(vdm)->live, 0);

			/* the same through a typed future: run alone */
			union test_future f;
			bufs_init(&bf, kind, 150U + (unsigned)kind);
			trace_reset();
			bufs_make(&bf, &f, kind, vdm, 0);
			FUTURE_BUSY_POLL(&f.op);
			EXPECT_TRACE(EV_RUN);
			test_expect_output(&f, kind, results[i],
				results[i] == VDM_SUCCESS ?
				bf.dst + BUF_OFF : NULL);
			assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
		}
	}
	fixture_delete(fx);
}

/*
 * test_run_ops_required -- giving run does not make the four operations
 * optional: a descriptor missing any of them is refused (EINVAL, init not
 * called); with all four, vdm_new() copies them as usual
 */
static void
test_run_ops_required(void **state)
{
	(void) state;
	struct lazy_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = sizeof(struct lazy_mover);
	cfg.with_run = (1U << VDM_OPERATION_TYPES) - 1;

	for (int missing = 0; missing < 4; missing++) {
		struct vdm_descriptor d = lazy_descriptor(&cfg);
		for (unsigned t = 0; t < VDM_OPERATION_TYPES; t++)
			assert_ptr_equal(d.run[t], lazy_run);
		test_descriptor_drop(&d, missing);
		trace_reset();
		errno = 0;
		assert_null(vdm_new(&d));
		assert_int_equal(errno, EINVAL);
		assert_int_equal(trace.n, 0);
	}

	struct vdm_descriptor d = lazy_descriptor(&cfg);
	trace_reset();
	struct vdm *vdm = vdm_new(&d);
	assert_non_null(vdm);
	EXPECT_TRACE(EV_INIT);
	assert_true(trace.zeroed);
	assert_true(trace.ops_copied);
	trace_reset();
	vdm_delete(vdm);
	EXPECT_TRACE(EV_FINI);
}

/*
 * test_run_partial -- a mover may give run tasks for some types only: for
 * each type in turn the one with a run task makes one call at the first
 * poll, every other type goes through op_new, op_start, op_check and
 * op_delete; both move their bytes and report their result
 */
static void
test_run_partial(void **state)
{
	(void) state;

	TEST_FOR_EACH_OP(r) {
		enum vdm_operation_type with = r;
		struct fixture *fx = fixture_make(0, 1U << with);

		TEST_FOR_EACH_OP(kind) {
			int runs = kind == with;
			struct bufs bf;
			union test_future f;

			bufs_init(&bf, kind, 160U + (unsigned)(r * 4 + kind));
			trace_reset();
			bufs_make(&bf, &f, kind, fx->vdm, 0);
			assert_int_equal(trace.n, 0);
			FUTURE_BUSY_POLL(&f.op);
			assert_int_equal(trace_count(EV_RUN), runs);
			assert_int_equal(trace_count(EV_NEW), !runs);
			assert_int_equal(trace_count(EV_DELETE), !runs);
			test_expect_output(&f, kind, VDM_SUCCESS,
				bf.dst + BUF_OFF);
			assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
		}
		assert_int_equal(lazy_of(fx->vdm)->live, 0);
		fixture_delete(fx);
	}
}

/*
 * A mover the program made itself, as miniasync 0.2 programs write theirs:
 * a struct vdm it filled in, not from vdm_new().  It lies in a block whose
 * first 64 bytes look like the header vdm_new() puts before its movers,
 * with run tasks in it: a library that took the struct for one of its own
 * movers would find them and run lazy_run, which the trace shows.
 */
struct foreign_block {
	future_task_fn fake_header[8];
	struct lazy_mover mover;
};

/*
 * foreign_expect_table -- a copy on the program's own mover goes through
 * its operation table, and nothing else of the mover is called
 */
static void
foreign_expect_table(struct lazy_mover *m, unsigned seed)
{
	struct bufs bf;
	union test_future f;

	bufs_init(&bf, OP_MEMCPY, seed);
	trace_reset();
	bufs_make(&bf, &f, OP_MEMCPY, &m->base, 0);
	FUTURE_BUSY_POLL(&f.op);
	EXPECT_TRACE(EV_NEW, EV_START, EV_CHECK, EV_CHECK, EV_DELETE);
	assert_ptr_equal(trace.rec[0].vdm, &m->base);
	test_expect_output(&f, OP_MEMCPY, VDM_SUCCESS, bf.dst + BUF_OFF);
	assert_memory_equal(bf.dst, bf.want, sizeof(bf.dst));
	assert_int_equal(m->live, 0);
}

/*
 * test_foreign_mover -- vdm_memcpy() on a struct vdm the program filled in:
 * the operation table drives it, whatever its padding (vdm__id) holds: 0,
 * ids out of range or never handed out, and the id of a live mover of the
 * library's that has run tasks
 */
static void
test_foreign_mover(void **state)
{
	(void) state;
	struct fixture *fx = fixture_new_run();
	struct lazy_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = sizeof(struct lazy_mover);

	struct foreign_block *blk = calloc(1, sizeof(*blk));
	assert_non_null(blk);
	for (size_t i = 0; i < ARRAY_SIZE(blk->fake_header); i++)
		blk->fake_header[i] = lazy_run;
	struct lazy_mover *m = &blk->mover;
	m->base = lazy_table;
	m->magic = LAZY_MAGIC;
	m->cfg = &cfg;
	m->report = VDM_SUCCESS;

	static const unsigned ids[] = {
		0, 1, 2, 1023, 1024, 4095U << 10, (4096U << 10) - 1,
		4096U << 10, 0x7fffffffU, 0xffffffffU,
	};
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		m->base.vdm__id = ids[i];
		foreign_expect_table(m, 200U + (unsigned)i);
	}

	/* the id of the library's mover, copied with its table */
	m->base.vdm__id = fx->vdm->vdm__id;
	foreign_expect_table(m, 220);

	/* that mover itself runs its run task */
	struct bufs bf;
	union test_future f;
	bufs_init(&bf, OP_MEMCPY, 221);
	trace_reset();
	bufs_make(&bf, &f, OP_MEMCPY, fx->vdm, 0);
	FUTURE_BUSY_POLL(&f.op);
	EXPECT_TRACE(EV_RUN);

	free(blk);
	fixture_delete(fx);
}

/*
 * main -- runs the user-defined mover's tests
 */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_delete),
		cmocka_unit_test(test_two_instances),
		cmocka_unit_test(test_call_order),
		cmocka_unit_test(test_op_new_fails),
		cmocka_unit_test(test_start_refused),
		cmocka_unit_test(test_runtime_wait),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_mover_error),
		cmocka_unit_test(test_moved_between_polls),
		cmocka_unit_test(test_run_call_order),
		cmocka_unit_test(test_run_result),
		cmocka_unit_test(test_run_bad_input),
		cmocka_unit_test(test_run_not_before_poll),
		cmocka_unit_test(test_run_moved_before_first_poll),
		cmocka_unit_test(test_run_runtime_wait),
		cmocka_unit_test(test_run_table),
		cmocka_unit_test(test_run_ops_required),
		cmocka_unit_test(test_run_partial),
		cmocka_unit_test(test_foreign_mover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
