#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of iwarp-pcap-check, the wire conformance checker of the
# interop matrix: it must pass clean captures and fail on each kind of
# fault it exists to catch.  The samples are conversations that
# tests/wire/test_oracle.cc writes with the wire library (every RDMAP
# opcode both ways, revision 1 and 2, CRC on and off, one FPDU per
# segment, coalesced and split); the faults are made from them here.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib.sh"
need_pkgs tshark
check=$here/iwarp-pcap-check
s=$here/samples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect pass|fail NAME ARGS...: the checker's verdict on ARGS
expect() {
	local want=$1 name=$2 rc
	shift 2
	"$check" "$@" > "$tmp/out" 2>&1
	rc=$?
	if { [ "$want" = pass ] && [ "$rc" = 0 ]; } ||
	   { [ "$want" = fail ] && [ "$rc" = 1 ]; }; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name (checker exit $rc)"
		sed 's/^/    /' "$tmp/out" | tail -20
		failed=$((failed + 1))
	fi
}

# byte offset of frame N's first byte in a little-endian pcap
frame_offset() {
	local f=$1 n=$2 off=24 i len
	for ((i = 1; i < n; i++)); do
		len=$(od -An -tu4 -j $((off + 8)) -N 4 "$f" | tr -d ' ')
		off=$((off + 16 + len))
	done
	echo $((off + 16))
}

# poke FILE OFFSET HEXBYTE
poke() {
	printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

all=send,send_inv,send_se,send_se_inv,write,read_req,read_resp,terminate
expect pass "clean, CRC on" --crc yes --expect "$all" "$s/rev1-crc.pcap"
expect pass "clean, no CRC, coalesced FPDUs" --crc no --expect "$all" \
	"$s/rev1-nocrc-coalesced.pcap"
expect pass "clean, revision 2, split FPDUs (warnings only)" --crc yes \
	--expect "$all" "$s/rev2-crc-split.pcap"
expect pass "port filter" --ports 7174,4792 "$s/rev1-crc.pcap"
expect fail "port filter without the connection" --ports 7174 "$s/rev1-crc.pcap"
expect fail "CRC expected, none negotiated" --crc yes \
	"$s/rev1-nocrc-coalesced.pcap"
expect fail "CRC where none was negotiated" --crc no "$s/rev1-crc.pcap"

# Frame 6 is the first FPDU (a Write): Ethernet, IPv4 and TCP headers
# of 14 + 20 + 20 bytes, then MPA's ULPDU length.
f=$tmp/badcrc.pcap
cp "$s/rev1-crc.pcap" "$f"
o=$(frame_offset "$f" 6)
poke "$f" $((o + 54 + 20)) 5a
expect fail "payload byte flipped under CRC" --crc yes "$f"
expect fail "payload byte flipped, CRC not asked about" "$f"

f=$tmp/short.pcap
cp "$s/rev1-nocrc-coalesced.pcap" "$f"
o=$(frame_offset "$f" 6)
poke "$f" $((o + 54)) 00
poke "$f" $((o + 55)) 03
expect fail "ULPDU shorter than its DDP header" "$f"

f=$tmp/op.pcap
cp "$s/rev1-nocrc-coalesced.pcap" "$f"
o=$(frame_offset "$f" 6)
poke "$f" $((o + 54 + 3)) 4c
expect fail "RDMAP opcode 12" "$f"

editcap -r "$s/rev1-crc.pcap" "$tmp/first11.pcap" 1-11
expect pass "capture cut after the first FPDUs" --expect write,read_req \
	"$tmp/first11.pcap"
expect fail "expected opcode absent" --expect write,send "$tmp/first11.pcap"
expect fail "unknown opcode name" --expect write,sned "$s/rev1-crc.pcap"

editcap -r "$s/rev1-crc.pcap" "$tmp/late.pcap" 6-80
expect fail "capture started mid-connection" "$tmp/late.pcap"
printf '0000  de ad be ef 00 01 02 03 04 05 06 07 08 09 0a 0b\n' > "$tmp/tcp.hex"
text2pcap -q -T 1000,2000 "$tmp/tcp.hex" "$tmp/tcp.pcap" > /dev/null 2>&1
expect fail "plain TCP" "$tmp/tcp.pcap"

echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
