#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test for the two-guest topology: two kernels joined by a
# QEMU UDP link, siw on each guest's eth0, rping with verification from
# guest 0 (client) to guest 1 (server).
#
# vm-run options: --guests 2
. "$(dirname "$0")/lib.sh"

modprobe ib_uverbs
modprobe rdma_ucm
check "modprobe siw" modprobe siw
check "siw link on eth0" rdma link add siw0 type siw netdev eth0
check "peer reachable over the guest link" wait_for 20 ping -c1 -W1 "$KIWI_PEER_IP"

if [ "$KIWI_GUEST" = 1 ]; then
	tmo 120 rping -s -a "$KIWI_LOCAL_IP" -p 7174 -C 100 -S 4096 -V > /tmp/srv.log 2>&1 &
	srv=$!
	sleep 1
	sync_signal server-ready
	wait "$srv"
	rc=$?
	check_eq "rping server over siw between guests" 0 "$rc"
	[ "$rc" = 0 ] || cat /tmp/srv.log
else
	check "server ready" sync_wait server-ready 60
	check "rping -V -C 100 -S 4096 over siw between guests" \
		tmo 120 rping -c -a "$KIWI_PEER_IP" -p 7174 -C 100 -S 4096 -V
fi
finish
