/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench.h -- the harness of bench (bench_harness.c, with the batches of
 * bench_batch.c and the output of bench_output.c), as the files of the
 * mover families and main (bench.c) use it
 *
 * A case is a mover and the baseline it is held against, swept over the
 * copy sizes of the run; a figure is one fixed situation with its own
 * buffers, measured and printed by its own function, most of them through
 * measure() and verify() on a bench_case of their own (fig_case()).  A
 * family of movers (struct bench_family, a file each) lists its cases and
 * figures; bench_families[] lists the families of the build.
 */

#ifndef MINIASYNC_UTILS_BENCH_H
#define MINIASYNC_UTILS_BENCH_H 1

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_PAGE_SIZE 4096
#define BENCH_MAX_SIZES 32

/* what a case's setup may answer besides 0 (ready) and -1 (broken) */
#define BENCH_SKIP 1

/* the buffers of the small figures (64 B copies, 64 x 4 KiB copies) */
#define FIG_SMALL_LEN ((size_t)256 << 10)

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

struct vdm;
struct runtime;

/* a mover of the library and the runtime that waits on it (or NULL) */
struct bench_mover {
	struct vdm *vdm;
	struct runtime *rt;
};

/*
 * struct bench_env -- what a case's functions work on: the buffers, the
 * bytes per operation, the mover (for the harness's batches: busy_run(),
 * wait_run(), wait_copies()) and the case's own state, both set up by its
 * setup
 */
struct bench_env {
	char *src;
	char *dst; /* a setup may point it elsewhere (a map) */
	size_t n; /* bytes per operation */
	size_t max_size; /* the largest n of the run */
	struct bench_mover mover;
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
	uint64_t idle_ns; /* how long threads-idle watches the idle pool */
	size_t waiter_max; /* the largest copy of threads-waiter */
	int cpu; /* -1: not pinned */
	const char *csv;
	const char *only; /* run only this case, or NULL */
	size_t sizes[BENCH_MAX_SIZES];
	unsigned nsizes;
};

/* what a figure works on */
struct fig_ctx {
	const struct bench_opts *o;
	FILE *csv;
	unsigned *met;
	unsigned *goals;
	unsigned ncpus; /* online CPUs: the workers of a default pool */
	char *src; /* FIG_SMALL_LEN bytes each */
	char *dst;
	char *big_src; /* big_len bytes each, allocated on demand */
	char *big_dst;
	size_t big_len;
};

/* a figure: one fixed situation, measured and printed by run */
struct bench_figure {
	const char *name;
	const char *what;
	int (*run)(struct fig_ctx *x);
};

/*
 * struct bench_family -- the cases and figures of one family of movers, in
 * the order they run, and its parts of --help: about its figures (after
 * the options) and about its CSV rows; a part is NULL if it has none
 */
struct bench_family {
	const struct bench_case *cases;
	size_t ncases;
	const struct bench_figure *figures;
	size_t nfigures;
	const char *help;
	const char *csv_help;
};

/* the families, each defined in its file (bench_sync.c, ...) */
extern const struct bench_family bench_family_threads;
extern const struct bench_family bench_family_sync;
extern const struct bench_family bench_family_pmem;
extern const struct bench_family bench_family_pmem_cl;
extern const struct bench_family bench_family_pmemobj;

/*
 * the families of this build, in the order they run, then NULL; and what
 * the build leaves out, for --help ("" if nothing): both made by CMake
 * from families.c.in
 */
extern const struct bench_family *const bench_families[];
extern const char bench_left_out[];

/* bench_batch.c: the movers, and the batches timed on them */

/* the CPUs the program may use, saved (by main) before --cpu pins it */
extern cpu_set_t bench_cpus;
/* --cpu pinned the measuring thread */
extern int bench_pinned;

/*
 * unpin -- lets this thread (and the threads it starts) run on every CPU
 * the program was given, when --cpu pinned it; *pinned keeps what repin()
 * restores
 */
void unpin(cpu_set_t *pinned);

/*
 * repin -- pins this thread again as it was before unpin()
 */
void repin(const cpu_set_t *pinned);

/*
 * mover_open -- m holds vdm, a mover its constructor just made (NULL: the
 * constructor failed, err is its errno), and a new runtime; what names the
 * mover in a message; 0, or -1 (reported; nothing is left)
 */
int mover_open(struct bench_mover *m, struct vdm *vdm, int err,
	const char *what);

/*
 * mover_close -- deletes the runtime and the mover
 */
void mover_close(struct bench_mover *m);

/*
 * baseline_memcpy -- ops plain memcpy calls of env->n bytes, the baseline
 * of the movers of ordinary memory
 */
int baseline_memcpy(struct bench_env *env, uint64_t ops);

/*
 * busy_run -- ops copies on env->mover, each a vdm_memcpy future
 * busy-polled to completion on this thread
 */
int busy_run(struct bench_env *env, uint64_t ops);

/*
 * wait_run -- ops copies on env->mover, each a vdm_memcpy future waited
 * for with runtime_wait: submit (the first poll) to complete
 */
int wait_run(struct bench_env *env, uint64_t ops);

/* the copies wait_copies() waits for together, at most */
#define BENCH_MAX_COPIES 64

/*
 * wait_copies -- one pass: copies vdm_memcpy futures on env->mover, copy k
 * moving env->n bytes from env->src + k * env->n to env->dst + k * env->n,
 * waited for together with runtime_wait_multiple; 0, or -1 if one of them
 * failed
 */
int wait_copies(struct bench_env *env, size_t copies);

/* bench_harness.c: timing, medians, checks, sweeps, figures' starts */

/*
 * median -- the median of v[0..n), which it sorts (v[0] is then the
 * minimum)
 */
double median(double *v, unsigned n);

/*
 * fill_src -- a pattern of n bytes that depends on n, so that no earlier
 * copy can pass for this one
 */
void fill_src(char *src, size_t n);

/*
 * fill_words -- a pattern that never repeats within len bytes; seed makes
 * it differ from one figure to the next
 */
void fill_words(char *buf, size_t len, uint64_t seed);

/*
 * verify_span -- one operation of fn into a cleared destination must make
 * the first span bytes of the destination equal to those of the source;
 * 0 if it does, -1 (reported) otherwise
 */
int verify_span(const struct bench_case *c, const char *which,
	int (*fn)(struct bench_env *, uint64_t), struct bench_env *env,
	size_t span);

/*
 * verify -- verify_span over the env->n bytes of one operation
 */
int verify(const struct bench_case *c, const char *which,
	int (*fn)(struct bench_env *, uint64_t), struct bench_env *env);

/*
 * measure_pairs -- o->reps pairs of batches of r->ops operations, the
 * mover's and the baseline's, a preempted pair run again up to retries
 * times; fills in r but ops and goal; 0, or -1 (reported)
 */
int measure_pairs(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, unsigned retries, struct bench_result *r);

/*
 * measure -- measure_pairs at env->n bytes after a warm-up, with batches
 * sized to last o->batch_ns; fills in all of r; 0, or -1 (reported)
 */
int measure(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, struct bench_result *r);

/*
 * measure_span -- measure(), then verify_span() of the mover and of the
 * baseline over span bytes; 0, or -1 (reported)
 */
int measure_span(const struct bench_case *c, struct bench_env *env,
	const struct bench_opts *o, size_t span, struct bench_result *r);

/*
 * result_per -- the times of r divided by count: per copy rather than per
 * pass of count copies
 */
void result_per(struct bench_result *r, unsigned count);

/*
 * run_case -- measures, checks and prints a case at every size of o, on
 * src and dst (max_size bytes each), with a CSV row each when csv is not
 * NULL; counts the goals and those met; 0, or -1 if the case is broken
 */
int run_case(const struct bench_case *c, const struct bench_opts *o,
	char *src, char *dst, size_t max_size, FILE *csv, unsigned *met,
	unsigned *goals);

/*
 * fig_alloc -- two page-aligned buffers of len bytes, every page faulted
 * in; 0, or -1 (reported)
 */
int fig_alloc(char **src, char **dst, size_t len);

/*
 * fig_big -- makes the big buffers of x at least len bytes long; 0, or -1
 */
int fig_big(struct fig_ctx *x, size_t len);

/*
 * fig_opts -- the options of the run with at most max_reps repetitions,
 * for a figure whose repetitions are long
 */
struct bench_opts fig_opts(const struct fig_ctx *x, unsigned max_reps);

/*
 * fig_env -- a bench_env of n bytes per operation from src to dst, without
 * a mover or state yet
 */
struct bench_env fig_env(char *src, char *dst, size_t n);

/*
 * fig_case -- a bench_case against memcpy without setup, for measure() and
 * verify() in a figure
 */
struct bench_case fig_case(const char *name, const char *mover,
	int (*run)(struct bench_env *, uint64_t),
	int (*baseline_run)(struct bench_env *, uint64_t));

/* bench_output.c: the rows of the tables and of the CSV file */

/*
 * size_str -- a size in the units a person reads (64 B, 4 KiB, 1 MiB)
 */
const char *size_str(size_t n, char *buf, size_t len);

/*
 * print_row -- a line of the table of a case, at size n
 */
void print_row(size_t n, const struct bench_result *r);

/*
 * csv_row -- a row of the CSV file for a case, at size n
 */
void csv_row(FILE *f, const struct bench_case *c, size_t n,
	const struct bench_result *r);

/*
 * fig_goal -- counts a goal of a figure and returns its verdict
 */
const char *fig_goal(struct fig_ctx *x, int met);

/*
 * csv_fig -- one CSV row of a figure, if there is a CSV file (NaN: the
 * number does not apply; goal NaN: none)
 */
void csv_fig(struct fig_ctx *x, const char *name, const char *mover,
	size_t size, double ns, double base_ns, double ratio, double goal);

/*
 * fig_header -- the column heads of a figure's table of medians
 */
void fig_header(void);

/*
 * fig_row -- a line of a figure's table, the times divided by scale
 */
void fig_row(const char *mover, const struct bench_result *r, double scale,
	double ratio, const char *goal, const char *verdict);

/*
 * fig_speedup -- a row of a figure whose ratio is baseline time / mover
 * time (higher is better), the times divided by scale, held against goal
 * (NaN: none), and its CSV row (name, mover, size)
 */
void fig_speedup(struct fig_ctx *x, const char *name, const char *mover,
	size_t size, const struct bench_result *r, double scale, double goal);

#ifdef __cplusplus
}
#endif

#endif /* MINIASYNC_UTILS_BENCH_H */
