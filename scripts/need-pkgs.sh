#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the given Debian packages if they are missing (for Makefiles).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_pkgs "$@"
