// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* json.c - byte buffer and JSON string escaping. */
#include <stdlib.h>
#include <string.h>
#include "json.h"

void it_buf_free(struct it_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool grow(struct it_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void it_buf_put(struct it_buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void it_buf_puts(struct it_buf *b, const char *s)
{
	it_buf_put(b, s, strlen(s));
}

void it_buf_putc(struct it_buf *b, char c)
{
	if (!grow(b, 1))
		return;
	b->p[b->len++] = c;
}

void it_buf_u64(struct it_buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	it_buf_put(b, tmp + i, sizeof(tmp) - i);
}

void it_buf_i64(struct it_buf *b, int64_t v)
{
	if (v < 0) {
		it_buf_putc(b, '-');
		it_buf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		it_buf_u64(b, (uint64_t)v);
	}
}

size_t it_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void it_json_str(struct it_buf *b, const char *str, size_t maxlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0;

	it_buf_putc(b, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t l;

		if (c == '"' || c == '\\') {
			it_buf_putc(b, '\\');
			it_buf_putc(b, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

			switch (c) {
			case '\n': it_buf_puts(b, "\\n"); break;
			case '\r': it_buf_puts(b, "\\r"); break;
			case '\t': it_buf_puts(b, "\\t"); break;
			case '\b': it_buf_puts(b, "\\b"); break;
			case '\f': it_buf_puts(b, "\\f"); break;
			default: it_buf_puts(b, esc); break;
			}
			i++;
		} else if ((l = it_utf8_len(s + i, n - i)) > 0) {
			it_buf_put(b, (const char *)s + i, l);
			i += l;
		} else {
			it_buf_puts(b, "\\ufffd");
			i++;
		}
	}
	it_buf_putc(b, '"');
}

void it_json_key(struct it_buf *b, const char *k)
{
	it_buf_puts(b, ",\"");
	it_buf_puts(b, k);
	it_buf_puts(b, "\":");
}

void it_json_kv_u64(struct it_buf *b, const char *k, uint64_t v)
{
	it_json_key(b, k);
	it_buf_u64(b, v);
}
