// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_stage_intervals.c - --record intervals through the collector
 * (userspace/stage_intervals.c): the same records go once through the raw writer and
 * once through the intervals stage. The intervals run writes header, device, loss,
 * pause and stats records and no event record; its interval records equal, byte for
 * byte, the rows of the intervals table fed from the raw run's JSON Lines (as
 * `inputtrace features intervals` reads a capture): same code names, microsecond
 * times, gaps at the loss and the pause (features_read.c's reader). CSV gets the rows as long lines, no events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "collector.h"
#include "feat_intervals.h"
#include "finish.h"
#include "flags.h"
#include "keyclass.h"
#include "slurp.h"
#include "stage_intervals.h"
#include "tmpdir.h"

#define S 1000000000ull
#define MS 1000000ull

static char path[96];

/* The output file, in a fresh directory (tmpdir.h). */
static int setup(void **state)
{
	tmpdir_setup(state);
	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	return 0;
}

static void dev_rec(struct it_collector *c, uint16_t kind, uint32_t id, const char *name)
{
	struct it_device_rec r = { .hdr = { .kind = kind, .dev = id } };

	snprintf(r.info.name, sizeof(r.info.name), "%s", name);
	snprintf(r.info.sysname, sizeof(r.info.sysname), "input%u", id);
	it_collector_on_record(c, &r, sizeof(r));
}

static void ev(struct it_collector *c, uint32_t dev, uint64_t t, uint16_t type, uint16_t code,
	       int32_t v, uint32_t lost_before)
{
	/* 789 ns past the microsecond: the JSON has microseconds only */
	struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = dev }, .mono_ns = t + 789,
			      .type = type, .code = code, .value = v, .lost_before = lost_before,
			      .lost_dev = lost_before ? dev : 0 };

	it_collector_on_record(c, &e, sizeof(e));
}

static void key(struct it_collector *c, uint32_t dev, uint64_t t, uint16_t code, int32_t v)
{
	ev(c, dev, t, EV_KEY, code, v, 0);
	ev(c, dev, t, EV_SYN, SYN_REPORT, 0, 0);
}

/* One capture: typing (classes, Backspace, autorepeat, an overlap) over two windows of
 * 10 s and idle 5 s, a mouse (motion, hi-res and legacy wheel, clicks), a loss, a
 * pause, the mouse removed. */
static void capture(const char *flags, bool intervals)
{
	static struct it_collector c;
	struct it_ctl_req req = { .via = "signal", .user = "root" };
	struct it_stage *st = NULL;
	struct it_sink_cfg cfg;
	struct it_sink *sink;
	struct it_opts o;
	char line[256], err[256];
	int i;

	snprintf(line, sizeof(line), "-o %s %s", path, flags);
	parse_flags(line, &o);
	it_sink_cfg_from_opts(&cfg, &o);
	sink = it_sink_open_cfg(&cfg, err, sizeof(err));
	assert_non_null(sink);
	assert_int_equal(it_collector_init(&c, &o, sink, "/nonexistent"), 0);
	if (intervals) {
		st = it_stage_intervals_new(&o);
		assert_non_null(st);
		assert_int_equal(it_stage_intervals_use(&c, st), 0);
	}
	dev_rec(&c, IT_REC_DEVICE_ADD, 3, "kbd");
	dev_rec(&c, IT_REC_DEVICE_ADD, 4, "mouse, \"wireless\"");
	for (i = 0; i < 6; i++)
		key(&c, 3, 1 * S + i * 180 * MS, i == 4 ? KEY_BACKSPACE : IT_KC_LETTER, 1),
		key(&c, 3, 1 * S + i * 180 * MS + 90 * MS, i == 4 ? KEY_BACKSPACE : IT_KC_LETTER, 0);
	key(&c, 3, 3 * S, KEY_LEFTSHIFT, 1);
	key(&c, 3, 3 * S + 100 * MS, IT_KC_LETTER, 1);
	key(&c, 3, 3 * S + 150 * MS, IT_KC_DIGIT, 1);		/* rollover */
	key(&c, 3, 3 * S + 650 * MS, IT_KC_DIGIT, 2);		/* autorepeat */
	key(&c, 3, 3 * S + 700 * MS, IT_KC_LETTER, 0);
	key(&c, 3, 3 * S + 720 * MS, IT_KC_DIGIT, 0);
	key(&c, 3, 3 * S + 800 * MS, KEY_LEFTSHIFT, 0);
	ev(&c, 4, 4 * S, EV_REL, REL_X, 30, 0);
	ev(&c, 4, 4 * S, EV_REL, REL_Y, -40, 0);
	ev(&c, 4, 4 * S, EV_REL, REL_WHEEL, 1, 0);
	ev(&c, 4, 4 * S, EV_REL, REL_WHEEL_HI_RES, 120, 0);
	ev(&c, 4, 4 * S, EV_SYN, SYN_REPORT, 0, 0);
	key(&c, 4, 5 * S, BTN_LEFT, 1);
	key(&c, 4, 5 * S + 80 * MS, BTN_LEFT, 0);
	ev(&c, 3, 6 * S, EV_KEY, IT_KC_LETTER, 1, 12);	/* 12 events lost before it */
	ev(&c, 3, 6 * S, EV_SYN, SYN_REPORT, 0, 0);
	key(&c, 3, 6 * S + 70 * MS, IT_KC_LETTER, 0);
	it_collector_control(&c, true, &req, 7 * S, 0);
	if (intervals)
		it_stage_intervals_pause(&c);
	it_collector_control(&c, false, &req, 8 * S, 0);
	if (intervals)
		it_stage_intervals_pause(&c);
	key(&c, 3, 12 * S, IT_KC_WHITESPACE, 1);
	key(&c, 3, 12 * S + 60 * MS, IT_KC_WHITESPACE, 0);
	key(&c, 4, 12 * S + 500 * MS, BTN_RIGHT, 1);
	dev_rec(&c, IT_REC_DEVICE_DEL, 4, "mouse");
	key(&c, 3, 13 * S, IT_KC_LETTER, 1);
	key(&c, 3, 13 * S + 200 * MS, IT_KC_LETTER, 1);
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	it_collector_free(&c);
	it_sink_free(sink);
	it_stage_intervals_free(st);
}

static void on_row(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *vals)
{
	struct it_buf *b = ctx;
	int i;

	it_buf_puts(b, "{\"record\":\"interval\"");
	for (i = 0; t->columns[i]; i++) {
		it_json_key(b, t->columns[i]);
		it_feat_put_val(b, &vals[i], true);
	}
	it_buf_puts(b, "}\n");
}

/* The intervals table's rows over the JSON Lines capture text as the features command
 * reads a capture (features_read.c), as interval records. */
static void table_of_capture(char *text, const struct it_feat_opts *fo, struct it_buf *out)
{
	const struct it_feat_table_ops *t = &it_feat_intervals;
	struct it_feat_out fout = { .row = on_row, .ctx = out };
	struct it_feat_reader rd = { .t = t, .state = t->create(fo), .out = &fout };
	char *line, *save = NULL;
	uint64_t n = 0;

	assert_non_null(rd.state);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		assert_int_equal(it_feat_read_line(&rd, line, strlen(line), "capture", ++n), 0);
	t->finish(rd.state, &fout);
	t->destroy(rd.state);
	it_feat_reader_free(&rd);
	it_buf_putc(out, 0);
}

/* The lines of text that start with prefix, concatenated. */
static void lines_with(const char *text, const char *prefix, struct it_buf *out)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (!strncmp(p, prefix, strlen(prefix)))
			it_buf_put(out, p, n);
		p += n;
	}
	it_buf_putc(out, 0);
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text++)
		n++;
	return n;
}

static void test_live_equals_table(void **state)
{
	struct it_feat_opts fo = { .interval_ns = 10 * S, .idle_ns = 5 * S };
	struct it_buf want = { 0 }, got = { 0 };
	char *text;

	capture("", false);
	text = slurp(path);
	assert_true(count(text, "{\"record\":\"event\"") > 50);
	table_of_capture(text, &fo, &want);
	unlink(path);

	capture("--record intervals --interval 10 --idle 5", true);
	text = slurp(path);
	assert_int_equal(count(text, "{\"record\":\"event\""), 0);
	assert_int_equal(count(text, "\"record\":\"header\""), 1);
	assert_non_null(strstr(text, "\"record_mode\":\"intervals\",\"interval\":10,\"idle\":5,"));
	assert_int_equal(count(text, "{\"record\":\"device\""), 3);	/* 2 add, 1 remove */
	assert_int_equal(count(text, "{\"record\":\"loss\",\"count\":12,\"dev\":3}"), 1);
	assert_int_equal(count(text, "{\"record\":\"pause\""), 1);
	assert_int_equal(count(text, "{\"record\":\"stats\""), 1);
	lines_with(text, "{\"record\":\"interval\"", &got);
	/* kbd [0,10) [10,20), mouse [0,10) [10,20) (at its removal) */
	assert_int_equal(count(got.p, "\n"), 4);
	assert_string_equal(got.p, want.p);
	/* a few cells worked out by hand: kbd's first window */
	assert_non_null(strstr(got.p, "{\"record\":\"interval\",\"dev\":3,\"subject\":null,"
				      "\"start_ns\":0,\"end_ns\":10000000000,\"presses\":10,"
				      "\"presses_letter\":7,\"presses_digit\":1,"));
	assert_non_null(strstr(got.p, "\"dev\":4,\"subject\":null,\"start_ns\":0,"
				      "\"end_ns\":10000000000,\"presses\":0,"));
	assert_non_null(strstr(got.p, "\"clicks\":1,\"scroll_ticks\":1.000,\"pointer_distance\":50.000,"));
	/* the events' count is still in the stats: 10 keys and their SYN each ... */
	assert_non_null(strstr(text, "\"events_out\":"));
	it_buf_free(&want);
	it_buf_free(&got);
}

static void test_csv_long_lines(void **state)
{
	char *text;

	capture("--format csv --record intervals --interval 10 --idle 5", true);
	text = slurp(path);
	assert_int_equal(count(text, "\nevent,"), 0);
	assert_int_equal(strncmp(text, "record,dev,device,sec,usec,time,type,code,value\n", 48), 0);
	/* 4 rows, each of its 26 columns but dev and subject */
	assert_int_equal(count(text, "\ninterval,"), 4 * 24);
	assert_non_null(strstr(text, "\ninterval,3,kbd,0,0,,,presses,10\n"));
	assert_non_null(strstr(text, "\ninterval,3,kbd,10,0,,,start_ns,10000000000\n"));
	assert_non_null(strstr(text, "\ninterval,4,\"mouse, \"\"wireless\"\"\",0,0,,,clicks,1\n"));
	assert_non_null(strstr(text, "\ninterval,4,\"mouse, \"\"wireless\"\"\",0,0,,,iki_median_ms,\n"));
	assert_non_null(strstr(text, "\nloss,,,,,,,,12\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_equals_table, setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_csv_long_lines, setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
