// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tools.c - tool activity (bpf/tools.bpf.c, userspace/tools.c) on this host's
 * kernel (tp_btf sched_process_exec/exit): executables on the list produce start and
 * stop records with the process's pid, the list index and the exit status; a hard
 * link is the same tool; other executables produce nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "tools_user.h"

static char dir[64], tool_a[128], tool_b[128], link_a[128];
static struct it_tool_event got[16];
static int ngot;

static void collect(void *ctx, const struct it_tool_event *e)
{
	if (ngot < 16)
		got[ngot++] = *e;
}

static int setup(void **state)
{
	char cmd[600];

	snprintf(dir, sizeof(dir), "/tmp/it-tools-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(tool_a, sizeof(tool_a), "%s/tool-a", dir);
	snprintf(tool_b, sizeof(tool_b), "%s/tool-b", dir);
	snprintf(link_a, sizeof(link_a), "%s/link-a", dir);
	/* copies: their own inodes, unlike /bin/true and /bin/false themselves */
	snprintf(cmd, sizeof(cmd), "cp /bin/true %s && cp /bin/false %s && ln %s %s", tool_a,
		 tool_b, tool_a, link_a);
	return system(cmd) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* Run path, wait for it; its pid. */
static pid_t run(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return pid;
}

/* Poll until n records are in, at most 2 s. */
static void await(struct it_tools *t, int n)
{
	int i;

	for (i = 0; i < 20 && ngot < n; i++)
		assert_true(it_tools_poll(t, 100) >= 0);
}

static void expect(int i, pid_t pid, unsigned int tool, unsigned int kind, int code)
{
	assert_int_equal(got[i].pid, pid);
	assert_int_equal(got[i].tool, tool);
	assert_int_equal(got[i].kind, kind);
	assert_int_equal(got[i].exit_code, code);
	assert_true(got[i].mono_ns > 0);
}

static void test_tools(void **state)
{
	const char *paths[] = { tool_a, tool_b };
	struct it_tools *t;
	char err[256];
	pid_t a, b, l;

	t = it_tools_open(paths, 2, collect, NULL, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	run("/bin/true");	/* not on the list */
	a = run(tool_a);
	b = run(tool_b);
	l = run(link_a);
	await(t, 6);
	assert_int_equal(ngot, 6);
	expect(0, a, 0, IT_TOOL_START, 0);
	expect(1, a, 0, IT_TOOL_STOP, 0);
	expect(2, b, 1, IT_TOOL_START, 0);
	expect(3, b, 1, IT_TOOL_STOP, 1 << 8);	/* false: exit status 1 */
	expect(4, l, 0, IT_TOOL_START, 0);
	expect(5, l, 0, IT_TOOL_STOP, 0);
	assert_true(got[0].mono_ns <= got[1].mono_ns && got[1].mono_ns <= got[2].mono_ns);
	assert_int_equal(it_tools_lost(t), 0);
	/* nothing more: /bin/true's exec gave no record */
	assert_int_equal(it_tools_poll(t, 0), 0);
	it_tools_close(t);

	/* an executable that is not there: one line, no handle */
	paths[1] = "/nonexistent/tool";
	assert_null(it_tools_open(paths, 2, collect, NULL, err, sizeof(err)));
	assert_string_equal(err, "tools: /nonexistent/tool: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tools, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
