// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * focus_x11.c - focus changes from an EWMH window manager (focus.h): the root
 * window's _NET_ACTIVE_WINDOW property, watched with PropertyChangeMask; the active
 * window's application from its _NET_WM_PID (when WM_CLIENT_MACHINE is this host),
 * else the class part of its WM_CLASS.
 */
#include <glib.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xcb/xcb.h>
#include "focus.h"

static struct it_focus_helper *helper;
static xcb_connection_t *conn;
static xcb_window_t root;
static xcb_atom_t a_active, a_pid, a_check;
static guint watch;

static xcb_atom_t atom(const char *name)
{
	xcb_intern_atom_reply_t *r;
	xcb_atom_t a = XCB_ATOM_NONE;

	r = xcb_intern_atom_reply(conn, xcb_intern_atom(conn, 0, (uint16_t)strlen(name), name),
				  NULL);
	if (r)
		a = r->atom;
	free(r);
	return a;
}

/* Property prop of w, of type type, up to 1 KiB: its bytes into buf (NUL added) and
 * their count, or -1. */
static int property(xcb_window_t w, xcb_atom_t prop, xcb_atom_t type, void *buf, size_t len)
{
	xcb_get_property_reply_t *r;
	int n = -1;

	r = xcb_get_property_reply(conn, xcb_get_property(conn, 0, w, prop, type, 0, 256), NULL);
	if (r && r->type == type && xcb_get_property_value_length(r) > 0) {
		n = xcb_get_property_value_length(r);
		if ((size_t)n >= len)
			n = (int)len - 1;
		memcpy(buf, xcb_get_property_value(r), (size_t)n);
		((char *)buf)[n] = 0;
	}
	free(r);
	return n;
}

static bool local_client(xcb_window_t w)
{
	char machine[256], host[256];

	if (property(w, XCB_ATOM_WM_CLIENT_MACHINE, XCB_ATOM_STRING, machine, sizeof(machine)) < 0)
		return true;	/* not said: the pid is checked to be ours anyway */
	return !gethostname(host, sizeof(host)) && !strcmp(machine, host);
}

static void window_id(xcb_window_t w, char *id)
{
	uint32_t pid[2];
	char cls[256];
	int n;

	strcpy(id, "unknown");
	if (!w)
		return;
	if (property(w, a_pid, XCB_ATOM_CARDINAL, pid, sizeof(pid)) >= 4 && local_client(w) &&
	    !it_focus_app_id("/proc", (pid_t)pid[0], id))
		return;
	/* WM_CLASS: "instance\0class\0" */
	n = property(w, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING, cls, sizeof(cls));
	if (n > 0 && strlen(cls) + 1 < (size_t)n && it_focus_id_valid(cls + strlen(cls) + 1))
		snprintf(id, IT_FOCUS_ID_MAX + 1, "%s", cls + strlen(cls) + 1);
}

static void report_active(void)
{
	char id[IT_FOCUS_ID_MAX + 1];
	uint32_t w[2] = { 0 };

	if (property(root, a_active, XCB_ATOM_WINDOW, w, sizeof(w)) < 4)
		w[0] = 0;
	window_id(w[0], id);
	it_focus_changed(helper, id);
}

/* Events waiting (read from the socket or queued by replies): true when the active
 * window changed among them. */
static bool drain(void)
{
	xcb_generic_event_t *ev;
	bool changed = false;

	while ((ev = xcb_poll_for_event(conn))) {
		if ((ev->response_type & 0x7f) == XCB_PROPERTY_NOTIFY &&
		    ((xcb_property_notify_event_t *)ev)->atom == a_active)
			changed = true;
		free(ev);
	}
	return changed;
}

static gboolean on_x(gint fd, GIOCondition cond, gpointer data)
{
	while (drain())
		report_active();
	if (xcb_connection_has_error(conn)) {
		it_focus_fail(helper);
		watch = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

int it_focus_x11_start(struct it_focus_helper *h, char *err, size_t errlen)
{
	const uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	uint32_t check[2];
	int screen;
	xcb_screen_iterator_t it;

	helper = h;
	conn = xcb_connect(NULL, &screen);
	if (xcb_connection_has_error(conn)) {
		snprintf(err, errlen, "cannot open the X display%s%s",
			 getenv("DISPLAY") ? " " : " (DISPLAY not set)",
			 getenv("DISPLAY") ? getenv("DISPLAY") : "");
		it_focus_x11_stop();
		return -1;
	}
	it = xcb_setup_roots_iterator(xcb_get_setup(conn));
	for (; screen > 0 && it.rem; screen--)
		xcb_screen_next(&it);
	root = it.data->root;
	a_active = atom("_NET_ACTIVE_WINDOW");
	a_pid = atom("_NET_WM_PID");
	a_check = atom("_NET_SUPPORTING_WM_CHECK");
	if (property(root, a_check, XCB_ATOM_WINDOW, check, sizeof(check)) < 4) {
		snprintf(err, errlen, "no EWMH window manager (no _NET_SUPPORTING_WM_CHECK)");
		it_focus_x11_stop();
		return -1;
	}
	/* our own event mask on the root: other clients' masks are theirs */
	xcb_change_window_attributes(conn, root, XCB_CW_EVENT_MASK, &mask);
	xcb_flush(conn);
	watch = g_unix_fd_add(xcb_get_file_descriptor(conn), G_IO_IN | G_IO_HUP | G_IO_ERR, on_x,
			      NULL);
	report_active();
	drain();
	return 0;
}

void it_focus_x11_stop(void)
{
	if (watch)
		g_source_remove(watch);
	watch = 0;
	if (conn)
		xcb_disconnect(conn);
	conn = NULL;
}
