// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * logind.c - seat0's active session from logind over sd-bus (logind.h).
 *
 * Reads are asynchronous (sd_bus_call_method_async): the agent's loop never blocks on
 * logind. D-Bus keeps one sender's messages in order, so a property read's reply
 * already holds every change signalled before it, and signals sent after it arrive
 * after it: replies overwrite, later signals update.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include "logind.h"

#define LOGIN1 "org.freedesktop.login1"
#define LOGIN1_PATH "/org/freedesktop/login1"
#define SESSION_IFACE LOGIN1 ".Session"
#define SEAT_IFACE LOGIN1 ".Seat"
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define CALL_TIMEOUT_US (5 * 1000000ULL)

struct it_logind {
	sd_bus *bus;
	sd_bus_slot *pending_seat, *pending_sess;	/* outstanding GetAll, NULL none */
	char seat_path[128];
	char sess_path[128];	/* the active session's object, "" none */
	bool up;		/* org.freedesktop.login1 has an owner */
	bool seat_read;		/* the seat's first read (after start or a logind restart) came */
	bool sess_read;		/* the active session's properties came */
	bool active;		/* its Active property */
	bool failed;		/* the connection failed */
	uint64_t now_ns;	/* dispatch time of the message being handled */
	uint64_t switch_ns;	/* dispatch time of the signal that started the switch */
	struct it_session_state st;	/* published */
	struct it_session_state cur;	/* being built (record, reason, cause_ns unused) */
	it_logind_cb cb;
	void *ud;
};

const char *it_why_name(enum it_why w)
{
#define IT_WHY_NAME(e, name, doc) [e] = name,
	static const char *const names[] = { IT_WHY_LIST(IT_WHY_NAME) };
#undef IT_WHY_NAME

	return (unsigned)w < IT_WHY_COUNT ? names[w] : "?";
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The verdict from what is known, in the order that fails closed first. */
static enum it_why verdict(const struct it_logind *l)
{
	const struct it_session_state *c = &l->cur;

	if (l->failed)
		return IT_WHY_NO_BUS;
	if (!l->up)
		return IT_WHY_NO_LOGIND;
	if (!l->seat_read)
		return IT_WHY_STARTING;
	if (!c->session[0])
		return IT_WHY_NO_SESSION;
	if (!l->sess_read)
		return IT_WHY_SWITCH;
	if (!strcmp(c->cls, "greeter"))
		return IT_WHY_GREETER;
	if (!strcmp(c->cls, "lock-screen") || c->locked)
		return IT_WHY_LOCKED;
	if (strcmp(c->cls, "user"))
		return IT_WHY_NOT_USER;
	if (!l->active || strcmp(c->state, "active"))
		return IT_WHY_INACTIVE;
	return IT_WHY_ACTIVE;
}

/* Recompute; tell the callback when something it shows changed. */
static void publish(struct it_logind *l, uint64_t cause_ns)
{
	struct it_session_state n = l->cur;

	n.why = verdict(l);
	n.record = n.why == IT_WHY_ACTIVE;
	if (!l->sess_read)
		n.uid = (uid_t)-1;
	if (n.record == l->st.record && n.why == l->st.why && n.uid == l->st.uid &&
	    n.locked == l->st.locked && !strcmp(n.session, l->st.session))
		return;
	n.cause_ns = cause_ns;
	l->st = n;
	if (l->cb)
		l->cb(&l->st, l->ud);
}

/* Properties of a Session or Seat, as far as a message carries them. */
struct props {
	bool has_user, has_cls, has_state, has_locked, has_active, has_seat_active;
	uint32_t uid;
	const char *cls, *state, *sess_id, *sess_path;
	int locked, active;
};

/* Read the variant of property name at m's position into p (skip it if not ours). */
static int read_prop(sd_bus_message *m, const char *name, struct props *p)
{
	const char *obj;

	if (!strcmp(name, "User")) {
		p->has_user = true;
		return sd_bus_message_read(m, "v", "(uo)", &p->uid, &obj);
	}
	if (!strcmp(name, "Class")) {
		p->has_cls = true;
		return sd_bus_message_read(m, "v", "s", &p->cls);
	}
	if (!strcmp(name, "State")) {
		p->has_state = true;
		return sd_bus_message_read(m, "v", "s", &p->state);
	}
	if (!strcmp(name, "LockedHint")) {
		p->has_locked = true;
		return sd_bus_message_read(m, "v", "b", &p->locked);
	}
	if (!strcmp(name, "Active")) {
		p->has_active = true;
		return sd_bus_message_read(m, "v", "b", &p->active);
	}
	if (!strcmp(name, "ActiveSession")) {
		p->has_seat_active = true;
		return sd_bus_message_read(m, "v", "(so)", &p->sess_id, &p->sess_path);
	}
	return sd_bus_message_skip(m, "v");
}

/* Read an a{sv} of Session/Seat properties at m's position into p. The strings point
 * into m. */
static int read_props(sd_bus_message *m, struct props *p)
{
	int r = sd_bus_message_enter_container(m, 'a', "{sv}");

	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *name;

		r = sd_bus_message_read(m, "s", &name);
		if (r >= 0)
			r = read_prop(m, name, p);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static void apply_session_props(struct it_logind *l, const struct props *p)
{
	if (p->has_user)
		l->cur.uid = p->uid;
	if (p->has_cls)
		snprintf(l->cur.cls, sizeof(l->cur.cls), "%s", p->cls);
	if (p->has_state)
		snprintf(l->cur.state, sizeof(l->cur.state), "%s", p->state);
	if (p->has_locked)
		l->cur.locked = p->locked;
	if (p->has_active)
		l->active = p->active;
	/* logind signals Active but not State (no EMITS_CHANGE on it): follow Active, except
	 * for a session that is closing */
	if (p->has_active && !p->has_state && strcmp(l->cur.state, "closing"))
		snprintf(l->cur.state, sizeof(l->cur.state), "%s", p->active ? "active" : "online");
}

static int on_session_all(sd_bus_message *m, void *ud, sd_bus_error *e);
static int on_seat_all(sd_bus_message *m, void *ud, sd_bus_error *e);

/* Ask for every property of path (interface iface); the reply goes to cb. */
static int get_all(struct it_logind *l, sd_bus_slot **slot, const char *path, const char *iface,
		   sd_bus_message_handler_t cb)
{
	*slot = sd_bus_slot_unref(*slot);	/* an older read of the same kind is moot */
	return sd_bus_call_method_async(l->bus, slot, LOGIN1, path, PROPS_IFACE, "GetAll", cb, l,
					"s", iface);
}

/* The seat's active session is now (id, path): "" / "/" for none. */
static void switch_to(struct it_logind *l, const char *id, const char *path)
{
	bool none = !id || !id[0] || !path || !strcmp(path, "/");

	if (!none && !strcmp(path, l->sess_path))
		return;
	l->pending_sess = sd_bus_slot_unref(l->pending_sess);
	memset(&l->cur, 0, sizeof(l->cur));
	l->cur.uid = (uid_t)-1;
	l->sess_read = false;
	l->active = false;
	l->sess_path[0] = 0;
	l->switch_ns = l->now_ns;
	if (!none) {
		snprintf(l->cur.session, sizeof(l->cur.session), "%s", id);
		snprintf(l->sess_path, sizeof(l->sess_path), "%s", path);
		if (get_all(l, &l->pending_sess, path, SESSION_IFACE, on_session_all) < 0)
			l->failed = true;
	}
	publish(l, l->switch_ns);
}

static int on_session_all(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct it_logind *l = ud;
	struct props p = { 0 };

	l->now_ns = mono_ns();
	l->pending_sess = sd_bus_slot_unref(l->pending_sess);
	if (sd_bus_message_is_method_error(m, NULL) || read_props(m, &p) < 0) {
		/* the session went away between the signal and the read */
		switch_to(l, NULL, NULL);
		get_all(l, &l->pending_seat, l->seat_path, SEAT_IFACE, on_seat_all);
		return 0;
	}
	apply_session_props(l, &p);
	l->sess_read = true;
	publish(l, l->switch_ns);
	return 0;
}

static int on_seat_all(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct it_logind *l = ud;
	struct props p = { 0 };

	l->now_ns = mono_ns();
	l->pending_seat = sd_bus_slot_unref(l->pending_seat);
	l->seat_read = true;
	/* no such seat object (yet): nobody is logged in there */
	if (sd_bus_message_is_method_error(m, NULL) || read_props(m, &p) < 0 || !p.has_seat_active)
		switch_to(l, NULL, NULL);
	else
		switch_to(l, p.sess_id, p.sess_path);
	publish(l, l->now_ns);
	return 0;
}

/* PropertiesChanged (sa{sv}as) of the seat or of a session. */
static int on_props_changed(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct it_logind *l = ud;
	const char *iface, *path = sd_bus_message_get_path(m);
	struct props p = { 0 };
	char **inval = NULL;
	bool seat;

	l->now_ns = mono_ns();
	if (!path || sd_bus_message_read(m, "s", &iface) < 0 || read_props(m, &p) < 0 ||
	    sd_bus_message_read_strv(m, &inval) < 0)
		goto out;
	seat = !strcmp(path, l->seat_path) && !strcmp(iface, SEAT_IFACE);
	if (seat && p.has_seat_active)
		switch_to(l, p.sess_id, p.sess_path);
	else if (seat && inval && inval[0])
		get_all(l, &l->pending_seat, l->seat_path, SEAT_IFACE, on_seat_all);
	if (seat || strcmp(path, l->sess_path) || strcmp(iface, SESSION_IFACE))
		goto out;
	if (l->sess_read)	/* else the pending read's reply holds it already */
		apply_session_props(l, &p);
	if (inval && inval[0])	/* values not sent: read them again (the state holds meanwhile) */
		get_all(l, &l->pending_sess, l->sess_path, SESSION_IFACE, on_session_all);
	publish(l, l->now_ns);
out:
	for (char **s = inval; s && *s; s++)
		free(*s);
	free(inval);
	return 0;
}

/* SessionNew / SessionRemoved (so) on the Manager. */
static int on_session_list(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct it_logind *l = ud;
	const char *id, *path;

	l->now_ns = mono_ns();
	if (sd_bus_message_read(m, "so", &id, &path) < 0)
		return 0;
	/* the active session ended: stop now, whatever the seat says next */
	if (sd_bus_message_is_signal(m, NULL, "SessionRemoved") && !strcmp(path, l->sess_path))
		switch_to(l, NULL, NULL);
	get_all(l, &l->pending_seat, l->seat_path, SEAT_IFACE, on_seat_all);
	return 0;
}

/* NameOwnerChanged (sss) for org.freedesktop.login1: logind went or came back. */
static int on_owner(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct it_logind *l = ud;
	const char *name, *old, *new;

	l->now_ns = mono_ns();
	if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || strcmp(name, LOGIN1))
		return 0;
	l->pending_seat = sd_bus_slot_unref(l->pending_seat);
	l->up = new[0] != 0;
	l->seat_read = false;
	switch_to(l, NULL, NULL);
	if (l->up)
		get_all(l, &l->pending_seat, l->seat_path, SEAT_IFACE, on_seat_all);
	publish(l, l->now_ns);
	return 0;
}

static int subscribe(struct it_logind *l)
{
	int r;

	r = sd_bus_match_signal(l->bus, NULL, LOGIN1, l->seat_path, PROPS_IFACE,
				"PropertiesChanged", on_props_changed, l);
	if (r >= 0)
		r = sd_bus_add_match(l->bus, NULL, "type='signal',sender='" LOGIN1 "',interface='"
				     PROPS_IFACE "',member='PropertiesChanged',path_namespace='"
				     LOGIN1_PATH "/session'", on_props_changed, l);
	if (r >= 0)
		r = sd_bus_match_signal(l->bus, NULL, LOGIN1, LOGIN1_PATH, LOGIN1 ".Manager",
					"SessionNew", on_session_list, l);
	if (r >= 0)
		r = sd_bus_match_signal(l->bus, NULL, LOGIN1, LOGIN1_PATH, LOGIN1 ".Manager",
					"SessionRemoved", on_session_list, l);
	if (r >= 0)
		r = sd_bus_add_match(l->bus, NULL, "type='signal',sender='org.freedesktop.DBus',"
				     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
				     "arg0='" LOGIN1 "'", on_owner, l);
	return r;
}

/* Manager.GetSeat(seat): logind's presence and the seat's object path. */
static int find_seat(struct it_logind *l, const char *seat, char *err, size_t errlen)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(l->bus, LOGIN1, LOGIN1_PATH, LOGIN1 ".Manager", "GetSeat", &e, &reply,
			       "s", seat);
	if (r < 0) {
		if (sd_bus_error_has_name(&e, "org.freedesktop.login1.NoSuchSeat"))
			snprintf(err, errlen, "logind has no seat %s", seat);
		else
			snprintf(err, errlen, "no systemd-logind or elogind on the system bus (%s)",
				 e.message ? e.message : strerror(-r));
	} else if ((r = sd_bus_message_read(reply, "o", &path)) < 0) {
		snprintf(err, errlen, "logind's GetSeat: bad reply: %s", strerror(-r));
	} else {
		snprintf(l->seat_path, sizeof(l->seat_path), "%s", path);
	}
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r < 0 ? -1 : 0;
}

/* Process until the first state is known (it_logind_open), at most 5 s. */
static int first_state(struct it_logind *l, char *err, size_t errlen)
{
	uint64_t end = mono_ns() + CALL_TIMEOUT_US * 1000;

	while (l->st.why == IT_WHY_STARTING || l->st.why == IT_WHY_SWITCH) {
		uint64_t now = mono_ns();
		int r;

		if (now >= end) {
			snprintf(err, errlen, "logind did not answer within 5 s");
			return -1;
		}
		r = sd_bus_wait(l->bus, (end - now) / 1000);
		if (r >= 0)
			r = it_logind_process(l);
		if (r < 0 && r != -EINTR) {
			snprintf(err, errlen, "reading logind's state failed: %s", strerror(-r));
			return -1;
		}
	}
	if (!l->st.record && (l->st.why == IT_WHY_NO_BUS || l->st.why == IT_WHY_NO_LOGIND)) {
		snprintf(err, errlen, "logind left the system bus while its state was read");
		return -1;
	}
	return 0;
}

int it_logind_open(struct it_logind **out, const char *seat, it_logind_cb cb, void *ud,
		   char *err, size_t errlen)
{
	struct it_logind *l = calloc(1, sizeof(*l));
	int r;

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->cb = cb;
	l->ud = ud;
	l->st.why = IT_WHY_STARTING;
	l->st.uid = (uid_t)-1;
	r = sd_bus_open_system(&l->bus);
	if (r < 0) {
		snprintf(err, errlen, "cannot connect to the system bus: %s (opt-in and opt-out "
			 "need systemd-logind or elogind)", strerror(-r));
		goto fail;
	}
	sd_bus_set_method_call_timeout(l->bus, CALL_TIMEOUT_US);
	if (find_seat(l, seat ? seat : "seat0", err, errlen))
		goto fail;
	r = subscribe(l);
	if (r >= 0) {
		l->up = true;
		r = get_all(l, &l->pending_seat, l->seat_path, SEAT_IFACE, on_seat_all);
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot subscribe to logind's signals: %s", strerror(-r));
		goto fail;
	}
	if (first_state(l, err, errlen))
		goto fail;
	*out = l;
	return 0;
fail:
	it_logind_close(l);
	return -1;
}

int it_logind_fd(struct it_logind *l)
{
	return sd_bus_get_fd(l->bus);
}

short it_logind_events(struct it_logind *l)
{
	int r = sd_bus_get_events(l->bus);

	return r < 0 ? POLLIN : (short)r;
}

int it_logind_timeout_ms(struct it_logind *l)
{
	uint64_t at, now;

	if (sd_bus_get_timeout(l->bus, &at) < 0 || at == UINT64_MAX)
		return -1;
	now = mono_ns() / 1000;
	if (at <= now)
		return 0;
	return (at - now + 999) / 1000 > 60000 ? 60000 : (int)((at - now + 999) / 1000);
}

int it_logind_process(struct it_logind *l)
{
	int r;

	if (l->failed)
		return -ENOTCONN;
	while ((r = sd_bus_process(l->bus, NULL)) > 0)
		;
	if (r < 0 || l->failed) {
		l->failed = true;
		publish(l, mono_ns());
		return r < 0 ? r : -ENOTCONN;
	}
	return 0;
}

const struct it_session_state *it_logind_state(const struct it_logind *l)
{
	return &l->st;
}

void it_logind_close(struct it_logind *l)
{
	if (!l)
		return;
	sd_bus_slot_unref(l->pending_seat);
	sd_bus_slot_unref(l->pending_sess);
	sd_bus_flush_close_unref(l->bus);
	free(l);
}
