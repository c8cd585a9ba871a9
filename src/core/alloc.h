/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * alloc.h -- the one way the library allocates memory
 *
 * Every allocation goes through these wrappers so that tests can make the
 * n-th one fail (core__alloc_fail_at) when the library is built with
 * MINIASYNC_FAULT_INJECTION; the shipped library has no such hook.
 */

#ifndef MINIASYNC_CORE_ALLOC_H
#define MINIASYNC_CORE_ALLOC_H 1

#include <stddef.h>

void *core__malloc(size_t size);
void *core__zalloc_aligned(size_t alignment, size_t size);
void core__free(void *ptr);

#ifdef MINIASYNC_FAULT_INJECTION
/*
 * core__alloc_fail_at -- makes the nth allocation from now fail (1 is the
 * next one); 0 turns the injection off.
 */
void core__alloc_fail_at(unsigned long nth);

/* core__alloc_failed -- non-zero if the armed failure has happened */
int core__alloc_failed(void);
#endif

#endif /* MINIASYNC_CORE_ALLOC_H */
