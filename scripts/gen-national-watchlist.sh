#!/usr/bin/env bash
# gen-national-watchlist.sh - regenerates the national watchlist
# (watchlist/<région>.yaml, every préfecture and sous-préfecture of France)
# from Etalab's administrative division, the npm package
# @etalab/decoupage-administratif. Run it when that data changes (a new
# arrondissement, a renamed commune) or when scripts/data/ gains a page;
# commit the YAML it writes. prefwatch itself never needs npm.
#
#   scripts/gen-national-watchlist.sh [VERSION]   (default: the version below)
#
# The package is installed into a temporary directory, removed on exit;
# nothing is written outside watchlist/. Needs npm and /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${1:-6.0.0}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prefwatch-etalab.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

command -v npm >/dev/null || { echo "gen-national-watchlist: npm is needed (apt-get install npm)" >&2; exit 2; }
npm install --prefix "$tmp" --no-save --no-audit --no-fund --silent \
	"@etalab/decoupage-administratif@$VERSION" >&2
/usr/bin/python3 scripts/gen-national-watchlist.py "$tmp/node_modules/@etalab/decoupage-administratif/data"
