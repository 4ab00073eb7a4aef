// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * feat_keystrokes.c - the keystrokes table (feat.h, docs/features.md): one row per key
 * press, in press order, with its release, hold time, the intervals to the previous
 * press on the same device (dd: press to press, ud: that key's release to this press)
 * and its autorepeats.
 *
 * A row is complete at its key's release, but rows go out in press order, so complete
 * rows wait in a queue behind the oldest key still down. A key's release is only taken
 * as the person's at the end of its frame: a frame the kernel made up (SYN_REPORT
 * value 1: the release of every held key when a device goes away) ends the key
 * without a release time, as does the device's remove record, a new press of the same
 * key (its release was lost) and the end of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <linux/input-event-codes.h>
#include "feat.h"
#include "keyclass.h"

#define CODE_MAX 40
#define SUBJ_MAX 33

extern const struct it_feat_table_ops it_feat_keystrokes;

static const char *const columns[] = {
	"dev", "subject", "press_ns", "release_ns", "code", "hold_ms", "dd_ms", "ud_ms", "repeats",
	NULL,
};

struct ks_row {
	uint64_t press, release;
	int64_t dd, ud;
	uint64_t next;		/* the next press's row on this device, while this key is down */
	uint32_t dev, repeats;
	bool done, released, has_dd, has_ud;
	char code[CODE_MAX], subject[SUBJ_MAX];
};

struct ks_down {
	uint64_t seq;		/* its row */
	bool pending;		/* released in the frame not yet ended */
	uint64_t time;		/* of that release */
};

struct ks_dev {
	uint32_t dev;
	struct ks_down *down;
	size_t ndown, capdown;
	uint64_t prev_seq;	/* the previous press's row; 0 none (or a gap since) */
	uint64_t prev_press, prev_release;
	bool prev_done, prev_released;
	bool in_frame;		/* releases pending, at frame_time */
	uint64_t frame_time;
};

struct ks {
	struct ks_row *q;	/* rows seq head .. tail-1 at q[seq & (cap - 1)] */
	size_t cap;
	uint64_t head, tail;	/* seq numbers start at 1 */
	struct ks_dev *devs;
	size_t ndevs, capdevs;
	bool oom;
};

static struct ks_row *row_of(struct ks *k, uint64_t seq)
{
	return &k->q[seq & (k->cap - 1)];
}

static void *create(const struct it_feat_opts *o)
{
	struct ks *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->cap = 1024;
	k->q = calloc(k->cap, sizeof(*k->q));
	if (!k->q) {
		free(k);
		return NULL;
	}
	k->head = k->tail = 1;
	return k;
}

static void destroy(void *t)
{
	struct ks *k = t;

	for (size_t i = 0; i < k->ndevs; i++)
		free(k->devs[i].down);
	free(k->devs);
	free(k->q);
	free(k);
}

static void emit(const struct ks_row *r, const struct it_feat_out *out)
{
	struct it_fval v[9] = {
		{ .kind = IT_FV_INT, .i = r->dev },
		{ .kind = r->subject[0] ? IT_FV_STR : IT_FV_NULL, .s = r->subject },
		{ .kind = IT_FV_INT, .i = (int64_t)r->press },
		{ .kind = r->released ? IT_FV_INT : IT_FV_NULL, .i = (int64_t)r->release },
		{ .kind = IT_FV_STR, .s = r->code },
		{ .kind = r->released ? IT_FV_MS : IT_FV_NULL, .i = (int64_t)(r->release - r->press) },
		{ .kind = r->has_dd ? IT_FV_MS : IT_FV_NULL, .i = r->dd },
		{ .kind = r->has_ud ? IT_FV_MS : IT_FV_NULL, .i = r->ud },
		{ .kind = IT_FV_INT, .i = r->repeats },
	};

	out->row(out->ctx, &it_feat_keystrokes, v);
}

/* The complete rows at the head of the queue, in press order. */
static void flush(struct ks *k, const struct it_feat_out *out)
{
	while (k->head < k->tail && row_of(k, k->head)->done)
		emit(row_of(k, k->head++), out);
}

static struct ks_dev *dev_find(struct ks *k, uint32_t dev, bool make)
{
	for (size_t i = 0; i < k->ndevs; i++)
		if (k->devs[i].dev == dev)
			return &k->devs[i];
	if (!make)
		return NULL;
	if (k->ndevs == k->capdevs) {
		size_t cap = k->capdevs ? 2 * k->capdevs : 8;
		struct ks_dev *p = realloc(k->devs, cap * sizeof(*p));

		if (!p) {
			k->oom = true;
			return NULL;
		}
		k->devs = p;
		k->capdevs = cap;
	}
	memset(&k->devs[k->ndevs], 0, sizeof(k->devs[0]));
	k->devs[k->ndevs].dev = dev;
	return &k->devs[k->ndevs++];
}

/* Key down[i] of d ends: released at time, or without a release (released false). */
static void key_end(struct ks *k, struct ks_dev *d, size_t i, bool released, uint64_t time)
{
	uint64_t seq = d->down[i].seq;
	struct ks_row *r = row_of(k, seq);

	r->done = true;
	r->released = released;
	r->release = time;
	if (r->next && released) {
		struct ks_row *n = row_of(k, r->next);

		n->has_ud = true;
		n->ud = (int64_t)(n->press - time);
	}
	if (d->prev_seq == seq) {
		d->prev_done = true;
		d->prev_released = released;
		d->prev_release = time;
	}
	d->down[i] = d->down[--d->ndown];
}

/* The frame's releases end their keys: as the person's, or made up by the kernel. */
static void frame_end(struct ks *k, struct ks_dev *d, bool synthetic)
{
	if (!d->in_frame)
		return;
	d->in_frame = false;
	for (size_t i = d->ndown; i-- > 0;)
		if (d->down[i].pending)
			key_end(k, d, i, !synthetic, synthetic ? 0 : d->down[i].time);
}

/* The down key of d with code, not yet released, the first pressed (oldest) or the
 * last; -1. Several keys share a code when codes are classes (KEYCLASS_LETTER). */
static ssize_t down_find(struct ks *k, const struct ks_dev *d, const char *code, bool oldest)
{
	ssize_t best = -1;

	for (size_t i = 0; i < d->ndown; i++)
		if (!d->down[i].pending && !strcmp(row_of(k, d->down[i].seq)->code, code) &&
		    (best < 0 || (d->down[i].seq < d->down[best].seq) == oldest))
			best = (ssize_t)i;
	return best;
}

/* Room for one more row (the queue doubles, rows kept in order). */
static bool grow(struct ks *k)
{
	struct ks_row *q;
	size_t cap = k->cap * 2;

	if (k->tail - k->head < k->cap)
		return true;
	q = malloc(cap * sizeof(*q));
	if (!q) {
		k->oom = true;
		return false;
	}
	for (uint64_t s = k->head; s < k->tail; s++)
		q[s & (cap - 1)] = *row_of(k, s);
	free(k->q);
	k->q = q;
	k->cap = cap;
	return true;
}

static void press(struct ks *k, struct ks_dev *d, const struct it_frec *e)
{
	ssize_t i = strncmp(e->code, "KEYCLASS_", 9) ? down_find(k, d, e->code, true) : -1;
	struct ks_row *r;
	uint64_t seq;

	if (i >= 0)
		key_end(k, d, (size_t)i, false, 0);	/* pressed again: its release was lost */
	if (d->ndown == d->capdown) {
		size_t cap = d->capdown ? 2 * d->capdown : 8;
		struct ks_down *p = realloc(d->down, cap * sizeof(*p));

		if (!p) {
			k->oom = true;
			return;
		}
		d->down = p;
		d->capdown = cap;
	}
	if (!grow(k))
		return;
	seq = k->tail++;
	r = row_of(k, seq);
	memset(r, 0, sizeof(*r));
	r->dev = e->dev;
	r->press = e->time_ns;
	snprintf(r->code, sizeof(r->code), "%s", e->code);
	snprintf(r->subject, sizeof(r->subject), "%s", e->subject ? e->subject : "");
	if (d->prev_seq) {
		r->has_dd = true;
		r->dd = (int64_t)(e->time_ns - d->prev_press);
		if (!d->prev_done)
			row_of(k, d->prev_seq)->next = seq;
		else if (d->prev_released) {
			r->has_ud = true;
			r->ud = (int64_t)(e->time_ns - d->prev_release);
		}
	}
	d->prev_seq = seq;
	d->prev_press = e->time_ns;
	d->prev_done = false;
	d->down[d->ndown++] = (struct ks_down){ .seq = seq };
}

static void key(struct ks *k, struct ks_dev *d, const struct it_frec *e)
{
	ssize_t i;

	if (it_feat_is_button(e->code))
		return;
	if (e->value == 1) {
		press(k, d, e);
		return;
	}
	/* a class's releases end its keys first pressed first; autorepeat is the last's */
	i = down_find(k, d, e->code, e->value != 2);
	if (i < 0)
		return;		/* its press was before the capture, or lost */
	if (e->value == 2) {
		row_of(k, d->down[i].seq)->repeats++;
	} else if (e->value == 0) {
		d->down[i].pending = true;
		d->down[i].time = e->time_ns;
		d->in_frame = true;
		d->frame_time = e->time_ns;
	}
}

/* The device goes away (or comes again under the same number): its keys end. */
static void dev_gone(struct ks *k, uint32_t dev)
{
	struct ks_dev *d = dev_find(k, dev, false);

	if (!d)
		return;
	frame_end(k, d, false);
	while (d->ndown)
		key_end(k, d, d->ndown - 1, false, 0);
	free(d->down);
	*d = k->devs[--k->ndevs];
}

static void feed(void *t, const struct it_frec *e, const struct it_feat_out *out)
{
	struct ks *k = t;
	struct ks_dev *d;

	switch (e->kind) {
	case IT_FREC_GAP:
		for (size_t i = 0; i < k->ndevs; i++) {
			frame_end(k, &k->devs[i], false);
			k->devs[i].prev_seq = 0;
		}
		break;
	case IT_FREC_DEVICE:
		if (e->action && strcmp(e->action, "present"))
			dev_gone(k, e->dev);
		break;
	case IT_FREC_EVENT:
		if (e->type != EV_KEY && e->type != EV_SYN)
			return;
		d = dev_find(k, e->dev, e->type == EV_KEY && e->value == 1);
		if (!d)
			return;
		if (d->in_frame && e->time_ns != d->frame_time)
			frame_end(k, d, false);	/* a frame without its SYN_REPORT (--types) */
		if (e->type == EV_SYN && !strcmp(e->code, "SYN_REPORT"))
			frame_end(k, d, e->value == 1);
		else if (e->type == EV_KEY)
			key(k, d, e);
		break;
	}
	flush(k, out);
}

static void finish(void *t, const struct it_feat_out *out)
{
	struct ks *k = t;

	while (k->ndevs)
		dev_gone(k, k->devs[0].dev);
	flush(k, out);
}

const struct it_feat_table_ops it_feat_keystrokes = {
	.name = "keystrokes",
	.columns = columns,
	.create = create,
	.feed = feed,
	.finish = finish,
	.destroy = destroy,
};
