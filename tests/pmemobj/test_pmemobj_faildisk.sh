#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# test_pmemobj_faildisk.sh -- runs test_pmemobj_faildisk on a disk that
# fails, with 0 and with 2 workers, each run on a rig of its own
# (tests/common/test_loopdev.sh): ext4 on a loop device whose image is a
# 64 MiB sparse file on a 24 MiB tmpfs (room for the metadata libpmemobj
# writes into the three pools of a run).  Skips (77) where the rig cannot
# be made (not root, no loop device).
#
# usage: test_pmemobj_faildisk.sh COMMAND...
#	COMMAND		test_pmemobj_faildisk, or a tool that runs it
#			(valgrind and its options, then the program): it
#			gets the ext4's mount point, the tmpfs and the number
#			of workers as its last three arguments

set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 COMMAND..." >&2
	exit 2
fi

. "$(dirname "$0")/../common/test_loopdev.sh"

for nthreads in 0 2; do
	rig_init
	rig_tmpfs 24M
	rig_up "$rig_medium/image" 64M
	status=0
	"$@" "$rig_mnt" "$rig_medium" "$nthreads" || status=$?
	rig_down
	if [ "$status" -ne 0 ]; then
		echo "$nthreads threads: exit status $status" >&2
		exit "$status"
	fi
done
