/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_order_log.h -- the log of what a pmem mover stores and makes
 * durable, and the checker of its order, for the tests that watch a mover
 * through the test seams of its static test build (pmem_seam.h:
 * pmv__fns_seam, pmv__membarrier, pmv__kernel_store_seam; pmemobj_seam.h:
 * pmv__obj_fns, pmv__obj_fns_seam).  The seams wrap the mover's functions
 * with ones that log each call (which function, range, flags, thread)
 * under a mutex before they return (seam_record; seam_broken drops the
 * drains and persists, lost_membarrier the barriers: the controls), and
 * a test logs "wake" when its waker is called and "complete" when a poll
 * finds the future complete (wait_logged).  The mover calls the waker just
 * before it publishes completion (a waker may be called more than once:
 * the last call counts), so completion is the last "wake" or the
 * "complete", whichever is first.
 *
 * check_order() checks the log of one operation that completed:
 *	- stores of the operation's kind only, inside its range, covering it,
 *	  and with the flags the mapping needs (NODRAIN, or NOFLUSH for
 *	  PAGE; NONTEMPORAL exactly when VDM_F_NO_CACHE_HINT was asked for);
 *	- not PAGE: after each store or flush, before completion, a drain on
 *	  the thread that made it, or a barrier (membarrier, logged through
 *	  the pmv__membarrier seam) and then flushes covering its range and
 *	  a drain, all on the thread that completes the operation;
 *	- PAGE: after each store, persists (of any thread: the group
 *	  persist may write back for others) covering its range, before
 *	  completion (a flush: persists covering the range);
 *	- nothing stored after completion.
 * A log may hold the events of several operations (op_desc.shared): each
 * is checked against the stores in its own range and its own completion
 * (a "complete" event that names it, or one that names none).
 * test_pmem_order.c tests the checker itself on made-up logs.
 *
 * The log is one per program (static): include this header in one file of
 * a test, after <cmocka.h> and with the test build's include directories.
 */

#ifndef TEST_ORDER_LOG_H
#define TEST_ORDER_LOG_H 1

#include <libpmem2.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libminiasync.h>

#include "pmem_seam.h"

/* more than an operation of these tests logs */
#define MAX_EVENTS 1024

enum ev_kind {
	EV_MEMCPY,
	EV_MEMMOVE,
	EV_MEMSET,
	EV_FLUSH,
	EV_DRAIN,
	EV_PERSIST,
	EV_WAKE,
	EV_COMPLETE,
	EV_BARRIER,
};

static const char *const ev_names[] = {
	"memcpy", "memmove", "memset", "flush", "drain", "persist",
	"wake", "complete", "barrier",
};

struct event {
	enum ev_kind kind;
	uintptr_t addr;
	size_t len;
	unsigned flags;
	pthread_t thread;
};

/* the log of the calls since log_reset() */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct event events[MAX_EVENTS];
static unsigned nevents;
static unsigned lost_events;
/* of the stores logged, those the kernel made (rec_kernel_store) */
static unsigned kernel_pieces;

/* the map's own functions, as the seam found them */
static struct pmv__fns orig;

/*
 * log_event -- appends an event of the calling thread
 */
static inline void
log_event(enum ev_kind kind, const void *addr, size_t len, unsigned flags)
{
	pthread_mutex_lock(&log_lock);
	if (nevents < MAX_EVENTS) {
		struct event *e = &events[nevents++];
		e->kind = kind;
		e->addr = (uintptr_t)addr;
		e->len = len;
		e->flags = flags;
		e->thread = pthread_self();
	} else {
		lost_events++;
	}
	pthread_mutex_unlock(&log_lock);
}

/*
 * log_reset -- empties the log
 */
static inline void
log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	nevents = 0;
	lost_events = 0;
	kernel_pieces = 0;
	pthread_mutex_unlock(&log_lock);
}

/*
 * rec_memcpy -- the map's memcpy, logged
 */
static inline void *
rec_memcpy(void *dest, const void *src, size_t len, unsigned flags)
{
	void *ret = orig.memcpy(dest, src, len, flags);
	log_event(EV_MEMCPY, dest, len, flags);
	return ret;
}

/*
 * rec_memmove -- the map's memmove, logged
 */
static inline void *
rec_memmove(void *dest, const void *src, size_t len, unsigned flags)
{
	void *ret = orig.memmove(dest, src, len, flags);
	log_event(EV_MEMMOVE, dest, len, flags);
	return ret;
}

/*
 * rec_memset -- the map's memset, logged
 */
static inline void *
rec_memset(void *dest, int c, size_t len, unsigned flags)
{
	void *ret = orig.memset(dest, c, len, flags);
	log_event(EV_MEMSET, dest, len, flags);
	return ret;
}

/*
 * rec_flush -- the map's flush, logged
 */
static inline void
rec_flush(const void *ptr, size_t len)
{
	orig.flush(ptr, len);
	log_event(EV_FLUSH, ptr, len, 0);
}

/*
 * rec_drain -- the map's drain, logged
 */
static inline void
rec_drain(void)
{
	orig.drain();
	log_event(EV_DRAIN, NULL, 0, 0);
}

/*
 * rec_persist -- the map's persist, logged
 */
static inline void
rec_persist(const void *ptr, size_t len)
{
	orig.persist(ptr, len);
	log_event(EV_PERSIST, ptr, len, 0);
}

/*
 * lost_drain -- a drain that does nothing and leaves no trace
 */
static inline void
lost_drain(void)
{
}

/*
 * lost_persist -- a persist that does nothing and leaves no trace
 */
static inline void
lost_persist(const void *ptr, size_t len)
{
	(void) ptr;
	(void) len;
}

/*
 * seam_record -- the seam of the tests: every function logged
 */
static inline void
seam_record(struct pmv__fns *fns)
{
	orig = *fns;
	fns->memcpy = rec_memcpy;
	fns->memmove = rec_memmove;
	fns->memset = rec_memset;
	fns->flush = rec_flush;
	fns->drain = rec_drain;
	fns->persist = rec_persist;
}

/*
 * seam_broken -- the seam of the control: the stores are logged, the
 * drains and persists are gone
 */
static inline void
seam_broken(struct pmv__fns *fns)
{
	seam_record(fns);
	fns->drain = lost_drain;
	fns->persist = lost_persist;
}

/* the membarrier call of the library, as the test found it */
static long (*orig_membarrier)(int cmd, unsigned flags);

/*
 * rec_membarrier -- the drain group's membarrier, its barriers logged
 */
static inline long
rec_membarrier(int cmd, unsigned flags)
{
	long ret = orig_membarrier(cmd, flags);

	if (cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED)
		log_event(EV_BARRIER, NULL, 0, 0);
	return ret;
}

/*
 * lost_membarrier -- the membarrier of the control: the process is
 * registered, the barriers are gone
 */
static inline long
lost_membarrier(int cmd, unsigned flags)
{
	if (cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED)
		return 0;
	return orig_membarrier(cmd, flags);
}

/*
 * store_kind -- the logged store an operation of type makes
 */
static inline enum ev_kind
store_kind(enum vdm_operation_type type)
{
	switch (type) {
	case VDM_OPERATION_MEMCPY:
		return EV_MEMCPY;
	case VDM_OPERATION_MEMMOVE:
		return EV_MEMMOVE;
	case VDM_OPERATION_MEMSET:
		return EV_MEMSET;
	case VDM_OPERATION_FLUSH:
		break;
	}
	return EV_FLUSH;
}

/*
 * rec_kernel_store -- a piece the kernel stored for the mover, logged as
 * the store of its kind the map's function would have made on a PAGE map:
 * with no flush
 */
static inline void
rec_kernel_store(const struct vdm_operation *op, size_t off, size_t len)
{
	char *dest = op->type == VDM_OPERATION_MEMSET ?
		op->data.memset.str : op->data.memcpy.dest;

	log_event(store_kind(op->type), dest + off, len, PMEM2_F_MEM_NOFLUSH);
	pthread_mutex_lock(&log_lock);
	kernel_pieces++;
	pthread_mutex_unlock(&log_lock);
}

/* one operation, as the checker sees it */
struct op_desc {
	enum vdm_operation_type type;
	const char *dest;
	size_t len;
	uint64_t flags;
	/* the log holds other operations too: the stores wholly outside
	 * this one's range are theirs */
	int shared;
	/* the "complete" event that ends it names this address (NULL:
	 * dest); one that names none ends every operation */
	const char *until;
};


/*
 * on_wake -- the waker of every poll: its last call says the operation is
 * complete for the mover's part
 */
static inline void
on_wake(void *data)
{
	(void) data;
	log_event(EV_WAKE, NULL, 0, 0);
}

/* how a wait went */
struct wait_info {
	unsigned polls;
	enum future_state first;		/* what the first poll said */
	enum future_notifier_type first_used;	/* ... and the notifier */
};

/*
 * wait_logged -- polls fut until it is complete, with a waker that logs
 * completion, and logs completion when a poll finds it
 */
static inline struct wait_info
wait_logged(struct future *fut)
{
	struct future_notifier n;
	struct wait_info info = { 0, FUTURE_STATE_IDLE, FUTURE_NOTIFIER_NONE };

	for (;;) {
		memset(&n, 0, sizeof(n));
		n.waker.data = NULL;
		n.waker.wake = on_wake;
		enum future_state state = future_poll(fut, &n);
		if (info.polls++ == 0) {
			info.first = state;
			info.first_used = n.notifier_used;
		}
		if (state == FUTURE_STATE_COMPLETE)
			break;
		(void) sched_yield();
	}
	log_event(EV_COMPLETE, NULL, 0, 0);
	return info;
}

/*
 * cmp_range -- orders ranges by their start, for qsort()
 */
static inline int
cmp_range(const void *a, const void *b)
{
	const struct event *x = a;
	const struct event *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * covered_by -- non-zero if the ranges of the events of kind kind among
 * the events [from, to) of the log, of thread *thread only when it is not
 * NULL, cover [addr, addr + len)
 */
static inline int
covered_by(unsigned from, unsigned to, enum ev_kind kind,
	const pthread_t *thread, uintptr_t addr, size_t len)
{
	static struct event ranges[MAX_EVENTS];
	unsigned count = 0;

	for (unsigned i = from; i < to; i++) {
		if (events[i].kind == kind && (thread == NULL ||
				pthread_equal(events[i].thread, *thread)))
			ranges[count++] = events[i];
	}
	qsort(ranges, count, sizeof(ranges[0]), cmp_range);

	uintptr_t reached = addr;
	uintptr_t end = addr + len;
	for (unsigned i = 0; i < count && reached < end; i++) {
		if (ranges[i].addr > reached)
			return 0;
		if (ranges[i].addr + ranges[i].len > reached)
			reached = ranges[i].addr + ranges[i].len;
	}
	return reached >= end;
}

/*
 * covered -- covered_by of any thread
 */
static inline int
covered(unsigned from, unsigned to, enum ev_kind kind, uintptr_t addr,
	size_t len)
{
	return covered_by(from, to, kind, NULL, addr, len);
}

/*
 * barrier_before -- non-zero if the log has a barrier of thread before
 * event i
 */
static inline int
barrier_before(unsigned i, pthread_t thread)
{
	while (i-- > 0) {
		if (events[i].kind == EV_BARRIER &&
				pthread_equal(events[i].thread, thread))
			return 1;
	}
	return 0;
}

/*
 * persisted_across -- non-zero if the store (or flush) e, event i, was
 * made durable by the thread of event c, the completion, which could not
 * drain for the thread that stored it: after e, a barrier, then flushes
 * covering e's range and a drain, all on the completing thread and
 * before c
 */
static inline int
persisted_across(unsigned i, unsigned c, const struct event *e)
{
	pthread_t ct = events[c].thread;
	unsigned b, d;

	for (b = i + 1; b < c; b++) {
		if (events[b].kind == EV_BARRIER &&
				pthread_equal(events[b].thread, ct))
			break;
	}
	/* the last drain of the completing thread before completion */
	for (d = c; d-- > b + 1;) {
		if (events[d].kind == EV_DRAIN &&
				pthread_equal(events[d].thread, ct))
			break;
	}
	if (b >= c || d <= b)
		return 0;
	return covered_by(b + 1, d, EV_FLUSH, &ct, e->addr, e->len);
}

/*
 * check_order -- checks the log against the rules at the top of the file
 * for op on a map that is PAGE granular or not; NULL if it keeps them,
 * else what it breaks, written into msg
 */
static inline const char *
check_order(const struct op_desc *op, int page, char *msg, size_t msglen)
{
	uintptr_t dest = (uintptr_t)op->dest;
	int nt = (op->flags & VDM_F_NO_CACHE_HINT) != 0;
	unsigned c;

	if (lost_events != 0) {
		snprintf(msg, msglen, "%u events lost", lost_events);
		return msg;
	}
	uintptr_t until = (uintptr_t)(op->until != NULL ? op->until :
		op->dest);
	for (c = 0; c < nevents && (events[c].kind != EV_COMPLETE ||
			(events[c].addr != 0 && events[c].addr != until)); c++)
		;
	if (c == nevents) {
		snprintf(msg, msglen, "no completion logged");
		return msg;
	}
	/* the last call of the waker before it, if any, comes first */
	for (unsigned i = c; i-- > 0;) {
		if (events[i].kind == EV_WAKE) {
			c = i;
			break;
		}
	}

	for (unsigned i = 0; i < nevents; i++) {
		const struct event *e = &events[i];
		int is_store = e->kind == EV_MEMCPY || e->kind == EV_MEMMOVE ||
			e->kind == EV_MEMSET;

		if (!is_store && e->kind != EV_FLUSH)
			continue;
		/* another operation's, in a shared log */
		if (op->shared && (e->addr + e->len <= dest ||
				e->addr >= dest + op->len))
			continue;
		/* the flush of a range made durable across threads, after a
		 * barrier on the completing thread */
		if (e->kind == EV_FLUSH && op->type != VDM_OPERATION_FLUSH &&
				!page && i < c &&
				pthread_equal(e->thread, events[c].thread) &&
				barrier_before(i, e->thread))
			continue;
		if (i > c) {
			snprintf(msg, msglen, "event %u (%s) after the "
				"completion (event %u)", i,
				ev_names[e->kind], c);
			return msg;
		}
		if (is_store && e->kind != store_kind(op->type)) {
			snprintf(msg, msglen, "event %u is a %s", i,
				ev_names[e->kind]);
			return msg;
		}
		if (e->kind == EV_FLUSH &&
				(op->type != VDM_OPERATION_FLUSH || page)) {
			snprintf(msg, msglen, "event %u: a flush", i);
			return msg;
		}
		if (e->addr < dest || e->len > op->len ||
				e->addr - dest > op->len - e->len) {
			snprintf(msg, msglen, "event %u (%s) at offset %zd, "
				"%zu bytes, outside the operation", i,
				ev_names[e->kind], (ssize_t)(e->addr - dest),
				e->len);
			return msg;
		}
		if (is_store) {
			unsigned need = page ? PMEM2_F_MEM_NOFLUSH :
				PMEM2_F_MEM_NODRAIN;
			if (!(e->flags & need) || (!page &&
					(e->flags & PMEM2_F_MEM_NOFLUSH))) {
				snprintf(msg, msglen, "event %u (%s) has "
					"flags 0x%x", i, ev_names[e->kind],
					e->flags);
				return msg;
			}
			if (!(e->flags & PMEM2_F_MEM_NONTEMPORAL) != !nt) {
				snprintf(msg, msglen, "event %u (%s): "
					"NONTEMPORAL is %s", i,
					ev_names[e->kind],
					nt ? "missing" : "there");
				return msg;
			}
		}

		/* made durable after it, before completion: drained on its
		 * thread, or written back by persists (of any thread) */
		unsigned j = c;
		if (page) {
			if (covered(i + 1, c, EV_PERSIST, e->addr, e->len))
				j = i;
		} else {
			for (j = i + 1; j < c; j++) {
				if (events[j].kind == EV_DRAIN &&
						pthread_equal(events[j].thread,
						e->thread))
					break;
			}
			if (j == c && persisted_across(i, c, e))
				j = i;
		}
		if (j == c) {
			snprintf(msg, msglen, "event %u (%s, offset %zd, %zu "
				"bytes) is not %s before the completion "
				"(event %u)", i, ev_names[e->kind],
				(ssize_t)(e->addr - dest), e->len,
				page ? "persisted" : "drained on its thread",
				c);
			return msg;
		}
	}

	/* the whole range is written (or flushed), and made durable */
	enum ev_kind kind = op->type != VDM_OPERATION_FLUSH ?
		store_kind(op->type) : page ? EV_PERSIST : EV_FLUSH;
	if (!covered(0, c, kind, dest, op->len)) {
		snprintf(msg, msglen, "the %s events before the completion "
			"do not cover the operation's %zu bytes",
			ev_names[kind], op->len);
		return msg;
	}
	return NULL;
}

/*
 * count_events -- the events of kind kind in the log
 */
static inline unsigned
count_events(enum ev_kind kind)
{
	unsigned count = 0;

	for (unsigned i = 0; i < nevents; i++)
		count += events[i].kind == kind;
	return count;
}

/*
 * count_threads -- the different threads that logged events of kind kind
 */
static inline unsigned
count_threads(enum ev_kind kind)
{
	unsigned count = 0;

	for (unsigned i = 0; i < nevents; i++) {
		if (events[i].kind != kind)
			continue;
		unsigned j;
		for (j = 0; j < i; j++) {
			if (events[j].kind == kind &&
					pthread_equal(events[j].thread,
					events[i].thread))
				break;
		}
		count += j == i;
	}
	return count;
}

/*
 * dump_log -- prints the log, to explain a failure
 */
static inline void
dump_log(const struct op_desc *op)
{
	pthread_t self = pthread_self();

	print_message("log of the operation at %p, %zu bytes:\n",
		(const void *)op->dest, op->len);
	for (unsigned i = 0; i < nevents; i++) {
		const struct event *e = &events[i];
		print_message("  %3u %-8s %+zd %zu 0x%x %s\n", i,
			ev_names[e->kind], e->addr ?
			(ssize_t)(e->addr - (uintptr_t)op->dest) : 0, e->len,
			e->flags, pthread_equal(e->thread, self) ?
			"poller" : "worker");
	}
}

#endif /* TEST_ORDER_LOG_H */
