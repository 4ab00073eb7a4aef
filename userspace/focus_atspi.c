// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * focus_atspi.c - focus changes from AT-SPI (focus.h): window:activate and
 * object:state-changed:focused name the application with the focus; a
 * window:deactivate of that application not followed by another's activation (the
 * wait is in it_focus_changed()) means the focus went where AT-SPI does not see (an
 * application without accessibility, the desktop): "unknown".
 */
#include <atspi/atspi.h>
#include <stdio.h>
#include <string.h>
#include "focus.h"

static struct it_focus_helper *helper;
static AtspiAccessible *cached_app;		/* the last application looked up, */
static char cached_id[IT_FOCUS_ID_MAX + 1];	/* and its id */
static char focused[IT_FOCUS_ID_MAX + 1];	/* what was reported */

/* The id of the application obj belongs to ("unknown" when it cannot be told). */
static void app_id_of(AtspiAccessible *obj, char *id)
{
	AtspiAccessible *app = atspi_accessible_get_application(obj, NULL);
	guint pid;

	if (!app) {
		strcpy(id, "unknown");
		return;
	}
	if (app != cached_app) {
		pid = atspi_accessible_get_process_id(app, NULL);
		it_focus_app_id("/proc", (pid_t)pid, cached_id);
		if (cached_app)
			g_object_unref(cached_app);
		cached_app = g_object_ref(app);
	}
	memcpy(id, cached_id, sizeof(cached_id));
	g_object_unref(app);
}

static void report(const char *id)
{
	snprintf(focused, sizeof(focused), "%s", id);
	it_focus_changed(helper, id);
}

static void on_event(AtspiEvent *ev, void *data)
{
	char id[IT_FOCUS_ID_MAX + 1];

	if (!strcmp(ev->type, "window:deactivate")) {
		app_id_of(ev->source, id);
		/* another's activation may come before this one's deactivation */
		if (!strcmp(id, focused))
			report("unknown");
	} else if (!strcmp(ev->type, "window:activate") || ev->detail1 == 1) {
		app_id_of(ev->source, id);
		report(id);
	}
	g_boxed_free(ATSPI_TYPE_EVENT, ev);
}

/* The application whose window is active now, or "unknown". */
static void initial_focus(char *id)
{
	AtspiAccessible *desktop = atspi_get_desktop(0);
	gint i, j, napps = desktop ? atspi_accessible_get_child_count(desktop, NULL) : 0;

	strcpy(id, "unknown");
	for (i = 0; i < napps && !strcmp(id, "unknown"); i++) {
		AtspiAccessible *app = atspi_accessible_get_child_at_index(desktop, i, NULL);
		gint nwin = app ? atspi_accessible_get_child_count(app, NULL) : 0;

		for (j = 0; j < nwin; j++) {
			AtspiAccessible *win = atspi_accessible_get_child_at_index(app, j, NULL);
			AtspiStateSet *st = win ? atspi_accessible_get_state_set(win) : NULL;
			bool active = st && atspi_state_set_contains(st, ATSPI_STATE_ACTIVE);

			if (active)
				app_id_of(win, id);
			if (st)
				g_object_unref(st);
			if (win)
				g_object_unref(win);
			if (active)
				break;
		}
		if (app)
			g_object_unref(app);
	}
	if (desktop)
		g_object_unref(desktop);
}

int it_focus_atspi_start(struct it_focus_helper *h, char *err, size_t errlen)
{
	static const char *const events[] = {
		"window:activate", "window:deactivate", "object:state-changed:focused",
	};
	AtspiEventListener *l;
	char id[IT_FOCUS_ID_MAX + 1];
	GError *e = NULL;
	size_t i;

	helper = h;
	if (atspi_init() == 2) {
		snprintf(err, errlen, "no accessibility bus (at-spi-bus-launcher not reachable)");
		return -1;
	}
	l = atspi_event_listener_new(on_event, NULL, NULL);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (!atspi_event_listener_register(l, events[i], &e)) {
			snprintf(err, errlen, "cannot follow %s: %s", events[i],
				 e ? e->message : "refused");
			g_clear_error(&e);
			g_object_unref(l);
			atspi_exit();
			return -1;
		}
	}
	initial_focus(id);
	report(id);
	return 0;
}
