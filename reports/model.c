/*
 * model.c - the in-memory report, its counts, the French summary and the
 * French wording the three renderers share.
 */
#include "common/common.h"
#include "common/url.h"
#include "reports/report.h"
#include "reports/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *report_page_status_name(enum page_status s)
{
	switch (s) {
	case PAGE_NEW: return "new";
	case PAGE_UNCHANGED: return "unchanged";
	case PAGE_CHANGED: return "changed";
	case PAGE_FAILED: return "failed";
	}
	return "unchanged";
}

const char *report_doc_status_name(enum doc_status s)
{
	switch (s) {
	case DOC_NEW: return "new";
	case DOC_UNCHANGED: return "unchanged";
	case DOC_CHANGED: return "changed";
	case DOC_FAILED: return "failed";
	case DOC_REMOVED: return "removed";
	case DOC_REPLACED: return "replaced";
	}
	return "unchanged";
}

struct report_document *report_page_add_document(struct report_page *p)
{
	p->documents = xrealloc(p->documents, (p->n_documents + 1) * sizeof(*p->documents));
	struct report_document *d = &p->documents[p->n_documents++];
	memset(d, 0, sizeof(*d));
	return d;
}

struct report_stale *report_page_add_stale(struct report_page *p)
{
	p->stale = xrealloc(p->stale, (p->n_stale + 1) * sizeof(*p->stale));
	struct report_stale *f = &p->stale[p->n_stale++];
	memset(f, 0, sizeof(*f));
	return f;
}

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

void report_reserve_pages(struct report *r, size_t n)
{
	if (n <= r->alloc)
		return;
	r->pages = xrealloc(r->pages, n * sizeof(*r->pages));
	r->alloc = n;
}

struct report_page *report_add_page(struct report *r)
{
	if (r->n_pages == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 16;
		r->pages = xrealloc(r->pages, r->alloc * sizeof(*r->pages));
	}
	struct report_page *p = &r->pages[r->n_pages++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void change_free(struct report_change *c)
{
	if (!c)
		return;
	free(c->old_text);
	free(c->new_text);
	fieldset_release(&c->deltas);
	free(c->state);
	free(c->reviewed_by);
	free(c->note);
	free(c->evidence_sha256);
	free(c);
}

void report_release(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_pages; i++) {
		struct report_page *p = &r->pages[i];
		free(p->id);
		free(p->office_id);
		free(p->office_name);
		free(p->region);
		free(p->departement);
		free(p->departement_name);
		free(p->url);
		strvec_release(&p->also_ids);
		strvec_release(&p->also_names);
		free(p->final_url);
		free(p->watchlist_file);
		free(p->text);
		fieldset_release(&p->fields);
		free(p->page_updated);
		change_free(p->change);
		free(p->error);
		report_relocation_free(p->relocation);
		for (size_t j = 0; j < p->n_documents; j++) {
			struct report_document *d = &p->documents[j];
			free(d->url);
			free(d->title);
			free(d->replaced_url);
			free(d->replaced_title);
			free(d->type);
			free(d->note);
			change_free(d->change);
			free(d->error);
		}
		free(p->documents);
		for (size_t j = 0; j < p->n_stale; j++) {
			free(p->stale[j].event);
			free(p->stale[j].law_date);
			free(p->stale[j].title);
			free(p->stale[j].evidence);
			free(p->stale[j].page_updated);
		}
		free(p->stale);
	}
	free(r->pages);
	free(r->title);
	if (r->has_spool)
		close(r->spool_fd);
	memset(r, 0, sizeof(*r));
}

/* An unlinked read-write file in $TMPDIR (else /tmp) that no child
 * process (document converters, sendmail) inherits; -1 with errno. */
static int spool_open(void)
{
	char *path = NULL;
	int fd = pw_tmpfile("prefwatch-spool", &path);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}

void report_page_keep_text(struct report *r, struct report_page *p, const char *text)
{
	size_t len = strlen(text);
	free(p->text);
	p->text = NULL;
	p->spool_len = 0;
	/* a short text costs less in memory than a file write */
	if (len >= 256) {
		if (!r->has_spool && !r->spool_failed) {
			r->spool_fd = spool_open();
			r->has_spool = r->spool_fd >= 0;
			r->spool_failed = !r->has_spool;
			if (r->spool_failed)
				log_warn(_("cannot create a temporary file for new pages' texts (%s): "
					 "they are kept in memory"), strerror(errno));
		}
		/* texts are appended (pread does not move the file offset) */
		if (r->has_spool && !r->spool_failed &&
		    pw_write_all(r->spool_fd, text, len) == 0) {
			p->spool_off = r->spool_size;
			p->spool_len = len;
			r->spool_size += (int64_t)len;
			return;
		}
		/* after a failed write the offset is unknown: spool no more */
		if (r->has_spool && !r->spool_failed)
			log_warn(_("cannot spool a page's text (%s): texts kept in memory from now on"),
				 strerror(errno));
		r->spool_failed = true;
	}
	p->text = xstrdup(text);
}

int report_page_text(const struct report *r, const struct report_page *p, char **out)
{
	*out = NULL;
	if (p->text) {
		*out = xstrdup(p->text);
		return 0;
	}
	if (p->spool_len) {
		if (!r->has_spool) {
			errno = EBADF;
			return -1;
		}
		char *s = xmalloc(p->spool_len + 1);
		size_t done = 0;
		while (done < p->spool_len) {
			ssize_t n = pread(r->spool_fd, s + done, p->spool_len - done,
					  (off_t)p->spool_off + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == 0)
					errno = EIO;    /* the file was cut short */
				free(s);
				return -1;
			}
			done += (size_t)n;
		}
		s[done] = '\0';
		*out = s;
		return 0;
	}
	if (p->change && p->change->new_text)
		*out = xstrdup(p->change->new_text);
	return 0;
}

char *fr_also_for(const struct report_page *p)
{
	if (!p->also_names.n)
		return NULL;
	struct buf b = BUF_INIT;
	buf_addstr(&b, "Concerne aussi : ");
	for (size_t i = 0; i < p->also_names.n; i++)
		buf_printf(&b, "%s%s", i ? (i + 1 == p->also_names.n ? " et " : ", ") : "",
			   p->also_names.v[i]);
	buf_addstr(&b, " (même procédure).");
	return buf_detach(&b, NULL);
}

bool report_page_wants_quiet_line(const struct report_page *p)
{
	return report_page_effective_status(p) == PAGE_UNCHANGED && (p->republished || p->rules_changed);
}

bool fact_shown_elsewhere(const struct report_page *p, const char *field, const char *value)
{
	bool link = !strcmp(field, "links"), form = !strcmp(field, "forms");
	if (!link && !form)
		return false;
	for (size_t i = 0; i < p->n_documents; i++)
		if (p->documents[i].status == DOC_NEW && p->documents[i].url &&
		    !strcmp(p->documents[i].url, value))
			return true;
	if (link) {
		const struct field *f = fieldset_find(&p->fields, "forms");
		for (size_t j = 0; f && j < f->values.n; j++)
			if (!strcmp(f->values.v[j], value))
				return true;
	}
	return false;
}

bool report_page_is_moved(const struct report_page *p)
{
	return p->url_moved && p->final_url && report_page_effective_status(p) != PAGE_FAILED;
}

char *fr_recovered(const struct report_page *p, time_t now)
{
	char back[11], since[11];
	if (!p->recovered || report_page_effective_status(p) == PAGE_FAILED)
		return NULL;
	pw_time_fr(now, back);
	if (!p->was_failing_since)
		return xasprintf("De nouveau accessible depuis le %s.", back);
	pw_time_fr(p->was_failing_since, since);
	return xasprintf("De nouveau accessible depuis le %s (inaccessible depuis le %s).", back,
			 since);
}

void report_relocation_free(struct report_relocation *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->n; i++) {
		free(rl->v[i].url);
		free(rl->v[i].title);
	}
	free(rl->v);
	strvec_release(&rl->searched);
	strvec_release(&rl->problems);
	free(rl);
}

/* "0,93": the French decimal comma. */
static char *fr_score(double score)
{
	char *s = xasprintf("%.2f", score);
	for (char *c = s; *c; c++)
		if (*c == '.')
			*c = ',';
	return s;
}

void fr_relocation_lines(const struct report_page *p, struct strvec *out)
{
	const struct report_relocation *rl = p->relocation;
	struct buf b = BUF_INIT;
	if (!rl)
		return;
	if (rl->found) {
		char *sc = fr_score(rl->v[0].score);
		strvec_push_nodup(out, xasprintf("Nouvelle adresse probable : %s (similarité %s) — "
						 "ancienne : %s", rl->v[0].url, sc,
						 p->url ? p->url : "?"));
		free(sc);
		for (size_t i = 1; i < rl->n; i++) {
			sc = fr_score(rl->v[i].score);
			buf_printf(&b, "%s%s (%s)", i > 1 ? " ; " : "", rl->v[i].url, sc);
			free(sc);
		}
		if (b.len)
			strvec_push_nodup(out, xasprintf("Autres candidates : %s", buf_str(&b)));
		strvec_push_nodup(out, xasprintf("Pour suivre la page à cette adresse : prefwatch "
						 "relocate %s %s --write", p->id, rl->v[0].url));
	} else {
		strvec_push(out, "Nouvelle adresse : aucune page correspondante trouvée sur le site.");
	}
	buf_reset(&b);
	for (size_t i = 0; i < rl->searched.n; i++)
		buf_printf(&b, "%s%s", i ? " ; " : "", rl->searched.v[i]);
	strvec_push_nodup(out, xasprintf("Recherché : %s.", b.len ? buf_str(&b) : "rien (aucune source)"));
	buf_release(&b);
}

char *fr_move_instruction(const struct report_page *p)
{
	if (p->watchlist_file && p->watchlist_line > 0)
		return xasprintf("Mettre à jour le lien dans le guide et dans la liste de "
				 "surveillance (%s, ligne %d) :", p->watchlist_file, p->watchlist_line);
	return xstrdup("Mettre à jour le lien dans le guide et dans la liste de surveillance.");
}

char *republished_group(const struct report *r, size_t *n)
{
	struct buf b = BUF_INIT;
	*n = 0;
	for (size_t i = 0; i < r->n_pages; i++) {
		const struct report_page *p = &r->pages[i];
		if (!report_page_wants_quiet_line(p) || !p->republished)
			continue;
		char *h = fr_page_heading(p);
		buf_printf(&b, "%s%s", *n ? " ; " : "", h);
		free(h);
		(*n)++;
	}
	if (*n < QUIET_GROUP_MIN) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

size_t quiet_entries(const struct report *r, bool grouped)
{
	size_t n = grouped;
	for (size_t i = 0; i < r->n_pages; i++) {
		const struct report_page *p = &r->pages[i];
		if (!report_page_wants_quiet_line(p))
			continue;
		n += p->republished && !grouped;
		n += p->rules_changed;
	}
	return n;
}

bool report_page_is_quiet(const struct report_page *p)
{
	/* a real change stays a change even when the rules changed too */
	return p->status == PAGE_UNCHANGED && (p->rules_changed || p->republished);
}

enum page_status report_page_effective_status(const struct report_page *p)
{
	if (report_page_is_quiet(p))
		return PAGE_UNCHANGED;
	/* a CHANGED page without its change cannot be shown as one */
	if (p->status == PAGE_CHANGED && !p->change)
		return PAGE_UNCHANGED;
	return p->status;
}

void report_count(const struct report *r, struct report_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < r->n_pages; i++) {
		const struct report_page *p = &r->pages[i];
		c->pages++;
		switch (report_page_effective_status(p)) {
		case PAGE_NEW: c->new_pages++; break;
		case PAGE_UNCHANGED: c->unchanged++; break;
		case PAGE_CHANGED: c->changed++; break;
		case PAGE_FAILED:
			c->failed++;
			c->failed_listed += p->listed;
			c->failed_ack += p->acknowledged && !p->listed;
			break;
		}
		c->moved += report_page_is_moved(p);
		if (report_page_effective_status(p) == PAGE_CHANGED && p->change) {
			int conds, refs;
			threshold_delta_count(&p->change->deltas, &conds, &refs);
			c->conditions += conds;
			c->references += refs;
		}
		c->recovered += p->recovered && report_page_effective_status(p) != PAGE_FAILED;
		c->stale += p->n_stale > 0;
		for (size_t j = 0; j < p->n_documents; j++) {
			const struct report_document *d = &p->documents[j];
			if (d->superseded)
				continue;
			switch (d->status) {
			case DOC_NEW: c->doc_new += report_doc_has_news(p, d); break;
			case DOC_CHANGED: c->doc_changed += d->change != NULL; break;
			case DOC_REMOVED: c->doc_removed++; break;
			case DOC_REPLACED: c->doc_replaced++; break;
			case DOC_FAILED:
				c->doc_failed++;
				c->doc_failed_listed += d->listed;
				break;
			case DOC_UNCHANGED: break;
			}
		}
	}
}

bool report_doc_has_news(const struct report_page *p, const struct report_document *d)
{
	if (d->superseded)
		return false;
	/* the documents of a new page are its baseline, shown with it */
	if (d->status == DOC_NEW)
		return report_page_effective_status(p) != PAGE_NEW;
	return d->status == DOC_REMOVED || d->status == DOC_REPLACED ||
	       (d->status == DOC_CHANGED && d->change) || (d->status == DOC_FAILED && d->listed);
}

size_t report_page_doc_news(const struct report_page *p)
{
	size_t n = 0;
	for (size_t j = 0; j < p->n_documents; j++)
		n += report_doc_has_news(p, &p->documents[j]);
	return n;
}

char *fr_doc_counts(const struct report_counts *c)
{
	struct buf b;
	buf_init(&b, 1024);
	const struct { int n; const char *one, *many; } parts[] = {
		{ c->doc_changed, "modifié", "modifiés" },
		{ c->doc_new, "nouveau", "nouveaux" },
		{ c->doc_replaced, "remplacé", "remplacés" },
		{ c->doc_removed, "retiré", "retirés" },
		{ c->doc_failed_listed, "inaccessible", "inaccessibles" },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(parts); i++) {
		if (!parts[i].n)
			continue;
		char *s = fr_count(parts[i].n, parts[i].one, parts[i].many);
		buf_printf(&b, "%s%s", b.len ? ", " : "documents liés : ", s);
		free(s);
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

bool report_has_news(const struct report *r)
{
	struct report_counts c;
	report_count(r, &c);
	/* a new official address is news: the guide's link must change; a
	 * page back after a failure the editors were told of too */
	if (c.changed || c.new_pages || c.failed_listed || c.moved || c.recovered || c.stale)
		return true;
	/* a linked document alone is news, whatever its page did */
	if (c.doc_changed || c.doc_new || c.doc_removed || c.doc_replaced || c.doc_failed_listed)
		return true;
	return false;
}

char *fr_count(int n, const char *singular, const char *plural)
{
	/* French: 0 and 1 take the singular */
	return xasprintf("%d %s", n, n > 1 ? plural : singular);
}

char *report_summary(const struct report *r)
{
	struct report_counts c;
	report_count(r, &c);
	if (!r->run_id) {
		char *chg = fr_count(c.changed, "modification", "modifications");
		char *fail = fr_count(c.failed, "inaccessible", "inaccessibles");
		char *nw = fr_count(c.new_pages, "nouvelle", "nouvelles");
		char *docs = fr_doc_counts(&c);
		char *s = xasprintf("%s — %s, %s%s%s", chg, fail, nw, docs ? " ; " : "", docs ? docs : "");
		free(docs);
		free(chg);
		free(fail);
		free(nw);
		return s;
	}
	char *pages = fr_count(c.pages, "page vérifiée", "pages vérifiées");
	char *chg = fr_count(c.changed, "modifiée", "modifiées");
	char *fail = fr_count(c.failed, "inaccessible", "inaccessibles");
	char *nw = fr_count(c.new_pages, "nouvelle", "nouvelles");
	char *docs = fr_doc_counts(&c);
	char *moved = c.moved ? fr_count(c.moved, "adresse à mettre à jour",
					 "adresses à mettre à jour") : NULL;
	char *back = c.recovered ? fr_count(c.recovered, "page de nouveau accessible",
					    "pages de nouveau accessibles") : NULL;
	char *stale = c.stale ? fr_count(c.stale, "page antérieure à la loi",
					 "pages antérieures à la loi") : NULL;
	char *s = xasprintf("%s — %s, %s, %s%s%s%s%s%s%s%s%s", pages, chg, fail, nw,
			    moved ? " ; " : "", moved ? moved : "", back ? " ; " : "",
			    back ? back : "", stale ? " ; " : "", stale ? stale : "",
			    docs ? " ; " : "", docs ? docs : "");
	free(stale);
	free(moved);
	free(back);
	free(docs);
	free(pages);
	free(chg);
	free(fail);
	free(nw);
	return s;
}

/* "[prefwatch] Hauts-de-France : 2 modalités modifiées, 1 page
 * inaccessible": only what there is, in the order the report shows it. */
char *report_subject(const struct report *r)
{
	struct report_counts c;
	struct strvec parts = STRVEC_INIT;
	struct buf b;
	report_count(r, &c);
	if (c.changed)
		strvec_push_nodup(&parts, fr_count(c.changed, "modalité modifiée", "modalités modifiées"));
	if (c.conditions)
		strvec_push_nodup(&parts, fr_count(c.conditions, "condition modifiée", "conditions modifiées"));
	if (c.references)
		strvec_push_nodup(&parts, fr_count(c.references, "référence modifiée", "références modifiées"));
	if (c.moved)
		strvec_push_nodup(&parts, fr_count(c.moved, "adresse à mettre à jour",
						   "adresses à mettre à jour"));
	if (c.failed_listed)
		strvec_push_nodup(&parts, fr_count(c.failed_listed, "page inaccessible", "pages inaccessibles"));
	if (c.recovered)
		strvec_push_nodup(&parts, fr_count(c.recovered, "page de nouveau accessible",
						   "pages de nouveau accessibles"));
	if (c.new_pages)
		strvec_push_nodup(&parts, fr_count(c.new_pages, "nouvelle page", "nouvelles pages"));
	if (c.stale)
		strvec_push_nodup(&parts, fr_count(c.stale, "page antérieure à la loi",
						   "pages antérieures à la loi"));
	if (c.doc_changed)
		strvec_push_nodup(&parts, fr_count(c.doc_changed, "document modifié", "documents modifiés"));
	if (c.doc_new)
		strvec_push_nodup(&parts, fr_count(c.doc_new, "nouveau document", "nouveaux documents"));
	if (c.doc_replaced)
		strvec_push_nodup(&parts, fr_count(c.doc_replaced, "document remplacé",
						   "documents remplacés"));
	if (c.doc_removed)
		strvec_push_nodup(&parts, fr_count(c.doc_removed, "document retiré", "documents retirés"));
	if (c.doc_failed_listed)
		strvec_push_nodup(&parts, fr_count(c.doc_failed_listed, "document inaccessible",
						   "documents inaccessibles"));
	buf_init(&b, 1024);
	buf_addstr(&b, "[prefwatch] ");
	/* a subject is one line: a title from a page must not add headers */
	for (const char *t = r->title ? r->title : ""; *t && (b.len < 200 || ((unsigned char)*t & 0xC0) == 0x80); t++)
		buf_addch(&b, (unsigned char)*t < ' ' ? ' ' : *t);
	buf_addstr(&b, r->title && *r->title ? " : " : "");
	if (!parts.n)
		buf_addstr(&b, "rien à signaler");
	for (size_t i = 0; i < parts.n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", parts.v[i]);
	strvec_release(&parts);
	return buf_detach(&b, NULL);
}

/* The descriptor a path names without naming a file: "-", /dev/stdout,
 * /dev/stderr, /dev/fd/N, /proc/self/fd/N; -1 for any other path. A
 * /dev/stdout that is a regular file (`> out.txt`) must not be renamed over
 * out.txt: it means "our standard output", wherever that goes. */
static int output_fd(const char *path)
{
	static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/" };
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	for (size_t i = 0; i < PW_ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) || !path[n])
			continue;
		char *end;
		long fd = strtol(path + n, &end, 10);
		if (*end || fd < 0 || fd > INT_MAX || path[n] == '-' || path[n] == '+')
			return -1;
		return (int)fd;
	}
	return -1;
}

bool report_output_is_stdout(const char *path)
{
	return path && output_fd(path) == STDOUT_FILENO;
}

const char *report_output_strerror(int errnum)
{
	switch (errnum) {
	case ENOSPC: return "disk full (no space left on device)";
	case EDQUOT: return "disk quota exceeded";
	case ENXIO: return "no process is reading this FIFO";
	case ENOTSUP: return "not a regular file, a character device or a FIFO";
	default: return strerror(errnum);
	}
}

/* fill() into an open descriptor we do not own (our stdout or stderr):
 * stdio's buffer goes first so that the order of the output is kept. */
static int write_to_fd(int fd, int (*fill)(int fd, void *arg), void *arg)
{
	if (fd == STDOUT_FILENO && fflush(stdout) == EOF)
		return -1;
	if (fd == STDERR_FILENO)
		fflush(stderr);
	return fill(fd, arg);
}

/* A character device (/dev/null, a terminal) or a FIFO: written where it is,
 * never replaced. O_NONBLOCK only for the open, so that a FIFO nobody reads
 * fails (ENXIO) instead of hanging the nightly run; the writes then block
 * as usual. */
static int write_in_place(const char *path, int (*fill)(int fd, void *arg), void *arg)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int rc = -1, saved = 0;
	if (fd < 0)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || fill(fd, arg) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	rc = close(fd);
	return rc;
}

/* Creates or replaces the regular file at path: fill() writes into a
 * temporary file beside it, which is synced and renamed over it. */
static int replace_atomically(const char *path, int (*fill)(int fd, void *arg), void *arg)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = -1, rc = -1, saved = 0;

	fd = mkstemp(tmp);
	if (fd < 0) {
		saved = errno;
		goto cleanup;
	}
	/* mkstemp makes 0600 files; a report is not a secret */
	if (fchmod(fd, 0644) < 0 || fill(fd, arg) < 0 || fsync(fd) < 0) {
		saved = errno;
		goto cleanup;
	}
	if (close(fd) < 0) {
		saved = errno;
		fd = -1;
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		saved = errno;
		goto cleanup;
	}
	rc = 0;

cleanup:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	if (rc < 0)
		errno = saved;
	return rc;
}

/* A pipe or FIFO whose reader went away must fail the write (EPIPE), not
 * kill the run before it records what it did: SIGPIPE is ignored while
 * writing to anything that is not a file of ours. */
static int without_sigpipe(int (*how)(const char *, int, int (*)(int, void *), void *),
			   const char *path, int fd, int (*fill)(int fd, void *arg), void *arg)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigemptyset(&ign.sa_mask);
	bool restore = sigaction(SIGPIPE, &ign, &old) == 0;
	int rc = how(path, fd, fill, arg);
	int saved = errno;
	if (restore)
		sigaction(SIGPIPE, &old, NULL);
	errno = saved;
	return rc;
}

static int to_fd(const char *path, int fd, int (*fill)(int fd, void *arg), void *arg)
{
	(void)path;
	return write_to_fd(fd, fill, arg);
}

static int in_place(const char *path, int fd, int (*fill)(int fd, void *arg), void *arg)
{
	(void)fd;
	return write_in_place(path, fill, arg);
}

int write_atomic(const char *path, int (*fill)(int fd, void *arg), void *arg)
{
	struct stat st;
	int fd = output_fd(path);
	if (fd >= 0)
		return without_sigpipe(to_fd, path, fd, fill, arg);
	if (stat(path, &st) < 0)
		return replace_atomically(path, fill, arg);  /* new file (or its error) */
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		return without_sigpipe(in_place, path, -1, fill, arg);
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = ENOTSUP;  /* a block device or a socket: never ours to overwrite */
		return -1;
	}
	/* through a symbolic link, the file it points to is replaced and the
	 * link stays */
	char *real = realpath(path, NULL);
	int rc = replace_atomically(real ? real : path, fill, arg);
	int saved = errno;
	free(real);
	errno = saved;
	return rc;
}

static int fill_string(int fd, void *arg)
{
	const char *s = arg;
	return pw_write_all(fd, s, strlen(s));
}

int report_write_file(const char *path, const char *s)
{
	return write_atomic(path, fill_string, (void *)s);
}

/* ---- French wording ---- */

char *report_change_brief(const struct report_page *p)
{
	const struct report_change *c = p->change;
	if (!c) {
		/* a document's change, under its page */
		for (size_t i = 0; i < p->n_documents; i++) {
			const struct report_document *d = &p->documents[i];
			if (!d->change)
				continue;
			const char *t = d->title && *d->title ? d->title : d->url ? d->url : "?";
			if (d->type && *d->type)
				return xasprintf("document « %s » (%s) modifié", t, d->type);
			return xasprintf("document « %s » modifié", t);
		}
		return xstrdup("modification");
	}
	struct buf b = BUF_INIT;
	size_t n = 0;
	for (size_t i = 0; i < c->deltas.n; i++) {
		if (!c->deltas.v[i].values.n)
			continue;
		buf_printf(&b, "%s%s", n ? ", " : "", fr_field_label(c->deltas.v[i].name));
		n++;
	}
	if (c->reverted_to) {
		char back[11];
		pw_time_fr(c->reverted_to, back);
		buf_printf(&b, "%stexte revenu à la version du %s", n ? " ; " : "", back);
	} else {
		buf_printf(&b, "%s", n ? " et texte modifiés" : "texte modifié");
	}
	return buf_detach(&b, NULL);
}

/* A soft 404: the server answered with a page (2xx) whose content says
 * it does not exist; the status code alone would say "HTTP 200". */
static bool soft_not_found(enum pw_failure f, long http_status)
{
	return f == PW_FAIL_NOT_FOUND && http_status >= 200 && http_status < 300;
}

const char *fr_failure(enum pw_failure f, long http_status)
{
	/* what the editor can act on; codes and library errors go to
	 * fr_failure_detail() */
	switch (f) {
	case PW_FAIL_NONE: return "page illisible pour une raison inconnue";
	case PW_FAIL_DNS: return "nom de domaine introuvable";
	case PW_FAIL_CONNECT: return "le site ne répond pas (connexion au serveur impossible)";
	case PW_FAIL_TLS: return "connexion sécurisée au site impossible (certificat invalide ou expiré)";
	case PW_FAIL_TIMEOUT: return "le site a mis trop de temps à répondre (délai dépassé)";
	case PW_FAIL_HTTP_ERROR: return "le site répond par une erreur (panne ou surcharge du serveur)";
	case PW_FAIL_NOT_FOUND:
		return soft_not_found(f, http_status)
			? "page introuvable (la page répond, mais son contenu dit qu'elle n'existe plus)"
			: "page introuvable (le site dit qu'elle n'existe pas ou plus)";
	case PW_FAIL_MOVED: return "page déplacée (l'adresse mène désormais à une page sans la procédure)";
	case PW_FAIL_BLOCKED:
		/* our refusal of a redirect into the local network (crawler) */
		return http_status >= 300 && http_status < 400
			? "redirection refusée : la page renvoie vers une adresse du réseau local"
			: "accès refusé par le site";
	case PW_FAIL_TOO_LARGE: return "page trop volumineuse pour être lue";
	case PW_FAIL_NO_CONTENT: return "texte de la procédure introuvable sur la page";
	case PW_FAIL_BAD_CONTENT: return "contenu illisible (format ou encodage non reconnu)";
	case PW_FAIL__COUNT: break;
	}
	return "page illisible pour une raison inconnue";
}

const char *fr_doc_failure(enum pw_failure f, long http_status)
{
	switch (f) {
	case PW_FAIL_NOT_FOUND:
		return soft_not_found(f, http_status)
			? "document introuvable (le lien répond, mais par une page qui dit que le document n'existe plus)"
			: "document introuvable (le site dit qu'il n'existe pas ou plus)";
	case PW_FAIL_TOO_LARGE: return "document trop volumineux";
	case PW_FAIL_BAD_CONTENT: return "document illisible (fichier corrompu, tronqué ou d'un autre type)";
	case PW_FAIL_TIMEOUT: return "délai dépassé (téléchargement ou lecture du document)";
	case PW_FAIL_MOVED: return "document déplacé";
	default: return fr_failure(f, http_status);
	}
}

char *fr_failure_detail(long http_status, const char *error)
{
	struct buf b = BUF_INIT;
	char code[32] = "";
	if (http_status > 0)
		snprintf(code, sizeof(code), "HTTP %ld", http_status);
	/* the crawler's message often names the status already */
	if (*code && !(error && strstr(error, code)))
		buf_addstr(&b, code);
	if (error && *error)
		buf_printf(&b, "%s%s", b.len ? " — " : "", error);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

char *fr_review(const struct report_change *c)
{
	if (!c->state)
		return NULL;
	bool dismissed = !strcmp(c->state, "dismissed");
	struct buf b = BUF_INIT;
	buf_addstr(&b, dismissed ? "Écartée (sans effet sur le guide)" : "Relue (guide à jour)");
	if (c->reviewed_by && *c->reviewed_by)
		buf_printf(&b, " par %s", c->reviewed_by);
	if (c->reviewed_at) {
		char d[11];
		pw_time_fr(c->reviewed_at, d);
		buf_printf(&b, " le %s", d);
	}
	if (c->note && *c->note)
		buf_printf(&b, " : « %s »", c->note);
	buf_addch(&b, '.');
	return buf_detach(&b, NULL);
}

char *fr_evidence(const struct report_change *c)
{
	char day[11], hm[6];
	struct tm tm;
	if (!c->evidence_sha256)
		return NULL;
	pw_time_fr(c->evidence_at, day);
	gmtime_r(&c->evidence_at, &tm);
	strftime(hm, sizeof(hm), "%H:%M", &tm);
	/* UTC, like every date of the reports and the WARC-Date it cites */
	return xasprintf("Preuve : version du %s %s, empreinte SHA-256 %s (prefwatch evidence %lld)",
			 day, hm, c->evidence_sha256, (long long)c->id);
}

struct field_words {
	const char *name;
	const char *label;
	const char *added;
	const char *removed;
};

static const struct field_words field_words[] = {
	{ "method", "Mode de dépôt", "Mode de dépôt ajouté", "Mode de dépôt retiré" },
	{ "method_evidence", "Passage qui fonde le mode de dépôt", "Passage qui fonde le mode de dépôt ajouté",
	  "Passage qui fondait le mode de dépôt retiré" },
	{ "addresses", "Adresse", "Adresse ajoutée", "Adresse supprimée" },
	{ "emails", "Courriel", "Courriel ajouté", "Courriel retiré" },
	{ "phones", "Téléphone", "Téléphone ajouté", "Téléphone retiré" },
	{ "links", "Lien", "Lien ajouté", "Lien retiré" },
	{ "forms", "Formulaire", "Formulaire ajouté", "Formulaire retiré" },
	{ "page_updated", "Date de mise à jour affichée", "Date de mise à jour affichée",
	  "Date de mise à jour retirée" },
	{ "thresholds", "Conditions", "Seuil ajouté", "Seuil retiré" },
};

static const struct field_words *field_words_find(const char *name)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(field_words); i++)
		if (!strcmp(field_words[i].name, name))
			return &field_words[i];
	return NULL;
}

const char *fr_field_label(const char *name)
{
	const struct field_words *w = field_words_find(name);
	return w ? w->label : name;
}

static bool is_iso_date(const char *s)
{
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

char *fr_field_value(const char *field, const char *value)
{
	static const char *const methods[][2] = {
		{ "postal", "voie postale" },
		{ "online", "en ligne" },
		{ "online_ds", "en ligne (démarches-simplifiées)" },
		{ "appointment", "sur rendez-vous" },
		{ "email", "par courriel" },
		{ "in_person", "au guichet" },
		{ "letterbox", "dépôt dans la boîte aux lettres" },
	};
	if (!strcmp(field, "method"))
		for (size_t i = 0; i < PW_ARRAY_SIZE(methods); i++)
			if (!strcmp(value, methods[i][0]))
				return xstrdup(methods[i][1]);
	if (strlen(value) >= 10 && is_iso_date(value) && (!value[10] || value[10] == 'T'))
		return xasprintf("%.2s/%.2s/%.4s", value + 8, value + 5, value);
	return xstrdup(value);
}

static void fact_push(struct fact_list *l, char *label, char *from, char *to)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].label = label;
	l->v[l->n].from = from;
	l->v[l->n].to = to;
	l->n++;
}

/* "la condition « X »", or the text outside any condition. */
static char *fr_condition(const char *c)
{
	return *c ? xasprintf("la condition « %s »", c) : xstrdup("le texte hors condition");
}

/* The threshold deltas (diff.c's "thresholds" field) as sentences:
 * « Condition « conjoint d'un étranger en situation régulière » :
 * présence 5 ans → 3 ans », « Référence : circulaire du 28/11/2012 →
 * circulaire du 23/01/2025 », « Seuil : présence 5 ans passe de la
 * condition « X » à la condition « Y » ». */
static void facts_from_thresholds(const struct field *f, struct fact_list *out)
{
	for (size_t j = 0; j < f->values.n; j++) {
		struct threshold a, b;
		char op;
		if (!threshold_delta_parse(f->values.v[j], &op, &a, &b))
			continue;
		const struct threshold *t = op == '-' ? &a : &b;
		bool ref = !strcmp(t->kind, "reference");
		char *where = t->condition && *t->condition ? xasprintf(" (condition « %s »)", t->condition)
							    : xstrdup("");
		if (op == '~') {
			const char *to = b.value;
			size_t sl = strlen(b.subject);
			/* "présence 5 ans → 3 ans": the subject said once */
			if (!ref && !strcmp(a.subject, b.subject) && sl && !strncmp(a.value, a.subject, sl) &&
			    !strncmp(b.value, b.subject, sl) && b.value[sl] == ' ')
				to = b.value + sl + 1;
			char *label = ref ? xstrdup("Référence")
				      : *b.condition ? xasprintf("Condition « %s »", b.condition) : xstrdup("Seuil");
			fact_push(out, label, xstrdup(a.value), xstrdup(to));
		} else if (op == '>') {
			char *from = fr_condition(a.condition), *into = fr_condition(b.condition);
			fact_push(out, xstrdup(ref ? "Référence" : "Seuil"), NULL,
				  xasprintf("%s passe de %s à %s", a.value, from, into));
			free(from);
			free(into);
		} else if (op == '-') {
			fact_push(out, ref ? xstrdup("Référence retirée") : xasprintf("Seuil retiré%s", where), NULL,
				  xstrdup(a.value));
		} else {
			fact_push(out, ref ? xstrdup("Référence ajoutée") : xasprintf("Seuil ajouté%s", where), NULL,
				  xstrdup(b.value));
		}
		free(where);
		threshold_release(&a);
		threshold_release(&b);
	}
}

void threshold_delta_count(const struct fieldset *delta, int *conditions, int *references)
{
	struct strvec seen = STRVEC_INIT;
	const struct field *f = delta ? fieldset_find(delta, "thresholds") : NULL;
	*conditions = *references = 0;
	for (size_t j = 0; f && j < f->values.n; j++) {
		struct threshold a, b;
		char op;
		if (!threshold_delta_parse(f->values.v[j], &op, &a, &b))
			continue;
		const struct threshold *t = op == '-' ? &a : &b;
		if (!strcmp(t->kind, "reference")) {
			(*references)++;
		} else {
			/* a move touches both conditions */
			for (int k = 0; k < (op == '>' ? 2 : 1); k++) {
				const char *c = k ? a.condition : t->condition;
				if (!strvec_contains(&seen, c))
					strvec_push(&seen, c);
			}
		}
		threshold_release(&a);
		threshold_release(&b);
	}
	*conditions = (int)seen.n;
	strvec_release(&seen);
}

void report_facts_from_delta(const struct fieldset *delta, struct fact_list *out)
{
	out->v = NULL;
	out->n = 0;
	const struct field *thr = delta ? fieldset_find(delta, "thresholds") : NULL;
	if (thr)
		facts_from_thresholds(thr, out);
	for (size_t i = 0; delta && i < delta->n; i++) {
		const struct field *f = &delta->v[i];
		if (f == thr)
			continue;
		const struct field_words *w = field_words_find(f->name);
		struct strvec rem = STRVEC_INIT, add = STRVEC_INIT;
		for (size_t j = 0; j < f->values.n; j++) {
			const char *v = f->values.v[j];
			if (v[0] == '-')
				strvec_push_nodup(&rem, fr_field_value(f->name, v + 1));
			else if (v[0] == '+')
				strvec_push_nodup(&add, fr_field_value(f->name, v + 1));
		}
		/* a value replaced by another reads "old → new"; the rest are
		 * additions and removals */
		size_t pairs = rem.n < add.n ? rem.n : add.n;
		for (size_t j = 0; j < pairs; j++)
			fact_push(out, xstrdup(w ? w->label : f->name), xstrdup(rem.v[j]),
				  xstrdup(add.v[j]));
		for (size_t j = pairs; j < rem.n; j++)
			fact_push(out, w ? xstrdup(w->removed) : xasprintf("%s retiré", f->name),
				  NULL, xstrdup(rem.v[j]));
		for (size_t j = pairs; j < add.n; j++)
			fact_push(out, w ? xstrdup(w->added) : xasprintf("%s ajouté", f->name),
				  NULL, xstrdup(add.v[j]));
		strvec_release(&rem);
		strvec_release(&add);
	}
}

void fact_list_release(struct fact_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].label);
		free(l->v[i].from);
		free(l->v[i].to);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

char *fr_page_heading(const struct report_page *p)
{
	struct buf b;
	buf_init(&b, 4096);
	buf_addstr(&b, "");
	if (p->region && *p->region)
		buf_printf(&b, "%s", p->region);
	if (p->departement_name && *p->departement_name) {
		buf_printf(&b, "%s%s", b.len ? " › " : "", p->departement_name);
		if (p->departement && *p->departement)
			buf_printf(&b, " (%s)", p->departement);
	} else if (p->departement && *p->departement) {
		buf_printf(&b, "%s%s", b.len ? " › " : "", p->departement);
	}
	const char *office = p->office_name && *p->office_name ? p->office_name :
			     p->office_id && *p->office_id ? p->office_id : p->id;
	if (office && *office)
		buf_printf(&b, "%s%s", b.len ? " › " : "", office);
	return buf_detach(&b, NULL);
}

bool url_is_http(const char *url)
{
	/* the "//" too: libcurl's parser forgives "https:/x", a browser may
	 * read such an address otherwise */
	if (!url || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) ||
	    !pw_url_is_http(url))
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7F)
			return false;
	return utf8_valid(url, strlen(url));
}
