/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink_impl.h - the file output's state, private to sink.c, sink_gzip.c, sink_dir.c
 * and sink_recover.c (and its white-box unit test). Everyone else uses sink.h.
 */
#ifndef IT_SINK_IMPL_H
#define IT_SINK_IMPL_H

#include <limits.h>
#include <sys/stat.h>
#include <zlib.h>
#include "sink.h"

/* private errno values for the open errors (outside the kernel's range) */
#define ENOTGZIP_ERRNO 10001	/* appending gzip to a file that is not gzip */
#define EGZIP_ERRNO 10002	/* appending text to a gzip file */
#define EHELD_ERRNO 10003	/* another agent holds the file (flock) */
#define EOWNER_ERRNO 10004	/* an existing file of another user */
#define EWRITABLE_ERRNO 10005	/* an existing file others may write */
#define EFOREIGN_ERRNO 10006	/* an existing file inputtrace did not write */

struct it_sink {
	struct it_output out;		/* the output interface: first member */
	struct it_sink_cfg cfg;
	const char *name;		/* for messages: the path, or "stdout" */
	int fd;				/* current file, -1 none */
	int dirfd;			/* dir mode: the directory; else -1 */
	bool is_stdout, dir_mode;
	bool dir_created;		/* dir mode: this run created the directory */
	bool dir_lost;			/* dir mode: removed; to be made again before a file */
	bool said_gone;			/* stderr told that the directory was removed */
	bool said_rename;		/* stderr told that a rotation's rename failed */
	char dirpath[PATH_MAX];		/* dir mode: the directory's path, without a final '/' */
	bool file_created;		/* one-file mode: this run created the file */
	bool failed;			/* unrecoverable: the agent should stop */
	bool closed;			/* it_sink_close() done */
	char host[64];			/* sanitized host name, in file names */
	char cur[NAME_MAX + 1];		/* dir mode: final name of the current file */
	char tmp[NAME_MAX + 1];		/* dir mode: its name while written (cur + ".tmp") */
	uint64_t file_seq;		/* files opened so far (1 = first) */
	uint64_t file_bytes;		/* bytes of the current file on disk */
	uint64_t file_lines, file_data;	/* data lines and their bytes written to it (not
					 * the header, devices and gap records) */
	double rotate_retry_at;		/* now() seconds: no rotation before (rename failed) */
	double opened_at, last_flush, retry_at;	/* now() seconds */
	bool need_preamble, dirty;
	/* gzip (sink_gzip.c) */
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
	/* clocks, replaceable by tests: monotonic seconds, and wall-clock ns for names */
	double (*now)(void);
	uint64_t (*wall_ns)(void);
	const volatile sig_atomic_t *stop;	/* it_sink_set_stop(), or NULL */
	struct it_stream *stream;		/* it_sink_set_stream(): stamps lines; NULL none */
	struct it_buf stamped;			/* the lines being written, stamped */
	bool (*may_delete)(void *ctx, const char *name);	/* it_sink_set_may_delete() */
	void *may_delete_ctx;
	double stop_deadline;			/* now() seconds; 0: not yet */
};

/* sink.c */
/* Write all of p to the file, or cut the file back to where it was and return -1
 * (errno set). */
int it_sink_raw_write(struct it_sink *s, const void *p, size_t n);
/* lines/bytes could not be written (errno e): count them, say it, plan the retry. */
void it_sink_on_error(struct it_sink *s, int e, uint64_t lines, uint64_t bytes);

/* sink_gzip.c: the open member, ended (written, confirmed) at each flush */
int it_gz_start(struct it_sink *s);
/* Data into the open member (ended once IT_SINK_MEMBER_MAX is pending). 0 or -1. */
int it_gz_emit(struct it_sink *s, const void *p, size_t n, uint64_t lines);
/* End the open member and write it; its lines are dropped (counted) on failure. */
int it_gz_end_member(struct it_sink *s);
/* b as a member of its own, written now. 0, or -1 (the error counted). */
int it_gz_put_member(struct it_sink *s, const struct it_buf *b);
void it_gz_free(struct it_sink *s);

/* sink_dir.c: directory mode */
/* Create (if missing), open and read-lock the directory path. 0, or -1 with err. */
int it_sink_dir_open(struct it_sink *s, const char *path, char *err, size_t errlen);
/* Is the file being written, or the directory, gone (rm -rf DIR)? 0 no, 1 the file
 * was removed, 2 the directory was removed or the path now names another one. */
int it_sink_dir_gone(const struct it_sink *s);
/* Make the directory again (as at start: mode, never through a symlink, the read
 * lock) under the same descriptor number, which others (evemu files) hold. 0, or -1
 * with errno. */
int it_sink_dir_recreate(struct it_sink *s);
/* Create and lock the next NAME.tmp (s->cur, s->tmp). The fd, or -1 (errno). */
int it_sink_dir_new_file(struct it_sink *s, unsigned int mode);
/* One of this host's complete output files / evemu files (by name). */
bool it_sink_name_ours(const struct it_sink *s, const char *n);
bool it_sink_name_evemu(const struct it_sink *s, const char *n);
/* Is another agent's sink holding the directory? Not known counts as yes. */
bool it_sink_dir_shared(const struct it_sink *s);

struct it_name {
	char name[NAME_MAX + 1];
};

/* The one directory scan: the names keep() accepts (it may rewrite the name in its
 * buffer, to strip ".tmp" say), sorted; *v is to be freed. Returns their number (0
 * also when the directory cannot be read). */
size_t it_sink_scan(struct it_sink *s, bool (*keep)(const struct it_sink *s, char *name),
		    struct it_name **v);

/* sink_recover.c */
/* An existing file about to be appended to (fd, its stat): refuse one that is not
 * ours (EOWNER_ERRNO, EWRITABLE_ERRNO, EFOREIGN_ERRNO: README "Output files"), gzip on
 * text and text on gzip (ENOTGZIP_ERRNO, EGZIP_ERRNO); cut a fragment a crash left at
 * the end. 0, or -1 with errno. */
int it_sink_append_check(struct it_sink *s, int fd, const struct stat *st);

#endif
