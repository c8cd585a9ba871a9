/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/base.h -- symbol visibility and compile-time checks shared by
 * every public header of libminiasync
 *
 * Nothing here is part of the API a program calls: the macros only mark the
 * symbols the library exports and let the headers prove their binary layout.
 */

#ifndef LIBMINIASYNC_BASE_H
#define LIBMINIASYNC_BASE_H 1

/*
 * MINIASYNC_EXPORT -- marks a function exported by libminiasync.so; the
 * library is built with hidden visibility, so only marked symbols are seen.
 */
#if defined(__GNUC__) || defined(__clang__)
#define MINIASYNC_EXPORT __attribute__((visibility("default")))
#else
#define MINIASYNC_EXPORT
#endif

/*
 * MINIASYNC_STATIC_ASSERT -- a layout check that works both in C11 and C++11
 * (internal, do not use).
 */
#ifdef __cplusplus
#define MINIASYNC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define MINIASYNC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#endif /* LIBMINIASYNC_BASE_H */
