/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_pmem_kernel_copy.c -- when the pmem mover has the kernel copy into
 * a PAGE map (process_vm_writev(), pmv__kernel_store) and when it stores
 * itself, seen through the seams of its static test build
 * (pmv__kernel_store_seam counts the pieces the kernel stored,
 * pmv__kernel_writev replaces the call):
 *	- a process with a seccomp filter that kills it for the call: a mover
 *	  made there never makes it, and the copy succeeds (the control: the
 *	  same filter kills a process that makes the call); the same for a
 *	  filter on one thread only, which copies on a mover made before,
 *	  and for a filter in a child forked after its parent had the
 *	  kernel copy, on the parent's mover;
 *	- a filter that refuses the call, installed after the mover was made:
 *	  the copy succeeds, stored by the mover (the control: the same
 *	  mover's copy before the filter went through the kernel);
 *	- a call that fails, or copies fewer bytes than asked: the mover
 *	  stores them all itself; one refused (EPERM) is not made again;
 *	- a mapping marked VM_HUGEPAGE, as DAX mappings are, or
 *	  VM_NOHUGEPAGE: no kernel copy for a mover made then; a neighbour so
 *	  marked, or the map's mapping split in two, change nothing;
 *	- MINIASYNC_PMEM_KERNEL_COPY=0: the mover stores itself.
 * Each filter and each refusal is tried in a child process, which reports
 * through its exit status.  Every copy's bytes are checked.  Needs a PAGE
 * map (a file on a disk file system, as /var/tmp is here); the filters are
 * written for x86-64.
 */

#include "test_pmem2_mover.h"

#include "pmem_seam.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#define TEST_SECCOMP 1
#else
#define TEST_SECCOMP 0
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define TARGET_SIZE ((size_t)1 << 20)

/* exit statuses of a child: what went wrong */
enum child_status {
	CHILD_OK = 0,
	CHILD_NO_FILTER = 10,	/* the filter could not be installed */
	CHILD_SETUP = 11,	/* no map, no mover */
	CHILD_COPY = 12,	/* the copy failed or its bytes are wrong */
	CHILD_PATH = 13,	/* the kernel stored when it must not, or not
				 * when it should have */
};

/* pieces the kernel stored for the mover since the count was reset */
static unsigned long kernel_pieces;

/*
 * count_kernel_store -- the seam: counts the pieces the kernel stored
 */
static void
count_kernel_store(const struct vdm_operation *op, size_t off, size_t len)
{
	(void) op;
	(void) off;
	(void) len;
	__atomic_fetch_add(&kernel_pieces, 1, __ATOMIC_RELAXED);
}

/* calls of the replaced process_vm_writev() */
static unsigned long writev_calls;

/*
 * refuse_writev -- the call as a seccomp filter that refuses it answers
 */
static ssize_t
refuse_writev(pid_t pid, const struct iovec *local, unsigned long nlocal,
	const struct iovec *remote, unsigned long nremote, unsigned long flags)
{
	(void) pid;
	(void) local;
	(void) nlocal;
	(void) remote;
	(void) nremote;
	(void) flags;
	writev_calls++;
	errno = EPERM;
	return -1;
}

/*
 * short_writev -- the call, copying half of what it is asked to (the
 * first half of the first iovec of each side), as a fault midway would
 */
static ssize_t
short_writev(pid_t pid, const struct iovec *local, unsigned long nlocal,
	const struct iovec *remote, unsigned long nremote, unsigned long flags)
{
	(void) nlocal;
	(void) nremote;
	writev_calls++;
	size_t half = (local[0].iov_len < remote[0].iov_len ?
		local[0].iov_len : remote[0].iov_len) / 2;
	struct iovec l = { local[0].iov_base, half };
	struct iovec r = { remote[0].iov_base, half };
	return process_vm_writev(pid, &l, 1, &r, 1, flags);
}

/* a mover without threads on a fresh map, and a runtime to wait with */
struct mover {
	struct test_file file;
	struct test_mover t;
};

/*
 * mover_open -- maps a file and makes its mover, without threads, and a
 * runtime: 0, or -1
 */
static int
mover_open(struct mover *m)
{
	return test_pmem2_mover_open(&m->file, &m->t, TARGET_SIZE, 0);
}

/*
 * mover_close -- frees what mover_open() made (in a child too: it checks
 * nothing)
 */
static void
mover_close(struct mover *m)
{
	(void) test_pmem2_mover_close(&m->file, &m->t);
}

/*
 * copy_checked -- a durable copy of 3 pages and a bit into the map: 0 if
 * it succeeded with the right bytes
 */
static int
copy_checked(struct mover *m, unsigned seed)
{
	struct test_file *file = &m->file;
	size_t n = 3 * file->page + 77;
	char *dest = file->addr + file->page + 5;
	char *src = malloc(n);

	if (src == NULL)
		return -1;
	test_fill(src, n, seed);

	struct vdm_memcpy_future fut = vdm_memcpy(m->t.vdm, dest, src, n, 0);
	runtime_wait(m->t.rt, FUTURE_AS_RUNNABLE(&fut));
	int ret = FUTURE_OUTPUT(&fut)->result == VDM_SUCCESS &&
		test_first_diff(dest, src, n) == n ? 0 : -1;
	free(src);
	return ret;
}

/*
 * expect_copy -- a checked copy on m, made by the kernel exactly when
 * kernel says so (counted from zero)
 */
static void
expect_copy(struct mover *m, unsigned seed, int kernel)
{
	__atomic_store_n(&kernel_pieces, 0, __ATOMIC_RELAXED);
	assert_int_equal(copy_checked(m, seed), 0);
	assert_int_equal(kernel_pieces != 0, kernel);
}

#if TEST_SECCOMP
/*
 * install_filter -- a seccomp filter that answers process_vm_writev() with
 * action and lets every other call through; 0, or -1
 */
static int
install_filter(unsigned action)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_writev,
			0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = {
		.len = (unsigned short)(sizeof(prog) / sizeof(prog[0])),
		.filter = prog,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
}

/*
 * child_filter_first -- a filter that kills for the call, then a mover and
 * a copy; direct: make the call itself instead (the control)
 */
static int
child_filter_first(int direct)
{
	if (install_filter(SECCOMP_RET_KILL_PROCESS) != 0)
		return CHILD_NO_FILTER;
	if (direct) {
		char a[8] = "control", b[8];
		struct iovec local = { a, sizeof(a) };
		struct iovec remote = { b, sizeof(b) };
		(void) process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
		return CHILD_OK;
	}

	struct mover m;
	if (mover_open(&m) != 0)
		return CHILD_SETUP;

	int ret = copy_checked(&m, 3) == 0 ? CHILD_OK : CHILD_COPY;
	if (ret == CHILD_OK && kernel_pieces != 0)
		ret = CHILD_PATH;
	mover_close(&m);
	return ret;
}

/*
 * child_filter_later -- a mover and a copy, then a filter that refuses the
 * call, and another copy
 */
static int
child_filter_later(void)
{
	struct mover m;
	if (mover_open(&m) != 0)
		return CHILD_SETUP;

	int ret = CHILD_OK;
	if (copy_checked(&m, 4) != 0)
		ret = CHILD_COPY;
	else if ((kernel_pieces != 0) !=
			test_file_kernel_copy_expected(&m.file))
		ret = CHILD_PATH;
	else if (install_filter(SECCOMP_RET_ERRNO | EPERM) != 0)
		ret = CHILD_NO_FILTER;

	if (ret == CHILD_OK) {
		__atomic_store_n(&kernel_pieces, 0, __ATOMIC_RELAXED);
		if (copy_checked(&m, 5) != 0 || copy_checked(&m, 6) != 0)
			ret = CHILD_COPY;
		else if (kernel_pieces != 0)
			ret = CHILD_PATH;
	}
	mover_close(&m);
	return ret;
}

/* what a thread under its own filter found (thread_filtered) */
struct thread_copy {
	struct mover *m;
	int status;
};

/*
 * thread_filtered -- installs a filter that kills for the call on this
 * thread alone, then copies on the mover another thread made
 */
static void *
thread_filtered(void *arg)
{
	struct thread_copy *c = arg;

	if (install_filter(SECCOMP_RET_KILL_PROCESS) != 0)
		c->status = CHILD_NO_FILTER;
	else if (copy_checked(c->m, 9) != 0)
		c->status = CHILD_COPY;
	else if (kernel_pieces != 0)
		c->status = CHILD_PATH;
	else
		c->status = CHILD_OK;
	return NULL;
}

/*
 * child_thread_filter -- a mover made by a thread with no filter, a copy
 * on it by a thread with one
 */
static int
child_thread_filter(int unused)
{
	(void) unused;
	struct mover m;
	if (mover_open(&m) != 0)
		return CHILD_SETUP;

	struct thread_copy c = { &m, CHILD_SETUP };
	pthread_t t;
	if (pthread_create(&t, NULL, thread_filtered, &c) != 0 ||
			pthread_join(t, NULL) != 0)
		c.status = CHILD_SETUP;
	mover_close(&m);
	return c.status;
}

/*
 * child_refused_once -- calls refused as by a filter: the mover stores the
 * bytes itself and, after the first refusal, makes no call again
 */
static int
child_refused_once(int unused)
{
	(void) unused;
	struct mover m;
	if (mover_open(&m) != 0)
		return CHILD_SETUP;

	int expected = test_file_kernel_copy_expected(&m.file);
	pmv__kernel_writev = refuse_writev;
	int ret = CHILD_OK;
	if (copy_checked(&m, 10) != 0 || copy_checked(&m, 11) != 0)
		ret = CHILD_COPY;
	else if (kernel_pieces != 0 || writev_calls != (expected ? 1 : 0))
		ret = CHILD_PATH;
	mover_close(&m);
	return ret;
}

/* the mover child_fork_filter copies on, made by the parent */
static struct mover *forked_mover;

/*
 * child_fork_filter -- in a child forked after its parent had the kernel
 * copy: a filter that kills for the call, then a copy on the parent's
 * mover (the child asks about its filter again: pthread_atfork)
 */
static int
child_fork_filter(int unused)
{
	(void) unused;
	if (install_filter(SECCOMP_RET_KILL_PROCESS) != 0)
		return CHILD_NO_FILTER;
	if (copy_checked(forked_mover, 16) != 0)
		return CHILD_COPY;
	return kernel_pieces == 0 ? CHILD_OK : CHILD_PATH;
}

/*
 * run_child -- runs fn(arg) in a child process; its wait status
 */
static int
run_child(int (*fn)(int), int arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		kernel_pieces = 0;
		writev_calls = 0;
		_exit(fn(arg));
	}

	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/*
 * filter_later -- child_filter_later for run_child
 */
static int
filter_later(int unused)
{
	(void) unused;
	return child_filter_later();
}

/*
 * expect_exit -- the child exited with status ok
 */
static void
expect_exit(int status, const char *what)
{
	if (WIFSIGNALED(status))
		fail_msg("%s: killed by signal %d", what, WTERMSIG(status));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == CHILD_NO_FILTER) {
		print_message("%s: no seccomp filter here: skipped\n", what);
		skip();
	}
	if (WEXITSTATUS(status) != CHILD_OK)
		fail_msg("%s: child status %d", what, WEXITSTATUS(status));
}
#endif /* TEST_SECCOMP */

/*
 * skip_unless_filters -- skips where the filters cannot be tried: not
 * x86-64, or under valgrind, which runs the child's calls itself and does
 * not have the kernel copy for the mover anyway
 */
static void
skip_unless_filters(void)
{
	if (!TEST_SECCOMP) {
		print_message("the filter is written for x86-64: skipped\n");
		skip();
	}
	if (TEST_UNDER_VALGRIND()) {
		print_message("under valgrind: skipped\n");
		skip();
	}
}

/*
 * test_filter_kills -- a process whose filter kills it for the call: the
 * mover stores itself, and the process lives
 */
static void
test_filter_kills(void **state)
{
	(void) state;
	skip_unless_filters();
#if TEST_SECCOMP
	/* the control: the filter kills a process that makes the call */
	int status = run_child(child_filter_first, 1);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_FILTER) {
		print_message("no seccomp filter here: skipped\n");
		skip();
	}
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);

	expect_exit(run_child(child_filter_first, 0),
		"copy under a filter that kills");
#endif
}

/*
 * test_filter_refuses -- a filter installed after the mover was made
 * refuses the call: the mover stores itself from then on
 */
static void
test_filter_refuses(void **state)
{
	(void) state;
	skip_unless_filters();
#if TEST_SECCOMP
	expect_exit(run_child(filter_later, 0),
		"copy under a filter that refuses");
#endif
}

/*
 * test_thread_filter -- a filter on one thread only: that thread stores
 * itself, and the process lives
 */
static void
test_thread_filter(void **state)
{
	(void) state;
	skip_unless_filters();
#if TEST_SECCOMP
	expect_exit(run_child(child_thread_filter, 0),
		"copy by a thread under a filter that kills");
#endif
}

/*
 * test_fork_filter -- the parent's thread had the kernel copy (the
 * control), then its forked child installs a filter that kills for the
 * call and copies on the same mover: it stores itself, and lives
 */
static void
test_fork_filter(void **state)
{
	(void) state;
	skip_unless_filters();
#if TEST_SECCOMP
	struct mover m;
	assert_int_equal(mover_open(&m), 0);
	expect_copy(&m, 17, test_file_kernel_copy_expected(&m.file));

	forked_mover = &m;
	int status = run_child(child_fork_filter, 0);
	forked_mover = NULL;
	mover_close(&m);
	expect_exit(status, "copy in a forked child under a filter");
#endif
}

/*
 * test_refused_once -- a refused call: the mover stores itself, and does
 * not ask again
 */
static void
test_refused_once(void **state)
{
	(void) state;
	skip_unless_filters();
#if TEST_SECCOMP
	expect_exit(run_child(child_refused_once, 0), "refused calls");
#endif
}

/*
 * test_short_copy -- a call that copies fewer bytes than asked: the mover
 * stores them all itself
 */
static void
test_short_copy(void **state)
{
	(void) state;
	struct mover m;
	assert_int_equal(mover_open(&m), 0);

	pmv__kernel_writev = short_writev;
	writev_calls = 0;
	__atomic_store_n(&kernel_pieces, 0, __ATOMIC_RELAXED);
	int ok = copy_checked(&m, 12) == 0;
	pmv__kernel_writev = process_vm_writev;
	assert_true(ok);
	assert_int_equal(kernel_pieces, 0);
	assert_int_equal(writev_calls != 0,
		test_file_kernel_copy_expected(&m.file));

	/* the call is still made: only a refusal turns it off */
	expect_copy(&m, 13, test_file_kernel_copy_expected(&m.file));
	mover_close(&m);
}

/*
 * dax_like -- a mover made for a map whose mapping was then advised so,
 * and marked as DAX mappings are, stores itself; one made before the
 * advice (the control) has the kernel copy
 */
static void
dax_like(int advice, const char *name)
{
	struct mover before;
	assert_int_equal(mover_open(&before), 0);

	if (madvise(before.file.addr, before.file.size, advice) != 0) {
		print_message("madvise(%s): %s: skipped\n", name,
			strerror(errno));
		mover_close(&before);
		skip();
	}
	struct mover after = before;
	after.t.vdm = vdm_pmem2_new(before.file.target, 0);
	assert_non_null(after.t.vdm);

	expect_copy(&after, 14, 0);
	expect_copy(&before, 15,
		test_file_kernel_copy_expected(&before.file));

	vdm_delete(after.t.vdm);
	mover_close(&before);
}

/*
 * test_dax_like -- VM_HUGEPAGE ("hg"), as ext4 and xfs mark their DAX
 * mappings, and VM_NOHUGEPAGE ("nh"), which madvise() leaves in its place
 */
static void
test_dax_like(void **state)
{
	(void) state;
	dax_like(MADV_HUGEPAGE, "MADV_HUGEPAGE");
	dax_like(MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
}

/*
 * expect_kernel_copy -- a mover made now for m's map has the kernel copy
 * where the tests expect it
 */
static void
expect_kernel_copy(struct mover *m, unsigned seed)
{
	struct mover now = *m;
	now.t.vdm = vdm_pmem2_new(m->file.target, 0);
	assert_non_null(now.t.vdm);

	expect_copy(&now, seed, test_file_kernel_copy_expected(&m->file));
	vdm_delete(now.t.vdm);
}

/*
 * test_dax_rule_bounds -- only the mappings of the map count: a
 * neighbouring mapping marked VM_HUGEPAGE changes nothing, nor does a map
 * whose mapping was split in two (by an advice that marks neither)
 */
static void
test_dax_rule_bounds(void **state)
{
	(void) state;
	struct mover m;
	assert_int_equal(mover_open(&m), 0);

	/* the map before the target, in the same reservation */
	if (madvise(m.file.base, m.file.neighbour, MADV_HUGEPAGE) != 0) {
		print_message("madvise(MADV_HUGEPAGE): %s: skipped\n",
			strerror(errno));
		mover_close(&m);
		skip();
	}
	expect_kernel_copy(&m, 18);

	/* "dd" on the first half: two mappings */
	assert_int_equal(madvise(m.file.addr, m.file.size / 2,
		MADV_DONTDUMP), 0);
	expect_kernel_copy(&m, 19);
	mover_close(&m);
}

/*
 * test_env_off -- MINIASYNC_PMEM_KERNEL_COPY=0 when the mover is made:
 * it stores itself; unset, the kernel copies (the control)
 */
static void
test_env_off(void **state)
{
	(void) state;
	struct mover off, on;

	assert_int_equal(setenv("MINIASYNC_PMEM_KERNEL_COPY", "0", 1), 0);
	assert_int_equal(mover_open(&off), 0);
	assert_int_equal(unsetenv("MINIASYNC_PMEM_KERNEL_COPY"), 0);
	assert_int_equal(mover_open(&on), 0);

	expect_copy(&off, 7, 0);
	expect_copy(&on, 8, test_file_kernel_copy_expected(&on.file));

	mover_close(&on);
	mover_close(&off);
}

/*
 * main -- skips unless libpmem2 maps a file of PAGE granularity here, then
 * runs the tests (where the kernel copies for no mover, they check that
 * the mover stores itself)
 */
int
main(void)
{
	if (test_file_probe_page("only there does the kernel copy") != 0)
		return 77;

	pmv__kernel_store_seam = count_kernel_store;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_kills),
		cmocka_unit_test(test_filter_refuses),
		cmocka_unit_test(test_thread_filter),
		cmocka_unit_test(test_fork_filter),
		cmocka_unit_test(test_refused_once),
		cmocka_unit_test(test_short_copy),
		cmocka_unit_test(test_dax_like),
		cmocka_unit_test(test_dax_rule_bounds),
		cmocka_unit_test(test_env_off),
	};
	return cmocka_run_group_tests_name("kernel copies", tests, NULL,
		NULL);
}
