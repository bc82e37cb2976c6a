#!/usr/bin/env bash
# run.sh - builds the libFuzzer harnesses with clang (ASan + UBSan) and runs
# each for a bounded time on a copy of its seed corpus.
#
#   tests/fuzz/run.sh [SECONDS]      (default 60 per harness; $FUZZ_SECONDS too)
#
# Fails on any crash, leak or timeout; the input that caused it is copied to
# tests/fuzz/regressions/<harness>/ so that it becomes a regression test
# (replayed by ctest) once the bug is fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-${FUZZ_SECONDS:-60}}
bash scripts/dev.sh deps test   # clang and its libFuzzer runtime are test packages
# LeakSanitizer needs /proc, and without it the runtime cannot read
# $ASAN_OPTIONS (see scripts/dev.sh test-asan)
leaks=1
if [ ! -r /proc/self/task ]; then
	leaks=0
	echo "skipped: LeakSanitizer needs /proc, which is not mounted here: leak checks off (ASan and UBSan on)"
fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DPREFWATCH_FUZZ=ON \
	-DPREFWATCH_SANITIZER_OPTIONS="detect_leaks=$leaks" >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_extract fuzz_charset fuzz_diff fuzz_watchlist fuzz_report >/dev/null
work=$(mktemp -d /tmp/prefwatch-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
printf '%-16s %8s %10s %8s %s\n' harness seconds execs corpus result
for f in fuzz_extract fuzz_charset fuzz_diff fuzz_watchlist fuzz_report; do
	mkdir -p "$work/$f" "$work/$f-art"
	[ -d "tests/fuzz/corpus/$f" ] && cp -r "tests/fuzz/corpus/$f/." "$work/$f/"
	set +e
	dict=(); [ -f "tests/fuzz/$f.dict" ] && dict=(-dict="tests/fuzz/$f.dict")
	ASAN_OPTIONS=detect_leaks=$leaks UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"build-fuzz/tests/fuzz/$f" "${dict[@]}" "$work/$f" -max_total_time="$SECONDS_EACH" -timeout=20 \
		-rss_limit_mb=2048 -max_len=262144 -artifact_prefix="$work/$f-art/" \
		-print_final_stats=1 >"$work/$f.log" 2>&1
	rc=$?
	set -e
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$f.log" | grep -o '[0-9]*$' || echo "?")
	if [ "$rc" -ne 0 ]; then
		status=1
		mkdir -p "tests/fuzz/regressions/$f"
		cp "$work/$f-art/"* "tests/fuzz/regressions/$f/" 2>/dev/null || true
		printf '%-16s %8s %10s %8s %s\n' "$f" "$SECONDS_EACH" "$execs" "$(ls "$work/$f" | wc -l)" "CRASH (rc $rc)"
		# what the harness or the sanitizer said, and the stack
		grep -a -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse|RELOAD|INITED)|^(INFO|MERGE)' "$work/$f.log" | tail -40 || true
	else
		printf '%-16s %8s %10s %8s %s\n' "$f" "$SECONDS_EACH" "$execs" "$(ls "$work/$f" | wc -l)" "ok"
	fi
done
exit $status
