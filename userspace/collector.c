// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* collector.c - ring buffer records to JSON Lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collector.h"
#include "sysfs.h"

void it_collector_init(struct it_collector *c, const struct it_opts *o, struct it_sink *sink,
		       const char *sysfs_root)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->sink = sink;
	c->sysfs_root = sysfs_root;
}

void it_collector_free(struct it_collector *c)
{
	it_buf_free(&c->buf);
}

int it_collector_flush(struct it_collector *c)
{
	int rc = 0;

	if (c->buf.len)
		rc = it_sink_write(c->sink, c->buf.p, c->buf.len);
	it_buf_reset(&c->buf);
	return rc;
}

static struct it_dev_state *dev_slot(struct it_collector *c, uint32_t id)
{
	uint32_t i, h = id * 2654435761u;

	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS; i++) {
		struct it_dev_state *d = &c->devs[(h + i) & (IT_COLLECTOR_DEV_SLOTS - 1)];

		if (!d->used) {
			d->used = true;
			d->id = id;
			return d;
		}
		if (d->id == id)
			return d;
	}
	return NULL;
}

/* A device is known: decide whether it is captured, tell the kernel, write its record. */
static struct it_dev_state *dev_announce(struct it_collector *c, uint32_t id,
					 const struct it_devinfo *info, const char *action)
{
	struct it_dev_state *d = dev_slot(c, id);
	char node[64];

	if (!d)
		return NULL;
	d->capture = it_devspec_match(c->o->devices, c->o->n_devices, info);
	if (c->o->n_devices && id && c->set_verdict)
		c->set_verdict(c->verdict_ctx, id, d->capture ? IT_DEV_CAPTURE : IT_DEV_DROP);
	if (d->capture && !d->announced) {
		bool has_node = !it_sysfs_event_node(c->sysfs_root, info->sysname, node, sizeof(node));

		it_rec_device(&c->buf, id, info, action, has_node ? node : NULL);
		c->st.devices++;
	}
	d->announced = true;
	return d;
}

static void on_event(struct it_collector *c, const struct it_event *e)
{
	struct it_dev_state *d;

	if (c->count_reached) {
		c->st.not_output++;
		return;
	}
	d = dev_slot(c, e->hdr.dev);
	if (d && !d->announced) {
		/* its device record was lost, or it predates the capture: ask sysfs */
		struct it_devinfo info;
		char sysname[IT_SYSNAME_LEN];

		snprintf(sysname, sizeof(sysname), "input%u", e->hdr.dev);
		if (it_sysfs_devinfo(c->sysfs_root, sysname, &info))
			snprintf(info.sysname, sizeof(info.sysname), "%s", sysname);
		d = dev_announce(c, e->hdr.dev, &info, "present");
	}
	if (d && !d->capture) {
		c->st.filtered_user++;
		return;
	}
	if (e->lost_before)
		it_rec_loss(&c->buf, e->lost_before);
	it_rec_event(&c->buf, e->hdr.dev, e->mono_ns, c->o->no_time ? 0 : e->real_ns,
		     e->type, e->code, e->value, e->hdr.flags & IT_EVF_SYNTH_TS);
	c->st.events_out++;
	if (c->o->count && c->st.events_out >= c->o->count)
		c->count_reached = true;
}

int it_collector_on_record(void *ctx, void *data, size_t size)
{
	struct it_collector *c = ctx;
	const struct it_hdr *h = data;

	if (size < sizeof(*h))
		return 0;
	switch (h->kind) {
	case IT_REC_EVENT:
		if (size >= sizeof(struct it_event))
			on_event(c, data);
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
			if (d && d->capture && !c->count_reached)
				it_rec_device(&c->buf, r->hdr.dev, &r->info, "remove", NULL);
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
