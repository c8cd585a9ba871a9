/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem_mover.c -- durable operations on a target, on the polling thread or
 * on the pool engine of vdm_threads.c, with group persist
 *
 * A range is durable once it was stored and then either drained on the
 * thread that stored it (persistent memory: the store flushed the cache
 * lines or bypassed the caches) or written back to its file (msync).  The
 * target says which a range needs.  Drains are per thread and cheap to
 * share: a worker drains once for all it stored since it ran out of work.
 * Write-backs go through the target's group (see pmem_mover.h), so
 * operations in flight together share them.
 *
 * Without threads, a future's first poll stores its bytes; a range that
 * needs a drain is drained and the future completes, one that needs a
 * write-back joins the group and the future returns RUNNING, to complete
 * at a later poll once its group was written back (by that poll, as the
 * group's leader, or by another thread).
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/atomics.h"
#include "core/clock.h"
#include "core/util.h"
#include "pmem_mover.h"
#include "vdm_internal.h"

/* how long a leader waits for stored ranges to join its group */
#define PMV_GATHER_NS ((uint64_t)100000)

/* Linux 5.14; older C libraries do not name it */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* the pool engine's own limit, checked before a target is set up */

#ifdef MINIASYNC_PMEM_TEST_SEAM
int (*pmv__fail_write_back)(const void *addr, size_t len);
#endif

/*
 * pmv__store -- stores a piece of an operation with a set of functions
 */
void
pmv__store(const struct pmv__fns *fns, const struct vdm_operation *op,
	size_t off, size_t len, unsigned flags)
{
	char *dest = vdm__operation_range(op, off, len).addr;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		fns->memcpy(dest, (char *)op->data.memcpy.src + off, len,
			flags);
		break;
	case VDM_OPERATION_MEMMOVE:
		fns->memmove(dest, (char *)op->data.memmove.src + off, len,
			flags);
		break;
	case VDM_OPERATION_MEMSET:
		fns->memset(dest, op->data.memset.c, len, flags);
		break;
	case VDM_OPERATION_FLUSH:
		if (!(flags & PMEM2_F_MEM_NOFLUSH))
			fns->flush(dest, len);
		break;
	}
}

/*
 * Stores through the kernel are invisible to the checkers of valgrind and
 * ThreadSanitizer, and memcheck would report a source's uninitialised bytes
 * at the call where a copy reports nothing: there, the thread stores.
 */
#ifdef MINIASYNC_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#define PMV_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define PMV_UNDER_VALGRIND() 0
#endif

#if defined(__SANITIZE_THREAD__)
#define PMV_KERNEL_STORES 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PMV_KERNEL_STORES 0
#endif
#endif
#ifndef PMV_KERNEL_STORES
#define PMV_KERNEL_STORES 1
#endif

/* iovecs of one process_vm_writev() call of a memset: a fill page each */
#define PMV_KERNEL_IOVS 64

/* pages a memset's iovecs point to; filled with the last value set */
#define PMV_FILL_SIZE ((size_t)4096)

/*
 * Non-zero once process_vm_writev() was refused (a seccomp filter, a
 * kernel without it): stores to ranges to be written back are the
 * caller's from then on.  Relaxed: a hint; a call that races with the
 * first refusal is refused too.  Its first value is static, there before
 * any thread runs.
 */
static unsigned pmv_kernel_store_off;

#ifdef MINIASYNC_PMEM_TEST_SEAM
int pmv__kernel_store_disabled;
void (*pmv__kernel_store_seam)(const struct vdm_operation *op, size_t off,
	size_t len);
#endif

/*
 * pmv__kernel_store_wanted -- MINIASYNC_PMEM_KERNEL_COPY is not 0 (read
 * when a mover is made)
 */
int
pmv__kernel_store_wanted(void)
{
	const char *env = getenv("MINIASYNC_PMEM_KERNEL_COPY");

	return env == NULL || strcmp(env, "0") != 0;
}

/*
 * pmv_vm_flag -- non-zero if the VmFlags line of /proc/self/smaps (after
 * "VmFlags:") holds the two-letter flag
 */
static int
pmv_vm_flag(const char *flags, const char *flag)
{
	for (const char *p = flags; *p != '\0'; p++) {
		if (p[0] == flag[0] && p[1] == flag[1] &&
				(p[2] == ' ' || p[2] == '\n' || p[2] == '\0') &&
				(p == flags || p[-1] == ' '))
			return 1;
	}
	return 0;
}

/*
 * pmv__page_cache_map -- non-zero if [base, base + size) is mapped wholly
 * by mappings that are neither DAX nor huge-page ones, as /proc/self/smaps
 * tells: a DAX mapping of a file (a PAGE map of persistent memory exposed
 * by virtio-pmem, say) has no page cache, and a write-back that cleans one
 * of its pages between the kernel's pinning of it and its copy leaves the
 * copied bytes in the CPU cache, not durable, as nothing marks the page
 * dirty again.  ext4, xfs and virtiofs mark their DAX mappings with
 * VM_HUGEPAGE ("hg"), or VM_MIXEDMAP ("mm"); madvise(MADV_NOHUGEPAGE)
 * turns "hg" into "nh".  A mapping of the page cache marked any of these
 * ways is taken for DAX too (it only costs it the kernel's copies).
 * Unreadable, or not wholly mapped: 0.  The mappings come in order of
 * address: the reading stops past the map.
 */
int
pmv__page_cache_map(uintptr_t base, size_t size)
{
	FILE *smaps = fopen("/proc/self/smaps", "re");
	if (smaps == NULL)
		return 0;

	char line[512];
	int line_start = 1;	/* line begins a line of the file */
	int inside = 0;		/* the last mapping named overlaps the map */
	uintptr_t covered = base;	/* mapped so far: [base, covered) */
	int ok = 1;
	uintptr_t end = base + size;

	while (ok && fgets(line, sizeof(line), smaps) != NULL) {
		int starts = line_start;
		line_start = strchr(line, '\n') != NULL;
		if (!starts)
			continue;

		unsigned long lo, hi;
		char dash;
		if (sscanf(line, "%lx%c%lx ", &lo, &dash, &hi) == 3 &&
				dash == '-' && strchr(line, ' ') != NULL &&
				strchr(line, ' ') > strchr(line, '-')) {
			/* the mappings come in order of address */
			if (lo >= end)
				break;
			inside = hi > base;
			if (inside) {
				if (lo > covered)
					ok = 0;
				else if (hi > covered)
					covered = hi;
			}
		} else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			if (pmv_vm_flag(line + 8, "hg") ||
					pmv_vm_flag(line + 8, "nh") ||
					pmv_vm_flag(line + 8, "mm"))
				ok = 0;
		}
	}
	(void) fclose(smaps);
	return ok && covered >= end;
}

/*
 * Bumped by every new mover of a PAGE map and in the child of every fork():
 * a thread's answer in pmv_thread_unfiltered holds only for the epoch it
 * was found in.  Relaxed: a thread that has not seen the bump yet is
 * racing with the mover's creation or the filter's installation anyway.
 * Its first value is static, there before any thread runs.
 */
static unsigned pmv_filter_epoch = 1;
static pthread_once_t pmv_atfork_once = PTHREAD_ONCE_INIT;

/*
 * pmv_filter_epoch_bump -- the threads ask again at their next store
 */
static void
pmv_filter_epoch_bump(void)
{
	/* relaxed: see pmv_filter_epoch */
	(void) core__add_relaxed_uint(&pmv_filter_epoch, 1);
}

/*
 * pmv_atfork_init -- a forked child asks again: it may install a filter
 * its parent did not have
 */
static void
pmv_atfork_init(void)
{
	(void) pthread_atfork(NULL, NULL, pmv_filter_epoch_bump);
}

/*
 * pmv__kernel_store_epoch -- a mover of a PAGE map is made: every thread
 * looks at its filter again before it next has the kernel copy for it
 */
void
pmv__kernel_store_epoch(void)
{
	(void) pthread_once(&pmv_atfork_once, pmv_atfork_init);
	pmv_filter_epoch_bump();
}

/*
 * pmv_seccomp_mode -- the calling thread's seccomp mode as
 * /proc/thread-self/status tells it (open, read, close: no allocation), or
 * -1 if it cannot be read
 */
static int
pmv_seccomp_mode(void)
{
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;

	/* the line comes within the first 2 KiB; a line cut there is
	 * not looked at */
	char buf[4096];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) - 1 &&
			(r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	(void) close(fd);
	buf[n] = '\0';

	for (char *p = buf; p != NULL && *p != '\0';) {
		if (strncmp(p, "Seccomp:", 8) == 0 && strchr(p, '\n') != NULL)
			return atoi(p + 8);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/*
 * pmv_thread_unfiltered -- non-zero if the calling thread runs under no
 * seccomp filter.  A filter may answer process_vm_writev() with an error,
 * which the mover handles, or kill the process, which it cannot: the call
 * is in no usual allow list (systemd's @system-service leaves it out, and
 * kills by default).  So a thread with a filter (Seccomp: 2), or one that
 * cannot tell, stores itself.  Filters belong to threads: each asks for its
 * own, once per epoch (pmv_filter_epoch), so a filter installed before a
 * mover is made, or in a forked child, is seen; one installed on a thread
 * after the latest mover was made and the thread stored is not.
 */
static int
pmv_thread_unfiltered(void)
{
	/* the epoch of the answer (0: none yet); 1: no filter, 2: a filter,
	 * or unknown */
	static _Thread_local unsigned asked;
	static _Thread_local int state;

	/* relaxed: see pmv_filter_epoch */
	unsigned epoch = core__load_relaxed_uint(&pmv_filter_epoch);
	if (asked != epoch) {
		state = pmv_seccomp_mode() == 0 ? 1 : 2;
		asked = epoch;
	}
	return state == 1;
}

#ifdef MINIASYNC_PMEM_TEST_SEAM
ssize_t (*pmv__kernel_writev)(pid_t pid, const struct iovec *local,
	unsigned long nlocal, const struct iovec *remote,
	unsigned long nremote, unsigned long flags) = process_vm_writev;
#define PMV_WRITEV pmv__kernel_writev
#else
#define PMV_WRITEV process_vm_writev
#endif

/* the most one call copies: the kernel stops a call short of 2 GiB */
#define PMV_KERNEL_MAX ((size_t)1 << 30)

/*
 * pmv_kernel_writev -- the kernel copies local (len bytes, at most
 * PMV_KERNEL_MAX) to dest, both in this process: 0 once every byte is
 * there, -1 if not (refused, or a fault)
 */
static int
pmv_kernel_writev(const struct iovec *local, unsigned long nlocal,
	void *dest, size_t len)
{
	struct iovec remote = { .iov_base = dest, .iov_len = len };
	/*
	 * The calling thread's id names this process (the kernel finds a
	 * process by any of its threads), and lives as long as the call:
	 * the process id would not, once the first thread has exited.  It is
	 * asked for every time: an id cached across a fork() would name the
	 * parent, and the child would write into the parent's memory.
	 */
	ssize_t done = PMV_WRITEV(gettid(), local, nlocal, &remote, 1, 0);

	if (done == (ssize_t)len)
		return 0;
	/* relaxed: see pmv_kernel_store_off */
	if (done < 0 && (errno == EPERM || errno == ENOSYS))
		core__store_relaxed_uint(&pmv_kernel_store_off, 1);
	return -1;
}

/*
 * pmv__kernel_store -- stores [off, off + len) of an operation into a
 * file mapping, a range that will be written back, by asking the kernel to
 * copy the bytes (process_vm_writev() on this very process): 0 if they are
 * stored, -1 if the caller must store them (a memmove whose ranges overlap,
 * a flush, non-temporal stores asked for with VDM_F_NO_CACHE_HINT, a
 * kernel or filter that refuses the call, a fault: the caller's own stores
 * then fault as they would have; under valgrind or ThreadSanitizer, see
 * PMV_KERNEL_STORES).  Only for a libpmem2 map, a file mapping by
 * construction: the libpmem mover's ranges may be heap memory, whose
 * stores AddressSanitizer must see.
 *
 * Each page of a file mapping is write-protected once written back, and
 * the first store to it from user space takes a write fault; the
 * kernel's copy makes the page writable and stores through its own
 * mapping of it, with no fault and no exit to a hypervisor.  On a
 * virtual machine, 64 pages stored so took 190 us, against 540 us for a
 * madvise(MADV_POPULATE_WRITE) and the stores per page, and 990 us for
 * stores that fault.  The bytes land in the same page cache pages, and
 * the write-back (msync) that follows is the map's own.
 */
int
pmv__kernel_store(const struct vdm_operation *op, size_t off, size_t len)
{
	/* relaxed: see pmv_kernel_store_off; non-temporal stores asked
	 * for are the map's to make */
	if (!PMV_KERNEL_STORES || len == 0 ||
			(vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT) ||
			core__load_relaxed_uint(&pmv_kernel_store_off) ||
			PMV_UNDER_VALGRIND() || !pmv_thread_unfiltered())
		return -1;
#ifdef MINIASYNC_PMEM_TEST_SEAM
	if (pmv__kernel_store_disabled)
		return -1;
#endif

	char *dest = vdm__operation_range(op, off, len).addr;
#ifdef MINIASYNC_PMEM_TEST_SEAM
	size_t whole = len;
#endif
	int ret = -1;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
	case VDM_OPERATION_MEMMOVE: {
		/* the kernel copies forwards, page by page */
		if (vdm__operation_overlaps(op))
			return -1;
		/* memmove's arguments are laid out as memcpy's */
		char *src = (char *)op->data.memcpy.src + off;
		ret = 0;
		while (len > 0 && ret == 0) {
			size_t chunk = len < PMV_KERNEL_MAX ? len :
				PMV_KERNEL_MAX;
			struct iovec local = { .iov_base = src,
				.iov_len = chunk };
			ret = pmv_kernel_writev(&local, 1, dest, chunk);
			src += chunk;
			dest += chunk;
			len -= chunk;
		}
		break;
	}
	case VDM_OPERATION_MEMSET: {
		static _Thread_local unsigned char fill[PMV_FILL_SIZE];
		static _Thread_local int filled; /* the value + 1, 0: none */
		struct iovec local[PMV_KERNEL_IOVS];
		unsigned char c = (unsigned char)op->data.memset.c;

		if (filled != c + 1) {
			memset(fill, c, sizeof(fill));
			filled = c + 1;
		}
		ret = 0;
		while (len > 0 && ret == 0) {
			unsigned long n = 0;
			size_t chunk = 0;
			for (; n < PMV_KERNEL_IOVS && chunk < len; n++) {
				size_t l = len - chunk < PMV_FILL_SIZE ?
					len - chunk : PMV_FILL_SIZE;
				local[n].iov_base = fill;
				local[n].iov_len = l;
				chunk += l;
			}
			ret = pmv_kernel_writev(local, n, dest, chunk);
			dest += chunk;
			len -= chunk;
		}
		break;
	}
	case VDM_OPERATION_FLUSH:
		return -1;
	}
#ifdef MINIASYNC_PMEM_TEST_SEAM
	if (ret == 0 && pmv__kernel_store_seam != NULL)
		pmv__kernel_store_seam(op, off, whole);
#endif
	return ret;
}

/*
 * pmv__prefault -- makes the pages a piece of an operation will store to
 * writable in one call, before the caller stores to a range that will be
 * written back where the kernel would not (pmv__kernel_store): the first
 * store to each page would take a write fault, which costs about ten
 * times what one madvise(MADV_POPULATE_WRITE) costs per page on a virtual
 * machine.  The call changes no byte.  Without it (a kernel before 5.14),
 * or when it fails, the stores take the faults.
 */
void
pmv__prefault(const struct vdm_operation *op, size_t off, size_t len)
{
	if (op->type == VDM_OPERATION_FLUSH || len == 0)
		return;

	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)vdm__operation_range(op, off, len).addr;
	uintptr_t end = start + len;

	start &= ~(page - 1);
	end = (end + page - 1) & ~(page - 1);
	(void) madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

/*
 * pmv_write_back -- writes back ranges: one write-back per run of ranges
 * at most the target's write_back_gap apart (sorts the ranges); 0, or -1
 * if any failed.  A run covers the gaps between its ranges too: what else
 * was stored there is written back sooner, never later, and the kernel
 * finds the dirty pages of a range without looking at the clean ones.  Two
 * workers that stored every other page of a map so cost one write-back,
 * not one per page.  A target whose ranges may lie anywhere (libpmem) has
 * no gap: the bytes between two ranges may not even be mapped.  (The
 * write-back rounds to pages itself.)
 */
static int
pmv_write_back(const struct pmv__target *t, struct vdm__range *r,
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
		for (i++; i < n && (uintptr_t)r[i].addr <= end +
				t->write_back_gap; i++) {
			uintptr_t e = (uintptr_t)r[i].addr + r[i].len;
			if (e > end)
				end = e;
		}
		if (t->ops->write_back(t, (const void *)start, end - start))
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
pmv_group_lead(struct pmv__target *t)
{
	struct pmv__group *g = &t->group;
	struct vdm__range r[PMV__GROUP_MAX];
	unsigned n = g->n;
	uint64_t closed = g->open;

	memcpy(r, g->ranges, n * sizeof(r[0]));
	g->n = 0;
	g->open++;
	g->leading = 1;
	/* relaxed: a hint for the pool's spinning threads (pmv_quiet) */
	core__store_relaxed_uint(&g->quiet, 1);
	pthread_mutex_unlock(&g->lock);

	int failed = pmv_write_back(t, r, n);

	/* relaxed: the hint withdrawn; it orders nothing */
	core__store_relaxed_uint(&g->quiet, 0);
	pthread_mutex_lock(&g->lock);
	/* relaxed: published by the release store of durable below */
	if (failed && core__load_relaxed_u64(&g->failed) == 0)
		core__store_relaxed_u64(&g->failed, closed);
	/* release: the write-back (and error) above before any thread sees
	 * the group written back (pairs with the acquire in pmv_group_try) */
	core__store_release_u64(&g->durable, closed);
	g->leading = 0;
	pthread_cond_broadcast(&g->done);
}

/*
 * pmv_group_join -- adds stored ranges to the open group; returns the
 * number of the group the last one joined.  counted: the pool's threads
 * counted them in unjoined as they stored them (pmv_piece).
 */
static uint64_t
pmv_group_join(struct pmv__target *t, const struct vdm__range *r,
	unsigned n, int counted)
{
	struct pmv__group *g = &t->group;

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
				pmv_group_lead(t);
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
 * pmv_group_try -- once group ticket (and every one before it) is written
 * back, sets *result and returns non-zero; leads the write-back if no
 * thread does; if another does and wait is 0, returns 0 at once rather
 * than wait for it
 */
static int
pmv_group_try(struct pmv__target *t, uint64_t ticket, int wait,
	enum vdm_operation_result *result)
{
	struct pmv__group *g = &t->group;

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
			/* relaxed: a hint (pmv_quiet); pmv_group_lead
			 * clears it */
			core__store_relaxed_uint(&g->quiet, 1);
			pmv_group_gather(g);
			pmv_group_lead(t);
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
 * pmv_group_init -- an empty group; 0 or an errno value
 */
static int
pmv_group_init(struct pmv__group *g)
{
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
	/* the words read outside the lock: before the mover is published */
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
 * pmv_group_fini -- writes back what futures dropped after their first
 * poll left in the open group, and frees the group
 */
static void
pmv_group_fini(struct pmv__target *t)
{
	struct pmv__group *g = &t->group;

	pthread_mutex_lock(&g->lock);
	if (g->n > 0)
		pmv_group_lead(t);
	pthread_mutex_unlock(&g->lock);
	(void) pthread_cond_destroy(&g->joined);
	(void) pthread_cond_destroy(&g->done);
	(void) pthread_mutex_destroy(&g->lock);
}

/*
 * pmv_persist -- makes durable the ranges this thread stored: one drain
 * for those that need one, the group for those that need a write-back
 * (waiting for it)
 */
static enum vdm_operation_result
pmv_persist_ranges(struct pmv__target *t, struct vdm__range *r, unsigned n,
	int counted)
{
	uint64_t ticket = 0;
	unsigned nwb = 0;
	int drain = 0;

	/* the ranges that need a write-back move to the front, in order */
	for (unsigned i = 0; i < n; i++) {
		if (t->ops->needs_write_back(t, r[i].addr, r[i].len))
			r[nwb++] = r[i];
		else
			drain = 1;
	}
	if (drain)
		t->fns.drain();
	if (nwb == 0)
		return VDM_SUCCESS;

	enum vdm_operation_result result;
	ticket = pmv_group_join(t, r, nwb, counted);
	(void) pmv_group_try(t, ticket, 1, &result);
	return result;
}

/*
 * pmv_persist -- the engine's persist: the ranges of the pieces this
 * thread stored with pmv_piece
 */
static enum vdm_operation_result
pmv_persist(void *arg, struct vdm__range *r, unsigned n)
{
	return pmv_persist_ranges(arg, r, n, 1);
}

/*
 * pmv_check -- the target's check
 */
static enum vdm_operation_result
pmv_check(void *arg, const struct vdm_operation *op)
{
	const struct pmv__target *t = arg;

	return t->ops->check(t, op);
}

/*
 * pmv_piece -- stores a piece; the engine persists it with pmv_persist
 */
static void
pmv_piece(void *arg, const struct vdm_operation *op, size_t off,
	size_t len)
{
	struct pmv__target *t = arg;
	struct vdm__range r = vdm__operation_range(op, off, len);

	/* relaxed: a hint for a leader (pmv_group_gather) */
	if (t->ops->needs_write_back(t, r.addr, r.len))
		(void) core__add_relaxed_uint(&t->group.unjoined, 1);
	t->ops->store(t, op, off, len);
}

/*
 * pmv_linger -- a batch with a range to write back is worth waiting for
 * more work: one msync costs far more than a wait, and more work joins it
 */
static int
pmv_linger(void *arg, const struct vdm__range *r, unsigned n)
{
	const struct pmv__target *t = arg;

	for (unsigned i = 0; i < n; i++)
		if (t->ops->needs_write_back(t, r[i].addr, r[i].len))
			return 1;
	return 0;
}

/*
 * pmv_quiet -- while a leader gathers or writes back, the pool's threads
 * had better join what they stored at once than wait for more work, and
 * sleep than spin: every page msync() writes back costs an interrupt to
 * each other processor running the process
 */
static int
pmv_quiet(void *arg)
{
	struct pmv__target *t = arg;

	/* relaxed: a hint, see struct pmv__group */
	return core__load_relaxed_uint(&t->group.quiet) != 0;
}

static const struct vdm__threads_backend pmv_backend = {
	.check = pmv_check,
	.piece = pmv_piece,
	.persist = pmv_persist,
	.linger = pmv_linger,
	.quiet = pmv_quiet,
};

/*
 * pmv_range_of -- the whole destination range of an operation
 */
static inline struct vdm__range
pmv_range_of(const struct vdm_operation *op)
{
	return vdm__operation_range(op, 0, vdm__operation_len(op));
}

/* a pmem mover without threads: the table, then the target */
struct pmv_sync_mover {
	struct vdm base;
	struct pmv__target target;
};

/*
 * pmv_sync_of -- the pmem mover without threads that vdm is
 */
static inline struct pmv_sync_mover *
pmv_sync_of(struct vdm *vdm)
{
	return (struct pmv_sync_mover *)vdm;
}

/*
 * pmv_sync_again -- what pmv_sync_run answers while its operation waits
 * for a write-back: running, with no notifier, so that it is polled again
 */
static inline enum future_state
pmv_sync_again(struct future_notifier *notifier)
{
	if (notifier != NULL)
		notifier->notifier_used = FUTURE_NOTIFIER_NONE;
	return FUTURE_STATE_RUNNING;
}

/*
 * pmv_sync_run -- the run task of every type: the first call stores the
 * bytes and drains them, or joins the group; a later call completes once
 * the group was written back
 */
static enum future_state
pmv_sync_run(struct future_context *context, struct future_notifier *notifier)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	struct pmv__target *t = &pmv_sync_of(data->vdm)->target;
	const struct vdm_operation *op = &data->operation;
	enum vdm_operation_result result;

	if (context->state == FUTURE_STATE_RUNNING) {
		/* data->data holds the group this operation joined; while
		 * another thread writes back, poll again rather than wait */
		if (!pmv_group_try(t, (uint64_t)(uintptr_t)data->data, 0,
				&result))
			return pmv_sync_again(notifier);
		return vdm_run_complete(context, result);
	}

	result = t->ops->check(t, op);
	if (result != VDM_SUCCESS)
		return vdm_run_complete(context, result);

	struct vdm__range r = pmv_range_of(op);
	t->ops->store(t, op, 0, r.len);
	if (!t->ops->needs_write_back(t, r.addr, r.len)) {
		t->fns.drain();
		return vdm_run_complete(context, VDM_SUCCESS);
	}

	data->data = (void *)(uintptr_t)pmv_group_join(t, &r, 1, 0);
	/* the runtime polls again, and a poll writes back */
	return pmv_sync_again(notifier);
}

/*
 * The outcome of the persist in pmv_sync_op_start, for pmv_sync_op_delete:
 * the handle is the mover, shared by all operations, but a vdm future's
 * task calls both on the same thread in the same poll (op_check reports
 * the operation complete at once).
 */
static _Thread_local enum vdm_operation_result pmv_sync_failed;

/*
 * pmv_sync_op_new -- the handle of every operation is the mover itself
 */
static void *
pmv_sync_op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	(void) type;
	return vdm;
}

/*
 * pmv_sync_op_start -- performs the operation now, durably (the table's
 * way in, used by libpmem2)
 */
static int
pmv_sync_op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	struct pmv__target *t = &pmv_sync_of(data)->target;

	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;
	/* nothing to store is nothing to make durable, wherever it points */
	struct vdm__range r = pmv_range_of(op);
	if (r.len != 0 && t->ops->check(t, op) == VDM_SUCCESS) {
		t->ops->store(t, op, 0, r.len);
		pmv_sync_failed = pmv_persist_ranges(t, &r, 1, 0);
	}
	return 0;
}

/*
 * pmv_sync_op_check -- an operation is done once started
 */
static enum future_state
pmv_sync_op_check(void *data, const struct vdm_operation *op)
{
	(void) data;
	(void) op;
	return FUTURE_STATE_COMPLETE;
}

/*
 * pmv_sync_op_delete -- reports the outcome; nothing to release
 */
static void
pmv_sync_op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	struct pmv__target *t = &pmv_sync_of(data)->target;

	enum vdm_operation_result result = t->ops->check(t, op);
	if (result == VDM_SUCCESS)
		result = pmv_sync_failed;
	pmv_sync_failed = VDM_SUCCESS;
	vdm__operation_output(op, result, output);
}

/* what the init functions get */
struct pmv_init_args {
	void (*setup)(struct pmv__target *t, void *arg);
	void *arg;
	unsigned nthreads;
};

/*
 * pmv_sync_init -- sets the target up, readies its group
 */
static int
pmv_sync_init(struct vdm *vdm, void *arg)
{
	const struct pmv_init_args *a = arg;
	struct pmv__target *t = &pmv_sync_of(vdm)->target;

	a->setup(t, a->arg);
	return pmv_group_init(&t->group);
}

/*
 * pmv_sync_fini -- writes back what the group still holds
 */
static void
pmv_sync_fini(struct vdm *vdm)
{
	pmv_group_fini(&pmv_sync_of(vdm)->target);
}

static const struct vdm_descriptor pmv_sync_descriptor = {
	.size = sizeof(struct pmv_sync_mover),
	.init = pmv_sync_init,
	.fini = pmv_sync_fini,
	.init_arg = NULL,
	.ops = {
		.op_new = pmv_sync_op_new,
		.op_delete = pmv_sync_op_delete,
		.op_start = pmv_sync_op_start,
		.op_check = pmv_sync_op_check,
		/* durable it is: libpmem2 may skip its own persist */
		.capabilities = VDM_F_MEM_DURABLE,
		.has_property = NULL,
	},
	.run = {
		[VDM_OPERATION_MEMCPY] = pmv_sync_run,
		[VDM_OPERATION_MEMMOVE] = pmv_sync_run,
		[VDM_OPERATION_MEMSET] = pmv_sync_run,
		[VDM_OPERATION_FLUSH] = pmv_sync_run,
	},
};

/* the engine's state comes first; the target follows on a line of its own */
#define PMV_POOL_TARGET_OFFSET \
	CORE__ALIGN_UP(vdm__threads_size(), (size_t)CORE__CACHELINE_SIZE)

/*
 * pmv_pool_target -- the target of a pmem mover with threads
 */
static inline struct pmv__target *
pmv_pool_target(struct vdm *vdm)
{
	return (struct pmv__target *)(void *)
		((char *)vdm + PMV_POOL_TARGET_OFFSET);
}

/*
 * pmv_pool_init -- sets the target up, readies its group, starts the
 * engine with the pmem backend
 */
static int
pmv_pool_init(struct vdm *vdm, void *arg)
{
	const struct pmv_init_args *a = arg;
	struct pmv__target *t = pmv_pool_target(vdm);
	struct vdm_threads_config config = {
		.nthreads = a->nthreads,
		.queue_depth = 0,
		/* every operation to the workers: stores to persistent
		 * memory are slow enough to be worth handing over, and
		 * nthreads == 0 is how to keep them on the polling thread */
		.offload_min = 1,
	};

	a->setup(t, a->arg);
	int ret = pmv_group_init(&t->group);
	if (ret != 0)
		return ret;
	ret = vdm__threads_init(vdm, &config, FUTURE_NOTIFIER_WAKER,
		&pmv_backend, t);
	if (ret != 0)
		pmv_group_fini(t);
	return ret;
}

/*
 * pmv_pool_fini -- lets the queued work finish, stops the workers, then
 * frees the group
 */
static void
pmv_pool_fini(struct vdm *vdm)
{
	vdm__threads_fini(vdm);
	pmv_group_fini(pmv_pool_target(vdm));
}

/*
 * pmv__mover_new -- a durable mover on the target setup fills in
 */
struct vdm *
pmv__mover_new(void (*setup)(struct pmv__target *t, void *arg), void *arg,
	unsigned nthreads)
{
	if (nthreads > VDM__POOL_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}

	struct pmv_init_args args = {
		.setup = setup,
		.arg = arg,
		.nthreads = nthreads,
	};
	struct vdm_descriptor desc;

	if (nthreads == 0) {
		desc = pmv_sync_descriptor;
	} else {
		memset(&desc, 0, sizeof(desc));
		desc.size = PMV_POOL_TARGET_OFFSET + sizeof(struct pmv__target);
		desc.init = pmv_pool_init;
		desc.fini = pmv_pool_fini;
		desc.ops = vdm__threads_ops();
		/* durable it is: libpmem2 may skip its own persist */
		desc.ops.capabilities = VDM_F_MEM_DURABLE;
		for (unsigned t = 0; t < VDM_OPERATION_TYPES; t++)
			desc.run[t] = vdm__threads_run;
	}
	desc.init_arg = &args;
	return vdm_new(&desc);
}
