// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format_evemu.c - evemu-record's text format, one file per device (format_evemu.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include "evemu_files.h"
#include "format_evemu.h"
#include "format_context.h"
#include "format_jsonl.h"
#include "log.h"
#include "text.h"

static void putf(struct it_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct it_buf *b, const char *fmt, ...)
{
	char s[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (n > 0)
		it_buf_put(b, s, (size_t)n < sizeof(s) ? (size_t)n : sizeof(s) - 1);
}

/* Bitmask bytes, 8 per line, as evemu writes them ("B: 01 ff 00 ..."). */
static void mask_lines(struct it_buf *b, const char *tag, int idx, const unsigned char *m, size_t bytes)
{
	size_t i, j;

	for (i = 0; i < bytes; i += 8) {
		if (idx >= 0)
			putf(b, "%s: %02x", tag, idx);
		else
			putf(b, "%s:", tag);
		for (j = i; j < i + 8; j++)
			putf(b, " %02x", j < bytes ? m[j] : 0);
		it_buf_putc(b, '\n');
	}
}

/* bytes evdev's EVIOCGBIT returns for a type: whole longs covering its codes */
static size_t mask_bytes(unsigned int cnt)
{
	return (cnt + 63) / 64 * 8;
}

int it_evemu_describe(struct it_buf *b, const struct it_devinfo *info, const char *node)
{
	static const struct { unsigned int type, cnt; } types[] = {
		{ EV_SYN, EV_CNT }, { EV_KEY, KEY_CNT }, { EV_REL, REL_CNT }, { EV_ABS, ABS_CNT },
		{ EV_MSC, MSC_CNT }, { EV_SW, SW_CNT }, { EV_LED, LED_CNT }, { EV_SND, SND_CNT },
		{ EV_REP, REP_CNT }, { EV_FF, FF_CNT },
	};
	struct libevdev *dev = NULL;
	char name[IT_TEXT_ESC_LEN(IT_NAME_LEN)];
	unsigned char m[KEY_CNT / 8 + 8];
	unsigned int t, c, i;
	int fd = -1, rc = -1;

	it_text_escs(name, sizeof(name), info->name, sizeof(info->name));
	it_buf_puts(b, "# EVEMU 1.3\n");
	putf(b, "# Input device name: \"%s\"\n", name);
	putf(b, "# Recorded by inputtrace from %s (%s)\n", info->sysname, node ? node : "no node");
	if (node) {
		fd = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && libevdev_new_from_fd(fd, &dev) < 0)
			dev = NULL;
	}
	/* the escaped name (text.h): a newline in the device name would end the N: line,
	 * and evemu tools print it */
	putf(b, "N: %s\n", name);
	if (dev)
		putf(b, "I: %04x %04x %04x %04x\n", libevdev_get_id_bustype(dev),
		     libevdev_get_id_vendor(dev), libevdev_get_id_product(dev), libevdev_get_id_version(dev));
	else
		putf(b, "I: %04x %04x %04x %04x\n", info->bustype, info->vendor, info->product, info->version);
	if (dev) {
		memset(m, 0, sizeof(m));
		for (c = 0; c < INPUT_PROP_CNT; c++)
			if (libevdev_has_property(dev, c))
				m[c / 8] |= (unsigned char)(1u << (c % 8));
		mask_lines(b, "P", -1, m, mask_bytes(INPUT_PROP_CNT));
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			t = types[i].type;
			memset(m, 0, sizeof(m));
			for (c = 0; c < types[i].cnt; c++) {
				bool has = t == EV_SYN ? libevdev_has_event_type(dev, c)
						       : libevdev_has_event_code(dev, t, c);

				if (has)
					m[c / 8] |= (unsigned char)(1u << (c % 8));
			}
			mask_lines(b, "B", (int)t, m, mask_bytes(types[i].cnt));
		}
		for (c = 0; c < ABS_CNT; c++) {
			const struct input_absinfo *a = libevdev_get_abs_info(dev, c);

			if (a && libevdev_has_event_code(dev, EV_ABS, c))
				putf(b, "A: %02x %d %d %d %d %d\n", c, a->minimum, a->maximum, a->fuzz,
				     a->flat, a->resolution);
		}
		for (c = 0; c < LED_CNT; c++)
			if (libevdev_has_event_code(dev, EV_LED, c))
				putf(b, "L: %02x %d\n", c, libevdev_get_event_value(dev, EV_LED, c));
		for (c = 0; c < SW_CNT; c++)
			if (libevdev_has_event_code(dev, EV_SW, c))
				putf(b, "S: %02x %d\n", c, libevdev_get_event_value(dev, EV_SW, c));
		rc = 0;
	}
	if (dev)
		libevdev_free(dev);
	if (fd >= 0)
		close(fd);
	it_buf_puts(b, "################################\n"
		       "#      Waiting for events      #\n"
		       "################################\n");
	return rc;
}

void it_evemu_event(struct it_buf *b, uint64_t mono_ns, uint64_t t0_ns,
		    unsigned int type, unsigned int code, int32_t value)
{
	uint64_t d = mono_ns >= t0_ns ? mono_ns - t0_ns : 0;

	putf(b, "E: %llu.%06u %04x %04x %04d\n", (unsigned long long)(d / 1000000000ull),
	     (unsigned)(d % 1000000000ull / 1000), type & 0xffff, code & 0xffff, value);
}

/* --- the format: events into per-device files, the rest as JSON Lines ------------- */

/* What the format keeps for a device: its description, read at its first record, and
 * its file, opened at its first event. */
struct evemu_dev {
	struct evemu_dev *next, **pprev;
	uint32_t id;
	struct it_buf desc;
	struct it_evemu_file *file;
	char subject[IT_SUBJECT_HEX + 1];	/* of its last event ("": none) */
};

struct evemu_state {
	struct evemu_dev *devs;
	uint64_t lost;		/* lines of completed files and of events without a file */
};

static int evemu_open_fmt(struct it_format_ctx *fc)
{
	fc->priv = calloc(1, sizeof(struct evemu_state));
	return fc->priv ? 0 : -1;
}

static struct evemu_dev *dev_new(struct evemu_state *st, void **priv, uint32_t id)
{
	struct evemu_dev *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->id = id;
	v->next = st->devs;
	if (st->devs)
		st->devs->pprev = &v->next;
	v->pprev = &st->devs;
	st->devs = v;
	*priv = v;
	return v;
}

/* Complete v's file; what it could not write stays counted. */
static void dev_complete(struct evemu_state *st, struct evemu_dev *v)
{
	if (!v->file)
		return;
	it_evemu_flush(v->file);
	st->lost += v->file->dropped;
	if (it_evemu_close(v->file))
		it_err("cannot complete the evemu file of input%u", v->id);
	v->file = NULL;
}

static void dev_free(struct evemu_dev *v)
{
	*v->pprev = v->next;
	if (v->next)
		v->next->pprev = v->pprev;
	it_buf_free(&v->desc);
	free(v);
}

/* The JSON device record; the description read at the device's first one. */
static void evemu_device(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
			 const char *action)
{
	struct evemu_dev *v;

	it_jsonl_device(fc, b, d, action);
	if (!d->priv || *d->priv || !d->info || !strcmp(action, "remove"))
		return;
	v = dev_new(fc->priv, d->priv, d->id);
	if (v)
		it_evemu_describe(&v->desc, d->info, d->node);
}

static void evemu_device_gone(struct it_format_ctx *fc, const struct it_fmt_dev *d)
{
	struct evemu_dev *v = d->priv ? *d->priv : NULL;

	if (!v)
		return;
	dev_complete(fc->priv, v);
	dev_free(v);
	*d->priv = NULL;
}

static void evemu_event(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
			const struct it_event *e)
{
	struct evemu_state *st = fc->priv;
	struct evemu_dev *v = d->priv ? *d->priv : NULL;

	if (d->priv && !v)
		v = dev_new(st, d->priv, d->id);	/* no record of it: no description */
	if (v && !v->file)
		v->file = it_evemu_open(&fc->place, e->hdr.dev, v->desc.p ? v->desc.p : "",
					v->desc.len);
	if (v && v->file && fc->subject_key && strcmp(v->subject, fc->subject ? fc->subject : "")) {
		/* participation: whose events follow (docs/participation.md) */
		snprintf(v->subject, sizeof(v->subject), "%s", fc->subject ? fc->subject : "");
		it_buf_puts(&v->file->buf, "# subject ");
		it_buf_puts(&v->file->buf, v->subject[0] ? v->subject : "-");
		it_buf_putc(&v->file->buf, '\n');
	}
	if (v && v->file)
		it_evemu_add(v->file, e->mono_ns, e->type, e->code, e->value);
	else
		st->lost++;
}

static void evemu_flush(struct it_format_ctx *fc)
{
	struct evemu_state *st = fc->priv;
	struct evemu_dev *v;

	for (v = st->devs; v; v = v->next)
		if (v->file)
			it_evemu_flush(v->file);
}

static void evemu_finish(struct it_format_ctx *fc)
{
	struct evemu_state *st = fc->priv;
	struct evemu_dev *v;

	for (v = st->devs; v; v = v->next)
		dev_complete(st, v);
}

static uint64_t evemu_lost(struct it_format_ctx *fc)
{
	struct evemu_state *st = fc->priv;
	struct evemu_dev *v;
	uint64_t n = st->lost;

	for (v = st->devs; v; v = v->next)
		if (v->file)
			n += v->file->dropped;
	return n;
}

/* Files still open are completed (a run stopped without finish()), as before. */
static void evemu_close_fmt(struct it_format_ctx *fc)
{
	struct evemu_state *st = fc->priv;

	if (!st)
		return;
	while (st->devs) {
		if (st->devs->file)
			it_evemu_close(st->devs->file);
		dev_free(st->devs);
	}
	free(st);
	fc->priv = NULL;
}

const struct it_format_ops it_format_evemu = {
	.name = "evemu",
	.ext = "jsonl",		/* the index next to the per-device files */
	.head = IT_JSONL_HEAD,
	.dir_only = true,
	.open = evemu_open_fmt,
	.close = evemu_close_fmt,
	.header = it_jsonl_header,
	.device = evemu_device,
	.device_gone = evemu_device_gone,
	.event = evemu_event,
	.loss = it_jsonl_loss,
	.output_loss = it_jsonl_output_loss,
	.control = it_jsonl_control,
	.focus = it_jsonl_focus,
	.tool = it_jsonl_tool,
	.stats = it_jsonl_stats,
	.flush = evemu_flush,
	.finish = evemu_finish,
	.lost_lines = evemu_lost,
};
