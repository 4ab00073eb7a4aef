// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* collector.c - ring buffer records through the stages and the format into the
 * outputs (collector.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collector.h"
#include "sysfs.h"

static void preamble(void *ctx, uint64_t file_seq, struct it_buf *b);
static int flush_buf(struct it_collector *c);
static void stages_loss(struct it_collector *c, uint64_t count, uint32_t dev);
static void gap_record(void *ctx, uint64_t lines, uint64_t bytes, int error, struct it_buf *b);

int it_collector_init(struct it_collector *c, const struct it_opts *o, struct it_sink *sink,
		      const char *sysfs_root)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->sysfs_root = sysfs_root;
	it_hostinfo_read(&c->host, "/proc");
	c->fmt = it_format_of(o->format);
	c->fc.o = o;
	c->fc.host = &c->host;
	c->fc.place.dirfd = -1;
	c->feed = (struct it_output_feed){ .preamble = preamble, .gap = gap_record, .ctx = c };
	it_collector_add_stage(c, &it_stage_raw);
	if (sink) {
		it_sink_place(sink, &c->fc.place);
		it_collector_add_output(c, it_sink_output(sink));
	}
	return c->fmt->open ? c->fmt->open(&c->fc) : 0;
}

int it_collector_add_output(struct it_collector *c, struct it_output *out)
{
	return it_outputs_add(&c->outs, out, &c->feed);
}

int it_collector_add_stage(struct it_collector *c, struct it_stage *st)
{
	if (c->n_stages == IT_COLLECTOR_STAGES)
		return -1;
	c->stages[c->n_stages++] = st;
	return 0;
}

void it_sink_cfg_from_opts(struct it_sink_cfg *cfg, const struct it_opts *o)
{
	const struct it_format_ops *f = it_format_of(o->format);

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = o->output;
	cfg->ext = f->ext;	/* evemu: a JSON Lines index next to the .evemu files */
	cfg->compress = o->compress;
	cfg->flush_interval_s = o->flush_interval_s;
	cfg->rotate_size = o->rotate_size;
	cfg->rotate_interval_s = o->rotate_interval_s;
	cfg->max_files = o->max_files;
	cfg->max_age_s = o->max_age_s;
	cfg->file_mode = o->file_mode;
	cfg->dir_mode = f->dir_only || o->rotate_size || o->rotate_interval_s || o->max_files ||
			o->max_age_s;
	cfg->known_head = it_format_known_head;
}

void it_collector_free(struct it_collector *c)
{
	if (c->fmt && c->fmt->close)
		c->fmt->close(&c->fc);	/* files of its own still open are completed */
	it_buf_free(&c->buf);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int it_collector_flush(struct it_collector *c)
{
	if (c->st.k.dev_lost)
		c->reconcile = true;
	/* not after the stats record: it is the last line */
	if (c->reconcile && !c->ended && mono_ns() >= c->reconcile_next_ns) {
		c->reconcile_next_ns = mono_ns() + 1000000000ull;
		it_collector_reconcile(c);
	}
	return flush_buf(c);
}

/* What is buffered, to the outputs (also mid-drain, when the buffer is full). */
static int flush_buf(struct it_collector *c)
{
	int rc = 0;

	if (c->buf.len)
		rc = it_outputs_write(&c->outs, c->buf.p, c->buf.len);
	it_buf_reset(&c->buf);
	c->flush_gen++;
	if (c->fmt->flush)
		c->fmt->flush(&c->fc);
	it_outputs_tick(&c->outs);
	return rc;
}

void it_collector_update_stats(struct it_collector *c)
{
	struct it_output_stats os;

	it_outputs_stats(&c->outs, &os);
	c->st.output_lost_lines = os.lost_lines + (c->fmt->lost_lines ? c->fmt->lost_lines(&c->fc) : 0);
	c->st.output_lost_bytes = os.lost_bytes;
	c->st.bytes_written = os.bytes_written;
	c->st.files_completed = os.files_completed;
	c->st.files_deleted = os.files_deleted;
	c->st.files_recovered = os.files_recovered;
	c->st.has_kafka = c->shipper != NULL;
	if (c->shipper)
		it_shipper_get_stats(c->shipper, &c->st.kafka);
}

void it_collector_stats_record(struct it_collector *c)
{
	it_collector_update_stats(c);
	if (c->fmt->stats)
		c->fmt->stats(&c->fc, &c->buf, &c->st);
}

void it_collector_stats(struct it_collector *c)
{
	unsigned int i;

	if (c->reconcile || c->st.k.dev_lost)
		it_collector_reconcile(c);
	c->ended = true;
	/* lost after the last record written: the device is not known here */
	if (c->st.k.lost_pending && !c->count_reached)
		stages_loss(c, c->st.k.lost_pending, IT_DEV_MIXED);
	for (i = 0; i < c->n_stages; i++)
		if (c->stages[i]->ops->finish)
			c->stages[i]->ops->finish(c->stages[i], c);
	/* complete the format's own files (evemu: flush, fsync, rename into place)
	 * while the output directory is still open */
	if (c->fmt->finish)
		c->fmt->finish(&c->fc);
	it_collector_stats_record(c);
}

void it_collector_control(struct it_collector *c, bool pause, const struct it_ctl_req *r,
			  uint64_t mono_ns, uint64_t real_ns)
{
	if (!c->count_reached && c->fmt->control)
		c->fmt->control(&c->fc, &c->buf, pause, r, mono_ns, real_ns);
}

/* Device slot d (NULL: none) of device id as the formats see it. */
static struct it_fmt_dev dev_view(struct it_dev_state *d, uint32_t id)
{
	struct it_fmt_dev v = { .id = id, .virt = -1 };

	if (d) {
		v.info = d->has_info ? &d->info : NULL;
		v.node = d->node[0] ? d->node : NULL;
		v.virt = d->virt;
		v.priv = &d->fmt_priv;
	}
	return v;
}

/* What every file starts with: the format's header, and the devices seen so far.
 * Devices whose record is still in c->buf (not yet handed to the outputs) are left
 * out: that record follows. */
static void preamble(void *ctx, uint64_t file_seq, struct it_buf *b)
{
	struct it_collector *c = ctx;
	unsigned int i;

	c->fmt->header(&c->fc, b, file_seq);
	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS && c->fmt->device; i++) {
		struct it_dev_state *d = &c->devs[i];
		struct it_fmt_dev v;

		if (!d->used || !d->announced || !d->capture || !d->has_info || d->removed ||
		    d->announce_gen >= c->flush_gen)
			continue;
		v = dev_view(d, d->id);
		c->fmt->device(&c->fc, b, &v, "present");
	}
}

static void gap_record(void *ctx, uint64_t lines, uint64_t bytes, int error, struct it_buf *b)
{
	struct it_collector *c = ctx;

	c->fmt->output_loss(&c->fc, b, lines, bytes, error);
}

static void stages_device(struct it_collector *c, const struct it_fmt_dev *d, const char *action)
{
	unsigned int i;

	for (i = 0; i < c->n_stages; i++)
		if (c->stages[i]->ops->device)
			c->stages[i]->ops->device(c->stages[i], c, d, action);
}

static void stages_loss(struct it_collector *c, uint64_t count, uint32_t dev)
{
	unsigned int i;

	for (i = 0; i < c->n_stages; i++)
		if (c->stages[i]->ops->loss)
			c->stages[i]->ops->loss(c->stages[i], c, count, dev);
}

/* Device id's slot; if it has none, a new one when create (the first free or dead slot
 * on its probe chain), else NULL. NULL too when all IT_COLLECTOR_DEV_SLOTS hold devices
 * still present. Slots of removed devices are reused (dev_forget()), so a long run
 * with many hotplugs never runs out. */
static struct it_dev_state *dev_lookup(struct it_collector *c, uint32_t id, bool create)
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
	if (reuse && !create)
		return NULL;
	if (reuse) {
		memset(reuse, 0, sizeof(*reuse));
		reuse->used = true;
		reuse->id = id;
	}
	return reuse;
}

/* Device d went away (its remove record is handled): the format forgets it, and its
 * slot is free for another. */
static void dev_forget(struct it_collector *c, struct it_dev_state *d)
{
	if (c->fmt->device_gone && d->fmt_priv) {
		struct it_fmt_dev v = dev_view(d, d->id);

		c->fmt->device_gone(&c->fc, &v);
	}
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->dead = true;
}

static struct it_dev_state *dev_slot(struct it_collector *c, uint32_t id)
{
	return dev_lookup(c, id, true);
}

/* A device is known: decide whether it is captured, tell the kernel, write its record
 * (reconstructed: made up here, the kernel's record was lost). */
static struct it_dev_state *dev_announce(struct it_collector *c, uint32_t id,
					 const struct it_devinfo *info, const char *action,
					 bool reconstructed)
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
	if (!d->announced) {
		/* captured or not, named in the start notice and the status file */
		bool has_node = !it_sysfs_event_node(c->sysfs_root, info->sysname, node, sizeof(node));

		d->info = *info;
		d->has_info = true;
		snprintf(d->node, sizeof(d->node), "%s", has_node ? node : "");
	}
	if (d->capture && !d->announced) {
		struct it_fmt_dev v = { .id = id, .info = info, .node = d->node[0] ? d->node : NULL,
					.priv = &d->fmt_priv, .reconstructed = reconstructed };

		d->virt = (int8_t)it_sysfs_is_virtual(c->sysfs_root, info->sysname);
		v.virt = d->virt;
		d->announce_gen = c->flush_gen;
		stages_device(c, &v, action);
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
		/* its device record was lost, or it predates the capture: ask sysfs.
		 * Devices present at start were all announced by then: a later one was
		 * added, and its "add" record lost */
		struct it_devinfo info;
		char sysname[IT_SYSNAME_LEN];

		snprintf(sysname, sizeof(sysname), "input%u", id);
		if (it_sysfs_devinfo(c->sysfs_root, sysname, &info))
			snprintf(info.sysname, sizeof(info.sysname), "%s", sysname);
		d = dev_announce(c, id, &info, c->present_done ? "add" : "present", c->present_done);
	}
	*dp = d;
	return d ? d->capture : !filters;
}

/* One event of device d, through the stages; counted, and --count checked. */
static void write_event(struct it_collector *c, const struct it_fmt_dev *d, const struct it_event *e)
{
	unsigned int i;

	if (c->count_reached) {
		c->st.not_output++;
		return;
	}
	for (i = 0; i < c->n_stages; i++)
		if (c->stages[i]->ops->event)
			c->stages[i]->ops->event(c->stages[i], c, d, e);
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
	struct it_fmt_dev v;
	struct it_event e;
	unsigned int i;

	if (c->count_reached) {
		c->st.not_output += r->n;
		return;
	}
	/* the gap first, whatever becomes of these events: it sits before them */
	if (r->lost_before) {
		stages_loss(c, r->lost_before, r->lost_dev);
		c->reconcile = true;	/* a full ring may have taken device records too */
	}
	if (!frame_dev(c, r->hdr.dev, &d)) {
		c->st.filtered_user += r->n;
		return;
	}
	v = dev_view(d, r->hdr.dev);
	for (i = 0; i < r->n; i++) {
		it_frame_event(r, i, &e);
		if (c->o->no_time)
			e.real_ns = 0;
		write_event(c, &v, &e);
	}
}

/* Device d (of id, info) went away: its "remove" record, and its slot freed. */
static void dev_remove(struct it_collector *c, struct it_dev_state *d, uint32_t id,
		       const struct it_devinfo *info, bool reconstructed)
{
	if (d->capture && !c->count_reached) {
		struct it_fmt_dev v = { .id = id, .info = info, .virt = d->virt,
					.priv = &d->fmt_priv, .reconstructed = reconstructed };

		stages_device(c, &v, "remove");
	}
	d->removed = true;
	dev_forget(c, d);
}

/* A device record from the kernel: added, or removed. */
static void on_device(struct it_collector *c, const struct it_device_rec *r)
{
	struct it_dev_state *d;

	if (r->hdr.kind == IT_REC_DEVICE_ADD) {
		dev_announce(c, r->hdr.dev, &r->info, "add", false);
		return;
	}
	d = dev_slot(c, r->hdr.dev);
	if (d)
		dev_remove(c, d, r->hdr.dev, &r->info, false);
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
	case IT_REC_DEVICE_DEL:
		if (size >= sizeof(struct it_device_rec))
			on_device(c, data);
		break;
	}
	if (c->buf.len >= IT_COLLECTOR_FLUSH_BYTES)
		flush_buf(c);
	return 0;
}

static void present_one(void *ctx, const char *sysname)
{
	struct it_collector *c = ctx;
	struct it_devinfo info;

	if (!it_sysfs_devinfo(c->sysfs_root, sysname, &info))
		dev_announce(c, (uint32_t)strtoul(sysname + 5, NULL, 10), &info, "present", false);
}

void it_collector_present(struct it_collector *c)
{
	it_sysfs_foreach(c->sysfs_root, present_one, c);
	c->present_done = true;
}

/* The devices sysfs lists, for it_collector_reconcile(): their slots marked seen,
 * those the collector does not know announced as added. */
struct reconcile {
	struct it_collector *c;
	bool seen[IT_COLLECTOR_DEV_SLOTS];
};

static void reconcile_one(void *ctx, const char *sysname)
{
	struct reconcile *r = ctx;
	uint32_t id = (uint32_t)strtoul(sysname + 5, NULL, 10);
	struct it_dev_state *d = dev_lookup(r->c, id, false);
	struct it_devinfo info;

	if (!d && !it_sysfs_devinfo(r->c->sysfs_root, sysname, &info))
		d = dev_announce(r->c, id, &info, "add", true);
	if (d)
		r->seen[d - r->c->devs] = true;
}

void it_collector_reconcile(struct it_collector *c)
{
	struct reconcile *r = calloc(1, sizeof(*r));
	unsigned int i;

	if (!r)
		return;
	r->c = c;
	if (it_sysfs_foreach(c->sysfs_root, reconcile_one, r) >= 0) {
		for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++) {
			struct it_dev_state *d = &c->devs[i];

			/* known here, gone from sysfs: its "remove" record was lost */
			if (d->used && !d->dead && d->announced && !r->seen[i])
				dev_remove(c, d, d->id, d->has_info ? &d->info : NULL, true);
		}
	}
	free(r);
}
