// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_feat_keystrokes.c - the keystrokes table (userspace/feat_keystrokes.c) and the
 * capture reader (features_read.c) on hand-made captures whose rows are written out
 * here: overlapping keys, autorepeat, buttons, a key held across a file boundary, a
 * device removed while keys are down, keys of one class down together, gaps, a new run;
 * every capture also cut into rotated files at every line gives the same rows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "feat_run.h"

#define HEAD "dev,subject,press_ns,release_ns,code,hold_ms,dd_ms,ud_ms,repeats\n"

static int setup(void **state)
{
	fr_reset();
	return 0;
}

/* KEY_H and KEY_I overlap; KEY_I autorepeats twice (the kernel's frames: value 2,
 * SYN_REPORT 1); a mouse's button is not a key; times to the microsecond. */
static void test_overlap_autorepeat(void **state)
{
	fr_key(3, 1000000, "KEY_H", 1);
	fr_key(3, 1100000, "KEY_I", 1);
	fr_key(5, 1120000, "BTN_LEFT", 1);
	fr_key(3, 1150000, "KEY_H", 0);
	fr_key(5, 1180000, "BTN_LEFT", 0);
	fr_ev(3, 1600000, "EV_KEY", "KEY_I", 2);
	fr_ev(3, 1600000, "EV_SYN", "SYN_REPORT", 1);
	fr_ev(3, 1633000, "EV_KEY", "KEY_I", 2);
	fr_ev(3, 1633000, "EV_SYN", "SYN_REPORT", 1);
	fr_key(3, 1700000, "KEY_I", 0);
	fr_key(3, 2000123, "KEY_LEFTSHIFT", 1);
	fr_key(3, 2000124, "KEY_LEFTSHIFT", 0);
	assert_string_equal(fr_run("keystrokes"),
		"3,,1000000000,1150000000,KEY_H,150.000,,,0\n"
		"3,,1100000000,1700000000,KEY_I,600.000,100.000,-50.000,2\n"
		"3,,2000123000,2000124000,KEY_LEFTSHIFT,0.001,900.123,300.123,0\n");
	fr_check_chunking("keystrokes");
}

/* KEY_A is held across a rotation; rows stay in press order behind it. */
static void test_file_boundary(void **state)
{
	size_t cut;
	const char *want =
		"3,,5000000000,6000000000,KEY_A,1000.000,,,0\n"
		"4,,5100000000,5200000000,KEY_B,100.000,,,0\n"
		"4,,5300000000,5350000000,KEY_C,50.000,200.000,100.000,0\n";

	fr_device(3, "present");
	fr_device(4, "present");
	fr_key(3, 5000000, "KEY_A", 1);
	fr_key(4, 5100000, "KEY_B", 1);
	fr_key(4, 5200000, "KEY_B", 0);
	fr_key(4, 5300000, "KEY_C", 1);
	fr_key(4, 5350000, "KEY_C", 0);
	cut = fr_cap.n;
	fr_key(3, 6000000, "KEY_A", 0);
	assert_string_equal(fr_run("keystrokes"), want);
	assert_string_equal(fr_run_cut("keystrokes", &cut, 1), want);
	fr_check_chunking("keystrokes");
}

/* Device 6 goes away with KEY_B and KEY_N down: the kernel's release frame (SYN_REPORT
 * value 1) is not the person's, so no release time. Device 7 goes with no such frame.
 * Device 6 comes back: its first press has no previous one. */
static void test_device_removed(void **state)
{
	fr_device(6, "add");
	fr_key(6, 7000000, "KEY_B", 1);
	fr_key(6, 7100000, "KEY_N", 1);
	fr_ev(6, 7500000, "EV_KEY", "KEY_B", 0);
	fr_ev(6, 7500000, "EV_KEY", "KEY_N", 0);
	fr_ev(6, 7500000, "EV_SYN", "SYN_REPORT", 1);
	fr_device(6, "remove");
	fr_device(7, "add");
	fr_key(7, 8000000, "KEY_X", 1);
	fr_device(7, "remove");
	fr_device(6, "add");
	fr_key(6, 9000000, "KEY_Y", 1);
	fr_key(6, 9050000, "KEY_Y", 0);
	assert_string_equal(fr_run("keystrokes"),
		"6,,7000000000,,KEY_B,,,,0\n"
		"6,,7100000000,,KEY_N,,100.000,,0\n"
		"7,,8000000000,,KEY_X,,,,0\n"
		"6,,9000000000,9050000000,KEY_Y,50.000,,,0\n");
	fr_check_chunking("keystrokes");
}

/* --keys class: two letters down together, released first pressed first; a loss
 * record: no interval across it; the subject of each press. */
static void test_classes_gap(void **state)
{
	fr_subject = "0123456789abcdef0123456789abcdef";
	fr_key(3, 1000000, "KEYCLASS_LETTER", 1);
	fr_key(3, 1050000, "KEYCLASS_LETTER", 1);
	fr_key(3, 1100000, "KEYCLASS_LETTER", 0);
	fr_key(3, 1200000, "KEYCLASS_LETTER", 0);
	fr_line("{\"record\":\"loss\",\"count\":12}");
	fr_key(3, 1300000, "KEYCLASS_WHITESPACE", 1);
	fr_key(3, 1350000, "KEYCLASS_WHITESPACE", 0);
	assert_string_equal(fr_run("keystrokes"),
		"3,0123456789abcdef0123456789abcdef,1000000000,1100000000,KEYCLASS_LETTER,100.000,,,0\n"
		"3,0123456789abcdef0123456789abcdef,1050000000,1200000000,KEYCLASS_LETTER,150.000,50.000,-50.000,0\n"
		"3,0123456789abcdef0123456789abcdef,1300000000,1350000000,KEYCLASS_WHITESPACE,50.000,,,0\n");
	fr_check_chunking("keystrokes");
}

/* A key pressed again without a release (lost in a pause) ends without one; a new
 * run of the agent (a header of file_seq 1) ends the keys still down. */
static void test_lost_release_new_run(void **state)
{
	fr_key(3, 1000000, "KEY_Q", 1);
	fr_line("{\"record\":\"pause\",\"sec\":1,\"usec\":100000,\"via\":\"socket\",\"uid\":0}");
	fr_line("{\"record\":\"resume\",\"sec\":1,\"usec\":900000,\"via\":\"socket\",\"uid\":0}");
	fr_key(3, 2000000, "KEY_Q", 1);
	fr_key(3, 2100000, "KEY_Q", 0);
	fr_key(3, 3000000, "KEY_W", 1);
	fr_line("{\"record\":\"header\",\"schema\":1,\"file_seq\":1}");
	fr_key(3, 50000, "KEY_E", 1);
	fr_key(3, 60000, "KEY_E", 0);
	assert_string_equal(fr_run("keystrokes"),
		"3,,1000000000,,KEY_Q,,,,0\n"
		"3,,2000000000,2100000000,KEY_Q,100.000,,,0\n"
		"3,,3000000000,,KEY_W,,1000.000,900.000,0\n"
		"3,,50000000,60000000,KEY_E,10.000,,,0\n");
	fr_check_chunking("keystrokes");
}

/* A key held while 3000 others are typed: every row waits behind it (the queue grows
 * past its first 1024 rows), then all come out in press order. */
static void test_long_hold(void **state)
{
	const struct it_feat_table_ops *t = it_feat_table_find("keystrokes");
	struct it_buf out = { 0 };
	struct it_feat_out o = { .row = fr_row, .ctx = &out };
	struct it_feat_reader rd = { .t = t, .out = &o };
	struct it_feat_opts opts;
	char line[256];
	const char *p, *want;
	size_t rows = 0;

	it_feat_opts_default(&opts);
	rd.state = t->create(&opts);
	for (int i = 0; i <= 3001; i++) {
		/* i 0: KEY_A down on device 4; 1..3000: KEY_S typed on 3; 3001: KEY_A up */
		unsigned int dev = i == 0 || i == 3001 ? 4 : 3;
		int v;

		for (v = 1; v >= 0; v--) {
			if ((i == 0 && v == 0) || (i == 3001 && v == 1))
				continue;
			snprintf(line, sizeof(line), "{\"record\":\"event\",\"dev\":%u,\"sec\":%d,\"usec\":%d,"
				 "\"type\":\"EV_KEY\",\"code\":\"%s\",\"value\":%d}", dev, 1 + i / 10,
				 (i % 10) * 100000 + (v ? 0 : 50000), dev == 4 ? "KEY_A" : "KEY_S", v);
			fr_feed(&rd, line, (uint64_t)i);
			if (i > 0 && i < 3001 && v == 1)
				assert_int_equal(out.len, 0);	/* held behind KEY_A */
		}
	}
	t->finish(rd.state, &o);
	t->destroy(rd.state);
	it_feat_reader_free(&rd);
	it_buf_putc(&out, 0);
	for (p = out.p; (p = strchr(p, '\n')); p++)
		rows++;
	assert_int_equal(rows, 3001);
	want = "4,,1000000000,301150000000,KEY_A,300150.000,,,0\n"
	       "3,,1100000000,1150000000,KEY_S,50.000,,,0\n"
	       "3,,1200000000,1250000000,KEY_S,50.000,100.000,50.000,0\n";
	assert_memory_equal(out.p, want, strlen(want));
	assert_non_null(strstr(out.p, "\n3,,301000000000,301050000000,KEY_S,50.000,100.000,50.000,0\n"));
	it_buf_free(&out);
}

/* Lines that are not the agent's records: one error naming the file and line. */
static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[1]",
		"{\"record\":\"event\"}",
		"{\"dev\":3}",
		"{\"record\":\"event\",\"dev\":3,\"sec\":1,\"usec\":0,\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1} x",
		"{\"record\":\"event\",\"dev\":3,\"sec\":1,\"usec\":0,\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1.5}",
		"{\"record\":\"event\",\"dev\":3,\"sec\":1,\"usec\":1000000,\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1}",
		"{\"record\":\"event\",\"dev\":-1,\"sec\":1,\"usec\":0,\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1}",
		"{\"record\":\"event\",\"dev\":3,\"sec\":1,\"usec\":0,\"type\":\"EV_NOPE\",\"code\":\"KEY_A\",\"value\":1}",
		"{\"record\":\"device\",\"action\":\"gone\",\"dev\":3}",
		"{\"record\":\"stats\",\"x\":\"\\q\"}",
		"{\"record\":\"stats\",\"x\":01}",
		"{\"record\":\"stats\",\"x\":[1,]}",
		"{\"record\":\"stats\" \"x\":1}",
		"{\"record\":\"stats\",\"x\":tru}",
	};
	static const char *const good[] = {
		"{\"record\":\"focus\",\"app\":{\"n\":[1,2.5e3,-0.5E-2,null,true,false,{}]}}",
		"{\"record\":\"device\",\"action\":\"add\",\"dev\":3,\"name\":\"a\\u00e9\\\"\\n\"}",
		"{\"record\":\"future\"}",
		" {\"record\":\"stats\" , \"events_by_type\":{\"EV_KEY\":3}} ",
	};
	const struct it_feat_table_ops *t = it_feat_table_find("keystrokes");
	struct it_feat_out o = { .row = fr_row };
	struct it_feat_reader rd = { .t = t, .out = &o };
	struct it_feat_opts opts;

	it_feat_opts_default(&opts);
	rd.state = t->create(&opts);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(it_feat_read_line(&rd, bad[i], strlen(bad[i]), "cap.jsonl", 41), -1);
		assert_non_null(strstr(rd.err, "cap.jsonl:41: "));
	}
	/* what the agent writes, and records of later versions, are read */
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(it_feat_read_line(&rd, good[i], strlen(good[i]), "cap.jsonl", 1), 0);
	t->destroy(rd.state);
	it_feat_reader_free(&rd);
}

/* The capture's clock is monotonic per device: an event before its device's previous
 * one is an error naming the line (a release at 9 s after a press at 10 s gave a
 * negative hold); another device, or a new run of the agent, may start earlier. */
static void test_time_backwards(void **state)
{
	static const char *const lines[] = {
		"{\"record\":\"event\",\"dev\":3,\"sec\":10,\"usec\":0,\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1}",
		"{\"record\":\"event\",\"dev\":4,\"sec\":5,\"usec\":0,\"type\":\"EV_KEY\",\"code\":\"KEY_B\",\"value\":1}",
		"{\"record\":\"event\",\"dev\":3,\"sec\":10,\"usec\":0,\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0}",
		"{\"record\":\"event\",\"dev\":3,\"sec\":9,\"usec\":999999,\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":0}",
		"{\"record\":\"header\",\"schema\":1,\"file_seq\":1}",
	};
	const struct it_feat_table_ops *t = it_feat_table_find("keystrokes");
	struct it_buf b = { 0 };
	struct it_feat_out o = { .row = fr_row, .ctx = &b };
	struct it_feat_reader rd = { .t = t, .out = &o };
	struct it_feat_opts opts;

	it_feat_opts_default(&opts);
	rd.state = t->create(&opts);
	for (int i = 0; i < 3; i++)
		assert_int_equal(it_feat_read_line(&rd, lines[i], strlen(lines[i]), "cap.jsonl", i + 1), 0);
	assert_int_equal(it_feat_read_line(&rd, lines[3], strlen(lines[3]), "cap.jsonl", 4), -1);
	assert_string_equal(rd.err, "cap.jsonl:4: time goes backwards (before the device's previous event)");
	/* a new run: its clock may start anywhere */
	assert_int_equal(it_feat_read_line(&rd, lines[4], strlen(lines[4]), "cap.jsonl", 5), 0);
	assert_int_equal(it_feat_read_line(&rd, lines[3], strlen(lines[3]), "cap.jsonl", 6), 0);
	t->finish(rd.state, &o);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "3,,10000000000,,KEY_A,,,,0\n4,,5000000000,,KEY_B,,,,0\n");
	it_buf_free(&b);
	t->destroy(rd.state);
	it_feat_reader_free(&rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_overlap_autorepeat, setup),
		cmocka_unit_test_setup(test_file_boundary, setup),
		cmocka_unit_test_setup(test_device_removed, setup),
		cmocka_unit_test_setup(test_classes_gap, setup),
		cmocka_unit_test_setup(test_lost_release_new_run, setup),
		cmocka_unit_test(test_long_hold),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_time_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
