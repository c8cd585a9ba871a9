/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmem2_include.c -- libpmem2's asynchronous API, enabled, compiles with
 * our headers: <libpmem2/async.h> includes <libminiasync/vdm.h> and builds
 * its futures with our FUTURE() and chain macros.  Compiled as C and as C++.
 */

#define PMEM2_USE_MINIASYNC 1
#include <libpmem2.h>

/* the types libpmem2's functions return are complete here */
typedef char pmem2_include_future_is_complete[
	sizeof(struct pmem2_future) > sizeof(struct future) ? 1 : -1];
