// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format.c - the table of formats, and the time text they share (format.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "format.h"

static const struct it_format_ops *const formats[] = {
	[IT_FMT_JSONL] = &it_format_jsonl,
	[IT_FMT_CSV] = &it_format_csv,
	[IT_FMT_EVEMU] = &it_format_evemu,
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

const struct it_format_ops *it_format_of(enum it_format f)
{
	return (unsigned int)f < N_FORMATS && formats[f] ? formats[f] : &it_format_jsonl;
}

bool it_format_known_head(const char *head, size_t n)
{
	size_t i;

	for (i = 0; i < N_FORMATS; i++) {
		size_t l = formats[i] && formats[i]->head ? strlen(formats[i]->head) : 0;

		if (l && n >= l && !memcmp(head, formats[i]->head, l))
			return true;
	}
	return false;
}

void it_rfc3339_bare(struct it_buf *b, uint64_t real_ns)
{
	/* one gmtime_r per second of input, not per event */
	static __thread time_t cached_sec = -1;
	static __thread char cached[32];
	time_t sec = (time_t)(real_ns / 1000000000ull);
	char frac[16];

	if (sec != cached_sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = sec;
	}
	snprintf(frac, sizeof(frac), ".%06uZ", (unsigned)(real_ns % 1000000000ull / 1000));
	it_buf_puts(b, cached);
	it_buf_puts(b, frac);
}

void it_rfc3339(struct it_buf *b, uint64_t real_ns)
{
	it_buf_putc(b, '"');
	it_rfc3339_bare(b, real_ns);
	it_buf_putc(b, '"');
}
