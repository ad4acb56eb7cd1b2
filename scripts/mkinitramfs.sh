#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the tiny busybox initramfs the VM harness boots.  Its only job is to
# load the virtio/9p/overlay modules, mount the host root read-only over
# virtio-9p with a tmpfs overlay on top, and switch_root into it, so that
# PID 1 (and every request_module() the kernel makes) runs in the real root
# with every tool apt installed on the host.
#
# usage: scripts/mkinitramfs.sh <kernel-name>   prints the cpio path
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kernel_env "${1:-}"

need_pkgs busybox-static cpio kmod

mods="virtio_pci 9pnet_virtio 9p overlay"
key=$(cat "$0" | sha1sum | cut -c1-12)
out="$KIWI_CACHE/initramfs/$KERNEL_NAME-$KVER-$KSRCVER-$key.cpio.gz"
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,mnt/lower,mnt/upper,newroot,lib/modules}
cp /bin/busybox "$work/bin/busybox"

# Dependency order as modprobe would load them, without duplicates.  A
# kernel may have any of them built in (the debug kernel has all of them):
# modprobe says "builtin <name>" then, and there is nothing to load.
: > "$work/order.full"
for m in $mods; do
	deps=$(modprobe -d "${MODROOT%/lib/modules/*}" -S "$KVER" \
		--show-depends "$m") || die "$KERNEL_NAME has no module $m"
	printf '%s\n' "$deps" >> "$work/order.full"
done
awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$work/order.full" \
	> "$work/order"
mv "$work/order" "$work/order.full"
: > "$work/modules.list"
while read -r ko; do
	base=$(basename "$ko")
	cp "$ko" "$work/lib/modules/$base"
	echo "$base" >> "$work/modules.list"
done < "$work/order.full"
rm "$work/order.full"

cat > "$work/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.list); do
	insmod /lib/modules/$m || echo "initramfs: insmod $m failed"
done
fail() { echo "initramfs: $*"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /mnt/lower ||
	fail "cannot mount host root"
mount -t tmpfs -o size=75% tmpfs /mnt/upper
mkdir -p /mnt/upper/up /mnt/upper/work
mount -t overlay overlay \
	-o lowerdir=/mnt/lower,upperdir=/mnt/upper/up,workdir=/mnt/upper/work \
	/newroot || fail "cannot mount overlay"
mkdir -p /newroot/run/kiwi-out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 kiwiout /newroot/run/kiwi-out ||
	fail "cannot mount output share"
# kiwi_init= is passed on the command line by scripts/vm-run.
[ -n "$kiwi_init" ] || fail "no kiwi_init= on the command line"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot "$kiwi_init"
EOF
chmod +x "$work/init"

mkdir -p "$(dirname "$out")"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
