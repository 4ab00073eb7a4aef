// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * feat_actions.c - the actions table (feat.h, docs/features.md): what a person did,
 * as recorders of work sessions reduce it (OpenAdapt, ActivityWatch): clicks (single,
 * double, triple), drags, scrolls, typing bursts, shortcuts and touches, one row each,
 * written when the action is known to be over.
 *
 * Pointer buttons, motion, wheels and touch contacts are taken frame by frame (up to
 * SYN_REPORT, or the next timestamp when a capture has no SYN events), so the order of
 * events inside a frame does not matter; keys are taken as they come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>
#include "feat.h"
#include "keyclass.h"

/* The thresholds (docs/features.md says why). */
#define CLICK_NS	500000000ull	/* a click joins the previous one: press to press */
#define CLICK_DIST	5		/* ... within this distance, device units */
#define DRAG_DIST	10		/* a button held past this distance is a drag */
#define SCROLL_NS	500000000ull	/* wheel frames further apart are two scrolls */
#define BURST_NS	2000000000ull	/* key presses further apart are two bursts */
#define HIRES		120		/* REL_WHEEL_HI_RES units per notch */

#define NAME_MAX_ 24
#define SUBJ_MAX 33
#define FRAME_BTNS 8
#define DOWN_BTNS 8

extern const struct it_feat_table_ops it_feat_actions;

static const char *const columns[] = {
	"dev", "subject", "kind", "start_ns", "end_ns", "duration_ms", "button", "count",
	"ticks", "distance", "presses", "corrections", "wpm", "fingers", "detail", NULL,
};

/* One row, before it is written. */
struct act_row {
	const char *kind;
	uint64_t start, end;
	bool has_end, has_ticks, has_distance, has_typing;
	const char *button;
	int count, fingers;
	double ticks, distance, wpm;
	uint32_t presses, corrections;
	char detail[200];
};

struct btn_down {
	char code[NAME_MAX_];
	uint64_t time;
	int64_t x, y;		/* where it was pressed */
	double max_d2;		/* the furthest the pointer went since, squared */
	char subject[SUBJ_MAX];
};

struct act_dev {
	uint32_t dev;
	int64_t x, y;		/* the pointer: REL_X/REL_Y added up, ABS_X/ABS_Y as reported */
	/* the frame being read */
	bool in_frame, moved;
	uint64_t frame_time;
	char frame_subject[SUBJ_MAX];
	int64_t wheel[2], hires[2];	/* [0] vertical, [1] horizontal */
	bool has_wheel[2], has_hires[2], hires_seen[2];
	struct { char code[NAME_MAX_]; int32_t value; } fbtn[FRAME_BTNS];
	int nfbtn;
	/* buttons down, and the click sequence that may still grow */
	struct btn_down down[DOWN_BTNS];
	int ndown;
	bool click_open;
	struct btn_down click;	/* its first press (code, subject) and its last press */
	uint64_t click_start, click_end;
	int click_count;
	/* scrolls, one per axis */
	bool scroll_open[2];
	uint64_t scroll_start[2], scroll_end[2];
	int64_t scroll_units[2];	/* in 1/120 of a notch */
	char scroll_subject[2][SUBJ_MAX];
	/* the typing burst */
	bool burst_open;
	uint64_t burst_start, burst_last;
	uint32_t presses, corrections, chars, by_class[IT_KC_COUNT + 1];	/* + modifiers */
	char burst_subject[SUBJ_MAX];
	uint32_t mods;		/* it_mod_bit()s held, and bit 6/7 for left/right Shift */
	/* touch: contacts by slot (ABS_MT_TRACKING_ID), or BTN_TOUCH without slots */
	uint64_t slots;
	int slot;
	bool mt, touch_open;
	uint64_t touch_start;
	int fingers;
	char touch_subject[SUBJ_MAX];
};

struct acts {
	struct act_dev *devs;
	size_t ndevs, cap;
	uint64_t now;		/* the latest timestamp seen */
};

#define MOD_LSHIFT (1u << 6)
#define MOD_RSHIFT (1u << 7)

static void *create(const struct it_feat_opts *o)
{
	return calloc(1, sizeof(struct acts));
}

static void destroy(void *t)
{
	struct acts *a = t;

	free(a->devs);
	free(a);
}

/* The square root of v >= 0, by Newton's method (no libm). */
static double root(double v)
{
	double r = v > 1 ? v / 2 : 1;

	if (v <= 0)
		return 0;
	for (int i = 0; i < 80; i++) {
		double n = (r + v / r) / 2;

		if (n == r)
			break;
		r = n;
	}
	return r;
}

/* The squared distance, in double: a sum of REL_X events can take a square past 2^63. */
static double dist2(int64_t x0, int64_t y0, int64_t x1, int64_t y1)
{
	double dx = (double)x1 - (double)x0, dy = (double)y1 - (double)y0;

	return dx * dx + dy * dy;
}

static void emit(const struct act_dev *d, const char *subject, const struct act_row *r,
		 const struct it_feat_out *out)
{
	struct it_fval v[15] = {
		{ .kind = IT_FV_INT, .i = d->dev },
		{ .kind = subject[0] ? IT_FV_STR : IT_FV_NULL, .s = subject },
		{ .kind = IT_FV_STR, .s = r->kind },
		{ .kind = IT_FV_INT, .i = (int64_t)r->start },
		{ .kind = r->has_end ? IT_FV_INT : IT_FV_NULL, .i = (int64_t)r->end },
		{ .kind = r->has_end ? IT_FV_MS : IT_FV_NULL, .i = (int64_t)(r->end - r->start) },
		{ .kind = r->button ? IT_FV_STR : IT_FV_NULL, .s = r->button },
		{ .kind = r->count ? IT_FV_INT : IT_FV_NULL, .i = r->count },
		{ .kind = r->has_ticks ? IT_FV_REAL : IT_FV_NULL, .d = r->ticks },
		{ .kind = r->has_distance ? IT_FV_REAL : IT_FV_NULL, .d = r->distance },
		{ .kind = r->has_typing ? IT_FV_INT : IT_FV_NULL, .i = r->presses },
		{ .kind = r->has_typing ? IT_FV_INT : IT_FV_NULL, .i = r->corrections },
		{ .kind = r->wpm >= 0 ? IT_FV_REAL : IT_FV_NULL, .d = r->wpm },
		{ .kind = r->fingers ? IT_FV_INT : IT_FV_NULL, .i = r->fingers },
		{ .kind = r->detail[0] ? IT_FV_STR : IT_FV_NULL, .s = r->detail },
	};

	out->row(out->ctx, &it_feat_actions, v);
}

/* A row with only its kind and times set (wpm -1: none). */
static struct act_row row_init(const char *kind, uint64_t start, uint64_t end)
{
	return (struct act_row){ .kind = kind, .start = start, .end = end, .has_end = true,
				 .wpm = -1 };
}

/* --- closing what is open ------------------------------------------------------------ */

static void click_close(struct act_dev *d, const struct it_feat_out *out)
{
	struct act_row r = row_init("click", d->click_start, d->click_end);

	if (!d->click_open)
		return;
	d->click_open = false;
	r.button = d->click.code;
	r.count = d->click_count;
	emit(d, d->click.subject, &r, out);
}

static void scroll_close(struct act_dev *d, int axis, const struct it_feat_out *out)
{
	struct act_row r = row_init("scroll", d->scroll_start[axis], d->scroll_end[axis]);

	if (!d->scroll_open[axis])
		return;
	d->scroll_open[axis] = false;
	r.has_ticks = true;
	r.ticks = (double)d->scroll_units[axis] / HIRES;
	snprintf(r.detail, sizeof(r.detail), "%s", axis ? "horizontal" : "vertical");
	emit(d, d->scroll_subject[axis], &r, out);
}

static const char *class_word(unsigned int i)
{
	static const char *const w[IT_KC_COUNT + 1] = {
		"letter", "digit", "symbol", "whitespace", "editing", "navigation", "function",
		"keypad", "media", "other", "modifier",
	};

	return w[i];
}

static void burst_close(struct act_dev *d, const struct it_feat_out *out)
{
	struct act_row r = row_init("typing", d->burst_start, d->burst_last);
	size_t n = 0;

	if (!d->burst_open)
		return;
	d->burst_open = false;
	r.has_typing = true;
	r.presses = d->presses;
	r.corrections = d->corrections;
	/* chars / 5 per minute; none under 1 ms (2 presses 0.1 ms apart: 240000 wpm) */
	if (d->burst_last - d->burst_start >= 1000000)
		r.wpm = d->chars / 5.0 * 60e9 / (double)(d->burst_last - d->burst_start);
	for (unsigned int i = 0; i <= IT_KC_COUNT; i++)
		if (d->by_class[i] && n < sizeof(r.detail))
			n += (size_t)snprintf(r.detail + n, sizeof(r.detail) - n, "%s%s=%u", n ? " " : "",
					      class_word(i), d->by_class[i]);
	emit(d, d->burst_subject, &r, out);
}

/* Whatever the passing of time has closed, on every device: now is the latest
 * timestamp. A click sequence stays open while a button is down (its release decides). */
static void tick(struct acts *a, const struct it_feat_out *out)
{
	for (size_t i = 0; i < a->ndevs; i++) {
		struct act_dev *d = &a->devs[i];

		if (d->click_open && !d->ndown && a->now > d->click.time + CLICK_NS)
			click_close(d, out);
		for (int ax = 0; ax < 2; ax++)
			if (d->scroll_open[ax] && a->now > d->scroll_end[ax] + SCROLL_NS)
				scroll_close(d, ax, out);
		if (d->burst_open && a->now > d->burst_last + BURST_NS)
			burst_close(d, out);
	}
}

/* --- frames: pointer, wheels, touch --------------------------------------------------- */

static void button_release(struct act_dev *d, int i, const struct it_feat_out *out)
{
	struct btn_down *b = &d->down[i];
	struct act_row r;

	if (b->max_d2 > DRAG_DIST * DRAG_DIST) {
		r = row_init("drag", b->time, d->frame_time);
		r.button = b->code;
		r.has_distance = true;
		r.distance = root(dist2(b->x, b->y, d->x, d->y));
		click_close(d, out);
		emit(d, b->subject, &r, out);
	} else if (d->click_open && !strcmp(d->click.code, b->code) && d->click_count < 3 &&
		   b->time - d->click.time <= CLICK_NS &&
		   dist2(d->click.x, d->click.y, b->x, b->y) <= CLICK_DIST * CLICK_DIST) {
		d->click_count++;
		d->click.time = b->time;
		d->click.x = b->x;
		d->click.y = b->y;
		d->click_end = d->frame_time;
		if (d->click_count == 3)
			click_close(d, out);
	} else {
		click_close(d, out);
		d->click_open = true;
		d->click = *b;
		d->click_start = b->time;
		d->click_end = d->frame_time;
		d->click_count = 1;
	}
	d->down[i] = d->down[--d->ndown];
}

/* BTN_LEFT .. BTN_TASK: the buttons that click and drag. */
static bool pointer_button(const char *code)
{
	int n = it_feat_key_num(code);

	return n >= BTN_MOUSE && n <= BTN_TASK;
}

static void frame_buttons(struct act_dev *d, const struct it_feat_out *out)
{
	for (int k = 0; k < d->nfbtn; k++) {
		const char *code = d->fbtn[k].code;
		int i;

		for (i = 0; i < d->ndown && strcmp(d->down[i].code, code); i++)
			;
		if (d->fbtn[k].value == 0 && i < d->ndown) {
			button_release(d, i, out);
		} else if (d->fbtn[k].value == 1 && i == d->ndown && d->ndown < DOWN_BTNS) {
			struct btn_down *b = &d->down[d->ndown++];

			snprintf(b->code, sizeof(b->code), "%s", code);
			snprintf(b->subject, sizeof(b->subject), "%s", d->frame_subject);
			b->time = d->frame_time;
			b->x = d->x;
			b->y = d->y;
			b->max_d2 = 0;
		}
	}
	d->nfbtn = 0;
}

/* The frame's wheel motion: hi-res when the frame has it; legacy only on a device
 * that has never sent hi-res on that axis (the kernel sends both for one motion). */
static void frame_wheels(struct act_dev *d, const struct it_feat_out *out)
{
	for (int ax = 0; ax < 2; ax++) {
		int64_t units;

		if (d->has_hires[ax]) {
			d->hires_seen[ax] = true;
			units = d->hires[ax];
		} else if (d->has_wheel[ax] && !d->hires_seen[ax]) {
			units = d->wheel[ax] * HIRES;
		} else {
			units = 0;
		}
		d->has_hires[ax] = d->has_wheel[ax] = false;
		d->hires[ax] = d->wheel[ax] = 0;
		if (!units)
			continue;
		if (d->scroll_open[ax] && (units < 0) != (d->scroll_units[ax] < 0))
			scroll_close(d, ax, out);	/* the other way: a new scroll */
		if (!d->scroll_open[ax]) {
			d->scroll_open[ax] = true;
			d->scroll_start[ax] = d->frame_time;
			d->scroll_units[ax] = 0;
			snprintf(d->scroll_subject[ax], SUBJ_MAX, "%s", d->frame_subject);
		}
		d->scroll_units[ax] += units;
		d->scroll_end[ax] = d->frame_time;
	}
}

static void frame_touch(struct act_dev *d, const struct it_feat_out *out)
{
	int n = __builtin_popcountll(d->slots);
	struct act_row r;

	if (n && !d->touch_open) {
		d->touch_open = true;
		d->touch_start = d->frame_time;
		d->fingers = 0;
		snprintf(d->touch_subject, SUBJ_MAX, "%s", d->frame_subject);
	}
	if (!d->touch_open)
		return;
	if (n > d->fingers)
		d->fingers = n;
	if (!n) {
		d->touch_open = false;
		r = row_init("touch", d->touch_start, d->frame_time);
		r.fingers = d->fingers;
		emit(d, d->touch_subject, &r, out);
	}
}

static void frame_end(struct act_dev *d, const struct it_feat_out *out)
{
	if (!d->in_frame)
		return;
	d->in_frame = false;
	if (d->moved) {
		for (int i = 0; i < d->ndown; i++) {
			double d2 = dist2(d->down[i].x, d->down[i].y, d->x, d->y);

			if (d2 > d->down[i].max_d2)
				d->down[i].max_d2 = d2;
		}
		d->moved = false;
	}
	frame_buttons(d, out);
	frame_wheels(d, out);
	frame_touch(d, out);
}

/* --- keys ------------------------------------------------------------------------------ */

/* Bits of act_dev.mods for a modifier key, 0 for any other. */
static uint32_t mod_bits(int num)
{
	if (num == KEY_LEFTSHIFT)
		return MOD_LSHIFT;
	if (num == KEY_RIGHTSHIFT)
		return MOD_RSHIFT;
	return num >= 0 ? it_mod_bit((unsigned int)num) : 0;
}

/* "KEY_LEFTCTRL+KEY_LEFTSHIFT+KEY_C": the modifiers held, then the key. */
static void shortcut(struct act_dev *d, const struct it_frec *e, const struct it_feat_out *out)
{
	static const int order[] = { KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT,
				     KEY_LEFTMETA, KEY_RIGHTMETA, KEY_LEFTSHIFT, KEY_RIGHTSHIFT };
	struct act_row r = row_init("shortcut", e->time_ns, e->time_ns);
	size_t n = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (d->mods & mod_bits(order[i]))
			n += (size_t)snprintf(r.detail + n, sizeof(r.detail) - n, "%s+",
					      libevdev_event_code_get_name(EV_KEY, (unsigned int)order[i]));
	snprintf(r.detail + n, sizeof(r.detail) - n, "%s", e->code);
	emit(d, e->subject, &r, out);
}

static void key(struct act_dev *d, const struct it_frec *e, const struct it_feat_out *out)
{
	int num = it_feat_key_num(e->code);
	uint32_t bits = mod_bits(num);
	unsigned int cls;

	if (bits) {
		if (e->value == 1)
			d->mods |= bits;
		else if (e->value == 0)
			d->mods &= ~bits;
	}
	if (e->value != 1)
		return;		/* releases; autorepeats are never presses */
	if (d->burst_open && e->time_ns - d->burst_last > BURST_NS)
		burst_close(d, out);
	if (!d->burst_open) {
		d->burst_open = true;
		d->burst_start = e->time_ns;
		d->presses = d->corrections = d->chars = 0;
		memset(d->by_class, 0, sizeof(d->by_class));
		snprintf(d->burst_subject, SUBJ_MAX, "%s", e->subject);
	}
	d->burst_last = e->time_ns;
	d->presses++;
	cls = num < 0 ? IT_KC_OTHER : it_feat_key_class(num);	/* a name we do not know: other */
	d->by_class[cls ? cls - IT_KC_BASE : IT_KC_COUNT]++;
	if (num == KEY_BACKSPACE || num == KEY_DELETE ||
	    ((int)cls == num && cls == IT_KC_EDITING))
		d->corrections++;
	if (d->mods & IT_MOD_ALL) {
		if (!bits)
			shortcut(d, e, out);
	} else if (cls && (IT_KC_SHORTCUT_CLASSES & (1u << (cls - IT_KC_BASE)))) {
		d->chars++;	/* a character typed: letter, digit, symbol, whitespace */
	}
}

/* --- records ---------------------------------------------------------------------------- */

static struct act_dev *dev_find(struct acts *a, uint32_t dev)
{
	for (size_t i = 0; i < a->ndevs; i++)
		if (a->devs[i].dev == dev)
			return &a->devs[i];
	if (a->ndevs == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		struct act_dev *p = realloc(a->devs, cap * sizeof(*p));

		if (!p)
			return NULL;
		a->devs = p;
		a->cap = cap;
	}
	memset(&a->devs[a->ndevs], 0, sizeof(a->devs[0]));
	a->devs[a->ndevs].dev = dev;
	return &a->devs[a->ndevs++];
}

/* Everything open on d ends here (a gap: buttons and touches stay, their ends may
 * come; gone: they end too, a button down makes no row, a touch no end). */
static void dev_close(struct act_dev *d, bool gone, const struct it_feat_out *out)
{
	frame_end(d, out);
	click_close(d, out);
	scroll_close(d, 0, out);
	scroll_close(d, 1, out);
	burst_close(d, out);
	if (gone && d->touch_open) {
		struct act_row r = row_init("touch", d->touch_start, 0);

		r.has_end = false;
		r.fingers = d->fingers;
		emit(d, d->touch_subject, &r, out);
	}
}

/* An event into the frame of d (pointer, wheels, buttons, touch) or its keys. */
static void event(struct act_dev *d, const struct it_frec *e, const struct it_feat_out *out)
{
	const char *c = e->code;

	if (e->type == EV_KEY && !it_feat_is_button(c)) {
		key(d, e, out);
		return;
	}
	if (!d->in_frame) {
		d->in_frame = true;
		d->frame_time = e->time_ns;
		snprintf(d->frame_subject, SUBJ_MAX, "%s", e->subject);
	}
	if (e->type == EV_KEY && !strcmp(c, "BTN_TOUCH") && !d->mt) {
		d->slots = e->value ? 1 : 0;
	} else if (e->type == EV_KEY && e->value != 2 && pointer_button(c) && d->nfbtn < FRAME_BTNS) {
		snprintf(d->fbtn[d->nfbtn].code, NAME_MAX_, "%s", c);
		d->fbtn[d->nfbtn++].value = e->value;
	} else if (e->type == EV_REL) {
		if (!strcmp(c, "REL_X") || !strcmp(c, "REL_Y")) {
			*(c[4] == 'X' ? &d->x : &d->y) += e->value;	/* 2^32 events from overflow */
			d->moved = true;
		} else if (!strcmp(c, "REL_WHEEL") || !strcmp(c, "REL_HWHEEL")) {
			d->wheel[c[4] == 'H'] += e->value;
			d->has_wheel[c[4] == 'H'] = true;
		} else if (!strcmp(c, "REL_WHEEL_HI_RES") || !strcmp(c, "REL_HWHEEL_HI_RES")) {
			d->hires[c[4] == 'H'] += e->value;
			d->has_hires[c[4] == 'H'] = true;
		}
	} else if (e->type == EV_ABS) {
		if (!strcmp(c, "ABS_X") || !strcmp(c, "ABS_Y")) {
			*(c[4] == 'X' ? &d->x : &d->y) = e->value;
			d->moved = true;
		} else if (!strcmp(c, "ABS_MT_SLOT")) {
			d->slot = e->value;
		} else if (!strcmp(c, "ABS_MT_TRACKING_ID") && d->slot >= 0 && d->slot < 64) {
			if (!d->mt)
				d->slots = 0;	/* slots from now on, not BTN_TOUCH */
			d->mt = true;
			if (e->value >= 0)
				d->slots |= 1ull << d->slot;
			else
				d->slots &= ~(1ull << d->slot);
		}
	}
}

static void feed(void *t, const struct it_frec *e, const struct it_feat_out *out)
{
	struct acts *a = t;
	struct act_dev *d;

	switch (e->kind) {
	case IT_FREC_GAP:
		for (size_t i = 0; i < a->ndevs; i++)
			dev_close(&a->devs[i], false, out);
		return;
	case IT_FREC_DEVICE:
		if (!e->action || !strcmp(e->action, "present"))
			return;
		for (size_t i = 0; i < a->ndevs; i++)
			if (a->devs[i].dev == e->dev) {
				dev_close(&a->devs[i], true, out);
				a->devs[i] = a->devs[--a->ndevs];
				break;
			}
		return;
	case IT_FREC_EVENT:
		break;
	}
	if (e->time_ns > a->now) {
		a->now = e->time_ns;
		tick(a, out);
	}
	d = dev_find(a, e->dev);
	if (!d)
		return;
	if (d->in_frame && e->time_ns != d->frame_time)
		frame_end(d, out);	/* a frame without its SYN_REPORT (--types) */
	if (e->type == EV_SYN) {
		if (!strcmp(e->code, "SYN_REPORT"))
			frame_end(d, out);
		return;
	}
	event(d, e, out);
}

static void finish(void *t, const struct it_feat_out *out)
{
	struct acts *a = t;

	for (size_t i = 0; i < a->ndevs; i++)
		dev_close(&a->devs[i], true, out);
	a->ndevs = 0;
}

const struct it_feat_table_ops it_feat_actions = {
	.name = "actions",
	.columns = columns,
	.create = create,
	.feed = feed,
	.finish = finish,
	.destroy = destroy,
};
