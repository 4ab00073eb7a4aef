// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* shipper.c - the spool to Kafka, on a thread of its own (shipper.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "inputtrace.h"
#include "log.h"
#include "shipper_int.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- delivery reports and errors (called from rd_kafka_poll on our thread) -------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct ship_msg *e = m->_private;

	e->err = m->err;
	e->status = m->err ? -1 : 1;
}

/* text is librdkafka's: no secret of the configuration goes on (status, metrics) */
static void set_error(struct it_shipper *sh, const char *text)
{
	char safe[sizeof(sh->stats.last_error)];

	snprintf(safe, sizeof(safe), "%s", text);
	it_kafka_secrets_scrub(&sh->secrets, safe, sizeof(safe));
	pthread_mutex_lock(&sh->mu);
	memcpy(sh->stats.last_error, safe, sizeof(safe));
	pthread_mutex_unlock(&sh->mu);
}

static void outage_start(struct it_shipper *sh, const char *why)
{
	if (sh->outage)
		return;
	sh->outage = true;
	sh->outage_since = mono();
	sh->stats_outages++;
	it_warn("kafka: outage: %s; records wait in the spool", why);
}

static void outage_end(struct it_shipper *sh)
{
	double d;

	if (!sh->outage)
		return;
	d = mono() - sh->outage_since;
	sh->outage = false;
	sh->outage_total += d;
	it_notice("kafka: delivering again after %.1f s", d);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct it_shipper *sh = opaque;
	char safe[512];

	snprintf(safe, sizeof(safe), "%s", reason);
	it_kafka_secrets_scrub(&sh->secrets, safe, sizeof(safe));
	set_error(sh, safe);
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		sh->fatal = true;	/* replaced by the thread (producer_fatal) */
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
	    err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR__FATAL)
		outage_start(sh, safe);
}

/* librdkafka's own log lines would repeat for every connection attempt of an outage:
 * its errors reach on_error, and one line per outage is ours to say. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

/* --- the queue of messages sent, in order ------------------------------------------ */

static void push(struct it_shipper *sh, struct ship_msg *e)
{
	e->next = NULL;
	if (sh->tail)
		sh->tail->next = e;
	else
		sh->head = e;
	sh->tail = e;
	sh->inflight_bytes += e->bytes;
	sh->inflight_records += e->lines;
}

static struct ship_msg *pop(struct it_shipper *sh)
{
	struct ship_msg *e = sh->head;

	sh->head = e->next;
	if (!sh->head)
		sh->tail = NULL;
	sh->inflight_bytes -= e->bytes;
	sh->inflight_records -= e->lines;
	return e;
}

/* Acknowledged messages at the head move the acknowledged position; a failed one
 * stops it there and everything after it is sent again (rewind). */
static void advance(struct it_shipper *sh)
{
	while (sh->head && sh->head->status) {
		struct ship_msg *e = pop(sh);

		if (e->status > 0 && e->kind == MSG_LOSS) {
			it_spool_state_drop_loss(&sh->st, e->loss_first);
			sh->loss_sent++;
			sh->state_dirty = true;
		}
		if (e->status > 0) {
			sh->last_ack_at = mono();
			outage_end(sh);
			sh->delivered_messages++;
			sh->backoff = 0;
		}
		if (e->status < 0 && !sh->rewind) {
			char why[300];

			snprintf(why, sizeof(why), "delivery failed: %s", rd_kafka_err2str(e->err));
			set_error(sh, why);
			outage_start(sh, why);
			sh->rewind = true;
			sh->retry_at = mono() + sh->cfg.retry_after_s;
		} else if (e->status > 0 && e->kind == MSG_DATA && !sh->rewind) {
			sh->st.acked = e->end;
			if (e->last_seq)
				sh->st.acked_seq = e->last_seq;
			sh->st.delivered_records += e->lines;
			sh->st.delivered_bytes += e->bytes;
			sh->state_dirty = true;
		}
		free(e);
	}
}

int ship_save_state(struct it_shipper *sh)
{
	if (it_spool_state_save(sh->statefd, sh->state_name, &sh->st)) {
		static struct it_log_limit lim = { .interval_s = 60 };

		it_log_limited(&lim, LOG_ERR, "kafka: cannot save %s: %s", sh->state_name, strerror(errno));
		return -1;
	}
	sh->state_dirty = false;
	sh->state_saved_at = mono();
	pthread_mutex_lock(&sh->mu);
	snprintf(sh->acked_name, sizeof(sh->acked_name), "%s", sh->st.acked.name);
	pthread_mutex_unlock(&sh->mu);
	return 0;
}

/* --- sending -------------------------------------------------------------------------- */

/* Send value (n bytes) with our key and headers; e is the delivery report's opaque.
 * Returns librdkafka's error (0: queued). */
static rd_kafka_resp_err_t send_value(struct it_shipper *sh, const char *p, size_t n,
				      struct ship_msg *e)
{
	static const char schema[] = { '0' + IT_SCHEMA_VERSION, 0 };

	return rd_kafka_producev(sh->rk, RD_KAFKA_V_TOPIC(sh->cfg.topic),
				 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				 RD_KAFKA_V_VALUE((void *)p, n),
				 RD_KAFKA_V_KEY(sh->cfg.key_host, strlen(sh->cfg.key_host)),
				 RD_KAFKA_V_HEADER("schema", schema, -1),
				 RD_KAFKA_V_HEADER("host", sh->cfg.key_host, -1),
				 RD_KAFKA_V_HEADER("boot_id", sh->cfg.boot_id, -1),
				 RD_KAFKA_V_HEADER("stream", sh->st.stream, -1),
				 RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
}

/* A loss record for l: sent now, acknowledged like the records. */
void ship_loss(struct it_shipper *sh, const struct it_spool_loss *l)
{
	struct ship_msg *e = calloc(1, sizeof(*e));
	char text[256];
	int n;

	if (!e || !sh->rk) {
		free(e);	/* no producer (a fatal error's back-off): sent at the rewind */
		return;
	}
	n = snprintf(text, sizeof(text),
		     "{\"record\":\"loss\",\"stream\":\"%s\",\"reason\":\"spool_cap\",\"count\":%" PRIu64
		     ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64 "}\n",
		     sh->st.stream, l->count, l->first, l->last);
	e->kind = MSG_LOSS;
	e->loss_first = l->first;
	if (send_value(sh, text, (size_t)n, e)) {
		free(e);	/* stays in the state: sent again at the next rewind or start */
		return;
	}
	push(sh, e);
}

/* first and last seq of the lines in b */
static void seq_range(const struct it_buf *b, uint64_t *first, uint64_t *last)
{
	const char *p = b->p, *end = b->p + b->len;
	char id[IT_STREAM_ID_LEN + 1];
	uint64_t s;

	*first = *last = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		if (it_stream_parse(p, (size_t)(nl - p), id, &s)) {
			if (!*first)
				*first = s;
			*last = s;
		}
		p = nl + 1;
	}
}

/* The batch read (sh->batch, not yet sent) as a message. Returns 0 sent (or passed: a
 * record too large), 1 to try again later (librdkafka's queue is full). */
static int send_batch(struct it_shipper *sh)
{
	struct ship_msg *e = calloc(1, sizeof(*e));
	rd_kafka_resp_err_t err;

	if (!e)
		return 1;
	e->kind = MSG_DATA;
	e->end = sh->batch_end;
	e->lines = sh->batch_lines;
	e->bytes = sh->batch.len;
	e->read_at = sh->batch_read_at;
	seq_range(&sh->batch, &e->first_seq, &e->last_seq);
	if (!sh->resume_checked && e->first_seq)
		ship_resume_check(sh, e->first_seq);
	err = sh->batch.len > sh->max_value ? RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE :
	      send_value(sh, sh->batch.p, sh->batch.len, e);
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		free(e);
		return 1;
	}
	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && e->lines == 1) {
		/* one record longer than the broker takes: counted, said once, passed */
		if (!sh->said_too_large)
			it_warn("kafka: a record of %zu bytes is larger than message.max.bytes allows: "
				"not sent (counted in too_large_records)", sh->batch.len);
		sh->said_too_large = true;
		sh->too_large++;
		e->status = 1;
		e->bytes = e->lines = 0;
	} else if (err) {
		e->status = -1;		/* sent again from the acknowledged position */
		e->err = err;
		if (err == RD_KAFKA_RESP_ERR__FATAL)
			sh->fatal = true;
	}
	push(sh, e);
	sh->tokens -= (double)sh->batch.len;
	it_buf_reset(&sh->batch);
	return 0;
}

/* Read and send while there is room. Returns true if anything was sent. */
static bool fill(struct it_shipper *sh)
{
	bool sent = false;

	sh->idle = false;
	while (!sh->rewind && sh->inflight_bytes < sh->cfg.inflight_bytes &&
	       sh->tokens > 0) {
		if (!sh->batch.len) {
			uint64_t lines;
			long got = it_spool_read(&sh->rd, &sh->batch, sh->cfg.batch_bytes, &lines);

			if (got <= 0) {
				if (got < 0) {
					static struct it_log_limit lim = { .interval_s = 60 };

					it_log_limited(&lim, LOG_WARNING, "warning: kafka: reading the spool: %s", strerror(errno));
				}
				sh->caught_up_at = mono();
				sh->idle = !got;
				break;
			}
			sh->batch_end = sh->rd.pos;
			sh->batch_lines = lines;
			sh->batch_read_at = mono();
			ship_resume_trim(sh);
			if (!sh->batch.len)
				continue;	/* acknowledged before a stale state */
		}
		if (send_batch(sh))
			break;
		sent = true;
	}
	return sent;
}

/* A fatal error (rd_kafka_fatal_error(): e.g. the idempotent producer's sequence is
 * out of step with the broker's) leaves the producer unusable: it is destroyed with
 * what it had in flight, and after a back-off (rewind_now) a new one sends again from
 * the acknowledged position. What was acknowledged after an unacknowledged message
 * may arrive twice, as after any failed message. */
static void producer_fatal(struct it_shipper *sh)
{
	char why[512];

	sh->fatal = false;
	rd_kafka_fatal_error(sh->rk, why, sizeof(why));
	it_kafka_secrets_scrub(&sh->secrets, why, sizeof(why));
	set_error(sh, why);
	sh->backoff = sh->backoff ? sh->backoff * 2 : sh->cfg.retry_after_s;
	if (sh->backoff > 60)
		sh->backoff = 60;
	it_warn("kafka: the producer hit a fatal error (%s): a new one in %.0f s sends again "
		"from the acknowledged position", why, sh->backoff);
	rd_kafka_purge(sh->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(sh->rk, 0);
	rd_kafka_destroy(sh->rk);	/* its delivery reports still find their entries */
	sh->rk = NULL;
	while (sh->head)
		free(pop(sh));
	sh->rewind = true;
	sh->retry_at = mono() + sh->backoff;
}

/* The new producer after a fatal error. Returns 0, or -1 (said; tried again later). */
static int producer_new(struct it_shipper *sh)
{
	char rderr[512];

	sh->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(sh->conf), rderr, sizeof(rderr));
	if (!sh->rk) {
		it_kafka_secrets_scrub(&sh->secrets, rderr, sizeof(rderr));
		it_warn("kafka: a new producer: %s", rderr);
		sh->retry_at = mono() + 60;
		return -1;
	}
	sh->restarts++;
	return 0;
}

/* After a failed message, once nothing is in flight: read again from the
 * acknowledged position, and send the unacknowledged loss records again. */
static void rewind_now(struct it_shipper *sh)
{
	int i;

	if (!sh->rewind || sh->head || mono() < sh->retry_at)
		return;
	if (!sh->rk && producer_new(sh))
		return;
	sh->rewind = false;
	sh->retries++;
	it_buf_reset(&sh->batch);
	it_spool_seek(&sh->rd, &sh->st.acked);
	sh->rd.last_seq = sh->st.acked_seq;	/* a rewritten file: passed up to it */
	for (i = 0; i < sh->st.n_loss; i++)
		ship_loss(sh, &sh->st.loss[i]);
}

static void refill_tokens(struct it_shipper *sh)
{
	double now = mono(), burst = (double)sh->cfg.batch_bytes * 2;

	sh->tokens += (now - sh->tokens_at) * sh->cfg.rate_bytes;
	if (sh->tokens > burst)
		sh->tokens = burst;
	sh->tokens_at = now;
}

/* --- the thread ------------------------------------------------------------------------ */

static void publish_stats(struct it_shipper *sh)
{
	struct it_shipper_stats *s = &sh->stats;
	double now = mono();
	uint64_t next = sh->cfg.stream ? __atomic_load_n(&sh->cfg.stream->next_seq, __ATOMIC_RELAXED) : 0;

	pthread_mutex_lock(&sh->mu);
	s->delivered_records = sh->st.delivered_records;
	s->delivered_bytes = sh->st.delivered_bytes;
	s->delivered_messages = sh->delivered_messages;
	s->inflight_records = sh->inflight_records;
	s->inflight_bytes = sh->inflight_bytes;
	s->acked_seq = sh->st.acked_seq;
	s->pending_records = next > sh->st.acked_seq + 1 ? next - 1 - sh->st.acked_seq : 0;
	s->spool_bytes = sh->spool_bytes;
	s->backlog_bytes = sh->backlog_bytes;
	if (sh->head)
		s->oldest_age_s = now - sh->head->read_at;
	else if (sh->caught_up_at < sh->batch_read_at || sh->batch.len)
		s->oldest_age_s = now - sh->caught_up_at;
	else
		s->oldest_age_s = 0;
	s->lost_records = sh->lost;
	s->loss_records_sent = sh->loss_sent;
	s->too_large_records = sh->too_large;
	s->retries = sh->retries;
	s->outages = sh->stats_outages;
	s->in_outage = sh->outage;
	s->outage_s = sh->outage_total + (sh->outage ? now - sh->outage_since : 0);
	s->state_resets = sh->state_resets;
	s->resend_records = sh->resend_records;
	s->producer_restarts = sh->restarts;
	pthread_mutex_unlock(&sh->mu);
}

static void periodic(struct it_shipper *sh)
{
	double now = mono();

	if (sh->head && !sh->outage && now - sh->last_ack_at > sh->cfg.outage_after_s &&
	    now - sh->head->read_at > sh->cfg.outage_after_s) {
		char why[64];

		snprintf(why, sizeof(why), "nothing acknowledged for %.0f s", sh->cfg.outage_after_s);
		outage_start(sh, why);
	}
	if (now - sh->spool_checked_at >= 1.0) {
		sh->spool_checked_at = now;
		ship_spool_check(sh);
	}
	if (sh->state_dirty && now - sh->state_saved_at >= sh->cfg.state_interval_s)
		ship_save_state(sh);
	publish_stats(sh);
}

static void *run(void *arg)
{
	struct it_shipper *sh = arg;
	int i;

	for (i = 0; i < sh->st.n_loss; i++)
		ship_loss(sh, &sh->st.loss[i]);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		bool sent;
		int wait_ms;

		refill_tokens(sh);
		rewind_now(sh);
		sent = fill(sh);
		wait_ms = sent ? 0 : (int)(sh->cfg.poll_s * 1000);
		/* a stop: done once everything written is read and acknowledged */
		if (__atomic_load_n(&sh->draining, __ATOMIC_ACQUIRE) && sh->idle && !sh->head &&
		    !sh->batch.len)
			break;
		if (sh->rk) {
			rd_kafka_poll(sh->rk, wait_ms);
		} else {
			struct timespec ts = { 0, 50 * 1000000 };

			nanosleep(&ts, NULL);	/* a new producer after the back-off */
		}
		advance(sh);
		if (sh->fatal && sh->rk)
			producer_fatal(sh);
		periodic(sh);
	}
	__atomic_store_n(&sh->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void cfg_defaults(struct it_shipper_cfg *c)
{
	if (!c->batch_bytes)
		c->batch_bytes = 256 * 1024;
	if (!c->inflight_bytes)
		c->inflight_bytes = 8 * 1024 * 1024;
	if (c->rate_bytes <= 0)
		c->rate_bytes = 32.0 * 1024 * 1024;
	if (c->poll_s <= 0)
		c->poll_s = 0.05;
	if (c->state_interval_s <= 0)
		c->state_interval_s = 0.1;
	if (c->outage_after_s <= 0)
		c->outage_after_s = 10;
	if (c->retry_after_s <= 0)
		c->retry_after_s = 2;
	if (!c->boot_id)
		c->boot_id = "";
}

/* The state at start: loaded, or a new one at the start of the spool. */
static int load_state(struct it_shipper *sh, char *err, size_t errlen)
{
	int rc;

	it_spool_state_name(sh->state_name, sizeof(sh->state_name), sh->cfg.host);
	sh->statefd = open(sh->cfg.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sh->statefd < 0 || (rc = it_spool_state_load(sh->statefd, sh->state_name, &sh->st)) < 0) {
		snprintf(err, errlen, "kafka state %s/%s: %s", sh->cfg.state_dir, sh->state_name,
			 errno == EINVAL ? "not a state file" : strerror(errno));
		return -1;
	}
	memcpy(sh->state_stream, sh->st.stream, sizeof(sh->state_stream));
	if (sh->cfg.stream)
		memcpy(sh->st.stream, sh->cfg.stream->id, sizeof(sh->st.stream));
	if (it_spool_reader_open(&sh->rd, sh->cfg.spool, sh->cfg.host, err, errlen))
		return -1;
	it_spool_seek(&sh->rd, &sh->st.acked);
	sh->rd.last_seq = sh->st.acked_seq;	/* a rewritten file: passed up to it */
	ship_resume_init(sh, rc == 1);
	snprintf(sh->acked_name, sizeof(sh->acked_name), "%s", sh->st.acked.name);
	return 0;
}

/* The largest value the producer sends: message.max.bytes less room for the
 * record batch's framing, key and headers. */
static size_t max_value(rd_kafka_conf_t *conf)
{
	char v[32];
	size_t n = sizeof(v);
	long m = 1000000;

	if (rd_kafka_conf_get(conf, "message.max.bytes", v, &n) == RD_KAFKA_CONF_OK)
		m = atol(v);
	return m > 8192 ? (size_t)m - 4096 : 4096;
}

struct it_shipper *it_shipper_start(const struct it_shipper_cfg *cfg, rd_kafka_conf_t *conf,
				    char *err, size_t errlen)
{
	struct it_shipper *sh = calloc(1, sizeof(*sh));
	char rderr[512];

	if (!sh) {
		snprintf(err, errlen, "kafka: out of memory");
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	sh->cfg = *cfg;
	cfg_defaults(&sh->cfg);
	sh->statefd = -1;
	sh->rd.dirfd = -1;
	pthread_mutex_init(&sh->mu, NULL);
	sh->max_value = max_value(conf);
	if (sh->cfg.batch_bytes > sh->max_value)
		sh->cfg.batch_bytes = sh->max_value;
	if (load_state(sh, err, errlen)) {
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	it_kafka_secrets_init(&sh->secrets, conf);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_opaque(conf, sh);
	sh->conf = rd_kafka_conf_dup(conf);
	sh->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rderr, sizeof(rderr));
	if (!sh->rk) {
		rd_kafka_conf_destroy(conf);
		it_kafka_secrets_scrub(&sh->secrets, rderr, sizeof(rderr));
		snprintf(err, errlen, "kafka: %s", rderr);
		goto fail;
	}
	sh->tokens_at = sh->last_ack_at = sh->caught_up_at = mono();
	sh->tokens = (double)sh->cfg.batch_bytes;
	if (pthread_create(&sh->thread, NULL, run, sh)) {
		snprintf(err, errlen, "kafka: cannot start the shipper thread");
		rd_kafka_destroy(sh->rk);
		goto fail;
	}
	return sh;
fail:
	if (sh->conf)
		rd_kafka_conf_destroy(sh->conf);
	it_kafka_secrets_free(&sh->secrets);
	it_spool_reader_close(&sh->rd);
	if (sh->statefd >= 0)
		close(sh->statefd);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
	return NULL;
}

void it_shipper_get_stats(struct it_shipper *sh, struct it_shipper_stats *out)
{
	pthread_mutex_lock(&sh->mu);
	*out = sh->stats;
	pthread_mutex_unlock(&sh->mu);
}

bool it_shipper_may_delete(void *ctx, const char *name)
{
	struct it_shipper *sh = ctx;
	bool ok;

	pthread_mutex_lock(&sh->mu);
	ok = sh->acked_name[0] && strcmp(name, sh->acked_name) < 0;
	pthread_mutex_unlock(&sh->mu);
	return ok;
}

int it_shipper_stop(struct it_shipper *sh, double drain_s)
{
	double until = mono() + drain_s;
	int rc;

	/* drain: the thread ends once it has read the spool to its end and all it sent is
	 * acknowledged; the stop flag ends it at the deadline */
	__atomic_store_n(&sh->draining, 1, __ATOMIC_RELEASE);
	while (mono() < until && !__atomic_load_n(&sh->finished, __ATOMIC_ACQUIRE)) {
		struct timespec ts = { 0, 20 * 1000000 };

		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	pthread_join(sh->thread, NULL);
	rc = ship_save_state(sh);
	if (sh->rk) {
		rd_kafka_purge(sh->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(sh->rk, 0);
		rd_kafka_destroy(sh->rk);
	}
	while (sh->head)
		free(pop(sh));
	rd_kafka_conf_destroy(sh->conf);
	it_spool_reader_close(&sh->rd);
	it_buf_free(&sh->batch);
	close(sh->statefd);
	it_kafka_secrets_free(&sh->secrets);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
	return rc;
}
