#!/usr/bin/env bash
# dev.sh - one entry point for setting up, building, running and testing
# prefwatch on Debian 12. Used by the README's first two commands and CI.
#
#   scripts/dev.sh deps        install the Debian packages (needs root or sudo)
#   scripts/dev.sh build       configure and build into build/
#   scripts/dev.sh run [ARGS]  deps + build + `prefwatch run ARGS` (bundled watchlist, default db)
#   scripts/dev.sh test        deps + build + the whole test suite (ctest)
#   scripts/dev.sh test-asan   the same under AddressSanitizer + UBSan, in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compiler, cmake, pkg-config, the libraries, and gettext (msgfmt
# builds the French message catalogue; xgettext for scripts/update-po.sh).
BUILD_PKGS=(build-essential cmake pkg-config gettext
	libcurl4-openssl-dev libxml2-dev libpcre2-dev libsqlite3-dev libyaml-dev
	zlib1g-dev libxxhash-dev libssl-dev ca-certificates poppler-utils odt2txt docx2txt)
# Tests: Debian's Python for the loopback HTTP/SMTP servers and scenarios,
# sqlite3 for integrity checks, chromium to render the HTML report,
# man/groff to check the man page, systemd-analyze to verify the units,
# valgrind for the memcheck run, openssl/nginx for TLS and HTTP/2 fetch tests,
# clang and its libFuzzer runtime for tests/fuzz/run.sh, locales for the
# fr_FR.UTF-8 locale the French messages are tested under (e2e_i18n),
# pandoc for the guide's ODT. Node.js and npm, for the independent WARC
# reader, are optional and installed apart (node_tools below).
TEST_PKGS=(python3 python3-aiosmtpd sqlite3 chromium man-db groff-base systemd
	util-linux iproute2 gzip groff valgrind e2fsprogs openssl nginx-light diffutils
	clang libclang-rt-dev locales pandoc)

need_install() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 0
	done
	return 1
}

# fr_FR.UTF-8, compiled once (idempotent); root only, as it writes the
# system's locale archive: without it e2e_i18n says "skipped".
french_locale() {
	locale -a 2>/dev/null | grep -qix 'fr_FR\.utf-\?8' && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "dev.sh: no fr_FR.UTF-8 locale; as root: localedef -i fr_FR -f UTF-8 fr_FR.UTF-8" >&2
		return 0
	fi
	localedef -i fr_FR -c -f UTF-8 -A /usr/share/locale/locale.alias fr_FR.UTF-8
}

deps() {
	local pkgs=("${BUILD_PKGS[@]}")
	[ "${1:-}" = test ] && pkgs+=("${TEST_PKGS[@]}")
	deps_install "${pkgs[@]}"
	if [ "${1:-}" = test ]; then french_locale; node_tools; fi
}

# npm only feeds one optional test, so it never fails the set-up. A machine
# may already carry Node.js from another source (NodeSource's nodejs bundles
# npm and conflicts with Debian's npm package): then nothing is installed.
node_tools() {
	command -v npm >/dev/null && return 0
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
		--no-install-recommends nodejs npm ||
		echo "dev.sh: cannot install nodejs/npm: WARC reader test will skip" >&2
}

deps_install() {
	local pkgs=("$@")
	need_install "${pkgs[@]}" || return 0
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${pkgs[@]}"
}

# The evidence tests read prefwatch's WARC files with an independent
# reader, webrecorder's warcio.js (Debian 12 packages no WARC reader), from
# the npm registry into tests/.node (ignored); they skip without it.
node_reader() {
	command -v npm >/dev/null || { echo "dev.sh: npm missing: WARC reader test will skip" >&2; return 0; }
	[ -d tests/.node/node_modules/warcio ] && return 0
	npm install --prefix tests/.node --no-audit --no-fund --no-save warcio@2.4.11 >/dev/null ||
		echo "dev.sh: cannot install warcio (no network?): WARC reader test will skip" >&2
}

build() {
	local dir=${1:-build}; shift || true
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j "$(nproc)"
}

case "${1:-}" in
deps) deps "${2:-}" ;;
build) deps; build build ;;
run)
	shift
	deps; build build
	# Exit status 1 means "run completed, some pages could not be read"
	# (e.g. no internet): the run itself went fine.
	set +e
	./build/prefwatch run "$@"
	rc=$?
	set -e
	[ "$rc" -le 1 ] || exit "$rc"
	;;
test)
	deps test; build build; node_reader
	ctest --test-dir build --output-on-failure -j 2 --timeout 600
	;;
test-asan)
	deps test; node_reader
	# LeakSanitizer stops the world through /proc/PID/task: where /proc is
	# not mounted (a bare chroot) it dies of a "fatal error" in every
	# program, so leaks are not checked there (ASan and UBSan still are).
	# The runtime cannot read $ASAN_OPTIONS there either (it reads
	# /proc/self/environ): the setting is compiled in.
	leaks=1
	if [ ! -r /proc/self/task ]; then
		leaks=0
		echo "skipped: LeakSanitizer needs /proc, which is not mounted here: leak checks off (ASan and UBSan on)"
	fi
	build build-asan -DCMAKE_BUILD_TYPE=Debug -DPREFWATCH_SANITIZE=ON \
		-DPREFWATCH_SANITIZER_OPTIONS="detect_leaks=$leaks:abort_on_error=1"
	ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure -j 2 --timeout 900
	;;
*)
	sed -n '2,12p' "$0"
	exit 2
	;;
esac
