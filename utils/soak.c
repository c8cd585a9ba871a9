/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * soak.c -- millions of mixed operations on every mover, every byte checked
 *
 * Several submitting threads share one mover of each kind: the synchronous
 * mover, the thread-pool mover with the waker and with the poller notifier,
 * and, when libminiasync-pmem is built (its family, soak_pmem.c),
 * vdm_pmem2_new() on a file of /var/tmp mapped with libpmem2 and
 * vdm_pmem_new(), each with 0 and with 2 worker threads.  Each submitting
 * thread owns a lane of a heap buffer and a lane of the mapped file, and
 * keeps a reference copy of both that it updates with the C library.  It
 * issues batches of 1 to 16 random operations (memcpy, memmove with and
 * without overlap, memset, flush; 0 to 1 MiB, mostly small; any alignment;
 * flags 0, VDM_F_NO_CACHE_HINT, VDM_F_MEM_DURABLE), a few of them invalid
 * on purpose, waits for the batch with its own runtime or by busy polling,
 * then checks every result and compares the bytes the batch could have
 * touched with the reference (the whole lanes every SOAK_FULL_EVERY
 * batches and at the end); that is soak_worker.c.  This file sets the
 * movers and the lanes up, runs the threads and adds up their figures.
 *
 * Any wrong result or byte is an error; the exit status is 1 if there was
 * one, 2 on bad usage or a failed setup, 0 otherwise.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libminiasync.h>

#include "common.h"
#include "soak.h"

struct soak_shared soak;

/* what the file lanes' map is, for the run's header */
static const char *file_what;

/* the memory figures of the process, in KiB */
struct soak_mem {
	long rss;
	long hwm;
};

/*
 * mem_read -- VmRSS and VmHWM from /proc/self/status (-1 if unreadable)
 */
static struct soak_mem
mem_read(void)
{
	struct soak_mem m = { -1, -1 };
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	if (f == NULL)
		return m;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			m.rss = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			m.hwm = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return m;
}

/*
 * soak_mover_add -- records a mover; -1 (reported) if it could not be made
 * or there are too many
 */
int
soak_mover_add(const char *name, struct vdm *vdm, int durable, int pmem2,
	unsigned weight)
{
	if (vdm == NULL) {
		fprintf(stderr, "cannot make the %s mover: %s\n", name,
			strerror(errno));
		return -1;
	}
	if (soak.nmovers == SOAK_MAX_MOVERS) {
		fprintf(stderr, "the %s mover is one too many (at most %d)\n",
			name, SOAK_MAX_MOVERS);
		vdm_delete(vdm);
		return -1;
	}
	soak.movers[soak.nmovers].name = name;
	soak.movers[soak.nmovers].vdm = vdm;
	soak.movers[soak.nmovers].durable = durable;
	soak.movers[soak.nmovers].pmem2 = pmem2;
	soak.movers[soak.nmovers].weight = weight;
	soak.total_weight += weight;
	soak.nmovers++;
	return 0;
}

/*
 * soak_file_set -- the map of the file lanes, and what it is
 */
void
soak_file_set(char *base, size_t len, const char *what)
{
	soak.have_file = 1;
	soak.map_base = base;
	soak.map_len = len;
	soak.guard = base + len - SOAK_GUARD;
	file_what = what;
}

/*
 * movers_make -- one mover of each kind of libminiasync, then those of the
 * families; -1 if one could not be made
 */
static int
movers_make(size_t file_len)
{
	struct vdm_threads_config cfg = {
		.nthreads = 2,
		/* small: 4 threads x 16 operations fill it at times */
		.queue_depth = 32,
	};

	if (soak_mover_add("sync", vdm_new(vdm_descriptor_synchronous()),
			0, 0, SOAK_WEIGHT_FAST) != 0 ||
		soak_mover_add("threads-waker", vdm_threads_new(&cfg,
			FUTURE_NOTIFIER_WAKER), 0, 0, SOAK_WEIGHT_FAST) != 0 ||
		soak_mover_add("threads-poller", vdm_threads_new(&cfg,
			FUTURE_NOTIFIER_POLLER), 0, 0, SOAK_WEIGHT_FAST) != 0)
		return -1;
	for (const struct soak_family *const *fam = soak_families;
		*fam != NULL; fam++)
		if ((*fam)->open(file_len) != 0)
			return -1;
	return 0;
}

/*
 * usage -- the help text
 */
static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s [options]\n"
"Runs random batches of memcpy, memmove, memset and flush on every mover\n"
"of libminiasync from several threads and checks every result and byte.\n"
"\n"
"  --seconds N   run for N seconds (default 60)\n"
"  --ops N       run N operations in all instead\n"
"  --threads N   submitting threads (default 4, at most %d)\n"
"  --seed N      the seed of the random operations (default: from the\n"
"                clock; printed, so that a run can be repeated)\n"
"  --quiet       print only the summary and the errors\n"
"  --help        this text\n"
"\n"
"The exit status is 1 if an operation ended with a wrong result or\n"
"wrong bytes, 2 on bad usage or a failed setup, 0 otherwise.\n",
		prog, SOAK_MAX_THREADS);
	if (soak_left_out[0] != '\0')
		fprintf(f, "\n(built without %s)\n", soak_left_out);
}

enum {
	OPT_SECONDS = 256,
	OPT_OPS,
	OPT_THREADS,
	OPT_SEED,
	OPT_QUIET,
};

/* the options of a run */
struct soak_opts {
	unsigned long long seconds;
	unsigned long long ops; /* 0: run for seconds */
	unsigned threads;
	unsigned long long seed;
	int quiet;
};

/*
 * handle_opt -- one option of the command line into the run's options
 * (see opts_parse)
 */
static int
handle_opt(int opt, const char *value, void *arg)
{
	struct soak_opts *o = arg;
	unsigned long long v;

	switch (opt) {
	case OPT_SECONDS:
		if (parse_u64(value, 1000000, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->seconds = v;
		o->ops = 0;
		return 0;
	case OPT_OPS:
		if (parse_u64(value, 1ULL << 48, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->ops = v;
		return 0;
	case OPT_THREADS:
		if (parse_u64(value, SOAK_MAX_THREADS, &v) != 0 || v == 0)
			return OPTS_BAD;
		o->threads = (unsigned)v;
		return 0;
	case OPT_SEED:
		if (parse_u64(value, UINT64_MAX, &v) != 0)
			return OPTS_BAD;
		o->seed = v;
		return 0;
	case OPT_QUIET:
		o->quiet = 1;
		return 0;
	default:
		return OPTS_BAD;
	}
}

/*
 * parse_args -- the command line into o; 0, 1 (help printed) or -1
 */
static int
parse_args(int argc, char *argv[], struct soak_opts *o)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "ops", required_argument, NULL, OPT_OPS },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};

	return opts_parse(argc, argv, longopts, handle_opt, o, usage);
}

/*
 * print_mem -- one line of memory figures
 */
static void
print_mem(const char *when, struct soak_mem m)
{
	printf("memory at %s: VmRSS %ld KiB, VmHWM %ld KiB\n", when, m.rss,
		m.hwm);
}

/*
 * report -- the figures of the threads added up, by mover, and the memory
 * at the start and at the end; 1 if there was an error, 0 otherwise
 */
static int
report(const struct soak_worker *ws, const struct soak_opts *o, double secs,
	struct soak_mem m0, struct soak_mem m1)
{
	struct soak_stats sum;
	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < o->threads; i++) {
		for (unsigned m = 0; m < soak.nmovers; m++) {
			sum.ops[m] += ws[i].st.ops[m];
			sum.bytes[m] += ws[i].st.bytes[m];
			sum.not_supported[m] += ws[i].st.not_supported[m];
			sum.rejected[m] += ws[i].st.rejected[m];
		}
		sum.errors += ws[i].st.errors;
		sum.batches += ws[i].st.batches;
	}

	uint64_t total_ops = 0, total_bytes = 0;
	if (!o->quiet)
		printf("%-15s %12s %14s %14s %10s\n", "mover", "operations",
			"bytes moved", "not supported", "rejected");
	for (unsigned m = 0; m < soak.nmovers; m++) {
		total_ops += sum.ops[m];
		total_bytes += sum.bytes[m];
		if (!o->quiet)
			printf("%-15s %12llu %14llu %14llu %10llu\n",
				soak.movers[m].name,
				(unsigned long long)sum.ops[m],
				(unsigned long long)sum.bytes[m],
				(unsigned long long)sum.not_supported[m],
				(unsigned long long)sum.rejected[m]);
	}
	printf("%llu operations in %llu batches, %.1f MiB moved in %.1f s, "
	       "%llu errors\n",
		(unsigned long long)total_ops,
		(unsigned long long)sum.batches,
		(double)total_bytes / (1024.0 * 1024.0), secs,
		(unsigned long long)sum.errors);
	if (!o->quiet) {
		print_mem("start", m0);
		print_mem("end", m1);
	}
	printf("memory growth: VmRSS %+ld KiB, VmHWM %+ld KiB\n",
		m1.rss - m0.rss, m1.hwm - m0.hwm);
	return sum.errors != 0 ? 1 : 0;
}

/*
 * main -- sets up the movers and the lanes, runs the threads, reports
 */
int
main(int argc, char *argv[])
{
	struct soak_opts o = {
		.seconds = 60,
		.ops = 0,
		.threads = 4,
		.seed = (unsigned long long)time(NULL) ^
			((unsigned long long)getpid() << 32),
		.quiet = 0,
	};
	struct soak_worker *ws = NULL;
	char *heap = NULL, *heap_ref = NULL, *file_ref = NULL;
	int status = 2;

	int p = parse_args(argc, argv, &o);
	if (p != 0)
		return p > 0 ? 0 : 2;

	/* no thread without an operation to run */
	if (o.ops != 0 && o.threads > o.ops)
		o.threads = (unsigned)o.ops;

	uint64_t seed_state = o.seed;
	size_t pattern_len = SOAK_MAX_OP + SOAK_PATTERN_SLACK;
	size_t heap_len = SOAK_LANE * o.threads;

	soak.pattern = malloc(pattern_len);
	heap = malloc(heap_len);
	heap_ref = malloc(heap_len);
	ws = calloc(o.threads, sizeof(*ws));
	if (soak.pattern == NULL || heap == NULL || heap_ref == NULL ||
			ws == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	fill_random(&seed_state, soak.pattern, pattern_len);
	fill_random(&seed_state, heap, heap_len);
	memcpy(heap_ref, heap, heap_len);

	if (movers_make(heap_len + SOAK_GUARD) != 0)
		goto out;
	if (soak.have_file) {
		file_ref = malloc(heap_len);
		if (file_ref == NULL) {
			fprintf(stderr, "out of memory\n");
			goto out;
		}
		/*
		 * The file is all zero, the guard must stay so; writing every
		 * page of the map and of the reference now makes them count
		 * in the memory at start, so that the growth is the
		 * program's own.
		 */
		memset(soak.map_base, 0, soak.map_len);
		memcpy(file_ref, soak.map_base, heap_len);
	}

	uint64_t start = now_ns();
	for (unsigned i = 0; i < o.threads; i++) {
		struct soak_worker *w = &ws[i];
		w->id = i;
		w->rng = rnd(&seed_state);
		w->lanes[LANE_HEAP].mem = heap + SOAK_LANE * i;
		w->lanes[LANE_HEAP].ref = heap_ref + SOAK_LANE * i;
		if (soak.have_file) {
			w->lanes[LANE_FILE].mem = soak.map_base + SOAK_LANE * i;
			w->lanes[LANE_FILE].ref = file_ref + SOAK_LANE * i;
		}
		w->ops_target = o.ops / o.threads + (i < o.ops % o.threads);
		w->deadline_ns = start + o.seconds * NSEC_PER_SEC;
		w->rt = runtime_new();
		if (w->rt == NULL) {
			fprintf(stderr, "runtime_new: %s\n", strerror(errno));
			goto out;
		}
	}

	struct soak_mem m0 = mem_read();
	printf("soak: seed %llu, %u threads, ", o.seed, o.threads);
	if (o.ops != 0)
		printf("%llu operations\n", o.ops);
	else
		printf("%llu seconds\n", o.seconds);
	if (!o.quiet) {
		printf("movers:");
		for (unsigned i = 0; i < soak.nmovers; i++)
			printf(" %s", soak.movers[i].name);
		printf("\nlanes: %zu KiB of heap", SOAK_LANE >> 10);
		if (soak.have_file)
			printf(" and %zu KiB of %s", SOAK_LANE >> 10,
				file_what);
		printf(" per thread\n");
		print_mem("start", m0);
		fflush(stdout);
	}

	unsigned started = 0;
	for (; started < o.threads; started++) {
		int e = pthread_create(&ws[started].thread, NULL, worker,
			&ws[started]);
		if (e != 0) {
			fprintf(stderr, "pthread_create: %s\n", strerror(e));
			break;
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
	if (started < o.threads)
		goto out;
	double secs = (double)(now_ns() - start) / 1e9;
	struct soak_mem m1 = mem_read();

	status = report(ws, &o, secs, m0, m1);

out:
	for (unsigned m = 0; m < soak.nmovers; m++)
		vdm_delete(soak.movers[m].vdm);
	if (ws != NULL)
		for (unsigned i = 0; i < o.threads; i++)
			runtime_delete(ws[i].rt);
	for (const struct soak_family *const *fam = soak_families;
		*fam != NULL; fam++)
		(*fam)->close();
	free(ws);
	free(file_ref);
	free(heap);
	free(heap_ref);
	free(soak.pattern);
	return status;
}
