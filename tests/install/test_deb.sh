#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# test_deb.sh -- makes the Debian packages of the build with cpack into a
# temporary directory and checks them without installing them: the package
# files, their Depends fields, what each one holds (nothing test-only);
# then unpacks them all into one temporary root and builds programs against
# that root only, as test_install.sh does against an installed prefix: with
# pkg-config, with find_package(miniasync) and with
# find_package(libminiasync 0.2).  The core packages alone must work too.
#
# usage: test_deb.sh BUILD_DIR SOURCE_DIR CMAKE CPACK CC LIBDIR VERSION
#	HAVE_PMEM HAVE_DOC HAVE_PMEMOBJ
# LIBDIR is the project's CMAKE_INSTALL_LIBDIR; HAVE_PMEM, HAVE_DOC and
# HAVE_PMEMOBJ (ON or OFF) say whether libminiasync-pmem, the man pages and
# libminiasync-pmemobj were built.
# Exit 77: cannot run here (no dpkg, dpkg-deb, cpack or pkg-config).

set -eu

if [ $# -ne 10 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR CMAKE CPACK CC LIBDIR VERSION" \
		"HAVE_PMEM HAVE_DOC HAVE_PMEMOBJ" >&2
	exit 2
fi

build_dir=$1
source_dir=$2
cmake=$3
cpack=$4
cc=$5
libdir=$6
version=$7
have_pmem=$8
have_doc=$9
have_pmemobj=${10}
tests_dir=$source_dir/tests/install

# shellcheck source=tests/install/helpers.sh
. "$tests_dir/helpers.sh"

for tool in dpkg dpkg-deb "$cpack" pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: no $tool" >&2
		exit 77
	fi
done
case $libdir in
/*)
	echo "SKIP: CMAKE_INSTALL_LIBDIR is absolute ($libdir)" >&2
	exit 77
	;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/miniasync-deb.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup()
{
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

step "cpack -G DEB -B $tmp/packages"
if ! "$cpack" --config "$build_dir/CPackConfig.cmake" -G DEB \
		-B "$tmp/packages" >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log" >&2
	echo "FAIL: cpack failed" >&2
	exit 1
fi

# the architecture cpack asked dpkg for
arch=$(dpkg --print-architecture)
packages="libminiasync0 libminiasync-dev"
if [ "$have_pmem" = ON ]; then
	packages="$packages libminiasync-pmem0 libminiasync-pmem-dev"
fi
if [ "$have_pmemobj" = ON ]; then
	packages="$packages libminiasync-pmemobj0 libminiasync-pmemobj-dev"
fi

# deb NAME -- the file of package NAME
deb()
{
	echo "$tmp/packages/${1}_${version}_$arch.deb"
}

step "package files: $packages"
for p in $packages; do
	[ -f "$(deb "$p")" ] || fail "no package file $(basename "$(deb "$p")")"
done
for f in "$tmp"/packages/*.deb; do
	[ -e "$f" ] || break
	name=$(basename "$f")
	case " $packages " in
	*" ${name%%_*} "*) ;;
	*) fail "unexpected package file $name" ;;
	esac
done

# control fields: the Depends each package must carry (one entry a line),
# its section
depends()
{
	case $1 in
	libminiasync0) ;;
	libminiasync-dev)
		echo "libminiasync0 (= $version)" ;;
	libminiasync-pmem0)
		echo "libminiasync0 (= $version)"
		echo "libpmem2 (>= 1.12)"
		echo "libpmem1 (>= 1.12)" ;;
	libminiasync-pmem-dev)
		echo "libminiasync-pmem0 (= $version)"
		echo "libminiasync-dev (= $version)"
		echo "libpmem2-dev"
		echo "libpmem-dev" ;;
	libminiasync-pmemobj0)
		echo "libminiasync0 (= $version)"
		echo "libpmemobj1 (>= 1.12)"
		echo "libpmem1 (>= 1.12)" ;;
	libminiasync-pmemobj-dev)
		echo "libminiasync-pmemobj0 (= $version)"
		echo "libminiasync-dev (= $version)"
		echo "libpmemobj-dev" ;;
	esac
}
section()
{
	case $1 in
	*-dev) echo libdevel ;;
	*) echo libs ;;
	esac
}

step "control fields"
for p in $packages; do
	f=$(deb "$p")
	[ -f "$f" ] || continue
	for field in Package:"$p" Version:"$version" Architecture:"$arch" \
			Section:"$(section "$p")" \
			Maintainer:"libminiasync developers"; do
		want=${field#*:}
		got=$(dpkg-deb -f "$f" "${field%%:*}")
		[ "$got" = "$want" ] || \
			fail "$p: ${field%%:*} is '$got', not '$want'"
	done
	for field in Description Homepage; do
		[ -n "$(dpkg-deb -f "$f" "$field")" ] || \
			fail "$p: no $field"
	done
	# the Depends entries, one a line, without the spaces around them
	dpkg-deb -f "$f" Depends | tr ',' '\n' | \
		sed 's/^[[:space:]]*//; s/[[:space:]]*$//' >"$tmp/depends"
	depends "$p" | while read -r dep; do
		grep -qxF "$dep" "$tmp/depends" || \
			echo "$p: Depends lacks '$dep'"
	done >"$tmp/missing"
	while read -r line; do
		fail "$line"
	done <"$tmp/missing"
done

# contents: each package holds only what belongs in it (patterns, one a
# line) and at least what it must (files)
allowed()
{
	case $1 in
	libminiasync0)
		echo "usr/$libdir/libminiasync.so.*" ;;
	libminiasync-dev)
		echo "usr/include/libminiasync.h"
		echo "usr/include/libminiasync/*.h"
		echo "usr/$libdir/libminiasync.so"
		echo "usr/$libdir/pkgconfig/libminiasync.pc"
		echo "usr/$libdir/cmake/miniasync/miniasync-config*.cmake"
		echo "usr/$libdir/cmake/miniasync/miniasync-targets*.cmake"
		echo "usr/$libdir/cmake/libminiasync/libminiasync-config*.cmake"
		echo "usr/share/man/man[37]/*" ;;
	libminiasync-pmem0)
		echo "usr/$libdir/libminiasync-pmem.so.*" ;;
	libminiasync-pmem-dev)
		echo "usr/include/libminiasync-pmem.h"
		echo "usr/$libdir/libminiasync-pmem.so"
		echo "usr/$libdir/pkgconfig/libminiasync-pmem.pc"
		echo "usr/$libdir/cmake/miniasync/miniasync-pmem-targets*.cmake"
		;;
	libminiasync-pmemobj0)
		echo "usr/$libdir/libminiasync-pmemobj.so.*" ;;
	libminiasync-pmemobj-dev)
		echo "usr/include/libminiasync-pmemobj.h"
		echo "usr/$libdir/libminiasync-pmemobj.so"
		echo "usr/$libdir/pkgconfig/libminiasync-pmemobj.pc"
		echo "usr/$libdir/cmake/miniasync/miniasync-pmemobj-targets*.cmake"
		;;
	esac
}
required()
{
	cmake_dir=usr/$libdir/cmake
	case $1 in
	libminiasync0)
		echo "usr/$libdir/libminiasync.so.0"
		echo "usr/$libdir/libminiasync.so.$version" ;;
	libminiasync-dev)
		echo "usr/include/libminiasync.h"
		for h in "$source_dir"/include/libminiasync/*.h; do
			echo "usr/include/libminiasync/$(basename "$h")"
		done
		echo "usr/$libdir/libminiasync.so"
		echo "usr/$libdir/pkgconfig/libminiasync.pc"
		echo "$cmake_dir/miniasync/miniasync-config.cmake"
		echo "$cmake_dir/miniasync/miniasync-config-version.cmake"
		echo "$cmake_dir/miniasync/miniasync-targets.cmake"
		echo "$cmake_dir/libminiasync/libminiasync-config.cmake"
		echo "$cmake_dir/libminiasync/libminiasync-config-version.cmake"
		if [ "$have_doc" = ON ]; then
			echo "usr/share/man/man7/miniasync_vdm.7"
			echo "usr/share/man/man3/vdm_memcpy.3"
		fi ;;
	libminiasync-pmem0)
		echo "usr/$libdir/libminiasync-pmem.so.0"
		echo "usr/$libdir/libminiasync-pmem.so.$version" ;;
	libminiasync-pmem-dev)
		echo "usr/include/libminiasync-pmem.h"
		echo "usr/$libdir/libminiasync-pmem.so"
		echo "usr/$libdir/pkgconfig/libminiasync-pmem.pc"
		echo "$cmake_dir/miniasync/miniasync-pmem-targets.cmake" ;;
	libminiasync-pmemobj0)
		echo "usr/$libdir/libminiasync-pmemobj.so.0"
		echo "usr/$libdir/libminiasync-pmemobj.so.$version" ;;
	libminiasync-pmemobj-dev)
		echo "usr/include/libminiasync-pmemobj.h"
		echo "usr/$libdir/libminiasync-pmemobj.so"
		echo "usr/$libdir/pkgconfig/libminiasync-pmemobj.pc"
		echo "$cmake_dir/miniasync/miniasync-pmemobj-targets.cmake" ;;
	esac
}

step "contents"
for p in $packages; do
	f=$(deb "$p")
	[ -f "$f" ] || continue
	# the files and links, without the directories and the leading ./
	dpkg-deb --fsys-tarfile "$f" | tar -t | sed 's|^\./||' | \
		grep -v '/$' | grep . >"$tmp/$p.files" || true
	allowed "$p" >"$tmp/$p.allowed"
	while read -r file; do
		# what the tests, examples and utils build must never ship
		case $file in
		*test* | *.a | */bin/* | *bench* | *soak* | *example* | \
		*fuzz* | *durable_copy*)
			fail "$p: holds test-only or build-only $file"
			continue ;;
		esac
		ok=no
		while read -r pattern; do
			# shellcheck disable=SC2254 # a pattern, on purpose
			case $file in
			$pattern) ok=yes; break ;;
			esac
		done <"$tmp/$p.allowed"
		[ $ok = yes ] || fail "$p: holds $file, which is not its own"
	done <"$tmp/$p.files"
	required "$p" >"$tmp/$p.required"
	while read -r file; do
		grep -qxF "$file" "$tmp/$p.files" || fail "$p: lacks $file"
	done <"$tmp/$p.required"
done

root=$tmp/root
step "dpkg-deb -x, all packages into $root"
mkdir "$root"
for p in $packages; do
	f=$(deb "$p")
	[ -f "$f" ] || continue
	dpkg-deb -x "$f" "$root" || fail "dpkg-deb -x $p failed"
done
prefix=$root/usr

export LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
pc_modules=libminiasync
if has_pmem; then
	pc_modules="$pc_modules libminiasync-pmem"
fi
if has_pmemobj; then
	pc_modules="$pc_modules libminiasync-pmemobj"
fi

step "pkg-config: the .pc files name /usr"
for m in $pc_modules; do
	pc_version=$(pkg-config --modversion "$m") || \
		fail "pkg-config does not find $m"
	[ "$pc_version" = "$version" ] || \
		fail "$m: pkg-config version $pc_version, expected $version"
	got=$(pkg-config --variable=includedir "$m") || true
	[ "$got" = /usr/include ] || \
		fail "$m.pc: includedir is '$got', not /usr/include"
	got=$(pkg-config --variable=libdir "$m") || true
	[ "$got" = "/usr/$libdir" ] || \
		fail "$m.pc: libdir is '$got', not /usr/$libdir"
done

step "pkg-config with PKG_CONFIG_SYSROOT_DIR=$root"
export PKG_CONFIG_SYSROOT_DIR="$root"
for m in $pc_modules; do
	check_pc_dirs "$m" "$prefix/include" "$prefix/$libdir"
done
pc_consumers
unset PKG_CONFIG_SYSROOT_DIR

cmake_consumers

# the core packages alone: find_package(miniasync) must not need the
# pmem library, whose package is not there
if [ "$have_pmem" = ON ]; then
	step "the core packages alone: find_package(miniasync)"
	core_root=$tmp/core-root
	mkdir "$core_root"
	for p in libminiasync0 libminiasync-dev; do
		dpkg-deb -x "$(deb "$p")" "$core_root" || \
			fail "dpkg-deb -x $p failed"
	done
	prefix=$core_root/usr
	LD_LIBRARY_PATH="$prefix/$libdir:$LD_LIBRARY_PATH"
	if cmake_build "the find_package(miniasync) project on the core" \
			"$tmp/cm-src/consumer" "$tmp/cm-core"; then
		check_runs "the CMake build on the core packages" \
			"$tmp/cm-core/consumer"
	fi
fi

finish "deb test"
