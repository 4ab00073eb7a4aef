// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_json.c - it_json_str escaping and the it_buf number formatting (userspace/json.c).
 * Expected outputs are written out byte for byte; a seeded fuzz run compares every
 * result against an independent decoder (json_check.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "json.h"
#include "json_check.h"

/* it_json_str(s, maxlen) into a fresh buffer, NUL-terminated for comparisons. */
static char *esc_n(const char *s, size_t maxlen, size_t *len)
{
	static struct it_buf b;
	char *r;

	it_buf_reset(&b);
	it_json_str(&b, s, maxlen);
	assert_false(b.oom);
	r = malloc(b.len + 1);
	assert_non_null(r);
	memcpy(r, b.p, b.len);
	r[b.len] = 0;
	if (len)
		*len = b.len;
	return r;
}

#define assert_esc(in, maxlen, want) do {				\
	char *got_ = esc_n((in), (maxlen), NULL);			\
	assert_string_equal(got_, (want));				\
	free(got_);							\
} while (0)

#define assert_esc_all(in, want) assert_esc((in), sizeof(in) - 1, (want))

static void test_plain_and_empty(void **state)
{
	assert_esc("", 100, "\"\"");
	assert_esc_all("abc", "\"abc\"");
	assert_esc_all("AT Translated Set 2 keyboard", "\"AT Translated Set 2 keyboard\"");
	/* '/' and the other printable ASCII characters are not escaped */
	assert_esc_all("usb-0000:00:14.0-1/input0 ~!@#$%^&*()_+{}[]|;'<>?,.`",
		       "\"usb-0000:00:14.0-1/input0 ~!@#$%^&*()_+{}[]|;'<>?,.`\"");
}

static void test_quotes_backslashes(void **state)
{
	assert_esc_all("\"", "\"\\\"\"");
	assert_esc_all("\\", "\"\\\\\"");
	assert_esc_all("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_esc_all("\\\"\\\"", "\"\\\\\\\"\\\\\\\"\"");
	assert_esc_all("\\u0041", "\"\\\\u0041\"");	/* text that looks like an escape */
}

static void test_every_control_char(void **state)
{
	static const char *const want[0x20] = {
		[0x00] = NULL, /* a NUL ends the string, see test_nul_and_maxlen */
		[0x01] = "\\u0001", [0x02] = "\\u0002", [0x03] = "\\u0003", [0x04] = "\\u0004",
		[0x05] = "\\u0005", [0x06] = "\\u0006", [0x07] = "\\u0007", [0x08] = "\\b",
		[0x09] = "\\t", [0x0a] = "\\n", [0x0b] = "\\u000b", [0x0c] = "\\f",
		[0x0d] = "\\r", [0x0e] = "\\u000e", [0x0f] = "\\u000f", [0x10] = "\\u0010",
		[0x11] = "\\u0011", [0x12] = "\\u0012", [0x13] = "\\u0013", [0x14] = "\\u0014",
		[0x15] = "\\u0015", [0x16] = "\\u0016", [0x17] = "\\u0017", [0x18] = "\\u0018",
		[0x19] = "\\u0019", [0x1a] = "\\u001a", [0x1b] = "\\u001b", [0x1c] = "\\u001c",
		[0x1d] = "\\u001d", [0x1e] = "\\u001e", [0x1f] = "\\u001f",
	};
	char in[4], exp[32];
	int c;

	for (c = 1; c < 0x20; c++) {
		in[0] = 'x', in[1] = (char)c, in[2] = 'y', in[3] = 0;
		snprintf(exp, sizeof(exp), "\"x%sy\"", want[c]);
		assert_esc(in, 3, exp);
	}
	assert_esc("\x7f", 1, "\"\\u007f\"");
	assert_esc("a\x7f" "b", 3, "\"a\\u007fb\"");
	/* all of them in one string */
	{
		char all[0x21];
		char exp_all[256] = "\"";
		size_t len;
		char *got;

		for (c = 1; c < 0x20; c++) {
			all[c - 1] = (char)c;
			strcat(exp_all, want[c]);
		}
		all[0x1f] = 0x7f;
		all[0x20] = 0;
		strcat(exp_all, "\\u007f\"");
		got = esc_n(all, sizeof(all), &len);
		assert_string_equal(got, exp_all);
		assert_int_equal(jc_check(got, len, NULL, 0, NULL), 0);
		free(got);
	}
}

static void test_nul_and_maxlen(void **state)
{
	static const char notnul[4] = { 'a', 'b', 'c', 'd' };	/* no terminator */

	/* 0x00: the string ends there */
	assert_esc("ab\0cd", 5, "\"ab\"");
	assert_esc("\0abc", 4, "\"\"");
	/* maxlen: at most that many bytes are read */
	assert_esc("abcdef", 0, "\"\"");
	assert_esc("abcdef", 1, "\"a\"");
	assert_esc("abcdef", 3, "\"abc\"");
	assert_esc("abcdef", 6, "\"abcdef\"");
	assert_esc("abcdef", 1000, "\"abcdef\"");
	assert_esc(notnul, sizeof(notnul), "\"abcd\"");
	assert_esc(notnul, 2, "\"ab\"");
	/* maxlen counts input bytes, not output bytes: escapes do not eat into it */
	assert_esc("\"\"\"x", 3, "\"\\\"\\\"\\\"\"");
	/* a cut inside a multi-byte sequence leaves an invalid tail -> U+FFFD */
	assert_esc("\xc3\xa9", 1, "\"\\ufffd\"");
	assert_esc("a\xe2\x82\xac", 3, "\"a\\ufffd\\ufffd\"");
	assert_esc("a\xe2\x82\xac", 4, "\"a\xe2\x82\xac\"");
	assert_esc("\xf0\x9f\x98\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
}

static void test_valid_utf8_kept(void **state)
{
	/* boundaries of each sequence length, kept byte for byte */
	assert_esc_all("\xc2\x80", "\"\xc2\x80\"");			/* U+0080 */
	assert_esc_all("\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"");	/* été */
	assert_esc_all("\xdf\xbf", "\"\xdf\xbf\"");			/* U+07FF */
	assert_esc_all("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");		/* U+0800 */
	assert_esc_all("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* U+20AC € */
	assert_esc_all("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		/* U+D7FF */
	assert_esc_all("\xee\x80\x80", "\"\xee\x80\x80\"");		/* U+E000 */
	assert_esc_all("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");		/* U+FFFD itself */
	assert_esc_all("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		/* U+FFFF */
	assert_esc_all("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");	/* U+10000 */
	assert_esc_all("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* U+1F600 */
	assert_esc_all("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	/* mixed with escapes */
	assert_esc_all("\xe6\x97\xa5\"\n\xe6\x9c\xac", "\"\xe6\x97\xa5\\\"\\n\xe6\x9c\xac\"");
}

static void test_invalid_utf8_replaced(void **state)
{
	/* lone continuation bytes and bytes that never start a sequence */
	assert_esc_all("\x80", "\"\\ufffd\"");
	assert_esc_all("\xbf", "\"\\ufffd\"");
	assert_esc_all("a\x80" "b", "\"a\\ufffdb\"");
	assert_esc_all("\xc0", "\"\\ufffd\"");
	assert_esc_all("\xc1", "\"\\ufffd\"");
	assert_esc_all("\xf5", "\"\\ufffd\"");
	assert_esc_all("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_esc_all("\xfe", "\"\\ufffd\"");
	assert_esc_all("\xff", "\"\\ufffd\"");
	/* overlong forms, every byte replaced */
	assert_esc_all("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* '/' in 2 bytes */
	assert_esc_all("\xc0\x80", "\"\\ufffd\\ufffd\"");		/* NUL in 2 bytes */
	assert_esc_all("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	assert_esc_all("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_esc_all("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+07FF in 3 */
	assert_esc_all("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_esc_all("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* U+FFFF in 4 */
	/* UTF-16 surrogates encoded as UTF-8 (CESU-8) */
	assert_esc_all("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+D800 */
	assert_esc_all("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+DFFF */
	assert_esc_all("\xed\xa0\xbd\xed\xb8\x80",
		       "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* past U+10FFFF */
	assert_esc_all("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_esc_all("\xf7\xbf\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* truncated sequences: at the end, and followed by something else */
	assert_esc_all("\xc3", "\"\\ufffd\"");
	assert_esc_all("\xe2\x82", "\"\\ufffd\\ufffd\"");
	assert_esc_all("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_esc_all("\xe2\x82" "A", "\"\\ufffd\\ufffdA\"");
	assert_esc_all("\xc3\"", "\"\\ufffd\\\"\"");
	assert_esc_all("\xc3\n", "\"\\ufffd\\n\"");
	assert_esc_all("\xe2\xc3\xa9", "\"\\ufffd\xc3\xa9\"");		/* new lead restarts */
	assert_esc_all("\xf0\x9f\x98\xc3\xa9", "\"\\ufffd\\ufffd\\ufffd\xc3\xa9\"");
}

static void test_appends_to_buffer(void **state)
{
	struct it_buf b = { 0 };
	char big[1000];

	it_buf_puts(&b, "x=");
	it_json_str(&b, "a\"b", 10);
	it_buf_putc(&b, ';');
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.p, "x=\"a\\\"b\";", 9);
	/* growth past the first allocation keeps what was there */
	memset(big, '\x01', sizeof(big));
	it_json_str(&b, big, sizeof(big));
	assert_false(b.oom);
	assert_int_equal(b.len, 9 + 2 + 6 * sizeof(big));
	assert_memory_equal(b.p, "x=\"a\\\"b\";\"\\u0001", 16);
	assert_memory_equal(b.p + b.len - 7, "\\u0001\"", 7);
	it_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

/* Independent expectation: well-formed sequences kept, every other byte -> U+FFFD. */
static size_t reference_decode(const unsigned char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t l = jc_utf8_len(in + i, n - i);

		if (l) {
			memcpy(out + o, in + i, l);
			o += l, i += l;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
		}
	}
	return o;
}

static void test_fuzz_against_decoder(void **state)
{
	/* seeded: failures reproduce */
	unsigned long long x = 0x9e3779b97f4a7c15ull;
	static const unsigned char pool[] = {
		0x00, 0x01, 0x08, 0x09, 0x0a, 0x0d, 0x1f, '"', '\\', '/', 'a', 'u', 0x7f,
		0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec,
		0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
	};
	int iter;

	for (iter = 0; iter < 200000; iter++) {
		unsigned char in[48];
		char expect[48 * 3], got[48 * 3 + 8];
		size_t n, i, elen, glen, olen, maxlen;
		char *out;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = x % sizeof(in);
		for (i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[i] = (x & 1) ? pool[(x >> 1) % sizeof(pool)] : (unsigned char)(x >> 8);
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		maxlen = (x & 3) ? n : x % (n + 1);

		out = esc_n((const char *)in, maxlen, &olen);
		elen = reference_decode(in, strnlen((const char *)in, maxlen), expect);
		if (jc_decode_string(out, olen, got, sizeof(got), &glen)) {
			print_error("iteration %d: not a valid JSON string: %s\n", iter, out);
			fail();
		}
		assert_int_equal(glen, elen);
		assert_memory_equal(got, expect, elen);
		free(out);
	}
}

static char *num(void (*f)(struct it_buf *, uint64_t), uint64_t v)
{
	static char s[64];
	struct it_buf b = { 0 };

	it_buf_putc(&b, '<');
	f(&b, v);
	it_buf_putc(&b, '>');
	assert_true(b.len < sizeof(s));
	memcpy(s, b.p, b.len);
	s[b.len] = 0;
	it_buf_free(&b);
	return s;
}

static void put_i64(struct it_buf *b, uint64_t v)
{
	it_buf_i64(b, (int64_t)v);
}

static void test_buf_u64(void **state)
{
	assert_string_equal(num(it_buf_u64, 0), "<0>");
	assert_string_equal(num(it_buf_u64, 1), "<1>");
	assert_string_equal(num(it_buf_u64, 9), "<9>");
	assert_string_equal(num(it_buf_u64, 10), "<10>");
	assert_string_equal(num(it_buf_u64, 1000000000000ull), "<1000000000000>");
	assert_string_equal(num(it_buf_u64, UINT32_MAX), "<4294967295>");
	assert_string_equal(num(it_buf_u64, (uint64_t)INT64_MAX + 1), "<9223372036854775808>");
	assert_string_equal(num(it_buf_u64, UINT64_MAX), "<18446744073709551615>");
}

static void test_buf_i64(void **state)
{
	assert_string_equal(num(put_i64, 0), "<0>");
	assert_string_equal(num(put_i64, 7), "<7>");
	assert_string_equal(num(put_i64, (uint64_t)-1), "<-1>");
	assert_string_equal(num(put_i64, (uint64_t)-10), "<-10>");
	assert_string_equal(num(put_i64, (uint64_t)(int64_t)INT32_MIN), "<-2147483648>");
	assert_string_equal(num(put_i64, INT64_MAX), "<9223372036854775807>");
	assert_string_equal(num(put_i64, (uint64_t)INT64_MIN), "<-9223372036854775808>");
	assert_string_equal(num(put_i64, (uint64_t)(INT64_MIN + 1)), "<-9223372036854775807>");
}

/* The oracle itself: it must reject what RFC 8259 rejects, or the fuzz proves nothing. */
static void test_checker_rejects(void **state)
{
	static const char *const bad[] = {
		"", "\"", "\"abc", "abc\"", "\"a\nb\"", "\"a\x01\"", "\"\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\x80\"", "\"\xe2\x82\"", "{\"a\":1,\"a\":2}", "{\"a\":1,}",
		"[1,]", "01", "1.", "-", "+1", "1e", "tru", "nul", "{} {}", "{\"a\" 1}", "NaN",
	};
	static const char *const good[] = {
		"\"\"", "\"\\ud83d\\ude00\"", "\"\\/\"", "{\"a\":[1,-2.5e+3,true,false,null,{}]}",
		" 0 ", "\"\x7f\"", "\"\xf4\x8f\xbf\xbf\"",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!jc_check(bad[i], strlen(bad[i]), NULL, 0, NULL)) {
			print_error("checker accepted %s\n", bad[i]);
			fail();
		}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (jc_check(good[i], strlen(good[i]), NULL, 0, NULL)) {
			print_error("checker rejected %s\n", good[i]);
			fail();
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_rejects),
		cmocka_unit_test(test_plain_and_empty),
		cmocka_unit_test(test_quotes_backslashes),
		cmocka_unit_test(test_every_control_char),
		cmocka_unit_test(test_nul_and_maxlen),
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_appends_to_buffer),
		cmocka_unit_test(test_fuzz_against_decoder),
		cmocka_unit_test(test_buf_u64),
		cmocka_unit_test(test_buf_i64),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
