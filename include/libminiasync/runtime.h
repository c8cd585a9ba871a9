/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/runtime.h -- waiting for futures without burning a core
 *
 * A runtime polls the futures it is given until all of them are complete.
 * It hands each poll a waker; when every unfinished future has taken the
 * waker, the waiting thread sleeps until one of them calls it.  Futures that
 * take no notifier are polled again at once; futures that hand back a word
 * to watch (FUTURE_NOTIFIER_POLLER) are polled again once that word is
 * non-zero.  See miniasync_runtime(3).
 */

#ifndef LIBMINIASYNC_RUNTIME_H
#define LIBMINIASYNC_RUNTIME_H 1

#include <stddef.h>

#include <libminiasync/base.h>
#include <libminiasync/future.h>

#ifdef __cplusplus
extern "C" {
#endif

struct runtime;

/*
 * runtime_new -- creates a runtime; NULL with errno set (ENOMEM, or the
 * error of the thread primitives) on failure.
 */
MINIASYNC_EXPORT struct runtime *runtime_new(void);

/*
 * runtime_delete -- frees a runtime; NULL is a no-op.  No thread may be
 * waiting in it, and no future polled by it may still call its waker.
 */
MINIASYNC_EXPORT void runtime_delete(struct runtime *runtime);

/*
 * runtime_wait -- polls fut until it is complete and returns then.  A future
 * that is complete already returns at once.  Several threads may wait in one
 * runtime at the same time, each on its own futures.
 */
MINIASYNC_EXPORT void runtime_wait(struct runtime *runtime,
	struct future *fut);

/*
 * runtime_wait_multiple -- polls the nfuts futures of futs until all of them
 * are complete.  Each poll pass visits every unfinished future once.
 */
MINIASYNC_EXPORT void runtime_wait_multiple(struct runtime *runtime,
	struct future *futs[], size_t nfuts);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_RUNTIME_H */
