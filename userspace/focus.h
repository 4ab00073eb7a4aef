/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * focus.h - `inputtrace focus`, the per-session focus helper (docs/context.md): it
 * follows which application has the focus, through AT-SPI (X11 and Wayland) or, on
 * X11 without AT-SPI, EWMH's _NET_ACTIVE_WINDOW, and reports each change as one line
 * "focus ID" (focusctx.h) on the agent's control socket, or on stdout (--stdout).
 * Only application ids: a desktop-file id, an executable name or a WM_CLASS; never
 * window titles or anything in a window.
 *
 * The modules: focus.c (options, main loop, the current id), focus_app.c (a process
 * to its app id), focus_report.c (the connection to the agent), focus_atspi.c and
 * focus_x11.c (the two sources of focus changes). GLib's main loop runs them all.
 */
#ifndef IT_FOCUS_H
#define IT_FOCUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "focusctx.h"

/* The `inputtrace focus` subcommand: argv[0] is its name. Returns the exit code:
 * 0 after SIGTERM/SIGINT, 1 when no source of focus changes works, 2 on bad usage. */
int it_focus_main(int argc, char **argv);

/*
 * A process's application id into id (IT_FOCUS_ID_MAX + 1 bytes), from proc (normally
 * "/proc"): the Flatpak app id (PID/root/.flatpak-info), else the desktop-file id the
 * process was launched from (GIO_LAUNCHED_DESKTOP_FILE, when GIO_LAUNCHED_DESKTOP_FILE_PID
 * is this pid), else the executable's name (PID/exe, or PID/comm when that is the name
 * of a script or renamed process). Only for processes of our own uid (another's, or a
 * pid from another pid namespace, says nothing). Returns 0, or -1 with id "unknown"
 * when no valid id was found.
 */
int it_focus_app_id(const char *proc, pid_t pid, char *id);

/*
 * The connection to the agent. Never blocks: connect, write and the answer are
 * non-blocking; when the agent is not there, does not answer within a few seconds or
 * closes the connection, the current id is sent again on a new connection later
 * (1 s, doubling to 30 s while the agent keeps closing at once). With to_stdout each
 * change is printed instead ("focus ID\n").
 */
struct it_focus_reporter {
	const char *path;			/* the agent's socket */
	bool to_stdout;
	int fd;					/* -1: not connected */
	char current[IT_FOCUS_ID_MAX + 1];	/* the id to report; "" before the first */
	char sent[IT_FOCUS_ID_MAX + 1];		/* the last id sent on this connection */
	bool awaiting;				/* a line sent, its answer not read yet */
	uint64_t sent_ns;			/* when (CLOCK_MONOTONIC) */
	uint64_t connected_ns;
	uint64_t retry_ns;			/* connect again at; 0: no retry due */
	unsigned int backoff_s;
	char inbuf[128];
	size_t inlen;
	uint64_t sends, oks, errors;		/* lines sent, "ok" and "error:" answers */
	uint64_t failures;			/* connections that failed or were lost */
};

void it_focus_reporter_init(struct it_focus_reporter *r, const char *path, bool to_stdout);
/* The focused application's id changed to id (invalid ids become "unknown"). */
void it_focus_reporter_set(struct it_focus_reporter *r, const char *id, uint64_t now_ns);
/* The fd to watch for input (the agent's answers, its close), or -1. */
int it_focus_reporter_fd(const struct it_focus_reporter *r);
/* Input on the fd: read answers; on close, plan the reconnection. */
void it_focus_reporter_input(struct it_focus_reporter *r, uint64_t now_ns);
/* When it_focus_reporter_tick() has something to do (ns), 0: nothing. */
uint64_t it_focus_reporter_deadline(const struct it_focus_reporter *r);
/* Retries and answer timeouts due at now_ns. */
void it_focus_reporter_tick(struct it_focus_reporter *r, uint64_t now_ns);
void it_focus_reporter_close(struct it_focus_reporter *r);

/* CLOCK_MONOTONIC in ns. */
uint64_t it_focus_now(void);

/* Where the sources report: the helper's core (focus.c). */
struct it_focus_helper;
/* The application with the focus is now id ("unknown" when none is known). */
void it_focus_changed(struct it_focus_helper *h, const char *id);
/* A source can no longer work (its X server went away): the helper exits 1. */
void it_focus_fail(struct it_focus_helper *h);

/* The sources. Each returns 0 once it watches (events arrive from GLib's main loop),
 * or -1 with a one-line reason in err. */
int it_focus_atspi_start(struct it_focus_helper *h, char *err, size_t errlen);
int it_focus_x11_start(struct it_focus_helper *h, char *err, size_t errlen);
void it_focus_x11_stop(void);

#endif
