/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * kernel_copy.h -- stores into a file mapping made by the kernel for the
 * mover, and the prefault of pages a thread stores to itself: for ranges
 * that will be written back (kernel_copy_linux.c; internal)
 *
 * A mover asks pmv__kernel_store_wanted() and pmv__page_cache_map() once,
 * when it is made, and calls pmv__kernel_store_epoch() if it will store
 * through the kernel; then any thread may call pmv__kernel_store() for a
 * piece of an operation, and pmv__prefault() before it stores a piece
 * itself.
 */

#ifndef MINIASYNC_PMEM_KERNEL_COPY_H
#define MINIASYNC_PMEM_KERNEL_COPY_H 1

#include <stddef.h>
#include <stdint.h>

struct vdm_operation;

/*
 * pmv__kernel_store -- stores [off, off + len) of an operation into a file
 * mapping, a range that will be written back, through the kernel (no write
 * faults): 0, or -1 if the caller must store them itself (after
 * pmv__prefault)
 */
int pmv__kernel_store(const struct vdm_operation *op, size_t off,
	size_t len);

/*
 * pmv__kernel_store_wanted -- non-zero unless MINIASYNC_PMEM_KERNEL_COPY
 * is 0
 */
int pmv__kernel_store_wanted(void);

/*
 * pmv__kernel_store_epoch -- a mover that may store through the kernel is
 * made: every thread looks at its seccomp filter again before it next does
 */
void pmv__kernel_store_epoch(void);

/*
 * pmv__page_cache_map -- non-zero if [base, base + size) is wholly mapped,
 * and by no DAX mapping (/proc/self/smaps): the kernel may store into it
 */
int pmv__page_cache_map(uintptr_t base, size_t size);

/*
 * pmv__prefault -- makes the pages [off, off + len) of an operation will
 * store to writable in one call (for a range that will be written back)
 */
void pmv__prefault(const struct vdm_operation *op, size_t off, size_t len);

#endif /* MINIASYNC_PMEM_KERNEL_COPY_H */
