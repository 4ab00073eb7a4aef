// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_control.c - the control socket's file (owner, mode, a second agent refused, a
 * stale one replaced), the pause/resume records, the status file, and `ctl status`
 * reading both without pinned maps (userspace/control.c, status.c, ctl.c), without
 * BPF. The server itself: test_control_server.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "collector.h"
#include "control.h"
#include "ctl.h"
#include "json_check.h"

#include "control_test.h"

static void test_socket_mode_and_owner(void **state)
{
	struct it_control c = { .fd = -1 };
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

static void test_records(void **state)
{
	struct it_ctl_req r = { .cmd = IT_CTL_PAUSE, .pid = 321, .uid = 1000, .gid = 1001, .via = "socket" };
	struct it_format_ctx fc = { 0 };
	struct it_buf b = { 0 };
	char *line;

	snprintf(r.user, sizeof(r.user), "al\"ice");
	it_format_jsonl.control(&fc, &b, true, &r, 5000123456ull, 1764445735123456789ull);
	it_buf_putc(&b, 0);
	line = b.p;
	assert_string_equal(line, "{\"record\":\"pause\",\"time\":\"2025-11-29T19:48:55.123456Z\","
			    "\"sec\":5,\"usec\":123,\"via\":\"socket\",\"uid\":1000,\"gid\":1001,"
			    "\"pid\":321,\"user\":\"al\\\"ice\"}\n");
	it_buf_reset(&b);
	it_format_csv.control(&fc, &b, false, &r, 5000123456ull, 1764445735123456789ull);
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

/* A child that answers one request on c with line, as the agent's loop does (the
 * server itself is test_control_server.c's). */
static pid_t serve_one(struct it_control *c, const char *line)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };
		char req[64];
		int fd;

		if (poll(&pf, 1, 5000) != 1 || (fd = accept(c->fd, NULL, NULL)) < 0 ||
		    read(fd, req, sizeof(req)) <= 0 || strncmp(req, "status\n", 7) ||
		    dprintf(fd, "%s\n", line) < 0)
			_exit(1);
		_exit(0);
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
	struct it_control c = { .fd = -1 };
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
	child = serve_one(&c, "ok paused");
	assert_int_equal(agent_status(sock, sf, false, out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(want, sizeof(want), "agent pid %d: paused (from the control socket %s and the "
		 "status file %s)\n", (int)getpid(), sock, sf);
	assert_memory_equal(out, want, strlen(want));
	assert_non_null(strstr(out, "\nkeys=shortcuts\n"));

	/* --json: one object */
	child = serve_one(&c, "ok capturing");
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
	child = serve_one(&c, "ok capturing");
	assert_int_equal(agent_status(sock, NULL, false, out, sizeof(out), err, sizeof(err)), 0);
	waitpid(child, &status, 0);
	snprintf(want, sizeof(want), "agent pid %d: capturing (from the control socket %s)\n",
		 (int)getpid(), sock);
	assert_memory_equal(out, want, strlen(want));
	/* an agent that refuses: its answer, not "no agent" */
	child = serve_one(&c, "error: permission denied (not in the control group)");
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
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_status_file),
		cmocka_unit_test(test_status_file_guarded),
		cmocka_unit_test(test_exclude_verdict),
		cmocka_unit_test(test_ctl_agent_status),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
