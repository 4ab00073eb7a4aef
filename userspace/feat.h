/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feat.h - dataset tables computed from captured events: keystrokes, actions and
 * intervals (docs/features.md). A table is fed the records of one capture in order and
 * emits rows through an it_feat_out. Two feeders share the tables, so both give the
 * same rows for the same events:
 *   - `inputtrace features TABLE CAPTURE...` (features.c) reads the agent's JSON Lines
 *     files (plain or gzip, several in order, rotated directories) and writes CSV or
 *     JSON Lines;
 *   - the agent's aggregates-only mode (`--record intervals`, stage_intervals.c) feeds
 *     the intervals table from the collector and writes its rows as interval records.
 *
 * Adding a table: a file feat_NAME.c with one `const struct it_feat_table_ops`, listed
 * in it_feat_tables[] (features_tables.c). Nothing else changes.
 */
#ifndef IT_FEAT_H
#define IT_FEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a table is fed. */
enum it_frec_kind {
	IT_FREC_EVENT,		/* an event record */
	IT_FREC_DEVICE,		/* a device record: action "add", "present" or "remove" */
	IT_FREC_GAP,		/* events are missing here (loss, pause, session change) */
};

/* One record of a capture, in the capture's order. Strings are valid for the call only. */
struct it_frec {
	enum it_frec_kind kind;
	uint64_t time_ns;	/* the event's timestamp, the capture's clock (CLOCK_MONOTONIC
				 * of the kernel's input core): sec * 1e9 + usec * 1e3; 0 when
				 * the record has none (device, loss) */
	uint32_t dev;		/* the device's number in the capture ("dev") */
	uint16_t type;		/* EV_* number (linux/input-event-codes.h) */
	int32_t value;
	const char *code;	/* as recorded: "KEY_A", "KEYCLASS_LETTER", "BTN_LEFT",
				 * "REL_WHEEL_HI_RES", "SYN_REPORT" */
	const char *subject;	/* the record's "subject" (32 hex digits), "" when none */
	const char *action;	/* IT_FREC_DEVICE: "add", "present", "remove"; else NULL */
};

/* One cell of a row. */
enum it_fval_kind {
	IT_FV_NULL,		/* empty: CSV "", JSON null */
	IT_FV_STR,		/* s (plain ASCII, no quoting needed beyond JSON's) */
	IT_FV_INT,		/* i */
	IT_FV_MS,		/* i nanoseconds, written as milliseconds with 3 decimals
				 * (µs precision), exactly, by integer arithmetic */
	IT_FV_REAL,		/* d, written with %.3f */
};

struct it_fval {
	enum it_fval_kind kind;
	const char *s;
	int64_t i;
	double d;
};

struct it_feat_table_ops;

/* Where rows go: row() gets one value per column of the table, in column order. */
struct it_feat_out {
	void (*row)(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *vals);
	void *ctx;
};

/* Thresholds (docs/features.md lists every default and why). */
struct it_feat_opts {
	uint64_t interval_ns;	/* intervals: the window, default 60 s */
	uint64_t idle_ns;	/* intervals: no input for this long is idle, default 180 s */
};

struct it_feat_table_ops {
	const char *name;		/* "keystrokes", "actions", "intervals" */
	const char *const *columns;	/* NULL-terminated column names */
	/* A new table state; NULL on ENOMEM. */
	void *(*create)(const struct it_feat_opts *o);
	/* The next record of the capture. */
	void (*feed)(void *t, const struct it_frec *r, const struct it_feat_out *out);
	/* The input ends: emit the rows still held (a key still down, an open interval). */
	void (*finish)(void *t, const struct it_feat_out *out);
	void (*destroy)(void *t);
};

/* The tables, NULL-terminated (features_tables.c). */
extern const struct it_feat_table_ops *const it_feat_tables[];

/* The table called name, or NULL. */
const struct it_feat_table_ops *it_feat_table_find(const char *name);

/* The defaults of struct it_feat_opts. */
void it_feat_opts_default(struct it_feat_opts *o);

/* `inputtrace features ...` (argv[0] "features"): the exit status (2: bad usage). */
int it_features_cmd(int argc, char **argv);

struct it_buf;

/* One row appended to b as a CSV line (RFC 4180 text fields, empty for null) or a JSON
 * Lines object (keys = the column names), with its newline: IT_FV_MS as "12.345"
 * (exact), IT_FV_REAL as %.3f (null when not finite). */
void it_feat_format_row(struct it_buf *b, const struct it_feat_table_ops *t,
			const struct it_fval *vals, bool jsonl);

/* --- helpers for tables (features_tables.c) ----------------------------------------- */

/* The number of an EV_KEY code as recorded: "KEY_A" 30, "BTN_LEFT" 0x110,
 * "KEYCLASS_LETTER" its class code (0x300..., keyclass.h), "0x2ff" 0x2ff; -1 when it
 * names nothing. */
int it_feat_key_num(const char *code);

/* The class (enum it_keyclass, keyclass.h) of key number num, the class code itself
 * for a redacted key; 0 for what keeps its code in every mode (modifiers, lock keys,
 * buttons) and for -1. */
unsigned int it_feat_key_class(int num);

/* A button (BTN_*: it_key_is_button()), not a key: "BTN_LEFT", "0x110". */
bool it_feat_is_button(const char *code);

/* --- reading captures (features_read.c) -------------------------------------------- */

/*
 * Feeds one table the records of the agent's JSON Lines captures. It keeps what a
 * rotated file repeats at its top from reaching the table twice: a header of
 * file_seq > 1 and the "present" record of a device already known are dropped; a
 * header of file_seq 1 (a new run of the agent) is a gap and the removal of every
 * device known so far. A record whose "stream" has had its "seq" or a later one
 * (the same file given twice, a delivery that repeated records) is skipped and
 * counted in duplicates.
 */
struct it_feat_stream {
	char id[64];
	int64_t seq;
};

/* A device's last event time in the run: times never go back (the agent's clock is
 * monotonic), a record that does is an error. */
struct it_feat_devtime {
	uint32_t dev;
	uint64_t ns;
};

struct it_feat_reader {
	const struct it_feat_table_ops *t;
	void *state;			/* t's state */
	const struct it_feat_out *out;
	uint32_t *devs;			/* devices known in this run */
	size_t ndevs, capdevs;
	struct it_feat_devtime *times;	/* each device's last event time in this run */
	size_t ntimes, captimes;
	struct it_feat_stream *streams;	/* the last "seq" of each "stream" */
	size_t nstreams;
	uint64_t duplicates;		/* records skipped: their (stream, seq) came before */
	char err[512];			/* the last error: "FILE:LINE: why" */
};

/* One line (without its newline) of file name, line number lineno. 0, or -1 when it
 * is not one of the agent's records (rd->err says why). */
int it_feat_read_line(struct it_feat_reader *rd, const char *s, size_t n, const char *name,
		      uint64_t lineno);

/* Every record of path: a file (plain or gzip), "-" (stdin) or a directory (its
 * capture files in the agent's order: docs/features.md). 0, or -1 (rd->err). */
int it_feat_read_path(struct it_feat_reader *rd, const char *path);

/* Free what the reader holds (not the table). */
void it_feat_reader_free(struct it_feat_reader *rd);

#endif
