#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kiwi's demo: on a fresh Debian 12 machine, install what is needed, fetch
# Debian's stock 6.1 kernel, build kiwi for it and show it working in a
# QEMU guest.
#
# usage: scripts/demo.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_pkgs "${KIWI_HOST_PKGS[@]}"
KERNEL=${KERNEL:-stock-6.1}
log "building kiwi for $KERNEL"
make -s -C "$KIWI_TOP" KERNEL="$KERNEL" modules provider >&2
log "booting a guest (QEMU/TCG, about 10 s)"
exec "$KIWI_TOP/scripts/vm-run" --kernel "$KERNEL" "$KIWI_TOP/tests/vm/demo.guest"
