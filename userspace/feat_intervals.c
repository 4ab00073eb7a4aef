// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * feat_intervals.c - the intervals table (feat.h, docs/features.md "intervals"): per
 * device and subject and window of --interval (aligned to multiples of the window on
 * the capture's clock), counts of presses by key class, clicks, scroll, pointer
 * distance, active and idle time, typing speed, inter-key intervals, corrections and
 * rollover. Fed by `inputtrace features intervals` and by the agent's
 * `--record intervals` stage (stage_intervals.c) with the same records, so both give
 * the same rows.
 *
 * Time: every record's time is taken as the largest seen so far (a clock that never
 * goes back), so an event of one device a little out of order with another's cannot
 * reopen a window already written.
 *
 * A window is written when its end has passed and the time after its last input is
 * known to be active or idle: at the stream's next input in a later window, when any
 * later event is past the window's end and more than --idle after that input, when
 * its device is removed, and at the end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <libevdev/libevdev.h>
#include "feat_intervals.h"
#include "keyclass.h"

/* The classes presses are counted by: the key classes of keyclass.h in their order,
 * then the modifiers (whose code every mode keeps). */
enum { FK_LETTER, FK_DIGIT, FK_SYMBOL, FK_WHITESPACE, FK_MODIFIER = IT_KC_COUNT, FK_N };

/* The press class of key number k (it_feat_key_num(); a raw capture's KEY_* by the
 * table the kernel redacts with, so every capture of the same typing counts alike). */
static int press_class(int k)
{
	unsigned int c = it_feat_key_class(k);

	if (c)
		return (int)(c - IT_KC_BASE);
	return k < 0 || k > KEY_MAX ? IT_KC_OTHER - IT_KC_BASE : FK_MODIFIER;
}

/* A mouse button (BTN_LEFT .. BTN_TASK): its press is a click. */
static bool is_click(int k)
{
	return k >= BTN_LEFT && k <= BTN_TASK;
}

/* A key that takes text back: Backspace, Delete and the delete-line keys in raw
 * captures, KEYCLASS_EDITING in class captures (Insert is editing but no correction;
 * a class capture cannot tell it apart). */
static bool is_correction(int k)
{
	return k == KEY_BACKSPACE || k == KEY_DELETE || k == 0x1c0 /* KEY_DEL_EOL */ ||
	       k == 0x1c1 /* KEY_DEL_EOS */ || k == 0x1c3 /* KEY_DEL_LINE */ || k == IT_KC_EDITING;
}

/* Columns, in order; COL_* index them. */
enum {
	COL_DEV, COL_SUBJECT, COL_START, COL_END, COL_PRESSES,
	COL_CLASS0,	/* presses_letter .. presses_modifier: FK_* order */
	COL_CLICKS = COL_CLASS0 + FK_N, COL_SCROLL, COL_DISTANCE, COL_ACTIVE,
	COL_IDLE, COL_WPM, COL_IKI_MEDIAN, COL_IKI_MEAN, COL_CORRECTION, COL_ROLLOVER, N_COLS
};

static const char *const columns[N_COLS + 1] = {
	"dev", "subject", "start_ns", "end_ns", "presses",
	"presses_letter", "presses_digit", "presses_symbol", "presses_whitespace",
	"presses_editing", "presses_navigation", "presses_function", "presses_keypad",
	"presses_media", "presses_other", "presses_modifier",
	"clicks", "scroll_ticks", "pointer_distance", "active_s", "idle_s", "wpm",
	"iki_median_ms", "iki_mean_ms", "correction_ratio", "rollover_ratio", NULL,
};

/* What one window of one stream has gathered. */
struct win {
	uint64_t start;
	uint64_t presses, by_class[FK_N], clicks, corrections;
	uint64_t rollover, rollover_of;		/* non-modifier presses with another down / all */
	double scroll, distance;
	uint64_t active_ns, idle_ns;
	uint64_t *iki;				/* inter-key intervals, ns */
	size_t n_iki, cap_iki;
	uint64_t iki_sum;
};

/* The events of one frame of a stream not yet added (a frame ends at SYN_REPORT or
 * at an event with another time). */
struct frame {
	uint64_t t;
	int64_t dx, dy;
	int64_t wheel[2], hires[2];		/* vertical, horizontal */
	bool has_wheel[2], has_hires[2], any;
};

/* One device and subject. */
struct stream {
	struct stream *next;
	uint32_t dev;
	char subject[40];
	bool open;			/* w holds a window with input */
	struct win w;
	struct frame f;
	bool has_last;			/* last_in: the last input (no gap since) */
	uint64_t last_in;
	bool has_press;			/* last_press: the last key press (no gap since) */
	uint64_t last_press;
	unsigned int down;		/* non-modifier keys down */
};

struct ivtab {
	struct it_feat_opts o;
	struct stream *streams, **tail;	/* in the order first seen: the order rows go */
	uint64_t now;			/* the largest event time seen */
	uint64_t due;			/* no window can be written before this time */
};

static void *iv_create(const struct it_feat_opts *o)
{
	struct ivtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.interval_ns)
		t->o.interval_ns = 60000000000ull;
	t->tail = &t->streams;
	return t;
}

static struct stream *stream_get(struct ivtab *t, uint32_t dev, const char *subject)
{
	struct stream *s;

	for (s = t->streams; s; s = s->next)
		if (s->dev == dev && !strncmp(s->subject, subject, sizeof(s->subject) - 1))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->dev = dev;
	strncpy(s->subject, subject, sizeof(s->subject) - 1);
	*t->tail = s;
	t->tail = &s->next;
	return s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct it_fval fv_int(int64_t i)
{
	return (struct it_fval){ .kind = IT_FV_INT, .i = i };
}

static struct it_fval fv_real(double d)
{
	return (struct it_fval){ .kind = IT_FV_REAL, .d = d };
}

/* v over of, or empty when of is 0. */
static struct it_fval fv_ratio(double v, double of)
{
	return of > 0 ? fv_real(v / of) : (struct it_fval){ .kind = IT_FV_NULL };
}

/* The row of s's window, and the window closed. */
static void emit(struct ivtab *t, struct stream *s, const struct it_feat_out *out)
{
	struct win *w = &s->w;
	struct it_fval v[N_COLS] = { 0 };	/* IT_FV_NULL */
	uint64_t text = w->by_class[FK_LETTER] + w->by_class[FK_DIGIT] +
			w->by_class[FK_SYMBOL] + w->by_class[FK_WHITESPACE];
	unsigned int i;

	v[COL_DEV] = fv_int(s->dev);
	if (s->subject[0])
		v[COL_SUBJECT] = (struct it_fval){ .kind = IT_FV_STR, .s = s->subject };
	v[COL_START] = fv_int((int64_t)w->start);
	v[COL_END] = fv_int((int64_t)(w->start + t->o.interval_ns));
	v[COL_PRESSES] = fv_int((int64_t)w->presses);
	for (i = 0; i < FK_N; i++)
		v[COL_CLASS0 + i] = fv_int((int64_t)w->by_class[i]);
	v[COL_CLICKS] = fv_int((int64_t)w->clicks);
	v[COL_SCROLL] = fv_real(w->scroll);
	v[COL_DISTANCE] = fv_real(w->distance);
	v[COL_ACTIVE] = fv_real(w->active_ns / 1e9);
	v[COL_IDLE] = fv_real(w->idle_ns / 1e9);
	/* under 1 ms active (0.000 s printed) a rate is noise: 2 presses in 0.1 ms would
	 * be 240000 wpm */
	if (w->active_ns >= 1000000)
		v[COL_WPM] = fv_ratio(text / 5.0, w->active_ns / 60e9);
	if (w->n_iki) {
		size_t n = w->n_iki;

		qsort(w->iki, n, sizeof(*w->iki), cmp_u64);
		v[COL_IKI_MEDIAN] = (struct it_fval){
			.kind = IT_FV_MS,
			.i = (int64_t)(n % 2 ? w->iki[n / 2] : (w->iki[n / 2 - 1] + w->iki[n / 2]) / 2) };
		v[COL_IKI_MEAN] = fv_real((double)w->iki_sum / (double)n / 1e6);
	}
	v[COL_CORRECTION] = fv_ratio((double)w->corrections, (double)w->presses);
	v[COL_ROLLOVER] = fv_ratio((double)w->rollover, (double)w->rollover_of);
	out->row(out->ctx, &it_feat_intervals, v);
	free(w->iki);
	memset(w, 0, sizeof(*w));
	s->open = false;
}

/* The part of the time from s's last input to t that lies in s's window: active if
 * that gap is within --idle, else idle. */
static void add_gap(struct ivtab *t, struct stream *s, uint64_t next)
{
	uint64_t from = s->last_in > s->w.start ? s->last_in : s->w.start;
	uint64_t end = s->w.start + t->o.interval_ns, until = next < end ? next : end;

	if (!s->has_last || !s->open || until <= from)
		return;
	if (next - s->last_in <= t->o.idle_ns)
		s->w.active_ns += until - from;
	else
		s->w.idle_ns += until - from;
}

/* The pending frame of s into its window: pointer distance, scroll ticks (a frame
 * with a high-resolution wheel value counts that one, never also the legacy one). */
static void frame_flush(struct stream *s)
{
	struct frame *f = &s->f;
	int a;

	if (f->any && s->open) {
		if (f->dx || f->dy)
			s->w.distance += sqrt((double)f->dx * f->dx + (double)f->dy * f->dy);
		for (a = 0; a < 2; a++) {
			if (f->has_hires[a])
				s->w.scroll += fabs((double)f->hires[a]) / 120.0;
			else if (f->has_wheel[a])
				s->w.scroll += fabs((double)f->wheel[a]);
		}
	}
	memset(f, 0, sizeof(*f));
}

static void push_iki(struct win *w, uint64_t v)
{
	if (w->n_iki == w->cap_iki) {
		size_t cap = w->cap_iki ? w->cap_iki * 2 : 16;
		uint64_t *p = realloc(w->iki, cap * sizeof(*p));

		if (!p)
			return;	/* out of memory: this interval is left out */
		w->iki = p;
		w->cap_iki = cap;
	}
	w->iki[w->n_iki++] = v;
	w->iki_sum += v;
}

/* Key k (not a button) went down, up or repeated at now. */
static void key(struct ivtab *t, struct stream *s, int k, const struct it_frec *r, uint64_t now)
{
	struct win *w = &s->w;
	int cls = press_class(k);
	bool modifier = cls == FK_MODIFIER;

	if (r->value == 0) {
		if (!modifier && s->down)
			s->down--;
		return;
	}
	if (r->value != 1)
		return;		/* autorepeat (2) is never a press */
	w->presses++;
	w->by_class[cls]++;
	if (is_correction(k))
		w->corrections++;
	if (!modifier) {
		w->rollover_of++;
		if (s->down)
			w->rollover++;
		s->down++;
	}
	if (s->has_press && now - s->last_press <= t->o.idle_ns)
		push_iki(w, now - s->last_press);
	s->has_press = true;
	s->last_press = now;
}

static bool is_input(const struct it_frec *r)
{
	return (r->type == EV_KEY && (r->value == 0 || r->value == 1)) || r->type == EV_REL ||
	       r->type == EV_ABS;
}

/* An input at now: the window it falls in opened (the one before written), the time
 * since the last input added. */
static void input_at(struct ivtab *t, struct stream *s, uint64_t now,
		     const struct it_feat_out *out)
{
	uint64_t start = now - now % t->o.interval_ns;

	if (s->open && start != s->w.start) {
		add_gap(t, s, now);	/* the tail of the old window */
		emit(t, s, out);
	}
	if (!s->open) {
		s->open = true;
		s->w.start = start;
	}
	add_gap(t, s, now);
	s->has_last = true;
	s->last_in = now;
	if (start + t->o.interval_ns < t->due || !t->due)
		t->due = start + t->o.interval_ns;
}

static void event(struct ivtab *t, struct stream *s, const struct it_frec *r,
		  const struct it_feat_out *out)
{
	uint64_t now = t->now;

	if (s->f.any && s->f.t != now)
		frame_flush(s);
	if (is_input(r))
		input_at(t, s, now, out);
	if (!s->open)
		return;		/* nothing to count outside a window with input */
	s->f.t = now;
	switch (r->type) {
	case EV_SYN:
		if (r->code && !strcmp(r->code, "SYN_REPORT"))
			frame_flush(s);
		break;
	case EV_KEY: {
		int k = r->code ? it_feat_key_num(r->code) : -1;

		if (is_click(k))
			s->w.clicks += r->value == 1;
		else if (!(k >= 0 && k <= KEY_MAX && it_key_is_button((unsigned int)k)))
			key(t, s, k, r, now);
		break;
	}
	case EV_REL: {
		int rel = r->code ? libevdev_event_code_from_name(EV_REL, r->code) : -1, a = rel == REL_WHEEL || rel == REL_WHEEL_HI_RES ? 0 : 1;

		s->f.any = true;
		if (rel == REL_X)
			s->f.dx += r->value;
		else if (rel == REL_Y)
			s->f.dy += r->value;
		else if (rel == REL_WHEEL || rel == REL_HWHEEL)
			s->f.wheel[a] += r->value, s->f.has_wheel[a] = true;
		else if (rel == REL_WHEEL_HI_RES || rel == REL_HWHEEL_HI_RES)
			s->f.hires[a] += r->value, s->f.has_hires[a] = true;
		break;
	}
	}
}

/* Windows whose end has passed at now and whose last input is more than --idle ago:
 * the rest of them is idle; written. */
static void sweep(struct ivtab *t, const struct it_feat_out *out)
{
	uint64_t due = 0;
	struct stream *s;

	if (!t->due || t->now < t->due)
		return;
	for (s = t->streams; s; s = s->next) {
		uint64_t end = s->w.start + t->o.interval_ns, when;

		if (!s->open)
			continue;
		when = s->has_last && s->last_in + t->o.idle_ns + 1 > end ? s->last_in + t->o.idle_ns + 1 : end;
		if (t->now >= when) {
			frame_flush(s);
			if (s->has_last)
				s->w.idle_ns += end - (s->last_in > s->w.start ? s->last_in : s->w.start);
			emit(t, s, out);
		} else if (!due || when < due) {
			due = when;
		}
	}
	t->due = due;
}

/* Events are missing here (or the device went away): what follows is not continuous
 * with what came before. remove: the stream's window is written. */
static void gap(struct stream *s, bool remove, struct ivtab *t, const struct it_feat_out *out)
{
	frame_flush(s);
	if (remove && s->open)
		emit(t, s, out);
	s->has_last = s->has_press = false;
	s->down = 0;
}

static void iv_feed(void *tab, const struct it_frec *r, const struct it_feat_out *out)
{
	struct ivtab *t = tab;
	struct stream *s;

	switch (r->kind) {
	case IT_FREC_EVENT:
		if (r->time_ns > t->now)
			t->now = r->time_ns;
		sweep(t, out);
		s = stream_get(t, r->dev, r->subject ? r->subject : "");
		if (s)
			event(t, s, r, out);
		break;
	case IT_FREC_DEVICE:
		if (!r->action || strcmp(r->action, "remove"))
			break;
		for (s = t->streams; s; s = s->next)
			if (s->dev == r->dev)
				gap(s, true, t, out);
		break;
	case IT_FREC_GAP:
		for (s = t->streams; s; s = s->next)
			gap(s, false, t, out);
		break;
	}
}

static void iv_finish(void *tab, const struct it_feat_out *out)
{
	struct ivtab *t = tab;
	struct stream *s;

	for (s = t->streams; s; s = s->next) {
		frame_flush(s);
		if (s->open)
			emit(t, s, out);
	}
}

static void iv_destroy(void *tab)
{
	struct ivtab *t = tab;
	struct stream *s, *n;

	if (!t)
		return;
	for (s = t->streams; s; s = n) {
		n = s->next;
		free(s->w.iki);
		free(s);
	}
	free(t);
}

const struct it_feat_table_ops it_feat_intervals = {
	.name = "intervals",
	.columns = columns,
	.create = iv_create,
	.feed = iv_feed,
	.finish = iv_finish,
	.destroy = iv_destroy,
};
