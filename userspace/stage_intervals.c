// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stage_intervals.c - --record intervals: the intervals table instead of events
 * (stage_intervals.h). */
#include <stdlib.h>
#include <string.h>
#include "collector.h"
#include "feat_intervals.h"
#include "names.h"
#include "stage_intervals.h"

/* A device's name, for the formats that put it on each line (CSV). */
struct dev_name {
	uint32_t id;
	char name[IT_NAME_LEN];
};

struct ivstage {
	struct it_stage st;		/* first: the collector holds &st */
	void *tab;			/* the intervals table's state */
	struct it_collector *c;		/* the collector of the call under way */
	int dev_col;			/* the table's "dev" column */
	struct dev_name *names;
	size_t n_names;
};

static const struct it_stage_ops iv_ops;

static const char *dev_name(struct ivstage *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n_names; i++)
		if (s->names[i].id == id)
			return s->names[i].name;
	return NULL;
}

static void keep_name(struct ivstage *s, const struct it_fmt_dev *d)
{
	struct dev_name *n;

	if (!d->info || dev_name(s, d->id))
		return;
	n = realloc(s->names, (s->n_names + 1) * sizeof(*n));
	if (!n)
		return;		/* out of memory: its rows go without a name */
	s->names = n;
	n[s->n_names].id = d->id;
	memcpy(n[s->n_names].name, d->info->name, sizeof(n->name));
	n[s->n_names].name[sizeof(n->name) - 1] = 0;
	s->n_names++;
}

/* A row of the table: an interval record in the collector's format. */
static void row(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *vals)
{
	struct ivstage *s = ctx;
	struct it_collector *c = s->c;
	const char *name = s->dev_col >= 0 ? dev_name(s, (uint32_t)vals[s->dev_col].i) : NULL;

	if (c->fmt->table_row)
		c->fmt->table_row(&c->fc, &c->buf, "interval", t->columns, vals, name);
}

static void feed(struct ivstage *s, struct it_collector *c, const struct it_frec *r)
{
	struct it_feat_out out = { .row = row, .ctx = s };

	s->c = c;
	it_feat_intervals.feed(s->tab, r, &out);
}

static void iv_device(struct it_stage *st, struct it_collector *c, const struct it_fmt_dev *d,
		      const char *action)
{
	struct ivstage *s = (struct ivstage *)st;
	struct it_frec r = { .kind = IT_FREC_DEVICE, .dev = d->id, .subject = "", .action = action };

	it_stage_raw.ops->device(&it_stage_raw, c, d, action);	/* its record, as ever */
	keep_name(s, d);
	feed(s, c, &r);
}

static void iv_loss(struct it_stage *st, struct it_collector *c, uint64_t count, uint32_t dev)
{
	struct it_frec r = { .kind = IT_FREC_GAP, .dev = dev, .subject = "" };

	it_stage_raw.ops->loss(&it_stage_raw, c, count, dev);
	feed((struct ivstage *)st, c, &r);
}

static void iv_event(struct it_stage *st, struct it_collector *c, const struct it_fmt_dev *d,
		     const struct it_event *e)
{
	char tmp[16];
	/* what a JSON Lines reader gets back: the code's name, sec and usec */
	struct it_frec r = { .kind = IT_FREC_EVENT, .time_ns = e->mono_ns / 1000 * 1000,
			     .dev = e->hdr.dev, .type = e->type, .value = e->value,
			     .code = it_code_name(e->type, e->code, tmp),
			     .subject = c->fc.subject ? c->fc.subject : "" };

	feed((struct ivstage *)st, c, &r);
}

static void iv_finish(struct it_stage *st, struct it_collector *c)
{
	struct ivstage *s = (struct ivstage *)st;
	struct it_feat_out out = { .row = row, .ctx = s };

	s->c = c;
	it_feat_intervals.finish(s->tab, &out);
}

static const struct it_stage_ops iv_ops = {
	.name = "intervals",
	.device = iv_device,
	.loss = iv_loss,
	.event = iv_event,
	.finish = iv_finish,
};

struct it_stage *it_stage_intervals_new(const struct it_opts *o)
{
	struct it_feat_opts fo = { .interval_ns = (uint64_t)(o->interval_s * 1e9 + 0.5),
				   .idle_ns = (uint64_t)(o->idle_s * 1e9 + 0.5) };
	struct ivstage *s = calloc(1, sizeof(*s));
	int i;

	if (!s)
		return NULL;
	s->st.ops = &iv_ops;
	s->tab = it_feat_intervals.create(&fo);
	if (!s->tab) {
		free(s);
		return NULL;
	}
	s->dev_col = -1;
	for (i = 0; it_feat_intervals.columns[i]; i++)
		if (!strcmp(it_feat_intervals.columns[i], "dev"))
			s->dev_col = i;
	return &s->st;
}

int it_stage_intervals_use(struct it_collector *c, struct it_stage *st)
{
	unsigned int i;

	for (i = 0; i < c->n_stages; i++)
		if (c->stages[i] == &it_stage_raw) {
			c->stages[i] = st;
			return 0;
		}
	return it_collector_add_stage(c, st);
}

void it_stage_intervals_pause(struct it_collector *c)
{
	struct it_frec r = { .kind = IT_FREC_GAP, .subject = "" };
	unsigned int i;

	for (i = 0; i < c->n_stages; i++)
		if (c->stages[i]->ops == &iv_ops)
			feed((struct ivstage *)c->stages[i], c, &r);
}

void it_stage_intervals_free(struct it_stage *st)
{
	struct ivstage *s = (struct ivstage *)st;

	if (!s)
		return;
	it_feat_intervals.destroy(s->tab);
	free(s->names);
	free(s);
}
