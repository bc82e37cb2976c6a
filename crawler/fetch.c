/*
 * fetch.c - every transfer of a run on one libcurl multi handle.
 *
 * Workload: a few hundred to ten thousand pages per night, on a few
 * hundred hosts (one per préfecture), many of them slow or flaky. So:
 *
 *  - requests wait in per-host FIFO queues and only become curl easy
 *    handles when they start, so time spent queued never counts against
 *    curl's timeouts and memory stays bounded by the window;
 *  - a request starts when the global window (jobs) has room, its host has
 *    fewer than per_host transfers running, host_delay_ms has passed since
 *    the host's previous request started, and its own "not before" time
 *    (retry backoff) has passed. Hosts are served round-robin;
 *  - a retry goes back to its host queue with a "not before" time: waiting
 *    for a backoff never blocks other transfers;
 *  - results are handed to the callback one at a time, then freed.
 *
 * Failures are named from the transfer alone (dns, connect, tls, timeout,
 * http_error, not_found for 404/410, blocked for 403 and 429, too_large,
 * bad_content); the kinds that need the extracted text (soft 404, moved,
 * no_content) are decided by crawler_classify().
 */
#include "common/common.h"
#include "common/url.h"
#include "crawler/crawler.h"

#include <ctype.h>
#include <signal.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>

#define DEFAULT_UA_URL "https://www.gisti.org/prefwatch"
#define HEADER_VALUE_MAX 1024
/* a body is "clearly binary" with this many NULs in its first KB, or when
 * over 1/BINARY_CTRL_RATIO of its first BINARY_SCAN bytes are C0 controls
 * text never holds (random or compressed bytes: about 1 in 10) */
#define BINARY_NULS 8
#define BINARY_SCAN 4096
#define BINARY_CTRL_RATIO 20
/* request and response heads kept for evidence: far above what is ever
 * sent or what libcurl accepts (its own cap on response headers) */
#define EXCHANGE_HEAD_MAX (512 * 1024)

/* Queued requests, FIFO. */
struct jobq {
	struct job *head, *tail;
};

/* A host's documents are taken before its pages: a page's linked files
 * are then fetched soon after it, and the jobs the caller keeps for them
 * do not pile up for the whole run (10,000 pages queued at once would
 * otherwise hold 20,000 document jobs until the last page is fetched).
 * Politeness is the same: one host delay between any two requests. */
struct host {
	char *name;
	struct jobq docs, pages;
	int active;
	double last_start;        /* ms, monotonic; -1 before the first */
};

struct job {
	struct fetch_request req; /* strings borrowed from the caller */
	struct host *host;
	struct job *next;         /* in its host queue */
	struct job *aprev, *anext; /* in the crawler's running list */
	double not_before;        /* ms */
	double first_start;       /* ms, -1 before the first attempt */
	int attempts;
	bool document;            /* crawler_add_document(): raw bytes of any type */
	char *shown_url;          /* req.url without user-info, for messages */
	struct crawler *crawler;

	/* per attempt */
	CURL *easy;
	struct curl_slist *headers;
	struct buf body;
	struct pw_hasher *hasher; /* body's hash as it arrives; NULL until the
				   * first byte of each response */
	bool too_large;
	long cur_status;          /* status line of the response being read */
	int hops;                 /* redirect responses seen */
	bool all_permanent;       /* every hop was 301/308 */
	char *etag, *last_modified, *content_type;
	char *content_encoding;
	/* the exchange as on the wire, for evidence: the last request sent
	 * and the head of the response being read */
	struct buf req_head, resp_head;
	bool resp_started;        /* a response began since the last request */
	bool interim;             /* inside a 1xx response's head */
	time_t req_at;
	int connections;          /* requests about to be sent (prereq calls) */
	bool origin_internal;     /* the watched URL's own address is internal */
	char *blocked_url;        /* a hop refused as a way into the local network */
	char *blocked_ip;
	char *errbuf;             /* CURL_ERROR_SIZE, only while running:
				   * queued jobs stay small for 10,000-page runs */
};

struct crawler {
	struct crawler_config cfg;
	CURLM *multi;
	char *user_agent;
	struct host **hosts;
	size_t nhosts, hosts_alloc;
	size_t rr;                /* round-robin start among hosts */
	size_t queued;
	int active;
	struct job *running;      /* transfers on the multi handle */
	volatile sig_atomic_t stop;
	uint64_t rng;
	struct host *last_host;     /* host_get()'s last answer, and the */
	char *last_authority;       /* "scheme://authority" it came from */
	struct curl_slist *resolve; /* CURLOPT_RESOLVE, punycode host names */
	struct strvec pinned;       /* their host names: public by decree */
	crawler_idle_fn idle;       /* crawler_set_idle() */
	void *idle_ctx;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void crawler_config_init(struct crawler_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->jobs = 8;
	cfg->per_host = 2;
	cfg->host_delay_ms = 1000;
	cfg->connect_timeout = 15;
	cfg->timeout = 60;
	cfg->low_speed_limit = 100;
	cfg->low_speed_time = 30;
	cfg->max_body = 10L * 1024 * 1024;
	cfg->max_redirects = 5;
	cfg->max_attempts = 3;
	cfg->retry_after_cap = 120;
	cfg->backoff_ms = 1000;
	cfg->user_agent_url = NULL;
	cfg->ca_bundle = NULL;
}

struct crawler *crawler_new(const struct crawler_config *cfg, char **err)
{
	struct crawler *c = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		if (err)
			*err = xstrdup("cannot initialise libcurl");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->cfg = *cfg;
	if (c->cfg.jobs < 1)
		c->cfg.jobs = 1;
	if (c->cfg.per_host < 1)
		c->cfg.per_host = 1;
	if (c->cfg.max_attempts < 1)
		c->cfg.max_attempts = 1;
	if (c->cfg.host_delay_ms < 0)
		c->cfg.host_delay_ms = 0;
	if (c->cfg.max_body < 1)
		c->cfg.max_body = 1;
	c->multi = curl_multi_init();
	if (!c->multi) {
		if (err)
			*err = xstrdup("cannot initialise libcurl multi handle");
		free(c);
		curl_global_cleanup();
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, c->cfg.per_host);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	c->user_agent = xasprintf("prefwatch/%s (+%s)", PREFWATCH_VERSION,
				  cfg->user_agent_url ? cfg->user_agent_url : DEFAULT_UA_URL);
	c->rng = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; cfg->resolve && i < cfg->resolve->n; i++) {
		char *host = NULL, *entry = NULL, *why = NULL;
		if (pw_resolve_parse(cfg->resolve->v[i], &host, NULL, &entry, &why) < 0) {
			if (err)
				*err = why;
			else
				free(why);
			crawler_free(c);
			return NULL;
		}
		struct curl_slist *l = curl_slist_append(c->resolve, entry);
		free(entry);
		if (!l) {
			pw_die_oom("curl_slist");
		}
		c->resolve = l;
		if (!strvec_contains(&c->pinned, host))
			strvec_push(&c->pinned, host);
		free(host);
	}
	return c;
}

/* ---- hosts and queue ---- */

/* The length of url's "scheme://authority" (up to the first '/', '?' or
 * '#' after "://"): everything the host is parsed from. 0 when it has no
 * "://", or when the rest holds a byte that fails libcurl's whole-URL
 * parse (controls, space: then the host is "", see pw_url_host()). */
static size_t authority_len(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return 0;
	p += 3;
	size_t n = (size_t)(p - url) + strcspn(p, "/?#");
	for (const unsigned char *r = (const unsigned char *)url + n; *r; r++)
		if (*r <= 0x20 || *r == 0x7f)
			return 0;
	return n;
}

/* Linear search: a run touches a few hundred hosts at most. A page's
 * documents and the next pages mostly share its scheme and authority:
 * the same bytes give the same host, without parsing the URL again. */
static struct host *host_get(struct crawler *c, const char *url)
{
	size_t alen = authority_len(url);
	if (alen && c->last_authority && strlen(c->last_authority) == alen &&
	    !memcmp(c->last_authority, url, alen))
		return c->last_host;
	char *name = pw_url_host(url);
	struct host *h = NULL;
	for (size_t i = 0; i < c->nhosts && !h; i++)
		if (!strcmp(c->hosts[i]->name, name))
			h = c->hosts[i];
	if (h) {
		free(name);
	} else {
		if (c->nhosts == c->hosts_alloc) {
			c->hosts_alloc = c->hosts_alloc ? c->hosts_alloc * 2 : 16;
			c->hosts = xrealloc(c->hosts, c->hosts_alloc * sizeof(*c->hosts));
		}
		h = xcalloc(1, sizeof(*h));
		h->name = name;
		h->last_start = -1;
		c->hosts[c->nhosts++] = h;
	}
	free(c->last_authority);
	c->last_authority = alen ? xstrndup(url, alen) : NULL;
	c->last_host = h;
	return h;
}

static void enqueue(struct crawler *c, struct job *j)
{
	struct jobq *q = j->document ? &j->host->docs : &j->host->pages;
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	c->queued++;
}

/* Unlinks and returns q's first request whose backoff is over at now, or
 * NULL; *earliest becomes the soonest end of a backoff passed over. */
static struct job *take_ready(struct jobq *q, double now, double *earliest)
{
	struct job *prev = NULL, *j = q->head;
	while (j && j->not_before > now) {
		if (*earliest < 0 || j->not_before < *earliest)
			*earliest = j->not_before;
		prev = j;
		j = j->next;
	}
	if (!j)
		return NULL;
	if (prev)
		prev->next = j->next;
	else
		q->head = j->next;
	if (q->tail == j)
		q->tail = prev;
	j->next = NULL;
	return j;
}

static void add_job(struct crawler *c, const struct fetch_request *req, bool document)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->req = *req;
	j->host = host_get(c, req->url);
	j->first_start = -1;
	j->shown_url = pw_url_redact(req->url);
	j->crawler = c;
	j->document = document;
	enqueue(c, j);
}

void crawler_add(struct crawler *c, const struct fetch_request *req)
{
	add_job(c, req, false);
}

void crawler_add_document(struct crawler *c, const struct fetch_request *req)
{
	add_job(c, req, true);
}

/* ---- per-attempt callbacks ---- */

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct job *j = userp;
	size_t n = size * nmemb;
	if (buf_add(&j->body, data, n) < 0) {
		/* endless bodies and lying Content-Length end here */
		j->too_large = true;
		return 0;
	}
	/* hashed while the bytes are still in cache: a 500 KB document that
	 * did not change is then never read again */
	if (!j->hasher)
		j->hasher = pw_hasher_new();
	pw_hasher_update(j->hasher, data, n);
	return n;
}

static char *header_value(const char *v, size_t len)
{
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' ' ||
		       v[len - 1] == '\t'))
		len--;
	if (len > HEADER_VALUE_MAX)
		len = HEADER_VALUE_MAX;
	return xstrndup(v, len);
}

static bool header_is(const char *line, size_t len, const char *name, const char **value)
{
	size_t n = strlen(name);
	if (len <= n || line[n] != ':' || strncasecmp(line, name, n))
		return false;
	*value = line + n + 1;
	return true;
}

static bool is_redirect(long status)
{
	return status >= 300 && status < 400 && status != 304;
}

/* Sees every header line of every response in the redirect chain: a status
 * line starts a new response, so the previous one, if 3xx, was a hop. */
static size_t header_cb(char *line, size_t size, size_t nmemb, void *userp)
{
	struct job *j = userp;
	size_t len = size * nmemb;
	const char *v;

	if (j->interim) {
		/* a 1xx head ends with its blank line; the real response follows */
		if (len <= 2 && (line[0] == '\r' || line[0] == '\n'))
			j->interim = false;
		return len;
	}
	if (len > 5 && !strncmp(line, "HTTP/", 5)) {
		const char *sp = memchr(line, ' ', len);
		long status = sp ? strtol(sp + 1, NULL, 10) : 0;
		if (status >= 100 && status < 200) {
			j->interim = true;
			return len;     /* interim response, the real one follows */
		}
		if (is_redirect(j->cur_status)) {
			j->hops++;
			if (j->cur_status != 301 && j->cur_status != 308)
				j->all_permanent = false;
		}
		j->cur_status = status;
		free(j->etag);
		free(j->last_modified);
		free(j->content_type);
		free(j->content_encoding);
		j->etag = j->last_modified = j->content_type = j->content_encoding = NULL;
		buf_reset(&j->body);
		pw_hasher_free(j->hasher);
		j->hasher = NULL;
		buf_reset(&j->resp_head);
		j->resp_started = true;
		buf_add(&j->resp_head, line, len);
		return len;
	}
	/* past the cap the head is marked overflowed: no evidence is given */
	buf_add(&j->resp_head, line, len);
	if (header_is(line, len, "etag", &v)) {
		free(j->etag);
		j->etag = header_value(v, len - (size_t)(v - line));
	} else if (header_is(line, len, "last-modified", &v)) {
		free(j->last_modified);
		j->last_modified = header_value(v, len - (size_t)(v - line));
	} else if (header_is(line, len, "content-type", &v)) {
		free(j->content_type);
		j->content_type = header_value(v, len - (size_t)(v - line));
	} else if (header_is(line, len, "content-encoding", &v)) {
		free(j->content_encoding);
		j->content_encoding = header_value(v, len - (size_t)(v - line));
	}
	return len;
}

/* Sees the request heads as libcurl sends them (CURLOPT_VERBOSE is on for
 * this only: the default printing is replaced). A head after a response
 * began is the next hop's request: it replaces the one kept. */
static int debug_cb(CURL *e, curl_infotype type, char *data, size_t size, void *userp)
{
	struct job *j = userp;
	(void)e;
	if (type != CURLINFO_HEADER_OUT)
		return 0;
	if (j->resp_started || !j->req_head.len) {
		buf_reset(&j->req_head);
		j->resp_started = false;
		j->req_at = time(NULL);
	}
	buf_add(&j->req_head, data, size);
	return 0;
}

static void attempt_reset(struct job *j)
{
	if (j->easy)
		curl_easy_cleanup(j->easy);
	j->easy = NULL;
	curl_slist_free_all(j->headers);
	j->headers = NULL;
	buf_release(&j->body);
	pw_hasher_free(j->hasher);
	j->hasher = NULL;
	free(j->etag);
	free(j->last_modified);
	free(j->content_type);
	free(j->content_encoding);
	j->etag = j->last_modified = j->content_type = j->content_encoding = NULL;
	buf_release(&j->req_head);
	buf_release(&j->resp_head);
	j->resp_started = j->interim = false;
	j->req_at = 0;
	j->too_large = false;
	j->cur_status = 0;
	j->hops = 0;
	j->all_permanent = true;
	j->connections = 0;
	j->origin_internal = false;
	free(j->blocked_url);
	free(j->blocked_ip);
	j->blocked_url = j->blocked_ip = NULL;
	free(j->errbuf);
	j->errbuf = NULL;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	attempt_reset(j);
	free(j->shown_url);
	free(j);
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
	/* by hand: a printf per header per transfer shows on a quiet night */
	size_t nl = strlen(name), vl = strlen(value);
	char *h = xmalloc(nl + vl + 3);
	memcpy(h, name, nl);
	memcpy(h + nl, ": ", 2);
	memcpy(h + nl + 2, value, vl + 1);
	struct curl_slist *l = curl_slist_append(list, h);
	free(h);
	if (!l) {
		pw_die_oom("curl_slist");
	}
	return l;
}

/* Called by libcurl once connected (or reusing a connection), before each
 * request of the transfer is sent, the redirect hops included: the place
 * to refuse a hop from a public page into the local network, on the
 * address actually connected to, before the internal server sees any
 * request. The first call is the watched URL itself, whose address
 * decides whether the page is public. */
static int prereq_cb(void *clientp, char *primary_ip, char *local_ip, int primary_port,
		     int local_port)
{
	struct job *j = clientp;
	char *url = NULL, *host = NULL;
	bool internal;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &url);
	internal = pw_ip_is_internal(primary_ip);
	if (internal && j->crawler->pinned.n) {
		/* parsed only when a pinned name could make it public */
		host = pw_url_host_ascii(url ? url : j->req.url);
		internal = !strvec_contains(&j->crawler->pinned, host);
		free(host);
	}
	if (j->connections++ == 0) {
		j->origin_internal = internal;
		return CURL_PREREQFUNC_OK;
	}
	if (!internal || j->origin_internal)
		return CURL_PREREQFUNC_OK;
	j->blocked_url = pw_url_redact(url ? url : "");
	j->blocked_ip = xstrdup(primary_ip ? primary_ip : "");
	return CURL_PREREQFUNC_ABORT;
}

static int job_start(struct crawler *c, struct job *j, double now)
{
	const struct crawler_config *cfg = &c->cfg;
	attempt_reset(j);
	buf_init(&j->body, (size_t)cfg->max_body);
	buf_init(&j->req_head, EXCHANGE_HEAD_MAX);
	buf_init(&j->resp_head, EXCHANGE_HEAD_MAX);
	j->errbuf = xcalloc(1, CURL_ERROR_SIZE);
	j->easy = curl_easy_init();
	if (!j->easy)
		return -1;
	CURL *e = j->easy;

	j->headers = add_header(j->headers, "Accept",
				j->document ? "application/pdf,application/vnd.oasis.opendocument.text,"
					      "application/vnd.openxmlformats-officedocument."
					      "wordprocessingml.document,application/msword;q=0.9,"
					      "*/*;q=0.8"
					    : "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
	j->headers = add_header(j->headers, "Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5");
	/* a retry keeps the conditional headers: they come from the request */
	if (j->req.etag && *j->req.etag)
		j->headers = add_header(j->headers, "If-None-Match", j->req.etag);
	if (j->req.last_modified && *j->req.last_modified)
		j->headers = add_header(j->headers, "If-Modified-Since", j->req.last_modified);

	curl_easy_setopt(e, CURLOPT_URL, j->req.url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, cfg->max_redirects);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* the body is kept as served (evidence), so libcurl must not decode
	 * it: we ask only for what zlib decodes (decode_body()) */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, j);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	/* session cookies set by a redirecting front page (common on state
	 * sites' anti-bot layers) must survive within the transfer */
	curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
	/* a page behind a login takes it from ~/.netrc (URLs may not hold
	 * credentials: the watchlist refuses them); an entry goes only to
	 * the host it names */
	curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_bundle);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, cfg->timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, cfg->low_speed_limit);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, cfg->low_speed_time);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, j);
	if (c->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, c->resolve);

	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		return -1;
	j->attempts++;
	j->aprev = NULL;
	j->anext = c->running;
	if (c->running)
		c->running->aprev = j;
	c->running = j;
	if (j->first_start < 0)
		j->first_start = now;
	j->host->active++;
	j->host->last_start = now;
	c->active++;
	return 0;
}

/* ---- finishing ---- */

struct outcome {
	enum pw_failure failure;
	bool retry;
	double retry_after_ms;   /* >= 0: the server's wish, else backoff */
};

static bool is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

static const char *detail(const struct job *j, CURLcode rc)
{
	return j->errbuf && j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc);
}

/* The outcome of a transfer curl completed, by its HTTP status. */
static struct outcome http_outcome(struct job *j, long status, struct fetch_result *res)
{
	struct outcome o = { PW_FAIL_NONE, false, -1 };
	const char *url = j->shown_url;

	if (status == 304 || (status >= 200 && status < 300))
		return o;
	if (status == 404 || status == 410) {
		o.failure = PW_FAIL_NOT_FOUND;
		res->error = xasprintf("'%s' not found (http %ld)", url, status);
	} else if (status == 403) {
		o.failure = PW_FAIL_BLOCKED;
		res->error = xasprintf("access to '%s' refused (http 403)", url);
	} else if (status == 429) {
		o.failure = PW_FAIL_BLOCKED;
		o.retry = true;
		res->error = xasprintf("too many requests to '%s' (http 429)", url);
	} else if (status == 408 || status >= 500) {
		o.failure = PW_FAIL_HTTP_ERROR;
		o.retry = true;
		res->error = xasprintf("%s for '%s' (http %ld)",
				       status == 408 ? "request timeout" : "server error", url, status);
	} else {
		o.failure = PW_FAIL_HTTP_ERROR;
		res->error = xasprintf("unexpected http status %ld for '%s'", status, url);
	}
	if (o.retry) {
		curl_off_t ra = -1;
		if (curl_easy_getinfo(j->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			o.retry_after_ms = 1000.0 * (double)ra;
	}
	return o;
}

/* The outcome of a transfer curl failed (rc), after the cases above. */
static struct outcome curl_outcome(struct job *j, CURLcode rc, struct fetch_result *res)
{
	struct outcome o = { PW_FAIL_NONE, false, -1 };
	const char *url = j->shown_url;
	char *redirect_url = NULL;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		/* NXDOMAIN is not worth a retry; a flaky resolver is retried by
		 * the next night's run */
		o.failure = PW_FAIL_DNS;
		res->error = xasprintf("cannot resolve host '%s': %s", j->host->name, detail(j, rc));
		break;
	case CURLE_COULDNT_CONNECT:
		o.failure = PW_FAIL_CONNECT;
		o.retry = true;
		res->error = xasprintf("cannot connect to '%s': %s", j->host->name, detail(j, rc));
		break;
	case CURLE_OPERATION_TIMEDOUT:
		o.failure = PW_FAIL_TIMEOUT;
		o.retry = true;
		res->error = xasprintf("timed out fetching '%s': %s", url, detail(j, rc));
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		o.failure = PW_FAIL_CONNECT;
		o.retry = true;
		res->error = xasprintf("connection to '%s' failed: %s", j->host->name, detail(j, rc));
		break;
	case CURLE_BAD_CONTENT_ENCODING:
		o.failure = PW_FAIL_BAD_CONTENT;
		res->error = xasprintf("cannot decode body of '%s': %s", url, detail(j, rc));
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_URL, &redirect_url);
		if (is_redirect(j->cur_status) || redirect_url) {
			/* the page now points somewhere a crawler must not go */
			o.failure = PW_FAIL_MOVED;
			res->error = xasprintf("'%s' redirects to a refused scheme: %s", url,
					       detail(j, rc));
			if (redirect_url) {
				free(res->final_url);
				res->final_url = pw_url_redact(redirect_url);
			}
		} else {
			o.failure = PW_FAIL_CONNECT;
			res->error = xasprintf("cannot fetch '%s': %s", url, detail(j, rc));
		}
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		o.failure = PW_FAIL_HTTP_ERROR;
		res->error = xasprintf("too many redirects from '%s': %s", url, detail(j, rc));
		break;
	default:
		o.failure = PW_FAIL_CONNECT;
		res->error = xasprintf("cannot fetch '%s': %s", url, detail(j, rc));
		break;
	}
	return o;
}

/* Names the outcome of one attempt from curl's result and the status. */
static struct outcome attempt_outcome(struct job *j, CURLcode rc, long status,
				      struct fetch_result *res)
{
	struct outcome o = { PW_FAIL_NONE, false, -1 };
	const char *url = j->shown_url;

	free(res->error);
	res->error = NULL;
	if (rc == CURLE_OK)
		return http_outcome(j, status, res);
	if (rc == CURLE_ABORTED_BY_CALLBACK && j->blocked_url) {
		/* read by the editors under "Détail technique" */
		o.failure = PW_FAIL_BLOCKED;
		res->error = xasprintf("redirection refusée vers le réseau local : '%s' redirige vers "
				       "'%s', à l'adresse interne %s (redirect into the local "
				       "network refused)", url, j->blocked_url, j->blocked_ip);
		free(res->final_url);
		res->final_url = xstrdup(j->blocked_url);
		return o;
	}
	if (j->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		o.failure = PW_FAIL_TOO_LARGE;
		res->error = xasprintf("body of '%s' larger than %ld bytes", url, (long)j->body.max);
		return o;
	}
	/* libcurl caps response headers ("Too large response headers", and a
	 * single header over 100 KB fails as out of memory): a server sending
	 * that much is too large, not a flaky connection worth a retry */
	if (rc == CURLE_OUT_OF_MEMORY ||
	    (rc == CURLE_RECV_ERROR && strstr(detail(j, rc), "response headers"))) {
		o.failure = PW_FAIL_TOO_LARGE;
		res->error = xasprintf("response headers of '%s' too large: %s", url, detail(j, rc));
		return o;
	}
	if (is_tls_error(rc)) {
		o.failure = PW_FAIL_TLS;
		res->error = xasprintf("tls failure with '%s': %s", j->host->name, detail(j, rc));
		return o;
	}
	return curl_outcome(j, rc, res);
}

static bool html_type(const char *ct)
{
	size_t n = strcspn(ct, "; \t");
	return (n == 9 && !strncasecmp(ct, "text/html", 9)) ||
	       (n == 21 && !strncasecmp(ct, "application/xhtml+xml", 21));
}

/* No Content-Type: accept what starts like markup. */
static bool looks_like_html(const char *body, size_t len)
{
	size_t i = 0;
	if (len >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	return i < len && body[i] == '<';
}

static bool clearly_binary(const char *body, size_t len)
{
	size_t scan = len < 1024 ? len : 1024, nuls = 0;
	if (len >= 2 && (((unsigned char)body[0] == 0xFF && (unsigned char)body[1] == 0xFE) ||
			 ((unsigned char)body[0] == 0xFE && (unsigned char)body[1] == 0xFF)))
		return false;   /* UTF-16 text is half NULs */
	for (size_t i = 0; i < scan; i++)
		nuls += body[i] == '\0';
	if (nuls >= BINARY_NULS)
		return true;
	/* controls other than tab, line ends, form feed and ESC (ISO-2022) */
	size_t wide = len < BINARY_SCAN ? len : BINARY_SCAN, ctrl = 0;
	for (size_t i = 0; i < wide; i++) {
		unsigned char ch = (unsigned char)body[i];
		ctrl += ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\f' &&
			ch != 0x1B;
	}
	return ctrl >= BINARY_NULS && ctrl * BINARY_CTRL_RATIO > wide;
}

/* Undoes a gzip or deflate Content-Encoding (several gzip members in a
 * row included; "deflate" with or without its zlib wrapper, as servers
 * send both), capped at max bytes. 0 with *out owned; -1 with *err (a
 * static reason) and *too_large telling a bomb from corrupt data. */
static int inflate_body(const char *in, size_t len, bool gzip, size_t max, char **out,
			size_t *out_len, const char **err, bool *too_large)
{
	struct buf b;
	z_stream zs;
	char chunk[16384];
	int ret = -1;
	bool raw = false;

	*too_large = false;
	buf_init(&b, max);
retry:
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, gzip ? 16 + MAX_WBITS : raw ? -MAX_WBITS : MAX_WBITS) != Z_OK) {
		*err = "cannot initialise zlib";
		goto cleanup;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		zs.next_out = (Bytef *)chunk;
		zs.avail_out = sizeof(chunk);
		int zrc = inflate(&zs, Z_NO_FLUSH);
		if (buf_add(&b, chunk, sizeof(chunk) - zs.avail_out) < 0) {
			*too_large = true;
			*err = "decoded body too large";
			inflateEnd(&zs);
			goto cleanup;
		}
		if (zrc == Z_STREAM_END) {
			/* gzip allows members one after another */
			if (gzip && zs.avail_in > 0 && inflateReset(&zs) == Z_OK)
				continue;
			break;
		}
		if (zrc == Z_DATA_ERROR && !gzip && !raw && b.len == 0) {
			inflateEnd(&zs);
			raw = true;
			goto retry;
		}
		if (zrc != Z_OK || (zs.avail_in == 0 && zs.avail_out != 0)) {
			*err = zrc == Z_OK || zrc == Z_BUF_ERROR ? "truncated compressed data"
								 : "corrupt compressed data";
			inflateEnd(&zs);
			goto cleanup;
		}
	}
	inflateEnd(&zs);
	*out = buf_detach(&b, out_len);
	ret = 0;
cleanup:
	buf_release(&b);
	return ret;
}

/* The body arrived as served (CURLOPT_HTTP_CONTENT_DECODING off): keeps
 * those bytes for the exchange and decodes res->body. -1 with the failure
 * set when the encoding is unknown or the data does not decode. */
static int decode_body(struct job *j, struct fetch_result *res, struct fetch_exchange *x)
{
	const char *ce = j->content_encoding;
	const char *why = NULL;
	bool gzip, big = false;
	char *out = NULL;
	size_t out_len = 0;

	if (!ce || !*ce || !strcasecmp(ce, "identity"))
		return 0;
	gzip = !strcasecmp(ce, "gzip") || !strcasecmp(ce, "x-gzip");
	if (!gzip && strcasecmp(ce, "deflate")) {
		res->failure = PW_FAIL_BAD_CONTENT;
		res->error = xasprintf("cannot decode body of '%s': unsupported content encoding "
				       "'%s'", j->shown_url, ce);
		return -1;
	}
	if (inflate_body(res->body, res->body_len, gzip, (size_t)j->crawler->cfg.max_body, &out,
			 &out_len, &why, &big) < 0) {
		res->failure = big ? PW_FAIL_TOO_LARGE : PW_FAIL_BAD_CONTENT;
		res->error = big ? xasprintf("body of '%s' larger than %ld bytes once decoded",
					     j->shown_url, j->crawler->cfg.max_body)
				 : xasprintf("cannot decode body of '%s': %s (content encoding '%s')",
					     j->shown_url, why, ce);
		return -1;
	}
	x->body = res->body;
	x->body_len = res->body_len;
	res->body = out;
	res->body_len = out_len;
	return 0;
}

/* Credentials from ~/.netrc travel in the request's Authorization header:
 * evidence is handed to others, so its value is replaced (the header's
 * presence stays visible). */
static char *redact_credentials(const char *h, size_t len, size_t *out_len)
{
	static const char *const names[] = { "authorization:", "proxy-authorization:" };
	struct buf b;
	size_t i = 0;
	buf_init(&b, 0);
	while (i < len) {
		const char *nl = memchr(h + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - h) + 1 : len;
		bool secret = false;
		for (size_t k = 0; k < PW_ARRAY_SIZE(names) && !secret; k++) {
			size_t n = strlen(names[k]);
			if (end - i > n && !strncasecmp(h + i, names[k], n)) {
				buf_add(&b, h + i, n);
				buf_addstr(&b, " [removed by prefwatch]\r\n");
				secret = true;
			}
		}
		if (!secret)
			buf_add(&b, h + i, end - i);
		i = end;
	}
	return buf_detach(&b, out_len);
}

/* The exchange of a 2xx result, from what the callbacks saw. NULL when a
 * head overflowed its cap (nothing partial is ever given as evidence). */
static struct fetch_exchange *take_exchange(struct job *j)
{
	char *ip = NULL;
	if (j->req_head.toobig || j->resp_head.toobig || !j->req_head.len ||
	    !j->resp_head.len)
		return NULL;
	struct fetch_exchange *x = xcalloc(1, sizeof(*x));
	x->request = redact_credentials(j->req_head.ptr, j->req_head.len, &x->request_len);
	buf_release(&j->req_head);
	x->response = buf_detach(&j->resp_head, &x->response_len);
	buf_init(&j->req_head, 1);
	buf_init(&j->resp_head, 1);
	x->encoding = j->content_encoding ? xstrdup(j->content_encoding) : NULL;
	if (curl_easy_getinfo(j->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && *ip)
		x->ip = xstrdup(ip);
	x->at = j->req_at ? j->req_at : time(NULL);
	return x;
}

void fetch_exchange_free(struct fetch_exchange *x)
{
	if (!x)
		return;
	free(x->request);
	free(x->response);
	free(x->body);
	free(x->encoding);
	free(x->ip);
	free(x);
}

/* Fills the body side of a 2xx result: the exchange, the content-encoding
 * undone, the content type check and decoding. */
static void take_body(struct job *j, struct fetch_result *res)
{
	res->body = buf_detach(&j->body, &res->body_len);
	buf_init(&j->body, 1);
	res->exchange = take_exchange(j);
	struct fetch_exchange scratch = { 0 };
	if (decode_body(j, res, res->exchange ? res->exchange : &scratch) < 0) {
		free(scratch.body);
		fetch_exchange_free(res->exchange);
		res->exchange = NULL;
		return;
	}
	/* the bytes hashed are the body's only if it was not decoded */
	if (!res->exchange ? !scratch.body : !res->exchange->body) {
		if (j->hasher)
			pw_hasher_final(j->hasher, res->body_hash);
		else
			pw_hash_hex("", 0, res->body_hash);
	}
	free(scratch.body);
	const char *ct = res->content_type;
	if (j->document)
		return;     /* raw bytes: the document's converter judges them */
	if (ct ? !html_type(ct) : !looks_like_html(res->body, res->body_len)) {
		res->failure = PW_FAIL_BAD_CONTENT;
		res->error = xasprintf("'%s' is not html (content type '%s')", j->shown_url,
				       ct ? ct : "none");
		return;
	}
	char *charset = NULL;
	res->html = charset_to_utf8(res->body, res->body_len, ct, &res->html_len, &charset);
	res->charset = charset;
	if (strncmp(charset, "utf-16", 6) && clearly_binary(res->body, res->body_len)) {
		res->failure = PW_FAIL_BAD_CONTENT;
		res->error = xasprintf("body of '%s' is binary", j->shown_url);
		free(res->html);
		res->html = NULL;
		res->html_len = 0;
	}
}

static double next_u01(struct crawler *c)
{
	/* xorshift64*: jitter only, no need for quality */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double)((c->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static void running_unlink(struct crawler *c, struct job *j)
{
	if (j->aprev)
		j->aprev->anext = j->anext;
	else
		c->running = j->anext;
	if (j->anext)
		j->anext->aprev = j->aprev;
	j->aprev = j->anext = NULL;
}

static void job_finish(struct crawler *c, struct job *j, CURLcode rc,
		       crawler_done_fn done, void *ctx)
{
	struct fetch_result res;
	long status = 0;
	char *eff = NULL;
	double now = now_ms();

	memset(&res, 0, sizeof(res));
	curl_multi_remove_handle(c->multi, j->easy);
	running_unlink(c, j);
	j->host->active--;
	c->active--;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &eff);
	res.http_status = status;
	res.final_url = pw_url_redact(eff ? eff : j->req.url);

	struct outcome o = attempt_outcome(j, rc, status, &res);
	if (o.retry && j->attempts < c->cfg.max_attempts && !c->stop) {
		double wait;
		if (o.retry_after_ms >= 0) {
			double cap = 1000.0 * (double)c->cfg.retry_after_cap;
			wait = o.retry_after_ms < cap ? o.retry_after_ms : cap;
		} else {
			int k = j->attempts - 1 < 16 ? j->attempts - 1 : 16;
			wait = (double)c->cfg.backoff_ms * (double)(1L << k);
			wait += next_u01(c) * (double)c->cfg.backoff_ms / 2;
		}
		log_debug("retrying '%s' in %.0f ms: %s", j->shown_url, wait, res.error);
		fetch_result_release(&res);
		attempt_reset(j);
		j->not_before = now + wait;
		enqueue(c, j);
		return;
	}

	if ((o.failure == PW_FAIL_MOVED || j->blocked_url) && is_redirect(j->cur_status)) {
		/* the refused hop was never followed: count it */
		j->hops++;
		if (j->cur_status != 301 && j->cur_status != 308)
			j->all_permanent = false;
	}
	res.failure = o.failure;
	res.attempts = j->attempts;
	res.seconds = (now - j->first_start) / 1000.0;
	res.redirected = j->hops > 0 && strcmp(res.final_url, j->shown_url) != 0;
	res.permanent_redirect = res.redirected && j->all_permanent;
	if (o.failure == PW_FAIL_NONE) {
		res.etag = j->etag;
		res.last_modified = j->last_modified;
		res.content_type = j->content_type;
		j->etag = j->last_modified = j->content_type = NULL;
		if (status == 304)
			res.not_modified = true;
		else
			take_body(j, &res);
	}
	attempt_reset(j);
	done(c, &j->req, &res, ctx);
	fetch_result_release(&res);
	free(j->shown_url);
	free(j);
}

/* ---- the run loop ---- */

/* Starts what may start; returns ms until something queued may become
 * startable (-1: nothing time-bound is waiting). */
static double top_up(struct crawler *c, double now)
{
	double wake = -1;
	size_t nh = c->nhosts;
	for (size_t k = 0; k < nh && c->active < c->cfg.jobs; k++) {
		struct host *h = c->hosts[(c->rr + k) % nh];
		while ((h->docs.head || h->pages.head) && c->active < c->cfg.jobs &&
		       h->active < c->cfg.per_host) {
			double ready = h->last_start < 0 ? 0 : h->last_start + (double)c->cfg.host_delay_ms;
			if (ready > now) {
				if (wake < 0 || ready - now < wake)
					wake = ready - now;
				break;
			}
			double earliest = -1;
			struct job *j = take_ready(&h->docs, now, &earliest);
			if (!j)
				j = take_ready(&h->pages, now, &earliest);
			if (!j) {
				/* all in backoff */
				if (earliest > now && (wake < 0 || earliest - now < wake))
					wake = earliest - now;
				break;
			}
			c->queued--;
			if (job_start(c, j, now) < 0) {
				/* cannot happen short of OOM in curl: drop loudly */
				log_error(_("cannot start transfer of '%s'"), j->shown_url);
				job_free(j);
			}
		}
	}
	if (nh)
		c->rr = (c->rr + 1) % nh;
	return wake;
}

static void jobq_free(struct jobq *q)
{
	while (q->head) {
		struct job *j = q->head;
		q->head = j->next;
		job_free(j);
	}
	q->tail = NULL;
}

static void abandon_all(struct crawler *c)
{
	for (size_t i = 0; i < c->nhosts; i++) {
		struct host *h = c->hosts[i];
		jobq_free(&h->docs);
		jobq_free(&h->pages);
		h->active = 0;
	}
	c->queued = 0;
	while (c->running) {
		struct job *j = c->running;
		c->running = j->anext;
		curl_multi_remove_handle(c->multi, j->easy);
		job_free(j);
	}
	c->active = 0;
}

int crawler_run(struct crawler *c, crawler_done_fn done, void *ctx)
{
	int running = 0;
	while (!c->stop) {
		double wake = top_up(c, now_ms());
		if (!c->active && !c->queued)
			return 0;
		curl_multi_perform(c->multi, &running);
		CURLMsg *msg;
		int left, finished = 0;
		while (!c->stop && (msg = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct job *j = NULL;
			CURLcode rc = msg->data.result;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			job_finish(c, j, rc, done, ctx);
			finished++;
		}
		if (c->stop)
			break;
		if (finished)
			continue;   /* freed slots: top up before waiting */
		/* nothing finished may have freed a slot: wait for curl or the
		 * next queued request's time, whichever comes first */
		int timeout = 1000;
		if (wake >= 0 && wake < timeout)
			timeout = (int)wake + 1;
		if (c->idle) {
			/* it may queue requests (a document converted meanwhile
			 * needs its confirming fetch): then top up, not wait */
			size_t queued = c->queued;
			c->idle(c->idle_ctx);
			if (c->queued != queued)
				continue;
		}
		curl_multi_poll(c->multi, NULL, 0, timeout, NULL);
	}
	abandon_all(c);
	return -1;
}

void crawler_set_idle(struct crawler *c, crawler_idle_fn idle, void *ctx)
{
	c->idle = idle;
	c->idle_ctx = ctx;
}

void crawler_stop(struct crawler *c)
{
	c->stop = 1;
	/* writes one byte to curl's wakeup socketpair: async-signal-safe */
	curl_multi_wakeup(c->multi);
}

void crawler_wakeup(struct crawler *c)
{
	/* curl_multi_wakeup() may be called from any thread */
	curl_multi_wakeup(c->multi);
}

bool crawler_stopped(const struct crawler *c)
{
	return c->stop != 0;
}

void crawler_free(struct crawler *c)
{
	if (!c)
		return;
	abandon_all(c);
	for (size_t i = 0; i < c->nhosts; i++) {
		free(c->hosts[i]->name);
		free(c->hosts[i]);
	}
	free(c->hosts);
	free(c->last_authority);
	curl_slist_free_all(c->resolve);
	strvec_release(&c->pinned);
	curl_multi_cleanup(c->multi);
	free(c->user_agent);
	free(c);
	curl_global_cleanup();
}

void fetch_result_release(struct fetch_result *res)
{
	if (!res)
		return;
	free(res->error);
	free(res->final_url);
	free(res->etag);
	free(res->last_modified);
	free(res->content_type);
	free(res->body);
	free(res->html);
	free(res->charset);
	fetch_exchange_free(res->exchange);
	memset(res, 0, sizeof(*res));
}
