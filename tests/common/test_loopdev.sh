# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# test_loopdev.sh -- a file system of a test's own: ext4 on a loop device
# whose medium is an image file, in a fresh directory, torn down whatever
# happens.  Sourced (POSIX sh) by the rig tests of tests/pmem:
#
#	rig_init		skips the test (exit 77, saying why) unless it
#				runs as root with losetup, mount, umount and
#				mkfs.ext4; makes the rig's directory
#				($rig_dir) and sets the traps that tear the
#				rig down on any exit
#	rig_tmpfs SIZE		mounts a tmpfs of SIZE (mount's size=) on
#				$rig_dir/medium, for the image to live in:
#				a medium that runs out of room
#	rig_up IMAGE SIZE [LOSETUP-OPTION...]
#				a sparse image file IMAGE of SIZE (truncate's
#				sizes), a loop device on it ($rig_loop, with
#				the options given), ext4 on the device, mounted
#				on $rig_dir/mnt ($rig_mnt)
#	rig_down		unmounts and detaches what is there, in
#				reverse, and removes the rig's directory and
#				image; runs at exit, and may run before
#
# A loop device that cannot be had (none left, a container without them)
# or a tmpfs that cannot be mounted skips the test too.  The ext4 has no
# journal (a failed write-back of its data is then the only failure) and
# its inode tables are written at once (nothing is written to the medium
# later but what the test stores, and the metadata blocks mkfs wrote).

rig_dir=
rig_loop=
rig_mnt=
rig_medium=
rig_image=

# rig_log -- a line on stderr, for the test's log
rig_log()
{
	echo "rig: $*" >&2
}

# rig_skip -- the test cannot run here: says why and exits with 77
rig_skip()
{
	rig_log "$*: skipped"
	exit 77
}

# rig_umount DIR -- unmounts DIR, again a few times while it is busy, lazily
# at last
rig_umount()
{
	for _ in 1 2 3 4 5; do
		if umount "$1" 2>/dev/null; then
			return 0
		fi
		sleep 1
	done
	umount -l "$1" || rig_log "cannot unmount $1"
}

# rig_down -- tears down what is up, in reverse; callable more than once
rig_down()
{
	if [ -n "$rig_mnt" ]; then
		rig_umount "$rig_mnt"
		rig_mnt=
	fi
	if [ -n "$rig_loop" ]; then
		losetup -d "$rig_loop" 2>/dev/null ||
			rig_log "cannot detach $rig_loop"
		rig_loop=
	fi
	if [ -n "$rig_image" ]; then
		rm -f "$rig_image"
		rig_image=
	fi
	if [ -n "$rig_medium" ]; then
		rig_umount "$rig_medium"
		rig_medium=
	fi
	if [ -n "$rig_dir" ]; then
		rm -rf "$rig_dir/mnt" "$rig_dir/medium"
		rmdir "$rig_dir" 2>/dev/null || rig_log "$rig_dir left behind"
		rig_dir=
	fi
}

# rig_init -- skips unless the rig can be made; a fresh directory, and the
# traps
rig_init()
{
	if [ "$(id -u)" -ne 0 ]; then
		rig_skip "a loop device and mounts need root"
	fi
	for tool in losetup mount umount mkfs.ext4 truncate; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			rig_skip "$tool is not installed"
		fi
	done
	rig_dir=$(mktemp -d /tmp/miniasync-rig.XXXXXX)
	mkdir "$rig_dir/mnt" "$rig_dir/medium"
	trap rig_down EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# rig_tmpfs SIZE -- a tmpfs of SIZE on $rig_dir/medium
rig_tmpfs()
{
	if ! mount -t tmpfs -o "size=$1,mode=0700" miniasync-rig \
			"$rig_dir/medium"; then
		rig_skip "cannot mount a tmpfs"
	fi
	rig_medium=$rig_dir/medium
}

# rig_up IMAGE SIZE [LOSETUP-OPTION...] -- the image, its loop device and
# ext4 on it, mounted on $rig_dir/mnt
rig_up()
{
	image=$1
	size=$2
	shift 2
	rig_image=$image
	truncate -s "$size" "$image"
	if ! rig_loop=$(losetup -f --show "$@" "$image"); then
		rig_loop=
		rig_skip "no loop device to be had"
	fi
	# a handful of inodes: the inode tables stay small
	mkfs.ext4 -q -F -b 4096 -N 64 -O ^has_journal \
		-E lazy_itable_init=0,lazy_journal_init=0,nodiscard \
		"$rig_loop"
	mount -t ext4 "$rig_loop" "$rig_dir/mnt"
	rig_mnt=$rig_dir/mnt
}
