#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kiwi's test command: installs what it needs, builds everything, runs the
# userspace unit tests and then every VM test, and ends with one line
# "N passed, N failed".
#
#   tests/run.sh [all|unit|vm|ci|interop] [--kernel NAME] [--only REGEX]
#
# The VM tests are the scripts in tests/vm/ (lib*.sh aside).  Each runs in
# a fresh guest; a "# vm-run options: ..." line in its header passes
# options (--guests 2, --nic, --timeout N) to scripts/vm-run.  Scripts
# with a "# test-set: interop" line (the full interop matrix, too slow for
# every run) run only in the interop mode (make test-interop), which runs
# nothing else; interop-siw.sh carries a subset of the matrix into CI.
#
# ci, the default, is what .ci/run runs: "all" on stock-6.1, then the
# sanitizer gate: the VM tests matching $KIWI_CI_DEBUG_TESTS (default
# "^(kunit|verbs-suite)$": the KUnit suite and kiwi-to-kiwi traffic with
# every opcode and error path; a siw peer would not do, as siw's own
# lockdep report switches lockdep off for the rest of the boot) on
# $KIWI_CI_DEBUG_KERNEL (default debug-6.12), under KASAN,
# lockdep, UBSAN and kmemleak, if that kernel is in the cache (a cold
# build does not fit in CI's time on two cores).
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

what= only=
while [ $# -gt 0 ]; do
	case "$1" in
	all|unit|vm|ci|interop) what=$1; shift ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) die "usage: tests/run.sh [all|unit|vm|ci|interop] [--kernel NAME] [--only REGEX]" ;;
	esac
done
# No mode: ci, unless a kernel was named (then all, on that kernel).
[ -n "$what" ] || { [ -n "${KERNEL:-}" ] && what=all || what=ci; }
KERNEL=${KERNEL:-stock-6.1}
export KERNEL
debug_kernel=${KIWI_CI_DEBUG_KERNEL:-debug-6.12}
debug_tests=${KIWI_CI_DEBUG_TESTS:-^(kunit|verbs-suite)$}

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
t0=$(date +%s)

run_unit() {
	local suite name rc s p f
	for suite in "$KIWI_TOP"/tests/*/run-tests.sh; do
		[ -x "$suite" ] || continue
		name=unit:$(basename "$(dirname "$suite")")
		[ -n "$only" ] && ! [[ $name =~ $only ]] && continue
		log "== $name"
		"$suite" > "$logdir/$name.log" 2>&1
		rc=$?
		# Unit suites report "N passed, N failed" themselves.
		s=$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' \
			"$logdir/$name.log" | tail -1)
		s=${s#*: }
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
}

# run_vm KERNEL REGEX: build for KERNEL, run the VM tests matching REGEX
# (all if empty).  Results are named vm:<test>, or vm:<kernel>:<test>
# when a run covers more than one kernel.
run_vm() {
	local k=$1 re=$2 t name opts start rc tag= blog
	[ "$what" = ci ] && tag="$k:"
	blog="$logdir/build-$k.log"
	log "== building for $k"
	make -s -C "$KIWI_TOP" KERNEL="$k" modules > "$blog" 2>&1 ||
		{ tail -30 "$blog"; failed=$((failed + 1)); failures+=("build:$k");
		  return 1; }
	if [ -f "$KIWI_TOP/userspace/Makefile" ]; then
		make -s -C "$KIWI_TOP" provider >> "$blog" 2>&1 ||
			{ tail -30 "$blog"; die "provider build failed"; }
	fi
	"$KIWI_TOP/tests/verbs/build.sh" >> "$blog" 2>&1 ||
		{ tail -30 "$blog"; die "verbs suite build failed"; }
	case "$k" in
	stock-*) "$KIWI_TOP/scripts/build-siw.sh" "$k" > /dev/null ||
			die "siw build failed" ;;
	esac
	for t in "$KIWI_TOP"/tests/vm/*.sh; do
		name=$(basename "$t" .sh)
		case $name in lib|lib-*) continue ;; esac
		[ -n "$re" ] && ! [[ $name =~ $re ]] && continue
		if grep -q '^# test-set: interop$' "$t"; then
			[ "$what" = interop ] || continue
		else
			[ "$what" = interop ] && continue
		fi
		opts=$(sed -n 's/^# vm-run options: //p' "$t" | head -1)
		log "== vm:$tag$name ${opts:+($opts)}"
		start=$(date +%s)
		# shellcheck disable=SC2086
		"$KIWI_TOP/scripts/vm-run" --kernel "$k" $opts "$t" \
			> "$logdir/$tag$name.log" 2>&1
		rc=$?
		tally "vm:$tag$name" "$logdir/$tag$name.log" "$rc"
		grep -E '^(\[g[01]\] )?(FAIL|SKIP|RETRY|RESULT): ' "$logdir/$tag$name.log" |
			sed 's/^/   /' >&2
		[ "$rc" = 0 ] || grep -E '^\[kiwi\]' "$logdir/$tag$name.log" |
			sed 's/^/   /' >&2
		log "   vm:$tag$name took $(( $(date +%s) - start ))s"
	done
}

elapsed() { echo "$(( ($(date +%s) - $1) / 60 ))m$(( ($(date +%s) - $1) % 60 ))s"; }

case "$what" in
unit) run_unit ;;
vm|interop) run_vm "$KERNEL" "$only" ;;
all) run_unit; run_vm "$KERNEL" "$only" ;;
ci)
	run_unit
	log "unit tests done after $(elapsed "$t0")"
	run_vm "$KERNEL" "$only"
	log "$KERNEL suite done after $(elapsed "$t0")"
	# A cold debug kernel build takes longer than CI may run on two
	# cores: the gate runs when scripts/build-debug-kernel.sh has
	# filled the cache (README), and says so when it has not.
	if "$KIWI_TOP/scripts/build-debug-kernel.sh" --cached "$debug_kernel" \
		> "$logdir/kernel-$debug_kernel.log" 2>&1; then
		run_vm "$debug_kernel" "$debug_tests"
	else
		log "$debug_kernel is not built: sanitizer gate skipped" \
			"(scripts/build-debug-kernel.sh $debug_kernel builds it)"
		skipped+=("sanitizer-gate:$debug_kernel")
	fi
	;;
esac

log "took $(elapsed "$t0")"
[ ${#skipped[@]} -eq 0 ] || log "skipped: ${skipped[*]}"
[ ${#failures[@]} -eq 0 ] || log "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
