#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# run-fuzzer.sh BINARY SEED_DIR WORK_DIR SECONDS
#
# Runs one libFuzzer target for SECONDS on a private copy of the seed
# corpus (new inputs go to WORK_DIR/corpus, crashes to WORK_DIR/), and
# prints libFuzzer's final stats.  Exits non-zero on any finding.
set -eu
bin=$1 seeds=$2 work=$3 secs=$4
mkdir -p "$work/corpus"
[ -d "$seeds" ] && cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true
exec "$bin" "$work/corpus" -max_total_time="$secs" -print_final_stats=1 \
	-timeout=10 -rss_limit_mb=2048 -max_len=4096 \
	-artifact_prefix="$work/" -close_fd_mask=1
