# SPDX-License-Identifier: GPL-2.0
# RDMA helpers for guest test scripts, on top of lib.sh: bring up a pair
# of iWARP devices (kiwi or siw, in any combination) across the veth pair
# and run client/server tools between them.
#
#   rdma_pair kiwi siw	# ns0/veth0 gets a kiwi device, ns1/veth1 siw
#			# sets D0, D1 (device names) and A0, A1 (addresses)
#   pair_run NAME PORT TIMEOUT "server cmd" "client cmd"
#			# server in ns1, client in ns0, both must exit 0
#
# The provider for kiwi comes from the build tree (RDMAV_DRIVERS), so
# nothing needs installing on the host.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kiwi_provider_env() {
	local lib
	lib=$(ls "$KIWI_TOP"/userspace/build/libkiwi-rdmav*.so 2>/dev/null | head -1)
	if [ -n "$lib" ]; then
		export RDMAV_DRIVERS=${lib%-rdmav*.so}
	fi
}

# rdma_pair TYPE0 TYPE1
rdma_pair() {
	modprobe ib_uverbs
	modprobe rdma_ucm
	local t
	for t in "$1" "$2"; do
		modprobe "$t" || { fail "modprobe $t"; return 1; }
	done
	kiwi_provider_env
	netns_veth || return 1
	D0=${1}a
	D1=${2}b
	A0=10.0.0.1
	A1=10.0.0.2
	ip netns exec ns0 rdma link add "$D0" type "$1" netdev veth0 ||
		{ fail "rdma link add $D0"; return 1; }
	ip netns exec ns1 rdma link add "$D1" type "$2" netdev veth1 ||
		{ fail "rdma link add $D1"; return 1; }
	export D0 D1 A0 A1
}

# Is something listening on TCP port $2 in namespace $1?
ns_listening() {
	ip netns exec "$1" ss -ltnH "sport = :$2" | grep -q .
}

# pair_run NAME PORT TIMEOUT SERVER CLIENT: run SERVER in ns1, wait until
# it listens on PORT, run CLIENT in ns0; PASS if both succeed.
pair_run() {
	local name=$1 port=$2 t=$3 srv=$4 cli=$5 spid src crc
	local slog=/tmp/srv.$$.log clog=/tmp/cli.$$.log

	timeout --kill-after=5 "$t" ip netns exec ns1 sh -c "$srv" > "$slog" 2>&1 &
	spid=$!
	if ! wait_for 30 ns_listening ns1 "$port"; then
		fail "$name (server never listened on $port)"
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		tail -20 "$slog" | sed 's/^/    srv: /'
		return 1
	fi
	timeout --kill-after=5 "$t" ip netns exec ns0 sh -c "$cli" > "$clog" 2>&1
	crc=$?
	wait "$spid"
	src=$?
	if [ "$crc" = 0 ] && [ "$src" = 0 ]; then
		pass "$name"
		return 0
	fi
	fail "$name (client rc $crc, server rc $src)"
	tail -15 "$clog" | sed 's/^/    cli: /'
	tail -15 "$slog" | sed 's/^/    srv: /'
	# Whole logs go to the output share, kept with the failed run.
	if [ -d /run/kiwi-out ]; then
		local f
		f=/run/kiwi-out/fail-$(echo "$name" | tr -c 'A-Za-z0-9_.-' _)
		cp "$clog" "$f.client.log"
		cp "$slog" "$f.server.log"
	fi
	return 1
}
