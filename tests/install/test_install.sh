#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# test_install.sh -- installs the build tree into a temporary prefix and
# builds programs outside the project against it: with the flags
# pkg-config gives for libminiasync, as a CMake project that finds the
# miniasync package, and as one written for miniasync 0.2.1 that finds the
# libminiasync package.  The programs must run against the installed
# library.  When libminiasync-pmem was built, a pmem program does the same
# with it, and when libminiasync-pmemobj was, a program that includes only
# its header and names only its package.
#
# usage: test_install.sh BUILD_DIR SOURCE_DIR CMAKE CC LIBDIR MANDIR VERSION
# LIBDIR and MANDIR are the project's CMAKE_INSTALL_LIBDIR and
# CMAKE_INSTALL_MANDIR, relative to the prefix.  Exit 77: cannot run here.

set -eu

if [ $# -ne 7 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR CMAKE CC LIBDIR MANDIR" \
		"VERSION" >&2
	exit 2
fi

build_dir=$1
source_dir=$2
cmake=$3
cc=$4
libdir=$5
mandir=$6
version=$7
tests_dir=$source_dir/tests/install

# shellcheck source=tests/install/helpers.sh
. "$tests_dir/helpers.sh"

# the prefix is chosen at install time: the paths must be relative to it
case $libdir in
/*)
	echo "SKIP: CMAKE_INSTALL_LIBDIR is absolute ($libdir)" >&2
	exit 77
	;;
esac
if ! command -v pkg-config >/dev/null 2>&1; then
	echo "SKIP: no pkg-config" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/miniasync-install.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup()
{
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

prefix=$tmp/prefix

step "cmake --install $build_dir --prefix $prefix"
if ! "$cmake" --install "$build_dir" --prefix "$prefix" \
		>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log" >&2
	echo "FAIL: cmake --install failed" >&2
	exit 1
fi

step "installed files"
cmake_dir=$prefix/$libdir/cmake
for f in "$prefix/include/libminiasync.h" \
		"$prefix/$libdir/libminiasync.so" \
		"$prefix/$libdir/pkgconfig/libminiasync.pc" \
		"$cmake_dir/miniasync/miniasync-config.cmake" \
		"$cmake_dir/miniasync/miniasync-config-version.cmake" \
		"$cmake_dir/libminiasync/libminiasync-config.cmake" \
		"$cmake_dir/libminiasync/libminiasync-config-version.cmake"
do
	[ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
for h in "$source_dir"/include/libminiasync/*.h; do
	f=$prefix/include/libminiasync/$(basename "$h")
	[ -f "$f" ] || fail "header not installed: ${f#"$prefix"/}"
done
# the fault-injection build is for the tests only
if find "$prefix" -name 'libminiasync-test*' | grep -q .; then
	fail "the test-only library was installed"
fi

step "man pages"
if [ -d "$prefix/$mandir" ]; then
	pages=$(find "$prefix/$mandir" -type f -name '*.[0-9]*' | sort)
	if [ -z "$pages" ]; then
		fail "$mandir exists but holds no man page"
	fi
	# the seed's page, miniasync_vdm(7), is the contract of the vdm API
	if ! find "$prefix/$mandir" -name 'miniasync_vdm.7*' | grep -q .; then
		fail "miniasync_vdm(7) not installed"
	fi
	for p in $pages; do
		[ -s "$p" ] || fail "empty man page: ${p#"$prefix"/}"
		# a stub (.so other/page) must point at an installed page
		case $p in
		*.gz) continue ;;
		esac
		target=$(sed -n '1s/^\.so[ 	]*//p' "$p")
		if [ -n "$target" ] && \
				[ ! -e "$prefix/$mandir/$target" ] && \
				[ ! -e "$prefix/$mandir/$target.gz" ]; then
			fail "${p#"$prefix"/}: .so target $target missing"
		fi
	done
	echo "$(echo "$pages" | grep -c .) man page(s) checked"
else
	echo "no $mandir in the prefix: man page checks skipped"
fi

if has_pmem; then
	for f in "$prefix/$libdir/libminiasync-pmem.so" \
			"$prefix/$libdir/pkgconfig/libminiasync-pmem.pc"; do
		[ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
	done
fi
if has_pmemobj; then
	for f in "$prefix/$libdir/libminiasync-pmemobj.so" \
			"$prefix/$libdir/pkgconfig/libminiasync-pmemobj.pc" \
			"$cmake_dir/miniasync/miniasync-pmemobj-targets.cmake"
	do
		[ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
	done
fi

export LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

step "pkg-config"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
pc_version=$(pkg-config --modversion libminiasync) || \
	fail "pkg-config does not find libminiasync"
[ "$pc_version" = "$version" ] || \
	fail "pkg-config version $pc_version, expected $version"
# relocatable: the .pc files point into the prefix given at install time
check_pc_dirs libminiasync "$prefix/include" "$prefix/$libdir"
if has_pmem; then
	check_pc_dirs libminiasync-pmem "$prefix/include" "$prefix/$libdir"
fi
if has_pmemobj; then
	check_pc_dirs libminiasync-pmemobj "$prefix/include" "$prefix/$libdir"
fi
pc_consumers

cmake_consumers

finish "install test"
