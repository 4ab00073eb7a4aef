/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * outputs.h - where formatted records go: the interface every output implements, and
 * the list of outputs a collector writes to. An output takes bytes of whole lines
 * (what they look like is the format's business, format.h); it decides where they go,
 * when they are flushed, and what happens when that fails. The file sink (sink.h,
 * it_sink_output()) is the first implementation.
 *
 * Adding an output: a file output_NAME.c with a struct that embeds struct it_output
 * as its first member, one `static const struct it_output_ops` filled with its
 * functions, a constructor that returns &x->out, and a destructor; the agent creates
 * it and hands it to it_collector_add_output(). Nothing in the collector changes.
 *
 * What an output must do:
 *   - write(): take whole lines; never split a line, never block the capture for long
 *     (buffer, or drop and count what cannot be taken: lost_*).
 *   - tell the collector what it lost: when it can write again, put the feed's gap
 *     record (an output_loss record) where the lines went missing, and the feed's
 *     preamble at the top of each new file or stream it starts.
 *   - failed: set only when it gave up for good (the agent then stops).
 */
#ifndef IT_OUTPUTS_H
#define IT_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"

#define IT_OUTPUTS_MAX 8

/* A place in an output directory where a format may put files of its own (evemu's
 * per-device files): the directory, the host name used in file names, the mode of
 * new files, the wall clock (ns) for their names. dirfd -1: there is none. */
struct it_dir_place {
	int dirfd;
	const char *host;
	unsigned int mode;
	uint64_t (*wall_ns)(void);
};

/* What an output asks of the collector that feeds it (set by it_outputs_add). */
struct it_output_feed {
	/* The records a new file starts with (header, devices seen so far) into b;
	 * file_seq: the file's number, from 1. */
	void (*preamble)(void *ctx, uint64_t file_seq, struct it_buf *b);
	/* The record that says lines (bytes) before this point were not written
	 * (error: errno), into b. */
	void (*gap)(void *ctx, uint64_t lines, uint64_t bytes, int error, struct it_buf *b);
	void *ctx;
};

/* An output's counts, for the stats record, the metrics and the end of a run. */
struct it_output_stats {
	uint64_t lost_lines, lost_bytes;	/* could not be written, in all */
	uint64_t unmarked_lines, unmarked_bytes;	/* of those, not yet marked by a gap record */
	uint64_t bytes_written;			/* in all, as stored (after gzip) */
	uint64_t files_completed;		/* files completed (renamed into place) */
	uint64_t files_deleted;			/* complete files deleted by retention */
	uint64_t files_recovered;		/* files a crashed run left, completed */
	int err;		/* errno of the failure in progress (retrying); 0 none */
	int last_err;		/* errno of the last failure, 0 none */
	bool failed;		/* gave up: the agent should stop */
};

struct it_output;

struct it_output_ops {
	/* n bytes of whole lines. 0; -1 if they could not be written (then counted in
	 * lost_*, said once, tried again later). */
	int (*write)(struct it_output *out, const void *p, size_t n);
	/* Make what was written durable now (end a gzip member, fdatasync). 0 or -1. */
	int (*flush)(struct it_output *out);
	/* Time-driven work; called at least every flush interval (each poll of the
	 * agent's loop): periodic flush, rotation, retry after an error. */
	void (*tick)(struct it_output *out);
	/* The run ends: from now on do not wait before trying again after an error (a
	 * bounded number of attempts follow, then close). NULL: nothing to do. */
	void (*ending)(struct it_output *out);
	/* Flush and close (complete the file). 0, or -1 (said on stderr). */
	int (*close)(struct it_output *out);
	void (*stats)(struct it_output *out, struct it_output_stats *st);
};

/* The part of every output the collector sees. */
struct it_output {
	const struct it_output_ops *ops;
	const char *name;			/* for messages: "stdout", a path, a topic */
	const struct it_output_feed *feed;	/* NULL: nothing to ask (no preamble, no gap) */
};

/* The outputs a collector writes to, in the order added. */
struct it_outputs {
	struct it_output *v[IT_OUTPUTS_MAX];
	unsigned int n;
};

/* Add out, fed by feed. -1 when the list is full. */
int it_outputs_add(struct it_outputs *l, struct it_output *out, const struct it_output_feed *feed);
/* Write to each; -1 if any write failed. */
int it_outputs_write(struct it_outputs *l, const void *p, size_t n);
void it_outputs_tick(struct it_outputs *l);
/* The counts of all, summed (err, last_err: the first output's that has one; failed:
 * any). */
void it_outputs_stats(struct it_outputs *l, struct it_output_stats *st);

#endif
