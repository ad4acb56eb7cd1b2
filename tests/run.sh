#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kiwi's test command: installs what it needs, builds everything, runs the
# userspace unit tests and then every VM test, and ends with one line
# "N passed, N failed".
#
#   tests/run.sh [all|unit|vm] [--kernel NAME] [--only REGEX]
#
# The VM tests are the scripts in tests/vm/ (lib.sh aside).  Each runs in a
# fresh guest; a "# vm-run options: ..." line in its header passes options
# (--guests 2, --nic, --timeout N) to scripts/vm-run.
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

what=all only=
while [ $# -gt 0 ]; do
	case "$1" in
	all|unit|vm) what=$1; shift ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) die "usage: tests/run.sh [all|unit|vm] [--kernel NAME] [--only REGEX]" ;;
	esac
done
KERNEL=${KERNEL:-stock-6.1}
export KERNEL

need_pkgs "${KIWI_HOST_PKGS[@]}" g++ cmake libgtest-dev clang \
	libclang-rt-14-dev pkg-config

passed=0 failed=0 failures=() skipped=()
tally() {	# tally NAME OUTPUT-FILE RC
	local p f
	p=$(grep -c '^\(\[g[01]\] \)\?PASS: ' "$2")
	f=$(grep -c '^\(\[g[01]\] \)\?FAIL: ' "$2")
	# A test that cannot run on this kernel says "SKIP: ..."; it is
	# neither a pass nor a failure, and the summary lists it.
	grep -q '^\(\[g[01]\] \)\?SKIP: ' "$2" && skipped+=("$1")
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "FAIL: $1: exited with status $3" | tee -a "$2"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" = 0 ] || failures+=("$1")
}

logdir="$KIWI_CACHE/test-logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$logdir"
log "logs in $logdir"

if [ "$what" != vm ]; then
	for suite in "$KIWI_TOP"/tests/*/run-tests.sh; do
		[ -x "$suite" ] || continue
		name=unit:$(basename "$(dirname "$suite")")
		[ -n "$only" ] && ! [[ $name =~ $only ]] && continue
		log "== $name"
		"$suite" > "$logdir/$name.log" 2>&1
		rc=$?
		# Unit suites report "N passed, N failed" themselves.
		s=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logdir/$name.log" | tail -1)
		if [ -n "$s" ]; then
			p=${s%% passed*} f=${s#*passed, } f=${f%% failed*}
			passed=$((passed + p)) failed=$((failed + f))
			[ "$f" = 0 ] && [ "$rc" = 0 ] || failures+=("$name")
			[ "$rc" != 0 ] && [ "$f" = 0 ] && failed=$((failed + 1))
		else
			tally "$name" "$logdir/$name.log" "$rc"
		fi
		log "   $name: ${s:-rc=$rc}"
		[ "$rc" = 0 ] || tail -30 "$logdir/$name.log"
	done
fi

if [ "$what" != unit ]; then
	log "== building for $KERNEL"
	make -s -C "$KIWI_TOP" KERNEL="$KERNEL" modules > "$logdir/build.log" 2>&1 ||
		{ tail -30 "$logdir/build.log"; die "module build failed"; }
	if [ -f "$KIWI_TOP/userspace/Makefile" ]; then
		make -s -C "$KIWI_TOP" provider >> "$logdir/build.log" 2>&1 ||
			{ tail -30 "$logdir/build.log"; die "provider build failed"; }
	fi
	case "$KERNEL" in
	stock-*) "$KIWI_TOP/scripts/build-siw.sh" "$KERNEL" > /dev/null ||
			die "siw build failed" ;;
	esac
	for t in "$KIWI_TOP"/tests/vm/*.sh; do
		name=$(basename "$t" .sh)
		case $name in lib|lib-*) continue ;; esac
		[ -n "$only" ] && ! [[ $name =~ $only ]] && continue
		opts=$(sed -n 's/^# vm-run options: //p' "$t" | head -1)
		log "== vm:$name ${opts:+($opts)}"
		start=$(date +%s)
		# shellcheck disable=SC2086
		"$KIWI_TOP/scripts/vm-run" --kernel "$KERNEL" $opts "$t" \
			> "$logdir/$name.log" 2>&1
		rc=$?
		tally "vm:$name" "$logdir/$name.log" "$rc"
		grep -E '^(\[g[01]\] )?(FAIL|SKIP|RESULT): ' "$logdir/$name.log" | sed 's/^/   /' >&2
		[ "$rc" = 0 ] || grep -E '^\[kiwi\]' "$logdir/$name.log" | sed 's/^/   /' >&2
		log "   vm:$name took $(( $(date +%s) - start ))s"
	done
fi

[ ${#skipped[@]} -eq 0 ] || log "skipped on $KERNEL: ${skipped[*]}"
[ ${#failures[@]} -eq 0 ] || log "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
