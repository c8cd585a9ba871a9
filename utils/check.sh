#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# check.sh -- builds libminiasync and runs its tests with ctest, five ways,
# each in a build directory of its own:
#	build/		plain; every test also runs under valgrind memcheck
#	build-asan/	AddressSanitizer (with LeakSanitizer) and
#			UndefinedBehaviorSanitizer, which abort on any report
#	build-tsan/	ThreadSanitizer, which fails a test on any report
#	build-vg/	the library with annotations for valgrind's thread
#			checkers; runs only the threaded tests, each under
#			helgrind and under drd (ctest -L "helgrind|drd"),
#			which fail a test on any report
#	build-fuzz/	clang with AddressSanitizer and
#			UndefinedBehaviorSanitizer; runs only the libFuzzer
#			target over the movers (ctest -L fuzz), for 10 s
# Stops at the first build or suite that fails.
#
# usage: utils/check.sh [plain|asan|tsan|helgrind|fuzz ...]
#	(default: all five)
# JOBS (default 2) sets the parallelism of the builds and of ctest.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-2}

# suite NAME DIR CMAKE-OPTIONS... -- configures, builds and tests one way;
# CTEST_ARGS, when set, narrows the tests ctest runs
suite()
{
	name=$1
	dir=$2
	shift 2
	echo "== $name: $dir"
	start=$(date +%s)
	# every library is built and tested: a missing libpmemobj-dev is an
	# error here, not a quietly smaller suite
	cmake -S "$root" -B "$dir" -DMINIASYNC_BUILD_PMEMOBJ=ON "$@"
	cmake --build "$dir" -j"$jobs"
	# shellcheck disable=SC2086
	ctest --test-dir "$dir" --output-on-failure -j"$jobs" ${CTEST_ARGS:-}
	echo "== $name: passed in $(( $(date +%s) - start )) s"
}

ways=${*:-plain asan tsan helgrind fuzz}
for way in $ways; do
	case $way in
	plain)
		suite plain "$root/build"
		;;
	asan)
		suite "asan+ubsan" "$root/build-asan" -DUSE_ASAN=ON \
			-DUSE_UBSAN=ON
		;;
	tsan)
		suite tsan "$root/build-tsan" -DUSE_TSAN=ON
		;;
	helgrind)
		CTEST_ARGS="-L helgrind|drd"
		suite "helgrind+drd" "$root/build-vg" \
			-DMINIASYNC_VALGRIND_ANNOTATIONS=ON \
			-DMINIASYNC_TEST_THREAD_CHECKERS=ON \
			-DMINIASYNC_TEST_MEMCHECK=OFF
		CTEST_ARGS=""
		;;
	fuzz)
		CTEST_ARGS="-L fuzz"
		suite fuzz "$root/build-fuzz" -DCMAKE_C_COMPILER=clang \
			-DCMAKE_CXX_COMPILER=clang++ -DUSE_ASAN=ON -DUSE_UBSAN=ON
		CTEST_ARGS=""
		;;
	*)
		echo "usage: $0 [plain|asan|tsan|helgrind|fuzz ...]" >&2
		exit 2
		;;
	esac
done
