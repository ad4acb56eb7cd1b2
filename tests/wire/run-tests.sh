#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Builds and runs everything for the kiwi wire library:
#   1. no kernel includes outside the shim
#   2. the library compiles as userspace C with gcc and clang, -Werror
#   3. GoogleTest suites + Wireshark oracle (g++, ASan + UBSan), via ctest
#   4. libFuzzer targets (clang) with a short smoke run each, via ctest
# Environment: KIWI_WIRE_BUILD (build root, default <repo>/build/wire),
# KIWI_FUZZ_SMOKE_SECONDS (default 20; 0 skips the fuzz build).
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${KIWI_WIRE_BUILD:-$root/build/wire}
smoke=${KIWI_FUZZ_SMOKE_SECONDS:-20}
jobs=${KIWI_JOBS:-2}
mkdir -p "$build" || exit 1
. "$here/deps.sh"

kiwi_wire_deps cmake ninja-build g++ clang libclang-rt-14-dev libgtest-dev \
	tshark || exit 1

passed=0
failed=0
step() {	# step NAME CMD...: a single pass/fail step
	name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $name" >&2
		failed=$((failed + 1))
	fi
}
run_ctest() {	# run_ctest DIR: add ctest's counts
	log=$1/ctest.log
	(cd "$1" && nice ctest -j"$jobs" --output-on-failure) >"$log" 2>&1
	rc=$?
	tail -n 15 "$log"
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log")
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		return
	fi
	total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
	nfail=$(echo "$line" | sed -E 's/.*tests passed, ([0-9]+) tests failed.*/\1/')
	passed=$((passed + total - nfail))
	failed=$((failed + nfail))
	[ $rc -eq 0 ] || [ "$nfail" -gt 0 ] || failed=$((failed + 1))
}
compile_c() {	# compile_c CC: every wire .c as userspace C, warnings fatal
	for f in "$root"/drivers/kiwi/wire/*.c; do
		nice "$1" -std=gnu11 -O2 -Wall -Wextra -Werror \
			-Wdeclaration-after-statement -Wvla -Wshadow \
			-Wstrict-prototypes -Wmissing-prototypes \
			-I"$root/include" -c "$f" -o /dev/null || return 1
	done
}

step "no kernel includes" "$here/check-no-kernel-includes.sh"
step "gcc userspace C" compile_c gcc
step "clang userspace C" compile_c clang

echo "== unit tests (gcc, ASan+UBSan)"
if nice cmake -S "$here" -B "$build/unit" -G Ninja -DCMAKE_C_COMPILER=gcc \
	-DCMAKE_CXX_COMPILER=g++ >"$build.unit-cmake.log" 2>&1 &&
   nice ninja -C "$build/unit" -j"$jobs" >"$build.unit-build.log" 2>&1; then
	run_ctest "$build/unit"
else
	cat "$build.unit-cmake.log" "$build.unit-build.log" 2>/dev/null | tail -n 40
	failed=$((failed + 1))
fi

if [ "$smoke" != 0 ]; then
	echo "== fuzz smoke (clang, libFuzzer, ${smoke}s per target)"
	if nice cmake -S "$here" -B "$build/fuzz" -G Ninja -DKIWI_UNIT=OFF \
		-DKIWI_FUZZ=ON -DKIWI_FUZZ_SMOKE_SECONDS="$smoke" \
		-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
		>"$build.fuzz-cmake.log" 2>&1 &&
	   nice ninja -C "$build/fuzz" -j"$jobs" >"$build.fuzz-build.log" 2>&1; then
		jobs=1 run_ctest "$build/fuzz"
	else
		cat "$build.fuzz-cmake.log" "$build.fuzz-build.log" 2>/dev/null | tail -n 40
		failed=$((failed + 1))
	fi
fi

echo "wire: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
