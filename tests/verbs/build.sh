#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the verbs suite on the host, into build/verbs/ of the repository
# (the guest sees the host's / read-only, so it runs the binary from there).
# tests/vm/verbs-suite.sh expects this to have run.
#
#   tests/verbs/build.sh            prints the path of the test binary
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

need_pkgs g++ cmake libgtest-dev libibverbs-dev librdmacm-dev
src="$KIWI_TOP/tests/verbs"
out="$KIWI_TOP/build/verbs"
if [ ! -f "$out/CMakeCache.txt" ]; then
	cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null ||
		die "cmake configure of the verbs suite failed"
fi
nice cmake --build "$out" -j2 > "$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "verbs suite build failed"; }
echo "$out/kiwi_verbs_test"
