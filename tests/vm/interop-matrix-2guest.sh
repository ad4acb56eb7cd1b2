#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# interop-matrix.sh between two guests: guest 0 is the client and guest 1
# the server, kiwi on one and siw on the other, swapped per direction.
#
#   scripts/vm-run --guests 2 tests/vm/interop-matrix-2guest.sh [CELL...]
#
# vm-run options: --guests 2 --timeout 3600 --known-splat siw_qp_llp_data_ready
# test-set: interop
exec "$(dirname "$0")/interop-matrix.sh" "$@"
