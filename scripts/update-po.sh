#!/usr/bin/env bash
# update-po.sh - regenerate po/prefwatch.pot from the sources and merge it
# into every po/LANG.po (new messages come in untranslated, changed ones
# marked fuzzy: translate them, remove the fuzzy mark, and commit).
#
#   scripts/update-po.sh            update po/prefwatch.pot and po/*.po
#   scripts/update-po.sh --pot OUT  only write the template to OUT (the test
#                                   suite compares it with po/prefwatch.pot)
#
# Messages are marked in the code with _("...") and N_("...") (common/common.h).
# Locations name files without line numbers and entries are sorted by msgid,
# so that moving code does not touch the catalogues.
set -euo pipefail
cd "$(dirname "$0")/.."

pot=po/prefwatch.pot
only_pot=false
if [ "${1:-}" = --pot ]; then
	pot=${2:?usage: update-po.sh [--pot OUT]}
	only_pot=true
fi

# the modules' sources, in a stable order (tests, benchmarks and fuzzers
# print nothing a user reads)
# (a here-string, not a process substitution: /dev/fd needs /proc, which a
# bare chroot lacks)
mapfile -t sources <<<"$(find cli common crawler evidence guide judge mail reports store watchlist \
	-name '*.c' -print | LC_ALL=C sort)"

xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
	--add-comments=TRANSLATORS: --add-location=file --sort-output \
	--package-name=prefwatch --package-version="$(sed -n 's/^project(prefwatch VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)" \
	--msgid-bugs-address=" " \
	--output="$pot" "${sources[@]}"
# no creation date: regenerating an unchanged template changes nothing
sed -i '/^"POT-Creation-Date: /d' "$pot"

$only_pot && exit 0
for lang in $(grep -v '^#' po/LINGUAS); do
	msgmerge --quiet --update --backup=none --sort-output --add-location=file \
		"po/$lang.po" "$pot"
done
