/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fuzz.h - what the libFuzzer targets (tests/fuzz/fuzz_*.c) share: an assertion that
 * says which property broke and aborts (libFuzzer then saves the input as a crash
 * artifact), and the reference for "bytes as valid UTF-8".
 */
#ifndef IT_FUZZ_H
#define IT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/json_check.h"	/* the tests' strict, independent RFC 8259 checker */

#define FUZZ_ASSERT(cond, ...)								\
	do {										\
		if (!(cond)) {								\
			fprintf(stderr, "fuzz: %s:%d: property broken: %s: ",		\
				__FILE__, __LINE__, #cond);				\
			fprintf(stderr, __VA_ARGS__);					\
			fputc('\n', stderr);						\
			abort();							\
		}									\
	} while (0)

/*
 * Reference for what every text output does with outside bytes: the first
 * strnlen(s, max) bytes, each byte that does not start a well-formed UTF-8 sequence
 * (Unicode Table 3-7, json_check.h's own decoder) replaced by U+FFFD, each control
 * byte (< 0x20 or 0x7f) by ctl when ctl is not 0. Returns a malloc'ed buffer, its
 * length in *len.
 */
static inline char *fuzz_utf8_ref(const char *s, size_t max, char ctl, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, max), i = 0, o = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		abort();
	while (i < n) {
		size_t l = jc_utf8_len(u + i, n - i);

		if (!l) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
		} else if (ctl && (u[i] < 0x20 || u[i] == 0x7f)) {
			out[o++] = ctl;
			i++;
		} else {
			memcpy(out + o, s + i, l);
			o += l, i += l;
		}
	}
	*len = o;
	return out;
}

/* True when the n bytes at p are well-formed UTF-8. */
static inline int fuzz_utf8_valid(const char *p, size_t n)
{
	size_t i = 0, l;

	for (; i < n; i += l)
		if (!(l = jc_utf8_len((const unsigned char *)p + i, n - i)))
			return 0;
	return 1;
}

/* True when none of the n bytes at p is a C0 control byte or DEL. */
static inline int fuzz_no_ctl(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

#endif
