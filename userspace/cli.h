/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cli.h - command-line options of the inputtrace agent. */
#ifndef IT_CLI_H
#define IT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "filter.h"
#include "focus_opts.h"
#include "kafka_conf.h"
#include "part_opts.h"

#define IT_MAX_SPECS 32

/* --format: what the records are written as. */
enum it_format {
	IT_FMT_JSONL = 0,	/* JSON Lines (default; docs/output-format.md) */
	IT_FMT_CSV,		/* one header line, then one line per event or loss */
	IT_FMT_EVEMU,		/* evemu-record's text format, one file per device, in a directory */
};

/* --record: what the agent writes of the events (docs/usage.md "Aggregates only"). */
enum it_record_mode {
	IT_RECORD_RAW = 0,	/* every event (default) */
	IT_RECORD_INTERVALS,	/* only the intervals table's rows (docs/features.md) */
};

enum it_attach {
	IT_ATTACH_AUTO = 0,	/* fentry/fexit, else kprobe */
	IT_ATTACH_FENTRY,
	IT_ATTACH_KPROBE,
};

/* Everything the command line sets; it_opts_init() gives the defaults. */
struct it_opts {
	const char *output;		/* path, or "-" for stdout (default) */
	uint32_t type_mask;		/* bit N: capture event type N; default all */
	struct it_devspec devices[IT_MAX_SPECS];
	int n_devices;
	double duration_s;		/* 0: until a signal */
	uint64_t count;			/* stop after this many event records; 0: no limit */
	uint32_t ring_size;		/* ring buffer bytes, power of two >= page size */
	enum it_attach attach;
	enum it_keys_mode keys;		/* --keys: class (default), shortcuts, none or raw */
	enum it_pointer_mode pointer;	/* --pointer: exact (default) or coarse */
	uint32_t pointer_grid;		/* --pointer-grid UNITS, > 0; default IT_POINTER_GRID_DEFAULT */
	bool list_devices;
	bool no_time;			/* leave out the RFC 3339 "time" field */
	/* output files (userspace/sink.c, docs/output-files.md) */
	enum it_format format;		/* --format */
	int compress;			/* --compress[=LEVEL]: gzip level 1..9; 0 none */
	double flush_interval_s;	/* --flush-interval, default 1 */
	uint64_t rotate_size;		/* --rotate-size BYTES; 0: none */
	double rotate_interval_s;	/* --rotate-interval SECONDS; 0: none */
	unsigned int max_files;		/* --max-files N; 0: keep all */
	double max_age_s;		/* --max-age SECONDS; 0: keep all */
	unsigned int file_mode;		/* --file-mode OCTAL, default 0600 */
	/* operating the agent (docs/operations.md) */
	const char *pin;		/* --pin[=DIR]: pin the maps in DIR; NULL: no pinning */
	const char *user;		/* --user NAME: drop to NAME, no capabilities; NULL: stay */
	double stats_interval_s;	/* --stats-interval SECONDS: stats record; 0: at the end only */
	const char *metrics_file;	/* --metrics-file PATH: Prometheus text format; NULL: none */
	/* privacy and transparency (docs/operations.md "Pause and resume",
	   docs/data-contract.md "Transparency") */
	struct it_devspec exclude[IT_MAX_SPECS];	/* --exclude-device: dropped in the kernel */
	int n_exclude;
	const char *control_socket;	/* --control-socket PATH; NULL: no socket */
	const char *control_group;	/* --control-group NAME: may use the socket */
	const char *status_file;	/* --status-file PATH; NULL: none ("none") */
	bool syslog;			/* --syslog: every message to syslog too (log.h) */
	struct it_kafka_opts kafka;	/* --kafka-*, --spool-max-bytes (docs/kafka.md) */
	/* aggregates only (docs/usage.md "Aggregates only") */
	enum it_record_mode record;	/* --record raw|intervals */
	double interval_s;		/* --interval SECONDS: the window, default 60 */
	double idle_s;			/* --idle SECONDS: no input this long is idle, default 180 */
	unsigned int record_set;	/* bit 0: --interval given, bit 1: --idle */
	struct it_part_opts part;	/* --participation, --subject-key, ... (docs/participation.md) */
	struct it_focus_opts focus;	/* --focus, --apps, --pause-apps, --tools (docs/context.md) */
	int verbose;
};

void it_opts_init(struct it_opts *o);

/*
 * Parse argv into *o (getopt_long; argv is not kept beyond the strings it points to).
 * Returns 0 to run, 1 when --help or --version printed their text to out and the
 * program should exit 0, and -1 on a bad flag or value, with a one-line message
 * (no trailing newline; control bytes of the arguments it quotes shown as '?') in err.
 */
int it_parse_args(int argc, char **argv, struct it_opts *o, char *err, size_t errlen, FILE *out);

/* Name of a --format ("jsonl"), for the header record and messages. */
const char *it_format_name(enum it_format f);

/* Name of a --record mode ("intervals"), for the header record, notice and status. */
const char *it_record_name(enum it_record_mode m);

/* Name of a --keys mode ("class"), for messages. */
const char *it_keys_name(enum it_keys_mode m);

/* Parse a --keys mode name. Returns 0, or -1 with a one-line message in err. */
int it_parse_keys(const char *s, enum it_keys_mode *m, char *err, size_t errlen);

/* Name of a --pointer mode ("exact"), for the header record and messages. */
const char *it_pointer_name(enum it_pointer_mode m);

/* Parse a --pointer mode name. Returns 0, or -1 with a one-line message in err. */
int it_parse_pointer(const char *s, enum it_pointer_mode *m, char *err, size_t errlen);

/*
 * Parse a --types list ("EV_KEY,EV_SYN", "key,syn", case-insensitive, EV_ optional;
 * "all") into a mask of bits 1 << EV_*. Returns 0, or -1 with the bad word in err.
 */
int it_parse_types(const char *list, uint32_t *mask, char *err, size_t errlen);

#endif
