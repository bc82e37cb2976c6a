/*
 * test_thresholds.c - the thresholds table against whole procedure texts.
 *
 * lille.txt is the Lille procedure as the Gisti guide reproduces it
 * (../shared/seed, « Préfecture de Lille »), in the canonical form
 * extract.c writes; oise.html is an Oise-like page listing the criteria
 * of the circular of 28 November 2012 (the real page, stamped 02/03/2023,
 * paraphrased, with a phone, times, dates, an address and an unrelated
 * price added). Every threshold is asserted, in order, with its condition.
 */
#include "common/common.h"
#include "tests/common/test.h"
#include "crawler/crawler.h"

static void check_list(const struct fieldset *fs, const char *const *want, size_t n)
{
	const struct field *f = fieldset_find(fs, "thresholds");
	CHECK(f != NULL);
	if (!f)
		return;
	for (size_t i = 0; i < f->values.n || i < n; i++) {
		const char *got = i < f->values.n ? f->values.v[i] : "(none)";
		const char *exp = i < n ? want[i] : "(none)";
		if (strcmp(got, exp))
			fprintf(stderr, "threshold %zu:\n  got  %s\n  want %s\n", i, got, exp);
		CHECK_STR(got, exp);
	}
}

static struct fieldset thresholds_of(const char *text)
{
	struct fieldset fs = FIELDSET_INIT;
	thresholds_extract(text, &fs);
	return fs;
}

static void test_lille(void)
{
	static const char *const want[] = {
		"duration\tparent(s) d'enfants scolarisés\tprésence\tprésence 5 ans",
		"duration\tparent(s) d'enfants scolarisés\tscolarisation\tscolarisation 3 ans",
		"duration\tconjoint d'un étranger en situation régulière\tprésence\tprésence 5 ans",
		"duration\tconjoint d'un étranger en situation régulière\tvie commune\tvie commune 18 mois",
		"age\tvous venez d'avoir 18 ans\tâge\tâge 18 ans",
		"duration\tvous exercez une activité professionnelle\tprésence\tprésence 5 ans",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 8 mois sur 2 ans",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 30 mois sur 5 ans",
		"duration\tvous exercez une activité professionnelle\tprésence\tprésence 3 ans",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 24 mois sur 3 ans",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 8 mois sur 12 mois",
		"reference\tvous exercez une activité professionnelle\tCERFA\tCERFA 15186*01",
		"contract\tvous exercez une activité professionnelle\tcontrat\tcontrat 6 mois",
		"money\tvous exercez une activité professionnelle\tsalaire\tsalaire au moins égal au SMIC",
	};
	char *text = test_read_file("crawler/thresholds/lille.txt", NULL);
	struct fieldset fs = thresholds_of(text);
	check_list(&fs, want, PW_ARRAY_SIZE(want));
	fieldset_release(&fs);

	/* through facts_extract, beside the other facts */
	facts_extract(text, &fs);
	const struct field *f = fieldset_find(&fs, "thresholds");
	CHECK(f && f->values.n == PW_ARRAY_SIZE(want));
	CHECK(fieldset_find(&fs, "addresses") != NULL);
	fieldset_release(&fs);
	free(text);
}

static void test_oise(void)
{
	static const char *const want[] = {
		"reference\tAdmission exceptionnelle au séjour\tarticle\tarticle L435-1 du CESEDA",
		"reference\tAdmission exceptionnelle au séjour\tcirculaire\tcirculaire du 28/11/2012",
		"duration\tparent d'enfants scolarisés\tprésence\tprésence 5 ans",
		"duration\tparent d'enfants scolarisés\tscolarisation\tscolarisation 3 ans",
		"duration\tconjoint d'un étranger en situation régulière\tprésence\tprésence 5 ans",
		"duration\tconjoint d'un étranger en situation régulière\tvie commune\tvie commune 18 mois",
		"age\tentré en France mineur et que vous venez d'avoir 18 ans\tâge\tâge 18 ans",
		"age\tentré en France mineur et que vous venez d'avoir 18 ans\tâge\tâge 16 ans",
		"duration\tvous résidez en France depuis plus de 10 ans\tprésence\tprésence 10 ans",
		"count\tvous résidez en France depuis plus de 10 ans\tpreuves\t2 documents par semestre",
		"duration\tvous exercez une activité professionnelle\tprésence\tprésence 5 ans",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 8 mois sur 24 mois",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 30 mois sur 5 ans",
		"duration\tvous exercez une activité professionnelle\tprésence\tprésence 3 ans",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 24 mois",
		"duration\tvous exercez une activité professionnelle\tactivité\tactivité 8 mois sur 12 mois",
		"reference\tvous exercez une activité professionnelle\tCERFA\tCERFA 15186*03",
		"contract\tvous exercez une activité professionnelle\tcontrat\tcontrat 6 mois",
		"money\tvous exercez une activité professionnelle\tsalaire\tsalaire au moins égal au SMIC",
		"money\tDépôt du dossier\ttaxe\ttaxe 225 €",
	};
	size_t len;
	char *html = test_read_file("crawler/thresholds/oise.html", &len);
	struct extraction ex;
	char *err = NULL;
	CHECK_INT(extract_html(html, len, "http://127.0.0.1/oise", NULL, &ex, &err), 0);
	check_list(&ex.fields, want, PW_ARRAY_SIZE(want));
	/* the page's other numbers are still read as what they are */
	const struct field *ph = fieldset_find(&ex.fields, "phones");
	CHECK(ph && strvec_contains(&ph->values, "03 44 06 12 34"));
	extraction_release(&ex);
	free(err);
	free(html);
}

/* Numbers that are not thresholds. */
static void test_not_thresholds(void)
{
	static const char *const texts[] = {
		"Mis à jour le 02/03/2023. Publié le 2 mars 2023.",
		"Renseignements au 03 44 06 12 34 ou au +33 3 44 06 12 34, de 9h00 à 12h00 et de 14 h à 16 h 30.",
		"Préfecture de l'Oise\n1, place de la préfecture\nBP 20104\n60000 BEAUVAIS\n60022 Beauvais Cedex 12",
		"Bureau 12, 2e étage, porte 3. Accueil du lundi 3 au vendredi 7 avril.",
		"Les dossiers reçus avant le 15 mars 2023 seront traités en 2024.",
		"Le parking est à 2 € de l'heure ; la photocopie coûte 0,20 €.",
		"Le Kbis (moins de 3 mois) et les bordereaux des 2 derniers trimestres.",
		"Plus de 1 200 dossiers reçus en 2022, soit 35 % de plus.",
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(texts); i++) {
		struct fieldset fs = thresholds_of(texts[i]);
		const struct field *f = fieldset_find(&fs, "thresholds");
		CHECK(f != NULL);
		if (f && f->values.n) {
			fprintf(stderr, "text %zu: unexpected threshold %s\n", i, f->values.v[0]);
			CHECK(!"not a threshold");
		}
		fieldset_release(&fs);
	}
}

/* The same quantities written another way read the same. */
static void test_normalised(void)
{
	static const char *const pairs[][2] = {
		{ "Vous devez justifier de 5 ans de présence en France.",
		  "Il faut prouver une présence en France d'au moins cinq ans." },
		{ "Si vous êtes le conjoint d'un étranger en situation régulière :\n18 mois de vie commune.",
		  "- Si vous êtes le conjoint d’un étranger en situation régulière\nUne vie commune de dix-huit mois est demandée." },
		{ "Vu l'article L. 435-1 du CESEDA.", "En application de l'article L435-1 du code de l'entrée et du séjour." },
		{ "La circulaire du 28 novembre 2012.", "La circulaire Valls." },
		{ "Le timbre fiscal de 225 euros.", "Un timbre fiscal de 225,00 €." },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(pairs); i++) {
		struct fieldset a = thresholds_of(pairs[i][0]), b = thresholds_of(pairs[i][1]);
		char *sa = fieldset_serialize(&a), *sb = fieldset_serialize(&b);
		if (strcmp(sa, sb))
			fprintf(stderr, "pair %zu:\n%s---\n%s", i, sa, sb);
		CHECK_STR(sa, sb);
		CHECK(fieldset_find(&a, "thresholds")->values.n == 1);
		free(sa);
		free(sb);
		fieldset_release(&a);
		fieldset_release(&b);
	}
}

int main(void)
{
	TEST_RUN(test_lille);
	TEST_RUN(test_oise);
	TEST_RUN(test_not_thresholds);
	TEST_RUN(test_normalised);
	return test_finish();
}
