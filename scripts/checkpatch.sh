#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's checkpatch.pl (from Debian's linux-source-6.1) over every
# kernel-side C file of kiwi: the driver, the wire library and its headers,
# the uapi header and the KUnit tests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
src=$("$KIWI_TOP/scripts/kernel-source.sh" 6.1)
cd "$KIWI_TOP"
files=$(git ls-files -co --exclude-standard -- \
	'drivers/*.c' 'drivers/*.h' 'include/*.h' 'tests/kunit/*.c' \
	'tests/kunit/*.h')
[ -n "$files" ] || die "no files to check"
# SPDX on headers uses /* */, which checkpatch expects; --no-tree because
# this is not a kernel tree.  compat.h keys features on LINUX_VERSION_CODE
# comparisons, so those two checks do not apply here.
ignore=FILE_PATH_CHANGES,LINUX_VERSION_CODE,CONSTANT_COMPARISON,SPDX_LICENSE_TAG
# drivers/kiwi/kunit.c exports the wire library's functions for KUnit away
# from their definitions, which cannot carry kernel macros.
exports_elsewhere=drivers/kiwi/kunit.c
# wire_types.h gives the wire library u8..u64 and a static assert in user
# space, which is what those two checks object to.
shims=include/kiwi/wire_types.h
rc=0
# shellcheck disable=SC2086
perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore "$ignore" --codespellfile /dev/null \
	-f $(printf '%s\n' $files | grep -vxF -e "$exports_elsewhere" -e "$shims") ||
	rc=1
if printf '%s\n' $files | grep -qxF "$exports_elsewhere"; then
	perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types --ignore "$ignore,EXPORT_SYMBOL" \
		--codespellfile /dev/null -f "$exports_elsewhere" || rc=1
fi
perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore "$ignore,PREFER_KERNEL_TYPES,CAMELCASE" \
	--codespellfile /dev/null -f "$shims" || rc=1
exit $rc
