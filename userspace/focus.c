// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* focus.c - `inputtrace focus`: options, GLib main loop, the current id (focus.h). */
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include "control.h"
#include "focus.h"
#include "log.h"

#define UNKNOWN_AFTER_MS 300

struct it_focus_helper {
	struct it_focus_reporter rep;
	GMainLoop *loop;
	guint fd_watch;		/* on rep's fd */
	int watched_fd;
	guint timer;		/* for rep's deadline */
	guint unknown_timer;	/* "unknown" reported when it fires */
	int exit_code;
};

static void rearm(struct it_focus_helper *h);

static gboolean on_agent_input(gint fd, GIOCondition cond, gpointer data)
{
	struct it_focus_helper *h = data;

	it_focus_reporter_input(&h->rep, it_focus_now());
	rearm(h);
	return G_SOURCE_CONTINUE;
}

static gboolean on_timer(gpointer data)
{
	struct it_focus_helper *h = data;

	h->timer = 0;
	it_focus_reporter_tick(&h->rep, it_focus_now());
	rearm(h);
	return G_SOURCE_REMOVE;
}

/* Watch the reporter's fd and wake at its deadline, whatever they are now. */
static void rearm(struct it_focus_helper *h)
{
	int fd = it_focus_reporter_fd(&h->rep);
	uint64_t due = it_focus_reporter_deadline(&h->rep), now = it_focus_now();

	if (fd != h->watched_fd) {
		if (h->fd_watch)
			g_source_remove(h->fd_watch);
		h->fd_watch = fd >= 0 ? g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
						      on_agent_input, h) : 0;
		h->watched_fd = fd;
	}
	if (h->timer)
		g_source_remove(h->timer);
	h->timer = 0;
	if (due)
		h->timer = g_timeout_add(due > now ? (guint)((due - now) / 1000000 + 1) : 0,
					 on_timer, h);
}

static gboolean on_unknown(gpointer data)
{
	struct it_focus_helper *h = data;

	h->unknown_timer = 0;
	it_focus_reporter_set(&h->rep, "unknown", it_focus_now());
	rearm(h);
	return G_SOURCE_REMOVE;
}

/* "unknown" waits UNKNOWN_AFTER_MS: on a switch the focus passes through nobody
 * (_NET_ACTIVE_WINDOW None, a deactivation before the next activation), and only a
 * focus that stays nowhere is one. */
void it_focus_changed(struct it_focus_helper *h, const char *id)
{
	if (!strcmp(id, "unknown")) {
		if (!h->unknown_timer)
			h->unknown_timer = g_timeout_add(UNKNOWN_AFTER_MS, on_unknown, h);
		return;
	}
	if (h->unknown_timer)
		g_source_remove(h->unknown_timer);
	h->unknown_timer = 0;
	it_focus_reporter_set(&h->rep, id, it_focus_now());
	rearm(h);
}

static gboolean on_stop(gpointer data)
{
	struct it_focus_helper *h = data;

	g_main_loop_quit(h->loop);
	return G_SOURCE_CONTINUE;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--socket PATH] [--stdout] [--source auto|atspi|x11]\n"
		"Reports which application has the focus (its id only: desktop-file id,\n"
		"executable name or WM_CLASS) to the inputtrace agent, one line per change.\n"
		"  --socket PATH   the agent's control socket (default %s)\n"
		"  --stdout        print the reports (\"focus ID\") instead of sending them\n"
		"  --source S      atspi: AT-SPI (X11 and Wayland); x11: EWMH _NET_ACTIVE_WINDOW;\n"
		"                  auto (default): AT-SPI, else X11\n",
		prog, IT_CONTROL_SOCKET_DEFAULT);
}

/* One helper per display: the XDG autostart entry and the user unit may both start
 * one. Returns 0 when this one goes on (or cannot tell), 1 when another holds the
 * display. The lock's fd stays open for the process's life. */
static int one_per_display(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR"), *w = getenv("WAYLAND_DISPLAY");
	const char *x = getenv("DISPLAY");
	char path[512];
	int fd;

	if (!run)
		return 0;
	snprintf(path, sizeof(path), "%s/inputtrace-focus-%s-%s.lock", run, w ? w : "",
		 x ? x : "");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || !flock(fd, LOCK_EX | LOCK_NB))
		return 0;
	it_notice("focus: another focus helper runs for this display (%s): not starting", path);
	close(fd);
	return 1;
}

/* Start the source asked for; auto: AT-SPI, else X11. Returns 0 or -1 (said why). */
static int start_source(struct it_focus_helper *h, const char *source)
{
	char aerr[256] = "", xerr[256] = "";

	if (strcmp(source, "x11")) {
		if (!it_focus_atspi_start(h, aerr, sizeof(aerr))) {
			it_notice("focus: following the focused application through AT-SPI");
			return 0;
		}
		if (!strcmp(source, "atspi")) {
			it_err("focus: AT-SPI: %s", aerr);
			return -1;
		}
	}
	if (!it_focus_x11_start(h, xerr, sizeof(xerr))) {
		it_notice("focus: following the focused application through X11 (EWMH _NET_ACTIVE_WINDOW)%s%s",
			  aerr[0] ? "; AT-SPI: " : "", aerr);
		return 0;
	}
	if (aerr[0])
		it_err("focus: no source of focus changes: AT-SPI: %s; X11: %s", aerr, xerr);
	else
		it_err("focus: X11: %s", xerr);
	return -1;
}

int it_focus_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "stdout", no_argument, NULL, 'o' },
		{ "source", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct it_focus_helper h = { .watched_fd = -1 };
	const char *path = IT_CONTROL_SOCKET_DEFAULT, *source = "auto";
	bool to_stdout = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'o': to_stdout = true; break;
		case 'S': source = optarg; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind < argc || (strcmp(source, "auto") && strcmp(source, "atspi") &&
			      strcmp(source, "x11"))) {
		it_err("focus: %s: expected --source auto, atspi or x11, and no arguments",
		       optind < argc ? argv[optind] : source);
		return 2;
	}
	if (!to_stdout && one_per_display())
		return 0;
	it_focus_reporter_init(&h.rep, path, to_stdout);
	h.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_stop, &h);
	g_unix_signal_add(SIGINT, on_stop, &h);
	if (start_source(&h, source))
		return 1;
	g_main_loop_run(h.loop);
	it_focus_x11_stop();
	it_focus_reporter_close(&h.rep);
	return h.exit_code;
}

/* A source that can no longer work ends the helper with exit code 1. */
void it_focus_fail(struct it_focus_helper *h)
{
	h->exit_code = 1;
	g_main_loop_quit(h->loop);
}
