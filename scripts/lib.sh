# SPDX-License-Identifier: GPL-2.0
# Shared helpers for kiwi's host-side scripts.  Source it; do not run it.
#
# Everything downloaded or built outside the repository lives under
# $KIWI_CACHE (default ~/.cache/kiwi), keyed by version, so repeated runs
# are fast and a clean checkout never carries binaries.

KIWI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIWI_CACHE=${KIWI_CACHE:-$HOME/.cache/kiwi}
export KIWI_TOP KIWI_CACHE

log() { printf '[kiwi] %s\n' "$*" >&2; }
die() { printf '[kiwi] error: %s\n' "$*" >&2; exit 1; }

# Install Debian packages that are missing.  Idempotent and quiet.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	mkdir -p "$KIWI_CACHE"
	local aptlog="$KIWI_CACHE/apt.log"
	if [ ! -f "$KIWI_CACHE/.apt-updated" ] ||
	   [ -n "$(find "$KIWI_CACHE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
		$sudo apt-get update -q >"$aptlog" 2>&1 ||
			{ cat "$aptlog" >&2; die "apt-get update failed"; }
		touch "$KIWI_CACHE/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >"$aptlog" 2>&1 ||
		{ cat "$aptlog" >&2; die "apt-get install ${missing[*]} failed"; }
}

# Packages the VM harness and the tests use, on the host and (through the
# shared root) in the guest.
KIWI_HOST_PKGS=(qemu-system-x86 busybox-static cpio kmod iproute2 gcc-12 make
	bc flex bison libelf-dev libssl-dev dwarves xz-utils sparse
	rdma-core ibverbs-utils ibverbs-providers rdmacm-utils perftest
	libibverbs-dev librdmacm-dev iperf3 procps psmisc ethtool nftables
	iptables tshark iputils-ping netcat-openbsd socat sockperf
	nfs-kernel-server)

# Resolve a kernel name (stock-6.1, debug-6.12) into KVER/KDIR/VMLINUZ/
# MODROOT by sourcing the env file that fetch-kernel.sh or
# build-debug-kernel.sh wrote.  Fetches/builds on first use.
kernel_env() {
	local name=${1:-${KERNEL:-stock-6.1}} envf
	envf="$KIWI_CACHE/kernels/$name.env"
	# A debug kernel's env file may name a kernel built from an older
	# config fragment; the build script is quick when the current one is
	# cached, and rewrites the file.
	if [ ! -f "$envf" ] || [ -n "${KIWI_REFRESH_KERNEL:-}" ] ||
	   [[ $name == debug-* ]]; then
		case "$name" in
		stock-*) "$KIWI_TOP/scripts/fetch-kernel.sh" "$name" >&2 ;;
		debug-*) "$KIWI_TOP/scripts/build-debug-kernel.sh" "$name" >&2 ;;
		*) die "unknown kernel '$name' (stock-6.1, debug-6.12)" ;;
		esac || die "could not provide kernel $name"
	fi
	# shellcheck disable=SC1090
	. "$envf"
	export KVER KDIR VMLINUZ MODROOT SYSTEM_MAP KSRCVER KERNEL_NAME
}
