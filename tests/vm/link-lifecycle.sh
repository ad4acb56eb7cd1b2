#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kiwi device lifecycle through `rdma link`: creation on veth and virtio-net,
# port state following the netdev, deletion by every route (rdma link
# delete, netdev removal, netns removal, rmmod), bad input, and 100 rounds
# of add/delete and load/unload without leaked references.
#
# vm-run options: --nic
. "$(dirname "$0")/lib.sh"

# No udev in the guest: load what rdma-core's udev rules would.
modprobe ib_uverbs
modprobe virtio_net 2>/dev/null
check "modprobe kiwi" modprobe kiwi
check_eq "module refcount 0 after load" 0 "$(module_refcnt kiwi)"

netns_veth || fail "veth topology"

# --- creation on a veth, from inside its namespace ---
check "link add on veth0" ip netns exec ns0 rdma link add kiwi0 type kiwi netdev veth0
check_match "rdma link show: kiwi0 on veth0" 'link kiwi0/1 state ACTIVE .*netdev veth0' \
	"$(ip netns exec ns0 rdma link show)"
check_match "rdma dev show: node type rnic" 'kiwi0: node_type rnic' "$(rdma dev show kiwi0)"
check_eq "sysfs netdev attribute" veth0 "$(cat /sys/class/infiniband/kiwi0/netdev)"
check_eq "node type RNIC in sysfs" "4: RNIC" "$(cat /sys/class/infiniband/kiwi0/node_type)"
check_eq "port link layer" Ethernet "$(cat /sys/class/infiniband/kiwi0/ports/1/link_layer)"
mac=$(ip -n ns0 -br link show veth0 | awk '{print $3}')
gid=$(cat /sys/class/infiniband/kiwi0/ports/1/gids/0)
want=$(echo "$mac" | tr -d : | sed 's/\(....\)/\1:/g; s/:$//'):0000:0000:0000:0000:0000
check_eq "GID is the MAC, zero padded" "$want" "$gid"

# --- port state follows the netdev ---
ip -n ns0 link set veth0 down
check "port DOWN after link down" wait_for 5 port_is kiwi0 DOWN
check_eq "phys state DISABLED when down" "3: Disabled" "$(cat /sys/class/infiniband/kiwi0/ports/1/phys_state)"
ip -n ns0 link set veth0 up
check "port ACTIVE after link up" wait_for 5 port_is kiwi0 ACTIVE
# Carrier loss on the peer end takes our port down too.
ip -n ns1 link set veth1 down
check "port DOWN when the peer drops carrier" wait_for 5 port_is kiwi0 DOWN
ip -n ns1 link set veth1 up
check "port ACTIVE when carrier returns" wait_for 5 port_is kiwi0 ACTIVE

# --- creation on virtio-net ---
if ip link show eth0 > /dev/null 2>&1; then
	ip link set eth0 up
	check "link add on virtio-net eth0" rdma link add kiwi1 type kiwi netdev eth0
	check_match "kiwi1 on eth0" 'link kiwi1/1 state ACTIVE .*netdev eth0' "$(rdma link show kiwi1/1)"
	check_eq "kiwi1 driver of eth0 is virtio_net" virtio_net \
		"$(basename "$(readlink /sys/class/net/eth0/device/driver)")"
	ip link set eth0 down
	check "kiwi1 DOWN with eth0 down" wait_for 5 port_is kiwi1 DOWN
	ip link set eth0 up
	check "kiwi1 ACTIVE with eth0 up" wait_for 5 port_is kiwi1 ACTIVE
	check "link delete kiwi1" rdma link delete kiwi1
else
	fail "no virtio-net eth0 in this guest (run with --nic)"
fi

# --- loopback: no hardware address, so a stable substitute GID ---
check "link add on lo" rdma link add kiwilo type kiwi netdev lo
g1=$(cat /sys/class/infiniband/kiwilo/ports/1/gids/0)
check_fails "lo GID is not zero" test "$g1" = "0000:0000:0000:0000:0000:0000:0000:0000"
rdma link delete kiwilo
rdma link add kiwilo type kiwi netdev lo
check_eq "lo GID is stable across re-creation" "$g1" "$(cat /sys/class/infiniband/kiwilo/ports/1/gids/0)"
rdma link delete kiwilo

# --- bad input ---
out=$(ip netns exec ns0 rdma link add kiwi9 type kiwi netdev veth0 2>&1)
check_match "duplicate link on one netdev: EEXIST" 'File exists' "$out"
check_match "duplicate link: clear kernel message" 'veth0: already carries kiwi device kiwi0' "$(dmesg | tail -5)"
out=$(rdma link add kiwi9 type kiwi netdev nosuchdev 2>&1)
check_match "nonexistent netdev: ENODEV" 'No such device' "$out"
modprobe tun
ip tuntap add dev tun9 mode tun
ip link set tun9 up
out=$(rdma link add kiwi9 type kiwi netdev tun9 2>&1)
check_match "unsupported netdev type: EOPNOTSUPP" 'Operation not supported' "$out"
check_match "unsupported type: clear kernel message" 'tun9: netdev type .* is not supported' "$(dmesg | tail -5)"
ip link del tun9
out=$(rdma link add kiwi0 type kiwi netdev lo 2>&1)
check_fails "duplicate device name rejected" test -z "$out"
check_fails "no stray kiwi9 device" test -e /sys/class/infiniband/kiwi9

# --- deletion routes ---
check "rdma link delete kiwi0" rdma link delete kiwi0
check_fails "kiwi0 gone" test -e /sys/class/infiniband/kiwi0

ip netns exec ns0 rdma link add kiwi0 type kiwi netdev veth0
ip -n ns0 link del veth0
check "device goes away with its netdev" wait_for 10 sh -c '! test -e /sys/class/infiniband/kiwi0'

ip link add veth2 netns ns0 type veth peer name veth3 netns ns1
ip -n ns1 link set veth3 up
ip netns exec ns1 rdma link add kiwi3 type kiwi netdev veth3
ip netns del ns1
check "device goes away with its network namespace" wait_for 10 sh -c '! test -e /sys/class/infiniband/kiwi3'

# (deleting ns1 took veth2, veth3's peer, with it)
ip link add veth2 netns ns0 type veth peer name veth4
ip -n ns0 link set veth2 up
ip netns exec ns0 rdma link add kiwi2 type kiwi netdev veth2
rdma link add kiwilo type kiwi netdev lo
check_eq "module refcount 0 with devices present" 0 "$(module_refcnt kiwi)"
check "rmmod with devices present" rmmod kiwi
check_fails "no kiwi devices after rmmod" sh -c 'ls /sys/class/infiniband | grep -q kiwi'

# --- 100 rounds: add/delete, then load/unload ---
modprobe kiwi
bad=0
for i in $(seq 100); do
	ip netns exec ns0 rdma link add "kr$i" type kiwi netdev veth2 || bad=$((bad + 1))
	rdma link delete "kr$i" || bad=$((bad + 1))
done
check_eq "100 rounds of link add/delete" 0 "$bad"
check_eq "module refcount 0 after add/delete rounds" 0 "$(module_refcnt kiwi)"
bad=0
for i in $(seq 100); do
	# `rdma link add` autoloads the module through its rdma-link alias.
	rdma link add kl type kiwi netdev lo || bad=$((bad + 1))
	ip netns exec ns0 rdma link add kv type kiwi netdev veth2 || bad=$((bad + 1))
	rmmod kiwi || bad=$((bad + 1))
done
check_eq "100 rounds of autoload, add and rmmod" 0 "$bad"
check_eq "kiwi unloaded at the end" absent "$(module_refcnt kiwi)"

finish
