/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * engine.h -- the thread-pool engine, for movers that move bytes their
 * own way on its workers (internal)
 *
 * The thread-pool mover is the engine with the plain backend: memcpy,
 * memmove, memset and a cache write-back.  Another mover (the pmem mover)
 * gives a backend of its own and gets the same slots, queue, splitting of
 * large operations, notification and vdm_delete() behaviour.
 */

#ifndef MINIASYNC_ENGINE_H
#define MINIASYNC_ENGINE_H 1

#include <libminiasync/vdm_threads.h>

#include "vdm_internal.h"

/*
 * VDM__POOL_MAX_THREADS -- the most worker threads any pool of the library
 * starts: vdm_threads_new(), data_mover_threads_new() and the pmem movers
 * refuse more with EINVAL (vdm_threads_new() with 0 starts one a CPU, up to
 * this many)
 */
#define VDM__POOL_MAX_THREADS 256U

/*
 * struct vdm__threads_backend -- how the engine's movers move bytes; the
 * functions are called from any thread of the mover and from polling
 * threads, concurrently, and get the backend's arg.
 *
 * check returns the result the operation will end with: VDM_SUCCESS, or an
 * error, and then nothing moves.  piece moves the bytes [off, off + len) of
 * an operation check accepted, costly being what linger said of the whole
 * operation (0 without linger).  A piece of a memmove is the whole
 * operation when its ranges overlap.
 *
 * persist is optional.  Without it, an operation is complete once every
 * piece returned.  With it, pieces are not durable when piece returns: the
 * thread that moved them later calls persist once for a batch of the
 * ranges it moved since its last call (a worker when it runs out of queued
 * work or its batch is full, a polling thread before its poll returns),
 * and only then do they count as done.  So many operations share one
 * drain, or one write-back of their coalesced ranges.  A batch holds the
 * ranges of costly operations only, or of others only, and persist is told
 * which (costly).  persist returns VDM_SUCCESS, or the error every
 * operation with a range in the batch then ends with (their bytes were
 * stored, not made durable).
 *
 * linger is optional, with persist: non-zero if persisting the whole range
 * of an operation check accepted costs so much (a write-back to a file)
 * that its ranges are worth sharing a persist with more: a worker that
 * ran out of work waits a little for more.  The engine asks once per
 * operation, and tells piece, persist and join what it said (costly), so
 * that the backend need not ask itself again.
 *
 * quiet is optional: non-zero while a thread of the mover is in a call
 * that costs more for every other processor the process runs on.  msync()
 * is one: it write-protects each page it writes back, and each page then
 * needs the cached translations of every other processor running the
 * process flushed, an interrupt each (64 pages took 6 times as long on a
 * virtual machine of two processors with a second thread spinning).  A
 * thread that spins keeps its processor running the process; one that
 * sleeps does not.  So while quiet says so, an idle worker sleeps rather
 * than spin for more work, and one with a batch to persist stops
 * waiting for more.  It is read often: a relaxed load, nothing more.
 *
 * join and poll are optional, both or neither, with persist and linger:
 * how a polling thread that stored a whole short operation itself (one
 * shorter than offload_min, whose persist linger calls costly) hands its
 * range to the persist that other threads share, without waiting for it.
 * join returns 0 if the range is durable already, else a non-zero ticket;
 * poll(ticket) returns non-zero once the
 * ranges of that ticket are durable, with *result as persist's would be,
 * doing the persist itself if no other thread does, and returns 0 at once
 * if another thread does.  So a burst of short operations costs the
 * polling thread its stores and one shared persist, with no hand-over to a
 * worker and no wake-up, and the operations complete at a later poll,
 * together.
 *
 * defer and finish are optional, both or neither, with persist: how a
 * polling thread that stored a whole short operation itself whose persist
 * is not costly (a drain) leaves that persist to a later poll, so that
 * the operations it stored in one pass share one.  defer returns 0 if it
 * made the range durable already, else a ticket with VDM__THREADS_DEFERRED
 * set; finish(ticket, range) makes the range durable on the calling
 * thread, which may be another than the one that stored it, and cannot
 * fail.
 */
struct vdm__threads_backend {
	enum vdm_operation_result (*check)(void *arg,
		const struct vdm_operation *op);
	void (*piece)(void *arg, const struct vdm_operation *op, size_t off,
		size_t len, int costly);
	enum vdm_operation_result (*persist)(void *arg,
		struct vdm__range *ranges, unsigned n, int costly);
	int (*linger)(void *arg, const struct vdm__range *ranges,
		unsigned n);
	int (*quiet)(void *arg);
	uint64_t (*join)(void *arg, struct vdm__range *ranges, unsigned n);
	int (*poll)(void *arg, uint64_t ticket,
		enum vdm_operation_result *result);
	uint64_t (*defer)(void *arg, const struct vdm__range *range);
	void (*finish)(void *arg, uint64_t ticket,
		const struct vdm__range *range);
};

/*
 * The bit every ticket of backend->defer has, and no slot's address: a
 * future of vdm__threads_run whose handle has it waits for finish, not for
 * a slot.  (Addresses of user space never have it.)
 */
#define VDM__THREADS_DEFERRED ((uint64_t)1 << 63)
_Static_assert(sizeof(void *) == sizeof(uint64_t),
	"a handle holds a 64-bit ticket");

/* vdm__threads_size -- the bytes of the engine's state, the struct vdm first */
size_t vdm__threads_size(void);

/*
 * vdm__threads_init -- starts the engine in an instance of at least
 * vdm__threads_size() bytes from vdm_new(), as config says (NULL: defaults),
 * moving bytes through backend (which must outlive it) with arg; 0 or an
 * errno value
 */
int vdm__threads_init(struct vdm *vdm, const struct vdm_threads_config *config,
	enum future_notifier_type notifier,
	const struct vdm__threads_backend *backend, void *arg);

/* vdm__threads_fini -- lets queued work finish, stops the engine */
void vdm__threads_fini(struct vdm *vdm);

/* vdm__threads_ops -- the engine's operation table */
struct vdm vdm__threads_ops(void);

/* the functions a program may give a plain pool (data_mover_threads) */
typedef void *(*vdm__memcpy_fn)(void *dst, const void *src, size_t n,
	unsigned flags);
typedef void *(*vdm__memmove_fn)(void *dst, const void *src, size_t n,
	unsigned flags);
typedef void *(*vdm__memset_fn)(void *str, int c, size_t n, unsigned flags);

/*
 * vdm__threads_set_fn -- makes a pool of the plain backend (one
 * vdm_threads_new() made) move the bytes of type with fn, one of the three
 * types above cast to uintptr_t, or with its own functions again for 0.
 * Each piece of an operation uses the function set when it moves.
 */
void vdm__threads_set_fn(struct vdm *vdm, enum vdm_operation_type type,
	uintptr_t fn);

/*
 * vdm__threads_run -- the engine's run task, for every operation type of a
 * descriptor: the futures of vdm_memcpy() and friends take a slot at their
 * first poll, or none for an operation shorter than offload_min whose
 * persist (if any) is not costly
 */
enum future_state vdm__threads_run(struct future_context *context,
	struct future_notifier *notifier);

#endif /* MINIASYNC_ENGINE_H */
