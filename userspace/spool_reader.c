// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* spool_reader.c - complete records of the local output, in order, resumable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sink.h"
#include "spool_reader.h"
#include "stream.h"

#define CHUNK 65536

int it_spool_name(const char *n, const char *host)
{
	static const char *const exts[] = { ".jsonl", ".jsonl.gz", ".jsonl.tmp", ".jsonl.gz.tmp" };
	size_t p = it_dir_stamp_len(n), h = strlen(host), i;

	if (!p || strncmp(n + p, host, h))
		return 0;
	for (i = 0; i < 4; i++)
		if (!strcmp(n + p + h, exts[i]))
			return i < 2 ? 1 : 2;
	return 0;
}

int it_spool_reader_open(struct it_spool_reader *r, const char *path, const char *host,
			 char *err, size_t errlen)
{
	struct stat st;
	char *copy;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->dir_mode = !stat(path, &st) && S_ISDIR(st.st_mode);
	if (r->dir_mode) {
		r->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		copy = strdup(path);
		if (!copy) {
			snprintf(err, errlen, "spool %s: out of memory", path);
			return -1;
		}
		snprintf(r->onefile, sizeof(r->onefile), "%s", basename(copy));
		strcpy(copy, path);
		r->dirfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(copy);
		snprintf(r->pos.name, sizeof(r->pos.name), "%s", r->onefile);
	}
	if (r->dirfd < 0) {
		snprintf(err, errlen, "spool %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void close_file(struct it_spool_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->z_ready)
		inflateEnd(&r->z);
	r->z_ready = false;
	it_buf_reset(&r->zin);
	it_buf_reset(&r->member);
	it_buf_reset(&r->pend);
	r->zin_off = r->pend_off = 0;
	r->raw_off = 0;
	r->file_done = false;
}

void it_spool_reader_close(struct it_spool_reader *r)
{
	close_file(r);
	it_buf_free(&r->zin);
	it_buf_free(&r->member);
	it_buf_free(&r->pend);
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
}

void it_spool_seek(struct it_spool_reader *r, const struct it_spool_pos *pos)
{
	close_file(r);
	r->pos = *pos;
	if (!r->dir_mode)
		snprintf(r->pos.name, sizeof(r->pos.name), "%s", r->onefile);
	r->pos_done = false;
}

void it_spool_pass(struct it_spool_reader *r, const char *name)
{
	close_file(r);
	snprintf(r->pos.name, sizeof(r->pos.name), "%s", name);
	r->pos.off = 0;
	r->pos_done = true;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct it_spool_file *)a)->name, ((const struct it_spool_file *)b)->name);
}

long it_spool_list(struct it_spool_reader *r, struct it_spool_file **out)
{
	struct it_spool_file *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	*out = NULL;
	if (!r->dir_mode) {
		if (fstatat(r->dirfd, r->onefile, &st, 0))
			return errno == ENOENT ? 0 : -1;
		if (!(v = calloc(1, sizeof(*v))))
			return -1;
		snprintf(v->name, sizeof(v->name), "%s", r->onefile);
		v->size = (uint64_t)st.st_size;
		v->mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		*out = v;
		return 1;
	}
	fd = openat(r->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		int kind = it_spool_name(de->d_name, r->host);

		if (!kind || fstatat(r->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct it_spool_file *nv = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%.*s", (int)(strlen(de->d_name) - (kind == 2 ? 4 : 0)),
			 de->d_name);
		v[n].tmp = kind == 2;
		v[n].size = (uint64_t)st.st_size;
		v[n].mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_file);
	*out = v;
	return (long)n;
}

static bool is_gz(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && !strcmp(name + n - 3, ".gz");
}

/* Open name (final, else NAME.tmp) for reading. Returns 0, or -1 (errno ENOENT:
 * neither is there). */
static int open_name(struct it_spool_reader *r, const char *name)
{
	char tmp[NAME_MAX + 8];
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	/* final, tmp, final again: the writer may rename between the two */
	for (i = 0; i < 3; i++) {
		r->is_tmp = i == 1 && r->dir_mode;
		r->fd = openat(r->dirfd, r->is_tmp ? tmp : name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (r->fd >= 0 || errno != ENOENT || !r->dir_mode)
			break;
	}
	if (r->fd < 0)
		return -1;
	r->gz = is_gz(name);
	if (r->gz) {
		memset(&r->z, 0, sizeof(r->z));
		if (inflateInit2(&r->z, 15 + 16) != Z_OK) {
			close(r->fd);
			r->fd = -1;
			errno = ENOMEM;
			return -1;
		}
		r->z_ready = true;
	}
	return 0;
}

/* The file just opened at pos.name is not the one pos.off was counted in (erase
 * rewrote it): read it from its start, passing what was returned before (by seq). */
static void check_inode(struct it_spool_reader *r)
{
	struct stat st;

	if (fstat(r->fd, &st))
		return;
	if (r->pos.ino && r->pos.ino != (uint64_t)st.st_ino && r->pos.off) {
		r->pos.off = 0;
		r->skip_seq = r->last_seq;
		r->files_rewritten++;
	}
	r->pos.ino = (uint64_t)st.st_ino;
}

/* The complete file being read was replaced at its name (erase): true, after closing
 * it so that the next read opens the new one at pos (check_inode() then starts it
 * over). One fstatat per read of a batch. */
static bool replaced(struct it_spool_reader *r)
{
	struct stat st;

	if (!r->dir_mode || r->is_tmp || r->fd < 0 || !r->pos.ino ||
	    fstatat(r->dirfd, r->pos.name, &st, AT_SYMLINK_NOFOLLOW) ||
	    (uint64_t)st.st_ino == r->pos.ino)
		return false;
	close_file(r);
	return true;
}

/* Lines at the head of out (from start) with seq <= skip_seq are taken out: they were
 * returned before the file was rewritten. The first later one ends the passing. */
static void pass_seen(struct it_spool_reader *r, struct it_buf *out, size_t start,
		      uint64_t *lines)
{
	char id[IT_STREAM_ID_LEN + 1];
	const char *p = out->p + start, *end = out->p + out->len, *nl;
	uint64_t s;

	while (r->skip_seq && p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		if (!it_stream_parse(p, (size_t)(nl - p), id, &s) || s > r->skip_seq) {
			r->skip_seq = 0;
			break;
		}
		p = nl + 1;
		(*lines)--;
	}
	memmove(out->p + start, p, (size_t)(end - p));
	out->len = start + (size_t)(end - p);
}

/* The seq of the last line of out (from start), if it has one. */
static void note_last_seq(struct it_spool_reader *r, const struct it_buf *out, size_t start)
{
	char id[IT_STREAM_ID_LEN + 1];
	const char *end = out->p + out->len - 1, *p = end;	/* at the last '\n' */
	uint64_t s;

	while (p > out->p + start && p[-1] != '\n')
		p--;
	if (it_stream_parse(p, (size_t)(end - p), id, &s))
		r->last_seq = s;
}

/* Open the file at pos, or the next one. Returns 1 opened, 0 none there yet, -1. */
static int open_next(struct it_spool_reader *r)
{
	struct it_spool_file *v;
	struct stat st;
	long n, i;

	if (!r->dir_mode) {
		if (open_name(r, r->onefile))
			return errno == ENOENT ? 0 : -1;
		if (!fstat(r->fd, &st) && r->pos.ino && r->pos.ino != (uint64_t)st.st_ino)
			r->pos.off = 0;		/* rotated away while we were stopped */
		r->pos.ino = (uint64_t)st.st_ino;
		r->skip = r->pos.off;
		return 1;
	}
	n = it_spool_list(r, &v);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		int c = strcmp(v[i].name, r->pos.name);

		if (c < 0 || (c == 0 && r->pos_done))
			continue;
		if (c > 0) {
			if (r->pos.name[0] && !r->pos_done)
				r->files_skipped++;	/* pos.name is gone */
			snprintf(r->pos.name, sizeof(r->pos.name), "%s", v[i].name);
			r->pos.off = 0;
			r->pos.ino = 0;
		}
		r->pos_done = false;
		if (open_name(r, v[i].name)) {
			if (errno != ENOENT) {
				free(v);
				return -1;
			}
			continue;	/* deleted since listed */
		}
		check_inode(r);
		r->skip = r->pos.off;
		free(v);
		return 1;
	}
	free(v);
	return 0;
}

/* Inflate what zin holds; ended members go to pend. Returns 0, or -1 (EBADMSG: not
 * gzip past the complete members; ENOMEM). */
static int inflate_some(struct it_spool_reader *r)
{
	unsigned char out[CHUNK];

	while (r->zin_off < r->zin.len) {
		int zr;

		r->z.next_in = (unsigned char *)r->zin.p + r->zin_off;
		r->z.avail_in = (uInt)(r->zin.len - r->zin_off);
		r->z.next_out = out;
		r->z.avail_out = sizeof(out);
		zr = inflate(&r->z, Z_NO_FLUSH);
		r->zin_off = r->zin.len - r->z.avail_in;
		it_buf_put(&r->member, (char *)out, sizeof(out) - r->z.avail_out);
		if (r->member.oom)
			return errno = ENOMEM, -1;
		if (zr == Z_STREAM_END) {
			it_buf_put(&r->pend, r->member.p, r->member.len);
			it_buf_reset(&r->member);
			inflateReset(&r->z);
		} else if (zr == Z_BUF_ERROR) {
			break;		/* needs more input */
		} else if (zr != Z_OK) {
			return errno = EBADMSG, -1;
		}
	}
	/* keep only what is not inflated yet */
	memmove(r->zin.p, r->zin.p + r->zin_off, r->zin.len - r->zin_off);
	r->zin.len -= r->zin_off;
	r->zin_off = 0;
	return 0;
}

/* Read more of the file into pend. Returns 1 if something was read, 0 at its end for
 * now, -1 (errno). */
static int fill(struct it_spool_reader *r)
{
	char buf[CHUNK];
	ssize_t got;

	/* drop what was returned before growing pend */
	if (r->pend_off) {
		memmove(r->pend.p, r->pend.p + r->pend_off, r->pend.len - r->pend_off);
		r->pend.len -= r->pend_off;
		r->pend_off = 0;
	}
	do
		got = pread(r->fd, buf, sizeof(buf), (off_t)r->raw_off);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return got < 0 ? -1 : 0;
	r->raw_off += (uint64_t)got;
	if (r->gz) {
		it_buf_put(&r->zin, buf, (size_t)got);
		if (r->zin.oom)
			return errno = ENOMEM, -1;
		if (inflate_some(r))
			return -1;
	} else {
		it_buf_put(&r->pend, buf, (size_t)got);
		if (r->pend.oom)
			return errno = ENOMEM, -1;
	}
	return 1;
}

/* Nothing more will be written to the open file: renamed into place (or it was
 * complete when opened), gone, a newer file exists (a crash's leftover), or, in
 * one-file mode, another file took its path (logrotate). */
static bool writer_done(struct it_spool_reader *r)
{
	struct it_spool_file *v;
	char tmp[NAME_MAX + 8];
	struct stat a, b;
	bool done = false;
	long n;

	if (!r->dir_mode)
		return !fstat(r->fd, &a) && !fstatat(r->dirfd, r->onefile, &b, 0) &&
		       (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
	if (!r->is_tmp)
		return true;
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->pos.name);
	if (!faccessat(r->dirfd, r->pos.name, F_OK, AT_SYMLINK_NOFOLLOW) ||
	    faccessat(r->dirfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW))
		return true;
	n = it_spool_list(r, &v);
	if (n > 0)
		done = strcmp(v[n - 1].name, r->pos.name) > 0;
	free(v);
	return done;
}

/* Move the bytes to skip (a seek) out of pend. */
static void pass_skip(struct it_spool_reader *r)
{
	size_t have = r->pend.len - r->pend_off;
	size_t k = r->skip < have ? (size_t)r->skip : have;

	r->pend_off += k;
	r->skip -= k;
}

/* Complete lines at the head of pend, at most max bytes (or the first line). */
static size_t take_lines(struct it_spool_reader *r, size_t max, uint64_t *lines)
{
	const char *p, *end, *nl;
	size_t len = 0;

	*lines = 0;
	if (!r->pend.p)
		return 0;	/* nothing read yet (no offset on a NULL pointer) */
	p = r->pend.p + r->pend_off;
	end = r->pend.p + r->pend.len;
	while ((nl = memchr(p + len, '\n', (size_t)(end - p) - len))) {
		size_t l = (size_t)(nl - p) + 1;

		if (l > max && *lines)
			break;
		len = l;
		(*lines)++;
		if (len >= max)
			break;
	}
	return len;
}

long it_spool_read(struct it_spool_reader *r, struct it_buf *out, size_t max, uint64_t *lines)
{
	*lines = 0;
	for (;;) {
		size_t len;
		int rc;

		if (replaced(r))
			continue;
		if (r->fd < 0) {
			rc = open_next(r);
			if (rc <= 0)
				return rc;
		}
		pass_skip(r);
		len = r->skip ? 0 : take_lines(r, max, lines);
		if (len) {
			size_t start = out->len;

			it_buf_put(out, r->pend.p + r->pend_off, len);
			r->pend_off += len;
			r->pos.off += len;
			if (r->skip_seq)
				pass_seen(r, out, start, lines);
			if (out->len == start)
				continue;	/* all returned before the rewrite */
			note_last_seq(r, out, start);
			return (long)(out->len - start);
		}
		rc = fill(r);
		if (rc > 0)
			continue;
		if (rc < 0)
			return -1;
		if (!r->file_done) {
			if (!writer_done(r))
				return 0;
			/* the writer is done: read what came before, then move on */
			r->file_done = true;
			continue;
		}
		/* read to its end: an incomplete last line or member was never a record */
		if (!r->dir_mode) {
			/* one file, replaced (logrotate): go on with the new one from its start */
			close_file(r);
			r->pos.off = 0;
			r->pos.ino = 0;
			continue;
		}
		close_file(r);
		r->pos_done = true;
	}
}
