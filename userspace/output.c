// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* output.c - the stats record (output.h). */
#include <linux/input-event-codes.h>
#include "counters.h"
#include "format_context.h"
#include "names.h"
#include "output.h"

const unsigned int it_stats_types[12] = {
	EV_SYN, EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_SW, EV_LED, EV_SND, EV_REP, EV_FF, EV_PWR,
	EV_FF_STATUS,
};

bool it_stats_type_listed(unsigned int t)
{
	size_t i;

	for (i = 0; i < sizeof(it_stats_types) / sizeof(it_stats_types[0]); i++)
		if (it_stats_types[i] == t)
			return true;
	return false;
}

void it_rec_stats(struct it_buf *b, const struct it_stats *s)
{
	unsigned int t;
	size_t c;
	bool first = true;

	it_buf_puts(b, "{\"record\":\"stats\"");
	for (c = 0; c < it_counter_count; c++)
		it_json_kv_u64(b, it_counter_info[c].name, it_counter_get(&s->k, c));
	it_json_key(b, "missed_frames");
	if (s->missed_counted)
		it_buf_u64(b, s->missed_frames);
	else
		it_buf_puts(b, "null");	/* this kernel does not count them */
	it_json_kv_u64(b, "filtered_user", s->filtered_user);
	it_json_kv_u64(b, "events_out", s->events_out);
	it_json_kv_u64(b, "not_output", s->not_output);
	it_json_kv_u64(b, "devices", s->devices);
	it_json_kv_u64(b, "output_lost_lines", s->output_lost_lines);
	it_json_kv_u64(b, "output_lost_bytes", s->output_lost_bytes);
	it_json_kv_u64(b, "devices_removed", s->devices_removed);
	it_json_kv_u64(b, "bytes_written", s->bytes_written);
	it_json_kv_u64(b, "files_completed", s->files_completed);
	it_json_kv_u64(b, "files_deleted", s->files_deleted);
	it_json_kv_u64(b, "files_recovered", s->files_recovered);
	if (s->has_kafka)
		it_shipper_json(b, &s->kafka);	/* ,"kafka":{...} */
	if (s->context)
		it_context_stats_json(b, s->context);	/* ,"focus":{...},"tools":{...} */
	it_json_key(b, "events_by_type");
	it_buf_putc(b, '{');
	for (t = 0; t < IT_STATS_TYPES; t++) {
		char tmp[16];

		if (!s->by_type[t] && !it_stats_type_listed(t))
			continue;
		if (!first)
			it_buf_putc(b, ',');
		first = false;
		it_buf_putc(b, '"');
		it_buf_puts(b, it_type_name(t, tmp));
		it_buf_puts(b, "\":");
		it_buf_u64(b, s->by_type[t]);
	}
	it_buf_puts(b, "}}\n");
}
