/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_order.c -- the order in which the pmem mover stores and makes
 * durable, seen through the test seam of its static test build
 * (pmv__fns_seam, src/pmem/pmem_seam.h): the seam wraps the map's functions
 * with ones that log each call (which function, range, flags, thread) under
 * a mutex before they return, and the test logs "wake" when its waker is
 * called and "complete" when a poll finds the future complete.  The mover
 * calls the waker just before it publishes completion (a waker may be
 * called more than once: the last call counts), so completion is the last
 * "wake" or the "complete", whichever is first.
 *
 * For every operation that completes, the log must show (check_order();
 * the log, its seams and the checker are in test_order_log.h, shared with
 * the tests of the pmemobj mover):
 *	- stores of the operation's kind only, inside its range, covering it,
 *	  and with the flags the granularity needs (NODRAIN, or NOFLUSH for
 *	  PAGE; NONTEMPORAL exactly when VDM_F_NO_CACHE_HINT was asked for);
 *	- BYTE, CACHE_LINE: after each store or flush, before completion, a
 *	  drain on the thread that made it, or a barrier (membarrier, logged
 *	  through the pmv__membarrier seam) and then flushes covering its
 *	  range and a drain, all on the thread that completes the operation;
 *	- PAGE: after each store, persists (of any thread: the group
 *	  persist may write back for others) covering its range, before
 *	  completion (a flush: persists covering the range);
 *	- nothing stored after completion.
 * An operation that fails must log no store at all.  The checker is tested
 * on made-up logs that each break one rule, and a seam that drops the
 * drains and persists, and one that drops the barriers, are the controls
 * that it catches a real mover too.  A log may hold the events of several
 * operations (op_desc.shared): each is checked against the stores in its
 * own range and its own completion (a "complete" event that names it, or
 * one that names none).
 *
 * Without threads, a vdm future's first poll stores and joins the drain
 * group of its thread (BYTE, CACHE_LINE) or the group persist (PAGE), and
 * returns RUNNING; a later poll completes it.
 *
 * Runs without threads and with two workers, and (as three ctest entries)
 * with the granularity libpmem2 detects and forced to CACHE_LINE and BYTE.
 */

#include "test_pmem2_mover.h"

#include "pmem_seam.h"

#include <libpmem.h>
#include <linux/membarrier.h>
#include <pthread.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_order_log.h"

#define TARGET_SIZE (9 * MIB)

/* where the mover moves bytes, and how it stores to a PAGE map */
struct mode {
	const char *name;
	unsigned nthreads;
	/* never through the kernel: as where process_vm_writev() is
	 * refused (pmv__kernel_store_disabled) */
	int user_stores;
};

static struct mode mode_inline = { "no threads", 0, 0 };
static struct mode mode_pool = { "2 threads", 2, 0 };
static struct mode mode_inline_user = { "no threads, user stores", 0, 1 };
static struct mode mode_pool_user = { "2 threads, user stores", 2, 1 };

struct fixture {
	const struct mode *mode;
	struct test_file file;
	struct test_mover m;	/* its mover made with seam_record */
	int page;		/* the map is PAGE granular */
	/* the kernel copies for the mover where it can (checked once) */
	int kernel_expected;
	unsigned char *src;	/* TARGET_SIZE bytes to copy from */
	char msg[256];		/* what check_order found */
};

/*
 * mover_new -- a mover of the fixture's mode for its map, through seam
 */
static struct vdm *
mover_new(struct fixture *f, void (*seam)(struct pmv__fns *))
{
	pmv__fns_seam = seam;
	struct vdm *vdm = vdm_pmem2_new(f->file.target, f->mode->nthreads);
	pmv__fns_seam = NULL;
	return vdm;
}

/*
 * setup -- maps a fresh file and makes the logged mover of the mode in the
 * prestate for it, attached to the after map
 */
static int
setup(void **state)
{
	const struct mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	pmv__kernel_store_disabled = mode->user_stores;
	pmv__kernel_store_seam = rec_kernel_store;
	f->src = malloc(TARGET_SIZE);
	pmv__fns_seam = seam_record;
	int ret = f->src == NULL ? -1 :
		test_pmem2_mover_open(&f->file, &f->m, TARGET_SIZE,
			mode->nthreads);
	pmv__fns_seam = NULL;
	if (ret == 0 && test_file_attach(&f->file, f->m.vdm) != 0) {
		(void) test_pmem2_mover_close(&f->file, &f->m);
		ret = -1;
	}
	if (ret != 0) {
		free(f->src);
		free(f);
		return -1;
	}
	f->page = f->file.gran == PMEM2_GRANULARITY_PAGE;
	f->kernel_expected = test_file_kernel_copy_expected(&f->file);
	test_fill(f->src, TARGET_SIZE, 99);
	*state = f;
	return 0;
}

/*
 * teardown -- frees what setup() made
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_pmem2_mover_close(&f->file, &f->m), 0);
	free(f->src);
	free(f);
	pmv__kernel_store_disabled = 0;
	pmv__kernel_store_seam = NULL;
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
		fail_msg("%s (%s, %s map)", err, f->mode->name,
			test_file_gran_name(f->file.gran));
	}
}

/*
 * expect_path -- who stored a completed operation: on a PAGE map, the
 * kernel alone, where it can (pmv__kernel_store), unless the mode says
 * not to or the operation is a flush, asks for non-temporal stores or
 * moves bytes over themselves; the map's functions otherwise
 */
static void
expect_path(struct fixture *f, const struct op_desc *op, int overlapping)
{
	int kernel = f->kernel_expected && !f->mode->user_stores &&
		!(op->flags & VDM_F_NO_CACHE_HINT) &&
		op->type != VDM_OPERATION_FLUSH && !overlapping;

	if (!kernel) {
		assert_int_equal(kernel_pieces, 0);
		return;
	}
	assert_true(kernel_pieces > 0);
	assert_int_equal(count_events(store_kind(op->type)), kernel_pieces);
}

/*
 * drain_group_expected -- the fixture's mover defers the drains of the
 * short operations its polling thread stores (all of them without
 * threads, those under 64 KiB with) to the drain group of that thread: on
 * a CACHE_LINE map, whose drain waits for flushes (a BYTE map's has none
 * to wait for, and drains at once)
 */
static int
drain_group_expected(const struct fixture *f)
{
	return f->file.gran == PMEM2_GRANULARITY_CACHE_LINE;
}

/*
 * expect_polls -- without threads, the first poll of a vdm future moves
 * the bytes and joins the drain group of its thread, or on a PAGE map the
 * group persist, and returns RUNNING without a notifier; a later poll
 * completes it: the next one, after a drain of its own thread
 */
static void
expect_polls(struct fixture *f, struct wait_info info)
{
	if (f->mode->nthreads != 0)
		return;
	if (!f->page && !drain_group_expected(f)) {
		/* BYTE: stored and drained at the first poll */
		assert_int_equal(info.first, FUTURE_STATE_COMPLETE);
		assert_int_equal(info.polls, 1);
		return;
	}
	assert_int_equal(info.first, FUTURE_STATE_RUNNING);
	assert_int_equal(info.first_used, FUTURE_NOTIFIER_NONE);
	if (f->page)
		assert_true(info.polls >= 2);
	else
		assert_int_equal(info.polls, 2);
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
 * run_memcpy -- a logged vdm_memcpy() to completion, its result checked
 */
static void
run_memcpy(struct fixture *f, struct vdm *vdm, char *dest, void *src,
	size_t n, uint64_t flags)
{
	log_reset();
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, src, n,
		flags);
	expect_polls(f, wait_logged(FUTURE_AS_RUNNABLE(&fut)));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	expect_bytes(dest, src, n);
}

/*
 * test_ops -- memcpy, memmove (apart and overlapping), memset and flush,
 * with and without VDM_F_NO_CACHE_HINT
 */
static void
test_ops(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->file.page;
	char *map = f->file.addr;

	for (unsigned i = 0; i < 2; i++) {
		uint64_t flags = i ? VDM_F_NO_CACHE_HINT : VDM_F_MEM_DURABLE;
		char *dest = map + (1 + 16 * i) * pg + 17;
		size_t n = 3 * pg + 100;
		struct op_desc op = { VDM_OPERATION_MEMCPY, dest, n, flags, 0,
			NULL };

		run_memcpy(f, f->m.vdm, dest, f->src, n, flags);
		expect_ordered(f, &op);
		expect_path(f, &op, 0);

		/* memmove, over itself */
		log_reset();
		struct vdm_memmove_future mov = vdm_memmove(f->m.vdm,
			dest + 300, dest, n, flags);
		expect_polls(f, wait_logged(FUTURE_AS_RUNNABLE(&mov)));
		assert_int_equal(FUTURE_OUTPUT(&mov)->result, VDM_SUCCESS);
		expect_bytes(dest + 300, f->src, n);
		op.type = VDM_OPERATION_MEMMOVE;
		op.dest = dest + 300;
		expect_ordered(f, &op);
		expect_path(f, &op, 1);

		/* memmove, from ordinary memory */
		log_reset();
		mov = vdm_memmove(f->m.vdm, dest, f->src + 5, n, flags);
		expect_polls(f, wait_logged(FUTURE_AS_RUNNABLE(&mov)));
		assert_int_equal(FUTURE_OUTPUT(&mov)->result, VDM_SUCCESS);
		expect_bytes(dest, f->src + 5, n);
		op.dest = dest;
		expect_ordered(f, &op);
		expect_path(f, &op, 0);

		log_reset();
		struct vdm_memset_future set = vdm_memset(f->m.vdm, dest, 0x3d,
			n, flags);
		expect_polls(f, wait_logged(FUTURE_AS_RUNNABLE(&set)));
		assert_int_equal(FUTURE_OUTPUT(&set)->result, VDM_SUCCESS);
		for (size_t k = 0; k < n; k++)
			assert_int_equal((unsigned char)dest[k], 0x3d);
		op.type = VDM_OPERATION_MEMSET;
		expect_ordered(f, &op);
		expect_path(f, &op, 0);

		log_reset();
		struct vdm_flush_future fl = vdm_flush(f->m.vdm, dest + 1,
			n - 1, flags);
		expect_polls(f, wait_logged(FUTURE_AS_RUNNABLE(&fl)));
		assert_int_equal(FUTURE_OUTPUT(&fl)->result, VDM_SUCCESS);
		op.type = VDM_OPERATION_FLUSH;
		op.dest = dest + 1;
		op.len = n - 1;
		expect_ordered(f, &op);
		expect_path(f, &op, 0);
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
	char *dest = f->file.addr + 64 + 3;
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, n, 0, 0, NULL };

	run_memcpy(f, f->m.vdm, dest, f->src, n, 0);
	expect_ordered(f, &op);
	unsigned stores = count_events(EV_MEMCPY);
	print_message("8 MiB memcpy (%s): %u pieces, stored by %u threads\n",
		f->mode->name, stores, count_threads(EV_MEMCPY));
	if (f->mode->nthreads == 0)
		assert_int_equal(stores, 1);
	else
		assert_true(stores > 1);

	log_reset();
	struct vdm_memset_future set = vdm_memset(f->m.vdm, dest, 0x71,
		3 * MIB, VDM_F_NO_CACHE_HINT);
	wait_logged(FUTURE_AS_RUNNABLE(&set));
	assert_int_equal(FUTURE_OUTPUT(&set)->result, VDM_SUCCESS);
	op.type = VDM_OPERATION_MEMSET;
	op.len = 3 * MIB;
	op.flags = VDM_F_NO_CACHE_HINT;
	expect_ordered(f, &op);
	if (f->mode->nthreads != 0)
		assert_true(count_events(EV_MEMSET) > 1);
}

/*
 * test_pmem2_async -- libpmem2's futures on the after map, whose mover is
 * ours, writing into our mover's map
 */
static void
test_pmem2_async(void **state)
{
	struct fixture *f = *state;
	struct pmem2_map *carrier = f->file.after;
	size_t pg = f->file.page;
	char *dest = f->file.addr + 3 * pg + 9;
	size_t n = 2 * MIB + 5;

	log_reset();
	struct pmem2_future fut = pmem2_memcpy_async(carrier, dest, f->src, n,
		0);
	wait_logged(FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(fut.data.op.fut.output.result, VDM_SUCCESS);
	expect_bytes(dest, f->src, n);
	/* libpmem2 asks for durable copies on CACHE_LINE maps */
	uint64_t flags = f->file.gran == PMEM2_GRANULARITY_CACHE_LINE ?
		VDM_F_MEM_DURABLE : 0;
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, n, flags, 0,
		NULL };
	expect_ordered(f, &op);

	log_reset();
	fut = pmem2_memmove_async(carrier, dest + 64, dest, pg, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(fut.data.op.fut.output.result, VDM_SUCCESS);
	expect_bytes(dest + 64, f->src, pg);
	op.type = VDM_OPERATION_MEMMOVE;
	op.dest = dest + 64;
	op.len = pg;
	expect_ordered(f, &op);

	log_reset();
	fut = pmem2_memset_async(carrier, dest, 0x2f, 5000, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(fut.data.op.fut.output.result, VDM_SUCCESS);
	op.type = VDM_OPERATION_MEMSET;
	op.dest = dest;
	op.len = 5000;
	expect_ordered(f, &op);
}

/*
 * test_fail_logs_nothing -- operations that fail store nothing and make
 * nothing durable
 */
static void
test_fail_logs_nothing(void **state)
{
	struct fixture *f = *state;
	char *end = f->file.addr + f->file.size;

	log_reset();
	struct vdm_memcpy_future cpy = vdm_memcpy(f->m.vdm, end - 10, f->src,
		11, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&cpy));
	assert_int_equal(FUTURE_OUTPUT(&cpy)->result, VDM_ERROR_OUT_OF_RANGE);
	struct vdm_flush_future fl = vdm_flush(f->m.vdm, end, 100, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&fl));
	assert_int_equal(FUTURE_OUTPUT(&fl)->result, VDM_ERROR_OUT_OF_RANGE);
	struct pmem2_future fut = pmem2_memset_async(f->file.after, end + 1,
		0, 10, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(fut.data.op.fut.output.result,
		VDM_ERROR_OUT_OF_RANGE);

	/* through the table, with a flag unknown to the mover */
	struct vdm_operation o = test_operation(OP_MEMSET, f->file.addr,
		NULL, 0, 10, ((uint64_t)1) << 9);
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
 * test_control -- with the drains and persists gone, the check finds
 * stores that are not made durable before completion
 */
static void
test_control(void **state)
{
	struct fixture *f = *state;
	struct vdm *broken = mover_new(f, seam_broken);
	assert_non_null(broken);

	char *dest = f->file.addr + 5 * f->file.page + 1;
	size_t sizes[] = { 1000, 4 * MIB };
	for (unsigned i = 0; i < 2; i++) {
		struct op_desc op = { VDM_OPERATION_MEMCPY, dest, sizes[i],
			0, 0, NULL };
		run_memcpy(f, broken, dest, f->src + i, sizes[i], 0);
		const char *err = check_order(&op, f->page, f->msg,
			sizeof(f->msg));
		assert_non_null(err);
		print_message("control (%u bytes): %s\n", (unsigned)sizes[i],
			err);
		assert_non_null(strstr(err, f->page ? "not persisted" :
			"not drained"));
	}
	vdm_delete(broken);

	/* and the mover of the fixture still keeps the rules */
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, 1000, 0, 0,
		NULL };
	run_memcpy(f, f->m.vdm, dest, f->src + 7, 1000, 0);
	expect_ordered(f, &op);
}

/* the futures of the tests of several operations: at most */
#define MANY 64
#define MANY_LEN ((size_t)4096)

/*
 * many_dest -- where operation k of the tests of several operations
 * writes: a range of its own, MANY_LEN bytes at a page of its own, set
 * set apart from another set
 */
static char *
many_dest(struct fixture *f, unsigned set, unsigned k)
{
	return f->file.addr + ((size_t)set * MANY + k) * f->file.page + 64;
}

/*
 * many_start -- n memcpy futures of set, not polled yet
 */
static void
many_start(struct fixture *f, struct vdm *vdm, unsigned set,
	struct vdm_memcpy_future *futs, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		futs[k] = vdm_memcpy(vdm, many_dest(f, set, k),
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
 * runtime_wait_multiple(): the first pass stores them all, and one drain
 * completes them all
 */
static void
test_wait_multiple(void **state)
{
	struct fixture *f = *state;
	struct vdm_memcpy_future futs[MANY];
	struct future *run[MANY];

	log_reset();
	many_start(f, f->m.vdm, 0, futs, MANY);
	for (unsigned k = 0; k < MANY; k++)
		run[k] = FUTURE_AS_RUNNABLE(&futs[k]);
	runtime_wait_multiple(f->m.rt, run, MANY);
	log_event(EV_COMPLETE, NULL, 0, 0);
	many_expect(f, 0, futs, MANY);
	print_message("%d futures waited together (%s): %u drains, %u "
		"barriers\n", MANY, f->mode->name, count_events(EV_DRAIN),
		count_events(EV_BARRIER));
	if (drain_group_expected(f)) {
		assert_int_equal(count_events(EV_DRAIN), 1);
		/* every store came before it */
		assert_int_equal(events[nevents - 2].kind, EV_DRAIN);
	}
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

	many_start(m->f, m->f->m.vdm, m->set, m->futs, m->n);
	many_wait(m->futs, m->n);
	return NULL;
}

/*
 * test_two_threads -- two threads poll a set of futures each, at once:
 * each thread's stores drained on it
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
 * another (B), handed over through a mutex
 */
struct handover {
	struct fixture *f;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int handed;		/* the future is in fut (lock) */
	int done;		/* B completed it (lock) */
	int stay;		/* A keeps polling its own until done */
	struct vdm_memcpy_future fut;	/* (lock) */
	struct vdm_memcpy_future own[4];	/* A's own */
};

/*
 * handover_a -- thread A: starts its own futures (stay) and the one to
 * hand over (a first poll each), hands that one over, then (stay) waits
 * until B completed it and completes its own, or exits at once.  Only a
 * thread that stays has futures of its own: one that exits would drop
 * them, and a pool's workers would go on logging their write-backs while
 * the log is checked.
 */
static void *
handover_a(void *arg)
{
	struct handover *h = arg;
	struct vdm_memcpy_future fut = vdm_memcpy(h->f->m.vdm,
		many_dest(h->f, 1, 0), h->f->src + 7, MANY_LEN, 0);

	if (h->stay) {
		many_start(h->f, h->f->m.vdm, 2, h->own, 4);
		(void) many_poll(h->own, 4);
	}
	struct future_notifier note;
	memset(&note, 0, sizeof(note));
	note.waker.wake = on_wake;
	if (future_poll(FUTURE_AS_RUNNABLE(&fut), &note) ==
			FUTURE_STATE_COMPLETE)
		log_event(EV_COMPLETE, fut.data.operation.data.memcpy.dest, 0,
			0);

	pthread_mutex_lock(&h->lock);
	h->fut = fut;
	h->handed = 1;
	pthread_cond_broadcast(&h->cond);
	while (h->stay && !h->done)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);

	if (h->stay)
		many_wait(h->own, 4);
	return NULL;
}

/*
 * handover_run -- runs A, with B on this thread: with A alive and
 * polling its own futures after B (stay), or after A exited; checks the
 * handed future's log, and A's own futures when A completed them
 */
static void
handover_run(struct fixture *f, struct handover *h, int stay)
{
	pthread_t a;

	memset(h, 0, sizeof(*h));
	h->f = f;
	h->stay = stay;
	assert_int_equal(pthread_mutex_init(&h->lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&h->cond, NULL), 0);

	log_reset();
	assert_int_equal(pthread_create(&a, NULL, handover_a, h), 0);
	pthread_mutex_lock(&h->lock);
	while (!h->handed)
		pthread_cond_wait(&h->cond, &h->lock);
	struct vdm_memcpy_future fut = h->fut;
	pthread_mutex_unlock(&h->lock);
	if (!stay)
		assert_int_equal(pthread_join(a, NULL), 0);

	many_wait(&fut, 1);

	pthread_mutex_lock(&h->lock);
	h->done = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (stay)
		assert_int_equal(pthread_join(a, NULL), 0);
	h->fut = fut;

	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
}

/*
 * test_handover -- a future first polled on A and completed on B: with A
 * alive and polling its own futures (B cannot drain for A: a barrier,
 * then a flush and drain on B), and with A exited (A's exit drained it)
 */
static void
test_handover(void **state)
{
	struct fixture *f = *state;
	static struct handover h;

	handover_run(f, &h, 1);
	many_expect(f, 1, &h.fut, 1);
	many_expect(f, 2, h.own, 4);
	print_message("handed over, A alive (%s): %u barriers\n",
		f->mode->name, count_events(EV_BARRIER));
	if (drain_group_expected(f))
		assert_int_equal(count_events(EV_BARRIER), 1);

	handover_run(f, &h, 0);
	many_expect(f, 1, &h.fut, 1);
	if (drain_group_expected(f)) {
		assert_int_equal(count_events(EV_BARRIER), 0);
		/* A drained at its exit, once */
		assert_int_equal(count_events(EV_DRAIN), 1);
		assert_int_equal(count_threads(EV_DRAIN), 1);
		for (unsigned i = 0; i < nevents; i++) {
			if (events[i].kind == EV_DRAIN)
				assert_false(pthread_equal(events[i].thread,
					pthread_self()));
		}
	}
}

/*
 * drop_thread -- polls a future once and drops it, then exits
 */
static void *
drop_thread(void *arg)
{
	struct fixture *f = arg;
	struct vdm_memcpy_future fut = vdm_memcpy(f->m.vdm,
		many_dest(f, 3, 1), f->src + 11, MANY_LEN, 0);

	(void) many_poll(&fut, 1);
	return NULL;
}

/*
 * test_dropped -- a future dropped after its first poll: its stores are
 * drained by the next completion on its thread, or at the thread's exit
 * (the drain group only: a write-back group or a pool promises nothing
 * of a dropped future before the mover is deleted)
 */
static void
test_dropped(void **state)
{
	struct fixture *f = *state;

	if (!drain_group_expected(f)) {
		print_message("no drain group (%s, %s map)\n", f->mode->name,
			test_file_gran_name(f->file.gran));
		return;
	}
	char *dest = many_dest(f, 3, 0);
	struct op_desc dropped = { VDM_OPERATION_MEMCPY, dest, MANY_LEN, 0,
		1, NULL };
	pthread_t th;

	log_reset();
	struct vdm_memcpy_future fut = vdm_memcpy(f->m.vdm, dest, f->src + 9,
		MANY_LEN, 0);
	(void) many_poll(&fut, 1);
	/* dropped; then more work on this thread */
	struct vdm_memcpy_future next = vdm_memcpy(f->m.vdm, dest + 4 * MIB,
		f->src, MANY_LEN, 0);
	wait_logged(FUTURE_AS_RUNNABLE(&next));
	assert_int_equal(FUTURE_OUTPUT(&next)->result, VDM_SUCCESS);
	/* the dropped one is durable by the next one's completion */
	expect_ordered(f, &dropped);
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest + 4 * MIB, MANY_LEN,
		0, 1, NULL };
	expect_ordered(f, &op);
	assert_int_equal(count_events(EV_DRAIN), 1);

	/* dropped on a thread that exits */
	log_reset();
	assert_int_equal(pthread_create(&th, NULL, drop_thread, f), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	log_event(EV_COMPLETE, NULL, 0, 0);
	dropped.dest = many_dest(f, 3, 1);
	expect_ordered(f, &dropped);
	assert_int_equal(count_events(EV_DRAIN), 1);
	assert_false(pthread_equal(events[1].thread, pthread_self()));
}

/*
 * test_delete_drains -- a future polled once (stored, its drain
 * deferred), then its mover deleted: the deletion drained it
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
 * test_no_membarrier -- a mover made where the barrier is refused
 * (pmv__drain_group_disabled) drains at the first poll and completes
 */
static void
test_no_membarrier(void **state)
{
	struct fixture *f = *state;
	char *dest = many_dest(f, 4, 0);
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, MANY_LEN, 0, 0,
		NULL };

	pmv__drain_group_disabled = 1;
	struct vdm *vdm = mover_new(f, seam_record);
	pmv__drain_group_disabled = 0;
	assert_non_null(vdm);

	log_reset();
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, f->src + 1,
		MANY_LEN, 0);
	struct wait_info info = wait_logged(FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
	expect_bytes(dest, f->src + 1, MANY_LEN);
	expect_ordered(f, &op);
	if (drain_group_expected(f)) {
		assert_int_equal(info.polls, 1);
		assert_int_equal(info.first, FUTURE_STATE_COMPLETE);
	}
	vdm_delete(vdm);
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
		print_message("no barrier to drop (%s, %s map)\n",
			f->mode->name, test_file_gran_name(f->file.gran));
		return;
	}
	pmv__membarrier = lost_membarrier;
	handover_run(f, &h, 1);
	pmv__membarrier = rec_membarrier;

	char *dest = many_dest(f, 1, 0);
	struct op_desc op = { VDM_OPERATION_MEMCPY, dest, MANY_LEN, 0, 1,
		NULL };
	assert_int_equal(FUTURE_OUTPUT(&h.fut)->result, VDM_SUCCESS);
	const char *err = check_order(&op, f->page, f->msg, sizeof(f->msg));
	assert_non_null(err);
	print_message("control, no barrier: %s\n", err);
	assert_non_null(strstr(err, "not drained"));
	assert_int_equal(count_events(EV_BARRIER), 0);
}

/* a future handed from a thread that stays alive to this one */
struct libpmem_handover {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vdm_memcpy_future fut;	/* (lock) */
	int handed;			/* (lock) */
	int done;			/* (lock) */
};

/*
 * libpmem_handover_a -- polls the future once, hands it over, and waits
 * until it is complete
 */
static void *
libpmem_handover_a(void *arg)
{
	struct libpmem_handover *h = arg;

	pthread_mutex_lock(&h->lock);
	struct vdm_memcpy_future fut = h->fut;
	pthread_mutex_unlock(&h->lock);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), NULL),
		FUTURE_STATE_RUNNING);
	pthread_mutex_lock(&h->lock);
	h->fut = fut;
	h->handed = 1;
	pthread_cond_broadcast(&h->cond);
	while (!h->done)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/*
 * test_libpmem -- vdm_pmem_new(0) where libpmem takes ranges for
 * persistent memory (PMEM_IS_PMEM_FORCE=1, the pmem_order_is_pmem
 * entry): its drains go through the drain group too.  libpmem's
 * functions cannot be logged, but the polls and the barriers show the
 * path: two polls for a future alone, one pass of stores then completion
 * for futures waited together, and a barrier for a future completed on
 * another thread than the one that stored it, while that one lives.
 */
static void
test_libpmem(void **state)
{
	(void) state;
	size_t len = MANY * MANY_LEN;
	char *dst = (char *)test_xalloc(len);
	char *src = (char *)test_xalloc(len);

	if (!pmem_is_pmem(dst, len)) {
		print_message("not persistent memory to libpmem: its ranges "
			"are written back, not drained\n");
		free(dst);
		free(src);
		return;
	}
	test_fill(src, len, 41);
	struct vdm *vdm = vdm_pmem_new(0);
	struct runtime *rt = runtime_new();
	assert_non_null(vdm);
	assert_non_null(rt);

	log_reset();
	struct vdm_memcpy_future one = vdm_memcpy(vdm, dst, src, MANY_LEN, 0);
	struct wait_info info = wait_logged(FUTURE_AS_RUNNABLE(&one));
	assert_int_equal(FUTURE_OUTPUT(&one)->result, VDM_SUCCESS);
	assert_int_equal(info.first, FUTURE_STATE_RUNNING);
	assert_int_equal(info.first_used, FUTURE_NOTIFIER_NONE);
	assert_int_equal(info.polls, 2);
	expect_bytes(dst, src, MANY_LEN);

	static struct vdm_memcpy_future futs[MANY];
	struct future *run[MANY];
	memset(dst, 0, len);
	for (unsigned k = 0; k < MANY; k++) {
		futs[k] = vdm_memcpy(vdm, dst + k * MANY_LEN,
			src + k * MANY_LEN, MANY_LEN, 0);
		run[k] = FUTURE_AS_RUNNABLE(&futs[k]);
	}
	runtime_wait_multiple(rt, run, MANY);
	for (unsigned k = 0; k < MANY; k++)
		assert_int_equal(FUTURE_OUTPUT(&futs[k])->result,
			VDM_SUCCESS);
	expect_bytes(dst, src, len);

	/* handed over, with the barrier, then without (the control) */
	for (unsigned control = 0; control < 2; control++) {
		static struct libpmem_handover h;
		pthread_t a;

		memset(&h, 0, sizeof(h));
		memset(dst, 0, MANY_LEN);
		assert_int_equal(pthread_mutex_init(&h.lock, NULL), 0);
		assert_int_equal(pthread_cond_init(&h.cond, NULL), 0);
		h.fut = vdm_memcpy(vdm, dst, src + control, MANY_LEN, 0);
		log_reset();
		if (control)
			pmv__membarrier = lost_membarrier;
		assert_int_equal(pthread_create(&a, NULL, libpmem_handover_a,
			&h), 0);
		pthread_mutex_lock(&h.lock);
		while (!h.handed)
			pthread_cond_wait(&h.cond, &h.lock);
		struct vdm_memcpy_future fut = h.fut;
		pthread_mutex_unlock(&h.lock);
		assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fut), NULL),
			FUTURE_STATE_COMPLETE);
		pthread_mutex_lock(&h.lock);
		h.done = 1;
		pthread_cond_broadcast(&h.cond);
		pthread_mutex_unlock(&h.lock);
		assert_int_equal(pthread_join(a, NULL), 0);
		pmv__membarrier = rec_membarrier;
		pthread_cond_destroy(&h.cond);
		pthread_mutex_destroy(&h.lock);

		assert_int_equal(FUTURE_OUTPUT(&fut)->result, VDM_SUCCESS);
		expect_bytes(dst, src + control, MANY_LEN);
		assert_int_equal(count_events(EV_BARRIER), control ? 0 : 1);
	}

	runtime_delete(rt);
	vdm_delete(vdm);
	free(dst);
	free(src);
}

/*
 * drain_elsewhere -- logs a drain on a thread of its own
 */
static void *
drain_elsewhere(void *arg)
{
	(void) arg;
	log_event(EV_DRAIN, NULL, 0, 0);
	return NULL;
}

/* what a made-up log is about: an operation on [buf + 100, buf + 1100) */
static char made_up_buf[8192];

/*
 * struct made_up_event -- an event of a made-up log; addr is NULL for the
 * events that have no range; other: logged by another thread than the
 * one that logs the completion
 */
struct made_up_event {
	enum ev_kind kind;
	const void *addr;
	size_t len;
	unsigned flags;
	int other;
};

#define ND PMEM2_F_MEM_NODRAIN
#define NF PMEM2_F_MEM_NOFLUSH
#define RANGE(_kind, _off, _len, _flags)\
	{ _kind, made_up_buf + (_off), _len, _flags, 0 }
#define OTHER(_kind, _off, _len, _flags)\
	{ _kind, made_up_buf + (_off), _len, _flags, 1 }
#define DRAIN { EV_DRAIN, NULL, 0, 0, 0 }
#define OTHER_DRAIN { EV_DRAIN, NULL, 0, 0, 1 }
#define BARRIER { EV_BARRIER, NULL, 0, 0, 0 }
#define OTHER_BARRIER { EV_BARRIER, NULL, 0, 0, 1 }
#define WAKE { EV_WAKE, NULL, 0, 0, 0 }
#define COMPLETE { EV_COMPLETE, NULL, 0, 0, 0 }

/* the events of a made-up log, and their number */
#define LOG(...) { __VA_ARGS__ },\
	sizeof((struct made_up_event[]){ __VA_ARGS__ }) /\
	sizeof(struct made_up_event)

/* what check_order says of a log that keeps the rules */
static const char keeps[] = "";

/*
 * struct made_up -- a log made up for test_checker, for an operation of
 * type with flags; byte and page say what check_order says of it for a
 * map that is not PAGE granular and for one that is: keeps, the words of
 * the rule it breaks, or NULL (not asked)
 */
struct made_up {
	const char *what;
	enum vdm_operation_type type;
	uint64_t flags;
	const char *byte;
	const char *page;
	struct made_up_event ev[6];
	size_t n;
};

static const struct made_up made_up_logs[] = {
	/* BYTE, CACHE_LINE: one store, drained on its thread */
	{ "drained", VDM_OPERATION_MEMCPY, 0, keeps, NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), DRAIN, COMPLETE) },
	{ "drained after the completion", VDM_OPERATION_MEMCPY, 0,
		"not drained", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), COMPLETE, DRAIN) },
	{ "an early wake, then the drain, then the last wake",
		VDM_OPERATION_MEMCPY, 0, keeps, NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), WAKE, DRAIN, WAKE,
			COMPLETE) },
	{ "drained after the last wake, before the poll saw completion",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), WAKE, WAKE, DRAIN,
			COMPLETE) },
	{ "drained before a second store of its own", VDM_OPERATION_MEMCPY,
		0, "not drained", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 500, ND), DRAIN,
			RANGE(EV_MEMCPY, 600, 500, ND), COMPLETE) },
	{ "a byte short", VDM_OPERATION_MEMCPY, 0, "do not cover", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 999, ND), DRAIN, COMPLETE) },
	{ "a byte outside", VDM_OPERATION_MEMCPY, 0, "outside", NULL,
		LOG(RANGE(EV_MEMCPY, 99, 1001, ND), DRAIN, COMPLETE) },
	{ "a store after the completion", VDM_OPERATION_MEMCPY, 0,
		"after the completion", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), DRAIN, COMPLETE,
			RANGE(EV_MEMCPY, 100, 10, ND)) },
	{ "the wrong function", VDM_OPERATION_MEMCPY, 0, "is a memset", NULL,
		LOG(RANGE(EV_MEMSET, 100, 1000, ND), DRAIN, COMPLETE) },
	{ "the wrong flags", VDM_OPERATION_MEMCPY, 0, "flags", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, 0), DRAIN, COMPLETE) },
	{ "no NONTEMPORAL for VDM_F_NO_CACHE_HINT", VDM_OPERATION_MEMCPY,
		VDM_F_NO_CACHE_HINT, "NONTEMPORAL is missing", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), DRAIN, COMPLETE) },
	{ "no completion", VDM_OPERATION_MEMCPY, 0, "no completion", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND), DRAIN) },

	/* PAGE: persists (any thread's) covering each store */
	{ "persisted", VDM_OPERATION_MEMCPY, 0, "flags", keeps,
		LOG(RANGE(EV_MEMCPY, 100, 600, NF),
			RANGE(EV_MEMCPY, 700, 400, NF),
			RANGE(EV_PERSIST, 0, 800, 0),
			RANGE(EV_PERSIST, 800, 4096, 0), COMPLETE) },
	{ "a byte not persisted", VDM_OPERATION_MEMCPY, 0, NULL,
		"not persisted",
		LOG(RANGE(EV_MEMCPY, 100, 1000, NF),
			RANGE(EV_PERSIST, 100, 999, 0), COMPLETE) },
	{ "persisted before the store", VDM_OPERATION_MEMCPY, 0, NULL,
		"not persisted",
		LOG(RANGE(EV_PERSIST, 100, 1000, 0),
			RANGE(EV_MEMCPY, 100, 1000, NF), COMPLETE) },
	{ "drained, not persisted", VDM_OPERATION_MEMCPY, 0, NULL,
		"not persisted",
		LOG(RANGE(EV_MEMCPY, 100, 1000, NF), DRAIN, COMPLETE) },

	/* a flush: flushed and drained, or persisted on PAGE */
	{ "a flush drained", VDM_OPERATION_FLUSH, 0, keeps, "a flush",
		LOG(RANGE(EV_FLUSH, 100, 1000, 0), DRAIN, COMPLETE) },
	{ "a flush not drained", VDM_OPERATION_FLUSH, 0, "not drained", NULL,
		LOG(RANGE(EV_FLUSH, 100, 1000, 0), COMPLETE) },
	{ "a flush persisted", VDM_OPERATION_FLUSH, 0, "do not cover", keeps,
		LOG(RANGE(EV_PERSIST, 100, 1000, 0), COMPLETE) },

	/* BYTE, CACHE_LINE: stored on another thread, completed here */
	{ "stored elsewhere, drained there", VDM_OPERATION_MEMCPY, 0, keeps,
		NULL, LOG(OTHER(EV_MEMCPY, 100, 1000, ND), OTHER_DRAIN,
			COMPLETE) },
	{ "stored elsewhere, barrier, flushed and drained here",
		VDM_OPERATION_MEMCPY, 0, keeps, NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND), BARRIER,
			RANGE(EV_FLUSH, 100, 600, 0),
			RANGE(EV_FLUSH, 700, 400, 0), DRAIN, COMPLETE) },
	{ "stored elsewhere, flushed and drained here, no barrier",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND),
			RANGE(EV_FLUSH, 100, 1000, 0), DRAIN, COMPLETE) },
	{ "stored elsewhere, the barrier after the flush",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND),
			RANGE(EV_FLUSH, 100, 1000, 0), BARRIER, DRAIN,
			COMPLETE) },
	{ "stored elsewhere, the barrier before the store",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(BARRIER, OTHER(EV_MEMCPY, 100, 1000, ND),
			RANGE(EV_FLUSH, 100, 1000, 0), DRAIN, COMPLETE) },
	{ "stored elsewhere, barrier, a byte not flushed",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND), BARRIER,
			RANGE(EV_FLUSH, 100, 999, 0), DRAIN, COMPLETE) },
	{ "stored elsewhere, barrier, flushed, not drained",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND), BARRIER,
			RANGE(EV_FLUSH, 100, 1000, 0), COMPLETE) },
	{ "stored elsewhere, barrier, flushed, drained before the flush",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND), BARRIER, DRAIN,
			RANGE(EV_FLUSH, 100, 1000, 0), COMPLETE) },
	{ "stored elsewhere, barrier there, flushed and drained here",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND), OTHER_BARRIER,
			RANGE(EV_FLUSH, 100, 1000, 0), DRAIN, COMPLETE) },
	{ "stored elsewhere, drained after the completion",
		VDM_OPERATION_MEMCPY, 0, "not drained", NULL,
		LOG(OTHER(EV_MEMCPY, 100, 1000, ND), BARRIER,
			RANGE(EV_FLUSH, 100, 1000, 0), COMPLETE, DRAIN) },
	{ "a flush elsewhere, barrier, flushed and drained here",
		VDM_OPERATION_FLUSH, 0, keeps, NULL,
		LOG(OTHER(EV_FLUSH, 100, 1000, 0), BARRIER,
			RANGE(EV_FLUSH, 100, 1000, 0), DRAIN, COMPLETE) },
	{ "a flush here with no barrier, in a copy", VDM_OPERATION_MEMCPY,
		0, "a flush", NULL,
		LOG(RANGE(EV_MEMCPY, 100, 1000, ND),
			RANGE(EV_FLUSH, 100, 1000, 0), DRAIN, COMPLETE) },
};

/* the other thread of the made-up logs: one that ran, apart from this */
static pthread_t made_up_other;

/*
 * nothing -- the body of made_up_other
 */
static void *
nothing(void *arg)
{
	return arg;
}

/*
 * log_elsewhere -- logs a made-up event as made_up_other's
 */
static void
log_elsewhere(const struct made_up_event *e)
{
	log_event(e->kind, e->addr, e->len, e->flags);
	pthread_mutex_lock(&log_lock);
	events[nevents - 1].thread = made_up_other;
	pthread_mutex_unlock(&log_lock);
}

/*
 * expect_verdict -- check_order, for op on a map that is PAGE granular or
 * not, finds the log keeps the rules (want is keeps) or finds what is
 * wrong with it, saying want
 */
static void
expect_verdict(const struct op_desc *op, int page, const char *want)
{
	char msg[256];
	const char *err = check_order(op, page, msg, sizeof(msg));

	if (want == keeps ? err == NULL :
			err != NULL && strstr(err, want) != NULL)
		return;
	dump_log(op);
	if (want == keeps)
		fail_msg("expected no violation, got %s", err);
	fail_msg("expected a violation with \"%s\", got %s", want,
		err == NULL ? "none" : err);
}

/*
 * test_checker -- check_order itself, on logs made up to break one rule
 * each, and on ones that keep them all
 */
static void
test_checker(void **state)
{
	(void) state;
	struct op_desc op = { VDM_OPERATION_MEMCPY, made_up_buf + 100, 1000,
		0, 0, NULL };
	pthread_t other;

	/* a thread that ran, and whose id differs from this live one's */
	assert_int_equal(pthread_create(&made_up_other, NULL, nothing, NULL),
		0);
	assert_int_equal(pthread_join(made_up_other, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(made_up_logs); i++) {
		const struct made_up *l = &made_up_logs[i];

		print_message("made up: %s\n", l->what);
		log_reset();
		for (size_t e = 0; e < l->n; e++) {
			if (l->ev[e].other)
				log_elsewhere(&l->ev[e]);
			else
				log_event(l->ev[e].kind, l->ev[e].addr,
					l->ev[e].len, l->ev[e].flags);
		}
		op.type = l->type;
		op.flags = l->flags;
		if (l->byte != NULL)
			expect_verdict(&op, 0, l->byte);
		if (l->page != NULL)
			expect_verdict(&op, 1, l->page);
	}

	/* one store, drained on another thread only */
	op.type = VDM_OPERATION_MEMCPY;
	op.flags = 0;
	log_reset();
	log_event(EV_MEMCPY, made_up_buf + 100, 1000, ND);
	assert_int_equal(pthread_create(&other, NULL, drain_elsewhere, NULL),
		0);
	assert_int_equal(pthread_join(other, NULL), 0);
	log_event(EV_COMPLETE, NULL, 0, 0);
	expect_verdict(&op, 0, "not drained");
	log_reset();
}

/*
 * TESTS -- the tests with the mover of mode _mode
 */
#define TESTS(_mode)\
	TEST_PRESTATE(test_ops, _mode),\
	TEST_PRESTATE(test_split, _mode),\
	TEST_PRESTATE(test_pmem2_async, _mode),\
	TEST_PRESTATE(test_fail_logs_nothing, _mode),\
	TEST_PRESTATE(test_wait_multiple, _mode),\
	TEST_PRESTATE(test_two_threads, _mode),\
	TEST_PRESTATE(test_handover, _mode),\
	TEST_PRESTATE(test_dropped, _mode),\
	TEST_PRESTATE(test_delete_drains, _mode),\
	TEST_PRESTATE(test_no_membarrier, _mode),\
	TEST_PRESTATE(test_control, _mode),\
	TEST_PRESTATE(test_control_barrier, _mode)

/*
 * main -- skips unless libpmem2 can map a file, then runs the tests
 * without threads and with two
 */
int
main(void)
{
	enum pmem2_granularity gran;

	if (test_file_probe(&gran) != 0)
		return 77;
	/* before the first mover, which registers the process with it */
	orig_membarrier = pmv__membarrier;
	pmv__membarrier = rec_membarrier;

	const struct CMUnitTest checker_tests[] = {
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_libpmem),
	};
	const struct CMUnitTest inline_tests[] = { TESTS(mode_inline) };
	const struct CMUnitTest pool_tests[] = { TESTS(mode_pool) };
	const struct CMUnitTest inline_user_tests[] = {
		TESTS(mode_inline_user)
	};
	const struct CMUnitTest pool_user_tests[] = { TESTS(mode_pool_user) };

	int failed = cmocka_run_group_tests_name("the order checker",
		checker_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("order, no threads",
		inline_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("order, 2 threads",
		pool_tests, NULL, NULL);
	/* only a PAGE map's stores may go through the kernel */
	if (gran == PMEM2_GRANULARITY_PAGE) {
		failed += cmocka_run_group_tests_name(
			"order, no threads, user stores", inline_user_tests,
			NULL, NULL);
		failed += cmocka_run_group_tests_name(
			"order, 2 threads, user stores", pool_user_tests,
			NULL, NULL);
	}
	return failed;
}
