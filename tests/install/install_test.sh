#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# install_test.sh -- installs the build tree into a temporary prefix and
# builds a program outside the project against it, twice: with the flags
# pkg-config gives for libminiasync, and as a CMake project that finds the
# miniasync package.  Both programs must run against the installed library.
# When libminiasync-pmem was built, a second program does the same with it.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR CONSUMER_DIR CMAKE CC
#	LIBDIR MANDIR VERSION
# LIBDIR and MANDIR are the project's CMAKE_INSTALL_LIBDIR and
# CMAKE_INSTALL_MANDIR, relative to the prefix.  Exit 77: cannot run here.

set -eu

if [ $# -ne 8 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR CONSUMER_DIR CMAKE CC LIBDIR" \
		"MANDIR VERSION" >&2
	exit 2
fi

build_dir=$1
source_dir=$2
consumer_dir=$3
cmake=$4
cc=$5
libdir=$6
mandir=$7
version=$8

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
cleanup()
{
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

prefix=$tmp/prefix
failures=0

fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

step()
{
	echo "== $*"
}

step "cmake --install $build_dir --prefix $prefix"
if ! "$cmake" --install "$build_dir" --prefix "$prefix" \
		>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log" >&2
	echo "FAIL: cmake --install failed" >&2
	exit 1
fi

step "installed files"
for f in "$prefix/include/libminiasync.h" \
		"$prefix/$libdir/libminiasync.so" \
		"$prefix/$libdir/pkgconfig/libminiasync.pc" \
		"$prefix/$libdir/cmake/miniasync/miniasync-config.cmake" \
		"$prefix/$libdir/cmake/miniasync/miniasync-config-version.cmake"
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

export LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# check_runs NAME BINARY -- runs a consumer; it must use the installed library
check_runs()
{
	if command -v ldd >/dev/null 2>&1; then
		lib=$(ldd "$2" | \
			sed -n 's/.*libminiasync\.so[^ ]* => \([^ ]*\).*/\1/p')
		case $lib in
		"$prefix"/*) ;;
		*) fail "$1 does not load the installed library" \
			"(${lib:-none})" ;;
		esac
	fi
	if ! "$2"; then
		fail "$1 failed"
	fi
}

step "pkg-config libminiasync"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
pc_version=$(pkg-config --modversion libminiasync) || \
	fail "pkg-config does not find libminiasync"
[ "$pc_version" = "$version" ] || \
	fail "pkg-config version $pc_version, expected $version"
# same_dir A B -- true if A and B name the same existing directory
same_dir()
{
	[ -d "$1" ] && [ -d "$2" ] && \
		[ "$(cd "$1" && pwd -P)" = "$(cd "$2" && pwd -P)" ]
}
# check_pc_dirs MODULE -- the module's includedir and libdir are those of the
# prefix the package was installed to
check_pc_dirs()
{
	pc_includedir=$(pkg-config --variable=includedir "$1") || true
	pc_libdir=$(pkg-config --variable=libdir "$1") || true
	same_dir "$pc_includedir" "$prefix/include" || \
		fail "$1.pc: includedir is $pc_includedir, not in the" \
			"prefix the package was installed to"
	same_dir "$pc_libdir" "$prefix/$libdir" || \
		fail "$1.pc: libdir is $pc_libdir, not in the prefix" \
			"the package was installed to"
}
check_pc_dirs libminiasync

mkdir "$tmp/pc"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
if "$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/consumer" \
		"$consumer_dir/consumer.c" \
		$(pkg-config --cflags --libs libminiasync); then
	check_runs "the pkg-config build" "$tmp/pc/consumer"
else
	fail "the pkg-config build does not compile"
fi

step "find_package(miniasync)"
# the project is copied out so that nothing of the source tree is near it
cp -R "$consumer_dir" "$tmp/cm-src"
major_minor=$(echo "$version" | cut -d. -f1,2)
if "$cmake" -S "$tmp/cm-src" -B "$tmp/cm-build" \
		-DCMAKE_PREFIX_PATH="$prefix" \
		-DCMAKE_C_COMPILER="$cc" \
		-DMINIASYNC_WANTED_VERSION="$major_minor" \
		>"$tmp/cm.log" 2>&1 && \
		"$cmake" --build "$tmp/cm-build" >>"$tmp/cm.log" 2>&1; then
	check_runs "the CMake build" "$tmp/cm-build/consumer"
else
	cat "$tmp/cm.log" >&2
	fail "the CMake project does not build"
fi

# the pmem movers, when they were built
if [ -e "$prefix/include/libminiasync-pmem.h" ]; then
	step "libminiasync-pmem"
	for f in "$prefix/$libdir/libminiasync-pmem.so" \
			"$prefix/$libdir/pkgconfig/libminiasync-pmem.pc"; do
		[ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
	done
	check_pc_dirs libminiasync-pmem
	# shellcheck disable=SC2046 # pkg-config's output is a list of flags
	if "$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/pmem_consumer" \
			"$consumer_dir/pmem_consumer.c" \
			$(pkg-config --cflags --libs libminiasync-pmem libpmem2)
	then
		check_runs "the pkg-config build of the pmem consumer" \
			"$tmp/pc/pmem_consumer"
	else
		fail "the pkg-config build of the pmem consumer does not" \
			"compile"
	fi
	if [ -x "$tmp/cm-build/pmem_consumer" ]; then
		check_runs "the CMake build of the pmem consumer" \
			"$tmp/cm-build/pmem_consumer"
	else
		fail "the CMake project did not build the pmem consumer" \
			"(miniasync::miniasync-pmem not found)"
	fi
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "install test passed"
