/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * logind.h - who sits at seat0, from systemd-logind (or elogind) over D-Bus: the seat's
 * active session, its user, class, state and LockedHint (docs/participation.md).
 *
 * One sd-bus connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS if set), no thread:
 * the agent's poll loop watches it_logind_fd() for it_logind_events() with at most
 * it_logind_timeout_ms(), and calls it_logind_process() when it is ready or the time
 * is up. Changes come from signals, never from polling: the Seat's PropertiesChanged
 * (ActiveSession), the Sessions' PropertiesChanged (LockedHint, Active, State, Class),
 * the Manager's SessionNew/SessionRemoved and the bus's NameOwnerChanged for
 * org.freedesktop.login1 (logind restarted or gone).
 *
 * The result is a session-level verdict: record only in an active, unlocked session of
 * class "user"; everything else fails closed with a reason. Between a change of the
 * active session and the read of the new session's properties the verdict is
 * "switch" (not recorded), so a switch never records the new session under the old
 * one's user, nor before its class and lock state are known. Whether that user takes
 * part is decided on top of this (participation.h, it_part_decide()).
 */
#ifndef IT_LOGIND_H
#define IT_LOGIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Why (not) recorded: X(enum, name in records and messages, meaning) */
#define IT_WHY_LIST(X) \
	X(IT_WHY_ACTIVE, "active", "record: an active, unlocked user session") \
	X(IT_WHY_STARTING, "starting", "logind not read yet") \
	X(IT_WHY_NO_LOGIND, "no-logind", "org.freedesktop.login1 left the bus") \
	X(IT_WHY_NO_BUS, "no-bus", "the bus connection failed") \
	X(IT_WHY_NO_SESSION, "no-session", "nobody logged in on the seat: console login prompt") \
	X(IT_WHY_SWITCH, "switch", "the active session changed; its properties are being read") \
	X(IT_WHY_GREETER, "greeter", "class greeter: the graphical login screen") \
	X(IT_WHY_LOCKED, "locked", "LockedHint or class lock-screen: the unlock prompt") \
	X(IT_WHY_INACTIVE, "inactive", "the session is not in the foreground (State, Active)") \
	X(IT_WHY_NOT_USER, "not-user", "another class (background, manager, ...)") \
	X(IT_WHY_NOT_PARTICIPATING, "not-participating", "participation.h: the user did not agree")

#define IT_WHY_ENUM(e, name, doc) e,
enum it_why { IT_WHY_LIST(IT_WHY_ENUM) IT_WHY_COUNT };
#undef IT_WHY_ENUM

/* "active", "no-session", ... */
const char *it_why_name(enum it_why w);

/* What may be recorded now, at the session level. */
struct it_session_state {
	bool record;		/* true only with why IT_WHY_ACTIVE */
	enum it_why why;
	uid_t uid;		/* the active session's user; (uid_t)-1 when none or not read yet */
	char session[64];	/* logind session id, "" when none */
	char cls[16];		/* "user", "greeter", "lock-screen", ... ("" unknown) */
	char state[16];		/* "active", "online", "closing" ("" unknown) */
	bool locked;		/* LockedHint */
	/* CLOCK_MONOTONIC ns at which the D-Bus message that caused this state was
	 * dispatched (for a switch: the seat's signal, not the properties' reply) */
	uint64_t cause_ns;
};

struct it_logind;

/* Called for each change of the state (record, reason, uid, session or locked), from
 * it_logind_process() and once from it_logind_open() for the first state. */
typedef void (*it_logind_cb)(const struct it_session_state *s, void *ud);

/*
 * Connect to the system bus, subscribe to the signals, find seat ("seat0" if NULL)
 * with Manager.GetSeat and read its state (bounded by 5 s). Returns 0 with *out, or
 * -1 with one line in err: no system bus, or no org.freedesktop.login1 on it (the
 * agent's "opt-in/opt-out need logind" error), or no such seat.
 */
int it_logind_open(struct it_logind **out, const char *seat, it_logind_cb cb, void *ud,
		   char *err, size_t errlen);

/* For the poll loop: the fd, its poll events (POLLIN, POLLOUT), and the time in ms
 * until it_logind_process() is due anyway (-1: none). */
int it_logind_fd(struct it_logind *l);
short it_logind_events(struct it_logind *l);
int it_logind_timeout_ms(struct it_logind *l);

/* Handle everything waiting on the connection (calls the callback). Returns 0, or
 * -errno when the connection failed: the state is then {no, IT_WHY_NO_BUS} and stays
 * so; close and reopen to follow logind again. */
int it_logind_process(struct it_logind *l);

/* The current state (valid until the next it_logind_process()). */
const struct it_session_state *it_logind_state(const struct it_logind *l);

/* Disconnect and free; NULL is fine. */
void it_logind_close(struct it_logind *l);

#endif
