/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_vdm_wait.h -- one vdm operation, waited for with a runtime: the
 * typed future's output, once the test made sure it is complete.  Include
 * after <cmocka.h> and <libminiasync.h>.
 */

#ifndef TEST_VDM_WAIT_H
#define TEST_VDM_WAIT_H 1

/*
 * TEST_VDM_WAIT -- waits for *_futp with rt and evaluates to its output
 * (internal to this header)
 */
#define TEST_VDM_WAIT(_rt, _futp)\
	(runtime_wait((_rt), FUTURE_AS_RUNNABLE(_futp)),\
	assert_int_equal(FUTURE_STATE(_futp), FUTURE_STATE_COMPLETE),\
	*FUTURE_OUTPUT(_futp))

/* wait_memcpy -- vdm_memcpy() on vdm, waited for with rt; its output */
static inline struct vdm_memcpy_output
wait_memcpy(struct vdm *vdm, struct runtime *rt, void *dest, void *src,
	size_t n, uint64_t flags)
{
	struct vdm_memcpy_future fut = vdm_memcpy(vdm, dest, src, n, flags);
	return TEST_VDM_WAIT(rt, &fut);
}

/* wait_memmove -- vdm_memmove() on vdm, waited for with rt; its output */
static inline struct vdm_memmove_output
wait_memmove(struct vdm *vdm, struct runtime *rt, void *dest, void *src,
	size_t n, uint64_t flags)
{
	struct vdm_memmove_future fut = vdm_memmove(vdm, dest, src, n, flags);
	return TEST_VDM_WAIT(rt, &fut);
}

/* wait_memset -- vdm_memset() on vdm, waited for with rt; its output */
static inline struct vdm_memset_output
wait_memset(struct vdm *vdm, struct runtime *rt, void *str, int c, size_t n,
	uint64_t flags)
{
	struct vdm_memset_future fut = vdm_memset(vdm, str, c, n, flags);
	return TEST_VDM_WAIT(rt, &fut);
}

/* wait_flush -- vdm_flush() on vdm, waited for with rt; its output */
static inline struct vdm_flush_output
wait_flush(struct vdm *vdm, struct runtime *rt, void *dest, size_t n,
	uint64_t flags)
{
	struct vdm_flush_future fut = vdm_flush(vdm, dest, n, flags);
	return TEST_VDM_WAIT(rt, &fut);
}

#endif /* TEST_VDM_WAIT_H */
