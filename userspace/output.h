/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output.h - the counters of a run (struct it_stats) and the stats record that carries
 * them (docs/output-format.md "Counters"). The other records: format_jsonl.h, format_csv.h.
 */
#ifndef IT_OUTPUT_H
#define IT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "inputtrace.h"
#include "json.h"
#include "shipper.h"

#define IT_STATS_TYPES 32	/* EV_CNT */

/* The event types always listed in the stats record's "events_by_type" and the
 * metrics (others appear when their count is not 0). */
extern const unsigned int it_stats_types[12];
bool it_stats_type_listed(unsigned int t);

/* Application context (docs/context.md): the counters of focus reports (focusctx.h
 * struct it_focus_stats) and of tool records. */
struct it_context_stats {
	bool focus, tools;	/* which of the two is on */
	uint64_t reports, records, refused_uid, malformed, coalesced, pauses;
	uint64_t tool_records, tools_lost;
};

/* What the collector adds to the kernel's counters for the stats record. */
struct it_stats {
	struct it_counters k;		/* summed over CPUs */
	uint64_t missed_frames;		/* frames the kernel skipped the programs for
					 * (capture.h it_capture_missed_frames()) */
	bool missed_counted;		/* the kernel counts them for this mechanism */
	uint64_t filtered_user;		/* events of devices not yet judged, dropped here */
	uint64_t events_out;		/* event records written */
	uint64_t not_output;		/* events read after --count was reached */
	uint64_t devices;		/* device records written */
	uint64_t output_lost_lines;	/* lines the sink could not write (disk full, EIO) */
	uint64_t output_lost_bytes;
	uint64_t devices_removed;	/* "remove" device records written */
	uint64_t bytes_written;		/* bytes written to output files (after gzip) */
	uint64_t files_completed;	/* output files completed (renamed into place) */
	uint64_t files_deleted;		/* complete files deleted by --max-files/--max-age */
	uint64_t files_recovered;	/* leftover .tmp files of a crashed run completed at start */
	uint64_t by_type[IT_STATS_TYPES];	/* event records output, by EV_ type */
	bool has_kafka;			/* delivering to Kafka: kafka is filled in */
	struct it_shipper_stats kafka;	/* the shipper's counters (docs/kafka.md) */
	const struct it_context_stats *context;	/* the agent's; NULL: no focus, no tools */
};

/* {"record":"stats",...}: the counters (docs/output-format.md "Counters"), ending with
 * "events_by_type":{"EV_SYN":N,...}. */
void it_rec_stats(struct it_buf *b, const struct it_stats *s);

#endif
