/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * shipper.h - delivery of the spool to Kafka (docs/kafka.md), on a thread of its own,
 * so capture never waits on the network.
 *
 * The shipper reads complete records from the spool (spool_reader.h) from the
 * acknowledged position in the state file (spool_state.h), sends them as messages of
 * several whole JSON Lines (value up to batch_bytes; key: the host; headers: schema,
 * host, boot_id, stream), keeps at most inflight_bytes sent and not yet acknowledged
 * (memory stays bounded while brokers are away: the spool grows instead), and paces
 * what it sends to rate_bytes per second, so a backlog after an outage goes oldest
 * first without an unbounded burst. Each delivery report (the only proof a message
 * arrived) advances the acknowledged position over the messages acknowledged in
 * order, and the state file is replaced with it (at most every state_interval_s).
 * A message that fails (a --kafka-option message.timeout.ms, an authorization error)
 * is sent again with everything after it, from the acknowledged position, after a
 * pause. A fatal producer error (rd_kafka_fatal_error) replaces the producer after a
 * back-off, sending again from the acknowledged position. Outages are said in one line
 * when they start and one when they end.
 */
#ifndef IT_SHIPPER_H
#define IT_SHIPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>
#include "json.h"
#include "stream.h"

struct it_shipper_cfg {
	const char *spool;		/* -o: the directory or the file */
	const char *state_dir;		/* where the state file goes (the spool's directory) */
	const char *host;		/* file-name form (it_sink_hostname) */
	const char *key_host;		/* message key and "host" header: gethostname() */
	const char *boot_id;		/* "boot_id" header */
	const char *topic;
	const struct it_stream *stream;	/* the records' stream (its next_seq read for
					 * pending_records); NULL: not known */
	uint64_t spool_max_bytes;	/* --spool-max-bytes; 0 none */
	size_t batch_bytes;		/* largest message value; 0: 256 KiB */
	size_t inflight_bytes;		/* sent, not acknowledged, at most; 0: 8 MiB */
	double rate_bytes;		/* sending pace, bytes/s; 0: 32 MiB/s */
	double poll_s;			/* loop period when idle; 0: 0.05 */
	double state_interval_s;	/* state file replaced at most this often; 0: 0.1 */
	double outage_after_s;		/* no acknowledgement this long with records
					 * waiting starts an outage; 0: 10 */
	double retry_after_s;		/* pause before a failed message is sent again; 0: 2 */
};

/* What the stats record, --metrics-file and ctl status show (docs/kafka.md
 * "Counters"). Counts are of this run unless said. */
struct it_shipper_stats {
	uint64_t delivered_records;	/* acknowledged by the broker, in all (across restarts) */
	uint64_t delivered_bytes;	/* their bytes (message values), in all */
	uint64_t delivered_messages;	/* this run */
	uint64_t inflight_records;	/* sent, not yet acknowledged */
	uint64_t inflight_bytes;
	uint64_t pending_records;	/* in the spool, not yet acknowledged (from seq);
					 * 0 when the stream is not known */
	uint64_t backlog_bytes;		/* spool bytes on disk not yet read by the shipper */
	uint64_t spool_bytes;		/* the spool's files on disk */
	uint64_t acked_seq;		/* seq of the last acknowledged record */
	double oldest_age_s;		/* age of the oldest record not acknowledged; 0 none */
	uint64_t lost_records;		/* deleted by --spool-max-bytes before they were sent */
	uint64_t loss_records_sent;	/* loss records acknowledged */
	uint64_t too_large_records;	/* longer than the broker takes: not sent */
	uint64_t retries;		/* rewinds after a failed message */
	uint64_t outages;		/* outages started */
	uint64_t state_resets;		/* 1: the state file was missing (records written
					 * before this start in the spool) or named a file
					 * no longer in the spool */
	uint64_t producer_restarts;	/* producers replaced after a fatal error */
	uint64_t resend_records;	/* state file missing: records written before this
					 * start, sent again from the oldest (maybe duplicates) */
	bool in_outage;
	double outage_s;		/* seconds in outages, in all (this run) */
	char last_error[256];		/* librdkafka's text; "" none */
};

struct it_shipper;

/*
 * Create the producer from conf (taken over, also on failure; it_kafka_conf_build())
 * and start the thread. The state file is loaded here: it must be readable, and a
 * producer that librdkafka refuses (conflicting properties) is refused here with its
 * message. Brokers that cannot be reached are not an error: the spool grows.
 * Returns the shipper, or NULL with a one-line reason in err.
 */
struct it_shipper *it_shipper_start(const struct it_shipper_cfg *cfg, rd_kafka_conf_t *conf,
				    char *err, size_t errlen);

/* A consistent copy of the counters (any thread). */
void it_shipper_get_stats(struct it_shipper *sh, struct it_shipper_stats *out);

/*
 * Retention's question (--max-files, --max-age): may the complete spool file name be
 * deleted? True when every record in it was acknowledged (name is before the
 * acknowledged position's file); any thread. ctx: the struct it_shipper.
 */
bool it_shipper_may_delete(void *ctx, const char *name);

/*
 * Stop: wait up to drain_s seconds for the rest of the spool (call it after the sink
 * is closed: the last records, the stats record, are in it) to be sent and
 * acknowledged, then save the state, stop the thread, destroy the producer and free
 * sh. What was not acknowledged is sent by the next run. Returns 0, or -1 if the
 * state could not be saved (said).
 */
int it_shipper_stop(struct it_shipper *sh, double drain_s);

/* The counters as Prometheus text lines (inputtrace_kafka_*), for --metrics-file. */
void it_shipper_metrics(struct it_buf *b, const struct it_shipper_stats *s);

/* The counters as JSON members (,"kafka":{...}) for the stats record and ctl status. */
void it_shipper_json(struct it_buf *b, const struct it_shipper_stats *s);

#endif
