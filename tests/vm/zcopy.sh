#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Zero-copy transmit (tx_zcopy_min) across the veth pair.  With the
# parameter set, batches of FPDUs that carry enough payload go to TCP
# with MSG_ZEROCOPY, and their Sends and Writes complete only when TCP
# lets go of the pages.  Each cell checks that data arrives intact (rping
# -V) and that the sending device's tx_zcopy_bytes counter grew, so a
# cell that silently copied fails:
#
#   - kiwi to kiwi with big FPDUs, and with MSS-sized FPDUs (many more
#     skb fragments per batch), with CRC32c, and with markers;
#   - kiwi against siw, both ways (siw's end proves the bytes on the
#     wire, kiwi's end that its zero-copy side sends them);
#   - perftest -R write, send and read at 1 MiB (read: the responder's
#     Read Responses go zero-copy);
#   - with tx_zcopy_min=0, nothing goes zero-copy.
#
# Then the module must unload: module exit waits for every notification.
# vm-run options: --timeout 900
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"
. "$(dirname "$0")/lib-matrix.sh"

modprobe kiwi || fail "modprobe kiwi"
modprobe siw || fail "modprobe siw"

# zc_bytes DEV: the device's zero-copy byte counter (0 for siw).
zc_bytes() {
	cat "/sys/class/infiniband/$1/ports/1/hw_counters/tx_zcopy_bytes" \
		2>/dev/null || echo 0
}

# run_cell NAME TYPE0 TYPE1 ZCOPY-MIN PARAMS...
run_cell() {
	local name=$1 t0=$2 t1=$3 min=$4 z0 z1 d0 d1
	shift 4
	kiwi_params mpa_big=1 mpa_crc=0 mpa_markers=1 "tx_zcopy_min=$min" "$@"
	rdma_pair "$t0" "$t1" || return
	z0=$(zc_bytes "$D0")
	z1=$(zc_bytes "$D1")
	# rping's server reads the client's buffer and writes it back: both
	# ends send data.
	tool_rping 65000 200
	tool_rping 30000 100
	for t in ib_write_bw ib_send_bw ib_read_bw; do
		tool_perftest "$t" 1048576
	done
	d0=$(( $(zc_bytes "$D0") - z0 ))
	d1=$(( $(zc_bytes "$D1") - z1 ))
	echo "$name: zero-copy bytes: $D0 $d0, $D1 $d1"
	if [ "$min" = 0 ]; then
		check_eq "$name: nothing zero-copy with tx_zcopy_min=0" "0 0" "$d0 $d1"
	else
		[ "$t0" = kiwi ] &&
			check "$name: $D0 sent zero-copy" [ "$d0" -gt 1048576 ]
		[ "$t1" = kiwi ] &&
			check "$name: $D1 sent zero-copy" [ "$d1" -gt 1048576 ]
	fi
	rdma_unpair
}

run_cell kiwi-kiwi-big kiwi kiwi 16384
run_cell kiwi-kiwi-mss kiwi kiwi 16384 mpa_big=0
run_cell kiwi-kiwi-crc kiwi kiwi 16384 mpa_crc=1
run_cell kiwi-kiwi-markers kiwi kiwi 16384 mpa_markers=2
run_cell kiwi-siw kiwi siw 16384
run_cell siw-kiwi siw kiwi 16384
run_cell kiwi-kiwi-off kiwi kiwi 0
kiwi_params mpa_big=1 mpa_crc=0 mpa_markers=1 tx_zcopy_min=0

check "rmmod kiwi" tmo 120 rmmod kiwi
rmmod siw
finish
