/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * common.h -- what the programs of utils/ (bench, soak) share: the clock,
 * numbers and sizes from the command line, and the loop over the options
 */

#ifndef MINIASYNC_UTILS_COMMON_H
#define MINIASYNC_UTILS_COMMON_H 1

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NSEC_PER_SEC 1000000000ULL

/*
 * now_ns -- the monotonic clock in nanoseconds
 */
uint64_t now_ns(void);

/*
 * sleep_ns -- sleeps for ns nanoseconds, signals or not
 */
void sleep_ns(uint64_t ns);

/*
 * parse_u64 -- a decimal number no larger than max, nothing after it;
 * 0, or -1 (*out untouched)
 */
int parse_u64(const char *s, unsigned long long max, unsigned long long *out);

/*
 * parse_size -- a byte count from 1 to max with an optional K, M or G
 * suffix (powers of 1024; "KiB", "k", "KB" alike); 0, or -1
 */
int parse_size(const char *s, size_t max, size_t *out);

/* the value of --help (and -h) in a program's struct option table */
#define OPT_HELP 'h'

/* what an option handler of opts_parse answers besides 0 (go on) */
#define OPTS_BAD (-1) /* the option's value is bad */
#define OPTS_DONE 1 /* the program has nothing more to do (--list) */

/*
 * opts_parse -- reads the command line with getopt_long and longopts,
 * whose --help is OPT_HELP; every other option goes to handle(opt, value,
 * arg), value NULL for an option without one.  --help prints usage to
 * stdout; an unknown option prints it to stderr, a value the handler calls
 * bad and an argument that is not an option are reported.  Returns 0 (run
 * the program), 1 (done: help printed, or the handler answered OPTS_DONE)
 * or -1 (bad usage, reported).
 */
int opts_parse(int argc, char *argv[], const struct option *longopts,
	int (*handle)(int opt, const char *value, void *arg), void *arg,
	void (*usage)(FILE *f, const char *prog));

#ifdef __cplusplus
}
#endif

#endif /* MINIASYNC_UTILS_COMMON_H */
