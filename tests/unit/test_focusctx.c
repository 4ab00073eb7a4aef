// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_focusctx.c - the agent's side of focus reports (userspace/focusctx.c): the
 * report parser and app id rules, the allow-list and the pause list (defaults, case,
 * files), reports from another uid refused and counted, the rate bound (coalesced to
 * the last, a pause never delayed), the helper gone and the session changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "focusctx.h"

#define UID 1000
#define MS 1000000ull
#define S 1000000000ull

static char reason[256];

/* A report line s (its length; no newline) from uid at t. */
static int report(struct it_focusctx *c, const char *s, uid_t uid, uint64_t t,
		  struct it_focus_decision *d)
{
	return it_focusctx_report(c, s, strlen(s), uid, UID, t, d, reason, sizeof(reason));
}

static void init(struct it_focusctx *c, const char *apps, const char *pause, bool no_default,
		 unsigned int rate)
{
	struct it_focusctx_config cfg;
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	if (apps)
		assert_int_equal(it_focus_list_add(&cfg.apps, apps, err, sizeof(err)), 0);
	if (pause)
		assert_int_equal(it_focus_list_add(&cfg.pause, pause, err, sizeof(err)), 0);
	cfg.no_default_pause = no_default;
	cfg.rate = rate;
	assert_int_equal(it_focusctx_init(c, &cfg, err, sizeof(err)), 0);
}

static void test_id_rules(void **state)
{
	char id65[66];

	assert_true(it_focus_id_valid("org.gtk.Demo"));
	assert_true(it_focus_id_valid("gtk3-demo"));
	assert_true(it_focus_id_valid("a_b.C-9"));
	memset(id65, 'a', 65);
	id65[65] = 0;
	assert_false(it_focus_id_valid(id65));
	id65[64] = 0;
	assert_true(it_focus_id_valid(id65));
	assert_false(it_focus_id_valid(""));
	assert_false(it_focus_id_valid("my app"));
	assert_false(it_focus_id_valid("../x"));
	assert_false(it_focus_id_valid("caf\xc3\xa9"));
	assert_false(it_focus_id_valid("a\"b"));
}

static void test_parse(void **state)
{
	char id[IT_FOCUS_ID_MAX + 1], line[128];

	assert_int_equal(it_focus_parse("focus gtk3-demo", 15, id, reason, sizeof(reason)), 0);
	assert_string_equal(id, "gtk3-demo");
	/* not NUL-terminated: only len bytes are read */
	assert_int_equal(it_focus_parse("focus zenityXXXX", 12, id, reason, sizeof(reason)), 0);
	assert_string_equal(id, "zenity");

	assert_int_equal(it_focus_parse("focus ", 6, id, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "empty app id"));
	assert_int_equal(it_focus_parse("FOCUS a", 7, id, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "not \"focus ID\""));
	assert_int_equal(it_focus_parse("focusa", 6, id, reason, sizeof(reason)), -1);
	assert_int_equal(it_focus_parse("pause", 5, id, reason, sizeof(reason)), -1);
	assert_int_equal(it_focus_parse("focus a b", 9, id, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "bad app id in focus report: byte 0x20 at offset 7 "
				    "(allowed: A-Z a-z 0-9 . _ -)");
	assert_int_equal(it_focus_parse("focus a\0b", 9, id, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "byte 0x00 at offset 7"));
	assert_int_equal(it_focus_parse("focus a\r", 8, id, reason, sizeof(reason)), -1);

	/* 64 characters fit, 65 are oversized */
	memcpy(line, "focus ", 6);
	memset(line + 6, 'x', 65);
	assert_int_equal(it_focus_parse(line, 6 + 64, id, reason, sizeof(reason)), 0);
	assert_int_equal(strlen(id), 64);
	assert_int_equal(it_focus_parse(line, 6 + 65, id, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "oversized focus report (71 bytes, at most 70)");
}

static void test_lists(void **state)
{
	struct it_focus_list l;
	char err[256], path[] = "/tmp/it-focus-list-XXXXXX", buf[64];
	FILE *f;
	int fd, i;

	memset(&l, 0, sizeof(l));
	assert_int_equal(it_focus_list_add(&l, "org.gtk.Demo, zenity ,Zenity", err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);	/* "Zenity" is "zenity" */
	assert_string_equal(it_focus_list_find(&l, "ORG.GTK.DEMO"), "org.gtk.Demo");
	assert_null(it_focus_list_find(&l, "yad"));
	assert_int_equal(it_focus_list_add(&l, "yad,,x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "app id empty"));
	assert_int_equal(it_focus_list_add(&l, "bad id", err, sizeof(err)), -1);
	assert_string_equal(err, "bad id: bad app id \"bad id\" (allowed: A-Z a-z 0-9 . _ -)");

	/* a file: one id a line, comments and blank lines skipped */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# tools we study\n\n  org.gnome.TextEditor \nfirefox-esr\n");
	fclose(f);
	memset(&l, 0, sizeof(l));
	assert_int_equal(it_focus_list_add(&l, path, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.ids[0], "org.gnome.TextEditor");
	assert_string_equal(l.ids[1], "firefox-esr");
	f = fopen(path, "w");
	fprintf(f, "ok\nnot/ok\n");
	fclose(f);
	assert_int_equal(it_focus_list_add(&l, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: bad app id \"not/ok\""));
	unlink(path);
	assert_int_equal(it_focus_list_add(&l, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read app list"));

	/* bounded */
	memset(&l, 0, sizeof(l));
	for (i = 0; i < IT_FOCUS_LIST_MAX; i++) {
		snprintf(buf, sizeof(buf), "app%d", i);
		assert_int_equal(it_focus_list_add(&l, buf, err, sizeof(err)), 0);
	}
	assert_int_equal(it_focus_list_add(&l, "one-more", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 256"));
	it_focus_list_format(&l, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_string_equal(buf + sizeof(buf) - 4, "...");
}

static void test_allow_list(void **state)
{
	struct it_focusctx c;
	struct it_focus_decision d;

	init(&c, "org.gtk.Demo,zenity", NULL, false, 0);
	assert_string_equal(c.cur.context, "unknown");
	assert_int_equal(report(&c, "focus org.gtk.demo", UID, 1 * S, &d), 0);
	assert_true(d.record);
	assert_string_equal(d.context, "org.gtk.Demo");	/* as listed */
	assert_false(d.pause_changed);
	assert_int_equal(report(&c, "focus yad", UID, 2 * S, &d), 0);
	assert_true(d.record);
	assert_string_equal(d.context, "other");
	/* another unlisted app: still "other", nothing new to record */
	assert_int_equal(report(&c, "focus gedit", UID, 3 * S, &d), 0);
	assert_false(d.record);
	assert_string_equal(d.context, "other");
	assert_int_equal(report(&c, "focus unknown", UID, 4 * S, &d), 0);
	assert_true(d.record);
	assert_string_equal(d.context, "unknown");
	assert_int_equal(c.stats.reports, 4);
	assert_int_equal(c.stats.records, 3);
}

static void test_pause_list(void **state)
{
	struct it_focusctx c;
	struct it_focus_decision d;

	init(&c, "zenity,keepassxc", "com.example.Bank", false, 0);
	/* defaults, by executable name and desktop-file id, any case */
	assert_int_equal(report(&c, "focus KeePassXC", UID, 1 * S, &d), 0);
	assert_true(d.pause_changed);
	assert_true(d.paused);
	assert_string_equal(d.pause_app, "keepassxc");
	assert_true(d.record);
	assert_string_equal(d.context, "keepassxc");	/* allow-listed too */
	assert_int_equal(report(&c, "focus zenity", UID, 2 * S, &d), 0);
	assert_true(d.pause_changed);
	assert_false(d.paused);
	assert_int_equal(report(&c, "focus org.keepassxc.KeePassXC", UID, 3 * S, &d), 0);
	assert_true(d.paused);
	assert_string_equal(d.context, "other");
	/* from one pause-listed app to another: still paused, no pause change */
	assert_int_equal(report(&c, "focus gcr-prompter", UID, 4 * S, &d), 0);
	assert_false(d.pause_changed);
	assert_true(d.paused);
	assert_string_equal(d.pause_app, "gcr-prompter");
	/* the operator's own entry */
	assert_int_equal(report(&c, "focus zenity", UID, 5 * S, &d), 0);
	assert_int_equal(report(&c, "focus com.example.bank", UID, 6 * S, &d), 0);
	assert_true(d.pause_changed);
	assert_true(d.paused);
	assert_int_equal(c.stats.pauses, 3);
	/* "unknown" never pauses */
	assert_int_equal(report(&c, "focus unknown", UID, 7 * S, &d), 0);
	assert_false(d.paused);

	/* without the defaults only the operator's list pauses */
	init(&c, NULL, "com.example.Bank", true, 0);
	assert_int_equal(report(&c, "focus keepassxc", UID, 1 * S, &d), 0);
	assert_false(d.paused);
	assert_int_equal(c.cfg.pause.n, 1);
}

static void test_refused(void **state)
{
	struct it_focusctx c;
	struct it_focus_decision d = { .context = "untouched" };

	init(&c, NULL, NULL, false, 0);
	assert_int_equal(report(&c, "focus zenity", 1001, 1 * S, &d), -1);
	assert_string_equal(reason,
			    "focus report from uid 1001 refused: the active session's user is uid 1000");
	assert_int_equal(report(&c, "focus zenity", 0, 1 * S, &d), -1);	/* root too */
	assert_int_equal(it_focusctx_report(&c, "focus zenity", 12, UID, IT_FOCUS_NO_UID, 1 * S,
					    &d, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "focus report from uid 1000 refused: no active session");
	assert_int_equal(report(&c, "focus my app", UID, 1 * S, &d), -1);
	assert_int_equal(report(&c, "status", UID, 1 * S, &d), -1);
	assert_string_equal(d.context, "untouched");
	assert_int_equal(c.stats.refused_uid, 3);
	assert_int_equal(c.stats.malformed, 2);
	assert_int_equal(c.stats.reports, 0);
	assert_string_equal(c.cur.context, "unknown");
}

static void test_rate(void **state)
{
	struct it_focusctx c;
	struct it_focus_decision d;

	init(&c, "a,b,c,d,e", NULL, false, 3);
	assert_int_equal(report(&c, "focus a", UID, 10 * S, &d), 0);
	assert_true(d.record);
	assert_int_equal(report(&c, "focus b", UID, 10 * S + 100 * MS, &d), 0);
	assert_true(d.record);
	assert_int_equal(report(&c, "focus c", UID, 10 * S + 200 * MS, &d), 0);
	assert_true(d.record);
	assert_int_equal(it_focusctx_deadline(&c), 0);
	/* the window is full: d and e wait, e replaces d */
	assert_int_equal(report(&c, "focus d", UID, 10 * S + 300 * MS, &d), 0);
	assert_false(d.record);
	assert_string_equal(d.context, "c");
	assert_int_equal(report(&c, "focus e", UID, 10 * S + 400 * MS, &d), 0);
	assert_false(d.record);
	assert_int_equal(report(&c, "focus e", UID, 10 * S + 450 * MS, &d), 0);
	assert_int_equal(c.stats.coalesced, 1);
	assert_int_equal(it_focusctx_deadline(&c), 11 * S);
	assert_false(it_focusctx_tick(&c, 11 * S - 1, &d));
	assert_true(it_focusctx_tick(&c, 11 * S, &d));
	assert_true(d.record);
	assert_string_equal(d.context, "e");
	assert_int_equal(it_focusctx_deadline(&c), 0);
	assert_false(it_focusctx_tick(&c, 12 * S, &d));
	assert_int_equal(c.stats.records, 4);

	/* a waiting change undone (back to what is recorded) is dropped */
	init(&c, "a,b", NULL, false, 1);
	assert_int_equal(report(&c, "focus a", UID, 1 * S, &d), 0);
	assert_int_equal(report(&c, "focus b", UID, 1 * S + 1, &d), 0);
	assert_false(d.record);
	assert_int_equal(report(&c, "focus a", UID, 1 * S + 2, &d), 0);
	assert_false(d.record);
	assert_int_equal(it_focusctx_deadline(&c), 0);
	assert_int_equal(c.stats.coalesced, 1);
}

static void test_rate_pause(void **state)
{
	struct it_focusctx c;
	struct it_focus_decision d;

	init(&c, "a", NULL, false, 1);
	assert_int_equal(report(&c, "focus a", UID, 1 * S, &d), 0);
	assert_true(d.record);
	/* the window is full, but a pause is never delayed */
	assert_int_equal(report(&c, "focus keepassxc", UID, 1 * S + 10 * MS, &d), 0);
	assert_true(d.pause_changed);
	assert_true(d.paused);
	assert_true(d.record);
	assert_string_equal(d.context, "other");
	/* leaving it is: capture stays paused until the next window */
	assert_int_equal(report(&c, "focus a", UID, 1 * S + 20 * MS, &d), 0);
	assert_false(d.pause_changed);
	assert_true(d.paused);
	assert_true(it_focusctx_tick(&c, 2 * S, &d));
	assert_true(d.pause_changed);
	assert_false(d.paused);
	assert_string_equal(d.context, "a");
}

static void test_gone_and_session(void **state)
{
	struct it_focusctx c;
	struct it_focus_decision d;

	init(&c, "zenity", NULL, false, 0);
	assert_false(it_focusctx_gone(&c, 1 * S, &d));	/* unknown already */
	assert_int_equal(report(&c, "focus zenity", UID, 1 * S, &d), 0);
	assert_true(it_focusctx_gone(&c, 2 * S, &d));
	assert_true(d.record);
	assert_string_equal(d.context, "unknown");
	assert_false(d.pause_changed);

	/* gone while a pause-listed app had the focus: the pause stays (fail closed) */
	assert_int_equal(report(&c, "focus pinentry-gnome3", UID, 3 * S, &d), 0);
	assert_true(d.paused);
	assert_true(it_focusctx_gone(&c, 4 * S, &d));
	assert_string_equal(d.context, "unknown");
	assert_false(d.pause_changed);
	assert_true(d.paused);
	/* the session changes: unknown, and that user's pause ends */
	assert_true(it_focusctx_session(&c, 5 * S, &d));
	assert_false(d.record);
	assert_true(d.pause_changed);
	assert_false(d.paused);
	assert_false(it_focusctx_session(&c, 6 * S, &d));
}

static void test_describe(void **state)
{
	struct it_focusctx c;
	char buf[4096];

	init(&c, "org.gtk.Demo,zenity", "com.example.Bank", true, 5);
	it_focusctx_describe(&c, buf, sizeof(buf));
	assert_string_equal(buf, "apps=org.gtk.Demo,zenity pause-apps=com.example.Bank rate=5/s");
	init(&c, NULL, NULL, false, 0);
	it_focusctx_describe(&c, buf, sizeof(buf));
	assert_non_null(strstr(buf, "apps=(none: all other) pause-apps=org.keepassxc.KeePassXC,"));
	assert_non_null(strstr(buf, ",gcr-prompter,"));
	assert_non_null(strstr(buf, " rate=10/s"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_rules),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_pause_list),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_rate_pause),
		cmocka_unit_test(test_gone_and_session),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
