// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sink.c - the file output (sink.h): writing whole lines, plain or through the gzip
 * stream (sink_gzip.c), bounded flushes, rotation, write errors survived and marked,
 * open, close, and the output interface (outputs.h). Directory mode's names, scan and
 * retention: sink_dir.c; what a crash left: sink_recover.c. docs/output-files.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "privdrop.h"
#include "sink_impl.h"
#include "stream.h"

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

/* lines/bytes not written (errno e); retry: plan another try, else give up */
static void sink_error(struct it_sink *s, int e, uint64_t lines, uint64_t bytes, bool retry)
{
	s->dropped_lines += lines;
	s->dropped_bytes += bytes;
	s->gap_lines += lines;
	s->gap_bytes += bytes;
	s->last_err = e;
	if (!retry) {
		if (!s->failed)
			it_err("cannot write to %s: %s", s->name, err_text(s, e));
		s->failed = true;
		return;
	}
	/* said once per kind of error for the whole run: a disk that stays nearly full
	 * makes writes fail and succeed in turn, and stderr must not fill the journal */
	if (!s->said || e != s->said_err)
		it_log(LOG_WARNING, "cannot write to %s: %s; counting what is not written and "
		       "retrying every %g s", s->name, strerror(e), flush_interval(s));
	s->said = true;
	s->said_err = e;
	s->err = e;
	s->retry_at = s->now() + flush_interval(s);
}

void it_sink_on_error(struct it_sink *s, int e, uint64_t lines, uint64_t bytes)
{
	sink_error(s, e, lines, bytes, transient(e));
}

/* While an error is being waited out: lines/bytes dropped, counted (the retry stays
 * as planned) */
static void drop_pending(struct it_sink *s, uint64_t lines, uint64_t bytes)
{
	s->dropped_lines += lines;
	s->dropped_bytes += bytes;
	s->gap_lines += lines;
	s->gap_bytes += bytes;
}

/* The next file could not be opened. In directory mode (rotation; the directory made
 * again) this is retried like a write error whatever errno says (a directory made
 * read-only for a moment, EACCES): capture goes on, what cannot be written is counted
 * and marked by a gap record once a file opens. */
static void on_open_error(struct it_sink *s, int e, uint64_t lines, uint64_t bytes)
{
	sink_error(s, e, lines, bytes, s->dir_mode || transient(e));
}

/* dir mode: the file being written, or its whole directory, was removed (rm -rf DIR):
 * what the file holds went with it. Said once, counted as not written (the gap record
 * in the next file says so); the directory is made again before the next file.
 * Returns true when the file was given up (s->fd closed). */
static bool file_gone(struct it_sink *s)
{
	int how = s->dir_mode && s->fd >= 0 ? it_sink_dir_gone(s) : 0;

	if (!how)
		return false;
	if (!s->said_gone)
		it_warn("%s was removed while being written: %s; the %llu lines written to it are "
			"counted as not written", how == 2 ? s->dirpath : s->tmp,
			how == 2 ? "making it again" : "starting a new file",
			(unsigned long long)s->file_lines);
	s->said_gone = true;
	s->dropped_lines += s->file_lines;
	s->dropped_bytes += s->file_data;
	s->gap_lines += s->file_lines;
	s->gap_bytes += s->file_data;
	s->last_err = ENOENT;
	close(s->fd);
	s->fd = -1;
	s->dir_lost = how == 2;
	return true;
}

/* dir mode: the current file is to be rotated (size reached, and no failed rename
 * being waited out) */
static bool rotate_due(const struct it_sink *s)
{
	return s->dir_mode && s->cfg.rotate_size && s->file_bytes >= s->cfg.rotate_size &&
	       s->now() >= s->rotate_retry_at;
}

/* --- the file ---------------------------------------------------------------------- */

static bool is_regular(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode);
}

/* After the stop flag (it_sink_set_stop): for an output that is not a regular file,
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

/* On failure the file is cut back to where it was, so what was there stays intact. */
int it_sink_raw_write(struct it_sink *s, const void *p, size_t n)
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

/* Data into the file: written now (plain), or into the open gzip member. */
static int emit(struct it_sink *s, const void *p, size_t n, uint64_t lines)
{
	if (!n)
		return 0;
	if (s->cfg.compress)
		return it_gz_emit(s, p, n, lines);
	if (it_sink_raw_write(s, p, n)) {
		it_sink_on_error(s, errno, lines, n);
		return -1;
	}
	s->file_lines += lines;
	s->file_data += n;
	return 0;
}

/* n bytes of lines at *p stamped with stream and seq (it_sink_set_stream), in the
 * order they go to the file: *p and *n then point at the stamped copy. Without a
 * stream, or out of memory (the lines go unstamped: said by no seq), unchanged. */
static void stamp(struct it_sink *s, const void **p, size_t *n)
{
	if (!s->stream || !*n)
		return;
	s->stamped.len = 0;
	s->stamped.oom = false;
	it_stream_stamp(s->stream, *p, *n, &s->stamped);
	if (s->stamped.oom)
		return;
	*p = s->stamped.p;
	*n = s->stamped.len;
}

/* The collector gives this output a preamble for each new file. */
static bool has_preamble(const struct it_sink *s)
{
	return s->out.feed && s->out.feed->preamble;
}

/* The header and device records, and a gap record if writing failed before. With
 * gzip they are confirmed only when their member is written; until then they are
 * due again (need_preamble, gap_*), so a failed member cannot leave a file without
 * its header. */
static int emit_meta(struct it_sink *s)
{
	const struct it_output_feed *f = s->out.feed;
	struct it_buf b = { 0 };
	uint64_t gl = s->gap_lines, gb = s->gap_bytes;
	bool gap = (gl || gb) && f && f->gap;
	int rc = 0;

	if (s->need_preamble && has_preamble(s))
		f->preamble(f->ctx, s->file_seq, &b);
	if (gap)
		f->gap(f->ctx, gl, gb, s->last_err ? s->last_err : ENOSPC, &b);
	if (b.len) {
		const void *p = b.p;
		size_t n = b.len;

		stamp(s, &p, &n);
		if (s->cfg.compress) {
			struct it_buf w = { .p = (char *)p, .len = n, .cap = n };

			rc = it_gz_put_member(s, &w);	/* a member of its own, confirmed now */
		} else if (it_sink_raw_write(s, p, n)) {
			it_sink_on_error(s, errno, 0, 0);
			rc = -1;
		}
	}
	if (!rc) {
		if (has_preamble(s))
			s->need_preamble = false;
		if (gap) {
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

/* One file: open it for appending, never truncating a capture already on disk. */
static int open_single(struct it_sink *s, unsigned int mode)
{
	struct stat st;
	int fd;

	fd = open(s->cfg.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
		  O_NOCTTY, mode);
	if (fd >= 0)
		s->file_created = true;
	else if (errno == EEXIST)
		fd = open(s->cfg.path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return fd;
	/* one agent per file: two would interleave, and the repair below would cut the
	 * other's line in the middle */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		errno = EHELD_ERRNO;
		return -1;
	}
	if (!s->file_created && it_sink_append_check(s, fd, &st)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_file(struct it_sink *s)
{
	unsigned int mode = s->cfg.file_mode ? s->cfg.file_mode : 0600;
	struct stat st;

	if (s->dir_lost && it_sink_dir_recreate(s))
		return -1;
	s->dir_lost = false;
	if (s->is_stdout)
		s->fd = STDOUT_FILENO;
	else if (s->dir_mode)
		s->fd = it_sink_dir_new_file(s, mode);
	else
		s->fd = open_single(s, mode);
	if (s->fd < 0)
		return -1;
	s->file_bytes = s->file_lines = s->file_data = 0;
	if (!s->is_stdout && !fstat(s->fd, &st) && S_ISREG(st.st_mode))
		s->file_bytes = (uint64_t)st.st_size;
	s->file_seq++;
	s->opened_at = s->now();
	s->need_preamble = true;
	return 0;
}

/* Flush, sync, close; in dir mode rename NAME.tmp to NAME and sync the directory. A
 * rename that fails at a rotation leaves the file open and written on, the rotation
 * tried again after a flush interval (returns -1, s->fd still open). */
static int close_file(struct it_sink *s, bool rotating)
{
	int rc = 0;

	if (s->fd < 0)
		return 0;
	if (it_gz_end_member(s))
		rc = -1;
	if (s->is_stdout)
		return rc;
	s->dirty = true;
	if (sync_fd(s)) {
		it_err("cannot sync %s: %s", s->name, strerror(errno));
		rc = -1;
	}
	if (file_gone(s))
		return rc;
	if (s->dir_mode) {
		/* renamed while the fd still holds the lock: another agent's recovery never
		 * sees a finished NAME.tmp unlocked */
		if (rotating && renameat(s->dirfd, s->tmp, s->dirfd, s->cur)) {
			if (!s->said_rename)
				it_warn("cannot rename %s to %s: %s; writing on into it, the rotation "
					"tried again every %g s", s->tmp, s->cur, strerror(errno),
					flush_interval(s));
			s->said_rename = true;
			s->rotate_retry_at = s->now() + flush_interval(s);
			return -1;
		}
		if (!rotating && renameat(s->dirfd, s->tmp, s->dirfd, s->cur)) {
			it_err("cannot rename %s to %s: %s", s->tmp, s->cur, strerror(errno));
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

struct it_sink *it_sink_open(const char *path, char *err, size_t errlen)
{
	struct it_sink_cfg cfg = { .path = path };

	return it_sink_open_cfg(&cfg, err, errlen);
}

static const char *open_error(int e)
{
	return e == ELOOP ? "it is a symbolic link" :
	       e == ENOTGZIP_ERRNO ? "it exists and is not gzip (--compress appends gzip members)" :
	       e == EGZIP_ERRNO ? "it exists and is gzip (add --compress, or choose another file)" :
	       e == EHELD_ERRNO ? "another inputtrace is writing it" :
	       e == EOWNER_ERRNO ? "it exists and belongs to another user (not appended to)" :
	       e == EWRITABLE_ERRNO ? "it exists and others may write it (not appended to)" :
	       e == EFOREIGN_ERRNO ? "it exists and was not written by inputtrace (not appended to)" :
	       strerror(e);
}

void it_sink_cfg_user(struct it_sink_cfg *cfg, const char *user)
{
	char err[256];
	uid_t uid;
	gid_t gid;

	if (user && !it_user_resolve(user, &uid, &gid, err, sizeof(err))) {
		cfg->have_user = true;
		cfg->user_uid = (unsigned int)uid;
	}
}

static const struct it_output_ops sink_ops;

/* s set up for cfg, nothing opened yet */
static int sink_init(struct it_sink *s, const struct it_sink_cfg *cfg)
{
	const char *path = cfg->path ? cfg->path : "-";

	s->out.ops = &sink_ops;
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
	return s->cfg.compress ? it_gz_start(s) : 0;
}

static int sink_open(struct it_sink *s, char *err, size_t errlen)
{
	const char *path = s->cfg.path;
	struct stat st;
	size_t n;

	if (!strcmp(path, "-")) {
		s->is_stdout = true;
		s->name = "stdout";
		open_file(s);
		return 0;
	}
	n = strlen(path);
	s->dir_mode = s->cfg.dir_mode || (n && path[n - 1] == '/') ||
		      (!lstat(path, &st) && S_ISDIR(st.st_mode));
	if (s->dir_mode && it_sink_dir_open(s, path, err, errlen))
		return -1;
	if (open_file(s)) {
		snprintf(err, errlen, "cannot open output %s%s%s: %s", path, s->dir_mode ? "/" : "",
			 s->dir_mode ? s->tmp : "", open_error(errno));
		return -1;
	}
	return 0;
}

struct it_sink *it_sink_open_cfg(const struct it_sink_cfg *cfg, char *err, size_t errlen)
{
	struct it_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sink_init(s, cfg)) {
		snprintf(err, errlen, "cannot set up gzip compression");
		free(s);
		return NULL;
	}
	if (sink_open(s, err, errlen)) {
		if (s->dirfd >= 0)
			close(s->dirfd);
		it_gz_free(s);
		free(s);
		return NULL;
	}
	s->out.name = s->name;
	return s;
}

/* After an error: try again (reopen if need be), write the gap record. */
static int resume(struct it_sink *s)
{
	if (s->fd < 0 && open_file(s)) {
		on_open_error(s, errno, 0, 0);
		return -1;
	}
	s->err = 0;
	if (emit_meta(s))
		return -1;
	if (s->said && !s->said_resumed)
		it_notice("writing to %s again; %llu lines (%llu bytes) could not be written so "
			  "far (counted in output_loss records and the stats)", s->name,
			  (unsigned long long)s->dropped_lines, (unsigned long long)s->dropped_bytes);
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
				drop_pending(s, lines, n);
			return -1;
		}
	}
	if (s->fd < 0 && open_file(s)) {
		on_open_error(s, errno, lines, n);
		return -1;
	}
	if ((s->need_preamble && has_preamble(s)) || s->gap_lines || s->gap_bytes) {
		if (emit_meta(s)) {
			if (!s->failed)
				it_sink_on_error(s, s->err ? s->err : ENOSPC, lines, n);
			return -1;
		}
	}
	stamp(s, &p, &n);
	if (emit(s, p, n, lines))
		return -1;
	if (!s->cfg.compress && rotate_due(s))
		return it_sink_reopen(s);
	return 0;
}

int it_sink_flush(struct it_sink *s)
{
	int rc = 0;

	s->last_flush = s->now();
	if (s->failed || s->fd < 0)
		return -1;
	if (it_gz_end_member(s))
		rc = -1;
	if (sync_fd(s) && !s->failed) {
		it_sink_on_error(s, errno, 0, 0);
		rc = -1;
	}
	if (!rc && file_gone(s))
		return resume(s);	/* a new file now, with the gap record */
	if (!rc && rotate_due(s))
		rc = it_sink_reopen(s);
	return rc;
}

int it_sink_reopen(struct it_sink *s)
{
	int rc = close_file(s, true);

	if (s->failed || s->fd >= 0)
		return -1;	/* s->fd open: its rename failed, written on */
	if (open_file(s)) {
		on_open_error(s, errno, 0, 0);
		return -1;
	}
	if (!s->err && has_preamble(s))
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
	if (s->fd >= 0 && s->need_preamble && has_preamble(s))
		emit_meta(s);
	if (s->dir_mode && s->cfg.rotate_interval_s > 0 &&
	    now - s->opened_at >= s->cfg.rotate_interval_s && now >= s->rotate_retry_at)
		it_sink_reopen(s);
	else if (now - s->last_flush >= flush_interval(s))
		it_sink_flush(s);
}

void it_sink_ending(struct it_sink *s)
{
	if (s->err && !s->failed)
		s->retry_at = 0;	/* try now, not at the next flush interval */
}

int it_sink_close(struct it_sink *s)
{
	int rc;

	if (s->err && !s->failed)
		resume(s);	/* one last try, so the gap is recorded */
	rc = close_file(s, false);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
	it_gz_free(s);
	s->closed = true;
	return s->failed ? -1 : rc;
}

void it_sink_free(struct it_sink *s)
{
	if (!s)
		return;
	if (!s->closed)
		it_sink_close(s);
	it_buf_free(&s->stamped);
	free(s);
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

const char *it_sink_name(const struct it_sink *s)
{
	return s->name;
}

bool it_sink_failed(const struct it_sink *s)
{
	return s->failed;
}

bool it_sink_is_dir(const struct it_sink *s)
{
	return s->dir_mode;
}

void it_sink_set_stream(struct it_sink *s, struct it_stream *st)
{
	s->stream = st;
}

void it_sink_set_may_delete(struct it_sink *s, bool (*may_delete)(void *ctx, const char *name),
			    void *ctx)
{
	s->may_delete = may_delete;
	s->may_delete_ctx = ctx;
}

void it_sink_set_stop(struct it_sink *s, const volatile sig_atomic_t *stop)
{
	s->stop = stop;
}

void it_sink_stats(const struct it_sink *s, struct it_output_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lost_lines = s->dropped_lines;
	st->lost_bytes = s->dropped_bytes;
	st->unmarked_lines = s->gap_lines;
	st->unmarked_bytes = s->gap_bytes;
	st->bytes_written = s->bytes_written;
	st->files_completed = s->files_done;
	st->files_deleted = s->files_deleted;
	st->files_recovered = s->files_recovered;
	st->err = s->err;
	st->last_err = s->last_err;
	st->failed = s->failed;
}

/* --- the output interface (outputs.h) ---------------------------------------------- */

static struct it_sink *of(struct it_output *out)
{
	return (struct it_sink *)out;	/* out is the first member */
}

static int out_write(struct it_output *out, const void *p, size_t n)
{
	return it_sink_write(of(out), p, n);
}

static int out_flush(struct it_output *out)
{
	return it_sink_flush(of(out));
}

static void out_tick(struct it_output *out)
{
	it_sink_tick(of(out));
}

static void out_ending(struct it_output *out)
{
	it_sink_ending(of(out));
}

static int out_close(struct it_output *out)
{
	return it_sink_close(of(out));
}

static void out_stats(struct it_output *out, struct it_output_stats *st)
{
	it_sink_stats(of(out), st);
}

static const struct it_output_ops sink_ops = {
	.write = out_write,
	.flush = out_flush,
	.tick = out_tick,
	.ending = out_ending,
	.close = out_close,
	.stats = out_stats,
};

struct it_output *it_sink_output(struct it_sink *s)
{
	return &s->out;
}
