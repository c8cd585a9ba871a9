/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmemobj_order.c -- the order in which the pmemobj mover stores and
 * makes durable, seen through the test seams of its static test build
 * (pmemobj_seam.h, pmem_seam.h) and checked with the log and checker of
 * test_order_log.h (check_order(): the rules are at its top).
 *
 * The pool's own functions (pmv__obj_fns: pmemobj_memcpy() and friends,
 * with which a pool on persistent memory is stored) and the libpmem
 * functions the mover drains and flushes with (pmv__obj_fns_seam) are
 * wrapped with ones that log each call (and count those of the pool's
 * functions); so are the barriers of the drain group (pmv__membarrier),
 * the kernel's copies (pmv__kernel_store_seam) and the write-backs of a
 * pool in the page cache, logged as persists
 * (pmv__fail_write_back, asked after each write-back with its range,
 * which it never fails here).
 *
 * On persistent memory (PMEM_IS_PMEM_FORCE=1, the pmemobj_order_is_pmem
 * entry) no future completes before a drain on the thread that stored
 * its bytes, or a barrier, then a flush and a drain of its range on the
 * thread that completes it; 64 futures waited together share one drain;
 * a mover whose drains are dropped (seam_broken), and a handed-over future
 * whose barrier is dropped (lost_membarrier), are the controls that the
 * checker catches a mover that breaks the rules.  In the page cache (the
 * pmemobj_order entry) every store is written back before its future
 * completes; there the control is a mover whose write-backs go unlogged
 * (the write-backs themselves happen: pmemobj_durable holds them to the
 * kernel's page flags).
 *
 * Runs without threads and with two workers.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_order_log.h"
#include "test_pmemobj_pool.h"

#include "pmemobj_seam.h"

#define POOL_SIZE (24 * MIB)
#define OBJ_SIZE (9 * MIB)
/* the futures of the tests of several operations: at most */
#define MANY 64
#define MANY_LEN ((size_t)4096)

/* the pool's functions, as the test found them */
static struct pmv__obj_fns orig_obj;
/* the write-backs are logged (else they go unlogged: the control) */
static int log_write_backs = 1;
/* of the stores and flushes logged, those of the pool's functions
 * (log_lock) */
static unsigned obj_calls;

/*
 * count_obj_call -- counts a call of the pool's functions
 */
static void
count_obj_call(void)
{
	pthread_mutex_lock(&log_lock);
	obj_calls++;
	pthread_mutex_unlock(&log_lock);
}

/*
 * rec_obj_memcpy -- the pool's memcpy, logged
 */
static void *
rec_obj_memcpy(PMEMobjpool *pop, void *dest, const void *src, size_t len,
	unsigned flags)
{
	void *ret = orig_obj.memcpy(pop, dest, src, len, flags);
	log_event(EV_MEMCPY, dest, len, flags);
	count_obj_call();
	return ret;
}

/*
 * rec_obj_memmove -- the pool's memmove, logged
 */
static void *
rec_obj_memmove(PMEMobjpool *pop, void *dest, const void *src, size_t len,
	unsigned flags)
{
	void *ret = orig_obj.memmove(pop, dest, src, len, flags);
	log_event(EV_MEMMOVE, dest, len, flags);
	count_obj_call();
	return ret;
}

/*
 * rec_obj_memset -- the pool's memset, logged
 */
static void *
rec_obj_memset(PMEMobjpool *pop, void *dest, int c, size_t len,
	unsigned flags)
{
	void *ret = orig_obj.memset(pop, dest, c, len, flags);
	log_event(EV_MEMSET, dest, len, flags);
	count_obj_call();
	return ret;
}

/*
 * rec_obj_flush -- the pool's flush, logged
 */
static void
rec_obj_flush(PMEMobjpool *pop, const void *addr, size_t len)
{
	orig_obj.flush(pop, addr, len);
	log_event(EV_FLUSH, addr, len, 0);
	count_obj_call();
}

/*
 * rec_write_back -- asked after each write-back of a range: logs it as a
 * persist (unless the control is on), and never fails it
 */
static int
rec_write_back(const void *addr, size_t len)
{
	if (log_write_backs)
		log_event(EV_PERSIST, addr, len, 0);
	return 0;
}

struct fixture {
	const struct test_mode *mode;
	struct test_pool pool;
	struct test_mover m;	/* its mover made with seam_record */
	char *obj;		/* OBJ_SIZE bytes of the pool */
	int page;		/* the pool is in the page cache */
	unsigned char *src;	/* OBJ_SIZE bytes to copy from */
	char msg[256];		/* what check_order found */
};

/*
 * mover_new -- a mover of the fixture's mode for its pool, through seam
 */
static struct vdm *
mover_new(struct fixture *f, void (*seam)(struct pmv__fns *))
{
	pmv__obj_fns_seam = seam;
	struct vdm *vdm = vdm_pmemobj_new(f->pool.pop, f->mode->nthreads);
	pmv__obj_fns_seam = NULL;
	return vdm;
}

/*
 * setup -- a fresh pool with an object, and the logged mover of the mode
 * in the prestate for it
 */
static int
setup(void **state)
{
	const struct test_mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	f->src = malloc(OBJ_SIZE);
	if (f->src == NULL || test_pool_create(&f->pool, "/var/tmp",
			POOL_SIZE) != 0) {
		free(f->src);
		free(f);
		return -1;
	}
	f->obj = test_pool_alloc(&f->pool, OBJ_SIZE, NULL);
	f->page = !f->pool.is_pmem;
	if (test_mover_init(&f->m, mover_new(f, seam_record),
			"vdm_pmemobj_new") != 0) {
		test_pool_close(&f->pool);
		free(f->src);
		free(f);
		return -1;
	}
	test_fill(f->src, OBJ_SIZE, 99);
	*state = f;
	return 0;
}

/*
 * teardown -- deletes the mover, then closes the pool
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_mover_fini(&f->m);
	test_pool_close(&f->pool);
	free(f->src);
	free(f);
	return 0;
}

/*
 * expect_ordered -- the log of a completed operation keeps the rules
 */
static void
expect_ordered(struct fixture *f, const struct op_desc *op)
{
	const char *err = check_order(op, f->page, f->msg, sizeof(f->msg));

	if (err != NULL) {
		dump_log(op);
		fail_msg("%s (%s, %s)", err, f->mode->name,
			f->page ? "page cache" : "pmem");
	}
}

/*
 * drain_group_expected -- the fixture's mover defers the drains of the
 * short operations its polling thread stores to the drain group of that
 * thread: on persistent memory whose drain waits for flushes
 */
static int
drain_group_expected(const struct fixture *f)
{
	return !f->page && !pmem_has_auto_flush();
}

/*
 * expect_bytes -- [p, p + n) holds what expect holds
 */
static void
expect_bytes(const void *p, const void *expect, size_t n)
{
	test_expect_bytes(p, expect, n, "the destination");
}

/*
 * expect_stored_by -- who stored the operation of type just logged: on
 * persistent memory, the pool's functions (pmemobj_memcpy() and friends,
 * pmemobj_flush()) made every store and flush of the log but those of the
 * cross-thread path; in the page cache, none (libpmem's functions or the
 * kernel did)
 */
static void
expect_stored_by(struct fixture *f, enum vdm_operation_type type)
{
	unsigned calls;

	pthread_mutex_lock(&log_lock);
	calls = obj_calls;
	pthread_mutex_unlock(&log_lock);
	if (f->page) {
		assert_int_equal(calls, 0);
		return;
	}
	assert_true(calls > 0);
	assert_int_equal(calls, count_events(store_kind(type)));
}

/*
 * run_op -- an operation of type on vdm, logged from an empty log to its
 * completion, which must succeed, stored by the functions it must be
 * (expect_stored_by)
 */
static void
run_op(struct fixture *f, struct vdm *vdm, enum vdm_operation_type type,
	char *dest, void *src, int c, size_t n, uint64_t flags)
{
	union test_future fut;

	log_reset();
	pthread_mutex_lock(&log_lock);
	obj_calls = 0;
	pthread_mutex_unlock(&log_lock);
	struct future *h = test_op_make(&fut, type, vdm, dest, src, c, n,
		flags);
	struct wait_info info = wait_logged(h);
	test_expect_output(&fut, type, VDM_SUCCESS, dest);
	/* without threads, a deferred drain or a write-back takes a later
	 * poll */
	if (f->mode->nthreads == 0 && (f->page || drain_group_expected(f))) {
		assert_int_equal(info.first, FUTURE_STATE_RUNNING);
		assert_true(info.polls >= 2);
	}
	expect_stored_by(f, type);
}

/*
 * test_ops -- memcpy, memmove (apart and overlapping), memset and flush,
 * with and without VDM_F_NO_CACHE_HINT
 */
static void
test_ops(void **state)
{
	struct fixture *f = *state;
	size_t pg = 4096;

	for (unsigned i = 0; i < 2; i++) {
		uint64_t flags = i ? VDM_F_NO_CACHE_HINT : VDM_F_MEM_DURABLE;
		char *dest = f->obj + (1 + 16 * i) * pg + 17;
		size_t n = 3 * pg + 100;
		struct op_desc op = { VDM_OPERATION_MEMCPY, dest, n, flags, 0,
			NULL };

		run_op(f, f->m.vdm, OP_MEMCPY, dest, f->src, 0, n, flags);
		expect_bytes(dest, f->src, n);
		expect_ordered(f, &op);

		/* memmove, over itself */
		run_op(f, f->m.vdm, OP_MEMMOVE, dest + 300, dest, 0, n, flags);
		expect_bytes(dest + 300, f->src, n);
		op.type = VDM_OPERATION_MEMMOVE;
		op.dest = dest + 300;
		expect_ordered(f, &op);

		/* memmove, from ordinary memory */
		run_op(f, f->m.vdm, OP_MEMMOVE, dest, f->src + 5, 0, n, flags);
		expect_bytes(dest, f->src + 5, n);
		op.dest = dest;
		expect_ordered(f, &op);

		run_op(f, f->m.vdm, OP_MEMSET, dest, NULL, 0x3d, n, flags);
		for (size_t k = 0; k < n; k++)
			assert_int_equal((unsigned char)dest[k], 0x3d);
		op.type = VDM_OPERATION_MEMSET;
		expect_ordered(f, &op);

		run_op(f, f->m.vdm, OP_FLUSH, dest + 1, NULL, 0, n - 1, flags);
		op.type = VDM_OPERATION_FLUSH;
		op.dest = dest + 1;
		op.len = n - 1;
		expect_ordered(f, &op);
	}
}

/*
 * test_split -- large operations: with workers, cut into pieces, each
 * made durable on the thread that stored it
 */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	size_t n = 8 * MIB;
	char *dest = f->obj + 64 + 3;
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, n, 0, 0, NULL };

	run_op(f, f->m.vdm, OP_MEMCPY, dest, f->src, 0, n, 0);
	expect_bytes(dest, f->src, n);
	expect_ordered(f, &op);
	unsigned stores = count_events(EV_MEMCPY);
	print_message("8 MiB memcpy (%s): %u pieces, stored by %u threads\n",
		f->mode->name, stores, count_threads(EV_MEMCPY));
	if (f->mode->nthreads != 0)
		assert_true(stores > 1);

	run_op(f, f->m.vdm, OP_MEMSET, dest, NULL, 0x71, 3 * MIB,
		VDM_F_NO_CACHE_HINT);
	op.type = VDM_OPERATION_MEMSET;
	op.len = 3 * MIB;
	op.flags = VDM_F_NO_CACHE_HINT;
	expect_ordered(f, &op);
	if (f->mode->nthreads != 0)
		assert_true(count_events(EV_MEMSET) > 1);
}

/*
 * test_fail_logs_nothing -- operations that fail store nothing and make
 * nothing durable
 */
static void
test_fail_logs_nothing(void **state)
{
	struct fixture *f = *state;
	char *end = f->pool.base + POOL_SIZE;

	log_reset();
	struct vdm_memcpy_future cpy = vdm_memcpy(f->m.vdm, end - 10, f->src,
		11, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&cpy));
	assert_int_equal(FUTURE_OUTPUT(&cpy)->result, VDM_ERROR_OUT_OF_RANGE);
	struct vdm_flush_future fl = vdm_flush(f->m.vdm, f->src, 100, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&fl));
	assert_int_equal(FUTURE_OUTPUT(&fl)->result, VDM_ERROR_OUT_OF_RANGE);

	/* through the table, with a flag unknown to the mover */
	struct vdm_operation o = test_operation(OP_MEMSET, f->obj, NULL, 0, 10,
		((uint64_t)1) << 9);
	assert_int_equal(test_table_run(f->m.vdm, &o).result,
		VDM_ERROR_INVALID_FLAGS);

	for (unsigned i = 0; i < nevents; i++) {
		if (events[i].kind != EV_COMPLETE &&
				events[i].kind != EV_WAKE)
			fail_msg("a failed operation logged a %s",
				ev_names[events[i].kind]);
	}
}

/*
 * test_control -- with the drains gone (persistent memory), or the
 * write-backs unlogged (the page cache), the check finds stores that are
 * not made durable before completion
 */
static void
test_control(void **state)
{
	struct fixture *f = *state;
	struct vdm *broken = mover_new(f, seam_broken);
	assert_non_null(broken);

	char *dest = f->obj + 5 * 4096 + 1;
	size_t sizes[] = { 1000, 4 * MIB };
	log_write_backs = 0;
	for (unsigned i = 0; i < 2; i++) {
		struct op_desc op = { VDM_OPERATION_MEMCPY, dest, sizes[i],
			0, 0, NULL };
		run_op(f, broken, OP_MEMCPY, dest, f->src + i, 0, sizes[i], 0);
		expect_bytes(dest, f->src + i, sizes[i]);
		const char *err = check_order(&op, f->page, f->msg,
			sizeof(f->msg));
		assert_non_null(err);
		print_message("control (%u bytes): %s\n", (unsigned)sizes[i],
			err);
		assert_non_null(strstr(err, f->page ? "not persisted" :
			"not drained"));
	}
	log_write_backs = 1;
	vdm_delete(broken);

	/* and the mover of the fixture still keeps the rules */
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, 1000, 0, 0,
		NULL };
	run_op(f, f->m.vdm, OP_MEMCPY, dest, f->src + 7, 0, 1000, 0);
	expect_ordered(f, &op);
}

/*
 * many_dest -- where operation k of the tests of several operations
 * writes: a range of its own, MANY_LEN bytes at a page of its own, set
 * set apart from another set
 */
static char *
many_dest(struct fixture *f, unsigned set, unsigned k)
{
	return f->obj + ((size_t)set * MANY + k) * 4096 + 64;
}

/*
 * many_start -- n memcpy futures of set, not polled yet
 */
static void
many_start(struct fixture *f, unsigned set, struct vdm_memcpy_future *futs,
	unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		futs[k] = vdm_memcpy(f->m.vdm, many_dest(f, set, k),
			f->src + set * 7 + k, MANY_LEN, 0);
}

/*
 * many_poll -- polls each of the n futures once, logging "complete" with
 * its destination for each that a poll finds complete; non-zero once all
 * are complete
 */
static int
many_poll(struct vdm_memcpy_future *futs, unsigned n)
{
	struct future_notifier note;
	int all = 1;

	for (unsigned k = 0; k < n; k++) {
		if (FUTURE_STATE(&futs[k]) == FUTURE_STATE_COMPLETE)
			continue;
		memset(&note, 0, sizeof(note));
		note.waker.wake = on_wake;
		if (future_poll(FUTURE_AS_RUNNABLE(&futs[k]), &note) !=
				FUTURE_STATE_COMPLETE) {
			all = 0;
			continue;
		}
		log_event(EV_COMPLETE, futs[k].data.operation.data.memcpy.dest,
			0, 0);
	}
	return all;
}

/*
 * many_wait -- many_poll until all n futures are complete
 */
static void
many_wait(struct vdm_memcpy_future *futs, unsigned n)
{
	while (!many_poll(futs, n))
		(void) sched_yield();
}

/*
 * many_expect -- the n futures of set succeeded, their bytes are there,
 * and the shared log keeps the rules for each, up to its own completion
 * (or one that names none)
 */
static void
many_expect(struct fixture *f, unsigned set, struct vdm_memcpy_future *futs,
	unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		char *dest = many_dest(f, set, k);
		struct op_desc op = { VDM_OPERATION_MEMCPY, dest, MANY_LEN, 0,
			1, NULL };

		assert_int_equal(FUTURE_OUTPUT(&futs[k])->result,
			VDM_SUCCESS);
		expect_bytes(dest, f->src + set * 7 + k, MANY_LEN);
		expect_ordered(f, &op);
	}
}

/*
 * test_wait_multiple -- MANY futures waited together with
 * runtime_wait_multiple(): on persistent memory, the first pass stores
 * them all, and one drain completes them all; in the page cache, they
 * share write-backs
 */
static void
test_wait_multiple(void **state)
{
	struct fixture *f = *state;
	struct vdm_memcpy_future futs[MANY];
	struct future *run[MANY];

	log_reset();
	many_start(f, 0, futs, MANY);
	for (unsigned k = 0; k < MANY; k++)
		run[k] = FUTURE_AS_RUNNABLE(&futs[k]);
	runtime_wait_multiple(f->m.rt, run, MANY);
	log_event(EV_COMPLETE, NULL, 0, 0);
	many_expect(f, 0, futs, MANY);
	print_message("%d futures waited together (%s, %s): %u drains, %u "
		"write-backs, %u barriers\n", MANY, f->mode->name,
		f->page ? "page cache" : "pmem", count_events(EV_DRAIN),
		count_events(EV_PERSIST), count_events(EV_BARRIER));
	if (drain_group_expected(f)) {
		assert_int_equal(count_events(EV_DRAIN), 1);
		/* every store came before it */
		assert_int_equal(events[nevents - 2].kind, EV_DRAIN);
	}
	if (f->page)
		assert_true(count_events(EV_PERSIST) < MANY);
	assert_int_equal(count_events(EV_BARRIER), 0);
}

/* a set of futures one thread polls to completion */
struct many_set {
	struct fixture *f;
	unsigned set;
	unsigned n;
	struct vdm_memcpy_future futs[MANY];
};

/*
 * many_thread -- starts the futures of a set and polls them until they
 * are complete
 */
static void *
many_thread(void *arg)
{
	struct many_set *m = arg;

	many_start(m->f, m->set, m->futs, m->n);
	many_wait(m->futs, m->n);
	return NULL;
}

/*
 * test_two_threads -- two threads poll a set of futures each, at once:
 * each thread's stores made durable before its futures complete (on
 * persistent memory, drained on it: one drain group per thread)
 */
static void
test_two_threads(void **state)
{
	struct fixture *f = *state;
	static struct many_set sets[2];
	pthread_t th[2];

	log_reset();
	for (unsigned i = 0; i < 2; i++) {
		sets[i].f = f;
		sets[i].set = i;
		sets[i].n = MANY / 4;
		assert_int_equal(pthread_create(&th[i], NULL, many_thread,
			&sets[i]), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (unsigned i = 0; i < 2; i++)
		many_expect(f, i, sets[i].futs, sets[i].n);
	if (drain_group_expected(f)) {
		assert_int_equal(count_threads(EV_DRAIN), 2);
		assert_int_equal(count_events(EV_BARRIER), 0);
	}
}

/*
 * struct handover -- a future started on one thread (A) and finished on
 * another (B), handed over through a mutex, while A lives on and polls
 * futures of its own
 */
struct handover {
	struct fixture *f;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int handed;		/* the future is in fut (lock) */
	int done;		/* B completed it (lock) */
	struct vdm_memcpy_future fut;	/* (lock) */
	struct vdm_memcpy_future own[4];	/* A's own */
};

/*
 * handover_a -- thread A: starts its own futures and the one to hand
 * over (a first poll each), hands that one over, waits until B completed
 * it, and completes its own
 */
static void *
handover_a(void *arg)
{
	struct handover *h = arg;
	struct vdm_memcpy_future fut = vdm_memcpy(h->f->m.vdm,
		many_dest(h->f, 1, 0), h->f->src + 7, MANY_LEN, 0);

	many_start(h->f, 2, h->own, 4);
	(void) many_poll(h->own, 4);
	(void) many_poll(&fut, 1);

	pthread_mutex_lock(&h->lock);
	h->fut = fut;
	h->handed = 1;
	pthread_cond_broadcast(&h->cond);
	while (!h->done)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);

	many_wait(h->own, 4);
	return NULL;
}

/*
 * handover_run -- runs A, with B on this thread
 */
static void
handover_run(struct fixture *f, struct handover *h)
{
	pthread_t a;

	memset(h, 0, sizeof(*h));
	h->f = f;
	assert_int_equal(pthread_mutex_init(&h->lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&h->cond, NULL), 0);

	log_reset();
	assert_int_equal(pthread_create(&a, NULL, handover_a, h), 0);
	pthread_mutex_lock(&h->lock);
	while (!h->handed)
		pthread_cond_wait(&h->cond, &h->lock);
	struct vdm_memcpy_future fut = h->fut;
	pthread_mutex_unlock(&h->lock);

	many_wait(&fut, 1);

	pthread_mutex_lock(&h->lock);
	h->done = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	assert_int_equal(pthread_join(a, NULL), 0);
	h->fut = fut;

	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
}

/*
 * test_handover -- a future first polled on A and completed on B while A
 * lives: on persistent memory B cannot drain for A, so a barrier, then a
 * flush and a drain of its range on B
 */
static void
test_handover(void **state)
{
	struct fixture *f = *state;
	static struct handover h;

	handover_run(f, &h);
	many_expect(f, 1, &h.fut, 1);
	many_expect(f, 2, h.own, 4);
	print_message("handed over (%s, %s): %u barriers\n", f->mode->name,
		f->page ? "page cache" : "pmem", count_events(EV_BARRIER));
	if (drain_group_expected(f))
		assert_int_equal(count_events(EV_BARRIER), 1);
}

/*
 * test_control_barrier -- with the barriers gone, a future completed on
 * another thread than the one that stored it, while that one lives on,
 * breaks the rules in the check's eyes
 */
static void
test_control_barrier(void **state)
{
	struct fixture *f = *state;
	static struct handover h;

	if (!drain_group_expected(f)) {
		print_message("no barrier to drop (%s, %s)\n", f->mode->name,
			f->page ? "page cache" : "pmem");
		return;
	}
	pmv__membarrier = lost_membarrier;
	handover_run(f, &h);
	pmv__membarrier = rec_membarrier;

	struct op_desc op = { VDM_OPERATION_MEMCPY, many_dest(f, 1, 0),
		MANY_LEN, 0, 1, NULL };
	assert_int_equal(FUTURE_OUTPUT(&h.fut)->result, VDM_SUCCESS);
	const char *err = check_order(&op, f->page, f->msg, sizeof(f->msg));
	assert_non_null(err);
	print_message("control, no barrier: %s\n", err);
	assert_non_null(strstr(err, "not drained"));
	assert_int_equal(count_events(EV_BARRIER), 0);
}

/*
 * test_delete_drains -- a future polled once (stored, its drain or
 * write-back pending), then its mover deleted: the deletion made it
 * durable
 */
static void
test_delete_drains(void **state)
{
	struct fixture *f = *state;
	char *dest = many_dest(f, 4, 1);
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, MANY_LEN, 0, 0,
		NULL };
	struct vdm *vdm = mover_new(f, seam_record);
	assert_non_null(vdm);

	log_reset();
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, f->src + 2,
		MANY_LEN, 0);
	(void) future_poll(FUTURE_AS_RUNNABLE(&fut), NULL);
	/* the future is not polled again: the mover is gone */
	vdm_delete(vdm);
	log_event(EV_COMPLETE, NULL, 0, 0);
	expect_bytes(dest, f->src + 2, MANY_LEN);
	expect_ordered(f, &op);
	if (drain_group_expected(f))
		assert_int_equal(count_events(EV_DRAIN), 1);
}

/*
 * TESTS -- the tests with the mover of mode _mode
 */
#define TESTS(_mode)\
	TEST_PRESTATE(test_ops, _mode),\
	TEST_PRESTATE(test_split, _mode),\
	TEST_PRESTATE(test_fail_logs_nothing, _mode),\
	TEST_PRESTATE(test_wait_multiple, _mode),\
	TEST_PRESTATE(test_two_threads, _mode),\
	TEST_PRESTATE(test_handover, _mode),\
	TEST_PRESTATE(test_delete_drains, _mode),\
	TEST_PRESTATE(test_control, _mode),\
	TEST_PRESTATE(test_control_barrier, _mode)

/*
 * main -- the seams, then the tests without threads and with two
 */
int
main(void)
{
	/* before the first mover, which registers the process with it */
	orig_membarrier = pmv__membarrier;
	pmv__membarrier = rec_membarrier;
	orig_obj = pmv__obj_fns;
	pmv__obj_fns.memcpy = rec_obj_memcpy;
	pmv__obj_fns.memmove = rec_obj_memmove;
	pmv__obj_fns.memset = rec_obj_memset;
	pmv__obj_fns.flush = rec_obj_flush;
	pmv__kernel_store_seam = rec_kernel_store;
	pmv__fail_write_back = rec_write_back;

	const struct CMUnitTest inline_tests[] = { TESTS(test_mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(test_mode_pool) };

	int failed = cmocka_run_group_tests_name("pmemobj order, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("pmemobj order, 2 threads",
		pool_tests, NULL, NULL);

	pmv__obj_fns = orig_obj;
	pmv__kernel_store_seam = NULL;
	pmv__fail_write_back = NULL;
	return failed;
}
