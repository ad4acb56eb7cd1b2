#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rdma-core tools between kiwi devices on two guests (separate kernels,
# one vCPU each) joined by a QEMU UDP link: rping with verification,
# ucmatose, rdma_server/rdma_client and perftest -R from 1 B to 4 MiB.
#
# vm-run options: --guests 2 --timeout 1500
. "$(dirname "$0")/lib-rdma.sh"
. "$(dirname "$0")/lib-tools.sh"

rdma_guest "${KIWI_TYPE:-kiwi}" || finish

for size in 1 4096 65000; do
	tool_rping "$size" 2000
done
tool_ucmatose 20 10
tool_rdma_server
tool_perftest_all "1 65536 1048576 4194304"

finish
