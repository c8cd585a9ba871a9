#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# test_pmemobj_device.sh -- runs test_pmemobj_device on a device of its
# own (tests/common/test_loopdev.sh): ext4 on a loop device in direct I/O
# mode (it writes through to its image with O_DIRECT and caches no page of
# it) whose image is a 256 MiB sparse file in /var/tmp.  Skips (77) where
# the rig cannot be made (not root, no loop device, no direct I/O for it).
#
# usage: test_pmemobj_device.sh COMMAND...
#	COMMAND		test_pmemobj_device, or a tool that runs it
#			(valgrind and its options, then the program): it
#			gets the ext4's mount point and the image as its
#			last two arguments

set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 COMMAND..." >&2
	exit 2
fi

. "$(dirname "$0")/../common/test_loopdev.sh"

rig_init
rig_up "$(mktemp /var/tmp/miniasync-rig.XXXXXX)" 256M --direct-io=on
dio=$(cat "/sys/block/${rig_loop#/dev/}/loop/dio" 2>/dev/null || echo 0)
if [ "$dio" != 1 ]; then
	rig_skip "$rig_loop cannot do direct I/O on /var/tmp"
fi
"$@" "$rig_mnt" "$rig_image"
