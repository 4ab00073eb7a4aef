/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tmpdir.h - a fresh /tmp/it-test-XXXXXX directory per test (tmpdir_setup as the
 * cmocka setup, tmpdir_teardown removes it with everything in it). Include after
 * cmocka.h. The path is in `dir`.
 */
#ifndef IT_TEST_TMPDIR_H
#define IT_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char dir[64];

static int tmpdir_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/it-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int tmpdir_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

#endif
