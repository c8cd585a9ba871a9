/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_checkers.h -- whether a test runs under a checker that changes what
 * it can see or count: valgrind (any of its tools: it runs every call of
 * the program itself) and ThreadSanitizer (a build of the tests and the
 * library with -fsanitize=thread)
 */

#ifndef TEST_CHECKERS_H
#define TEST_CHECKERS_H 1

/* TEST_UNDER_VALGRIND() -- non-zero when run by valgrind */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define TEST_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef TEST_UNDER_VALGRIND
#define TEST_UNDER_VALGRIND() 0
#endif

/* TEST_UNDER_TSAN -- 1 in a ThreadSanitizer build (gcc or clang) */
#if defined(__SANITIZE_THREAD__)
#define TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_UNDER_TSAN 1
#endif
#endif
#ifndef TEST_UNDER_TSAN
#define TEST_UNDER_TSAN 0
#endif

#endif /* TEST_CHECKERS_H */
