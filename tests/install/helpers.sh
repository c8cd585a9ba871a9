# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# helpers.sh -- what the tests of the installed library share; sourced by
# test_install.sh (`cmake --install` into a temporary prefix) and by
# test_deb.sh (the Debian packages unpacked into a temporary root).  POSIX
# sh.  Before calling the functions, the test sets:
#	tmp		a temporary directory of its own
#	prefix		where the library is installed: $prefix/include and
#			$prefix/$libdir hold it
#	libdir		the project's CMAKE_INSTALL_LIBDIR, relative
#	tests_dir	tests/install in the source tree (consumer projects)
#	cmake cc version
# Checks that fail call fail(), which counts; finish() ends the test.
# shellcheck shell=sh disable=SC2154 # the variables above come from the test

failures=0

# fail MESSAGE... -- reports a failed check and counts it
fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# step MESSAGE... -- says what the test does next
step()
{
	echo "== $*"
}

# finish NAME -- exits 1 if a check failed, else 0
finish()
{
	if [ "$failures" -ne 0 ]; then
		echo "$1: $failures check(s) failed" >&2
		exit 1
	fi
	echo "$1 passed"
	exit 0
}

# same_dir A B -- true if A and B name the same existing directory
same_dir()
{
	[ -d "$1" ] && [ -d "$2" ] && \
		[ "$(cd "$1" && pwd -P)" = "$(cd "$2" && pwd -P)" ]
}

# same_path A B -- true if A and B name the same existing file (the last
# component is compared as is: a symbolic link is not its target)
same_path()
{
	[ -e "$1" ] && [ -e "$2" ] && \
		[ "$(basename "$1")" = "$(basename "$2")" ] && \
		same_dir "$(dirname "$1")" "$(dirname "$2")"
}

# check_pc_dirs MODULE INCLUDEDIR LIBDIR -- pkg-config, as set up by the
# caller, gives MODULE that includedir and libdir
check_pc_dirs()
{
	pc_includedir=$(pkg-config --variable=includedir "$1") || true
	pc_libdir=$(pkg-config --variable=libdir "$1") || true
	same_dir "$pc_includedir" "$2" || \
		fail "$1.pc: includedir is '$pc_includedir', not $2"
	same_dir "$pc_libdir" "$3" || \
		fail "$1.pc: libdir is '$pc_libdir', not $3"
}

# check_runs NAME BINARY -- runs a consumer, which must load libminiasync
# (and any other library of ours) from $prefix/$libdir
check_runs()
{
	if command -v ldd >/dev/null 2>&1; then
		# "	libminiasync.so.0 => /path (0x...)" gives "soname path"
		ours='s/^[[:space:]]*\(libminiasync[^ ]*\) => \([^ ]*\).*'
		ours="$ours/\\1 \\2/p"
		ldd "$2" 2>&1 | sed -n "$ours" >"$tmp/ldd.ours" || true
		grep -q '^libminiasync\.so\.' "$tmp/ldd.ours" || \
			fail "$1 does not load libminiasync at all"
		while read -r soname path; do
			same_dir "$(dirname "$path")" "$prefix/$libdir" || \
				fail "$1 loads $soname from $path, not from" \
					"$prefix/$libdir"
		done <"$tmp/ldd.ours"
	fi
	if ! "$2"; then
		fail "$1 failed"
	fi
}

# has_pmem -- true if libminiasync-pmem is installed in $prefix
has_pmem()
{
	[ -e "$prefix/include/libminiasync-pmem.h" ]
}

# has_pmemobj -- true if libminiasync-pmemobj is installed in $prefix
has_pmemobj()
{
	[ -e "$prefix/include/libminiasync-pmemobj.h" ]
}

# pc_consumers -- builds the consumers with the flags pkg-config, as set up
# by the caller, gives, and runs them
pc_consumers()
{
	mkdir -p "$tmp/pc"
	# shellcheck disable=SC2046 # pkg-config's output is a list of flags
	if "$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/consumer" \
			"$tests_dir/consumer/consumer.c" \
			$(pkg-config --cflags --libs libminiasync); then
		check_runs "the pkg-config build" "$tmp/pc/consumer"
	else
		fail "the pkg-config build does not compile"
	fi
	# shellcheck disable=SC2046 # pkg-config's output is a list of flags
	if "$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/consumer_v02" \
			"$tests_dir/consumer/consumer_v02.c" \
			$(pkg-config --cflags --libs libminiasync); then
		check_runs "the pkg-config build of the 0.2 program" \
			"$tmp/pc/consumer_v02"
	else
		fail "the pkg-config build of the 0.2 program does not compile"
	fi
	has_pmem || return 0
	# shellcheck disable=SC2046 # pkg-config's output is a list of flags
	if "$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/pmem_consumer" \
			"$tests_dir/consumer/pmem_consumer.c" \
			$(pkg-config --cflags --libs libminiasync-pmem libpmem2)
	then
		check_runs "the pkg-config build of the pmem consumer" \
			"$tmp/pc/pmem_consumer"
	else
		fail "the pkg-config build of the pmem consumer does not" \
			"compile"
	fi
	has_pmemobj || return 0
	# the pmemobj program names libminiasync-pmemobj alone: its flags
	# bring libpmemobj's
	# shellcheck disable=SC2046 # pkg-config's output is a list of flags
	if "$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/pmemobj_consumer" \
			"$tests_dir/consumer/pmemobj_consumer.c" \
			$(pkg-config --cflags --libs libminiasync-pmemobj)
	then
		check_runs "the pkg-config build of the pmemobj consumer" \
			"$tmp/pc/pmemobj_consumer"
	else
		fail "the pkg-config build of the pmemobj consumer does not" \
			"compile"
	fi
}

# cmake_configure SOURCE BUILD ARGS... -- configures a consumer project
# against $prefix only; the log is kept in BUILD.log
cmake_configure()
{
	src=$1
	bld=$2
	shift 2
	"$cmake" -S "$src" -B "$bld" -DCMAKE_PREFIX_PATH="$prefix" \
		-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		-DCMAKE_C_COMPILER="$cc" "$@" >"$bld.log" 2>&1
}

# cmake_build NAME SOURCE BUILD ARGS... -- configures and builds a consumer
# project; on failure shows the log and counts a failure
cmake_build()
{
	name=$1
	shift
	if cmake_configure "$@" && "$cmake" --build "$2" >>"$2.log" 2>&1
	then
		return 0
	fi
	cat "$2.log" >&2
	fail "$name does not build"
	return 1
}

# cmake_consumers -- builds and runs the consumer projects: one with
# find_package(miniasync <major.minor>), one written for miniasync 0.2.1
# with find_package(libminiasync 0.2), whose variables must name the
# installed header directory and library; then checks which versions
# find_package(libminiasync) accepts
cmake_consumers()
{
	# copied out, so that nothing of the source tree is near them
	mkdir -p "$tmp/cm-src"
	cp -R "$tests_dir/consumer" "$tests_dir/consumer_v02" "$tmp/cm-src/"
	major_minor=$(echo "$version" | cut -d. -f1,2)

	step "find_package(miniasync $major_minor)"
	if cmake_build "the find_package(miniasync) project" \
			"$tmp/cm-src/consumer" "$tmp/cm-build" \
			-DMINIASYNC_WANTED_VERSION="$major_minor"; then
		check_runs "the CMake build" "$tmp/cm-build/consumer"
		if ! has_pmem; then
			:
		elif [ -x "$tmp/cm-build/pmem_consumer" ]; then
			check_runs "the CMake build of the pmem consumer" \
				"$tmp/cm-build/pmem_consumer"
		else
			fail "the CMake project did not build the pmem" \
				"consumer (miniasync::miniasync-pmem not found)"
		fi
		if ! has_pmemobj; then
			:
		elif [ -x "$tmp/cm-build/pmemobj_consumer" ]; then
			check_runs "the CMake build of the pmemobj consumer" \
				"$tmp/cm-build/pmemobj_consumer"
		else
			fail "the CMake project did not build the pmemobj" \
				"consumer (miniasync::miniasync-pmemobj not" \
				"found)"
		fi
	fi

	step "find_package(libminiasync 0.2), as for miniasync 0.2.1"
	v02=$tmp/cm-v02
	if cmake_build "the find_package(libminiasync 0.2) project" \
			"$tmp/cm-src/consumer_v02" "$v02"; then
		check_runs "the build with \${MINIASYNC_LIBRARIES}" \
			"$v02/consumer_vars"
		check_runs "the build with miniasync::miniasync" \
			"$v02/consumer_target"
	fi
	for var in MINIASYNC_INCLUDE_DIR MINIASYNC_INCLUDE \
			MINIASYNC_INCLUDE_DIRS; do
		val=$(sed -n "s/^$var=//p" "$v02/libminiasync-vars.txt" \
			2>/dev/null) || true
		same_dir "$val" "$prefix/include" || \
			fail "libminiasync config: $var is '$val', not" \
				"$prefix/include"
	done
	for var in MINIASYNC_LIBRARY MINIASYNC_LIBRARIES; do
		val=$(sed -n "s/^$var=//p" "$v02/libminiasync-vars.txt" \
			2>/dev/null) || true
		same_path "$val" "$prefix/$libdir/libminiasync.so" || \
			fail "libminiasync config: $var is '$val', not" \
				"$prefix/$libdir/libminiasync.so"
	done

	# 0.2.1's version file accepted any version up to its own; ours too
	for wanted in 0.1 0.3 "$version"; do
		cmake_configure "$tmp/cm-src/consumer_v02" "$v02" \
			-DLIBMINIASYNC_WANTED_VERSION="$wanted" || \
			fail "find_package(libminiasync $wanted) fails"
	done
	if cmake_configure "$tmp/cm-src/consumer_v02" "$tmp/cm-v10" \
			-DLIBMINIASYNC_WANTED_VERSION=1.0; then
		fail "find_package(libminiasync 1.0) accepts $version"
	elif ! grep -q 'compatible with requested version' \
			"$tmp/cm-v10.log"; then
		cat "$tmp/cm-v10.log" >&2
		fail "find_package(libminiasync 1.0) fails, but not for" \
			"the version"
	fi
}
