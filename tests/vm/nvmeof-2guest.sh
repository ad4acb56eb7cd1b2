#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NVMe over Fabrics on kiwi between two guests: the kernel's NVMe/RDMA
# target (nvmet-rdma) on guest 1 exports a file, the kernel's NVMe/RDMA
# host (nvme-rdma) on guest 0 connects to it through /dev/nvme-fabrics.
# Both are in-kernel RDMA consumers: the host posts from blk-mq's
# queue_rq, inside an RCU read-side section, and the target moves data
# with RDMA Read and Write through rdma_rw; both use
# rdma_cm in the initial network namespace only, hence two guests rather
# than the veth pair.  8 MiB written with O_DIRECT must read back intact
# and land in the target's file, and disconnect, target teardown, device
# deletion and rmmod must all be clean.
#
# vm-run options: --guests 2 --timeout 900
. "$(dirname "$0")/lib-rdma.sh"

nqn=nqn.2026-11.org.kiwi:test
port=4420
cfs=/sys/kernel/config/nvmet

rdma_guest kiwi || finish

target_up() {
	modprobe nvmet-rdma || return 1
	mountpoint -q /sys/kernel/config ||
		mount -t configfs none /sys/kernel/config || return 1
	mkdir -p /srv/kiwi-nvme
	mount -t tmpfs -o size=80m kiwi-nvme /srv/kiwi-nvme || return 1
	truncate -s 64M /srv/kiwi-nvme/ns1 || return 1
	mkdir "$cfs/subsystems/$nqn" || return 1
	echo 1 > "$cfs/subsystems/$nqn/attr_allow_any_host"
	mkdir "$cfs/subsystems/$nqn/namespaces/1" || return 1
	echo /srv/kiwi-nvme/ns1 > "$cfs/subsystems/$nqn/namespaces/1/device_path"
	# tmpfs takes no O_DIRECT, nvmet's default for a file
	echo 1 > "$cfs/subsystems/$nqn/namespaces/1/buffered_io"
	echo 1 > "$cfs/subsystems/$nqn/namespaces/1/enable" || return 1
	mkdir "$cfs/ports/1" || return 1
	echo rdma > "$cfs/ports/1/addr_trtype"
	echo ipv4 > "$cfs/ports/1/addr_adrfam"
	echo "$KIWI_LOCAL_IP" > "$cfs/ports/1/addr_traddr"
	echo "$port" > "$cfs/ports/1/addr_trsvcid"
	ln -s "$cfs/subsystems/$nqn" "$cfs/ports/1/subsystems/$nqn"
}

target_down() {
	rm "$cfs/ports/1/subsystems/$nqn" &&
		rmdir "$cfs/ports/1" &&
		echo 0 > "$cfs/subsystems/$nqn/namespaces/1/enable" &&
		rmdir "$cfs/subsystems/$nqn/namespaces/1" &&
		rmdir "$cfs/subsystems/$nqn"
}

port_listening() {
	ss -ltnH "sport = :$1" | grep -q .
}

# The host's controller for $nqn, and the one NVMe namespace the guest
# has (it has no other NVMe device).
host_ctrl() {
	local d
	for d in /sys/class/nvme/nvme*; do
		[ "$(cat "$d/subsysnqn" 2>/dev/null)" = "$nqn" ] &&
			basename "$d" && return
	done
}
host_ns_dev() {
	ls /sys/block | grep -E '^nvme[0-9]+n1$' | head -1
}
ns_ready() {
	[ -n "$(host_ctrl)" ] && [ -n "$(host_ns_dev)" ]
}

if [ "$KIWI_GUEST" = 1 ]; then
	check "nvmet-rdma target on $KIWI_LOCAL_IP:$port" target_up
	check "kiwi listens on $port" wait_for 20 port_listening "$port"
	sync_signal target-ready
	check "host finished" sync_wait host-done 600
	check "the data written over NVMe/RDMA is in the target's file" \
		cmp -n 8388608 "$KIWI_SYNC/nvme-data" /srv/kiwi-nvme/ns1
	check "target teardown" target_down
	check "rmmod nvmet-rdma" rmmod nvmet-rdma
	check_fails "no listener left on $port" port_listening "$port"
	umount /srv/kiwi-nvme
else
	check "target ready" sync_wait target-ready 300
	check "modprobe nvme-rdma" modprobe nvme-rdma
	head -c 8M /dev/urandom > "$KIWI_SYNC/nvme-data"
	check "connect over RDMA" tmo 120 sh -c \
		"echo transport=rdma,traddr=$KIWI_PEER_IP,trsvcid=$port,nqn=$nqn > /dev/nvme-fabrics"
	check "controller and namespace appear" wait_for 30 ns_ready
	dev=$(host_ns_dev)
	ctrl=$(host_ctrl)
	check_match "the controller's transport is rdma" '^rdma$' \
		"$(cat "/sys/class/nvme/$ctrl/transport" 2>/dev/null)"
	check "write 8 MiB (O_DIRECT)" tmo 300 dd if="$KIWI_SYNC/nvme-data" \
		of="/dev/$dev" bs=1M oflag=direct status=none
	check "read 8 MiB back (O_DIRECT) intact" tmo 300 sh -c \
		"dd if=/dev/$dev bs=1M count=8 iflag=direct status=none | cmp - $KIWI_SYNC/nvme-data"
	check "disconnect" sh -c "echo 1 > /sys/class/nvme/$ctrl/delete_controller"
	check "rmmod nvme-rdma" rmmod nvme-rdma
	sync_signal host-done
fi
rdma link delete "$D0"
check "kiwi unloads" rmmod kiwi
finish
