/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * abi_v02_consumer.c -- a program as one built against miniasync 0.2.1 is:
 * it calls no function of the library but those 0.2.1 exported (its
 * futures are made and run by inline code, vdm_generic_operation() and
 * vdm_operation_impl(), as 0.2.1's header did), and it is linked against a
 * stand-in library that exports just those, under 0.2.1's version node, so
 * that the loader must find that node in the library it runs with.  Exits
 * 0 when every operation moved the right bytes.
 */

#include <libminiasync.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SIZE ((size_t)3 << 20)

static atomic_size_t copied;

/*
 * counting_memcpy -- a pool's memcpy function that counts its bytes
 */
static void *
counting_memcpy(void *dst, const void *src, size_t n, unsigned flags)
{
	(void) flags;
	atomic_fetch_add(&copied, n);
	return memcpy(dst, src, n);
}

/*
 * op_future -- an operation future made the 0.2 way, through the table
 */
static struct vdm_operation_future
op_future(struct vdm *vdm, enum vdm_operation_type type, void *dest,
	void *src, int c, size_t n)
{
	struct vdm_operation_future fut;

	memset(&fut, 0, sizeof(fut));
	fut.data.operation.type = type;
	if (type == VDM_OPERATION_MEMSET) {
		fut.data.operation.data.memset.str = dest;
		fut.data.operation.data.memset.c = c;
		fut.data.operation.data.memset.n = n;
	} else {
		fut.data.operation.data.memcpy.dest = dest;
		fut.data.operation.data.memcpy.src = src;
		fut.data.operation.data.memcpy.n = n;
	}
	vdm_generic_operation(vdm, &fut);
	return fut;
}

/*
 * run -- a memcpy, an overlapping memmove and a memset of SIZE bytes on
 * vdm, waited for together; 0 if every byte and output is right
 */
static int
run(struct runtime *rt, struct vdm *vdm, unsigned seed)
{
	unsigned char *src = malloc(SIZE);
	unsigned char *a = malloc(SIZE);
	unsigned char *b = malloc(SIZE + 1);
	unsigned char *want = malloc(SIZE + 1);
	int bad = src == NULL || a == NULL || b == NULL || want == NULL;

	if (!bad) {
		for (size_t i = 0; i < SIZE; i++)
			src[i] = (unsigned char)(i * 7 + seed);
		memcpy(b, src, SIZE);
		memcpy(want + 1, src, SIZE);
		want[0] = src[0];

		struct vdm_operation_future f[3] = {
			op_future(vdm, VDM_OPERATION_MEMCPY, a, src, 0, SIZE),
			op_future(vdm, VDM_OPERATION_MEMMOVE, b + 1, b, 0,
				SIZE),
			op_future(vdm, VDM_OPERATION_MEMSET, src, NULL, 0x5a,
				SIZE),
		};
		struct future *futs[3];
		for (int i = 0; i < 3; i++)
			futs[i] = FUTURE_AS_RUNNABLE(&f[i]);
		/* the memset waits for the copy: it overwrites its source */
		runtime_wait(rt, futs[0]);
		runtime_wait_multiple(rt, futs + 1, 2);

		for (int i = 0; i < 3; i++)
			bad |= FUTURE_OUTPUT(&f[i])->result != VDM_SUCCESS;
		bad |= FUTURE_OUTPUT(&f[0])->output.memcpy.dest != a;
		bad |= FUTURE_OUTPUT(&f[1])->output.memmove.dest != b + 1;
		bad |= FUTURE_OUTPUT(&f[2])->output.memset.str != src;
		bad |= memcmp(b, want, SIZE + 1) != 0;
		memcpy(want, b + 1, SIZE);
		bad |= memcmp(a, want, SIZE) != 0;
		for (size_t i = 0; i < SIZE; i++)
			bad |= src[i] != 0x5a;
	}

	free(src);
	free(a);
	free(b);
	free(want);
	return bad;
}

int
main(void)
{
	struct runtime *rt = runtime_new();
	struct data_mover_sync *dms = data_mover_sync_new();
	struct data_mover_threads *dmt = data_mover_threads_new(2, 32,
		FUTURE_NOTIFIER_WAKER);
	struct data_mover_threads *def = data_mover_threads_default();
	int bad = rt == NULL || dms == NULL || dmt == NULL || def == NULL;

	if (!bad) {
		bad |= run(rt, data_mover_sync_get_vdm(dms), 1);
		data_mover_threads_set_memcpy_fn(dmt, counting_memcpy);
		data_mover_threads_set_memmove_fn(dmt, NULL);
		data_mover_threads_set_memset_fn(dmt, NULL);
		bad |= run(rt, data_mover_threads_get_vdm(dmt), 2);
		bad |= atomic_load(&copied) != SIZE;
		bad |= run(rt, data_mover_threads_get_vdm(def), 3);
	}

	data_mover_threads_delete(def);
	data_mover_threads_delete(dmt);
	data_mover_sync_delete(dms);
	runtime_delete(rt);
	return bad;
}
