/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * spool_state.h - how far the broker has acknowledged the spool: a small text file in
 * the state directory (STATEDIR/.inputtrace-HOST.kafka-state, mode 0600), replaced
 * atomically (written to NAME.tmp, fsynced, renamed, directory fsynced), so that a
 * crash leaves either the old or the new state, never a torn one.
 *
 *   inputtrace-kafka-state 1
 *   stream 5f0c2a9e01b4d7c3
 *   file inputtrace-20260101T000000.000000Z-host.jsonl.gz
 *   offset 123456
 *   ino 0
 *   seq 4567
 *   delivered_records 4567
 *   delivered_bytes 912345
 *   loss FIRST LAST COUNT     (0 or more lines: loss records not yet acknowledged)
 */
#ifndef IT_SPOOL_STATE_H
#define IT_SPOOL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spool_reader.h"
#include "stream.h"

#define IT_STATE_MAX_LOSS 16

/* Records the spool cap deleted before they were sent: seqs first..last, count of
 * them (count < last - first + 1 when the range holds earlier gaps). */
struct it_spool_loss {
	uint64_t first, last, count;
};

struct it_spool_state {
	char stream[IT_STREAM_ID_LEN + 1];
	struct it_spool_pos acked;	/* after the last acknowledged record */
	uint64_t acked_seq;		/* its seq; 0: none yet */
	uint64_t delivered_records, delivered_bytes;	/* in all, across restarts */
	struct it_spool_loss loss[IT_STATE_MAX_LOSS];	/* loss records not yet acknowledged */
	int n_loss;
};

/* The state file's name for host (file-name form; -o FILE: HOST-FILE):
 * .inputtrace-HOST.kafka-state. */
void it_spool_state_name(char *buf, size_t len, const char *host);

/*
 * The pre-flight check of the agent's --kafka-brokers run, before any file is made:
 * the state file of output (-o: a directory if dir_mode - the sink's cfg.dir_mode -,
 * it ends in '/' or is one, else a file) where the agent will look for it, which must
 * be absent or a valid state file. Returns 0, or -1 with one line in err (a usage
 * error: exit 2).
 */
int it_spool_state_check(const char *output, bool dir_mode, char *err, size_t errlen);

/* Replace name in dirfd with the n bytes at p atomically (mode 0600). Returns 0, or
 * -1 (errno; the old file is left as it was). */
int it_file_replace(int dirfd, const char *name, const void *p, size_t n);

/* Read a small file (at most cap - 1 bytes) into buf, NUL-terminated. Returns 0, 1
 * when it does not exist, -1 (errno). */
int it_file_read(int dirfd, const char *name, char *buf, size_t cap);

/* Load. Returns 0, 1 when there is no state file (s zeroed), -1 unreadable or not a
 * state file (errno; EINVAL: bad content). */
int it_spool_state_load(int dirfd, const char *name, struct it_spool_state *s);

/* Save atomically (it_file_replace). Returns 0 or -1 (errno). */
int it_spool_state_save(int dirfd, const char *name, const struct it_spool_state *s);

/* Add a loss (merged into the last entry when the table is full). */
void it_spool_state_add_loss(struct it_spool_state *s, const struct it_spool_loss *l);

/* Remove the loss whose first seq is first (its loss record was acknowledged). */
void it_spool_state_drop_loss(struct it_spool_state *s, uint64_t first);

#endif
