// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sink_recover.c - what a crash left (sink.h): the complete part of a file (whole
 * lines, whole gzip members), the .tmp files a killed agent left in the directory
 * completed (it_sink_recover), and a single file's torn end cut before appending.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "sink_impl.h"

/* text: up to and including the last '\n', searched from the end */
static int text_complete_len(int fd, uint64_t *len)
{
	struct stat st;
	char buf[65536];
	uint64_t end;

	*len = 0;
	if (fstat(fd, &st))
		return -1;
	end = (uint64_t)st.st_size;
	while (end > 0) {
		size_t n = end < sizeof(buf) ? (size_t)end : sizeof(buf);
		ssize_t r = pread(fd, buf, n, (off_t)(end - n));
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if ((size_t)r != n) {
			errno = EIO;	/* shorter than fstat said */
			return -1;
		}
		nl = memrchr(buf, '\n', n);
		if (nl) {
			*len = end - n + (uint64_t)(nl - buf) + 1;
			return 0;
		}
		end -= n;
	}
	return 0;
}

/* gzip: up to the end of the last member zlib inflates to its end */
static int gzip_complete_len(int fd, uint64_t *len)
{
	unsigned char in[65536], out[65536];
	uint64_t off = 0;	/* file offset just past what has been read into in[] */
	z_stream z;
	int rc, ret = 0;

	*len = 0;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {	/* a gzip wrapper, CRC and length checked */
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (!z.avail_in) {
			ssize_t r = pread(fd, in, sizeof(in), (off_t)off);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				ret = -1;
				break;
			}
			if (!r)
				break;	/* end of file: a member still open is incomplete */
			z.next_in = in;
			z.avail_in = (uInt)r;
			off += (uint64_t)r;
		}
		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			*len = off - z.avail_in;	/* a complete member ends here */
			inflateReset(&z);		/* the next one starts here */
		} else if (rc != Z_OK && !(rc == Z_BUF_ERROR && !z.avail_in)) {
			break;	/* not gzip from here on (cut short by a crash, zeros, garbage) */
		}
	}
	inflateEnd(&z);
	return ret;
}

int it_sink_complete_len(int fd, bool gzip, uint64_t *len)
{
	return gzip ? gzip_complete_len(fd, len) : text_complete_len(fd, len);
}

/* The start of a gzip file inflated into out (at most len bytes): the bytes got, or
 * 0 when it does not inflate. */
static size_t gzip_head(int fd, char *out, size_t len)
{
	unsigned char in[4096];
	ssize_t r = pread(fd, in, sizeof(in), 0);
	z_stream z;
	size_t got = 0;
	int rc;

	memset(&z, 0, sizeof(z));
	if (r <= 0 || inflateInit2(&z, 15 + 16) != Z_OK)
		return 0;
	z.next_in = in;
	z.avail_in = (uInt)r;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)len;
	rc = inflate(&z, Z_SYNC_FLUSH);
	if (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR)
		got = len - z.avail_out;
	inflateEnd(&z);
	return got;
}

/* Is the existing file (fd, st; m: its first n bytes) ours to append to? In a shared
 * directory another user could create the path first and own the capture: the file
 * must belong to the agent (or the --user it runs as), be writable by no one else
 * (beyond what --file-mode asks), and be empty or start as the formats' files do. */
static int ours(const struct it_sink *s, int fd, const struct stat *st, const char *m,
		ssize_t n, bool gz)
{
	char h[64];
	size_t hn = n > 0 ? (size_t)n : 0;

	if (st->st_uid != geteuid() && !(s->cfg.have_user && st->st_uid == s->cfg.user_uid)) {
		errno = EOWNER_ERRNO;
		return -1;
	}
	if (st->st_mode & 022 & ~s->cfg.file_mode) {
		errno = EWRITABLE_ERRNO;
		return -1;
	}
	if (!st->st_size || !s->cfg.known_head)
		return 0;
	if (gz)
		hn = gzip_head(fd, h, sizeof(h)), m = h;
	if (!s->cfg.known_head(m, hn)) {
		errno = EFOREIGN_ERRNO;
		return -1;
	}
	return 0;
}

/*
 * Appending gzip members to plain text (or text to gzip) would make a file neither
 * zcat nor a JSON reader accepts: refused. A file of ours that a crash left with an
 * incomplete last line or gzip member is cut to its complete prefix, said in one line:
 * what would be appended would otherwise follow the fragment (a line glued to it; a
 * gzip file no reader gets past).
 */
int it_sink_append_check(struct it_sink *s, int fd, const struct stat *st)
{
	char m[64];
	ssize_t n = pread(fd, m, sizeof(m), 0);
	bool gz = n >= 2 && (unsigned char)m[0] == 0x1f && (unsigned char)m[1] == 0x8b;
	uint64_t good, size = (uint64_t)st->st_size;

	if (n >= 2 && gz != !!s->cfg.compress) {
		errno = s->cfg.compress ? ENOTGZIP_ERRNO : EGZIP_ERRNO;
		return -1;
	}
	if (ours(s, fd, st, m, n, gz))
		return -1;
	if (n <= 0 || !(gz || s->cfg.known_head))
		return 0;
	if (it_sink_complete_len(fd, gz, &good) || good >= size)
		return 0;
	if (ftruncate(fd, (off_t)good))
		return -1;
	it_notice("%s ended in %llu incomplete bytes (a crash?): cut to its last complete %s",
		  s->cfg.path, (unsigned long long)(size - good), gz ? "gzip member" : "line");
	return 0;
}

/* rename, never over an existing file */
static int rename_noreplace(int dirfd, const char *from, const char *to)
{
	if (!renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE */
	if (!faccessat(dirfd, to, F_OK, AT_SYMLINK_NOFOLLOW)) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dirfd, from, dirfd, to);
}

/* Complete the leftover tmp (NAME.tmp). Returns 1 recovered, 0 left alone or removed,
 * -1 failed (said on stderr). */
static int recover_one(struct it_sink *s, const char *tmp, bool gzip)
{
	char name[NAME_MAX + 1];
	struct stat st, at;
	uint64_t good = 0, size;
	const char *what = NULL;
	int fd, e;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(tmp) - 4), tmp);
	fd = openat(s->dirfd, tmp, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;	/* completed by its own agent meanwhile */
		it_err("cannot recover %s: %s", tmp,
		       errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return -1;
	}
	/* a live agent holds LOCK_EX on the file it writes; after the lock, the name must
	 * still lead to this file (another agent's recovery may have completed it) */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    flock(fd, LOCK_EX | LOCK_NB) ||
	    fstatat(s->dirfd, tmp, &at, AT_SYMLINK_NOFOLLOW) || at.st_dev != st.st_dev ||
	    at.st_ino != st.st_ino || fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	size = (uint64_t)st.st_size;
	if (it_sink_complete_len(fd, gzip, &good))
		what = "cannot read it";
	else if (!good && unlinkat(s->dirfd, tmp, 0))
		what = "cannot remove it";
	else if (good && good < size && (ftruncate(fd, (off_t)good) ||
					 futimens(fd, (struct timespec[2]){ st.st_atim, st.st_mtim })))
		what = "cannot cut it to its complete part";	/* mtime kept: --max-age */
	else if (good && fsync(fd))
		what = "cannot sync it";
	else if (good && rename_noreplace(s->dirfd, tmp, name))
		what = "cannot rename it";
	e = errno;
	close(fd);
	if (what) {
		it_err("cannot recover %s: %s: %s", tmp, what,
		       e == EEXIST ? "a file of the complete name exists (left alone)" : strerror(e));
		return -1;
	}
	(void)!fsync(s->dirfd);
	if (!good) {
		if (size)
			it_notice("removed %s (nothing complete in it; %llu incomplete bytes dropped)",
				  tmp, (unsigned long long)size);
		else
			it_notice("removed %s (empty)", tmp);
		return 0;
	}
	it_notice("recovered %s (%llu bytes; %llu incomplete bytes dropped)", name,
		  (unsigned long long)good, (unsigned long long)(size - good));
	return 1;
}

/* NAME.tmp of one of our names (not the file this sink writes): NAME kept */
static bool keep_leftover(const struct it_sink *s, char *name)
{
	size_t len = strlen(name);

	if (len <= 4 || strcmp(name + len - 4, ".tmp") || !strcmp(name, s->tmp))
		return false;
	name[len - 4] = 0;
	return it_sink_name_ours(s, name) || it_sink_name_evemu(s, name);
}

int it_sink_recover(struct it_sink *s)
{
	struct it_name *v;
	size_t n, i, evemu_left = 0;
	bool shared;
	int done = 0;

	if (!s->dir_mode || s->dirfd < 0)
		return 0;
	n = it_sink_scan(s, keep_leftover, &v);
	shared = it_sink_dir_shared(s);
	for (i = 0; i < n; i++) {
		char tmp[NAME_MAX + 1];
		size_t len = strlen(v[i].name);

		if (it_sink_name_evemu(s, v[i].name) && shared) {
			evemu_left++;	/* written without a lock: maybe by that other agent */
			continue;
		}
		snprintf(tmp, sizeof(tmp), "%.*s.tmp", (int)sizeof(tmp) - 5, v[i].name);
		if (recover_one(s, tmp, len > 3 && !strcmp(v[i].name + len - 3, ".gz")) > 0)
			done++;
	}
	if (evemu_left)
		it_notice("left %zu evemu .tmp file%s in %s alone: another inputtrace is writing there",
			  evemu_left, evemu_left == 1 ? "" : "s", s->name);
	free(v);
	s->files_recovered += (uint64_t)done;
	return done;
}
