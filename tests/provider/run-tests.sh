#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unit tests of libkiwi, the rdma-core provider (userspace/tests): the
# data path against a fake kernel, under ASan and UBSan, and the provider
# interface against the installed libibverbs.  Ends with "N passed, N
# failed"; exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! nice make -s -C "$top/userspace" -j2 build/tests/kiwi-provider-tests; then
	echo "FAIL: provider unit tests do not build"
	echo "0 passed, 1 failed"
	exit 1
fi
"$top/userspace/build/tests/kiwi-provider-tests" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
passed=$(grep -c '^\[       OK \]' "$out")
failed=$(grep -c '^\[  FAILED  \] .* ([0-9]* ms)$' "$out")
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
	echo "FAIL: test binary exited with status $rc"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
