// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* subject_files.c - export and erase one subject's records (subject_files.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "atomicfile.h"
#include "json.h"
#include "log.h"
#include "subject.h"
#include "subject_files.h"

/* --- the member scan: top level of one JSON object, strings and nesting skipped --- */

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* s[i] is '"': the index after the closing quote, or n if it does not close. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* A value at s[i]: the index after it (nested objects and arrays whole), n if cut. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	int depth = 0;

	while (i < n) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, i, n);
			if (!depth)
				return i;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (!depth)
				return i;	/* the end of the enclosing object */
			if (!--depth)
				return i + 1;
		} else if (c == ',' && !depth)
			return i;
		i++;
	}
	return n;
}

bool it_sf_line_matches(const char *s, size_t n, const char *subject)
{
	size_t slen = strlen(subject), i = skip_ws(s, 0, n);

	if (i >= n || s[i] != '{')
		return false;
	for (i++;;) {
		size_t k, kend;

		i = skip_ws(s, i, n);
		if (i >= n || s[i] != '"')
			return false;	/* '}' (no more members) or not JSON */
		k = i + 1;
		kend = skip_string(s, i, n);
		i = skip_ws(s, kend, n);
		if (kend >= n || i >= n || s[i] != ':')
			return false;
		i = skip_ws(s, i + 1, n);
		if (kend - k == 8 && !memcmp(s + k, "subject\"", 8))
			return i + slen + 2 <= n && s[i] == '"' && !memcmp(s + i + 1, subject, slen) &&
			       s[i + 1 + slen] == '"';
		i = skip_ws(s, skip_value(s, i, n), n);
		if (i >= n || s[i] != ',')
			return false;
		i++;
	}
}

/* --- reading and writing lines, gzip or plain ------------------------------------ */

enum { LINE_CUT = -1, LINE_WRITE = -2, LINE_LONG = -3, LINE_OOM = -4 };

struct reader {
	gzFile g;
	char buf[65536];
	size_t pos, len;
};

/* A failed gzread: zlib's out of memory is not the file's fault. */
static int gz_failed(gzFile g)
{
	int e;

	gzerror(g, &e);
	return e == Z_MEM_ERROR ? LINE_OOM : LINE_CUT;
}

/* The next line with its '\n' (the last may lack it) into b: 1, 0 at the end,
 * LINE_CUT on a read error (gzip cut or corrupt), LINE_LONG past IT_SF_LINE_MAX (a
 * gzip bomb or not the agent's file: memory stays bounded), LINE_OOM. Exact bytes:
 * NULs included. */
static int next_line(struct reader *r, struct it_buf *b)
{
	it_buf_reset(b);
	for (;;) {
		char *nl;
		int n;

		if (r->pos < r->len) {
			nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
			size_t take = nl ? (size_t)(nl - (r->buf + r->pos)) + 1 : r->len - r->pos;

			if (b->len + take > IT_SF_LINE_MAX)
				return LINE_LONG;
			it_buf_put(b, r->buf + r->pos, take);
			r->pos += take;
			if (b->oom)
				return LINE_OOM;
			if (nl)
				return 1;
			continue;
		}
		n = gzread(r->g, r->buf, sizeof(r->buf));
		if (n < 0)
			return gz_failed(r->g);
		if (n == 0) {
			int e;

			gzerror(r->g, &e);
			if (e != Z_OK)
				return gz_failed(r->g);
			return b->len ? 1 : 0;
		}
		r->pos = 0;
		r->len = (size_t)n;
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Where kept lines go: the temp file, through gzip when the original was gzip. */
struct writer {
	int fd;
	gzFile g;
	struct it_buf pending;	/* plain: written in 64 KiB pieces */
};

static int writer_put(struct writer *w, const char *p, size_t n)
{
	if (w->g)
		return n && gzwrite(w->g, p, (unsigned)n) != (int)n ? -1 : 0;
	it_buf_put(&w->pending, p, n);
	if (w->pending.oom)
		return -1;
	if (w->pending.len < 65536)
		return 0;
	n = w->pending.len;
	it_buf_reset(&w->pending);
	return write_all(w->fd, w->pending.p, n);
}

static int writer_end(struct writer *w)
{
	int r = 0;

	if (w->g)
		r = gzclose(w->g) == Z_OK ? 0 : -1;
	else if (w->pending.len)
		r = write_all(w->fd, w->pending.p, w->pending.len);
	it_buf_free(&w->pending);
	return r;
}

/* --- one file ---------------------------------------------------------------------- */

struct job {
	enum it_sf_op op;
	const char *subject;
	int out_fd;
	struct it_sf_result *res;
	struct it_buf line;
	char *err;
	size_t errlen;
};

/* Read fd's lines; export or keep (w) each. 0, or -1 with err. */
static int scan(struct job *j, int fd, const char *name, struct writer *w, uint64_t *matched)
{
	struct reader *r = calloc(1, sizeof(*r));
	int dfd = dup(fd), rc = 0, n;

	errno = 0;
	if (!r || dfd < 0 || !(r->g = gzdopen(dfd, "rb"))) {
		snprintf(j->err, j->errlen, "%s: cannot read: %s", name,
			 strerror(r && errno ? errno : ENOMEM));
		if (dfd >= 0 && (!r || !r->g))
			close(dfd);
		free(r);
		return -1;
	}
	j->res->files++;
	while ((n = next_line(r, &j->line)) > 0) {
		bool mine = it_sf_line_matches(j->line.p, j->line.len, j->subject);

		j->res->lines++;
		*matched += mine;
		if (mine && j->op == IT_SF_EXPORT && write_all(j->out_fd, j->line.p, j->line.len))
			n = LINE_WRITE;
		else if (!mine && w && writer_put(w, j->line.p, j->line.len))
			n = w->pending.oom ? LINE_OOM : LINE_WRITE;
		if (n < 0)
			break;
	}
	if (n < 0) {
		snprintf(j->err, j->errlen, "%s: %s (not changed)", name,
			 n == LINE_CUT ? "cut or corrupt" : n == LINE_LONG ?
			 "a line longer than " IT_SF_LINE_MAX_TEXT ", not the agent's records" :
			 n == LINE_OOM ? "out of memory" : "cannot write");
		rc = -1;
	}
	gzclose(r->g);
	free(r);
	return rc;
}

static bool is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* Rewrite name (open as fd, st) without the subject's lines. 0 or -1 with err. */
static int erase_one(struct job *j, int dirfd, const char *name, int fd, const struct stat *st)
{
	struct writer w = { .fd = -1 };
	uint64_t matched = 0;
	int tfd, r;

	tfd = it_atomic_begin(dirfd, name, st->st_mode & 07777);
	if (tfd < 0) {
		snprintf(j->err, j->errlen, "%s: cannot create its replacement: %s", name, strerror(-tfd));
		return -1;
	}
	if (fchown(tfd, st->st_uid, st->st_gid) && geteuid() == 0) {
		snprintf(j->err, j->errlen, "%s: cannot keep its owner: %s", name, strerror(errno));
		it_atomic_abort(dirfd, tfd, name);
		return -1;
	}
	w.fd = tfd;
	if (is_gzip(fd)) {
		int d = dup(tfd);

		w.g = d >= 0 ? gzdopen(d, "wb") : NULL;
		if (!w.g) {
			if (d >= 0)
				close(d);
			snprintf(j->err, j->errlen, "%s: cannot start gzip", name);
			it_atomic_abort(dirfd, tfd, name);
			return -1;
		}
	}
	r = scan(j, fd, name, &w, &matched);
	if (writer_end(&w) && !r) {
		snprintf(j->err, j->errlen, "%s: cannot write its replacement", name);
		r = -1;
	}
	if (r || !matched) {	/* nothing of theirs: the file stays as it is */
		it_atomic_abort(dirfd, tfd, name);
		return r;
	}
	r = it_atomic_commit(dirfd, tfd, name, false);
	if (r) {
		snprintf(j->err, j->errlen, "%s: cannot replace it: %s", name, strerror(-r));
		return -1;
	}
	j->res->matched += matched;
	j->res->files_changed++;
	return 0;
}

static int do_file(struct job *j, int dirfd, const char *name)
{
	struct stat st;
	uint64_t matched = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), r;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(j->err, j->errlen, "%s: %s", name, fd < 0 ? strerror(errno) :
			 "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (j->op == IT_SF_EXPORT) {
		r = scan(j, fd, name, NULL, &matched);
		j->res->matched += matched;
	} else if (flock(fd, LOCK_EX | LOCK_NB)) {
		/* a running agent writes it: rewriting would lose what it writes next */
		it_err("%s: being written by a running agent (or read under a lock): not "
		       "changed; run erase again after it is finished (rotation or stop)", name);
		j->res->files_busy++;
		r = 0;
	} else if (st.st_nlink > 1) {
		/* the rewrite is a new inode: the other name would keep every record */
		it_err("%s: has %ju hard links: not changed (the other names would keep the "
		       "records); remove the other links and run erase again", name,
		       (uintmax_t)st.st_nlink);
		j->res->files_linked++;
		r = 0;
	} else {
		r = erase_one(j, dirfd, name, fd, &st);	/* the lock holds until close */
	}
	close(fd);
	return r;
}

/* The agent's JSON Lines files, finished or being written (NAME.tmp), no dotfiles. */
static int ours(const struct dirent *d)
{
	static const char *const ends[] = { ".jsonl", ".jsonl.gz", ".jsonl.tmp", ".jsonl.gz.tmp" };
	size_t n = strlen(d->d_name);

	if (d->d_name[0] == '.')
		return 0;
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t e = strlen(ends[i]);

		if (n > e && !strcmp(d->d_name + n - e, ends[i]))
			return 1;
	}
	return 0;
}

/* A temp of erase's own naming (atomicfile.h: ".NAME.new", NAME one of ours). */
static int our_temp(const struct dirent *d)
{
	struct dirent inner = { 0 };
	size_t n = strlen(d->d_name);

	if (n < 6 || d->d_name[0] != '.' || strcmp(d->d_name + n - 4, ".new") ||
	    n - 5 >= sizeof(inner.d_name))
		return 0;
	memcpy(inner.d_name, d->d_name + 1, n - 5);
	return ours(&inner);
}

/* Remove the temps a killed erase left (they hold other people's records). One is
 * stale when nobody holds its file's lock: an erase at work holds it all along. */
static void clean_temps(int dirfd)
{
	struct dirent **v;
	int n = scandirat(dirfd, ".", &v, our_temp, alphasort);

	for (int i = 0; i < n; i++) {
		char name[sizeof(v[i]->d_name)];
		size_t len = strlen(v[i]->d_name) - 5;
		int fd;

		memcpy(name, v[i]->d_name + 1, len);
		name[len] = 0;
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 ? errno == ENOENT : !flock(fd, LOCK_EX | LOCK_NB))
			unlinkat(dirfd, v[i]->d_name, 0);
		if (fd >= 0)
			close(fd);
		free(v[i]);
	}
	if (n >= 0)
		free(v);
}

static int do_dir(struct job *j, int dirfd, const char *path)
{
	struct dirent **v;
	int n = scandirat(dirfd, ".", &v, ours, alphasort), r = 0;

	if (n < 0) {
		snprintf(j->err, j->errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (!r)
			r = do_file(j, dirfd, v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return r;
}

int it_subject_files(enum it_sf_op op, const char *subject, const char *path, int out_fd,
		     struct it_sf_result *res, char *err, size_t errlen)
{
	struct job j = { .op = op, .subject = subject, .out_fd = out_fd, .res = res, .err = err,
			 .errlen = errlen };
	char dcopy[4096], bcopy[4096];
	struct stat st;
	int dirfd, r;

	memset(res, 0, sizeof(*res));
	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd >= 0)
			clean_temps(dirfd);
		r = dirfd < 0 ? -1 : do_dir(&j, dirfd, path);
	} else {
		snprintf(dcopy, sizeof(dcopy), "%s", path);
		snprintf(bcopy, sizeof(bcopy), "%s", path);
		dirfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd >= 0)
			clean_temps(dirfd);
		r = dirfd < 0 ? -1 : do_file(&j, dirfd, basename(bcopy));
	}
	if (dirfd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		close(dirfd);
	it_buf_free(&j.line);
	return r;
}

int it_subject_cmd(int argc, char **argv)
{
	struct it_sf_result res;
	enum it_sf_op op;
	char err[512];
	int r;

	if (argc != 3 || (strcmp(argv[0], "export") && strcmp(argv[0], "erase"))) {
		it_err("usage: inputtrace subject export|erase PSEUDONYM PATH");
		return 2;
	}
	if (!it_subject_valid(argv[1])) {
		it_err("subject %s: a pseudonym is %d lower-case hex digits", argv[1], IT_SUBJECT_HEX);
		return 2;
	}
	op = argv[0][1] == 'x' ? IT_SF_EXPORT : IT_SF_ERASE;
	r = it_subject_files(op, argv[1], argv[2], 1, &res, err, sizeof(err));
	if (op == IT_SF_ERASE)
		printf("erased %llu records of subject %s from %llu of %llu files read; "
		       "%llu files skipped (not changed)\n",
		       (unsigned long long)res.matched, argv[1],
		       (unsigned long long)res.files_changed, (unsigned long long)res.files,
		       (unsigned long long)(res.files_busy + res.files_linked));
	if (r) {
		it_err("%s", err);
		return 1;
	}
	if (res.files_busy || res.files_linked)
		return 1;	/* each was named above */
	if (!res.matched) {
		it_err("no records of subject %s in %s", argv[1], argv[2]);
		return 1;
	}
	return 0;
}
