#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian 12's current stock 6.1 kernel (image, headers, headers-common,
# kbuild) with apt-get download, unpack it into a versioned cache and make the
# headers usable for out-of-tree builds from there.
#
# usage: scripts/fetch-kernel.sh [stock-6.1]
# Writes $KIWI_CACHE/kernels/<name>.env with KVER, KDIR, VMLINUZ, MODROOT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=${1:-stock-6.1}
[ "$name" = stock-6.1 ] || die "fetch-kernel.sh only knows stock-6.1"

need_pkgs apt-utils dpkg kmod xz-utils

# The newest ABI of Debian 12's 6.1 image package.  Fall back to what the
# cache already holds when apt has no answer (no network).
abi=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
	sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-amd64$/\1/p' | sort -V | tail -1)
if [ -z "$abi" ]; then
	[ -f "$KIWI_CACHE/kernels/$name.env" ] && exit 0
	die "no linux-image-6.1.0-N-amd64 known to apt; run apt-get update"
fi
kver=$abi-amd64
pkgver=$(apt-cache show "linux-image-$kver" | sed -n 's/^Version: //p' |
	sort -V | tail -1)
dir="$KIWI_CACHE/kernels/$name/${kver}_$pkgver"
root="$dir/root"

if [ ! -f "$dir/.done" ]; then
	log "fetching $kver ($pkgver)"
	rm -rf "$dir"
	mkdir -p "$dir/deb" "$root"
	(cd "$dir/deb" && apt-get download -q \
		"linux-image-$kver=$pkgver" \
		"linux-headers-$kver=$pkgver" \
		"linux-headers-$abi-common=$pkgver" \
		"linux-kbuild-6.1=$pkgver" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2)
	for d in "$dir"/deb/*.deb; do
		dpkg -x "$d" "$root"
	done
	# The headers' Makefile includes the common tree by absolute path;
	# point it into the cache instead of /usr/src.
	hdr="$root/usr/src/linux-headers-$kver"
	printf 'include %s/usr/src/linux-headers-%s-common/Makefile\n' \
		"$root" "$abi" > "$hdr/Makefile"
	# dpkg -x leaves no modules.dep; the guest's modprobe needs one.
	depmod -b "$root" -F "$root/boot/System.map-$kver" "$kver"
	rm -rf "$dir/deb"
	touch "$dir/.done"
fi

cat > "$KIWI_CACHE/kernels/$name.env" <<EOF
KERNEL_NAME=$name
KVER=$kver
KSRCVER=$pkgver
KDIR=$root/usr/src/linux-headers-$kver
VMLINUZ=$root/boot/vmlinuz-$kver
SYSTEM_MAP=$root/boot/System.map-$kver
MODROOT=$root/lib/modules/$kver
EOF
log "kernel $name: $kver ($pkgver) in $dir"
