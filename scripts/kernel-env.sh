#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print one variable (KDIR, KVER, VMLINUZ, ...) of a test kernel, fetching or
# building the kernel first if needed.  For Makefiles.
#
# usage: scripts/kernel-env.sh stock-6.1|debug-6.12 VAR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kernel_env "${1:?kernel name}"
eval "echo \"\${${2:?variable}}\""
