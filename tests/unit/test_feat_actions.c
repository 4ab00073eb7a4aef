// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_feat_actions.c - the actions table (userspace/feat_actions.c) on hand-made
 * captures whose rows are written out here: double clicks exactly at the interval and
 * distance thresholds and just past them, triple clicks, click versus drag at the drag
 * distance, hi-res and legacy wheel events of one motion, typing bursts at the break
 * gap, shortcuts, touches; each capture cut into rotated files at every line gives the
 * same rows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "feat_run.h"

static int setup(void **state)
{
	fr_reset();
	return 0;
}

static void click(unsigned int dev, uint64_t press, uint64_t release)
{
	fr_key(dev, press, "BTN_LEFT", 1);
	fr_key(dev, release, "BTN_LEFT", 0);
}

static void move(unsigned int dev, uint64_t us, int dx, int dy)
{
	if (dx)
		fr_ev(dev, us, "EV_REL", "REL_X", dx);
	if (dy)
		fr_ev(dev, us, "EV_REL", "REL_Y", dy);
	fr_syn(dev, us);
}

/* Clicks join within 500 ms press to press and 5 units; the 4th starts again. */
static void test_clicks(void **state)
{
	click(5, 1000000, 1050000);
	move(5, 1300000, 3, 4);			/* 5 units: still a double click */
	click(5, 1500000, 1550000);		/* 500 ms after: joins */
	click(5, 3000000, 3050000);
	click(5, 3500001, 3550000);		/* 500.001 ms: two singles */
	click(5, 5000000, 5050000);
	move(5, 5100000, 4, 4);			/* 5.66 units: two singles */
	click(5, 5200000, 5250000);
	click(5, 7000000, 7040000);
	click(5, 7200000, 7240000);
	click(5, 7400000, 7440000);		/* a triple, written at once */
	click(5, 7600000, 7640000);		/* a new single */
	fr_key(5, 9000000, "BTN_LEFT", 1);
	move(5, 9010000, 6, 0);
	move(5, 9020000, 0, 8);			/* 10 units away: not past the drag distance */
	fr_key(5, 9100000, "BTN_LEFT", 0);
	fr_key(5, 11000000, "BTN_LEFT", 1);
	move(5, 11010000, 6, 8);
	move(5, 11020000, 1, 0);		/* sqrt(113): a drag */
	fr_key(5, 11100000, "BTN_LEFT", 0);
	assert_string_equal(fr_run("actions"),
		"5,,click,1000000000,1550000000,550.000,BTN_LEFT,2,,,,,,,\n"
		"5,,click,3000000000,3050000000,50.000,BTN_LEFT,1,,,,,,,\n"
		"5,,click,3500001000,3550000000,49.999,BTN_LEFT,1,,,,,,,\n"
		"5,,click,5000000000,5050000000,50.000,BTN_LEFT,1,,,,,,,\n"
		"5,,click,5200000000,5250000000,50.000,BTN_LEFT,1,,,,,,,\n"
		"5,,click,7000000000,7440000000,440.000,BTN_LEFT,3,,,,,,,\n"
		"5,,click,7600000000,7640000000,40.000,BTN_LEFT,1,,,,,,,\n"
		"5,,click,9000000000,9100000000,100.000,BTN_LEFT,1,,,,,,,\n"
		"5,,drag,11000000000,11100000000,100.000,BTN_LEFT,,,10.630,,,,,\n");
	fr_check_chunking("actions");
}

/* Device 8 sends REL_WHEEL_HI_RES and REL_WHEEL for one motion: counted once; a
 * half notch of hi-res alone counts; a legacy-only frame on it is not counted again.
 * Device 9 has only the legacy wheel; frames 500 ms apart join, further do not. */
static void test_scroll(void **state)
{
	for (uint64_t t = 1000000; t <= 1040000; t += 20000) {
		fr_ev(8, t, "EV_REL", "REL_WHEEL_HI_RES", -120);
		fr_ev(8, t, "EV_REL", "REL_WHEEL", -1);
		fr_syn(8, t);
	}
	fr_ev(8, 3000000, "EV_REL", "REL_WHEEL_HI_RES", 60);
	fr_syn(8, 3000000);
	fr_ev(8, 3010000, "EV_REL", "REL_WHEEL", 1);	/* the legacy notch first this time */
	fr_ev(8, 3010000, "EV_REL", "REL_WHEEL_HI_RES", 60);
	fr_syn(8, 3010000);
	fr_ev(8, 3020000, "EV_REL", "REL_WHEEL", 1);
	fr_syn(8, 3020000);
	fr_ev(9, 5000000, "EV_REL", "REL_WHEEL", 1);
	fr_syn(9, 5000000);
	fr_ev(9, 5300000, "EV_REL", "REL_WHEEL", 1);
	fr_syn(9, 5300000);
	fr_ev(9, 5800000, "EV_REL", "REL_WHEEL", 1);
	fr_syn(9, 5800000);
	fr_ev(9, 6300001, "EV_REL", "REL_WHEEL", 1);
	fr_ev(9, 6300001, "EV_REL", "REL_HWHEEL", -2);
	fr_syn(9, 6300001);
	assert_string_equal(fr_run("actions"),
		"8,,scroll,1000000000,1040000000,40.000,,,-3.000,,,,,,vertical\n"
		"8,,scroll,3000000000,3010000000,10.000,,,1.000,,,,,,vertical\n"
		"9,,scroll,5000000000,5800000000,800.000,,,3.000,,,,,,vertical\n"
		"9,,scroll,6300001000,6300001000,0.000,,,1.000,,,,,,vertical\n"
		"9,,scroll,6300001000,6300001000,0.000,,,-2.000,,,,,,horizontal\n");
	fr_check_chunking("actions");
}

/* Bursts break after more than 2 s without a press; Backspace is a correction, an
 * autorepeat not a press; Ctrl+S is a shortcut and not a typed character. */
static void test_typing_shortcut(void **state)
{
	fr_key(3, 1000000, "KEY_H", 1);
	fr_key(3, 1150000, "KEY_I", 1);
	fr_key(3, 1300000, "KEY_SPACE", 1);
	fr_key(3, 1450000, "KEY_BACKSPACE", 1);
	fr_ev(3, 1500000, "EV_KEY", "KEY_BACKSPACE", 2);
	fr_ev(3, 1500000, "EV_SYN", "SYN_REPORT", 1);
	fr_key(3, 1550000, "KEY_BACKSPACE", 0);
	fr_key(3, 1600000, "KEY_X", 1);
	fr_key(3, 3600000, "KEY_Y", 1);		/* 2 s after the last press: same burst */
	fr_key(3, 5600001, "KEY_Z", 1);		/* 2.000001 s: a new one */
	fr_key(3, 5700000, "KEY_LEFTCTRL", 1);
	fr_key(3, 5750000, "KEY_S", 1);
	fr_key(3, 5800000, "KEY_S", 0);
	fr_key(3, 5850000, "KEY_LEFTCTRL", 0);
	fr_key(4, 8000000, "KEYCLASS_LETTER", 1);
	fr_key(4, 8100000, "KEYCLASS_EDITING", 1);
	/* chars / 5 per minute: 5 / 5 / 2.6 s = 23.077; 1 / 5 / 0.149999 s = 80.001 */
	assert_string_equal(fr_run("actions"),
		"3,,typing,1000000000,3600000000,2600.000,,,,,6,1,23.077,,letter=4 whitespace=1 editing=1\n"
		"3,,shortcut,5750000000,5750000000,0.000,,,,,,,,,KEY_LEFTCTRL+KEY_S\n"
		"3,,typing,5600001000,5750000000,149.999,,,,,3,0,80.001,,letter=2 modifier=1\n"
		"4,,typing,8000000000,8100000000,100.000,,,,,2,1,120.000,,letter=1 editing=1\n");
	fr_check_chunking("actions");
}

/* A burst shorter than 1 ms has no wpm (2 presses 0.1 ms apart were 240000 wpm);
 * one of exactly 1 ms has: 2 / 5 per 1/60000 min = 24000. */
static void test_typing_under_1ms(void **state)
{
	fr_key(3, 1000000, "KEY_A", 1);
	fr_key(3, 1000100, "KEY_B", 1);
	fr_key(4, 1000000, "KEY_A", 1);
	fr_key(4, 1001000, "KEY_B", 1);
	assert_string_equal(fr_run("actions"),
		"3,,typing,1000000000,1000100000,0.100,,,,,2,0,,,letter=2\n"
		"4,,typing,1000000000,1001000000,1.000,,,,,2,0,24000.000,,letter=2\n");
}

/* Two fingers by slot; one by BTN_TOUCH; a touch still on when its device goes. */
static void test_touch(void **state)
{
	fr_subject = "0123456789abcdef0123456789abcdef";
	fr_ev(7, 9000000, "EV_ABS", "ABS_MT_SLOT", 0);
	fr_ev(7, 9000000, "EV_ABS", "ABS_MT_TRACKING_ID", 10);
	fr_ev(7, 9000000, "EV_KEY", "BTN_TOUCH", 1);
	fr_syn(7, 9000000);
	fr_ev(7, 9050000, "EV_ABS", "ABS_MT_SLOT", 1);
	fr_ev(7, 9050000, "EV_ABS", "ABS_MT_TRACKING_ID", 11);
	fr_syn(7, 9050000);
	fr_ev(7, 9300000, "EV_ABS", "ABS_MT_SLOT", 0);
	fr_ev(7, 9300000, "EV_ABS", "ABS_MT_TRACKING_ID", -1);
	fr_syn(7, 9300000);
	fr_ev(7, 9350000, "EV_ABS", "ABS_MT_SLOT", 1);
	fr_ev(7, 9350000, "EV_ABS", "ABS_MT_TRACKING_ID", -1);
	fr_ev(7, 9350000, "EV_KEY", "BTN_TOUCH", 0);
	fr_syn(7, 9350000);
	fr_subject = NULL;
	fr_key(10, 10000000, "BTN_TOUCH", 1);
	fr_key(10, 10200000, "BTN_TOUCH", 0);
	fr_device(11, "add");
	fr_key(11, 11000000, "BTN_TOUCH", 1);
	fr_device(11, "remove");
	assert_string_equal(fr_run("actions"),
		"7,0123456789abcdef0123456789abcdef,touch,9000000000,9350000000,350.000,,,,,,,,2,\n"
		"10,,touch,10000000000,10200000000,200.000,,,,,,,,1,\n"
		"11,,touch,11000000000,,,,,,,,,,1,\n");
	fr_check_chunking("actions");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_clicks, setup),
		cmocka_unit_test_setup(test_scroll, setup),
		cmocka_unit_test_setup(test_typing_shortcut, setup),
		cmocka_unit_test_setup(test_touch, setup),
		cmocka_unit_test_setup(test_typing_under_1ms, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
