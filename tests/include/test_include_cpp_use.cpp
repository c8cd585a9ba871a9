/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * test_include_cpp_use.cpp -- libminiasync used from C++: a copy on the
 * synchronous mover waited for with the runtime, then a chain of two copies,
 * the second built lazily from the output of the first.  Returns non-zero on
 * any failure.
 */

#include <libminiasync.h>

#include <cstdio>
#include <cstring>

#define BUF_SIZE 4099

/* a chain that copies src to mid, then mid to dst */
struct copy_twice_data {
	FUTURE_CHAIN_ENTRY(struct vdm_memcpy_future, first);
	FUTURE_CHAIN_ENTRY_LAST(struct vdm_memcpy_future, second);
};

struct copy_twice_output {
	void *dest;
};

FUTURE(copy_twice_future, struct copy_twice_data, struct copy_twice_output);

/* what the lazily built second copy needs besides the first one's output */
struct second_args {
	struct vdm *vdm;
	void *dst;
	size_t n;
};

/*
 * second_init -- builds the second copy, from where the first one copied to
 */
static void
second_init(void *future, struct future_context *chain, void *arg)
{
	struct copy_twice_data *data =
		static_cast<struct copy_twice_data *>(
			future_context_get_data(chain));
	struct second_args *args = static_cast<struct second_args *>(arg);

	*static_cast<struct vdm_memcpy_future *>(future) = vdm_memcpy(
		args->vdm, args->dst, FUTURE_OUTPUT(&data->first.fut)->dest,
		args->n, 0);
}

/*
 * second_map -- hands the second copy's destination to the chain's output
 */
static void
second_map(struct future_context *lhs, struct future_context *rhs, void *arg)
{
	(void) arg;
	struct vdm_memcpy_output *out =
		static_cast<struct vdm_memcpy_output *>(
			future_context_get_output(lhs));
	struct copy_twice_output *res =
		static_cast<struct copy_twice_output *>(
			future_context_get_output(rhs));

	res->dest = out->result == VDM_SUCCESS ? out->dest : NULL;
}

/*
 * check -- prints what failed; returns 1 if cond is false
 */
static int
check(bool cond, const char *what)
{
	if (cond)
		return 0;
	std::fprintf(stderr, "cpp_use: %s\n", what);
	return 1;
}

/*
 * main -- one copy, then a chain of two; non-zero if anything went wrong
 */
int
main()
{
	static unsigned char src[BUF_SIZE];
	static unsigned char mid[BUF_SIZE];
	static unsigned char dst[BUF_SIZE];
	int failed = 0;

	for (size_t i = 0; i < BUF_SIZE; i++)
		src[i] = static_cast<unsigned char>(i * 7 + 1);

	struct runtime *rt = runtime_new();
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	if (rt == NULL || vdm == NULL) {
		std::fprintf(stderr, "cpp_use: cannot create runtime/mover\n");
		runtime_delete(rt);
		vdm_delete(vdm);
		return 1;
	}

	/* one copy */
	struct vdm_memcpy_future one = vdm_memcpy(vdm, mid, src, BUF_SIZE, 0);
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&one));
	failed += check(FUTURE_STATE(&one) == FUTURE_STATE_COMPLETE,
		"memcpy future not complete");
	failed += check(FUTURE_OUTPUT(&one)->result == VDM_SUCCESS,
		"memcpy failed");
	failed += check(FUTURE_OUTPUT(&one)->dest == mid, "memcpy dest");
	failed += check(std::memcmp(mid, src, BUF_SIZE) == 0,
		"memcpy bytes");

	/* a chain of two copies: src -> mid (cleared first) -> dst */
	std::memset(mid, 0, BUF_SIZE);
	struct second_args args = { vdm, dst, BUF_SIZE };
	struct copy_twice_future chain;
	FUTURE_CHAIN_ENTRY_INIT(&chain.data.first,
		vdm_memcpy(vdm, mid, src, BUF_SIZE, 0), NULL, NULL);
	FUTURE_CHAIN_ENTRY_LAZY_INIT(&chain.data.second, second_init, &args,
		second_map, NULL);
	FUTURE_CHAIN_INIT(&chain);
	FUTURE_OUTPUT(&chain)->dest = NULL;

	runtime_wait(rt, FUTURE_AS_RUNNABLE(&chain));
	failed += check(FUTURE_STATE(&chain) == FUTURE_STATE_COMPLETE,
		"chain not complete");
	failed += check(FUTURE_OUTPUT(&chain)->dest == dst, "chain dest");
	failed += check(std::memcmp(mid, src, BUF_SIZE) == 0,
		"chain first copy bytes");
	failed += check(std::memcmp(dst, src, BUF_SIZE) == 0,
		"chain second copy bytes");

	vdm_delete(vdm);
	runtime_delete(rt);

	if (failed == 0)
		std::printf("cpp_use: ok\n");
	return failed != 0;
}
