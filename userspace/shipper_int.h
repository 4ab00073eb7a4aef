/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* shipper_int.h - the shipper's inside, shared by shipper.c and spool_cap.c only. */
#ifndef IT_SHIPPER_INT_H
#define IT_SHIPPER_INT_H

#include <pthread.h>
#include "kafka_conf.h"
#include "shipper.h"
#include "spool_reader.h"
#include "spool_state.h"

enum ship_kind { MSG_DATA, MSG_LOSS };

/* One message sent and not yet acknowledged (the delivery report's opaque). */
struct ship_msg {
	struct ship_msg *next;
	enum ship_kind kind;
	int status;			/* 0 waiting, 1 acknowledged, -1 failed */
	rd_kafka_resp_err_t err;
	struct it_spool_pos end;	/* data: the spool position after its records */
	uint64_t first_seq, last_seq;	/* data: of its records (0: none stamped) */
	uint64_t lines, bytes;
	uint64_t loss_first;		/* loss: first seq of its it_spool_loss */
	double read_at;			/* monotonic s: read from the spool */
};

struct it_shipper {
	struct it_shipper_cfg cfg;
	rd_kafka_t *rk;
	struct it_kafka_secrets secrets;	/* scrubbed from librdkafka's messages */
	rd_kafka_conf_t *conf;		/* a copy, for a new producer after a fatal error */
	bool fatal;			/* the producer hit a fatal error: replace it */
	double backoff;			/* before the next new producer, s */
	uint64_t restarts;		/* producers replaced after a fatal error */
	pthread_t thread;
	int stop, draining, finished;	/* __atomic */
	size_t max_value;		/* largest message value the broker takes */
	/* the spool and the state (thread only) */
	struct it_spool_reader rd;
	int statefd;
	char state_name[NAME_MAX + 1];
	struct it_spool_state st;
	bool state_dirty;
	double state_saved_at;
	/* sent, in order */
	struct ship_msg *head, *tail;
	uint64_t inflight_bytes, inflight_records;
	/* read, not yet sent */
	struct it_buf batch;
	struct it_spool_pos batch_end;
	uint64_t batch_lines;
	double batch_read_at, caught_up_at;
	bool idle;			/* the last read found nothing new in the spool */
	bool resume_checked;		/* the first record after the start was looked at */
	/* a missing or stale state file (shipper_resume.c) */
	bool state_missing, state_stale;
	char state_stream[IT_STREAM_ID_LEN + 1];	/* the stream the state file was of */
	uint64_t start_seq;		/* the stream's next seq at start (0: not known) */
	uint64_t skip_seq;		/* stale state: its stream's records up to here are passed */
	uint64_t state_resets, resend_records;
	bool rewind;
	double retry_at;
	double tokens, tokens_at;	/* pacing: bytes that may be sent now */
	/* outages */
	bool outage;
	double outage_since, outage_total, last_ack_at;
	uint64_t stats_outages;
	/* counters */
	uint64_t delivered_messages, lost, loss_sent, too_large, retries;
	uint64_t spool_bytes, backlog_bytes;
	double spool_checked_at;
	bool said_too_large;
	/* shared with other threads, under mu */
	pthread_mutex_t mu;
	struct it_shipper_stats stats;
	char acked_name[NAME_MAX + 1];	/* it_shipper_may_delete() */
};

/* Send a loss record for l (shipper.c). */
void ship_loss(struct it_shipper *sh, const struct it_spool_loss *l);

/* Replace the state file with sh->st now (shipper.c). Returns 0 or -1 (said). */
int ship_save_state(struct it_shipper *sh);

/* After the state is loaded and the reader placed at it (shipper_resume.c): a state
 * file missing (state_missing) or naming a file no longer in the spool. */
void ship_resume_init(struct it_shipper *sh, bool state_missing);

/* A batch just read: lines a stale state says were acknowledged are passed. */
void ship_resume_trim(struct it_shipper *sh);

/* The first record sent after the start (its seq first): a warning for records that
 * may be sent again, a loss record for a gap after the acknowledged seq. */
void ship_resume_check(struct it_shipper *sh, uint64_t first);

/* Once a second: the spool's size and backlog, and --spool-max-bytes (spool_cap.c). */
void ship_spool_check(struct it_shipper *sh);

#endif
