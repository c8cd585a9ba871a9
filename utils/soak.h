/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * soak.h -- what the files of soak share: the movers every submitting
 * thread uses, a thread's lanes, batch and figures (soak_worker.c), and the
 * families of movers that a build may add (soak_pmem.c)
 */

#ifndef MINIASYNC_UTILS_SOAK_H
#define MINIASYNC_UTILS_SOAK_H 1

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <libminiasync.h>

#ifdef __cplusplus
extern "C" {
#endif

/* the bytes each thread owns in the heap buffer and in the file */
#define SOAK_LANE ((size_t)4 << 20)
/* the largest operation */
#define SOAK_MAX_OP ((size_t)1 << 20)
/* the source of copies from outside the lanes: SOAK_MAX_OP + some slack */
#define SOAK_PATTERN_SLACK ((size_t)8192)
/* the end of the file belongs to no lane: out-of-range writes aim there */
#define SOAK_GUARD ((size_t)65536)
/* operations per batch, at most */
#define SOAK_BATCH 16
/* whole lanes are compared every this many batches */
#define SOAK_FULL_EVERY 64
/* error messages each thread prints, at most */
#define SOAK_MAX_MSGS 10
#define SOAK_MAX_THREADS 64
#define SOAK_MAX_MOVERS 8
/*
 * how often a mover of ordinary memory is picked against a durable one
 * (whose every operation waits for a write-back, msync on a file)
 */
#define SOAK_WEIGHT_FAST 8
#define SOAK_WEIGHT_DURABLE 1

/* a mover shared by every submitting thread */
struct soak_mover {
	const char *name;
	struct vdm *vdm;
	int durable; /* takes VDM_F_MEM_DURABLE */
	int pmem2; /* writes only inside the map */
	unsigned weight; /* how often it is picked, relative to the others */
};

enum soak_lane_kind {
	LANE_HEAP,
	LANE_FILE,
	LANE_KINDS,
};

/* the part of a buffer one thread owns, and its reference copy */
struct soak_lane {
	char *mem;
	char *ref;
	size_t cur; /* where the batch places its next range */
	size_t lo; /* the range the batch may touch: [lo, hi) */
	size_t hi;
};

/* what went wrong on purpose */
enum soak_invalid {
	INV_NONE,
	INV_NULL, /* a NULL pointer with n > 0 */
	INV_FLAG, /* a flag no mover knows */
	INV_RANGE, /* a destination outside the pmem2 mover's map */
};

/* one operation of a batch, its future and what it must end with */
struct soak_op {
	enum vdm_operation_type type;
	unsigned mover;
	enum soak_invalid invalid;
	struct soak_lane *lane; /* where dest is, NULL if nowhere */
	char *dest;
	char *src;
	char *ref_src; /* the reference's counterpart of src */
	int c;
	size_t n;
	uint64_t flags;
	enum vdm_operation_result expect;
	union {
		struct vdm_memcpy_future cpy;
		struct vdm_memmove_future move;
		struct vdm_memset_future set;
		struct vdm_flush_future flush;
	} fut;
};

/* the figures of one thread, by mover */
struct soak_stats {
	uint64_t ops[SOAK_MAX_MOVERS];
	uint64_t bytes[SOAK_MAX_MOVERS];
	uint64_t not_supported[SOAK_MAX_MOVERS];
	uint64_t rejected[SOAK_MAX_MOVERS];
	uint64_t errors;
	uint64_t batches;
};

/* a submitting thread: its lanes, its runtime, its batch and its figures */
struct soak_worker {
	unsigned id;
	pthread_t thread;
	uint64_t rng;
	struct soak_lane lanes[LANE_KINDS];
	struct runtime *rt;
	uint64_t ops_target; /* 0: run until the deadline */
	uint64_t deadline_ns;
	uint64_t done;
	unsigned msgs;
	struct soak_stats st;
	struct soak_op ops[SOAK_BATCH];
};

/* what every thread shares, read-only while they run */
struct soak_shared {
	struct soak_mover movers[SOAK_MAX_MOVERS];
	unsigned nmovers;
	size_t total_weight;
	char *pattern; /* SOAK_MAX_OP + SOAK_PATTERN_SLACK bytes */
	int have_file;
	char *map_base;
	size_t map_len;
	char *guard; /* SOAK_GUARD bytes at the end of the map */
};

/* the movers and the file of the file lanes (soak.c) */
extern struct soak_shared soak;

/*
 * struct soak_family -- movers that a build of soak may add to the ones of
 * libminiasync (soak.c): open makes them with soak_mover_add() and, if the
 * family has one, maps the file of the file lanes, file_len bytes, and
 * hands it over with soak_file_set(); 0, or -1 (reported) to stop the
 * run.  close undoes the rest of open after the movers are deleted.
 */
struct soak_family {
	int (*open)(size_t file_len);
	void (*close)(void);
};

/* the families, each defined in its file */
extern const struct soak_family soak_family_pmem;

/*
 * the families of this build, then NULL, and what the build leaves out,
 * for --help ("" if nothing): both made by CMake from families.c.in
 */
extern const struct soak_family *const soak_families[];
extern const char soak_left_out[];

/*
 * soak_mover_add -- records a mover (the first threads use); -1 (reported)
 * if it could not be made (vdm NULL, errno set) or there are too many
 */
int soak_mover_add(const char *name, struct vdm *vdm, int durable,
	int pmem2, unsigned weight);

/*
 * soak_file_set -- the map of the file lanes: len bytes at base, what
 * describing it in the run's header ("a /var/tmp file (PAGE
 * granularity)"); the end of it is the guard, which must stay zero
 */
void soak_file_set(char *base, size_t len, const char *what);

/*
 * rnd -- the next number of a generator (splitmix64) at *state
 */
uint64_t rnd(uint64_t *state);

/*
 * fill_random -- n random bytes at p from the generator at *state
 */
void fill_random(uint64_t *state, char *p, size_t n);

/*
 * worker -- the thread function of a submitting thread (arg: its struct
 * soak_worker): batch after batch until its deadline or its share of
 * operations, then its lanes compared whole
 */
void *worker(void *arg);

#ifdef __cplusplus
}
#endif

#endif /* MINIASYNC_UTILS_SOAK_H */
