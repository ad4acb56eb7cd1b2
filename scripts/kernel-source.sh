#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack Debian's linux-source-<series> package (full source with Debian's
# patches) into the cache and print the tree's path.  Used to build siw as
# our interop peer, for checkpatch, and for the debug kernel.
#
# usage: scripts/kernel-source.sh 6.1|6.12
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: kernel-source.sh 6.1|6.12}
pkg=linux-source-$series
need_pkgs xz-utils
ver=$(apt-cache show "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1)
if [ -z "$ver" ]; then
	# No apt metadata: use the newest tree already in the cache.
	tree=$(ls -d "$KIWI_CACHE"/src/"$pkg"_*/"$pkg" 2>/dev/null | sort -V | tail -1)
	[ -n "$tree" ] || die "apt knows no $pkg; run apt-get update"
	echo "$tree"
	exit 0
fi
dir="$KIWI_CACHE/src/${pkg}_$ver"
if [ ! -f "$dir/.done" ]; then
	log "unpacking $pkg $ver (takes a minute)"
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download -q "$pkg=$ver" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2)
	dpkg -x "$dir"/deb/*.deb "$dir/pkg"
	tar -C "$dir" -xf "$dir/pkg/usr/src/$pkg.tar.xz"
	rm -rf "$dir/deb" "$dir/pkg"
	touch "$dir/.done"
fi
echo "$dir/$pkg"
