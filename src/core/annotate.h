/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * annotate.h -- tells valgrind's thread checkers, helgrind and drd, about
 * the orderings the library builds from C11 atomics.  Both tools see
 * pthread mutexes, condition variables and thread creation, but not an
 * acquire load that reads a release store; to them, every hand-over through
 * an atomic word is a race.
 *
 * Compiled in only when the build defines MINIASYNC_VG_ANNOTATIONS (CMake
 * option MINIASYNC_VALGRIND_ANNOTATIONS); otherwise every macro is empty and
 * the library has no valgrind dependency.  Each macro is one client request:
 * a few instructions that do nothing when the program runs outside
 * valgrind.
 */

#ifndef MINIASYNC_CORE_ANNOTATE_H
#define MINIASYNC_CORE_ANNOTATE_H 1

#ifdef MINIASYNC_VG_ANNOTATIONS

#include <valgrind/helgrind.h>

/*
 * drd understands helgrind's happens-before requests (the two tools share
 * their codes), but not its request to stop tracking a range: for that
 * drd has one of its own, from <valgrind/drd.h>, which cannot be included
 * beside <valgrind/helgrind.h> (each defines the ANNOTATE_* macros).
 * Each tool ignores the requests of the other.
 */
#define CORE__VG_DRD_START_SUPPRESSION (VG_USERREQ_TOOL_BASE('D', 'R') + 2)

/*
 * CORE__HAPPENS_BEFORE(obj) -- just before a release (store or
 * read-modify-write) of the word at obj: what this thread did so far
 * happens before whatever follows a CORE__HAPPENS_AFTER(obj)
 */
#define CORE__HAPPENS_BEFORE(obj) ANNOTATE_HAPPENS_BEFORE(obj)

/*
 * CORE__HAPPENS_AFTER(obj) -- just after an acquire of the word at obj
 * that read what a release wrote
 */
#define CORE__HAPPENS_AFTER(obj) ANNOTATE_HAPPENS_AFTER(obj)

/*
 * CORE__ATOMIC_WORD(ptr) -- the object at ptr is accessed only through
 * atomics, whose plain-looking loads and stores are not races; the
 * orderings they make are told with the two macros above
 */
#define CORE__ATOMIC_WORD(ptr) do {\
	VALGRIND_HG_DISABLE_CHECKING((ptr), sizeof(*(ptr)));\
	VALGRIND_DO_CLIENT_REQUEST_STMT(CORE__VG_DRD_START_SUPPRESSION,\
		(ptr), sizeof(*(ptr)), 0, 0, 0);\
} while (0)

#else

#define CORE__HAPPENS_BEFORE(obj) ((void)(obj))
#define CORE__HAPPENS_AFTER(obj) ((void)(obj))
#define CORE__ATOMIC_WORD(ptr) ((void)(ptr))

#endif /* MINIASYNC_VG_ANNOTATIONS */

#endif /* MINIASYNC_CORE_ANNOTATE_H */
