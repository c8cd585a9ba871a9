/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * atomics.h -- the one door to atomic operations: nothing else in src/
 * calls <stdatomic.h> or the compiler's __atomic builtins.
 *
 * Each helper names its type and its memory order, and carries the
 * happens-before requests valgrind's thread checkers need (annotate.h), so
 * a caller cannot forget one:
 *	- a release (store-release, or the release half of a read-modify-write)
 *	  tells CORE__HAPPENS_BEFORE on the word just before it;
 *	- an acquire (load-acquire, or the acquire half of a read-modify-write
 *	  or a successful compare-and-swap) tells CORE__HAPPENS_AFTER on the
 *	  word just after it;
 *	- relaxed helpers tell nothing, as they order nothing.
 * The pairs are keyed by the word's address, so a release and the acquire
 * that reads it always name the same key.  Without
 * MINIASYNC_VG_ANNOTATIONS the requests compile to nothing.
 *
 * Every word shared this way is set up with core__atomic_init_<type>()
 * before it is published to another thread: that stores its first value
 * and tells the checkers the word is accessed only through atomics.
 *
 * Types: int (int), uint (unsigned), ulong (unsigned long), u64 (uint64_t),
 * uptr (uintptr_t).  Helpers:
 *	core__atomic_init_T(p, v)	plain first store, before publication
 *	core__load_relaxed_T(p)		core__store_relaxed_T(p, v)
 *	core__load_acquire_T(p)		core__store_release_T(p, v)
 *	core__load_acquire_eq_T(p, v)	(tells the checkers only when it reads v)
 *	core__load_acquire_ne_T(p, v)	(tells them only when it reads another)
 *	core__load_seq_T(p)
 *	core__cas_weak_relaxed_T(p, &expected, desired)
 *	core__cas_weak_acquire_T	(acquire on success and on failure)
 *	core__cas_strong_acquire_T	(acquire on success, relaxed on failure)
 *	core__cas_strong_acqrel_T	(acq_rel on success, relaxed on failure)
 *	core__add_relaxed_T(p, v)	core__sub_relaxed_T(p, v)
 *	core__add_acqrel_T(p, v)	core__sub_acqrel_T(p, v)
 *	core__and_acqrel_T(p, v)
 *	core__add_seq_T(p, v)		core__sub_seq_T(p, v)
 * The read-modify-writes return the value before the operation; a CAS
 * returns non-zero when it stored desired, and otherwise leaves the value
 * it found in *expected.
 *
 * A load that polls for a value takes core__load_acquire_eq_T: it is an
 * acquire whatever it reads, but tells CORE__HAPPENS_AFTER only when it
 * reads v, the value its caller acts on (core__load_acquire_ne_T: when it
 * reads anything but v, for a caller that waits for a change); otherwise
 * the caller relies on nothing the load ordered, and polls again or gives
 * up.  Each request costs drd a new segment of the thread, so a poll that
 * told every miss (a spinning worker looking at the ring, a runtime
 * polling a future) made the checkers several times slower.
 */

#ifndef MINIASYNC_CORE_ATOMICS_H
#define MINIASYNC_CORE_ATOMICS_H 1

#include <stdatomic.h>
#include <stdint.h>

#include "annotate.h"

/*
 * The library keeps plain integer fields and applies the C11 generic
 * functions to them through an _Atomic-qualified cast: GCC and Clang give
 * _Atomic integers of these sizes the same representation as plain ones.
 */
#define CORE__ATOMIC(ptr) ((_Atomic __typeof__(*(ptr)) *)(ptr))

/* a read-modify-write of order o, annotated as the order says */
#define CORE__RMW_(name, T, fn, o)\
static inline T \
name(T *p, T v)\
{\
	CORE__HAPPENS_BEFORE(p);\
	T old = fn(CORE__ATOMIC(p), v, o);\
	CORE__HAPPENS_AFTER(p);\
	return old;\
}

#define CORE__ATOMIC_OPS_(T, S)\
static inline void \
core__atomic_init_##S(T *p, T v)\
{\
	*p = v;\
	CORE__ATOMIC_WORD(p);\
}\
static inline T \
core__load_relaxed_##S(T *p)\
{\
	return atomic_load_explicit(CORE__ATOMIC(p), memory_order_relaxed);\
}\
static inline void \
core__store_relaxed_##S(T *p, T v)\
{\
	atomic_store_explicit(CORE__ATOMIC(p), v, memory_order_relaxed);\
}\
static inline T \
core__load_acquire_##S(T *p)\
{\
	T v = atomic_load_explicit(CORE__ATOMIC(p), memory_order_acquire);\
	CORE__HAPPENS_AFTER(p);\
	return v;\
}\
static inline T \
core__load_acquire_eq_##S(T *p, T v)\
{\
	T r = atomic_load_explicit(CORE__ATOMIC(p), memory_order_acquire);\
	if (r == v)\
		CORE__HAPPENS_AFTER(p);\
	return r;\
}\
static inline T \
core__load_acquire_ne_##S(T *p, T v)\
{\
	T r = atomic_load_explicit(CORE__ATOMIC(p), memory_order_acquire);\
	if (r != v)\
		CORE__HAPPENS_AFTER(p);\
	return r;\
}\
static inline void \
core__store_release_##S(T *p, T v)\
{\
	CORE__HAPPENS_BEFORE(p);\
	atomic_store_explicit(CORE__ATOMIC(p), v, memory_order_release);\
}\
static inline T \
core__load_seq_##S(T *p)\
{\
	T v = atomic_load_explicit(CORE__ATOMIC(p), memory_order_seq_cst);\
	CORE__HAPPENS_AFTER(p);\
	return v;\
}\
static inline int \
core__cas_weak_relaxed_##S(T *p, T *expected, T desired)\
{\
	return atomic_compare_exchange_weak_explicit(CORE__ATOMIC(p),\
		expected, desired, memory_order_relaxed,\
		memory_order_relaxed);\
}\
static inline int \
core__cas_weak_acquire_##S(T *p, T *expected, T desired)\
{\
	int ok = atomic_compare_exchange_weak_explicit(CORE__ATOMIC(p),\
		expected, desired, memory_order_acquire,\
		memory_order_acquire);\
	CORE__HAPPENS_AFTER(p);\
	return ok;\
}\
static inline int \
core__cas_strong_acquire_##S(T *p, T *expected, T desired)\
{\
	int ok = atomic_compare_exchange_strong_explicit(CORE__ATOMIC(p),\
		expected, desired, memory_order_acquire,\
		memory_order_relaxed);\
	if (ok)\
		CORE__HAPPENS_AFTER(p);\
	return ok;\
}\
static inline int \
core__cas_strong_acqrel_##S(T *p, T *expected, T desired)\
{\
	CORE__HAPPENS_BEFORE(p);\
	int ok = atomic_compare_exchange_strong_explicit(CORE__ATOMIC(p),\
		expected, desired, memory_order_acq_rel,\
		memory_order_relaxed);\
	if (ok)\
		CORE__HAPPENS_AFTER(p);\
	return ok;\
}\
static inline T \
core__add_relaxed_##S(T *p, T v)\
{\
	return atomic_fetch_add_explicit(CORE__ATOMIC(p), v,\
		memory_order_relaxed);\
}\
static inline T \
core__sub_relaxed_##S(T *p, T v)\
{\
	return atomic_fetch_sub_explicit(CORE__ATOMIC(p), v,\
		memory_order_relaxed);\
}\
CORE__RMW_(core__add_acqrel_##S, T, atomic_fetch_add_explicit,\
	memory_order_acq_rel)\
CORE__RMW_(core__sub_acqrel_##S, T, atomic_fetch_sub_explicit,\
	memory_order_acq_rel)\
CORE__RMW_(core__and_acqrel_##S, T, atomic_fetch_and_explicit,\
	memory_order_acq_rel)\
CORE__RMW_(core__add_seq_##S, T, atomic_fetch_add_explicit,\
	memory_order_seq_cst)\
CORE__RMW_(core__sub_seq_##S, T, atomic_fetch_sub_explicit,\
	memory_order_seq_cst)

CORE__ATOMIC_OPS_(int, int)
CORE__ATOMIC_OPS_(unsigned, uint)
CORE__ATOMIC_OPS_(unsigned long, ulong)
CORE__ATOMIC_OPS_(uint64_t, u64)
CORE__ATOMIC_OPS_(uintptr_t, uptr)

#endif /* MINIASYNC_CORE_ATOMICS_H */
