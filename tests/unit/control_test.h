/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * control_test.h - what the control socket's unit tests share (test_control.c,
 * test_control_server.c): the ids they switch to, and a scratch directory per run
 * (cmocka group setup and teardown) that nobody can enter, for the sockets.
 */
#ifndef IT_CONTROL_TEST_H
#define IT_CONTROL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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

#endif
