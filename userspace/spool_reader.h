/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * spool_reader.h - the complete records of the local output, in order, from a
 * position, following the file being written (docs/kafka.md "The spool").
 *
 * The spool is what the sink writes (sink.h): a directory of this host's files
 *   inputtrace-<UTC time>-HOST.jsonl[.gz]   (names sort by time)
 * the one being written named NAME.tmp until it is complete, or one file appended to.
 * Only complete records are returned: text up to a '\n'; in gzip files only lines of
 * members whose trailer checked (the sink writes whole members; a member cut short by
 * a crash is cut off by the next agent's recovery, so its lines were never records).
 *
 * A position is (final file name, uncompressed offset) - a byte offset in the text a
 * reader of the file sees - so it stays valid when NAME.tmp becomes NAME.
 */
#ifndef IT_SPOOL_READER_H
#define IT_SPOOL_READER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include "json.h"

struct it_spool_pos {
	char name[NAME_MAX + 1];	/* final name of the file; "" before the first */
	uint64_t off;			/* uncompressed bytes of it read (line ends) */
	uint64_t ino;			/* the file's inode (off is within it); 0 unknown */
};

/* One file of the spool, as listed. */
struct it_spool_file {
	char name[NAME_MAX + 1];	/* final name (without .tmp) */
	bool tmp;			/* still NAME.tmp: being written, or a crash's */
	uint64_t size;			/* bytes on disk */
	double mtime;			/* seconds since the epoch */
};

struct it_spool_reader {
	int dirfd;			/* the directory; one-file mode: the file's */
	bool dir_mode;
	char host[64];			/* file-name form (it_sink_hostname) */
	char onefile[NAME_MAX + 1];	/* one-file mode: the file's name in dirfd */
	struct it_spool_pos pos;	/* after the last line returned */
	bool pos_done;			/* pos.name is read to its end: next is the next file */
	/* the file being read */
	int fd;
	bool gz, is_tmp, file_done;
	uint64_t skip;			/* uncompressed bytes still to pass (seek) */
	uint64_t raw_off;		/* bytes of the file consumed */
	z_stream z;
	bool z_ready;
	struct it_buf zin;		/* read, not yet inflated */
	size_t zin_off;
	struct it_buf member;		/* inflated, member not yet ended */
	struct it_buf pend;		/* complete data not yet returned */
	size_t pend_off;
	uint64_t files_skipped;		/* files gone before they were read (deleted) */
	/* A complete file rewritten under the reader (`inputtrace subject erase`: a new
	 * inode at the same name) makes its byte offsets meaningless: it is read again
	 * from its start, passing the lines up to the last seq returned. */
	uint64_t last_seq;		/* seq of the last line returned (or acknowledged); 0 */
	uint64_t skip_seq;		/* pass lines with seq <= this (after a rewrite); 0 */
	uint64_t files_rewritten;	/* such rewrites seen */
};

/* Open a reader on path (a directory: host's files in it; else one file, which need
 * not exist yet), at the start of the spool. Returns 0 or -1 (err set). */
int it_spool_reader_open(struct it_spool_reader *r, const char *path, const char *host,
			 char *err, size_t errlen);
void it_spool_reader_close(struct it_spool_reader *r);

/* Continue from pos (a saved position). The file is opened at the next read; a file
 * no longer there is passed (counted in files_skipped); in one-file mode a file with
 * another inode starts at 0; in a directory a file with another inode (rewritten by
 * erase) is read from its start, passing lines up to r->last_seq (set it to the seq
 * acknowledged at pos). */
void it_spool_seek(struct it_spool_reader *r, const struct it_spool_pos *pos);

/* Go on after the file name (deleted unread: --spool-max-bytes): the next read opens
 * the file after it. */
void it_spool_pass(struct it_spool_reader *r, const char *name);

/*
 * Append complete lines from one file to out: up to max bytes, or one line if the
 * first is longer. Returns the bytes appended (*lines set; r->pos is after them), 0
 * when nothing complete is there now (caught up with the writer), -1 on a read error
 * (errno; the reader stays where it was). A complete file is passed to the next one;
 * r->pos.name then names the file the lines came from.
 */
long it_spool_read(struct it_spool_reader *r, struct it_buf *out, size_t max, uint64_t *lines);

/* The spool's files, sorted (oldest first): host's files of a directory, or the one
 * file. *v is malloc()ed (free it). Returns the count, or -1 (errno). */
long it_spool_list(struct it_spool_reader *r, struct it_spool_file **v);

/* Host's spool file names: inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-HOST.jsonl[.gz][.tmp].
 * Returns 0 not one; 1 complete; 2 NAME.tmp. */
int it_spool_name(const char *n, const char *host);

#endif
