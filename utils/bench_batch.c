/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_batch.c -- the batches that the families of bench time on the
 * movers of the library, against the baseline of plain memcpy, and the
 * making of the movers they run on (see bench.h)
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <libminiasync.h>

#include "bench.h"

/* the CPUs the program may use, saved before --cpu pins it */
cpu_set_t bench_cpus;
int bench_pinned;

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
