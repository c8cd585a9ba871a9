/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * common.c -- the clock, command-line numbers and the option loop of the
 * programs of utils/ (see common.h)
 */

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

/*
 * now_ns -- the monotonic clock in nanoseconds
 */
uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * sleep_ns -- sleeps for ns nanoseconds, signals or not
 */
void
sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / NSEC_PER_SEC),
		.tv_nsec = (long)(ns % NSEC_PER_SEC),
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * parse_digits -- the decimal number at the start of s (no sign), *end
 * after it; -1 if there is none or it does not fit
 */
static int
parse_digits(const char *s, char **end, unsigned long long *out)
{
	errno = 0;
	*out = strtoull(s, end, 10);
	return errno != 0 || *end == s || *s == '-' ? -1 : 0;
}

/*
 * parse_u64 -- a decimal number no larger than max, nothing after it
 */
int
parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (parse_digits(s, &end, &v) != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * parse_size -- a byte count from 1 to max with an optional K, M or G
 * suffix
 */
int
parse_size(const char *s, size_t max, size_t *out)
{
	unsigned long long v;
	char *end;

	if (parse_digits(s, &end, &v) != 0)
		return -1;

	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift != 0 && *++end == 'i')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || v == 0 || v > (max >> shift))
		return -1;

	*out = (size_t)v << shift;
	return 0;
}

/*
 * opts_parse -- the command line through getopt_long, each option to
 * handle; --help, unknown options, bad values and stray arguments here
 */
int
opts_parse(int argc, char *argv[], const struct option *longopts,
	int (*handle)(int opt, const char *value, void *arg), void *arg,
	void (*usage)(FILE *f, const char *prog))
{
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == OPT_HELP) {
			usage(stdout, argv[0]);
			return 1;
		}
		if (opt == '?') {
			usage(stderr, argv[0]);
			return -1;
		}
		int r = handle(opt, optarg, arg);
		if (r == OPTS_DONE)
			return 1;
		if (r != 0) {
			fprintf(stderr, "%s: bad value '%s'\n", argv[0],
				optarg);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		return -1;
	}
	return 0;
}
