#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: kiwi against siw against plain TCP, side by side in the same
# guest boot, on the veth pair and between two guests.  Prints a table of
# medians over KIWI_BENCH_ROUNDS rounds (default 3) with the ratios
# kiwi/siw and kiwi/TCP, and writes it as CSV.
#
#   tests/bench/run.sh [veth|2guest|all]
#
# Environment: KIWI_BENCH_ROUNDS, KIWI_BENCH_BW_SIZES, KIWI_BENCH_LAT_SIZES,
# KIWI_BENCH_IMPLS (default "kiwi kiwi-nopoll kiwi-mss kiwi-zc siw tcp"), KERNEL.  Results: $KIWI_CACHE/bench/<date>/ (logs, bench.csv, table.txt).
# Absolute numbers under TCG emulation are slow and noisy; the ratios are
# what to read.  RDMA: perftest -R (bandwidth: BW average; latency:
# t_typical, the median, half a round trip).  TCP: iperf3, and sockperf
# ping-pong over non-blocking, busy-polling sockets (its median, also
# half a round trip).  Each sample is one tool run; the table shows the
# median of the rounds' samples.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

what=${1:-all}
KERNEL=${KERNEL:-stock-6.1}
need_pkgs "${KIWI_HOST_PKGS[@]}" g++
out="$KIWI_CACHE/bench/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

make -s -C "$KIWI_TOP" KERNEL="$KERNEL" modules provider > "$out/build.log" 2>&1 ||
	{ tail -20 "$out/build.log"; die "build failed"; }
case "$KERNEL" in stock-*) "$KIWI_TOP/scripts/build-siw.sh" "$KERNEL" > /dev/null ;; esac
g++ -std=c++20 -O2 -Wall -Wextra -Werror -o "$out/benchreport" \
	"$KIWI_TOP/tests/bench/benchreport.cc" || die "benchreport build failed"

envs=(KIWI_BENCH_ROUNDS KIWI_BENCH_BW_SIZES KIWI_BENCH_LAT_SIZES KIWI_BENCH_IMPLS)
job="$out/bench-job.sh"
{
	echo '#!/bin/bash'
	for e in "${envs[@]}"; do
		[ -n "${!e:-}" ] && printf 'export %s=%q\n' "$e" "${!e}"
	done
	echo "exec bash $KIWI_TOP/tests/bench/bench.guest"
} > "$job"

if [ "$what" != 2guest ]; then
	log "veth pair, one guest"
	"$KIWI_TOP/scripts/vm-run" --kernel "$KERNEL" --timeout 7200 \
		--out "$out/veth" "$job" > "$out/veth.log" 2>&1 ||
		log "veth run reported failures: $out/veth.log"
fi
if [ "$what" != veth ]; then
	log "two guests"
	"$KIWI_TOP/scripts/vm-run" --kernel "$KERNEL" --guests 2 \
		--timeout 7200 --out "$out/2guest" "$job" > "$out/2guest.log" 2>&1 ||
		log "two-guest run reported failures: $out/2guest.log"
fi

cat "$out"/*.log | "$out/benchreport" "$out/bench.csv" | tee "$out/table.txt"
log "CSV: $out/bench.csv"
