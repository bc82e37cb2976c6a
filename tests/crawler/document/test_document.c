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
	if (!have_pdftotext())
		return;
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
}

int main(void)
{
	TEST_RUN(test_types);
	TEST_RUN(test_normalise);
	TEST_RUN(test_links);
	TEST_RUN(test_pdf_text);
	TEST_RUN(test_pdf_hostile);
	return test_finish();
}
