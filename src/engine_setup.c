/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine_setup.c -- the thread-pool engine's workers, and the setup and
 * teardown of a mover: its slots, ring and sleeping place sized, the
 * workers started, and at the end stopped behind the work queued before
 * (see engine.c for the slots and the operation table)
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>

#include <libminiasync/vdm_threads.h>

#include "core/alloc.h"
#include "core/atomics.h"
#include "core/ring.h"
#include "core/util.h"
#include "engine_internal.h"
#include "engine_sleep.h"

#define THREADS_MAX_QUEUE_DEPTH (1U << 16)

/* how long a worker with a costly batch waits for more work to share the
 * persist with (backend->linger) */
#define THREADS_LINGER_NS 50000

/*
 * threads_worker -- a worker thread: take an entry, move the pieces of its
 * operation that are left, repeat until a stop entry; persist the batch
 * whenever the ring runs empty
 */
static void *
threads_worker(void *arg)
{
	struct engine__mover *m = arg;
	struct engine__batch batch;
	uint64_t entry;

	int lingered = 0;	/* waited for more work for this batch */

	batch.n = 0;
	batch.costly = 0;
	for (;;) {
		if (core__ring_pop(&m->ring, &entry) != 0) {
			if (batch.n == 0) {
				engine__sleep_idle(&m->sleep);
				continue;
			}
			/* out of work: first make what was moved durable,
			 * once more work had a chance to join a costly
			 * batch */
			if (!lingered && batch.costly) {
				lingered = 1;
				engine__sleep_await(&m->sleep,
					THREADS_LINGER_NS);
				continue;
			}
			engine__batch_flush(m, &batch);
			lingered = 0;
			continue;
		}
		if (entry == ENGINE__STOP)
			break;
		engine__work(&m->slots[entry >> 32], (uint32_t)entry, &batch);
		/* a full batch was persisted: the next one may linger */
		if (batch.n == 0)
			lingered = 0;
	}
	engine__batch_flush(m, &batch);
	return NULL;
}

/*
 * threads_round_pow2 -- the smallest power of two not below x (x <= 2^31)
 */
static unsigned
threads_round_pow2(unsigned x)
{
	unsigned p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/*
 * threads_stop -- queues a stop entry per worker, behind the work already
 * queued, and joins the workers
 */
static void
threads_stop(struct engine__mover *m)
{
	for (unsigned i = 0; i < m->started; i++) {
		/* a full ring drains: the workers are running */
		while (core__ring_push(&m->ring, ENGINE__STOP) != 0)
			(void) sched_yield();
		engine__sleep_wake(&m->sleep, 1, 0);
	}
	for (unsigned i = 0; i < m->started; i++)
		(void) pthread_join(m->threads[i], NULL);
	m->started = 0;
}

/*
 * threads_free -- frees what vdm__threads_init allocated
 */
static void
threads_free(struct engine__mover *m)
{
	core__free(m->threads);
	core__free(m->slots);
}

/*
 * vdm__threads_size -- the bytes of the engine's state
 */
size_t
vdm__threads_size(void)
{
	return sizeof(struct engine__mover);
}

/*
 * vdm__threads_init -- sizes the mover, allocates its slots and ring,
 * starts the workers
 */
int
vdm__threads_init(struct vdm *vdm, const struct vdm_threads_config *config,
	enum future_notifier_type notifier,
	const struct vdm__threads_backend *backend, void *arg)
{
	struct engine__mover *m = (struct engine__mover *)vdm;
	unsigned nthreads = config != NULL ? config->nthreads : 0;
	unsigned depth = config != NULL ? config->queue_depth : 0;
	size_t offload_min = config != NULL ? config->offload_min : 0;
	int ret;

	if (nthreads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = cpus > 0 ? (unsigned)cpus : 1;
		if (nthreads > VDM__POOL_MAX_THREADS)
			nthreads = VDM__POOL_MAX_THREADS;
	}
	if (depth == 0)
		depth = VDM_THREADS_DEFAULT_QUEUE_DEPTH;
	if (nthreads > VDM__POOL_MAX_THREADS ||
			depth > THREADS_MAX_QUEUE_DEPTH)
		return EINVAL;

	m->backend = backend;
	m->backend_arg = arg;
	m->notifier = notifier;
	m->offload_min = offload_min != 0 ? offload_min :
		VDM_THREADS_DEFAULT_OFFLOAD_MIN;
	m->nthreads = nthreads;
	m->nslots = threads_round_pow2(depth);
	m->spread = nthreads < ENGINE__MAX_SPREAD ? nthreads :
		ENGINE__MAX_SPREAD;

	m->slots = core__zalloc_aligned(CORE__CACHELINE_SIZE,
		m->nslots * sizeof(*m->slots));
	m->threads = core__malloc(nthreads * sizeof(*m->threads));
	if (m->slots == NULL || m->threads == NULL) {
		ret = ENOMEM;
		goto err_free;
	}
	/* room for an entry per piece of every slot, and a stop entry per
	 * worker */
	ret = core__ring_init(&m->ring, m->nslots * m->spread + nthreads);
	if (ret != 0)
		goto err_free;
	for (unsigned i = 0; i < m->nslots; i++) {
		struct engine__slot *slot = &m->slots[i];
		slot->mover = m;
		slot->index = i;
		core__atomic_init_u64(&slot->claim, 0);
		core__atomic_init_uint(&slot->pieces_left, 0);
		core__atomic_init_uint(&slot->near, 0);
		core__atomic_init_uint(&slot->failed, VDM_SUCCESS);
		core__atomic_init_u64(&slot->complete, 0);
		core__atomic_init_int(&slot->busy, 0);
		slot->ticket = 0;
	}
	core__atomic_init_uint(&m->slot_hint, 0);
	m->inline_slot.mover = m;
	m->inline_slot.is_inline = 1;

	ret = engine__sleep_init(&m->sleep, &m->ring, backend->quiet, arg);
	if (ret != 0)
		goto err_ring;

	for (; m->started < nthreads; m->started++) {
		ret = pthread_create(&m->threads[m->started], NULL,
			threads_worker, m);
		if (ret != 0)
			goto err_threads;
	}
	return 0;

err_threads:
	threads_stop(m);
	engine__sleep_fini(&m->sleep);
err_ring:
	core__ring_fini(&m->ring);
err_free:
	threads_free(m);
	return ret;
}

/*
 * vdm__threads_fini -- lets queued work finish, stops the workers, frees
 * all
 */
void
vdm__threads_fini(struct vdm *vdm)
{
	struct engine__mover *m = (struct engine__mover *)vdm;

	threads_stop(m);
	engine__sleep_fini(&m->sleep);
	core__ring_fini(&m->ring);
	threads_free(m);
}
