// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_focushelper.c - the focus helper's parts that need no desktop: a process to
 * its app id (userspace/focus_app.c) on a made-up /proc, and the connection to the
 * agent (userspace/focus_report.c) against a socket served here: one line per change,
 * changes during an answer coalesced to the last, the agent gone and back, an agent
 * that does not answer. The desktop itself: tests/focus/run.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include "focus.h"

#define S 1000000000ull

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/it-focushelper-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* dir/proc/PID with exe -> exe (NULL: none), comm, environ (NUL-separated, len bytes) */
static void fake_proc(int pid, const char *exe, const char *comm, const char *env, size_t len)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/proc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/%d", dir, pid);
	mkdir(p, 0755);
	if (exe) {
		snprintf(p, sizeof(p), "%s/proc/%d/exe", dir, pid);
		assert_int_equal(symlink(exe, p), 0);
	}
	snprintf(p, sizeof(p), "%s/proc/%d/comm", dir, pid);
	f = fopen(p, "w");
	fprintf(f, "%s\n", comm);
	fclose(f);
	snprintf(p, sizeof(p), "%s/proc/%d/environ", dir, pid);
	f = fopen(p, "w");
	fwrite(env, 1, len, f);
	fclose(f);
}

static void test_app_id(void **state)
{
	static const char env_ok[] = "HOME=/x\0GIO_LAUNCHED_DESKTOP_FILE=/usr/share/applications/"
				     "org.gnome.TextEditor.desktop\0GIO_LAUNCHED_DESKTOP_FILE_PID=101\0";
	static const char env_child[] = "GIO_LAUNCHED_DESKTOP_FILE=/a/org.gnome.Terminal.desktop\0"
					"GIO_LAUNCHED_DESKTOP_FILE_PID=99\0";
	char proc[128], id[IT_FOCUS_ID_MAX + 1], p[256];
	FILE *f;

	snprintf(proc, sizeof(proc), "%s/proc", dir);
	/* the desktop-file id, for the pid GIO started */
	fake_proc(101, "/usr/bin/gnome-text-editor", "gnome-text-edit", env_ok, sizeof(env_ok));
	assert_int_equal(it_focus_app_id(proc, 101, id), 0);
	assert_string_equal(id, "org.gnome.TextEditor");
	/* a child inherited the variables: its own executable's name */
	fake_proc(102, "/usr/bin/bash", "bash", env_child, sizeof(env_child));
	assert_int_equal(it_focus_app_id(proc, 102, id), 0);
	assert_string_equal(id, "bash");
	/* the executable's full name, not comm's 15 characters */
	fake_proc(103, "/usr/lib/firefox-esr/firefox-esr (deleted)", "firefox-esr", "", 0);
	assert_int_equal(it_focus_app_id(proc, 103, id), 0);
	assert_string_equal(id, "firefox-esr");
	fake_proc(104, "/usr/bin/polkit-gnome-authentication-agent-1", "polkit-gnome-au", "", 0);
	assert_int_equal(it_focus_app_id(proc, 104, id), 0);
	assert_string_equal(id, "polkit-gnome-authentication-agent-1");
	/* a script: comm is its name, the executable is the interpreter */
	fake_proc(105, "/usr/bin/python3.11", "meld", "", 0);
	assert_int_equal(it_focus_app_id(proc, 105, id), 0);
	assert_string_equal(id, "meld");
	/* Flatpak: the sandbox's app id first */
	fake_proc(106, "/app/bin/keepassxc", "keepassxc", env_ok, sizeof(env_ok));
	snprintf(p, sizeof(p), "%s/proc/106/root", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/106/root/.flatpak-info", dir);
	f = fopen(p, "w");
	fprintf(f, "[Instance]\nname=nope\n[Application]\nname=org.keepassxc.KeePassXC\nruntime=x\n");
	fclose(f);
	assert_int_equal(it_focus_app_id(proc, 106, id), 0);
	assert_string_equal(id, "org.keepassxc.KeePassXC");
	/* names that are not valid ids are never passed on */
	fake_proc(107, "/opt/My App/run", "My App", "", 0);
	assert_int_equal(it_focus_app_id(proc, 107, id), -1);
	assert_string_equal(id, "unknown");
	/* no such process, no pid, another uid's process */
	assert_int_equal(it_focus_app_id(proc, 999, id), -1);
	assert_string_equal(id, "unknown");
	assert_int_equal(it_focus_app_id(proc, 0, id), -1);
	snprintf(p, sizeof(p), "%s/proc/103", dir);
	if (geteuid() == 0) {
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(it_focus_app_id(proc, 103, id), -1);
		assert_string_equal(id, "unknown");
	}
}

/* A listening socket at dir/agent.sock. */
static int listen_agent(char *path, size_t len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(path, len, "%s/agent.sock", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* What the helper wrote on conn (waits for it). */
static void expect_line(int conn, const char *want)
{
	char buf[128];
	ssize_t n = read(conn, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static bool readable_nothing(int conn)
{
	char c;

	return recv(conn, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static void test_reporter(void **state)
{
	struct it_focus_reporter r;
	char path[128];
	int l = listen_agent(path, sizeof(path)), c;
	uint64_t t = 100 * S;

	it_focus_reporter_init(&r, path, false);
	assert_int_equal(it_focus_reporter_fd(&r), -1);
	it_focus_reporter_set(&r, "zenity", t);
	c = accept(l, NULL, NULL);
	expect_line(c, "focus zenity\n");
	assert_true(r.awaiting);
	assert_int_equal(it_focus_reporter_deadline(&r), t + 3 * S);
	/* changes before the answer: only the last goes, after it */
	it_focus_reporter_set(&r, "yad", t + 1);
	it_focus_reporter_set(&r, "bad id", t + 2);	/* invalid: "unknown" */
	it_focus_reporter_set(&r, "gtk3-demo", t + 3);
	assert_true(readable_nothing(c));
	assert_int_equal(write(c, "ok focus\n", 9), 9);
	it_focus_reporter_input(&r, t + 4);
	expect_line(c, "focus gtk3-demo\n");
	assert_int_equal(write(c, "error: no\n", 10), 10);
	it_focus_reporter_input(&r, t + 5);
	assert_int_equal(r.oks, 1);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.sends, 2);
	/* the same id again: nothing */
	it_focus_reporter_set(&r, "gtk3-demo", t + 6);
	assert_true(readable_nothing(c));

	/* the agent goes away: the helper notices, plans to try again in 1 s */
	close(c);
	close(l);
	unlink(path);
	t += 5 * S;
	it_focus_reporter_input(&r, t);
	assert_int_equal(it_focus_reporter_fd(&r), -1);
	assert_int_equal(it_focus_reporter_deadline(&r), t + 1 * S);
	/* a change meanwhile: tried at once, fails, the plan stays */
	it_focus_reporter_set(&r, "unknown", t + S / 2);
	assert_int_equal(it_focus_reporter_deadline(&r), t + 1 * S);
	/* still away at the retry: the next one later */
	it_focus_reporter_tick(&r, t + 1 * S);
	assert_int_equal(it_focus_reporter_deadline(&r), t + 2 * S);
	/* back: the current id is sent again on its own */
	l = listen_agent(path, sizeof(path));
	it_focus_reporter_tick(&r, t + 2 * S);
	c = accept(l, NULL, NULL);
	expect_line(c, "focus unknown\n");

	/* an agent that does not answer: given up after 3 s, tried again */
	it_focus_reporter_tick(&r, t + 5 * S - 1);
	assert_int_equal(it_focus_reporter_fd(&r) >= 0, 1);
	it_focus_reporter_tick(&r, t + 5 * S);
	assert_int_equal(it_focus_reporter_fd(&r), -1);
	assert_true(it_focus_reporter_deadline(&r) > t + 5 * S);
	it_focus_reporter_close(&r);
	close(c);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_app_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reporter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
