// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format_csv.c - --format csv. */
#include <string.h>
#include "format_csv.h"
#include "json.h"
#include "names.h"
#include "output.h"

void it_csv_field(struct it_buf *b, const char *s, size_t maxlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, maxlen), i = 0;
	bool quote = strcspn(s, ",\"\r\n") < n;

	if (quote)
		it_buf_putc(b, '"');
	while (i < n) {
		size_t l = it_utf8_len(u + i, n - i);

		if (!l) {
			it_buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD, as in the JSON records */
			i++;
		} else if (u[i] == '"') {
			it_buf_puts(b, "\"\"");
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			it_buf_putc(b, ' ');
			i++;
		} else {
			it_buf_put(b, s + i, l);
			i += l;
		}
	}
	if (quote)
		it_buf_putc(b, '"');
}

void it_csv_event(struct it_buf *b, uint32_t dev, const char *devname, uint64_t mono_ns,
		  uint64_t real_ns, unsigned int type, unsigned int code, int32_t value)
{
	char t1[16], t2[16];
	struct it_buf tb = { 0 };

	it_buf_puts(b, "event,");
	it_buf_u64(b, dev);
	it_buf_putc(b, ',');
	it_csv_field(b, devname ? devname : "", 256);
	it_buf_putc(b, ',');
	it_buf_u64(b, mono_ns / 1000000000ull);
	it_buf_putc(b, ',');
	it_buf_u64(b, mono_ns % 1000000000ull / 1000);
	it_buf_putc(b, ',');
	if (real_ns) {
		it_rfc3339(&tb, real_ns);	/* quoted: drop the quotes */
		if (tb.len >= 2)
			it_buf_put(b, tb.p + 1, tb.len - 2);
		it_buf_free(&tb);
	}
	it_buf_putc(b, ',');
	it_buf_puts(b, it_type_name(type, t1));
	it_buf_putc(b, ',');
	it_buf_puts(b, it_code_name(type, code, t2));
	it_buf_putc(b, ',');
	it_buf_i64(b, value);
	it_buf_putc(b, '\n');
}

void it_csv_count(struct it_buf *b, const char *record, uint64_t count)
{
	it_buf_puts(b, record);
	it_buf_puts(b, ",,,,,,,,");
	it_buf_u64(b, count);
	it_buf_putc(b, '\n');
}
