#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole kiwi <-> siw interoperability matrix (tests/vm/lib-matrix.sh)
# across the veth pair between two namespaces, with wire conformance
# checked on tshark captures.  Slow: `make test-interop` runs it, CI runs
# the subset in interop-siw.sh.
#
#   scripts/vm-run tests/vm/interop-matrix.sh [CELL...]
#
# siw on 6.12 takes sk_callback_lock without disabling softirqs in
# siw_qp_llp_data_ready (a lockdep report of its own, not kiwi's).
# vm-run options: --timeout 3600 --known-splat siw_qp_llp_data_ready
# test-set: interop
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"
. "$(dirname "$0")/lib-matrix.sh"

matrix_run "${*:-all}"
matrix_report
check "kiwi unloads" rmmod kiwi
finish
