/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * atomics.h -- named atomic helpers; the library uses <stdatomic.h> only
 * through these, so every ordering is spelled out where it is used.
 */

#ifndef MINIASYNC_CORE_ATOMICS_H
#define MINIASYNC_CORE_ATOMICS_H 1

#include <stdatomic.h>
#include <stdint.h>

/*
 * The library keeps plain integer fields and applies the C11 generic
 * functions to them through an _Atomic-qualified cast: GCC and Clang give
 * _Atomic integers of these sizes the same representation as plain ones.
 */
#define CORE__ATOMIC(ptr) ((_Atomic __typeof__(*(ptr)) *)(ptr))

static inline int
core__load_relaxed_int(int *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_relaxed);
}

static inline void
core__store_relaxed_int(int *p, int v)
{
	atomic_store_explicit(CORE__ATOMIC(p), v, memory_order_relaxed);
}

static inline unsigned long
core__load_relaxed_ulong(unsigned long *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_relaxed);
}

static inline void
core__store_relaxed_ulong(unsigned long *p, unsigned long v)
{
	atomic_store_explicit(CORE__ATOMIC(p), v, memory_order_relaxed);
}

static inline int
core__cas_relaxed_ulong(unsigned long *p, unsigned long *expected,
	unsigned long desired)
{
	return atomic_compare_exchange_weak_explicit(CORE__ATOMIC(p),
		expected, desired, memory_order_relaxed, memory_order_relaxed);
}

static inline uintptr_t
core__load_relaxed_uptr(uintptr_t *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_relaxed);
}

static inline void
core__store_relaxed_uptr(uintptr_t *p, uintptr_t v)
{
	atomic_store_explicit(CORE__ATOMIC(p), v, memory_order_relaxed);
}

/* acquire load of a pointer-sized word: pairs with a release store of it */
static inline uintptr_t
core__load_acquire_uptr(uintptr_t *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_acquire);
}

static inline void
core__store_release_uptr(uintptr_t *p, uintptr_t v)
{
	atomic_store_explicit(CORE__ATOMIC(p), v, memory_order_release);
}

/* acquire load of a 64-bit word: pairs with a release store of it */
static inline uint64_t
core__load_acquire_u64(uint64_t *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_acquire);
}

/* sequentially consistent load, store and add of a 64-bit word */
static inline uint64_t
core__load_seq_u64(uint64_t *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_seq_cst);
}

static inline uint64_t
core__add_seq_u64(uint64_t *p, uint64_t v)
{
	return atomic_fetch_add_explicit(CORE__ATOMIC(p), v,
		memory_order_seq_cst);
}

static inline unsigned
core__load_seq_uint(unsigned *p)
{
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_seq_cst);
}

static inline unsigned
core__add_seq_uint(unsigned *p, unsigned v)
{
	return atomic_fetch_add_explicit(CORE__ATOMIC(p), v,
		memory_order_seq_cst);
}

static inline unsigned
core__sub_seq_uint(unsigned *p, unsigned v)
{
	return atomic_fetch_sub_explicit(CORE__ATOMIC(p), v,
		memory_order_seq_cst);
}

#endif /* MINIASYNC_CORE_ATOMICS_H */
