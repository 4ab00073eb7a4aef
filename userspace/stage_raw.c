// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stage_raw.c - the raw record writer: each record as it came (stage.h). */
#include <string.h>
#include "collector.h"

static void raw_device(struct it_stage *st, struct it_collector *c, const struct it_fmt_dev *d,
		       const char *action)
{
	if (!c->fmt->device)
		return;		/* a format without device records (CSV) */
	c->fmt->device(&c->fc, &c->buf, d, action);
	if (!strcmp(action, "remove"))
		c->st.devices_removed++;
}

static void raw_loss(struct it_stage *st, struct it_collector *c, uint64_t count, uint32_t dev)
{
	c->fmt->loss(&c->fc, &c->buf, count, dev);
}

static void raw_event(struct it_stage *st, struct it_collector *c, const struct it_fmt_dev *d,
		      const struct it_event *e)
{
	c->fmt->event(&c->fc, &c->buf, d, e);
}

static const struct it_stage_ops raw_ops = {
	.name = "raw",
	.device = raw_device,
	.loss = raw_loss,
	.event = raw_event,
};

struct it_stage it_stage_raw = { .ops = &raw_ops };
