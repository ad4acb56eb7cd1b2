#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-run options: --timeout 900
#
# libkiwi end to end, in a guest: two kiwi devices over the veth pair
#
#   +---------- ns0 (client) -----+        +---------- ns1 (server) -----+
#   |  veth0 10.0.0.1  kiwia      |========|  veth1 10.0.0.2  kiwib      |
#   +-----------------------------+  veth  +-----------------------------+
#
#   scripts/vm-run userspace/tests/vm-provider.sh
#
# Needs kiwi.ko (make modules) and userspace/build (make provider).
#  - ibv_devices/ibv_devinfo see the device as iWARP;
#  - kiwi-apicheck -d: what the provider refuses, it refuses cleanly;
#  - kiwi-apicheck over rdma_cm: Send, Write, Read with data checks, through
#    the classic and the extended verbs, polling and with CQ events;
#  - system calls (strace): with the SQ poller awake the data path makes
#    none; without the poller, exactly one doorbell per send queue post;
#  - drain: requests posted to a QP in ERROR come back flushed.  This
#    needs the kernel to raise KIWI_RING_F_ERROR in the QP's rings (the
#    provider then kicks the kernel); without it, a lone Receive, or a
#    Send while the SQ poller is awake, waits forever.
. "$(dirname "$0")/../../tests/vm/lib-rdma.sh"

B=${KIWI_PROVIDER_BUILD:-$KIWI_TOP/userspace/build}
AC=$B/kiwi-apicheck
P=/sys/module/kiwi/parameters

rdma_pair kiwi kiwi || finish
export RDMAV_DRIVERS=$B/libkiwi
wait_for 10 port_is kiwia ACTIVE || fail "kiwia not ACTIVE"

check_match "ibv_devices lists kiwia" kiwia "$(ip netns exec ns0 ibv_devices 2>&1)"
check_match "ibv_devinfo: iWARP" "transport:[[:space:]]*iWARP" \
	"$(ip netns exec ns0 ibv_devinfo -d kiwia 2>&1)"
check_match "ibv_devinfo -v: limits" "max_qp_wr:[[:space:]]*[1-9]" \
	"$(ip netns exec ns0 ibv_devinfo -v -d kiwia 2>&1)"
check "kiwi-apicheck -d kiwia" ip netns exec ns0 "$AC" -d kiwia

# Next to a device with a known driver id, which libibverbs first offers
# to every provider's match table (a NULL table crashed every tool).
if modprobe siw 2>/dev/null &&
   ip netns exec ns0 rdma link add siwa type siw netdev veth0; then
	out=$(ip netns exec ns0 ibv_devices 2>&1)
	check_match "ibv_devices with siw present: kiwia" kiwia "$out"
	check_match "ibv_devices with siw present: siwa" siwa "$out"
	ip netns exec ns0 rdma link delete siwa
else
	echo "SKIP: no siw to test next to"
fi

# Installed (into the guest's overlay), libibverbs finds it by itself.
check "make install" make -s -C "$KIWI_TOP/userspace" install
check_match "installed provider sees kiwia" kiwia \
	"$(ip netns exec ns0 env -u RDMAV_DRIVERS ibv_devices 2>&1)"
check "make uninstall" make -s -C "$KIWI_TOP/userspace" uninstall

for api in classic ex; do
	for ev in "" --events; do
		for s in 4096 1048576; do
			n=50
			[ "$s" -gt 4096 ] && n=10
			pair_run "apicheck --api $api $ev -S $s" 7999 120 \
				"$AC -s -b $A1 --api $api $ev -n $n -S $s" \
				"$AC -c $A1 --api $api $ev -n $n -S $s"
		done
	done
done

# syscalls API N: the client's ioctl() count for N iterations.  libibverbs
# sends uverbs commands (the doorbell too) by ioctl; rdma_cm uses write().
syscalls() {
	local out=/tmp/apicheck.strace
	pair_run "strace apicheck --api $1 -n $2" 7999 300 \
		"$AC -s -b $A1 --api $1 -n $2 -S 64" \
		"strace -f -c -e trace=ioctl -o $out $AC -c $A1 --api $1 -n $2 -S 64" \
		> /dev/null || { echo -1; return; }
	awk '$NF == "ioctl" { print $4 }' "$out"
}

old_poll=$(cat $P/sq_poll)
old_idle=$(cat $P/sq_poll_idle_us)
for api in classic ex; do
	# A poller that does not fall asleep between posts: no doorbells.
	# (Under TCG on a busy host it may still miss a beat now and then;
	# the run has 4000 sends, a few doorbells are not "per send".)
	echo Y > $P/sq_poll
	echo 1000000 > $P/sq_poll_idle_us
	a=$(syscalls $api 10)
	b=$(syscalls $api 1000)
	if [ "$a" -ge 0 ] && [ "$b" -ge "$a" ] && [ $((b - a)) -lt 10 ]; then
		pass "$api, SQ poller: no syscall per send ($a, $b)"
	else
		fail "$api, SQ poller: no syscall per send ($a, $b)"
	fi
	# No poller: each of the client's 4 sends per iteration rings once;
	# receives and polling never do.
	echo N > $P/sq_poll
	a=$(syscalls $api 10)
	b=$(syscalls $api 1000)
	check_eq "$api, no poller: one doorbell per send ($a, $b)" \
		$((4 * 990)) $((b - a))
done
# Drain, with a poller that stays awake and without one.
for poll in Y N; do
	echo $poll > $P/sq_poll
	for api in classic ex; do
		pair_run "drain, sq_poll=$poll, --api $api" 7999 60 \
			"$AC -s -b $A1 --api $api -n 5 -S 64" \
			"$AC -c $A1 --api $api -n 5 -S 64 --drain"
	done
done
echo "$old_poll" > $P/sq_poll
echo "$old_idle" > $P/sq_poll_idle_us
finish
