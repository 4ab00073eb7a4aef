// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_control.c - the control socket (userspace/control.c) without BPF: the socket's
 * owner and mode, the request parser, the server driven as the agent's loop drives it
 * (the protocol, the bound on a request, the deadline of silent and dripping clients,
 * the cap on clients at once, rate-limited logging), the peer judged from the socket
 * (SO_PEERCRED, SO_PEERGROUPS: a user outside --control-group refused, a member not,
 * even once it has exited), pausing's order and SIGUSR1/SIGUSR2, the pause/resume
 * records, the status file, and `ctl status` reading both without pinned maps. The
 * parts that change uid need root and are skipped otherwise.
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
#include "collector.h"
#include "control.h"
#include "ctl.h"
#include "json_check.h"

#define GROUP 4242	/* a gid nobody is in (it need not exist in /etc/group) */
#define NOBODY 65534

static char tmpdir[64];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/it-control-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	chmod(tmpdir, 0755);	/* nobody must reach the socket inside */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) ? -1 : 0;
}

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

static void test_socket_mode_and_owner(void **state)
{
	struct it_control c;
	char path[128], err[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/sub/control.sock", tmpdir);
	assert_int_equal(it_control_open(&c, path, true, GROUP, err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 0);
		assert_int_equal(st.st_gid, GROUP);
	}
	/* a second agent on the same path is refused while the first listens */
	{
		struct it_control c2;

		assert_int_equal(it_control_open(&c2, path, true, GROUP, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "another agent"));
	}
	it_control_close(&c);
	assert_int_not_equal(lstat(path, &st), 0);	/* removed */

	/* without a group: root only, 0600; a stale socket is replaced */
	assert_int_equal(it_control_open(&c, path, false, 0, err, sizeof(err)), 0);
	close(c.fd);	/* "dies" without unlinking */
	assert_int_equal(it_control_open(&c, path, false, 0, err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	it_control_close(&c);
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
	struct it_control c;
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
	struct it_control c;
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
	struct it_control c;
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

/* Judged from the socket, as the peer was when it connected: a client that sent its
 * request and exited before the agent read it is still a member (there is no
 * /proc/PID any more), and an outsider that exited is still refused. */
static void test_peer_exited(void **state)
{
	struct it_pause_state ps = pause_state();
	gid_t member = GROUP;
	struct it_control c;
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
	struct it_control c;
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
	struct it_control c;
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
	struct it_control c;
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
	struct it_control c;
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

static void test_records(void **state)
{
	struct it_ctl_req r = { .cmd = IT_CTL_PAUSE, .pid = 321, .uid = 1000, .gid = 1001, .via = "socket" };
	struct it_buf b = { 0 };
	char *line;

	snprintf(r.user, sizeof(r.user), "al\"ice");
	it_rec_control(&b, false, true, &r, 5000123456ull, 1764445735123456789ull);
	it_buf_putc(&b, 0);
	line = b.p;
	assert_string_equal(line, "{\"record\":\"pause\",\"time\":\"2025-11-29T19:48:55.123456Z\","
			    "\"sec\":5,\"usec\":123,\"via\":\"socket\",\"uid\":1000,\"gid\":1001,"
			    "\"pid\":321,\"user\":\"al\\\"ice\"}\n");
	it_buf_reset(&b);
	it_rec_control(&b, true, false, &r, 5000123456ull, 1764445735123456789ull);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "resume,,,5,123,2025-11-29T19:48:55.123456Z,,,1000\n");
	it_buf_free(&b);
}

/* The status file is never another file, and one agent's only. */
static void test_status_file_guarded(void **state)
{
	struct it_status a = { .pid = 1, .keys = "class", .types = "all", .devices = "",
			       .exclude = "", .output = "-", .format = "jsonl", .control = "" };
	struct it_status b = a;
	char path[128], data[64];
	int fd;

	/* a file that is not a status file: refused, left as it was */
	snprintf(path, sizeof(path), "%s/precious", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "1\n2\n3\n", 6), 6);
	close(fd);
	a.path = path;
	assert_int_equal(it_status_open(&a), -1);
	assert_int_equal(errno, EEXIST);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, data, sizeof(data)), 6);
	close(fd);
	assert_memory_equal(data, "1\n2\n3\n", 6);

	/* a second agent on the same status file: refused while the first runs */
	snprintf(path, sizeof(path), "%s/run/status2", tmpdir);
	a.path = b.path = path;
	assert_int_equal(it_status_open(&a), 0);
	assert_int_equal(it_status_open(&b), -1);
	assert_int_equal(errno, EBUSY);
	it_status_remove(&a);
	/* a status file left by a dead agent is taken over */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, "# inputtrace: old\n", 18), 18);
	close(fd);
	assert_int_equal(it_status_open(&b), 0);
	it_status_remove(&b);
}

static void test_status_file(void **state)
{
	struct it_status s = { .pid = 77, .since_real_ns = 1764445735000000000ull, .keys = "class",
			       .pointer = "coarse grid=64",
			       .types = "all", .devices = "input3 \"kbd\"", .exclude = "",
			       .output = "/var/log/x", .format = "jsonl", .control = "" };
	char path[128], buf[2048];
	struct stat st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/run/status", tmpdir);
	s.path = path;
	umask(077);
	assert_int_equal(it_status_open(&s), 0);
	umask(022);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);	/* world-readable whatever the umask */
	s.paused = true;
	s.paused_since_real_ns = 1764445736000000000ull;
	assert_int_equal(it_status_write(&s), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	assert_non_null(strstr(buf, "\nstate=paused\n"));
	assert_non_null(strstr(buf, "\npid=77\n"));
	assert_non_null(strstr(buf, "\nsince=2025-11-29T19:48:55.000000Z\n"));
	assert_non_null(strstr(buf, "\npaused_since=2025-11-29T19:48:56.000000Z\n"));
	assert_non_null(strstr(buf, "\nkeys=class\n"));
	assert_non_null(strstr(buf, "\npointer=coarse grid=64\n"));
	s.paused = false;
	assert_int_equal(it_status_write(&s), 0);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	assert_non_null(strstr(buf, "\nstate=capturing\n"));
	assert_null(strstr(buf, "paused\n"));	/* a shorter rewrite leaves no tail */
	it_status_remove(&s);
	assert_int_not_equal(stat(path, &st), 0);
}

/* `ctl status` into buf through the control socket sock and the status file sf. */
static int agent_status(const char *sock, const char *sf, bool json, char *buf, size_t len,
			char *err, size_t errlen)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	int rc;

	assert_non_null(f);
	err[0] = 0;
	rc = it_ctl_agent_status(sock, sf, json, f, err, errlen);
	fclose(f);
	snprintf(buf, len, "%s", text ? text : "");
	free(text);
	assert_null(strchr(err, '\n'));
	return rc;
}

/* A child that answers one status request on c as the agent does, paused or not; or,
 * with refusal set, a stand-in that answers that line. */
static pid_t serve_one(struct it_control *c, bool paused, const char *refusal)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct it_pause_state ps = pause_state();
		double t0 = mono();

		ps.paused = paused;
		if (refusal) {
			struct pollfd pf = { .fd = c->fd, .events = POLLIN };
			char line[64];
			int fd;

			if (poll(&pf, 1, 5000) != 1 || (fd = accept(c->fd, NULL, NULL)) < 0 ||
			    read(fd, line, sizeof(line)) <= 0 ||
			    dprintf(fd, "%s\n", refusal) < 0)
				_exit(1);
			_exit(0);
		}
		while (!c->served && mono() - t0 < 5)
			turn(c, &ps, 50);
		_exit(c->served == 1 ? 0 : 1);
	}
	return pid;
}

/* `ctl status` without pinned maps: the control socket for the state, the status file
 * (as the agent writes it) for the rest; one line and -1 when no agent runs. */
static void test_ctl_agent_status(void **state)
{
	struct it_status s = { .pid = getpid(), .since_real_ns = 1764445735000000000ull,
			       .keys = "shortcuts", .pointer = "exact", .types = "EV_KEY,EV_SYN",
			       .devices = "input3 \"AT kbd\" /dev/input/event2", .exclude = "input9",
			       .output = "/var/log/it.jsonl", .format = "jsonl",
			       .control = "S (root only, SIGUSR1/SIGUSR2)" };
	char sock[128], sf[128], none[128], out[4096], err[1024], want[512];
	struct it_control c;
	struct jc_field fields[32];
	const struct jc_field *fld;
	int nf = 0, status;
	pid_t child;

	snprintf(sock, sizeof(sock), "%s/ctl/control.sock", tmpdir);
	snprintf(sf, sizeof(sf), "%s/ctl/status", tmpdir);
	snprintf(none, sizeof(none), "%s/ctl/none", tmpdir);

	/* nothing there: no agent, one line naming both */
	assert_int_equal(agent_status(sock, sf, false, out, sizeof(out), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no agent: cannot connect to %s: No such file or directory; "
		 "no status file %s", sock, sf);
	assert_string_equal(err, want);
	assert_string_equal(out, "");
	assert_int_equal(agent_status(sock, NULL, true, out, sizeof(out), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no agent: cannot connect to %s: No such file or directory", sock);
	assert_string_equal(err, want);

	/* the status file alone (an agent without --control-socket) */
	s.path = sf;
	assert_int_equal(it_status_open(&s), 0);
	assert_int_equal(agent_status(none, sf, false, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "agent pid %d: capturing (from the status file %s; cannot "
		 "connect to %s: No such file or directory)\n", (int)getpid(), sf, none);
	assert_memory_equal(out, want, strlen(want));
	assert_non_null(strstr(out, "\nkeys=shortcuts\n"));
	assert_non_null(strstr(out, "\ntypes=EV_KEY,EV_SYN\n"));
	assert_non_null(strstr(out, "\ndevices=input3 \"AT kbd\" /dev/input/event2\n"));
	assert_non_null(strstr(out, "\nexclude=input9\n"));
	assert_non_null(strstr(out, "\noutput=/var/log/it.jsonl\n"));
	assert_non_null(strstr(out, "\nsince=2025-11-29T19:48:55.000000Z\n"));
	assert_null(strstr(out, "\nstate="));		/* said on the first line */

	/* the socket as well: it gives the state (here paused, the file not yet rewritten) */
	assert_int_equal(it_control_open(&c, sock, false, 0, err, sizeof(err)), 0);
	child = serve_one(&c, true, NULL);
	assert_int_equal(agent_status(sock, sf, false, out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(want, sizeof(want), "agent pid %d: paused (from the control socket %s and the "
		 "status file %s)\n", (int)getpid(), sock, sf);
	assert_memory_equal(out, want, strlen(want));
	assert_non_null(strstr(out, "\nkeys=shortcuts\n"));

	/* --json: one object */
	child = serve_one(&c, false, NULL);
	assert_int_equal(agent_status(sock, sf, true, out, sizeof(out), err, sizeof(err)), 0);
	waitpid(child, &status, 0);
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_int_equal(jc_check(out, strlen(out) - 1, fields, 32, &nf), 0);
	fld = jc_find(fields, nf, "state");
	assert_non_null(fld);
	assert_memory_equal(fld->val, "\"capturing\"", fld->vlen);
	fld = jc_find(fields, nf, "pid");
	snprintf(want, sizeof(want), "%d", (int)getpid());
	assert_non_null(fld);
	assert_int_equal(fld->vlen, strlen(want));
	assert_memory_equal(fld->val, want, fld->vlen);
	assert_non_null(jc_find(fields, nf, "control_socket"));
	assert_non_null(jc_find(fields, nf, "status_file"));
	fld = jc_find(fields, nf, "keys");
	assert_non_null(fld);
	assert_memory_equal(fld->val, "\"shortcuts\"", fld->vlen);
	assert_non_null(jc_find(fields, nf, "devices"));

	/* the socket alone (--status-file none) */
	child = serve_one(&c, false, NULL);
	assert_int_equal(agent_status(sock, NULL, false, out, sizeof(out), err, sizeof(err)), 0);
	waitpid(child, &status, 0);
	snprintf(want, sizeof(want), "agent pid %d: capturing (from the control socket %s)\n",
		 (int)getpid(), sock);
	assert_memory_equal(out, want, strlen(want));
	/* an agent that refuses: its answer, not "no agent" */
	child = serve_one(&c, false, "error: permission denied (not in the control group)");
	assert_int_equal(agent_status(sock, NULL, false, out, sizeof(out), err, sizeof(err)), -1);
	waitpid(child, &status, 0);
	snprintf(want, sizeof(want), "the agent on %s answered: error: permission denied (not in "
		 "the control group)", sock);
	assert_string_equal(err, want);
	it_control_close(&c);
	it_status_remove(&s);

	/* a status file left by an agent that died (kill -9): not an agent */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, &status, 0);
	s.pid = child;
	assert_int_equal(it_status_open(&s), 0);
	close(s.fd);	/* "dies" without removing it */
	s.fd = -1;
	assert_int_equal(agent_status(sock, sf, false, out, sizeof(out), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no agent: cannot connect to %s: No such file or directory; "
		 "the status file %s names pid %d, which is not running", sock, sf, (int)child);
	assert_string_equal(err, want);
	/* one that says stopped (--user could not remove it) */
	{
		FILE *f = fopen(sf, "w");

		assert_non_null(f);
		fputs("# inputtrace: the agent has stopped; nothing is being recorded.\nstate=stopped\npid=1\n", f);
		fclose(f);
	}
	assert_int_equal(agent_status(NULL, sf, false, out, sizeof(out), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no agent: the status file %s says stopped (pid 1)", sf);
	assert_string_equal(err, want);
	/* a file that is not a status file */
	{
		FILE *f = fopen(sf, "w");

		assert_non_null(f);
		fputs("state=capturing\npid=1\n", f);
		fclose(f);
	}
	assert_int_equal(agent_status(NULL, sf, false, out, sizeof(out), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no agent: cannot read the status file %s: not an inputtrace "
		 "status file", sf);
	assert_string_equal(err, want);
	unlink(sf);
}

static uint32_t verdicts[16];

static int stub_verdict(void *ctx, uint32_t id, uint32_t verdict)
{
	if (id < 16)
		verdicts[id] = verdict;
	return 0;
}

/* --exclude-device: the collector tells the kernel to drop the matching device
 * (IT_DEV_DROP in it_devices, as --device does), captures the others, and drops here
 * what reached user space before the verdict. */
static void test_exclude_verdict(void **state)
{
	static struct it_collector c;
	struct it_opts o;
	struct it_device_rec add = { .hdr = { .kind = IT_REC_DEVICE_ADD } };
	struct it_event ev = { .hdr = { .kind = IT_REC_EVENT }, .mono_ns = 1000, .type = 2,
			       .code = 0, .value = 7 };
	char err[256];
	uint32_t id;

	it_opts_init(&o);
	assert_int_equal(it_devspec_parse("input5", "/nonexistent", &o.exclude[0], err, sizeof(err)), 0);
	o.n_exclude = 1;
	it_collector_init(&c, &o, NULL, "/nonexistent");
	c.set_verdict = stub_verdict;
	for (id = 5; id <= 6; id++) {
		add.hdr.dev = id;
		snprintf(add.info.sysname, sizeof(add.info.sysname), "input%u", id);
		snprintf(add.info.name, sizeof(add.info.name), "mouse %u", id);
		it_collector_on_record(&c, &add, sizeof(add));
	}
	assert_int_equal(verdicts[5], IT_DEV_DROP);
	assert_int_equal(verdicts[6], IT_DEV_CAPTURE);
	for (id = 5; id <= 6; id++) {
		ev.hdr.dev = id;
		it_collector_on_record(&c, &ev, sizeof(ev));
	}
	it_buf_putc(&c.buf, 0);
	assert_null(strstr(c.buf.p, "\"dev\":5"));
	assert_non_null(strstr(c.buf.p, "\"record\":\"event\",\"dev\":6"));
	assert_int_equal(c.st.filtered_user, 1);
	assert_int_equal(c.st.events_out, 1);
	it_collector_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_mode_and_owner),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_protocol_root),
		cmocka_unit_test(test_pause_error),
		cmocka_unit_test(test_group_check),
		cmocka_unit_test(test_peer_exited),
		cmocka_unit_test(test_peer_allowed),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_log_limited),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_status_file),
		cmocka_unit_test(test_status_file_guarded),
		cmocka_unit_test(test_exclude_verdict),
		cmocka_unit_test(test_ctl_agent_status),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
