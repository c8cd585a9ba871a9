/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem2_mover.h -- the pmem mover of vdm_pmem2_new() made for the
 * target map of a fresh file (test_pmem2_file.h), with a runtime to wait
 * for its futures with; link libminiasync-pmem
 */

#ifndef TEST_PMEM2_MOVER_H
#define TEST_PMEM2_MOVER_H 1

#include "test_pmem2_file.h"

#include <libminiasync-pmem.h>

/*
 * test_pmem2_mover_open -- maps a fresh file with a target map of size
 * bytes, and makes m a mover of nthreads workers for that map, and a
 * runtime; 0, or -1 with a message and nothing left
 */
static inline int
test_pmem2_mover_open(struct test_file *file, struct test_mover *m,
	size_t size, unsigned nthreads)
{
	if (test_file_open(file, size) != 0)
		return -1;
	if (test_mover_init(m, vdm_pmem2_new(file->target, nthreads),
			"vdm_pmem2_new") == 0)
		return 0;
	(void) test_file_close(file);
	return -1;
}

/*
 * test_pmem2_mover_close -- deletes the runtime, the after map that uses
 * the mover (if attached), the mover, and the file; 0, or -1 if a map or
 * the file failed to go
 */
static inline int
test_pmem2_mover_close(struct test_file *file, struct test_mover *m)
{
	int ret = test_file_detach(file);

	test_mover_fini(m);
	return test_file_close(file) | ret;
}

#endif /* TEST_PMEM2_MOVER_H */
