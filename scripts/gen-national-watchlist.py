#!/usr/bin/python3
"""Generates the national watchlist, one YAML file per région, in watchlist/.

Inputs (nothing else is read):
  DATA_DIR/departements.json, arrondissements.json, communes.json,
  regions.json   the Etalab administrative division (npm package
                 @etalab/decoupage-administratif), fetched by
                 scripts/gen-national-watchlist.sh
  scripts/data/aes-pages-france.tsv   the AES pages found so far, per
                 département (a copy of the project's survey)
  scripts/data/aes-pages-review.tsv   our decision on each of those rows:
                 verified | unverified (a weak match, `verified: false`) |
                 skip (not an AES page, or already in a curated file), the
                 page id to keep (history is keyed on it) and a French
                 comment written above the page

Offices: every département of metropolitan France and the five DROM
(zone metro or drom: 01-95 with 2A/2B, 971-974, 976) gets its préfecture
(the département's chef-lieu) and a sous-préfecture per arrondissement
whose chef-lieu is another commune. Ids are the existing scheme: the
département code in lower case, '-', the slug of the chef-lieu commune.

Curated files win: a région listed in CURATED keeps its hand-written file
(hauts-de-france.yaml comes from a GISTI guide, with served_by and
handles_aes: false); it is not rewritten, only checked to hold exactly the
offices the Etalab data gives, so a new arrondissement is not missed.

An office with no known page gets `status: to_find` and `pages: []`.
"""
import csv
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CURATED = {"32": "hauts-de-france.yaml"}  # région code -> file kept by hand
# Ids already in use when the commune was renamed: an id never changes (a
# page's history is keyed on it), so the old one is kept.
KEEP_ID = {"62-montreuil-sur-mer": "62-montreuil"}
DEFAULT_IGNORE = r"Mis à jour le \d{1,2}/\d{1,2}/\d{4}"


def slug(text):
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = t.replace("œ", "oe").replace("æ", "ae")
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")


# INSEE "type de nom en clair" (typeLiaison): how "de" joins the name.
def of_name(name, tncc):
    if tncc == 1:
        return "d'" + name
    if tncc == 2:
        return "du " + re.sub(r"^Le ", "", name)
    if tncc == 3:
        return "de la " + re.sub(r"^La ", "", name)
    if tncc == 4:
        return "des " + re.sub(r"^Les ", "", name)
    if tncc == 5:
        return "de l'" + re.sub(r"^L'", "", name)
    return "de " + name


# A commune keeps its article, capitalised: "du Havre", "de La Flèche".
def of_commune(name, tncc):
    if tncc == 1:
        return "d'" + name
    if tncc == 2:
        return "du " + re.sub(r"^Le ", "", name)
    if tncc == 4:
        return "des " + re.sub(r"^Les ", "", name)
    return "de " + name


def q(s):
    """A YAML double-quoted scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plain_ok(s):
    return re.fullmatch(r"[A-Za-zÀ-ÿŒœ][A-Za-zÀ-ÿŒœ0-9 '’().,-]*", s) is not None and ": " not in s


def scalar(s):
    return s if plain_ok(s) else q(s)


def comment(text, indent):
    out, line = [], ""
    for w in text.split():
        if line and len(indent) + 2 + len(line) + 1 + len(w) > 78:
            out.append(indent + "# " + line)
            line = w
        else:
            line = (line + " " + w) if line else w
    if line:
        out.append(indent + "# " + line)
    return out


def load(data_dir, name):
    with open(os.path.join(data_dir, name), encoding="utf-8") as f:
        return json.load(f)


def offices_by_departement(data_dir):
    regions = {r["code"]: r for r in load(data_dir, "regions.json")}
    deps = [d for d in load(data_dir, "departements.json") if d.get("zone") in ("metro", "drom")]
    arrs = load(data_dir, "arrondissements.json")
    communes = {}
    for c in load(data_dir, "communes.json"):
        # a chef-lieu is a current commune; other kinds only as a fallback
        if c["code"] not in communes or c.get("type") == "commune-actuelle":
            communes[c["code"]] = c
    out = []
    for d in sorted(deps, key=lambda d: d["code"]):
        code = d["code"]
        region = regions[d["region"]]
        pref = communes[d["chefLieu"]]
        dep_of = of_name(d["nom"], d["typeLiaison"])
        name = "Préfecture " + dep_of
        if code == "75":
            name = "Préfecture de police de Paris"  # foreigners' services in Paris
        elif pref["nom"] != d["nom"]:
            name += " (" + pref["nom"] + ")"
        offices = [dict(id=code.lower() + "-" + slug(pref["nom"]), region=region["nom"],
                        region_code=region["code"], departement=code, departement_name=d["nom"],
                        name=name, kind="prefecture")]
        subs = []
        for a in arrs:
            if a["departement"] != code or a["chefLieu"] == d["chefLieu"]:
                continue
            c = communes[a["chefLieu"]]
            subs.append(dict(id=code.lower() + "-" + slug(c["nom"]), region=region["nom"],
                             region_code=region["code"], departement=code,
                             departement_name=d["nom"],
                             name="Sous-préfecture " + of_commune(c["nom"], c["typeLiaison"]),
                             kind="sous-prefecture"))
        for o in subs:
            o["id"] = KEEP_ID.get(o["id"], o["id"])
        offices[0]["id"] = KEEP_ID.get(offices[0]["id"], offices[0]["id"])
        offices += sorted(subs, key=lambda o: o["id"])
        out.append((d, region, offices))
    return out


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def curated_ids(path):
    with open(path, encoding="utf-8") as f:
        return {m.group(1) for m in re.finditer(r"^  - id: (\S+)", f.read(), re.M)}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-national-watchlist.py ETALAB_DATA_DIR")
    data_dir = sys.argv[1]
    version = "?"
    pkg = os.path.join(data_dir, "..", "package.json")
    if os.path.exists(pkg):
        with open(pkg, encoding="utf-8") as f:
            version = json.load(f).get("version", "?")
    survey = read_tsv(os.path.join(ROOT, "scripts/data/aes-pages-france.tsv"))
    review = {r["url"]: r for r in read_tsv(os.path.join(ROOT, "scripts/data/aes-pages-review.tsv"))}
    pages = {}  # département code -> [(page dict)]
    skipped = {}
    for row in survey:
        r = review.get(row["url"])
        if not r:
            sys.exit("scripts/data/aes-pages-review.tsv: no decision for '%s'" % row["url"])
        if r["decision"] not in ("verified", "unverified", "skip"):
            sys.exit("scripts/data/aes-pages-review.tsv: bad decision '%s'" % r["decision"])
        dep = row["departement_code"]
        if r["decision"] == "skip":
            skipped.setdefault(dep, []).append((row["url"], r["commentaire"]))
            continue
        pages.setdefault(dep, []).append(dict(url=row["url"], id=r["page_id"],
                                              verified=r["decision"] == "verified",
                                              comment=r["commentaire"]))
        # an online service named apart from the page is a page of its own
        svc = row.get("online_service_url") or ""
        if svc and svc != row["url"]:
            pages[dep].append(dict(url=svc, id="", verified=r["decision"] == "verified",
                                   comment="Service en ligne lié à la page ci-dessus."))

    by_region = {}
    for d, region, offices in offices_by_departement(data_dir):
        by_region.setdefault(region["code"], (region, []))[1].append((d, offices))

    status = 0
    written = []
    for rcode, (region, deps) in sorted(by_region.items(), key=lambda kv: slug(kv[1][0]["nom"])):
        if rcode in CURATED:
            path = os.path.join(ROOT, "watchlist", CURATED[rcode])
            want = {o["id"] for _, offs in deps for o in offs}
            have = curated_ids(path)
            if want != have:
                print("%s: curated file differs from the Etalab offices: missing %s, extra %s"
                      % (path, sorted(want - have), sorted(have - want)), file=sys.stderr)
                status = 1
            for d, _ in deps:
                if d["code"] in pages:
                    print("%s: survey pages for %s not added (curated file)" % (path, d["code"]),
                          file=sys.stderr)
            continue
        fname = slug(region["nom"]) + ".yaml"
        lines = [
            "# Liste de surveillance prefwatch : région " + region["nom"],
            "#",
            "# Fichier produit par scripts/gen-national-watchlist.sh : les administrations",
            "# viennent du découpage administratif d'Etalab (@etalab/decoupage-administratif",
            "# " + version + ", préfecture = chef-lieu du département, une sous-préfecture par",
            "# arrondissement) ; les pages, du relevé scripts/data/aes-pages-france.tsv",
            "# jugé dans scripts/data/aes-pages-review.tsv. Pour ajouter une page trouvée,",
            "# ajoutez-la à ces deux fichiers et relancez le script (sinon une modification",
            "# faite ici à la main serait perdue à la prochaine génération).",
            "#",
            "# status: to_find   aucune page connue : à trouver",
            "# verified: false   correspondance faible, à vérifier par un éditeur",
            "#",
            "# Le sens de chaque clé est expliqué en tête de hauts-de-france.yaml.",
            "# Vérifier :  prefwatch check FICHIER",
            "",
            "defaults:",
            "  ignore:",
            "    # « Mis à jour le 02/02/2023 » en pied des pages des sites gouv.fr",
            "    - '" + DEFAULT_IGNORE + "'",
            "",
            "offices:",
        ]
        for d, offices in deps:
            lines += ["", "  # " + "-" * 66,
                      "  # %s (%s)" % (d["nom"], d["code"]),
                      "  # " + "-" * 66]
            for url, why in skipped.get(d["code"], []):
                lines += comment("Page du relevé écartée : %s (%s)" % (url, why), "  ")
            for i, o in enumerate(offices):
                lines += ["", "  - id: " + o["id"],
                          "    region: " + scalar(o["region"]),
                          "    departement: " + q(o["departement"]),
                          "    departement_name: " + scalar(o["departement_name"]),
                          "    name: " + scalar(o["name"]),
                          "    kind: " + o["kind"]]
                ps = pages.get(d["code"], []) if i == 0 else []
                if not ps:
                    lines += ["    status: to_find", "    pages: []"]
                    continue
                lines.append("    pages:")
                for j, p in enumerate(ps):
                    lines += comment(p["comment"], "      ")
                    lines.append("      - url: " + p["url"])
                    pid = p["id"] or (o["id"] if len(ps) == 1 else "%s-%d" % (o["id"], j + 1))
                    if len(ps) > 1 or p["id"]:
                        lines.append("        id: " + pid)
                    if not p["verified"]:
                        lines.append("        verified: false")
        path = os.path.join(ROOT, "watchlist", fname)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        written.append(fname)
    for name in written:
        print("wrote watchlist/" + name)
    sys.exit(status)


if __name__ == "__main__":
    main()
