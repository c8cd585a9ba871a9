#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# static-check.sh -- runs cppcheck over the library sources: src/, src/core
# and src/pmem, with the headers of include/ and src/ they include.  Every
# preprocessor configuration cppcheck finds is checked (x86-64 or not, the
# allocation fault injection, the pmem test seam), without the system
# headers, which cppcheck does not need.  What is known and accepted is
# listed, each entry with its reason, in utils/cppcheck-suppressions.txt;
# any other finding fails.  Inline suppressions are not read: every
# exception lives in that file.
#
# usage: utils/static-check.sh [SOURCE_DIR]   (default: this script's tree)
# Exit 0: no findings; 1: findings (printed); 77: cppcheck is not installed.

set -eu

if [ $# -gt 1 ]; then
	echo "usage: $0 [SOURCE_DIR]" >&2
	exit 2
fi

root=${1:-$(dirname "$0")/..}
root=$(cd "$root" && pwd)

if ! command -v cppcheck >/dev/null 2>&1; then
	echo "SKIP: cppcheck is not installed" >&2
	exit 77
fi

# the paths in the suppressions file are relative to the source tree
cd "$root"

start=$(date +%s)
status=0
cppcheck -q \
	--enable=warning,style,performance,portability \
	--std=c11 --platform=unix64 --library=posix \
	--suppressions-list=utils/cppcheck-suppressions.txt \
	--inline-suppr \
	--error-exitcode=1 \
	-I include -I src \
	src || status=$?
echo "static-check: $(cppcheck --version), exit $status," \
	"$(( $(date +%s) - start )) s"
exit $status
