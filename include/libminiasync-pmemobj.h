/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync-pmemobj.h -- a mover into a libpmemobj pool: every
 * operation is durable when its future completes (libminiasync-pmemobj,
 * -lminiasync-pmemobj; pkg-config libminiasync-pmemobj)
 *
 * vdm_pmemobj_new() makes a mover for one open pool.  It takes the futures
 * of vdm_memcpy(), vdm_memmove(), vdm_memset() and vdm_flush() whose
 * destination lies wholly inside the pool, and is deleted with
 * vdm_delete().  When such a future completes with VDM_SUCCESS, every byte
 * of its destination range is durable:
 *	a pool on persistent memory	stored with pmemobj_memcpy() and
 *					friends without a drain, then drained
 *					on the thread that stored it
 *	a pool in the page cache	stored, then written back with msync(),
 *					shared with the operations in flight
 * The copies are not transactional: a program that needs an object to
 * appear whole after a crash copies into it first and publishes it (a
 * pointer to it, say) in a transaction once the future completes.  See
 * vdm_pmemobj_new(3).
 *
 * This header includes <libpmemobj.h>, and the library's pkg-config file
 * names libpmemobj, so a program may use the pool's API through it.
 */

#ifndef LIBMINIASYNC_PMEMOBJ_H
#define LIBMINIASYNC_PMEMOBJ_H 1

#include <libminiasync.h>
#include <libpmemobj.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * vdm_pmemobj_new -- a mover whose operations write inside the pool pop
 * and are durable when complete.  nthreads == 0: bytes move on the polling
 * thread (in the page cache, a later poll writes them back); otherwise on
 * nthreads workers of the mover's own (at most 256), large operations
 * split among them.  A destination range not wholly inside the pool fails
 * with VDM_ERROR_OUT_OF_RANGE and writes nothing; a write-back that fails
 * ends its operation, and every later one, with VDM_ERROR_IO.  The pool
 * must stay open while the mover lives.  NULL with errno set on failure
 * (EINVAL: pop is NULL or not an open pool, or nthreads too large;
 * ENOMEM).
 */
MINIASYNC_EXPORT struct vdm *vdm_pmemobj_new(PMEMobjpool *pop,
	unsigned nthreads);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_PMEMOBJ_H */
