#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Compare libkiwi's own declaration of rdma-core's provider interface
# (userspace/provider/verbs_provider.h) with rdma-core's libibverbs/driver.h
# of a given source tree, field by field.
#
#   userspace/tools/abi-compare.sh <rdma-core source tree>...
#
# Each tree is compiled against its own public headers (verbs.h), so the
# comparison is for that release.  rdma-core is not installed on Debian;
# get a tree with, for example,
#   git -C rdma-core archive v44.0 | tar -x -C /tmp/rc44
# Exits non-zero if any tree differs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
provider=$here/../provider
cc=${CC:-cc}
rc=0

[ $# -ge 1 ] || { echo "usage: $0 <rdma-core source tree>..." >&2; exit 2; }

for src in "$@"; do
	src=$(cd "$src" && pwd)
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT

	# The include layout of an rdma-core build directory.
	mkdir -p "$work/include/infiniband" "$work/include/kernel-abi"
	cp "$src"/libibverbs/*.h "$work/include/infiniband/"
	cp "$src"/kernel-headers/rdma/ib_user_ioctl_verbs.h \
		"$work/include/infiniband/"
	ln -s "$src/kernel-headers/rdma" "$work/include/rdma"
	ln -s "$src/ccan" "$work/include/ccan"
	ln -s "$src/util" "$work/include/util"
	python3 "$src/buildlib/make_abi_structs.py" \
		"$src/kernel-headers/rdma/ib_user_verbs.h" \
		"$work/include/kernel-abi/ib_user_verbs.h"
	# driver.h needs only a few of config.h's definitions.
	pabi=$(sed -n 's/^set(IBVERBS_PABI_VERSION "\([0-9]*\)")/\1/p' \
		"$src/CMakeLists.txt")
	cat > "$work/include/config.h" <<-EOF
	#define IBVERBS_PABI_VERSION $pabi
	#define VERBS_IOCTL_ONLY 0
	#define VERBS_WRITE_ONLY 0
	#define HAVE_FUNC_ATTRIBUTE_ALWAYS_INLINE 1
	#define HAVE_FUNC_ATTRIBUTE_SYMVER 1
	#define SIZEOF_LONG 8
	EOF

	"$cc" -std=gnu11 -DPROBE_RDMA_CORE -I"$work/include" \
		-o "$work/theirs" "$here/abi_probe.c"
	# Ours, against the same release's public headers.
	"$cc" -std=gnu11 -I"$work/include" -I"$provider" \
		-o "$work/ours" "$here/abi_probe.c"
	"$work/theirs" > "$work/theirs.txt"
	"$work/ours" > "$work/ours.txt"
	n=$(wc -l < "$work/ours.txt")
	if diff -u "$work/theirs.txt" "$work/ours.txt"; then
		echo "$src (PABI $pabi): $n sizes and offsets identical"
	else
		echo "$src (PABI $pabi): layouts differ" >&2
		rc=1
	fi
	rm -rf "$work"
	trap - EXIT
done
exit $rc
