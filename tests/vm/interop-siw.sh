#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Basic interoperability with Linux's siw: kiwi on one side, siw on the
# other, in both directions (kiwi client to siw server, siw client to kiwi
# server): rping with verification, and perftest -R Send, Write and Read
# in bandwidth mode.  Then a subset of the interop matrix (lib-matrix.sh;
# the whole of it is `make test-interop`): CRC asked for by kiwi only, in
# both directions, with wire conformance checked on its captures, the
# CRC mismatch that must be rejected, and markers: refused by siw both
# ways, carried between two kiwis.  The peer-to-peer cells stay out of
# CI: siw's responder can miss an RTR and then crash iw_cm
# (Documentation/interop.rst).
#
# siw on 6.12 takes sk_callback_lock without disabling softirqs in
# siw_qp_llp_data_ready (a lockdep report of its own, not kiwi's).
# vm-run options: --timeout 2400 --known-splat siw_qp_llp_data_ready
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"
. "$(dirname "$0")/lib-matrix.sh"

for pair in "kiwi siw" "siw kiwi"; do
	# shellcheck disable=SC2086
	rdma_pair $pair || finish
	echo "== client ${pair% *} -> server ${pair#* }"
	for size in 64 65000; do
		tool_rping "$size" 100
	done
	for t in ib_send_bw ib_write_bw ib_read_bw; do
		for s in 1 65536 1048576; do
			tool_perftest "$t" "$s"
		done
	done
	rdma_unpair
done
matrix_run "v2-crc markers"
matrix_report
finish
