/*
 * guide.c - the guide's model and its French wording.
 *
 * The model is filled in guide order by the caller; this file only keeps
 * it and says the few things the seed guide says the same way for every
 * office: the département's article, an office's short name, the method
 * sentence. The renderers are in render.c.
 */
#include "common/common.h"
#include "guide/guide.h"

struct guide *guide_new(time_t at)
{
	struct guide *g = xcalloc(1, sizeof(*g));
	g->generated_at = at;
	return g;
}

static void office_release(struct guide_office *o)
{
	free(o->title);
	strvec_release(&o->methods);
	strvec_release(&o->urls);
	free(o->text);
	strvec_release(&o->addresses);
	for (size_t i = 0; i < o->n_checks; i++) {
		free(o->checks[i].page_url);
		free(o->checks[i].detail);
	}
	free(o->checks);
}

void guide_free(struct guide *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_deps; i++) {
		struct guide_departement *d = &g->deps[i];
		free(d->region);
		free(d->code);
		free(d->name);
		free(d->prefecture);
		strvec_release(&d->sous_prefectures);
		strvec_release(&d->no_aes);
		for (size_t j = 0; j < d->n_offices; j++)
			office_release(&d->offices[j]);
		free(d->offices);
	}
	free(g->deps);
	free(g);
}

struct guide_departement *guide_departement(struct guide *g, const char *region,
					    const char *code, const char *name)
{
	/* a few hundred départements at most: a linear search is enough */
	for (size_t i = 0; i < g->n_deps; i++) {
		struct guide_departement *d = &g->deps[i];
		if (!strcmp(d->region, region ? region : "") && !strcmp(d->code, code ? code : ""))
			return d;
	}
	if (g->n_deps == g->alloc_deps) {
		g->alloc_deps = g->alloc_deps ? g->alloc_deps * 2 : 16;
		g->deps = xrealloc(g->deps, g->alloc_deps * sizeof(*g->deps));
	}
	struct guide_departement *d = &g->deps[g->n_deps++];
	memset(d, 0, sizeof(*d));
	d->region = xstrdup(region ? region : "");
	d->code = xstrdup(code ? code : "");
	d->name = xstrdup(name ? name : "");
	return d;
}

struct guide_office *guide_office_add(struct guide_departement *d, const char *title)
{
	if (d->n_offices == d->alloc_offices) {
		d->alloc_offices = d->alloc_offices ? d->alloc_offices * 2 : 8;
		d->offices = xrealloc(d->offices, d->alloc_offices * sizeof(*d->offices));
	}
	struct guide_office *o = &d->offices[d->n_offices++];
	memset(o, 0, sizeof(*o));
	o->title = xstrdup(title ? title : "");
	return o;
}

void guide_office_check(struct guide_office *o, enum guide_check_kind kind, const char *page_url,
			time_t since, const char *detail, int64_t change_id)
{
	if (o->n_checks == o->alloc_checks) {
		o->alloc_checks = o->alloc_checks ? o->alloc_checks * 2 : 4;
		o->checks = xrealloc(o->checks, o->alloc_checks * sizeof(*o->checks));
	}
	struct guide_check *c = &o->checks[o->n_checks++];
	c->kind = kind;
	c->page_url = xstrdup(page_url);
	c->since = since;
	c->detail = xstrdup(detail);
	c->change_id = change_id;
}

/* ---- wording ------------------------------------------------------------ */

/* Names that do not take « de la » / « de l' » (masculine, plural, none).
 * The 101 départements' names as the INSEE spells them; a plural name
 * starts with one of the plural prefixes below. */
static const char *const masculine[] = {
	"Nord", "Pas-de-Calais", "Calvados", "Cantal", "Cher", "Doubs", "Finistère", "Gard",
	"Gers", "Jura", "Loiret", "Lot", "Lot-et-Garonne", "Loir-et-Cher", "Maine-et-Loire",
	"Morbihan", "Puy-de-Dôme", "Rhône", "Tarn", "Tarn-et-Garonne", "Var", "Val-d'Oise",
	"Val-de-Marne", "Vaucluse", "Bas-Rhin", "Haut-Rhin", "Territoire de Belfort",
};
static const char *const plural_prefix[] = {
	"Hautes-", "Hauts-", "Deux-", "Alpes", "Ardennes", "Bouches-", "Côtes-", "Landes",
	"Pyrénées", "Vosges", "Yvelines",
};
static const char *const no_article[] = { "Paris", "Mayotte" };

const char *guide_departement_article(const char *name)
{
	if (!name || !*name)
		return "de ";
	for (size_t i = 0; i < PW_ARRAY_SIZE(no_article); i++)
		if (!strcmp(name, no_article[i]))
			return "de ";
	for (size_t i = 0; i < PW_ARRAY_SIZE(masculine); i++)
		if (!strcmp(name, masculine[i]))
			return "du ";
	for (size_t i = 0; i < PW_ARRAY_SIZE(plural_prefix); i++)
		if (!strncmp(name, plural_prefix[i], strlen(plural_prefix[i])))
			return "des ";
	/* "Haute-Garonne": aspirated h (« de la »); "Hérault": mute h */
	static const char *const elided[] = { "A", "E", "I", "O", "U", "Y", "É", "È", "Ê", "Â",
					      "Î", "Ô", "Hérault" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(elided); i++)
		if (!strncmp(name, elided[i], strlen(elided[i])))
			return "de l'";
	return "de la ";
}

char *guide_short_name(const char *office_name)
{
	static const char *const prefixes[] = {
		"Sous-préfecture de ", "Sous-préfecture d'", "Sous-préfecture du ",
		"Sous-préfecture des ", "Préfecture de ", "Préfecture d'", "Préfecture du ",
		"Préfecture des ",
	};
	if (!office_name)
		return xstrdup("");
	for (size_t i = 0; i < PW_ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (!strncmp(office_name, prefixes[i], n) && office_name[n])
			return xstrdup(office_name + n);
	}
	return xstrdup(office_name);
}

/* The first method of this list the page states is the one the sentence
 * says: a page that is a démarches-simplifiées procedure or says « en
 * ligne » is filed online even when it also speaks of an appointment or
 * a letter; a postal procedure whose page also offers a letter box is
 * postal (the seed's Douai entry). */
static const struct {
	const char *method;
	const char *sentence;
} method_sentences[] = {
	{ "online_ds", "La demande d'admission exceptionnelle au séjour se fait par voie dématérialisée." },
	{ "online", "La demande d'admission exceptionnelle au séjour se fait par voie dématérialisée." },
	{ "postal", "La demande d'admission exceptionnelle au séjour se fait par voie postale." },
	{ "letterbox", "La demande d'admission exceptionnelle au séjour se fait par dépôt dans une boîte aux lettres." },
	{ "appointment", "La demande d'admission exceptionnelle au séjour se fait sur rendez-vous." },
	{ "email", "La demande d'admission exceptionnelle au séjour se fait par courriel." },
	{ "in_person", "La demande d'admission exceptionnelle au séjour se fait au guichet." },
};

const char *guide_method_sentence(const struct strvec *methods)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(method_sentences); i++)
		if (strvec_contains(methods, method_sentences[i].method))
			return method_sentences[i].sentence;
	return NULL;
}

/* ---- French order ---------------------------------------------------------- */

/* The letter an accented Latin-1 lower or upper case letter sorts as
 * (UTF-8, two bytes at s), or 0. Enough for French place names. */
static char fold2(const unsigned char *s)
{
	static const struct { unsigned char b; char c; } t[] = {
		{ 0x80, 'a' }, { 0x81, 'a' }, { 0x82, 'a' }, { 0x84, 'a' }, { 0x87, 'c' }, { 0x88, 'e' },
		{ 0x89, 'e' }, { 0x8a, 'e' }, { 0x8b, 'e' }, { 0x8e, 'i' }, { 0x8f, 'i' }, { 0x94, 'o' },
		{ 0x96, 'o' }, { 0x99, 'u' }, { 0x9b, 'u' }, { 0x9c, 'u' },
	};
	if (s[0] != 0xC3 || !s[1])
		return 0;
	unsigned char b = s[1] >= 0xA0 ? (unsigned char)(s[1] - 0x20) : s[1];
	for (size_t i = 0; i < PW_ARRAY_SIZE(t); i++)
		if (t[i].b == b)
			return t[i].c;
	return 0;
}

static int french_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	while (*p && *q) {
		char fp = fold2(p), fq = fold2(q);
		int cp = fp ? fp : (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		int cq = fq ? fq : (*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
		if (cp != cq)
			return cp - cq;
		p += fp ? 2 : 1;
		q += fq ? 2 : 1;
	}
	return (int)*p - (int)*q;
}

static int french_qcmp(const void *a, const void *b)
{
	int c = french_cmp(*(char *const *)a, *(char *const *)b);
	return c ? c : strcmp(*(char *const *)a, *(char *const *)b);
}

void guide_sort_names(struct strvec *names)
{
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), french_qcmp);
}
