#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KUnit: load kiwi_kunit.ko, which runs its suites as it loads, and report
# every test case as PASS or FAIL from the KTAP that KUnit writes to
# /sys/kernel/debug/kunit/<suite>/results (or, failing that, the kernel
# log).  A failed parameter (one vector of a table) is listed under its
# case.  A suite that did not run, or ran fewer cases than it planned (a
# crash), fails.
#
# kiwi_kunit.ko exists only for kernels built with CONFIG_KUNIT (the
# debug kernel); on any other kernel this test reports SKIP, not a pass.
# vm-run options: --timeout 900
. "$(dirname "$0")/lib.sh"

suites="kiwi_wire kiwi_mr kiwi_ring kiwi_qp"

skip() {
	echo "SKIP: $T_NAME: $*"
	echo "RESULT: $T_NAME: 0 passed, 0 failed, skipped"
	exit 0
}

have_kunit() {
	grep -q ' kunit_run_tests$' /proc/kallsyms || modinfo kunit > /dev/null 2>&1
}
if ! modinfo kiwi_kunit > /dev/null 2>&1; then
	have_kunit || skip "kernel $KVER has no KUnit, so kiwi_kunit.ko is not built"
	fail "kernel $KVER has KUnit but no kiwi_kunit.ko (make KERNEL=... modules)"
	finish
fi

before=$(dmesg | wc -l)
check "modprobe kiwi_kunit" tmo 600 modprobe kiwi_kunit
dmesg | tail -n +"$((before + 1))" | sed -E 's/^\[[ 0-9.]+\] //' > /tmp/kunit.log

# parse_suite SUITE < KTAP: one line per case, tab-separated:
#   PASS|FAIL|SKIP  case  params-passed/params  detail (\n-escaped)
# then "PLAN <planned> <seen>" and "SUITE ok|not ok|missing".
parse_suite() {
	awk -v suite="$1" '
	function indent(s) { match(s, /^ */); return RLENGTH }
	function esc(s) { gsub(/\t/, " ", s); gsub(/\n/, "\\n", s); return s }
	{ sub(/\r$/, "") }
	state == 0 && $0 ~ ("# Subtest: " suite "$") {
		state = 1; lvl = indent($0); next
	}
	state != 1 { next }
	{
		i = indent($0); s = substr($0, i + 1)
		if (i < lvl && s ~ /^(not ok|ok) [0-9]+ /) {
			res = (s ~ /^ok /) ? "ok" : "not ok"; state = 2; next
		}
		if (i == lvl && s ~ /^1\.\.[0-9]+/) { plan = substr(s, 4) + 0; next }
		if (i == lvl && s ~ /^(not ok|ok) [0-9]+ /) {
			ok = s ~ /^ok /
			sub(/^(not ok|ok) [0-9]+ /, "", s)
			name = s; dir = ""
			if (match(name, / # /)) {
				dir = substr(name, RSTART + 3)
				name = substr(name, 1, RSTART - 1)
			}
			v = ok ? (dir ~ /^SKIP/ ? "SKIP" : "PASS") : "FAIL"
			printf "%s\t%s\t%d/%d\t%s\n", v, name, pok, pn, esc(diag)
			seen++; diag = ""; pok = 0; pn = 0
			next
		}
		if (i == lvl + 4 && s ~ /^(not ok|ok) [0-9]+ /) {
			pn++
			if (s ~ /^ok /) pok++
			else diag = diag "\n  " s
			next
		}
		if (s ~ /^# / && s !~ /^# (Subtest|module):/ && s !~ /pass:[0-9]+ fail:/)
			diag = diag "\n  " s
	}
	END {
		printf "PLAN\t%d\t%d\n", plan, seen
		printf "SUITE\t%s\n", state == 2 ? res : "missing"
	}'
}

for s in $suites; do
	f=/sys/kernel/debug/kunit/$s/results
	if [ -r "$f" ]; then
		src=$f
	else
		src=/tmp/kunit.log
	fi
	while IFS=$'\t' read -r verdict name params detail; do
		case "$verdict" in
		PASS|FAIL|SKIP)
			what="$s.$name"
			[ "$params" != 0/0 ] && what="$what ($params parameters)"
			if [ "$verdict" = PASS ]; then
				pass "$what"
			elif [ "$verdict" = SKIP ]; then
				echo "SKIP: $T_NAME: $what"
			else
				fail "$what"
				printf '%b\n' "$detail" | sed 's/^/    /'
			fi ;;
		PLAN)
			planned=$name seen=$params
			[ "$planned" = "$seen" ] ||
				fail "$s: $seen of $planned cases reported (crashed?)" ;;
		SUITE)
			[ "$name" = missing ] && fail "$s: no KTAP results" ;;
		esac
	done < <(parse_suite "$s" < "$src")
done

# Unloading must work, and kmemleak (debug kernels) then checks that the
# suite's fixtures were all freed.
check "rmmod kiwi_kunit" rmmod kiwi_kunit
check "rmmod kiwi" rmmod kiwi
finish
