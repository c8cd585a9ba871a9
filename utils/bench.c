/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench.c -- each mover side by side with its baseline, as a ratio measured
 * in the same run
 *
 * A case is a mover and the baseline it is held against (plain memcpy for
 * movers of ordinary memory).  For every copy size, the program times
 * batches of many operations, mover and baseline batches interleaved so that
 * both see the same noise of a shared machine, and reports the median time
 * per operation of each, the ratio of the medians, and the goal the ratio
 * should meet.  Speed never changes the exit status: only a broken case
 * does (wrong bytes, an operation that failed, a mover that cannot be made).
 *
 * A new mover is one more entry in bench_cases[]: its setup and teardown,
 * a function that runs one batch of operations on the mover, one that runs
 * the same batch with the baseline, and the goals of the ratio.
 */

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libminiasync.h>

#ifndef BENCH_VERSION
#define BENCH_VERSION "(unknown version)"
#endif

#define BENCH_PAGE_SIZE 4096
#define BENCH_MAX_SIZE ((size_t)1 << 30)
#define BENCH_MAX_SIZES 32
#define BENCH_NSEC_PER_SEC 1000000000ULL

/* what a case's setup may answer besides 0 (ready) and -1 (broken) */
#define BENCH_SKIP 1

/*
 * A pair of batches during which the kernel preempted the program is run
 * again, up to this many times; past that it is kept and not counted quiet.
 */
#define BENCH_RETRIES 4

/*
 * The medians come from the quiet pairs alone when there are at least this
 * many of them (a third of the repetitions, at least 1), from all otherwise.
 */
#define BENCH_MIN_QUIET(reps) ((reps) / 3 > 0 ? (reps) / 3 : 1)

/* the default run and the --quick one (used by the test suite) */
#define BENCH_REPS_DEFAULT 31
#define BENCH_BATCH_NS_DEFAULT (4 * 1000 * 1000ULL)
#define BENCH_WARMUP_NS_DEFAULT (200 * 1000 * 1000ULL)
#define BENCH_REPS_QUICK 3
#define BENCH_BATCH_NS_QUICK (1000 * 1000ULL)
#define BENCH_WARMUP_NS_QUICK (10 * 1000 * 1000ULL)

/*
 * bench_barrier -- keeps the compiler from merging or dropping the copies of
 * a batch (every operation of a batch writes the same bytes)
 */
#define bench_barrier() __asm__ __volatile__("" ::: "memory")

/*
 * BENCH_BATCH -- marks a batch function: kept out of line, so that each batch
 * is the same code whichever compiler built it, and easy to find in a
 * disassembly (objdump -d bench: baseline_memcpy must call memcpy)
 */
#define BENCH_BATCH __attribute__((noinline))

/*
 * struct bench_env -- what a case's functions work on: the buffers, the
 * bytes per operation, and the case's own state (set up by its setup)
 */
struct bench_env {
	char *src;
	char *dst; /* a setup may point it elsewhere (a map) */
	size_t n; /* bytes per operation */
	size_t max_size; /* the largest n of the run */
	void *state; /* the case's own */
};

/* a ratio the case should meet at one size */
struct bench_goal {
	size_t size;
	double max_ratio;
};

/*
 * struct bench_case -- a mover and its baseline.  setup returns 0, BENCH_SKIP
 * (the mover cannot run here; why says so) or -1 (broken; why says so).  run
 * (on the mover) and baseline_run each perform ops copies of env->n bytes
 * from env->src to env->dst and return 0, or -1 if a copy reported a
 * failure.  goals ends with a zero size.
 */
struct bench_case {
	const char *name;
	const char *mover;
	const char *baseline;
	const char *what;
	int (*setup)(struct bench_env *env, char *why, size_t whylen);
	void (*teardown)(struct bench_env *env);
	int (*run)(struct bench_env *env, uint64_t ops);
	int (*baseline_run)(struct bench_env *env, uint64_t ops);
	const struct bench_goal *goals;
};

/* the outcome of one case at one size */
struct bench_result {
	uint64_t ops; /* operations per batch */
	double mover_med; /* ns per operation */
	double mover_min;
	double base_med;
	double base_min;
	double ratio; /* mover_med / base_med */
	double goal; /* 0: none */
	unsigned quiet; /* pairs of batches that ran without preemption */
};

/* the options of a run */
struct bench_opts {
	unsigned reps;
	uint64_t batch_ns;
	uint64_t warmup_ns; /* busy time before the first measurement */
	int cpu; /* -1: not pinned */
	const char *csv;
	const char *only; /* run only this case, or NULL */
	size_t sizes[BENCH_MAX_SIZES];
	unsigned nsizes;
};

/*
 * baseline_memcpy -- ops plain memcpy calls; n is a run-time value, so the
 * compiler calls the C library's memcpy instead of inlining a few moves
 */
BENCH_BATCH static int
baseline_memcpy(struct bench_env *env, uint64_t ops)
{
	char *dst = env->dst;
	const char *src = env->src;
	size_t n = env->n;

	for (uint64_t i = 0; i < ops; i++) {
		memcpy(dst, src, n);
		bench_barrier();
	}

	/* memcpy reports nothing: verify() checks the bytes */
	return 0;
}

/*
 * sync_setup -- makes a synchronous mover
 */
static int
sync_setup(struct bench_env *env, char *why, size_t whylen)
{
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	if (vdm == NULL) {
		snprintf(why, whylen, "vdm_new: %s", strerror(errno));
		return -1;
	}
	env->state = vdm;
	return 0;
}

/*
 * sync_teardown -- deletes the synchronous mover
 */
static void
sync_teardown(struct bench_env *env)
{
	vdm_delete(env->state);
	env->state = NULL;
}

/*
 * sync_run -- ops copies, each a vdm_memcpy future busy-polled to completion
 */
BENCH_BATCH static int
sync_run(struct bench_env *env, uint64_t ops)
{
	struct vdm *vdm = env->state;
	char *dst = env->dst;
	char *src = env->src;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		struct vdm_memcpy_future fut = vdm_memcpy(vdm, dst, src, n, 0);
		FUTURE_BUSY_POLL(&fut);
		bad |= (FUTURE_OUTPUT(&fut)->result != VDM_SUCCESS) |
			(FUTURE_OUTPUT(&fut)->dest != dst);
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/* the project's goals for the synchronous mover against memcpy */
static const struct bench_goal sync_goals[] = {
	{ 64, 4.0 },
	{ 4096, 1.15 },
	{ 0, 0.0 },
};

static const struct bench_case bench_cases[] = {
	{
		.name = "sync",
		.mover = "synchronous",
		.baseline = "memcpy",
		.what = "vdm_memcpy() + FUTURE_BUSY_POLL on the synchronous "
			"mover",
		.setup = sync_setup,
		.teardown = sync_teardown,
		.run = sync_run,
		.baseline_run = baseline_memcpy,
		.goals = sync_goals,
	},
};

#define BENCH_NCASES (sizeof(bench_cases) / sizeof(bench_cases[0]))

/*
 * now_ns -- the monotonic clock in nanoseconds
 */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BENCH_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * time_batch -- runs one batch and stores its nanoseconds per operation;
 * returns what the batch function returned
 */
static int
time_batch(int (*fn)(struct bench_env *, uint64_t), struct bench_env *env,
	uint64_t ops, double *ns_per_op)
{
	uint64_t t0 = now_ns();
	int ret = fn(env, ops);
	uint64_t t1 = now_ns();

	*ns_per_op = (double)(t1 - t0) / (double)ops;
	return ret;
}

/*
 * preemptions -- how often the kernel has taken the CPU away from this thread
 * (involuntary context switches) so far
 */
static long
preemptions(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return ru.ru_nivcsw;
}

/*
 * time_pair -- one batch of the mover and one of the baseline, in the order
 * first says; returns -1 if a batch failed, 1 if the thread was preempted
 * meanwhile (the times are then suspect), 0 otherwise
 */
static int
time_pair(const struct bench_case *c, struct bench_env *env, uint64_t ops,
	int mover_first, double *mover_ns, double *base_ns)
{
	long before = preemptions();
	int e;

	if (mover_first) {
		e = time_batch(c->run, env, ops, mover_ns);
		e |= time_batch(c->baseline_run, env, ops, base_ns);
	} else {
		e = time_batch(c->baseline_run, env, ops, base_ns);
		e |= time_batch(c->run, env, ops, mover_ns);
	}
	if (e != 0)
		return -1;

	return preemptions() != before ? 1 : 0;
}

/*
 * cmp_double -- qsort order of doubles
 */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * median -- the median of v[0..n), which it sorts
 */
static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/*
 * goal_for -- the ratio a case should meet at size n, 0 if none
 */
static double
goal_for(const struct bench_case *c, size_t n)
{
	for (const struct bench_goal *g = c->goals; g && g->size; g++)
		if (g->size == n)
			return g->max_ratio;
	return 0.0;
}

/*
 * fill_src -- a pattern that depends on the size, so that no earlier copy
 * can pass for this one
 */
static void
fill_src(char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		src[i] = (char)(unsigned char)((i * 131 + n * 7 + 1) & 0xff);
}

/*
 * verify -- one operation of fn into a cleared destination must reproduce
 * the source exactly; returns 0 if it does
 */
static int
verify(const struct bench_case *c, const char *which,
	int (*fn)(struct bench_env *, uint64_t), struct bench_env *env)
{
	memset(env->dst, 0, env->n);
	if (fn(env, 1) != 0) {
		fprintf(stderr, "%s: %s, %zu bytes: the operation failed\n",
			c->name, which, env->n);
		return -1;
	}
	if (memcmp(env->dst, env->src, env->n) != 0) {
		fprintf(stderr, "%s: %s, %zu bytes: wrong bytes copied\n",
			c->name, which, env->n);
		return -1;
	}
	return 0;
}

/*
 * estimate -- the nanoseconds per operation of fn, from a batch long enough
 * to be timed (about batch_ns / 8)
 */
static int
estimate(int (*fn)(struct bench_env *, uint64_t), struct bench_env *env,
	uint64_t batch_ns, double *ns_per_op)
{
	uint64_t ops = 1;

	for (;;) {
		if (time_batch(fn, env, ops, ns_per_op) != 0)
			return -1;
		double total = *ns_per_op * (double)ops;
		if (total >= (double)batch_ns / 8 || ops >= (1ULL << 40))
			return 0;
		ops *= 2;
	}
}

/*
 * calibrate -- the operations per batch that make the slower of the mover
 * and the baseline last about batch_ns, so a slow mover does not make the
 * run long
 */
static int
calibrate(const struct bench_case *c, struct bench_env *env, uint64_t batch_ns,
	uint64_t *opsp)
{
	double mover_ns, base_ns;

	if (estimate(c->run, env, batch_ns, &mover_ns) != 0 ||
		estimate(c->baseline_run, env, batch_ns, &base_ns) != 0)
		return -1;

	double slower = mover_ns > base_ns ? mover_ns : base_ns;
	double want = (double)batch_ns / (slower > 0.0 ? slower : 1.0);
	*opsp = want < 1.0 ? 1 : (uint64_t)want;
	return 0;
}

/*
 * measure -- interleaved batches of the mover and of its baseline at one
 * size; the order alternates from one repetition to the next so that
 * neither always runs first, and a pair the kernel preempted is run again
 * (a few times at most) so that both times come from the same quiet moment
 */
static int
measure(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, struct bench_result *r)
{
	double *mv = calloc(o->reps, sizeof(*mv));
	double *bv = calloc(o->reps, sizeof(*bv));
	int ret = -1;

	if (mv == NULL || bv == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}

	/* warm the buffers, the caches and the branch predictors */
	if (c->run(env, 16) != 0 || c->baseline_run(env, 16) != 0)
		goto failed;

	if (calibrate(c, env, o->batch_ns, &r->ops) != 0)
		goto failed;

	/* quiet pairs are kept at the front of mv and bv, the others after */
	unsigned quiet = 0, noisy = 0;
	for (unsigned i = 0; i < o->reps; i++) {
		double m, b;
		int e;
		for (unsigned retry = 0;; retry++) {
			e = time_pair(c, env, r->ops, i % 2 == 0, &m, &b);
			if (e < 0)
				goto failed;
			if (e == 0 || retry == BENCH_RETRIES)
				break;
		}
		unsigned slot = e == 0 ? quiet++ : o->reps - ++noisy;
		mv[slot] = m;
		bv[slot] = b;
	}

	/*
	 * With enough quiet pairs, the preempted ones say nothing more;
	 * otherwise all pairs count.  median() sorts, so the minimum is
	 * first afterwards.
	 */
	unsigned used = quiet >= BENCH_MIN_QUIET(o->reps) ? quiet : o->reps;
	r->quiet = quiet;
	r->mover_med = median(mv, used);
	r->mover_min = mv[0];
	r->base_med = median(bv, used);
	r->base_min = bv[0];
	r->ratio = r->mover_med / r->base_med;
	r->goal = goal_for(c, env->n);
	ret = 0;
	goto out;

failed:
	fprintf(stderr, "%s: %zu bytes: an operation failed\n", c->name,
		env->n);
out:
	free(mv);
	free(bv);
	return ret;
}

/*
 * size_str -- a size in the units a person reads (64 B, 4 KiB, 1 MiB)
 */
static const char *
size_str(size_t n, char *buf, size_t len)
{
	if (n >= (1U << 20) && n % (1U << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu B", n);
	return buf;
}

/*
 * print_row -- one line of the table
 */
static void
print_row(size_t n, const struct bench_result *r)
{
	char sz[32];
	char goal[16] = "-";
	const char *verdict = "";

	if (r->goal > 0.0) {
		snprintf(goal, sizeof(goal), "<= %.2f", r->goal);
		verdict = r->ratio <= r->goal ? "PASS" : "MISS";
	}

	printf("  %8s %10.2f %10.2f %10.2f %10.2f %5u %6.2f %6.2f %8s%s%s\n",
		size_str(n, sz, sizeof(sz)), r->mover_med, r->mover_min,
		r->base_med, r->base_min, r->quiet, r->ratio,
		r->mover_min / r->base_min, goal, *verdict ? " " : "", verdict);
}

/*
 * csv_row -- one row of the CSV file
 */
static void
csv_row(FILE *f, const struct bench_case *c, size_t n,
	const struct bench_result *r)
{
	fprintf(f, "%s,%s,%zu,%.3f,%.3f,%.4f,", c->name, c->mover, n,
		r->mover_med, r->base_med, r->ratio);
	if (r->goal > 0.0)
		fprintf(f, "%.2f", r->goal);
	fprintf(f, "\n");
}

/*
 * run_case -- measures a case at every size; returns 0, or -1 if the case
 * is broken (a skipped case is not)
 */
static int
run_case(const struct bench_case *c, const struct bench_opts *o, char *src,
	char *dst, size_t max_size, FILE *csv, unsigned *met, unsigned *goals)
{
	struct bench_env env = {
		.src = src,
		.dst = dst,
		.n = 0,
		.max_size = max_size,
		.state = NULL,
	};
	char why[256] = "";
	int ret = 0;

	printf("\n%s: %s\n  against %s\n", c->name, c->what, c->baseline);

	int s = c->setup(&env, why, sizeof(why));
	if (s == BENCH_SKIP) {
		printf("  skipped: %s\n", why);
		return 0;
	}
	if (s != 0) {
		fprintf(stderr, "%s: setup failed: %s\n", c->name, why);
		return -1;
	}

	printf("  %8s %10s %10s %10s %10s %5s %6s %6s %8s\n", "size",
		"mover-med", "mover-min", "base-med", "base-min", "quiet",
		"ratio", "r(min)", "goal");

	for (unsigned i = 0; i < o->nsizes; i++) {
		struct bench_result r;

		env.n = o->sizes[i];
		fill_src(env.src, env.n);

		if (measure(c, &env, o, &r) != 0 ||
			verify(c, c->mover, c->run, &env) != 0 ||
			verify(c, c->baseline, c->baseline_run, &env) != 0) {
			ret = -1;
			continue;
		}

		print_row(env.n, &r);
		if (csv != NULL)
			csv_row(csv, c, env.n, &r);
		if (r.goal > 0.0) {
			(*goals)++;
			if (r.ratio <= r.goal)
				(*met)++;
		}
		fflush(stdout);
	}

	c->teardown(&env);
	return ret;
}

/*
 * parse_size -- a byte count with an optional K, M or G suffix (powers of
 * 1024; "KiB", "k", "KB" alike); returns 0 on success
 */
static int
parse_size(const char *s, size_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-')
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
	if (*end != '\0' || v == 0 || v > (BENCH_MAX_SIZE >> shift))
		return -1;

	*out = (size_t)v << shift;
	return 0;
}

/*
 * parse_sizes -- a comma-separated list of sizes into o->sizes
 */
static int
parse_sizes(const char *arg, struct bench_opts *o)
{
	char *copy = strdup(arg);
	char *save = NULL;
	int ret = 0;

	if (copy == NULL)
		return -1;

	o->nsizes = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
		t = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == BENCH_MAX_SIZES ||
			parse_size(t, &o->sizes[o->nsizes]) != 0) {
			ret = -1;
			break;
		}
		o->nsizes++;
	}
	if (o->nsizes == 0)
		ret = -1;

	free(copy);
	return ret;
}

/*
 * usage -- the help text
 */
static void
usage(FILE *f, const char *prog)
{
	/* clang-format off */
	fprintf(f,
"usage: %s [options]\n"
"Times each mover of libminiasync against its baseline (plain memcpy)\n"
"in the same run and prints the ratio of the medians.\n"
"\n"
"  --quick          few short repetitions (a smoke test: the numbers\n"
"                   are rough)\n"
"  --reps N         repetitions of each measurement (default %u)\n"
"  --batch-ms N     milliseconds the slower batch of a pair lasts\n"
"                   (default %u)\n"
"  --sizes LIST     copy sizes, comma-separated, K/M/G suffixes allowed\n"
"                   (default 64,4K,64K,1M)\n"
"  --case NAME      run only this case\n"
"  --cpu N          pin the program to CPU N\n"
"  --csv FILE       also write the results to FILE as CSV:\n"
"                   case,mover,size,ns_per_op,baseline_ns_per_op,ratio,goal\n"
"  --list           list the cases and exit\n"
"  --help           this text\n"
"\n"
"The exit status is 0 unless a case is broken (wrong bytes, failed\n"
"operations); a missed goal is reported, never an error.\n",
		prog, BENCH_REPS_DEFAULT,
		(unsigned)(BENCH_BATCH_NS_DEFAULT / 1000000));
	/* clang-format on */
}

/*
 * parse_uint -- a positive decimal number no larger than max
 */
static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_QUICK = 256,
	OPT_REPS,
	OPT_BATCH_MS,
	OPT_SIZES,
	OPT_CASE,
	OPT_CPU,
	OPT_CSV,
	OPT_LIST,
	OPT_HELP,
};

/*
 * parse_args -- the command line into o; returns 0, 1 (done: help or list)
 * or -1 (bad usage)
 */
static int
parse_args(int argc, char *argv[], struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "batch-ms", required_argument, NULL, OPT_BATCH_MS },
		{ "sizes", required_argument, NULL, OPT_SIZES },
		{ "case", required_argument, NULL, OPT_CASE },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int reps_set = 0, batch_set = 0;
	unsigned long v;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_QUICK:
			if (!reps_set)
				o->reps = BENCH_REPS_QUICK;
			if (!batch_set)
				o->batch_ns = BENCH_BATCH_NS_QUICK;
			o->warmup_ns = BENCH_WARMUP_NS_QUICK;
			break;
		case OPT_REPS:
			if (parse_uint(optarg, 1000, &v) != 0 || v == 0)
				goto bad;
			o->reps = (unsigned)v;
			reps_set = 1;
			break;
		case OPT_BATCH_MS:
			if (parse_uint(optarg, 10000, &v) != 0 || v == 0)
				goto bad;
			o->batch_ns = v * 1000000ULL;
			batch_set = 1;
			break;
		case OPT_SIZES:
			if (parse_sizes(optarg, o) != 0)
				goto bad;
			break;
		case OPT_CASE:
			o->only = optarg;
			break;
		case OPT_CPU:
			if (parse_uint(optarg, CPU_SETSIZE - 1, &v) != 0)
				goto bad;
			o->cpu = (int)v;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case OPT_LIST:
			for (size_t i = 0; i < BENCH_NCASES; i++)
				printf("%-12s %s against %s\n",
					bench_cases[i].name,
					bench_cases[i].what,
					bench_cases[i].baseline);
			return 1;
		case 'h':
		case OPT_HELP:
			usage(stdout, argv[0]);
			return 1;
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		return -1;
	}
	return 0;

bad:
	fprintf(stderr, "%s: bad value '%s'\n", argv[0], optarg);
	return -1;
}

/*
 * cpu_model -- the CPU's name from /proc/cpuinfo, or "unknown"
 */
static void
cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

/*
 * warm_up -- keeps the CPU busy copying for about ns nanoseconds, so that the
 * first measurement does not pay for a core waking up from idle
 */
static void
warm_up(char *src, char *dst, uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end) {
		for (unsigned i = 0; i < 1000; i++) {
			memcpy(dst, src, BENCH_PAGE_SIZE);
			bench_barrier();
		}
	}
}

/*
 * main -- runs every case (or the chosen one) at every size
 */
int
main(int argc, char *argv[])
{
	struct bench_opts o = {
		.reps = BENCH_REPS_DEFAULT,
		.batch_ns = BENCH_BATCH_NS_DEFAULT,
		.warmup_ns = BENCH_WARMUP_NS_DEFAULT,
		.cpu = -1,
		.csv = NULL,
		.only = NULL,
		.sizes = { 64, 4096, 65536, 1 << 20 },
		.nsizes = 4,
	};
	char *src = NULL, *dst = NULL;
	FILE *csv = NULL;
	int status = 0;

	int p = parse_args(argc, argv, &o);
	if (p != 0)
		return p > 0 ? 0 : 2;

	if (o.only != NULL) {
		size_t i;
		for (i = 0; i < BENCH_NCASES; i++)
			if (strcmp(bench_cases[i].name, o.only) == 0)
				break;
		if (i == BENCH_NCASES) {
			fprintf(stderr, "%s: no case '%s' (see --list)\n",
				argv[0], o.only);
			return 2;
		}
	}

	if (o.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((size_t)o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "%s: cannot pin to CPU %d: %s\n",
				argv[0], o.cpu, strerror(errno));
			return 2;
		}
	}

	size_t max_size = 0;
	for (unsigned i = 0; i < o.nsizes; i++)
		if (o.sizes[i] > max_size)
			max_size = o.sizes[i];
	size_t alloc = (max_size + BENCH_PAGE_SIZE - 1) &
		~(size_t)(BENCH_PAGE_SIZE - 1);

	if (posix_memalign((void **)&src, BENCH_PAGE_SIZE, alloc) != 0 ||
		posix_memalign((void **)&dst, BENCH_PAGE_SIZE, alloc) != 0) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		status = 1;
		goto out;
	}
	/* fault every page in before anything is timed */
	memset(src, 1, alloc);
	memset(dst, 2, alloc);

	if (o.csv != NULL) {
		csv = fopen(o.csv, "w");
		if (csv == NULL) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], o.csv,
				strerror(errno));
			status = 1;
			goto out;
		}
		fprintf(csv,
			"case,mover,size,ns_per_op,"
			"baseline_ns_per_op,ratio,goal\n");
	}

	char model[128];
	cpu_model(model, sizeof(model));
	printf("libminiasync %s benchmark\n", BENCH_VERSION);
	if (o.cpu >= 0)
		printf("cpu: %s, pinned to CPU %d\n", model, o.cpu);
	else
		printf("cpu: %s, not pinned (--cpu N pins)\n", model);
	printf("%u repetitions of interleaved mover and baseline batches, "
	       "the slower lasting about %.1f ms\n",
		o.reps, (double)o.batch_ns / 1e6);
	printf("times in ns per operation (median and minimum); quiet = pairs "
	       "not preempted\n(of %u); ratio = mover median / baseline "
	       "median; r(min) = ratio of the minimums\n",
		o.reps);
#ifndef __OPTIMIZE__
	printf("warning: built without optimisation, the numbers mean "
	       "little\n");
#endif

	warm_up(src, dst, o.warmup_ns);

	unsigned met = 0, goals = 0;
	for (size_t i = 0; i < BENCH_NCASES; i++) {
		const struct bench_case *c = &bench_cases[i];
		if (o.only != NULL && strcmp(c->name, o.only) != 0)
			continue;
		if (run_case(c, &o, src, dst, max_size, csv, &met, &goals) != 0)
			status = 1;
	}

	printf("\ngoals met: %u of %u%s\n", met, goals,
		status != 0 ? "; SOME CASES ARE BROKEN (see above)" : "");

out:
	if (csv != NULL && fclose(csv) != 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], o.csv,
			strerror(errno));
		status = 1;
	}
	free(src);
	free(dst);
	return status;
}
