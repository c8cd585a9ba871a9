/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * pmemobj_blobs.c -- blobs stored into a libpmemobj pool with many durable
 * asynchronous copies in flight, published in one transaction, then
 * checked after the pool is reopened; with the throughput of the copies
 * next to pmemobj_memcpy_persist() of the same blobs into the same pool
 *
 * usage: pmemobj_blobs [-n count] [-s KiB] [-w window] [-t threads]
 *	[-p pool] [-k] [-q] [file...]
 *
 * The blobs are the files given, or -n (default 256) generated blobs of
 * -s KiB (default 64) each.  The pool (default: a new file in /var/tmp,
 * removed at the end unless -k) is made with room for them.  Each blob
 * gets an object reserved with pmemobj_reserve(): nothing in the pool
 * says it is allocated yet.  Its bytes go there with a vdm_memcpy()
 * future on the pmemobj mover of the pool (vdm_pmemobj_new(), with -t
 * worker threads, default one per CPU), durable when it completes; -w
 * futures (default 64) are in flight at once, waited for together with
 * runtime_wait_multiple().  Only then does one transaction publish the
 * objects (pmemobj_tx_xpublish()) and a table of them, with each blob's
 * size and checksum, in the root object: after a crash the pool holds
 * either every blob, whole, or none of them.  The pool is closed,
 * reopened, and every blob is checked against its checksum and against
 * the bytes it came from.
 *
 * The same blobs are also copied with pmemobj_memcpy_persist() into the
 * same objects, for the comparison of the throughput; the objects are
 * zeroed before each pass of the mover, so that what is checked is what
 * the mover stored.  A pool in the page
 * cache (a file of /var/tmp) is written back with msync(): once per copy
 * by the pool's own function, once per group of copies in flight by the
 * mover.  Under PMEM_IS_PMEM_FORCE=1, libpmem takes the pool for
 * persistent memory, and both flush and drain instead.
 */

#include <libminiasync-pmemobj.h>
#include <libpmem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LAYOUT "miniasync-blobs"
#define MIB ((size_t)1 << 20)
#define MAX_WINDOW 4096

/* a blob as the pool keeps it: the root's table has one per blob */
struct blob_entry {
	PMEMoid oid;
	uint64_t size;
	uint64_t sum;
};

/* the root object: the table of the blobs, set in one transaction */
struct blob_root {
	uint64_t count;
	PMEMoid table; /* count struct blob_entry */
};

/* a blob in memory: where its bytes come from, where they go */
struct blob {
	const char *name; /* the file, or NULL: generated */
	char *src;
	size_t size;
	uint64_t sum;
	PMEMoid oid; /* reserved, then published */
};

struct demo {
	size_t count;
	size_t gen_size;
	size_t window;
	unsigned nthreads;
	const char *pool_path;
	int keep;
	int quiet;
	int tty;
	char tmp_path[64];
	int created; /* the pool file is ours: remove it unless keep */
	struct blob *blobs;
	size_t total;
	struct pobj_action *acts;
	int reserved; /* acts hold reservations not yet published */
	PMEMobjpool *pop;
	struct vdm *vdm;
	struct runtime *rt;
	struct vdm_memcpy_future *futs;
	struct future **runnable;
};

/*
 * now -- seconds on the monotonic clock
 */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * checksum -- FNV-1a of len bytes
 */
static uint64_t
checksum(const char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)buf[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * progress -- draws a progress bar on stderr when it is a terminal
 */
static void
progress(const struct demo *d, size_t done_bytes, size_t done_blobs)
{
	if (!d->tty || d->quiet)
		return;

	int width = 40;
	int filled = (int)((double)done_bytes / (double)d->total * width);
	fprintf(stderr, "\r[%.*s%*s] %3d%% %zu/%zu blobs", filled,
		"########################################", width - filled, "",
		(int)((double)done_bytes * 100.0 / (double)d->total),
		done_blobs, d->count);
	if (done_blobs == d->count)
		fprintf(stderr, "\n");
	fflush(stderr);
}

/*
 * read_file -- a blob from a file: its whole contents
 */
static int
read_file(struct blob *b)
{
	FILE *f = fopen(b->name, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", b->name, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
			st.st_size <= 0) {
		fprintf(stderr, "%s: not a non-empty regular file\n", b->name);
		fclose(f);
		return -1;
	}
	b->size = (size_t)st.st_size;
	b->src = malloc(b->size);
	if (b->src == NULL || fread(b->src, 1, b->size, f) != b->size) {
		fprintf(stderr, "%s: cannot read %zu bytes\n", b->name,
			b->size);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/*
 * generate -- a blob of size bytes that differs from every other one
 */
static int
generate(struct blob *b, size_t size, size_t index)
{
	b->size = size;
	b->src = malloc(size);
	if (b->src == NULL) {
		fprintf(stderr, "cannot allocate %zu bytes\n", size);
		return -1;
	}
	uint64_t x = 0x9e3779b97f4a7c15ULL * (index + 1);
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b->src[i] = (char)x;
	}
	return 0;
}

/*
 * load_blobs -- the files given, or the generated blobs, with their
 * checksums
 */
static int
load_blobs(struct demo *d, char **files, size_t nfiles)
{
	if (nfiles > 0)
		d->count = nfiles;
	d->blobs = calloc(d->count, sizeof(*d->blobs));
	if (d->blobs == NULL) {
		fprintf(stderr, "cannot allocate %zu blobs\n", d->count);
		return -1;
	}
	for (size_t i = 0; i < d->count; i++) {
		struct blob *b = &d->blobs[i];
		if (nfiles > 0) {
			b->name = files[i];
			if (read_file(b) != 0)
				return -1;
		} else if (generate(b, d->gen_size, i) != 0) {
			return -1;
		}
		b->sum = checksum(b->src, b->size);
		d->total += b->size;
	}
	return 0;
}

/*
 * pool_size -- room for the blobs, each rounded up as the pool's
 * allocator may (to 256 KiB past 128 KiB), for their table and for the
 * pool's own metadata
 */
static size_t
pool_size(const struct demo *d)
{
	size_t size = (size_t)16 * MIB + d->count * sizeof(struct blob_entry);

	for (size_t i = 0; i < d->count; i++) {
		size_t n = d->blobs[i].size;
		size += n + n / 4 + 4096;
		if (n > ((size_t)128 << 10))
			size += (size_t)256 << 10;
	}
	return size < PMEMOBJ_MIN_POOL ? PMEMOBJ_MIN_POOL : size;
}

/*
 * create_pool -- the pool, in a new file (-p, or a temporary one)
 */
static int
create_pool(struct demo *d)
{
	size_t size = pool_size(d);

	if (d->pool_path == NULL) {
		strcpy(d->tmp_path, "/var/tmp/miniasync-blobs.XXXXXX");
		int fd = mkstemp(d->tmp_path);
		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", d->tmp_path,
				strerror(errno));
			return -1;
		}
		d->pool_path = d->tmp_path;
		d->created = 1;
		/* the pool takes the file's size; a full disk fails here */
		int e = posix_fallocate(fd, 0, (off_t)size);
		close(fd);
		if (e != 0) {
			fprintf(stderr, "%s: cannot reserve %zu bytes: %s\n",
				d->pool_path, size, strerror(e));
			return -1;
		}
		d->pop = pmemobj_create(d->pool_path, LAYOUT, 0, 0600);
	} else {
		d->pop = pmemobj_create(d->pool_path, LAYOUT, size, 0600);
		d->created = d->pop != NULL;
	}
	if (d->pop == NULL) {
		fprintf(stderr, "%s: pmemobj_create: %s\n", d->pool_path,
			pmemobj_errormsg());
		return -1;
	}
	return 0;
}

/*
 * reserve_blobs -- an object for each blob, reserved: the pool allocates
 * it only when the transaction publishes it
 */
static int
reserve_blobs(struct demo *d)
{
	d->acts = calloc(d->count, sizeof(*d->acts));
	if (d->acts == NULL) {
		fprintf(stderr, "cannot allocate %zu actions\n", d->count);
		return -1;
	}
	for (size_t i = 0; i < d->count; i++) {
		struct blob *b = &d->blobs[i];
		b->oid = pmemobj_reserve(d->pop, &d->acts[i], b->size, 0);
		if (OID_IS_NULL(b->oid)) {
			fprintf(stderr, "blob %zu: pmemobj_reserve of %zu "
				"bytes: %s\n", i, b->size, pmemobj_errormsg());
			pmemobj_cancel(d->pop, d->acts, i);
			return -1;
		}
	}
	d->reserved = 1;
	return 0;
}

/*
 * open_mover -- the pmemobj mover of the pool, and the runtime
 */
static int
open_mover(struct demo *d)
{
	d->vdm = vdm_pmemobj_new(d->pop, d->nthreads);
	if (d->vdm == NULL) {
		perror("vdm_pmemobj_new");
		return -1;
	}
	d->rt = runtime_new();
	d->futs = calloc(d->window, sizeof(*d->futs));
	d->runnable = calloc(d->window, sizeof(*d->runnable));
	if (d->rt == NULL || d->futs == NULL || d->runnable == NULL) {
		perror("libminiasync");
		return -1;
	}
	return 0;
}

/*
 * store_async -- every blob into its object, d->window futures in flight
 * at a time; seconds, or -1 if a copy failed
 */
static double
store_async(struct demo *d)
{
	size_t next = 0;
	size_t done_bytes = 0;

	double start = now();
	while (next < d->count) {
		size_t n = 0;
		size_t first = next;
		for (; n < d->window && next < d->count; n++, next++) {
			struct blob *b = &d->blobs[next];
			d->futs[n] = vdm_memcpy(d->vdm,
				pmemobj_direct(b->oid), b->src, b->size, 0);
			d->runnable[n] = FUTURE_AS_RUNNABLE(&d->futs[n]);
		}
		runtime_wait_multiple(d->rt, d->runnable, n);
		for (size_t i = 0; i < n; i++) {
			enum vdm_operation_result r =
				FUTURE_OUTPUT(&d->futs[i])->result;
			if (r != VDM_SUCCESS) {
				fprintf(stderr, "blob %zu: the copy failed: "
					"result %d\n", first + i, (int)r);
				return -1;
			}
			done_bytes += d->blobs[first + i].size;
		}
		progress(d, done_bytes, next);
	}
	return now() - start;
}

/*
 * store_sync -- every blob into its object with pmemobj_memcpy_persist();
 * seconds
 */
static double
store_sync(struct demo *d)
{
	double start = now();
	for (size_t i = 0; i < d->count; i++) {
		struct blob *b = &d->blobs[i];
		pmemobj_memcpy_persist(d->pop, pmemobj_direct(b->oid), b->src,
			b->size);
	}
	return now() - start;
}

/*
 * clear_blobs -- zeroes every object, durably: the copies that follow are
 * then the only way the blobs can be there
 */
static void
clear_blobs(struct demo *d)
{
	for (size_t i = 0; i < d->count; i++) {
		struct blob *b = &d->blobs[i];
		pmemobj_memset_persist(d->pop, pmemobj_direct(b->oid), 0,
			b->size);
	}
}

/*
 * check_blobs -- whether every object holds its blob's bytes; 0, or -1
 * (reported)
 */
static int
check_blobs(const struct demo *d)
{
	for (size_t i = 0; i < d->count; i++) {
		const struct blob *b = &d->blobs[i];
		if (memcmp(pmemobj_direct(b->oid), b->src, b->size) != 0) {
			fprintf(stderr, "blob %zu: wrong bytes after the "
				"copies\n", i);
			return -1;
		}
	}
	return 0;
}

/*
 * publish -- one transaction: the objects allocated, their table made and
 * hung from the root object
 */
static int
publish(struct demo *d)
{
	PMEMoid root = pmemobj_root(d->pop, sizeof(struct blob_root));
	if (OID_IS_NULL(root)) {
		fprintf(stderr, "pmemobj_root: %s\n", pmemobj_errormsg());
		return -1;
	}
	struct blob_root *r = pmemobj_direct(root);
	int ret = 0;

	TX_BEGIN(d->pop) {
		/* the reservations stay the program's if this fails */
		if (pmemobj_tx_xpublish(d->acts, d->count,
				POBJ_XPUBLISH_NO_ABORT) != 0)
			pmemobj_tx_abort(errno);
		/* from here on, the transaction owns them: an abort frees
		 * them, a commit allocates them */
		d->reserved = 0;
		pmemobj_tx_add_range(root, 0, sizeof(*r));
		PMEMoid table = pmemobj_tx_alloc(
			d->count * sizeof(struct blob_entry), 0);
		struct blob_entry *e = pmemobj_direct(table);
		for (size_t i = 0; i < d->count; i++) {
			e[i].oid = d->blobs[i].oid;
			e[i].size = d->blobs[i].size;
			e[i].sum = d->blobs[i].sum;
		}
		r->count = d->count;
		r->table = table;
	} TX_ONABORT {
		fprintf(stderr, "the transaction that publishes the blobs "
			"aborted: %s\n", pmemobj_errormsg());
		ret = -1;
	} TX_END

	return ret;
}

/*
 * verify -- reopens the pool and checks every blob the root lists against
 * its checksum and against its source
 */
static int
verify(struct demo *d)
{
	vdm_delete(d->vdm);
	d->vdm = NULL;
	pmemobj_close(d->pop);
	d->pop = pmemobj_open(d->pool_path, LAYOUT);
	if (d->pop == NULL) {
		fprintf(stderr, "%s: pmemobj_open: %s\n", d->pool_path,
			pmemobj_errormsg());
		return -1;
	}

	struct blob_root *r = pmemobj_direct(pmemobj_root(d->pop,
		sizeof(struct blob_root)));
	if (r == NULL || r->count != d->count) {
		fprintf(stderr, "the reopened pool lists %llu blobs, not %zu\n",
			r != NULL ? (unsigned long long)r->count : 0ULL,
			d->count);
		return -1;
	}
	const struct blob_entry *e = pmemobj_direct(r->table);
	size_t bad = 0;
	for (size_t i = 0; i < d->count; i++) {
		const struct blob *b = &d->blobs[i];
		const char *obj = pmemobj_direct(e[i].oid);
		if (obj == NULL || e[i].size != b->size ||
				pmemobj_alloc_usable_size(e[i].oid) < b->size ||
				checksum(obj, b->size) != e[i].sum ||
				e[i].sum != b->sum ||
				memcmp(obj, b->src, b->size) != 0) {
			fprintf(stderr, "blob %zu (%s): wrong in the reopened "
				"pool\n", i, b->name != NULL ? b->name :
				"generated");
			bad++;
		}
	}
	return bad != 0 ? -1 : 0;
}

/*
 * cleanup -- releases whatever was set up
 */
static void
cleanup(struct demo *d)
{
	/* the mover first: it uses the pool */
	vdm_delete(d->vdm);
	runtime_delete(d->rt);
	if (d->pop != NULL) {
		if (d->reserved)
			pmemobj_cancel(d->pop, d->acts, d->count);
		pmemobj_close(d->pop);
	}
	if (d->created && !d->keep)
		unlink(d->pool_path);
	if (d->blobs != NULL)
		for (size_t i = 0; i < d->count; i++)
			free(d->blobs[i].src);
	free(d->blobs);
	free(d->acts);
	free(d->futs);
	free(d->runnable);
}

/*
 * usage -- prints how to call the example
 */
static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n count] [-s KiB] [-w window] [-t threads] "
		"[-p pool] [-k] [-q]\n"
		"       [file...]\n"
		"  -n count   generated blobs when no file is given (256)\n"
		"  -s KiB     size of each generated blob (64)\n"
		"  -w window  futures in flight at once, 1 to %d (64)\n"
		"  -t N       mover threads, 0: copy on the waiting thread "
		"(one per CPU)\n"
		"  -p pool    the pool's file, created (a new file in "
		"/var/tmp)\n"
		"  -k         keep the pool's file\n"
		"  -q         no progress bar\n", prog, MAX_WINDOW);
}

/*
 * number -- a decimal number from 1 (0 if zero_ok) to max, or -1
 */
static long long
number(const char *s, long long max, int zero_ok)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < (zero_ok ? 0 : 1) ||
			v > max)
		return -1;
	return v;
}

int
main(int argc, char *argv[])
{
	struct demo d;
	int opt;
	long long v;

	memset(&d, 0, sizeof(d));
	d.count = 256;
	d.gen_size = (size_t)64 << 10;
	d.window = 64;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	d.nthreads = cpus > 0 ? (unsigned)cpus : 1;

	while ((opt = getopt(argc, argv, "n:s:w:t:p:kqh")) != -1) {
		v = 0;
		switch (opt) {
		case 'n':
			v = number(optarg, 1 << 20, 0);
			d.count = (size_t)v;
			break;
		case 's':
			v = number(optarg, 1 << 20, 0);
			d.gen_size = (size_t)v << 10;
			break;
		case 'w':
			v = number(optarg, MAX_WINDOW, 0);
			d.window = (size_t)v;
			break;
		case 't':
			v = number(optarg, 256, 1);
			d.nthreads = (unsigned)v;
			break;
		case 'p':
			d.pool_path = optarg;
			break;
		case 'k':
			d.keep = 1;
			break;
		case 'q':
			d.quiet = 1;
			break;
		default:
			usage(argv[0]);
			return 2;
		}
		if (v < 0) {
			fprintf(stderr, "%s: bad value of -%c: %s\n", argv[0],
				opt, optarg);
			usage(argv[0]);
			return 2;
		}
	}
	d.tty = isatty(STDERR_FILENO);

	int ret = 1;
	if (load_blobs(&d, argv + optind, (size_t)(argc - optind)) != 0 ||
			create_pool(&d) != 0 || reserve_blobs(&d) != 0 ||
			open_mover(&d) != 0)
		goto out;

	printf("storing %zu blobs, %.1f MiB, into %s\n", d.count,
		(double)d.total / (double)MIB, d.pool_path);
	printf("  %s, %zu futures in flight, %u mover threads\n",
		pmem_is_pmem(pmemobj_direct(d.blobs[0].oid), d.blobs[0].size) ?
			"persistent memory to libpmem (flushed, drained)" :
			"in the page cache (written back with msync)",
		d.window, d.nthreads);

	/*
	 * One untimed pass first, so that both timed ones start alike: the
	 * pool's pages mapped and written once.  The timings then run in the
	 * order async, sync, sync, async, each side summing its two, so that
	 * a disk growing faster or slower during the run favours neither.
	 * The objects are zeroed (untimed) before each async pass, so that
	 * the bytes checked after it, and those the reopened pool holds,
	 * are the mover's.
	 */
	(void) store_sync(&d);
	clear_blobs(&d);
	double t_async = store_async(&d);
	if (t_async < 0 || check_blobs(&d) != 0)
		goto out;
	double t_sync = store_sync(&d) + store_sync(&d);
	clear_blobs(&d);
	d.quiet = 1;
	double t_async2 = store_async(&d);
	if (t_async2 < 0 || check_blobs(&d) != 0)
		goto out;
	t_async += t_async2;

	double mib = 2.0 * (double)d.total / (double)MIB;
	printf("libminiasync, durable async copies : %8.1f MiB/s\n",
		mib / t_async);
	printf("pmemobj_memcpy_persist()           : %8.1f MiB/s\n",
		mib / t_sync);
	printf("ratio (async / pmemobj)            : %8.2fx\n",
		t_sync / t_async);

	if (publish(&d) != 0)
		goto out;
	printf("published %zu blobs in one transaction\n", d.count);
	if (verify(&d) != 0)
		goto out;
	printf("reopened %s: all %zu blobs verified (bytes and "
	       "checksums)\n", d.pool_path, d.count);
	if (d.keep && d.created)
		printf("kept %s\n", d.pool_path);
	ret = 0;
out:
	cleanup(&d);
	return ret;
}
