// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* focus_report.c - the focus helper's connection to the agent (focus.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "focus.h"
#include "log.h"

#define NS_PER_S 1000000000ull
#define ANSWER_TIMEOUT_NS (3 * NS_PER_S)
#define BACKOFF_MAX_S 30
#define STABLE_NS (2 * NS_PER_S)	/* a connection that lasted this long was no refusal */

uint64_t it_focus_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void it_focus_reporter_init(struct it_focus_reporter *r, const char *path, bool to_stdout)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->to_stdout = to_stdout;
	r->fd = -1;
	r->backoff_s = 1;
}

void it_focus_reporter_close(struct it_focus_reporter *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->awaiting = false;
	r->inlen = 0;
	r->sent[0] = 0;
}

/* Connect again at the backoff; grow: the last try failed too, wait longer next. A
 * retry already planned stays (a change while the agent is away tries at once, and
 * does not push the retry later). */
static void plan_retry(struct it_focus_reporter *r, uint64_t now_ns, bool grow)
{
	if (!r->retry_ns || grow)
		r->retry_ns = now_ns + (uint64_t)r->backoff_s * NS_PER_S;
	if (grow)
		r->backoff_s = r->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : r->backoff_s * 2;
}

/* The connection ended (the agent closed it, stopped answering or reading): try again
 * in a second, later and later while the agent keeps closing at once. */
static void lost(struct it_focus_reporter *r, uint64_t now_ns)
{
	bool stable = now_ns - r->connected_ns >= STABLE_NS;

	it_focus_reporter_close(r);
	r->failures++;
	if (stable)
		r->backoff_s = 1;
	r->retry_ns = 0;
	plan_retry(r, now_ns, !stable);
}

/* Connect; from_retry: planned by the backoff (a failure grows it). */
static int connect_agent(struct it_focus_reporter *r, uint64_t now_ns, bool from_retry)
{
	static struct it_log_limit lim = { .interval_s = 60 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", r->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		it_log_limited(&lim, LOG_NOTICE, "focus: cannot reach the agent at %s: %s (trying again)",
			       r->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		r->failures++;
		plan_retry(r, now_ns, from_retry);
		return -1;
	}
	r->fd = fd;
	r->connected_ns = now_ns;
	r->retry_ns = 0;
	return 0;
}

/* Send the current id on the connection (made first if needed). */
static void send_current(struct it_focus_reporter *r, uint64_t now_ns, bool from_retry)
{
	char line[IT_FOCUS_LINE_MAX + 2];
	bool fresh = r->fd < 0;
	int n;

	if (!r->current[0] || r->awaiting || (r->fd < 0 && connect_agent(r, now_ns, from_retry)))
		return;
	n = snprintf(line, sizeof(line), IT_FOCUS_PREFIX "%s\n", r->current);
	/* a fresh line into an empty socket buffer: anything short of all of it means the
	 * agent stopped reading, or closed a connection we had not seen closing yet (an
	 * agent that answers one line per connection): then once more on a new one */
	if (send(r->fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n) {
		if (fresh) {
			lost(r, now_ns);
			return;
		}
		it_focus_reporter_close(r);
		send_current(r, now_ns, from_retry);
		return;
	}
	r->sends++;
	r->awaiting = true;
	r->sent_ns = now_ns;
	memcpy(r->sent, r->current, sizeof(r->sent));
}

void it_focus_reporter_set(struct it_focus_reporter *r, const char *id, uint64_t now_ns)
{
	if (!it_focus_id_valid(id))
		id = "unknown";
	if (!strcmp(id, r->current))
		return;
	snprintf(r->current, sizeof(r->current), "%s", id);
	if (r->to_stdout) {
		printf(IT_FOCUS_PREFIX "%s\n", r->current);
		fflush(stdout);
		return;
	}
	send_current(r, now_ns, false);
}

int it_focus_reporter_fd(const struct it_focus_reporter *r)
{
	return r->fd;
}

/* One answer line from the agent. */
static void answer(struct it_focus_reporter *r, const char *line)
{
	static struct it_log_limit lim = { .interval_s = 60 };

	r->awaiting = false;
	if (!strncmp(line, "ok", 2)) {
		r->oks++;
		return;
	}
	r->errors++;
	it_log_limited(&lim, LOG_WARNING, "focus: the agent refused \"focus %s\": %.100s", r->sent,
		       line);
}

void it_focus_reporter_input(struct it_focus_reporter *r, uint64_t now_ns)
{
	ssize_t n;
	char *nl;

	if (r->fd < 0)
		return;
	n = recv(r->fd, r->inbuf + r->inlen, sizeof(r->inbuf) - 1 - r->inlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {		/* the agent closed, or went away */
		lost(r, now_ns);
		return;
	}
	r->inlen += (size_t)n;
	r->inbuf[r->inlen] = 0;
	while ((nl = memchr(r->inbuf, '\n', r->inlen))) {
		*nl = 0;
		answer(r, r->inbuf);
		r->inlen -= (size_t)(nl + 1 - r->inbuf);
		memmove(r->inbuf, nl + 1, r->inlen);
	}
	if (r->inlen >= sizeof(r->inbuf) - 1) {	/* no line: not our agent */
		lost(r, now_ns);
		return;
	}
	/* changes that came while the answer was awaited */
	if (!r->awaiting && strcmp(r->current, r->sent))
		send_current(r, now_ns, false);
}

uint64_t it_focus_reporter_deadline(const struct it_focus_reporter *r)
{
	if (r->awaiting)
		return r->sent_ns + ANSWER_TIMEOUT_NS;
	return r->fd < 0 ? r->retry_ns : 0;
}

void it_focus_reporter_tick(struct it_focus_reporter *r, uint64_t now_ns)
{
	static struct it_log_limit lim = { .interval_s = 60 };

	if (r->awaiting && now_ns >= r->sent_ns + ANSWER_TIMEOUT_NS) {
		it_log_limited(&lim, LOG_NOTICE, "focus: the agent at %s did not answer within 3 s",
			       r->path);
		lost(r, now_ns);
		return;
	}
	if (r->fd < 0 && r->retry_ns && now_ns >= r->retry_ns) {
		r->retry_ns = 0;
		send_current(r, now_ns, true);
	}
}
