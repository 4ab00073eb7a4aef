// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* text.c - escaping outside strings for terminals and logs (text.h). */
#include <stdlib.h>
#include <string.h>
#include "text.h"

static void hex_byte(struct it_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	it_buf_put(b, e, sizeof(e));
}

void it_text_esc(struct it_buf *b, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0, l;

	while (i < n) {
		unsigned char c = s[i];

		if (c == '\\') {
			it_buf_put(b, "\\\\", 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			hex_byte(b, c);
			i++;
		} else if ((l = it_utf8_len(s + i, n - i)) == 0) {
			hex_byte(b, c);
			i++;
		} else if (c == 0xc2 && s[i + 1] < 0xa0) {	/* U+0080-U+009F: C1 */
			hex_byte(b, c);
			hex_byte(b, s[i + 1]);
			i += 2;
		} else {
			it_buf_put(b, str + i, l);
			i += l;
		}
	}
}

const char *it_text_escs(char *out, size_t len, const char *s, size_t maxlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, maxlen), i = 0, o = 0;
	struct it_buf b = { 0 };

	if (!len)
		return out;
	/* one character at a time, so that a cut never splits an escape or a sequence */
	while (i < n) {
		size_t l = it_utf8_len(u + i, n - i);

		if (!l || u[i] < 0x20 || u[i] == 0x7f)
			l = 1;
		it_buf_reset(&b);
		it_text_esc(&b, s + i, l);
		if (b.oom || o + b.len >= len)
			break;
		memcpy(out + o, b.p, b.len);
		o += b.len;
		i += l;
	}
	out[o] = 0;
	it_buf_free(&b);
	return out;
}

void it_text_esc_inplace(char *s, size_t len)
{
	char *copy = strndup(s, len);

	if (!copy) {
		s[0] = 0;
		return;
	}
	it_text_escs(s, len, copy, len);
	free(copy);
}
