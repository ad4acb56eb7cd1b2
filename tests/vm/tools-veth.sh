#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rdma-core tools between two kiwi devices across the veth pair: rping with
# verification, ucmatose with many connections, rdma_server/rdma_client,
# rsockets (rstream, riostream) and every perftest -R test from 1 B to
# 4 MiB.  Each tool must exit 0 on both sides, and tools that move data
# must report it: rping -V counts its verified pings.
#
# vm-run options: --timeout 1500
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"

rdma_pair "${KIWI_T0:-kiwi}" "${KIWI_T1:-kiwi}" || finish
check_match "ibv_devinfo: iWARP transport" 'transport:[[:space:]]+iWARP' \
	"$(ibv_devinfo -d "$D0")"

for size in 1 64 4096 65000; do
	tool_rping "$size" 2000
done
tool_ucmatose 50 20
tool_rdma_server
tool_rstream
tool_perftest_all "1 4096 65536 1048576 4194304"

finish
