/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* slurp.h - the unit tests' way to read an output file back whole. */
#ifndef IT_TEST_SLURP_H
#define IT_TEST_SLURP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file at path (at most 64 KiB), NUL-terminated, in a static buffer that the next
 * call reuses; fails the test if it cannot be opened. */
static inline char *slurp(const char *path)
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

/* Sum of N over the lines of file path that hold "...needle N..."; *lines: how many
 * lines hold needle. */
static inline uint64_t sum_after(const char *path, const char *needle, int *lines)
{
	char line[4096], *p;
	FILE *f = fopen(path, "r");
	uint64_t sum = 0;

	assert_non_null(f);
	*lines = 0;
	while (fgets(line, sizeof(line), f))
		if ((p = strstr(line, needle))) {
			sum += strtoull(p + strlen(needle), NULL, 10);
			(*lines)++;
		}
	fclose(f);
	return sum;
}

#endif
