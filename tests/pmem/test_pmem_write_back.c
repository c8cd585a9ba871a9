/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_write_back.c -- the write-backs of the pmem movers, seen and
 * made to fail through the test seam of the static test build
 * (pmv__fail_write_back, src/pmem/pmem_seam.h): the seam logs every
 * write-back of a coalesced range, and reports the n-th one failed when
 * asked to.
 *
 * Failures: an operation whose write-back failed ends with VDM_ERROR_IO
 * and a NULL output pointer (its bytes were stored); every later operation
 * of the same mover that needs a write-back ends so too, whichever way it
 * comes (vdm futures, the operation table as libpmem2 drives it,
 * libpmem2's pmem2_memcpy_async()); bad input still gets its own result;
 * another mover works.  Futures waited for together whose group failed
 * all end with VDM_ERROR_IO, also those whose own range was written back.
 * An operation whose group was written back before the failure keeps its
 * success.
 *
 * Sharing: 64 futures of 4 KiB on consecutive pages waited for together
 * cost one write-back of 256 KiB; waited for one at a time, 64
 * write-backs of 4 KiB.  On a libpmem2 map, ranges at most 64 KiB apart
 * share a write-back over the gaps; farther apart, they do not.  Both hold
 * with workers too: operations that short are stored on the polling
 * thread, which joins them to the group the workers share.
 *
 * Ranges pmem_is_pmem() says are persistent memory are never written
 * back (ctest runs the test again with PMEM_IS_PMEM_FORCE=1 for that).
 *
 * Runs for vdm_pmem_new() on a file mapped with pmem_map_file() and for
 * vdm_pmem2_new() on a PAGE map (test_pmem2_file.h), each without threads
 * and with two workers.  A kind of mover whose file does not need
 * write-backs (pmem_is_pmem() says persistent memory; a map that is not
 * PAGE granular) skips; where neither can map a file the test skips (77).
 */

#include "test_pmem2_file.h"

#include <libminiasync-pmem.h>
#include "pmem_seam.h"

#include <inttypes.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_helpers.h"
#include "test_libpmem_file.h"

#define FILE_SIZE (4 * MIB)
/* the futures of the sharing tests, 4 KiB each */
#define SHARED_FUTURES 64
/* the futures of the group failure tests */
#define TOGETHER 8
/* pages between ranges that do not share a write-back (over 64 KiB) */
#define APART 20
/* more write-backs than a test logs */
#define MAX_WRITE_BACKS 256

/* the kind of mover under test */
enum kind {
	KIND_LIBPMEM,	/* vdm_pmem_new(), pmem_map_file() */
	KIND_PMEM2,	/* vdm_pmem2_new(), a PAGE map */
};

struct mode {
	const char *name;
	enum kind kind;
	unsigned nthreads;
};

static struct mode libpmem_inline = { "libpmem, no threads", KIND_LIBPMEM,
	0 };
static struct mode libpmem_pool = { "libpmem, 2 threads", KIND_LIBPMEM, 2 };
static struct mode pmem2_inline = { "pmem2, no threads", KIND_PMEM2, 0 };
static struct mode pmem2_pool = { "pmem2, 2 threads", KIND_PMEM2, 2 };

struct fixture {
	const struct mode *mode;
	size_t page;
	char *addr;		/* FILE_SIZE bytes the mover writes */
	char *libpmem_addr;	/* KIND_LIBPMEM: the pmem_map_file() map */
	struct test_file file;	/* KIND_PMEM2: the maps */
	struct test_mover m;
	unsigned char *src;	/* FILE_SIZE bytes to copy from */
};

/* one write-back, as the seam saw it */
struct write_back {
	uintptr_t addr;
	size_t len;
};

/* the seam's calls, and its log (under the calls' lock) */
static struct test_calls seam_calls = TEST_CALLS_INITIALIZER;
static struct write_back write_backs[MAX_WRITE_BACKS];

/*
 * seam_log -- logs the nth write-back since seam_reset(), of the range
 * arg (a struct write_back)
 */
static void
seam_log(unsigned nth, void *arg)
{
	if (nth <= MAX_WRITE_BACKS)
		write_backs[nth - 1] = *(struct write_back *)arg;
}

/*
 * seam_write_back -- pmv__fail_write_back: logs the write-back, and
 * reports it failed if it is the one seam_reset() named
 */
static int
seam_write_back(const void *addr, size_t len)
{
	struct write_back wb = { (uintptr_t)addr, len };

	return test_calls_add(&seam_calls, seam_log, &wb);
}

/*
 * seam_reset -- empties the log; the nth write-back from now will be
 * reported failed (0: none)
 */
static void
seam_reset(unsigned nth)
{
	test_calls_reset(&seam_calls, nth);
}

/*
 * seam_count -- the write-backs since seam_reset()
 */
static unsigned
seam_count(void)
{
	return test_calls_count(&seam_calls);
}

/*
 * seam_get -- the i-th write-back since seam_reset()
 */
static struct write_back
seam_get(unsigned i)
{
	pthread_mutex_lock(&seam_calls.lock);
	assert_true(i < seam_calls.count && i < MAX_WRITE_BACKS);
	struct write_back wb = write_backs[i];
	pthread_mutex_unlock(&seam_calls.lock);
	return wb;
}

/* whether each kind writes back, as main() found out */
static int libpmem_usable;
static int pmem2_usable;

/*
 * mover_new -- a fresh mover of the fixture's kind and mode
 */
static struct vdm *
mover_new(const struct fixture *f)
{
	if (f->mode->kind == KIND_LIBPMEM)
		return vdm_pmem_new(f->mode->nthreads);
	return vdm_pmem2_new(f->file.target, f->mode->nthreads);
}

/*
 * close_maps -- unmaps what open_maps() mapped
 */
static void
close_maps(struct fixture *f)
{
	if (f->libpmem_addr != NULL)
		(void) pmem_unmap(f->libpmem_addr, FILE_SIZE);
	f->libpmem_addr = NULL;
	if (f->mode->kind == KIND_PMEM2)
		test_file_close(&f->file);
}

/*
 * open_maps -- maps a fresh file as the fixture's kind wants; 0, or -1
 */
static int
open_maps(struct fixture *f)
{
	int is_pmem = 0;

	if (f->mode->kind == KIND_LIBPMEM) {
		f->libpmem_addr = test_libpmem_map(FILE_SIZE, &is_pmem);
		f->addr = f->libpmem_addr;
		return f->addr == NULL ? -1 : 0;
	}
	if (test_file_open(&f->file, FILE_SIZE) != 0)
		return -1;
	f->addr = f->file.addr;
	return 0;
}

/*
 * setup -- maps a fresh file, makes the mover of the mode in the prestate;
 * the seam logs, fails nothing
 */
static int
setup(void **state)
{
	const struct mode *mode = *state;
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mode = mode;
	f->page = (size_t)sysconf(_SC_PAGESIZE);
	f->file.fd = -1;
	if (open_maps(f) != 0) {
		free(f);
		return -1;
	}
	f->src = malloc(FILE_SIZE);
	if (f->src == NULL ||
			test_mover_init(&f->m, mover_new(f), "mover") != 0) {
		free(f->src);
		close_maps(f);
		free(f);
		return -1;
	}
	test_fill(f->src, FILE_SIZE, 77);
	seam_reset(0);
	*state = f;
	return 0;
}

/*
 * teardown -- frees what setup() made
 */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	seam_reset(0);
	pmv__kernel_store_disabled = 0;
	test_mover_fini(&f->m);
	close_maps(f);
	free(f->src);
	free(f);
	return 0;
}

/*
 * usable -- skips the test unless the fixture's kind of mover writes back
 */
static void
usable(const struct fixture *f)
{
	int ok = f->mode->kind == KIND_LIBPMEM ? libpmem_usable :
		pmem2_usable;

	if (!ok) {
		print_message("%s: the file needs no write-back: skipped\n",
			f->mode->name);
		skip();
	}
}

/*
 * check_bytes -- [p, p + n) holds what expect holds
 */
static void
check_bytes(const void *p, const void *expect, size_t n)
{
	test_expect_bytes(p, expect, n, "the destination");
}

/*
 * check_byte -- [p, p + n) holds c in every byte
 */
static void
check_byte(const char *p, int c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)p[i] != (unsigned char)c)
			fail_msg("byte %zu is 0x%02x, not 0x%02x", i,
				(unsigned char)p[i], (unsigned char)c);
	}
}

/*
 * test_fail_sticky -- a failed write-back fails its operation with
 * VDM_ERROR_IO and a NULL pointer, and every later one of the mover that
 * writes back; bad input keeps its own result; another mover works
 */
static void
test_fail_sticky(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	char *a = f->addr + pg + 5;
	size_t n = 2 * pg;

	usable(f);

	/* the control: no failure, and the mover does write back */
	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, a, f->src, n, 0);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.dest, a);
	assert_true(seam_count() >= 1);

	/* the next write-back fails: stored, not durable */
	seam_reset(1);
	cpy = test_wait_memcpy(&f->m, a, f->src + 1, n, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	assert_null(cpy.dest);
	assert_true(seam_count() >= 1);
	check_bytes(a, f->src + 1, n);

	/* no write-back fails any more, but the mover's operations do */
	seam_reset(0);
	char *b = f->addr + 10 * pg + 1;
	cpy = test_wait_memcpy(&f->m, b, f->src + 2, n, VDM_F_MEM_DURABLE);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	assert_null(cpy.dest);
	check_bytes(b, f->src + 2, n);

	struct vdm_memmove_output mov = test_wait_memmove(&f->m, b + 100, b, n,
		0);
	assert_int_equal(mov.result, VDM_ERROR_IO);
	assert_null(mov.dest);
	check_bytes(b + 100, f->src + 2, n);

	struct vdm_memset_output set = test_wait_memset(&f->m, b, 0x3d, 10, 0);
	assert_int_equal(set.result, VDM_ERROR_IO);
	assert_null(set.str);
	check_byte(b, 0x3d, 10);

	struct vdm_flush_output flu = test_wait_flush(&f->m, b, n, 0);
	assert_int_equal(flu.result, VDM_ERROR_IO);

	/* a large one, cut into pieces when there are workers */
	char *c = f->addr + MIB;
	cpy = test_wait_memcpy(&f->m, c, f->src, 2 * MIB, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	check_bytes(c, f->src, 2 * MIB);

	/* what never reaches a write-back keeps its own result */
	cpy = test_wait_memcpy(&f->m, b, f->src, 10, 1U << 7);
	assert_int_equal(cpy.result, VDM_ERROR_INVALID_FLAGS);
	cpy = test_wait_memcpy(&f->m, b, f->src, 0, 0);
	assert_int_equal(cpy.result, VDM_SUCCESS);

	/* another mover, while the failed one lives: it works */
	struct test_mover fresh = { mover_new(f), f->m.rt };
	assert_non_null(fresh.vdm);
	seam_reset(0);
	cpy = test_wait_memcpy(&fresh, b, f->src + 3, n, 0);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.dest, b);
	assert_true(seam_count() >= 1);
	check_bytes(b, f->src + 3, n);

	/* and the failed one still fails */
	cpy = test_wait_memcpy(&f->m, b, f->src + 4, n, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	vdm_delete(fresh.vdm);
}

/*
 * test_fail_table -- the same through the operation table, as libpmem2
 * drives it: the failed operation, then the later ones (through the table
 * and as vdm futures) fail; another mover works
 */
static void
test_fail_table(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	char *a = f->addr + 3 * pg + 1;
	size_t n = 5000;

	usable(f);

	struct vdm_operation_output out = test_table_memcpy(f->m.vdm, a, f->src,
		n, VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_SUCCESS);
	assert_ptr_equal(out.output.memcpy.dest, a);

	seam_reset(1);
	out = test_table_memcpy(f->m.vdm, a, f->src + 1, n, VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_ERROR_IO);
	assert_true(seam_count() >= 1);
	check_bytes(a, f->src + 1, n);

	seam_reset(0);
	out = test_table_memcpy(f->m.vdm, a + 3 * pg, f->src + 2, n,
		VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_ERROR_IO);
	check_bytes(a + 3 * pg, f->src + 2, n);
	/* large, cut into pieces when there are workers */
	out = test_table_memcpy(f->m.vdm, f->addr + MIB, f->src, 2 * MIB,
		VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_ERROR_IO);
	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, a, f->src, n, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	assert_null(cpy.dest);

	struct test_mover fresh = { mover_new(f), f->m.rt };
	assert_non_null(fresh.vdm);
	out = test_table_memcpy(fresh.vdm, a, f->src + 5, n, VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_SUCCESS);
	assert_ptr_equal(out.output.memcpy.dest, a);
	check_bytes(a, f->src + 5, n);
	vdm_delete(fresh.vdm);

	/* a failure through a vdm future is sticky for the table too */
	fresh.vdm = mover_new(f);
	assert_non_null(fresh.vdm);
	seam_reset(1);
	cpy = test_wait_memcpy(&fresh, a, f->src, n, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	seam_reset(0);
	out = test_table_memcpy(fresh.vdm, a, f->src, n, VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_ERROR_IO);
	vdm_delete(fresh.vdm);
}

/*
 * pmem2_run -- pmem2_memcpy_async() on map, waited for; the result the
 * mover reported for the operation inside libpmem2's future
 */
static enum vdm_operation_result
pmem2_run(struct fixture *f, struct pmem2_map *map, void *dest, void *src,
	size_t n)
{
	struct pmem2_future fut = pmem2_memcpy_async(map, dest, src, n, 0);

	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fut));
	assert_int_equal(FUTURE_STATE(&fut), FUTURE_STATE_COMPLETE);
	return fut.data.op.fut.output.result;
}

/*
 * test_fail_pmem2_async -- through libpmem2's pmem2_memcpy_async() on a
 * map whose mover is the one under test (the after map of
 * test_pmem2_file.h): the failed operation and the later ones end with
 * VDM_ERROR_IO; another mover works
 */
static void
test_fail_pmem2_async(void **state)
{
	struct fixture *f = *state;
	char *a = f->addr + 7 * f->page + 3;
	size_t n = 6000;

	assert_int_equal(f->mode->kind, KIND_PMEM2);
	usable(f);

	assert_int_equal(test_file_attach(&f->file, f->m.vdm), 0);
	assert_int_equal(pmem2_run(f, f->file.after, a, f->src, n),
		VDM_SUCCESS);
	assert_true(seam_count() >= 1);
	check_bytes(a, f->src, n);

	seam_reset(1);
	assert_int_equal(pmem2_run(f, f->file.after, a, f->src + 1, n),
		VDM_ERROR_IO);
	check_bytes(a, f->src + 1, n);
	seam_reset(0);
	assert_int_equal(pmem2_run(f, f->file.after, a + 5000, f->src + 2,
		n), VDM_ERROR_IO);
	check_bytes(a + 5000, f->src + 2, n);
	assert_int_equal(test_file_detach(&f->file), 0);

	struct test_mover fresh = { mover_new(f), f->m.rt };
	assert_non_null(fresh.vdm);
	assert_int_equal(test_file_attach(&f->file, fresh.vdm), 0);
	assert_int_equal(pmem2_run(f, f->file.after, a, f->src + 3, n),
		VDM_SUCCESS);
	check_bytes(a, f->src + 3, n);
	assert_int_equal(test_file_detach(&f->file), 0);
	vdm_delete(fresh.vdm);
}

/*
 * test_fail_earlier_kept -- without threads: an operation whose group was
 * written back before a later group failed keeps its success, though its
 * future is polled to completion only after the failure; the operations
 * after the failure fail
 */
static void
test_fail_earlier_kept(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	char *a = f->addr + pg;
	char *b = f->addr + (1 + APART) * pg;
	char *c = f->addr + (1 + 2 * APART) * pg;

	assert_int_equal(f->mode->nthreads, 0);
	usable(f);

	/* the first polls store a and b: both join the open group */
	struct vdm_memcpy_future fa = vdm_memcpy(f->m.vdm, a, f->src, pg, 0);
	struct vdm_memcpy_future fb = vdm_memcpy(f->m.vdm, b, f->src + 1, pg,
		0);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fa), NULL),
		FUTURE_STATE_RUNNING);
	assert_int_equal(future_poll(FUTURE_AS_RUNNABLE(&fb), NULL),
		FUTURE_STATE_RUNNING);
	/* b's next poll writes the group back: a's range and b's */
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fb));
	assert_int_equal(FUTURE_OUTPUT(&fb)->result, VDM_SUCCESS);
	assert_int_equal(seam_count(), 2);

	/* a later group fails */
	seam_reset(1);
	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, c, f->src + 2,
		pg, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
	assert_int_equal(seam_count(), 1);

	/* a was durable before: its future completes with success, and
	 * nothing more is written back for it */
	runtime_wait(f->m.rt, FUTURE_AS_RUNNABLE(&fa));
	assert_int_equal(FUTURE_OUTPUT(&fa)->result, VDM_SUCCESS);
	assert_ptr_equal(FUTURE_OUTPUT(&fa)->dest, a);
	assert_int_equal(seam_count(), 1);
	check_bytes(a, f->src, pg);

	/* what comes after the failure fails */
	seam_reset(0);
	cpy = test_wait_memcpy(&f->m, a, f->src + 3, pg, 0);
	assert_int_equal(cpy.result, VDM_ERROR_IO);
}

/*
 * wait_together -- TOGETHER memcpys of a page and a bit, each to a range
 * of its own, APART pages apart (no two share a write-back), waited for
 * together; checks their bytes and returns how many ended with result
 */
static unsigned
wait_together(struct fixture *f, struct vdm *vdm, unsigned seed,
	enum vdm_operation_result result)
{
	struct vdm_memcpy_future futs[TOGETHER];
	struct future *runnable[TOGETHER];
	size_t pg = f->page;
	size_t n = pg + 100;
	unsigned count = 0;

	for (unsigned i = 0; i < TOGETHER; i++) {
		futs[i] = vdm_memcpy(vdm, f->addr + APART * i * pg + 1,
			f->src + seed + i, n, 0);
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i]);
	}
	runtime_wait_multiple(f->m.rt, runnable, TOGETHER);
	for (unsigned i = 0; i < TOGETHER; i++) {
		assert_int_equal(FUTURE_STATE(&futs[i]),
			FUTURE_STATE_COMPLETE);
		check_bytes(f->addr + APART * i * pg + 1, f->src + seed + i,
			n);
		if (FUTURE_OUTPUT(&futs[i])->result == result) {
			count++;
			if (result != VDM_SUCCESS)
				assert_null(FUTURE_OUTPUT(&futs[i])->dest);
		}
	}
	return count;
}

/*
 * test_fail_together -- futures waited for together whose group's
 * write-back failed all end with VDM_ERROR_IO.  Without threads they form
 * one group of TOGETHER ranges that do not touch, written back one by
 * one, and the third write-back fails: those written back before and after
 * it fail too.  With workers, which operations share a group is up to
 * the workers, so the first write-back fails: every operation is in that
 * group or a later one.
 */
static void
test_fail_together(void **state)
{
	struct fixture *f = *state;
	int inline_mover = f->mode->nthreads == 0;

	usable(f);

	/* the control: all succeed; without threads, one group of
	 * TOGETHER write-backs */
	assert_int_equal(wait_together(f, f->m.vdm, 0, VDM_SUCCESS), TOGETHER);
	if (inline_mover)
		assert_int_equal(seam_count(), TOGETHER);

	struct vdm *vdm = mover_new(f);
	assert_non_null(vdm);
	seam_reset(inline_mover ? 3 : 1);
	assert_int_equal(wait_together(f, vdm, 10, VDM_ERROR_IO), TOGETHER);
	if (inline_mover)
		assert_int_equal(seam_count(), TOGETHER);
	else
		assert_true(seam_count() >= 1);
	vdm_delete(vdm);
}

/*
 * test_pmem_ranges -- ranges pmem_is_pmem() says are persistent memory
 * are drained, never written back: a failing write-back does not touch
 * them (run with PMEM_IS_PMEM_FORCE=1; skips where the file is not
 * persistent memory)
 */
static void
test_pmem_ranges(void **state)
{
	struct fixture *f = *state;
	size_t pg = f->page;
	char *a = f->addr + pg + 3;
	size_t n = 3 * pg;

	assert_int_equal(f->mode->kind, KIND_LIBPMEM);
	if (!pmem_is_pmem(f->addr, FILE_SIZE)) {
		print_message("the file is not persistent memory: skipped\n");
		skip();
	}

	seam_reset(1);
	struct vdm_memcpy_output cpy = test_wait_memcpy(&f->m, a, f->src, n,
		VDM_F_NO_CACHE_HINT);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	assert_ptr_equal(cpy.dest, a);
	check_bytes(a, f->src, n);

	struct vdm_memmove_output mov = test_wait_memmove(&f->m, a + 10, a, n,
		0);
	assert_int_equal(mov.result, VDM_SUCCESS);
	assert_ptr_equal(mov.dest, a + 10);
	check_bytes(a + 10, f->src, n);

	struct vdm_memset_output set = test_wait_memset(&f->m, a, 0x21, n, 0);
	assert_int_equal(set.result, VDM_SUCCESS);
	assert_ptr_equal(set.str, a);
	check_byte(a, 0x21, n);

	struct vdm_flush_output flu = test_wait_flush(&f->m, a, n, 0);
	assert_int_equal(flu.result, VDM_SUCCESS);

	struct vdm_operation_output out = test_table_memcpy(f->m.vdm, a,
		f->src + 1, n, VDM_F_MEM_DURABLE);
	assert_int_equal(out.result, VDM_SUCCESS);
	check_bytes(a, f->src + 1, n);

	/* large, cut into pieces when there are workers */
	cpy = test_wait_memcpy(&f->m, f->addr + MIB, f->src, 2 * MIB, 0);
	assert_int_equal(cpy.result, VDM_SUCCESS);
	check_bytes(f->addr + MIB, f->src, 2 * MIB);

	assert_int_equal(wait_together(f, f->m.vdm, 5, VDM_SUCCESS), TOGETHER);
	assert_int_equal(seam_count(), 0);
}

/*
 * shared_futures -- n (at most SHARED_FUTURES) memcpys of 4 KiB to base,
 * base + stride, ..., waited for together or one at a time; all succeed
 */
static void
shared_futures(struct fixture *f, char *base, unsigned n, size_t stride,
	int together, unsigned seed)
{
	struct vdm_memcpy_future futs[SHARED_FUTURES];
	struct future *runnable[SHARED_FUTURES];

	assert_true(n <= SHARED_FUTURES);
	for (unsigned i = 0; i < n; i++) {
		futs[i] = vdm_memcpy(f->m.vdm, base + i * stride,
			f->src + seed + i, 4 * KIB, 0);
		runnable[i] = FUTURE_AS_RUNNABLE(&futs[i]);
		if (!together)
			runtime_wait(f->m.rt, runnable[i]);
	}
	if (together)
		runtime_wait_multiple(f->m.rt, runnable, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(FUTURE_OUTPUT(&futs[i])->result,
			VDM_SUCCESS);
		assert_ptr_equal(FUTURE_OUTPUT(&futs[i])->dest,
			base + i * stride);
		check_bytes(base + i * stride, f->src + seed + i, 4 * KIB);
	}
}

/*
 * test_group_shared -- SHARED_FUTURES futures of 4 KiB on consecutive
 * pages waited for together cost one write-back of them all; one at a
 * time, one write-back each (the control that the count can fail).  With
 * or without workers: the pool's polling thread stores operations that
 * short and joins them to the group.
 */
static void
test_group_shared(void **state)
{
	struct fixture *f = *state;
	char *base = f->addr + 16 * f->page;

	usable(f);
	assert_true(f->page == 4 * KIB);

	seam_reset(0);
	shared_futures(f, base, SHARED_FUTURES, 4 * KIB, 1, 0);
	assert_int_equal(seam_count(), 1);
	struct write_back wb = seam_get(0);
	assert_ptr_equal((void *)wb.addr, base);
	assert_int_equal(wb.len, SHARED_FUTURES * 4 * KIB);

	seam_reset(0);
	shared_futures(f, base, SHARED_FUTURES, 4 * KIB, 0, 1);
	assert_int_equal(seam_count(), SHARED_FUTURES);
	for (unsigned i = 0; i < SHARED_FUTURES; i++) {
		wb = seam_get(i);
		assert_ptr_equal((void *)wb.addr, base + i * 4 * KIB);
		assert_int_equal(wb.len, 4 * KIB);
	}
}

/*
 * gaps_case -- n futures of 4 KiB, stride apart from base, waited for
 * together: one write-back of them all (and the gaps) if merged, else one
 * write-back each
 */
static void
gaps_case(struct fixture *f, char *base, unsigned n, size_t stride,
	int merged, unsigned seed)
{
	seam_reset(0);
	shared_futures(f, base, n, stride, 1, seed);
	assert_int_equal(seam_count(), merged ? 1 : n);
	for (unsigned i = 0; i < (merged ? 1U : n); i++) {
		struct write_back wb = seam_get(i);
		assert_ptr_equal((void *)wb.addr, base + i * stride);
		assert_int_equal(wb.len, merged ? (n - 1) * stride + 4 * KIB :
			4 * KIB);
	}
}

/*
 * test_group_gaps -- with or without workers, ranges of a group of a
 * libpmem2 map
 * at most 64 KiB apart share one write-back, which covers the gaps
 * between them: 8 futures on every other page cost one write-back of 15
 * pages; two 64 KiB apart, one of 72 KiB; two 68 KiB apart, two.  The
 * mover for libpmem, whose ranges may lie anywhere, merges none of them.
 */
static void
test_group_gaps(void **state)
{
	struct fixture *f = *state;
	char *base = f->addr + 16 * f->page;
	int pmem2 = f->mode->kind == KIND_PMEM2;

	usable(f);
	assert_true(f->page == 4 * KIB);

	gaps_case(f, base, 8, 8 * KIB, pmem2, 2);
	gaps_case(f, base, 2, 68 * KIB, pmem2, 3);
	gaps_case(f, base, 2, 72 * KIB, 0, 4);
}

/*
 * fault_counter -- a counter of this thread's page faults (trapped ones:
 * the kernel does not count the pages madvise() makes writable); -1 if
 * the kernel will not count them here
 */
static int
fault_counter(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_PAGE_FAULTS;
	attr.disabled = 1;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

/*
 * faults_during -- the page faults this thread took while copying n bytes
 * to dest, with the mover m or, if m is NULL, with memcpy
 */
static uint64_t
faults_during(struct fixture *f, int fd, const struct test_mover *m, char *dest,
	size_t n, unsigned seed) {
	uint64_t count;

	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_RESET, 0), 0);
	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	if (m != NULL)
		assert_int_equal(test_wait_memcpy(m, dest, f->src + seed, n,
			0).result, VDM_SUCCESS);
	else
		memcpy(dest, f->src + seed, n);
	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	assert_int_equal(read(fd, &count, sizeof(count)),
		(ssize_t)sizeof(count));
	check_bytes(dest, f->src + seed, n);
	return count;
}

/*
 * test_no_write_faults -- without threads, a copy to pages written back
 * before, and so write-protected, takes no write fault per page: the mover
 * makes them writable first.  The control: memcpy to the same pages, once
 * written back again, takes a fault for each (so the count can fail).
 */
static void
test_no_write_faults(void **state)
{
	struct fixture *f = *state;
	const unsigned pages = 32;
	size_t n = pages * f->page;
	char *dest = f->addr + 128 * f->page;

	assert_int_equal(f->mode->nthreads, 0);
	usable(f);
	if (TEST_UNDER_VALGRIND()) {
		/* the tool's own memory takes faults in this thread too */
		print_message("under valgrind the count means nothing: "
			"skipped\n");
		skip();
	}

	int fd = fault_counter();
	if (fd < 0) {
		print_message("cannot count page faults (%s): skipped\n",
			strerror(errno));
		skip();
	}

	/* in the page cache, then written back: clean and write-protected */
	assert_int_equal(test_wait_memcpy(&f->m, dest, f->src, n, 0).result,
		VDM_SUCCESS);

	uint64_t mover = faults_during(f, fd, &f->m, dest, n, 5);
	uint64_t plain = faults_during(f, fd, NULL, dest, n, 6);
	/* written back, as the mover's next copy would find them */
	assert_int_equal(msync(dest, n, MS_SYNC), 0);
	uint64_t again = faults_during(f, fd, &f->m, dest, n, 7);
	(void) close(fd);

	print_message("%s: page faults copying %u written-back pages: mover "
		"%" PRIu64 " and %" PRIu64 ", memcpy %" PRIu64 "\n",
		f->mode->name, pages, mover, again, plain);
	assert_true(plain >= pages);
	assert_true(mover <= pages / 4);
	assert_true(again <= pages / 4);
}

/*
 * test_no_write_faults_user -- the same where the mover stores itself, as
 * where the kernel refuses to copy for it (a libpmem2 map's copies are
 * otherwise made by the kernel, which takes no fault at all): the pages
 * made writable in one call spare it the faults
 */
static void
test_no_write_faults_user(void **state)
{
	pmv__kernel_store_disabled = 1;
	test_no_write_faults(state);
}

/*
 * TESTS -- the tests of every mode with the mover of mode _mode
 */
#define TESTS(_mode)\
	TEST_PRESTATE(test_fail_sticky, _mode),\
	TEST_PRESTATE(test_fail_table, _mode),\
	TEST_PRESTATE(test_fail_together, _mode)

/*
 * main -- finds out which kinds of mover write back here, installs the
 * seam, runs the tests of each kind without threads and with two
 */
int
main(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int is_pmem = 0;
	char *p = test_libpmem_map(4 * page, &is_pmem);
	struct test_file file;
	int libpmem_maps = p != NULL;
	int pmem2_maps = test_file_open(&file, 4 * page) == 0;

	if (libpmem_maps) {
		libpmem_usable = !is_pmem;
		(void) pmem_unmap(p, 4 * page);
	}
	if (pmem2_maps) {
		pmem2_usable = file.gran == PMEM2_GRANULARITY_PAGE;
		test_file_close(&file);
	}
	fprintf(stderr, "write-backs: libpmem %s, pmem2 %s\n",
		libpmem_usable ? "yes" : "no", pmem2_usable ? "yes" : "no");
	if (!libpmem_maps && !pmem2_maps) {
		fprintf(stderr, "no file to map in /var/tmp: skipped\n");
		return 77;
	}

	pmv__fail_write_back = seam_write_back;

	/* the sharing of short operations is deterministic with or without
	 * threads, that of failures without threads only; libpmem2's
	 * functions need a libpmem2 map */
	const struct CMUnitTest libpmem_inline_tests[] = {
		TESTS(libpmem_inline),
		TEST_PRESTATE(test_fail_earlier_kept, libpmem_inline),
		TEST_PRESTATE(test_group_shared, libpmem_inline),
		TEST_PRESTATE(test_group_gaps, libpmem_inline),
		TEST_PRESTATE(test_no_write_faults, libpmem_inline),
		TEST_PRESTATE(test_pmem_ranges, libpmem_inline),
	};
	const struct CMUnitTest libpmem_pool_tests[] = {
		TESTS(libpmem_pool),
		TEST_PRESTATE(test_group_shared, libpmem_pool),
		TEST_PRESTATE(test_group_gaps, libpmem_pool),
		TEST_PRESTATE(test_pmem_ranges, libpmem_pool),
	};
	const struct CMUnitTest pmem2_inline_tests[] = {
		TESTS(pmem2_inline),
		TEST_PRESTATE(test_fail_earlier_kept, pmem2_inline),
		TEST_PRESTATE(test_fail_pmem2_async, pmem2_inline),
		TEST_PRESTATE(test_group_shared, pmem2_inline),
		TEST_PRESTATE(test_group_gaps, pmem2_inline),
		TEST_PRESTATE(test_no_write_faults, pmem2_inline),
		TEST_PRESTATE(test_no_write_faults_user, pmem2_inline),
	};
	const struct CMUnitTest pmem2_pool_tests[] = {
		TESTS(pmem2_pool),
		TEST_PRESTATE(test_fail_pmem2_async, pmem2_pool),
		TEST_PRESTATE(test_group_shared, pmem2_pool),
		TEST_PRESTATE(test_group_gaps, pmem2_pool),
	};

	int failed = 0;
	if (libpmem_maps) {
		failed += cmocka_run_group_tests_name(
			"vdm_pmem_new, no threads", libpmem_inline_tests,
			NULL, NULL);
		failed += cmocka_run_group_tests_name(
			"vdm_pmem_new, 2 threads", libpmem_pool_tests,
			NULL, NULL);
	}
	if (pmem2_maps) {
		failed += cmocka_run_group_tests_name(
			"vdm_pmem2_new, no threads", pmem2_inline_tests,
			NULL, NULL);
		failed += cmocka_run_group_tests_name(
			"vdm_pmem2_new, 2 threads", pmem2_pool_tests,
			NULL, NULL);
	}

	pmv__fail_write_back = NULL;
	return failed;
}
