// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* collector.c - ring buffer records to JSON Lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collector.h"
#include "format_csv.h"
#include "sysfs.h"

static void preamble(void *ctx, struct it_sink *s, struct it_buf *b);
static void gap_record(void *ctx, struct it_sink *s, struct it_buf *b, uint64_t lines,
		       uint64_t bytes, int error);

void it_collector_init(struct it_collector *c, const struct it_opts *o, struct it_sink *sink,
		       const char *sysfs_root)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->sink = sink;
	c->sysfs_root = sysfs_root;
	it_hostinfo_read(&c->host, "/proc");
	if (sink) {
		sink->preamble = preamble;
		sink->gap = gap_record;
		sink->cb_ctx = c;
	}
}

void it_sink_cfg_from_opts(struct it_sink_cfg *cfg, const struct it_opts *o)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = o->output;
	/* evemu: the directory gets a JSON Lines index (header, devices, loss, stats)
	 * next to the per-device .evemu files */
	cfg->ext = o->format == IT_FMT_CSV ? "csv" : "jsonl";
	cfg->compress = o->compress;
	cfg->flush_interval_s = o->flush_interval_s;
	cfg->rotate_size = o->rotate_size;
	cfg->rotate_interval_s = o->rotate_interval_s;
	cfg->max_files = o->max_files;
	cfg->max_age_s = o->max_age_s;
	cfg->file_mode = o->file_mode;
	cfg->dir_mode = o->format == IT_FMT_EVEMU || o->rotate_size || o->rotate_interval_s ||
			o->max_files || o->max_age_s;
}

void it_collector_free(struct it_collector *c)
{
	unsigned int i;

	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++) {
		struct it_dev_state *d = &c->devs[i];

		if (d->evemu)
			it_evemu_close(d->evemu);
		d->evemu = NULL;
		free(d->evemu_desc);
		d->evemu_desc = NULL;
	}
	it_buf_free(&c->buf);
}

int it_collector_flush(struct it_collector *c)
{
	int rc = 0;
	unsigned int i;

	if (c->buf.len)
		rc = it_sink_write(c->sink, c->buf.p, c->buf.len);
	it_buf_reset(&c->buf);
	c->flush_gen++;
	if (c->o->format == IT_FMT_EVEMU)
		for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++)
			if (c->devs[i].evemu)
				it_evemu_flush(c->devs[i].evemu);
	it_sink_tick(c->sink);
	return rc;
}

void it_collector_update_stats(struct it_collector *c)
{
	unsigned int i;

	c->st.output_lost_lines = c->sink->dropped_lines + c->lost_lines_here;
	c->st.output_lost_bytes = c->sink->dropped_bytes;
	c->st.bytes_written = c->sink->bytes_written;
	c->st.files_completed = c->sink->files_done;
	c->st.files_deleted = c->sink->files_deleted;
	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++)
		if (c->devs[i].evemu)
			c->st.output_lost_lines += c->devs[i].evemu->dropped;
}

void it_collector_stats_record(struct it_collector *c)
{
	it_collector_update_stats(c);
	if (c->o->format != IT_FMT_CSV)
		it_rec_stats(&c->buf, &c->st);
}

/* Complete d's evemu file; what it could not write stays counted. */
static void evemu_done(struct it_collector *c, struct it_dev_state *d)
{
	it_evemu_flush(d->evemu);
	c->lost_lines_here += d->evemu->dropped;
	if (it_evemu_close(d->evemu))
		fprintf(stderr, "inputtrace: cannot complete the evemu file of input%u\n", d->id);
	d->evemu = NULL;
}

void it_collector_stats(struct it_collector *c)
{
	unsigned int i;

	/* the end: complete the evemu files (flush, fsync, rename into place) while the
	 * sink's directory is still open */
	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++)
		if (c->devs[i].evemu)
			evemu_done(c, &c->devs[i]);
	it_collector_update_stats(c);
	if (c->o->format == IT_FMT_CSV)
		return;	/* CSV has no place for it: stderr and the exit status say it */
	it_rec_stats(&c->buf, &c->st);
}

/* What every file starts with: the header record and the devices seen so far (JSON
 * Lines), or the CSV header line. Devices whose record is still in c->buf (not yet
 * handed to the sink) are left out: that record follows. */
static void preamble(void *ctx, struct it_sink *s, struct it_buf *b)
{
	struct it_collector *c = ctx;
	unsigned int i;

	if (c->o->format == IT_FMT_CSV) {
		it_buf_puts(b, IT_CSV_HEADER);
		return;
	}
	it_rec_header(b, c->o, &c->host, s->file_seq, 0, 0);
	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++) {
		struct it_dev_state *d = &c->devs[i];

		if (d->used && d->announced && d->capture && d->has_info && !d->removed &&
		    d->announce_gen < c->flush_gen)
			it_rec_device_ex(b, d->id, &d->info, "present", d->node[0] ? d->node : NULL,
					 d->virt);
	}
}

static void gap_record(void *ctx, struct it_sink *s, struct it_buf *b, uint64_t lines,
		       uint64_t bytes, int error)
{
	struct it_collector *c = ctx;

	if (c->o->format == IT_FMT_CSV)
		it_csv_count(b, "output_loss", lines);
	else
		it_rec_output_loss(b, lines, bytes, error);
}

/* Device id's slot, a new one if it has none (the first free or dead slot on its probe
 * chain); NULL when all IT_COLLECTOR_DEV_SLOTS hold devices still present. Slots of
 * removed devices are reused (dev_forget()), so a long run with many hotplugs never
 * runs out. */
static struct it_dev_state *dev_slot(struct it_collector *c, uint32_t id)
{
	uint32_t i, h = id * 2654435761u;
	struct it_dev_state *reuse = NULL;

	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++) {
		struct it_dev_state *d = &c->devs[(h + i) & (IT_COLLECTOR_DEV_SLOTS - 1)];

		if (!d->used) {
			if (!reuse)
				reuse = d;
			break;
		}
		if (d->dead) {
			if (!reuse)
				reuse = d;
			continue;
		}
		if (d->id == id)
			return d;
	}
	if (reuse) {
		memset(reuse, 0, sizeof(*reuse));
		reuse->used = true;
		reuse->id = id;
	}
	return reuse;
}

/* Device d went away (its remove record is handled): free its slot for another. */
static void dev_forget(struct it_dev_state *d)
{
	free(d->evemu_desc);
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->dead = true;
}

/* A device is known: decide whether it is captured, tell the kernel, write its record. */
static struct it_dev_state *dev_announce(struct it_collector *c, uint32_t id,
					 const struct it_devinfo *info, const char *action)
{
	struct it_dev_state *d = dev_slot(c, id);
	char node[64];

	if (!d)
		return NULL;
	/* --device selects, --exclude-device removes (and wins) */
	d->capture = it_devspec_match(c->o->devices, c->o->n_devices, info) &&
		     !(c->o->n_exclude && it_devspec_match(c->o->exclude, c->o->n_exclude, info));
	if ((c->o->n_devices || c->o->n_exclude) && id != IT_DEV_NONE && c->set_verdict)
		c->set_verdict(c->verdict_ctx, id, d->capture ? IT_DEV_CAPTURE : IT_DEV_DROP);
	if (!d->capture && !d->announced) {
		/* not recorded, but named in the start notice and the status file */
		d->info = *info;
		d->has_info = true;
		if (it_sysfs_event_node(c->sysfs_root, info->sysname, node, sizeof(node)))
			node[0] = 0;
		snprintf(d->node, sizeof(d->node), "%s", node);
	}
	if (d->capture && !d->announced) {
		bool has_node = !it_sysfs_event_node(c->sysfs_root, info->sysname, node, sizeof(node));

		d->virt = (int8_t)it_sysfs_is_virtual(c->sysfs_root, info->sysname);
		d->info = *info;
		d->has_info = true;
		d->announce_gen = c->flush_gen;
		snprintf(d->node, sizeof(d->node), "%s", has_node ? node : "");
		if (c->o->format != IT_FMT_CSV)
			it_rec_device_ex(&c->buf, id, info, action, has_node ? node : NULL, d->virt);
		if (c->o->format == IT_FMT_EVEMU && !d->evemu_desc) {
			struct it_buf db = { 0 };

			it_evemu_describe(&db, info, has_node ? node : NULL);
			d->evemu_desc = db.p;	/* taken over */
			d->evemu_desc_len = db.len;
		}
		c->st.devices++;
	}
	d->announced = true;
	return d;
}

/* The device of a frame: its slot (NULL: no identity, or no slot), announced; false
 * when its events are not to be written (--device/--exclude-device; with either,
 * also when it has no identity or no slot: fail closed). */
static bool frame_dev(struct it_collector *c, uint32_t id, struct it_dev_state **dp)
{
	bool filters = c->o->n_devices || c->o->n_exclude;
	struct it_dev_state *d = NULL;

	*dp = NULL;
	if (id == IT_DEV_NONE)
		/* the kernel's device table was full: no identity to match a filter on */
		return !filters;
	d = dev_slot(c, id);
	if (d && !d->announced) {
		/* its device record was lost, or it predates the capture: ask sysfs */
		struct it_devinfo info;
		char sysname[IT_SYSNAME_LEN];

		snprintf(sysname, sizeof(sysname), "input%u", id);
		if (it_sysfs_devinfo(c->sysfs_root, sysname, &info))
			snprintf(info.sysname, sizeof(info.sysname), "%s", sysname);
		d = dev_announce(c, id, &info, "present");
	}
	*dp = d;
	return d ? d->capture : !filters;
}

/* Write one event of device slot d (NULL: none) in the output format. */
static void write_event(struct it_collector *c, struct it_dev_state *d, const struct it_event *e)
{
	if (c->count_reached) {
		c->st.not_output++;
		return;
	}
	if (c->o->format == IT_FMT_CSV) {
		it_csv_event(&c->buf, e->hdr.dev, d && d->has_info ? d->info.name : "", e->mono_ns,
			     c->o->no_time ? 0 : e->real_ns, e->type, e->code, e->value);
	} else if (c->o->format == IT_FMT_EVEMU) {
		if (d && !d->evemu && c->sink->dirfd >= 0)
			d->evemu = it_evemu_open(c->sink->dirfd, c->sink->host, e->hdr.dev,
						 d->evemu_desc ? d->evemu_desc : "",
						 d->evemu_desc ? d->evemu_desc_len : 0,
						 c->sink->cfg.file_mode);
		if (d && d->evemu)
			it_evemu_add(d->evemu, e->mono_ns, e->type, e->code, e->value);
		else
			c->lost_lines_here++;
	} else {
		it_rec_event(&c->buf, e->hdr.dev, e->mono_ns, c->o->no_time ? 0 : e->real_ns,
			     e->type, e->code, e->value,
			     e->hdr.flags & (IT_EVF_SYNTH_TS | IT_EVF_INJECTED));
	}
	c->st.events_out++;
	if (e->type < IT_STATS_TYPES)
		c->st.by_type[e->type]++;
	if (c->o->count && c->st.events_out >= c->o->count)
		c->count_reached = true;
}

/* The values of one frame record: the gap before them, their device resolved once,
 * then each value written (or all counted filtered_user / not_output). */
static void on_frame(struct it_collector *c, const struct it_frame_rec *r)
{
	struct it_dev_state *d;
	struct it_event e;
	__u32 i;

	if (c->count_reached) {
		c->st.not_output += r->n;
		return;
	}
	/* the gap first, whatever becomes of these events: it sits before them */
	if (r->lost_before) {
		if (c->o->format == IT_FMT_CSV)
			it_csv_count(&c->buf, "loss", r->lost_before);
		else
			it_rec_loss(&c->buf, r->lost_before, r->lost_dev);
	}
	if (!frame_dev(c, r->hdr.dev, &d)) {
		c->st.filtered_user += r->n;
		return;
	}
	for (i = 0; i < r->n; i++) {
		it_frame_event(r, i, &e);
		write_event(c, d, &e);
	}
}

int it_collector_on_record(void *ctx, void *data, size_t size)
{
	struct it_collector *c = ctx;
	const struct it_hdr *h = data;

	if (size < sizeof(*h))
		return 0;
	switch (h->kind) {
	case IT_REC_EVENT:
		/* one event (the output tests' driver writes these): a frame of one value */
		if (size >= sizeof(struct it_event)) {
			const struct it_event *e = data;
			struct it_frame_rec r = { .hdr = e->hdr, .mono_ns = e->mono_ns,
						  .real_ns = e->real_ns, .n = 1,
						  .lost_before = e->lost_before, .lost_dev = e->lost_dev,
						  .v = { { e->type, e->code, e->value } } };

			on_frame(c, &r);
		}
		break;
	case IT_REC_FRAME:
		if (size >= IT_FRAME_REC_SIZE(0) && ((const struct it_frame_rec *)data)->n <= IT_FRAME_VALS &&
		    size >= IT_FRAME_REC_SIZE(((const struct it_frame_rec *)data)->n))
			on_frame(c, data);
		break;
	case IT_REC_DEVICE_ADD:
	case IT_REC_DEVICE_DEL: {
		const struct it_device_rec *r = data;
		struct it_dev_state *d;

		if (size < sizeof(*r))
			break;
		if (h->kind == IT_REC_DEVICE_ADD) {
			dev_announce(c, r->hdr.dev, &r->info, "add");
		} else {
			d = dev_slot(c, r->hdr.dev);
			if (d && d->capture && !c->count_reached && c->o->format != IT_FMT_CSV) {
				it_rec_device_ex(&c->buf, r->hdr.dev, &r->info, "remove", NULL,
						 d->virt);
				c->st.devices_removed++;
			}
			if (d) {
				d->removed = true;
				if (d->evemu)
					evemu_done(c, d);
				dev_forget(d);
			}
		}
		break;
	}
	}
	if (c->buf.len >= IT_COLLECTOR_FLUSH_BYTES)
		it_collector_flush(c);
	return 0;
}

static void present_one(void *ctx, const char *sysname)
{
	struct it_collector *c = ctx;
	struct it_devinfo info;

	if (!it_sysfs_devinfo(c->sysfs_root, sysname, &info))
		dev_announce(c, (uint32_t)strtoul(sysname + 5, NULL, 10), &info, "present");
}

void it_collector_present(struct it_collector *c)
{
	it_sysfs_foreach(c->sysfs_root, present_one, c);
}
