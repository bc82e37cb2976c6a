/*
 * test_extract.c - extraction and facts against golden files.
 *
 * Pages: the real pages of the corpus (fixtures/NAME.html, see SOURCES.tsv)
 * and pages of each site family holding the texts quoted by the Gisti
 * guide (fixtures/family/, built by tools/make_fixtures.py). Golden texts
 * are fixtures/.../NAME.expected.txt; regenerate one with
 *   extract_dump PAGE.html BASE_URL --text > NAME.expected.txt
 * and read it before committing: it must hold the page's text and nothing
 * of its chrome.
 */
#include "common/common.h"
#include "tests/common/test.h"
#include "crawler/crawler.h"

struct page {
	const char *name;     /* fixtures/NAME.html, fixtures/NAME.expected.txt */
	const char *url;
	const char *rule;
};

static const struct page pages[] = {
	{ "nord-accueil-2018", "http://www.nord.gouv.fr/", "builtin: ezpublish" },
	{ "accueil-etrangers-2018", "http://www.accueil-etrangers.gouv.fr/", "builtin: accueil-etrangers" },
	{ "yvelines-accueil", "https://www.yvelines.gouv.fr/", "builtin: dsfr" },
	{ "yvelines-contact", "https://www.yvelines.gouv.fr/Nous-contacter", "builtin: dsfr" },
	{ "family/dsfr-laon", "https://www.aisne.gouv.fr/Demarches-administratives/Etrangers-en-France/Admission-exceptionnelle-au-sejour", "builtin: dsfr" },
	{ "family/dsfr-amiens", "https://www.somme.gouv.fr/Prendre-un-rendez-vous/Demande-de-regularisation-admission-exceptionnelle-au-sejour/Demande-de-regularisation", "builtin: dsfr" },
	{ "family/ez-lille", "https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Admission-exceptionnelle-au-sejour", "builtin: ezpublish" },
	{ "family/ez-douai", "https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Autres-titres-et-documents-de-sejour-des-etrangers/Modalites-de-depot-des-dossiers-arrondissement-de-Douai", "builtin: ezpublish" },
	{ "family/ez-avesnes", "https://www.nord.gouv.fr/Demarches-administratives/Etrangers-dans-le-Nord/Autres-titres-et-documents-de-sejour-des-etrangers/Modalites-de-depot-des-dossiers-arrondissement-d-Avesnes-sur-Helpe", "builtin: ezpublish" },
	{ "family/ez-dunkerque", "https://www.nord.gouv.fr/Services-de-l-Etat/Horaires-et-coordonnees/Sous-prefecture-de-Dunkerque", "builtin: ezpublish" },
	{ "family/ds-arras", "https://www.demarches-simplifiees.fr/commencer/prefecture-du-pas-de-calais-regularisation", "builtin: demarches-simplifiees" },
	{ "family/generic-beauvais", "https://www.oise.gouv.fr/Demarches-administratives/Etrangers-dans-l-Oise/Admission-exceptionnelle-au-sejour/Admission-exceptionnelle-au-sejour", "builtin: densest paragraphs" },
};

/* Chrome that must never reach the text of any page above. */
static const char *const chrome[] = {
	"Partager", "partager", "cookie", "Cookie", "tarteaucitron", "Dans la même rubrique",
	"Mentions légales", "mentions-legales", "fil d’Ariane", "Voir le fil", "OAS_AD", "xtor=",
	"utm_", "FranceConnect", "Temps de traitement", "au plus tard le", "Créer un compte",
	"Mis à jour le", "Publié le", "Rechercher", "csrf", "imprimer", "Plan du site",
	"Suivez-nous", "Retrouvez-nous", "L'actualité du Gouvernement", "Accès rapide",
	"Aller au contenu", "Navigation principale", "Se connecter", "Accessibilité",
};

static char *fixture(const char *name, const char *suffix)
{
	char *rel = xasprintf("crawler/extract/fixtures/%s%s", name, suffix);
	char *s = test_read_file(rel, NULL);
	free(rel);
	return s;
}

static int extract_file(const char *name, const char *suffix, const char *url,
			const struct extract_rules *rules, struct extraction *ex)
{
	char *rel = xasprintf("crawler/extract/fixtures/%s%s", name, suffix);
	size_t len;
	char *html = test_read_file(rel, &len);
	char *err = NULL;
	int rc = extract_html(html, len, url, rules, ex, &err);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", rel, err);
	free(err);
	free(html);
	free(rel);
	return rc;
}

static bool field_has(const struct extraction *ex, const char *name, const char *value)
{
	const struct field *f = fieldset_find(&ex->fields, name);
	return f && strvec_contains(&f->values, value);
}

static size_t field_count(const struct extraction *ex, const char *name)
{
	const struct field *f = fieldset_find(&ex->fields, name);
	return f ? f->values.n : (size_t)-1;
}

static const struct page *page_named(const char *name)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(pages); i++) {
		if (!strcmp(pages[i].name, name))
			return &pages[i];
	}
	abort();
}

/* ---- golden texts ---- */

static void test_golden_texts(void)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(pages); i++) {
		struct extraction ex;
		if (extract_file(pages[i].name, ".html", pages[i].url, NULL, &ex) < 0) {
			CHECK(!"extraction failed");
			continue;
		}
		char *golden = fixture(pages[i].name, ".expected.txt");
		if (strcmp(ex.text, golden))
			fprintf(stderr, "golden mismatch: %s\n", pages[i].name);
		CHECK_STR(ex.text, golden);
		CHECK_STR(ex.rule, pages[i].rule);
		CHECK(utf8_valid(ex.text, ex.text_len));
		CHECK_INT(ex.text_len, strlen(ex.text));
		CHECK(ex.text_len > 0);
		for (size_t c = 0; c < PW_ARRAY_SIZE(chrome); c++) {
			if (strstr(ex.text, chrome[c])) {
				fprintf(stderr, "%s: chrome '%s' in text\n", pages[i].name, chrome[c]);
				CHECK(!"chrome in text");
			}
		}
		/* Canonical form: no trailing spaces, no double blank lines,
		 * one final newline. */
		CHECK(!strstr(ex.text, " \n"));
		CHECK(!strstr(ex.text, "\n\n\n"));
		CHECK(ex.text[ex.text_len - 1] == '\n' && ex.text[ex.text_len - 2] != '\n');
		free(golden);
		extraction_release(&ex);
	}
}

/* ---- the guide's offices: quoted text, method, addresses ---- */

struct office {
	const char *page;
	const char *quotes[6];
	const char *methods[4];  /* exactly these */
	const char *addresses[2];/* exactly these */
};

static const struct office offices[] = {
	{ "family/dsfr-laon",
	  { "Désormais, vous devez transmettre votre première demande de titre de séjour « admission exceptionnelle au séjour », par courrier postal.",
	    "– À l'appui de votre demande, vous devez joindre les documents demandés sur la liste de pièces (UNIQUEMENT LES COPIES).",
	    "Attention, tout dossier incomplet ou non classé vous sera renvoyé." },
	  { "postal" },
	  { "Préfecture de l'Aisne, DCL / bureau de la nationalité / AES, 2 Rue Paul Doumer, BP 20104, 02000 LAON" } },
	{ "family/ez-lille",
	  { "- l'accord franco-algérien ne prévoit aucune admission exceptionnelle au séjour. Les ressortissants algériens ne peuvent donc y prétendre.",
	    "Vous devez justifier de 5 ans de présence en France et votre enfant doit être scolarisé depuis au moins 3 ans, y compris en école maternelle.",
	    "Le dossier avec l'ensemble des pièces doit être adressé par courrier recommandé. Tout dossier incomplet ne sera pas traité." },
	  { "postal" },
	  { "Bureau de l'admission au séjour, Préfecture du Nord, 12 rue Jean sans Peur, 59000 LILLE" } },
	{ "family/ez-douai",
	  { "Pour déposer votre courrier envoyez le par courrier recommandé à l'adresse suivante :",
	    "Ou le déposer dans la boîte aux lettres située au 642 Boulevard Albert 1er à Douai",
	    "Tout dossier incomplet sera retourné. Les récépissés sont délivrés uniquement lorsque le dossier est complet." },
	  /* The guide says "voie postale"; the page also offers the letter box,
	   * which is a deposit without meeting anyone, not "au guichet". */
	  { "postal", "letterbox" },
	  { "Sous préfecture de Douai, Bureau de la réglementation et des libertés publiques – service étrangers, 642 Boulevard Albert 1er, CS 60709, 59507 DOUAI CEDEX" } },
	{ "family/ez-avesnes",
	  { "Sous-préfecture d'Avesnes-sur-Helpe\nBSLP– Service du séjour des étrangers\nCS 80207\n59 369 Avesnes-sur-Helpe Cedex" },
	  { "postal" },
	  { "Sous-préfecture d'Avesnes-sur-Helpe, BSLP– Service du séjour des étrangers, CS 80207, 59369 Avesnes-sur-Helpe Cedex" } },
	{ "family/ez-dunkerque",
	  { "La section étrangers ne reçoit plus que sur RENDEZ-VOUS",
	    "Le dossier complet doit être envoyé à la Sous Préfecture à l'adresse suivante :",
	    "Sous Préfecture\nBureau des Etrangers\n27 rue Thiers\nCS 56535" },
	  /* Posted, and the section receives only by appointment. The page
	   * quoted by the guide gives no postal code: no address is made up. */
	  { "postal", "appointment" },
	  { NULL } },
	{ "family/dsfr-amiens",
	  { "- classer les documents dans l'ordre de la liste",
	    "L'accès à la préfecture n'est autorisé que 15 minutes avant l'heure du rendez-vous." },
	  /* "demande de rendez-vous en ligne" books the appointment at
	   * which one files: appointment, not online (issue 23: the method
	   * from the procedure; it was { "online", "appointment" }) */
	  { "appointment" },
	  { NULL } },
	{ "family/ds-arras",
	  { "# Demande de titre de séjour - régularisation de votre situation administrative.",
	    "Vous êtes de nationalité étrangère. Vous résidez dans le Pas-de-Calais.\nVous ne détenez pas de titre de séjour. Vous êtes en situation irrégulière.\nvous souhaitez REGULARISER VOTRE SITUATION" },
	  /* the page is the filing itself (issue 21.7) */
	  { "online_ds" },
	  { NULL } },
	{ "family/generic-beauvais",
	  { "1) Complétez le formulaire ci-dessous :",
	    "2) Transmettez votre dossier par voie postale (en courrier recommandé si vous le souhaitez) à l'adresse :" },
	  { "postal" },
	  { "Préfecture de l'Oise, Direction de la citoyenneté et des étrangers en France, 1, place de la préfecture, 60000 BEAUVAIS" } },
};

static void test_guide_offices(void)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(offices); i++) {
		const struct office *o = &offices[i];
		const struct page *p = page_named(o->page);
		struct extraction ex;
		size_t n;
		if (extract_file(p->name, ".html", p->url, NULL, &ex) < 0) {
			CHECK(!"extraction failed");
			continue;
		}
		for (n = 0; n < PW_ARRAY_SIZE(o->quotes) && o->quotes[n]; n++)
			CHECK_CONTAINS(ex.text, o->quotes[n]);
		for (n = 0; n < PW_ARRAY_SIZE(o->methods) && o->methods[n]; n++) {
			if (!field_has(&ex, "method", o->methods[n]))
				fprintf(stderr, "%s: method %s missing\n", o->page, o->methods[n]);
			CHECK(field_has(&ex, "method", o->methods[n]));
		}
		if (field_count(&ex, "method") != n)
			fprintf(stderr, "%s: %zu methods\n", o->page, field_count(&ex, "method"));
		CHECK_INT(field_count(&ex, "method"), n);
		for (n = 0; n < PW_ARRAY_SIZE(o->addresses) && o->addresses[n]; n++) {
			const struct field *f = fieldset_find(&ex.fields, "addresses");
			CHECK_STR(f && f->values.n > n ? f->values.v[n] : NULL, o->addresses[n]);
		}
		CHECK_INT(field_count(&ex, "addresses"), n);
		CHECK(field_has(&ex, "page_updated", "2023-02-02") || !strcmp(o->page, "family/ds-arras"));
		extraction_release(&ex);
	}
}

/* ---- démarches-simplifiées by its markup, on any host (issue 21.7) ---- */

/* The Arras procedure in the DS markup of family/ds-arras.html and in the
 * newer markup of family/ds-arras-numerique.html (no .procedure-preview;
 * DSFR header, .procedure-description, FranceConnect and ProConnect
 * call-out, estimated filling time, processing-time statistics, account
 * buttons), each served from the old host, the new numerique.gouv.fr one
 * and a bare address: one text, one rule, and the page is the method. */
static void test_ds_any_host(void)
{
	static const char *const files[] = { "family/ds-arras", "family/ds-arras-numerique" };
	static const char *const urls[] = {
		"https://www.demarches-simplifiees.fr/commencer/prefecture-du-pas-de-calais-regularisation",
		"https://demarche.numerique.gouv.fr/commencer/prefecture-du-pas-de-calais-regularisation",
		"http://127.0.0.1:8080/commencer/prefecture-du-pas-de-calais-regularisation",
	};
	static const char *const furniture[] = {
		"FranceConnect", "ProConnect", "Temps de remplissage", "délais d'instruction",
		"délai d'instruction", "Créer un compte", "déjà un compte", "identifiez", "S'identifier",
		"Temps de traitement", "au plus tard",
	};
	char *golden = fixture("family/ds-arras", ".expected.txt");
	for (size_t f = 0; f < PW_ARRAY_SIZE(files); f++) {
		for (size_t u = 0; u < PW_ARRAY_SIZE(urls); u++) {
			struct extraction ex;
			if (extract_file(files[f], ".html", urls[u], NULL, &ex) < 0) {
				CHECK(!"extraction failed");
				continue;
			}
			if (strcmp(ex.text, golden))
				fprintf(stderr, "%s from %s\n", files[f], urls[u]);
			CHECK_STR(ex.text, golden);
			CHECK_STR(ex.rule, "builtin: demarches-simplifiees");
			CHECK(field_has(&ex, "method", "online_ds"));
			CHECK_INT(field_count(&ex, "method"), 1);
			CHECK_INT(field_count(&ex, "links"), 0);
			for (size_t k = 0; k < PW_ARRAY_SIZE(furniture); k++)
				CHECK(!strstr(ex.text, furniture[k]));
			extraction_release(&ex);
		}
	}
	free(golden);
	/* A DSFR préfecture page that only links to DS is not a DS page. */
	struct extraction ex;
	CHECK_INT(extract_file("family/dsfr-laon", ".html", urls[1], NULL, &ex), 0);
	CHECK_STR(ex.rule, "builtin: dsfr");
	CHECK(!field_has(&ex, "method", "online_ds"));
	extraction_release(&ex);
}

/* ---- noise-only and real-change variants ---- */

static const struct {
	const char *page;
	const char *variant;
} noise[] = {
	{ "family/dsfr-laon", "date" }, { "family/dsfr-laon", "cookie" }, { "family/dsfr-laon", "menu" },
	{ "family/dsfr-laon", "csrf" }, { "family/dsfr-laon", "indent" }, { "family/dsfr-laon", "nbsp" },
	{ "family/dsfr-laon", "tracking" }, { "family/dsfr-laon", "wrappers" },
	{ "family/ez-lille", "date" }, { "family/ez-lille", "cookie" }, { "family/ez-lille", "menu" }, { "family/ez-lille", "menuitem" },
	{ "family/ez-lille", "csrf" }, { "family/ez-lille", "indent" }, { "family/ez-lille", "nbsp" },
	{ "family/ez-lille", "tracking" }, { "family/ez-lille", "wrappers" },
	{ "family/ds-arras", "date" }, { "family/ds-arras", "csrf" }, { "family/ds-arras", "indent" },
	{ "family/ds-arras", "nbsp" }, { "family/ds-arras", "wrappers" },
	{ "family/generic-beauvais", "date" }, { "family/generic-beauvais", "cookie" },
	{ "family/generic-beauvais", "menu" }, { "family/generic-beauvais", "indent" },
	{ "family/generic-beauvais", "nbsp" }, { "family/generic-beauvais", "tracking" },
	{ "family/generic-beauvais", "wrappers" },
};

static void test_noise_variants_identical(void)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(noise); i++) {
		const struct page *p = page_named(noise[i].page);
		struct extraction base, var;
		char *suffix = xasprintf(".noise-%s.html", noise[i].variant);
		char *html_base = fixture(p->name, ".html"), *html_var = fixture(p->name, suffix);
		CHECK(strcmp(html_base, html_var) != 0); /* the variant is a variant */
		CHECK_INT(extract_file(p->name, ".html", p->url, NULL, &base), 0);
		CHECK_INT(extract_file(p->name, suffix, p->url, NULL, &var), 0);
		if (strcmp(base.text, var.text))
			fprintf(stderr, "noise variant %s%s changed the text\n", p->name, suffix);
		CHECK_STR(var.text, base.text);
		char *fa = fieldset_serialize(&base.fields), *fb = fieldset_serialize(&var.fields);
		if (strcmp(noise[i].variant, "date"))
			CHECK_STR(fb, fa);
		free(fa);
		free(fb);
		extraction_release(&base);
		extraction_release(&var);
		free(html_base);
		free(html_var);
		free(suffix);
	}
}

static void test_date_variant_moves_page_updated(void)
{
	const struct page *p = page_named("family/dsfr-laon");
	struct extraction ex;
	CHECK_INT(extract_file(p->name, ".noise-date.html", p->url, NULL, &ex), 0);
	CHECK(field_has(&ex, "page_updated", "2024-05-14"));
	CHECK_INT(field_count(&ex, "page_updated"), 1);
	extraction_release(&ex);
}

static void extract_pair(const char *page, const char *variant, struct extraction *base,
			 struct extraction *var)
{
	const struct page *p = page_named(page);
	char *suffix = xasprintf(".change-%s.html", variant);
	CHECK_INT(extract_file(p->name, ".html", p->url, NULL, base), 0);
	CHECK_INT(extract_file(p->name, suffix, p->url, NULL, var), 0);
	CHECK(strcmp(base->text, var->text) != 0);
	free(suffix);
}

static void test_change_address_word(void)
{
	struct extraction a, b;
	extract_pair("family/dsfr-laon", "address", &a, &b);
	CHECK(field_has(&b, "addresses",
			"Préfecture de l'Aisne, DCL / bureau de la nationalité / AES, 4 Rue Paul Doumer, BP 20104, 02000 LAON"));
	CHECK_INT(field_count(&b, "addresses"), 1);
	CHECK(!field_has(&b, "addresses",
			 "Préfecture de l'Aisne, DCL / bureau de la nationalité / AES, 2 Rue Paul Doumer, BP 20104, 02000 LAON"));
	extraction_release(&a);
	extraction_release(&b);
}

static void test_change_link_target(void)
{
	struct extraction a, b;
	const char *old = "https://www.aisne.gouv.fr/content/download/28867/189316/file/CST%20-%20Admission%20exceptionnelle.pdf";
	const char *new = "https://www.aisne.gouv.fr/content/download/30112/201877/file/CST%20-%20AES%202024.pdf";
	extract_pair("family/dsfr-laon", "link", &a, &b);
	CHECK(field_has(&a, "forms", old) && field_has(&a, "links", old));
	CHECK(field_has(&b, "forms", new) && field_has(&b, "links", new));
	CHECK(!field_has(&b, "forms", old));
	extraction_release(&a);
	extraction_release(&b);
}

static void test_change_postal_to_online(void)
{
	struct extraction a, b;
	extract_pair("family/dsfr-laon", "online", &a, &b);
	CHECK(field_has(&a, "method", "postal"));
	CHECK(field_has(&b, "method", "online"));
	CHECK(!field_has(&b, "method", "postal"));
	extraction_release(&a);
	extraction_release(&b);
}

static void test_change_list_item(void)
{
	struct extraction a, b;
	extract_pair("family/ez-lille", "listitem", &a, &b);
	CHECK_CONTAINS(b.text, "\n- les ressortissants britanniques relèvent du régime de l'accord de retrait.\n");
	extraction_release(&a);
	extraction_release(&b);
}

static void test_change_closed_notice(void)
{
	struct extraction a, b;
	extract_pair("family/ds-arras", "closed", &a, &b);
	CHECK_CONTAINS(b.text, "Cette démarche est close. Vous ne pouvez plus déposer de dossier.");
	extraction_release(&a);
	extraction_release(&b);
}

static void test_change_email(void)
{
	struct extraction a, b;
	extract_pair("family/generic-beauvais", "email", &a, &b);
	CHECK(field_has(&a, "emails", "pref-sejour@oise.gouv.fr"));
	CHECK(field_has(&b, "emails", "pref-aes@oise.gouv.fr"));
	CHECK_INT(field_count(&b, "emails"), 1);
	CHECK(field_has(&a, "phones", "03 44 06 12 34"));
	extraction_release(&a);
	extraction_release(&b);
}

/* ---- canonical text on small pages ---- */

static char *text_of(const char *html, const char *url, const struct extract_rules *rules)
{
	struct extraction ex;
	char *err = NULL, *t;
	if (extract_html(html, strlen(html), url, rules, &ex, &err) < 0) {
		fprintf(stderr, "extract: %s\n", err);
		free(err);
		return xstrdup("(error)");
	}
	t = xstrdup(ex.text);
	extraction_release(&ex);
	return t;
}

#define CHECK_TEXT(html, expected) do { \
	char *t_ = text_of((html), "https://www.nord.gouv.fr/a/b/page", NULL); \
	CHECK_STR(t_, (expected)); \
	free(t_); \
} while (0)

static void test_whitespace_and_invisibles(void)
{
	CHECK_TEXT("<main><p>  a\u00a0\u202f b\u2009c\u3000d  </p></main>", "a b c d\n");
	CHECK_TEXT("<main><p>ad\u00admi\u200bnis\u2060tra\ufefftion</p></main>", "administration\n");
	CHECK_TEXT("<main><p>caf&eacute; &amp; th&#233;&nbsp;:</p></main>", "café & thé :\n");
	CHECK_TEXT("<main><p>a<b>b</b> <i>c</i></p></main>", "ab c\n");
	CHECK_TEXT("<main>\n<div><div>\n<p>\n one\n</p></div>\n<p>two</p></div></main>", "one\n\ntwo\n");
	CHECK_TEXT("<main><p>12 rue X<br>59000 LILLE<br/></p></main>", "12 rue X\n59000 LILLE\n");
	CHECK_TEXT("<main></main>", "");
	/* Invalid UTF-8 in, valid UTF-8 out. */
	char *t = text_of("<main><p>a\xff\xfe b\xc3</p></main>", "https://x.fr/", NULL);
	CHECK(utf8_valid(t, strlen(t)));
	CHECK_CONTAINS(t, "a");
	free(t);
}

static void test_blocks(void)
{
	CHECK_TEXT("<main><h2>T</h2><p>p</p><h3>U</h3></main>", "## T\n\np\n\n### U\n");
	CHECK_TEXT("<main><ul><li>a<ul><li>b</li><li>c<ol><li>d</li><li>e</li></ol></li></ul></li><li>f</li></ul></main>",
		   "- a\n  - b\n  - c\n    1. d\n    2. e\n- f\n");
	CHECK_TEXT("<main><ol start=\"3\"><li><p>x</p><p>y</p></li><li>z</li></ol></main>", "3. x\n   y\n4. z\n");
	CHECK_TEXT("<main><table><tr><th>Jour</th><th>Heures</th></tr><tr><td>Lundi</td><td><p>9h</p></td></tr></table></main>",
		   "Jour | Heures\nLundi | 9h\n");
	CHECK_TEXT("<main><p>a</p><ul><li></li></ul><p>b</p></main>", "a\n\nb\n");
}

static void test_dropped_elements(void)
{
	CHECK_TEXT("<main><p>keep</p><script>x()</script><style>p{}</style><noscript>js</noscript>"
		   "<template>t</template><svg><text>s</text></svg><iframe>i</iframe>"
		   "<input value=v><select><option>o</option></select><textarea>ta</textarea>"
		   "<button>b</button><nav>menu</nav></main>", "keep\n");
	CHECK_TEXT("<main><p hidden>h1</p><p aria-hidden=\"true\">h2</p><p style=\"color:red; display : none\">h3</p>"
		   "<p style=\"visibility:hidden\">h4</p><p>keep</p></main>", "keep\n");
	CHECK_TEXT("<main><div class=\"fr-breadcrumb\">Accueil</div><div id=\"tarteaucitronRoot\">cookies</div>"
		   "<ul class=\"share-buttons\"><li>Facebook</li></ul><p>keep</p></main>", "keep\n");
	/* "Dans la même rubrique" and what follows it, up to the next heading at its level. */
	CHECK_TEXT("<main><h2>A</h2><p>a</p><h2>Dans la même rubrique</h2><ul><li>x</li></ul>"
		   "<h3>sub</h3><p>y</p><h2>B</h2><p>b</p></main>", "## A\n\na\n\n## B\n\nb\n");
	/* Header and footer of an article are the article's. */
	CHECK_TEXT("<body><header>banner</header><main><article><header><h1>Titre</h1></header><p>t</p>"
		   "</article></main><footer>pied</footer></body>", "# Titre\n\nt\n");
}

static void test_links(void)
{
	char *t = text_of("<html><head><base href=\"https://www.aisne.gouv.fr/Demarches/\"></head><body><main>"
			  "<p><a href=\"doc.pdf?utm_source=x&amp;id=3&amp;xtor=AD-1#xtor=RSS-2\">Notice</a> "
			  "<a href=\"../Contact?fbclid=1&amp;gclid=2&amp;mtm_campaign=c&amp;pk_kwd=k\"> Contact </a>"
			  "<a href=\"mailto:Pref@aisne.gouv.fr\">écrire</a> <a href=\"tel:+33323215000\">appeler</a> "
			  "<a href=\"#haut\">haut</a> <a href=\"javascript:void(0)\">js</a> <a href=\"x\"><img src=i></a>"
			  "<a href=\"/fichier (1).pdf\">f</a></p></main></body></html>",
			  "https://www.aisne.gouv.fr/ignored/page", NULL);
	CHECK_STR(t, "[Notice](https://www.aisne.gouv.fr/Demarches/doc.pdf?id=3) "
		     "[Contact](https://www.aisne.gouv.fr/Contact) "
		     "[écrire](mailto:Pref@aisne.gouv.fr) [appeler](tel:+33323215000) haut js "
		     "[f](https://www.aisne.gouv.fr/fichier%20%281%29.pdf)\n");
	free(t);
	/* Without <base>: the page URL. */
	t = text_of("<main><a href=\"/a?b=1\">x</a></main>", "https://www.oise.gouv.fr/p/q", NULL);
	CHECK_STR(t, "[x](https://www.oise.gouv.fr/a?b=1)\n");
	free(t);
}

/* Volatile link parameters are noise (issue 21.1): session and tracking
 * parameters, path parameters and random-looking values go, the rest of
 * the query is sorted; ids and real parameters stay. */
static void test_volatile_link_params(void)
{
	static const struct {
		const char *in, *out;
	} urls[] = {
		{ "https://www.nord.gouv.fr/content/download/28866/file.pdf?id=28866&PHPSESSID=k3j4h5g6f7d8s9a0q1w2e3r4t5",
		  "https://www.nord.gouv.fr/content/download/28866/file.pdf?id=28866" },
		{ "https://x.fr/a;jsessionid=0A1B2C3D4E5F/b.pdf;JSESSIONID=abc?b=2&a=1&a=0",
		  "https://x.fr/a/b.pdf?a=1&a=0&b=2" },
		{ "https://x.fr/p?sid=9f8e7d6c5b4a&token=abc&_ga=2.1.3&xtor=AD-1&at_medium=email&at_campaign=x",
		  "https://x.fr/p" },
		/* a short numeric sid is an id (a section), not a session */
		{ "https://x.fr/p?sid=12", "https://x.fr/p?sid=12" },
		/* random-looking values go whatever their name; words, slugs,
		 * file names, numbers and UUID-shaped ids stay */
		{ "https://x.fr/p?h=e3b0c44298fc1c149afbf4c8996fb924&k=k3J4h5G6f7D8s9A0",
		  "https://x.fr/p" },
		{ "https://x.fr/p?ref=Liste-des-pieces-2024-AES&n=12345678901234567890&procedure=prefecture-du-pas-de-calais",
		  "https://x.fr/p?n=12345678901234567890&procedure=prefecture-du-pas-de-calais&ref=Liste-des-pieces-2024-AES" },
		{ "https://x.fr/doc?uid=550e8400-e29b-41d4-a716-446655440000",
		  "https://x.fr/doc?uid=550e8400-e29b-41d4-a716-446655440000" },
		{ "https://x.fr/p#xtor=RSS-1", "https://x.fr/p" },
		{ "https://x.fr/p#section-2", "https://x.fr/p#section-2" },
		{ "mailto:aes@pref.gouv.fr?subject=AES&utm_source=nl", "mailto:aes@pref.gouv.fr?subject=AES" },
		/* credentials in a link are never quoted */
		{ "http://agent:s3cret@intranet.pref.gouv.fr/aes", "http://intranet.pref.gouv.fr/aes" },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(urls); i++) {
		char *c = url_canonical(urls[i].in, NULL);
		CHECK_STR(c, urls[i].out);
		free(c);
	}
	/* extra names, exact or as a prefix */
	struct strvec extra = STRVEC_INIT;
	strvec_push(&extra, "visit");
	strvec_push(&extra, "cms_*");
	char *c = url_canonical("https://x.fr/p?visit=3&cms_a=1&cms_b=2&cms=3&id=4", &extra);
	CHECK_STR(c, "https://x.fr/p?cms=3&id=4");
	free(c);

	/* In the text and the facts: a token on a link changes nothing. */
	const char *a = "<main><p>Déposez votre dossier via le <a href=\"/aes/formulaire.pdf?id=28866\">formulaire</a>, "
			"voir <a href=\"https://www.nord.gouv.fr/index.php?page=aes\">la page</a> et "
			"https://www.nord.gouv.fr/liste.pdf?id=3</p></main>";
	const char *b = "<main><p>Déposez votre dossier via le <a href=\"/aes/formulaire.pdf?PHPSESSID=a8f5f167f44f4964e6c998dee827110c&amp;id=28866\">formulaire</a>, "
			"voir <a href=\"https://www.nord.gouv.fr/index.php;jsessionid=8F2A0C?sid=Zx81Kq03mNb7Lp52&amp;page=aes\">la page</a> et "
			"https://www.nord.gouv.fr/liste.pdf?id=3&amp;PHPSESSID=b7e3a1c9d2f4e6a8b0c1d3e5f7a9b2c4</p></main>";
	struct extraction ea, eb;
	char *err = NULL;
	CHECK_INT(extract_html(a, strlen(a), "https://www.nord.gouv.fr/x/page", NULL, &ea, &err), 0);
	CHECK_INT(extract_html(b, strlen(b), "https://www.nord.gouv.fr/x/page", NULL, &eb, &err), 0);
	char *fa = fieldset_serialize(&ea.fields), *fb = fieldset_serialize(&eb.fields);
	CHECK_STR(eb.text, ea.text);
	CHECK_STR(fb, fa);
	CHECK(field_has(&eb, "forms", "https://www.nord.gouv.fr/aes/formulaire.pdf?id=28866"));
	CHECK(field_has(&eb, "links", "https://www.nord.gouv.fr/liste.pdf?id=3"));
	/* and the linked documents are the same documents */
	struct doc_links la, lb;
	doc_links_find(&ea, "https://www.nord.gouv.fr/x/page", NULL, 20, &la);
	doc_links_find(&eb, "https://www.nord.gouv.fr/x/page", NULL, 20, &lb);
	CHECK_INT(lb.n, la.n);
	CHECK_INT(la.n, 2);
	for (size_t i = 0; i < la.n && i < lb.n; i++)
		CHECK_STR(lb.v[i].url, la.v[i].url);
	doc_links_release(&la);
	doc_links_release(&lb);
	free(fa);
	free(fb);
	extraction_release(&ea);
	extraction_release(&eb);

	/* ignore_params of a page: applied, and part of the fingerprint */
	struct extract_rules *r = extract_rules_new_params(NULL, NULL, NULL, &extra, &err);
	struct extract_rules *none = extract_rules_new_params(NULL, NULL, NULL, NULL, &err);
	char *t = text_of("<main><a href=\"/p?visit=77&amp;id=4\">x</a></main>", "https://x.fr/", r);
	CHECK_STR(t, "[x](https://x.fr/p?id=4)\n");
	free(t);
	CHECK(strcmp(extract_rules_fingerprint(r), extract_rules_fingerprint(none)));
	CHECK_STR(extract_rules_fingerprint(none), extract_rules_fingerprint(NULL));
	char fp[PW_HASH_HEX];
	extract_rules_fingerprint_of_params(NULL, NULL, NULL, &extra, fp);
	CHECK_STR(fp, extract_rules_fingerprint(r));
	extract_rules_free(r);
	extract_rules_free(none);
	strvec_release(&extra);
}

/* Unicode bidi controls reorder what a reader sees without being text:
 * embeddings, overrides, isolates and marks are dropped like the other
 * invisible characters (issue 20.7). */
static void test_bidi_controls(void)
{
	CHECK_TEXT("<main><p>a\u202ab\u202c c\u202bd\u202d\u202ee f\u2066g\u2067h\u2068i\u2069 "
		   "j\u200ek\u200fl\u061cm</p></main>", "ab cde fghi jklm\n");
	char *err = NULL;
	struct extraction ex;
	const char *html = "<title>Titre\u202e inversé</title><main><h1>\u2067Séjour\u2069</h1><p>x</p></main>";
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", NULL, &ex, &err), 0);
	CHECK_STR(ex.title, "Titre inversé");
	CHECK_STR(ex.heading, "Séjour");
	extraction_release(&ex);
}

/* <ol start> and <li value> are parsed with bounds: a start at INT_MAX
 * numbers on without overflowing (UBSan aborted here, issue 20.8), a value
 * out of the 32-bit range is ignored as browsers do, and <li value>
 * renumbers the items that follow. */
static void test_list_numbers_bounded(void)
{
	CHECK_TEXT("<main><ol start=\"2147483647\"><li>a</li><li>b</li><li>c</li></ol></main>",
		   "2147483647. a\n2147483648. b\n2147483649. c\n");
	CHECK_TEXT("<main><ol start=\"99999999999999999999\"><li>a</li><li>b</li></ol></main>", "1. a\n2. b\n");
	CHECK_TEXT("<main><ol start=\"-2147483648\"><li>a</li><li>b</li></ol></main>",
		   "-2147483648. a\n-2147483647. b\n");
	CHECK_TEXT("<main><ol start=\" 7th\"><li>a</li></ol></main>", "7. a\n");
	CHECK_TEXT("<main><ol start=\"abc\"><li>a</li></ol></main>", "1. a\n");
	CHECK_TEXT("<main><ol><li>a</li><li value=\"10\">b</li><li>c</li><li value=\"2147483647\">d</li>"
		   "<li>e</li><li value=\"-99999999999\">f</li></ol></main>",
		   "1. a\n10. b\n11. c\n2147483647. d\n2147483648. e\n2147483649. f\n");
}

/* An unclosed <style> or <script> makes the HTML parser (like a browser)
 * take the rest of the page as its raw text. Real procedure text swallowed
 * that way is recovered: the element is closed where markup starts again
 * (issue 20.8). A closed script whose strings hold markup is left alone. */
static void test_unclosed_raw_text(void)
{
	CHECK_TEXT("<html><head><title>t</title><style>p{color:red}\n"
		   "<body><main><h1>Titre</h1><p>Texte de la procédure.</p></main></body></html>\n",
		   "# Titre\n\nTexte de la procédure.\n");
	CHECK_TEXT("<html><body><main><h1>Titre</h1><script>var a = 1 < 2;\n"
		   "<p>Texte de la procédure.</p><p>Par voie postale.</p></main></body></html>\n",
		   "# Titre\n\nTexte de la procédure.\n\nPar voie postale.\n");
	/* Two in a row. */
	CHECK_TEXT("<html><head><style>a{}\n<script>if (x<y) go();\n</head><body><main>"
		   "<p>un</p><p>deux</p></main></body></html>",
		   "un\n\ndeux\n");
	CHECK_TEXT("<main><p>a</p><script>document.write('</div><p>x</p>')</script><p>b</p></main>",
		   "a\n\nb\n");
	CHECK_TEXT("<main><p>a</p><style>div > p { color: red }</style><p>b</p></main>", "a\n\nb\n");
	/* The facts of the recovered text are found too. */
	struct extraction ex;
	char *err = NULL;
	const char *html = "<html><head><style>p{}\n</head><body><main><p>Envoyez votre dossier "
			   "par voie postale.</p></main></body></html>";
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", NULL, &ex, &err), 0);
	CHECK(field_has(&ex, "method", "postal"));
	extraction_release(&ex);
}

/* The parser indexes id attributes only for rules that call id(); the
 * page's <meta charset> never re-decodes a body that is already UTF-8. */
static void test_ids_and_meta_charset(void)
{
	char *err = NULL;
	const char *html = "<html><head><meta charset=\"iso-8859-1\"></head><body>"
			   "<div id=\"x\"><p>menu</p></div><div id=\"x\"><p>doublon</p></div>"
			   "<div id=\"proc\"><p>Dépôt « en ligne » — pièces</p></div></body></html>";
	struct extract_rules *by_id = extract_rules_new("id('proc')", NULL, NULL, &err);
	struct extract_rules *by_id_spaced = extract_rules_new("//body | id ( \"proc\" )", NULL, NULL, &err);
	struct extract_rules *by_attr = extract_rules_new("//div[@id='proc']", NULL, NULL, &err);
	struct extract_rules *not_id = extract_rules_new("//div[starts-with(@id, 'pro')]", NULL, NULL, &err);
	CHECK(by_id && by_id_spaced && by_attr && not_id);
	char *a = text_of(html, "https://x.fr/", by_id);
	char *b = text_of(html, "https://x.fr/", by_attr);
	char *c = text_of(html, "https://x.fr/", not_id);
	char *d = text_of(html, "https://x.fr/", by_id_spaced);
	CHECK_STR(a, "Dépôt « en ligne » — pièces\n");
	CHECK_STR(b, "Dépôt « en ligne » — pièces\n");
	CHECK_STR(c, "Dépôt « en ligne » — pièces\n");
	CHECK_CONTAINS(d, "doublon");
	CHECK_CONTAINS(d, "Dépôt « en ligne » — pièces");
	/* the built-in selection too: UTF-8 stays UTF-8 */
	char *e = text_of(html, "https://x.fr/", NULL);
	CHECK_CONTAINS(e, "Dépôt « en ligne » — pièces");
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
	extract_rules_free(by_id);
	extract_rules_free(by_id_spaced);
	extract_rules_free(by_attr);
	extract_rules_free(not_id);
}

static void test_rules_select_exclude_ignore(void)
{
	struct strvec exclude = STRVEC_INIT, ignore = STRVEC_INIT;
	char *err = NULL;
	const char *html = "<body><div id=\"c\"><h1>T</h1><p class=\"x\">drop</p><p>Réf. 2024-118 : texte</p>"
			   "<p>Vu 1 234 fois</p></div><main><p>main</p></main></body>";
	strvec_push(&exclude, "//p[@class='x']");
	strvec_push(&ignore, "^Réf\\. \\d{4}-\\d+ : ");
	struct extract_rules *r = extract_rules_new("//div[@id='c']", &exclude, &ignore, &err);
	CHECK(r != NULL);
	struct extraction ex;
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", r, &ex, &err), 0);
	CHECK_STR(ex.text, "# T\n\ntexte\n");
	CHECK_STR(ex.rule, "select: //div[@id='c']");
	extraction_release(&ex);

	/* Fingerprints: same rules, same print; other rules, other print. */
	struct extract_rules *r2 = extract_rules_new("//div[@id='c']", &exclude, &ignore, &err);
	struct extract_rules *r3 = extract_rules_new("//div[@id='d']", &exclude, &ignore, &err);
	CHECK_STR(extract_rules_fingerprint(r), extract_rules_fingerprint(r2));
	CHECK(strcmp(extract_rules_fingerprint(r), extract_rules_fingerprint(r3)) != 0);
	CHECK(strcmp(extract_rules_fingerprint(r), extract_rules_fingerprint(NULL)) != 0);
	CHECK_INT(strlen(extract_rules_fingerprint(r)), PW_HASH_HEX - 1);
	extract_rules_free(r);
	extract_rules_free(r2);
	extract_rules_free(r3);
	extract_rules_free(NULL);

	/* A select that matches nothing is an empty text, not an error. */
	r = extract_rules_new("//article", NULL, NULL, &err);
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", r, &ex, &err), 0);
	CHECK_STR(ex.text, "");
	extraction_release(&ex);
	extract_rules_free(r);

	/* Bad rules are named. */
	r = extract_rules_new("//div[", NULL, NULL, &err);
	CHECK(r == NULL);
	CHECK_CONTAINS(err, "invalid select XPath '//div['");
	free(err);
	err = NULL;
	strvec_clear(&ignore);
	strvec_push(&ignore, "(unclosed");
	r = extract_rules_new(NULL, NULL, &ignore, &err);
	CHECK(r == NULL);
	CHECK_CONTAINS(err, "invalid ignore pattern '(unclosed'");
	CHECK_CONTAINS(err, "offset");
	free(err);
	strvec_release(&exclude);
	strvec_release(&ignore);
}

static void test_builtin_ignores_and_stamp(void)
{
	static const struct {
		const char *html;
		const char *date;
	} stamps[] = {
		{ "<main><p>Mis à jour le 02/03/2023</p><p>texte</p></main>", "2023-03-02" },
		{ "<main><p>Date de la dernière mise à jour : 02/03/2023</p><p>texte</p></main>", "2023-03-02" },
		{ "<main><p>Dernière mise à jour le 2 mars 2023</p><p>texte</p></main>", "2023-03-02" },
		{ "<main><p>Mise à jour : 1er février 2024 à 10h30</p><p>texte</p></main>", "2024-02-01" },
		{ "<main><p>Modifié le 15.11.2022</p><p>texte</p></main>", "2022-11-15" },
		{ "<main><p>Publié le 05/01/2021 - Mis à jour le 06/02/2022</p><p>texte</p><p>Vu 12 fois</p></main>", "2022-02-06" },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(stamps); i++) {
		struct extraction ex;
		char *err = NULL;
		CHECK_INT(extract_html(stamps[i].html, strlen(stamps[i].html), "https://x.fr/", NULL, &ex, &err), 0);
		CHECK_STR(ex.text, "texte\n");
		CHECK(field_has(&ex, "page_updated", stamps[i].date));
		extraction_release(&ex);
	}
	char out[11];
	CHECK(!facts_page_updated("aucune date ici", out));
	CHECK(!facts_page_updated("Mis à jour le 45/13/2023", out));
}

static void test_facts(void)
{
	struct fieldset fs = FIELDSET_INIT;
	facts_extract("", &fs);
	/* Always there, possibly empty, so that losing the last one is a delta. */
	const char *always[] = { "method", "addresses", "emails", "phones", "links", "forms" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(always); i++) {
		const struct field *f = fieldset_find(&fs, always[i]);
		CHECK(f != NULL);
		CHECK_INT(f ? f->values.n : 99, 0);
	}
	fieldset_release(&fs);

	facts_extract("Vous devez justifier de 5 ans de présence en France.\n\n"
		      "Il n'est plus nécessaire de prendre rendez-vous.\n\n"
		      "Les dossiers envoyés par courrier ne seront pas traités.\n\n"
		      "Contact : 03.20.30.59.59, +33 (0)3 21 21 20 00, 0033 1 49 27 49 27, 0800 123 456 789\n\n"
		      "Écrire à Pref-Sejour@Nord.gouv.fr.\n\n"
		      "Formulaire cerfa n°15186*01 et Cerfa 12345 ; voir https://www.service-public.fr/x.\n",
		      &fs);
	const struct field *m = fieldset_find(&fs, "method");
	CHECK_INT(m->values.n, 0);
	const struct field *p = fieldset_find(&fs, "phones");
	CHECK_INT(p->values.n, 3);
	CHECK(strvec_contains(&p->values, "03 20 30 59 59"));
	CHECK(strvec_contains(&p->values, "03 21 21 20 00"));
	CHECK(strvec_contains(&p->values, "01 49 27 49 27"));
	CHECK(strvec_contains(&fieldset_find(&fs, "emails")->values, "pref-sejour@nord.gouv.fr"));
	const struct field *fo = fieldset_find(&fs, "forms");
	CHECK(strvec_contains(&fo->values, "CERFA 15186*01"));
	CHECK(strvec_contains(&fo->values, "CERFA 12345"));
	CHECK(strvec_contains(&fieldset_find(&fs, "links")->values, "https://www.service-public.fr/x"));
	fieldset_release(&fs);

	/* a page's literal text that reads like a link to another scheme is
	 * no link fact (issue 15's hostile report test found it) */
	facts_extract("Écrit en texte : [clic](javascript:alert(1)) et [x](data:text/html,y) et "
		      "[ok](https://www.nord.gouv.fr/aes).\n", &fs);
	const struct field *lk = fieldset_find(&fs, "links");
	CHECK_INT(lk->values.n, 1);
	CHECK(strvec_contains(&lk->values, "https://www.nord.gouv.fr/aes"));
	fieldset_release(&fs);

	facts_extract("Déposez votre demande en ligne sur le site de l'ANEF.\n\n"
		      "Vous pouvez aussi envoyer votre dossier par courriel à aes@pref.gouv.fr.\n\n"
		      "Dépôt sur place au guichet du lundi au jeudi.\n\n"
		      "Prise de rendez-vous obligatoire.\n", &fs);
	m = fieldset_find(&fs, "method");
	CHECK(strvec_contains(&m->values, "online"));
	CHECK(strvec_contains(&m->values, "email"));
	CHECK(strvec_contains(&m->values, "in_person"));
	CHECK(strvec_contains(&m->values, "appointment"));
	CHECK(!strvec_contains(&m->values, "postal"));
	fieldset_release(&fs);

	/* A letter box is its own method, never "au guichet" (issue 21.8);
	 * a letter box named in a list of pieces is not a method at all. */
	facts_extract("Pour déposer votre courrier envoyez le par courrier recommandé à l'adresse suivante :\n\n"
		      "Sous préfecture de Douai\n642 Boulevard Albert 1er\n59507 DOUAI CEDEX\n\n"
		      "Ou le déposer dans la boîte aux lettres située au 642 Boulevard Albert 1er à Douai\n", &fs);
	m = fieldset_find(&fs, "method");
	CHECK(strvec_contains(&m->values, "letterbox"));
	CHECK(strvec_contains(&m->values, "postal"));
	CHECK(!strvec_contains(&m->values, "in_person"));
	CHECK_INT(m->values.n, 2);
	fieldset_release(&fs);
	facts_extract("Vous pouvez déposer votre dossier dans la boîte à lettres de la préfecture.\n", &fs);
	m = fieldset_find(&fs, "method");
	CHECK(strvec_contains(&m->values, "letterbox"));
	CHECK_INT(m->values.n, 1);
	fieldset_release(&fs);
	facts_extract("- justificatif de domicile : votre nom doit figurer sur la boîte aux lettres\n"
		      "- Présentez-vous au guichet avec l'original.\n", &fs);
	m = fieldset_find(&fs, "method");
	CHECK(!strvec_contains(&m->values, "letterbox"));
	CHECK(strvec_contains(&m->values, "in_person"));
	fieldset_release(&fs);
}

static void test_fields_present_and_absent(void)
{
	struct extraction ex;
	char *err = NULL;
	const char *html = "<main><p>Texte sans date.</p></main>";
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", NULL, &ex, &err), 0);
	/* No stamp: no page_updated field at all (nothing to report). */
	CHECK(fieldset_find(&ex.fields, "page_updated") == NULL);
	CHECK(fieldset_find(&ex.fields, "method") != NULL);
	CHECK_STR(ex.rule, "builtin: main");
	extraction_release(&ex);

	/* Exclude rules apply to the built-in selection too. */
	struct strvec exclude = STRVEC_INIT;
	strvec_push(&exclude, "//p[@id='drop']");
	struct extract_rules *r = extract_rules_new(NULL, &exclude, NULL, &err);
	html = "<body><div role=\"main\"><p>a</p><p id=\"drop\">b</p></div></body>";
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", r, &ex, &err), 0);
	CHECK_STR(ex.text, "a\n");
	CHECK_STR(ex.rule, "builtin: role=main");
	extraction_release(&ex);
	extract_rules_free(r);
	strvec_release(&exclude);

	html = "<body><div id=\"x\"><article><h1>Titre</h1><p>corps</p></article></div></body>";
	CHECK_INT(extract_html(html, strlen(html), "https://x.fr/", NULL, &ex, &err), 0);
	CHECK_STR(ex.rule, "builtin: article");
	CHECK_STR(ex.heading, "Titre");
	extraction_release(&ex);
}

static void test_bad_input(void)
{
	struct extraction ex;
	char *err = NULL;
	/* The length is checked before anything is read. */
	CHECK_INT(extract_html("<p>x</p>", (size_t)INT_MAX + 1, "https://x.fr/", NULL, &ex, &err), -1);
	CHECK_CONTAINS(err, "too large");
	free(err);
	err = NULL;
	CHECK_INT(extract_html("", 0, "https://x.fr/", NULL, &ex, &err), 0);
	CHECK_STR(ex.text, "");
	extraction_release(&ex);
	extraction_release(NULL);
	/* Deep nesting does not blow the stack. */
	struct buf b = BUF_INIT;
	buf_addstr(&b, "<main>");
	for (int i = 0; i < 20000; i++)
		buf_addstr(&b, "<div><span>");
	buf_addstr(&b, "deep</main>");
	CHECK_INT(extract_html(b.ptr, b.len, "https://x.fr/", NULL, &ex, &err), 0);
	CHECK(utf8_valid(ex.text, ex.text_len));
	extraction_release(&ex);
	buf_release(&b);
}

/* A text past its cap is said to be cut: a caller must never compare it
 * as if it were the whole page. */
static void test_text_cap_visible(void)
{
	struct buf h = BUF_INIT;
	struct extraction ex = { 0 };
	char *err = NULL;
	buf_addstr(&h, "<html><body><main><h1>AES</h1>");
	while (h.len < (9u << 20))
		buf_addstr(&h, "<p>Vous devez justifier de cinq ans de présence en France.</p>\n");
	buf_addstr(&h, "</main></body></html>");
	CHECK_INT(extract_html(h.ptr, h.len, "https://x.fr/aes", NULL, &ex, &err), 0);
	CHECK(ex.truncated);
	extraction_release(&ex);
	memset(&ex, 0, sizeof(ex));
	CHECK_INT(extract_html("<main><p>court</p></main>", 25, "https://x.fr/", NULL, &ex, &err), 0);
	CHECK(!ex.truncated);
	extraction_release(&ex);
	free(err);
	buf_release(&h);
}

/* ---- designs beyond Hauts-de-France (issue 23) ---- */

/* Word-level F1 of got against want: words are runs of non-spaces,
 * compared as multisets (precision over got's words, recall over want's).
 * 1.0 for two empty texts. */
static int cmp_word(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t split_words(const char *s, char ***out)
{
	size_t n = 0, alloc = 0;
	char **v = NULL;
	while (*s) {
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		size_t k = strcspn(s, " \n\t");
		if (!k)
			break;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		v[n++] = xstrndup(s, k);
		s += k;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_word);
	*out = v;
	return n;
}

/* The text as an editor quotes it: "[text](url)" is "text". */
static char *quoted(const char *s)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	for (const char *p = s; *p; p++) {
		if (*p == '[')
			continue;
		if (p[0] == ']' && p[1] == '(') {
			const char *close = strchr(p, ')');
			if (close) {
				p = close;
				continue;
			}
		}
		buf_addch(&b, *p);
	}
	return buf_detach(&b, NULL);
}

static double text_f1(const char *got_text, const char *want)
{
	char **g, **w;
	char *got = quoted(got_text);
	size_t ng = split_words(got, &g), nw = split_words(want, &w), common = 0;
	free(got);
	for (size_t i = 0, j = 0; i < ng && j < nw;) {
		int c = strcmp(g[i], w[j]);
		if (c == 0) {
			common++;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	double f1 = (ng == 0 && nw == 0) ? 1.0 : (2.0 * (double)common) / (double)(ng + nw);
	for (size_t i = 0; i < ng; i++)
		free(g[i]);
	for (size_t i = 0; i < nw; i++)
		free(w[i]);
	free(g);
	free(w);
	return f1;
}

static void test_f1_measure(void)
{
	CHECK(text_f1("", "") == 1.0);
	CHECK(text_f1("a b c", "c b a") == 1.0);
	CHECK(text_f1("a b", "a b c d") > 0.66 && text_f1("a b", "a b c d") < 0.67);
	CHECK(text_f1("a a", "a") > 0.66 && text_f1("a a", "a") < 0.67);
	CHECK(text_f1("x", "y") == 0.0);
	CHECK(text_f1("voir [la liste](https://x.fr/l.pdf) ici", "voir la liste ici") == 1.0);
}

struct design {
	const char *name;      /* fixtures/design/NAME{.html,.noise.html,.expected.txt} */
	const char *url;
	const char *rule;
	const char *methods[3];/* exactly these */
	const char *evidence;  /* in method_evidence */
};

static const struct design designs[] = {
	{ "design/ez-print-dunkerque",
	  "https://www.nord.gouv.fr/layout/set/print/Services-de-l-Etat/Horaires-et-coordonnees/Sous-prefecture-de-Dunkerque",
	  "builtin: ezpublish print", { "postal", "appointment" },
	  "Le dossier complet doit être envoyé à la Sous Préfecture à l'adresse suivante :" },
	{ "design/booking-ez", "https://www.nord.gouv.fr/booking/create/4321", "builtin: ezpublish (booking)",
	  { "appointment" }, "Prise de rendez-vous - admission exceptionnelle au séjour" },
	/* the booking module recognised by its form, whatever the address */
	{ "design/booking-dsfr", "https://www.nord.gouv.fr/Prendre-un-rendez-vous/AES", "builtin: dsfr (booking)",
	  { "appointment" }, "Prise de rendez-vous - admission exceptionnelle au séjour" },
	{ "design/dsfr-cergy", "https://www.val-doise.gouv.fr/Demarches/Etrangers/AES", "builtin: dsfr",
	  { "postal" },
	  "Pour une première demande d'admission exceptionnelle au séjour, vous devez remplir le formulaire "
	  "en ligne puis l'imprimer et l'envoyer par courrier, avec la copie des pièces de la liste, à "
	  "l'adresse suivante :" },
	{ "design/dsfr-evry", "https://www.essonne.gouv.fr/Demarches/Etrangers/AES", "builtin: dsfr",
	  { "appointment" },
	  "Les demandes d'admission exceptionnelle au séjour sont reçues uniquement sur rendez-vous." },
};

/* Furniture of these designs that must never reach the text. */
static const char *const design_furniture[] = {
	"Haut de page", "Aller au contenu", "Contenu", "Pied de page", "Vigilance", "Mouvement social",
	"Fermeture exceptionnelle", "Masquer le message", "Partager", "Votre avis", "avis nous intéresse",
	"Je donne mon avis", "Aidez-nous", "jedonnemonavis", "Étape", "Etape", "captcha", "Recopiez",
	"Écouter le code", "Effectuer une demande", "Veuillez cocher", "créneau", "Guichet 1",
	"Choix du guichet", "Conditions d'utilisation", "Imprimé le", "Adresse de la page", "Préfet du Nord",
	"Rechercher", "Mentions légales",
};

static void test_designs(void)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(designs); i++) {
		const struct design *d = &designs[i];
		struct extraction ex, nx;
		if (extract_file(d->name, ".html", d->url, NULL, &ex) < 0 ||
		    extract_file(d->name, ".noise.html", d->url, NULL, &nx) < 0) {
			CHECK(!"extraction failed");
			continue;
		}
		char *want = fixture(d->name, ".expected.txt");
		double f1 = text_f1(ex.text, want);
		fprintf(stderr, "%s: F1 %.4f against the expected text (%s)\n", d->name, f1, ex.rule);
		if (f1 < 0.97)
			fprintf(stderr, "%s: text:\n%s\n", d->name, ex.text);
		CHECK(f1 >= 0.97);
		CHECK_STR(ex.rule, d->rule);
		for (size_t k = 0; k < PW_ARRAY_SIZE(design_furniture); k++) {
			if (strstr(ex.text, design_furniture[k])) {
				fprintf(stderr, "%s: furniture '%s' in text\n", d->name, design_furniture[k]);
				CHECK(!"furniture in text");
			}
		}
		size_t n;
		for (n = 0; n < PW_ARRAY_SIZE(d->methods) && d->methods[n]; n++) {
			if (!field_has(&ex, "method", d->methods[n]))
				fprintf(stderr, "%s: method %s missing\n", d->name, d->methods[n]);
			CHECK(field_has(&ex, "method", d->methods[n]));
		}
		if (field_count(&ex, "method") != n)
			fprintf(stderr, "%s: %zu methods\n", d->name, field_count(&ex, "method"));
		CHECK_INT(field_count(&ex, "method"), n);
		CHECK(field_has(&ex, "method_evidence", d->evidence));
		/* a page that holds its procedure: neither empty nor a challenge */
		struct fetch_result res;
		memset(&res, 0, sizeof(res));
		CHECK_INT(crawler_classify(d->url, &res, &ex), PW_FAIL_NONE);
		/* the second night: only furniture changed */
		if (strcmp(ex.text, nx.text))
			fprintf(stderr, "%s: the noise night changed the text:\n%s\n", d->name, nx.text);
		CHECK_STR(nx.text, ex.text);
		char *fa = fieldset_serialize(&ex.fields), *fb = fieldset_serialize(&nx.fields);
		CHECK_STR(fb, fa);
		free(fa);
		free(fb);
		free(want);
		extraction_release(&ex);
		extraction_release(&nx);
	}
	/* The print layout gives the normal layout's text. */
	struct extraction a, b;
	CHECK_INT(extract_file("family/ez-dunkerque", ".html", page_named("family/ez-dunkerque")->url, NULL, &a), 0);
	CHECK_INT(extract_file("design/ez-print-dunkerque", ".html", designs[0].url, NULL, &b), 0);
	CHECK_STR(b.text, a.text);
	extraction_release(&a);
	extraction_release(&b);
}

/* The method is what the applicant must do to file, with the sentence
 * it was read from. */
static void test_method_from_procedure(void)
{
	static const struct {
		const char *text;
		const char *methods[3];
		const char *evidence;
	} cases[] = {
		{ "Vous devez remplir le formulaire en ligne puis l'imprimer et l'envoyer par courrier.\n",
		  { "postal" }, "Vous devez remplir le formulaire en ligne puis l'imprimer et l'envoyer par courrier." },
		{ "- Téléchargez le formulaire en ligne, complétez-le et adressez-le par voie postale.\n",
		  { "postal" }, "Téléchargez le formulaire en ligne, complétez-le et adressez-le par voie postale." },
		/* an alternative is two methods */
		{ "Vous pouvez déposer votre demande en ligne ou l'envoyer par courrier.\n",
		  { "postal", "online" }, "Vous pouvez déposer votre demande en ligne ou l'envoyer par courrier." },
		{ "Le jour du rendez-vous, présentez-vous au guichet avec les originaux.\n",
		  { "appointment" }, "Le jour du rendez-vous, présentez-vous au guichet avec les originaux." },
		{ "Prenez rendez-vous sur le site. Ensuite, présentez-vous au guichet 3.\n",
		  { "appointment" }, "Prenez rendez-vous sur le site." },
		{ "Sans rendez-vous, présentez-vous au guichet du lundi au vendredi.\n",
		  { "in_person" }, "Sans rendez-vous, présentez-vous au guichet du lundi au vendredi." },
		{ "Il n'est plus nécessaire de prendre rendez-vous. Présentez-vous au guichet.\n",
		  { "in_person" }, "Présentez-vous au guichet." },
		{ "Puis demande de rendez-vous en ligne : [https://www.somme.gouv.fr/booking/create/3148](https://www.somme.gouv.fr/booking/create/3148)\n",
		  { "appointment" }, "Puis demande de rendez-vous en ligne : https://www.somme.gouv.fr/booking/create/3148" },
		/* a counter in another paragraph than the appointment is a counter */
		{ "Dépôt sur place au guichet du lundi au jeudi.\n\nPrise de rendez-vous obligatoire.\n",
		  { "appointment", "in_person" }, "Dépôt sur place au guichet du lundi au jeudi." },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct fieldset fs = FIELDSET_INIT;
		facts_extract(cases[i].text, &fs);
		const struct field *m = fieldset_find(&fs, "method");
		const struct field *e = fieldset_find(&fs, "method_evidence");
		size_t n;
		for (n = 0; n < PW_ARRAY_SIZE(cases[i].methods) && cases[i].methods[n]; n++) {
			if (!strvec_contains(&m->values, cases[i].methods[n]))
				fprintf(stderr, "case %zu: method %s missing\n", i, cases[i].methods[n]);
			CHECK(strvec_contains(&m->values, cases[i].methods[n]));
		}
		if (m->values.n != n)
			fprintf(stderr, "case %zu: %zu methods\n", i, m->values.n);
		CHECK_INT(m->values.n, n);
		CHECK(e != NULL);
		if (e && !strvec_contains(&e->values, cases[i].evidence))
			fprintf(stderr, "case %zu: evidence %s\n", i, e->values.n ? e->values.v[0] : "(none)");
		CHECK(e && strvec_contains(&e->values, cases[i].evidence));
		fieldset_release(&fs);
	}
	/* Evidence is bounded, cut on a character boundary. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_addstr(&b, "très ");
	buf_addstr(&b, "long : envoyez votre dossier par voie postale.\n");
	struct fieldset fs = FIELDSET_INIT;
	facts_extract(buf_str(&b), &fs);
	const struct field *e = fieldset_find(&fs, "method_evidence");
	CHECK(e && e->values.n == 1);
	if (e && e->values.n == 1) {
		CHECK(strlen(e->values.v[0]) <= 300 + strlen("…"));
		CHECK(utf8_valid(e->values.v[0], strlen(e->values.v[0])));
	}
	fieldset_release(&fs);
	buf_release(&b);
	/* In a page, the skip and back-to-top links, the feedback button and
	 * box titles are furniture wherever they sit; other in-page links
	 * keep their text. */
	CHECK_TEXT("<main><a href=\"#contenu\">Aller au contenu</a><p>texte</p><p><a href=\"#haut\">haut</a></p>"
		   "<div class=\"fr-callout\"><p class=\"fr-callout__title\">Votre avis nous intéresse</p><p>x</p></div>"
		   "<p><a href=\"https://voxusagers.numerique.gouv.fr/Demarches/1\">Je donne mon avis</a></p>"
		   "<p><a class=\"fr-link\" href=\"#top\">Haut de page</a></p></main>", "texte\n\nhaut\n");
}

int main(void)
{
	TEST_RUN(test_golden_texts);
	TEST_RUN(test_guide_offices);
	TEST_RUN(test_ds_any_host);
	TEST_RUN(test_noise_variants_identical);
	TEST_RUN(test_date_variant_moves_page_updated);
	TEST_RUN(test_change_address_word);
	TEST_RUN(test_change_link_target);
	TEST_RUN(test_change_postal_to_online);
	TEST_RUN(test_change_list_item);
	TEST_RUN(test_change_closed_notice);
	TEST_RUN(test_change_email);
	TEST_RUN(test_whitespace_and_invisibles);
	TEST_RUN(test_blocks);
	TEST_RUN(test_dropped_elements);
	TEST_RUN(test_links);
	TEST_RUN(test_volatile_link_params);
	TEST_RUN(test_bidi_controls);
	TEST_RUN(test_list_numbers_bounded);
	TEST_RUN(test_unclosed_raw_text);
	TEST_RUN(test_rules_select_exclude_ignore);
	TEST_RUN(test_ids_and_meta_charset);
	TEST_RUN(test_builtin_ignores_and_stamp);
	TEST_RUN(test_facts);
	TEST_RUN(test_fields_present_and_absent);
	TEST_RUN(test_bad_input);
	TEST_RUN(test_text_cap_visible);
	TEST_RUN(test_f1_measure);
	TEST_RUN(test_designs);
	TEST_RUN(test_method_from_procedure);
	return test_finish();
}
