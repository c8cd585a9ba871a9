/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_harness.c -- what every case and figure of bench is measured with
 * (see bench.h): batches of the mover and of its baseline timed in pairs,
 * their medians, the check of the bytes they copy, the tables and the CSV
 * rows
 */

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <libminiasync.h>

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

/* the CPUs the program may use, saved before --cpu pins it */
cpu_set_t bench_cpus;
int bench_pinned;

/*
 * mover_open -- m with vdm and a new runtime
 */
int
mover_open(struct bench_mover *m, struct vdm *vdm, int err, const char *what)
{
	if (vdm == NULL) {
		fprintf(stderr, "%s: cannot make the mover: %s\n", what,
			strerror(err));
		return -1;
	}
	m->vdm = vdm;
	m->rt = runtime_new();
	if (m->rt == NULL) {
		fprintf(stderr, "runtime_new: %s\n", strerror(errno));
		vdm_delete(vdm);
		m->vdm = NULL;
		return -1;
	}
	return 0;
}

/*
 * mover_close -- deletes the runtime and the mover
 */
void
mover_close(struct bench_mover *m)
{
	runtime_delete(m->rt);
	vdm_delete(m->vdm);
	m->rt = NULL;
	m->vdm = NULL;
}

/*
 * baseline_memcpy -- ops plain memcpy calls; n is a run-time value, so the
 * compiler calls the C library's memcpy instead of inlining a few moves
 */
BENCH_BATCH int
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
 * copy_failed -- whether a completed copy to dst reports a failure
 */
static inline int
copy_failed(struct vdm_memcpy_future *fut, const char *dst)
{
	return (FUTURE_OUTPUT(fut)->result != VDM_SUCCESS) |
		(FUTURE_OUTPUT(fut)->dest != dst);
}

/*
 * copy_loop -- ops copies on env->mover, each a vdm_memcpy future waited for
 * with runtime_wait, or busy-polled if wait is 0; always inlined, so that
 * each caller is the loop of its own way of waiting, without a test
 */
static inline __attribute__((always_inline)) int
copy_loop(struct bench_env *env, uint64_t ops, int wait)
{
	struct vdm *vdm = env->mover.vdm;
	struct runtime *rt = env->mover.rt;
	char *dst = env->dst;
	char *src = env->src;
	size_t n = env->n;
	int bad = 0;

	for (uint64_t i = 0; i < ops; i++) {
		struct vdm_memcpy_future fut = vdm_memcpy(vdm, dst, src, n, 0);
		if (wait)
			runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));
		else
			FUTURE_BUSY_POLL(&fut);
		bad |= copy_failed(&fut, dst);
		bench_barrier();
	}

	return bad ? -1 : 0;
}

/*
 * busy_run -- ops copies, each a vdm_memcpy future busy-polled to completion
 */
BENCH_BATCH int
busy_run(struct bench_env *env, uint64_t ops)
{
	return copy_loop(env, ops, 0);
}

/*
 * wait_run -- ops copies, each a vdm_memcpy future waited for with
 * runtime_wait: submit (the first poll) to complete
 */
BENCH_BATCH int
wait_run(struct bench_env *env, uint64_t ops)
{
	return copy_loop(env, ops, 1);
}

/*
 * wait_copies -- copies futures on distinct ranges, waited for together
 */
int
wait_copies(struct bench_env *env, size_t copies)
{
	struct vdm_memcpy_future futs[BENCH_MAX_COPIES];
	struct future *ptrs[BENCH_MAX_COPIES];
	size_t n = env->n;
	int bad = 0;

	for (size_t k = 0; k < copies; k++) {
		futs[k] = vdm_memcpy(env->mover.vdm, env->dst + k * n,
			env->src + k * n, n, 0);
		ptrs[k] = FUTURE_AS_RUNNABLE(&futs[k]);
	}
	runtime_wait_multiple(env->mover.rt, ptrs, copies);
	for (size_t k = 0; k < copies; k++)
		bad |= copy_failed(&futs[k], env->dst + k * n);

	return bad ? -1 : 0;
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
 * size_str -- a size in the units a person reads (64 B, 4 KiB, 1 MiB)
 */
const char *
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
 * unpin -- lets this thread (and the threads it starts) run on every CPU
 * the program was given, when --cpu pinned it; *pinned keeps what repin()
 * restores
 */
void
unpin(cpu_set_t *pinned)
{
	if (!bench_pinned)
		return;
	CPU_ZERO(pinned);
	(void) pthread_getaffinity_np(pthread_self(), sizeof(*pinned),
		pinned);
	(void) pthread_setaffinity_np(pthread_self(), sizeof(bench_cpus),
		&bench_cpus);
}

/*
 * repin -- pins this thread again as it was before unpin()
 */
void
repin(const cpu_set_t *pinned)
{
	if (bench_pinned)
		(void) pthread_setaffinity_np(pthread_self(), sizeof(*pinned),
			pinned);
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
 * fig_goal -- counts a goal and returns its verdict
 */
const char *
fig_goal(struct fig_ctx *x, int met)
{
	(*x->goals)++;
	if (met)
		(*x->met)++;
	return met ? "PASS" : "MISS";
}

/*
 * csv_num -- a CSV field: the number, or NaN where it does not apply
 */
static void
csv_num(FILE *f, const char *fmt, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else
		fprintf(f, fmt, v);
}

/*
 * csv_fig -- one CSV row of a figure (goal NaN: none, the field is empty)
 */
void
csv_fig(struct fig_ctx *x, const char *name, const char *mover, size_t size,
	double ns, double base_ns, double ratio, double goal)
{
	if (x->csv == NULL)
		return;
	fprintf(x->csv, "%s,%s,%zu,", name, mover, size);
	csv_num(x->csv, "%.3f", ns);
	fputc(',', x->csv);
	csv_num(x->csv, "%.3f", base_ns);
	fputc(',', x->csv);
	csv_num(x->csv, "%.4f", ratio);
	fputc(',', x->csv);
	if (!isnan(goal))
		fprintf(x->csv, "%.2f", goal);
	fputc('\n', x->csv);
}

/*
 * fig_header -- the column heads of a figure's table of medians
 */
void
fig_header(void)
{
	printf("  %-15s %10s %10s %10s %10s %5s %7s %10s\n", "mover",
		"mover-med", "mover-min", "base-med", "base-min", "quiet",
		"ratio", "goal");
}

/*
 * fig_row -- a line of a figure's table, the times divided by scale
 */
void
fig_row(const char *mover, const struct bench_result *r, double scale,
	double ratio, const char *goal, const char *verdict)
{
	printf("  %-15s %10.2f %10.2f %10.2f %10.2f %5u %7.2f %10s %s\n",
		mover, r->mover_med / scale, r->mover_min / scale,
		r->base_med / scale, r->base_min / scale, r->quiet, ratio,
		goal, verdict);
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
 * fig_speedup -- a row of a figure whose ratio is baseline / mover time,
 * and its CSV row
 */
void
fig_speedup(struct fig_ctx *x, const char *name, const char *mover,
	size_t size, const struct bench_result *r, double scale, double goal)
{
	double ratio = r->base_med / r->mover_med;
	char text[32] = "-";
	const char *verdict = "";

	if (!isnan(goal)) {
		snprintf(text, sizeof(text), ">= %.2f", goal);
		verdict = fig_goal(x, ratio >= goal);
	}
	fig_row(mover, r, scale, ratio, text, verdict);
	csv_fig(x, name, mover, size, r->mover_med, r->base_med, ratio, goal);
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
