#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build Linux's siw, unchanged, from Debian's linux-source package as an
# out-of-tree module for a test kernel that lacks it.  siw is kiwi's interop
# peer and performance anchor; none of its code goes into kiwi.
#
# usage: scripts/build-siw.sh [kernel-name]   prints the siw.ko path
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kernel_env "${1:-}"

out="$KIWI_CACHE/siw/$KERNEL_NAME-$KVER-$KSRCVER"
if [ -f "$out/siw.ko" ]; then
	echo "$out/siw.ko"
	exit 0
fi
case "$KERNEL_NAME" in
stock-6.1) series=6.1 ;;
*) die "$KERNEL_NAME has siw built in" ;;
esac
src=$("$KIWI_TOP/scripts/kernel-source.sh" "$series")
need_pkgs gcc-12 make libelf-dev
rm -rf "$out"
mkdir -p "$out"
cp -a "$src/drivers/infiniband/sw/siw/." "$out/"
log "building siw for $KVER"
make -s -C "$KDIR" M="$out" CONFIG_RDMA_SIW=m modules >&2 ||
	die "siw build failed"
echo "$out/siw.ko"
