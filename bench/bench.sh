#!/usr/bin/env bash
# bench.sh - how prefwatch compares with urlwatch and a bare libxml2 parse.
#
#   bench/bench.sh [N...]        (default: 1000 10000)
#   SKIP_URLWATCH=1 bench/bench.sh 10000   (prefwatch only, for quick checks)
#
# For each N: generates N state-site-like pages (60-120 KB, heavy chrome, the
# procedure in <main>), serves them from nginx on 127.0.0.1, and runs three
# nights with `prefwatch run --host-delay 0`: the first run; a night where
# nothing changed; a night where every page's chrome changed and 10% of the
# procedures really changed. It prints wall time, CPU seconds, CPU ms per
# page, peak RSS and the number of pages reported changed. urlwatch (xpath
# on <main>, then html2text) runs the same three nights on the same pages,
# and parse_bench gives the bare libxml2 parse and our whole extraction of
# the same pages. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000)

need=(nginx-light urlwatch python3-html2text time)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
bash scripts/dev.sh deps
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPREFWATCH_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target prefwatch parse_bench >/dev/null
PW=$ROOT/build-bench/prefwatch

OUT=$(mktemp -d /tmp/prefwatch-bench.XXXXXX)
chmod 755 "$OUT"   # nginx workers run as nobody
PORT=18473
NGINX_PID=
cleanup() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$OUT"; }
trap cleanup EXIT

start_nginx() {
	mkdir -p "$OUT/nginx"
	cat >"$OUT/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off;
  types { text/html html; }
  default_type text/html;
  charset utf-8;
  keepalive_requests 100000;
  client_body_temp_path $OUT/nginx; proxy_temp_path $OUT/nginx; fastcgi_temp_path $OUT/nginx;
  uwsgi_temp_path $OUT/nginx; scgi_temp_path $OUT/nginx;
  server { listen 127.0.0.1:$PORT; root $OUT/site; etag on; }
}
CONF
	nginx -c "$OUT/nginx/nginx.conf" -e "$OUT/nginx/error.log" &
	NGINX_PID=$!
	sleep 0.5
}

# measure LABEL CMD... -> "wall cpu rss_kb" appended to $OUT/times
measure() {
	local label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err" || true
	# time(1) prepends "Command exited with non-zero status N" when it did
	read -r wall user sys rss < <(tail -n 1 "$OUT/time.txt")
	if grep -q "non-zero status" "$OUT/time.txt"; then
		echo "($label: $(head -n 1 "$OUT/time.txt"); stderr: $(head -c 300 "$OUT/$label.err"))" >&2
	fi
	echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $rss"
}

row() { # tool night N wall cpu rss changed
	printf "| %-9s | %-14s | %6d | %7.1f | %7.1f | %8.2f | %7.1f | %7s |\n" \
		"$1" "$2" "$3" "$4" "$5" "$(awk -v c="$5" -v n="$3" 'BEGIN{print c*1000/n}')" \
		"$(awk -v r="$6" 'BEGIN{print r/1024}')" "$7"
}

start_nginx
echo
echo "| tool      | night          |      N | wall s  | CPU s   | CPU ms/p | RSS MiB | changed |"
echo "|-----------|----------------|--------|---------|---------|----------|---------|---------|"
for N in "${SIZES[@]}"; do
	rm -rf "$OUT/site" "$OUT/db" "$OUT/uw"; mkdir -p "$OUT/site" "$OUT/uw"
	python3 bench/gen_pages.py "$OUT/site" "$N" 1
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

	for night in 1 2 3; do
		python3 bench/gen_pages.py "$OUT/site" "$N" "$night"
		label=("" "first run" "nothing changed" "noisy + 10%")
		read -r wall cpu rss < <(measure "pw$night" "$PW" run "${WL_ARGS[@]}" --db "$OUT/db" \
			--host-delay 0 --jobs 8 --quiet --json "$OUT/pw$night.json")
		changed=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run']['changed'])" "$OUT/pw$night.json" 2>/dev/null || echo "?")
		row prefwatch "${label[$night]}" "$N" "$wall" "$cpu" "$rss" "$changed"
		if [ -z "${SKIP_URLWATCH:-}" ]; then
			read -r wall cpu rss < <(measure "uw$night" urlwatch --urls "$OUT/uw/urls.yaml" --config "$OUT/uw/config.yaml" \
				--cache "$OUT/uw/cache.db")
			changed=$(grep -c '^CHANGED: ' "$OUT/uw$night.out" || true)
			row urlwatch "${label[$night]}" "$N" "$wall" "$cpu" "$rss" "$changed"
		fi
	done
	expected=$(grep -c . "$OUT/site/changed.txt" || true)
	read -r bare full ratio < <("$ROOT/build-bench/bench/parse_bench" "$OUT"/site/p*.html)
	echo "| (N=$N: pages really changed on night 3: $expected; bare libxml2 parse ${bare} ms/page; prefwatch extraction ${full} ms/page = ${ratio}x the bare parse)"
done
