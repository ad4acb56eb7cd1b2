#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Big FPDUs (mpa_big) across the veth pair, judged on tshark captures by
# tests/tools/iwarp-pcap-check, whose own stream walk reports each
# direction's largest ULPDU_Length:
#
#   - kiwi to kiwi with mpa_big=1: both MPA frames carry the big-FPDU
#     bits, and 256 KiB Writes and Sends go out in FPDUs far above the
#     MSS (rping -V and ib_write_bw/ib_send_bw pass);
#   - kiwi to kiwi with mpa_big=0: no big FPDUs (the one-sided cases are
#     the wire library's negotiation tests: mpa_big is global, so both
#     namespaces of one guest share it);
#   - kiwi against siw, both ways: kiwi never sends a big FPDU to siw,
#     even though siw echoes the request's Res bits in its reply.
#
# veth's MTU is 1500, so an MSS-sized FPDU has a ULPDU_Length of at most
# 1442 here; "big" is anything above 1500.  The transfers are kept small
# so that tshark, under TCG, captures every segment: the walk needs the
# whole stream.
# vm-run options: --timeout 900
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"
. "$(dirname "$0")/lib-matrix.sh"

modprobe kiwi || fail "modprobe kiwi"
modprobe siw || fail "modprobe siw"

# run_cell NAME TYPE0 TYPE1 MPA-BIG EXPECT-BIG
run_cell() {
	local name=$1 t0=$2 t1=$3 big=$4 want=$5 pcap=/tmp/$1.pcap
	local max=0 v t

	echo "$big" > /sys/module/kiwi/parameters/mpa_big
	rdma_pair "$t0" "$t1" || return
	cap_start "$pcap"
	pair_run "$name: rping -V 65000 B" 7174 120 \
		"rping -s -a $A1 -p 7174 -C 20 -S 65000 -V" \
		"rping -c -a $A1 -p 7174 -C 20 -S 65000 -V"
	for t in ib_write_bw ib_send_bw; do
		PAIR_RETRY_ON='RDMA_CM_EVENT_REJECTED; error: -111|ERRNO: Connection refused' \
		pair_run "$name: $t -R -s 256 KiB" 18515 300 \
			"$t -R -d $D1 -s 262144 -n 5 -F" \
			"$t -R -d $D0 -s 262144 -n 5 -F $A1"
	done
	sleep 1
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID"
	# --walk: the checker's own stream walk on every connection, which
	# reports the largest ULPDU_Length of each direction
	if "$checker" --walk --expect send,write "$pcap" > /tmp/check.log 2>&1; then
		pass "$name: wire conformance"
	else
		fail "$name: wire conformance"
		tail -25 /tmp/check.log | sed 's/^/    /'
	fi
	for v in $(sed -n 's/.*largest ULPDU \([0-9]*\),.*/\1/p' /tmp/check.log); do
		[ "$v" -gt "$max" ] && max=$v
	done
	if [ "$want" = yes ]; then
		check_eq "$name: big FPDUs agreed on every connection" \
			"$(grep -c 'big FPDUs' /tmp/check.log)" \
			"$(grep -c 'big FPDUs on' /tmp/check.log)"
		check "$name: largest ULPDU $max is above the MSS" \
			[ "$max" -gt 1500 ]
	else
		check_eq "$name: no connection with big FPDUs" 0 \
			"$(grep -c 'big FPDUs on' /tmp/check.log)"
		check "$name: largest ULPDU $max is within the MSS" \
			[ "$max" -gt 0 -a "$max" -le 1500 ]
	fi
	[ -d /run/kiwi-out ] && cp "$pcap" /run/kiwi-out/ 2>/dev/null
	rm -f "$pcap"
	rdma_unpair
}

run_cell kiwi-kiwi-big kiwi kiwi 1 yes
run_cell kiwi-kiwi-mss kiwi kiwi 0 no
run_cell kiwi-siw kiwi siw 1 no
run_cell siw-kiwi siw kiwi 1 no
echo 1 > /sys/module/kiwi/parameters/mpa_big

check "kiwi unloads" rmmod kiwi
finish
