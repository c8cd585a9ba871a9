#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# install-deps.sh -- installs, on Debian 12, what building and testing
# libminiasync needs and is not there yet.  Runs apt-get only when a package
# is missing; needs root for that (or sudo, when it is there).

set -eu

packages="build-essential cmake pkg-config g++ libcmocka-dev libpmem2-dev
libpmem-dev libpmemobj-dev valgrind pandoc cppcheck clang libclang-rt-14-dev"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "install-deps: need root to install$missing" >&2
	exit 1
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
