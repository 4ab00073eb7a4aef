// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_feat_intervals.c - the intervals table (userspace/feat_intervals.c) on
 * hand-made event sequences whose rows are worked out here: two windows, the idle
 * threshold exactly at and just past, high-resolution and legacy wheel of one motion,
 * autorepeat, rollover, corrections, two devices, two subjects, a gap, a device
 * removed, and when a window is written.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/input.h>
#include "feat_intervals.h"

#define S 1000000000ull
#define MS 1000000ull
#define MAX_ROWS 16

/* The rows the table gave, each cell as JSON text. */
struct rows {
	int n;
	char cell[MAX_ROWS][32][48];
};

static const struct it_feat_table_ops *T = &it_feat_intervals;

static void on_row(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *vals)
{
	struct rows *r = ctx;
	struct it_buf b = { 0 };
	int i;

	assert_ptr_equal(t, T);
	assert_true(r->n < MAX_ROWS);
	for (i = 0; t->columns[i]; i++) {
		it_buf_reset(&b);
		it_feat_put_val(&b, &vals[i], true);
		assert_true(b.len < 48);
		memcpy(r->cell[r->n][i], b.p, b.len);
		r->cell[r->n][i][b.len] = 0;
	}
	it_buf_free(&b);
	r->n++;
}

/* Cell col of row i. */
static const char *cell(struct rows *r, int i, const char *col)
{
	int c;

	assert_true(i < r->n);
	for (c = 0; T->columns[c]; c++)
		if (!strcmp(T->columns[c], col))
			return r->cell[i][c];
	fail_msg("no column %s", col);
	return NULL;
}

#define CELL(r, i, col, want) assert_string_equal(cell(r, i, col), want)

struct feed {
	void *t;
	struct it_feat_out out;
	struct rows rows;
	const char *subject;
};

static void begin(struct feed *f, double interval_s, double idle_s)
{
	struct it_feat_opts o = { .interval_ns = (uint64_t)(interval_s * S),
				  .idle_ns = (uint64_t)(idle_s * S) };

	memset(f, 0, sizeof(*f));
	f->t = T->create(&o);
	assert_non_null(f->t);
	f->out = (struct it_feat_out){ .row = on_row, .ctx = &f->rows };
	f->subject = "";
}

static void ev(struct feed *f, uint64_t t, uint32_t dev, uint16_t type, const char *code, int32_t v)
{
	struct it_frec r = { .kind = IT_FREC_EVENT, .time_ns = t, .dev = dev, .type = type,
			     .value = v, .code = code, .subject = f->subject };

	T->feed(f->t, &r, &f->out);
}

/* A key event and its SYN_REPORT. */
static void k(struct feed *f, uint64_t t, uint32_t dev, const char *code, int32_t v)
{
	ev(f, t, dev, EV_KEY, code, v);
	ev(f, t, dev, EV_SYN, "SYN_REPORT", 0);
}

/* A press at t and its release 50 ms later. */
static void tap(struct feed *f, uint64_t t, uint32_t dev, const char *code)
{
	k(f, t, dev, code, 1);
	k(f, t + 50 * MS, dev, code, 0);
}

static void end(struct feed *f)
{
	T->finish(f->t, &f->out);
	T->destroy(f->t);
}

/* Window 10 s, idle 5 s. Window [0,10): presses at 1.0, 1.2 (letters) and 1.5
 * (Backspace), each released 50 ms later; the next input is at 12.0, 10.45 s after
 * the last (1.55): that tail is idle. Window [10,20): idle from 10 to 12, then 50 ms
 * active; the time after the last release is unknown at the end: neither. */
static void test_two_windows(void **state)
{
	struct feed f;

	begin(&f, 10, 5);
	tap(&f, 1 * S, 1, "KEYCLASS_LETTER");
	tap(&f, 1200 * MS, 1, "KEYCLASS_LETTER");
	tap(&f, 1500 * MS, 1, "KEYCLASS_EDITING");
	assert_int_equal(f.rows.n, 0);
	tap(&f, 12 * S, 1, "KEYCLASS_LETTER");
	assert_int_equal(f.rows.n, 1);	/* written when the next input passed its end */
	end(&f);
	assert_int_equal(f.rows.n, 2);
	CELL(&f.rows, 0, "dev", "1");
	CELL(&f.rows, 0, "subject", "null");
	CELL(&f.rows, 0, "start_ns", "0");
	CELL(&f.rows, 0, "end_ns", "10000000000");
	CELL(&f.rows, 0, "presses", "3");
	CELL(&f.rows, 0, "presses_letter", "2");
	CELL(&f.rows, 0, "presses_editing", "1");
	CELL(&f.rows, 0, "presses_modifier", "0");
	CELL(&f.rows, 0, "active_s", "0.550");	/* 1.0 .. 1.55 */
	CELL(&f.rows, 0, "idle_s", "8.450");	/* 1.55 .. 10 */
	CELL(&f.rows, 0, "iki_median_ms", "250.000");	/* 200 and 300 */
	CELL(&f.rows, 0, "iki_mean_ms", "250.000");
	CELL(&f.rows, 0, "correction_ratio", "0.333");
	CELL(&f.rows, 0, "rollover_ratio", "0.000");
	CELL(&f.rows, 0, "wpm", "43.636");	/* 2 letters / 5 over 0.55 s */
	CELL(&f.rows, 0, "clicks", "0");
	CELL(&f.rows, 1, "start_ns", "10000000000");
	CELL(&f.rows, 1, "presses", "1");
	CELL(&f.rows, 1, "idle_s", "2.000");
	CELL(&f.rows, 1, "active_s", "0.050");
	CELL(&f.rows, 1, "iki_median_ms", "null");	/* 10.5 s since the last press: > idle */
	CELL(&f.rows, 1, "correction_ratio", "0.000");
}

/* Idle 5 s: a gap of exactly 5 s is active, one 1 µs longer idle. */
static void test_idle_threshold(void **state)
{
	struct feed f;

	begin(&f, 60, 5);
	k(&f, 1 * S, 1, "KEY_LEFTSHIFT", 1);
	k(&f, 6 * S, 1, "KEY_LEFTSHIFT", 0);		/* 5.000000 s later */
	k(&f, 11 * S + 1000, 1, "KEY_LEFTSHIFT", 1);	/* 5.000001 s later */
	end(&f);
	assert_int_equal(f.rows.n, 1);
	CELL(&f.rows, 0, "active_s", "5.000");
	CELL(&f.rows, 0, "idle_s", "5.000");
	CELL(&f.rows, 0, "presses", "2");
	CELL(&f.rows, 0, "presses_modifier", "2");
	CELL(&f.rows, 0, "iki_median_ms", "null");	/* 10.000001 s: > idle */
	CELL(&f.rows, 0, "wpm", "0.000");

	/* which one is which: one more microsecond of gap is idle, not active */
	begin(&f, 60, 5);
	k(&f, 1 * S, 1, "KEY_LEFTSHIFT", 1);
	k(&f, 6 * S + 1000, 1, "KEY_LEFTSHIFT", 0);
	end(&f);
	CELL(&f.rows, 0, "active_s", "0.000");
	CELL(&f.rows, 0, "idle_s", "5.000");
	begin(&f, 60, 5);
	k(&f, 1 * S, 1, "KEY_LEFTSHIFT", 1);
	k(&f, 6 * S, 1, "KEY_LEFTSHIFT", 0);
	end(&f);
	CELL(&f.rows, 0, "active_s", "5.000");
	CELL(&f.rows, 0, "idle_s", "0.000");
}

static void rel(struct feed *f, uint64_t t, const char *code, int32_t v)
{
	ev(f, t, 2, EV_REL, code, v);
}

static void syn(struct feed *f, uint64_t t, uint32_t dev)
{
	ev(f, t, dev, EV_SYN, "SYN_REPORT", 0);
}

/* A high-resolution mouse (dev 2): one notch is REL_WHEEL_HI_RES 120 and REL_WHEEL 1
 * in one frame: one tick, not two; half notches count half. A legacy wheel (dev 3)
 * counts its steps. Motion 3,4 is 5 units; buttons: BTN_LEFT pressed twice is two
 * clicks, BTN_TOUCH is none. */
static void test_wheel_pointer_clicks(void **state)
{
	struct feed f;

	begin(&f, 60, 180);
	rel(&f, 1 * S, "REL_WHEEL", 1);
	rel(&f, 1 * S, "REL_WHEEL_HI_RES", 120);
	syn(&f, 1 * S, 2);
	rel(&f, 2 * S, "REL_WHEEL_HI_RES", -60);
	syn(&f, 2 * S, 2);
	rel(&f, 3 * S, "REL_WHEEL_HI_RES", -60);
	rel(&f, 3 * S, "REL_WHEEL", -1);
	rel(&f, 3 * S, "REL_HWHEEL_HI_RES", 240);
	rel(&f, 3 * S, "REL_HWHEEL", 2);
	syn(&f, 3 * S, 2);
	rel(&f, 4 * S, "REL_X", 3);
	rel(&f, 4 * S, "REL_Y", 4);
	syn(&f, 4 * S, 2);
	rel(&f, 5 * S, "REL_X", -6);
	rel(&f, 5 * S, "REL_Y", 8);	/* the frame ends at the next time, without SYN */
	k(&f, 6 * S, 2, "BTN_LEFT", 1);
	k(&f, 6 * S + 100 * MS, 2, "BTN_LEFT", 0);
	k(&f, 7 * S, 2, "BTN_LEFT", 1);
	k(&f, 7 * S + 100 * MS, 2, "BTN_LEFT", 0);
	k(&f, 8 * S, 2, "BTN_TOUCH", 1);
	ev(&f, 9 * S, 3, EV_REL, "REL_WHEEL", -3);
	syn(&f, 9 * S, 3);
	end(&f);
	assert_int_equal(f.rows.n, 2);
	CELL(&f.rows, 0, "dev", "2");
	CELL(&f.rows, 0, "scroll_ticks", "4.000");	/* 1 + 0.5 + 0.5 + 2 */
	CELL(&f.rows, 0, "pointer_distance", "15.000");	/* 5 + 10 */
	CELL(&f.rows, 0, "clicks", "2");
	CELL(&f.rows, 0, "presses", "0");
	CELL(&f.rows, 0, "iki_median_ms", "null");
	CELL(&f.rows, 0, "correction_ratio", "null");	/* no press */
	CELL(&f.rows, 0, "active_s", "7.000");		/* 1 .. 8 */
	CELL(&f.rows, 1, "dev", "3");
	CELL(&f.rows, 1, "scroll_ticks", "3.000");
}

/* --keys raw: "Hello" with Shift, an overlap, autorepeat, Backspace, Delete, Insert.
 * Shift down, H down/up, Shift up; E down, L down (E still down: rollover), E up,
 * L up; L pressed with 3 autorepeats; O; Backspace, Delete, Insert. */
static void test_raw_keys(void **state)
{
	struct feed f;

	begin(&f, 60, 180);
	k(&f, 1000 * MS, 1, "KEY_LEFTSHIFT", 1);
	k(&f, 1100 * MS, 1, "KEY_H", 1);
	k(&f, 1150 * MS, 1, "KEY_H", 0);
	k(&f, 1160 * MS, 1, "KEY_LEFTSHIFT", 0);
	k(&f, 1300 * MS, 1, "KEY_E", 1);
	k(&f, 1400 * MS, 1, "KEY_L", 1);
	k(&f, 1420 * MS, 1, "KEY_E", 0);
	k(&f, 1450 * MS, 1, "KEY_L", 0);
	k(&f, 1600 * MS, 1, "KEY_L", 1);
	k(&f, 2100 * MS, 1, "KEY_L", 2);
	k(&f, 2133 * MS, 1, "KEY_L", 2);
	k(&f, 2166 * MS, 1, "KEY_L", 2);
	k(&f, 2200 * MS, 1, "KEY_L", 0);
	tap(&f, 2400 * MS, 1, "KEY_O");
	tap(&f, 2700 * MS, 1, "KEY_BACKSPACE");
	tap(&f, 3000 * MS, 1, "KEY_DELETE");
	tap(&f, 3300 * MS, 1, "KEY_INSERT");
	end(&f);
	assert_int_equal(f.rows.n, 1);
	CELL(&f.rows, 0, "presses", "9");	/* autorepeats are no presses */
	CELL(&f.rows, 0, "presses_modifier", "1");
	CELL(&f.rows, 0, "presses_letter", "5");
	CELL(&f.rows, 0, "presses_editing", "3");
	CELL(&f.rows, 0, "correction_ratio", "0.222");	/* Backspace, Delete: 2 / 9 */
	CELL(&f.rows, 0, "rollover_ratio", "0.125");	/* L under E: 1 of 8 non-modifiers */
	/* press to press: 100 200 100 200 800 300 300 300 ms */
	CELL(&f.rows, 0, "iki_median_ms", "250.000");
	CELL(&f.rows, 0, "iki_mean_ms", "287.500");
	CELL(&f.rows, 0, "active_s", "2.350");		/* 1.0 .. 3.35 */
	CELL(&f.rows, 0, "idle_s", "0.000");
	CELL(&f.rows, 0, "wpm", "25.532");		/* 5 letters / 5 over 2.35 s */
}

/* Two devices and two subjects in one window: a row each, in the order first seen. A
 * gap (loss, pause) ends rollover and inter-key intervals: a key still down before it
 * is forgotten. */
static void test_devices_subjects_gap(void **state)
{
	struct it_frec g = { .kind = IT_FREC_GAP };
	struct feed f;

	begin(&f, 60, 180);
	f.subject = "0123456789abcdef0123456789abcdef";
	k(&f, 1 * S, 1, "KEYCLASS_LETTER", 1);		/* held over the gap */
	T->feed(f.t, &g, &f.out);
	k(&f, 2 * S, 1, "KEYCLASS_LETTER", 1);		/* no rollover, no interval */
	k(&f, 2 * S + 10 * MS, 1, "KEYCLASS_LETTER", 0);
	k(&f, 2 * S + 20 * MS, 2, "KEYCLASS_DIGIT", 1);
	f.subject = "fedcba9876543210fedcba9876543210";
	tap(&f, 3 * S, 1, "KEYCLASS_WHITESPACE");
	tap(&f, 3 * S + 500 * MS, 1, "KEYCLASS_WHITESPACE");
	end(&f);
	assert_int_equal(f.rows.n, 3);
	CELL(&f.rows, 0, "subject", "\"0123456789abcdef0123456789abcdef\"");
	CELL(&f.rows, 0, "dev", "1");
	CELL(&f.rows, 0, "presses", "2");
	CELL(&f.rows, 0, "rollover_ratio", "0.000");
	CELL(&f.rows, 0, "iki_median_ms", "null");
	CELL(&f.rows, 0, "active_s", "0.010");		/* the second 1 s is across the gap */
	CELL(&f.rows, 1, "dev", "2");
	CELL(&f.rows, 1, "presses_digit", "1");
	CELL(&f.rows, 2, "subject", "\"fedcba9876543210fedcba9876543210\"");
	CELL(&f.rows, 2, "dev", "1");
	CELL(&f.rows, 2, "presses_whitespace", "2");
	CELL(&f.rows, 2, "iki_median_ms", "500.000");
}

/* When rows are written: a window whose end has passed is written at another
 * device's event once its last input is more than --idle ago (its tail idle), and a
 * removed device's window at its removal. */
static void test_written_when(void **state)
{
	struct it_frec rm = { .kind = IT_FREC_DEVICE, .dev = 2, .action = "remove" };
	struct it_frec add = { .kind = IT_FREC_DEVICE, .dev = 2, .action = "present" };
	struct feed f;

	begin(&f, 10, 5);
	T->feed(f.t, &add, &f.out);
	tap(&f, 1 * S, 1, "KEYCLASS_LETTER");
	tap(&f, 2 * S, 2, "KEYCLASS_LETTER");
	tap(&f, 6 * S, 3, "KEYCLASS_LETTER");	/* dev 1's window still open */
	assert_int_equal(f.rows.n, 0);
	T->feed(f.t, &rm, &f.out);
	assert_int_equal(f.rows.n, 1);
	CELL(&f.rows, 0, "dev", "2");
	CELL(&f.rows, 0, "idle_s", "0.000");	/* removed: the tail is not known */
	tap(&f, 10500 * MS, 4, "KEYCLASS_LETTER");	/* past 10, dev 1's last input 9.45 s ago */
	assert_int_equal(f.rows.n, 2);
	CELL(&f.rows, 1, "dev", "1");
	CELL(&f.rows, 1, "active_s", "0.050");
	CELL(&f.rows, 1, "idle_s", "8.950");
	/* dev 3: 6.05 .. 10.5 is 4.45 s, within idle: its window waits for its tail, and
	 * is written once an event is more than 5 s after 6.05 */
	tap(&f, 11100 * MS, 4, "KEYCLASS_LETTER");
	assert_int_equal(f.rows.n, 3);
	CELL(&f.rows, 2, "dev", "3");
	CELL(&f.rows, 2, "active_s", "0.050");
	CELL(&f.rows, 2, "idle_s", "3.950");	/* 6.05 .. 10 */
	end(&f);
	assert_int_equal(f.rows.n, 4);
	CELL(&f.rows, 3, "dev", "4");
	CELL(&f.rows, 3, "start_ns", "10000000000");
	CELL(&f.rows, 3, "active_s", "0.650");	/* 10.5 .. 11.15 */
	CELL(&f.rows, 3, "iki_median_ms", "600.000");
}

/* Two letters 0.1 ms apart: active_s prints 0.000 and wpm is empty (under 1 ms active
 * a rate is noise: it was 240000); 1 ms active is enough for one (2 / 5 / (1/60000)). */
static void test_wpm_under_1ms(void **state)
{
	struct feed f;

	begin(&f, 60, 5);
	k(&f, 1 * S, 1, "KEY_A", 1);
	k(&f, 1 * S + 100000, 1, "KEY_B", 1);
	k(&f, 2 * S, 2, "KEY_A", 1);
	k(&f, 2 * S + MS, 2, "KEY_B", 1);
	end(&f);
	assert_int_equal(f.rows.n, 2);
	CELL(&f.rows, 0, "dev", "1");
	CELL(&f.rows, 0, "active_s", "0.000");
	CELL(&f.rows, 0, "presses_letter", "2");
	CELL(&f.rows, 0, "wpm", "null");
	CELL(&f.rows, 1, "dev", "2");
	CELL(&f.rows, 1, "active_s", "0.001");
	CELL(&f.rows, 1, "wpm", "24000.000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_windows),
		cmocka_unit_test(test_idle_threshold),
		cmocka_unit_test(test_wheel_pointer_clicks),
		cmocka_unit_test(test_raw_keys),
		cmocka_unit_test(test_devices_subjects_gap),
		cmocka_unit_test(test_written_when),
		cmocka_unit_test(test_wpm_under_1ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
