/*
 * test_document.c - crawler/document.c without the network.
 *
 * The PDFs are written here by hand (one page, one text line per Tj), so
 * that the test needs nothing but pdftotext; without it the conversion
 * cases check the hash-only path instead.
 */
#include "common/common.h"
#include "crawler/crawler.h"
#include "tests/common/test.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static bool have_pdftotext(void)
{
	return access("/usr/bin/pdftotext", X_OK) == 0 || access("/bin/pdftotext", X_OK) == 0 ||
	       access("/usr/local/bin/pdftotext", X_OK) == 0;
}

/* A one-page PDF drawing `content` (a content stream, optionally deflated),
 * with a correct xref table. Owned. */
static char *make_pdf(const char *content, size_t clen, bool deflate, const char *box,
		      size_t *out_len)
{
	struct buf b;
	size_t off[6];
	unsigned char *z = NULL;
	uLongf zlen = 0;
	buf_init(&b, 0);
	if (deflate) {
		zlen = compressBound((uLong)clen);
		z = xmalloc(zlen);
		compress2(z, &zlen, (const Bytef *)content, (uLong)clen, 9);
	}
	buf_addstr(&b, "%PDF-1.4\n");
	off[1] = b.len;
	buf_addstr(&b, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
	off[2] = b.len;
	buf_addstr(&b, "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
	off[3] = b.len;
	buf_printf(&b, "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [%s] "
		       "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >> endobj\n", box ? box : "0 0 595 842");
	off[4] = b.len;
	if (deflate) {
		buf_printf(&b, "4 0 obj << /Length %lu /Filter /FlateDecode >> stream\n", (unsigned long)zlen);
		buf_add(&b, z, zlen);
	} else {
		buf_printf(&b, "4 0 obj << /Length %zu >> stream\n", clen);
		buf_add(&b, content, clen);
	}
	buf_addstr(&b, "\nendstream endobj\n");
	off[5] = b.len;
	buf_addstr(&b, "5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
		       "/Encoding /WinAnsiEncoding >> endobj\n");
	size_t xref = b.len;
	buf_addstr(&b, "xref\n0 6\n0000000000 65535 f \n");
	for (int i = 1; i <= 5; i++)
		buf_printf(&b, "%010zu 00000 n \n", off[i]);
	buf_printf(&b, "trailer << /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
	free(z);
	return buf_detach(&b, out_len);
}

/* A PDF of npages pages that all draw the same deflated content stream:
 * pdftotext writes its text page by page, so this one reaches the output
 * pipe, where a one-page bomb runs out of memory first. Owned. */
static char *make_pdf_pages(const char *content, size_t clen, int npages, size_t *out_len)
{
	struct buf b;
	size_t *off = xcalloc((size_t)npages + 5, sizeof(*off));
	uLongf zlen = compressBound((uLong)clen);
	unsigned char *z = xmalloc(zlen);
	int cont = npages + 3, font = npages + 4;
	compress2(z, &zlen, (const Bytef *)content, (uLong)clen, 9);
	buf_init(&b, 0);
	buf_addstr(&b, "%PDF-1.4\n");
	off[1] = b.len;
	buf_addstr(&b, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
	off[2] = b.len;
	buf_addstr(&b, "2 0 obj << /Type /Pages /Kids [");
	for (int i = 0; i < npages; i++)
		buf_printf(&b, " %d 0 R", 3 + i);
	buf_printf(&b, " ] /Count %d >> endobj\n", npages);
	for (int i = 0; i < npages; i++) {
		off[3 + i] = b.len;
		buf_printf(&b, "%d 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
			       "/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >> endobj\n",
			   3 + i, font, cont);
	}
	off[cont] = b.len;
	buf_printf(&b, "%d 0 obj << /Length %lu /Filter /FlateDecode >> stream\n", cont,
		   (unsigned long)zlen);
	buf_add(&b, z, zlen);
	buf_addstr(&b, "\nendstream endobj\n");
	off[font] = b.len;
	buf_printf(&b, "%d 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
		       "/Encoding /WinAnsiEncoding >> endobj\n", font);
	size_t xref = b.len;
	buf_printf(&b, "xref\n0 %d\n0000000000 65535 f \n", font + 1);
	for (int i = 1; i <= font; i++)
		buf_printf(&b, "%010zu 00000 n \n", off[i]);
	buf_printf(&b, "trailer << /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", font + 1, xref);
	free(z);
	free(off);
	return buf_detach(&b, out_len);
}

static char *text_pdf(const char *const *lines, size_t *len)
{
	struct buf c;
	buf_init(&c, 0);
	buf_addstr(&c, "BT /F1 12 Tf 14 TL 72 770 Td\n");
	for (size_t i = 0; lines[i]; i++)
		buf_printf(&c, "(%s) Tj T*\n", lines[i]);
	buf_addstr(&c, "ET\n");
	char *pdf = make_pdf(c.ptr, c.len, true, NULL, len);
	buf_release(&c);
	return pdf;
}

static void test_types(void)
{
	CHECK_INT(doc_type_from_url("http://x/a/Liste.PDF"), DOC_TYPE_PDF);
	CHECK_INT(doc_type_from_url("http://x/a/f.docx?v=2#p"), DOC_TYPE_DOCX);
	CHECK_INT(doc_type_from_url("http://x/a/f.doc"), DOC_TYPE_DOC);
	CHECK_INT(doc_type_from_url("http://x/a/f.odt"), DOC_TYPE_ODT);
	CHECK_INT(doc_type_from_url("http://x/a/f.html"), DOC_TYPE_UNKNOWN);
	CHECK_INT(doc_type_from_url("http://x/pdf"), DOC_TYPE_UNKNOWN);
	CHECK_STR(doc_type_name(DOC_TYPE_PDF), "PDF");
}

static void test_normalise(void)
{
	const char in[] = "  Liste\xC2\xA0" "des\tpi\xC3\xA8" "ces \xE2\x80\xAF:\r\n\n\n"
			  "  justi\xEF\xAC\x81" "catif   de  domi\xC2\xAD" "cile \f"
			  "\xEF\xBB\xBF" "page 2\xE2\x80\x8B\xFF\n   \n";
	char *t = doc_text_normalise(in, sizeof(in) - 1);
	CHECK_STR(t, "Liste des pièces :\njustificatif de domicile\npage 2");
	free(t);
	t = doc_text_normalise("", 0);
	CHECK_STR(t, "");
	free(t);
}

static void test_links(void)
{
	struct extraction ex = { 0 };
	struct strvec domains = STRVEC_INIT;
	struct doc_links l;
	ex.text = xstrdup("Pièces : [Liste des pièces – AES](https://www.aisne.gouv.fr/a/liste.pdf) "
			  "et [le [CERFA] n° 1](https://formulaires.service-public.fr/f.pdf)\n"
			  "[Autre](https://evil.example.com/x.pdf) "
			  "[Page](https://www.aisne.gouv.fr/page.html) "
			  "[Notice](https://static.aisne.gouv.fr/n%C3%A9.odt)");
	fieldset_add(&ex.fields, "links", "https://www.aisne.gouv.fr/a/liste.pdf");
	fieldset_add(&ex.fields, "links", "https://formulaires.service-public.fr/f.pdf");
	fieldset_add(&ex.fields, "links", "https://evil.example.com/x.pdf");
	fieldset_add(&ex.fields, "links", "https://www.aisne.gouv.fr/page.html");
	fieldset_add(&ex.fields, "links", "ftp://www.aisne.gouv.fr/x.pdf");
	fieldset_add(&ex.fields, "forms", "https://www.aisne.gouv.fr/a/liste.pdf");
	fieldset_add(&ex.fields, "forms", "https://WWW.AISNE.GOUV.FR/sans-titre.docx");
	fieldset_add(&ex.fields, "forms", "CERFA 15186*03");
	fieldset_add(&ex.fields, "links", "https://www.aisne.gouv.fr/content/download/123/liste");

	doc_links_find(&ex, "https://www.aisne.gouv.fr/Demarches/AES", NULL, 20, &l);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0].url, "https://www.aisne.gouv.fr/a/liste.pdf");
		CHECK_STR(l.v[0].title, "Liste des pièces – AES");
		CHECK_INT(l.v[0].type, DOC_TYPE_PDF);
		CHECK_STR(l.v[1].title, "sans-titre.docx");
	}
	doc_links_release(&l);
	/* an eZ Publish download link is followed when facts put it in forms */
	fieldset_add(&ex.fields, "forms", "https://www.aisne.gouv.fr/content/download/123/liste");
	doc_links_find(&ex, "https://www.aisne.gouv.fr/Demarches/AES", NULL, 20, &l);
	CHECK_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_STR(l.v[2].url, "https://www.aisne.gouv.fr/content/download/123/liste");
		CHECK_INT(l.v[2].type, DOC_TYPE_UNKNOWN);
	}
	doc_links_release(&l);

	strvec_push(&domains, "service-public.fr");
	strvec_push(&domains, "gouv.fr");
	doc_links_find(&ex, "https://www.aisne.gouv.fr/Demarches/AES", &domains, 20, &l);
	CHECK_INT(l.n, 4);
	if (l.n == 4) {
		CHECK_STR(l.v[1].url, "https://formulaires.service-public.fr/f.pdf");
		CHECK_STR(l.v[1].title, "le [CERFA] n° 1");
	}
	doc_links_release(&l);
	doc_links_find(&ex, "https://www.aisne.gouv.fr/Demarches/AES", &domains, 1, &l);
	CHECK_INT(l.n, 1);
	doc_links_release(&l);
	/* "notgouv.fr" is not under "gouv.fr" */
	strvec_clear(&domains);
	strvec_push(&domains, "ample.com");
	doc_links_find(&ex, "https://www.aisne.gouv.fr/", &domains, 20, &l);
	CHECK_INT(l.n, 3);
	doc_links_release(&l);
	strvec_release(&domains);
	extraction_release(&ex);
}

static void test_pdf_text(void)
{
	static const char *const v1[] = { "Liste des pieces", "Passeport en cours de validite", NULL };
	static const char *const v2[] = { "Liste des pieces", "Passeport   en cours de validite",
					  "Justificatif de domicile", NULL };
	size_t len;
	struct doc_text d;
	char *pdf = text_pdf(v1, &len);
	int rc = doc_extract(pdf, len, "application/pdf", "http://x/l.pdf", NULL, &d);
	CHECK_INT(rc, 0);
	CHECK_INT(d.type, DOC_TYPE_PDF);
	if (have_pdftotext()) {
		CHECK_INT(d.kind, DOC_TEXT_OK);
		CHECK_STR(d.text, "Liste des pieces\nPasseport en cours de validite");
	} else {
		CHECK_INT(d.kind, DOC_TEXT_HASH_ONLY);
	}
	doc_text_release(&d);
	free(pdf);

	pdf = text_pdf(v2, &len);
	rc = doc_extract(pdf, len, NULL, "http://x/l.pdf", NULL, &d);
	CHECK_INT(rc, 0);
	if (have_pdftotext())
		CHECK_STR(d.text, "Liste des pieces\nPasseport en cours de validite\nJustificatif de domicile");
	doc_text_release(&d);

	/* truncated: named without running anything */
	rc = doc_extract(pdf, len / 2, "application/pdf", "http://x/l.pdf", NULL, &d);
	CHECK_INT(rc, -1);
	CHECK_INT(d.failure, PW_FAIL_BAD_CONTENT);
	CHECK_CONTAINS(d.error, "truncated PDF");
	doc_text_release(&d);
	free(pdf);

	/* a spreadsheet behind an extension-less download link: hash only */
	rc = doc_extract("PK\x03\x04xl/workbook.xml", 19, "application/vnd.ms-excel",
			 "http://x/content/download/9/tableau", NULL, &d);
	CHECK_INT(rc, 0);
	CHECK_INT(d.kind, DOC_TEXT_HASH_ONLY);
	doc_text_release(&d);
	rc = doc_extract("PK\x03\x04xl/workbook.xml", 19, "application/zip",
			 "http://x/content/download/9/tableau", NULL, &d);
	CHECK_INT(rc, 0);
	CHECK_INT(d.type, DOC_TYPE_UNKNOWN);   /* a ZIP is DOCX only with word/ inside */
	CHECK_INT(d.kind, DOC_TEXT_HASH_ONLY);
	doc_text_release(&d);
	rc = doc_extract("\x89PNG\r\n", 6, "image/png", "http://x/content/download/9/img", NULL, &d);
	CHECK_INT(rc, 0);
	CHECK_INT(d.kind, DOC_TEXT_HASH_ONLY);
	CHECK_CONTAINS(d.note, "unsupported format");
	doc_text_release(&d);
	/* a login page behind it is not a document */
	rc = doc_extract(" <html>connexion</html>", 23, NULL, "http://x/content/download/9/f", NULL, &d);
	CHECK_INT(rc, -1);
	CHECK_INT(d.failure, PW_FAIL_BAD_CONTENT);
	doc_text_release(&d);

	/* an HTML error page served for a PDF link */
	rc = doc_extract("<html>not found</html>", 22, "text/html", "http://x/l.pdf", NULL, &d);
	CHECK_INT(rc, -1);
	CHECK_INT(d.failure, PW_FAIL_BAD_CONTENT);
	CHECK_CONTAINS(d.error, "not a PDF");
	doc_text_release(&d);
}

static void test_pdf_hostile(void)
{
	if (!have_pdftotext()) {
		test_skip("pdftotext is not installed (poppler-utils): no real converter to limit");
		return;
	}
	size_t len;
	struct doc_text d;
	struct doc_limits lim;

	/* no text layer: a page with only a drawn rectangle */
	char *pdf = make_pdf("0 0 m 100 100 l S\n", 18, false, NULL, &len);
	CHECK_INT(doc_extract(pdf, len, NULL, "http://x/scan.pdf", NULL, &d), 0);
	CHECK_INT(d.kind, DOC_TEXT_SCAN);
	CHECK_STR(d.text, "");
	CHECK_CONTAINS(d.note, "no text layer");
	doc_text_release(&d);
	free(pdf);

	/* garbage between the header and the end marker */
	const char junk[] = "%PDF-1.7\n\x01\x02 this is not a pdf at all \xff\xfe\n%%EOF\n";
	CHECK_INT(doc_extract(junk, sizeof(junk) - 1, NULL, "http://x/bad.pdf", NULL, &d), -1);
	CHECK_INT(d.failure, PW_FAIL_BAD_CONTENT);
	doc_text_release(&d);

	/* text bomb: 8 MB of drawn text from a small deflated stream */
	struct buf c;
	buf_init(&c, 0);
	buf_addstr(&c, "BT /F1 10 Tf 12 TL 0 2400000 Td\n");
	for (int i = 0; i < 200000; i++)
		buf_addstr(&c, "(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj T*\n");
	buf_addstr(&c, "ET\n");
	pdf = make_pdf(c.ptr, c.len, true, "0 0 400 2400000", &len);
	buf_release(&c);
	doc_limits_init(&lim);
	lim.max_text = 1 << 20;
	CHECK_INT(doc_extract(pdf, len, NULL, "http://x/bomb.pdf", &lim, &d), -1);
	CHECK_INT(d.failure, PW_FAIL_TOO_LARGE);
	CHECK(d.seconds < (double)lim.wall_ms / 1000.0 + 1);
	/* one page: pdftotext holds it whole and its memory gives out
	 * before it writes a byte (it says so on stderr, then aborts) */
	CHECK_CONTAINS(d.error, "out of memory under the limit of 512 MiB");
	doc_text_release(&d);

	/* the same bomb with room for its text but not for its time: the
	 * wall clock (or the CPU limit) ends it */
	doc_limits_init(&lim);
	lim.max_text = 256L << 20;
	lim.mem_bytes = 4096L << 20;
	lim.wall_ms = 50;
	CHECK_INT(doc_extract(pdf, len, NULL, "http://x/bomb.pdf", &lim, &d), -1);
	CHECK_INT(d.failure, PW_FAIL_TIMEOUT);
	CHECK(d.seconds < 2);
	doc_text_release(&d);
	free(pdf);

	/* 400 pages of 4 KB of text each, page after page into the pipe:
	 * our output cap stops it, in small memory */
	buf_init(&c, 0);
	buf_addstr(&c, "BT /F1 10 Tf 12 TL 20 800 Td\n");
	for (int i = 0; i < 60; i++)
		buf_addstr(&c, "(Liste des pieces a fournir pour la demande AES) Tj T*\n");
	buf_addstr(&c, "ET\n");
	pdf = make_pdf_pages(c.ptr, c.len, 400, &len);
	buf_release(&c);
	doc_limits_init(&lim);
	lim.max_text = 256 << 10;
	CHECK_INT(doc_extract(pdf, len, NULL, "http://x/pages.pdf", &lim, &d), -1);
	CHECK_INT(d.failure, PW_FAIL_TOO_LARGE);
	CHECK_CONTAINS(d.error, "pdftotext: text larger than 262144 bytes, stopped");
	doc_text_release(&d);
	/* and with room, the same document is read whole */
	lim.max_text = 4L << 20;
	CHECK_INT(doc_extract(pdf, len, NULL, "http://x/pages.pdf", &lim, &d), 0);
	CHECK_INT(d.kind, DOC_TEXT_OK);
	CHECK(d.text && strlen(d.text) > (size_t)(256 << 10));
	doc_text_release(&d);
	free(pdf);
}

/* A stand-in converter: a /bin/sh script written as conv/NAME in the
 * sandbox. Returns the directory for doc_limits.converter_dir (owned). */
static char *stand_in(const char *name, const char *script)
{
	char *dir = xasprintf("%s/conv", test_tmpdir());
	mkdir(dir, 0755);
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "#!/bin/sh\n%s\n", script);
		fclose(f);
	}
	CHECK_INT(chmod(path, 0755), 0);
	free(path);
	return dir;
}

/* How a converter's end is judged, on stand-ins that end each way on
 * every machine: too large is too large whichever limit caught it (our
 * pipe cap, RLIMIT_FSIZE's SIGXFSZ, the memory limit), and the converter's
 * own words name the cause. */
static void test_converter_end(void)
{
	static const struct {
		const char *script;
		int rc;
		enum pw_failure failure;
		const char *error;
	} cases[] = {
		/* a write to a file: the kernel's SIGXFSZ under RLIMIT_FSIZE 0 */
		{ "printf 'Liste des pieces' >\"$0.out\"\necho unreachable", -1, PW_FAIL_TOO_LARGE,
		  "pdftotext: wrote past its file-size limit (SIGXFSZ; its only output is a pipe "
		  "capped at 1048576 bytes), stopped" },
		/* what the pristine chroot saw: "Out of memory", then abort */
		{ "echo 'Liste'\necho 'Out of memory' >&2\nkill -ABRT $$", -1, PW_FAIL_TOO_LARGE,
		  "pdftotext: out of memory under the limit of 512 MiB, stopped ('Out of memory')" },
		{ "echo \"terminate called after throwing an instance of 'std::bad_alloc'\" >&2\n"
		  "kill -SEGV $$", -1, PW_FAIL_TOO_LARGE, "out of memory under the limit" },
		/* endless output into the pipe: our cap */
		{ "exec yes 'Liste des pieces a fournir'", -1, PW_FAIL_TOO_LARGE,
		  "pdftotext: text larger than 1048576 bytes, stopped" },
		/* a crash that is not about memory, with or without text */
		{ "echo 'Liste'\nkill -SEGV $$", -1, PW_FAIL_BAD_CONTENT,
		  "pdftotext: died of signal 11 (a parser crash)" },
		{ "kill -ABRT $$", -1, PW_FAIL_BAD_CONTENT, "died of signal 6 (a parser crash)" },
		{ "echo 'Syntax Error: Couldn'\\''t read xref \033[1mtable' >&2\nexit 1", -1,
		  PW_FAIL_BAD_CONTENT,
		  "pdftotext: cannot read the document (exit 1) ('Syntax Error: Couldn?t read xref ?[1mtable')" },
		/* its stdin is empty: a converter reading it does not hang */
		{ "cat\necho 'Liste des pieces'", 0, PW_FAIL_NONE, NULL },
	};
	static const char *const lines[] = { "Liste des pieces", NULL };
	size_t len;
	char *pdf = text_pdf(lines, &len);
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct doc_limits lim;
		struct doc_text d;
		doc_limits_init(&lim);
		lim.max_text = 1 << 20;
		char *dir = stand_in("pdftotext", cases[i].script);
		lim.converter_dir = dir;
		int failed_before = test_checks_failed;
		int rc = doc_extract(pdf, len, "application/pdf", "http://x/l.pdf", &lim, &d);
		CHECK_INT(rc, cases[i].rc);
		CHECK_INT(d.failure, cases[i].failure);
		if (cases[i].error)
			CHECK_CONTAINS(d.error, cases[i].error);
		else
			CHECK_STR(d.text, "Liste des pieces");
		CHECK(d.seconds < 10);
		if (test_checks_failed != failed_before)
			fprintf(stderr, "  case %zu: %s\n", i, cases[i].script);
		doc_text_release(&d);
		free(dir);
	}
	free(pdf);
}

int main(void)
{
	TEST_RUN(test_types);
	TEST_RUN(test_normalise);
	TEST_RUN(test_links);
	TEST_RUN(test_pdf_text);
	TEST_RUN(test_pdf_hostile);
	TEST_RUN(test_converter_end);
	return test_finish();
}
