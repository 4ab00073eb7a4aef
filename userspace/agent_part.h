/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * agent_part.h - participation in the running agent (docs/participation.md): who is at
 * seat0 (logind.h), whether they take part (participation.h), their subject on every
 * record (subject.h), the `participate` verb of the control socket (participate.h).
 *
 *   it_agent_part_open()   before capture is attached, while privileged: the subject
 *                          key, the state directory and its choices, logind; says
 *                          whether capture must start paused
 *                          and the participate verb of the control socket
 *   it_agent_part_arm()    once the output runs: the bus fd in the agent's wait, and
 *                          the first decision (IT_HOLD_SESSION, control.h)
 *   it_agent_part_tick()   each loop turn: logind's timeouts, reconnecting to the bus
 *   it_agent_part_close()  undo open and arm (safe on a part never opened)
 *
 * Every change of the decision is a session record (and the kernel's pause flag, in
 * the order of it_pause_hold()); every yes/no a participation record.
 */
#ifndef IT_AGENT_PART_H
#define IT_AGENT_PART_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "collector.h"
#include "control.h"
#include "logind.h"
#include "participate.h"
#include "participation.h"
#include "subject.h"

struct it_agent_part {
	const struct it_opts *o;
	enum it_part_mode mode;
	int dirfd;			/* --state-dir (opt-in/opt-out), -1: none */
	struct it_choices choices;
	struct it_part_rate rate;	/* the bound on each uid's changes (participate.h) */
	struct it_subject_key key;
	bool have_key;			/* subjects are computed */
	struct it_logind *lg;		/* NULL: no logind (everyone) or reconnecting */
	bool follow;			/* logind was found: follow it (reconnect when lost) */
	int watched_fd;			/* the bus fd in the agent's wait, -1: none */
	double due;			/* CLOCK_MONOTONIC s: logind's next timeout, 0 none */
	double reopen_at;		/* CLOCK_MONOTONIC s: next reconnection attempt */
	struct it_session_state sess;	/* logind's last state */
	struct it_session_state cur;	/* the last decision (it_part_decide) */
	bool armed;			/* decisions reach the kernel and the output */
	bool recording;			/* IT_HOLD_SESSION released */
	char subject[IT_SUBJECT_HEX + 1];	/* on event and loss records; "" none */
	struct it_collector *col;
	struct it_pause_state *ps;
	struct it_control *ctl;
	struct it_log_limit lim;
	/* Told when the active session's user changes (known, uid: it_agent_part_active_uid):
	 * the focus feature accepts reports from that user only. NULL: nobody to tell. */
	void (*on_active)(void *ctx, bool known, uid_t uid);
	void *on_active_ctx;
	bool active_told, active_known;	/* what on_active was told last */
	uid_t active_uid;
};

/*
 * Load the key (created if missing), open the state directory and its choices
 * (opt-in/opt-out), connect to logind (required by opt-in/opt-out; tried with
 * everyone). Before the capture is attached and before the drop to --user (the
 * state directory is given to that user), after the collector is set up (col: its
 * format gets the subject and the key, before its first header) and before the
 * control socket is made (ctl: the participate verb, open to every user, makes it
 * 0666). *start_paused: attach with the kernel's
 * flag set (logind is followed: nothing is copied until the first decision). Returns
 * 0, or the exit status (1) after one line on stderr.
 */
int it_agent_part_open(struct it_agent_part *p, const struct it_opts *o,
		       struct it_collector *col, struct it_control *ctl, bool *start_paused);

/* The output runs: add the bus watch to the control's wait, and decide for the first
 * time (with start_paused the session hold is held until then). */
void it_agent_part_arm(struct it_agent_part *p, struct it_collector *col,
		       struct it_pause_state *ps);

/* Once per turn of the agent's loop (now: CLOCK_MONOTONIC s): logind's timeouts and,
 * after the bus was lost, a reconnection every few seconds. */
void it_agent_part_tick(struct it_agent_part *p, double now);

/* Disconnect, free the choices, wipe the key, close the directory. */
void it_agent_part_close(struct it_agent_part *p);

/* logind's callback (it_logind_cb; ud is the part): decide again. Public for the unit
 * tests, which drive it without a bus. */
void it_agent_part_on_session(const struct it_session_state *s, void *ud);

/* For the focus feature: whether the active session's user is known (logind
 * followed, a session on seat0 whose properties are read), and its uid in *uid. */
bool it_agent_part_active_uid(const struct it_agent_part *p, uid_t *uid);

#endif
