/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * subject_files.h - one person's rights on local data: `inputtrace subject export|erase
 * PSEUDONYM PATH` (docs/participation.md).
 *
 * PATH is a JSON Lines file (plain or gzip, told by its first bytes, not its name) or
 * a directory of them (the agent's rotated files *.jsonl, *.jsonl.gz and a crashed
 * run's *.tmp; other names and dotfiles are left alone), in name order. A record is
 * the person's when its top-level member "subject" is the string PSEUDONYM; lines
 * that are not JSON objects are never matched.
 *
 * export: copies the person's lines, byte for byte, to an fd.
 * erase: rewrites each file that holds such lines without them, every other line
 *   byte-identical (after decompression; gzip is recompressed), crash-safe
 *   (atomicfile.h), keeping the file's mode and owner. A file another process holds
 *   an flock on (a running agent writing it) or with more than one hard link (the
 *   rewrite would leave the records under the other name) is left alone, and
 *   reported (one line naming it on stderr).
 * Both first remove the hidden temps (".NAME.new") a killed erase left in the
 *   directory, unless an erase is at work on NAME (it holds NAME's flock).
 */
#ifndef IT_SUBJECT_FILES_H
#define IT_SUBJECT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum it_sf_op { IT_SF_EXPORT, IT_SF_ERASE };

struct it_sf_result {
	uint64_t files;		/* files read */
	uint64_t lines;		/* lines read */
	uint64_t matched;	/* the person's records: exported or removed */
	uint64_t files_changed;	/* erase: files rewritten */
	uint64_t files_busy;	/* erase: files skipped, locked by a writer */
	uint64_t files_linked;	/* erase: files skipped, with more than one hard link */
};

/* The longest record line read (with its newline): the agent's are far shorter; a
 * longer one (a gzip bomb, not the agent's file) is an error, the file unchanged. */
#define IT_SF_LINE_MAX (1024 * 1024)
#define IT_SF_LINE_MAX_TEXT "1 MiB"

/* Whether the JSON object in line (len bytes, no newline needed) has a top-level
 * member "subject" equal to the string subject. */
bool it_sf_line_matches(const char *line, size_t len, const char *subject);

/* Do op for subject on path (out_fd: where export writes). Returns 0, or -1 with one
 * line in err (a file that cannot be read or rewritten; what was done before is in
 * *res and stays done). */
int it_subject_files(enum it_sf_op op, const char *subject, const char *path, int out_fd,
		     struct it_sf_result *res, char *err, size_t errlen);

/* The command: argv = { "export"|"erase", PSEUDONYM, PATH } (argc 3). Export writes to
 * stdout; erase prints "erased N records of subject S from M of T files read; K files
 * skipped (not changed)". Returns the exit code: 0; 1 when nothing matched, a file
 * failed or was skipped (busy, hard links); 2 for a usage error. */
int it_subject_cmd(int argc, char **argv);

#endif
