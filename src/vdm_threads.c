/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_threads.c -- the thread-pool mover: the engine (engine.c) with the
 * plain backend, which moves bytes with memcpy(), memmove() and memset(),
 * or with the functions a program set for its pool, and writes cache lines
 * back for a flush; and its public descriptors and constructor
 */

#include <errno.h>
#include <stdint.h>

#include <libminiasync/vdm_threads.h>

#include "core/atomics.h"
#include "core/cpu.h"
#include "core/util.h"
#include "engine.h"
#include "engine_internal.h"
#include "vdm_internal.h"

#define THREADS_SUPPORTED_FLAGS ((uint64_t)VDM_F_NO_CACHE_HINT)

/*
 * operations at least this long bypass the caches even without
 * VDM_F_NO_CACHE_HINT: their destination would not stay in them anyway, and
 * stores that skip reading each line first leave more memory bandwidth to
 * the copy
 */
#define THREADS_NT_MIN ((size_t)16 << 20)

/*
 * The functions a plain pool moves bytes with instead of the C library's,
 * as a program set them (vdm__threads_set_fn), 0 where it set none: function
 * addresses, stored with release and read with acquire, so that whatever
 * the program set up for a function before it set it is seen by the thread
 * that calls it.
 */
struct threads_fns {
	uintptr_t fn[VDM_OPERATION_TYPES];
};

/*
 * A plain pool's instance: the engine's state, then the program's
 * functions, on a line of their own that only vdm__threads_set_fn writes
 */
struct threads_pool {
	struct engine__mover engine;	/* first: the struct vdm is its start */
	struct threads_fns fns;
};

/*
 * threads_plain_check -- the outcome of an operation on the thread-pool
 * mover
 */
static enum vdm_operation_result
threads_plain_check(void *arg, const struct vdm_operation *op)
{
	(void) arg;
	enum vdm_operation_result result =
		vdm__operation_check(op, THREADS_SUPPORTED_FLAGS);

	if (result != VDM_SUCCESS || op->type != VDM_OPERATION_FLUSH)
		return result;
	/* cppcheck-suppress knownConditionTrueFalse ; a target's constant */
	return core__flush_supported() ? VDM_SUCCESS :
		VDM_ERROR_NOT_SUPPORTED;
}

/*
 * threads_call_fn -- moves a piece of an operation with the program's
 * function fn for its type, given the operation's flags
 */
static void
threads_call_fn(uintptr_t fn, const struct vdm_operation *op, size_t off,
	size_t len)
{
	/* memmove's and memset's destination and flags are memcpy's */
	const struct vdm_operation_data_memcpy *args = &op->data.memcpy;

	if (op->type == VDM_OPERATION_MEMSET)
		(void) ((vdm__memset_fn)fn)((char *)args->dest + off,
			op->data.memset.c, len, (unsigned)args->flags);
	else if (op->type == VDM_OPERATION_MEMMOVE)
		(void) ((vdm__memmove_fn)fn)((char *)args->dest + off,
			(char *)args->src + off, len, (unsigned)args->flags);
	else
		(void) ((vdm__memcpy_fn)fn)((char *)args->dest + off,
			(char *)args->src + off, len, (unsigned)args->flags);
}

/*
 * threads_plain_piece -- moves a piece of an operation: with the function
 * the program set for its type, if any; else with stores that bypass the
 * caches when the operation asks so (VDM_F_NO_CACHE_HINT) or is too large
 * for its destination to stay in them (THREADS_NT_MIN), with the C
 * library's functions otherwise
 */
static void
threads_plain_piece(void *arg, const struct vdm_operation *op, size_t off,
	size_t len, int costly)
{
	struct threads_fns *fns = arg;
	(void) costly;	/* no linger: always 0 */
	/* acquire: pairs with the release in vdm__threads_set_fn */
	uintptr_t fn = core__load_acquire_ne_uptr(&fns->fn[op->type], 0);

	if (core__unlikely(fn != 0)) {
		threads_call_fn(fn, op, off, len);
	} else if ((vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT) ||
			vdm__operation_len(op) >= THREADS_NT_MIN) {
		vdm__operation_run_nt(op, off, len);
	} else {
		vdm__operation_run(op, off, len);
	}
}

static const struct vdm__threads_backend threads_plain_backend = {
	.check = threads_plain_check,
	.piece = threads_plain_piece,
	.persist = NULL,
	.linger = NULL,
	.quiet = NULL,
};

/*
 * threads_init_plain -- vdm__threads_init with the plain backend, whose
 * functions are the C library's until the program sets others
 */
static int
threads_init_plain(struct vdm *vdm, void *arg,
	enum future_notifier_type notifier)
{
	struct threads_pool *pool = (struct threads_pool *)vdm;

	/* 0: the library's own functions */
	for (unsigned t = 0; t < VDM_OPERATION_TYPES; t++)
		core__atomic_init_uptr(&pool->fns.fn[t], 0);
	return vdm__threads_init(vdm, arg, notifier, &threads_plain_backend,
		&pool->fns);
}

/*
 * threads_init_waker -- vdm__threads_init for the waker descriptor
 */
static int
threads_init_waker(struct vdm *vdm, void *arg)
{
	return threads_init_plain(vdm, arg, FUTURE_NOTIFIER_WAKER);
}

/*
 * threads_init_poller -- vdm__threads_init for the poller descriptor
 */
static int
threads_init_poller(struct vdm *vdm, void *arg)
{
	return threads_init_plain(vdm, arg, FUTURE_NOTIFIER_POLLER);
}

/*
 * threads_init_none -- vdm__threads_init for a pool whose operations hand
 * out no notifier
 */
static int
threads_init_none(struct vdm *vdm, void *arg)
{
	return threads_init_plain(vdm, arg, FUTURE_NOTIFIER_NONE);
}

#define THREADS_RUN {\
	[VDM_OPERATION_MEMCPY] = vdm__threads_run,\
	[VDM_OPERATION_MEMMOVE] = vdm__threads_run,\
	[VDM_OPERATION_MEMSET] = vdm__threads_run,\
	[VDM_OPERATION_FLUSH] = vdm__threads_run,\
}

static struct vdm_descriptor threads_descriptor = {
	.size = sizeof(struct threads_pool),
	.init = threads_init_waker,
	.fini = vdm__threads_fini,
	.init_arg = NULL,
	.ops = ENGINE__OPS,
	.run = THREADS_RUN,
};

static struct vdm_descriptor threads_polled_descriptor = {
	.size = sizeof(struct threads_pool),
	.init = threads_init_poller,
	.fini = vdm__threads_fini,
	.init_arg = NULL,
	.ops = ENGINE__OPS,
	.run = THREADS_RUN,
};

/* the pool whose operations hand out no notifier: vdm_threads_new() only */
static const struct vdm_descriptor threads_none_descriptor = {
	.size = sizeof(struct threads_pool),
	.init = threads_init_none,
	.fini = vdm__threads_fini,
	.init_arg = NULL,
	.ops = ENGINE__OPS,
	.run = THREADS_RUN,
};

/*
 * vdm_descriptor_threads -- the thread pool whose workers call the waker
 */
struct vdm_descriptor *
vdm_descriptor_threads(void)
{
	return &threads_descriptor;
}

/*
 * vdm_descriptor_threads_polled -- the thread pool with the poller notifier
 */
struct vdm_descriptor *
vdm_descriptor_threads_polled(void)
{
	return &threads_polled_descriptor;
}

/*
 * vdm_threads_new -- a thread pool made as config says
 */
struct vdm *
vdm_threads_new(const struct vdm_threads_config *config,
	enum future_notifier_type notifier)
{
	struct vdm_descriptor desc;

	if (notifier == FUTURE_NOTIFIER_WAKER)
		desc = threads_descriptor;
	else if (notifier == FUTURE_NOTIFIER_POLLER)
		desc = threads_polled_descriptor;
	else if (notifier == FUTURE_NOTIFIER_NONE)
		desc = threads_none_descriptor;
	else {
		errno = EINVAL;
		return NULL;
	}

	/* the config is only read during vdm_new() */
	desc.init_arg = (void *)(uintptr_t)config;
	return vdm_new(&desc);
}

/*
 * vdm__threads_set_fn -- makes a plain pool move the bytes of operations of
 * type with fn (a vdm__memcpy_fn, vdm__memmove_fn or vdm__memset_fn), or,
 * for 0, with the library's own functions
 */
void
vdm__threads_set_fn(struct vdm *vdm, enum vdm_operation_type type,
	uintptr_t fn)
{
	struct threads_pool *pool = (struct threads_pool *)vdm;

	/* release: pairs with the acquire in threads_plain_piece */
	core__store_release_uptr(&pool->fns.fn[type], fn);
}
