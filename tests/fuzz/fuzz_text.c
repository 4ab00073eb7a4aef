// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_text.c - the escaping rule of every text output (userspace/text.c: the notice,
 * status file, ctl status, --list-devices, evemu's N: line), on any bytes. Input: the
 * string (a device name), up to its first NUL.
 * Properties: the escaped text has no C0 control, DEL or C1 control (U+0080-U+009F) and
 * is valid UTF-8; undoing "\\\\" and "\xNN" gives the input back byte for byte; the
 * fixed-buffer form (it_text_escs) never writes past its buffer, ends in a NUL and is a
 * prefix of the whole escape that stops at a whole escape, at most one character
 * (8 bytes: a C1 control) short of the room.
 */
#include "text.h"
#include "fuzz.h"

/* no byte < 0x20, no 0x7f, no C2 80-9F */
static int no_c0_c1(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f ||
		    ((unsigned char)p[i] == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] < 0xa0))
			return 0;
	return 1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* the escape undone into out (n bytes at least); its length, or -1 if malformed */
static long unescape(const char *p, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (p[i] != '\\') {
			out[o++] = p[i++];
		} else if (i + 1 < n && p[i + 1] == '\\') {
			out[o++] = '\\';
			i += 2;
		} else if (i + 3 < n && p[i + 1] == 'x' && hexval(p[i + 2]) >= 0 && hexval(p[i + 3]) >= 0) {
			out[o++] = (char)(hexval(p[i + 2]) * 16 + hexval(p[i + 3]));
			i += 4;
		} else {
			return -1;
		}
	}
	return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct it_buf b = { 0 };
	size_t n = strnlen((const char *)data, size), cut = size % 64;
	char *dec, fixed[64 + 8];
	long got;

	it_text_esc(&b, (const char *)data, size);
	FUZZ_ASSERT(!b.oom, "out of memory");
	FUZZ_ASSERT(no_c0_c1(b.p, b.len), "control in %.*s", (int)b.len, b.p);
	FUZZ_ASSERT(fuzz_utf8_valid(b.p, b.len), "invalid UTF-8 in %.*s", (int)b.len, b.p);
	dec = malloc(b.len + 1);
	FUZZ_ASSERT(dec, "out of memory");
	got = unescape(b.p, b.len, dec);
	FUZZ_ASSERT(got == (long)n && !memcmp(dec, data, n), "does not undo to the input: %.*s",
		    (int)b.len, b.p);
	/* the fixed form: canary bytes after its buffer stay */
	memset(fixed, '#', sizeof(fixed));
	it_text_escs(fixed, cut + 1, (const char *)data, size);
	FUZZ_ASSERT(fixed[cut + 1] == '#', "wrote past %zu bytes", cut + 1);
	FUZZ_ASSERT(strlen(fixed) <= cut && (!fixed[0] || !memcmp(fixed, b.p, strlen(fixed))),
		    "not a prefix: %s", fixed);
	got = unescape(fixed, strlen(fixed), dec);
	FUZZ_ASSERT(got >= 0, "cut inside an escape: %s", fixed);
	FUZZ_ASSERT(strlen(fixed) + 8 > cut || strlen(fixed) == b.len,
		    "cut %zu of %zu bytes early in %zu", strlen(fixed), b.len, cut + 1);
	free(dec);
	it_buf_free(&b);
	return 0;
}
