/*
 * test_thresholds_delta.c - threshold deltas paired by meaning
 * (reports/diff.c) and named in words first in a change, in the text,
 * HTML and JSON renderers and in the mail subject.
 *
 * The thresholds are written as crawler/thresholds.c gives them
 * ("KIND\tCONDITION\tSUBJECT\tVALUE"); the crawler's own tests check
 * that it does.
 */
#include "common/common.h"
#include "reports/report.h"
#include "tests/common/test.h"

#define CONJ "conjoint d'un étranger en situation régulière"
#define PAR "parent(s) d'enfants scolarisés"
#define PRO "vous exercez une activité professionnelle"

static const char *const base[] = {
	"reference\tCritères\tcirculaire\tcirculaire du 28/11/2012",
	"duration\t" PAR "\tprésence\tprésence 5 ans",
	"duration\t" PAR "\tscolarisation\tscolarisation 3 ans",
	"duration\t" CONJ "\tprésence\tprésence 5 ans",
	"duration\t" CONJ "\tvie commune\tvie commune 18 mois",
	"duration\t" PRO "\tprésence\tprésence 5 ans",
	"duration\t" PRO "\tactivité\tactivité 8 mois sur 24 mois",
	"money\t" PRO "\tsalaire\tsalaire au moins égal au SMIC",
};

static void set(struct fieldset *fs, const char *const *v, size_t n)
{
	(void)fieldset_get(fs, "thresholds");
	for (size_t i = 0; i < n; i++)
		fieldset_add(fs, "thresholds", v[i]);
}

static const struct field *delta_of(const char *const *nv, size_t nn, struct fieldset *d)
{
	struct fieldset o = FIELDSET_INIT, n = FIELDSET_INIT;
	set(&o, base, PW_ARRAY_SIZE(base));
	set(&n, nv, nn);
	fields_delta(&o, &n, d);
	fieldset_release(&o);
	fieldset_release(&n);
	return fieldset_find(d, "thresholds");
}


static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The text report (spaces collapsed: it wraps at 80 columns) and the
 * subject of one changed page whose thresholds went from base to nv. */
static void render(const char *const *nv, size_t nn, char **text, char **subject)
{
	struct report r;
	struct fieldset old_f = FIELDSET_INIT;
	report_init(&r);
	struct report_page *p = report_add_page(&r);
	p->id = xstrdup("60-beauvais");
	p->office_id = xstrdup("60-beauvais");
	p->url = xstrdup("http://127.0.0.1/aes");
	p->final_url = xstrdup(p->url);
	p->http_status = 200;
	p->status = PAGE_CHANGED;
	set(&old_f, base, PW_ARRAY_SIZE(base));
	set(&p->fields, nv, nn);
	struct report_change *c = xcalloc(1, sizeof(*c));
	c->id = 7;
	c->detected_at = 1764208800;
	c->old_text = xstrdup("a\n");
	c->new_text = xstrdup("b\n");
	p->text = xstrdup(c->new_text);
	fields_delta(&old_f, &p->fields, &c->deltas);
	p->change = c;
	char *t = report_render_text(&r);
	struct buf flat = BUF_INIT;
	for (const char *q = t; *q; q++) {
		if ((*q == '\n' || *q == ' ') && flat.len && flat.ptr[flat.len - 1] == ' ')
			continue;
		buf_addch(&flat, *q == '\n' ? ' ' : *q);
	}
	*text = buf_detach(&flat, NULL);
	*subject = report_subject(&r);
	free(t);
	fieldset_release(&old_f);
	report_release(&r);
}

static void test_single_number(void)
{
	const char *nv[PW_ARRAY_SIZE(base)];
	struct fieldset d = FIELDSET_INIT;
	memcpy(nv, base, sizeof(nv));
	nv[3] = "duration\t" CONJ "\tprésence\tprésence 3 ans";
	const struct field *f = delta_of(nv, PW_ARRAY_SIZE(nv), &d);
	CHECK(f && f->values.n == 1);
	if (f && f->values.n)
		CHECK_STR(f->values.v[0], "~duration\t" CONJ "\tprésence\tprésence 5 ans"
			  "\tduration\t" CONJ "\tprésence\tprésence 3 ans");
	char *text, *subject;
	render(nv, PW_ARRAY_SIZE(nv), &text, &subject);
	CHECK_CONTAINS(text, "Condition « " CONJ " » : présence 5 ans → 3 ans");
	/* exactly one named delta */
	CHECK_INT(count(text, "→"), 1);
	CHECK_INT(count(text, "Condition «"), 1);
	CHECK_CONTAINS(subject, "1 condition modifiée");
	free(text);
	free(subject);
	fieldset_release(&d);
}

static void test_reordered(void)
{
	const char *nv[PW_ARRAY_SIZE(base)];
	struct fieldset d = FIELDSET_INIT;
	/* the list of conditions upside down */
	for (size_t i = 0; i < PW_ARRAY_SIZE(base); i++)
		nv[i] = base[PW_ARRAY_SIZE(base) - 1 - i];
	CHECK(delta_of(nv, PW_ARRAY_SIZE(nv), &d) == NULL);
	CHECK_INT(d.n, 0);
	fieldset_release(&d);
}

static void test_rephrased(void)
{
	/* the condition's line reworded, its numbers the same; the reference
	 * cited under another heading */
	static const char *const nv[] = {
		"reference\tCe qu'il faut savoir\tcirculaire\tcirculaire du 28/11/2012",
		"duration\t" PAR "\tprésence\tprésence 5 ans",
		"duration\t" PAR "\tscolarisation\tscolarisation 3 ans",
		"duration\tmarié(e) ou pacsé(e) avec un étranger titulaire d'un titre de séjour\tprésence\tprésence 5 ans",
		"duration\tmarié(e) ou pacsé(e) avec un étranger titulaire d'un titre de séjour\tvie commune\tvie commune 18 mois",
		"duration\tvous travaillez\tprésence\tprésence 5 ans",
		"duration\tvous travaillez\tactivité\tactivité 8 mois sur 24 mois",
		"money\tvous travaillez\tsalaire\tsalaire au moins égal au SMIC",
	};
	struct fieldset d = FIELDSET_INIT;
	const struct field *f = delta_of(nv, PW_ARRAY_SIZE(nv), &d);
	for (size_t i = 0; f && i < f->values.n; i++)
		fprintf(stderr, "unexpected delta: %s\n", f->values.v[i]);
	CHECK(f == NULL);
	fieldset_release(&d);
}

static void test_moved_and_reference(void)
{
	const char *nv[PW_ARRAY_SIZE(base)];
	struct fieldset d = FIELDSET_INIT;
	memcpy(nv, base, sizeof(nv));
	nv[0] = "reference\tCritères\tcirculaire\tcirculaire du 23/01/2025";
	nv[4] = "duration\t" PAR "\tvie commune\tvie commune 18 mois";
	const struct field *f = delta_of(nv, PW_ARRAY_SIZE(nv), &d);
	CHECK(f && f->values.n == 2);
	char *text, *subject;
	render(nv, PW_ARRAY_SIZE(nv), &text, &subject);
	CHECK_CONTAINS(text, "Seuil : vie commune 18 mois passe de la condition « " CONJ
		       " » à la condition « " PAR " »");
	CHECK_CONTAINS(text, "Référence : circulaire du 28/11/2012 → circulaire du 23/01/2025");
	CHECK_CONTAINS(subject, "2 conditions modifiées, 1 référence modifiée");
	free(text);
	free(subject);
	fieldset_release(&d);
}

/* Facts stored before the thresholds were read say nothing of them. */
static void test_before_upgrade(void)
{
	struct fieldset o = FIELDSET_INIT, n = FIELDSET_INIT, d = FIELDSET_INIT;
	fieldset_add(&o, "method", "postal");
	fieldset_add(&n, "method", "postal");
	set(&n, base, PW_ARRAY_SIZE(base));
	fields_delta(&o, &n, &d);
	CHECK_INT(d.n, 0);
	fieldset_release(&o);
	fieldset_release(&n);
	fieldset_release(&d);
}

/* In every renderer and the subject, first in the change. */
static void test_rendered(void)
{
	struct report r;
	struct fieldset old_f = FIELDSET_INIT;
	const char *nv[PW_ARRAY_SIZE(base)];
	report_init(&r);
	r.title = xstrdup("Hauts-de-France");
	struct report_page *p = report_add_page(&r);
	p->id = xstrdup("60-beauvais");
	p->office_id = xstrdup("60-beauvais");
	p->url = xstrdup("http://127.0.0.1/aes");
	p->final_url = xstrdup(p->url);
	p->http_status = 200;
	p->status = PAGE_CHANGED;
	memcpy(nv, base, sizeof(nv));
	nv[3] = "duration\t" CONJ "\tprésence\tprésence 3 ans";
	set(&old_f, base, PW_ARRAY_SIZE(base));
	fieldset_add(&old_f, "addresses", "1 place de la Préfecture, 60000 BEAUVAIS");
	set(&p->fields, nv, PW_ARRAY_SIZE(nv));
	fieldset_add(&p->fields, "addresses", "2 place de la Préfecture, 60000 BEAUVAIS");
	struct report_change *c = xcalloc(1, sizeof(*c));
	c->id = 7;
	c->detected_at = 1764208800;
	c->old_text = xstrdup("Vous devez justifier de 5 ans de présence en France.\n");
	c->new_text = xstrdup("Vous devez justifier de 3 ans de présence en France.\n");
	p->text = xstrdup(c->new_text);
	fields_delta(&old_f, &p->fields, &c->deltas);
	p->change = c;

	const char *want = "Condition « " CONJ " » : présence 5 ans → 3 ans";
	char *text = report_render_text(&r);
	char *html = report_render_html(&r);
	char *json = report_render_json(&r);
	char *subject = report_subject(&r);
	char *brief = report_change_brief(p);
	/* text wraps at 80 columns: compare with the spaces collapsed */
	struct buf flat = BUF_INIT;
	for (const char *s = text; *s; s++) {
		if ((*s == '\n' || *s == ' ') && flat.len && flat.ptr[flat.len - 1] == ' ')
			continue;
		buf_addch(&flat, *s == '\n' ? ' ' : *s);
	}
	CHECK_CONTAINS(buf_str(&flat), want);
	const char *t1 = strstr(buf_str(&flat), "Condition «"), *a1 = strstr(buf_str(&flat), "Adresse :");
	CHECK(t1 && a1 && t1 < a1);
	CHECK_CONTAINS(html, "Condition « conjoint d&#39;un étranger en situation régulière »");
	CHECK_CONTAINS(html, "présence 5 ans");
	CHECK_CONTAINS(json, "\"thresholds\": [{\"change\": \"changed\", \"kind\": \"duration\", "
		       "\"old\": {\"kind\": \"duration\", \"condition\": \"" CONJ "\", \"subject\": \"présence\", "
		       "\"value\": \"présence 5 ans\"}, \"new\": {\"kind\": \"duration\", \"condition\": \"" CONJ
		       "\", \"subject\": \"présence\", \"value\": \"présence 3 ans\"}}]");
	CHECK_CONTAINS(subject, "1 condition modifiée");
	CHECK(!strstr(subject, "référence"));
	CHECK_CONTAINS(brief, "Conditions, Adresse");
	buf_release(&flat);
	free(text);
	free(html);
	free(json);
	free(subject);
	free(brief);
	fieldset_release(&old_f);
	report_release(&r);
}

int main(void)
{
	TEST_RUN(test_single_number);
	TEST_RUN(test_reordered);
	TEST_RUN(test_rephrased);
	TEST_RUN(test_moved_and_reference);
	TEST_RUN(test_before_upgrade);
	TEST_RUN(test_rendered);
	return test_finish();
}
