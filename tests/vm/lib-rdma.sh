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
# Two guests (vm-run --guests 2): rdma_guest TYPE makes a device on eth0;
# pair_run then runs the server on guest 1 and the client on guest 0, and
# each guest reports its own half.
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

# Undo rdma_pair, so that a test can try another combination.
rdma_unpair() {
	rdma link delete "$D0" 2>/dev/null
	rdma link delete "$D1" 2>/dev/null
	ip netns del ns0 2>/dev/null
	ip netns del ns1 2>/dev/null
	# Namespaces go away asynchronously; wait for the veth to be gone.
	wait_for 10 sh -c '! ip link show veth0 2>/dev/null && ! ip netns list | grep -q ns'
}

# rdma_guest TYPE: a device of TYPE on this guest's eth0 (two guests).
rdma_guest() {
	modprobe ib_uverbs
	modprobe rdma_ucm
	modprobe "$1" || { fail "modprobe $1"; return 1; }
	kiwi_provider_env
	D0=${1}0
	D1=${1}0
	A0=192.168.77.1
	A1=192.168.77.2
	rdma link add "$D0" type "$1" netdev eth0 ||
		{ fail "rdma link add $D0"; return 1; }
	wait_for 20 ping -c1 -W1 "$KIWI_PEER_IP" ||
		{ fail "no route to the other guest"; return 1; }
	export D0 D1 A0 A1
}

# Is something listening on TCP port $2 in namespace $1?
ns_listening() {
	ip netns exec "$1" ss -ltnH "sport = :$2" | grep -q .
}

PAIR_SEQ=0

# PAIR_RETRY_ON, when set, is an extended regex for a client log: a known
# race of the tool under test, not of the device.  A run that fails with
# it is retried, up to twice (between two guests the race was seen to
# strike twice in a row), and each retry is reported.  The server of the
# failed attempt is stopped first (tmo_bg), so that the retried client
# cannot reach it.
# A child that exited but was not waited for yet is a zombie: gone too.
pid_gone() {
	local st
	st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

pair_retryable() {	# pair_retryable ATTEMPT CLIENT-LOG
	[ "$1" -lt 3 ] && [ -n "${PAIR_RETRY_ON:-}" ] &&
		grep -qE "$PAIR_RETRY_ON" "$2"
}

# Two guests: guest 1 serves, guest 0 connects; a shared directory
# sequences the steps (step-N.ATTEMPT.{ready,broken,retry}, step-N.served).
pair_run_2guest() {
	local name=$1 port=$2 t=$3 srv=$4 cli=$5 rc log=/tmp/pair.$$.log
	local step a spid

	PAIR_SEQ=$((PAIR_SEQ + 1))
	step=$KIWI_SYNC/step-$PAIR_SEQ
	if [ "$KIWI_GUEST" = 1 ]; then
		for a in 1 2 3; do
			tmo_bg "$t" sh -c "$srv" > "$log" 2>&1
			spid=$BG_PID
			if wait_for 30 sh -c "ss -ltnH 'sport = :$port' | grep -q ."; then
				touch "$step.$a.ready"
			else
				touch "$step.$a.broken"
			fi
			while kill -0 "$spid" 2>/dev/null &&
			      [ ! -e "$step.$a.retry" ]; do
				sleep 0.2
			done
			if [ -e "$step.$a.retry" ]; then
				kill "$spid" 2>/dev/null
				wait "$spid"
				continue
			fi
			wait "$spid"
			rc=$?
			break
		done
		touch "$step.served"
	else
		for a in 1 2 3; do
			wait_for $((t + 30)) sh -c "test -e $step.$a.ready || test -e $step.$a.broken"
			if [ -e "$step.$a.ready" ]; then
				tmo "$t" sh -c "$cli" > "$log" 2>&1
				rc=$?
			else
				echo "server never listened on $port" > "$log"
				rc=1
			fi
			if [ "$rc" != 0 ] && pair_retryable "$a" "$log"; then
				echo "RETRY: $T_NAME: $name (client: $(grep -m1 -oE "$PAIR_RETRY_ON" "$log"))"
				touch "$step.$a.retry"
				continue
			fi
			break
		done
		wait_for $((t + 30)) test -e "$step.served"
	fi
	if [ "$rc" = 0 ]; then
		pass "$name"
		return 0
	fi
	fail "$name (rc $rc)"
	tail -15 "$log" | sed 's/^/    /'
	return 1
}

# pair_run NAME PORT TIMEOUT SERVER CLIENT: run SERVER in ns1, wait until
# it listens on PORT, run CLIENT in ns0; PASS if both succeed.  With two
# guests, the server runs on guest 1 and the client on guest 0.
pair_run() {
	local name=$1 port=$2 t=$3 srv=$4 cli=$5 spid src crc a

	if [ "${KIWI_GUESTS:-1}" = 2 ]; then
		pair_run_2guest "$@"
		return
	fi
	local slog=/tmp/srv.$$.log clog=/tmp/cli.$$.log
	for a in 1 2 3; do
		tmo_bg "$t" ip netns exec ns1 sh -c "$srv" > "$slog" 2>&1
		spid=$BG_PID
		if ! wait_for 30 ns_listening ns1 "$port"; then
			fail "$name (server never listened on $port)"
			kill "$spid" 2>/dev/null
			wait "$spid" 2>/dev/null
			tail -20 "$slog" | sed 's/^/    srv: /'
			return 1
		fi
		tmo "$t" ip netns exec ns0 sh -c "$cli" \
			> "$clog" 2>&1
		crc=$?
		if [ "$crc" != 0 ] && pair_retryable "$a" "$clog"; then
			echo "RETRY: $T_NAME: $name (client: $(grep -m1 -oE "$PAIR_RETRY_ON" "$clog"))"
			kill "$spid" 2>/dev/null
			wait "$spid" 2>/dev/null
			continue
		fi
		# A client that died leaves its server waiting for it: give
		# the server a moment to notice, not the whole time limit.
		if [ "$crc" != 0 ] && ! wait_for 10 pid_gone "$spid"; then
			kill "$spid" 2>/dev/null
		fi
		wait "$spid"
		src=$?
		break
	done
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
