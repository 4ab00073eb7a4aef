/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * agent_focus.h - the agent's application context (docs/context.md): the control
 * socket's `focus ID` verb, judged and bounded by focusctx.h, the focus records, the
 * focus pause (control.h it_pause_hold(IT_HOLD_FOCUS)), and the tool records of the
 * kernel's tool tracker (tools_user.h). Everything it waits for (the tool ring buffer,
 * the focus helper's process, its timers) is one fd in the agent's wait
 * (it_control_add_watch()), so the agent's loop knows nothing of it.
 *
 *   it_agent_focus_start()  after the control socket opens, before the drop to --user
 *   it_agent_focus_begin()  once capture runs: the first focus record ("unknown"), the
 *                           notice line (before the start notice's last line)
 *   it_agent_focus_end()    at stop, before the stats record: the last tool records
 *   it_agent_focus_close()  in the agent's cleanup, before the control socket closes
 *
 * Who may report: the active session's user, once the session tracking (logind, in
 * the participation feature) calls it_agent_focus_set_active_uid(). Until it does,
 * root and --control-group members (no session is known to judge by); any other uid
 * is refused and counted.
 */
#ifndef IT_AGENT_FOCUS_H
#define IT_AGENT_FOCUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cli.h"
#include "collector.h"
#include "control.h"
#include "focusctx.h"
#include "output.h"

/* The helper is taken as gone when it has not reported for this long: it reports
 * again every 30 s at most, since the agent closes each connection after its answer
 * (focus_report.c's back-off). */
#define IT_FOCUS_SILENT_NS (90ull * 1000000000ull)

struct it_tools;

struct it_agent_focus {
	const struct it_opts *o;
	struct it_control *ctl;
	struct it_pause_state *ps;
	struct it_collector *col;
	bool on;			/* focus reports accepted (--focus, --apps, --pause-apps) */
	struct it_focusctx ctx;
	/* who may report: set_active_uid's, else root and the control group */
	bool session_known;
	uid_t session_uid;		/* IT_FOCUS_NO_UID: nobody */
	bool have_gid;
	gid_t gid;
	/* the helper whose reports are in force (pid 0: none) */
	struct it_ctl_req helper;
	int pidfd;			/* -1: none (or pidfd_open() not available) */
	uint64_t last_report_ns;	/* CLOCK_MONOTONIC */
	/* what the agent's wait watches: epfd holds tfd, pidfd and the tool ring buffer */
	int epfd, tfd;
	bool watched;
	struct it_tools *tools;
	const char *tool_paths[IT_FOCUS_TOOLS_MAX];	/* resolved --tools entries */
	char tool_buf[IT_FOCUS_TOOLS_MAX][1024];
	struct it_context_stats stats;	/* col->st.context points here */
	struct it_log_limit lim;	/* refused and malformed reports */
	char describe[4096];		/* the notice and the status file's focus= line */
};

/*
 * Set up what o asks (a no-op when neither focus reports nor --tools are on): the
 * focus verb on ctl (open to every local user: the socket becomes 0666, pause and
 * resume keep their check), the tool tracker (a failure to load or attach it is
 * warned about once and capture goes on without tool records), the watch, and
 * ps->status.focus. have_gid/gid: --control-group. Returns 0, or -1 after one line
 * (the verb or the watch could not be added: a programming error).
 */
int it_agent_focus_start(struct it_agent_focus *f, const struct it_opts *o, struct it_control *ctl,
			 struct it_pause_state *ps, struct it_collector *col, bool have_gid, gid_t gid);

/* Capture runs: the notice line and the first focus record, "unknown". */
void it_agent_focus_begin(struct it_agent_focus *f);

/*
 * The active session, from the session tracking: known, its user uid; !known, nobody
 * is active (every report is refused). A change records "unknown" and ends a focus
 * pause (it was the previous user's application). The first call ends the fallback to
 * root and --control-group members for good.
 */
void it_agent_focus_set_active_uid(struct it_agent_focus *f, bool known, uid_t uid);

/* At stop, before the stats record: the tool records still in the ring buffer, the
 * counters. */
void it_agent_focus_end(struct it_agent_focus *f);

/* Undo start (safe on one never started, or zeroed). */
void it_agent_focus_close(struct it_agent_focus *f);

#endif
