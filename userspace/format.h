/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * format.h - what a record looks like: one table of functions per --format (JSON Lines,
 * CSV, evemu), in the manner of libscap's scap_vtable.h. The collector and its stages
 * hold one struct it_format_ops pointer and call through it; they never ask which
 * format it is. Where the bytes go is the outputs' business (outputs.h).
 *
 * Every writer appends whole lines (newline included) to b. An entry that is NULL
 * means the format has no such record (CSV has no device and no stats records): the
 * caller writes nothing.
 *
 * Adding a format: a file format_NAME.c that fills one `const struct it_format_ops
 * it_format_NAME` (name, ext, the record writers; open/close and the device hooks only
 * if it keeps state), its enum value and name in cli.c, and one line in the table in
 * format.c. Nothing else changes.
 */
#ifndef IT_FORMAT_H
#define IT_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "control.h"
#include "header.h"
#include "inputtrace.h"
#include "json.h"
#include "output.h"
#include "outputs.h"
#include "subject.h"

struct it_fval;

/* A tool's start or stop (docs/context.md "Tool activity"). */
struct it_tool_rec {
	bool start;		/* start, else stop */
	const char *tool;	/* its --tools entry, as given */
	uint32_t pid;		/* the process (thread group) */
	int32_t exit_code;	/* stop: the wait status (exit(1): 256; a signal: its number) */
	uint64_t mono_ns, real_ns;
};

/* A format in use for one run: what every writer may read, and its own state. */
struct it_format_ctx {
	const struct it_opts *o;
	const struct it_hostinfo *host;	/* for the header record */
	struct it_dir_place place;	/* dirfd -1: none */
	void *priv;			/* the format's state (open() sets it) */
	/* participation (docs/participation.md): the subject of whoever is recorded now,
	 * on event and loss records ("" none), and the key that puts the subject of who
	 * paused in pause/resume records instead of uid and user (NULL: uid and user) */
	const char *subject;
	const struct it_subject_key *subject_key;
};

/* A device as the writers see it. */
struct it_fmt_dev {
	uint32_t id;
	const struct it_devinfo *info;	/* NULL: not known (no record of it was seen) */
	const char *node;		/* "/dev/input/eventN", NULL: none */
	int virt;			/* sits under /sys/devices/virtual: 1, 0, -1 not known */
	void **priv;			/* the format's state for this device (*priv NULL at
					 * first); NULL: the device has no slot */
	bool reconstructed;		/* its record is made up by the collector: the
					 * kernel's was lost (collector.h) */
};

struct it_format_ops {
	const char *name;		/* --format NAME, as it_format_name() */
	const char *ext;		/* file name extension of the record stream ("jsonl") */
	const char *head;		/* what every file of the stream starts with */
	bool dir_only;			/* needs -o DIRECTORY (files of its own there) */

	/* Set up fc->priv; 0 or -1. NULL: no state. */
	int (*open)(struct it_format_ctx *fc);
	/* Free what open() and the device hooks made (files left as they are). */
	void (*close)(struct it_format_ctx *fc);

	/* The first records of every file; file_seq: its number, from 1. */
	void (*header)(struct it_format_ctx *fc, struct it_buf *b, uint64_t file_seq);
	/* A device record; action "add", "present" or "remove". */
	void (*device)(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		       const char *action);
	/* Device d went away: whatever the format keeps for it is completed and freed. */
	void (*device_gone)(struct it_format_ctx *fc, const struct it_fmt_dev *d);
	/* One event of device d (e->real_ns 0: no wall-clock time). */
	void (*event)(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		      const struct it_event *e);
	/* count events the full ring buffer refused here; dev IT_DEV_MIXED: several. */
	void (*loss)(struct it_format_ctx *fc, struct it_buf *b, uint64_t count, uint32_t dev);
	/* lines (bytes) before this point the output could not write (error: errno). */
	void (*output_loss)(struct it_format_ctx *fc, struct it_buf *b, uint64_t lines,
			    uint64_t bytes, int error);
	/* Capture paused or resumed by r at mono_ns/real_ns. */
	void (*control)(struct it_format_ctx *fc, struct it_buf *b, bool pause,
			const struct it_ctl_req *r, uint64_t mono_ns, uint64_t real_ns);
	/* One row of a dataset table (feat.h) as a record of kind record ("interval"):
	 * cols (NULL-terminated) and vals in the table's order; devname: the name of the
	 * row's device (its "dev" column), NULL when not known. */
	void (*table_row)(struct it_format_ctx *fc, struct it_buf *b, const char *record,
			  const char *const *cols, const struct it_fval *vals, const char *devname);
	/* The focused application changed (docs/context.md "The focus record"): app an
	 * allow-listed id, "other" or "unknown"; paused_by the pause list's entry while
	 * capture is paused for it, else NULL. */
	void (*focus)(struct it_format_ctx *fc, struct it_buf *b, const char *app,
		      const char *paused_by, uint64_t mono_ns, uint64_t real_ns);
	/* A --tools executable started or stopped. */
	void (*tool)(struct it_format_ctx *fc, struct it_buf *b, const struct it_tool_rec *t);
	/* The counters (docs/output-format.md "Counters"). */
	void (*stats)(struct it_format_ctx *fc, struct it_buf *b, const struct it_stats *s);

	/* Write what the format buffers itself (files of its own). */
	void (*flush)(struct it_format_ctx *fc);
	/* The capture ends: complete the files of its own. */
	void (*finish)(struct it_format_ctx *fc);
	/* Lines it could not write to files of its own, in all. */
	uint64_t (*lost_lines)(struct it_format_ctx *fc);
};

extern const struct it_format_ops it_format_jsonl, it_format_csv, it_format_evemu;

/* The table of --format f (JSON Lines for an unknown value). */
const struct it_format_ops *it_format_of(enum it_format f);

/* True when head (n bytes, the start of a file) is how a file of some format starts:
 * an output appending to it may repair it (sink.h it_sink_cfg.known_head). */
bool it_format_known_head(const char *head, size_t n);

/* "2026-11-29T18:48:55.123456Z" for real_ns (ns since the epoch); appended quoted. */
void it_rfc3339(struct it_buf *b, uint64_t real_ns);
/* The same without the quotes (CSV). */
void it_rfc3339_bare(struct it_buf *b, uint64_t real_ns);

#endif
