#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One port space with Linux TCP (Documentation/port-space.rst): kiwi's
# listeners and connections are kernel TCP sockets, so
#   1. a TCP listener on P makes rdma_listen on P fail with EADDRINUSE;
#   2. an iWARP listener on P makes a TCP bind(P) fail with EADDRINUSE,
#      and ss shows kiwi's listeners and connections;
#   3. a netfilter rule dropping P blocks iWARP connection setup to P, and
#      removing it lets the connection through;
#   4. with most of the client's ephemeral ports held by TCP connections,
#      2000 rdma_cm connections on port 0 (ucmatose) all succeed: a port
#      rdma_cm picks that TCP holds is replaced by one TCP picks.
# Over the veth pair between ns0 (client) and ns1 (server).
# vm-run options: --timeout 1500
. "$(dirname "$0")/lib-rdma.sh"

rdma_pair kiwi kiwi || finish
in0() { ip netns exec ns0 "$@"; }
in1() { ip netns exec ns1 "$@"; }

# Try a TCP listen on ADDR:PORT in ns1 for 2 s: prints socat's error and
# its exit status (124: it bound and listened).
tcp_bind() {
	in1 timeout 2 socat -u "TCP-LISTEN:$2,bind=$1" /dev/null 2>&1
	echo "rc $?"
}

echo "== 1. a TCP listener blocks rdma_listen"
P=7500
in1 socat -u TCP-LISTEN:$P,bind=$A1 /dev/null &
tcp=$!
wait_for 10 ns_listening ns1 $P || fail "socat did not listen on $P"
out=$(in1 timeout 30 rping -s -a $A1 -p $P -C 1 2>&1)
rc=$?
echo "$out" | sed 's/^/    rping: /'
check "rping -s on a TCP-held port fails" test "$rc" != 0 -a "$rc" != 124
check "and says the address is in use" grep -qi "address already in use" <<< "$out"
kill "$tcp"; wait "$tcp" 2>/dev/null

echo "== 2. an iWARP listener blocks TCP bind, and ss shows it"
P=7501
# Neither side has a count, so the connection stays up until both are
# killed: ss is checked while it is known to be established, not raced
# against a short run finishing first.
in1 timeout 300 rping -s -a $A1 -p $P -S 64 > /tmp/rping-srv.log 2>&1 &
srv=$!
wait_for 20 ns_listening ns1 $P || fail "rping did not listen on $P"
check "ss -ltn shows kiwi's listener on $P" sh -c "ip netns exec ns1 ss -ltnH 'sport = :$P' | grep -q LISTEN"
check_match "TCP bind to $A1:$P fails" "Address already in use" "$(tcp_bind $A1 $P)"
check_match "TCP bind to 0.0.0.0:$P fails" "Address already in use" "$(tcp_bind 0.0.0.0 $P)"
in0 timeout 300 rping -c -v -a $A1 -p $P -S 64 > /tmp/rping-cli.log 2>&1 &
cli=$!
check "ss -tn shows the connection" wait_for 20 sh -c "ip netns exec ns0 ss -tnH state established 'dport = :$P' | grep -q ."
check "rping moves data across the listener" wait_for 60 sh -c "test \$(grep -c '^ping data' /tmp/rping-cli.log) -ge 200"
check "both ends are still connected (client, server running)" kill -0 "$cli" "$srv"
in0 pkill -x rping
wait "$cli" "$srv" 2>/dev/null

echo "== 3. netfilter drops iWARP connection setup"
P=7502
in1 nft add table inet kiwitest
in1 nft add chain inet kiwitest input '{ type filter hook input priority 0; }'
in1 nft add rule inet kiwitest input tcp dport $P counter drop
in1 timeout 120 rping -s -a $A1 -p $P -C 10 > /tmp/rping-srv.log 2>&1 &
srv=$!
wait_for 20 ns_listening ns1 $P || fail "rping did not listen on $P"
start=$(date +%s)
in0 timeout 90 rping -c -a $A1 -p $P -C 10 > /tmp/rping-cli.log 2>&1
rc=$?
sed 's/^/    rping: /' /tmp/rping-cli.log | tail -3
check "rping through a dropping rule fails (rc $rc, $(( $(date +%s) - start ))s)" test "$rc" != 0 -a "$rc" != 124
drops=$(in1 nft list chain inet kiwitest input | sed -n 's/.*packets \([0-9]*\).*/\1/p')
check "the rule saw the connection attempts ($drops packets)" test "${drops:-0}" -gt 0
in1 nft delete table inet kiwitest
in0 timeout 90 rping -c -a $A1 -p $P -C 10 > /tmp/rping-cli.log 2>&1
check_eq "rping once the rule is gone" 0 "$?"
kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null

echo "== 4. 2000 rdma_cm connections with most ephemeral ports held by TCP"
# ns0's ephemeral range: 1000 ports, 600 of them held by TCP connections
# (socat forks a child that holds each one).  kiwi's debug message for
# the fallback counts how often rdma_cm picked a port TCP held.
LOW=40000 HIGH=40999 HOLD=600 ROUNDS=${KIWI_PORTSPACE_ROUNDS:-40} PER=50
in0 sysctl -qw net.ipv4.ip_local_port_range="$LOW $HIGH"
in1 socat -u TCP-LISTEN:9000,bind=$A1,backlog=2048,fork /dev/null &
hold_srv=$!
wait_for 10 ns_listening ns1 9000 || fail "no TCP listener on 9000"
in0 bash -c "ulimit -n 4096
	for i in \$(seq $HOLD); do exec {fd}<>/dev/tcp/$A1/9000 || exit 1; done
	echo held; exec sleep 1000" > /tmp/hold.log 2>&1 &
hold_cli=$!
wait_for 60 grep -q held /tmp/hold.log
held=$(in0 ss -tnH state established 'dport = :9000' | wc -l)
check "$HOLD TCP connections hold ephemeral ports ($held)" test "$held" -ge "$HOLD"
ddc=/sys/kernel/debug/dynamic_debug/control
echo 'func kiwi_iw_connect +p' > $ddc 2>/dev/null ||
	echo "    (no dynamic debug: the fallbacks are not counted)"
# Followed as it comes: 2000 connections could rotate the ring buffer.
dmesg -w > /tmp/kmsg.stream 2>/dev/null &
kmsg=$!
fails=0 start=$(date +%s)
for r in $(seq "$ROUNDS"); do
	in1 timeout 120 ucmatose -c $PER -C 1 > /tmp/uc-srv.log 2>&1 &
	srv=$!
	wait_for 20 ns_listening ns1 7471 || { fails=$((fails + PER)); kill $srv; continue; }
	in0 timeout 120 ucmatose -s $A1 -c $PER -C 1 > /tmp/uc-cli.log 2>&1
	crc=$?
	wait "$srv"
	src=$?
	if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
		fails=$((fails + 1))
		echo "    round $r: client rc $crc, server rc $src"
		grep -v -e '^cmatose: connecting$' /tmp/uc-cli.log | tail -8 |
			sed 's/^/    cli: /'
		break
	fi
done
echo "    $((r * PER)) connections in $r rounds, $(( $(date +%s) - start ))s;" \
	"rdma_cm's port was held by TCP $(grep -c 'port is taken' /tmp/kmsg.stream)" \
	"times, its 4-tuple in TIME_WAIT $(grep -c 'in TIME_WAIT' /tmp/kmsg.stream) times"
echo 'func kiwi_iw_connect -p' > $ddc 2>/dev/null
kill "$kmsg"
check_eq "ucmatose rounds that failed" 0 "$fails"
kill "$hold_cli" "$hold_srv" 2>/dev/null
wait "$hold_cli" "$hold_srv" 2>/dev/null

rdma_unpair
finish
