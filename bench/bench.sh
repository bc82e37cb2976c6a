#!/usr/bin/env bash
# bench.sh - prefwatch on realistic nights, against urlwatch, a bare
# libxml2 parse and curl's own parallel fetch of the same URLs.
#
#   bench/bench.sh [--quick] [N...]   (default: 1000 10000; --quick: 1000 and
#                                      a smaller whole-France night)
#   SKIP_URLWATCH=1 bench/bench.sh ...  (prefwatch only, for quick checks)
#   SKIP_FRANCE=1 bench/bench.sh ...    (part 1 only)
#
# Part 1, for each N: generates N state-site-like pages (60-120 KB, heavy
# chrome, the procedure in <main>), each linking two PDFs of 50-500 KB (one
# served with ETag and Last-Modified, one without validators) and one page
# in ten a third that is a 404 (gen_pages.py --docs). nginx serves them on
# 127.0.0.1. Three nights with `prefwatch run --host-delay 0`: the first
# run; a night where nothing changed; a night where every page's chrome
# changed, 10% of the procedures really changed and one PDF file in ten got
# a new mtime (new validators, same bytes). Per night: URLs fetched (from
# nginx's access log), wall time, CPU seconds, CPU ms per page and per URL,
# peak RSS and the pages reported changed. urlwatch (xpath on <main>, then
# html2text; it does not follow documents) runs the same nights on the same
# pages; `curl --parallel` fetching every URL of the night is the fetch
# floor; parse_bench gives the bare libxml2 parse and our extraction.
#
# Part 2, a whole-France night: france_httpd.py serves ~100 préfecture
# sites (one port each, the host names pinned with `resolve:`, so 100
# politeness keys) answering in 50-300 ms; 400 pages link 3,000 documents;
# host delay 1 s. Its wall time is printed beside its politeness bound
# (the busiest host's requests x the delay + its response times), with a
# table of how the bound grows with the hosts and the delay, checked by
# real runs at smaller scale.
#
# Every figure comes from this one run. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
SIZES=("$@")
if [ ${#SIZES[@]} -eq 0 ]; then
	if [ -n "$QUICK" ]; then SIZES=(1000); else SIZES=(1000 10000); fi
fi

need=(nginx-light urlwatch python3-html2text time curl poppler-utils)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
bash scripts/dev.sh deps
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPREFWATCH_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target prefwatch parse_bench >/dev/null
PW=$ROOT/build-bench/prefwatch
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT+changes"

OUT=$(mktemp -d /tmp/prefwatch-bench.XXXXXX)
chmod 755 "$OUT"   # nginx workers run as nobody
PORT=${BENCH_PORT:-18473}   # another port when one bench already runs
NGINX_PID=
FR_PID=
cleanup() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	[ -n "$FR_PID" ] && kill "$FR_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$OUT"
}
trap cleanup EXIT

start_nginx() {
	mkdir -p "$OUT/nginx"
	: >"$OUT/nginx/access.log"
	chmod 666 "$OUT/nginx/access.log"
	cat >"$OUT/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log;
events { worker_connections 256; }
http {
  log_format st '\$status';
  access_log $OUT/nginx/access.log st;
  types { text/html html; application/pdf pdf; }
  default_type text/html;
  charset utf-8;
  keepalive_requests 100000;
  client_body_temp_path $OUT/nginx; proxy_temp_path $OUT/nginx; fastcgi_temp_path $OUT/nginx;
  uwsgi_temp_path $OUT/nginx; scgi_temp_path $OUT/nginx;
  server {
    listen 127.0.0.1:$PORT; root $OUT/site; etag on;
    # documents served without validators: no ETag, no Last-Modified
    location /d/n/ { etag off; if_modified_since off; add_header Last-Modified ""; }
  }
}
CONF
	nginx -c "$OUT/nginx/nginx.conf" -e "$OUT/nginx/error.log" &
	NGINX_PID=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && kill -0 "$NGINX_PID" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: nginx did not start on 127.0.0.1:$PORT (port taken?)" >&2
	exit 1
}

# measure LABEL CMD... -> "wall cpu rss_kb"
measure() {
	local label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err" || true
	# time(1) prepends "Command exited with non-zero status N" when it did
	read -r wall user sys rss < <(tail -n 1 "$OUT/time.txt")
	if grep -q "non-zero status" "$OUT/time.txt" && ! grep -q "status 1$" "$OUT/time.txt"; then
		echo "($label: $(head -n 1 "$OUT/time.txt"); stderr: $(head -c 300 "$OUT/$label.err"))" >&2
	fi
	echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $rss"
}

# requests nginx served since the last call (its access log, one status a line)
served() { local n; n=$(wc -l <"$OUT/nginx/access.log"); : >"$OUT/nginx/access.log"; echo "$n"; }

row() { # tool night N urls wall cpu rss changed
	printf "| %-14s | %-15s | %6d | %6d | %7.1f | %7.1f | %8.3f | %8.3f | %7.1f | %7s |\n" \
		"$1" "$2" "$3" "$4" "$5" "$6" "$(awk -v c="$6" -v n="$3" 'BEGIN{print c*1000/n}')" \
		"$(awk -v c="$6" -v n="$4" 'BEGIN{print n ? c*1000/n : 0}')" \
		"$(awk -v r="$7" 'BEGIN{print r/1024}')" "$8"
	echo "$1|$2|$3|$4|$5|$6|$7|$8" >>"$OUT/rows"
}
get() { # tool night N field(1-8)
	awk -F'|' -v t="$1" -v g="$2" -v n="$3" -v f="$4" '$1==t && $2==g && $3==n {print $f}' "$OUT/rows"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "?" }'; }

: >"$OUT/rows"
start_nginx
echo "prefwatch bench on commit $COMMIT, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "## Part 1: pages that link documents"
echo
echo "| tool           | night           |      N |   URLs | wall s  | CPU s   | ms/page  | ms/URL   | RSS MiB | changed |"
echo "|----------------|-----------------|--------|--------|---------|---------|----------|----------|---------|---------|"
for N in "${SIZES[@]}"; do
	rm -rf "$OUT/site" "$OUT/db" "$OUT/uw"; mkdir -p "$OUT/site" "$OUT/uw"
	# watchlist: one office per page, 1000 offices per file (a watchlist
	# file is an editor's file: the reader caps its size and node count)
	rm -f "$OUT"/watchlist-*.yaml
	WL_ARGS=()
	for ((i = 0; i < N; i++)); do
		f=$(printf '%s/watchlist-%03d.yaml' "$OUT" $((i / 1000)))
		if [ $((i % 1000)) -eq 0 ]; then
			echo "offices:" >"$f"
			WL_ARGS+=(--watchlist "$f")
		fi
		printf -- '- id: o%d\n  region: Bench\n  departement: "02"\n  departement_name: Bench\n  name: Bureau %d\n  kind: prefecture\n  pages:\n  - url: http://127.0.0.1:%d/p%d.html\n' "$i" "$i" "$PORT" "$i" >>"$f"
	done
	{
		for ((i = 0; i < N; i++)); do
			printf -- '---\nname: p%d\nurl: http://127.0.0.1:%d/p%d.html\nfilter:\n  - xpath: //main\n  - html2text\n' "$i" "$PORT" "$i"
		done
	} >"$OUT/uw/urls.yaml"
	printf 'display:\n  new: true\n  error: true\n  unchanged: false\nreport:\n  text:\n    details: true\n  stdout:\n    enabled: true\n    color: false\n' >"$OUT/uw/config.yaml"
	# the fetch floor: curl fetching every URL a night asks for
	{
		for ((i = 0; i < N; i++)); do
			printf 'url = "http://127.0.0.1:%d/p%d.html"\noutput = "/dev/null"\n' "$PORT" "$i"
			printf 'url = "http://127.0.0.1:%d/d/e/%d.pdf"\noutput = "/dev/null"\n' "$PORT" "$i"
			printf 'url = "http://127.0.0.1:%d/d/n/%d.pdf"\noutput = "/dev/null"\n' "$PORT" "$i"
			[ $((i % 10)) -ne 0 ] || printf 'url = "http://127.0.0.1:%d/d/x/%d.pdf"\noutput = "/dev/null"\n' "$PORT" "$i"
		done
	} >"$OUT/curl.cfg"

	label=("" "first run" "nothing changed" "noisy + 10%")
	for night in 1 2 3; do
		python3 bench/gen_pages.py "$OUT/site" "$N" "$night" --docs
		served >/dev/null
		read -r wall cpu rss < <(measure "pw$night" "$PW" run "${WL_ARGS[@]}" --db "$OUT/db" \
			--host-delay 0 --jobs 8 --quiet --json "$OUT/pw$night.json")
		urls=$(served)
		changed=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run']['changed'])" "$OUT/pw$night.json" 2>/dev/null || echo "?")
		row prefwatch "${label[$night]}" "$N" "$urls" "$wall" "$cpu" "$rss" "$changed"
		if [ "$night" = 2 ]; then
			read -r wall cpu rss < <(measure "curl$night" curl --parallel --parallel-max 8 -s -K "$OUT/curl.cfg")
			row "curl --parallel" "fetch floor" "$N" "$(served)" "$wall" "$cpu" "$rss" "-"
		fi
		if [ -z "${SKIP_URLWATCH:-}" ]; then
			read -r wall cpu rss < <(measure "uw$night" urlwatch --urls "$OUT/uw/urls.yaml" --config "$OUT/uw/config.yaml" \
				--cache "$OUT/uw/cache.db")
			changed=$(grep -c '^CHANGED: ' "$OUT/uw$night.out" || true)
			row urlwatch "${label[$night]}" "$N" "$(served)" "$wall" "$cpu" "$rss" "$changed"
		fi
	done
	expected=$(grep -c . "$OUT/site/changed.txt" || true)
	read -r bare full pratio < <("$ROOT/build-bench/bench/parse_bench" "$OUT"/site/p*.html)
	echo "$N|$bare|$full|$pratio|$expected" >>"$OUT/parse"
done
echo
for N in "${SIZES[@]}"; do
	IFS='|' read -r _ bare full pratio expected < <(grep "^$N|" "$OUT/parse")
	q_url=$(awk -v c="$(get prefwatch "nothing changed" "$N" 6)" -v n="$(get prefwatch "nothing changed" "$N" 4)" 'BEGIN{print c/n}')
	f_url=$(awk -v c="$(get "curl --parallel" "fetch floor" "$N" 6)" -v n="$(get "curl --parallel" "fetch floor" "$N" 4)" 'BEGIN{print c/n}')
	noisy_page=$(awk -v c="$(get prefwatch "noisy + 10%" "$N" 6)" -v n="$N" 'BEGIN{print c*1000/n}')
	echo "- N=$N: pages really changed on night 3: $expected; bare libxml2 parse $bare ms/page;" \
		"prefwatch extraction $full ms/page = ${pratio}x the bare parse"
	echo "  - quiet night: $(ratio "$q_url" "$f_url")x curl's fetch floor per URL;" \
		"noisy night: $(ratio "$noisy_page" "$bare")x the bare parse per page"
	if [ -z "${SKIP_URLWATCH:-}" ]; then
		for g in "first run" "nothing changed" "noisy + 10%"; do
			printf '  - %s: urlwatch / prefwatch CPU = %sx\n' "$g" \
				"$(ratio "$(get urlwatch "$g" "$N" 6)" "$(get prefwatch "$g" "$N" 6)")"
		done
	fi
done
if [ ${#SIZES[@]} -ge 2 ]; then
	a=${SIZES[0]} b=${SIZES[${#SIZES[@]} - 1]}
	for g in "first run" "nothing changed" "noisy + 10%"; do
		printf -- '- peak RSS, %s: %s MiB at %d, %s MiB at %d: %sx\n' "$g" \
			"$(awk -v r="$(get prefwatch "$g" "$a" 7)" 'BEGIN{printf "%.1f", r/1024}')" "$a" \
			"$(awk -v r="$(get prefwatch "$g" "$b" 7)" 'BEGIN{printf "%.1f", r/1024}')" "$b" \
			"$(ratio "$(get prefwatch "$g" "$b" 7)" "$(get prefwatch "$g" "$a" 7)")"
	done
fi

# ---- part 2: a whole-France night ----
# france HOSTS PAGES DOCS DELAY_MS LABEL: two nights (first, quiet), each
# row: wall time beside the politeness bound computed from the server's log
france() {
	local hosts=$1 pages=$2 docs=$3 delay=$4 tag=$5
	local d="$OUT/fr-$tag"
	rm -rf "$d"; mkdir -p "$d"
	python3 bench/france_httpd.py --hosts "$hosts" --pages "$pages" --docs "$docs" --out "$d" &
	FR_PID=$!
	for _ in $(seq 300); do [ -f "$d/ports.json" ] && break; sleep 0.1; done
	python3 - "$d" "$hosts" "$pages" <<'PY'
import json, sys
d, hosts, pages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ports = json.load(open(d + "/ports.json"))
with open(d + "/watchlist.yaml", "w") as f:
    f.write("defaults:\n  resolve:\n")
    for h, p in sorted(ports.items()):
        f.write("    - '%s:%d:127.0.0.1'\n" % (h, p))
    f.write("offices:\n")
    for i in range(pages):
        h = "h%03d.bench.test" % (i % hosts)
        f.write('- id: o%d\n  region: Bench\n  departement: "02"\n  departement_name: Bench\n'
                '  name: Bureau %d\n  kind: prefecture\n  pages:\n  - url: http://%s:%d/p%d.html\n'
                '    max_documents: 100\n' % (i, i, h, ports[h], i))
PY
	for night in 1 2; do
		read -r wall cpu rss < <(measure "fr$tag$night" "$PW" run --watchlist "$d/watchlist.yaml" \
			--db "$d/db" --host-delay "$delay" --jobs "$FR_JOBS" --quiet --json "$d/n$night.json")
		kill -USR1 "$FR_PID"; sleep 0.3
		python3 - "$d/log.json" "$delay" "$wall" "$cpu" "$rss" "$hosts" "$pages" "$docs" \
			"$([ "$night" = 1 ] && echo "first run" || echo "nothing changed")" <<'PY' | tee -a "$OUT/france"
import json, sys
log = json.load(open(sys.argv[1]))
delay = float(sys.argv[2]) / 1000
wall, cpu, rss = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
hosts, pages, docs, night = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
n, resp = max(log.values(), key=lambda v: v[0] * delay + v[1])
bound = n * delay + resp
total = sum(v[0] for v in log.values())
print("| %5s | %5s | %5s | %7.2f | %-15s | %6d | %4d | %7.1f | %7.1f | %5.2f | %6.1f | %5.1f |" % (
    hosts, pages, docs, delay, night, total, n, bound, wall, wall / bound, cpu, rss / 1024))
PY
	done
	kill "$FR_PID"; wait "$FR_PID" 2>/dev/null || true; FR_PID=
}
[ -z "${SKIP_FRANCE:-}" ] || exit 0
FR_JOBS=64
echo
echo "## Part 2: a whole-France night (--jobs $FR_JOBS; bound = busiest host's requests x delay + its response times)"
echo
echo "| hosts | pages |  docs | delay s | night         |   URLs | busiest | bound s | wall s | wall/bound | CPU s | RSS MiB |"
echo "|-------|-------|-------|---------|---------------|--------|---------|---------|--------|------------|-------|---------|"
if [ -n "$QUICK" ]; then
	france 100 400 3000 250 q
	france 25 100 750 250 s
else
	france 100 400 3000 1000 full
	france 25 100 750 500 s1
	france 50 200 1500 250 s2
fi
echo
echo "Model (the national corpus, 400 pages, 3,000 documents: 3,400 requests; each host's response time 175 ms on average):"
echo "the bound is requests/hosts x (delay + 0.175 s) for the busiest host (the host delay runs start to start, so a night may end sooner)"
echo
python3 - <<'PY'
req = 3400
print("| hosts | " + " | ".join("delay %.1f s" % d for d in (0.5, 1, 2, 5)) + " |")
print("|-------|" + "|".join("-------------" for _ in range(4)) + "|")
for h in (25, 50, 100, 200, 400):
    per = -(-req // h)
    print("| %5d | " % h + " | ".join("%8.0f s" % (per * (d + 0.175)) for d in (0.5, 1, 2, 5)) + " |")
PY
