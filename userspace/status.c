// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* status.c - the world-readable status file (status.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "format.h"
#include "shipper.h"
#include "status.h"
#include "text.h"

int it_make_parent(const char *path)
{
	char dir[256], *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = 0;
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

static void put_time(struct it_buf *b, uint64_t real_ns)
{
	struct it_buf t = { 0 };

	it_rfc3339(&t, real_ns);
	if (t.len >= 2)
		it_buf_put(b, t.p + 1, t.len - 2);
	it_buf_free(&t);
}

int it_status_open(struct it_status *s)
{
	s->fd = -1;
	if (!s->path)
		return 0;
	if (it_make_parent(s->path))
		return -1;
	s->fd = open(s->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -1;
	/* one agent per status file (the lock goes with the process, however it ends), and
	 * never overwrite a file that is not a status file */
	if (flock(s->fd, LOCK_EX | LOCK_NB)) {
		close(s->fd);
		s->fd = -1;
		errno = EBUSY;
		return -1;
	}
	{
		static const char magic[] = "# inputtrace: ";
		char head[sizeof(magic) - 1];
		ssize_t n = pread(s->fd, head, sizeof(head), 0);

		if (n > 0 && (n != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(head)))) {
			close(s->fd);
			s->fd = -1;
			errno = EEXIST;
			return -1;
		}
	}
	if (fchmod(s->fd, 0644)) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return it_status_write(s);
}

static void kv(struct it_buf *b, const char *k, const char *v)
{
	it_buf_puts(b, k);
	it_buf_putc(b, '=');
	if (v)
		it_text_esc(b, v, strlen(v));	/* one line, nothing a terminal obeys */
	it_buf_putc(b, '\n');
}

static int status_put(int fd, const struct it_buf *b)
{
	if (b->oom || pwrite(fd, b->p, b->len, 0) != (ssize_t)b->len || ftruncate(fd, (off_t)b->len))
		return -1;
	return 0;
}

/* The shipper's counters that say whether delivery keeps up, as kafka_NAME lines. */
static void put_kafka(struct it_buf *b, struct it_shipper *sh)
{
	struct it_shipper_stats k;
	char num[32];

	it_shipper_get_stats(sh, &k);
#define KV_U64(name) do { snprintf(num, sizeof(num), "%llu", (unsigned long long)k.name); \
		kv(b, "kafka_" #name, num); } while (0)
	KV_U64(delivered_records);
	KV_U64(delivered_bytes);
	KV_U64(pending_records);
	KV_U64(inflight_bytes);
	KV_U64(backlog_bytes);
	KV_U64(spool_bytes);
	KV_U64(lost_records);
	KV_U64(resend_records);
	KV_U64(state_resets);
	KV_U64(producer_restarts);
#undef KV_U64
	snprintf(num, sizeof(num), "%.1f", k.oldest_age_s);
	kv(b, "kafka_oldest_age_s", num);
	kv(b, "kafka_outage", k.in_outage ? "yes" : "no");
	kv(b, "kafka_last_error", k.last_error);
}

int it_status_write(const struct it_status *s)
{
	struct it_buf b = { 0 };
	char num[32];
	int rc;

	if (s->fd < 0)
		return 0;
	it_buf_puts(&b, "# inputtrace: this computer's input events (keyboard, mouse, touch) are being\n"
		    "# recorded by the inputtrace agent; see inputtrace(8) and README \"Data contract\".\n");
	kv(&b, "state", s->paused ? "paused" : "capturing");
	snprintf(num, sizeof(num), "%d", (int)s->pid);
	kv(&b, "pid", num);
	it_buf_puts(&b, "since=");
	put_time(&b, s->since_real_ns);
	it_buf_putc(&b, '\n');
	it_buf_puts(&b, "paused_since=");
	if (s->paused)
		put_time(&b, s->paused_since_real_ns);
	it_buf_putc(&b, '\n');
	kv(&b, "keys", s->keys);
	if (s->pointer)
		kv(&b, "pointer", s->pointer);
	kv(&b, "types", s->types);
	kv(&b, "devices", s->devices);
	kv(&b, "exclude", s->exclude);
	kv(&b, "format", s->format);
	if (s->record)
		kv(&b, "record", s->record);
	kv(&b, "output", s->output);
	kv(&b, "control", s->control);
	if (s->participation) {
		kv(&b, "participation", s->participation);
		kv(&b, "recording", s->recording ? "yes" : "no");
		kv(&b, "why", s->recording_why ? s->recording_why : "starting");
	}
	if (s->focus)
		kv(&b, "focus", s->focus);
	if (s->shipper)
		put_kafka(&b, s->shipper);
	rc = status_put(s->fd, &b);
	it_buf_free(&b);
	return rc;
}

void it_status_remove(struct it_status *s)
{
	if (s->fd < 0)
		return;
	if (unlink(s->path)) {
		struct it_buf b = { 0 };
		char num[32];

		snprintf(num, sizeof(num), "%d", (int)s->pid);
		it_buf_puts(&b, "# inputtrace: the agent has stopped; nothing is being recorded.\n");
		kv(&b, "state", "stopped");
		kv(&b, "pid", num);
		if (status_put(s->fd, &b)) {
			/* nothing more to do: it says what it said */
		}
		it_buf_free(&b);
	}
	close(s->fd);
	s->fd = -1;
}

int it_status_read(const char *path, char *buf, size_t len, const char **keys,
		   const char **values, int max)
{
	static const char magic[] = "# inputtrace: ";
	size_t n = 0;
	ssize_t got;
	char *line, *next;
	int fd, count = 0;

	if (len < sizeof(magic)) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	while (n < len - 1 && (got = read(fd, buf + n, len - 1 - n)) != 0) {
		if (got < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			errno = e;
			return -1;
		}
		n += (size_t)got;
	}
	close(fd);
	buf[n] = 0;
	if (strncmp(buf, magic, sizeof(magic) - 1)) {
		errno = EINVAL;
		return -1;
	}
	for (line = buf; line && *line && count < max; line = next) {
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (line[0] == '#' || !(eq = strchr(line, '=')))
			continue;
		*eq = 0;
		keys[count] = line;
		values[count] = eq + 1;
		count++;
	}
	return count;
}
