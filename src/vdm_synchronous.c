/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * vdm_synchronous.c -- the synchronous mover: bytes move in op_start, on the
 * thread that polls, so an operation is complete at its first poll.
 *
 * The mover keeps no per-operation state: op_new hands back the mover itself
 * as the handle, and op_delete derives the result from the operation again
 * (the checks are a few compares), so nothing is allocated per operation.
 * The library's own futures skip the table: their tasks are the run tasks
 * below.
 */

#include <string.h>

#include <libminiasync/vdm_synchronous.h>

#include "core/cpu.h"
#include "core/util.h"
#include "vdm_internal.h"

/* VDM_F_MEM_DURABLE needs knowledge of the mapping this mover lacks */
#define SYNC_SUPPORTED_FLAGS ((uint64_t)VDM_F_NO_CACHE_HINT)

/*
 * sync_op_new -- the handle of every operation is the mover itself
 */
static void *
sync_op_new(struct vdm *vdm, const enum vdm_operation_type type)
{
	(void) type;
	return vdm;
}

/*
 * sync_op_result -- what the operation's outcome is (or will be)
 */
static inline enum vdm_operation_result
sync_op_result(const struct vdm_operation *op)
{
	enum vdm_operation_result result =
		vdm__operation_check(op, SYNC_SUPPORTED_FLAGS);

	if (op->type == VDM_OPERATION_FLUSH && !core__flush_supported() &&
			result == VDM_SUCCESS)
		return VDM_ERROR_NOT_SUPPORTED;
	return result;
}

/*
 * The run tasks: the futures of vdm_memcpy() and friends run these as their
 * own tasks from their creation on, so each judges its operation's
 * arguments at its first call (the library knows these tasks do: see
 * vdm_run_judging in vdm.c); a plain operation goes straight through.
 */

/*
 * sync_run -- moves a checked operation: with stores that bypass the caches
 * if it asks so (VDM_F_NO_CACHE_HINT), else with the C library; nothing for
 * n == 0, whose pointers may be NULL
 */
static inline void
sync_run(const struct vdm_operation *op)
{
	size_t len = vdm__operation_len(op);

	if (len == 0)
		return;
	if (vdm__operation_flags(op) & VDM_F_NO_CACHE_HINT)
		vdm__operation_run_nt(op, 0, len);
	else
		vdm__operation_run(op, 0, len);
}

/*
 * sync_judged -- a run task's way for any operation but a plain one (no
 * flag, real pointers, bytes to move): its arguments judged, a flag this
 * mover cannot honour refused, the rest moved by sync_run
 */
static __attribute__((noinline)) enum future_state
sync_judged(struct future_context *context)
{
	struct vdm_operation_data *data = future_context_get_data(context);
	enum vdm_operation_result result = sync_op_result(&data->operation);

	if (result == VDM_SUCCESS)
		sync_run(&data->operation);
	return vdm_run_complete(context, result);
}

/*
 * sync_memcpy_task -- the task of vdm_memcpy() futures
 */
static enum future_state
sync_memcpy_task(struct future_context *context,
	struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct vdm_operation_data_memcpy *op = &data->operation.data.memcpy;

	if (core__unlikely(op->flags != 0 || op->n == 0 || op->dest == NULL ||
			op->src == NULL))
		return sync_judged(context);
	memcpy(op->dest, op->src, op->n);
	return vdm_run_complete(context, VDM_SUCCESS);
}

/*
 * sync_memmove_task -- the task of vdm_memmove() futures
 */
static enum future_state
sync_memmove_task(struct future_context *context,
	struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct vdm_operation_data_memmove *op = &data->operation.data.memmove;

	if (core__unlikely(op->flags != 0 || op->n == 0 || op->dest == NULL ||
			op->src == NULL))
		return sync_judged(context);
	memmove(op->dest, op->src, op->n);
	return vdm_run_complete(context, VDM_SUCCESS);
}

/*
 * sync_memset_task -- the task of vdm_memset() futures
 */
static enum future_state
sync_memset_task(struct future_context *context,
	struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct vdm_operation_data_memset *op = &data->operation.data.memset;

	if (core__unlikely(op->flags != 0 || op->n == 0 || op->str == NULL))
		return sync_judged(context);
	memset(op->str, op->c, op->n);
	return vdm_run_complete(context, VDM_SUCCESS);
}

/*
 * sync_flush_task -- the task of vdm_flush() futures
 */
static enum future_state
sync_flush_task(struct future_context *context,
	struct future_notifier *notifier)
{
	(void) notifier;
	struct vdm_operation_data *data = future_context_get_data(context);
	struct vdm_operation_data_flush *op = &data->operation.data.flush;

	if (core__unlikely(op->flags != 0 || op->n == 0 || op->dest == NULL ||
			!core__flush_supported()))
		return sync_judged(context);
	core__flush_range(op->dest, op->n);
	return vdm_run_complete(context, VDM_SUCCESS);
}

/*
 * sync_op_start -- performs the operation now (the table's way in, used by
 * libpmem2; the library's own futures run the tasks above)
 */
static int
sync_op_start(void *data, const struct vdm_operation *op,
	struct future_notifier *n)
{
	(void) data;
	if (n != NULL)
		n->notifier_used = FUTURE_NOTIFIER_NONE;
	/* operations from the table are not checked yet */
	if (sync_op_result(op) == VDM_SUCCESS)
		sync_run(op);
	return 0;
}

/*
 * sync_op_check -- an operation is done once started
 */
static enum future_state
sync_op_check(void *data, const struct vdm_operation *op)
{
	(void) data;
	(void) op;
	return FUTURE_STATE_COMPLETE;
}

/*
 * sync_op_delete -- reports the outcome; there is nothing to release
 */
static void
sync_op_delete(void *data, const struct vdm_operation *op,
	struct vdm_operation_output *output)
{
	(void) data;
	vdm__operation_output(op, sync_op_result(op), output);
}

static struct vdm_descriptor sync_descriptor = {
	.size = sizeof(struct vdm),
	.init = NULL,
	.fini = NULL,
	.init_arg = NULL,
	.ops = {
		.op_new = sync_op_new,
		.op_delete = sync_op_delete,
		.op_start = sync_op_start,
		.op_check = sync_op_check,
		/* 0: see the capabilities warning in vdm_internal.h */
		.capabilities = 0,
		.has_property = NULL,
	},
	.run = {
		[VDM_OPERATION_MEMCPY] = sync_memcpy_task,
		[VDM_OPERATION_MEMMOVE] = sync_memmove_task,
		[VDM_OPERATION_MEMSET] = sync_memset_task,
		[VDM_OPERATION_FLUSH] = sync_flush_task,
	},
};

/*
 * vdm_descriptor_synchronous -- the descriptor of the synchronous mover
 */
struct vdm_descriptor *
vdm_descriptor_synchronous(void)
{
	return &sync_descriptor;
}
