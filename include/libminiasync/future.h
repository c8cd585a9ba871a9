/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync/future.h -- futures: poll-based tasks held in plain structs
 *
 * A future is a struct owned by the caller, usually on its stack: a task
 * function, a small context (state and the sizes of what follows), then the
 * task's data and its output.  Polling a future runs its task once; the task
 * makes what progress it can and returns the new state.  A task that cannot
 * finish yet says, through the notifier handed to it, how the poller will
 * learn that polling again is worthwhile.
 *
 * Unless the code that created a future documents otherwise, a future may be
 * copied or moved in memory before and between polls and may be polled from
 * any thread, one thread at a time.
 *
 * The layout of every type in this header is part of the binary interface
 * (libpmem2 1.12 runs futures built on it with its own compiled code); the
 * assertions at the end of the file prove it.  See miniasync_future(7).
 */

#ifndef LIBMINIASYNC_FUTURE_H
#define LIBMINIASYNC_FUTURE_H 1

#include <stddef.h>
#include <stdint.h>

#include <libminiasync/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/* where a future is in its life; the values are part of the ABI */
enum future_state {
	FUTURE_STATE_IDLE = 0,		/* not started yet */
	FUTURE_STATE_COMPLETE = 1,	/* done: the output is valid */
	FUTURE_STATE_RUNNING = 2,	/* started, not done */
};

/*
 * struct future_context -- public, read-only for users: the state and the
 * sizes of the data and output that follow the context in memory.  padding
 * is 0; a runtime may use it while it waits on the future.
 */
struct future_context {
	size_t data_size;
	size_t output_size;
	enum future_state state;
	uint32_t padding;
};

/* a waker: the task calls wake(data) once polling again can make progress */
typedef void (*future_waker_wake_fn)(void *data);

struct future_waker {
	void *data;
	future_waker_wake_fn wake;
};

/*
 * A poller: the task asks the poller to watch a 64-bit word; polling again is
 * worthwhile once that word is non-zero.
 */
struct future_poller {
	uint64_t *ptr_to_monitor;
};

/* which notifier a task took; the values are part of the ABI */
enum future_notifier_type {
	FUTURE_NOTIFIER_NONE = 0,	/* poll me again when you like */
	FUTURE_NOTIFIER_WAKER = 1,	/* I will call waker.wake(waker.data) */
	FUTURE_NOTIFIER_POLLER = 2,	/* watch *poller.ptr_to_monitor */
};

/*
 * struct future_notifier -- filled by the poller (waker), answered by the
 * task (notifier_used, and poller.ptr_to_monitor for FUTURE_NOTIFIER_POLLER).
 */
struct future_notifier {
	struct future_waker waker;
	struct future_poller poller;
	enum future_notifier_type notifier_used;
	uint32_t padding;
};

/* properties a future can be asked about with future_has_property() */
enum future_property {
	/* the work runs elsewhere (worker threads, hardware), not in poll */
	FUTURE_PROPERTY_ASYNC = 0,
};

typedef enum future_state (*future_task_fn)(struct future_context *context,
	struct future_notifier *notifier);

/* answers a property query; future points to the struct future */
typedef int (*future_has_property_fn)(void *future,
	enum future_property property);

/*
 * struct future -- the head of every future; data and output follow it
 * (FUTURE() below lays them out).  Fields are private to the task.
 */
struct future {
	future_task_fn task;
	future_has_property_fn has_property;
	struct future_context context;
};

/*
 * future_context_get_data -- the data that follows a context
 */
static inline void *
future_context_get_data(struct future_context *context)
{
	return (char *)context + sizeof(struct future_context);
}

/*
 * future_context_get_output -- the output that follows a context's data
 */
static inline void *
future_context_get_output(struct future_context *context)
{
	return (char *)future_context_get_data(context) + context->data_size;
}

/*
 * future_context_get_size -- the bytes of data and output after a context
 */
static inline size_t
future_context_get_size(struct future_context *context)
{
	return context->data_size + context->output_size;
}

/*
 * FUTURE -- defines struct _name: a future whose task works on _data_type and
 * writes _output_type.  Both types must need no more than pointer alignment.
 */
#define FUTURE(_name, _data_type, _output_type)\
struct _name {\
	struct future base;\
	_data_type data;\
	_output_type output;\
}

/*
 * FUTURE_INIT_EXT -- makes *_futurep an idle future running _taskfn, answering
 * property queries with _propertyfn (NULL: no property).  The data size
 * counts any padding before the output, so the output is found where the
 * compiler put it.
 */
#define FUTURE_INIT_EXT(_futurep, _taskfn, _propertyfn)\
do {\
	(_futurep)->base.task = (_taskfn);\
	(_futurep)->base.has_property = (_propertyfn);\
	(_futurep)->base.context.data_size = (size_t)\
		((char *)&(_futurep)->output - (char *)&(_futurep)->data);\
	(_futurep)->base.context.output_size = sizeof((_futurep)->output);\
	(_futurep)->base.context.state = FUTURE_STATE_IDLE;\
	(_futurep)->base.context.padding = 0;\
} while (0)

/* FUTURE_INIT -- makes *_futurep an idle future running _taskfn */
#define FUTURE_INIT(_futurep, _taskfn)\
	FUTURE_INIT_EXT((_futurep), (_taskfn), NULL)

/*
 * FUTURE_INIT_COMPLETE -- makes *_futurep a future that is complete already:
 * polling it runs nothing; its output is whatever the caller stored there.
 */
#define FUTURE_INIT_COMPLETE(_futurep)\
do {\
	FUTURE_INIT_EXT((_futurep), NULL, NULL);\
	(_futurep)->base.context.state = FUTURE_STATE_COMPLETE;\
} while (0)

#define FUTURE_AS_RUNNABLE(_futurep) (&(_futurep)->base)
#define FUTURE_OUTPUT(_futurep) (&(_futurep)->output)
#define FUTURE_DATA(_futurep) (&(_futurep)->data)
#define FUTURE_STATE(_futurep) ((_futurep)->base.context.state)

/* FUTURE_WAKER_WAKE -- tells the poller that polling again makes progress */
#define FUTURE_WAKER_WAKE(_wakerp) ((_wakerp)->wake((_wakerp)->data))

/*
 * future_poll -- runs the task of fut once, unless fut is complete, and
 * returns its state.  notifier may be NULL: the task then cannot hand back a
 * notifier and the caller simply polls again.  future_poll() itself neither
 * reads nor writes *notifier; only the task does, and only if it uses it.
 * So a poller that reads notifier_used afterwards sets it to
 * FUTURE_NOTIFIER_NONE before each poll (runtime_wait() does), and a task
 * that takes no notifier is then polled again.
 */
static inline enum future_state
future_poll(struct future *fut, struct future_notifier *notifier)
{
	if (fut->context.state == FUTURE_STATE_COMPLETE)
		return FUTURE_STATE_COMPLETE;

	fut->context.state = fut->task(&fut->context, notifier);

	return fut->context.state;
}

/*
 * future_has_property_default -- a property function for futures with no
 * property: FUTURE_INIT's NULL means the same (a name of miniasync 0.2's)
 */
static inline int
future_has_property_default(void *future, enum future_property property)
{
	(void) future;
	(void) property;
	return 0;
}

/*
 * future_has_property -- non-zero if the future has the property; a future
 * that declares no property function has none.
 */
static inline int
future_has_property(struct future *fut, enum future_property property)
{
	if (fut->has_property == NULL)
		return 0;
	return fut->has_property(fut, property);
}

/* future__cpu_relax -- a hint to the CPU inside a spin loop (internal) */
static inline void
future__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * FUTURE_BUSY_POLL -- polls *_futurep until it completes, on this thread,
 * without sleeping.  For waiting without burning a core, see runtime_wait().
 */
#define FUTURE_BUSY_POLL(_futurep)\
do {\
	while (future_poll(FUTURE_AS_RUNNABLE(_futurep), NULL) !=\
			FUTURE_STATE_COMPLETE)\
		future__cpu_relax();\
} while (0)

/*
 * Chains.  A chain is a future whose data is a sequence of entries, each
 * holding a future; the entries run one after another, in the order they are
 * declared.  When an entry completes, its map function (if any) moves what
 * it produced into the next entry's future, or, for the last entry, into the
 * chain's own output.  An entry may be initialised lazily: its init function
 * builds its future when the chain reaches it, from what the earlier entries
 * left in the chain.
 */

/* moves results from a completed entry (lhs) to the next one or the chain */
typedef void (*future_map_fn)(struct future_context *lhs,
	struct future_context *rhs, void *arg);

/* builds the future of a lazily initialised entry */
typedef void (*future_init_fn)(void *future,
	struct future_context *chain_fut, void *arg);

/* flags of a chain entry; the bits are part of the ABI */
#define FUTURE_CHAIN_FLAG_ENTRY_LAST		(((uint64_t)1) << 0)
#define FUTURE_CHAIN_FLAG_ENTRY_PROCESSED	(((uint64_t)1) << 1)
#define FUTURE_CHAIN_VALID_FLAGS \
	(FUTURE_CHAIN_FLAG_ENTRY_LAST | FUTURE_CHAIN_FLAG_ENTRY_PROCESSED)

/*
 * struct future_chain_entry -- how every entry of a chain begins in memory
 * (internal to chains; public because its layout is part of the ABI).
 */
struct future_chain_entry {
	future_map_fn map;
	void *map_arg;
	future_init_fn init;
	void *init_arg;
	uint64_t flags;
	struct future future;
};

/* the kinds of entry a chain's data struct declares */
enum future_chain_entry_type {
	FUTURE_CHAIN_ENTRY_REGULAR = 1,	/* FUTURE_CHAIN_ENTRY() */
	FUTURE_CHAIN_ENTRY_LAST = 2,	/* FUTURE_CHAIN_ENTRY_LAST() */
};

/*
 * An entry's flags share their eight bytes with a pointer whose target size
 * (the entry's kind, 1 or 2) records, in the type alone, whether the entry
 * was declared last; the initialisers below turn that into
 * FUTURE_CHAIN_FLAG_ENTRY_LAST.  (internal, do not use)
 */
#define FUTURE_CHAIN__ENTRY(_future_type, _name, _kind)\
struct {\
	future_map_fn map;\
	void *map_arg;\
	future_init_fn init;\
	void *init_arg;\
	union {\
		uint64_t flags;\
		char (*future__chain_kind)[_kind];\
	};\
	_future_type fut;\
} _name

/* FUTURE_CHAIN_ENTRY -- declares an entry of a chain's data struct */
#define FUTURE_CHAIN_ENTRY(_future_type, _name)\
	FUTURE_CHAIN__ENTRY(_future_type, _name, FUTURE_CHAIN_ENTRY_REGULAR)

/* FUTURE_CHAIN_ENTRY_LAST -- declares the last entry; members may follow */
#define FUTURE_CHAIN_ENTRY_LAST(_future_type, _name)\
	FUTURE_CHAIN__ENTRY(_future_type, _name, FUTURE_CHAIN_ENTRY_LAST)

/* the initial flags of an entry, from its declared kind (internal) */
#define FUTURE_CHAIN__ENTRY_FLAGS(_entry)\
	(sizeof(*(_entry)->future__chain_kind) == FUTURE_CHAIN_ENTRY_LAST ?\
		FUTURE_CHAIN_FLAG_ENTRY_LAST : (uint64_t)0)

/*
 * FUTURE_CHAIN_ENTRY_HAS_FLAG -- non-zero if every bit of _flag is set in
 * the flags of *_entry (an entry of a chain's data, or a struct
 * future_chain_entry)
 */
#define FUTURE_CHAIN_ENTRY_HAS_FLAG(_entry, _flag)\
	(((_entry)->flags & (_flag)) == (_flag))

/* FUTURE_CHAIN_ENTRY_IS_LAST -- the chain ends with *_entry */
#define FUTURE_CHAIN_ENTRY_IS_LAST(_entry)\
	FUTURE_CHAIN_ENTRY_HAS_FLAG(_entry, FUTURE_CHAIN_FLAG_ENTRY_LAST)

/* FUTURE_CHAIN_ENTRY_IS_PROCESSED -- *_entry completed and was mapped on */
#define FUTURE_CHAIN_ENTRY_IS_PROCESSED(_entry)\
	FUTURE_CHAIN_ENTRY_HAS_FLAG(_entry, FUTURE_CHAIN_FLAG_ENTRY_PROCESSED)

/*
 * FUTURE_CHAIN_ENTRY_IS_INITIALIZED -- the future of *_entry is built: it
 * was given at FUTURE_CHAIN_ENTRY_INIT(), or the chain ran its lazy init
 */
#define FUTURE_CHAIN_ENTRY_IS_INITIALIZED(_entry) ((_entry)->init == NULL)

/*
 * FUTURE_CHAIN_ENTRY_INIT -- stores the future _fut in *_entry; once it
 * completes, _map(its context, the next context, _map_arg) runs if not NULL.
 */
#define FUTURE_CHAIN_ENTRY_INIT(_entry, _fut, _map, _map_arg)\
do {\
	(_entry)->fut = (_fut);\
	(_entry)->map = (_map);\
	(_entry)->map_arg = (_map_arg);\
	(_entry)->init = NULL;\
	(_entry)->init_arg = NULL;\
	(_entry)->flags = FUTURE_CHAIN__ENTRY_FLAGS(_entry);\
} while (0)

/*
 * FUTURE_CHAIN_ENTRY_LAZY_INIT -- the future of *_entry is built by
 * _init(&_entry->fut, chain context, _init_arg) when the chain reaches it.
 */
#define FUTURE_CHAIN_ENTRY_LAZY_INIT(_entry, _init, _init_arg, _map, _map_arg)\
do {\
	(_entry)->map = (_map);\
	(_entry)->map_arg = (_map_arg);\
	(_entry)->init = (_init);\
	(_entry)->init_arg = (_init_arg);\
	(_entry)->flags = FUTURE_CHAIN__ENTRY_FLAGS(_entry);\
} while (0)

/* the task and property query of every chain (internal, do not use) */
MINIASYNC_EXPORT enum future_state future__chain_task(
	struct future_context *context, struct future_notifier *notifier);
MINIASYNC_EXPORT int future__chain_has_property(void *future,
	enum future_property property);

/*
 * async_chain_impl, future_chain_has_property -- the task and property
 * function of every chain, under miniasync 0.2's names
 */
static inline enum future_state
async_chain_impl(struct future_context *context,
	struct future_notifier *notifier)
{
	return future__chain_task(context, notifier);
}

static inline int
future_chain_has_property(void *future, enum future_property property)
{
	return future__chain_has_property(future, property);
}

/*
 * FUTURE_CHAIN_INIT -- makes *_futurep, whose data is a struct of chain
 * entries, an idle chain.  Initialise the entries first.  The chain has a
 * property if any of its (initialised) entries has it.
 */
#define FUTURE_CHAIN_INIT(_futurep)\
	FUTURE_INIT_EXT((_futurep), future__chain_task,\
		future__chain_has_property)

/* the binary layout libpmem2 1.12 was compiled against (x86-64, LP64) */
#if UINTPTR_MAX == UINT64_MAX
MINIASYNC_STATIC_ASSERT(sizeof(enum future_state) == 4, "enum size");
MINIASYNC_STATIC_ASSERT(sizeof(struct future_context) == 24,
	"future_context size");
MINIASYNC_STATIC_ASSERT(offsetof(struct future_context, state) == 16,
	"future_context.state offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct future) == 40, "future size");
MINIASYNC_STATIC_ASSERT(offsetof(struct future, has_property) == 8,
	"future.has_property offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct future, context) == 16,
	"future.context offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct future_notifier) == 32,
	"future_notifier size");
MINIASYNC_STATIC_ASSERT(offsetof(struct future_notifier, poller) == 16,
	"future_notifier.poller offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct future_notifier, notifier_used) == 24,
	"future_notifier.notifier_used offset");
MINIASYNC_STATIC_ASSERT(sizeof(struct future_chain_entry) == 80,
	"future_chain_entry size");
MINIASYNC_STATIC_ASSERT(offsetof(struct future_chain_entry, flags) == 32,
	"future_chain_entry.flags offset");
MINIASYNC_STATIC_ASSERT(offsetof(struct future_chain_entry, future) == 40,
	"future_chain_entry.future offset");
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIASYNC_FUTURE_H */
