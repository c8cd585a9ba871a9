/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * soak_worker.c -- what a submitting thread of soak does: batch after batch
 * of random operations on the shared movers, each checked against what the
 * contract promises, and its bytes against the thread's reference copy of
 * its lanes
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>

#include "common.h"
#include "soak.h"

/* a flag bit that no mover knows */
#define SOAK_BAD_FLAG(bit) ((uint64_t)1 << (bit))

static const char *const lane_names[LANE_KINDS] = { "heap", "file" };

static const char *const type_names[] = {
	"memcpy", "memmove", "memset", "flush",
};

/*
 * rnd -- the next number of the thread's generator (splitmix64)
 */
uint64_t
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
void
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
	const struct soak_mover *mv = &soak.movers[op->mover];
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
		uintptr_t b = (uintptr_t)soak.map_base;
		if (a < b || a - b > soak.map_len ||
			op->n > soak.map_len - (a - b))
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
	size_t pick = below(w, soak.total_weight);
	unsigned m = 0;
	while (pick >= soak.movers[m].weight)
		pick -= soak.movers[m++].weight;
	const struct soak_mover *mv = &soak.movers[m];

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
	if (soak.have_file && (mv->pmem2 || below(w, 2)))
		l = &w->lanes[LANE_FILE];
	if (op->invalid == INV_RANGE)
		l = below(w, 2) ? &w->lanes[LANE_HEAP] : NULL;
	op->lane = l;

	/* the pattern serves as the source of copies from outside the lanes */
	char *pat = soak.pattern + below(w, SOAK_PATTERN_SLACK);
	op->src = op->ref_src = NULL;

	if (l == NULL) {
		/* straddles the end of the map: the guard is not anyone's */
		size_t k = 1 + below(w, (n - 1 < SOAK_GUARD ? n - 1 :
			SOAK_GUARD));
		op->dest = soak.map_base + soak.map_len - k;
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
	struct vdm *vdm = soak.movers[op->mover].vdm;

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
		soak.movers[op->mover].name, type_names[op->type], where,
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
	if (!soak.have_file)
		return;
	for (size_t i = 0; i < SOAK_GUARD; i++) {
		if (soak.guard[i] != 0) {
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
void *
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
