/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/vdm_threads.h -- the thread-pool data mover
 *
 * The thread-pool mover moves bytes on a pool of worker threads it starts in
 * vdm_new() and stops in vdm_delete().  A future's first poll queues its
 * operation and returns; the future completes once a worker (or, see below,
 * the polling thread) has moved every byte.  Large operations are cut into
 * pieces that several workers move at once.
 *
 * How a waiting poller learns of completion depends on the descriptor:
 *	vdm_descriptor_threads()	the worker calls the poll's waker
 *					(FUTURE_NOTIFIER_WAKER): a runtime
 *					sleeps until then
 *	vdm_descriptor_threads_polled()	the poll hands back a word that
 *					turns non-zero at completion
 *					(FUTURE_NOTIFIER_POLLER)
 *
 * An operation shorter than the pool's offload_min (default 8 KiB) is moved
 * by the polling thread in the poll that starts it, and completes there:
 * handing a copy that short to a worker costs the polling thread more than
 * moving it (the workers' CPU caches must fetch the operation and hand its
 * completion back).  Set offload_min to 1 to send every operation to the
 * workers.
 *
 * Per-operation state lives in slots the mover allocates in vdm_new(), never
 * in the future, so futures may be moved and polled from any thread, and
 * nothing is allocated per operation.  A future of vdm_memcpy() and friends
 * takes its slot at its first poll (libpmem2's futures, when they are
 * made).  When every slot is taken (more operations started and not yet
 * completed than the queue depth), a new
 * operation runs on the polling thread at its first poll instead: it is
 * never dropped.  A poll after the first one that finds pieces of its
 * operation no worker has taken yet moves them itself rather than wait;
 * the poll that starts an operation of at least offload_min bytes returns
 * at once.
 *
 * VDM_F_MEM_DURABLE fails with VDM_ERROR_NOT_SUPPORTED: this mover does not
 * know whether or how the destination can be made durable;
 * VDM_F_NO_CACHE_HINT stores past the CPU caches (non-temporal stores, on
 * x86-64), as does any operation of 16 MiB or more.  vdm_flush() writes
 * the range back from the CPU caches.  Capabilities are 0.
 *
 * vdm_delete() with operations in flight: it first lets every queued and
 * running operation finish moving its bytes, then stops the workers and
 * frees the mover.  The futures of those operations must not be polled
 * afterwards.  See miniasync_vdm_threads(3).
 */

#ifndef LIBMINIASYNC_VDM_THREADS_H
#define LIBMINIASYNC_VDM_THREADS_H 1

#include <libminiasync/base.h>
#include <libminiasync/vdm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* the default number of slots (operations in flight) of a pool */
#define VDM_THREADS_DEFAULT_QUEUE_DEPTH 1024

/* the default offload_min: shorter operations run on the polling thread */
#define VDM_THREADS_DEFAULT_OFFLOAD_MIN ((size_t)8192)

/*
 * struct vdm_threads_config -- an explicit pool: pass a pointer to one as the
 * init_arg of a copy of vdm_descriptor_threads() (or _polled()), or to
 * vdm_threads_new().  0 in a field means its default.
 */
struct vdm_threads_config {
	/* worker threads; default: one per online CPU */
	unsigned nthreads;
	/* slots, rounded up to a power of two; default: 1024 */
	unsigned queue_depth;
	/* the shortest operation (in bytes) handed to the workers: shorter
	 * ones are moved by the poll that starts them; default: 8 KiB
	 * (VDM_THREADS_DEFAULT_OFFLOAD_MIN); 1: every one goes to them */
	size_t offload_min;
};

/*
 * vdm_descriptor_threads -- the descriptor of the thread-pool mover whose
 * workers call the waker.  It points to static storage: do not modify it;
 * copy it to set init_arg.
 */
MINIASYNC_EXPORT struct vdm_descriptor *vdm_descriptor_threads(void);

/* vdm_descriptor_threads_polled -- the same pool, with the poller notifier */
MINIASYNC_EXPORT struct vdm_descriptor *vdm_descriptor_threads_polled(void);

/*
 * vdm_threads_new -- creates a thread-pool mover as config says (NULL: all
 * defaults), notifying through notifier (FUTURE_NOTIFIER_WAKER or
 * FUTURE_NOTIFIER_POLLER; FUTURE_NOTIFIER_NONE: its operations take none,
 * and are polled again); NULL with errno set on failure (EINVAL: another
 * notifier, or more than 256 threads or 65536 slots).
 */
MINIASYNC_EXPORT struct vdm *vdm_threads_new(
	const struct vdm_threads_config *config,
	enum future_notifier_type notifier);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_VDM_THREADS_H */
