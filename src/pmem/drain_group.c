/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * drain_group.c -- the drain group of the polling thread: a thread's
 * deferred stores share its next drain (see drain_group.h)
 *
 * A thread takes a record of a fixed table the first time it defers a
 * drain (a CAS on the record's owner word), and gives it back when it
 * exits (a key destructor drains what is pending first), so that a
 * record another thread takes next carries no store undrained.  In a
 * record:
 *	stored	the deferred stores of its threads so far; never reset,
 *		so that a ticket names one store of one thread for good
 *		(a record whose count would outgrow a ticket is retired)
 *	drained	the value of stored at its last drain: written by its
 *		owner only (release, after the drain), read by other
 *		threads with acquire
 *	pending	the drain function of the stores made since that drain
 * A store whose drain function differs from pending first drains those
 * with the old one (drain functions take no argument and are library
 * functions, valid after their map is gone).
 *
 * A ticket is completed on the thread that owns its record by draining
 * if the last drain came before it; on another thread, it is covered if
 * the owner's last drain came after it, and otherwise that thread cannot
 * drain for the owner: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) makes
 * every running thread of the process pass a full barrier (on x86 that
 * also empties the write-combining buffers of non-temporal stores and
 * orders clwb and clflushopt; a thread not running passed one when it
 * was switched out), and then the completing thread flushes the range
 * itself and drains.  A process where membarrier is refused (ENOSYS on
 * old kernels, EPERM under a seccomp filter) defers no drains at all.
 *
 * A future dropped after its first poll leaves its stores pending on its
 * thread: the next completion there, or the thread's exit, drains them.
 * Nothing is allocated per operation; a thread finding the table full
 * drains at once, as it would without the group.
 */

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/atomics.h"
#include "core/util.h"
#include "drain_group.h"
#include "pmem_seam.h"

/* the records of the table: at most this many threads defer at once */
#define PMV_DG_RECORDS 1024U

/* a ticket: PMV__DRAIN_TICKET | record << PMV_DG_SHIFT | count */
#define PMV_DG_SHIFT 48
#define PMV_DG_COUNT_MAX (((uint64_t)1 << PMV_DG_SHIFT) - 1)
_Static_assert(PMV_DG_RECORDS <= ((uint64_t)1 << (63 - PMV_DG_SHIFT)),
	"a record's index fits in a ticket");

/* the owner word of a record */
#define PMV_DG_FREE 0
#define PMV_DG_TAKEN 1
#define PMV_DG_RETIRED 2 /* its count is spent: never taken again */

/* a thread's record, on a cache line of its own: others read drained */
struct pmv_dg_record {
	uint64_t owner;		/* PMV_DG_*: atomic */
	uint64_t drained;	/* atomic: release by the owner */
	uint64_t stored;	/* the owner's only */
	pmem2_drain_fn pending;	/* the owner's only; NULL: none yet */
} __attribute__((aligned(CORE__CACHELINE_SIZE)));

static struct pmv_dg_record pmv_dg_table[PMV_DG_RECORDS];

static pthread_once_t pmv_dg_once = PTHREAD_ONCE_INIT;
static pthread_key_t pmv_dg_key;
/* set in pmv_dg_init; read after pthread_once(), which orders it */
static int pmv_dg_usable;

/* the record of this thread, and whether it has given up on one */
static _Thread_local struct pmv_dg_record *pmv_dg_mine;
static _Thread_local int pmv_dg_none;

/*
 * pmv_dg_membarrier_sys -- membarrier(2), which glibc does not wrap
 */
static long
pmv_dg_membarrier_sys(int cmd, unsigned flags)
{
	return syscall(SYS_membarrier, cmd, flags, 0);
}

#ifdef MINIASYNC_PMEM_TEST_SEAM
long (*pmv__membarrier)(int cmd, unsigned flags) = pmv_dg_membarrier_sys;
int pmv__drain_group_disabled;
#define PMV_DG_MEMBARRIER(cmd) pmv__membarrier((cmd), 0)
#else
#define PMV_DG_MEMBARRIER(cmd) pmv_dg_membarrier_sys((cmd), 0)
#endif

/*
 * pmv_dg_drain_mine -- drains what is pending on this thread's record r,
 * if anything is
 */
static void
pmv_dg_drain_mine(struct pmv_dg_record *r)
{
	/* relaxed: only this thread, its owner, writes drained */
	if (core__load_relaxed_u64(&r->drained) == r->stored)
		return;
	r->pending();
	/*
	 * release: the drain, and the stores it made durable, happen before
	 * whatever follows another thread's acquire load of drained that
	 * reads this count (pmv__drain_finish)
	 */
	core__store_release_u64(&r->drained, r->stored);
}

/*
 * pmv_dg_give_back -- this thread drains what it left pending and gives
 * its record back, free for another thread or retired
 */
static void
pmv_dg_give_back(struct pmv_dg_record *r, uint64_t owner)
{
	pmv_dg_drain_mine(r);
	pmv_dg_mine = NULL;
	/*
	 * release: stored, drained and pending as they are now pass to the
	 * next owner, whose CAS in pmv_dg_claim acquires them
	 */
	core__store_release_u64(&r->owner, owner);
}

/*
 * pmv_dg_exit -- the key's destructor: at the exit of a thread that has a
 * record, drains what it left pending and frees the record
 */
static void
pmv_dg_exit(void *arg)
{
	pmv_dg_give_back(arg, PMV_DG_FREE);
	/* a later key destructor of this thread that copies drains at once */
	pmv_dg_none = 1;
}

/*
 * pmv_dg_init -- the table's words told to the checkers, the key, and
 * the process registered for expedited barriers
 */
static void
pmv_dg_init(void)
{
	for (unsigned i = 0; i < PMV_DG_RECORDS; i++) {
		core__atomic_init_u64(&pmv_dg_table[i].owner, PMV_DG_FREE);
		core__atomic_init_u64(&pmv_dg_table[i].drained, 0);
	}
	if (pthread_key_create(&pmv_dg_key, pmv_dg_exit) != 0)
		return;
	if (PMV_DG_MEMBARRIER(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
		return;
	pmv_dg_usable = 1;
}

/*
 * pmv__drain_group_ready -- readies the group once per process; non-zero
 * if drains may be deferred to it
 */
int
pmv__drain_group_ready(void)
{
	(void) pthread_once(&pmv_dg_once, pmv_dg_init);
#ifdef MINIASYNC_PMEM_TEST_SEAM
	if (pmv__drain_group_disabled)
		return 0;
#endif
	return pmv_dg_usable;
}

/*
 * pmv_dg_claim -- takes a free record for this thread; NULL if there is
 * none (then this thread never asks again)
 */
static struct pmv_dg_record *
pmv_dg_claim(void)
{
	if (pmv_dg_none)
		return NULL;
	for (unsigned i = 0; i < PMV_DG_RECORDS; i++) {
		struct pmv_dg_record *r = &pmv_dg_table[i];
		uint64_t expected = PMV_DG_FREE;

		/* relaxed: a look that skips taken records; the CAS decides */
		if (core__load_relaxed_u64(&r->owner) != PMV_DG_FREE)
			continue;
		/*
		 * acquire on success: pairs with the release store of FREE by
		 * the record's last owner (pmv_dg_give_back), so its drain
		 * and its stored, drained and pending are this thread's to
		 * build on
		 */
		if (!core__cas_strong_acquire_u64(&r->owner, &expected,
				PMV_DG_TAKEN))
			continue;
		if (pthread_setspecific(pmv_dg_key, r) != 0) {
			/* release: pairs with the next claim's CAS */
			core__store_release_u64(&r->owner, PMV_DG_FREE);
			break;
		}
		pmv_dg_mine = r;
		return r;
	}
	pmv_dg_none = 1;
	return NULL;
}

/*
 * pmv__drain_defer -- counts a store of this thread whose drain is
 * deferred; its ticket, or 0 (drain at once)
 */
uint64_t
pmv__drain_defer(pmem2_drain_fn drain)
{
	struct pmv_dg_record *r = pmv_dg_mine;

	if (r == NULL && (r = pmv_dg_claim()) == NULL)
		return 0;
	if (r->stored == PMV_DG_COUNT_MAX) {
		/* a ticket could not tell its next count from an old one */
		pmv_dg_give_back(r, PMV_DG_RETIRED);
		(void) pthread_setspecific(pmv_dg_key, NULL);
		if ((r = pmv_dg_claim()) == NULL)
			return 0;
	}
	if (r->pending != drain) {
		pmv_dg_drain_mine(r);
		r->pending = drain;
	}
	r->stored++;
	return PMV__DRAIN_TICKET |
		((uint64_t)(r - pmv_dg_table) << PMV_DG_SHIFT) | r->stored;
}

/*
 * pmv__drain_pending -- this thread's pending stores drained
 */
void
pmv__drain_pending(void)
{
	if (pmv_dg_mine != NULL)
		pmv_dg_drain_mine(pmv_dg_mine);
}

/*
 * pmv__drain_finish -- the ticket's range durable on this thread
 */
void
pmv__drain_finish(uint64_t ticket, const struct pmv__fns *fns,
	const void *addr, size_t len)
{
	struct pmv_dg_record *r = &pmv_dg_table[(ticket & ~PMV__DRAIN_TICKET)
		>> PMV_DG_SHIFT];
	uint64_t count = ticket & PMV_DG_COUNT_MAX;

	/*
	 * acquire: pairs with the release store of the owner after its
	 * drain (pmv_dg_drain_mine): a count this high means that drain
	 * came after the ticket's stores and made them durable.  Asked
	 * first, whichever thread this is: of futures waited together, the
	 * first to complete drains and the others need no more than this
	 * load (not even this thread's record, a look-up in a shared
	 * library).
	 */
	if (core__load_acquire_u64(&r->drained) >= count)
		return;
	if (r == pmv_dg_mine) {
		/* stored here, after this thread's last drain */
		pmv_dg_drain_mine(r);
		return;
	}
	/*
	 * This thread cannot drain for the owner.  The barrier makes every
	 * thread of the process, the owner among them, pass a full barrier,
	 * which orders its flushes and empties its write-combining buffers;
	 * then the range is flushed and drained here.  It cannot fail once
	 * the process is registered (pmv__drain_group_ready said so).
	 */
	(void) PMV_DG_MEMBARRIER(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	fns->flush(addr, len);
	fns->drain();
}
