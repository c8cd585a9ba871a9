/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_pmemobj.c -- the family of the pmemobj mover (built with
 * libminiasync-pmemobj): durable copies into an object of a libpmemobj
 * pool, against pmemobj_memcpy_persist() into the same object.
 * pmemobj-group: 64 copies of 4 KiB waited together on a pool in the page
 * cache, whose write-backs (msync) the mover shares, on the mover without
 * threads and with 2 workers, and one-persist (64 memcpy calls into the
 * mapping, one pmemobj_persist() of them all).  pmemobj-large: 64 copies
 * of 1 MiB on 2 workers into a pool libpmem takes for persistent memory
 * (PMEM_IS_PMEM_FORCE=1), which is drained, not written back.
 *
 * Each pool is a new file of /var/tmp, its blocks allocated, made a pool
 * with pmemobj_create() and unlinked at once; the copies go to
 * consecutive ranges of one object of the pool (pmemobj_alloc()), as
 * those of the pmem figures go to consecutive ranges of a map.  One
 * untimed pass of the baseline, then one of the mover, precede the timed
 * ones.
 *
 * libpmemobj and the mover both ask libpmem's pmem_is_pmem() whether a
 * pool is persistent memory, and libpmem reads PMEM_IS_PMEM_FORCE once
 * per process, at its first pmem_is_pmem(): one figure needs a pool in
 * the page cache, the other one libpmem takes for persistent memory.  So
 * each figure is measured in a child process of its own (obj_in_child),
 * pmemobj-large's with the variable set (unless the environment set it),
 * and the process that prints the figures never asks libpmem; each
 * figure checks what libpmem says of its pool and is skipped if it is
 * not what it needs.  A process inherits what libpmem decided before the
 * fork, so this family runs before pmem-cl-group's, which sets the
 * variable and asks (see utils/CMakeLists.txt).
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libminiasync.h>
#include <libminiasync-pmemobj.h>
#include <libpmem.h>

#include "bench.h"
#include "map_file.h"

/* the copies waited together, in both figures */
#define FIG_OBJ_COPIES 64
_Static_assert(FIG_OBJ_COPIES <= BENCH_MAX_COPIES,
	"pmemobj figures wait for more copies than wait_copies() can");

#define FIG_OBJ_GROUP_SIZE ((size_t)4096)
#define FIG_OBJ_GROUP_REPS 15
#define FIG_OBJ_GROUP_GOAL 10.0

#define FIG_OBJ_LARGE_SIZE ((size_t)1 << 20)
#define FIG_OBJ_LARGE_REPS 9
#define FIG_OBJ_LARGE_GOAL 1.0

/* the workers of the movers with threads */
#define FIG_OBJ_THREADS 2U

/* a pair of these long batches that the kernel preempted is run again once */
#define FIG_OBJ_RETRIES 1

/* the pool's room beyond the object: its metadata, and more */
#define FIG_OBJ_POOL_SLACK ((size_t)16 << 20)

#define FIG_OBJ_LAYOUT "miniasync-bench"

#define FORCE_ENV "PMEM_IS_PMEM_FORCE"

/* a pool of a figure, one object in it, and the bench_env state */
struct obj_pool {
	PMEMobjpool *pop;
	char *obj; /* the object the copies go to */
	size_t len; /* its length */
	uint64_t stamp; /* the number of the last pass, in its source */
};

/*
 * obj_pool_open -- a new pool of a file of MAP_FILE_DIR, unlinked at once,
 * with an object of len bytes; 0, or -1 with why (nothing is left)
 */
static int
obj_pool_open(struct obj_pool *p, size_t len, char *why, size_t whylen)
{
	char path[128];
	size_t size = len + FIG_OBJ_POOL_SLACK;

	memset(p, 0, sizeof(*p));
	if (size < PMEMOBJ_MIN_POOL)
		size = PMEMOBJ_MIN_POOL;
	snprintf(path, sizeof(path), "%s/miniasync-bench-obj.XXXXXX",
		MAP_FILE_DIR);
	int fd = mkstemp(path);
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* the pool takes the file's size, its blocks allocated now */
	int e = posix_fallocate(fd, 0, (off_t)size);
	(void) close(fd);
	if (e != 0) {
		snprintf(why, whylen, "posix_fallocate of %zu bytes in %s: %s",
			size, MAP_FILE_DIR, strerror(e));
		(void) unlink(path);
		return -1;
	}
	p->pop = pmemobj_create(path, FIG_OBJ_LAYOUT, 0, 0600);
	(void) unlink(path);
	if (p->pop == NULL) {
		snprintf(why, whylen, "pmemobj_create: %s", pmemobj_errormsg());
		return -1;
	}

	PMEMoid oid;
	if (pmemobj_alloc(p->pop, &oid, len, 0, NULL, NULL) != 0) {
		snprintf(why, whylen, "pmemobj_alloc of %zu bytes: %s", len,
			pmemobj_errormsg());
		pmemobj_close(p->pop);
		p->pop = NULL;
		return -1;
	}
	p->obj = pmemobj_direct(oid);
	p->len = len;
	return 0;
}

/*
 * obj_pool_close -- closes the pool (the file is gone with it); its movers
 * must be deleted first
 */
static void
obj_pool_close(struct obj_pool *p)
{
	if (p->pop != NULL)
		pmemobj_close(p->pop);
	p->pop = NULL;
}

/*
 * obj_pool_make -- obj_pool_open, then prints the pool and checks that
 * libpmem takes it for persistent memory (pmem) or not; 0, or BENCH_SKIP
 * (printed, nothing left open)
 */
static int
obj_pool_make(struct obj_pool *p, size_t len, int pmem)
{
	char why[256] = "";
	char sz[32];

	if (obj_pool_open(p, len, why, sizeof(why)) != 0) {
		printf("  skipped: %s\n", why);
		return BENCH_SKIP;
	}
	int is_pmem = pmem_is_pmem(p->obj, p->len) != 0;
	const char *force = getenv(FORCE_ENV);
	printf("  pool: a file of %s, an object of %s, %s\n",
		MAP_FILE_DIR, size_str(p->len, sz, sizeof(sz)), is_pmem ?
		"drained (pmem)" : "in the page cache (msync)");
	if (is_pmem != pmem) {
		printf("  skipped: the figure needs a pool %s\n  (%s=%s when "
		       "libpmem first looked)\n", pmem ?
			"libpmem takes for persistent memory" :
			"in the page cache", FORCE_ENV,
			force != NULL ? force : "unset");
		obj_pool_close(p);
		return BENCH_SKIP;
	}
	return 0;
}

/*
 * obj_mover -- env's mover: vdm_pmemobj_new(p->pop, nthreads) (its
 * workers on every CPU the program was given) and a runtime; env's state:
 * p; 0, or -1 (reported)
 */
static int
obj_mover(struct bench_env *env, struct obj_pool *p, unsigned nthreads,
	const char *name)
{
	cpu_set_t pinned;

	unpin(&pinned);
	struct vdm *vdm = vdm_pmemobj_new(p->pop, nthreads);
	int err = errno;
	repin(&pinned);

	if (mover_open(&env->mover, vdm, err, name) != 0)
		return -1;
	env->state = p;
	return 0;
}

/*
 * obj_stamp -- makes the source of a pass differ from the last pass's: the
 * pass's number in the first word of each of its copies
 */
static void
obj_stamp(struct bench_env *env, struct obj_pool *p)
{
	p->stamp++;
	for (size_t k = 0; k < FIG_OBJ_COPIES; k++)
		memcpy(env->src + k * env->n, &p->stamp, sizeof(p->stamp));
}

/*
 * obj_run -- ops passes of FIG_OBJ_COPIES durable copies of env->n bytes
 * to consecutive ranges of the object, vdm_memcpy futures on the pmemobj
 * mover waited for together with runtime_wait_multiple
 */
BENCH_BATCH static int
obj_run(struct bench_env *env, uint64_t ops)
{
	struct obj_pool *p = env->state;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		obj_stamp(env, p);
		bad |= wait_copies(env, FIG_OBJ_COPIES) != 0;
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * obj_base -- ops passes of the copies obj_run makes, each with
 * pmemobj_memcpy_persist(): in the page cache a memcpy and an msync per
 * copy, on persistent memory stored, flushed and drained
 */
BENCH_BATCH static int
obj_base(struct bench_env *env, uint64_t ops)
{
	struct obj_pool *p = env->state;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		obj_stamp(env, p);
		for (size_t k = 0; k < FIG_OBJ_COPIES; k++) {
			char *dst = env->dst + k * n;
			bad |= pmemobj_memcpy_persist(p->pop, dst,
				env->src + k * n, n) != dst;
			bench_barrier();
		}
	}

	return bad ? -1 : 0;
}

/*
 * obj_one_persist -- ops passes of the copies obj_run makes, each a plain
 * memcpy into the mapping, then one pmemobj_persist() of them all (in the
 * page cache, one msync): the write-back a pass shares, without the
 * mover's futures and its copies through the kernel (whose stores take
 * no write fault on a page the last msync cleaned)
 */
BENCH_BATCH static int
obj_one_persist(struct bench_env *env, uint64_t ops)
{
	struct obj_pool *p = env->state;
	size_t n = env->n;

	for (uint64_t i = 0; i < ops; i++) {
		obj_stamp(env, p);
		for (size_t k = 0; k < FIG_OBJ_COPIES; k++) {
			memcpy(env->dst + k * n, env->src + k * n, n);
			bench_barrier();
		}
		pmemobj_persist(p->pop, env->dst, FIG_OBJ_COPIES * n);
	}

	/* memcpy and pmemobj_persist() report nothing: verify_span() checks
	 * the bytes */
	return 0;
}

/*
 * obj_case -- a bench_case of a pmemobj figure, against libpmemobj
 */
static struct bench_case
obj_case(const char *name, const char *mover,
	int (*run)(struct bench_env *, uint64_t),
	int (*baseline_run)(struct bench_env *, uint64_t))
{
	struct bench_case c = fig_case(name, mover, run, baseline_run);

	c.baseline = "pmemobj_memcpy_persist";
	return c;
}

/*
 * obj_measure -- one untimed pass of the baseline, then one of the mover,
 * then a pass per batch, as many batches as o says, then one pass of each
 * side checked over span bytes; 0, or -1 (reported)
 */
static int
obj_measure(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, size_t span, struct bench_result *r)
{
	if (c->baseline_run(env, 1) != 0 || c->run(env, 1) != 0) {
		fprintf(stderr, "%s: %s: the untimed pass failed\n", c->name,
			c->mover);
		return -1;
	}
	/* a pass lasts milliseconds: one per batch */
	r->ops = 1;
	if (measure_pairs(c, env, o, FIG_OBJ_RETRIES, r) != 0 ||
		verify_span(c, c->mover, c->run, env, span) != 0 ||
		verify_span(c, c->baseline, c->baseline_run, env, span) != 0)
		return -1;
	return 0;
}

/* the rows of a figure, as the process that measured them reports them */
struct obj_row {
	char mover[32];
	struct bench_result r; /* per copy (pmemobj-group) or per pass */
	size_t size; /* the size of the CSV row */
	double scale; /* the times printed divided by it */
	double goal; /* NaN: none */
};

#define OBJ_MAX_ROWS 3

/* what the child process of a figure hands back */
struct obj_report {
	int status; /* 0: measured, BENCH_SKIP (printed), -1 (reported) */
	unsigned nrows;
	struct obj_row rows[OBJ_MAX_ROWS];
};

/*
 * obj_add_row -- a row of a figure into its report
 */
static void
obj_add_row(struct obj_report *rep, const char *mover,
	const struct bench_result *r, size_t size, double scale, double goal)
{
	if (rep->nrows == OBJ_MAX_ROWS)
		return;
	struct obj_row *row = &rep->rows[rep->nrows++];
	snprintf(row->mover, sizeof(row->mover), "%s", mover);
	row->r = *r;
	row->size = size;
	row->scale = scale;
	row->goal = goal;
}

/*
 * obj_write_all -- writes len bytes to fd, whatever the pipe takes at a
 * time; 0, or -1
 */
static int
obj_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * obj_read_all -- reads len bytes from fd; 0, or -1 (short: the writer
 * died first)
 */
static int
obj_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * obj_in_child -- runs fn(x, rep) in a child process and prints the
 * rows it reports: libpmem decides once per process whether ranges are
 * persistent memory (see the top of the file), so each pool is judged in
 * a process of its own, and the one that prints the figures (and counts
 * their goals, and writes the CSV file) never asks; 0, or -1 (reported)
 */
static int
obj_in_child(struct fig_ctx *x, const char *name,
	void (*fn)(struct fig_ctx *x, struct obj_report *rep))
{
	struct obj_report rep;
	int fds[2];

	/* nothing buffered is printed twice */
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0) {
		fprintf(stderr, "%s: pipe: %s\n", name, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", name, strerror(errno));
		(void) close(fds[0]);
		(void) close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		(void) close(fds[0]);
		memset(&rep, 0, sizeof(rep));
		fn(x, &rep);
		fflush(stdout);
		fflush(stderr);
		int e = obj_write_all(fds[1], &rep, sizeof(rep));
		_exit(e != 0 ? 1 : 0);
	}

	(void) close(fds[1]);
	int got = obj_read_all(fds[0], &rep, sizeof(rep));
	(void) close(fds[0]);
	int wstatus;
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (got != 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		fprintf(stderr, "%s: the process that measures it did not "
			"report (status %#x)\n", name, (unsigned)wstatus);
		return -1;
	}
	if (rep.status != 0)
		return rep.status == BENCH_SKIP ? 0 : -1;

	fig_header();
	for (unsigned i = 0; i < rep.nrows && i < OBJ_MAX_ROWS; i++) {
		const struct obj_row *row = &rep.rows[i];
		fig_speedup(x, name, row->mover, row->size, &row->r,
			row->scale, row->goal);
	}
	return 0;
}

/*
 * obj_group_row -- measures one row of pmemobj-group: the mover with
 * nthreads workers (one: obj_one_persist instead of a mover) against the
 * baseline, into rep; 0, or -1 (reported)
 */
static int
obj_group_row(struct fig_ctx *x, struct obj_pool *p, const char *name,
	unsigned nthreads, int one, struct obj_report *rep)
{
	size_t span = FIG_OBJ_COPIES * FIG_OBJ_GROUP_SIZE;
	struct bench_opts o = fig_opts(x, FIG_OBJ_GROUP_REPS);
	struct bench_case c = obj_case("pmemobj-group", name,
		one ? obj_one_persist : obj_run, obj_base);
	struct bench_env env = fig_env(x->src, p->obj, FIG_OBJ_GROUP_SIZE);
	struct bench_result r;

	if (one)
		env.state = p;
	else if (obj_mover(&env, p, nthreads, name) != 0)
		return -1;
	fill_words(env.src, span, 11);

	int e = obj_measure(&c, &env, &o, span, &r);
	if (!one)
		mover_close(&env.mover);
	if (e)
		return -1;

	/* per copy, not per pass */
	result_per(&r, FIG_OBJ_COPIES);
	obj_add_row(rep, name, &r, FIG_OBJ_GROUP_SIZE, 1e3,
		one ? NAN : FIG_OBJ_GROUP_GOAL);
	return 0;
}

/*
 * obj_group -- the rows of pmemobj-group, in the child process
 */
static void
obj_group(struct fig_ctx *x, struct obj_report *rep)
{
	struct obj_pool p;
	char name[32];

	rep->status = obj_pool_make(&p, FIG_OBJ_COPIES * FIG_OBJ_GROUP_SIZE,
		0);
	if (rep->status != 0)
		return;
	rep->status = obj_group_row(x, &p, "pmemobj-0", 0, 0, rep);
	snprintf(name, sizeof(name), "pmemobj-%u", FIG_OBJ_THREADS);
	rep->status |= obj_group_row(x, &p, name, FIG_OBJ_THREADS, 0, rep);
	rep->status |= obj_group_row(x, &p, "one-persist", 0, 1, rep);
	obj_pool_close(&p);
}

/*
 * fig_pmemobj_group -- 64 durable 4 KiB copies into an object of a pool
 * in the page cache, waited together, on the pmemobj mover without
 * threads and with FIG_OBJ_THREADS, against pmemobj_memcpy_persist() of
 * each, and against one pmemobj_persist() for all
 */
static int
fig_pmemobj_group(struct fig_ctx *x)
{
	struct bench_opts o = fig_opts(x, FIG_OBJ_GROUP_REPS);

	printf("\npmemobj-group: %d durable copies of 4 KiB to consecutive "
	       "ranges of an object of\n  a pool in the page cache, %d x "
	       "vdm_memcpy() then runtime_wait_multiple(), on\n  the pmemobj "
	       "mover without threads (pmemobj-0) and with %u (pmemobj-%u),"
	       "\n  against %d x pmemobj_memcpy_persist() (an msync each); "
	       "one-persist: %d x\n  memcpy, then one pmemobj_persist() of "
	       "all; %u repetitions, one pass of %d\n  copies each; us per "
	       "copy; ratio = libpmemobj time / mover (or one-persist)\n  "
	       "time (higher is better)\n",
		FIG_OBJ_COPIES, FIG_OBJ_COPIES, FIG_OBJ_THREADS,
		FIG_OBJ_THREADS, FIG_OBJ_COPIES, FIG_OBJ_COPIES, o.reps,
		FIG_OBJ_COPIES);
	return obj_in_child(x, "pmemobj-group", obj_group);
}

/*
 * obj_large -- the row of pmemobj-large, in the child process
 */
static void
obj_large(struct fig_ctx *x, struct obj_report *rep)
{
	size_t span = FIG_OBJ_COPIES * FIG_OBJ_LARGE_SIZE;
	struct bench_opts o = fig_opts(x, FIG_OBJ_LARGE_REPS);
	struct obj_pool p;
	struct bench_result r;
	char name[32];

	snprintf(name, sizeof(name), "pmemobj-%u", FIG_OBJ_THREADS);
	struct bench_case c = obj_case("pmemobj-large", name, obj_run,
		obj_base);

	rep->status = -1;
	/* libpmem reads it once, at its first pmem_is_pmem(), which the
	 * pool's creation makes */
	if (setenv(FORCE_ENV, "1", 0) != 0 || fig_big(x, span) != 0)
		return;
	rep->status = obj_pool_make(&p, span, 1);
	if (rep->status != 0)
		return;
	rep->status = -1;
	struct bench_env env = fig_env(x->big_src, p.obj, FIG_OBJ_LARGE_SIZE);
	if (obj_mover(&env, &p, FIG_OBJ_THREADS, name) != 0) {
		obj_pool_close(&p);
		return;
	}
	fill_words(env.src, span, 12);

	int e = obj_measure(&c, &env, &o, span, &r);
	mover_close(&env.mover);
	obj_pool_close(&p);
	if (e)
		return;
	obj_add_row(rep, name, &r, span, 1e3, FIG_OBJ_LARGE_GOAL);
	rep->status = 0;
}

/*
 * fig_pmemobj_large -- 64 durable copies of 1 MiB waited together on the
 * pmemobj mover with FIG_OBJ_THREADS workers, against
 * pmemobj_memcpy_persist() of each on this thread, into a pool libpmem
 * takes for persistent memory
 */
static int
fig_pmemobj_large(struct fig_ctx *x)
{
	struct bench_opts o = fig_opts(x, FIG_OBJ_LARGE_REPS);

	printf("\npmemobj-large: %d durable copies of 1 MiB to consecutive "
	       "ranges of an object of\n  a pool libpmem takes for "
	       "persistent memory (%s=1),\n  %d x vdm_memcpy() then "
	       "runtime_wait_multiple(), on the pmemobj mover with %u\n  "
	       "workers (pmemobj-%u), against %d x pmemobj_memcpy_persist() "
	       "on this thread;\n  %u repetitions; us per %d MiB; ratio = "
	       "libpmemobj time / mover time\n  (higher is better)\n",
		FIG_OBJ_COPIES, FORCE_ENV, FIG_OBJ_COPIES, FIG_OBJ_THREADS,
		FIG_OBJ_THREADS, FIG_OBJ_COPIES, o.reps, FIG_OBJ_COPIES);
	return obj_in_child(x, "pmemobj-large", obj_large);
}

static const struct bench_figure obj_figures[] = {
	{
		"pmemobj-group",
		"64 x 4 KiB durable copies waited together on the pmemobj "
		"mover (no threads, 2), against pmemobj_memcpy_persist() "
		"(pool in the page cache)",
		fig_pmemobj_group,
	},
	{
		"pmemobj-large",
		"64 x 1 MiB durable copies on the pmemobj mover with 2 "
		"workers, against pmemobj_memcpy_persist() (pool on pmem, "
		"forced)",
		fig_pmemobj_large,
	},
};

/* clang-format off */
static const char obj_help[] =
"\n"
"Then the figures of the pmemobj mover (libminiasync-pmemobj), each on a\n"
"new pool of " MAP_FILE_DIR " (pmemobj_create() on a file whose blocks are\n"
"allocated, unlinked at once), the copies into one object of it, against\n"
"pmemobj_memcpy_persist() into the same object, after one untimed pass of\n"
"each, in a child process of its own (libpmem decides once per process\n"
"whether a range is persistent memory).  pmemobj-N is\n"
"vdm_pmemobj_new(pool, N).\n"
"  pmemobj-group    64 x 4 KiB copies waited with runtime_wait_multiple()\n"
"                   on pmemobj-0 and pmemobj-2, against 64 x\n"
"                   pmemobj_memcpy_persist() (an msync each), pool in the\n"
"                   page cache; one-persist: 64 x memcpy and one\n"
"                   pmemobj_persist(); at most 15 repetitions; goal:\n"
"                   libpmemobj time / mover time at least 10\n"
"  pmemobj-large    64 x 1 MiB copies waited together on pmemobj-2, against\n"
"                   64 x pmemobj_memcpy_persist() on this thread, pool\n"
"                   that libpmem takes for persistent memory\n"
"                   (PMEM_IS_PMEM_FORCE=1, set unless the environment\n"
"                   has it); at most 9 repetitions; goal: libpmemobj time\n"
"                   / mover time at least 1.0\n";

static const char obj_csv_help[] =
"  pmemobj-group    movers pmemobj-0, pmemobj-2, one-persist: ns per copy\n"
"                   of 4096 bytes (of 64 waited together); ratio =\n"
"                   baseline / mover time; goal: the smallest ratio (none\n"
"                   for one-persist)\n"
"  pmemobj-large    size 67108864 (64 x 1 MiB): ns per 64 MiB; ratio and\n"
"                   goal as pmemobj-group\n";
/* clang-format on */

const struct bench_family bench_family_pmemobj = {
	.cases = NULL,
	.ncases = 0,
	.figures = obj_figures,
	.nfigures = sizeof(obj_figures) / sizeof(obj_figures[0]),
	.help = obj_help,
	.csv_help = obj_csv_help,
};
