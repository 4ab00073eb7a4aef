// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sink_dir.c - the file output's directory mode (sink.h): the directory and its lock,
 * the names of the files (inputtrace-<time>-HOST.EXT), the one scan of the directory
 * that retention and crash recovery share, and retention (--max-files, --max-age).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sink_impl.h"

void it_sink_hostname(char *out, size_t len)
{
	char h[256] = "";
	size_t i;

	if (gethostname(h, sizeof(h) - 1) || !h[0])
		snprintf(h, sizeof(h), "localhost");
	for (i = 0; h[i]; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			h[i] = '_';
	}
	snprintf(out, len, "%s", h);
}

void it_dir_file_name(char *out, size_t len, uint64_t wall_ns, const char *host,
		      const char *suffix)
{
	time_t sec = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char t[32];

	gmtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, len, "inputtrace-%s.%06uZ-%s%s", t,
		 (unsigned)(wall_ns % 1000000000ull / 1000), host, suffix);
}

static unsigned int dir_mode_of(unsigned int file_mode)
{
	/* x wherever r is set: 0600 -> 0700, 0640 -> 0750 */
	return file_mode | ((file_mode & 0444) >> 2);
}

/* mkdir (if missing) and open s->dirpath, never through a symlink; the fd, or -1 with
 * errno (ENOTDIR: not a directory, a symbolic link?) and *step "create" or "open" */
static int dir_make(struct it_sink *s, const char **step)
{
	int fd;

	*step = "create";
	if (!mkdir(s->dirpath, dir_mode_of(s->cfg.file_mode)))
		s->dir_created = true;
	else if (errno != EEXIST)
		return -1;
	*step = "open";
	fd = open(s->dirpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		errno = ENOTDIR;
	return fd;
}

/* "an agent writes here" for as long as dirfd is open: it_sink_recover() of another
 * agent leaves evemu files (written unlocked) alone while this is held */
static void dir_lock(int fd)
{
	struct flock l = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

	(void)fcntl(fd, F_OFD_SETLK, &l);
}

int it_sink_dir_open(struct it_sink *s, const char *path, char *err, size_t errlen)
{
	const char *step;
	size_t n;

	snprintf(s->dirpath, sizeof(s->dirpath), "%s", path);
	while ((n = strlen(s->dirpath)) > 1 && s->dirpath[n - 1] == '/')
		s->dirpath[n - 1] = 0;	/* a trailing '/' would make open() follow a symlink */
	s->dirfd = dir_make(s, &step);
	if (s->dirfd < 0) {
		snprintf(err, errlen, "cannot %s output directory %s: %s", step, s->dirpath,
			 errno == ENOTDIR ? "not a directory (a symbolic link?)" : strerror(errno));
		return -1;
	}
	dir_lock(s->dirfd);
	return 0;
}

int it_sink_dir_gone(const struct it_sink *s)
{
	struct stat a, b;

	if (fstat(s->dirfd, &a))
		return 0;
	if (!a.st_nlink)
		return 2;
	if (fstatat(AT_FDCWD, s->dirpath, &b, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT || errno == ENOTDIR ? 2 : 0;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return 2;
	if (s->fd >= 0 && !fstat(s->fd, &b) && !b.st_nlink)
		return 1;
	return 0;
}

int it_sink_dir_recreate(struct it_sink *s)
{
	const char *step;
	int fd = dir_make(s, &step), e;

	if (fd < 0)
		return -1;
	if (dup3(fd, s->dirfd, O_CLOEXEC) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	dir_lock(s->dirfd);
	return 0;
}

/* dir mode: the name of a file started at wall-clock ns: s->cur, s->tmp */
static void make_name(struct it_sink *s, uint64_t ns)
{
	char suffix[32];

	snprintf(suffix, sizeof(suffix), ".%s%s", s->cfg.ext ? s->cfg.ext : "jsonl",
		 s->cfg.compress ? ".gz" : "");
	it_dir_file_name(s->cur, sizeof(s->cur), ns, s->host, suffix);
	snprintf(s->tmp, sizeof(s->tmp), "%.*s.tmp", (int)sizeof(s->tmp) - 5, s->cur);
}

/* Lock the new NAME.tmp (fd) for as long as it is written: it_sink_recover() in
 * another agent leaves locked files alone. Between openat() and flock() such a
 * recovery may have locked it (we lose) and removed it as empty: so it is ours only if
 * we hold the lock and the name still leads to it. */
static bool hold_tmp(struct it_sink *s, int fd)
{
	struct stat a, b;

	if (flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK)
		return false;
	/* other flock errors (a file system without locks): write unlocked */
	return !fstat(fd, &a) && !fstatat(s->dirfd, s->tmp, &b, AT_SYMLINK_NOFOLLOW) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int it_sink_dir_new_file(struct it_sink *s, unsigned int mode)
{
	uint64_t ns = s->wall_ns();
	int fd = -1, i;

	for (i = 0; i < 1000; i++, ns += 1000) {
		make_name(s, ns);
		if (!faccessat(s->dirfd, s->cur, F_OK, AT_SYMLINK_NOFOLLOW))
			continue;
		fd = openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
			    O_CLOEXEC | O_NOCTTY, mode);
		if (fd >= 0 && !hold_tmp(s, fd)) {
			close(fd);	/* another agent's it_sink_recover() took it: next name */
			fd = -1;
			continue;
		}
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (i == 1000)
		errno = EEXIST;
	if (i == 1000 || fd < 0)
		return -1;
	(void)!fchmod(fd, mode);	/* exactly the mode asked, whatever the umask */
	return fd;
}

size_t it_dir_stamp_len(const char *n)
{
	static const char pat[] = "inputtrace-########T######.######Z-";
	size_t i;

	for (i = 0; pat[i]; i++)
		if (pat[i] == '#' ? n[i] < '0' || n[i] > '9' : n[i] != pat[i])
			return 0;
	return i;
}

/* Exactly a stamp, this host, an extension (a host that ends another's name, "db" and
 * "staging-db", is not taken for it). */
bool it_sink_name_ours(const struct it_sink *s, const char *n)
{
	static const char *const exts[] = { "jsonl", "jsonl.gz", "csv", "csv.gz" };
	char want[160];
	size_t i, p = it_dir_stamp_len(n);

	if (!p)
		return false;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(want, sizeof(want), "%s.%s", s->host, exts[i]);
		if (!strcmp(n + p, want))
			return true;
	}
	return false;
}

/* inputtrace-<time>-HOST-inputN.evemu (evemu_files.c) */
bool it_sink_name_evemu(const struct it_sink *s, const char *n)
{
	size_t p = it_dir_stamp_len(n), hl = strlen(s->host), e;
	const char *r;

	if (!p || strncmp(n + p, s->host, hl) || strncmp(n + p + hl, "-input", 6))
		return false;
	r = n + p + hl + 6;
	for (e = 0; r[e] >= '0' && r[e] <= '9'; e++)
		;
	return e > 0 && !strcmp(r + e, ".evemu");
}

bool it_sink_dir_shared(const struct it_sink *s)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(s->dirfd, F_OFD_GETLK, &l))
		return true;
	return l.l_type != F_UNLCK;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct it_name *)a)->name, ((const struct it_name *)b)->name);
}

size_t it_sink_scan(struct it_sink *s, bool (*keep)(const struct it_sink *s, char *name),
		    struct it_name **vp)
{
	struct it_name *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	*vp = NULL;
	/* its own descriptor: closedir() leaves s->dirfd open */
	fd = s->dirfd >= 0 ? openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0 && !(d = fdopendir(fd)))
		close(fd);
	if (!d)
		return 0;
	/* names first, then the caller acts: renaming or deleting while reading the
	 * directory may show an entry twice or skip one */
	while ((de = readdir(d))) {
		if (n == cap) {
			struct it_name *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n].name, sizeof(v->name), "%s", de->d_name);
		if (keep(s, v[n].name))
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	*vp = v;
	return n;
}

static bool keep_complete(const struct it_sink *s, char *name)
{
	return it_sink_name_ours(s, name);	/* the file being written is NAME.tmp: not ours */
}

int it_sink_retention(struct it_sink *s)
{
	struct it_name *v;
	size_t n, i, keep_from = 0;
	uint64_t now_ns;
	int deleted = 0;

	if (!s->dir_mode || (!s->cfg.max_files && !s->cfg.max_age_s))
		return 0;
	n = it_sink_scan(s, keep_complete, &v);
	if (s->cfg.max_files && n > s->cfg.max_files)
		keep_from = n - s->cfg.max_files;
	now_ns = s->wall_ns();
	for (i = 0; i < n; i++) {
		bool del = i < keep_from;
		struct stat st;

		if (!del && s->cfg.max_age_s > 0 &&
		    !fstatat(s->dirfd, v[i].name, &st, AT_SYMLINK_NOFOLLOW)) {
			uint64_t mt = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
				      (uint64_t)st.st_mtim.tv_nsec;

			del = mt + (uint64_t)(s->cfg.max_age_s * 1e9) < now_ns;
		}
		/* never what the Kafka shipper still has to deliver */
		if (del && s->may_delete && !s->may_delete(s->may_delete_ctx, v[i].name))
			del = false;
		if (del && !unlinkat(s->dirfd, v[i].name, 0))
			deleted++;
	}
	free(v);
	s->files_deleted += (uint64_t)deleted;
	return deleted;
}

int it_sink_place(struct it_sink *s, struct it_dir_place *p)
{
	p->dirfd = s->dir_mode ? s->dirfd : -1;
	p->host = s->host;
	p->mode = s->cfg.file_mode;
	p->wall_ns = s->wall_ns;
	return p->dirfd >= 0 ? 0 : -1;
}
