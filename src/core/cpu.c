/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * cpu.c -- cache line write-back with the best instruction the CPU has, and
 * copies whose stores bypass the caches
 *
 * On x86-64: CLWB (writes back, keeps the line), else CLFLUSHOPT, else
 * CLFLUSH, chosen once from CPUID; then SFENCE, which orders CLWB and
 * CLFLUSHOPT before any later store.  Elsewhere core__flush_supported()
 * says 0 and callers report the operation as unsupported, never pretend.
 *
 * Non-temporal stores (SSE2's MOVNTDQ, which every x86-64 CPU has) write
 * whole lines to memory without reading them into the cache first: a copy
 * larger than the caches moves a third less memory traffic, and does not
 * evict what the other threads keep there.  They are weakly ordered, so
 * SFENCE follows them.  Elsewhere the C library's functions stand in.
 */

#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "util.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <emmintrin.h>
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

/* shorter ranges are not worth the fence: the C library's stores */
#define NT_MIN 256

/*
 * nt_head -- the bytes before the first whole line of dest
 */
static inline size_t
nt_head(const char *dest)
{
	return (size_t)(-(uintptr_t)dest & (CORE__CACHELINE_SIZE - 1));
}

/*
 * core__memcpy_nt -- the unaligned head and the tail with memcpy, the
 * whole lines between with non-temporal stores
 */
void
core__memcpy_nt(void *dest, const void *src, size_t len)
{
	char *d = dest;
	const char *s = src;

	if (len >= NT_MIN) {
		size_t head = nt_head(d);
		memcpy(d, s, head);
		d += head;
		s += head;
		len -= head;
		for (; len >= CORE__CACHELINE_SIZE; len -= CORE__CACHELINE_SIZE,
				d += CORE__CACHELINE_SIZE,
				s += CORE__CACHELINE_SIZE) {
			const __m128i *from = (const __m128i *)(const void *)s;
			__m128i *to = (__m128i *)(void *)d;
			__m128i x0 = _mm_loadu_si128(from);
			__m128i x1 = _mm_loadu_si128(from + 1);
			__m128i x2 = _mm_loadu_si128(from + 2);
			__m128i x3 = _mm_loadu_si128(from + 3);
			_mm_stream_si128(to, x0);
			_mm_stream_si128(to + 1, x1);
			_mm_stream_si128(to + 2, x2);
			_mm_stream_si128(to + 3, x3);
		}
		_mm_sfence();
	}
	memcpy(d, s, len);
}

/*
 * core__memset_nt -- as core__memcpy_nt, with one value
 */
void
core__memset_nt(void *dest, int c, size_t len)
{
	char *d = dest;

	if (len >= NT_MIN) {
		size_t head = nt_head(d);
		memset(d, c, head);
		d += head;
		len -= head;
		__m128i x = _mm_set1_epi8((char)c);
		for (; len >= CORE__CACHELINE_SIZE; len -= CORE__CACHELINE_SIZE,
				d += CORE__CACHELINE_SIZE) {
			__m128i *to = (__m128i *)(void *)d;
			_mm_stream_si128(to, x);
			_mm_stream_si128(to + 1, x);
			_mm_stream_si128(to + 2, x);
			_mm_stream_si128(to + 3, x);
		}
		_mm_sfence();
	}
	memset(d, c, len);
}
#else
void
core__flush_range(const void *addr, size_t len)
{
	(void) addr;
	(void) len;
}

void
core__memcpy_nt(void *dest, const void *src, size_t len)
{
	memcpy(dest, src, len);
}

void
core__memset_nt(void *dest, int c, size_t len)
{
	memset(dest, c, len);
}
#endif
