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

#endif
