// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* agent_focus.c - focus reports, focus records and pause, tool records (agent_focus.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include "agent_focus.h"
#include "header.h"
#include "log.h"
#include "tools_user.h"

#define NS_PER_S 1000000000ull

enum { TAG_TIMER = 1, TAG_HELPER, TAG_TOOLS };

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void sync_stats(struct it_agent_focus *f)
{
	const struct it_focus_stats *s = &f->ctx.stats;

	f->stats.reports = s->reports;
	f->stats.records = s->records;
	f->stats.refused_uid = s->refused_uid;
	f->stats.malformed = s->malformed;
	f->stats.coalesced = s->coalesced;
	f->stats.pauses = s->pauses;
}

/* --- records ------------------------------------------------------------------------ */

static void write_focus(struct it_agent_focus *f, const char *app, const char *paused_by,
			uint64_t mono, uint64_t real)
{
	struct it_collector *c = f->col;

	if (!c->count_reached && c->fmt->focus)
		c->fmt->focus(&c->fc, &c->buf, app, paused_by, mono, real);
}

/* A focus record now: the events read so far first, so that each event belongs to the
 * last focus record before it in the file (docs/context.md "Join rule"). */
static void record_now(struct it_agent_focus *f, const struct it_focus_decision *d)
{
	const struct it_pause_ops *o = &f->ps->ops;
	uint64_t mono, real;

	if (o->drain)
		o->drain(o->kctx);
	it_clock_pair(&mono, &real);
	write_focus(f, d->context, d->paused ? d->pause_app : NULL, mono, real);
}

struct pause_rec {
	struct it_agent_focus *f;
	const struct it_focus_decision *d;
};

/* it_pause_hold()'s record: the pause or resume record ("via":"focus", who: the
 * helper), then the focus record in force from here on. */
static void pause_rec(void *ctx, uint64_t mono, uint64_t real)
{
	struct pause_rec *p = ctx;
	struct it_agent_focus *f = p->f;
	struct it_ctl_req r = f->helper;

	r.via = "focus";
	if (f->ps->ops.record)
		f->ps->ops.record(f->ps->ops.rctx, p->d->paused, &r, mono, real);
	write_focus(f, p->d->context, p->d->paused ? p->d->pause_app : NULL, mono, real);
	it_collector_flush(f->col);
}

/* Carry out what focusctx decided. */
static void apply(struct it_agent_focus *f, const struct it_focus_decision *d)
{
	struct pause_rec p = { f, d };
	int rc;

	sync_stats(f);
	if (d->pause_changed) {
		rc = it_pause_hold(f->ps, IT_HOLD_FOCUS, d->paused, pause_rec, &p);
		if (rc)
			it_err("cannot %s capture for the focus: %s", d->paused ? "pause" : "resume",
			       strerror(-rc));
		else
			it_notice("capture %s: %s%s has the focus", d->paused ? "paused" : "resumed",
				  d->paused ? "pause-listed " : "", d->paused ? d->pause_app : d->context);
		return;
	}
	if (d->record)
		record_now(f, d);
}

/* --- the helper ----------------------------------------------------------------------- */

static void epoll_tag(struct it_agent_focus *f, int op, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	epoll_ctl(f->epfd, op, fd, &ev);
}

static void forget_helper(struct it_agent_focus *f)
{
	if (f->pidfd >= 0) {
		epoll_tag(f, EPOLL_CTL_DEL, f->pidfd, TAG_HELPER);
		close(f->pidfd);
	}
	f->pidfd = -1;
	memset(&f->helper, 0, sizeof(f->helper));
}

/* Reports from r's process are in force: watch it, so that its exit (a crash) is seen
 * at once, not after IT_FOCUS_SILENT_NS. */
static void follow_helper(struct it_agent_focus *f, const struct it_ctl_req *r)
{
	static bool warned;

	f->last_report_ns = mono_ns();
	if (f->helper.pid == r->pid && f->helper.uid == r->uid)
		return;
	forget_helper(f);
	f->helper = *r;
	it_user_name(r->uid, f->helper.user, sizeof(f->helper.user));
#ifdef SYS_pidfd_open
	f->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
#endif
	if (f->pidfd >= 0)
		epoll_tag(f, EPOLL_CTL_ADD, f->pidfd, TAG_HELPER);
	else if (!warned) {
		warned = true;
		it_warn("focus: cannot watch the helper's process (pidfd_open: %s): a helper that "
			"dies is seen after %llu s of silence", strerror(errno),
			IT_FOCUS_SILENT_NS / NS_PER_S);
	}
}

static void helper_gone(struct it_agent_focus *f, const char *why)
{
	struct it_focus_decision d;

	it_notice("focus: the helper (pid %d, uid %u) %s: application unknown", (int)f->helper.pid,
		  (unsigned)f->helper.uid, why);
	if (it_focusctx_gone(&f->ctx, mono_ns(), &d))
		apply(f, &d);
	forget_helper(f);
}

/* The next time something is due: a coalesced change, the helper's silence bound. */
static void arm_timer(struct it_agent_focus *f)
{
	struct itimerspec its = { 0 };
	uint64_t due = it_focusctx_deadline(&f->ctx);

	if (f->helper.pid && (!due || f->last_report_ns + IT_FOCUS_SILENT_NS < due))
		due = f->last_report_ns + IT_FOCUS_SILENT_NS;
	if (due) {
		its.it_value.tv_sec = (time_t)(due / NS_PER_S);
		its.it_value.tv_nsec = (long)(due % NS_PER_S);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;	/* 0 would disarm it */
	}
	timerfd_settime(f->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(struct it_agent_focus *f)
{
	struct it_focus_decision d;
	uint64_t expirations, now = mono_ns();

	if (read(f->tfd, &expirations, sizeof(expirations)) < 0) {
		/* EAGAIN: re-armed meanwhile */
	}
	if (it_focusctx_tick(&f->ctx, now, &d))
		apply(f, &d);
	if (f->helper.pid && now >= f->last_report_ns + IT_FOCUS_SILENT_NS)
		helper_gone(f, "has been silent");
	sync_stats(f);
}

/* The uid reports are accepted from: the session's, or (no session tracking) the
 * peer's own when it is root or in the control group. */
static uid_t allowed_uid(const struct it_agent_focus *f, const struct it_ctl_req *r)
{
	if (f->session_known)
		return f->session_uid;
	return it_control_peer_allowed(r->uid, r->gid, NULL, -1, f->have_gid, f->gid) ? r->uid :
	       IT_FOCUS_NO_UID;
}

/* The focus verb: "focus ID" (at most IT_FOCUS_LINE_MAX bytes and a newline). */
static void focus_verb(void *ctx, const struct it_ctl_req *r, const char *line, size_t len,
		       char *reply, size_t replylen)
{
	struct it_agent_focus *f = ctx;
	struct it_focus_decision d;
	uid_t uid = allowed_uid(f, r);
	char why[256];

	if (!f->session_known && uid == IT_FOCUS_NO_UID) {
		f->ctx.stats.refused_uid++;
		snprintf(why, sizeof(why), "focus report from uid %u refused: not root nor in the "
			 "control group (no session tracking)", (unsigned)r->uid);
	} else if (!it_focusctx_report(&f->ctx, line, len, r->uid, uid, mono_ns(), &d, why,
				       sizeof(why))) {
		follow_helper(f, r);
		apply(f, &d);
		arm_timer(f);
		snprintf(reply, replylen, "ok focus\n");
		return;
	}
	sync_stats(f);
	it_log_limited(&f->lim, LOG_WARNING, "%s (pid %d)", why, (int)r->pid);
	snprintf(reply, replylen, "error: %s\n", why);
}

void it_agent_focus_set_active_uid(struct it_agent_focus *f, bool known, uid_t uid)
{
	uid_t now_uid = known ? uid : IT_FOCUS_NO_UID;
	struct it_focus_decision d;

	if (f->session_known && f->session_uid == now_uid)
		return;
	f->session_known = true;
	f->session_uid = now_uid;
	if (!f->on)
		return;
	if (it_focusctx_session(&f->ctx, mono_ns(), &d))
		apply(f, &d);
	forget_helper(f);
	arm_timer(f);
}

/* --- tools ------------------------------------------------------------------------------ */

static void on_tool(void *ctx, const struct it_tool_event *e)
{
	struct it_agent_focus *f = ctx;
	struct it_collector *c = f->col;
	struct it_tool_rec t = { .start = e->kind == IT_TOOL_START, .pid = e->pid,
		.exit_code = e->exit_code, .mono_ns = e->mono_ns };
	uint64_t mono, real;

	if (e->tool >= f->o->focus.ntools)
		return;
	it_clock_pair(&mono, &real);
	t.real_ns = real - mono + e->mono_ns;
	t.tool = f->o->focus.tools[e->tool];
	f->stats.tool_records++;
	if (!c->count_reached && c->fmt->tool)
		c->fmt->tool(&c->fc, &c->buf, &t);
}

/* A --tools entry without a '/' is looked up in $PATH, as a shell would. */
static int resolve_tool(const char *name, char *path, size_t len)
{
	const char *p = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(path, len, "%s", name);
		return access(path, X_OK);
	}
	if (!p || !*p)
		p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*p) {
		size_t n = strcspn(p, ":");

		snprintf(path, len, "%.*s/%s", (int)n, p, name);
		if (n && !access(path, X_OK))
			return 0;
		p += n + (p[n] == ':');
	}
	errno = ENOENT;
	return -1;
}

/* The tool tracker; when it cannot run, one warning and no tool records. */
static void open_tools(struct it_agent_focus *f)
{
	const struct it_focus_opts *fo = &f->o->focus;
	char err[512];
	unsigned int i;

	for (i = 0; i < fo->ntools; i++) {
		if (resolve_tool(fo->tools[i], f->tool_buf[i], sizeof(f->tool_buf[i]))) {
			it_warn("--tools %s: %s: no tool records", fo->tools[i], strerror(errno));
			return;
		}
		f->tool_paths[i] = f->tool_buf[i];
	}
	f->tools = it_tools_open(f->tool_paths, fo->ntools, on_tool, f, err, sizeof(err));
	if (!f->tools) {
		it_warn("%s: capture goes on without tool records", err);
		return;
	}
	f->stats.tools = true;
	epoll_tag(f, EPOLL_CTL_ADD, it_tools_fd(f->tools), TAG_TOOLS);
}

/* --- the agent's side ---------------------------------------------------------------------- */

/* The watch's ready(): what epfd has. */
static void ready(void *ctx)
{
	struct it_agent_focus *f = ctx;
	struct epoll_event ev[4];
	int i, n = epoll_wait(f->epfd, ev, 4, 0);

	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == TAG_TOOLS && f->tools)
			it_tools_poll(f->tools, 0);
		else if (ev[i].data.u32 == TAG_HELPER && f->pidfd >= 0)
			helper_gone(f, "exited");
		else if (ev[i].data.u32 == TAG_TIMER)
			on_timer(f);
	}
	arm_timer(f);
}

int it_agent_focus_start(struct it_agent_focus *f, const struct it_opts *o, struct it_control *ctl,
			 struct it_pause_state *ps, struct it_collector *col, bool have_gid, gid_t gid)
{
	struct it_ctl_verb v = { .name = "focus", .max_line = IT_FOCUS_LINE_MAX + 1,
		.everyone = true, .handle = focus_verb, .ctx = f };
	struct it_ctl_watch w = { .ready = ready, .ctx = f };
	char err[256];

	f->o = o;
	f->ctl = ctl;
	f->ps = ps;
	f->col = col;
	f->pidfd = f->epfd = f->tfd = -1;
	f->on = o->focus.on && ctl->fd >= 0;
	f->have_gid = have_gid;
	f->gid = gid;
	f->lim.interval_s = 10;
	if (!f->on && !o->focus.ntools)
		return 0;
	if (it_focusctx_init(&f->ctx, &o->focus.cfg, err, sizeof(err))) {
		it_err("%s", err);
		return -1;
	}
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	f->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	w.fd = f->epfd;
	if (f->epfd < 0 || f->tfd < 0 || it_control_add_watch(ctl, &w)) {
		it_err("cannot set up the application context: %s", strerror(errno));
		return -1;
	}
	f->watched = true;
	epoll_tag(f, EPOLL_CTL_ADD, f->tfd, TAG_TIMER);
	if (f->on && it_control_add_verb(ctl, &v)) {
		it_err("cannot add the focus request to the control socket");
		return -1;
	}
	f->stats.focus = f->on;
	if (o->focus.ntools)
		open_tools(f);
	col->st.context = &f->stats;
	it_focus_opts_describe(&o->focus, f->describe, sizeof(f->describe));
	ps->status.focus = f->describe;
	return 0;
}

void it_agent_focus_begin(struct it_agent_focus *f)
{
	uint64_t mono, real;

	if (!f->o || (!f->on && !f->stats.tools))
		return;
	it_notice("application context: %s%s", f->describe,
		  f->on ? "; focus reports on the control socket, from root and --control-group "
		  "members until the active session is known" : "");
	if (!f->on)
		return;
	it_clock_pair(&mono, &real);
	write_focus(f, "unknown", NULL, mono, real);
}

void it_agent_focus_end(struct it_agent_focus *f)
{
	if (!f->tools)
		return;
	it_tools_poll(f->tools, 0);
	f->stats.tools_lost = it_tools_lost(f->tools);
	sync_stats(f);
}

void it_agent_focus_close(struct it_agent_focus *f)
{
	if (!f->o)
		return;
	if (f->watched)
		it_control_del_watch(f->ctl, f->epfd);
	if (f->pidfd >= 0)
		close(f->pidfd);
	it_tools_close(f->tools);
	if (f->tfd >= 0)
		close(f->tfd);
	if (f->epfd >= 0)
		close(f->epfd);
	f->col->st.context = NULL;
	f->o = NULL;
}
