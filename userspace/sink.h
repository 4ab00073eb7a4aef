/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink.h - the file output: stdout, one file, or a directory of rotated files; plain or
 * gzip; flushed at a bounded interval; write errors survived (docs/output-files.md).
 * It is an output (outputs.h: it_sink_output()) and opaque: callers use the functions
 * below. Its parts: sink.c (writing, errors, open/close), sink_gzip.c (the gzip
 * members), sink_dir.c (directory mode: names, the directory scan, retention),
 * sink_recover.c (what a crash left); sink_impl.h is private to them.
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
#include "json.h"
#include "outputs.h"

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
	/* is head (n bytes: the start of an existing file appended to) how our files
	 * start? Then a fragment a crash left at its end is cut first. NULL: never */
	bool (*known_head)(const char *head, size_t n);
	/* an existing single file is appended to only if it is ours: owned by the euid,
	 * or by user_uid when have_user (--user), not writable by group or others beyond
	 * file_mode, and empty or starting as known_head says (gzip: inflated) */
	bool have_user;
	unsigned int user_uid;
	/* clocks (NULL: CLOCK_MONOTONIC seconds, CLOCK_REALTIME ns); tests set them */
	double (*now)(void);
	uint64_t (*wall_ns)(void);
};

/* --user NAME (NULL: none): its files may be appended to (have_user, user_uid). A
 * name that does not resolve is left for the agent to report. */
void it_sink_cfg_user(struct it_sink_cfg *cfg, const char *user);

/* The file output (opaque). */
struct it_sink;

/* After the agent's stop flag (it_sink_set_stop) is set, writes to an output that is
 * not a regular file (a pipe, a socket) are waited for at most this long in all, then
 * they fail (ETIMEDOUT), so a reader that stopped reading cannot hold the agent. */
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
 * planted at the path is refused. Returns the sink (free it with it_sink_free), or
 * NULL with a one-line reason in err.
 */
struct it_sink *it_sink_open(const char *path, char *err, size_t errlen);
struct it_sink *it_sink_open_cfg(const struct it_sink_cfg *cfg, char *err, size_t errlen);

/* Free s (after it_sink_close or it_sink_abort; a file still open is closed as by
 * it_sink_close). NULL is ignored. */
void it_sink_free(struct it_sink *s);

/* The sink as an output (outputs.h), for the collector's list. */
struct it_output *it_sink_output(struct it_sink *s);

/* For messages: the path, or "stdout". */
const char *it_sink_name(const struct it_sink *s);

/* It gave up (an error it does not retry, EPIPE say): the agent should stop. */
bool it_sink_failed(const struct it_sink *s);

/* It writes a directory of files (directory mode). */
bool it_sink_is_dir(const struct it_sink *s);

/* The agent's "stop" flag (SIGINT/SIGTERM): once it is set, writes to an output that
 * is not a regular file are bounded (IT_SINK_STOP_WAIT_S). */
void it_sink_set_stop(struct it_sink *s, const volatile sig_atomic_t *stop);

struct it_stream;

/* Stamp "stream" and "seq" (stream.h) into every JSON Lines record written from now
 * on, in the order the lines enter the file (the preamble and gap records of a new
 * file included). st must outlive the writes; NULL: stop stamping. */
void it_sink_set_stream(struct it_sink *s, struct it_stream *st);

/* Retention (--max-files, --max-age) asks may_delete(ctx, NAME) before deleting a
 * complete file NAME of the directory, and keeps it when the answer is false (the
 * Kafka shipper: not yet acknowledged). NULL: always delete. */
void it_sink_set_may_delete(struct it_sink *s, bool (*may_delete)(void *ctx, const char *name),
			    void *ctx);

/* Its counts (bytes, files, lines lost) and the state of its errors. */
void it_sink_stats(const struct it_sink *s, struct it_output_stats *st);

/* Directory mode: where others may put files of their own (evemu's per-device
 * files). Returns 0, or -1 (p->dirfd -1) outside directory mode. */
int it_sink_place(struct it_sink *s, struct it_dir_place *p);

/*
 * Write n bytes of whole lines. Returns 0; -1 if they could not be written: then they
 * are counted (lost_lines/bytes), the error said once on stderr, and writing is
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

/* Flush, fsync and close (stdout is left open), renaming into place in dir mode; a
 * write error in progress gets one last try first, so the gap is recorded. Returns 0
 * or -1 (said on stderr). */
int it_sink_close(struct it_sink *s);

/* The run ends: after a write error, try again at the next write instead of waiting
 * for the retry interval (it_finish_output: one last attempt). */
void it_sink_ending(struct it_sink *s);

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
 * Returns the number of files recovered (also counted in files_recovered); 0 outside
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

/* The name of a file in an output directory: inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-HOST
 * followed by suffix (".jsonl.gz", "-input7.evemu"), for wall_ns (UTC). The names the
 * directory's retention and recovery recognise are built here. */
void it_dir_file_name(char *out, size_t len, uint64_t wall_ns, const char *host,
		      const char *suffix);

/* Length of "inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-" (it_dir_file_name()'s stamp) at the
 * start of n, or 0 when n does not start so. */
size_t it_dir_stamp_len(const char *n);

#endif
