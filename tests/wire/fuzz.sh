#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# fuzz.sh [SECONDS]: run every wire fuzzer for SECONDS (default 600), one
# after the other, starting from tests/wire/corpus plus whatever earlier
# runs found (kept in <build>/fuzz/fuzz-long/).  Prints libFuzzer's final
# stats and coverage per target; exits non-zero on any finding.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${KIWI_WIRE_BUILD:-$root/build/wire}
secs=${1:-600}
. "$here/deps.sh"
kiwi_wire_deps cmake ninja-build clang libclang-rt-14-dev || exit 1

nice cmake -S "$here" -B "$build/fuzz" -G Ninja -DKIWI_UNIT=OFF -DKIWI_FUZZ=ON \
	-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null &&
	nice ninja -C "$build/fuzz" -j2 >/dev/null || exit 1

passed=0
failed=0
for t in mpa fpdu_hdr terminate markers; do
	work=$build/fuzz/fuzz-long/$t
	log=$work.log
	mkdir -p "$work"
	echo "== fuzz_$t for ${secs}s"
	nice -n 10 "$here/run-fuzzer.sh" "$build/fuzz/fuzz_$t" \
		"$here/corpus/$t" "$work" "$secs" >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -n 2
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	else
		echo "FINDING in fuzz_$t (see $log):" >&2
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" >&2
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
