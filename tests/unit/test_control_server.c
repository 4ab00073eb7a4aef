// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_control_server.c - the control socket's server (userspace/control.c), driven as
 * the agent's loop drives it (it_control_wait, it_control_tick): the request parser,
 * the protocol, the bound on a request, the deadline of silent and dripping clients
 * while others are answered at once, the cap on clients at once, rate-limited
 * logging, the peer judged from the socket (SO_PEERCRED, SO_PEERGROUPS: a user
 * outside --control-group refused, a member not, even once it has exited), pausing's
 * order and SIGUSR1/SIGUSR2. The parts that change uid need root and are skipped
 * otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "control.h"

#include "control_test.h"

/* --- the server, driven here as the agent's loop drives it ------------------------------- */

/* What the pause hooks saw: calls in order ("K" kernel paused, "k" resumed, "D" drain,
 * "R" record), the last request recorded. */
static struct {
	char order[64];
	struct it_ctl_req last;
	int records;
	int fail;	/* errno the kernel hook returns, 0: none */
} hk;

static void hk_add(char ch)
{
	size_t n = strlen(hk.order);

	if (n + 1 < sizeof(hk.order))
		hk.order[n] = ch;
}

static int hk_kernel(void *ctx, bool paused)
{
	if (hk.fail)
		return -hk.fail;
	hk_add(paused ? 'K' : 'k');
	return 0;
}

static void hk_drain(void *ctx)
{
	hk_add('D');
}

static void hk_record(void *ctx, bool pause, const struct it_ctl_req *r, uint64_t mono, uint64_t real)
{
	hk_add('R');
	hk.last = *r;
	hk.records++;
}

static struct it_pause_state pause_state(void)
{
	memset(&hk, 0, sizeof(hk));
	return (struct it_pause_state){ .status = { .fd = -1 },
		.ops = { .set_kernel = hk_kernel, .drain = hk_drain, .record = hk_record } };
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double max_tick;	/* the longest it_control_tick() so far, s */

/* One turn of the agent's loop: wait (at most ms), then tick. */
static void turn(struct it_control *c, struct it_pause_state *ps, int ms)
{
	double t0;

	assert_true(it_control_wait(c, -1, ms) >= 0 || errno == EINTR);
	t0 = mono();
	it_control_tick(c, ps, t0);
	if (mono() - t0 > max_tick)
		max_tick = mono() - t0;
}

/* A socket connected to c (not yet accepted), having sent text (may be NULL); -1 if
 * that failed. Asserts nothing: children call it. */
static int connect_send(struct it_control *c, const char *text)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", c->path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (text && write(fd, text, strlen(text)) != (ssize_t)strlen(text))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int client(struct it_control *c, const char *text)
{
	int fd = connect_send(c, text);

	if (fd < 0)
		fail_msg("cannot connect to %s: %s", c->path, strerror(errno));
	return fd;
}

/* What fd has received once the server closed it: turns of the loop until then (at
 * most secs; "" if still open). Returns the seconds it took. */
static double answer(struct it_control *c, struct it_pause_state *ps, int fd, char *buf,
		     size_t len, double secs)
{
	double t0 = mono();
	size_t n = 0;

	buf[0] = 0;
	while (mono() - t0 < secs) {
		ssize_t got = recv(fd, buf + n, len - 1 - n, MSG_DONTWAIT);

		if (got > 0) {
			n += (size_t)got;
			continue;
		}
		if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;	/* closed by the server */
		turn(c, ps, 20);
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return mono() - t0;
}

static void open_ctl(struct it_control *c, const char *name, bool have_gid)
{
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(it_control_open(c, path, have_gid, GROUP, err, sizeof(err)), 0);
}

/* In a child, as uid (primary gid, and ngroups supplementary groups), connect to c and
 * send text; the child exits at once (exit_now) or waits for the answer, which it
 * writes to the pipe (exit 0). The parent runs the server until the child is gone
 * and its answer read; it is returned in reply. */
static void exchange(struct it_control *c, struct it_pause_state *ps, uid_t uid, gid_t gid,
		     int ngroups, const gid_t *groups, const char *text, bool exit_now, char *reply,
		     size_t replylen, pid_t *child)
{
	double t0 = mono();
	int p[2], status;
	size_t n = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char ans[256] = "";
		int fd;
		ssize_t got;

		close(p[0]);
		if (uid && (setgroups((size_t)ngroups, groups) || setgid(gid) || setuid(uid)))
			_exit(4);
		fd = connect_send(c, text);
		if (fd < 0)
			_exit(3);
		if (exit_now)
			_exit(0);
		got = read(fd, ans, sizeof(ans) - 1);
		if (got > 0 && write(p[1], ans, (size_t)got) < 0)
			_exit(5);
		_exit(0);
	}
	close(p[1]);
	*child = pid;
	if (exit_now) {	/* gone before the server even accepts */
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	while (mono() - t0 < 5) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };

		turn(c, ps, 10);
		if (poll(&pf, 1, 0) == 1) {
			ssize_t got = read(p[0], reply + n, replylen - 1 - n);

			if (got <= 0)
				break;
			n += (size_t)got;
		}
	}
	reply[n] = 0;
	reply[strcspn(reply, "\n")] = 0;
	close(p[0]);
	if (!exit_now) {
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail_msg("client '%s' as uid %u: status 0x%x", text, (unsigned)uid, status);
	}
}

static void test_parse(void **state)
{
	static const struct {
		const char *in;
		size_t len;	/* 0: strlen */
		bool eof;
		int rc;
		enum it_ctl_cmd cmd;
		const char *why;	/* a part of it */
	} cases[] = {
		{ "pause\n", 0, false, 1, IT_CTL_PAUSE, NULL },
		{ "resume\n", 0, false, 1, IT_CTL_RESUME, NULL },
		{ "status\r\n", 0, false, 1, IT_CTL_STATUS, NULL },
		{ "status\nand more", 0, false, 1, IT_CTL_STATUS, NULL },
		{ "status", 0, true, 1, IT_CTL_STATUS, NULL },		/* ended by shutdown */
		{ "pau", 0, false, 0, IT_CTL_NONE, NULL },		/* more to come */
		{ "", 0, false, 0, IT_CTL_NONE, NULL },
		{ "", 0, true, -1, IT_CTL_NONE, "empty" },
		{ "\n", 0, false, -1, IT_CTL_NONE, "empty" },
		{ "pau", 0, true, -1, IT_CTL_NONE, "unknown command" },
		{ "PAUSE\n", 0, false, -1, IT_CTL_NONE, "unknown command" },
		{ "pause \n", 0, false, -1, IT_CTL_NONE, "unknown command" },
		{ "pause\r\r\n", 0, false, -1, IT_CTL_NONE, "unknown command" },
		{ "pause\0\n", 7, false, -1, IT_CTL_NONE, "NUL" },
		{ "pa\0", 3, false, -1, IT_CTL_NONE, "NUL" },	/* said at once */
	};
	char big[IT_CTL_LINE_MAX + 2];
	enum it_ctl_cmd cmd;
	const char *why;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		int rc = it_ctl_parse(cases[i].in, len, cases[i].eof, &cmd, &why);

		if (rc != cases[i].rc || cmd != cases[i].cmd)
			fail_msg("case %u '%s': rc %d cmd %d, expected %d %d", i, cases[i].in, rc, cmd,
				 cases[i].rc, cases[i].cmd);
		if (cases[i].why)
			assert_non_null(strstr(why, cases[i].why));
		else
			assert_null(why);
	}
	/* the bound: IT_CTL_LINE_MAX bytes without a newline are refused at once, before
	 * any more is read; a line of exactly IT_CTL_LINE_MAX with its newline is parsed */
	memset(big, 'x', sizeof(big));
	assert_int_equal(it_ctl_parse(big, IT_CTL_LINE_MAX - 1, false, &cmd, &why), 0);
	assert_int_equal(it_ctl_parse(big, IT_CTL_LINE_MAX, false, &cmd, &why), -1);
	assert_non_null(strstr(why, "too long"));
	big[IT_CTL_LINE_MAX - 1] = '\n';
	assert_int_equal(it_ctl_parse(big, IT_CTL_LINE_MAX, false, &cmd, &why), -1);
	assert_non_null(strstr(why, "unknown command"));
	big[IT_CTL_LINE_MAX - 1] = 'x';
	big[IT_CTL_LINE_MAX] = '\n';
	assert_int_equal(it_ctl_parse(big, IT_CTL_LINE_MAX + 1, false, &cmd, &why), -1);
	assert_non_null(strstr(why, "too long"));
}

static void test_protocol_root(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };
	char reply[256];
	pid_t pid;

	open_ctl(&c, "c1.sock", true);
	exchange(&c, &ps, 0, 0, 0, NULL, "pause\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok paused");
	assert_true(ps.paused);
	assert_string_equal(hk.order, "KDR");	/* kernel first, drain, then the record */
	assert_int_equal(hk.last.pid, pid);	/* SO_PEERCRED: who asked */
	assert_int_equal(hk.last.uid, geteuid());
	assert_string_equal(hk.last.via, "socket");
	assert_string_equal(hk.last.user, geteuid() == 0 ? "root" : hk.last.user);

	exchange(&c, &ps, 0, 0, 0, NULL, "status\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok paused");
	exchange(&c, &ps, 0, 0, 0, NULL, "resume\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok capturing");
	assert_string_equal(hk.order, "KDRRk");	/* resume: the record, then the kernel */
	assert_int_equal(hk.records, 2);

	/* an unknown command: an error line */
	exchange(&c, &ps, 0, 0, 0, NULL, "format c:\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "error: unknown command (expected pause, resume or status)");
	assert_int_equal(c.served, 3);
	assert_int_equal(c.bad, 1);
	assert_int_equal(c.nclients, 0);

	/* the real client, it_control_request() */
	{
		char err[256];
		pid_t child = fork();

		if (child == 0)
			_exit(it_control_request(c.path, "pause", reply, sizeof(reply), err, sizeof(err)) == 0 &&
			      !strcmp(reply, "ok paused") ? 0 : 1);
		while (!ps.paused)
			turn(&c, &ps, 10);
		assert_int_equal(waitpid(child, NULL, 0), child);
	}
	it_control_close(&c);
}

/* A pause that the kernel refuses: nothing changes, the client is told why. */
static void test_pause_error(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_ctl_req r = { .via = "socket", .user = "x" };
	struct it_control c = { .fd = -1 };
	char reply[256];
	pid_t pid;

	hk.fail = EPERM;
	assert_int_equal(it_pause_set(&ps, true, &r), -EPERM);
	assert_false(ps.paused);
	assert_int_equal(hk.records, 0);
	open_ctl(&c, "c5.sock", false);
	exchange(&c, &ps, 0, 0, 0, NULL, "pause\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "error: Operation not permitted");
	assert_false(ps.paused);
	hk.fail = 0;
	assert_int_equal(it_pause_set(&ps, true, &r), 0);
	assert_int_equal(it_pause_set(&ps, true, &r), 0);	/* already: nothing more */
	assert_string_equal(hk.order, "KDR");
	it_control_close(&c);
}

static void test_group_check(void **state)
{
	struct it_pause_state ps = pause_state();
	gid_t member = GROUP, many[100];
	struct it_control c = { .fd = -1 };
	char reply[256];
	pid_t pid;
	int i;

	if (geteuid() != 0) {
		print_message("needs root (changes uid): skipped\n");
		skip();
	}
	open_ctl(&c, "c2.sock", true);
	/* the file permissions keep nobody out (root:GROUP 0660) */
	{
		char ans[256], err[256];
		pid_t child = fork();

		if (child == 0) {
			if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
				_exit(4);
			_exit(it_control_request(c.path, "pause", ans, sizeof(ans), err, sizeof(err)) == -1 &&
			      strstr(err, "Permission denied") ? 0 : 1);
		}
		assert_int_equal(waitpid(child, &i, 0), child);
		assert_true(WIFEXITED(i) && WEXITSTATUS(i) == 0);
	}

	/* and the socket's credentials too: with the socket opened to all, nobody is still
	 * refused, whatever it sends */
	assert_int_equal(chmod(c.path, 0666), 0);
	exchange(&c, &ps, NOBODY, NOBODY, 0, NULL, "pause\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "error: permission denied (not in the control group)");
	exchange(&c, &ps, NOBODY, NOBODY, 0, NULL, "junk\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "error: permission denied (not in the control group)");
	assert_int_equal(c.refused, 2);
	assert_false(ps.paused);

	/* a member (GROUP as a supplementary group), not root: allowed, through 0660 */
	assert_int_equal(chmod(c.path, 0660), 0);
	exchange(&c, &ps, NOBODY, NOBODY, 1, &member, "pause\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok paused");
	assert_int_equal(hk.last.uid, NOBODY);
	assert_int_equal(hk.last.pid, pid);
	/* GROUP as the primary group */
	exchange(&c, &ps, NOBODY, GROUP, 0, NULL, "resume\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok capturing");
	assert_int_equal(hk.last.gid, GROUP);
	/* GROUP the last of 100 supplementary groups (more than the first SO_PEERGROUPS
	 * buffer holds) */
	for (i = 0; i < 100; i++)
		many[i] = (gid_t)(5000 + i);
	many[99] = GROUP;
	exchange(&c, &ps, NOBODY, NOBODY, 100, many, "pause\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok paused");
	many[99] = 5099;
	assert_int_equal(chmod(c.path, 0666), 0);
	exchange(&c, &ps, NOBODY, NOBODY, 100, many, "resume\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "error: permission denied (not in the control group)");
	it_control_close(&c);
}

/* Holds: the kernel flag is set while any reason holds it, in the documented order. */
static void hold_rec(void *ctx, uint64_t mono_ns, uint64_t real_ns)
{
	hk_add(*(const char *)ctx);
}

static void test_holds(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_ctl_req r = { .via = "socket", .user = "x" };
	char on = 'S', off = 's';

	assert_int_equal(it_pause_hold(&ps, IT_HOLD_SESSION, true, hold_rec, &on), 0);
	assert_int_equal(it_pause_hold(&ps, IT_HOLD_SESSION, true, hold_rec, &on), 0);	/* no-op */
	assert_int_equal(it_pause_set(&ps, true, &r), 0);	/* already held: no K, no D */
	assert_int_equal(it_pause_hold(&ps, IT_HOLD_SESSION, false, hold_rec, &off), 0);
	assert_true(ps.paused);	/* the session released, ctl pause still holds */
	assert_int_equal(ps.holds, IT_HOLD_MANUAL);
	assert_int_equal(it_pause_set(&ps, false, &r), 0);
	assert_int_equal(ps.holds, 0);
	assert_string_equal(hk.order, "KDSRsRk");
	/* a kernel that refuses: nothing held, no record */
	hk.fail = EPERM;
	assert_int_equal(it_pause_hold(&ps, IT_HOLD_FOCUS, true, hold_rec, &on), -EPERM);
	assert_int_equal(ps.holds, 0);
	assert_string_equal(hk.order, "KDSRsRk");
}

/* An added verb: open to everyone, answered by its handler with the caller's uid; the
 * socket 0666; a request over its max_line refused; the built-ins keep their check. */
static void echo_verb(void *ctx, const struct it_ctl_req *r, const char *line, size_t len,
		      char *reply, size_t replylen)
{
	snprintf(reply, replylen, "ok %u %.*s\nsecond line\n", (unsigned)r->uid, (int)len, line);
}

static void test_verbs(void **state)
{
	struct it_ctl_verb v = { .name = "echo", .max_line = 100, .everyone = true,
				 .handle = echo_verb };
	struct it_pause_state ps = pause_state();
	char reply[256], big[200];
	struct it_control c = { .fd = -1 };
	struct stat st;
	pid_t pid;

	assert_int_equal(it_control_add_verb(&c, &v), 0);
	assert_int_equal(it_control_add_verb(&c, &v), -1);	/* the name is taken */
	open_ctl(&c, "c9.sock", true);
	assert_int_equal(stat(c.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666);
	exchange(&c, &ps, 0, 0, 0, NULL, "echo a b c\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok 0 echo a b c");
	memset(big, 'x', sizeof(big));
	memcpy(big, "echo ", 5);
	big[150] = '\n';
	big[151] = 0;
	exchange(&c, &ps, 0, 0, 0, NULL, big, false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "error: request too long");
	if (geteuid() == 0) {
		exchange(&c, &ps, NOBODY, NOBODY, 0, NULL, "echo\n", false, reply, sizeof(reply), &pid);
		assert_string_equal(reply, "ok 65534 echo");
		exchange(&c, &ps, NOBODY, NOBODY, 0, NULL, "pause\n", false, reply, sizeof(reply), &pid);
		assert_string_equal(reply, "error: permission denied (not in the control group)");
		/* open to all: a bad request is told why, even from outside the group */
		exchange(&c, &ps, NOBODY, NOBODY, 0, NULL, "junk\n", false, reply, sizeof(reply), &pid);
		assert_true(strstr(reply, "error: unknown command") == reply);
		assert_false(ps.paused);
	}
	it_control_close(&c);
}

/* A watched fd: ready() once a wait saw it readable, also without a control socket;
 * its timeout bounds the wait. */
static int watch_calls;

static void watch_ready(void *ctx)
{
	char ch;

	watch_calls++;
	assert_int_equal(read(*(int *)ctx, &ch, 1), 1);
}

static int watch_zero(void *ctx)
{
	return 0;
}

static void test_watch(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };
	struct it_ctl_watch w = { .ready = watch_ready };
	double t0;
	int p[2];

	assert_int_equal(pipe(p), 0);
	w.fd = p[0];
	w.ctx = &p[0];
	assert_int_equal(it_control_add_watch(&c, &w), 0);
	assert_int_equal(it_control_wait(&c, -1, 0), 0);
	it_control_tick(&c, &ps, mono());
	assert_int_equal(watch_calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(it_control_wait(&c, -1, 5000), 1);
	it_control_tick(&c, &ps, mono());
	assert_int_equal(watch_calls, 1);
	/* a watch's bound shortens a long wait */
	it_control_del_watch(&c, p[0]);
	w.timeout_ms = watch_zero;
	assert_int_equal(it_control_add_watch(&c, &w), 0);
	t0 = mono();
	assert_int_equal(it_control_wait(&c, -1, 10000), 0);
	assert_true(mono() - t0 < 5);
	it_control_del_watch(&c, p[0]);
	assert_int_equal(c.nwatches, 0);
	close(p[0]);
	close(p[1]);
}

/* One user (not root) holds at most IT_CTL_MAX_PER_UID slots: the rest are told
 * "busy" at once, and others are still served while that user's clients hang. */
static void test_per_uid_cap(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };
	int p[2], i, held = IT_CTL_MAX_PER_UID + 3;
	char reply[256], ch;
	double t0;
	pid_t child, pid;

	if (geteuid() != 0) {
		print_message("needs root (changes uid): skipped\n");
		skip();
	}
	open_ctl(&c, "c10.sock", false);
	assert_int_equal(chmod(c.path, 0666), 0);
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {	/* nobody: connections that never send */
		close(p[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(4);
		for (i = 0; i < held; i++)
			if (connect_send(&c, NULL) < 0)	/* kept open until killed */
				_exit(6);
		if (write(p[1], "r", 1) != 1)
			_exit(5);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &ch, 1), 1);
	t0 = mono();
	while (c.nclients + (int)c.bad < held && mono() - t0 < 5)
		turn(&c, &ps, 10);
	assert_int_equal(c.nclients, IT_CTL_MAX_PER_UID);
	assert_int_equal(c.bad, held - IT_CTL_MAX_PER_UID);
	/* root is still answered at once */
	exchange(&c, &ps, 0, 0, 0, NULL, "status\n", false, reply, sizeof(reply), &pid);
	assert_string_equal(reply, "ok capturing");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(p[0]);
	it_control_close(&c);
}

/* Judged from the socket, as the peer was when it connected: a client that sent its
 * request and exited before the agent read it is still a member (there is no
 * /proc/PID any more), and an outsider that exited is still refused. */
static void test_peer_exited(void **state)
{
	struct it_pause_state ps = pause_state();
	gid_t member = GROUP;
	struct it_control c = { .fd = -1 };
	char reply[256];
	pid_t pid;

	if (geteuid() != 0) {
		print_message("needs root (changes uid): skipped\n");
		skip();
	}
	open_ctl(&c, "c3.sock", true);
	exchange(&c, &ps, NOBODY, NOBODY, 1, &member, "pause\n", true, reply, sizeof(reply), &pid);
	assert_true(kill(pid, 0) && errno == ESRCH);
	assert_true(ps.paused);		/* the member's pause was taken */
	assert_int_equal(hk.last.uid, NOBODY);
	assert_int_equal(hk.last.pid, pid);
	assert_int_equal(c.refused, 0);
	assert_int_equal(chmod(c.path, 0666), 0);
	exchange(&c, &ps, NOBODY, NOBODY, 0, NULL, "resume\n", true, reply, sizeof(reply), &pid);
	assert_true(ps.paused);		/* the outsider's resume was not */
	assert_int_equal(c.refused, 1);
	assert_int_equal(c.served, 1);
	it_control_close(&c);
}

static void test_peer_allowed(void **state)
{
	gid_t groups[] = { 10, GROUP, 20 };

	assert_true(it_control_peer_allowed(0, 0, NULL, 0, false, 0));
	assert_true(it_control_peer_allowed(0, 0, NULL, 0, true, GROUP));
	assert_false(it_control_peer_allowed(NOBODY, NOBODY, groups, 3, false, 0));
	assert_true(it_control_peer_allowed(NOBODY, GROUP, NULL, 0, true, GROUP));
	assert_true(it_control_peer_allowed(NOBODY, NOBODY, groups, 3, true, GROUP));
	assert_false(it_control_peer_allowed(NOBODY, NOBODY, groups, 1, true, GROUP));
	assert_false(it_control_peer_allowed(NOBODY, NOBODY, NULL, 0, true, GROUP));
	/* the kernel could not say (-1): the group database, where nobody is not in GROUP */
	assert_false(it_control_peer_allowed(NOBODY, NOBODY, NULL, -1, true, GROUP));
}

/* A request longer than the bound is refused as soon as the bound is reached. */
static void test_too_long(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };
	char text[200], reply[256];
	int fd;

	open_ctl(&c, "c4.sock", false);
	memset(text, 'p', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	fd = client(&c, text);
	assert_true(answer(&c, &ps, fd, reply, sizeof(reply), 2) < 0.5);
	assert_string_equal(reply, "error: request too long");
	close(fd);
	assert_int_equal(c.bad, 1);
	assert_int_equal(c.nclients, 0);
	it_control_close(&c);
}

/* A silent client and one dripping a byte now and then are closed at their deadline,
 * however long they would go on; meanwhile the loop never waits on them: other
 * clients are answered at once and no tick takes long. */
static void test_deadline(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };
	char reply[256];
	double t0, took;
	int silent, drip, fd, i;

	open_ctl(&c, "c6.sock", false);
	c.deadline_s = 0.4;
	max_tick = 0;
	t0 = mono();
	silent = client(&c, NULL);
	drip = client(&c, "s");
	turn(&c, &ps, 0);
	assert_int_equal(c.nclients, 2);
	for (i = 0; i < 3; i++) {	/* a byte every 0.1 s, as long as it is let */
		struct timespec ts = { 0, 100 * 1000000 };

		nanosleep(&ts, NULL);
		turn(&c, &ps, 0);
		assert_int_equal(send(drip, "t", 1, MSG_NOSIGNAL), 1);
		fd = client(&c, "status\n");	/* served at once, the two waiting */
		assert_true(answer(&c, &ps, fd, reply, sizeof(reply), 1) < 0.1);
		assert_string_equal(reply, "ok capturing");
		close(fd);
	}
	answer(&c, &ps, drip, reply, sizeof(reply), 2);
	assert_string_equal(reply, "error: request not complete in time");
	took = mono() - t0;
	if (took < 0.4 || took > 0.7)
		fail_msg("the dripping client was closed after %.3f s (deadline 0.4 s)", took);
	answer(&c, &ps, silent, reply, sizeof(reply), 1);
	assert_string_equal(reply, "error: request not complete in time");
	assert_int_equal(c.nclients, 0);
	assert_int_equal(c.bad, 2);
	assert_int_equal(c.served, 3);
	if (max_tick > 0.01)
		fail_msg("a tick took %.1f ms", max_tick * 1000);
	close(silent);
	close(drip);
	it_control_close(&c);
}

/* IT_CTL_MAX_CLIENTS slow clients at once; one more is told "busy" at once, unless
 * its request is whole when accepted. */
static void test_cap(void **state)
{
	struct it_pause_state ps = pause_state();
	int fds[IT_CTL_MAX_CLIENTS], extra, whole, i;
	struct it_control c = { .fd = -1 };
	char reply[256];

	open_ctl(&c, "c7.sock", false);
	for (i = 0; i < IT_CTL_MAX_CLIENTS; i++)
		fds[i] = client(&c, i % 2 ? "pa" : NULL);
	turn(&c, &ps, 0);
	assert_int_equal(c.nclients, IT_CTL_MAX_CLIENTS);
	extra = client(&c, "res");
	whole = client(&c, "status\n");
	assert_true(answer(&c, &ps, extra, reply, sizeof(reply), 1) < 0.1);
	assert_string_equal(reply, "error: busy (too many clients at once; try again)");
	assert_true(answer(&c, &ps, whole, reply, sizeof(reply), 1) < 0.1);
	assert_string_equal(reply, "ok capturing");
	assert_int_equal(c.nclients, IT_CTL_MAX_CLIENTS);
	/* one of the slow ones finishes: its slot is free again */
	assert_int_equal(write(fds[1], "use\n", 4), 4);
	assert_true(answer(&c, &ps, fds[1], reply, sizeof(reply), 1) < 0.1);
	assert_string_equal(reply, "ok paused");
	assert_int_equal(c.nclients, IT_CTL_MAX_CLIENTS - 1);
	close(extra);
	close(whole);
	for (i = 0; i < IT_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	it_control_close(&c);	/* closes the ones still waiting */
	assert_int_equal(c.nclients, 0);
}

/* Bad requests are logged, but at most once per interval, the rest counted. */
static void test_log_limited(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };
	char reply[256], logpath[128], *text = NULL;
	size_t n = 0;
	int fd, saved, logfd, i, lines = 0;
	FILE *f;
	char *line;

	snprintf(logpath, sizeof(logpath), "%s/stderr", tmpdir);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(logfd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(logfd, 2);
	open_ctl(&c, "c8.sock", false);
	c.lim_bad.interval_s = 0.3;
	for (i = 0; i < 50; i++) {
		fd = client(&c, "rm -rf /\n");
		answer(&c, &ps, fd, reply, sizeof(reply), 1);
		close(fd);
	}
	while (mono() - c.lim_bad.last < 0.35)
		turn(&c, &ps, 10);
	fd = client(&c, "again\n");
	answer(&c, &ps, fd, reply, sizeof(reply), 1);
	close(fd);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(logfd);
	assert_int_equal(c.bad, 51);
	f = fopen(logpath, "r");
	assert_non_null(f);
	while (getline(&text, &n, f) > 0) {
		line = text;
		if (!strstr(line, "control socket: unknown command"))
			fail_msg("unexpected line: %s", line);
		lines++;
		if (lines == 2 && !strstr(line, "similar messages suppressed"))
			fail_msg("second line does not say how many were held back: %s", line);
	}
	free(text);
	fclose(f);
	if (lines != 2)
		fail_msg("%d log lines for 51 bad requests (one, then one after the interval)", lines);
	it_control_close(&c);
}

/* SIGUSR1/SIGUSR2: acted on by the next tick, the sender recorded. */
static void test_signals(void **state)
{
	struct it_pause_state ps = pause_state();
	struct it_control c = { .fd = -1 };

	it_pause_catch_signals();
	raise(SIGUSR1);
	it_control_tick(&c, &ps, mono());
	assert_true(ps.paused);
	assert_string_equal(hk.last.via, "signal");
	assert_int_equal(hk.last.pid, getpid());
	assert_int_equal(hk.last.uid, getuid());
	raise(SIGUSR2);
	it_control_tick(&c, &ps, mono());
	assert_false(ps.paused);
	assert_string_equal(hk.order, "KDRRk");
	it_control_tick(&c, &ps, mono());	/* once only */
	assert_int_equal(hk.records, 2);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_protocol_root),
		cmocka_unit_test(test_pause_error),
		cmocka_unit_test(test_group_check),
		cmocka_unit_test(test_peer_exited),
		cmocka_unit_test(test_holds),
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_per_uid_cap),
		cmocka_unit_test(test_peer_allowed),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_log_limited),
		cmocka_unit_test(test_signals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
