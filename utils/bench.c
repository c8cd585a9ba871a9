/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench.c -- each mover side by side with its baseline, as a ratio measured
 * in the same run: the options, the families of movers this build has, and
 * the run over their cases and figures
 *
 * A case is a mover and the baseline it is held against (plain memcpy for
 * movers of ordinary memory).  For every copy size, the program times
 * batches of many operations, mover and baseline batches interleaved so that
 * both see the same noise of a shared machine, and reports the median time
 * per operation of each, the ratio of the medians, and the goal the ratio
 * should meet.  Speed never changes the exit status: only a broken case
 * does (wrong bytes, an operation that failed, a mover that cannot be made).
 *
 * After the size sweeps come the figures, each a fixed situation rather
 * than a sweep, printed beside its baseline measured in the same run, with
 * its goal.
 *
 * The cases and figures come from the families of movers (struct
 * bench_family), one file each: bench_threads.c, bench_sync.c and, when
 * libminiasync-pmem is built, bench_pmem.c.  CMake lists the families it
 * builds in bench_families[] (families.c.in), in the order they run.
 * A new mover is one more case of its family: its setup and teardown, a
 * function that runs one batch of operations on the mover, one that runs
 * the same batch with the baseline, and the goals of the ratio; a new
 * family is one more file and its line in utils/CMakeLists.txt.
 */

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

#ifndef BENCH_VERSION
#define BENCH_VERSION "(unknown version)"
#endif

#define BENCH_MAX_SIZE ((size_t)1 << 30)

/* the default run and the --quick one (used by the test suite) */
#define BENCH_REPS_DEFAULT 31
#define BENCH_BATCH_NS_DEFAULT (4 * 1000 * 1000ULL)
#define BENCH_WARMUP_NS_DEFAULT (200 * 1000 * 1000ULL)
#define BENCH_REPS_QUICK 3
#define BENCH_BATCH_NS_QUICK (1000 * 1000ULL)
#define BENCH_WARMUP_NS_QUICK (10 * 1000 * 1000ULL)

/* how long the idle pool is watched (threads-idle), default and --quick */
#define BENCH_IDLE_NS_DEFAULT (1000 * 1000 * 1000ULL)
#define BENCH_IDLE_NS_QUICK (200 * 1000 * 1000ULL)

/*
 * the largest copy of threads-waiter (two buffers of it stay under 1 GiB),
 * default and --quick (which then copies less than 20 ms' worth)
 */
#define BENCH_WAITER_MAX_DEFAULT ((size_t)384 << 20)
#define BENCH_WAITER_MAX_QUICK ((size_t)64 << 20)

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
			parse_size(t, BENCH_MAX_SIZE,
				&o->sizes[o->nsizes]) != 0) {
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
 * families_help -- the families' parts of the help text: about their
 * figures, or about their CSV rows
 */
static void
families_help(FILE *f, int csv)
{
	for (const struct bench_family *const *fam = bench_families;
		*fam != NULL; fam++) {
		const char *text = csv ? (*fam)->csv_help : (*fam)->help;
		if (text != NULL)
			fputs(text, f);
	}
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
"  --case NAME      run only this case or figure (see --list)\n"
"  --cpu N          pin the program to CPU N\n"
"  --csv FILE       also write the results to FILE as CSV:\n"
"                   case,mover,size,ns_per_op,baseline_ns_per_op,ratio,goal\n"
"                   (see below)\n"
"  --list           list the cases and exit\n"
"  --help           this text\n",
		prog, BENCH_REPS_DEFAULT,
		(unsigned)(BENCH_BATCH_NS_DEFAULT / 1000000));
	families_help(f, 0);
	if (bench_left_out[0] != '\0')
		fprintf(f, "\n(built without %s)\n", bench_left_out);
	/* the rows of every sweep are as sync's */
	fputs(
"\n"
"CSV rows, by case (NaN where a number does not apply; goal empty if none):\n"
"  sync             ns per copy of size bytes, mover and baseline; ratio =\n"
"                   mover / baseline time; goal: the largest ratio\n", f);
	families_help(f, 1);
	fputs(
"plot.sh draws the sweeps only (cases not named threads-*, pmem-* or\n"
"pmemobj-*).\n"
"\n"
"The exit status is 0 unless a case is broken (wrong bytes, failed\n"
"operations); a missed goal is reported, never an error.\n", f);
	/* clang-format on */
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
};

/* the options of a run as the command line sets them */
struct bench_args {
	struct bench_opts *o;
	int reps_set; /* --reps given: --quick keeps it */
	int batch_set; /* --batch-ms given: --quick keeps it */
};

/*
 * list_cases -- prints every case, then every figure, for --list
 */
static void
list_cases(void)
{
	const struct bench_family *const *fam;

	for (fam = bench_families; *fam != NULL; fam++)
		for (size_t i = 0; i < (*fam)->ncases; i++)
			printf("%-15s %s against %s\n", (*fam)->cases[i].name,
				(*fam)->cases[i].what,
				(*fam)->cases[i].baseline);
	for (fam = bench_families; *fam != NULL; fam++)
		for (size_t i = 0; i < (*fam)->nfigures; i++)
			printf("%-15s %s\n", (*fam)->figures[i].name,
				(*fam)->figures[i].what);
}

/*
 * known_name -- whether a case or a figure is called name
 */
static int
known_name(const char *name)
{
	for (const struct bench_family *const *fam = bench_families;
		*fam != NULL; fam++) {
		for (size_t i = 0; i < (*fam)->ncases; i++)
			if (strcmp((*fam)->cases[i].name, name) == 0)
				return 1;
		for (size_t i = 0; i < (*fam)->nfigures; i++)
			if (strcmp((*fam)->figures[i].name, name) == 0)
				return 1;
	}
	return 0;
}

/*
 * handle_opt -- one option of the command line into the run's options
 * (see opts_parse)
 */
static int
handle_opt(int opt, const char *value, void *arg)
{
	struct bench_args *a = arg;
	struct bench_opts *o = a->o;
	unsigned long long v;

	switch (opt) {
	case OPT_QUICK:
		if (!a->reps_set)
			o->reps = BENCH_REPS_QUICK;
		if (!a->batch_set)
			o->batch_ns = BENCH_BATCH_NS_QUICK;
		o->warmup_ns = BENCH_WARMUP_NS_QUICK;
		o->idle_ns = BENCH_IDLE_NS_QUICK;
		o->waiter_max = BENCH_WAITER_MAX_QUICK;
		return 0;
	case OPT_REPS:
		if (parse_u64(value, 1000, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->reps = (unsigned)v;
		a->reps_set = 1;
		return 0;
	case OPT_BATCH_MS:
		if (parse_u64(value, 10000, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->batch_ns = v * 1000000ULL;
		a->batch_set = 1;
		return 0;
	case OPT_SIZES:
		return parse_sizes(value, o) != 0 ? OPTS_BAD : 0;
	case OPT_CASE:
		o->only = value;
		return 0;
	case OPT_CPU:
		if (parse_u64(value, CPU_SETSIZE - 1, &v) != 0)
			return OPTS_BAD;
		o->cpu = (int)v;
		return 0;
	case OPT_CSV:
		o->csv = value;
		return 0;
	case OPT_LIST:
		list_cases();
		return OPTS_DONE;
	default:
		return OPTS_BAD;
	}
}

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
	struct bench_args a = { o, 0, 0 };

	return opts_parse(argc, argv, longopts, handle_opt, &a, usage);
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
 * run_cases -- every case of every family, or the one --case names, at
 * every size; 0, or -1 if one is broken
 */
static int
run_cases(const struct bench_opts *o, char *src, char *dst, size_t max_size,
	FILE *csv, unsigned *met, unsigned *goals)
{
	int ret = 0;

	for (const struct bench_family *const *fam = bench_families;
		*fam != NULL; fam++) {
		for (size_t i = 0; i < (*fam)->ncases; i++) {
			const struct bench_case *c = &(*fam)->cases[i];
			if (o->only != NULL && strcmp(c->name, o->only) != 0)
				continue;
			if (run_case(c, o, src, dst, max_size, csv, met,
					goals) != 0)
				ret = -1;
		}
	}
	return ret;
}

/*
 * run_figures -- every figure of every family, or the one --case names;
 * 0, or -1 if one is broken
 */
static int
run_figures(struct fig_ctx *fx)
{
	const char *only = fx->o->only;
	int ret = 0;

	for (const struct bench_family *const *fam = bench_families;
		*fam != NULL; fam++) {
		for (size_t i = 0; i < (*fam)->nfigures; i++) {
			const struct bench_figure *f = &(*fam)->figures[i];
			if (only != NULL && strcmp(f->name, only) != 0)
				continue;
			if (fx->src == NULL && fig_alloc(&fx->src, &fx->dst,
					FIG_SMALL_LEN) != 0)
				return -1;
			if (f->run(fx) != 0) {
				fprintf(stderr, "%s: broken (see above)\n",
					f->name);
				ret = -1;
			}
			fflush(stdout);
		}
	}
	return ret;
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
		.idle_ns = BENCH_IDLE_NS_DEFAULT,
		.waiter_max = BENCH_WAITER_MAX_DEFAULT,
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

	if (o.only != NULL && !known_name(o.only)) {
		fprintf(stderr, "%s: no case '%s' (see --list)\n", argv[0],
			o.only);
		return 2;
	}

	/* the pools' workers may use all of these, whatever --cpu says */
	CPU_ZERO(&bench_cpus);
	if (sched_getaffinity(0, sizeof(bench_cpus), &bench_cpus) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", argv[0],
			strerror(errno));
		return 2;
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
		bench_pinned = 1;
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
	if (run_cases(&o, src, dst, max_size, csv, &met, &goals) != 0)
		status = 1;

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct fig_ctx fx = {
		.o = &o,
		.csv = csv,
		.met = &met,
		.goals = &goals,
		.ncpus = cpus > 0 ? (unsigned)cpus : 1,
		.src = NULL,
		.dst = NULL,
		.big_src = NULL,
		.big_dst = NULL,
		.big_len = 0,
	};
	if (run_figures(&fx) != 0)
		status = 1;
	free(fx.src);
	free(fx.dst);
	free(fx.big_src);
	free(fx.big_dst);

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
