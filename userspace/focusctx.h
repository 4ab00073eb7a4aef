/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * focusctx.h - the agent's side of focus reports (docs/context.md): which application
 * the person's input goes to, as the session's focus helper (`inputtrace focus`)
 * reports it, turned into what the agent records and whether capture must pause.
 * Pure: no I/O, no clock, no logging. The caller gives the time, the peer's uid (from
 * SO_PEERCRED) and the active session's uid, writes the records and applies the pause.
 *
 * Protocol (on the agent's control socket): the helper writes lines
 *	"focus ID\n"
 * where ID is an application id (desktop-file id, executable name or WM_CLASS) of
 * 1..IT_FOCUS_ID_MAX characters [A-Za-z0-9._-], or "unknown". The agent answers each
 * line with one line, "ok focus\n" or "error: REASON\n", and keeps the connection
 * open for the next line; it may close it after the answer, the helper then connects
 * again for its next report. When the connection of the active session's helper
 * closes, the helper is gone: it_focusctx_gone().
 *
 * What is recorded (the context): the id when it is on the operator's allow-list
 * (spelled as in the list), "other" for any other id, "unknown" when the helper does
 * not know, is gone, or there is no helper. Ids on the pause list pause capture while
 * they have the focus, whatever the allow-list says.
 */
#ifndef IT_FOCUSCTX_H
#define IT_FOCUSCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IT_FOCUS_ID_MAX 64		/* characters of an application id */
#define IT_FOCUS_PREFIX "focus "
/* longest valid report line without its newline: "focus " + id */
#define IT_FOCUS_LINE_MAX (sizeof(IT_FOCUS_PREFIX) - 1 + IT_FOCUS_ID_MAX)
#define IT_FOCUS_LIST_MAX 256		/* ids in one list */
#define IT_FOCUS_RATE_DEFAULT 10	/* focus records per second, at most */
#define IT_FOCUS_NO_UID ((uid_t)-1)	/* no active session */

/* True when id (NUL-terminated) is 1..IT_FOCUS_ID_MAX characters of [A-Za-z0-9._-]. */
bool it_focus_id_valid(const char *id);

/*
 * Parse one report line (len bytes, without its newline; it need not be
 * NUL-terminated) into id (IT_FOCUS_ID_MAX + 1 bytes). Returns 0, or -1 with a
 * one-line reason: oversized, not "focus ID", a bad character (with its offset), an
 * empty or too long id.
 */
int it_focus_parse(const char *line, size_t len, char *id, char *reason, size_t reasonlen);

/* A list of application ids, matched without regard to case. */
struct it_focus_list {
	char ids[IT_FOCUS_LIST_MAX][IT_FOCUS_ID_MAX + 1];
	unsigned int n;
};

/*
 * Add to l the ids in spec: either "ID,ID,..." or, when spec contains a '/' (ids
 * cannot), the path of a file with one id per line (blank lines and lines starting
 * with '#' skipped; spaces around an id ignored). Returns 0, or -1 with a one-line
 * reason in err (bad id and where, too many ids, file unreadable).
 */
int it_focus_list_add(struct it_focus_list *l, const char *spec, char *err, size_t errlen);

/* The list's entry equal to id without regard to case, or NULL. */
const char *it_focus_list_find(const struct it_focus_list *l, const char *id);

/* The list as "a,b,c" into buf ("" when empty; cut at len with "..." at the end). */
void it_focus_list_format(const struct it_focus_list *l, char *buf, size_t len);

/* The default pause list: password managers and the desktop's password prompts,
 * NULL-terminated (docs/context.md lists them and why). */
extern const char *const it_focus_default_pause[];

struct it_focusctx_config {
	struct it_focus_list apps;	/* allow-list; empty: every id is "other" */
	struct it_focus_list pause;	/* --pause-apps, added to the defaults */
	bool no_default_pause;		/* leave the default pause list out */
	unsigned int rate;		/* focus records per second; 0: IT_FOCUS_RATE_DEFAULT */
};

/* Counters, for the stats record and metrics. */
struct it_focus_stats {
	uint64_t reports;	/* accepted report lines */
	uint64_t records;	/* focus records decided */
	uint64_t refused_uid;	/* from another uid than the active session's */
	uint64_t malformed;	/* oversized or not a valid report */
	uint64_t coalesced;	/* changes not recorded (a later one came within the bound) */
	uint64_t pauses;	/* times capture was paused for a pause-listed application */
};

/* What the caller does after a report, a tick or an event. */
struct it_focus_decision {
	bool record;				/* write a focus record with context */
	char context[IT_FOCUS_ID_MAX + 1];	/* id as listed, "other" or "unknown" */
	bool pause_changed;			/* start or end the focus pause now */
	bool paused;				/* capture is paused for focus (after this) */
	char pause_app[IT_FOCUS_ID_MAX + 1];	/* the pause list's entry, when paused */
};

/* What is in force: the recorded context and the focus pause. */
struct it_focus_state {
	char context[IT_FOCUS_ID_MAX + 1];	/* id as listed, "other" or "unknown" */
	bool paused;
	char pause_app[IT_FOCUS_ID_MAX + 1];	/* the pause list's entry, when paused */
};

struct it_focusctx {
	struct it_focusctx_config cfg;		/* pause includes the defaults */
	struct it_focus_state cur;
	uint64_t window_start_ns;		/* of the current rate window (1 s) */
	unsigned int window_records;		/* changes applied in it */
	bool pending;				/* a coalesced change waits for the next window */
	struct it_focus_state next;		/* that change */
	struct it_focus_stats stats;
};

/*
 * Set up ctx from cfg (copied; the default pause list added unless no_default_pause).
 * The context starts "unknown", not paused. Returns 0, or -1 with a reason when the
 * default list does not fit.
 */
int it_focusctx_init(struct it_focusctx *ctx, const struct it_focusctx_config *cfg,
		     char *err, size_t errlen);

/*
 * One report line (len bytes, no newline) from a peer of uid peer_uid while the
 * active session's user is session_uid (IT_FOCUS_NO_UID: none, every report refused),
 * at now_ns (CLOCK_MONOTONIC). Returns 0 when accepted, d filled (d->record may be
 * false: the same context again, or a change coalesced by the rate bound); -1 when
 * refused (another uid, malformed: counted), reason says why and d is untouched.
 * A change into a pause is never delayed by the rate bound.
 */
int it_focusctx_report(struct it_focusctx *ctx, const char *line, size_t len, uid_t peer_uid,
		       uid_t session_uid, uint64_t now_ns, struct it_focus_decision *d,
		       char *reason, size_t reasonlen);

/* Time (ns) when a coalesced change is due, 0 when none waits: the caller's poll
 * timeout, then it_focusctx_tick(). */
uint64_t it_focusctx_deadline(const struct it_focusctx *ctx);

/* Record a coalesced change once its window has come. Returns true with d filled
 * when there is something to do. */
bool it_focusctx_tick(struct it_focusctx *ctx, uint64_t now_ns, struct it_focus_decision *d);

/*
 * The helper's connection closed (or it crashed): the context becomes "unknown".
 * A focus pause stays (fail closed: the helper restarts and reports the focus
 * again). Returns true with d filled when something changed.
 */
bool it_focusctx_gone(struct it_focusctx *ctx, uint64_t now_ns, struct it_focus_decision *d);

/*
 * The active session changed (another user, or none): "unknown", and a focus pause
 * ends (it was the previous user's application). Returns true with d filled when
 * something changed.
 */
bool it_focusctx_session(struct it_focusctx *ctx, uint64_t now_ns, struct it_focus_decision *d);

/* "apps=a,b pause-apps=c,d rate=10/s" (for the start notice, the status file and
 * the header: both lists). */
void it_focusctx_describe(const struct it_focusctx *ctx, char *buf, size_t len);

#endif
