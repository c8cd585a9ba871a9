/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * cpu.h -- writing cache lines back to memory, and stores that bypass the
 * caches
 */

#ifndef MINIASYNC_CORE_CPU_H
#define MINIASYNC_CORE_CPU_H 1

#include <stddef.h>

/* core__flush_supported -- non-zero if core__flush_range() works here */
static inline int
core__flush_supported(void)
{
#if defined(__x86_64__)
	return 1;
#else
	return 0;
#endif
}

/*
 * core__flush_range -- writes every cache line of [addr, addr + len) back
 * to memory and waits until that is done (a store fence follows the
 * write-backs); does nothing where core__flush_supported() is 0.
 */
void core__flush_range(const void *addr, size_t len);

/*
 * core__memcpy_nt -- memcpy() whose stores bypass the CPU caches
 * (non-temporal) where the CPU has such stores (x86-64), followed by a store
 * fence, so that they are ordered before any later store; plain memcpy()
 * elsewhere.  The ranges must not overlap.
 */
void core__memcpy_nt(void *dest, const void *src, size_t len);

/* core__memset_nt -- memset() the same way */
void core__memset_nt(void *dest, int c, size_t len);

#endif /* MINIASYNC_CORE_CPU_H */
