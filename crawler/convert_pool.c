/*
 * convert_pool.c - document conversions on worker threads (crawler.h).
 *
 * Workload: on a first night of the whole watch, thousands of documents
 * arrive during a crawl that spends most of its time waiting on host
 * delays; converted one at a time after the crawl they doubled the night.
 * Here one or two workers convert while the crawl goes on.
 *
 * One mutex guards two lists: the jobs waiting (FIFO) and the results
 * posted (FIFO, in completion order). A worker holds nothing of the
 * caller's but the job's copies, and touches no state outside this file
 * but what doc_extract() touches (its own temp file, its child): the
 * caller's store, report and logs stay on the caller's thread. The spilled
 * body is removed by the worker as soon as it is read back, or by
 * convert_pool_free() for a job never started, so no temp file outlives
 * the pool.
 */
#include "common/common.h"
#include "crawler/crawler.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

struct cp_job {
	char *path, *content_type, *url;
	size_t len;
	void *data;
	struct cp_job *next;
};

struct cp_done {
	struct convert_result r;
	struct cp_done *next;
};

struct convert_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;        /* a job queued, or stopping */
	pthread_cond_t posted;      /* a result posted, or a worker idle */
	struct cp_job *head, **tail;
	struct cp_done *dhead, **dtail;
	size_t queued, running, outstanding;
	bool stopping;
	struct doc_limits lim;
	void (*notify)(void *);
	void *arg;
	pthread_t threads[CONVERT_POOL_MAX];
	int n_threads;
};

static void job_free(struct cp_job *j)
{
	if (!j)
		return;
	free(j->path);
	free(j->content_type);
	free(j->url);
	free(j);
}

/* The spilled body, then the file is gone either way. NULL if it cannot
 * be read whole. */
static char *take_file(const char *path, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b = NULL;
	if (fd >= 0) {
		b = xmalloc(len + 1);
		if (pw_read_exact(fd, b, len) < 0) {
			free(b);
			b = NULL;
		} else {
			b[len] = '\0';
		}
		close(fd);
	}
	unlink(path);
	return b;
}

static void convert(const struct convert_pool *p, const struct cp_job *j, struct convert_result *r)
{
	memset(r, 0, sizeof(*r));
	r->data = j->data;
	r->body = take_file(j->path, j->len);
	if (!r->body) {
		/* no strerror() here: it is not thread-safe */
		r->dt.failure = PW_FAIL_BAD_CONTENT;
		r->dt.error = xstrdup("cannot read back the fetched file");
		r->rc = -1;
		return;
	}
	r->len = j->len;
	r->rc = doc_extract(r->body, r->len, j->content_type, j->url, &p->lim, &r->dt);
}

static void *worker(void *arg)
{
	struct convert_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stopping && !p->head)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stopping)
			break;   /* the jobs left are convert_pool_free()'s */
		struct cp_job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = &p->head;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);

		struct cp_done *d = xcalloc(1, sizeof(*d));
		convert(p, j, &d->r);
		job_free(j);

		pthread_mutex_lock(&p->mu);
		p->running--;
		*p->dtail = d;
		p->dtail = &d->next;
		pthread_cond_broadcast(&p->posted);
		if (p->notify) {
			/* outside the lock: the callback may take its own */
			pthread_mutex_unlock(&p->mu);
			p->notify(p->arg);
			pthread_mutex_lock(&p->mu);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct convert_pool *convert_pool_new(int threads, const struct doc_limits *lim,
				      void (*notify)(void *), void *arg, char **err)
{
	/* asynchronous signals go to the caller's thread, never a worker */
	static const int blocked[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGALRM,
				       SIGCHLD, SIGUSR1, SIGUSR2 };
	struct convert_pool *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;
	sigset_t mask, old;
	int rc = 0;

	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n >= 2 ? 2 : 1;
	}
	if (threads > CONVERT_POOL_MAX)
		threads = CONVERT_POOL_MAX;
	if (lim)
		p->lim = *lim;
	else
		doc_limits_init(&p->lim);
	p->notify = notify;
	p->arg = arg;
	p->tail = &p->head;
	p->dtail = &p->dhead;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	/* convert_pool_wait() measures its timeout on the monotonic clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->posted, &ca);
	pthread_condattr_destroy(&ca);

	sigemptyset(&mask);
	for (size_t i = 0; i < PW_ARRAY_SIZE(blocked); i++)
		sigaddset(&mask, blocked[i]);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	for (int i = 0; i < threads; i++) {
		rc = pthread_create(&p->threads[p->n_threads], NULL, worker, p);
		if (rc)
			break;
		p->n_threads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->n_threads) {
		if (err) {
			char msg[128];
			if (strerror_r(rc, msg, sizeof(msg)))
				snprintf(msg, sizeof(msg), "error %d", rc);
			*err = xasprintf("cannot start a conversion thread: %s", msg);
		}
		convert_pool_free(p);
		return NULL;
	}
	return p;
}

void convert_pool_submit(struct convert_pool *p, const struct convert_job *job)
{
	struct cp_job *j = xcalloc(1, sizeof(*j));
	j->path = xstrdup(job->path);
	j->len = job->len;
	j->content_type = xstrdup(job->content_type);
	j->url = xstrdup(job->url);
	j->data = job->data;
	pthread_mutex_lock(&p->mu);
	*p->tail = j;
	p->tail = &j->next;
	p->queued++;
	p->outstanding++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* Under the lock: pops the first result into out. */
static bool pop_result(struct convert_pool *p, struct convert_result *out)
{
	struct cp_done *d = p->dhead;
	if (!d)
		return false;
	p->dhead = d->next;
	if (!p->dhead)
		p->dtail = &p->dhead;
	p->outstanding--;
	*out = d->r;
	free(d);
	return true;
}

bool convert_pool_collect(struct convert_pool *p, struct convert_result *out)
{
	pthread_mutex_lock(&p->mu);
	bool got = pop_result(p, out);
	pthread_mutex_unlock(&p->mu);
	return got;
}

bool convert_pool_wait(struct convert_pool *p, struct convert_result *out, long timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mu);
	bool got;
	while (!(got = pop_result(p, out)) && (p->queued || p->running) && p->n_threads)
		if (pthread_cond_timedwait(&p->posted, &p->mu, &until) != 0) {
			got = pop_result(p, out);
			break;
		}
	pthread_mutex_unlock(&p->mu);
	return got;
}

size_t convert_pool_outstanding(struct convert_pool *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->outstanding;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void convert_result_release(struct convert_result *r)
{
	if (!r)
		return;
	doc_text_release(&r->dt);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void convert_pool_free(struct convert_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	struct cp_job *j = p->head;
	p->head = NULL;
	p->tail = &p->head;
	p->queued = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	while (j) {
		struct cp_job *next = j->next;
		unlink(j->path);   /* never started: its spilled body goes */
		job_free(j);
		j = next;
	}
	/* the running conversions end within their wall-clock limit */
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	struct convert_result r;
	while (pop_result(p, &r))
		convert_result_release(&r);
	pthread_cond_destroy(&p->posted);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
