/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * future.c -- the chain future: entries laid out one after another in the
 * chain's data, run in order, results handed on by each entry's map.
 */

#include <libminiasync/future.h>

#include "core/util.h"

/*
 * chain_entry_size -- the bytes an entry takes in the chain's data: its head,
 * its future's data and output, rounded up to pointer alignment (every entry
 * starts with a pointer, so the compiler aligned the next one so)
 */
static size_t
chain_entry_size(struct future_chain_entry *entry)
{
	return CORE__ALIGN_UP(sizeof(*entry) +
		future_context_get_size(&entry->future.context),
		sizeof(void *));
}

/*
 * chain_entry_lazy_init -- builds a lazily initialised entry's future, once
 */
static void
chain_entry_lazy_init(struct future_chain_entry *entry,
	struct future_context *chain)
{
	if (entry->init == NULL)
		return;
	entry->init(&entry->future, chain, entry->init_arg);
	entry->init = NULL;
}

/*
 * chain_next -- the entry after entry, or NULL if entry is the last one
 */
static struct future_chain_entry *
chain_next(struct future_context *chain, struct future_chain_entry *entry)
{
	if (entry->flags & FUTURE_CHAIN_FLAG_ENTRY_LAST)
		return NULL;

	char *data = future_context_get_data(chain);
	size_t next = (size_t)((char *)entry - data) + chain_entry_size(entry);

	/* the header of a further entry must fit in what is left */
	if (next + sizeof(struct future_chain_entry) > chain->data_size)
		return NULL;

	return (struct future_chain_entry *)(void *)(data + next);
}

/*
 * future__chain_task -- polls the first unfinished entry of the chain; when
 * it completes, maps its results on and goes on to the next one
 */
enum future_state
future__chain_task(struct future_context *context,
	struct future_notifier *notifier)
{
	struct future_chain_entry *entry = future_context_get_data(context);

	while (entry != NULL) {
		chain_entry_lazy_init(entry, context);
		struct future_chain_entry *next = chain_next(context, entry);

		if (!(entry->flags & FUTURE_CHAIN_FLAG_ENTRY_PROCESSED)) {
			if (future_poll(&entry->future, notifier) !=
					FUTURE_STATE_COMPLETE)
				return FUTURE_STATE_RUNNING;

			if (entry->map != NULL) {
				/* the map may write into the next future */
				if (next != NULL)
					chain_entry_lazy_init(next, context);
				entry->map(&entry->future.context,
					next != NULL ? &next->future.context :
						context,
					entry->map_arg);
			}
			entry->flags |= FUTURE_CHAIN_FLAG_ENTRY_PROCESSED;
		}
		entry = next;
	}

	return FUTURE_STATE_COMPLETE;
}

/*
 * future__chain_has_property -- the property of the entry the chain runs
 * next (its first entry not processed yet): what the chain is doing now,
 * so that a runtime can start a chain's asynchronous step before others'
 * synchronous work.  An entry not built yet (lazy) has none; nor has a
 * chain that is done.
 */
int
future__chain_has_property(void *future, enum future_property property)
{
	struct future *chain = future;
	struct future_chain_entry *entry =
		future_context_get_data(&chain->context);

	/* the entries before the first unprocessed one are built */
	while (entry != NULL &&
			(entry->flags & FUTURE_CHAIN_FLAG_ENTRY_PROCESSED))
		entry = chain_next(&chain->context, entry);

	if (entry == NULL || entry->init != NULL)
		return 0;
	return future_has_property(&entry->future, property);
}
