// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_agent_focus.c - the agent's side of focus reports (userspace/agent_focus.c)
 * with a real control socket driven as the agent's loop drives it (it_control_wait,
 * it_control_tick), the collector writing JSON Lines to a file and pause hooks that
 * write the pause records as the agent's do: the focus records in order (allow-list,
 * "other", nothing for the same context again), the focus pause (kernel flag, drain,
 * then the records; the reverse on release), a malformed report refused and counted,
 * reports of a uid outside root and the control group refused and counted until the
 * session is known, then only the session's uid; the helper's exit seen at once
 * ("unknown"); the rate bound (the last change applied by the timer). Needs root (it
 * switches uids in children); skipped otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent_focus.h"
#include "format_context.h"
#include "control_test.h"
#include "flags.h"
#include "sink.h"
#include "slurp.h"

static struct it_collector col;
static struct it_agent_focus af;
static struct it_control ctl;
static struct it_pause_state ps;
static struct it_sink *sink;
static struct it_opts opts;
static char out[128], hooks[64];

static void hook_add(char ch)
{
	size_t n = strlen(hooks);

	if (n + 1 < sizeof(hooks))
		hooks[n] = ch;
}

static int hk_kernel(void *ctx, bool paused)
{
	hook_add(paused ? 'K' : 'k');
	return 0;
}

static void hk_drain(void *ctx)
{
	hook_add('D');
}

static void hk_record(void *ctx, bool pause, const struct it_ctl_req *r, uint64_t mono, uint64_t real)
{
	hook_add('R');
	it_collector_control(&col, pause, r, mono, real);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void turn(int ms)
{
	assert_true(it_control_wait(&ctl, -1, ms) >= 0 || errno == EINTR);
	it_control_tick(&ctl, &ps, mono());
}

/* The focus, pause and resume records so far, one word each: "gedit", "other/secretapp"
 * (paused_by), "pause:focus", "resume:focus". */
static const char *seq(void)
{
	static char s[2048];
	char *p, *line, *save = NULL;

	it_collector_flush(&col);
	s[0] = 0;
	for (line = strtok_r(slurp(out), "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char app[80] = "", by[80] = "", via[16] = "";

		if (strstr(line, "\"record\":\"focus\"")) {
			sscanf(strstr(line, "\"app\":\"") + 7, "%79[^\"]", app);
			if ((p = strstr(line, "\"paused_by\":\"")))
				sscanf(p + 13, "%79[^\"]", by);
			snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s%s%s ", app, *by ? "/" : "", by);
		} else if (strstr(line, "\"record\":\"pause\"") || strstr(line, "\"record\":\"resume\"")) {
			sscanf(strstr(line, "\"via\":\"") + 7, "%15[^\"]", via);
			snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s:%s ",
				 strstr(line, "\"pause\"") ? "pause" : "resume", via);
		}
	}
	return s;
}

/* Run the server until fd has a whole line (at most 5 s); it is returned. */
static const char *reply_on(int fd)
{
	static char reply[256];
	double t0 = mono();
	size_t n = 0;

	reply[0] = 0;
	while (mono() - t0 < 5 && !memchr(reply, '\n', n)) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t got;

		turn(10);
		if (poll(&pf, 1, 0) == 1) {
			got = read(fd, reply + n, sizeof(reply) - 1 - n);
			if (got <= 0)
				break;
			n += (size_t)got;
		}
		reply[n] = 0;
	}
	reply[strcspn(reply, "\n")] = 0;
	return reply;
}

/* Send text as uid/gid (0: this process, which stays; else a child that exits once
 * answered) and run the server until the answer is back: it is returned (first line). */
static const char *report_as(uid_t uid, gid_t gid, const char *text)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *reply;
	int p[2], status;
	pid_t pid;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", ctl.path);
	if (!uid) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		assert_true(fd >= 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(write(fd, text, strlen(text)), strlen(text));
		reply = reply_on(fd);
		close(fd);
		return reply;
	}
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char ans[256];
		ssize_t got;
		int fd;

		close(p[0]);
		if (uid && (setgroups(0, NULL) || setgid(gid) || setuid(uid)))
			_exit(4);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
			_exit(3);
		got = read(fd, ans, sizeof(ans));
		if (got > 0 && write(p[1], ans, (size_t)got) < 0)
			_exit(5);
		_exit(0);
	}
	close(p[1]);
	reply = reply_on(p[0]);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return reply;
}

/* Turn the loop until seq() ends with want (at most secs). */
static void await_seq(const char *want, double secs)
{
	double t0 = mono();
	size_t n = strlen(want), l;
	const char *s;

	for (;;) {
		s = seq();
		l = strlen(s);
		if (l >= n && !strcmp(s + l - n, want))
			return;
		if (mono() - t0 > secs)
			fail_msg("records \"%s\" do not end with \"%s\"", s, want);
		turn(20);
	}
}

static void start(void)
{
	char line[256], err[256];
	struct it_sink_cfg cfg;

	snprintf(out, sizeof(out), "%s/out.jsonl", tmpdir);
	unlink(out);
	memset(hooks, 0, sizeof(hooks));
	memset(&ctl, 0, sizeof(ctl));	/* no verb, no watch of an earlier test */
	snprintf(line, sizeof(line), "-o %s --apps gedit,Zenity --pause-apps secretapp", out);
	parse_flags(line, &opts);
	it_sink_cfg_from_opts(&cfg, &opts);
	sink = it_sink_open_cfg(&cfg, err, sizeof(err));
	assert_non_null(sink);
	assert_int_equal(it_collector_init(&col, &opts, sink, "/nonexistent"), 0);
	snprintf(line, sizeof(line), "%s/ctl.sock", tmpdir);
	assert_int_equal(it_control_open(&ctl, line, true, GROUP, err, sizeof(err)), 0);
	ps = (struct it_pause_state){ .status = { .fd = -1 },
		.ops = { .set_kernel = hk_kernel, .drain = hk_drain, .record = hk_record } };
	assert_int_equal(it_agent_focus_start(&af, &opts, &ctl, &ps, &col, true, GROUP), 0);
	it_agent_focus_begin(&af);
}

static void stop(void)
{
	it_agent_focus_end(&af);
	it_agent_focus_close(&af);
	it_control_close(&ctl);
	it_sink_close(sink);
	it_collector_free(&col);
	it_sink_free(sink);
	memset(&af, 0, sizeof(af));
}

static void test_reports_records_pause(void **state)
{
	struct stat st;

	if (geteuid() != 0)
		skip();
	start();
	assert_non_null(col.st.context);
	assert_true(col.st.context->focus && !col.st.context->tools);
	assert_int_equal(stat(ctl.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666);	/* the helper is any user */
	assert_string_equal(seq(), "unknown ");
	assert_string_equal(report_as(0, 0, "focus gedit\n"), "ok focus");
	assert_string_equal(report_as(0, 0, "focus zenity\n"), "ok focus");	/* as listed */
	assert_string_equal(report_as(0, 0, "focus xterm\n"), "ok focus");
	assert_string_equal(report_as(0, 0, "focus xterm\n"), "ok focus");	/* nothing new */
	assert_string_equal(seq(), "unknown gedit Zenity other ");
	assert_string_equal(hooks, "DDD");	/* the ring buffer read before each record */
	memset(hooks, 0, sizeof(hooks));
	/* a pause-listed application: kernel flag, drain, then the records */
	assert_string_equal(report_as(0, 0, "focus SecretApp\n"), "ok focus");
	assert_true(ps.holds & IT_HOLD_FOCUS);
	assert_string_equal(hooks, "KDR");
	assert_string_equal(report_as(0, 0, "focus gedit\n"), "ok focus");
	assert_string_equal(hooks, "KDRRk");	/* released: records, then the flag */
	assert_int_equal(ps.holds, 0);
	assert_string_equal(seq(), "unknown gedit Zenity other pause:focus other/secretapp "
			    "resume:focus gedit ");
	/* malformed: refused, counted, nothing recorded */
	assert_string_equal(report_as(0, 0, "focus bad/id\n"),
			    "error: bad app id in focus report: byte 0x2f at offset 9 (allowed: A-Z a-z 0-9 . _ -)");
	assert_string_equal(report_as(0, 0, "focus\n"), "error: malformed focus report (not \"focus ID\")");
	assert_int_equal(af.stats.malformed, 2);
	assert_int_equal(af.stats.reports, 6);
	assert_int_equal(af.stats.records, 4);	/* other -> other (paused): no change of app */
	assert_int_equal(af.stats.pauses, 1);
	stop();
}

static void test_who_may_report(void **state)
{
	if (geteuid() != 0)
		skip();
	start();
	/* no session known: root and the control group only */
	assert_string_equal(report_as(NOBODY, NOBODY, "focus gedit\n"),
			    "error: focus report from uid 65534 refused: not root nor in the control "
			    "group (no session tracking)");
	assert_int_equal(af.stats.refused_uid, 1);
	assert_string_equal(seq(), "unknown ");
	/* a member of the group: accepted; its process exits: "unknown" at once */
	assert_string_equal(report_as(NOBODY, GROUP, "focus gedit\n"), "ok focus");
	await_seq("unknown gedit unknown ", 3);
	/* the session's user, once known: only that uid, root included refused */
	it_agent_focus_set_active_uid(&af, true, NOBODY);
	assert_string_equal(report_as(0, 0, "focus gedit\n"),
			    "error: focus report from uid 0 refused: the active session's user is uid 65534");
	assert_string_equal(report_as(NOBODY, NOBODY, "focus zenity\n"), "ok focus");
	assert_int_equal(af.stats.refused_uid, 2);
	/* nobody active: every report refused */
	it_agent_focus_set_active_uid(&af, false, 0);
	assert_string_equal(report_as(NOBODY, NOBODY, "focus gedit\n"),
			    "error: focus report from uid 65534 refused: no active session");
	await_seq("unknown gedit unknown Zenity unknown ", 3);
	assert_int_equal(af.stats.refused_uid, 3);
	stop();
}

static void test_rate_bound(void **state)
{
	char line[64];
	double t0;
	int i;

	if (geteuid() != 0)
		skip();
	start();
	it_agent_focus_set_active_uid(&af, true, 0);
	t0 = mono();
	for (i = 0; i < 15; i++) {
		snprintf(line, sizeof(line), "focus app%d\n", i);
		assert_string_equal(report_as(0, 0, i % 2 ? "focus gedit\n" : line), "ok focus");
	}
	/* the 15 reports alternate other/gedit, ending with other (app14): within a
	 * second the bound (10 a second) records the first 10 (the 10th: gedit) and holds
	 * the others back, coalesced to the last, which the timer records after the
	 * window (unless the loop took over a second) */
	if (mono() - t0 < 1.0) {
		assert_int_equal(af.stats.records, 10);
		assert_int_equal(af.stats.coalesced, 2);	/* app10 by gedit, app12 by gedit */
		assert_true(strstr(seq(), "gedit other gedit ") != NULL);
		await_seq("gedit other ", 3);
		assert_int_equal(af.stats.records, 11);
	} else {
		await_seq("gedit other ", 3);
	}
	stop();
}

/* The records' writers (format_context.c) and the header's lists (focus_opts.c). */
static void test_writers(void **state)
{
	struct it_buf b = { 0 };
	struct it_tool_rec t = { .start = true, .tool = "/usr/bin/gimp", .pid = 4242,
		.mono_ns = 12000345000ull, .real_ns = 1795980797008153618ull };
	struct it_context_stats cs = { .focus = true, .tools = true, .reports = 1, .records = 2,
		.refused_uid = 3, .malformed = 4, .coalesced = 5, .pauses = 6, .tool_records = 7,
		.tools_lost = 8 };
	char line[256];

	it_jsonl_focus(NULL, &b, "gedit", NULL, 12000345000ull, 1795980797008153618ull);
	it_jsonl_focus(NULL, &b, "other", "org.keepassxc.KeePassXC", 12000345000ull,
		       1795980797008153618ull);
	it_jsonl_tool(NULL, &b, &t);
	t.start = false;
	t.exit_code = 256;
	it_jsonl_tool(NULL, &b, &t);
	it_csv_focus(NULL, &b, "-gedit", "x", 12000345000ull, 1795980797008153618ull);
	it_csv_tool(NULL, &b, &t);
	it_buf_puts(&b, "{");
	it_context_stats_json(&b, &cs);
	it_buf_puts(&b, "}\n");
	it_buf_putc(&b, 0);
	assert_string_equal(b.p,
		"{\"record\":\"focus\",\"time\":\"2026-11-29T19:33:17.008153Z\",\"sec\":12,\"usec\":345,\"app\":\"gedit\"}\n"
		"{\"record\":\"focus\",\"time\":\"2026-11-29T19:33:17.008153Z\",\"sec\":12,\"usec\":345,\"app\":\"other\",\"paused_by\":\"org.keepassxc.KeePassXC\"}\n"
		"{\"record\":\"tool\",\"time\":\"2026-11-29T19:33:17.008153Z\",\"sec\":12,\"usec\":345,\"event\":\"start\",\"tool\":\"/usr/bin/gimp\",\"pid\":4242}\n"
		"{\"record\":\"tool\",\"time\":\"2026-11-29T19:33:17.008153Z\",\"sec\":12,\"usec\":345,\"event\":\"stop\",\"tool\":\"/usr/bin/gimp\",\"pid\":4242,\"exit_code\":256}\n"
		/* CSV: an id that starts like a formula is made text */
		"focus,,,12,345,2026-11-29T19:33:17.008153Z,paused,'-gedit,\n"
		"tool,,,12,345,2026-11-29T19:33:17.008153Z,stop,/usr/bin/gimp,4242\n"
		"{,\"focus\":{\"reports\":1,\"records\":2,\"refused_uid\":3,\"malformed\":4,"
		"\"coalesced\":5,\"pauses\":6},\"tools\":{\"records\":7,\"lost\":8}}\n");
	it_buf_free(&b);
	/* the header's lists: the pause list in force, defaults included; off: none */
	snprintf(line, sizeof(line), "--apps gedit --pause-apps secretapp --tools true,/bin/ls");
	parse_flags(line, &opts);
	memset(&b, 0, sizeof(b));
	it_focus_opts_json(&opts.focus, &b);
	it_buf_putc(&b, 0);
	assert_non_null(strstr(b.p, ",\"focus\":true,\"apps\":[\"gedit\"],\"pause_apps\":[\"secretapp\","
				       "\"org.keepassxc.KeePassXC\","));
	assert_non_null(strstr(b.p, "\"lxpolkit\"],\"tools\":[\"true\",\"/bin/ls\"]"));
	it_buf_free(&b);
	parse_flags("--tools true --no-default-pause-apps", &opts);
	memset(&b, 0, sizeof(b));
	it_focus_opts_json(&opts.focus, &b);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, ",\"focus\":false,\"apps\":[],\"pause_apps\":[],\"tools\":[\"true\"]");
	it_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_records_pause),
		cmocka_unit_test(test_who_may_report),
		cmocka_unit_test(test_rate_bound),
		cmocka_unit_test(test_writers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
