#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The SQ poller gives way to other tasks.  A busy loop pinned to every CPU
# makes each CPU contended whenever the poller looks, so the poller must
# leave its CPU (sq_poll_yields grows) and the processes must post by
# doorbell system call meanwhile (sq_doorbells grows), with their data
# intact (rping -V, perftest).  Then:
#
#   - sq_poll_idle_us=0 keeps the poller spinning: no yields, even so;
#   - without the poller (sq_poll=0) every post is a doorbell and nothing
#     yields;
#   - once the busy loops are gone, the poller serves again.
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"
. "$(dirname "$0")/lib-matrix.sh"

modprobe kiwi || fail "modprobe kiwi"

# counter DEV NAME: one of the device's port counters.
counter() {
	cat "/sys/class/infiniband/$1/ports/1/hw_counters/$2"
}

HOGS=
hogs_start() {
	local cpu
	for cpu in $(seq 0 $(( $(nproc) - 1 ))); do
		taskset -c "$cpu" sh -c 'while :; do :; done' &
		HOGS="$HOGS $!"
	done
}

hogs_stop() {
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$HOGS" ] && kill $HOGS && wait $HOGS 2>/dev/null
	HOGS=
}

# run_cell NAME HOGS(0|1) PARAMS...: rping and perftest across the pair;
# leaves the counters' growth in Y0 Y1 (yields) and B0 B1 (doorbells).
run_cell() {
	local name=$1 hog=$2 y0 y1 b0 b1
	shift 2
	kiwi_params "$@"
	rdma_pair kiwi kiwi || return 1
	y0=$(counter "$D0" sq_poll_yields)
	y1=$(counter "$D1" sq_poll_yields)
	b0=$(counter "$D0" sq_doorbells)
	b1=$(counter "$D1" sq_doorbells)
	[ "$hog" = 1 ] && hogs_start
	tool_rping 65000 50
	tool_perftest ib_write_bw 65536
	tool_perftest ib_send_lat 64
	hogs_stop
	Y0=$(( $(counter "$D0" sq_poll_yields) - y0 ))
	Y1=$(( $(counter "$D1" sq_poll_yields) - y1 ))
	B0=$(( $(counter "$D0" sq_doorbells) - b0 ))
	B1=$(( $(counter "$D1" sq_doorbells) - b1 ))
	echo "$name: yields $D0 $Y0, $D1 $Y1; doorbells $D0 $B0, $D1 $B1"
	rdma_unpair
}

check "more than one CPU (the poller is off with one)" [ "$(nproc)" -gt 1 ]

T_NAME=contended
run_cell contended 1 sq_poll=1 sq_poll_idle_us=2000
check "$D0's poller gave way" [ "$Y0" -gt 0 ]
check "$D1's poller gave way" [ "$Y1" -gt 0 ]
check "$D0's process rang doorbells" [ "$B0" -gt 0 ]
check "$D1's process rang doorbells" [ "$B1" -gt 0 ]

T_NAME=idle-zero
run_cell idle-zero 1 sq_poll=1 sq_poll_idle_us=0
check_eq "sq_poll_idle_us=0 never yields" "0 0" "$Y0 $Y1"

T_NAME=nopoll
run_cell nopoll 0 sq_poll=0 sq_poll_idle_us=2000
check_eq "no poller, no yields" "0 0" "$Y0 $Y1"
check "$D0's process rang doorbells" [ "$B0" -gt 0 ]
check "$D1's process rang doorbells" [ "$B1" -gt 0 ]

T_NAME=uncontended
run_cell uncontended 0 sq_poll=1 sq_poll_idle_us=2000

T_NAME=sq-poller
kiwi_params sq_poll=1 sq_poll_idle_us=2000
check "kiwi unloads" modprobe -r kiwi
finish
