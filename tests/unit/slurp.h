/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* slurp.h - the unit tests' way to read an output file back whole. */
#ifndef IT_TEST_SLURP_H
#define IT_TEST_SLURP_H

#include <stdio.h>

/* The file at path (at most 64 KiB), NUL-terminated, in a static buffer that the next
 * call reuses; fails the test if it cannot be opened. */
static char *slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

#endif
