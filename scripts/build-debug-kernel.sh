#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build kiwi's debug kernel (KUnit, KASAN, lockdep, kmemleak, UBSAN, with the
# RDMA stack and siw in-tree) from Debian's linux-source-<series> package:
# x86_64_defconfig plus scripts/debug-kernel.config, nothing else.
#
# usage: scripts/build-debug-kernel.sh [--cached] [debug-6.12]
#
# --cached only looks: it fails, building nothing, unless the kernel is
# already in the cache.
#
# The result is cached under $KIWI_CACHE/kernels/<name>/<pkgver>_<key>/, the
# key being a hash of the config fragment and of $recipe, so a changed
# fragment or a new Debian source upload builds a fresh kernel and the old
# one stays usable.  Bump $recipe when a change here changes what is built.  Writes $KIWI_CACHE/kernels/<name>.env (KVER, KDIR,
# VMLINUZ, MODROOT, SYSTEM_MAP, KSRCVER, KERNEL_NAME).  KDIR is the build
# tree itself, so kiwi builds against exactly this configuration.
#
# The build runs at nice 10 with $KIWI_KERNEL_JOBS jobs (default: the number
# of CPUs); its log is build.log in the cache directory, and the time it
# took is recorded in build-seconds.  Concurrent callers wait for one build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cached_only=
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
name=${1:-debug-6.12}
case "$name" in
debug-[0-9]*.[0-9]*) series=${name#debug-} ;;
*) die "usage: build-debug-kernel.sh debug-<series>, e.g. debug-6.12" ;;
esac

frag="$KIWI_TOP/scripts/debug-kernel.config"
recipe=1
key=$( (cat "$frag"; echo "recipe=$recipe") | sha1sum | cut -c1-12)
if [ -n "$cached_only" ]; then
	# Any finished build of this recipe, without touching the network.
	done_dir=$(ls -td "$KIWI_CACHE/kernels/$name/"*_"$key"/.done 2>/dev/null |
		head -1) || true
	[ -n "$done_dir" ] || die "$name (config $key) is not built"
	pkgver=$(basename "$(dirname "$done_dir")")
	pkgver=${pkgver%_"$key"}
else
	need_pkgs gcc-12 make bc flex bison libelf-dev libssl-dev kmod cpio \
		xz-utils
	src=$("$KIWI_TOP/scripts/kernel-source.sh" "$series")
	pkgver=$(basename "$(dirname "$src")")
	pkgver=${pkgver#linux-source-"$series"_}
fi
dir="$KIWI_CACHE/kernels/$name/${pkgver}_$key"
build="$dir/build"
root="$dir/root"
jobs=${KIWI_KERNEL_JOBS:-$(nproc)}

# Check that every option of the fragment has the value it asks for in the
# final .config: Kconfig drops a setting whose dependencies are not met
# without a word.
check_config() {
	local line opt want bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			opt=${line%%=*}
			grep -qxF -- "$line" "$build/.config" || {
				log "config: wanted $line, got: $(grep -E "^(# )?$opt[= ]" "$build/.config" || echo unset)"
				bad=1
			} ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			! grep -q "^$opt=" "$build/.config" || {
				log "config: wanted $opt off, got: $(grep "^$opt=" "$build/.config")"
				bad=1
			} ;;
		esac
	done < "$frag"
	return $bad
}

build_kernel() {
	local kmake=(make -C "$src" O="$build") start secs kver
	log "building $name from $(basename "$src") $pkgver, config key $key"
	log "log: $dir/build.log (a cold build takes a long while on 2 cores)"
	# An interrupted build resumes: make is incremental, and the
	# configuration is final once .configured exists.
	if [ ! -f "$dir/.configured" ]; then
		rm -rf "$dir"
		mkdir -p "$build" "$root"
		{
			"${kmake[@]}" x86_64_defconfig
			"$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
				"$build/.config" "$frag"
			"${kmake[@]}" olddefconfig
		} > "$dir/build.log" 2>&1 ||
			{ tail -30 "$dir/build.log" >&2; die "configuring $name failed"; }
		check_config ||
			die "the config fragment did not apply cleanly (see above)"
		touch "$dir/.configured"
	else
		log "resuming the build in $build"
	fi

	start=$(date +%s)
	nice -n "${KIWI_KERNEL_NICE:-10}" "${kmake[@]}" -j"$jobs" all >> "$dir/build.log" 2>&1 ||
		{ tail -40 "$dir/build.log" >&2; die "building $name failed"; }
	secs=$(( $(date +%s) - start ))
	echo "$secs" > "$dir/build-seconds"
	log "built $name in $((secs / 60))m$((secs % 60))s with -j$jobs"

	kver=$("${kmake[@]}" -s kernelrelease)
	"${kmake[@]}" INSTALL_MOD_PATH="$root" modules_install >> "$dir/build.log" 2>&1 ||
		die "modules_install failed"
	mkdir -p "$root/boot"
	cp "$build/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$kver"
	cp "$build/System.map" "$root/boot/System.map-$kver"
	cp "$build/.config" "$root/boot/config-$kver"
	echo "$kver" > "$dir/kernelrelease"
	touch "$dir/.done"
}

mkdir -p "$KIWI_CACHE/kernels"
exec 9> "$KIWI_CACHE/kernels/.$name.lock"
flock 9
if [ ! -f "$dir/.done" ]; then
	build_kernel
fi

kver=$(cat "$dir/kernelrelease")
cat > "$KIWI_CACHE/kernels/$name.env" <<EOF
KERNEL_NAME=$name
KVER=$kver
KSRCVER=${pkgver}_$key
KDIR=$build
VMLINUZ=$root/boot/vmlinuz-$kver
SYSTEM_MAP=$root/boot/System.map-$kver
MODROOT=$root/lib/modules/$kver
EOF
log "kernel $name: $kver ($pkgver, config $key) in $dir"
