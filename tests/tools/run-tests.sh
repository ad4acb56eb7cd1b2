#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of iwarp-pcap-check, the wire conformance checker of the
# interop matrix: it must pass clean captures and fail, for the right
# reason, on each kind of fault it exists to catch.
#
# The rev*.pcap samples are conversations that tests/wire/test_oracle.cc
# writes with the wire library (every RDMAP opcode both ways; revision 1
# and 2; CRC on and off; markers; one FPDU per segment, coalesced and
# split), copied from its build directory
# (build/wire/unit/oracle-{1,4,8,9}-*.pcap), so this test needs no build.
# Their MSNs, MOs and tagged offsets are drawn at random, not sequenced,
# so they are checked with --no-seq.  kiwi-siw-rping.pcap is real
# traffic: the rping connection of the interop matrix's v2 cell, kiwi
# client to siw server, no CRC (tcp.stream 0 of its capture).
# kiwi-kiwi-markers.pcap is real traffic too: ib_write_bw -s 1 of the
# matrix's markers cell, markers both ways, 1-byte Writes that TCP
# coalesces many to a segment (tcp.stream 4 of its capture);
# kiwi-kiwi-markers-split.pcap the same cell between two guests,
# 1-byte Sends, where TCP splits FPDUs (tcp.stream 2);
# kiwi-kiwi-markers-lost.pcap ib_read_bw -s 1 of the markers cell, where
# Wireshark loses the framing for forty frames (tcp.stream 6);
# kiwi-kiwi-markers-partial.pcap and kiwi-kiwi-markers-unframed.pcap the
# same run on a loaded host: a 684-byte segment of Read Requests that
# Wireshark names MPA but frames no FPDU of, and Read Responses it never
# frames at all (tcp.stream 6 of their captures).  The
# sequencing cases use it and a conversation of multi-FPDU messages that
# text2pcap builds here, as it builds the big-FPDU conversations (kiwi's
# mpa_big: an FPDU over three segments).  The faults are made from these, by byte pokes,
# editcap and mergecap, and plain TCP by text2pcap.  Each case checks
# the checker's exit status and a line of its output.
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
	--no-seq --crc yes --expect "$all" "$s/rev1-crc.pcap"
expect pass '^frames 30, .* FPDUs 72, CRC verdicts 0,' \
	"CRC off, coalesced FPDUs, every opcode" \
	--no-seq --crc no --expect "$all" "$s/rev1-nocrc-coalesced.pcap"
expect pass 'warnings 4$' "revision 2, split FPDUs: warnings counted, not failed" \
	--no-seq --crc yes --expect "$all" "$s/rev2-crc-split.pcap"
expect pass 'CRC verdicts 72' "CRC and markers" \
	--no-seq --crc yes --expect "$all" "$s/rev1-crc-markers.pcap"
expect pass '^iwarp-pcap-check: OK$' "four captures at once, CRC any" \
	--no-seq --expect "$all" "$s"/rev1-crc.pcap "$s"/rev1-nocrc-coalesced.pcap \
	"$s"/rev2-crc-split.pcap "$s"/rev1-crc-markers.pcap
expect pass '^frames 80,' "port filter" --no-seq --ports 7174,4792 "$s/rev1-crc.pcap"
editcap -r "$s/rev1-crc.pcap" "$tmp/first11.pcap" 1-11
expect pass '^  read_resp +2$' "capture cut after the first FPDUs" \
	--no-seq --crc yes --expect write,read_req,read_resp "$tmp/first11.pcap"
expect pass '^  sequencing: 140 FPDUs, 140 messages ended' \
	"real kiwi <-> siw traffic, sequenced" \
	--crc no --expect send,write,read_req,read_resp "$s/kiwi-siw-rping.pcap"

echo "== no MPA connection"
expect fail '^no MPA request and reply decoded' \
	"port filter without the connection" --no-seq --ports 7174 "$s/rev1-crc.pcap"
editcap -r "$s/rev1-crc.pcap" "$tmp/late.pcap" 6-80
expect fail '^no MPA request and reply decoded' \
	"capture started mid-connection" --no-seq "$tmp/late.pcap"
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
	--no-seq --crc yes "$s/rev1-nocrc-coalesced.pcap"
expect fail '^frame 6: 1 CRC verdicts on a connection without CRC' \
	"CRC negotiated, none asked for" --no-seq --crc no "$s/rev1-crc.pcap"
# frame 6 is the first FPDU, a Write; its CRC is the frame's last 4 bytes
f=$(faulty crcfield rev1-crc.pcap)
flip "$f" $(($(frame_at "$f" 6) + $(frame_len "$f" 6) - 1))
expect fail '^frame 6: bad CRC32$' "CRC field byte flipped" --no-seq --crc yes "$f"
f=$(faulty payload rev1-crc.pcap)
flip "$f" $(($(frame_at "$f" 6) + mpa + 20))
expect fail '^frame 6: bad CRC32$' "payload byte flipped, --crc any" --no-seq "$f"
f=$(faulty split rev2-crc-split.pcap)
flip "$f" $(($(frame_at "$f" 11) + mpa + 40))
expect fail '^frame [0-9]+: bad CRC32$' "byte flipped in an FPDU split over segments" \
	--no-seq "$f"

echo "== truncated or malformed FPDUs"
# frame 6 of the coalesced sample: a Write (ULPDU 16, FPDU 24 bytes),
# a Read Request (ULPDU 46, FPDU 52) and a Read Response, no CRC
f=$(faulty short rev1-nocrc-coalesced.pcap)
o=$(frame_at "$f" 6)
poke "$f" $((o + mpa)) 00
poke "$f" $((o + mpa + 1)) 03
expect fail '^frame 6: malformed$' "ULPDU shorter than its DDP header" --no-seq "$f"
f=$(faulty long rev1-nocrc-coalesced.pcap)
poke "$f" $(($(frame_at "$f" 6) + mpa + 1)) 40
expect fail 'not decoded as MPA' "ULPDU length past its FPDU: framing lost" --no-seq "$f"
editcap -s 90 "$s/rev1-crc.pcap" "$tmp/snap.pcap"
expect fail '^frame 7: cut short by the snap length' \
	"capture cut to a 90-byte snap length" --no-seq "$tmp/snap.pcap"
f=$(faulty pdlen rev1-crc.pcap)
poke "$f" $(($(frame_at "$f" 4) + mpa + 18)) 03
expect fail 'expert error: \[PD length field' \
	"MPA request with 800 bytes of private data" --no-seq "$f"

echo "== FPDU headers"
# byte offsets in the MPA payload of frame 6, as above: Write DDP and
# RDMAP control at 2 and 3, Read Request's at 26 and 27, its queue
# number at 32-35
hdr() {	# hdr NAME OFFSET HEXBYTE REGEX: poke one header byte, expect REGEX
	f=$(faulty "$1" rev1-nocrc-coalesced.pcap)
	poke "$f" $(($(frame_at "$f" 6) + mpa + $2)) "$3"
	expect fail "$4" "$1" --no-seq "$f"
}
hdr "RDMAP opcode 12" 3 4c '^frame 6: RDMAP opcode 12 outside'
hdr "RDMAP version 2" 3 80 '^frame 6: RDMAP version 2, DDP version 1'
hdr "DDP version 2" 2 c2 '^frame 6: RDMAP version 1, DDP version 2'
hdr "Read Request tagged" 26 c1 '^frame 6: read_req sent tagged'
hdr "Read Request on queue 0" 35 00 '^frame 6: read_req on queue 0, not 1'
hdr "Read Request without Last" 26 01 '^frame 6: read_req not a single DDP segment'

echo "== DDP sequencing"
# The oracle's fields are random: without --no-seq, its very first
# untagged message from the responder side is out of sequence.
expect fail '^frame 9: stream 0 from 10\.0\.0\.2:4792: read_req on queue 1 has MSN 1001, expected 1$' \
	"oracle sample without --no-seq" --crc yes "$s/rev1-crc.pcap"

# kiwi-siw-rping.pcap: Ethernet, IPv4, and TCP with timestamps (14 + 20 +
# 32 bytes) before MPA.  Frame 8 is kiwi's first Send (MSN 1), frame 12
# its second (MSN 2); an untagged FPDU has its MSN at bytes 12-15 of the
# MPA payload and its MO at 16-19 (after the ULPDU length, DDP and RDMAP
# control, the reserved word and the queue number).
real=66
f=$(faulty msn1 kiwi-siw-rping.pcap)
poke "$f" $(($(frame_at "$f" 8) + real + 15)) 02
expect fail '^frame 8: stream 0 from 10\.0\.0\.1:36624: send on queue 0 has MSN 2, expected 1$' \
	"first Send with MSN 2" --crc no "$f"
f=$(faulty msn3 kiwi-siw-rping.pcap)
poke "$f" $(($(frame_at "$f" 12) + real + 15)) 03
expect fail '^frame 12: stream 0 from 10\.0\.0\.1:36624: send on queue 0 has MSN 3, expected 2$' \
	"MSN skipped" --crc no "$f"
f=$(faulty mo0 kiwi-siw-rping.pcap)
poke "$f" $(($(frame_at "$f" 8) + real + 19)) 10
expect fail '^frame 8: .*: send MSN 1 on queue 0 starts at MO 16, expected 0$' \
	"message starting at MO 16" --crc no "$f"
# Frame 12 again, 0.1 ms later: tshark marks it a retransmission.  By
# default it does not dissect a retransmission's payload; with these
# preferences it does, and its Send (MSN 2 again) must be skipped.
editcap -r "$s/kiwi-siw-rping.pcap" "$tmp/one.pcap" 12
editcap -t 0.0001 "$tmp/one.pcap" "$tmp/one-later.pcap"
mergecap -F pcap -w "$tmp/retrans.pcap" "$s/kiwi-siw-rping.pcap" "$tmp/one-later.pcap"
expect pass '^  sequencing: 140 FPDUs, 140 messages ended, 0 retransmitted' \
	"retransmission, not dissected" --crc no "$tmp/retrans.pcap"
mkdir "$tmp/wsconf"
printf '%s\n' 'tcp.no_subdissector_on_error: FALSE' \
	'tcp.desegment_tcp_streams: FALSE' > "$tmp/wsconf/preferences"
WIRESHARK_CONFIG_DIR=$tmp/wsconf \
expect pass '^  sequencing: 140 FPDUs, 140 messages ended, 1 retransmitted frames skipped$' \
	"retransmitted FPDUs dissected, and skipped" --crc no "$tmp/retrans.pcap"

# A conversation of multi-FPDU messages, built for text2pcap -D: an
# MPA request and reply (revision 1, no CRC, no markers) and FPDUs with
# a CRC field of zero.  pkt I|O HEX... is one segment, O from the
# initiator (10.2.2.2, port 40000), I from the responder.
pkt() {
	echo "$1"
	shift
	echo "0000 $(echo "$*" | sed 's/ //g; s/../& /g')"
}
# fpdu ULPDU: ULPDU length, ULPDU, pad to 4 bytes, CRC field
fpdu() {
	local u=$1 n pad=""
	n=$((${#u} / 2))
	while [ $(((2 + n + ${#pad} / 2) % 4)) != 0 ]; do
		pad+=00
	done
	printf '%04x%s%s00000000' "$n" "$u" "$pad"
}
# untagged DDPCTL RDMAPCTL QN MSN MO PAYLOAD, tagged DDPCTL RDMAPCTL
# STAG TO PAYLOAD: a DDP segment; DDP control 0x01 untagged, 0x41
# untagged and Last, 0x81 tagged, 0xc1 tagged and Last; RDMAP control
# 0x40 + opcode
untagged() {
	printf '%02x%02x00000000%08x%08x%08x%s' "$1" "$2" "$3" "$4" "$5" "$6"
}
tagged() {
	printf '%02x%02x%08x%016x%s' "$1" "$2" "$3" "$4" "$5"
}
p8=0011223344556677 p4=8899aabb
{
	pkt O 4d504120494420526571204672616d65 00010000	# MPA ID Req Frame
	pkt I 4d504120494420526570204672616d65 00010000	# MPA ID Rep Frame
	# frames 3-5: a Send, MSN 1, in three FPDUs of 8 bytes
	pkt O "$(fpdu "$(untagged 0x01 0x43 0 1 0 $p8)")"
	pkt O "$(fpdu "$(untagged 0x01 0x43 0 1 8 $p8)")"
	pkt O "$(fpdu "$(untagged 0x41 0x43 0 1 16 $p8)")"
	# frames 6-7: a Write whose TO crosses 2^32
	pkt O "$(fpdu "$(tagged 0x81 0x40 0x1234 0xfffffff8 $p8)")"
	pkt O "$(fpdu "$(tagged 0xc1 0x40 0x1234 0x100000000 $p8)")"
	# frame 8: a Send, MSN 2, in two FPDUs of 4 bytes, one segment
	pkt O "$(fpdu "$(untagged 0x01 0x43 0 2 0 $p4)")$(fpdu "$(untagged 0x41 0x43 0 2 4 $p4)")"
	# frame 9: a Read Request, queue 1: sink STag 0x5678 at 0x1000, 16
	# bytes, source STag 0x9abc at 0x2000
	pkt O "$(fpdu "$(untagged 0x41 0x41 1 1 0 \
		00005678000000000000100000000010000009abc0000000000002000)")"
	# frame 10: its Read Response in two FPDUs; frame 11: a Send
	pkt I "$(fpdu "$(tagged 0x81 0x42 0x5678 0x1000 $p8)")$(fpdu "$(tagged 0xc1 0x42 0x5678 0x1008 $p8)")"
	pkt I "$(fpdu "$(untagged 0x41 0x43 0 1 0 $p4)")"
} > "$tmp/seq.hex"
text2pcap -q -D -F pcap -T 7174,40000 "$tmp/seq.hex" "$tmp/seq.pcap" > /dev/null 2>&1
expect pass '^  sequencing: 11 FPDUs, 6 messages ended' "multi-FPDU messages in sequence" \
	--crc no --expect send,write,read_req,read_resp "$tmp/seq.pcap"
# seqfault NAME FRAME OFFSET HEXBYTE REGEX: poke one byte of the MPA payload
# of FRAME in a copy of that conversation, expect REGEX
seqfault() {
	f=$tmp/$1.pcap
	cp "$tmp/seq.pcap" "$f"
	poke "$f" $(($(frame_at "$f" "$2") + mpa + $3)) "$4"
	expect fail "$5" "$1" --crc no "$f"
}
# Untagged FPDU: DDP control at 2, MSN at 12-15, MO at 16-19; tagged:
# STag at 4-7, TO at 8-15.  An FPDU of 8 tagged bytes is 28 bytes long.
dir='stream 0 from 10\.2\.2\.2:40000'
seqfault "MSN changed inside a message" 4 15 02 \
	"^frame 4: $dir: send on queue 0 has MSN 2, expected 1 \(MSN 1 has not ended with the Last flag\)$"
seqfault "MO gap inside a message" 5 19 11 \
	"^frame 5: $dir: send MSN 1 on queue 0 has MO 17, expected 16$"
seqfault "Last flag missing" 5 2 01 \
	"^frame 8: $dir: send on queue 0 has MSN 2, expected 1 \(MSN 1 has not ended"
seqfault "STag changed inside a tagged message" 7 7 35 \
	"^frame 7: $dir: write has STag 0x00001235, expected 0x00001234 \(the tagged message has not ended"
seqfault "TO without the carry into its upper half" 7 11 00 \
	"^frame 7: $dir: write STag 0x00001234 has TO 0x0000000000000000, expected 0x0000000100000000$"
seqfault "TO gap in the second FPDU of a segment" 10 $((28 + 15)) 09 \
	"^frame 10: stream 0 from 10\.1\.1\.1:7174: read_resp STag 0x00005678 has TO 0x0000000000001009, expected 0x0000000000001008$"

echo "== markers"
# The checker walks each direction of a stream with markers itself
# (walk_markers): Wireshark frames only one FPDU per segment there.
expect pass '^stream 0 responder to initiator: markers on, big FPDUs off, 36 FPDUs, largest ULPDU [0-9]+, 13 markers checked' \
	"markers, one FPDU per segment: every marker checked" \
	--no-seq --crc yes "$s/rev1-crc-markers.pcap"
expect pass '^stream 0 initiator to responder: markers on, big FPDUs off, 201 FPDUs, largest ULPDU [0-9]+, 10 markers checked' \
	"real kiwi <-> kiwi traffic with markers, FPDUs coalesced" \
	--crc no --expect write "$s/kiwi-kiwi-markers.pcap"
# Between two guests TCP splits FPDUs at markers (segments of 4 and 20
# bytes); Wireshark then reads a marker as an FPDU length and frames the
# rest wrongly, so the walk alone must judge the framing.
expect pass '^stream 0 initiator to responder: markers on, big FPDUs off, 201 FPDUs, largest ULPDU [0-9]+, 12 markers checked' \
	"real kiwi <-> kiwi traffic with markers, FPDUs split at markers" \
	--crc no --expect send "$s/kiwi-kiwi-markers-split.pcap"
# ib_read_bw -s 1 of the same cell: 1448-byte segments of Read Requests
# lose Wireshark's framing for forty frames, and it finds the thread
# again at MSN 144; the sequencing must start over there, not call the
# MSN wrong (the walk has checked every FPDU in between).
expect pass '^stream 0 initiator to responder: markers on, big FPDUs off, 201 FPDUs' \
	"real kiwi <-> kiwi traffic with markers, Wireshark's framing lost" \
	--crc no --expect read_req,read_resp "$s/kiwi-kiwi-markers-lost.pcap"
# A segment whose FPDUs Wireshark frames none of, or only some of, breaks
# the thread of the sequencing as well: the walk has checked them.
expect pass '^iwarp-pcap-check: OK' \
	"markers: an MPA segment Wireshark frames no FPDU of restarts the sequencing" \
	--crc no --expect read_req "$s/kiwi-kiwi-markers-partial.pcap"
# --expect counts the opcodes the walk found in FPDUs Wireshark did not frame.
expect pass '^stream 0 responder to initiator: markers on, big FPDUs off, [0-9]+ FPDUs, .* opcodes 2:' \
	"markers: Read Responses that only the walk frames count for --expect" \
	--crc no --expect read_req,read_resp "$s/kiwi-kiwi-markers-unframed.pcap"
# the first FPDU's leading marker (FPDUPTR 0) made to point 16 bytes back
f=$(faulty mkr0 rev1-crc-markers.pcap)
poke "$f" $(($(frame_at "$f" 6) + mpa + 3)) 10
expect fail '^stream 0 initiator to responder: marker at 0 in front of an FPDU reads 0/16, not 0/0$' \
	"marker in front of an FPDU with a non-zero FPDUPTR" --no-seq "$f"
# frame 173 of the kiwi capture: 1448 bytes of 1-byte Writes (TCP header
# with timestamps, 32 bytes); 412 bytes into its payload is the marker at
# stream position 3072, FPDUPTR 4, inside an FPDU; make it 20
f=$(faulty mkr1 kiwi-kiwi-markers.pcap)
poke "$f" $(($(frame_at "$f" 173) + 14 + 20 + 32 + 412 + 3)) 14
expect fail '^stream 0 initiator to responder: marker at 3072 in the FPDU at 3068 reads 0/20, not 0/4$' \
	"marker inside an FPDU with a wrong FPDUPTR" --no-seq "$f"
# a reserved half that is not zero
f=$(faulty mkr2 kiwi-kiwi-markers.pcap)
poke "$f" $(($(frame_at "$f" 173) + 14 + 20 + 32 + 412 + 1)) 01
expect fail 'marker at 3072 in the FPDU at 3068 reads 1/4, not 0/4$' \
	"marker with its reserved half set" --no-seq "$f"

echo "== big FPDUs"
# kiwi's mpa_big: Res bit 0x04 in the request, 0x02 in the reply, then
# FPDUs longer than a segment, which Wireshark cannot frame: the walk
# judges them.  A Send of 3000 bytes in one FPDU over three segments,
# then a 4-byte Send.
big=$(printf '%06000d' 0)
bigfpdu=$(fpdu "$(untagged 0x41 0x43 0 1 0 "$big")")
{
	pkt O 4d504120494420526571204672616d65 04010000
	pkt I 4d504120494420526570204672616d65 02010000
	pkt O "${bigfpdu:0:2000}"
	pkt O "${bigfpdu:2000:2000}"
	pkt O "${bigfpdu:4000}"
	pkt O "$(fpdu "$(untagged 0x41 0x43 0 2 0 $p4)")"
} > "$tmp/big.hex"
text2pcap -q -D -F pcap -T 7174,40000 "$tmp/big.hex" "$tmp/big.pcap" > /dev/null 2>&1
expect pass '^stream 0 initiator to responder: markers off, big FPDUs on, 2 FPDUs, largest ULPDU 3018, 0 markers checked' \
	"big FPDUs across segments, framed by the walk" --crc no --expect send "$tmp/big.pcap"
# The same reply with the request's bit instead of the accept bit (an
# echo, as siw sends): no agreement, whatever the FPDUs look like.
sed 's/^0000 4d 50 41 20 49 44 20 52 65 70 20 46 72 61 6d 65 02/0000 4d 50 41 20 49 44 20 52 65 70 20 46 72 61 6d 65 04/' \
	"$tmp/big.hex" > "$tmp/echo.hex"
text2pcap -q -D -F pcap -T 7174,40000 "$tmp/echo.hex" "$tmp/echo.pcap" > /dev/null 2>&1
expect pass '^stream 0 initiator to responder: markers off, big FPDUs off, 2 FPDUs, largest ULPDU 3018' \
	"an echoed offer is no agreement" --walk --crc no --expect send "$tmp/echo.pcap"
# --walk walks every connection and reports its largest ULPDU
expect pass '^stream 0 initiator to responder: markers off, big FPDUs off, 8 FPDUs, largest ULPDU 46, 0 markers checked' \
	"--walk on a connection without big FPDUs" --walk --crc no "$tmp/seq.pcap"
# the big FPDU's stream cut short in its last segment
head -n 8 "$tmp/big.hex" > "$tmp/cut.hex"
text2pcap -q -D -F pcap -T 7174,40000 "$tmp/cut.hex" "$tmp/cut.pcap" > /dev/null 2>&1
expect fail '^stream 0 initiator to responder: the stream ends inside the FPDU at 0$' \
	"a big FPDU the stream ends inside" --crc no "$tmp/cut.pcap"

echo "== expected opcodes"
expect fail '^expected send, never seen' "expected opcode absent" \
	--no-seq --expect write,send "$tmp/first11.pcap"
expect usage "unknown opcode name 'sned'" "unknown opcode name" \
	--expect write,sned "$s/rev1-crc.pcap"

echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
