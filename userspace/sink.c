// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sink.c - output files: plain or gzip, bounded flushes, rotation, retention, write
 * errors survived, what a crashed run left completed. See sink.h and README "Output
 * files". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sink.h"
#include "format_csv.h"

/* private errno values for open_file()'s format check (outside the kernel's range) */
#define ENOTGZIP_ERRNO 10001
#define EGZIP_ERRNO 10002
#define EHELD_ERRNO 10003	/* another agent holds the file (flock) */

static volatile sig_atomic_t hup_pending;

static void on_hup(int sig)
{
	hup_pending = 1;
}

void it_sink_catch_sighup(void)
{
	struct sigaction sa = { .sa_handler = on_hup };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static unsigned int dir_mode_of(unsigned int file_mode)
{
	/* x wherever r is set: 0600 -> 0700, 0640 -> 0750 */
	return file_mode | ((file_mode & 0444) >> 2);
}

static double flush_interval(const struct it_sink *s)
{
	return s->cfg.flush_interval_s > 0 ? s->cfg.flush_interval_s : 1.0;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	const char *e = p + n;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
		k++;
		p++;
	}
	return k;
}

/* --- errors ------------------------------------------------------------------------ */

static bool transient(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EFBIG || e == EAGAIN || e == ENOMEM;
}

/* strerror(e), but said plainly for the stop deadline (stop_wait()) */
static const char *err_text(const struct it_sink *s, int e)
{
	if (e == ETIMEDOUT && s->stop_deadline)
		return "the reader does not read (gave up 2 s after the stop signal; what was "
		       "not written is lost)";
	return strerror(e);
}

static void on_error(struct it_sink *s, int e, uint64_t lines, uint64_t bytes)
{
	s->dropped_lines += lines;
	s->dropped_bytes += bytes;
	s->gap_lines += lines;
	s->gap_bytes += bytes;
	s->last_err = e;
	if (!transient(e)) {
		if (!s->failed)
			fprintf(stderr, "inputtrace: cannot write to %s: %s\n", s->name, err_text(s, e));
		s->failed = true;
		return;
	}
	/* said once per kind of error for the whole run: a disk that stays nearly full
	 * makes writes fail and succeed in turn, and stderr must not fill the journal */
	if (!s->said || e != s->said_err)
		fprintf(stderr, "inputtrace: cannot write to %s: %s; counting what is not written "
			"and retrying every %g s\n", s->name, strerror(e), flush_interval(s));
	s->said = true;
	s->said_err = e;
	s->err = e;
	s->retry_at = s->now() + flush_interval(s);
}

/* --- the file ---------------------------------------------------------------------- */

static bool is_regular(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode);
}

/* After the stop flag (struct it_sink.stop): for an output that is not a regular file,
 * switch it to non-blocking and wait until it can take bytes, until the deadline.
 * Returns true when a write may be tried. */
static bool stop_wait(struct it_sink *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	double left;

	if (is_regular(s->fd))
		return true;
	if (!s->stop_deadline) {
		s->stop_deadline = s->now() + IT_SINK_STOP_WAIT_S;
		(void)fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	}
	left = s->stop_deadline - s->now();
	return left > 0 && poll(&p, 1, (int)(left * 1000) + 1) > 0;
}

/* Write all of p to the file. On failure cut the file back to where it was, so what
 * was there stays intact, and return -1 with errno set. */
static int raw_write(struct it_sink *s, const void *p, size_t n)
{
	const char *c = p;
	size_t left = n;

	if (s->fd < 0) {
		errno = EBADF;
		return -1;
	}
	while (left) {
		ssize_t w;

		if (s->stop && *s->stop && !stop_wait(s))
			w = -1, errno = ETIMEDOUT;
		else
			w = write(s->fd, c, left);
		if (w < 0 && (errno == EINTR || (errno == EAGAIN && s->stop_deadline)))
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			if (left != n && !s->is_stdout && is_regular(s->fd))
				(void)!ftruncate(s->fd, (off_t)s->file_bytes);
			errno = e;
			return -1;
		}
		c += w;
		left -= (size_t)w;
	}
	s->file_bytes += n;
	s->bytes_written += n;
	s->dirty = true;
	return 0;
}

static int z_start(struct it_sink *s)
{
	memset(&s->z, 0, sizeof(s->z));
	/* windowBits 15 + 16: a gzip wrapper (RFC 1952) */
	if (deflateInit2(&s->z, s->cfg.compress, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	s->z_ready = true;
	return 0;
}

static int deflate_into(struct it_sink *s, const void *p, size_t n, int flush)
{
	int rc;

	s->z.next_in = (Bytef *)p;
	s->z.avail_in = (uInt)n;
	do {
		char out[16384];

		s->z.next_out = (Bytef *)out;
		s->z.avail_out = sizeof(out);
		rc = deflate(&s->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		it_buf_put(&s->zout, out, sizeof(out) - s->z.avail_out);
	} while (s->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return s->zout.oom ? -1 : 0;
}

/* End the open gzip member and write it. The member's lines are dropped (counted) if
 * that fails; the file keeps only complete members. */
static int end_member(struct it_sink *s)
{
	int rc = 0;

	if (!s->z_ready || !s->member_in)
		return 0;
	if (deflate_into(s, "", 0, Z_FINISH) || raw_write(s, s->zout.p, s->zout.len)) {
		int e = s->zout.oom ? ENOMEM : errno;

		on_error(s, e, s->member_lines, s->member_in);
		rc = -1;
	}
	deflateReset(&s->z);
	it_buf_reset(&s->zout);
	s->zout.oom = false;
	s->member_in = s->member_lines = 0;
	return rc;
}

/* Data into the file: written now (plain), or into the open gzip member. */
static int emit(struct it_sink *s, const void *p, size_t n, uint64_t lines)
{
	if (!n)
		return 0;
	if (!s->cfg.compress) {
		if (raw_write(s, p, n)) {
			on_error(s, errno, lines, n);
			return -1;
		}
		return 0;
	}
	if (deflate_into(s, p, n, Z_NO_FLUSH)) {
		on_error(s, ENOMEM, lines, n);
		return -1;
	}
	s->member_in += n;
	s->member_lines += lines;
	if (s->member_in >= IT_SINK_MEMBER_MAX)
		return end_member(s);
	return 0;
}

/* The header and device records, and a gap record if writing failed before. With
 * gzip they are confirmed only when their member is written; until then they are
 * due again (need_preamble, gap_*), so a failed member cannot leave a file without
 * its header. */
static int emit_meta(struct it_sink *s)
{
	struct it_buf b = { 0 };
	uint64_t gl = s->gap_lines, gb = s->gap_bytes;
	int rc = 0;

	if (s->need_preamble && s->preamble)
		s->preamble(s->cb_ctx, s, &b);
	if ((gl || gb) && s->gap)
		s->gap(s->cb_ctx, s, &b, gl, gb, s->last_err ? s->last_err : ENOSPC);
	if (b.len) {
		if (s->cfg.compress) {
			/* a member of its own, written (confirmed) now */
			rc = end_member(s);
			if (!rc) {
				int e = 0;

				if (deflate_into(s, b.p, b.len, Z_FINISH))
					e = ENOMEM;
				else if (raw_write(s, s->zout.p, s->zout.len))
					e = errno;
				deflateReset(&s->z);
				it_buf_reset(&s->zout);
				s->zout.oom = false;
				if (e) {
					on_error(s, e, 0, 0);
					rc = -1;
				}
			}
		} else if (raw_write(s, b.p, b.len)) {
			on_error(s, errno, 0, 0);
			rc = -1;
		}
	}
	if (!rc) {
		if (s->need_preamble && s->preamble)
			s->need_preamble = false;
		if (s->gap && (gl || gb)) {
			s->gap_lines -= gl;
			s->gap_bytes -= gb;
		}
	}
	it_buf_free(&b);
	return rc;
}

static int sync_fd(struct it_sink *s)
{
	if (s->is_stdout || s->fd < 0 || !s->dirty)
		return 0;
	s->dirty = false;
	if (fdatasync(s->fd) && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
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

/* dir mode: inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-HOST.EXT[.gz] from the wall clock */
static void make_name(struct it_sink *s, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char t[32];

	gmtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%S", &tm);
	snprintf(s->cur, sizeof(s->cur), "inputtrace-%s.%06uZ-%s.%s%s", t,
		 (unsigned)(ns % 1000000000ull / 1000), s->host, s->cfg.ext ? s->cfg.ext : "jsonl",
		 s->cfg.compress ? ".gz" : "");
	snprintf(s->tmp, sizeof(s->tmp), "%.*s.tmp", (int)sizeof(s->tmp) - 5, s->cur);
}

/*
 * An existing regular file about to be appended to (fd, its stat st). Appending gzip
 * members to plain text (or text to gzip) would make a file neither zcat nor a JSON
 * reader accepts: refused (errno ENOTGZIP_ERRNO, EGZIP_ERRNO). A file of ours (it
 * starts with a header record, CSV's header line or gzip's magic) that a crash left
 * with an incomplete last line or gzip member is cut to its complete prefix
 * (it_sink_complete_len), said in one line: what would be appended would otherwise
 * follow the fragment (a line glued to it; a gzip file no reader gets past). Another
 * file is left as it is. Returns 0, or -1 with errno.
 */
static int append_check(struct it_sink *s, int fd, const struct stat *st)
{
	static const char hdr[] = "{\"record\":\"header\"";
	char m[32];
	ssize_t n = pread(fd, m, sizeof(m), 0);
	bool gz = n >= 2 && (unsigned char)m[0] == 0x1f && (unsigned char)m[1] == 0x8b;
	uint64_t good;

	if (n >= 2 && gz != !!s->cfg.compress) {
		errno = s->cfg.compress ? ENOTGZIP_ERRNO : EGZIP_ERRNO;
		return -1;
	}
	if (n <= 0 || !(gz || (n >= (ssize_t)sizeof(hdr) - 1 && !memcmp(m, hdr, sizeof(hdr) - 1)) ||
			(n >= (ssize_t)strlen(IT_CSV_HEADER) - 1 &&
			 !memcmp(m, IT_CSV_HEADER, strlen(IT_CSV_HEADER) - 1))))
		return 0;
	if (it_sink_complete_len(fd, gz, &good) || good >= (uint64_t)st->st_size)
		return 0;
	if (ftruncate(fd, (off_t)good))
		return -1;
	fprintf(stderr, "inputtrace: %s ended in %llu incomplete bytes (a crash?): cut to its last "
		"complete %s\n", s->cfg.path, (unsigned long long)((uint64_t)st->st_size - good),
		gz ? "gzip member" : "line");
	return 0;
}

static int open_file(struct it_sink *s)
{
	unsigned int mode = s->cfg.file_mode ? s->cfg.file_mode : 0600;
	struct stat st;
	int fd, i;

	if (s->is_stdout) {
		s->fd = STDOUT_FILENO;
	} else if (s->dir_mode) {
		uint64_t ns = s->wall_ns();

		for (i = 0; i < 1000; i++, ns += 1000) {
			make_name(s, ns);
			if (!faccessat(s->dirfd, s->cur, F_OK, AT_SYMLINK_NOFOLLOW))
				continue;
			fd = openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
				    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
			if (fd >= 0 && !hold_tmp(s, fd)) {
				close(fd);	/* another agent's it_sink_recover() took it: next name */
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
		s->fd = fd;
	} else {
		/* append: never truncate a capture already on disk */
		fd = open(s->cfg.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
			  O_CLOEXEC | O_NOCTTY, mode);
		if (fd >= 0)
			s->file_created = true;
		else if (errno == EEXIST)
			fd = open(s->cfg.path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -1;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
			/* one agent per file: two would interleave, and the repair below
			 * would cut the other's line in the middle */
			if (flock(fd, LOCK_EX | LOCK_NB)) {
				close(fd);
				errno = EHELD_ERRNO;
				return -1;
			}
			if (!s->file_created && append_check(s, fd, &st)) {
				close(fd);
				return -1;
			}
		}
		s->fd = fd;
	}
	s->file_bytes = 0;
	if (!s->is_stdout && !fstat(s->fd, &st) && S_ISREG(st.st_mode))
		s->file_bytes = (uint64_t)st.st_size;
	s->file_seq++;
	s->opened_at = s->now();
	s->need_preamble = true;
	return 0;
}

/* Flush, sync, close; in dir mode rename NAME.tmp to NAME and sync the directory. */
static int close_file(struct it_sink *s)
{
	int rc = 0;

	if (s->fd < 0)
		return 0;
	if (end_member(s))
		rc = -1;
	if (s->is_stdout)
		return rc;
	s->dirty = true;
	if (sync_fd(s)) {
		fprintf(stderr, "inputtrace: cannot sync %s: %s\n", s->name, strerror(errno));
		rc = -1;
	}
	if (s->dir_mode) {
		/* renamed while the fd still holds the lock: another agent's recovery never
		 * sees a finished NAME.tmp unlocked */
		if (renameat(s->dirfd, s->tmp, s->dirfd, s->cur)) {
			fprintf(stderr, "inputtrace: cannot rename %s to %s: %s\n", s->tmp, s->cur,
				strerror(errno));
			rc = -1;
		} else {
			s->files_done++;
		}
		(void)!fsync(s->dirfd);
	}
	close(s->fd);
	s->fd = -1;
	if (s->dir_mode)
		it_sink_retention(s);
	return rc;
}

/* --- public ------------------------------------------------------------------------ */

void it_sink_abort(struct it_sink *s)
{
	if (s->is_stdout || s->fd < 0)
		return;
	if (s->dir_mode)
		unlinkat(s->dirfd, s->tmp, 0);	/* before close: the lock is held until then */
	else if (s->file_created)
		unlink(s->cfg.path);
	close(s->fd);
	s->fd = -1;
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
}

int it_sink_open(struct it_sink *s, const char *path, char *err, size_t errlen)
{
	struct it_sink_cfg cfg = { .path = path };

	return it_sink_open_cfg(s, &cfg, err, errlen);
}

int it_sink_open_cfg(struct it_sink *s, const struct it_sink_cfg *cfg, char *err, size_t errlen)
{
	const char *path = cfg->path ? cfg->path : "-";
	struct stat st;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->cfg.path = path;
	s->fd = s->dirfd = -1;
	s->name = path;
	s->now = cfg->now ? cfg->now : mono_now;
	s->wall_ns = cfg->wall_ns ? cfg->wall_ns : real_now_ns;
	if (!s->cfg.file_mode)
		s->cfg.file_mode = 0600;
	it_sink_hostname(s->host, sizeof(s->host));
	s->last_flush = s->now();
	if (s->cfg.compress && z_start(s)) {
		snprintf(err, errlen, "cannot set up gzip compression");
		return -1;
	}
	if (!strcmp(path, "-")) {
		s->is_stdout = true;
		s->name = "stdout";
		open_file(s);
		return 0;
	}
	n = strlen(path);
	s->dir_mode = cfg->dir_mode || (n && path[n - 1] == '/') ||
		      (!lstat(path, &st) && S_ISDIR(st.st_mode));
	if (s->dir_mode) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", path);
		while ((n = strlen(dir)) > 1 && dir[n - 1] == '/')
			dir[n - 1] = 0;	/* a trailing '/' would make open() follow a symlink */
		if (!mkdir(dir, dir_mode_of(s->cfg.file_mode)))
			s->dir_created = true;
		else if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create output directory %s: %s", dir, strerror(errno));
			return -1;
		}
		s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->dirfd < 0) {
			snprintf(err, errlen, "cannot open output directory %s: %s", dir,
				 errno == ELOOP || errno == ENOTDIR ? "not a directory (a symbolic link?)"
								    : strerror(errno));
			return -1;
		}
		/* "an agent writes here" for as long as dirfd is open: it_sink_recover() of
		 * another agent leaves evemu files (written unlocked) alone while this is held */
		{
			struct flock l = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

			(void)fcntl(s->dirfd, F_OFD_SETLK, &l);
		}
	}
	if (open_file(s)) {
		snprintf(err, errlen, "cannot open output %s%s%s: %s", path, s->dir_mode ? "/" : "",
			 s->dir_mode ? s->tmp : "",
			 errno == ELOOP ? "it is a symbolic link" :
			 errno == ENOTGZIP_ERRNO ? "it exists and is not gzip (--compress appends gzip members)" :
			 errno == EGZIP_ERRNO ? "it exists and is gzip (add --compress, or choose another file)" :
			 errno == EHELD_ERRNO ? "another inputtrace is writing it" :
			 strerror(errno));
		if (s->dirfd >= 0)
			close(s->dirfd);
		s->dirfd = -1;
		return -1;
	}
	return 0;
}

/* After an error: try again (reopen if need be), write the gap record. */
static int resume(struct it_sink *s)
{
	if (s->fd < 0 && open_file(s)) {
		on_error(s, errno, 0, 0);
		return -1;
	}
	s->err = 0;
	if (emit_meta(s))
		return -1;
	if (s->said && !s->said_resumed)
		fprintf(stderr, "inputtrace: writing to %s again; %llu lines (%llu bytes) could "
			"not be written so far (counted in output_loss records and the stats)\n",
			s->name, (unsigned long long)s->dropped_lines, (unsigned long long)s->dropped_bytes);
	s->said_resumed = s->said;
	return 0;
}

int it_sink_write(struct it_sink *s, const void *p, size_t n)
{
	uint64_t lines;

	if (s->failed)
		return -1;
	lines = count_lines(p, n);
	if (s->err) {
		if (s->now() < s->retry_at || resume(s)) {
			if (!s->failed)
				on_error(s, s->err ? s->err : ENOSPC, lines, n);
			return -1;
		}
	}
	if (s->fd < 0 && open_file(s)) {
		on_error(s, errno, lines, n);
		return -1;
	}
	if ((s->need_preamble && s->preamble) || s->gap_lines || s->gap_bytes) {
		if (emit_meta(s)) {
			if (!s->failed)
				on_error(s, s->err ? s->err : ENOSPC, lines, n);
			return -1;
		}
	}
	if (emit(s, p, n, lines))
		return -1;
	if (s->dir_mode && s->cfg.rotate_size && !s->cfg.compress &&
	    s->file_bytes >= s->cfg.rotate_size)
		return it_sink_reopen(s);
	return 0;
}

int it_sink_flush(struct it_sink *s)
{
	int rc = 0;

	s->last_flush = s->now();
	if (s->failed || s->fd < 0)
		return -1;
	if (end_member(s))
		rc = -1;
	if (sync_fd(s) && !s->failed) {
		on_error(s, errno, 0, 0);
		rc = -1;
	}
	if (!rc && s->dir_mode && s->cfg.rotate_size && s->file_bytes >= s->cfg.rotate_size)
		rc = it_sink_reopen(s);
	return rc;
}

int it_sink_reopen(struct it_sink *s)
{
	int rc = close_file(s);

	if (s->failed)
		return -1;
	if (open_file(s)) {
		on_error(s, errno, 0, 0);
		return -1;
	}
	if (!s->err && s->preamble)
		emit_meta(s);
	return rc;
}

void it_sink_tick(struct it_sink *s)
{
	double now = s->now();

	if (s->failed)
		return;
	if (hup_pending) {
		hup_pending = 0;
		it_sink_reopen(s);
	}
	if (s->err) {
		if (now >= s->retry_at)
			resume(s);
		return;
	}
	if (s->fd >= 0 && s->need_preamble && s->preamble)
		emit_meta(s);
	if (s->dir_mode && s->cfg.rotate_interval_s > 0 && now - s->opened_at >= s->cfg.rotate_interval_s)
		it_sink_reopen(s);
	else if (now - s->last_flush >= flush_interval(s))
		it_sink_flush(s);
}

int it_sink_close(struct it_sink *s)
{
	int rc;

	if (s->err && !s->failed)
		resume(s);	/* one last try, so the gap is recorded */
	rc = close_file(s);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
	if (s->z_ready)
		deflateEnd(&s->z);
	s->z_ready = false;
	it_buf_free(&s->zout);
	return s->failed ? -1 : rc;
}

int it_sink_chown(struct it_sink *s, unsigned int uid, unsigned int gid)
{
	struct stat st;

	if (s->is_stdout)
		return 0;
	if (s->dir_mode) {
		if (s->dirfd < 0 || fstat(s->dirfd, &st))
			return -1;
		if (s->dir_created) {
			if (fchown(s->dirfd, uid, gid))
				return -1;
		} else if (st.st_uid != uid) {
			errno = EPERM;
			return -1;
		}
	} else if (!s->file_created) {
		return 0;
	}
	/* fchown keeps the mode (no set-id bits to clear on these) */
	if (s->fd >= 0 && fchown(s->fd, uid, gid))
		return -1;
	return 0;
}

/* A directory stream on the output directory (its own descriptor: closedir() leaves
 * s->dirfd open), or NULL. */
static DIR *sink_opendir(struct it_sink *s)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

struct name_ent {
	char name[NAME_MAX + 1];
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_ent *)a)->name, ((const struct name_ent *)b)->name);
}

/* One of our complete files: inputtrace-<time>-HOST.{jsonl,csv}[.gz] */
/* Length of "inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-" (make_name()'s stamp) at the start
 * of n, or 0 when n does not start so. */
static size_t stamp_prefix(const char *n)
{
	static const char pat[] = "inputtrace-########T######.######Z-";
	size_t i;

	for (i = 0; pat[i]; i++)
		if (pat[i] == '#' ? n[i] < '0' || n[i] > '9' : n[i] != pat[i])
			return 0;
	return i;
}

/* One of this host's complete output files: exactly a stamp, the host, an extension
 * (a host that ends another's name, "db" and "staging-db", is not taken for it). */
static bool ours(const struct it_sink *s, const char *n)
{
	static const char *const exts[] = { "jsonl", "jsonl.gz", "csv", "csv.gz" };
	char want[160];
	size_t i, p = stamp_prefix(n);

	if (!p)
		return false;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(want, sizeof(want), "%s.%s", s->host, exts[i]);
		if (!strcmp(n + p, want))
			return true;
	}
	return false;
}

int it_sink_retention(struct it_sink *s)
{
	struct name_ent *v = NULL;
	size_t n = 0, cap = 0, i, keep_from = 0;
	struct dirent *de;
	uint64_t now_ns;
	int deleted = 0;
	DIR *d;

	if (!s->dir_mode || (!s->cfg.max_files && !s->cfg.max_age_s))
		return 0;
	d = sink_opendir(s);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!ours(s, de->d_name))	/* the file being written is NAME.tmp: not ours() */
			continue;
		if (n == cap) {
			struct name_ent *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n++].name, sizeof(v->name), "%s", de->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	if (s->cfg.max_files && n > s->cfg.max_files)
		keep_from = n - s->cfg.max_files;
	now_ns = s->wall_ns();
	for (i = 0; i < n; i++) {
		bool del = i < keep_from;
		struct stat st;

		if (!del && s->cfg.max_age_s > 0 && !fstatat(s->dirfd, v[i].name, &st, AT_SYMLINK_NOFOLLOW)) {
			uint64_t mt = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;

			del = mt + (uint64_t)(s->cfg.max_age_s * 1e9) < now_ns;
		}
		if (del && !unlinkat(s->dirfd, v[i].name, 0))
			deleted++;
	}
	free(v);
	s->files_deleted += (uint64_t)deleted;
	return deleted;
}

/* --- leftovers of a crash ---------------------------------------------------------- */

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

/* One of our evemu files: inputtrace-<time>-HOST-inputN.evemu (format_evemu.c) */
static bool ours_evemu(const struct it_sink *s, const char *n)
{
	size_t p = stamp_prefix(n), hl = strlen(s->host), e;
	const char *r;

	if (!p || strncmp(n + p, s->host, hl) || strncmp(n + p + hl, "-input", 6))
		return false;
	r = n + p + hl + 6;
	for (e = 0; r[e] >= '0' && r[e] <= '9'; e++)
		;
	return e > 0 && !strcmp(r + e, ".evemu");
}

/* Is another open file description holding a lock on the directory (another agent's
 * sink: it_sink_open_cfg)? Not known counts as yes. */
static bool dir_shared(const struct it_sink *s)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(s->dirfd, F_OFD_GETLK, &l))
		return true;
	return l.l_type != F_UNLCK;
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
		fprintf(stderr, "inputtrace: cannot recover %s: %s\n", tmp,
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
		fprintf(stderr, "inputtrace: cannot recover %s: %s: %s\n", tmp, what,
			e == EEXIST ? "a file of the complete name exists (left alone)" : strerror(e));
		return -1;
	}
	(void)!fsync(s->dirfd);
	if (!good) {
		if (size)
			fprintf(stderr, "inputtrace: removed %s (nothing complete in it; %llu incomplete "
				"bytes dropped)\n", tmp, (unsigned long long)size);
		else
			fprintf(stderr, "inputtrace: removed %s (empty)\n", tmp);
		return 0;
	}
	fprintf(stderr, "inputtrace: recovered %s (%llu bytes; %llu incomplete bytes dropped)\n",
		name, (unsigned long long)good, (unsigned long long)(size - good));
	return 1;
}

int it_sink_recover(struct it_sink *s)
{
	struct name_ent *v = NULL;
	size_t n = 0, cap = 0, i, evemu_left = 0;
	bool shared;
	struct dirent *de;
	int done = 0;
	DIR *d;

	if (!s->dir_mode || s->dirfd < 0)
		return 0;
	d = sink_opendir(s);
	if (!d)
		return 0;
	/* names first, then the renames: renaming while reading the directory may show an
	 * entry twice or skip one */
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 4 || strcmp(de->d_name + len - 4, ".tmp") || !strcmp(de->d_name, s->tmp))
			continue;
		if (n == cap) {
			struct name_ent *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n].name, sizeof(v->name), "%s", de->d_name);
		v[n].name[len - 4] = 0;	/* NAME, checked below against our names */
		if (ours(s, v[n].name) || ours_evemu(s, v[n].name))
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	shared = dir_shared(s);
	for (i = 0; i < n; i++) {
		char tmp[NAME_MAX + 1];
		size_t len = strlen(v[i].name);
		bool evemu = ours_evemu(s, v[i].name);

		if (evemu && shared) {
			evemu_left++;	/* written without a lock: maybe by that other agent */
			continue;
		}
		snprintf(tmp, sizeof(tmp), "%s.tmp", v[i].name);
		if (recover_one(s, tmp, len > 3 && !strcmp(v[i].name + len - 3, ".gz")) > 0)
			done++;
	}
	if (evemu_left)
		fprintf(stderr, "inputtrace: left %zu evemu .tmp file%s in %s alone: another inputtrace "
			"is writing there\n", evemu_left, evemu_left == 1 ? "" : "s", s->name);
	free(v);
	s->files_recovered += (uint64_t)done;
	return done;
}
