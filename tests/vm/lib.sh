# SPDX-License-Identifier: GPL-2.0
# Helpers for kiwi's guest-side test scripts.  Source it from a test that
# scripts/vm-run starts in the guest.
#
# Results: every check prints "PASS: <name>" or "FAIL: <name>"; the host
# runner (tests/run.sh) counts those lines.  A script exits non-zero when any
# of its checks failed.
#
# One-guest topology (netns_veth):
#
#   +---------- ns0 ----------+        +---------- ns1 ----------+
#   |  veth0  10.0.0.1/24     |========|  veth1  10.0.0.2/24     |
#   +-------------------------+  veth  +-------------------------+
#
# Two-guest topology: eth0 is 192.168.77.1 on guest 0 and .2 on guest 1,
# joined by a QEMU UDP link; KIWI_LOCAL_IP/KIWI_PEER_IP say which is which.

KIWI_TOP=${KIWI_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0" .sh)

pass() { T_PASS=$((T_PASS + 1)); echo "PASS: $T_NAME: $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $T_NAME: $*"; }

# check NAME CMD...: run CMD, PASS if it succeeds.
check() {
	local name=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name"
		printf '    %s\n' "$out" | tail -20
	fi
}

# check_fails NAME CMD...: PASS if CMD fails.
check_fails() {
	local name=$1
	shift
	if "$@" > /dev/null 2>&1; then
		fail "$name (unexpectedly succeeded)"
	else
		pass "$name"
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1 (expected '$2', got '$3')"
	fi
}

# check_match NAME REGEX TEXT
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1 (no match for /$2/ in: $(printf '%s' "$3" | head -5))"
	fi
}

# Call at the end of every test script.
finish() {
	echo "RESULT: $T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# Debug kernels (KASAN, lockdep, kmemleak) run several times slower;
# scripts/vm-run says how much slower, and the time limits below scale.
KIWI_SLOWDOWN=${KIWI_SLOWDOWN:-1}

# Run a command with a time limit, so one hung tool cannot eat the job:
# tmo SECONDS CMD...
tmo() {
	local t=$1
	shift
	timeout --kill-after=5 "$((t * KIWI_SLOWDOWN))" "$@"
}

# tmo_bg SECONDS CMD...: tmo in the background, with timeout's own PID in
# BG_PID.  Killing that PID stops all of CMD, since timeout passes the
# signal on to its process group; "tmo ... &" would put a subshell
# between, and killing the subshell leaves the command running.
tmo_bg() {
	local t=$1
	shift
	timeout --kill-after=5 "$((t * KIWI_SLOWDOWN))" "$@" &
	BG_PID=$!
}

netns_veth() {
	modprobe veth
	ip netns add ns0
	ip netns add ns1
	# Made in the initial namespace and then moved, the two ends keep
	# distinct ifindexes.  siw listens in the caller's namespace even for
	# a device whose netdev is elsewhere, bound to that netdev's ifindex;
	# were veth0 and veth1 both ifindex 2, siw's listener for veth0 would
	# take the port on veth1 from kiwi in ns1.
	ip link add veth0 type veth peer name veth1
	ip link set veth0 netns ns0
	ip link set veth1 netns ns1
	ip -n ns0 addr add 10.0.0.1/24 dev veth0
	ip -n ns1 addr add 10.0.0.2/24 dev veth1
	ip -n ns0 link set veth0 up
	ip -n ns1 link set veth1 up
	ip -n ns0 link set lo up
	ip -n ns1 link set lo up
	# Wait for the veth carrier on both ends.
	local i
	for i in $(seq 50); do
		ip -n ns0 link show veth0 | grep -q LOWER_UP &&
			ip -n ns1 link show veth1 | grep -q LOWER_UP && return 0
		sleep 0.1
	done
	echo "veth carrier did not come up" >&2
	return 1
}

# port_is DEV STATE: port 1 of DEV is in STATE (ACTIVE, DOWN, ...)
port_is() {
	grep -q ": $2\$" "/sys/class/infiniband/$1/ports/1/state" 2>/dev/null
}

# Poll until a condition holds: wait_for SECONDS CMD...
wait_for() {
	local t=$1 i
	shift
	for i in $(seq $((t * 10 * KIWI_SLOWDOWN))); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

module_refcnt() {
	cat "/sys/module/$1/refcnt" 2>/dev/null || echo absent
}

# Two-guest rendezvous through the shared 9p directory.
sync_signal() { touch "$KIWI_SYNC/$1"; }
sync_wait() { wait_for "${2:-60}" test -e "$KIWI_SYNC/$1"; }
