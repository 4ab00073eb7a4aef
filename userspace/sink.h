/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink.h - where formatted records go: stdout, one file, or a directory of rotated
 * files; plain or gzip; flushed at a bounded interval; write errors survived
 * (README "Output files").
 *
 * The sink takes whole lines: a write is never split across files or gzip members, so
 * every file, and every prefix of a file up to a flush, holds complete lines.
 *
 * gzip: each flush ends a gzip member (deflate Z_FINISH: the dictionary is reset, as
 * with Z_FULL_FLUSH, and the member gets its CRC and length), and only complete members
 * are written to the file. A file is a valid multi-member gzip file (RFC 1952 2.2;
 * zcat, gzip -t, Python's gzip, zlib with windowBits 31 read it) at every instant
 * outside a write(2) call, so after kill -9 or a power cut (the flush also fdatasyncs)
 * it holds every line up to the last flush, whole. In directory mode the next agent
 * completes such a NAME.tmp (it_sink_recover).
 */
#ifndef IT_SINK_H
#define IT_SINK_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include "json.h"

/* A gzip member is also ended once this much input is pending (bounds memory). */
#define IT_SINK_MEMBER_MAX (1u << 20)

struct it_sink_cfg {
	const char *path;		/* "-" stdout, a file, or a directory (see dir mode) */
	const char *ext;		/* "jsonl" or "csv": file name extension in dir mode */
	int compress;			/* gzip level 1..9, 0 plain */
	double flush_interval_s;	/* <= 0: 1 */
	uint64_t rotate_size;		/* bytes on disk; 0 never */
	double rotate_interval_s;	/* 0 never */
	unsigned int max_files;		/* complete files kept; 0 all */
	double max_age_s;		/* 0 forever */
	unsigned int file_mode;		/* 0: 0600 */
	bool dir_mode;			/* force directory mode (path need not exist yet) */
	/* clocks (NULL: CLOCK_MONOTONIC seconds, CLOCK_REALTIME ns); tests set them */
	double (*now)(void);
	uint64_t (*wall_ns)(void);
};

struct it_sink;

/* Writes the records every file starts with (header, device records) into b. */
typedef void (*it_sink_preamble_fn)(void *ctx, struct it_sink *s, struct it_buf *b);
/* Writes a record saying lines/bytes could not be written (error: errno) into b. */
typedef void (*it_sink_gap_fn)(void *ctx, struct it_sink *s, struct it_buf *b,
			       uint64_t lines, uint64_t bytes, int error);

struct it_sink {
	struct it_sink_cfg cfg;
	const char *name;		/* for messages: the path, or "stdout" */
	int fd;				/* current file, -1 none */
	int dirfd;			/* dir mode: the directory; else -1 */
	bool is_stdout, dir_mode;
	bool dir_created;		/* dir mode: this run created the directory */
	bool file_created;		/* one-file mode: this run created the file */
	bool failed;			/* unrecoverable: the agent should stop */
	char host[64];			/* sanitized host name, in file names */
	char cur[NAME_MAX + 1];		/* dir mode: final name of the current file */
	char tmp[NAME_MAX + 1];		/* dir mode: its name while written (cur + ".tmp") */
	uint64_t file_seq;		/* files opened so far (1 = first) */
	uint64_t file_bytes;		/* bytes of the current file on disk */
	double opened_at, last_flush, retry_at;	/* it_sink.now() seconds */
	bool need_preamble, dirty;
	/* gzip */
	z_stream z;
	bool z_ready;
	struct it_buf zout;		/* compressed, not yet written: the open member */
	uint64_t member_in, member_lines;
	/* write errors (ENOSPC, EIO, ...) */
	int err;			/* errno of the failure in progress; 0 none */
	int last_err;			/* errno of the last failure, for the gap record */
	bool said;			/* stderr told about an error (once per errno) */
	int said_err;
	bool said_resumed;		/* stderr told that writing works again */
	uint64_t dropped_lines, dropped_bytes;	/* in all: for the stats */
	uint64_t gap_lines, gap_bytes;		/* since the last gap record */
	uint64_t files_done, files_deleted;
	uint64_t files_recovered;		/* leftover .tmp files completed (it_sink_recover) */
	uint64_t bytes_written;			/* in all, to every file (after gzip) */
	/* what every file starts with, and the gap record (set by the collector) */
	it_sink_preamble_fn preamble;
	it_sink_gap_fn gap;
	void *cb_ctx;
	/* clocks, replaceable by tests: monotonic seconds, and wall-clock ns for names */
	double (*now)(void);
	uint64_t (*wall_ns)(void);
	/* the agent's "stop" flag (SIGINT/SIGTERM), or NULL. Once it is set, writes to an
	 * output that is not a regular file (a pipe, a socket) are bounded: non-blocking,
	 * waited for at most IT_SINK_STOP_WAIT_S in all, then they fail (ETIMEDOUT), so a
	 * reader that stopped reading cannot hold the agent forever */
	const volatile sig_atomic_t *stop;
	double stop_deadline;			/* it_sink.now() seconds; 0: not yet */
};

#define IT_SINK_STOP_WAIT_S 2.0

/*
 * Open the output. path "-" is stdout. Directory mode (cfg.dir_mode, or path is an
 * existing directory or ends in '/'): the directory is created (mode from file_mode,
 * 0700 by default) if missing, never followed if it is a symlink, and files are named
 *   inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-HOST.EXT[.gz]
 * (UTC start time: names sort by time), written as NAME.tmp (held with
 * flock(LOCK_EX) from creation until renamed, for it_sink_recover() of other agents)
 * and renamed into place, after fsync, when complete; the directory is held with an
 * OFD read lock while it is open. Otherwise path is one file, appended to.
 * Files are created with file_mode (0600 by default) through O_NOFOLLOW, so a symlink
 * planted at the path is refused. Returns 0, or -1 with a one-line reason in err.
 */
int it_sink_open(struct it_sink *s, const char *path, char *err, size_t errlen);
int it_sink_open_cfg(struct it_sink *s, const struct it_sink_cfg *cfg, char *err, size_t errlen);

/*
 * Write n bytes of whole lines. Returns 0; -1 if they could not be written: then they
 * are counted (dropped_lines/bytes), the error said once on stderr, and writing is
 * tried again at the next flush interval; a gap record marks the place when it works
 * again. Data already in the file is never damaged (a partial write is cut back).
 */
int it_sink_write(struct it_sink *s, const void *p, size_t n);

/* Time-driven work; call at least every flush interval (the collector does, at each
 * poll): flush, rotation by interval, retry after an error, reopen after SIGHUP. */
void it_sink_tick(struct it_sink *s);

/* Flush now: end the gzip member, write it, fdatasync. Returns 0 or -1. */
int it_sink_flush(struct it_sink *s);

/* Close the current file (complete it: rename into place in dir mode) and start the
 * next one: rotation, SIGHUP. Returns 0 or -1. */
int it_sink_reopen(struct it_sink *s);

/* Flush, fsync and close (stdout is left open), renaming into place in dir mode.
 * Returns 0 or -1 (said on stderr). */
int it_sink_close(struct it_sink *s);

/* A start that failed: close without completing anything, and remove the file this
 * run created (the directory's temporary file, or a new single file), so that a failed
 * start leaves the output as it found it. */
void it_sink_abort(struct it_sink *s);

/* Apply --max-files/--max-age to the directory now (the agent calls it once capture
 * has started, so a failed start deletes nothing; then after each completed file).
 * Returns files deleted. */
int it_sink_retention(struct it_sink *s);

/*
 * Complete the .tmp files a crashed agent (kill -9, power cut) left in the directory,
 * so that a shipper that takes only complete files gets their data. The agent calls it
 * once capture has started (like it_sink_retention: a failed start touches nothing),
 * before retention and before any evemu file of this run is opened.
 * Leftovers are this host's NAME.tmp files of the names this agent writes
 * (inputtrace-<time>-HOST.{jsonl,csv}[.gz], inputtrace-<time>-HOST-inputN.evemu); each
 * is opened with O_NOFOLLOW (a symlink, or anything not a regular file with one link,
 * is left alone) and flock(LOCK_EX|LOCK_NB)ed: a file that cannot be locked is being
 * written by a live agent (the sink holds LOCK_EX on the file it writes) and is left
 * alone. evemu files are written without that lock, so they are completed only when
 * no other agent has the directory open (each sink holds an OFD read lock on it).
 * A file is cut to its complete prefix (it_sink_complete_len), fsynced, renamed to NAME
 * (never over an existing NAME) and the directory fsynced; one holding nothing complete
 * is removed. One line on stderr per file:
 *   inputtrace: recovered NAME (N bytes; M incomplete bytes dropped)
 * Returns the number of files recovered (also added to files_recovered); 0 outside
 * directory mode. Errors on one file are said on stderr and leave it as it was.
 */
int it_sink_recover(struct it_sink *s);

/*
 * The length in bytes of the complete prefix of a file written by the sink, read
 * through fd with pread (from offset 0; the file offset is not used). gzip: the file is
 * inflated with zlib (windowBits 15+16) member by member, and the prefix ends with the
 * last member that inflates to its end (trailer CRC and length checked): what follows
 * (a member cut short, garbage, zeros) is incomplete. Otherwise text (JSON Lines, CSV,
 * evemu): up to and including the last '\n'. Returns 0 with *len set (0: nothing
 * complete), or -1 with errno set (a read error, or ENOMEM from zlib).
 */
int it_sink_complete_len(int fd, bool gzip, uint64_t *len);

/* Give the output to uid:gid, for an agent that drops to --user after opening it: it
 * must still create, rename and delete files there (rotation, retention, SIGHUP).
 * Directory mode: the directory, if this run created it (one that existed already must
 * belong to uid: a directory someone else owns, /var/log say, is never given away;
 * EPERM), and the file being written. One file: the file, if this run created it (one
 * that existed is left alone: writing goes on through the open fd, but a reopen after
 * SIGHUP needs uid to be able to open it). Modes are kept (0600/0700 by default).
 * Returns 0 or -1 (errno set). */
int it_sink_chown(struct it_sink *s, unsigned int uid, unsigned int gid);

/* Catch SIGHUP: the next it_sink_tick() reopens the output (logrotate's
 * postrotate "kill -HUP"). */
void it_sink_catch_sighup(void);

/* Host name as used in file names: [A-Za-z0-9._-], others '_'. */
void it_sink_hostname(char *out, size_t len);

#endif
