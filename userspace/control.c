// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* control.c - the control socket's server and client, pausing, the pause/resume
 * records (control.h). */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <syslog.h>
#include "control.h"
#include "header.h"
#include "log.h"

/* 0666 when a verb is open to everyone (the server judges each request), else 0660
 * with --control-group, 0600 without */
static mode_t socket_mode(const struct it_control *c)
{
	int i;

	for (i = 0; i < c->nverbs; i++)
		if (c->verbs[i].everyone)
			return 0666;
	return c->have_gid ? 0660 : 0600;
}

int it_control_add_verb(struct it_control *c, const struct it_ctl_verb *v)
{
	int i;

	if (c->nverbs >= IT_CTL_VERBS_MAX || !v->name || !*v->name || !v->handle ||
	    v->max_line < strlen(v->name) + 1 || v->max_line > IT_CTL_BUF_MAX)
		return -1;
	for (i = 0; i < c->nverbs; i++)
		if (!strcmp(c->verbs[i].name, v->name))
			return -1;
	c->verbs[c->nverbs++] = *v;
	if (c->fd >= 0 && chmod(c->path, socket_mode(c)))
		return -1;
	return 0;
}

int it_control_add_watch(struct it_control *c, const struct it_ctl_watch *w)
{
	if (c->nwatches >= IT_CTL_WATCH_MAX || w->fd < 0 || !w->ready)
		return -1;
	c->watches[c->nwatches] = *w;
	c->watches[c->nwatches++].fired = false;
	return 0;
}

void it_control_del_watch(struct it_control *c, int fd)
{
	int i;

	for (i = 0; i < c->nwatches; i++)
		if (c->watches[i].fd == fd) {
			c->watches[i] = c->watches[--c->nwatches];
			return;
		}
}

int it_control_open(struct it_control *c, const char *path, bool have_gid, gid_t gid,
		    char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct it_ctl_verb verbs[IT_CTL_VERBS_MAX];
	struct it_ctl_watch watches[IT_CTL_WATCH_MAX];
	int nverbs = c->nverbs, nwatches = c->nwatches;
	struct stat st;
	int fd;

	memcpy(verbs, c->verbs, sizeof(verbs));	/* added before: kept */
	memcpy(watches, c->watches, sizeof(watches));
	memset(c, 0, sizeof(*c));
	memcpy(c->verbs, verbs, sizeof(verbs));
	memcpy(c->watches, watches, sizeof(watches));
	c->nverbs = nverbs;
	c->nwatches = nwatches;
	c->fd = -1;
	c->deadline_s = IT_CTL_DEADLINE_S;
	c->have_gid = have_gid;
	c->gid = gid;
	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "--control-socket %s: path too long", path);
		return -1;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (it_make_parent(path)) {
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
	if ((have_gid && chown(path, 0, gid)) || chmod(path, socket_mode(c)) ||
	    listen(fd, 128)) {
		snprintf(err, errlen, "cannot set up %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	/* the listening socket and every client waiting: one fd for the agent's wait */
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = fd;
	if (c->epfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		snprintf(err, errlen, "cannot set up %s: epoll: %s", path, strerror(errno));
		if (c->epfd >= 0)
			close(c->epfd);
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
	while (c->nclients > 0)
		close(c->clients[--c->nclients].fd);
	close(c->epfd);
	close(c->fd);
	c->fd = -1;
	unlink(c->path);	/* fails after --user: the next agent replaces it */
}

bool it_control_peer_allowed(uid_t uid, gid_t pgid, const gid_t *groups, int ngroups,
			     bool have_gid, gid_t gid)
{
	struct passwd *pw;
	gid_t db[256];
	int n = 256, i;

	if (uid == 0)
		return true;
	if (!have_gid)
		return false;
	if (pgid == gid)
		return true;
	if (ngroups >= 0) {
		for (i = 0; i < ngroups; i++)
			if (groups[i] == gid)
				return true;
		return false;
	}
	pw = getpwuid(uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, db, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (db[i] == gid)
			return true;
	return false;
}

void it_user_name(uid_t uid, char *buf, size_t len)
{
	/* the last few answers, for a minute: a lookup can be slow (NSS over the network,
	 * /etc/passwd on a slow file system) and it runs in the agent's loop */
	static struct { uid_t uid; double at; char name[64]; } cache[8];
	static unsigned int next;
	struct passwd *pw;
	struct timespec ts;
	double now;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	for (i = 0; i < 8; i++) {
		if (cache[i].at && cache[i].uid == uid && now - cache[i].at < 60) {
			snprintf(buf, len, "%s", cache[i].name);
			return;
		}
	}
	pw = getpwuid(uid);
	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
	i = next++ % 8;
	cache[i].uid = uid;
	cache[i].at = now;
	snprintf(cache[i].name, sizeof(cache[i].name), "%s", buf);
}

int it_ctl_parse(const char *buf, size_t len, bool eof, enum it_ctl_cmd *cmd, const char **why)
{
	static const struct { const char *name; enum it_ctl_cmd cmd; } cmds[] = {
		{ "pause", IT_CTL_PAUSE }, { "resume", IT_CTL_RESUME }, { "status", IT_CTL_STATUS },
	};
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	unsigned int i;

	*cmd = IT_CTL_NONE;
	*why = NULL;
	if (n + (nl != NULL) > IT_CTL_LINE_MAX) {
		*why = "request too long";
		return -1;
	}
	if (memchr(buf, 0, n)) {
		*why = "NUL byte in the request";
		return -1;
	}
	if (!nl && !eof) {
		if (n < IT_CTL_LINE_MAX)
			return 0;	/* more to come */
		*why = "request too long";
		return -1;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	if (!n) {
		*why = "empty request";
		return -1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strlen(cmds[i].name) == n && !memcmp(buf, cmds[i].name, n)) {
			*cmd = cmds[i].cmd;
			return 1;
		}
	}
	*why = "unknown command (expected pause, resume or status)";
	return -1;
}

/* --- pausing ---------------------------------------------------------------------------- */

int it_pause_hold(struct it_pause_state *ps, unsigned int reason, bool on,
		  void (*rec)(void *ctx, uint64_t mono_ns, uint64_t real_ns), void *ctx)
{
	const struct it_pause_ops *o = &ps->ops;
	unsigned int after = on ? ps->holds | reason : ps->holds & ~reason;
	uint64_t mono, real;
	int rc;

	if (after == ps->holds)
		return 0;
	if (on && !ps->holds) {
		rc = o->set_kernel ? o->set_kernel(o->kctx, true) : 0;
		if (rc)
			return rc;
		if (o->drain)
			o->drain(o->kctx);
	}
	it_clock_pair(&mono, &real);
	if (rec)
		rec(ctx, mono, real);
	if (!after) {
		rc = o->set_kernel ? o->set_kernel(o->kctx, false) : 0;
		if (rc)
			return rc;
	}
	ps->holds = after;
	return 0;
}

/* it_pause_set()'s record, through it_pause_hold() */
struct pause_rec {
	struct it_pause_state *ps;
	bool pause;
	const struct it_ctl_req *r;
	uint64_t real;
};

static void pause_rec(void *ctx, uint64_t mono, uint64_t real)
{
	struct pause_rec *p = ctx;
	const struct it_pause_ops *o = &p->ps->ops;

	p->real = real;
	if (o->record)
		o->record(o->rctx, p->pause, p->r, mono, real);
}

int it_pause_set(struct it_pause_state *ps, bool pause, const struct it_ctl_req *r)
{
	struct pause_rec p = { .ps = ps, .pause = pause, .r = r };
	int rc;

	if (ps->paused == pause)
		return 0;
	rc = it_pause_hold(ps, IT_HOLD_MANUAL, pause, pause_rec, &p);
	if (rc)
		return rc;
	ps->paused = pause;
	ps->status.paused = pause;
	ps->status.paused_since_real_ns = pause ? p.real : 0;
	it_status_write(&ps->status);
	it_notice("capture %s by %s (uid %u, pid %d, via %s)", pause ? "paused" : "resumed",
		  r->user, (unsigned)r->uid, (int)r->pid, r->via);
	return 0;
}

/* SIGUSR1 pause, SIGUSR2 resume: the last one wins; who sent it from siginfo */
static volatile sig_atomic_t pause_signal, pause_sig_pid, pause_sig_uid;

static void on_pause_signal(int sig, siginfo_t *si, void *uc)
{
	pause_sig_pid = si ? si->si_pid : 0;
	pause_sig_uid = si ? (sig_atomic_t)si->si_uid : 0;
	pause_signal = sig;
}

void it_pause_catch_signals(void)
{
	struct sigaction su = { .sa_sigaction = on_pause_signal, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &su, NULL);	/* pause */
	sigaction(SIGUSR2, &su, NULL);	/* resume */
}

static void pause_signal_tick(struct it_pause_state *ps)
{
	struct it_ctl_req r = { .via = "signal", .gid = (gid_t)-1 };
	bool p;
	int rc;

	if (!pause_signal)
		return;
	p = pause_signal == SIGUSR1;
	pause_signal = 0;
	r.pid = (pid_t)pause_sig_pid;
	r.uid = (uid_t)pause_sig_uid;
	it_user_name(r.uid, r.user, sizeof(r.user));
	rc = it_pause_set(ps, p, &r);
	if (rc)
		it_err("cannot %s: %s", p ? "pause" : "resume", strerror(-rc));
}

/* --- serving clients ---------------------------------------------------------------------- */

/* Answer line (newline added) and close; the slot is the caller's to free. The socket
 * is new and its peer reads nothing else: one short write never blocks. */
static void client_answer(struct it_ctl_client *cl, const char *line)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	if (n > 0 && send(cl->fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1,
			  MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the client went away: nothing to tell */
	}
	close(cl->fd);
	cl->fd = -1;
}

/* A bad, late or surplus client: answered "error: why", counted, logged (rate-limited). */
static void client_reject(struct it_control *c, struct it_ctl_client *cl, const char *why)
{
	char line[160];

	snprintf(line, sizeof(line), "error: %s", why);
	c->bad++;
	it_log_limited(&c->lim_bad, LOG_WARNING, "control socket: %s from uid %u (pid %d)", why,
		       (unsigned)cl->req.uid, (int)cl->req.pid);
	client_answer(cl, line);
}

/* The added verb whose name is the first word of what was read so far, or -1. */
static int verb_of(const struct it_control *c, const char *buf, size_t len)
{
	size_t n = 0;
	int i;

	while (n < len && buf[n] != ' ' && buf[n] != '\n' && buf[n] != '\r')
		n++;
	if (n == len)	/* the first word may not be whole yet */
		return -1;
	for (i = 0; i < c->nverbs; i++)
		if (strlen(c->verbs[i].name) == n && !memcmp(buf, c->verbs[i].name, n))
			return i;
	return -1;
}

/* it_ctl_parse() for an added verb: the line within its max_line, no NUL. */
static int verb_parse(const struct it_ctl_verb *v, const char *buf, size_t len, bool eof,
		      const char **why)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;

	*why = NULL;
	if (n + (nl != NULL) > v->max_line || (!nl && !eof && n >= v->max_line)) {
		*why = "request too long";
		return -1;
	}
	if (memchr(buf, 0, n)) {
		*why = "NUL byte in the request";
		return -1;
	}
	return nl || eof ? 1 : 0;
}

static bool socket_open_to_all(const struct it_control *c)
{
	return socket_mode(c) == 0666;
}

/* An added verb's whole request: its handler answers (lines of at most
 * IT_CTL_REPLY_MAX bytes, sent in one write on a new socket: never blocks). */
static void verb_serve(struct it_control *c, struct it_ctl_client *cl)
{
	const struct it_ctl_verb *v = &c->verbs[cl->verb];
	char *nl = memchr(cl->line, '\n', cl->len);
	size_t n = nl ? (size_t)(nl - cl->line) : cl->len;
	static char reply[IT_CTL_REPLY_MAX];
	size_t rlen;

	if (n && cl->line[n - 1] == '\r')
		n--;
	reply[0] = 0;
	v->handle(v->ctx, &cl->req, cl->line, n, reply, sizeof(reply));
	rlen = strnlen(reply, sizeof(reply));
	if (!rlen || reply[rlen - 1] != '\n') {	/* a handler's slip: still one whole line */
		snprintf(reply, sizeof(reply), "error: internal error\n");
		rlen = strlen(reply);
	}
	c->served++;
	if (send(cl->fd, reply, rlen, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the client went away: nothing to tell */
	}
	close(cl->fd);
	cl->fd = -1;
}

/* A whole request from an allowed or refused peer: act and answer. */
static void client_serve(struct it_control *c, struct it_pause_state *ps, struct it_ctl_client *cl)
{
	char line[160];
	int rc = 0;

	if (cl->verb >= 0 && (cl->allowed || c->verbs[cl->verb].everyone)) {
		verb_serve(c, cl);
		return;
	}
	if (!cl->allowed) {
		c->refused++;
		it_log_limited(&c->lim_refused, LOG_WARNING, "control socket: refused uid %u (pid %d): "
			       "not root nor in the control group", (unsigned)cl->req.uid,
			       (int)cl->req.pid);
		client_answer(cl, "error: permission denied (not in the control group)");
		return;
	}
	if (cl->req.cmd != IT_CTL_STATUS) {	/* who, for the record: only then */
		it_user_name(cl->req.uid, cl->req.user, sizeof(cl->req.user));
		rc = it_pause_set(ps, cl->req.cmd == IT_CTL_PAUSE, &cl->req);
	}
	c->served++;
	if (rc) {
		snprintf(line, sizeof(line), "error: %s", strerror(-rc));
		it_err("cannot %s: %s", cl->req.cmd == IT_CTL_PAUSE ? "pause" : "resume", strerror(-rc));
		client_answer(cl, line);
		return;
	}
	client_answer(cl, ps->paused ? "ok paused" : "ok capturing");
}

/* Read what cl sent and answer it when whole, bad or late. Returns true when cl is
 * finished (answered and closed), false while its request is still coming. */
static bool client_step(struct it_control *c, struct it_pause_state *ps, struct it_ctl_client *cl,
			double now)
{
	const char *why;
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(cl->fd, cl->line + cl->len, sizeof(cl->line) - cl->len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (now < cl->deadline)
				return false;
			client_reject(c, cl, "request not complete in time");
			return true;
		}
		if (n < 0) {	/* reset by the peer: nobody to answer */
			c->bad++;
			close(cl->fd);
			cl->fd = -1;
			return true;
		}
		cl->len += (size_t)n;
		cl->verb = verb_of(c, cl->line, cl->len);
		if (cl->verb >= 0)
			rc = verb_parse(&c->verbs[cl->verb], cl->line, cl->len, n == 0, &why);
		else
			rc = it_ctl_parse(cl->line, cl->len, n == 0, &cl->req.cmd, &why);
		if (rc > 0 || (rc < 0 && !cl->allowed && !socket_open_to_all(c)))
			client_serve(c, ps, cl);	/* the refused learn only that */
		else if (rc < 0)
			client_reject(c, cl, why);
		else
			continue;
		return true;
	}
}

/* The peer's supplementary groups when it connected (SO_PEERGROUPS) into *groups (buf,
 * or a malloc'd array when there are more than max): their number; -1 when the kernel
 * cannot say (before 4.13); 0 on another failure (then the uid and primary group alone
 * decide). */
static int peer_groups(int fd, gid_t *buf, int max, gid_t **groups)
{
	socklen_t len = (socklen_t)(max * sizeof(gid_t));

	*groups = buf;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, buf, &len))
		return (int)(len / sizeof(gid_t));
	if (errno == ENOPROTOOPT)
		return -1;
	if (errno != ERANGE || !(*groups = malloc(len))) {
		*groups = buf;
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, *groups, &len)) {
		free(*groups);
		*groups = buf;
		return 0;
	}
	return (int)(len / sizeof(gid_t));
}

/* Judge the peer from its socket, as it was when it connected (SO_PEERCRED,
 * SO_PEERGROUPS): never /proc/PID, which may be gone, or another process, by the time
 * its request is read. */
static void client_judge(struct it_control *c, struct it_ctl_client *cl)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t buf[64], *groups = buf;
	int ngroups = 0;

	cl->allowed = false;
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return;		/* unknown: refused */
	cl->req.pid = cred.pid;
	cl->req.uid = cred.uid;
	cl->req.gid = cred.gid;
	if (cred.uid != 0 && c->have_gid && cred.gid != c->gid)
		ngroups = peer_groups(cl->fd, buf, 64, &groups);
	cl->allowed = it_control_peer_allowed(cred.uid, cred.gid, groups, ngroups, c->have_gid, c->gid);
	if (groups != buf)
		free(groups);
}

/* Slots held by uid's clients: one user cannot take them all (a socket open to
 * everyone must still serve the others). */
static int slots_of(const struct it_control *c, uid_t uid)
{
	int i, n = 0;

	for (i = 0; i < c->nclients; i++)
		n += c->clients[i].req.uid == uid;
	return n;
}

/* Accept one waiting connection and serve what it sent already. One that must wait
 * for more takes a slot, or is told "busy" when none is free. Returns false when
 * nobody was waiting. */
static bool accept_one(struct it_control *c, struct it_pause_state *ps, double now)
{
	struct it_ctl_client spare, *cl;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return false;	/* EAGAIN, or an error the next tick will see again */
	cl = c->nclients < IT_CTL_MAX_CLIENTS ? &c->clients[c->nclients] : &spare;
	memset(cl, 0, sizeof(*cl));
	cl->fd = fd;
	cl->deadline = now + c->deadline_s;
	cl->req.via = "socket";
	cl->verb = -1;
	client_judge(c, cl);
	if (client_step(c, ps, cl, now))
		return true;
	ev.data.fd = fd;
	if (cl != &spare && cl->req.uid != 0 && slots_of(c, cl->req.uid) >= IT_CTL_MAX_PER_UID)
		client_reject(c, cl, "busy (too many connections of this user at once; try again)");
	else if (cl == &spare || epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev))
		client_reject(c, cl, "busy (too many clients at once; try again)");
	else
		c->nclients++;
	return true;
}

/* Step client i (the fd's, or the i-th), freeing its slot when it is finished. */
static void step_slot(struct it_control *c, struct it_pause_state *ps, int i, double now)
{
	if (i >= 0 && client_step(c, ps, &c->clients[i], now))
		c->clients[i] = c->clients[--c->nclients];
}

static int slot_of(const struct it_control *c, int fd)
{
	int i;

	for (i = 0; i < c->nclients; i++)
		if (c->clients[i].fd == fd)
			return i;
	return -1;
}

void it_control_tick(struct it_control *c, struct it_pause_state *ps, double now)
{
	struct epoll_event ev[IT_CTL_MAX_CLIENTS + 1];
	bool incoming = false;
	int i, n;

	pause_signal_tick(ps);
	for (i = 0; i < c->nwatches; i++)
		if (c->watches[i].fired) {
			c->watches[i].fired = false;
			c->watches[i].ready(c->watches[i].ctx);	/* may add or delete watches */
		}
	if (c->fd < 0)
		return;
	if (c->ready) {		/* what the last it_control_wait() found */
		c->ready = false;
		n = epoll_wait(c->epfd, ev, IT_CTL_MAX_CLIENTS + 1, 0);
		/* the waiting ones first: each finished one frees its slot for a newcomer */
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == c->fd)
				incoming = true;
			else
				step_slot(c, ps, slot_of(c, ev[i].data.fd), now);
		}
		for (i = 0; incoming && i < IT_CTL_MAX_CLIENTS; i++)
			if (!accept_one(c, ps, now))
				break;
	}
	if (c->nclients && now >= c->next_deadline)
		for (i = c->nclients - 1; i >= 0; i--)
			if (now >= c->clients[i].deadline)
				step_slot(c, ps, i, now);
	c->next_deadline = 0;
	for (i = 0; i < c->nclients; i++)
		if (!c->next_deadline || c->clients[i].deadline < c->next_deadline)
			c->next_deadline = c->clients[i].deadline;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The smallest of timeout_ms and the watches' own bounds. */
static int watch_timeout(const struct it_control *c, int timeout_ms)
{
	int i, t;

	for (i = 0; i < c->nwatches; i++) {
		if (!c->watches[i].timeout_ms)
			continue;
		t = c->watches[i].timeout_ms(c->watches[i].ctx);
		if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
			timeout_ms = t;
	}
	return timeout_ms;
}

int it_control_wait(struct it_control *c, int extra_fd, int timeout_ms)
{
	struct pollfd p[2 + IT_CTL_WATCH_MAX] = {
		{ .fd = extra_fd, .events = POLLIN },
		{ .fd = c->fd >= 0 ? c->epfd : -1, .events = POLLIN } };
	int i, rc;

	if (c->fd >= 0 && c->nclients) {
		double left = c->next_deadline - mono_s();

		if (left < 0)
			left = 0;
		if (left * 1000 < timeout_ms)
			timeout_ms = (int)(left * 1000) + 1;
	}
	timeout_ms = watch_timeout(c, timeout_ms);
	for (i = 0; i < c->nwatches; i++)
		p[2 + i] = (struct pollfd){ .fd = c->watches[i].fd, .events = POLLIN };
	rc = poll(p, (nfds_t)(2 + c->nwatches), timeout_ms);	/* a negative fd is skipped */
	if (rc < 0)
		return -errno;
	c->ready = c->fd >= 0 && (p[1].revents & POLLIN);
	for (i = 0; i < c->nwatches; i++)
		c->watches[i].fired = p[2 + i].revents != 0;
	return rc;
}

int it_control_request(const char *path, const char *cmd, char *reply, size_t replylen,
		       char *err, size_t errlen)
{
	return it_control_request_peer(path, cmd, reply, replylen, NULL, err, errlen);
}

/* Read the agent's whole answer (it closes the connection after it) into reply. */
static size_t read_answer(int fd, char *reply, size_t replylen)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t got;

	/* the agent answers as soon as its loop sees the line (it never waits on a client) */
	while (n < replylen - 1 && poll(&p, 1, 5000) > 0) {
		got = read(fd, reply + n, replylen - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	reply[n] = 0;
	return n;
}

static int request_once(const char *path, const char *cmd, char *reply, size_t replylen,
			pid_t *peer_pid, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char line[IT_CTL_BUF_MAX + 2];
	int fd, werr = 0;
	size_t n;

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
	snprintf(line, sizeof(line), "%s\n", cmd);
	/* a busy agent may answer and close before the line is written: read its answer
	 * all the same */
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line))
		werr = errno ? errno : EIO;
	n = read_answer(fd, reply, replylen);
	close(fd);
	if (n && reply[n - 1] == '\n')
		reply[n - 1] = 0;	/* one line: as it was sent; more: joined by '\n' */
	if (!n && werr == EPIPE) {
		snprintf(reply, replylen, "error: busy (closed before the request was sent)");
		return 1;
	}
	if (!n) {
		if (werr)
			snprintf(err, errlen, "cannot write to %s: %s", path, strerror(werr));
		else
			snprintf(err, errlen, "no answer from the agent on %s", path);
		return -1;
	}
	return strncmp(reply, "ok", 2) ? 1 : 0;
}

int it_control_request_peer(const char *path, const char *cmd, char *reply, size_t replylen,
			    pid_t *peer_pid, char *err, size_t errlen)
{
	struct timespec pause = { 0, 50 * 1000000 };
	int rc, tries = 0;

	/* "busy": the agent was reading as many slow clients as it takes at once; its
	 * deadline frees them within a second */
	while ((rc = request_once(path, cmd, reply, replylen, peer_pid, err, errlen)) == 1 &&
	       !strncmp(reply, "error: busy", 11) && ++tries < 40)
		nanosleep(&pause, NULL);
	return rc;
}
