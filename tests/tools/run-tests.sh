#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of iwarp-pcap-check, the wire conformance checker of the
# interop matrix: it must pass clean captures and fail, for the right
# reason, on each kind of fault it exists to catch.
#
# The samples are conversations that tests/wire/test_oracle.cc writes with
# the wire library (every RDMAP opcode both ways; revision 1 and 2; CRC on
# and off; markers; one FPDU per segment, coalesced and split), copied
# from its build directory (build/wire/unit/oracle-{1,4,8,9}-*.pcap), so
# this test needs no build; the faults are made from them here, by byte
# pokes and editcap, and plain TCP by text2pcap.  Each case checks the
# checker's exit status and a line of its output.
# Ends with "tools: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
check=$here/iwarp-pcap-check
s=$here/samples
passed=0 failed=0

# tshark brings editcap and text2pcap (wireshark-common)
if ! "$top/scripts/need-pkgs.sh" tshark; then
	echo "FAIL: tshark is not installed and could not be"
	echo "tools: 0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect pass|fail|usage REGEX NAME ARGS...: the checker, run on ARGS,
# exits 0, 1 or 2 and prints a line matching REGEX
expect() {
	local want=$1 re=$2 name=$3 rc code
	shift 3
	"$check" "$@" > "$tmp/out" 2>&1
	rc=$?
	case $want in pass) code=0 ;; fail) code=1 ;; *) code=2 ;; esac
	if [ "$rc" = "$code" ] && grep -qE -- "$re" "$tmp/out"; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name (checker exit $rc, wanted $code and /$re/)"
		sed 's/^/    /' "$tmp/out" | tail -20
		failed=$((failed + 1))
	fi
}

# frame_at FILE N: offset of frame N's first byte.  The samples are
# classic little-endian pcaps (magic d4 c3 b2 a1): a 24-byte file header,
# then per frame a 16-byte record header whose third word is the length.
frame_at() {
	local f=$1 n=$2 off=24 i len
	for ((i = 1; i < n; i++)); do
		len=$(od -An -tu4 -j $((off + 8)) -N 4 "$f" | tr -d ' ')
		off=$((off + 16 + len))
	done
	echo $((off + 16))
}

# frame_len FILE N: captured length of frame N
frame_len() {
	od -An -tu4 -j $(($(frame_at "$1" "$2") - 8)) -N 4 "$1" | tr -d ' '
}

# poke FILE OFFSET HEXBYTE: set one byte
poke() {
	printf "%b" "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# flip FILE OFFSET: invert every bit of one byte
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "%b" "\\0$(printf %03o $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# faulty NAME SAMPLE: a copy of SAMPLE to poke, at $tmp/NAME.pcap
faulty() {
	cp "$s/$2" "$tmp/$1.pcap"
	echo "$tmp/$1.pcap"
}

# Ethernet, IPv4 and TCP headers (14 + 20 + 20, no options): MPA starts
# at this offset in a frame.
mpa=54
all=send,send_inv,send_se,send_se_inv,write,read_req,read_resp,terminate

echo "== clean captures"
expect pass '^frames 80, MPA requests 1, replies 1 .* CRC verdicts 72' \
	"CRC on, one FPDU per segment, every opcode" \
	--crc yes --expect "$all" "$s/rev1-crc.pcap"
expect pass '^frames 30, .* FPDUs 72, CRC verdicts 0,' \
	"CRC off, coalesced FPDUs, every opcode" \
	--crc no --expect "$all" "$s/rev1-nocrc-coalesced.pcap"
expect pass 'warnings 4$' "revision 2, split FPDUs: warnings counted, not failed" \
	--crc yes --expect "$all" "$s/rev2-crc-split.pcap"
expect pass 'CRC verdicts 72' "CRC and markers" \
	--crc yes --expect "$all" "$s/rev1-crc-markers.pcap"
expect pass '^iwarp-pcap-check: OK$' "four captures at once, CRC any" \
	--expect "$all" "$s"/rev1-crc.pcap "$s"/rev1-nocrc-coalesced.pcap \
	"$s"/rev2-crc-split.pcap "$s"/rev1-crc-markers.pcap
expect pass '^frames 80,' "port filter" --ports 7174,4792 "$s/rev1-crc.pcap"
editcap -r "$s/rev1-crc.pcap" "$tmp/first11.pcap" 1-11
expect pass '^  read_resp +2$' "capture cut after the first FPDUs" \
	--crc yes --expect write,read_req,read_resp "$tmp/first11.pcap"

echo "== no MPA connection"
expect fail '^no MPA request and reply decoded' \
	"port filter without the connection" --ports 7174 "$s/rev1-crc.pcap"
editcap -r "$s/rev1-crc.pcap" "$tmp/late.pcap" 6-80
expect fail '^no MPA request and reply decoded' \
	"capture started mid-connection" "$tmp/late.pcap"
{
	printf '0000  de ad be ef 00 01 02 03 04 05 06 07 08 09 0a 0b\n'
	printf '0000  4d 50 41 20 49 44 20 52 65 70 20 46 72 61 6d 65\n'
	printf '0010  00 00 00 00 00 00 00 00\n'
	printf '0000  00 10 c1 40 00 00 00 01 00 00 00 00 00 00 00 00\n'
} > "$tmp/tcp.hex"
text2pcap -q -T 1000,2000 "$tmp/tcp.hex" "$tmp/tcp.pcap" > /dev/null 2>&1
expect fail '^frames 3, MPA requests 0, replies 0' "plain TCP" "$tmp/tcp.pcap"

echo "== CRC"
expect fail '^frame 6: 3 FPDUs, 0 CRC verdicts' "CRC asked for, none negotiated" \
	--crc yes "$s/rev1-nocrc-coalesced.pcap"
expect fail '^frame 6: 1 CRC verdicts on a connection without CRC' \
	"CRC negotiated, none asked for" --crc no "$s/rev1-crc.pcap"
# frame 6 is the first FPDU, a Write; its CRC is the frame's last 4 bytes
f=$(faulty crcfield rev1-crc.pcap)
flip "$f" $(($(frame_at "$f" 6) + $(frame_len "$f" 6) - 1))
expect fail '^frame 6: bad CRC32$' "CRC field byte flipped" --crc yes "$f"
f=$(faulty payload rev1-crc.pcap)
flip "$f" $(($(frame_at "$f" 6) + mpa + 20))
expect fail '^frame 6: bad CRC32$' "payload byte flipped, --crc any" "$f"
f=$(faulty split rev2-crc-split.pcap)
flip "$f" $(($(frame_at "$f" 11) + mpa + 40))
expect fail '^frame [0-9]+: bad CRC32$' "byte flipped in an FPDU split over segments" "$f"

echo "== truncated or malformed FPDUs"
# frame 6 of the coalesced sample: a Write (ULPDU 16, FPDU 24 bytes),
# a Read Request (ULPDU 46, FPDU 52) and a Read Response, no CRC
f=$(faulty short rev1-nocrc-coalesced.pcap)
o=$(frame_at "$f" 6)
poke "$f" $((o + mpa)) 00
poke "$f" $((o + mpa + 1)) 03
expect fail '^frame 6: malformed$' "ULPDU shorter than its DDP header" "$f"
f=$(faulty long rev1-nocrc-coalesced.pcap)
poke "$f" $(($(frame_at "$f" 6) + mpa + 1)) 40
expect fail 'not decoded as MPA' "ULPDU length past its FPDU: framing lost" "$f"
editcap -s 90 "$s/rev1-crc.pcap" "$tmp/snap.pcap"
expect fail '^frame 7: cut short by the snap length' \
	"capture cut to a 90-byte snap length" "$tmp/snap.pcap"
f=$(faulty pdlen rev1-crc.pcap)
poke "$f" $(($(frame_at "$f" 4) + mpa + 18)) 03
expect fail 'expert error: \[PD length field' \
	"MPA request with 800 bytes of private data" "$f"

echo "== FPDU headers"
# byte offsets in the MPA payload of frame 6, as above: Write DDP and
# RDMAP control at 2 and 3, Read Request's at 26 and 27, its queue
# number at 32-35
hdr() {	# hdr NAME OFFSET HEXBYTE REGEX: poke one header byte, expect REGEX
	f=$(faulty "$1" rev1-nocrc-coalesced.pcap)
	poke "$f" $(($(frame_at "$f" 6) + mpa + $2)) "$3"
	expect fail "$4" "$1" "$f"
}
hdr "RDMAP opcode 12" 3 4c '^frame 6: RDMAP opcode 12 outside'
hdr "RDMAP version 2" 3 80 '^frame 6: RDMAP version 2, DDP version 1'
hdr "DDP version 2" 2 c2 '^frame 6: RDMAP version 1, DDP version 2'
hdr "Read Request tagged" 26 c1 '^frame 6: read_req sent tagged'
hdr "Read Request on queue 0" 35 00 '^frame 6: read_req on queue 0, not 1'
hdr "Read Request without Last" 26 01 '^frame 6: read_req not a single DDP segment'

echo "== expected opcodes"
expect fail '^expected send, never seen' "expected opcode absent" \
	--expect write,send "$tmp/first11.pcap"
expect usage "unknown opcode name 'sned'" "unknown opcode name" \
	--expect write,sned "$s/rev1-crc.pcap"

echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
