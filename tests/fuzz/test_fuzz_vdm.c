/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_fuzz_vdm.c -- a libFuzzer target over the movers: each input is a
 * sequence of operations (memcpy, memmove, memset, flush) on the synchronous
 * mover, the thread-pool mover, the libpmem mover (when built) or a NULL
 * mover, with arbitrary ranges, flags and NULL pointers.  Each operation runs
 * through the vdm futures (runtime_wait(), FUTURE_BUSY_POLL(), or batched
 * with runtime_wait_multiple()) and, when it should succeed, with libc on a
 * reference arena.  The result, the output pointer and every byte of the
 * arena (guards included) must match the reference; any mismatch traps.
 *
 * An operation is OP_SIZE bytes:
 *	[0]	bits 0-1: type (memcpy, memmove, memset, flush)
 *		bits 2-3: mover (synchronous, threads, pmem, NULL)
 *	[1]	bits 0-2: flags (an index into fuzz_flags)
 *		bits 3-5: 6 NULL destination, 7 NULL source, else none
 *		bits 6-7: 0 runtime_wait(), 1 FUTURE_BUSY_POLL(), else batch
 *	[2]	the memset value
 *	[3-5]	destination offset (little endian, modulo the arena span)
 *	[6-8]	source offset
 *	[9-10]	length, cut to fit the span
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libminiasync.h>
#ifdef FUZZ_HAVE_PMEM
#include <libminiasync-pmem.h>
#endif

#include "test_ops.h"

#define OP_SIZE 11
#define MAX_OPS 64
#define BATCH_MAX 8
#define SPAN ((size_t)256 * 1024)
#define GUARD ((size_t)4096)
#define ARENA_SIZE (SPAN + 2 * GUARD)

enum mover_kind { MOVER_SYNC, MOVER_THREADS, MOVER_PMEM, MOVER_NULL };

/* the flags an operation may carry: valid ones, durable, unknown bits */
static const uint64_t fuzz_flags[8] = {
	0,
	VDM_F_NO_CACHE_HINT,
	0,
	VDM_F_NO_CACHE_HINT,
	VDM_F_MEM_DURABLE,
	VDM_F_MEM_DURABLE | VDM_F_NO_CACHE_HINT,
	(uint64_t)1 << 2,
	((uint64_t)1 << 63) | VDM_F_NO_CACHE_HINT,
};

/* one decoded operation, with what the model expects of it */
struct fuzz_op {
	enum vdm_operation_type type;
	enum mover_kind mover;
	struct vdm *vdm;
	unsigned char *dest;
	unsigned char *src;
	size_t doff;
	size_t soff;
	size_t n;
	int c;
	uint64_t flags;
	enum vdm_operation_result want_result;
	void *want_ptr;
};

static struct runtime *fuzz_rt;
static struct vdm *fuzz_movers[3];
static unsigned char *arena;		/* what the movers write */
static unsigned char *model;		/* what libc writes */
static unsigned char *pattern;		/* the contents at each input start */

/*
 * fuzz_setup -- creates the runtime, the movers and the arenas, once
 */
static void
fuzz_setup(void)
{
	if (fuzz_rt != NULL)
		return;

	fuzz_rt = runtime_new();
	fuzz_movers[MOVER_SYNC] = vdm_new(vdm_descriptor_synchronous());
	fuzz_movers[MOVER_THREADS] = vdm_threads_new(
		&(struct vdm_threads_config){2, 8, 1024},
		FUTURE_NOTIFIER_WAKER);
#ifdef FUZZ_HAVE_PMEM
	fuzz_movers[MOVER_PMEM] = vdm_pmem_new(0);
#else
	fuzz_movers[MOVER_PMEM] = fuzz_movers[MOVER_SYNC];
#endif
	arena = malloc(ARENA_SIZE);
	model = malloc(ARENA_SIZE);
	pattern = malloc(ARENA_SIZE);
	if (fuzz_rt == NULL || fuzz_movers[MOVER_SYNC] == NULL ||
			fuzz_movers[MOVER_THREADS] == NULL ||
			fuzz_movers[MOVER_PMEM] == NULL || arena == NULL ||
			model == NULL || pattern == NULL)
		abort();
	for (size_t i = 0; i < ARENA_SIZE; i++)
		pattern[i] = (unsigned char)(i * 31 + (i >> 8) * 7 + 1);
}

/*
 * get_le -- the little-endian number in the len bytes at p
 */
static size_t
get_le(const uint8_t *p, unsigned len)
{
	size_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (size_t)p[i] << (8 * i);
	return v;
}

/*
 * ranges_overlap -- non-zero if [a, a + an) and [b, b + bn) share a byte
 */
static int
ranges_overlap(size_t a, size_t an, size_t b, size_t bn)
{
	return an != 0 && bn != 0 && a < b + bn && b < a + an;
}

/*
 * op_has_src -- non-zero if the operation reads a source range
 */
static int
op_has_src(const struct fuzz_op *op)
{
	return op->type == VDM_OPERATION_MEMCPY ||
		op->type == VDM_OPERATION_MEMMOVE;
}

/*
 * op_expect -- fills in the result and the output pointer the contract
 * promises, in the order vdm.h gives for the checks
 */
static void
op_expect(struct fuzz_op *op)
{
	op->want_ptr = NULL;
	if (op->vdm == NULL) {
		op->want_result = VDM_ERROR_INVALID_ARGUMENT;
	} else if ((op->flags & ~(uint64_t)VDM_F_VALID_FLAGS) != 0) {
		op->want_result = VDM_ERROR_INVALID_FLAGS;
	} else if (op->n == 0) {
		op->want_result = VDM_SUCCESS;
		op->want_ptr = op->dest;
	} else if (op->dest == NULL || (op_has_src(op) && op->src == NULL)) {
		op->want_result = VDM_ERROR_INVALID_ARGUMENT;
	} else if ((op->flags & VDM_F_MEM_DURABLE) != 0 &&
			!(op->mover == MOVER_PMEM &&
			op->vdm != fuzz_movers[MOVER_SYNC])) {
		op->want_result = VDM_ERROR_NOT_SUPPORTED;
	} else {
		op->want_result = VDM_SUCCESS;
		op->want_ptr = op->dest;
	}
}

/*
 * op_writes -- non-zero if the operation, as the model sees it, writes
 */
static int
op_writes(const struct fuzz_op *op)
{
	return op->want_result == VDM_SUCCESS && op->n != 0 &&
		op->type != VDM_OPERATION_FLUSH;
}

/*
 * model_apply -- does to the reference arena what the operation should do
 */
static void
model_apply(const struct fuzz_op *op)
{
	if (!op_writes(op))
		return;
	test_op_apply(op->type, model + GUARD + op->doff,
		model + GUARD + op->soff, op->c, op->n);
}

/*
 * op_start -- makes the future of the operation; the future to poll
 */
static struct future *
op_start(const struct fuzz_op *op, union test_future *f)
{
	return test_op_make(f, op->type, op->vdm, op->dest, op->src, op->c,
		op->n, op->flags);
}

/*
 * op_verify -- traps unless the completed future reports what the model
 * expects (a flush has no pointer to report)
 */
static void
op_verify(const struct fuzz_op *op, union test_future *f)
{
	const struct vdm_operation_output *out = FUTURE_OUTPUT(&f->op);

	if (FUTURE_STATE(&f->op) != FUTURE_STATE_COMPLETE)
		__builtin_trap();
	if (out->result != op->want_result ||
			(op->type != VDM_OPERATION_FLUSH &&
			out->dest != op->want_ptr))
		__builtin_trap();
}

/*
 * arenas_verify -- traps unless the arena equals the reference, byte for
 * byte, guards included
 */
static void
arenas_verify(void)
{
	if (memcmp(arena, model, ARENA_SIZE) != 0)
		__builtin_trap();
}

/*
 * op_decode -- reads one operation from the OP_SIZE bytes at p; returns the
 * wait mode (0 runtime_wait, 1 busy poll, 2 batch)
 */
static unsigned
op_decode(const uint8_t *p, struct fuzz_op *op)
{
	op->type = (enum vdm_operation_type)(p[0] & 3);
	op->mover = (enum mover_kind)((p[0] >> 2) & 3);
	op->vdm = op->mover == MOVER_NULL ? NULL : fuzz_movers[op->mover];
	op->flags = fuzz_flags[p[1] & 7];
	unsigned nullsel = (p[1] >> 3) & 7;
	unsigned mode = (unsigned)(p[1] >> 6);
	op->c = p[2];
	op->doff = get_le(p + 3, 3) % SPAN;
	op->soff = get_le(p + 6, 3) % SPAN;
	op->n = get_le(p + 9, 2);
	if (op->n > SPAN - op->doff)
		op->n = SPAN - op->doff;
	if (op_has_src(op) && op->n > SPAN - op->soff)
		op->n = SPAN - op->soff;

	/* memcpy of overlapping ranges is undefined: make it a memmove */
	if (op->type == VDM_OPERATION_MEMCPY &&
			ranges_overlap(op->doff, op->n, op->soff, op->n))
		op->type = VDM_OPERATION_MEMMOVE;

	op->dest = arena + GUARD + op->doff;
	op->src = op_has_src(op) ? arena + GUARD + op->soff : NULL;
	if (nullsel == 6)
		op->dest = NULL;
	else if (nullsel == 7 && op_has_src(op))
		op->src = NULL;

	op_expect(op);
	return mode > 2 ? 2 : mode;
}

/*
 * op_conflicts -- non-zero if the two operations touch a common byte (a
 * batch holds only operations that do not, so its order does not matter)
 */
static int
op_conflicts(const struct fuzz_op *a, const struct fuzz_op *b)
{
	size_t an = a->n, bn = b->n;
	size_t asrc = op_has_src(a) ? a->soff : a->doff;
	size_t bsrc = op_has_src(b) ? b->soff : b->doff;

	return ranges_overlap(a->doff, an, b->doff, bn) ||
		ranges_overlap(a->doff, an, bsrc, bn) ||
		ranges_overlap(asrc, an, b->doff, bn) ||
		ranges_overlap(asrc, an, bsrc, bn);
}

static struct fuzz_op batch_ops[BATCH_MAX];
static union test_future batch_futs[BATCH_MAX];
static size_t batch_len;

/*
 * batch_flush -- waits for every operation of the batch, then checks them
 */
static void
batch_flush(void)
{
	struct future *futs[BATCH_MAX];

	if (batch_len == 0)
		return;
	for (size_t i = 0; i < batch_len; i++)
		futs[i] = FUTURE_AS_RUNNABLE(&batch_futs[i].op);
	runtime_wait_multiple(fuzz_rt, futs, batch_len);
	for (size_t i = 0; i < batch_len; i++)
		op_verify(&batch_ops[i], &batch_futs[i]);
	batch_len = 0;
	arenas_verify();
}

/*
 * batch_add -- adds the operation to the batch, waiting for the batch first
 * when it is full or the operation touches a byte one of it touches
 */
static void
batch_add(const struct fuzz_op *op)
{
	int conflict = batch_len == BATCH_MAX;

	for (size_t i = 0; i < batch_len && !conflict; i++)
		conflict = op_conflicts(op, &batch_ops[i]);
	if (conflict)
		batch_flush();
	batch_ops[batch_len] = *op;
	(void) op_start(op, &batch_futs[batch_len]);
	model_apply(op);
	batch_len++;
}

/*
 * run_one -- runs one operation by itself and checks it
 */
static void
run_one(const struct fuzz_op *op, unsigned mode)
{
	union test_future f;
	struct future *fut = op_start(op, &f);

	if (mode == 0)
		runtime_wait(fuzz_rt, fut);
	else
		FUTURE_BUSY_POLL(&f.op);
	op_verify(op, &f);
	model_apply(op);
	arenas_verify();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * LLVMFuzzerTestOneInput -- runs the operations the input encodes
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	memcpy(arena, pattern, ARENA_SIZE);
	memcpy(model, pattern, ARENA_SIZE);

	size_t nops = size / OP_SIZE;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	for (size_t i = 0; i < nops; i++) {
		struct fuzz_op op;
		unsigned mode = op_decode(data + i * OP_SIZE, &op);

		if (mode == 2) {
			batch_add(&op);
		} else {
			batch_flush();
			run_one(&op, mode);
		}
	}
	batch_flush();
	return 0;
}
