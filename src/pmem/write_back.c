/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * write_back.c -- the group write-back: ranges stored by any thread that
 * need a write-back join a group, and one thread at a time writes a whole
 * group back, its ranges coalesced, while the next group fills (see
 * write_back.h)
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/atomics.h"
#include "core/clock.h"
#include "pmem_seam.h"
#include "write_back.h"

#ifdef MINIASYNC_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

/* how long a leader waits for stored ranges to join its group */
#define PMV_GATHER_NS ((uint64_t)100000)

#ifdef MINIASYNC_PMEM_TEST_SEAM
int (*pmv__fail_write_back)(const void *addr, size_t len);
#endif

/*
 * pmv__msync -- msync(MS_SYNC) of the pages that hold [addr, addr + len),
 * as libpmem2 1.12 writes back a PAGE map (pmem2_persist_pages: the start
 * rounded down to a page, the call made again when a signal interrupts
 * it), but a failure is returned, not turned into abort(): 0, or -1.
 * errno is left as it was: operations never touch it, and the failure
 * reaches the future's result.
 */
int
pmv__msync(const void *addr, size_t len)
{
	int olderrno = errno;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)addr & ~(page - 1);
	int ret;

	len += (uintptr_t)addr - start;
#ifdef MINIASYNC_HAVE_VALGRIND_H
	/* the pages may hold bytes memcheck takes for undefined; msync
	 * reads none of them for the program */
	VALGRIND_DISABLE_ERROR_REPORTING;
#endif
	do
		ret = msync((void *)start, len, MS_SYNC);
	while (ret != 0 && errno == EINTR);
#ifdef MINIASYNC_HAVE_VALGRIND_H
	VALGRIND_ENABLE_ERROR_REPORTING;
#endif
	errno = olderrno;
	return ret == 0 ? 0 : -1;
}

/*
 * pmv_group_write_back -- writes back ranges: one write-back per run of
 * ranges at most the group's gap apart (sorts the ranges); 0, or -1 if
 * any failed.  A run covers the gaps between its ranges too: what else
 * was stored there is written back sooner, never later, and the kernel
 * finds the dirty pages of a range without looking at the clean ones.  Two
 * workers that stored every other page of a map so cost one write-back,
 * not one per page.  Ranges that may lie anywhere (libpmem's) have no
 * gap: the bytes between two ranges may not even be mapped.  (The
 * write-back rounds to pages itself.)
 */
static int
pmv_group_write_back(const struct pmv__group *g, struct vdm__range *r,
	unsigned n)
{
	int ret = 0;

	/* by address; a group is small */
	for (unsigned i = 1; i < n; i++) {
		struct vdm__range x = r[i];
		unsigned j = i;
		for (; j > 0 && (uintptr_t)r[j - 1].addr > (uintptr_t)x.addr;
				j--)
			r[j] = r[j - 1];
		r[j] = x;
	}

	for (unsigned i = 0; i < n;) {
		uintptr_t start = (uintptr_t)r[i].addr;
		uintptr_t end = start + r[i].len;
		for (i++; i < n && (uintptr_t)r[i].addr <= end + g->gap;
				i++) {
			uintptr_t e = (uintptr_t)r[i].addr + r[i].len;
			if (e > end)
				end = e;
		}
		if (g->write_back(g->arg, (const void *)start, end - start))
			ret = -1;
#ifdef MINIASYNC_PMEM_TEST_SEAM
		if (pmv__fail_write_back != NULL &&
				pmv__fail_write_back((const void *)start,
					end - start))
			ret = -1;
#endif
	}
	return ret;
}

/*
 * pmv_group_lead -- closes the open group and writes it back, the lock
 * dropped meanwhile (lock held, no leader; returns with the lock held)
 */
static void
pmv_group_lead(struct pmv__group *g)
{
	struct vdm__range r[PMV__GROUP_MAX];
	unsigned n = g->n;
	uint64_t closed = g->open;

	memcpy(r, g->ranges, n * sizeof(r[0]));
	g->n = 0;
	g->open++;
	g->leading = 1;
	/* relaxed: a hint for the pool's spinning threads (pmv__group_quiet) */
	core__store_relaxed_uint(&g->quiet, 1);
	pthread_mutex_unlock(&g->lock);

	int failed = pmv_group_write_back(g, r, n);

	/* relaxed: the hint withdrawn; it orders nothing */
	core__store_relaxed_uint(&g->quiet, 0);
	pthread_mutex_lock(&g->lock);
	/* relaxed: published by the release store of durable below */
	if (failed && core__load_relaxed_u64(&g->failed) == 0)
		core__store_relaxed_u64(&g->failed, closed);
	/* release: the write-back (and error) above before any thread sees
	 * the group written back (pairs with the acquire in pmv__group_try) */
	core__store_release_u64(&g->durable, closed);
	g->leading = 0;
	pthread_cond_broadcast(&g->done);
}

/*
 * pmv__group_join -- adds stored ranges to the open group; returns the
 * number of the group the last one joined
 */
uint64_t
pmv__group_join(struct pmv__group *g, const struct vdm__range *r,
	unsigned n, int counted)
{
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < n; i++) {
		/* a full group goes first, by this thread or the leader */
		while (g->n == PMV__GROUP_MAX) {
			if (g->leading) {
				/* a gathering leader stops at a full group */
				if (g->gathering)
					pthread_cond_broadcast(&g->joined);
				pthread_cond_wait(&g->done, &g->lock);
			} else {
				pmv_group_lead(g);
			}
		}
		g->ranges[g->n++] = r[i];
		if (counted)
			/* relaxed: changes only under the lock but for the
			 * increments, which need no order */
			(void) core__sub_relaxed_uint(&g->unjoined, 1);
	}
	if (g->gathering)
		pthread_cond_broadcast(&g->joined);
	uint64_t ticket = g->open;
	pthread_mutex_unlock(&g->lock);
	return ticket;
}

/*
 * pmv_group_gather -- before a leader closes the open group: while the
 * pool's threads hold stored ranges that have not joined it yet, waits for
 * them, up to PMV_GATHER_NS or until the group is full, so that one
 * write-back serves them too rather than the next group's (lock held,
 * leading set)
 */
static void
pmv_group_gather(struct pmv__group *g)
{
	/* relaxed: a hint; the ranges themselves join under the lock */
	if (core__load_relaxed_uint(&g->unjoined) == 0)
		return;

	struct timespec until = core__deadline(PMV_GATHER_NS);

	g->gathering = 1;
	/* relaxed: as above */
	while (g->n < PMV__GROUP_MAX &&
			core__load_relaxed_uint(&g->unjoined) != 0)
		if (pthread_cond_timedwait(&g->joined, &g->lock,
				&until) != 0)
			break;
	g->gathering = 0;
}

/*
 * pmv_group_result -- the outcome of group ticket, written back already
 */
static inline enum vdm_operation_result
pmv_group_result(struct pmv__group *g, uint64_t ticket)
{
	/* relaxed: a failure of this group or an earlier one was stored
	 * before the write-back was published (see pmv_group_lead) */
	uint64_t failed = core__load_relaxed_u64(&g->failed);

	return failed != 0 && ticket >= failed ? VDM_ERROR_IO : VDM_SUCCESS;
}

/*
 * pmv__group_try -- once group ticket (and every one before it) is written
 * back, sets *result and returns non-zero; leads the write-back if no
 * thread does; if another does and wait is 0, returns 0 at once rather
 * than wait for it
 */
int
pmv__group_try(struct pmv__group *g, uint64_t ticket, int wait,
	enum vdm_operation_result *result)
{
	/* acquire: pairs with the release store in pmv_group_lead */
	if (core__load_acquire_u64(&g->durable) >= ticket) {
		*result = pmv_group_result(g, ticket);
		return 1;
	}

	pthread_mutex_lock(&g->lock);
	/*
	 * Relaxed: durable changes under this lock.  With no leader, every
	 * closed group is written back, so the group still missing is the
	 * open one: lead it.
	 */
	while (core__load_relaxed_u64(&g->durable) < ticket) {
		if (!g->leading) {
			g->leading = 1;
			/* relaxed: a hint (pmv__group_quiet);
			 * pmv_group_lead clears it */
			core__store_relaxed_uint(&g->quiet, 1);
			pmv_group_gather(g);
			pmv_group_lead(g);
		}
		else if (wait)
			pthread_cond_wait(&g->done, &g->lock);
		else
			break;
	}
	/* relaxed: under the lock, as above */
	int done = core__load_relaxed_u64(&g->durable) >= ticket;
	*result = pmv_group_result(g, ticket);
	pthread_mutex_unlock(&g->lock);
	return done;
}

/*
 * pmv__group_init -- an empty group that writes back with write_back(arg,
 * ...), ranges at most gap bytes apart together; 0 or an errno value
 */
int
pmv__group_init(struct pmv__group *g, pmv__write_back_fn write_back,
	void *arg, size_t gap)
{
	g->write_back = write_back;
	g->arg = arg;
	g->gap = gap;

	int ret = pthread_mutex_init(&g->lock, NULL);
	if (ret != 0)
		return ret;
	ret = pthread_cond_init(&g->done, NULL);
	if (ret != 0)
		goto err_lock;

	pthread_condattr_t attr;
	ret = pthread_condattr_init(&attr);
	if (ret != 0)
		goto err_done;
	/* pmv_group_gather's deadline is on the monotonic clock */
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (ret == 0)
		ret = pthread_cond_init(&g->joined, &attr);
	(void) pthread_condattr_destroy(&attr);
	if (ret != 0)
		goto err_done;

	g->open = 1;
	g->leading = 0;
	g->gathering = 0;
	g->n = 0;
	/* the words read outside the lock: before any thread sees them */
	core__atomic_init_u64(&g->durable, 0);
	core__atomic_init_u64(&g->failed, 0);
	core__atomic_init_uint(&g->unjoined, 0);
	core__atomic_init_uint(&g->quiet, 0);
	return 0;

err_done:
	(void) pthread_cond_destroy(&g->done);
err_lock:
	(void) pthread_mutex_destroy(&g->lock);
	return ret;
}

/*
 * pmv__group_fini -- writes back what futures dropped after their first
 * poll left in the open group, and frees the group
 */
void
pmv__group_fini(struct pmv__group *g)
{
	pthread_mutex_lock(&g->lock);
	if (g->n > 0)
		pmv_group_lead(g);
	pthread_mutex_unlock(&g->lock);
	(void) pthread_cond_destroy(&g->joined);
	(void) pthread_cond_destroy(&g->done);
	(void) pthread_mutex_destroy(&g->lock);
}
