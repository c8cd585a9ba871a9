/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * soak.c -- millions of mixed operations on every mover, every byte checked
 *
 * Several submitting threads share one mover of each kind: the synchronous
 * mover, the thread-pool mover with the waker and with the poller notifier,
 * and, when libminiasync-pmem is built (SOAK_HAVE_PMEM), vdm_pmem2_new() on
 * a file of /var/tmp mapped with libpmem2 and vdm_pmem_new(), each with 0
 * and with 2 worker threads.  Each submitting thread owns a lane of a heap
 * buffer and a lane of the mapped file, and keeps a reference copy of both
 * that it updates with the C library.  It issues batches of 1 to 16 random
 * operations (memcpy, memmove with and without overlap, memset, flush; 0 to
 * 1 MiB, mostly small; any alignment; flags 0, VDM_F_NO_CACHE_HINT,
 * VDM_F_MEM_DURABLE), a few of them invalid on purpose, waits for the batch
 * with its own runtime or by busy polling, then checks every result and
 * compares the bytes the batch could have touched with the reference (the
 * whole lanes every SOAK_FULL_EVERY batches and at the end).
 *
 * Any wrong result or byte is an error; the exit status is 1 if there was
 * one, 2 on bad usage or a failed setup, 0 otherwise.
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libminiasync.h>

#include "common.h"

#ifdef SOAK_HAVE_PMEM
#include <libminiasync-pmem.h>

#include "map_file.h"
#endif

/* the bytes each thread owns in the heap buffer and in the file */
#define SOAK_LANE ((size_t)4 << 20)
/* the largest operation */
#define SOAK_MAX_OP ((size_t)1 << 20)
/* the source of copies from outside the lanes: SOAK_MAX_OP + some slack */
#define SOAK_PATTERN_SLACK ((size_t)8192)
/* the end of the file belongs to no lane: out-of-range writes aim there */
#define SOAK_GUARD ((size_t)65536)
/* operations per batch, at most */
#define SOAK_BATCH 16
/* whole lanes are compared every this many batches */
#define SOAK_FULL_EVERY 64
/* error messages each thread prints, at most */
#define SOAK_MAX_MSGS 10
#define SOAK_MAX_THREADS 64
#define SOAK_MAX_MOVERS 8
/*
 * how often a mover of ordinary memory is picked against a durable one
 * (whose every operation waits for a write-back, msync on a file)
 */
#define SOAK_WEIGHT_FAST 8
#define SOAK_WEIGHT_DURABLE 1

/* a flag bit that no mover knows */
#define SOAK_BAD_FLAG(bit) ((uint64_t)1 << (bit))

/* a mover shared by every submitting thread */
struct soak_mover {
	const char *name;
	struct vdm *vdm;
	int durable; /* takes VDM_F_MEM_DURABLE */
	int pmem2; /* writes only inside the map */
	unsigned weight; /* how often it is picked, relative to the others */
};

enum soak_lane_kind {
	LANE_HEAP,
	LANE_FILE,
	LANE_KINDS,
};

static const char *const lane_names[LANE_KINDS] = { "heap", "file" };

/* the part of a buffer one thread owns, and its reference copy */
struct soak_lane {
	char *mem;
	char *ref;
	size_t cur; /* where the batch places its next range */
	size_t lo; /* the range the batch may touch: [lo, hi) */
	size_t hi;
};

/* what went wrong on purpose */
enum soak_invalid {
	INV_NONE,
	INV_NULL, /* a NULL pointer with n > 0 */
	INV_FLAG, /* a flag no mover knows */
	INV_RANGE, /* a destination outside the pmem2 mover's map */
};

static const char *const type_names[] = {
	"memcpy", "memmove", "memset", "flush",
};

/* one operation of a batch, its future and what it must end with */
struct soak_op {
	enum vdm_operation_type type;
	unsigned mover;
	enum soak_invalid invalid;
	struct soak_lane *lane; /* where dest is, NULL if nowhere */
	char *dest;
	char *src;
	char *ref_src; /* the reference's counterpart of src */
	int c;
	size_t n;
	uint64_t flags;
	enum vdm_operation_result expect;
	union {
		struct vdm_memcpy_future cpy;
		struct vdm_memmove_future move;
		struct vdm_memset_future set;
		struct vdm_flush_future flush;
	} fut;
};

/* the figures of one thread, by mover */
struct soak_stats {
	uint64_t ops[SOAK_MAX_MOVERS];
	uint64_t bytes[SOAK_MAX_MOVERS];
	uint64_t not_supported[SOAK_MAX_MOVERS];
	uint64_t rejected[SOAK_MAX_MOVERS];
	uint64_t errors;
	uint64_t batches;
};

struct soak_worker {
	unsigned id;
	pthread_t thread;
	uint64_t rng;
	struct soak_lane lanes[LANE_KINDS];
	struct runtime *rt;
	uint64_t ops_target; /* 0: run until the deadline */
	uint64_t deadline_ns;
	uint64_t done;
	unsigned msgs;
	struct soak_stats st;
	struct soak_op ops[SOAK_BATCH];
};

/* what every thread shares, read-only while they run */
static struct {
	struct soak_mover movers[SOAK_MAX_MOVERS];
	unsigned nmovers;
	size_t total_weight;
	char *pattern; /* SOAK_MAX_OP + SOAK_PATTERN_SLACK bytes */
	int have_file;
	char *map_base;
	size_t map_len;
	char *guard; /* SOAK_GUARD bytes at the end of the map */
} g;

/*
 * rnd -- the next number of the thread's generator (splitmix64)
 */
static uint64_t
rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * below -- a number in [0, n), 0 if n is 0
 */
static size_t
below(struct soak_worker *w, size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd(&w->rng) % n);
}

/*
 * fill_random -- n random bytes at p
 */
static void
fill_random(uint64_t *state, char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(rnd(state) & 0xff);
}

/*
 * pick_size -- an operation size from 0 to SOAK_MAX_OP, mostly small
 */
static size_t
pick_size(struct soak_worker *w)
{
	size_t r = below(w, 1000);

	if (r < 30)
		return 0;
	if (r < 500)
		return 1 + below(w, 64);
	if (r < 800)
		return 1 + below(w, 4096);
	if (r < 950)
		return 1 + below(w, 65536);
	if (r < 995)
		return 1 + below(w, 262144);
	return 1 + below(w, SOAK_MAX_OP);
}

/*
 * lane_take -- len bytes of the lane after the batch's earlier ranges, at a
 * random alignment; NULL if the lane is full
 */
static char *
lane_take(struct soak_worker *w, struct soak_lane *l, size_t len)
{
	size_t off = l->cur;

	switch (below(w, 4)) {
	case 0:
		off = (off + 63) & ~(size_t)63;
		break;
	case 1:
		off = (off + 4095) & ~(size_t)4095;
		break;
	default:
		off += below(w, 64);
		break;
	}
	if (off > SOAK_LANE || len > SOAK_LANE - off)
		return NULL;
	l->cur = off + len;
	if (off < l->lo)
		l->lo = off;
	if (l->cur > l->hi)
		l->hi = l->cur;
	return l->mem + off;
}

/*
 * ref_of -- the reference's counterpart of p, an address inside lane l
 */
static char *
ref_of(struct soak_lane *l, char *p)
{
	return l->ref + (p - l->mem);
}

/*
 * expected -- the result the contract promises for op
 */
static enum vdm_operation_result
expected(const struct soak_op *op)
{
	const struct soak_mover *mv = &g.movers[op->mover];
	int needs_src = op->type == VDM_OPERATION_MEMCPY ||
		op->type == VDM_OPERATION_MEMMOVE;

	if (op->flags & ~(uint64_t)VDM_F_VALID_FLAGS)
		return VDM_ERROR_INVALID_FLAGS;
	if (op->n == 0)
		return VDM_SUCCESS;
	if (op->dest == NULL || (needs_src && op->src == NULL))
		return VDM_ERROR_INVALID_ARGUMENT;
	if ((op->flags & VDM_F_MEM_DURABLE) && !mv->durable)
		return VDM_ERROR_NOT_SUPPORTED;
	if (mv->pmem2) {
		uintptr_t a = (uintptr_t)op->dest;
		uintptr_t b = (uintptr_t)g.map_base;
		if (a < b || a - b > g.map_len || op->n > g.map_len - (a - b))
			return VDM_ERROR_OUT_OF_RANGE;
	}
	return VDM_SUCCESS;
}

/*
 * op_build -- makes up the next operation of a batch; -1 if the lanes
 * have no room left for it
 */
static int
op_build(struct soak_worker *w, struct soak_op *op)
{
	size_t pick = below(w, g.total_weight);
	unsigned m = 0;
	while (pick >= g.movers[m].weight)
		pick -= g.movers[m++].weight;
	const struct soak_mover *mv = &g.movers[m];

	op->mover = m;
	size_t t = below(w, 100);
	if (t < 35)
		op->type = VDM_OPERATION_MEMCPY;
	else if (t < 65)
		op->type = VDM_OPERATION_MEMMOVE;
	else if (t < 90)
		op->type = VDM_OPERATION_MEMSET;
	else
		op->type = VDM_OPERATION_FLUSH;

	size_t f = below(w, 100);
	op->flags = f < 60 ? 0 : f < 80 ? VDM_F_NO_CACHE_HINT :
		f < 92 ? VDM_F_MEM_DURABLE :
		VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT;

	op->invalid = INV_NONE;
	if (below(w, 100) < 3) {
		size_t k = below(w, mv->pmem2 ? 3 : 2);
		op->invalid = k == 0 ? INV_NULL : k == 1 ? INV_FLAG : INV_RANGE;
	}

	size_t n = pick_size(w);
	if (op->invalid == INV_NULL && n == 0)
		n = 1;
	if (op->invalid == INV_RANGE && n < 2)
		n = 2;
	op->n = n;
	op->c = below(w, 8) == 0 ? (int)(rnd(&w->rng) & 0x7fffffff) :
		(int)below(w, 256);

	/* where the destination lives */
	struct soak_lane *l = &w->lanes[LANE_HEAP];
	if (g.have_file && (mv->pmem2 || below(w, 2)))
		l = &w->lanes[LANE_FILE];
	if (op->invalid == INV_RANGE)
		l = below(w, 2) ? &w->lanes[LANE_HEAP] : NULL;
	op->lane = l;

	/* the pattern serves as the source of copies from outside the lanes */
	char *pat = g.pattern + below(w, SOAK_PATTERN_SLACK);
	op->src = op->ref_src = NULL;

	if (l == NULL) {
		/* straddles the end of the map: the guard is not anyone's */
		size_t k = 1 + below(w, (n - 1 < SOAK_GUARD ? n - 1 :
			SOAK_GUARD));
		op->dest = g.map_base + g.map_len - k;
		op->src = op->ref_src = pat;
	} else if (op->type == VDM_OPERATION_MEMCPY &&
			op->invalid != INV_RANGE && below(w, 2)) {
		char *s = lane_take(w, l, n);
		op->dest = lane_take(w, l, n);
		if (s == NULL || op->dest == NULL)
			return -1;
		op->src = s;
		op->ref_src = ref_of(l, s);
	} else if (op->type == VDM_OPERATION_MEMMOVE &&
			op->invalid != INV_RANGE && below(w, 4) != 0) {
		/* overlapping (d < n) or adjacent (d == n), either way */
		size_t d = below(w, 2) ? below(w, (n < 64 ? n : 64) + 1) :
			below(w, n + 1);
		char *base = lane_take(w, l, n + d);
		if (base == NULL)
			return -1;
		if (below(w, 2)) {
			op->src = base;
			op->dest = base + d;
		} else {
			op->dest = base;
			op->src = base + d;
		}
		op->ref_src = ref_of(l, op->src);
	} else {
		op->dest = lane_take(w, l, n);
		if (op->dest == NULL)
			return -1;
		op->src = op->ref_src = pat;
	}

	if (op->invalid == INV_NULL) {
		if ((op->type == VDM_OPERATION_MEMCPY ||
				op->type == VDM_OPERATION_MEMMOVE) &&
				below(w, 2))
			op->src = NULL;
		else
			op->dest = NULL;
	} else if (op->invalid == INV_FLAG) {
		op->flags |= SOAK_BAD_FLAG(2 + below(w, 62));
	}

	op->expect = expected(op);
	return 0;
}

/*
 * op_submit -- makes the future of op
 */
static void
op_submit(struct soak_op *op)
{
	struct vdm *vdm = g.movers[op->mover].vdm;

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		op->fut.cpy = vdm_memcpy(vdm, op->dest, op->src, op->n,
			op->flags);
		break;
	case VDM_OPERATION_MEMMOVE:
		op->fut.move = vdm_memmove(vdm, op->dest, op->src, op->n,
			op->flags);
		break;
	case VDM_OPERATION_MEMSET:
		op->fut.set = vdm_memset(vdm, op->dest, op->c, op->n,
			op->flags);
		break;
	case VDM_OPERATION_FLUSH:
		op->fut.flush = vdm_flush(vdm, op->dest, op->n, op->flags);
		break;
	}
}

/*
 * op_future -- the future of op, as a runtime takes it
 */
static struct future *
op_future(struct soak_op *op)
{
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		return FUTURE_AS_RUNNABLE(&op->fut.cpy);
	case VDM_OPERATION_MEMMOVE:
		return FUTURE_AS_RUNNABLE(&op->fut.move);
	case VDM_OPERATION_MEMSET:
		return FUTURE_AS_RUNNABLE(&op->fut.set);
	case VDM_OPERATION_FLUSH:
		break;
	}
	return FUTURE_AS_RUNNABLE(&op->fut.flush);
}

/*
 * op_describe -- one line about op, for an error message
 */
static void
op_describe(const struct soak_worker *w, const struct soak_op *op,
	char *buf, size_t len)
{
	char where[64] = "outside the lanes";

	if (op->dest == NULL)
		snprintf(where, sizeof(where), "NULL");
	else if (op->lane != NULL)
		snprintf(where, sizeof(where), "%s+%zu",
			lane_names[op->lane - w->lanes],
			(size_t)(op->dest - op->lane->mem));
	snprintf(buf, len, "%s %s dest %s src %p n %zu flags 0x%llx c %d",
		g.movers[op->mover].name, type_names[op->type], where,
		(void *)op->src, op->n, (unsigned long long)op->flags, op->c);
}

/*
 * error_msg -- counts an error of thread w and prints it, if w has not
 * printed too many already
 */
__attribute__((format(printf, 2, 3))) static void
error_msg(struct soak_worker *w, const char *fmt, ...)
{
	va_list ap;

	w->st.errors++;
	if (w->msgs++ >= SOAK_MAX_MSGS)
		return;
	fprintf(stderr, "thread %u, batch %llu: ", w->id,
		(unsigned long long)w->st.batches);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * op_check -- compares the outcome of op with what it must be and counts
 * it; on success, applies op to the reference
 */
static void
op_check(struct soak_worker *w, struct soak_op *op)
{
	struct future *fut = op_future(op);
	enum vdm_operation_result result;
	void *ptr = NULL;
	void *want_ptr = NULL;
	char d[256];

	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
		result = FUTURE_OUTPUT(&op->fut.cpy)->result;
		ptr = FUTURE_OUTPUT(&op->fut.cpy)->dest;
		break;
	case VDM_OPERATION_MEMMOVE:
		result = FUTURE_OUTPUT(&op->fut.move)->result;
		ptr = FUTURE_OUTPUT(&op->fut.move)->dest;
		break;
	case VDM_OPERATION_MEMSET:
		result = FUTURE_OUTPUT(&op->fut.set)->result;
		ptr = FUTURE_OUTPUT(&op->fut.set)->str;
		break;
	case VDM_OPERATION_FLUSH:
	default:
		result = FUTURE_OUTPUT(&op->fut.flush)->result;
		break;
	}
	if (op->type != VDM_OPERATION_FLUSH && op->expect == VDM_SUCCESS)
		want_ptr = op->dest;

	unsigned m = op->mover;
	w->st.ops[m]++;
	if (fut->context.state != FUTURE_STATE_COMPLETE) {
		op_describe(w, op, d, sizeof(d));
		error_msg(w, "%s: not complete after the wait", d);
		return;
	}
	if (result != op->expect || ptr != want_ptr) {
		op_describe(w, op, d, sizeof(d));
		error_msg(w, "%s: result %d pointer %p, expected %d pointer %p",
			d, (int)result, ptr, (int)op->expect, want_ptr);
		return;
	}

	if (result == VDM_ERROR_NOT_SUPPORTED)
		w->st.not_supported[m]++;
	else if (result != VDM_SUCCESS)
		w->st.rejected[m]++;
	if (result != VDM_SUCCESS || op->n == 0)
		return;

	char *ref = ref_of(op->lane, op->dest);
	switch (op->type) {
	case VDM_OPERATION_MEMCPY:
	case VDM_OPERATION_MEMMOVE:
		memmove(ref, op->ref_src, op->n);
		w->st.bytes[m] += op->n;
		break;
	case VDM_OPERATION_MEMSET:
		memset(ref, op->c, op->n);
		w->st.bytes[m] += op->n;
		break;
	case VDM_OPERATION_FLUSH:
		break;
	}
}

/*
 * lane_compare -- compares [lo, hi) of a lane with its reference; on a
 * difference, reports it and puts the reference's bytes back
 */
static void
lane_compare(struct soak_worker *w, unsigned nops, struct soak_lane *l,
	size_t lo, size_t hi)
{
	if (lo >= hi || memcmp(l->mem + lo, l->ref + lo, hi - lo) == 0)
		return;

	size_t first = lo, last = hi - 1;
	while (l->mem[first] == l->ref[first])
		first++;
	while (l->mem[last] == l->ref[last])
		last--;
	error_msg(w, "%s lane: bytes %zu..%zu differ from the reference "
		"(0x%02x, expected 0x%02x), after these operations:",
		lane_names[l - w->lanes], first, last,
		(unsigned char)l->mem[first], (unsigned char)l->ref[first]);
	for (unsigned i = 0; i < nops && w->msgs <= SOAK_MAX_MSGS; i++) {
		char d[256];
		op_describe(w, &w->ops[i], d, sizeof(d));
		fprintf(stderr, "  %s -> expected %d\n", d,
			(int)w->ops[i].expect);
	}
	memcpy(l->mem + first, l->ref + first, last - first + 1);
}

/*
 * guard_check -- the end of the map that no lane owns must still be zero
 */
static void
guard_check(struct soak_worker *w)
{
	if (!g.have_file)
		return;
	for (size_t i = 0; i < SOAK_GUARD; i++) {
		if (g.guard[i] != 0) {
			error_msg(w, "the guard at the end of the map was "
				"written at byte %zu", i);
			return;
		}
	}
}

/*
 * wait_batch -- waits for the batch's futures with the thread's runtime
 * or by polling them on this thread
 */
static void
wait_batch(struct soak_worker *w, unsigned nops)
{
	struct future *futs[SOAK_BATCH];

	for (unsigned i = 0; i < nops; i++)
		futs[i] = op_future(&w->ops[i]);

	if (below(w, 2)) {
		runtime_wait_multiple(w->rt, futs, nops);
		return;
	}
	for (;;) {
		unsigned pending = 0;
		for (unsigned i = 0; i < nops; i++)
			if (future_poll(futs[i], NULL) !=
					FUTURE_STATE_COMPLETE)
				pending++;
		if (pending == 0)
			return;
		future__cpu_relax();
	}
}

/*
 * worker -- a submitting thread: batch after batch until the deadline or
 * its share of operations
 */
static void *
worker(void *arg)
{
	struct soak_worker *w = arg;

	for (;;) {
		if (w->ops_target != 0 ? w->done >= w->ops_target :
				now_ns() >= w->deadline_ns)
			break;

		for (unsigned k = 0; k < LANE_KINDS; k++) {
			struct soak_lane *l = &w->lanes[k];
			l->cur = below(w, SOAK_LANE / 4);
			l->lo = SOAK_LANE;
			l->hi = 0;
		}
		unsigned want = 1 + (unsigned)below(w, SOAK_BATCH);
		if (w->ops_target != 0 && want > w->ops_target - w->done)
			want = (unsigned)(w->ops_target - w->done);
		unsigned nops = 0;
		while (nops < want && op_build(w, &w->ops[nops]) == 0)
			nops++;
		if (nops == 0)
			continue;

		for (unsigned i = 0; i < nops; i++)
			op_submit(&w->ops[i]);
		wait_batch(w, nops);
		for (unsigned i = 0; i < nops; i++)
			op_check(w, &w->ops[i]);

		int full = w->st.batches % SOAK_FULL_EVERY == 0;
		for (unsigned k = 0; k < LANE_KINDS; k++) {
			struct soak_lane *l = &w->lanes[k];
			if (l->mem == NULL)
				continue;
			if (full)
				lane_compare(w, nops, l, 0, SOAK_LANE);
			else
				lane_compare(w, nops, l, l->lo, l->hi);
		}
		if (full)
			guard_check(w);
		w->done += nops;
		w->st.batches++;
	}

	for (unsigned k = 0; k < LANE_KINDS; k++)
		if (w->lanes[k].mem != NULL)
			lane_compare(w, 0, &w->lanes[k], 0, SOAK_LANE);
	guard_check(w);
	return NULL;
}

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

#ifdef SOAK_HAVE_PMEM
/* the mapped file of the file lanes */
static struct map_file pf = { .fd = -1 };
#endif

/*
 * add_mover -- records a mover; -1 (reported) if it could not be made
 */
static int
add_mover(const char *name, struct vdm *vdm, int durable, int pmem2,
	unsigned weight)
{
	if (vdm == NULL) {
		fprintf(stderr, "cannot make the %s mover: %s\n", name,
			strerror(errno));
		return -1;
	}
	g.movers[g.nmovers].name = name;
	g.movers[g.nmovers].vdm = vdm;
	g.movers[g.nmovers].durable = durable;
	g.movers[g.nmovers].pmem2 = pmem2;
	g.movers[g.nmovers].weight = weight;
	g.total_weight += weight;
	g.nmovers++;
	return 0;
}

/*
 * movers_make -- one mover of each kind; -1 if one could not be made
 */
static int
movers_make(void)
{
	struct vdm_threads_config cfg = {
		.nthreads = 2,
		/* small: 4 threads x 16 operations fill it at times */
		.queue_depth = 32,
	};

	if (add_mover("sync", vdm_new(vdm_descriptor_synchronous()), 0, 0,
			SOAK_WEIGHT_FAST) != 0 ||
		add_mover("threads-waker", vdm_threads_new(&cfg,
			FUTURE_NOTIFIER_WAKER), 0, 0, SOAK_WEIGHT_FAST) != 0 ||
		add_mover("threads-poller", vdm_threads_new(&cfg,
			FUTURE_NOTIFIER_POLLER), 0, 0, SOAK_WEIGHT_FAST) != 0)
		return -1;
#ifdef SOAK_HAVE_PMEM
	if (g.have_file &&
		(add_mover("pmem2-0", vdm_pmem2_new(pf.map, 0), 1, 1,
			SOAK_WEIGHT_DURABLE) != 0 ||
		add_mover("pmem2-2", vdm_pmem2_new(pf.map, 2), 1, 1,
			SOAK_WEIGHT_DURABLE) != 0))
		return -1;
	if (add_mover("pmem-0", vdm_pmem_new(0), 1, 0,
			SOAK_WEIGHT_DURABLE) != 0 ||
		add_mover("pmem-2", vdm_pmem_new(2), 1, 0,
			SOAK_WEIGHT_DURABLE) != 0)
		return -1;
#endif
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

	g.pattern = malloc(pattern_len);
	heap = malloc(heap_len);
	heap_ref = malloc(heap_len);
	ws = calloc(o.threads, sizeof(*ws));
	if (g.pattern == NULL || heap == NULL || heap_ref == NULL ||
			ws == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	fill_random(&seed_state, g.pattern, pattern_len);
	fill_random(&seed_state, heap, heap_len);
	memcpy(heap_ref, heap, heap_len);

#ifdef SOAK_HAVE_PMEM
	char why[256];
	if (map_file_open(&pf, "soak", heap_len + SOAK_GUARD, NULL, why,
			sizeof(why)) == 0) {
		g.have_file = 1;
		g.map_base = pf.addr;
		g.map_len = pf.len;
		g.guard = g.map_base + g.map_len - SOAK_GUARD;
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
		memset(g.map_base, 0, g.map_len);
		memcpy(file_ref, g.map_base, heap_len);
	} else {
		fprintf(stderr, "%s\nno file in %s: the pmem2 movers do not "
			"run\n", why, MAP_FILE_DIR);
	}
#endif
	if (movers_make() != 0)
		goto out;

	uint64_t start = now_ns();
	for (unsigned i = 0; i < o.threads; i++) {
		struct soak_worker *w = &ws[i];
		w->id = i;
		w->rng = rnd(&seed_state);
		w->lanes[LANE_HEAP].mem = heap + SOAK_LANE * i;
		w->lanes[LANE_HEAP].ref = heap_ref + SOAK_LANE * i;
		if (g.have_file) {
			w->lanes[LANE_FILE].mem = g.map_base + SOAK_LANE * i;
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
		for (unsigned i = 0; i < g.nmovers; i++)
			printf(" %s", g.movers[i].name);
		printf("\nlanes: %zu KiB of heap", SOAK_LANE >> 10);
#ifdef SOAK_HAVE_PMEM
		if (g.have_file)
			printf(" and %zu KiB of a %s file (%s granularity)",
				SOAK_LANE >> 10, MAP_FILE_DIR,
				map_file_granularity(pf.gran));
#endif
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

	struct soak_stats sum;
	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < o.threads; i++) {
		for (unsigned m = 0; m < g.nmovers; m++) {
			sum.ops[m] += ws[i].st.ops[m];
			sum.bytes[m] += ws[i].st.bytes[m];
			sum.not_supported[m] += ws[i].st.not_supported[m];
			sum.rejected[m] += ws[i].st.rejected[m];
		}
		sum.errors += ws[i].st.errors;
		sum.batches += ws[i].st.batches;
	}

	uint64_t total_ops = 0, total_bytes = 0;
	if (!o.quiet)
		printf("%-15s %12s %14s %14s %10s\n", "mover", "operations",
			"bytes moved", "not supported", "rejected");
	for (unsigned m = 0; m < g.nmovers; m++) {
		total_ops += sum.ops[m];
		total_bytes += sum.bytes[m];
		if (!o.quiet)
			printf("%-15s %12llu %14llu %14llu %10llu\n",
				g.movers[m].name,
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
	if (!o.quiet) {
		print_mem("start", m0);
		print_mem("end", m1);
	}
	printf("memory growth: VmRSS %+ld KiB, VmHWM %+ld KiB\n",
		m1.rss - m0.rss, m1.hwm - m0.hwm);
	status = sum.errors != 0 ? 1 : 0;

out:
	for (unsigned m = 0; m < g.nmovers; m++)
		vdm_delete(g.movers[m].vdm);
	if (ws != NULL)
		for (unsigned i = 0; i < o.threads; i++)
			runtime_delete(ws[i].rt);
#ifdef SOAK_HAVE_PMEM
	map_file_close(&pf);
#endif
	free(ws);
	free(file_ref);
	free(heap);
	free(heap_ref);
	free(g.pattern);
	return status;
}
