/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * basic.c -- a future of your own, chained after a copy
 *
 * A chain of two futures: vdm_memcpy() on the synchronous mover copies a
 * string into a buffer, then a future defined here upper-cases the copy, a
 * few bytes per poll, and counts the letters it changed.  The runtime waits
 * for the whole chain.
 */

#include <libminiasync.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* how many bytes the upcase future handles each time it is polled */
#define UPCASE_STEP 8

/*
 * The upcase future: its data says what to work on and how far it got, its
 * output what it did.
 */
struct upcase_data {
	char *str;
	size_t n;
	size_t done;
};

struct upcase_output {
	size_t changed;		/* letters made upper case */
};

FUTURE(upcase_future, struct upcase_data, struct upcase_output);

/*
 * upcase_task -- upper-cases the next few bytes; the future is complete once
 * all of them are done.  It takes no notifier: the runtime polls it again.
 */
static enum future_state
upcase_task(struct future_context *context, struct future_notifier *notifier)
{
	(void) notifier;
	struct upcase_data *data = future_context_get_data(context);
	struct upcase_output *output = future_context_get_output(context);

	/* nothing to work on: the copy before this future failed */
	if (data->str == NULL)
		return FUTURE_STATE_COMPLETE;

	size_t end = data->done + UPCASE_STEP;
	if (end > data->n)
		end = data->n;

	for (; data->done < end; data->done++) {
		unsigned char c = (unsigned char)data->str[data->done];
		if (islower(c)) {
			data->str[data->done] = (char)toupper(c);
			output->changed++;
		}
	}

	return data->done == data->n ? FUTURE_STATE_COMPLETE :
		FUTURE_STATE_RUNNING;
}

/*
 * upcase -- a future that upper-cases n bytes at str
 */
static struct upcase_future
upcase(char *str, size_t n)
{
	struct upcase_future future;

	future.data.str = str;
	future.data.n = n;
	future.data.done = 0;
	future.output.changed = 0;
	FUTURE_INIT(&future, upcase_task);

	return future;
}

/*
 * The chain: copy, then upcase the copy.  Its output gathers what both did.
 */
struct copy_upcase_data {
	FUTURE_CHAIN_ENTRY(struct vdm_memcpy_future, copy);
	FUTURE_CHAIN_ENTRY_LAST(struct upcase_future, upcase);
};

struct copy_upcase_output {
	enum vdm_operation_result copy_result;
	char *str;
	size_t changed;
};

FUTURE(copy_upcase_future, struct copy_upcase_data,
	struct copy_upcase_output);

/*
 * copy_to_upcase -- runs once the copy is complete: the upcase future works
 * on the copy's destination (NULL if the copy failed)
 */
static void
copy_to_upcase(struct future_context *copy_ctx,
	struct future_context *upcase_ctx, void *arg)
{
	(void) arg;
	struct vdm_memcpy_output *copied = future_context_get_output(copy_ctx);
	struct upcase_data *data = future_context_get_data(upcase_ctx);

	data->str = copied->dest;
}

/*
 * upcase_to_chain -- runs once the upcase future is complete: reports what
 * it did in the chain's output
 */
static void
upcase_to_chain(struct future_context *upcase_ctx,
	struct future_context *chain_ctx, void *arg)
{
	(void) arg;
	struct upcase_data *data = future_context_get_data(upcase_ctx);
	struct upcase_output *upcased = future_context_get_output(upcase_ctx);
	struct copy_upcase_output *output =
		future_context_get_output(chain_ctx);

	output->str = data->str;
	output->changed = upcased->changed;
}

/*
 * copy_upcase -- a future that copies n bytes from src to dest with vdm,
 * then upper-cases them at dest
 */
static struct copy_upcase_future
copy_upcase(struct vdm *vdm, char *dest, char *src, size_t n)
{
	struct copy_upcase_future future;

	FUTURE_CHAIN_ENTRY_INIT(&future.data.copy,
		vdm_memcpy(vdm, dest, src, n, 0), copy_to_upcase, NULL);
	FUTURE_CHAIN_ENTRY_INIT(&future.data.upcase, upcase(NULL, n),
		upcase_to_chain, NULL);
	FUTURE_CHAIN_INIT(&future);
	future.output.str = NULL;
	future.output.changed = 0;

	return future;
}

/*
 * main -- copies and upper-cases a string, then prints what happened
 */
int
main(void)
{
	char src[] = "Futures are polled, not called: hello, async world!";
	char dest[sizeof(src)];
	memset(dest, 0, sizeof(dest));

	struct runtime *rt = runtime_new();
	if (rt == NULL) {
		perror("runtime_new");
		return 1;
	}
	struct vdm *vdm = vdm_new(vdm_descriptor_synchronous());
	if (vdm == NULL) {
		perror("vdm_new");
		runtime_delete(rt);
		return 1;
	}

	struct copy_upcase_future fut = copy_upcase(vdm, dest, src,
		sizeof(src));
	runtime_wait(rt, FUTURE_AS_RUNNABLE(&fut));

	/* the copy's own result is still in the chain's first entry */
	enum vdm_operation_result result =
		FUTURE_OUTPUT(&fut.data.copy.fut)->result;
	struct copy_upcase_output *out = FUTURE_OUTPUT(&fut);

	int ret = 0;
	if (result != VDM_SUCCESS || out->str != dest) {
		fprintf(stderr, "the copy failed (result %d)\n", (int)result);
		ret = 1;
	} else {
		printf("source:   %s\n", src);
		printf("result:   %s\n", out->str);
		printf("copied %zu bytes, upper-cased %zu letters\n",
			sizeof(src), out->changed);

		/* what the chain did, done again the plain way */
		size_t expected = 0;
		for (size_t i = 0; i < sizeof(src); i++) {
			unsigned char c = (unsigned char)src[i];
			if (islower(c))
				expected++;
			if (dest[i] != (char)toupper(c))
				ret = 1;
		}
		if (ret != 0 || out->changed != expected) {
			fprintf(stderr, "unexpected result\n");
			ret = 1;
		}
	}

	vdm_delete(vdm);
	runtime_delete(rt);
	return ret;
}
