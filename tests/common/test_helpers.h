/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_helpers.h -- the checks the cmocka tests of the movers share: memory
 * or a failed test, a buffer compared byte for byte, the output of a
 * completed operation, an operation waited for with a runtime or driven
 * through a mover's table as libpmem2 drives it, and a future moved in
 * memory.  Include after <cmocka.h>.
 */

#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H 1

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_ops.h"

/*
 * struct test_calls -- the calls of a function a test stands in for,
 * counted under a lock; the fail_nth since the count was reset is told to
 * fail
 */
struct test_calls {
	pthread_mutex_t lock;
	unsigned count;		/* since test_calls_reset() */
	unsigned fail_nth;	/* 0: none */
};

#define TEST_CALLS_INITIALIZER { PTHREAD_MUTEX_INITIALIZER, 0, 0 }

/*
 * test_calls_reset -- zeroes the count; the fail_nth call from now is to
 * fail (0: none)
 */
static inline void
test_calls_reset(struct test_calls *c, unsigned fail_nth)
{
	pthread_mutex_lock(&c->lock);
	c->count = 0;
	c->fail_nth = fail_nth;
	pthread_mutex_unlock(&c->lock);
}

/*
 * test_calls_count -- the calls since test_calls_reset()
 */
static inline unsigned
test_calls_count(struct test_calls *c)
{
	pthread_mutex_lock(&c->lock);
	unsigned n = c->count;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/*
 * test_calls_add -- counts a call, gives its number (from 1) to log(),
 * if not NULL, under the lock, and says whether the call is to fail
 */
static inline int
test_calls_add(struct test_calls *c, void (*log)(unsigned nth, void *arg),
	void *arg)
{
	pthread_mutex_lock(&c->lock);
	unsigned nth = ++c->count;
	if (log != NULL)
		log(nth, arg);
	int fail = c->fail_nth != 0 && nth == c->fail_nth;
	pthread_mutex_unlock(&c->lock);
	return fail;
}

/*
 * struct test_mode -- where the mover under test moves bytes: on the
 * thread that polls (no threads), or on nthreads workers; the tests of a
 * mover run once in each of the two modes below
 */
struct test_mode {
	const char *name;
	unsigned nthreads;
};

static const struct test_mode test_mode_inline = { "no threads", 0 };
static const struct test_mode test_mode_pool = { "2 threads", 2 };

/*
 * TEST_PRESTATE -- the cmocka entry of _test with the file's setup() and
 * teardown(), which get &_state as their prestate (setup() must not write
 * to it)
 */
#define TEST_PRESTATE(_test, _state)\
	cmocka_unit_test_prestate_setup_teardown(_test, setup, teardown,\
		(void *)(uintptr_t)&(_state))

/*
 * test_descriptor -- a descriptor of size bytes for a mover with init,
 * fini and init_arg, and table as its operation table (its four
 * operations, capabilities and has_property); no run tasks
 */
static inline struct vdm_descriptor
test_descriptor(size_t size, vdm_init_fn init, vdm_fini_fn fini,
	void *init_arg, const struct vdm *table)
{
	struct vdm_descriptor d;

	memset(&d, 0, sizeof(d));
	d.size = size;
	d.init = init;
	d.fini = fini;
	d.init_arg = init_arg;
	d.ops = *table;
	return d;
}

/*
 * test_descriptor_drop -- clears in d the which-th (0 to 3) of the four
 * operations every mover must give: op_new, op_delete, op_start, op_check
 */
static inline void
test_descriptor_drop(struct vdm_descriptor *d, int which)
{
	switch (which) {
	case 0:
		d->ops.op_new = NULL;
		break;
	case 1:
		d->ops.op_delete = NULL;
		break;
	case 2:
		d->ops.op_start = NULL;
		break;
	default:
		d->ops.op_check = NULL;
		break;
	}
}

/*
 * test_xalloc -- size bytes aligned to 64, or the test fails
 */
static inline unsigned char *
test_xalloc(size_t size)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 64, size), 0);
	assert_non_null(p);
	return p;
}

/*
 * test_expect_bytes -- actual holds what expected holds over n bytes, or the
 * test fails naming what and the first byte that differs
 */
static inline void
test_expect_bytes(const void *actual, const void *expected, size_t n,
	const char *what)
{
	size_t i = test_first_diff(actual, expected, n);

	if (i != n)
		fail_msg("%s: byte %zu of %zu is 0x%02x, expected 0x%02x", what,
			i, n, ((const unsigned char *)actual)[i],
			((const unsigned char *)expected)[i]);
}

/*
 * test_expect_output -- the future in *f, of an operation of type, is
 * complete with result, and with ptr as its pointer where the type has one
 * (a flush has none)
 */
static inline void
test_expect_output(union test_future *f, enum vdm_operation_type type,
	enum vdm_operation_result result, void *ptr)
{
	assert_int_equal(FUTURE_STATE(&f->op), FUTURE_STATE_COMPLETE);
	assert_int_equal(FUTURE_OUTPUT(&f->op)->result, result);
	if (type == VDM_OPERATION_MEMSET)
		assert_ptr_equal(FUTURE_OUTPUT(&f->set)->str, ptr);
	else if (type != VDM_OPERATION_FLUSH)
		assert_ptr_equal(FUTURE_OUTPUT(&f->op)->dest, ptr);
}

/*
 * test_expect_polls_complete -- polling the future in *f, with a notifier
 * and without, finds it complete with result and ptr (test_expect_output)
 * each time
 */
static inline void
test_expect_polls_complete(union test_future *f,
	enum vdm_operation_type type, enum vdm_operation_result result,
	void *ptr)
{
	struct future_notifier notifier;

	memset(&notifier, 0, sizeof(notifier));
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), &notifier),
		FUTURE_STATE_COMPLETE);
	test_expect_output(f, type, result, ptr);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&f->op), NULL),
		FUTURE_STATE_COMPLETE);
	test_expect_output(f, type, result, ptr);
}

/*
 * test_expect_done_at_first_poll -- the operation op, made on vdm through
 * vdm_memcpy() and friends, is idle; its first poll completes it with
 * result and ptr in its output, and polling again changes nothing;
 * untouched(arg) checks, once it is made and again after the polls, that
 * none of it reached the mover
 */
static inline void
test_expect_done_at_first_poll(struct vdm *vdm,
	const struct vdm_operation *op, enum vdm_operation_result result,
	void *ptr, void (*untouched)(void *arg), void *arg)
{
	union test_future f;
	struct future *h = test_operation_make(&f, vdm, op);

	assert_int_equal(h->context.state, FUTURE_STATE_IDLE);
	untouched(arg);
	test_expect_polls_complete(&f, op->type, result, ptr);
	untouched(arg);
}

/*
 * test_future_move -- the future in *f, copied to fresh memory; *f is
 * scribbled over and freed (it came from malloc)
 */
static inline union test_future *
test_future_move(union test_future *f)
{
	union test_future *moved = malloc(sizeof(*moved));

	assert_non_null(moved);
	memcpy(moved, f, sizeof(*moved));
	memset(f, 0xff, sizeof(*f));
	free(f);
	return moved;
}

/* the most ranges a struct test_shadow follows */
#define TEST_SHADOW_RANGES 4

/*
 * struct test_shadow -- ranges of memory a test writes only through the
 * mover m, each with a shadow that gets the same work done with libc:
 * after each operation, a range must hold what its shadow holds
 */
struct test_shadow {
	const struct test_mover *m;
	const char *mode;	/* which run of the test, for the messages */
	size_t n;
	struct {
		const char *name;
		char *mem;
		unsigned char *shadow;
		size_t size;
	} range[TEST_SHADOW_RANGES];
};

/*
 * test_shadow_init -- follows no range yet; operations go to m
 */
static inline void
test_shadow_init(struct test_shadow *s, const struct test_mover *m,
	const char *mode)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->mode = mode;
}

/*
 * test_shadow_add -- follows the size bytes at mem, named name, whose
 * shadow is at shadow
 */
static inline void
test_shadow_add(struct test_shadow *s, const char *name, void *mem,
	unsigned char *shadow, size_t size)
{
	assert_true(s->n < TEST_SHADOW_RANGES);
	s->range[s->n].name = name;
	s->range[s->n].mem = mem;
	s->range[s->n].shadow = shadow;
	s->range[s->n].size = size;
	s->n++;
}

/*
 * test_shadow_find -- the shadow of p, or NULL if p is in no range
 * (internal to this header)
 */
static inline unsigned char *
test_shadow_find(const struct test_shadow *s, const void *p)
{
	const char *c = p;

	for (size_t i = 0; i < s->n; i++) {
		if (c >= s->range[i].mem &&
				c < s->range[i].mem + s->range[i].size)
			return s->range[i].shadow + (c - s->range[i].mem);
	}
	return NULL;
}

/*
 * test_shadow_of -- the shadow of p, which must be in a range
 */
static inline unsigned char *
test_shadow_of(const struct test_shadow *s, const void *p)
{
	unsigned char *shadow = test_shadow_find(s, p);

	assert_non_null(shadow);
	return shadow;
}

/*
 * test_shadow_check -- every range holds what its shadow holds, or the
 * test fails naming the range and its first wrong byte
 */
static inline void
test_shadow_check(const struct test_shadow *s)
{
	for (size_t i = 0; i < s->n; i++) {
		size_t d = test_first_diff(s->range[i].mem, s->range[i].shadow,
			s->range[i].size);
		if (d != s->range[i].size)
			fail_msg("byte %zu of %s is 0x%02x, not 0x%02x (%s)",
				d, s->range[i].name,
				(unsigned char)s->range[i].mem[d],
				s->range[i].shadow[d], s->mode);
	}
}

/*
 * test_shadow_apply -- the shadows get the work of an operation of type
 * (as test_op_make() takes it): at the shadow of dest, from the shadow of
 * src, or from src itself if it has none
 */
static inline void
test_shadow_apply(const struct test_shadow *s, enum vdm_operation_type type,
	void *dest, const void *src, int c, size_t n)
{
	const unsigned char *model_src = test_shadow_find(s, src);

	test_op_apply(type, test_shadow_of(s, dest),
		model_src != NULL ? model_src : src, c, n);
}

/*
 * test_shadow_op -- an operation of type (as test_op_make() makes it) on
 * the mover, waited for, completes with VDM_SUCCESS and dest; the shadows
 * get the same work, and every range holds what its shadow holds
 */
static inline void
test_shadow_op(const struct test_shadow *s, enum vdm_operation_type type,
	void *dest, void *src, int c, size_t n, uint64_t flags)
{
	union test_future f;

	runtime_wait(s->m->rt, test_op_make(&f, type, s->m->vdm, dest, src,
		c, n, flags));
	test_expect_output(&f, type, VDM_SUCCESS, dest);
	test_shadow_apply(s, type, dest, src, c, n);
	test_shadow_check(s);
}

/*
 * test_shadow_durable_mover -- the mover says it makes copies durable, and
 * no more; a memset of 10 bytes of 0x77 at dest on it (test_shadow_op())
 * succeeds, and its future said it runs elsewhere (FUTURE_PROPERTY_ASYNC)
 * exactly when async is non-zero
 */
static inline void
test_shadow_durable_mover(const struct test_shadow *s, char *dest,
	int async)
{
	struct vdm *vdm = s->m->vdm;
	union test_future f;

	assert_int_equal(vdm->capabilities, VDM_F_MEM_DURABLE);
	assert_true(vdm_is_supported(vdm, VDM_F_MEM_DURABLE));
	assert_false(vdm_is_supported(vdm, VDM_F_NO_CACHE_HINT));

	struct future *fut = test_op_make(&f, OP_MEMSET, vdm, dest, NULL, 0x77,
		10, 0);
	int is_async = future_has_property(fut, FUTURE_PROPERTY_ASYNC);
	runtime_wait(s->m->rt, fut);
	test_expect_output(&f, OP_MEMSET, VDM_SUCCESS, dest);
	assert_int_equal(is_async != 0, async != 0);
	test_op_apply(OP_MEMSET, test_shadow_of(s, dest), NULL, 0x77, 10);
	test_shadow_check(s);
}

/*
 * test_wait_together -- makes on m each of the n operations of ops, waits
 * for them all at once, and checks that each one completed with result,
 * and with its destination if that is VDM_SUCCESS (else NULL)
 */
static inline void
test_wait_together(const struct test_mover *m,
	const struct vdm_operation *ops, size_t n,
	enum vdm_operation_result result)
{
	union test_future *futs = calloc(n, sizeof(*futs));
	struct future **runnable = calloc(n, sizeof(*runnable));

	assert_non_null(futs);
	assert_non_null(runnable);
	for (size_t i = 0; i < n; i++)
		runnable[i] = test_operation_make(&futs[i], m->vdm, &ops[i]);
	runtime_wait_multiple(m->rt, runnable, n);
	for (size_t i = 0; i < n; i++)
		test_expect_output(&futs[i], ops[i].type, result,
			result == VDM_SUCCESS ?
			test_operation_args(&ops[i]).dest : NULL);
	free(futs);
	free(runnable);
}

/*
 * TEST_WAIT -- waits for *_futp with rt and evaluates to its output
 * (internal to this header)
 */
#define TEST_WAIT(_rt, _futp)\
	(runtime_wait((_rt), FUTURE_AS_RUNNABLE(_futp)),\
	assert_int_equal(FUTURE_STATE(_futp), FUTURE_STATE_COMPLETE),\
	*FUTURE_OUTPUT(_futp))

/* test_wait_memcpy -- vdm_memcpy() on m, waited for; its output */
static inline struct vdm_memcpy_output
test_wait_memcpy(const struct test_mover *m, void *dest, void *src, size_t n,
	uint64_t flags)
{
	struct vdm_memcpy_future fut = vdm_memcpy(m->vdm, dest, src, n, flags);
	return TEST_WAIT(m->rt, &fut);
}

/* test_wait_memmove -- vdm_memmove() on m, waited for; its output */
static inline struct vdm_memmove_output
test_wait_memmove(const struct test_mover *m, void *dest, void *src,
	size_t n, uint64_t flags)
{
	struct vdm_memmove_future fut = vdm_memmove(m->vdm, dest, src, n,
		flags);
	return TEST_WAIT(m->rt, &fut);
}

/* test_wait_memset -- vdm_memset() on m, waited for; its output */
static inline struct vdm_memset_output
test_wait_memset(const struct test_mover *m, void *str, int c, size_t n,
	uint64_t flags)
{
	struct vdm_memset_future fut = vdm_memset(m->vdm, str, c, n, flags);
	return TEST_WAIT(m->rt, &fut);
}

/* test_wait_flush -- vdm_flush() on m, waited for; its output */
static inline struct vdm_flush_output
test_wait_flush(const struct test_mover *m, void *dest, size_t n,
	uint64_t flags)
{
	struct vdm_flush_future fut = vdm_flush(m->vdm, dest, n, flags);
	return TEST_WAIT(m->rt, &fut);
}

/*
 * test_table_start -- starts op through vdm's table the way libpmem2 does
 * (op_new, op_start with no notifier); the mover's handle
 */
static inline void *
test_table_start(struct vdm *vdm, const struct vdm_operation *op)
{
	void *data = vdm->op_new(vdm, op->type);

	assert_non_null(data);
	assert_int_equal(vdm->op_start(data, op, NULL), 0);
	return data;
}

/*
 * test_table_finish -- op_check on a started operation until it says
 * complete, then op_delete; what op_delete reported, of op's type
 */
static inline struct vdm_operation_output
test_table_finish(struct vdm *vdm, void *data, const struct vdm_operation *op)
{
	struct vdm_operation_output out;

	while (vdm->op_check(data, op) != FUTURE_STATE_COMPLETE)
		(void) sched_yield();
	memset(&out, 0, sizeof(out));
	out.result = VDM_ERROR_JOB_CORRUPTED;
	vdm->op_delete(data, op, &out);
	assert_int_equal(out.type, op->type);
	return out;
}

/*
 * test_table_run -- op driven through vdm's table to its end; what
 * op_delete reported
 */
static inline struct vdm_operation_output
test_table_run(struct vdm *vdm, const struct vdm_operation *op)
{
	return test_table_finish(vdm, test_table_start(vdm, op), op);
}

/*
 * test_table_expect -- op driven through vdm's table to its end ends with
 * result, and with op's destination as its pointer if that is VDM_SUCCESS
 * (a flush has none)
 */
static inline void
test_table_expect(struct vdm *vdm, struct vdm_operation op,
	enum vdm_operation_result result)
{
	struct vdm_operation_output out = test_table_run(vdm, &op);

	assert_int_equal(out.result, result);
	if (result == VDM_SUCCESS && op.type != VDM_OPERATION_FLUSH)
		assert_ptr_equal(out.dest, test_operation_args(&op).dest);
}

/*
 * test_shadow_table_op -- test_shadow_op() through the mover's table: op,
 * driven to its end, succeeds with its destination; the shadows get the
 * same work, and every range holds what its shadow holds
 */
static inline void
test_shadow_table_op(const struct test_shadow *s, struct vdm_operation op)
{
	struct test_op_args a = test_operation_args(&op);

	test_table_expect(s->m->vdm, op, VDM_SUCCESS);
	test_shadow_apply(s, a.type, a.dest, a.src, a.c, a.n);
	test_shadow_check(s);
}

/*
 * test_table_memcpy -- a memcpy driven through vdm's table to its end;
 * what op_delete reported
 */
static inline struct vdm_operation_output
test_table_memcpy(struct vdm *vdm, void *dest, void *src, size_t n,
	uint64_t flags)
{
	struct vdm_operation op = test_operation(OP_MEMCPY, dest, src, 0, n,
		flags);

	return test_table_run(vdm, &op);
}

#endif /* TEST_HELPERS_H */
