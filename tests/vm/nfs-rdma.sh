#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NFS over RDMA on kiwi: the kernel's own RDMA consumers on both ends,
# nfsd's svcrdma in ns1 and the NFSv4 client's xprtrdma in ns0 (both in
# rpcrdma.ko), across the veth pair.  They use kiwi through the kernel
# verbs only: the client registers its buffers by fast registration
# (IB_WR_REG_MR) and nfsd moves bulk data with RDMA Read and Write
# chunks, which the test checks in the mount's counters.  A file written through
# the mount must arrive intact in the export, and a file put in the export
# must read back intact through the mount after the client's cache is
# dropped.  The mount must really use RDMA (mountstats names the rdma
# transport and counts its traffic), and everything must come apart
# cleanly: umount, nfsd shut down, devices deleted, kiwi unloaded.
# KIWI_T0 and KIWI_T1 choose the client's and the server's device type
# (kiwi or siw), for NFS/RDMA between kiwi and siw.
#
# vm-run options: --timeout 900
. "$(dirname "$0")/lib-rdma.sh"

export_dir=/srv/kiwi-nfs
mnt=/mnt/kiwi-nfs
port=20049

# nfs-kernel-server's tools (the host's, seen through the shared root)
for t in rpc.nfsd rpc.mountd exportfs; do
	command -v "$t" > /dev/null ||
		{ fail "$t is missing: install nfs-kernel-server"; finish; }
done
rdma_pair "${KIWI_T0:-kiwi}" "${KIWI_T1:-kiwi}" || finish
for m in rpcrdma nfsd nfsv4; do
	check "modprobe $m" modprobe "$m"
done

# The export lives in the guest's own mount namespace, so that mountd in
# ns1 and the checks below see the same tmpfs; NFSv4 needs fsid=0, and
# the guest's overlayfs root cannot be exported.
mkdir -p "$export_dir" "$mnt"
mount -t tmpfs -o size=64m kiwi-nfs "$export_dir"
echo "$export_dir 10.0.0.0/24(rw,fsid=0,no_subtree_check,no_root_squash,insecure)" \
	> /etc/exports
dd if=/dev/urandom of=/tmp/nfs-up bs=1M count=8 status=none
dd if=/dev/urandom of=/tmp/nfs-down bs=1M count=8 status=none
cp /tmp/nfs-down "$export_dir/down"

# nfsd is per network namespace: its control files are those of the
# nfsd filesystem mounted from ns1, and mountd answers ns1's export
# cache.  NFSv4 only, so rpcbind is not needed; the shortest grace
# period lets the client open files soon after the start.
nfsd_up() {
	mount -t nfsd nfsd /proc/fs/nfsd || return 1
	exportfs -ra || return 1
	rpc.mountd -N 2 -N 3 || return 1
	rpc.nfsd -N 3 -G 10 -L 10 --rdma="$port" 2 || return 1
	grep -q "rdma $port" /proc/fs/nfsd/portlist
}
export -f nfsd_up
export port
check "nfsd in ns1 listens on rdma $port" \
	tmo 60 ip netns exec ns1 bash -c nfsd_up
check "kiwi listener on $port" ns_listening ns1 "$port"

# The client side runs in one shell in ns0, in its own mount namespace.
client() {
	set -e
	# the highest minor version both ends have: 4.2 on Debian's 6.1,
	# 4.0 on the debug kernel (built without NFS_V4_1)
	mount -t nfs4 -o "proto=rdma,port=$port,vers=4" 10.0.0.2:/ "$mnt"
	cp /tmp/nfs-up "$mnt/up"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	cmp /tmp/nfs-down "$mnt/down"
	cmp /tmp/nfs-up "$mnt/up"
	# this mount's block of mountstats: options and transport counters
	awk -v m=" $mnt " 'index($0, "device ") == 1 { on = index($0, m) > 0 }
		on && /opts:|xprt:/' /proc/self/mountstats > /tmp/nfs-mountstats
	umount "$mnt"
}
export -f client
export mnt
check "mount, write 8 MiB, read 8 MiB, umount (ns0, proto=rdma)" \
	tmo 300 ip netns exec ns0 bash -c client
sed 's/^/    /' /tmp/nfs-mountstats 2>/dev/null
check_match "the mount used the rdma transport" 'xprt:[[:space:]]+rdma' \
	"$(cat /tmp/nfs-mountstats 2>/dev/null)"
# xprtrdma's counters: read chunks (nfsd pulled WRITE data with RDMA
# Reads) and write chunks (nfsd pushed READ data with RDMA Writes)
check_match "nfsd moved data with RDMA Read and RDMA Write" '^[1-9][0-9]* [1-9][0-9]*$' \
	"$(awk '$1 == "xprt:" && $2 == "rdma" { print $13, $14 }' /tmp/nfs-mountstats 2>/dev/null)"
check "the file written over NFS/RDMA arrived intact" \
	cmp /tmp/nfs-up "$export_dir/up"

check "nfsd stops" tmo 60 ip netns exec ns1 bash -c \
	'mount -t nfsd nfsd /proc/fs/nfsd && rpc.nfsd 0 && exportfs -ua'
pkill -x rpc.mountd
wait_for 20 sh -c '! pgrep -x rpc.mountd'
check_fails "kiwi has no listener left on $port" ns_listening ns1 "$port"
umount "$export_dir"

rdma link delete "$D0"
rdma link delete "$D1"
check "rpcrdma unloads" rmmod rpcrdma
for m in $(printf '%s\n' "${KIWI_T0:-kiwi}" "${KIWI_T1:-kiwi}" | sort -u); do
	check "$m unloads" rmmod "$m"
done
finish
