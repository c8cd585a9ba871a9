#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# test_abi_v02.sh -- libminiasync.so stands in for miniasync 0.2.1's library:
#	- its soname is libminiasync.so.0;
#	- it defines every function 0.2.1 exported, each under 0.2.1's version
#	  node LIBMINIASYNC_1.0, and nothing else under that node;
#	- its other functions are in LIBMINIASYNC_1.1, which inherits it;
#	- a program linked against a library that exports just 0.2.1's
#	  functions (CONSUMER, made against a stand-in) needs only that node,
#	  and runs with this library in the stand-in's place;
#	- the same program does not load beside a library without the node
#	  (OLD: exports the same names under another node), so the check of
#	  the loader is real.
#
# usage: test_abi_v02.sh LIB SYMBOLS CONSUMER OLD_DIR
#	LIB		the built libminiasync.so
#	SYMBOLS		the list of 0.2.1's functions, one per line
#	CONSUMER	the program built against the stand-in
#	OLD_DIR		a directory holding a libminiasync.so.0 whose node is
#			not LIBMINIASYNC_1.0

set -eu

if [ $# -ne 4 ]; then
	echo "usage: $0 LIB SYMBOLS CONSUMER OLD_DIR" >&2
	exit 2
fi
lib=$1
symbols=$2
consumer=$3
old_dir=$4

if ! command -v readelf >/dev/null 2>&1; then
	echo "SKIP: no readelf" >&2
	exit 77
fi

failures=0
fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

wanted=$(grep -E '^[a-z_]+$' "$symbols" | sort)
[ -n "$wanted" ] || fail "no symbol in $symbols"

echo "== soname"
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$soname" = "libminiasync.so.0" ] || fail "soname is '$soname'"

echo "== version definitions"
defs=$(readelf -V "$lib" | sed -n '/Version definition section/,/^$/p')
echo "$defs" | grep -q 'Name: LIBMINIASYNC_1.0$' ||
	fail "no version node LIBMINIASYNC_1.0"
echo "$defs" | grep -q 'Name: LIBMINIASYNC_1.1$' ||
	fail "no version node LIBMINIASYNC_1.1"
echo "$defs" | grep -A1 'Name: LIBMINIASYNC_1.1$' |
	grep -q 'Parent 1: LIBMINIASYNC_1.0' ||
	fail "LIBMINIASYNC_1.1 does not inherit LIBMINIASYNC_1.0"

# defined_in NODE -- the functions the library defines in NODE, sorted
defined_in()
{
	readelf -W --dyn-syms "$lib" |
		awk -v node="$1" '$4 == "FUNC" && $7 != "UND" {
			n = split($8, part, "@@")
			if (n == 2 && part[2] == node) print part[1]
		}' | sort
}

echo "== the functions of LIBMINIASYNC_1.0"
in10=$(defined_in LIBMINIASYNC_1.0)
for s in $wanted; do
	echo "$in10" | grep -qx "$s" ||
		fail "$s is not defined as $s@@LIBMINIASYNC_1.0"
done
for s in $in10; do
	echo "$wanted" | grep -qx "$s" ||
		fail "$s is in LIBMINIASYNC_1.0, which 0.2.1 did not export"
done
echo "$(echo "$in10" | grep -c .) function(s) in LIBMINIASYNC_1.0"
echo "$(defined_in LIBMINIASYNC_1.1 | grep -c .) function(s) in" \
	"LIBMINIASYNC_1.1"

echo "== what the program needs"
needs=$(readelf -V "$consumer" | sed -n '/Version needs section/,/^$/p')
echo "$needs" | grep -q 'File: libminiasync.so.0' ||
	fail "the program does not need libminiasync.so.0"
echo "$needs" | grep -q 'Name: LIBMINIASYNC_1.0' ||
	fail "the program does not need LIBMINIASYNC_1.0"
if echo "$needs" | grep 'Name: LIBMINIASYNC_' | grep -vq 'LIBMINIASYNC_1.0'
then
	fail "the program needs another node of libminiasync"
fi
undef=$(readelf -W --dyn-syms "$consumer" |
	awk '$7 == "UND" && $8 ~ /@LIBMINIASYNC/ { print $8 }')
[ -n "$undef" ] || fail "the program uses no function of libminiasync"
for u in $undef; do
	case $u in
	*@LIBMINIASYNC_1.0*) ;;
	*) fail "the program uses $u" ;;
	esac
done

lib_dir=$(dirname "$lib")
[ -e "$lib_dir/libminiasync.so.0" ] || fail "no $lib_dir/libminiasync.so.0"

echo "== the program runs with this library"
if command -v ldd >/dev/null 2>&1; then
	loaded=$(LD_LIBRARY_PATH=$lib_dir ldd "$consumer" |
		sed -n 's/.*libminiasync\.so\.0 => \([^ ]*\).*/\1/p')
	[ "$(dirname "$loaded")" = "$lib_dir" ] ||
		fail "the program loads '$loaded', not $lib_dir's library"
fi
if ! LD_LIBRARY_PATH=$lib_dir "$consumer"; then
	fail "the program failed with this library"
fi

echo "== the control: a library without the node"
if out=$(LD_LIBRARY_PATH=$old_dir "$consumer" 2>&1); then
	fail "the program ran with a library without LIBMINIASYNC_1.0"
else
	echo "$out" | grep -q "LIBMINIASYNC_1.0' not found" ||
		fail "the loader said something else: $out"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "abi test passed"
