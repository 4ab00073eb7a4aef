// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* control.c - control socket, pause/resume records, status file (control.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include "control.h"
#include "format.h"

/* mkdir -p of path's directory, new parts 0755. */
static int make_parent(const char *path)
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

int it_control_open(struct it_control *c, const char *path, bool have_gid, gid_t gid,
		    char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->have_gid = have_gid;
	c->gid = gid;
	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "--control-socket %s: path too long", path);
		return -1;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (make_parent(path)) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(errno));
		return -1;
	}
	/* a socket left by an agent that died: replace it, unless someone answers there */
	if (!lstat(path, &st)) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && !connect(probe, (struct sockaddr *)&a, sizeof(a))) {
			close(probe);
			snprintf(err, errlen, "%s: another agent is listening there (use --control-socket)",
				 path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the control socket: %s", strerror(errno));
		return -1;
	}
	/* bound 0600 by the umask, then opened to the group: never briefly wider */
	{
		mode_t old = umask(0177);
		int rc = bind(fd, (struct sockaddr *)&a, sizeof(a));

		umask(old);
		if (rc) {
			snprintf(err, errlen, "cannot bind %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if ((have_gid && chown(path, 0, gid)) || chmod(path, have_gid ? 0660 : 0600) ||
	    listen(fd, 8)) {
		snprintf(err, errlen, "cannot set up %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
	return 0;
}

void it_control_close(struct it_control *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	unlink(c->path);	/* fails after --user: the next agent replaces it */
}

/* gid among the "Groups:" of /proc/PID/status: 1 yes, 0 no, -1 cannot tell. */
static int proc_has_group(pid_t pid, gid_t gid)
{
	char path[64], line[4096];
	FILE *f;
	int found = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		found = 0;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == gid)
				found = 1;
		}
		break;
	}
	fclose(f);
	return found;
}

bool it_control_peer_allowed(uid_t uid, gid_t pgid, pid_t pid, bool have_gid, gid_t gid)
{
	struct passwd *pw;
	gid_t groups[256];
	int n = 256, i, r;

	if (uid == 0)
		return true;
	if (!have_gid)
		return false;
	if (pgid == gid)
		return true;
	r = pid > 0 ? proc_has_group(pid, gid) : -1;
	if (r >= 0)
		return r == 1;
	pw = getpwuid(uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

void it_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
}

void it_control_reply(int client, const char *line)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	if (n > 0 && write(client, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0) {
		/* the client went away: nothing to tell */
	}
	close(client);
}

int it_control_accept(struct it_control *c, struct it_ctl_req *r, int *client, char *reason,
		      size_t reasonlen)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct pollfd p;
	char line[64];
	ssize_t n = 0, got;
	int fd;

	memset(r, 0, sizeof(*r));
	r->via = "socket";
	reason[0] = 0;
	if (c->fd < 0)
		return 0;
	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
		snprintf(reason, reasonlen, "cannot identify the peer: %s", strerror(errno));
		it_control_reply(fd, "error: cannot identify you");
		return -1;
	}
	r->pid = cred.pid;
	r->uid = cred.uid;
	r->gid = cred.gid;
	it_user_name(cred.uid, r->user, sizeof(r->user));
	/* one short line, within a second; read before any answer: closing a unix
	 * socket with unread data makes the peer's read fail (ECONNRESET) */
	while ((size_t)n < sizeof(line) - 1 && !memchr(line, '\n', (size_t)n)) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 1000) <= 0)
			break;
		got = read(fd, line + n, sizeof(line) - 1 - (size_t)n);
		if (got <= 0)
			break;
		n += got;
	}
	line[n] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!it_control_peer_allowed(cred.uid, cred.gid, cred.pid, c->have_gid, c->gid)) {
		snprintf(reason, reasonlen, "refused %s (uid %u, pid %d): not root nor in the control group",
			 r->user, (unsigned)cred.uid, (int)cred.pid);
		it_control_reply(fd, "error: permission denied (not in the control group)");
		return -1;
	}
	if (!strcmp(line, "pause"))
		r->cmd = IT_CTL_PAUSE;
	else if (!strcmp(line, "resume"))
		r->cmd = IT_CTL_RESUME;
	else if (!strcmp(line, "status"))
		r->cmd = IT_CTL_STATUS;
	else {
		snprintf(reason, reasonlen, "bad request from %s (uid %u, pid %d)", r->user,
			 (unsigned)cred.uid, (int)cred.pid);
		it_control_reply(fd, "error: unknown command (expected pause, resume or status)");
		return -1;
	}
	*client = fd;
	return 1;
}

int it_control_request(const char *path, const char *cmd, char *reply, size_t replylen,
		       char *err, size_t errlen)
{
	return it_control_request_peer(path, cmd, reply, replylen, NULL, err, errlen);
}

int it_control_request_peer(const char *path, const char *cmd, char *reply, size_t replylen,
			    pid_t *peer_pid, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct pollfd p;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char buf[256];
	size_t n = 0;
	ssize_t got;
	int fd;

	reply[0] = 0;
	if (peer_pid)
		*peer_pid = 0;
	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;

		snprintf(err, errlen, "cannot connect to %s: %s%s", path, strerror(e),
			 e == ENOENT || e == ECONNREFUSED ? " (no agent running with this --control-socket?)" :
			 e == EACCES ? " (not in the agent's --control-group?)" : "");
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	if (peer_pid && !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl))
		*peer_pid = cred.pid;
	snprintf(buf, sizeof(buf), "%s\n", cmd);
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		snprintf(err, errlen, "cannot write to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* the agent answers within its poll interval (100 ms) */
	while (n < sizeof(buf) - 1 && !memchr(buf, '\n', n)) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 5000) <= 0)
			break;
		got = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (!n) {
		snprintf(err, errlen, "no answer from the agent on %s", path);
		return -1;
	}
	snprintf(reply, replylen, "%s", buf);
	return strncmp(buf, "ok", 2) ? 1 : 0;
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
	if (make_parent(s->path))
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
	for (; v && *v; v++)
		it_buf_putc(b, *v == '\n' || *v == '\r' ? ' ' : *v);
	it_buf_putc(b, '\n');
}

static int status_put(int fd, const struct it_buf *b)
{
	if (b->oom || pwrite(fd, b->p, b->len, 0) != (ssize_t)b->len || ftruncate(fd, (off_t)b->len))
		return -1;
	return 0;
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
	kv(&b, "output", s->output);
	kv(&b, "control", s->control);
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
