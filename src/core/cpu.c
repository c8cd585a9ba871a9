/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * cpu.c -- cache line write-back with the best instruction the CPU has
 *
 * On x86-64: CLWB (writes back, keeps the line), else CLFLUSHOPT, else
 * CLFLUSH, chosen once from CPUID; then SFENCE, which orders CLWB and
 * CLFLUSHOPT before any later store.  Elsewhere core__flush_supported()
 * says 0 and callers report the operation as unsupported, never pretend.
 */

#include <stdint.h>

#include "cpu.h"
#include "util.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <pthread.h>

typedef void (*flush_line_fn)(const char *line);

__attribute__((target("clwb"))) static void
flush_line_clwb(const char *line)
{
	__builtin_ia32_clwb(line);
}

__attribute__((target("clflushopt"))) static void
flush_line_clflushopt(const char *line)
{
	__builtin_ia32_clflushopt(line);
}

static void
flush_line_clflush(const char *line)
{
	__builtin_ia32_clflush(line);
}

static flush_line_fn flush_line = flush_line_clflush;
static pthread_once_t flush_once = PTHREAD_ONCE_INIT;

/*
 * flush_detect -- picks the write-back instruction from CPUID leaf 7
 */
static void
flush_detect(void)
{
	unsigned eax, ebx, ecx, edx;

	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return;
	if (ebx & (1U << 24))
		flush_line = flush_line_clwb;
	else if (ebx & (1U << 23))
		flush_line = flush_line_clflushopt;
}

/*
 * core__flush_range -- writes the range back and fences
 */
void
core__flush_range(const void *addr, size_t len)
{
	(void) pthread_once(&flush_once, flush_detect);

	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(CORE__CACHELINE_SIZE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += CORE__CACHELINE_SIZE)
		flush_line((const char *)p);
	__builtin_ia32_sfence();
}
#else
void
core__flush_range(const void *addr, size_t len)
{
	(void) addr;
	(void) len;
}
#endif
