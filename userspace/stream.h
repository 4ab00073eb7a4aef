/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream.h - "stream" and "seq" in every JSON Lines record (docs/kafka.md "Stream and
 * sequence"), so that a consumer can find gaps and drop duplicates on its own.
 *
 * stream: 16 lower-case hex digits, random, created once per host and spool and kept
 * in the state directory (STATEDIR/.inputtrace-HOST.stream, mode 0600), so it survives
 * restarts. seq: 1, 2, 3, ... one per record, in file order, continued across restarts.
 *
 * Both are put right after the "record" member of each line:
 *   {"record":"event","stream":"5f0c2a9e01b4d7c3","seq":42,"dev":3,...}
 * by it_stream_stamp(), which must see the lines in the order they enter the file
 * (the preamble of a new file after the lines written before it), so it belongs where
 * lines are appended to the file, not where they are formatted.
 */
#ifndef IT_STREAM_H
#define IT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"

#define IT_STREAM_ID_LEN 16
/* the stream file keeps a floor for seq this far ahead, for a restart that finds no
 * record of the stream in the spool after a crash */
#define IT_STREAM_RESERVE 1000000ull

struct it_stream {
	char id[IT_STREAM_ID_LEN + 1];
	uint64_t next_seq;		/* the seq the next stamped line gets */
	uint64_t reserved;		/* persisted floor: a restart starts at least here */
	int dirfd;			/* state directory, -1: nothing persisted */
	char file[300];			/* ".inputtrace-HOST.stream" */
};

/*
 * Load the stream of host (the file-name form, it_sink_hostname) from state_dir, or
 * create it. state_dir NULL: a new random stream that is not kept (stdout).
 * next_seq: the seq after the last one in the spool (spool_path: the -o directory or
 * file, NULL none; see it_stream_last_in_spool), else the file's saved floor, else 1;
 * never below the exact next seq saved at a clean stop, nor at or below the seq the
 * Kafka state file in state_dir acknowledged (the spool's newest records deleted).
 * Returns 0, or -1 with a one-line reason in err.
 */
int it_stream_open(struct it_stream *st, const char *state_dir, const char *host,
		   const char *spool_path, char *err, size_t errlen);

/* Save the exact next seq (a clean stop) and close. */
void it_stream_close(struct it_stream *st);

/*
 * Append the n bytes of whole lines at p to out, each line that starts with
 * {"record":"KIND" getting ,"stream":"ID","seq":N after that member (N = next_seq++);
 * other lines (CSV, evemu) are copied as they are. Persists a new floor every
 * IT_STREAM_RESERVE records. Returns the number of lines stamped.
 */
uint64_t it_stream_stamp(struct it_stream *st, const char *p, size_t n, struct it_buf *out);

/* The stream and seq of one line (n bytes, with or without its '\n'). Returns true
 * when both are there: id gets the stream (NUL-terminated), *seq the number. */
bool it_stream_parse(const char *line, size_t n, char id[IT_STREAM_ID_LEN + 1], uint64_t *seq);

/* The highest seq of stream id in the spool at path (a directory of host's files, or
 * one file): read from the newest file backwards until one holds a line of the
 * stream. Returns 0 with *seq set (0: none found), or -1 (errno). */
int it_stream_last_in_spool(const char *path, const char *host, const char *id, uint64_t *seq);

#endif
