/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * atomicfile.h - replace or create a file so that a crash or power cut leaves either
 * the old file or the new one whole, never a mix: write a hidden temp file in the same
 * directory (".NAME.new", which the output's file patterns never match), fsync it,
 * rename it over NAME (or link it to NAME when NAME must not be replaced), fsync the
 * directory. Used by the participation choices, the subject key and subject erase.
 *
 * Every function works relative to an open directory (dirfd), so the agent can keep
 * using a directory it opened before dropping privileges. Names are plain file names
 * (no '/'). Errors are -errno.
 */
#ifndef IT_ATOMICFILE_H
#define IT_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The temp file of name: ".NAME.new" into tmp (len bytes). -ENAMETOOLONG if it does
 * not fit. */
int it_atomic_tmpname(const char *name, char *tmp, size_t len);

/* Create the temp file of name (mode; a leftover from a crash is removed first;
 * never follows a symlink). Returns its fd, or -errno. */
int it_atomic_begin(int dirfd, const char *name, mode_t mode);

/* fsync and close fd (the temp file of name), then rename it to name (noreplace:
 * link it, -EEXIST if name exists), remove the temp name, fsync the directory.
 * Returns 0 or -errno; on failure the temp file is removed and name is unchanged. */
int it_atomic_commit(int dirfd, int fd, const char *name, bool noreplace);

/* Close fd and remove the temp file of name (after a failed write). */
void it_atomic_abort(int dirfd, int fd, const char *name);

/* The whole job for len bytes at p. Returns 0 or -errno. */
int it_atomic_write(int dirfd, const char *name, const void *p, size_t len, mode_t mode,
		    bool noreplace);

/* Open dir (mkdir mode if missing; never through a symlink; refused -EPERM when it is
 * writable by group or others). Returns an O_DIRECTORY fd or -errno. */
int it_atomic_dir_open(const char *dir, mode_t mode);

#endif
