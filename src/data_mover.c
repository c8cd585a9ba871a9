/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * data_mover.c -- the movers behind miniasync 0.2's handles: a handle is the
 * mover's struct vdm itself, under the opaque type 0.2 programs hold
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include <libminiasync/data_mover_sync.h>
#include <libminiasync/data_mover_threads.h>
#include <libminiasync/vdm_synchronous.h>
#include <libminiasync/vdm_threads.h>

#include "engine.h"

/*
 * data_mover_sync_new -- a synchronous mover
 */
struct data_mover_sync *
data_mover_sync_new(void)
{
	return (struct data_mover_sync *)(void *)
		vdm_new(vdm_descriptor_synchronous());
}

/*
 * data_mover_sync_get_vdm -- the mover's table: the handle itself
 */
struct vdm *
data_mover_sync_get_vdm(struct data_mover_sync *dms)
{
	return (struct vdm *)(void *)dms;
}

/*
 * data_mover_sync_delete -- deletes the mover
 */
void
data_mover_sync_delete(struct data_mover_sync *dms)
{
	vdm_delete(data_mover_sync_get_vdm(dms));
}

/*
 * data_mover_threads_new -- a pool of nthreads workers and ringbuf_size
 * slots, notifying through desired_notifier
 */
struct data_mover_threads *
data_mover_threads_new(size_t nthreads, size_t ringbuf_size,
	enum future_notifier_type desired_notifier)
{
	/*
	 * 0 means "the default" to vdm_threads_new(), not to 0.2 programs;
	 * it refuses sizes past its limits, once they fit its fields
	 */
	if (nthreads == 0 || nthreads > UINT_MAX || ringbuf_size == 0 ||
			ringbuf_size > UINT_MAX) {
		errno = EINVAL;
		return NULL;
	}

	struct vdm_threads_config config = {
		.nthreads = (unsigned)nthreads,
		.queue_depth = (unsigned)ringbuf_size,
		.offload_min = 0,
	};
	return (struct data_mover_threads *)(void *)
		vdm_threads_new(&config, desired_notifier);
}

/*
 * data_mover_threads_default -- a pool of the defaults of vdm_threads_new()
 */
struct data_mover_threads *
data_mover_threads_default(void)
{
	return (struct data_mover_threads *)(void *)
		vdm_threads_new(NULL, FUTURE_NOTIFIER_WAKER);
}

/*
 * data_mover_threads_get_vdm -- the pool's table: the handle itself
 */
struct vdm *
data_mover_threads_get_vdm(struct data_mover_threads *dmt)
{
	return (struct vdm *)(void *)dmt;
}

/*
 * data_mover_threads_delete -- deletes the pool
 */
void
data_mover_threads_delete(struct data_mover_threads *dmt)
{
	vdm_delete(data_mover_threads_get_vdm(dmt));
}

/*
 * data_mover_threads_set_fn -- the pool's function for type, if there is a
 * pool
 */
static void
data_mover_threads_set_fn(struct data_mover_threads *dmt,
	enum vdm_operation_type type, uintptr_t fn)
{
	if (dmt != NULL)
		vdm__threads_set_fn(data_mover_threads_get_vdm(dmt), type, fn);
}

/*
 * data_mover_threads_set_memcpy_fn -- the pool's memcpy function
 */
void
data_mover_threads_set_memcpy_fn(struct data_mover_threads *dmt,
	memcpy_fn op_memcpy)
{
	data_mover_threads_set_fn(dmt, VDM_OPERATION_MEMCPY,
		(uintptr_t)op_memcpy);
}

/*
 * data_mover_threads_set_memmove_fn -- the pool's memmove function
 */
void
data_mover_threads_set_memmove_fn(struct data_mover_threads *dmt,
	memmove_fn op_memmove)
{
	data_mover_threads_set_fn(dmt, VDM_OPERATION_MEMMOVE,
		(uintptr_t)op_memmove);
}

/*
 * data_mover_threads_set_memset_fn -- the pool's memset function
 */
void
data_mover_threads_set_memset_fn(struct data_mover_threads *dmt,
	memset_fn op_memset)
{
	data_mover_threads_set_fn(dmt, VDM_OPERATION_MEMSET,
		(uintptr_t)op_memset);
}
