/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * libminiasync.h -- the whole public interface of libminiasync: futures, the
 * runtime and the virtual data movers, with the movers' miniasync 0.2
 * handles (data_mover_*).  See miniasync(7).
 */

#ifndef LIBMINIASYNC_H
#define LIBMINIASYNC_H 1

/* what miniasync 0.2's header brought in, and programs may rely on */
#include <stddef.h>
#include <stdio.h>

#include <libminiasync/base.h>
#include <libminiasync/future.h>
#include <libminiasync/runtime.h>
#include <libminiasync/vdm.h>
#include <libminiasync/vdm_synchronous.h>
#include <libminiasync/vdm_threads.h>
#include <libminiasync/data_mover_sync.h>
#include <libminiasync/data_mover_threads.h>

#endif /* LIBMINIASYNC_H */
