/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * util.h -- small helpers shared by the library's sources
 */

#ifndef MINIASYNC_CORE_UTIL_H
#define MINIASYNC_CORE_UTIL_H 1

#include <stddef.h>
#include <stdint.h>

#define CORE__CACHELINE_SIZE 64

#define CORE__ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

#define core__likely(x) __builtin_expect(!!(x), 1)
#define core__unlikely(x) __builtin_expect(!!(x), 0)

/* core__container_of -- the struct of type that holds *ptr as member */
#define core__container_of(ptr, type, member)\
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif /* MINIASYNC_CORE_UTIL_H */
