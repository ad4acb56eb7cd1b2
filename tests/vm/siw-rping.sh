#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test with Linux's own iWARP driver: siw (built out of tree
# for the stock kernel by scripts/build-siw.sh, in-tree on the debug kernel)
# on both ends of the veth pair, and rping with data verification across
# the two namespaces.  If this fails, the harness is broken, not kiwi.
. "$(dirname "$0")/lib.sh"

modprobe ib_uverbs
modprobe rdma_ucm
check "modprobe siw" modprobe siw
netns_veth || fail "veth topology"
check "siw link on veth0" ip netns exec ns0 rdma link add siw0 type siw netdev veth0
check "siw link on veth1" ip netns exec ns1 rdma link add siw1 type siw netdev veth1
check_match "ibv_devices lists siw0" 'siw0' "$(ibv_devices)"

for size in 64 4096 65000; do
	tmo 60 ip netns exec ns1 rping -s -a 10.0.0.2 -p 7174 -C 200 -S "$size" -V > /tmp/srv.log 2>&1 &
	srv=$!
	sleep 1
	check "rping -V -C 200 -S $size over siw" \
		tmo 60 ip netns exec ns0 rping -c -a 10.0.0.2 -p 7174 -C 200 -S "$size" -V
	wait "$srv"
	rc=$?
	check_eq "rping server exit status ($size)" 0 "$rc"
	[ "$rc" = 0 ] || cat /tmp/srv.log
done

rdma link delete siw0
rdma link delete siw1
check "rmmod siw" rmmod siw
finish
