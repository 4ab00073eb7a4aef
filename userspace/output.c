// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* output.c - JSON Lines records. */
#include <stdio.h>
#include <time.h>
#include <linux/input-event-codes.h>
#include "counters.h"
#include "names.h"
#include "output.h"

static void kv_str(struct it_buf *b, const char *k, const char *s, size_t max)
{
	it_json_key(b, k);
	it_json_str(b, s, max);
}

void it_rec_device(struct it_buf *b, uint32_t id, const struct it_devinfo *info,
		   const char *action, const char *node)
{
	it_rec_device_ex(b, id, info, action, node, -1);
}

void it_rec_device_ex(struct it_buf *b, uint32_t id, const struct it_devinfo *info,
		      const char *action, const char *node, int virt)
{
	it_buf_puts(b, "{\"record\":\"device\"");
	kv_str(b, "action", action, 16);
	it_json_kv_u64(b, "dev", id);
	kv_str(b, "name", info->name, sizeof(info->name));
	it_json_kv_u64(b, "bus", info->bustype);
	it_json_kv_u64(b, "vendor", info->vendor);
	it_json_kv_u64(b, "product", info->product);
	it_json_kv_u64(b, "version", info->version);
	kv_str(b, "phys", info->phys, sizeof(info->phys));
	kv_str(b, "uniq", info->uniq, sizeof(info->uniq));
	kv_str(b, "sysname", info->sysname, sizeof(info->sysname));
	if (node)
		kv_str(b, "node", node, 64);
	if (virt >= 0)
		it_buf_puts(b, virt ? ",\"virtual\":true" : ",\"virtual\":false");
	it_buf_puts(b, "}\n");
}

void it_rfc3339(struct it_buf *b, uint64_t real_ns)
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
	snprintf(frac, sizeof(frac), ".%06uZ\"", (unsigned)(real_ns % 1000000000ull / 1000));
	it_buf_putc(b, '"');
	it_buf_puts(b, cached);
	it_buf_puts(b, frac);
}

void it_rec_event(struct it_buf *b, uint32_t dev, uint64_t mono_ns, uint64_t real_ns,
		  unsigned int type, unsigned int code, int32_t value, unsigned int flags)
{
	char t1[16], t2[16];

	it_buf_puts(b, "{\"record\":\"event\"");
	it_json_kv_u64(b, "dev", dev);
	it_json_kv_u64(b, "sec", mono_ns / 1000000000ull);
	it_json_kv_u64(b, "usec", mono_ns % 1000000000ull / 1000);
	it_json_key(b, "type");
	it_buf_putc(b, '"');
	it_buf_puts(b, it_type_name(type, t1));
	it_buf_putc(b, '"');
	it_json_key(b, "code");
	it_buf_putc(b, '"');
	it_buf_puts(b, it_code_name(type, code, t2));
	it_buf_putc(b, '"');
	it_json_key(b, "value");
	it_buf_i64(b, value);
	if (real_ns) {
		it_json_key(b, "time");
		it_rfc3339(b, real_ns);
	}
	if (flags & IT_EVF_SYNTH_TS)
		it_buf_puts(b, ",\"synth_ts\":true");
	if (flags & IT_EVF_INJECTED)
		it_buf_puts(b, ",\"injected\":true");
	it_buf_puts(b, "}\n");
}

void it_rec_loss(struct it_buf *b, uint64_t count, uint32_t dev)
{
	it_buf_puts(b, "{\"record\":\"loss\"");
	it_json_kv_u64(b, "count", count);
	if (dev != IT_DEV_MIXED && dev != IT_DEV_NONE)
		it_json_kv_u64(b, "dev", dev);
	it_buf_puts(b, "}\n");
}

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
