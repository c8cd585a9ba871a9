/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/data_mover_threads.h -- the thread-pool mover behind
 * miniasync 0.2's handle, with memory functions of the program's own
 *
 * data_mover_threads_new() makes a pool of the thread-pool mover
 * (vdm_threads_new(), see <libminiasync/vdm_threads.h>) with nthreads
 * workers and ringbuf_size operations in flight at most before the polling
 * thread moves further ones itself; data_mover_threads_get_vdm() gives the
 * struct vdm to pass to vdm_memcpy() and friends or to
 * pmem2_config_set_vdm().  The pool's bytes move with the C library's
 * functions, or with the ones data_mover_threads_set_memcpy_fn() and its
 * two siblings set: pmem2_get_memcpy_fn() of a libpmem2 map, say, makes it
 * a pool of flushed stores.  Programs written for miniasync 0.2 use these.
 * See data_mover_threads_new(3) and data_mover_threads_set_memcpy_fn(3).
 */

#ifndef LIBMINIASYNC_DATA_MOVER_THREADS_H
#define LIBMINIASYNC_DATA_MOVER_THREADS_H 1

#include <stddef.h>

#include <libminiasync/base.h>
#include <libminiasync/future.h>
#include <libminiasync/vdm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The functions a pool may move bytes with: each returns its destination;
 * flags are the operation's VDM_F_* flags.
 */
typedef void *(*memcpy_fn)(void *dst, const void *src, size_t n,
	unsigned flags);
typedef void *(*memmove_fn)(void *dst, const void *src, size_t n,
	unsigned flags);
typedef void *(*memset_fn)(void *str, int c, size_t n, unsigned flags);

/* the handle of a thread-pool mover (opaque) */
struct data_mover_threads;

/*
 * data_mover_threads_new -- a pool of nthreads workers (1 to 256), with
 * room for ringbuf_size operations in flight (1 to 65536, rounded up to a
 * power of two), whose operations take desired_notifier
 * (FUTURE_NOTIFIER_WAKER, FUTURE_NOTIFIER_POLLER or FUTURE_NOTIFIER_NONE);
 * NULL with errno set on failure (EINVAL for any other value; ENOMEM; the
 * error of thread creation)
 */
MINIASYNC_EXPORT struct data_mover_threads *data_mover_threads_new(
	size_t nthreads, size_t ringbuf_size,
	enum future_notifier_type desired_notifier);

/*
 * data_mover_threads_default -- a pool of one worker per online processor
 * and 1024 operations in flight, calling the waker
 */
MINIASYNC_EXPORT struct data_mover_threads *data_mover_threads_default(void);

/*
 * data_mover_threads_get_vdm -- the pool's operation table, valid until
 * data_mover_threads_delete(); NULL for a NULL handle
 */
MINIASYNC_EXPORT struct vdm *data_mover_threads_get_vdm(
	struct data_mover_threads *dmt);

/*
 * data_mover_threads_delete -- lets the operations in flight finish, stops
 * the workers and frees the pool (as vdm_delete()); NULL is a no-op
 */
MINIASYNC_EXPORT void data_mover_threads_delete(
	struct data_mover_threads *dmt);

/*
 * data_mover_threads_set_memcpy_fn, data_mover_threads_set_memmove_fn,
 * data_mover_threads_set_memset_fn -- the function the pool moves the bytes
 * of memcpy (memmove, memset) operations with, called on a worker or on the
 * polling thread for each piece of an operation, with the piece's
 * addresses and length and the operation's flags; NULL: the library's own
 * again.  Each piece uses the function set when it moves: set them before
 * starting operations.
 */
MINIASYNC_EXPORT void data_mover_threads_set_memcpy_fn(
	struct data_mover_threads *dmt, memcpy_fn op_memcpy);
MINIASYNC_EXPORT void data_mover_threads_set_memmove_fn(
	struct data_mover_threads *dmt, memmove_fn op_memmove);
MINIASYNC_EXPORT void data_mover_threads_set_memset_fn(
	struct data_mover_threads *dmt, memset_fn op_memset);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_DATA_MOVER_THREADS_H */
