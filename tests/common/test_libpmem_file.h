/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_libpmem_file.h -- a fresh file in /var/tmp mapped with libpmem's
 * pmem_map_file(), for the tests of the mover made for programs that map
 * with libpmem
 */

#ifndef TEST_LIBPMEM_FILE_H
#define TEST_LIBPMEM_FILE_H 1

#include <libpmem.h>

#include <stdio.h>

/*
 * test_libpmem_map -- a fresh unnamed file of len bytes in /var/tmp, mapped
 * with pmem_map_file() (*is_pmem as it says); pmem_unmap() it; NULL with a
 * message
 */
static inline char *
test_libpmem_map(size_t len, int *is_pmem)
{
	size_t mapped = 0;
	char *addr = pmem_map_file("/var/tmp", len,
		PMEM_FILE_CREATE | PMEM_FILE_TMPFILE, 0600, &mapped, is_pmem);

	if (addr == NULL) {
		fprintf(stderr, "pmem_map_file: %s\n", pmem_errormsg());
		return NULL;
	}
	if (mapped != len) {
		fprintf(stderr, "pmem_map_file mapped %zu bytes, not %zu\n",
			mapped, len);
		(void) pmem_unmap(addr, mapped);
		return NULL;
	}
	return addr;
}

#endif /* TEST_LIBPMEM_FILE_H */
