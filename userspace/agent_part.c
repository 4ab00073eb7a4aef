// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * agent_part.c - participation in the running agent (agent_part.h): start-up, the
 * decision at every change of seat0 or of a choice, and the records that say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "agent_part.h"
#include "atomicfile.h"
#include "format.h"
#include "format_csv.h"
#include "header.h"
#include "log.h"
#include "participate.h"
#include "part_opts.h"
#include "stage_intervals.h"

#define REOPEN_S 5.0	/* after the bus was lost: try again this often */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- records ----------------------------------------------------------------------- */

static void put_head(struct it_buf *b, const char *rec, const char *subj, uint64_t real)
{
	it_buf_puts(b, "{\"record\":\"");
	it_buf_puts(b, rec);
	it_buf_putc(b, '"');
	if (subj && *subj) {
		it_buf_puts(b, ",\"subject\":\"");
		it_buf_puts(b, subj);
		it_buf_putc(b, '"');
	}
	it_buf_puts(b, ",\"time\":");
	it_rfc3339(b, real);
}

/* The session record of decision v (subject only while recording: that a
 * non-participant sat at the machine is itself data about them). CSV: a row
 * "session,,,SEC,USEC,TIME,,WHY," and with a key the subject column. */
static void rec_session(struct it_agent_part *p, const struct it_session_state *v,
			uint64_t mono, uint64_t real)
{
	struct it_buf *b = &p->col->buf;
	const char *subj = v->record ? p->subject : "";

	if (p->col->count_reached || p->col->ended)
		return;
	/* a reader of the capture takes a session record for a gap: so does the live
	 * intervals table (--record intervals), or live and offline rows would differ */
	it_stage_intervals_pause(p->col);
	if (p->o->format == IT_FMT_CSV) {
		it_csv_start(b, "session", mono, real);
		it_buf_putc(b, ',');
		it_buf_puts(b, it_why_name(v->why));
		it_buf_putc(b, ',');	/* value empty; the subject column with a key */
		if (p->have_key) {
			it_buf_putc(b, ',');
			it_buf_puts(b, subj);
		}
		it_buf_putc(b, '\n');
	} else {
		put_head(b, "session", subj, real);
		it_json_kv_u64(b, "sec", mono / 1000000000ull);
		it_json_kv_u64(b, "usec", mono % 1000000000ull / 1000);
		it_buf_puts(b, v->record ? ",\"recording\":true" : ",\"recording\":false");
		it_buf_puts(b, ",\"why\":\"");
		it_buf_puts(b, it_why_name(v->why));
		it_buf_puts(b, "\"}\n");
	}
	it_collector_flush(p->col);
}

/* The participation record of a yes/no (JSON Lines and the evemu index only). */
static void rec_participation(struct it_agent_part *p, const struct it_part_change *chg)
{
	struct it_buf *b = &p->col->buf;

	if (p->col->count_reached || p->col->ended || p->o->format == IT_FMT_CSV)
		return;
	put_head(b, "participation", chg->subject, chg->choice.time_ns);
	it_buf_puts(b, chg->choice.yes ? ",\"choice\":\"yes\"" : ",\"choice\":\"no\"");
	it_json_kv_u64(b, "notice", chg->choice.notice);
	it_buf_puts(b, ",\"mode\":\"");
	it_buf_puts(b, it_part_mode_name(p->mode));
	it_buf_puts(b, "\"}\n");
	it_collector_flush(p->col);
}

/* --- the decision ------------------------------------------------------------------ */

struct hold_rec {
	struct it_agent_part *p;
	const struct it_session_state *v;
	const char *subject;	/* the collector's subject from the record on */
};

/* Inside it_pause_hold(): to not recording, after the drain (what was captured
 * before belongs to the old subject); to recording, before the flag is cleared. */
static void hold_rec(void *ctx, uint64_t mono, uint64_t real)
{
	struct hold_rec *h = ctx;

	snprintf(h->p->subject, sizeof(h->p->subject), "%s", h->subject);
	rec_session(h->p, h->v, mono, real);
}

static void status_update(struct it_agent_part *p)
{
	struct it_status *st = &p->ps->status;

	st->recording = p->recording;
	st->recording_why = it_why_name(p->cur.why);
	it_status_write(st);
}

static void hold(struct it_agent_part *p, bool on, const struct it_session_state *v,
		 const char *subject)
{
	struct hold_rec h = { p, v, subject };
	int rc = it_pause_hold(p->ps, IT_HOLD_SESSION, on, hold_rec, &h);

	if (rc)
		it_log_limited(&p->lim, LOG_ERR, "cannot %s capture for the session: %s",
			       on ? "pause" : "resume", strerror(-rc));
	else
		p->recording = !on;
}

/* Decide again from logind's last state (or none) and the choices; act on a change. */
static void decide(struct it_agent_part *p)
{
	struct it_session_state v = it_part_decide(p->mode, p->follow ? &p->sess : NULL,
						   &p->choices);
	char subj[IT_SUBJECT_HEX + 1] = "";
	uint64_t mono, real;

	if (!p->armed)
		return;
	if (v.record && p->have_key && v.uid != (uid_t)-1 && it_subject_of(&p->key, v.uid, subj))
		v = (struct it_session_state){ .why = IT_WHY_NOT_PARTICIPATING, .uid = v.uid };
	if (v.record == p->recording && v.why == p->cur.why && !strcmp(subj, p->subject))
		return;
	p->cur = v;
	if (p->recording && (!v.record || strcmp(subj, p->subject))) {
		struct it_session_state off = v;

		off.record = false;	/* another person: stop the old subject first */
		if (v.record)
			off.why = IT_WHY_SWITCH;
		hold(p, true, &off, "");
	} else if (!p->recording && !v.record) {
		/* still held, another reason: only the record */
		it_clock_pair(&mono, &real);
		rec_session(p, &v, mono, real);
	}
	if (v.record && !p->recording)
		hold(p, false, &v, subj);
	status_update(p);
}

/* on_active(), when the active session's user (or whether it is known) changed. */
static void tell_active(struct it_agent_part *p)
{
	uid_t uid = (uid_t)-1;
	bool known = it_agent_part_active_uid(p, &uid);

	if (!p->on_active || (p->active_told && known == p->active_known &&
			      (!known || uid == p->active_uid)))
		return;
	p->active_told = true;
	p->active_known = known;
	p->active_uid = uid;
	p->on_active(p->on_active_ctx, known, uid);
}

void it_agent_part_on_session(const struct it_session_state *s, void *ud)
{
	struct it_agent_part *p = ud;

	p->sess = *s;
	tell_active(p);	/* the focus feature: who may report */
	decide(p);
}

bool it_agent_part_active_uid(const struct it_agent_part *p, uid_t *uid)
{
	if (!p->follow || p->sess.uid == (uid_t)-1 || !p->sess.session[0] ||
	    p->sess.why == IT_WHY_SWITCH)
		return false;
	*uid = p->sess.uid;
	return true;
}

/* --- logind on the agent's wait ---------------------------------------------------- */

static void lost_bus(struct it_agent_part *p, int err)
{
	it_err("the connection to the system bus failed (%s): nothing is recorded until "
	       "logind is back", strerror(-err));
	if (p->watched_fd >= 0)
		it_control_del_watch(p->ctl, p->watched_fd);
	p->watched_fd = -1;
	it_logind_close(p->lg);
	p->lg = NULL;
	p->sess = (struct it_session_state){ .why = IT_WHY_NO_BUS, .uid = (uid_t)-1 };
	p->reopen_at = mono_s() + REOPEN_S;
	decide(p);
}

static void bus_process(struct it_agent_part *p)
{
	int rc;

	p->due = 0;
	rc = it_logind_process(p->lg);
	if (rc < 0)
		lost_bus(p, rc);
}

static void bus_ready(void *ctx)
{
	bus_process(ctx);
}

/* The wait's bound: logind's timeout (0 when sd-bus has output to write: the wait
 * watches for input only). */
static int bus_timeout(void *ctx)
{
	struct it_agent_part *p = ctx;
	int t;

	if (!p->lg)
		return -1;
	t = (it_logind_events(p->lg) & POLLOUT) ? 0 : it_logind_timeout_ms(p->lg);
	p->due = t >= 0 ? mono_s() + t / 1000.0 : 0;
	return t;
}

static void watch_bus(struct it_agent_part *p)
{
	struct it_ctl_watch w = { .fd = it_logind_fd(p->lg), .ready = bus_ready,
		.timeout_ms = bus_timeout, .ctx = p };

	if (w.fd >= 0 && !it_control_add_watch(p->ctl, &w))
		p->watched_fd = w.fd;
	else
		it_err("cannot watch the system bus: logind's changes are not followed");
}

void it_agent_part_tick(struct it_agent_part *p, double now)
{
	char err[512];

	if (p->lg && p->due && now >= p->due)
		bus_process(p);
	if (p->lg || !p->follow || !p->armed || now < p->reopen_at)
		return;
	p->reopen_at = now + REOPEN_S;
	if (it_logind_open(&p->lg, NULL, it_agent_part_on_session, p, err, sizeof(err))) {
		it_log_limited(&p->lim, LOG_WARNING, "%s", err);
		p->lg = NULL;
		return;
	}
	it_notice("the system bus is back: following seat0 again");
	watch_bus(p);
}

/* --- the participate verb ---------------------------------------------------------- */

static void choice_unset(struct it_choices *c, uint32_t uid)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].uid == uid) {
			memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(c->v[0]));
			c->n--;
			return;
		}
}

/* Apply a yes/no: memory, file, decision (a withdrawal has set the kernel's flag when
 * this returns), record. A failed save keeps a withdrawal in memory (toward not
 * recording) and undoes a yes. Returns 0, or -1 with err. */
static int apply(struct it_agent_part *p, const struct it_part_change *chg, char *err,
		 size_t errlen)
{
	const struct it_choice *old = it_choices_get(&p->choices, chg->choice.uid);
	struct it_choice prev = old ? *old : (struct it_choice){ 0 };
	bool had = old != NULL;

	if (it_choices_set(&p->choices, &chg->choice)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (it_choices_save(p->dirfd, &p->choices, err, errlen)) {
		it_err("saving a participation choice: %s", err);
		if (chg->choice.yes) {
			if (had)
				it_choices_set(&p->choices, &prev);
			else
				choice_unset(&p->choices, chg->choice.uid);
			return -1;
		}
		decide(p);
		rec_participation(p, chg);
		return -1;
	}
	decide(p);
	rec_participation(p, chg);
	return 0;
}

static void part_handle(void *ctx, const struct it_ctl_req *r, const char *line, size_t len,
			char *reply, size_t replylen)
{
	struct it_agent_part *p = ctx;
	struct it_part_ctx pc = { .mode = p->mode, .choices = &p->choices, .key = &p->key,
		.notice = p->o->part.notice, .rate = &p->rate };
	struct it_part_change chg;
	struct it_buf b = { 0 };
	char err[512];
	size_t n;

	it_clock_pair(&pc.mono_ns, &pc.now_ns);
	if (it_participate_handle(&pc, r->uid, line, len, &b, &chg) == IT_PART_CHANGE &&
	    apply(p, &chg, err, sizeof(err))) {
		snprintf(reply, replylen, "error: %s%s\n", err,
			 chg.choice.yes ? "" : " (the withdrawal holds until the agent stops)");
		it_buf_free(&b);
		return;
	}
	n = b.oom ? 0 : b.len;
	if (n >= replylen) {	/* a long list: whole lines only */
		n = replylen - 1;
		while (n && b.p[n - 1] != '\n')
			n--;
	}
	memcpy(reply, b.p ? b.p : "", n);
	reply[n] = 0;
	if (!n)
		snprintf(reply, replylen, "error: out of memory\n");
	it_buf_free(&b);
}

/* --- start and stop ---------------------------------------------------------------- */

/* The state directory and its choices; given to --user, who saves the choices. */
static int open_state(struct it_agent_part *p, const struct it_opts *o)
{
	const char *dir = o->part.state_dir;
	struct passwd *pw;
	char err[512];

	p->dirfd = it_atomic_dir_open(dir, 0700);
	if (p->dirfd < 0) {
		it_err("cannot open --state-dir %s: %s", dir, strerror(-p->dirfd));
		return -1;
	}
	if (it_choices_load(p->dirfd, &p->choices, err, sizeof(err))) {
		it_err("%s/%s: %s", dir, IT_PART_FILE, err);
		return -1;
	}
	if (o->user && (pw = getpwnam(o->user)) &&
	    (fchown(p->dirfd, pw->pw_uid, pw->pw_gid) ||
	     (fchownat(p->dirfd, IT_PART_FILE, pw->pw_uid, pw->pw_gid, AT_SYMLINK_NOFOLLOW) &&
	      errno != ENOENT))) {
		it_err("cannot give --state-dir %s to --user %s: %s", dir, o->user, strerror(errno));
		return -1;
	}
	return 0;
}

static int load_key(struct it_agent_part *p, const struct it_opts *o)
{
	char path[PATH_MAX], err[768];
	bool created = false;

	snprintf(path, sizeof(path), "%s", o->part.subject_key ? o->part.subject_key : "");
	if (!o->part.subject_key)
		snprintf(path, sizeof(path), "%s/%s", o->part.state_dir, IT_SUBJECT_KEY_NAME);
	if (it_subject_key_load(path, true, &p->key, &created, err, sizeof(err))) {
		it_err("%s", err);
		return -1;
	}
	p->have_key = true;
	if (created)
		it_notice("created the subject key %s (keep it: the same key gives a person the "
			  "same subject on every run and machine)", path);
	return 0;
}

int it_agent_part_open(struct it_agent_part *p, const struct it_opts *o,
		       struct it_collector *col, struct it_control *ctl, bool *start_paused)
{
	struct it_ctl_verb v = { .name = "participate", .max_line = IT_PART_REQ_MAX,
		.everyone = true, .handle = part_handle, .ctx = p };
	char err[512];

	memset(p, 0, sizeof(*p));
	p->o = o;
	p->mode = o->part.mode;
	p->dirfd = -1;
	p->watched_fd = -1;
	p->sess = (struct it_session_state){ .why = IT_WHY_STARTING, .uid = (uid_t)-1 };
	*start_paused = false;
	/* logind first: without it opt-in/opt-out create nothing */
	if (it_logind_open(&p->lg, NULL, it_agent_part_on_session, p, err, sizeof(err))) {
		p->lg = NULL;
		if (it_part_needs_logind(p->mode)) {
			it_err("%s", err);
			return 1;
		}
		if (o->verbose)
			it_notice("%s: recording whoever is at the keyboard", err);
	} else {
		p->follow = true;
		*start_paused = true;
	}
	if (p->mode != IT_PART_EVERYONE && open_state(p, o))
		return 1;
	if (it_part_opts_subjects(&o->part) && load_key(p, o))
		return 1;
	/* before the first header: CSV's has a subject column with a key */
	col->fc.subject = p->subject;
	if (p->have_key)
		col->fc.subject_key = &p->key;
	/* before the socket is made (0666 for every user): after --user it cannot be
	 * chmod-ed any more */
	p->ctl = ctl;
	if (p->mode != IT_PART_EVERYONE && it_control_add_verb(ctl, &v)) {
		it_err("cannot add the participate request to the control socket");
		return 1;
	}
	return 0;
}

static void say_notice(const struct it_agent_part *p)
{
	if (!p->follow) {
		/* everyone without logind: as before this existed, nothing more to say,
		 * unless a key was asked for that cannot be used */
		if (p->have_key)
			it_warn("--subject-key without systemd-logind: records carry no subject "
				"(who is at the keyboard is not known)");
		return;
	}
	it_notice("participation: %s; never at the login or lock screen; %s",
		  it_part_mode_name(p->mode),
		  p->mode == IT_PART_OPT_IN ? "only people who ran 'inputtrace ctl participate yes'" :
		  p->mode == IT_PART_OPT_OUT ? "everyone but people who ran 'inputtrace ctl "
		  "participate no'" : "whoever is at the keyboard");
	if (p->have_key)
		it_notice("every record carries the person's pseudonymous subject; "
			  "'inputtrace ctl participate status' shows yours");
}

void it_agent_part_arm(struct it_agent_part *p, struct it_collector *col,
		       struct it_pause_state *ps)
{
	p->col = col;
	p->ps = ps;
	ps->status.participation = p->follow ? it_part_mode_name(p->mode) : NULL;
	say_notice(p);
	if (!p->follow)
		return;
	ps->holds |= IT_HOLD_SESSION;	/* attached paused (it_agent_part_open) */
	p->cur = (struct it_session_state){ .why = IT_WHY_STARTING, .uid = (uid_t)-1 };
	p->armed = true;
	watch_bus(p);
	tell_active(p);
	decide(p);
	status_update(p);
}

void it_agent_part_close(struct it_agent_part *p)
{
	if (p->watched_fd >= 0 && p->ctl)
		it_control_del_watch(p->ctl, p->watched_fd);
	p->watched_fd = -1;
	it_logind_close(p->lg);
	p->lg = NULL;
	p->armed = false;
	it_choices_free(&p->choices);
	it_subject_key_wipe(&p->key);
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->dirfd = -1;
}
