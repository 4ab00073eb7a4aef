// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* header.c - header and output_loss records. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <libevdev/libevdev.h>
#include "header.h"
#include "output.h"

#ifndef INPUTTRACE_VERSION
#define INPUTTRACE_VERSION "dev"
#endif

void it_hostinfo_read(struct it_hostinfo *h, const char *proc_root)
{
	struct utsname u;
	char path[512];
	FILE *f;

	memset(h, 0, sizeof(*h));
	if (gethostname(h->host, sizeof(h->host) - 1))
		h->host[0] = 0;
	if (!uname(&u))
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", proc_root);
	if ((f = fopen(path, "re"))) {
		if (fgets(h->boot_id, sizeof(h->boot_id), f))
			h->boot_id[strcspn(h->boot_id, "\n")] = 0;
		fclose(f);
	}
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

void it_clock_pair(uint64_t *mono_ns, uint64_t *real_ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		struct timespec a, r, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ts_ns(&b) - ts_ns(&a) < best) {
			best = ts_ns(&b) - ts_ns(&a);
			*mono_ns = ts_ns(&a) + best / 2;
			*real_ns = ts_ns(&r);
		}
	}
}

static void kv_str(struct it_buf *b, const char *k, const char *v)
{
	it_json_key(b, k);
	it_json_str(b, v, 4096);
}

static void kv_num(struct it_buf *b, const char *k, double v)
{
	char s[32];

	it_json_key(b, k);
	snprintf(s, sizeof(s), "%.15g", v);
	it_buf_puts(b, s);
}

void it_rec_header(struct it_buf *b, const struct it_opts *o, const struct it_hostinfo *h,
		   uint64_t file_seq, uint64_t mono_ns, uint64_t real_ns)
{
	int i, t, first = 1;

	if (!mono_ns)
		it_clock_pair(&mono_ns, &real_ns);
	it_buf_puts(b, "{\"record\":\"header\"");
	it_json_kv_u64(b, "schema", IT_SCHEMA_VERSION);
	kv_str(b, "agent", "inputtrace");
	kv_str(b, "version", INPUTTRACE_VERSION);
	kv_str(b, "host", h->host);
	kv_str(b, "boot_id", h->boot_id);
	kv_str(b, "kernel", h->kernel);
	it_json_kv_u64(b, "file_seq", file_seq);
	kv_str(b, "format", it_format_name(o->format));
	it_buf_puts(b, ",\"settings\":{\"types\":");
	if (o->type_mask == 0xffffffffu) {
		it_buf_puts(b, "\"all\"");
	} else {
		it_buf_putc(b, '[');
		for (t = 0; t < 32; t++) {
			const char *n;
			char hex[8];

			if (!(o->type_mask & (1u << t)))
				continue;
			if (!first)
				it_buf_putc(b, ',');
			first = 0;
			n = libevdev_event_type_get_name((unsigned int)t);
			if (!n) {
				snprintf(hex, sizeof(hex), "0x%02x", t);
				n = hex;
			}
			it_json_str(b, n, 32);
		}
		it_buf_putc(b, ']');
	}
	it_buf_puts(b, ",\"devices\":[");
	for (i = 0; i < o->n_devices; i++) {
		if (i)
			it_buf_putc(b, ',');
		it_json_str(b, o->devices[i].text, sizeof(o->devices[i].text));
	}
	it_buf_putc(b, ']');
	kv_str(b, "keys", it_keys_name(o->keys));
	kv_str(b, "pointer", it_pointer_name(o->pointer));
	it_json_kv_u64(b, "pointer_grid", o->pointer_grid);
	it_json_key(b, "no_time");
	it_buf_puts(b, o->no_time ? "true" : "false");
	it_json_kv_u64(b, "count", o->count);
	kv_num(b, "duration", o->duration_s);
	it_json_kv_u64(b, "ring_size", o->ring_size);
	it_json_kv_u64(b, "compress", (uint64_t)o->compress);
	kv_num(b, "flush_interval", o->flush_interval_s);
	it_json_kv_u64(b, "rotate_size", o->rotate_size);
	kv_num(b, "rotate_interval", o->rotate_interval_s);
	it_json_kv_u64(b, "max_files", o->max_files);
	kv_num(b, "max_age", o->max_age_s);
	it_buf_puts(b, ",\"exclude_devices\":[");
	for (i = 0; i < o->n_exclude; i++) {
		if (i)
			it_buf_putc(b, ',');
		it_json_str(b, o->exclude[i].text, sizeof(o->exclude[i].text));
	}
	it_buf_putc(b, ']');
	it_json_key(b, "syslog");
	it_buf_puts(b, o->syslog ? "true" : "false");
	it_buf_puts(b, "},\"clock\":{\"mono_ns\":");
	it_buf_u64(b, mono_ns);
	it_json_kv_u64(b, "real_ns", real_ns);
	it_json_key(b, "offset_ns");
	it_buf_i64(b, (int64_t)(real_ns - mono_ns));
	it_buf_putc(b, '}');
	it_json_key(b, "time");
	it_rfc3339(b, real_ns);
	it_buf_puts(b, "}\n");
}

void it_rec_output_loss(struct it_buf *b, uint64_t lines, uint64_t bytes, int error)
{
	it_buf_puts(b, "{\"record\":\"output_loss\"");
	it_json_kv_u64(b, "lines", lines);
	it_json_kv_u64(b, "bytes", bytes);
	kv_str(b, "error", strerror(error));
	it_buf_puts(b, "}\n");
}
