/* test_classify.c - crawler_classify(): one test per rule, on hand-built
 * fetch results (plain data) and extractions. */
#include "common/common.h"
#include "tests/common/test.h"
#include "crawler/crawler.h"

#define REQ "https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Admission-exceptionnelle-au-sejour"

static const char *const procedure_text =
	"# Admission exceptionnelle au séjour\n\nLe dossier doit être adressé par courrier recommandé.\n";

static struct fetch_result ok_result(const char *final_url, bool redirected, bool permanent)
{
	struct fetch_result r;
	memset(&r, 0, sizeof(r));
	r.http_status = 200;
	r.final_url = (char *)final_url;
	r.redirected = redirected;
	r.permanent_redirect = permanent;
	return r;
}

static struct extraction ex_of(const char *title, const char *heading, const char *text)
{
	struct extraction e;
	memset(&e, 0, sizeof(e));
	e.title = (char *)title;
	e.heading = (char *)heading;
	e.text = (char *)text;
	e.text_len = text ? strlen(text) : 0;
	return e;
}

static void test_plain_page(void)
{
	struct fetch_result r = ok_result(REQ, false, false);
	struct extraction e = ex_of("Admission exceptionnelle au séjour - Préfecture du Nord",
				    "Admission exceptionnelle au séjour", procedure_text);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
}

static void test_fetch_failure_passes_through(void)
{
	struct fetch_result r = ok_result(REQ, false, false);
	r.failure = PW_FAIL_TIMEOUT;
	struct extraction e = ex_of(NULL, NULL, "");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_TIMEOUT);
}

static void test_soft_404(void)
{
	struct fetch_result r = ok_result(REQ, false, false);
	const char *titles[] = { "Page introuvable - Les services de l'État dans le Nord",
				 "Page non trouvée", "Erreur 404", "404 - Not Found", "404" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(titles); i++) {
		struct extraction e = ex_of(titles[i], NULL, "Retour à l'accueil\n");
		CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NOT_FOUND);
	}
	struct extraction e = ex_of("Les services de l'État dans le Nord",
				    "La page que vous recherchez n’existe pas", "Retour\n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NOT_FOUND);
	/* A title that merely ends with the number 404 is not a 404. */
	e = ex_of("Admission exceptionnelle au séjour 404", NULL, procedure_text);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
	/* A number containing 404 is not a 404. */
	e = ex_of("Arrêté n° 14045 - Préfecture", NULL, procedure_text);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
}

static void test_redirect_to_home_is_moved(void)
{
	struct fetch_result r = ok_result("https://www.nord.gouv.fr/", true, true);
	struct extraction e = ex_of("Accueil", "Les services de l'État dans le Nord", "Actualités\n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_MOVED);
}

static void test_redirect_to_other_site_home_is_moved(void)
{
	struct fetch_result r = ok_result("https://www.interieur.gouv.fr", true, true);
	struct extraction e = ex_of("Ministère de l'Intérieur", NULL, "Actualités\n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_MOVED);
	/* The home page under a usual name is the home page. */
	r = ok_result("https://www.nord.gouv.fr/index.html", true, false);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_MOVED);
	r = ok_result("https://www.nord.gouv.fr/Accueil", true, true);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_MOVED);
}

static void test_not_modified_is_fine(void)
{
	/* 304: no body, so no text, and nothing wrong. */
	struct fetch_result r = ok_result(REQ, false, false);
	r.http_status = 304;
	r.not_modified = true;
	struct extraction e = ex_of(NULL, NULL, "");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
}

static void test_redirect_to_section_is_moved(void)
{
	struct fetch_result r = ok_result(
		"https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord", true, false);
	struct extraction e = ex_of("Etrangers dans le Nord", NULL, "- Titres de séjour\n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_MOVED);
	/* A sibling whose name merely starts the same is not a section index. */
	r = ok_result("https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Admission",
		      true, true);
	e = ex_of("Admission", NULL, procedure_text);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
}

static void test_redirect_to_empty_page_is_moved(void)
{
	struct fetch_result r = ok_result("https://www.nord.gouv.fr/Nouvelle-page", true, false);
	struct extraction e = ex_of("Nouvelle page", NULL, "");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_MOVED);
}

static void test_cosmetic_redirect_is_not_moved(void)
{
	const char *finals[] = {
		"http://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Admission-exceptionnelle-au-sejour",
		"https://nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Admission-exceptionnelle-au-sejour",
		"https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Admission-exceptionnelle-au-sejour/",
		"https://WWW.NORD.GOUV.FR:443/Demarches-administratives/Etrangers-dans-le-Nord/Admission-exceptionnelle-au-sejour",
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(finals); i++) {
		struct fetch_result r = ok_result(finals[i], true, false);
		struct extraction e = ex_of("AES", NULL, procedure_text);
		CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
	}
	/* Cosmetic redirect to an empty page: the page is empty, not moved. */
	struct fetch_result r = ok_result(finals[0], true, false);
	struct extraction e = ex_of("AES", NULL, " \n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NO_CONTENT);
}

static void test_permanent_redirect_with_text_is_not_moved(void)
{
	struct fetch_result r = ok_result(
		"https://www.nord.gouv.fr/Demarches/Etrangers/AES-nouvelle-adresse", true, true);
	struct extraction e = ex_of("AES", NULL, procedure_text);
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
}

static void test_no_content(void)
{
	struct fetch_result r = ok_result(REQ, false, false);
	struct extraction e = ex_of("Admission exceptionnelle", NULL, "");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NO_CONTENT);
	e = ex_of("Admission exceptionnelle", NULL, "\n  \n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NO_CONTENT);
	CHECK_INT(crawler_classify(REQ, &r, NULL), PW_FAIL_NO_CONTENT);
}

static void test_blocked(void)
{
	struct fetch_result r = ok_result(REQ, false, false);
	struct extraction e = ex_of("Just a moment...", NULL, "Checking your browser before accessing.\n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_BLOCKED);
	e = ex_of("Attention Required! | Cloudflare", NULL, "");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_BLOCKED);
	e = ex_of("Vérification", NULL, "Veuillez résoudre le CAPTCHA pour continuer.\n");
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_BLOCKED);
	/* A long procedure text that mentions a captcha is still a page. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 20; i++)
		buf_addstr(&b, procedure_text);
	buf_addstr(&b, "La prise de rendez-vous demande de recopier un captcha.\n");
	e = ex_of("AES", NULL, buf_str(&b));
	CHECK_INT(crawler_classify(REQ, &r, &e), PW_FAIL_NONE);
	buf_release(&b);
}

/* démarches-simplifiées and its successor host are one site (issue 22):
 * the same démarche at the new address is an address change (reported as
 * such when permanent), not a page gone; the new site's démarche list or
 * home, instead of the démarche, is a page gone, as on any one site. */
static void test_demarches_simplifiees_successor_is_one_site(void)
{
	const char *req = "https://www.demarches-simplifiees.fr/commencer/prefecture-du-pas-de-calais-regularisation";
	struct fetch_result r = ok_result(
		"https://demarche.numerique.gouv.fr/commencer/prefecture-du-pas-de-calais-regularisation/",
		true, true);
	struct extraction e = ex_of("Régularisation - démarches-simplifiées", "Régularisation",
				    procedure_text);
	CHECK_INT(crawler_classify(req, &r, &e), PW_FAIL_NONE);
	/* the sign-in furniture alone (dropped by extraction): a page without
	 * text at the démarche's own address, not a move */
	e = ex_of("Régularisation - démarches-simplifiées", NULL, "");
	CHECK_INT(crawler_classify(req, &r, &e), PW_FAIL_NO_CONTENT);
	/* the démarche list above it on the new host: the démarche is gone */
	r = ok_result("https://demarche.numerique.gouv.fr/commencer", true, true);
	e = ex_of("Démarches", NULL, "Toutes les démarches en ligne de l'administration.\n");
	CHECK_INT(crawler_classify(req, &r, &e), PW_FAIL_MOVED);
	/* and the other way round */
	r = ok_result("https://www.demarches-simplifiees.fr/commencer", true, true);
	CHECK_INT(crawler_classify("https://demarche.numerique.gouv.fr/commencer/x", &r, &e), PW_FAIL_MOVED);
	/* another numerique.gouv.fr host is another site */
	r = ok_result("https://www.numerique.gouv.fr/commencer", true, true);
	CHECK_INT(crawler_classify(req, &r, &e), PW_FAIL_NONE);
}

int main(void)
{
	TEST_RUN(test_plain_page);
	TEST_RUN(test_fetch_failure_passes_through);
	TEST_RUN(test_soft_404);
	TEST_RUN(test_redirect_to_home_is_moved);
	TEST_RUN(test_redirect_to_other_site_home_is_moved);
	TEST_RUN(test_not_modified_is_fine);
	TEST_RUN(test_redirect_to_section_is_moved);
	TEST_RUN(test_redirect_to_empty_page_is_moved);
	TEST_RUN(test_cosmetic_redirect_is_not_moved);
	TEST_RUN(test_permanent_redirect_with_text_is_not_moved);
	TEST_RUN(test_no_content);
	TEST_RUN(test_blocked);
	TEST_RUN(test_demarches_simplifiees_successor_is_one_site);
	return test_finish();
}
