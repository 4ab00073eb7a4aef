/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * flags.h - the unit tests' way to build struct it_opts: the agent's own flag parser
 * (it_parse_args) on a space-separated line, as a user would type it.
 */
#ifndef IT_TEST_FLAGS_H
#define IT_TEST_FLAGS_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

/* Flags of line (no quoting; at most 14 words) into o; fails the test on a parse
 * error. The strings o points into stay valid until the next call. */
static void parse_flags(const char *line, struct it_opts *o)
{
	static char keep[512];
	char *argv[16], *save = NULL, *t, err[256];
	int argc = 0;
	FILE *out = fopen("/dev/null", "w");

	snprintf(keep, sizeof(keep), "%s", line);
	argv[argc++] = "inputtrace";
	for (t = strtok_r(keep, " ", &save); t && argc < 15; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	optind = 0;
	assert_int_equal(it_parse_args(argc, argv, o, err, sizeof(err), out), 0);
	fclose(out);
}

#endif
