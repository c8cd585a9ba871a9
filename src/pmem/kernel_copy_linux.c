/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * kernel_copy_linux.c -- stores into a file mapping that the kernel makes
 * for the mover (process_vm_writev() on this very process), and when it
 * may: the environment, the thread's seccomp filter, the kind of mapping
 * (/proc); and the prefault of the pages a thread stores to itself
 *
 * Linux only: the calls, the /proc files and the madvise() advice it uses
 * are Linux's.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/atomics.h"
#include "kernel_copy.h"
#include "pmem_seam.h"
#include "vdm_internal.h"

/* Linux 5.14; older C libraries do not name it */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

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
