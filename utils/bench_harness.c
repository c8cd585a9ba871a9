/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_harness.c -- what every case and figure of bench is measured with
 * (see bench.h): batches of the mover and of its baseline timed in pairs,
 * their medians, the check of the bytes they copy, the sweep of a case
 * over the sizes of the run, and what a figure starts from
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "common.h"

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

/* warm-up operations before a measurement: at most 16, at most 64 MiB */
#define BENCH_WARM_BYTES ((size_t)64 << 20)
#define BENCH_WARM_OPS 16

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
double
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
void
fill_src(char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		src[i] = (char)(unsigned char)((i * 131 + n * 7 + 1) & 0xff);
}

/*
 * verify_span -- one operation of fn into a cleared destination must make
 * the first span bytes of the destination equal to those of the source;
 * returns 0 if it does
 */
int
verify_span(const struct bench_case *c, const char *which,
	int (*fn)(struct bench_env *, uint64_t), struct bench_env *env,
	size_t span)
{
	memset(env->dst, 0, span);
	if (fn(env, 1) != 0) {
		fprintf(stderr, "%s: %s, %zu bytes: the operation failed\n",
			c->name, which, env->n);
		return -1;
	}
	if (memcmp(env->dst, env->src, span) != 0) {
		fprintf(stderr, "%s: %s, %zu bytes: wrong bytes copied\n",
			c->name, which, env->n);
		return -1;
	}
	return 0;
}

/*
 * verify -- one operation of fn into a cleared destination must reproduce
 * the source exactly; returns 0 if it does
 */
int
verify(const struct bench_case *c, const char *which,
	int (*fn)(struct bench_env *, uint64_t), struct bench_env *env)
{
	return verify_span(c, which, fn, env, env->n);
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
 * measure_pairs -- o->reps pairs of batches of r->ops operations, one of the
 * mover and one of its baseline; the order alternates from one repetition
 * to the next so that neither always runs first, and a pair the kernel
 * preempted is run again (retries times at most) so that both times come
 * from the same quiet moment.  Fills in the medians, the minimums, the
 * quiet count and ratio = mover / baseline; returns 0, or -1 if an
 * operation failed (reported).
 */
int
measure_pairs(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, unsigned retries, struct bench_result *r)
{
	double *mv = calloc(o->reps, sizeof(*mv));
	double *bv = calloc(o->reps, sizeof(*bv));
	int ret = -1;

	if (mv == NULL || bv == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}

	/* quiet pairs are kept at the front of mv and bv, the others after */
	unsigned quiet = 0, noisy = 0;
	for (unsigned i = 0; i < o->reps; i++) {
		double m, b;
		int e;
		for (unsigned retry = 0;; retry++) {
			e = time_pair(c, env, r->ops, i % 2 == 0, &m, &b);
			if (e < 0)
				goto failed;
			if (e == 0 || retry >= retries)
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
 * measure -- interleaved batches of the mover and of its baseline at one
 * size (measure_pairs), after a warm-up and batches sized by calibrate()
 */
int
measure(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, struct bench_result *r)
{
	/* warm the buffers, the caches and the branch predictors */
	uint64_t warm = env->n >= BENCH_WARM_BYTES ? 1 :
		BENCH_WARM_BYTES / env->n;
	if (warm > BENCH_WARM_OPS)
		warm = BENCH_WARM_OPS;
	if (c->run(env, warm) != 0 || c->baseline_run(env, warm) != 0 ||
		calibrate(c, env, o->batch_ns, &r->ops) != 0) {
		fprintf(stderr, "%s: %zu bytes: an operation failed\n",
			c->name, env->n);
		return -1;
	}

	if (measure_pairs(c, env, o, BENCH_RETRIES, r) != 0)
		return -1;
	r->goal = goal_for(c, env->n);
	return 0;
}

/*
 * run_case -- measures a case at every size; returns 0, or -1 if the case
 * is broken (a skipped case is not)
 */
int
run_case(const struct bench_case *c, const struct bench_opts *o, char *src,
	char *dst, size_t max_size, FILE *csv, unsigned *met, unsigned *goals)
{
	struct bench_env env = {
		.src = src,
		.dst = dst,
		.n = 0,
		.max_size = max_size,
		.mover = { NULL, NULL },
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
 * fill_words -- a pattern that never repeats within len bytes (a 64-bit word
 * per 8 bytes), so that a piece copied to the wrong place shows; seed makes
 * it differ from one figure to the next
 */
void
fill_words(char *buf, size_t len, uint64_t seed)
{
	uint64_t *w = (uint64_t *)buf;

	for (size_t i = 0; i < len / sizeof(*w); i++)
		w[i] = (i + seed) * 0x9e3779b97f4a7c15ULL;
	for (size_t i = len & ~(sizeof(*w) - 1); i < len; i++)
		buf[i] = (char)(unsigned char)(i + seed);
}

/*
 * fig_alloc -- two page-aligned buffers of len bytes, every page faulted
 * in; returns 0 or -1
 */
int
fig_alloc(char **src, char **dst, size_t len)
{
	*src = NULL;
	*dst = NULL;
	if (posix_memalign((void **)src, BENCH_PAGE_SIZE, len) != 0 ||
		posix_memalign((void **)dst, BENCH_PAGE_SIZE, len) != 0) {
		free(*src);
		*src = NULL;
		fprintf(stderr, "out of memory (2 x %zu bytes)\n", len);
		return -1;
	}
	memset(*src, 1, len);
	memset(*dst, 2, len);
	return 0;
}

/*
 * fig_big -- makes the big buffers at least len bytes long
 */
int
fig_big(struct fig_ctx *x, size_t len)
{
	if (x->big_len >= len)
		return 0;
	free(x->big_src);
	free(x->big_dst);
	x->big_len = 0;
	if (fig_alloc(&x->big_src, &x->big_dst, len) != 0)
		return -1;
	x->big_len = len;
	return 0;
}

/*
 * measure_span -- measure(), then one operation of each side checked over
 * span bytes
 */
int
measure_span(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, size_t span, struct bench_result *r)
{
	if (measure(c, env, o, r) != 0 ||
		verify_span(c, c->mover, c->run, env, span) != 0 ||
		verify_span(c, c->baseline, c->baseline_run, env, span) != 0)
		return -1;
	return 0;
}

/*
 * result_per -- the times of r per copy of a pass of count
 */
void
result_per(struct bench_result *r, unsigned count)
{
	r->mover_med /= count;
	r->mover_min /= count;
	r->base_med /= count;
	r->base_min /= count;
}

/*
 * fig_opts -- the run's options, at most max_reps repetitions
 */
struct bench_opts
fig_opts(const struct fig_ctx *x, unsigned max_reps)
{
	struct bench_opts o = *x->o;

	if (o.reps > max_reps)
		o.reps = max_reps;
	return o;
}

/*
 * fig_env -- a bench_env of n bytes per operation, without a mover yet
 */
struct bench_env
fig_env(char *src, char *dst, size_t n)
{
	struct bench_env env = {
		.src = src,
		.dst = dst,
		.n = n,
		.max_size = n,
		.mover = { NULL, NULL },
		.state = NULL,
	};
	return env;
}

/*
 * fig_case -- a bench_case for measure() and verify() in a figure
 */
struct bench_case
fig_case(const char *name, const char *mover,
	int (*run)(struct bench_env *, uint64_t),
	int (*baseline_run)(struct bench_env *, uint64_t))
{
	struct bench_case c = {
		.name = name,
		.mover = mover,
		.baseline = "memcpy",
		.what = name,
		.setup = NULL,
		.teardown = NULL,
		.run = run,
		.baseline_run = baseline_run,
		.goals = NULL,
	};
	return c;
}
