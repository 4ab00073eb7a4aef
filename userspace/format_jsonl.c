// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format_jsonl.c - JSON Lines records, and --format jsonl (format_jsonl.h). */
#include <stdio.h>
#include <string.h>
#include <libevdev/libevdev.h>
#include "feat_intervals.h"
#include "format_jsonl.h"
#include "format_context.h"
#include "names.h"

#ifndef INPUTTRACE_VERSION
#define INPUTTRACE_VERSION "dev"
#endif

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
	if (info->flags & IT_DEVF_NAME_TRUNCATED)
		it_buf_puts(b, ",\"name_truncated\":true");	/* only then: issue 14 */
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
	kv_str(b, "agent", "inputtrace", 4096);
	kv_str(b, "version", INPUTTRACE_VERSION, 4096);
	kv_str(b, "host", h->host, 4096);
	kv_str(b, "boot_id", h->boot_id, 4096);
	kv_str(b, "kernel", h->kernel, 4096);
	it_json_kv_u64(b, "file_seq", file_seq);
	kv_str(b, "format", it_format_name(o->format), 4096);
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
	kv_str(b, "keys", it_keys_name(o->keys), 4096);
	kv_str(b, "pointer", it_pointer_name(o->pointer), 4096);
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
	kv_str(b, "record_mode", it_record_name(o->record), 16);
	if (o->record == IT_RECORD_INTERVALS) {
		kv_num(b, "interval", o->interval_s);
		kv_num(b, "idle", o->idle_s);
	}
	it_focus_opts_json(&o->focus, b);	/* the allow-list and pause list (docs/context.md) */
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
	kv_str(b, "error", strerror(error), 4096);
	it_buf_puts(b, "}\n");
}

void it_rec_control(struct it_buf *b, bool pause, const struct it_ctl_req *r, uint64_t mono_ns,
		    uint64_t real_ns)
{
	it_buf_puts(b, pause ? "{\"record\":\"pause\",\"time\":" : "{\"record\":\"resume\",\"time\":");
	it_rfc3339(b, real_ns);
	it_buf_puts(b, ",\"sec\":");
	it_buf_u64(b, mono_ns / 1000000000ull);
	it_buf_puts(b, ",\"usec\":");
	it_buf_u64(b, mono_ns % 1000000000ull / 1000);
	it_buf_puts(b, ",\"via\":");
	it_json_str(b, r->via ? r->via : "", 16);
	it_buf_puts(b, ",\"uid\":");
	it_buf_u64(b, r->uid);
	it_buf_puts(b, ",\"gid\":");
	it_buf_u64(b, r->gid);
	it_buf_puts(b, ",\"pid\":");
	it_buf_u64(b, (uint64_t)r->pid);
	it_buf_puts(b, ",\"user\":");
	it_json_str(b, r->user, sizeof(r->user));
	it_buf_puts(b, "}\n");
}

/* The record that starts at start in b gets ,"subject":"HEX" right after its first
 * member ("record":"..."), when there is a subject. */
static void put_subject(struct it_buf *b, size_t start, const char *subject)
{
	char m[16 + IT_SUBJECT_HEX];
	const char *q;
	size_t n, off, old = b->len;

	if (!subject || !*subject || b->oom || old < start + 12)
		return;
	q = memchr(b->p + start + 11, '"', old - start - 11);	/* {"record":"NAME" */
	if (!q)
		return;
	off = (size_t)(q + 1 - b->p);
	n = (size_t)snprintf(m, sizeof(m), ",\"subject\":\"%s\"", subject);
	it_buf_put(b, m, n);	/* room for it, then moved into place */
	if (b->oom)
		return;
	memmove(b->p + off + n, b->p + off, old - off);
	memcpy(b->p + off, m, n);
}

/* A pause or resume record with the subject of who asked instead of uid, gid and user
 * (participation on: no uid or user name in the output). */
static void rec_control_subject(struct it_format_ctx *fc, struct it_buf *b, bool pause,
				const struct it_ctl_req *r, uint64_t mono_ns, uint64_t real_ns)
{
	char subj[IT_SUBJECT_HEX + 1];
	size_t start = b->len;
	const char *u;

	it_rec_control(b, pause, r, mono_ns, real_ns);
	if (b->oom)
		return;
	u = memmem(b->p + start, b->len - start, ",\"uid\":", 7);	/* uid, gid, pid, user */
	if (u) {
		b->len = (size_t)(u - b->p);
		it_buf_puts(b, "}\n");
	}
	if (!it_subject_of(fc->subject_key, r->uid, subj))
		put_subject(b, start, subj);
}

/* --- the format -------------------------------------------------------------------- */

void it_jsonl_header(struct it_format_ctx *fc, struct it_buf *b, uint64_t file_seq)
{
	it_rec_header(b, fc->o, fc->host, file_seq, 0, 0);
}

void it_jsonl_device(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		     const char *action)
{
	static const struct it_devinfo none;

	it_rec_device_ex(b, d->id, d->info ? d->info : &none, action, d->node, d->virt);
	if (d->reconstructed && !b->oom && b->len >= 2) {
		b->len -= 2;	/* the record's closing "}\n" */
		it_buf_puts(b, ",\"reconstructed\":true}\n");
	}
}

static void jsonl_event(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
			const struct it_event *e)
{
	size_t start = b->len;

	it_rec_event(b, e->hdr.dev, e->mono_ns, e->real_ns, e->type, e->code, e->value,
		     e->hdr.flags & (IT_EVF_SYNTH_TS | IT_EVF_INJECTED));
	put_subject(b, start, fc->subject);
}

void it_jsonl_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t count, uint32_t dev)
{
	size_t start = b->len;

	it_rec_loss(b, count, dev);
	put_subject(b, start, fc->subject);
}

void it_jsonl_output_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t lines,
			  uint64_t bytes, int error)
{
	it_rec_output_loss(b, lines, bytes, error);
}

void it_jsonl_control(struct it_format_ctx *fc, struct it_buf *b, bool pause,
		      const struct it_ctl_req *r, uint64_t mono_ns, uint64_t real_ns)
{
	if (fc->subject_key)
		rec_control_subject(fc, b, pause, r, mono_ns, real_ns);
	else
		it_rec_control(b, pause, r, mono_ns, real_ns);
}

void it_jsonl_stats(struct it_format_ctx *fc, struct it_buf *b, const struct it_stats *s)
{
	it_rec_stats(b, s);
}

/* {"record":"interval","dev":3,...}: every column, null when empty. */
static void jsonl_table_row(struct it_format_ctx *fc, struct it_buf *b, const char *record,
			    const char *const *cols, const struct it_fval *vals, const char *devname)
{
	unsigned int i;

	it_buf_puts(b, "{\"record\":");
	it_json_str(b, record, 32);
	for (i = 0; cols[i]; i++) {
		it_json_key(b, cols[i]);
		it_feat_put_val(b, &vals[i], true);
	}
	it_buf_puts(b, "}\n");
}

const struct it_format_ops it_format_jsonl = {
	.name = "jsonl",
	.ext = "jsonl",
	.head = IT_JSONL_HEAD,
	.header = it_jsonl_header,
	.device = it_jsonl_device,
	.event = jsonl_event,
	.loss = it_jsonl_loss,
	.output_loss = it_jsonl_output_loss,
	.control = it_jsonl_control,
	.table_row = jsonl_table_row,
	.focus = it_jsonl_focus,
	.tool = it_jsonl_tool,
	.stats = it_jsonl_stats,
};
