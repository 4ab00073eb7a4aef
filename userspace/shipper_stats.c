// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* shipper_stats.c - the shipper's counters as metrics and as JSON (shipper.h). */
#include <stdio.h>
#include "shipper.h"

struct stat_field {
	const char *name;	/* JSON member; metric inputtrace_kafka_NAME */
	const char *help;
	int counter;		/* 1 counter (_total), 0 gauge */
	size_t off;		/* of a uint64_t in struct it_shipper_stats */
};

#define F(n, c, h) { #n, h, c, offsetof(struct it_shipper_stats, n) }
static const struct stat_field fields[] = {
	F(delivered_records, 1, "Records acknowledged by the broker, across restarts."),
	F(delivered_bytes, 1, "Bytes of acknowledged messages, across restarts."),
	F(delivered_messages, 1, "Messages acknowledged by the broker."),
	F(inflight_records, 0, "Records sent and not yet acknowledged."),
	F(inflight_bytes, 0, "Bytes sent and not yet acknowledged."),
	F(pending_records, 0, "Records in the spool not yet acknowledged."),
	F(backlog_bytes, 0, "Spool bytes on disk not yet read by the shipper."),
	F(spool_bytes, 0, "Bytes of the spool's files on disk."),
	F(acked_seq, 0, "Seq of the last acknowledged record."),
	F(lost_records, 1, "Records deleted by --spool-max-bytes before they were sent."),
	F(loss_records_sent, 1, "Loss records acknowledged by the broker."),
	F(too_large_records, 1, "Records larger than message.max.bytes, not sent."),
	F(retries, 1, "Times sending started again from the acknowledged position."),
	F(outages, 1, "Outages started (brokers unreachable, nothing acknowledged)."),
	F(producer_restarts, 1, "Producers replaced after a fatal error (rd_kafka_fatal_error)."),
	F(state_resets, 1, "Starts without a usable state file (missing, or naming a file gone)."),
	F(resend_records, 1, "Records sent from the spool's start for a missing state file (maybe duplicates)."),
};
#undef F

static uint64_t field(const struct it_shipper_stats *s, const struct stat_field *f)
{
	return *(const uint64_t *)((const char *)s + f->off);
}

static void metric(struct it_buf *b, const char *name, const char *help, bool counter,
		   const char *value)
{
	char line[512];

	snprintf(line, sizeof(line), "# HELP inputtrace_kafka_%s%s %s\n# TYPE inputtrace_kafka_%s%s %s\n"
		 "inputtrace_kafka_%s%s %s\n", name, counter ? "_total" : "", help, name,
		 counter ? "_total" : "", counter ? "counter" : "gauge", name,
		 counter ? "_total" : "", value);
	it_buf_puts(b, line);
}

void it_shipper_metrics(struct it_buf *b, const struct it_shipper_stats *s)
{
	char v[32];
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)field(s, &fields[i]));
		metric(b, fields[i].name, fields[i].help, fields[i].counter, v);
	}
	snprintf(v, sizeof(v), "%.3f", s->oldest_age_s);
	metric(b, "oldest_age_seconds", "Age of the oldest record not acknowledged (0: none).", false, v);
	metric(b, "outage", "1 while brokers are unreachable.", false, s->in_outage ? "1" : "0");
	snprintf(v, sizeof(v), "%.3f", s->outage_s);
	metric(b, "outage_seconds", "Seconds spent in outages.", true, v);
}

void it_shipper_json(struct it_buf *b, const struct it_shipper_stats *s)
{
	char v[32];
	size_t i;

	it_buf_puts(b, ",\"kafka\":{");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (i)
			it_buf_putc(b, ',');
		it_buf_putc(b, '"');
		it_buf_puts(b, fields[i].name);
		it_buf_puts(b, "\":");
		it_buf_u64(b, field(s, &fields[i]));
	}
	snprintf(v, sizeof(v), "%.3f", s->oldest_age_s);
	it_buf_puts(b, ",\"oldest_age_s\":");
	it_buf_puts(b, v);
	it_buf_puts(b, s->in_outage ? ",\"outage\":true" : ",\"outage\":false");
	snprintf(v, sizeof(v), "%.3f", s->outage_s);
	it_buf_puts(b, ",\"outage_s\":");
	it_buf_puts(b, v);
	it_json_key(b, "last_error");
	it_json_str(b, s->last_error, sizeof(s->last_error));
	it_buf_putc(b, '}');
}
