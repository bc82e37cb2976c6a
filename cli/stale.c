/*
 * stale.c - pages stale against the law: the editors' table of legal
 * events (watchlist/laws.c) against each page's stored text, through the
 * judge's judge_stale(), kept in the store and put in the report.
 *
 * A page is evaluated again only when its current snapshot or the table's
 * fingerprint differs from those of its last evaluation, so that a quiet
 * night (304s, same bytes) reads no text. The flags are read every night
 * for the report: each is listed the night it is raised, then weekly.
 */
#include "common/common.h"
#include "common/similar.h"

#include "cli/cli.h"
#include "cli/run.h"
#include "judge/judge.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* The fingerprint recorded with an evaluation: the table's, or one that
 * says there was none (every flag then goes). */
const char *cli_laws_fingerprint(const struct law_table *t)
{
	return t && t->file ? t->fingerprint : "none";
}

/* The phrases that made the verdict, as the table writes them. */
static char *evidence_of(const struct law_event *e, const struct judge_stale_verdict *v)
{
	if (v->why == JUDGE_STALE_CITES)
		return xstrdup(e->old_cited_as.v[v->index]);
	struct buf b = BUF_INIT;
	const struct strvec *ph = &e->signs[v->index].phrases;
	for (size_t i = 0; i < ph->n; i++)
		buf_printf(&b, "%s%s", i ? " » et « " : "", ph->v[i]);
	return buf_detach(&b, NULL);
}

int cli_stale_judge(const struct law_table *t, const char *text, const char *page_updated,
		    struct store_law_flag **out, size_t *n_out)
{
	char *folded = pw_fold_words(text);
	*out = xcalloc(t->n + 1, sizeof(**out));
	*n_out = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct law_event *e = &t->events[i];
		const struct strvec **signs = xcalloc(e->n_signs + 1, sizeof(*signs));
		for (size_t j = 0; j < e->n_signs; j++)
			signs[j] = &e->signs[j].folded;
		struct judge_law law = {
			.date = e->date,
			.new_cites = &e->cited_folded,
			.old_cites = &e->old_cited_folded,
			.signs = signs,
			.n_signs = e->n_signs,
		};
		struct judge_stale_verdict v;
		judge_stale(&law, folded, page_updated, &v);
		if (v.why != JUDGE_STALE_NO) {
			struct store_law_flag *f = &(*out)[(*n_out)++];
			f->event = xstrdup(e->key);
			f->title = xstrdup(e->title);
			f->evidence = evidence_of(e, &v);
			f->undated = v.undated;
			f->page_updated = xstrdup(page_updated);
		}
		free(signs);
	}
	free(folded);
	return 0;
}

static void flags_free(struct store_law_flag *v, size_t n)
{
	struct store_law_flags f = { v, n };
	store_law_flags_release(&f);
}

int cli_stale_refresh(struct store *s, const struct law_table *t, const char *page_id, time_t now)
{
	struct page_state st = { 0 };
	struct fieldset fields = { NULL, 0 };
	struct store_law_flag *v = NULL;
	size_t n = 0;
	int64_t evaluated = 0;
	char *fp = NULL;
	int ret = -1;
	const char *want = cli_laws_fingerprint(t);

	/* the snapshot's id alone first: a quiet night evaluates nothing */
	int64_t snapshot_id = 0;
	if (store_page_snapshot_id(s, page_id, &snapshot_id) < 0)
		goto cleanup;
	if (!snapshot_id) {
		ret = 0;
		goto cleanup;
	}
	int rc = store_law_eval_get(s, page_id, &evaluated, &fp);
	if (rc < 0)
		goto cleanup;
	if (rc == 0 && evaluated == snapshot_id && str_eq(fp, want)) {
		ret = 0;  /* same text, same table: the stored flags stand */
		goto cleanup;
	}
	if (store_page_state(s, page_id, &st) < 0)
		goto cleanup;
	if (st.fields)
		fieldset_parse(&fields, st.fields);
	cli_stale_judge(t, st.text ? st.text : "", field_first(&fields, "page_updated"), &v, &n);
	if (store_law_flags_set(s, page_id, st.snapshot_id, want, v, n, now) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	flags_free(v, n);
	fieldset_release(&fields);
	store_page_state_release(&st);
	free(fp);
	return ret;
}

int cli_stale_report(struct store *s, const char *page_id, struct report_page *rp, time_t now,
		     bool all)
{
	struct store_law_flags flags;
	if (store_law_flags_get(s, page_id, &flags) < 0)
		return -1;
	for (size_t i = 0; i < flags.n; i++) {
		const struct store_law_flag *f = &flags.v[i];
		bool reminder;
		if (!judge_stale_due(f->reported_at, now, &reminder) && !all)
			continue;
		struct report_stale *rs = report_page_add_stale(rp);
		rs->event = xstrdup(f->event);
		/* the key begins with the event's date (law_event.key) */
		rs->law_date = xstrndup(f->event, strlen(f->event) >= 10 ? 10 : 0);
		rs->title = xstrdup(f->title);
		rs->evidence = xstrdup(f->evidence);
		rs->undated = f->undated;
		rs->page_updated = xstrdup(f->page_updated);
		rs->reminder = reminder && !all;
		rs->flagged_at = f->flagged_at;
	}
	store_law_flags_release(&flags);
	return 0;
}

int cli_stale_mark_reported(struct store *s, const struct report *r, time_t at)
{
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		cap += r->pages[i].n_stale;
	const char **ids = xcalloc(cap + 1, sizeof(*ids));
	const char **events = xcalloc(cap + 1, sizeof(*events));
	for (size_t i = 0; i < r->n_pages; i++) {
		for (size_t j = 0; j < r->pages[i].n_stale; j++) {
			ids[n] = r->pages[i].id;
			events[n++] = r->pages[i].stale[j].event;
		}
	}
	int rc = store_law_flags_mark_reported(s, ids, events, n, at);
	free(ids);
	free(events);
	return rc;
}
