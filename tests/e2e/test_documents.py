"""Linked documents: PDFs a procedure page links are watched like pages.

Real PDFs, set with groff (Debian's groff package, -Tpdf) in the sandbox
and served by the loopback test server; hostile ones (corrupt, truncated,
a decompression bomb of drawn text, deeply nested arrays, 50 MB) written
here byte by byte. Through the real binary:

  changes   - a longer list of pieces is reported with the added line in
              the diff; the same words exported again (another font, another
              creation date: other bytes) are not; a new link is picked up
              and snapshotted; a removed link is reported once and its
              history kept; a link to another site is not followed;
  formats   - ODT and DOCX through odt2txt/docx2txt, a .doc and a PDF
              without text layer tracked by the hash of their bytes;
  hostile   - each bad file ends in a named failure within the converter's
              limits while the rest of the run goes on;
  quiet     - a quiet night costs no conversion: a document served with
              ETag and Last-Modified is asked for with If-None-Match and
              If-Modified-Since and its 304 is not converted, the same bytes
              without validators are recognised by their hash, a 404 that
              stays a 404 is one fetch; every fetch is recorded, the
              documents' office follows its page when the links did not
              change, and the same file linked by two offices is
              converted once.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
import zlib

import pw
from pw import check, check_eq

LISTE_V1 = ["Liste des pièces – AES",
            "Passeport en cours de validité.",
            "Justificatif de domicile de moins de 3 mois."]
LISTE_V2 = LISTE_V1 + ["Trois bulletins de salaire."]


def groff_pdf(lines, path, family="T", epoch=1700000000):
    """A PDF of these paragraphs, set by groff; family T (Times) or H
    (Helvetica); the creation date from epoch."""
    src = ".fam %s\n.TL\n%s\n" % (family, lines[0]) + "".join(".PP\n%s\n" % l for l in lines[1:])
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    out = subprocess.run(["groff", "-ms", "-Tpdf", "-k"], input=src.encode("utf-8"),
                         capture_output=True, env=env, check=True).stdout
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)
    return out


def raw_pdf(content, box="0 0 595 842"):
    """A one-page PDF drawing `content` (deflated), with a correct xref."""
    body = zlib.compress(content, 9)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            ("<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Resources << /Font << /F1 5 0 R >> >>"
             " /Contents 4 0 R >>" % box).encode(),
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def docs_of(report, page_id):
    for p in report["pages"]:
        if p["id"] == page_id:
            return {d["url"].rsplit("/", 1)[-1]: d for d in p.get("documents", [])}
    return {}


def link(href, text):
    return '<li><a href="%s">%s</a></li>' % (href, text)


def aes_page(links):
    body = ("<p>La demande d'admission exceptionnelle au séjour est déposée par voie postale "
            "à la préfecture de l'Aisne, 2 rue Paul Doumer 02000 Laon.</p>"
            "<h2>Documents</h2><ul>%s</ul>" % "".join(links))
    return pw.page("Admission exceptionnelle au séjour", body)


def scenario_changes(binary):
    s = pw.Scenario(binary, "documents")
    try:
        s.start_server()
        liste = os.path.join(s.site, "docs", "liste-pieces-aes.pdf")
        form = os.path.join(s.site, "docs", "formulaire.pdf")
        notice = os.path.join(s.site, "docs", "notice.pdf")
        groff_pdf(LISTE_V1, liste)
        groff_pdf(["Formulaire de demande", "Nom :", "Prénom :"], form)
        groff_pdf(["Notice explicative", "Remplir le formulaire en majuscules."], notice)
        base = [link("/docs/liste-pieces-aes.pdf", "Liste des pièces – AES"),
                link("/docs/formulaire.pdf", "Formulaire de demande"),
                link("https://www.service-public.fr/autre.pdf", "Ailleurs")]
        s.put("/aes.html", aes_page(base))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/aes.html")}]}])

        # night 1: the page and its two documents are the baseline
        p, r = s.run()
        check_eq(p.returncode, 0, "night 1 exit status (stderr: %s)" % p.stderr)
        d = docs_of(r, "02-laon")
        check_eq(sorted(d), ["formulaire.pdf", "liste-pieces-aes.pdf"], "night 1 documents")
        check_eq(d.get("liste-pieces-aes.pdf", {}).get("status"), "new", "night 1 liste status")
        check_eq(d.get("liste-pieces-aes.pdf", {}).get("title"), "Liste des pièces – AES",
                 "title is the link text")
        check_eq(d.get("liste-pieces-aes.pdf", {}).get("type"), "PDF", "type")
        check("Document lié, enregistré : « Liste des pièces – AES » (PDF)" in p.stdout,
              "night 1: the new page lists its documents\n" + p.stdout)
        check(not any("autre.pdf" in q["path"] for q in s.requests()),
              "a document on another site is not fetched")
        texts = s.sql("SELECT s.text FROM snapshots s JOIN pages p ON p.id = s.page_id"
                      " WHERE p.parent_page = '02-laon' AND p.url LIKE '%liste%'")
        check(len(texts) == 1 and "Justificatif de domicile de moins de 3 mois." in texts[0][0],
              "the list's text is stored: %r" % texts)

        # night 2: a longer list at the same URL
        groff_pdf(LISTE_V2, liste, epoch=1700086400)
        p, r = s.run()
        check_eq(p.returncode, 0, "night 2 exit status (stderr: %s)" % p.stderr)
        d = docs_of(r, "02-laon")
        li = d.get("liste-pieces-aes.pdf", {})
        check_eq(li.get("status"), "changed", "night 2: the list changed")
        check("+Trois bulletins de salaire." in ((li.get("change") or {}).get("diff") or ""),
              "night 2: the added line is in the diff: %r" % li.get("change"))
        check_eq(d.get("formulaire.pdf", {}).get("status"), "unchanged", "night 2: form unchanged")
        check_eq(r["pages"][0]["status"], "unchanged", "night 2: the page itself is unchanged")
        check_eq(r["run"].get("documents", {}).get("changed"), 1, "night 2: run.documents.changed")
        check("Document modifié : « Liste des pièces – AES » (PDF)" in p.stdout,
              "night 2: the change alone is news (stdout):\n" + p.stdout)
        check("{+Trois bulletins de salaire.+}" in p.stdout, "night 2: the diff in the text report")
        n_fetch = sum(1 for q in s.requests() if q["path"] == "/docs/liste-pieces-aes.pdf")
        check_eq(n_fetch, 3, "the changed document was fetched twice that night (confirmation)")

        # the stored change reads as a document of its page in `report --pending`
        pend = os.path.join(s.dir, "pending.json")
        rp = s.prefwatch("report", "--pending", "--json", pend, "--db", s.db)
        check_eq(rp.returncode, 0, "report --pending exit: " + rp.stderr)
        with open(pend) as f:
            pr = json.load(f)
        pd = docs_of(pr, "02-laon")
        check_eq(pd.get("liste-pieces-aes.pdf", {}).get("status"), "changed",
                 "report --pending: the document's change under its page: %r" % pr["pages"])
        check_eq(pd.get("liste-pieces-aes.pdf", {}).get("title"), "Liste des pièces – AES",
                 "report --pending: the document keeps its title")

        # night 3: same words, other bytes (Helvetica, another creation date)
        before = open(liste, "rb").read()
        after = groff_pdf(LISTE_V2, liste, family="H", epoch=1700172800)
        check(before != after, "the re-export has other bytes")
        p, r = s.run()
        check_eq(p.returncode, 0, "night 3 exit status")
        d = docs_of(r, "02-laon")
        check_eq(d.get("liste-pieces-aes.pdf", {}).get("status"), "unchanged",
                 "night 3: a re-export with the same words is not a change")
        check_eq(p.stdout, "", "night 3: nothing to report")
        check_eq(s.sql("SELECT count(*) FROM changes")[0][0], 1, "night 3: still one change")

        # night 4: the page starts linking a notice
        s.put("/aes.html", aes_page(base + [link("/docs/notice.pdf", "Notice explicative")]))
        p, r = s.run()
        d = docs_of(r, "02-laon")
        check_eq(d.get("notice.pdf", {}).get("status"), "new", "night 4: a new link is picked up")
        check("Nouveau document lié : « Notice explicative » (PDF)" in p.stdout,
              "night 4: reported as a new document:\n" + p.stdout)
        check_eq(len(s.sql("SELECT s.id FROM snapshots s JOIN pages p ON p.id = s.page_id"
                           " WHERE p.url LIKE '%notice.pdf'")), 1, "night 4: the notice is snapshotted")

        # night 5: the form disappears from the page
        s.put("/aes.html", aes_page([base[0], link("/docs/notice.pdf", "Notice explicative")]))
        p, r = s.run()
        d = docs_of(r, "02-laon")
        check_eq(d.get("formulaire.pdf", {}).get("status"), "removed", "night 5: removed link")
        check("Document retiré de la page : « Formulaire de demande » (PDF)" in p.stdout,
              "night 5: reported as removed:\n" + p.stdout)

        # night 6: said once only; its history is kept
        p, r = s.run()
        d = docs_of(r, "02-laon")
        check("formulaire.pdf" not in d, "night 6: a removed link is reported once")
        check_eq(p.stdout, "", "night 6: nothing to report")
        rows = s.sql("SELECT active, doc_unlinked_at IS NOT NULL,"
                     " (SELECT count(*) FROM snapshots WHERE page_id = pages.id),"
                     " (SELECT count(*) FROM fetches WHERE page_id = pages.id)"
                     " FROM pages WHERE url LIKE '%formulaire.pdf'")
        check_eq(rows, [(0, 1, 1, 4)], "the removed document keeps its history")
        check_eq(s.sql("PRAGMA user_version")[0][0], 7, "schema version")
    finally:
        s.close()


def scenario_hostile(binary):
    s = pw.Scenario(binary, "documents-hostile")
    try:
        s.start_server()
        d = os.path.join(s.site, "docs")
        groff_pdf(LISTE_V1, os.path.join(d, "bon.pdf"))
        good = open(os.path.join(d, "bon.pdf"), "rb").read()
        write(os.path.join(d, "tronque.pdf"), good[: len(good) // 2])
        write(os.path.join(d, "corrompu.pdf"),
              b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\nstartxref\n999999\n%%EOF\n")
        # 3 million lines of drawn text (120 MB) from a small deflated stream
        lines = b"(Ligne de la bombe de texte, encore) Tj T*\n" * 3000000
        bomb = raw_pdf(b"BT /F1 10 Tf 12 TL 0 36000000 Td\n" + lines + b"ET\n",
                       box="0 0 600 36000000")
        del lines
        write(os.path.join(d, "bombe.pdf"), bomb)
        write(os.path.join(d, "imbrique.pdf"),
              raw_pdf(b"BT /F1 12 Tf 72 700 Td " + b"[" * 300000 + b"]" * 300000 + b" (Bonjour) Tj ET"))
        with open(os.path.join(d, "enorme.pdf"), "wb") as f:
            f.write(b"%PDF-1.4\n")
            chunk = os.urandom(1 << 20)
            for _ in range(50):
                f.write(chunk)
            f.write(b"\n%%EOF\n")
        names = ["bon", "tronque", "corrompu", "bombe", "imbrique", "enorme"]
        s.put("/aes.html", aes_page([link("/docs/%s.pdf" % n, "Document %s" % n) for n in names]))
        s.put("/autre.html", aes_page([]))
        s.write_watchlist([
            {"id": "02-soissons", "name": "Sous-préfecture de Soissons", "kind": "sous-prefecture",
             "pages": [{"url": s.url("/aes.html")}]},
            {"id": "02-vervins", "name": "Sous-préfecture de Vervins", "kind": "sous-prefecture",
             "pages": [{"url": s.url("/autre.html")}]}])

        tmp = os.path.join(s.dir, "tmp")
        os.makedirs(tmp)
        out = os.path.join(s.dir, "hostile.json")
        t0 = time.monotonic()
        p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--json", out,
                        "--host-delay", "0", "--verbose", env={"TMPDIR": tmp})
        took = time.monotonic() - t0
        r = json.load(open(out)) if os.path.exists(out) else None
        print("bomb: %d bytes" % len(bomb))
        check(r is not None, "a report is written (stderr: %s)" % p.stderr[-2000:])
        if r is None:
            return
        check_eq(p.returncode, 0, "exit status: the pages themselves were read")
        statuses = {pg["id"]: pg["status"] for pg in r["pages"]}
        check_eq(statuses, {"02-soissons": "new", "02-vervins": "new"}, "both pages done")
        docs = docs_of(r, "02-soissons")
        want = {"bon.pdf": (None, "new"), "tronque.pdf": ("bad_content", "failed"),
                "corrompu.pdf": ("bad_content", "failed"), "bombe.pdf": ("too_large", "failed"),
                "enorme.pdf": ("too_large", "failed")}
        for name, (failure, status) in want.items():
            got = docs.get(name, {})
            check_eq((got.get("failure"), got.get("status")), (failure, status), name)
            if got.get("error"):
                print("%s: %s" % (name, got["error"]))
        check("imbrique.pdf" in docs, "deeply nested arrays: decided (%r)" % docs.get("imbrique.pdf"))
        print("imbrique.pdf: %s %s" % (docs.get("imbrique.pdf", {}).get("status"),
                                       docs.get("imbrique.pdf", {}).get("error")))
        check("after" in (docs.get("bombe.pdf", {}).get("error") or ""), "the bomb's time is named")
        check(took < 60, "the run stays within the limits: %.1f s" % took)
        print("hostile run: %.1f s" % took)
        for l in p.stderr.splitlines():
            if "document" in l and ("failed" in l or "text in" in l):
                print("  " + l)
        check("Document inaccessible : « Document bombe » (PDF) — document trop volumineux"
              in p.stdout, "the bomb is reported in French:\n" + p.stdout)
        check("Document inaccessible : « Document tronque » (PDF) — document illisible"
              in p.stdout, "the truncated file is reported in French")
        # nothing of the bomb was left behind by the converter
        left = os.listdir(tmp)
        check_eq(left, [], "no temporary file left")
    finally:
        s.close()


def odt(paragraphs, path):
    xml = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
           'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
           + "".join("<text:p>%s</text:p>" % p for p in paragraphs)
           + "</office:text></office:body></office:document-content>")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", xml)


def docx(paragraphs, path):
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document '
           'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           + "".join('<w:p><w:r><w:t>%s</w:t></w:r></w:p>' % p for p in paragraphs)
           + "</w:body></w:document>")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/word/document.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        z.writestr("word/document.xml", xml)


def scenario_formats(binary):
    """ODT and DOCX through their converters when installed, a .doc and a
    scanned PDF tracked by the hash of their bytes."""
    s = pw.Scenario(binary, "documents-formats")
    try:
        s.start_server()
        d = os.path.join(s.site, "docs")
        odt(["Liste des pièces", "Passeport"], os.path.join(d, "liste.odt"))
        docx(["Formulaire", "Nom et prénom"], os.path.join(d, "formulaire.docx"))
        write(os.path.join(d, "ancien.doc"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"v1")
        write(os.path.join(d, "scan.pdf"), raw_pdf(b"0 0 m 300 300 l S\n"))
        names = ["liste.odt", "formulaire.docx", "ancien.doc", "scan.pdf"]
        # eZ Publish's file links have no extension: the bytes tell
        groff_pdf(LISTE_V1, os.path.join(s.site, "ez", "liste"))
        s.route("/content/download/42/liste", {"file": "ez/liste", "content_type": "application/pdf"})
        s.put("/aes.html", aes_page([link("/docs/" + n, n) for n in names] +
                                    [link("/content/download/42/liste", "Liste (eZ)")]))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/aes.html")}]}])
        p, r = s.run()
        check_eq(p.returncode, 0, "formats: exit status (%s)" % p.stderr)
        docs = docs_of(r, "02-laon")
        check_eq({k: (v["type"], v["status"]) for k, v in docs.items()},
                 {"liste.odt": ("ODT", "new"), "formulaire.docx": ("DOCX", "new"),
                  "ancien.doc": ("DOC", "new"), "scan.pdf": ("PDF", "new"),
                  "liste": ("PDF", "new")}, "formats")
        check("sans texte" in (docs.get("scan.pdf", {}).get("note") or ""),
              "a PDF without text layer is noted: %r" % docs.get("scan.pdf"))
        check("DOC non converti" in (docs.get("ancien.doc", {}).get("note") or ""),
              "a .doc is tracked by hash: %r" % docs.get("ancien.doc"))
        texts = dict(s.sql("SELECT p.url, s.text FROM snapshots s JOIN pages p ON p.id = s.page_id"
                           " WHERE p.parent_page = '02-laon'"))
        by_name = {u.rsplit("/", 1)[-1]: t for u, t in texts.items()}
        for tool in ("odt2txt", "docx2txt"):
            if not shutil.which(tool):
                print("skipped: %s is not installed: its text checks did not run" % tool)
        if shutil.which("odt2txt"):
            check_eq(by_name.get("liste.odt"), "Liste des pièces\nPasseport", "ODT text")
        if shutil.which("docx2txt"):
            check("Nom et prénom" in (by_name.get("formulaire.docx") or ""),
                  "DOCX text: %r" % by_name.get("formulaire.docx"))

        # night 2: the ODT gets a line; the .doc's bytes change
        odt(["Liste des pièces", "Passeport", "Acte de naissance"], os.path.join(d, "liste.odt"))
        write(os.path.join(d, "ancien.doc"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"v2")
        p, r = s.run()
        docs = docs_of(r, "02-laon")
        check_eq(docs.get("ancien.doc", {}).get("status"), "changed", "a hash-tracked file changed")
        check_eq(docs.get("scan.pdf", {}).get("status"), "unchanged", "the scan did not")
        if shutil.which("odt2txt"):
            check("+Acte de naissance" in ((docs.get("liste.odt", {}).get("change") or {})
                                           .get("diff") or ""), "ODT diff: %r" % docs.get("liste.odt"))
    finally:
        s.close()


def scenario_quiet(binary):
    s = pw.Scenario(binary, "documents-quiet")
    try:
        s.start_server()
        groff_pdf(LISTE_V1, os.path.join(s.site, "docs", "liste.pdf"))
        groff_pdf(["Formulaire de demande", "Nom :"], os.path.join(s.site, "docs", "form.pdf"))
        # another office links the same file under another address
        shutil.copy(os.path.join(s.site, "docs", "liste.pdf"), os.path.join(s.site, "docs", "copie.pdf"))
        s.put("/aes2.html", aes_page([link("/docs/copie.pdf", "Liste des pièces")]))
        s.route("/docs/liste.pdf", {"file": "docs/liste.pdf", "content_type": "application/pdf",
                                    "etag": '"v1"', "last_modified": "Wed, 02 Dec 2026 10:00:00 GMT"})
        s.put("/aes.html", aes_page([link("/docs/liste.pdf", "Liste des pièces"),
                                     link("/docs/form.pdf", "Formulaire"),
                                     link("/docs/absent.pdf", "Notice")]))
        office = {"id": "02-laon", "name": "Préfecture de Laon",
                  "pages": [{"url": s.url("/aes.html")}]}
        other = {"id": "02-soissons", "name": "Sous-préfecture de Soissons",
                 "pages": [{"url": s.url("/aes2.html")}]}
        s.write_watchlist([office, other])
        p, r = s.run("--verbose")
        check_eq(p.returncode, 0, "night 1 exit status (stderr: %s)" % p.stderr)
        check_eq(docs_of(r, "02-soissons").get("copie.pdf", {}).get("status"), "new",
                 "night 1: the copy is a document of its page")
        check_eq(p.stderr.count("': converting "), 2,
                 "night 1: the same bytes under two addresses are converted once:\n" + p.stderr)
        copy_text = s.sql("SELECT s.text FROM snapshots s JOIN pages p ON p.id = s.page_id"
                          " WHERE p.url LIKE '%copie.pdf'")
        check(len(copy_text) == 1 and "Justificatif de domicile" in copy_text[0][0],
              "the copy's text is stored: %r" % copy_text)
        d = docs_of(r, "02-laon")
        check_eq({k: v.get("status") for k, v in d.items()},
                 {"liste.pdf": "new", "form.pdf": "new", "absent.pdf": "failed"}, "night 1 documents")
        check("'%s': converting" % s.url("/docs/liste.pdf") in p.stderr
              and "'%s': converting" % s.url("/docs/form.pdf") in p.stderr,
              "night 1: both PDFs converted:\n" + p.stderr)
        n1 = len(s.requests())

        p, r = s.run("--verbose")
        check_eq(p.returncode, 0, "night 2 exit status (stderr: %s)" % p.stderr)
        d = docs_of(r, "02-laon")
        check_eq({k: v.get("status") for k, v in d.items()},
                 {"liste.pdf": "unchanged", "form.pdf": "unchanged", "absent.pdf": "failed"},
                 "night 2 documents")
        night2 = s.requests()[n1:]
        liste = [q for q in night2 if q["path"] == "/docs/liste.pdf"]
        check_eq(len(liste), 1, "night 2: the list fetched once")
        check(liste and liste[0]["headers"].get("If-None-Match") == '"v1"'
              and liste[0]["headers"].get("If-Modified-Since") == "Wed, 02 Dec 2026 10:00:00 GMT",
              "night 2: a conditional request from the stored validators: %r" % liste)
        check_eq(sorted(q["path"] for q in night2),
                 ["/aes.html", "/aes2.html", "/docs/absent.pdf", "/docs/copie.pdf", "/docs/form.pdf",
                  "/docs/liste.pdf"],
                 "night 2: one request per URL, none repeated")
        check("converting" not in p.stderr,
              "night 2: a 304 and the same bytes cost no conversion:\n" + p.stderr)
        rows = s.sql("SELECT p.url, count(f.id) FROM pages p JOIN fetches f ON f.page_id = p.id"
                     " GROUP BY p.id ORDER BY p.url")
        check_eq([n for _, n in rows], [2] * 6, "every fetch of both nights recorded: %r" % rows)
        st = s.sql("SELECT http_status FROM fetches f JOIN pages p ON p.id = f.page_id"
                   " WHERE p.url LIKE '%liste.pdf' ORDER BY f.id")
        check_eq([x for (x,) in st], [200, 304], "the list's fetches")

        # the office is renamed, the links are the same
        office["name"] = "Préfecture de l'Aisne"
        s.write_watchlist([office, other])
        p, r = s.run()
        check_eq(p.returncode, 0, "night 3 exit status (stderr: %s)" % p.stderr)
        names = s.sql("SELECT DISTINCT office_name FROM pages"
                      " WHERE id = '02-laon' OR parent_page = '02-laon'")
        check_eq(names, [("Préfecture de l'Aisne",)], "the documents follow their page's office")
    finally:
        s.close()


def main(a):
    for tool in ("groff", "pdftotext"):
        if not shutil.which(tool):
            check(False, "%s is needed (scripts/dev.sh installs groff and poppler-utils)" % tool)
            return
    scenario_changes(a.bin)
    scenario_formats(a.bin)
    scenario_hostile(a.bin)
    scenario_quiet(a.bin)


if __name__ == "__main__":
    pw.main(main)
