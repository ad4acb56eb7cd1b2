#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The wire library must build outside the kernel: fail if any file under
# drivers/kiwi/wire or include/kiwi includes a system header, except the
# one type/compat shim include/kiwi/wire_types.h.  Files may include
# <kiwi/...> headers and local "..." headers only.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
shim=include/kiwi/wire_types.h
bad=0
for f in $(find drivers/kiwi/wire include/kiwi -type f \( -name '*.c' -o -name '*.h' \) | sort); do
	[ "$f" = "$shim" ] && continue
	# every #include line that is neither <kiwi/...> nor "local"
	hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include' "$f" |
	       grep -vE '#[[:space:]]*include[[:space:]]*(<kiwi/[A-Za-z0-9_]+\.h>|"[A-Za-z0-9_]+\.h")' || true)
	if [ -n "$hits" ]; then
		echo "$f: includes outside the wire library:" >&2
		echo "$hits" | sed 's/^/    /' >&2
		bad=1
	fi
done
# the shim may pull in kernel headers, but only under __KERNEL__
if ! grep -q '^#ifdef __KERNEL__' "$shim"; then
	echo "$shim: kernel includes must sit under #ifdef __KERNEL__" >&2
	bad=1
fi
if [ $bad -eq 0 ]; then
	echo "check-no-kernel-includes: ok ($(find drivers/kiwi/wire include/kiwi -type f | wc -l) files)"
fi
exit $bad
