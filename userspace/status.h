/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * status.h - the agent's world-readable status file (docs/data-contract.md "Transparency"), written by
 * the agent and read by `inputtrace ctl status`.
 */
#ifndef IT_STATUS_H
#define IT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct it_shipper;

#define IT_STATUS_FILE_DEFAULT "/run/inputtrace/status"

/* mkdir -p of path's directory (not path itself), new parts 0755. 0, or -1 (errno). */
int it_make_parent(const char *path);

/*
 * The status file: world-readable (0644), key=value lines that tell any local user that
 * capture is running, in which mode, since when, whether paused. Opened once as root
 * (its directory created 0755) and kept open, so that it can be rewritten in place
 * after --user drops privileges. it_status_open()/it_status_write() return 0 or -1
 * (errno).
 */
struct it_status {
	const char *path;	/* NULL: none */
	int fd;			/* -1: not open */
	pid_t pid;
	uint64_t since_real_ns;
	uint64_t paused_since_real_ns;	/* 0: not paused */
	bool paused;
	const char *keys;
	const char *pointer;	/* "exact", or "coarse grid=N" */
	const char *types;	/* "all" or a list */
	const char *devices;	/* what is captured, one line */
	const char *exclude;	/* "" for none */
	const char *output;
	const char *format;
	const char *record;	/* --record: "raw" or "intervals"; NULL: not said */
	const char *control;	/* socket path and group, or "" */
	const char *focus;	/* the application context's lists (focus_opts.h); NULL: none */
	struct it_shipper *shipper;	/* delivering to Kafka: its counters as kafka_*
					 * lines (docs/kafka.md "Counters"); NULL none */
	const char *participation;	/* --participation mode while logind is followed
					 * (participation=, recording=, why= lines); NULL none */
	bool recording;			/* the session decision: someone who may be recorded */
	const char *recording_why;	/* its reason (logind.h it_why_name) */
};
int it_status_open(struct it_status *s);
int it_status_write(const struct it_status *s);
/* At exit: remove the file; when that is not permitted any more (--user), rewrite it
 * to say state=stopped. Closes it. */
void it_status_remove(struct it_status *s);

/*
 * Read a status file (as it_status_write() and it_status_remove() write it) into buf
 * (len bytes; at most len - 1 are read) and point keys[i] and values[i] into it, one
 * pair per key=value line in file order, at most max pairs; comment lines are
 * skipped. Returns the number of pairs, or -1 with errno: ENOENT (no such file),
 * EINVAL (not an inputtrace status file), or the error of open/read.
 */
int it_status_read(const char *path, char *buf, size_t len, const char **keys,
		   const char **values, int max);

#endif
