/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem2_mover.h -- the pmem mover of vdm_pmem2_new() made for the
 * target map of a fresh file (test_pmem2_file.h), and a runtime to wait
 * for its futures with; link libminiasync-pmem
 */

#ifndef TEST_PMEM2_MOVER_H
#define TEST_PMEM2_MOVER_H 1

#include "test_pmem2_file.h"

#include <libminiasync-pmem.h>

struct test_pmem2_mover {
	struct test_file file;
	struct vdm *vdm;
	struct runtime *rt;
};

/*
 * test_pmem2_mover_open -- maps a fresh file with a target map of size
 * bytes, and makes a mover of nthreads workers for that map and a runtime;
 * 0, or -1 with a message and nothing left
 */
static inline int
test_pmem2_mover_open(struct test_pmem2_mover *m, size_t size,
	unsigned nthreads)
{
	if (test_file_open(&m->file, size) != 0)
		return -1;
	m->vdm = vdm_pmem2_new(m->file.target, nthreads);
	if (m->vdm == NULL)
		fprintf(stderr, "vdm_pmem2_new: %s\n", strerror(errno));
	m->rt = runtime_new();
	if (m->vdm != NULL && m->rt != NULL)
		return 0;
	runtime_delete(m->rt);
	vdm_delete(m->vdm);
	(void) test_file_close(&m->file);
	return -1;
}

/*
 * test_pmem2_mover_close -- deletes the runtime, the after map that uses
 * the mover (if attached), the mover, and the file; 0, or -1 if a map or
 * the file failed to go
 */
static inline int
test_pmem2_mover_close(struct test_pmem2_mover *m)
{
	runtime_delete(m->rt);
	int ret = test_file_detach(&m->file);
	vdm_delete(m->vdm);
	return test_file_close(&m->file) | ret;
}

#endif /* TEST_PMEM2_MOVER_H */
