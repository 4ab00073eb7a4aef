// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_keyclass.c - the key classification of include/keyclass.h (the table the
 * kernel redacts with, docs/data-contract.md), the class names in the JSON output
 * (userspace/names.c) and the --keys flag (userspace/cli.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/input-event-codes.h>
#include "cli.h"
#include "inputtrace.h"
#include "names.h"
#include "format_jsonl.h"

#define NROWS (sizeof(it_keyclass_table) / sizeof(it_keyclass_table[0]))

static __u16 map[KEY_MAX + 1];

static int build(void **state)
{
	it_keyclass_build(map);
	return 0;
}

/* Rows are well formed, inside 0..KEY_MAX, with a known class, and do not overlap. */
static void test_rows_well_formed(void **state)
{
	static unsigned char seen[KEY_MAX + 1];
	size_t i;
	unsigned int c;

	for (i = 0; i < NROWS; i++) {
		const struct it_keyclass_row *r = &it_keyclass_table[i];

		assert_true(r->first <= r->last);
		assert_true(r->last <= KEY_MAX);
		assert_true(it_keyclass_is_class(r->cls) || r->cls == IT_KC_KEEP_MODIFIER ||
			    r->cls == IT_KC_KEEP_BUTTON);
		for (c = r->first; c <= r->last; c++) {
			if (seen[c])
				fail_msg("code 0x%x in two rows", c);
			seen[c] = 1;
		}
	}
}

/* Class codes sit above every real key code. */
static void test_class_codes_outside_key_range(void **state)
{
	unsigned int k;

	assert_true(IT_KC_BASE > KEY_MAX);
	assert_int_equal(IT_KC_COUNT, 10);
	assert_true(IT_KC_END - 1 <= 0xffff);
	for (k = IT_KC_BASE; k < IT_KC_END; k++)
		assert_true(it_keyclass_is_class(k));
	assert_false(it_keyclass_is_class(KEY_MAX));
	assert_false(it_keyclass_is_class(IT_KC_END));
	assert_false(it_keyclass_is_class(0));
}

/* Every code either keeps its identity (modifier, lock key, button) or becomes a
 * class; never another real code. */
static void test_map_identity_or_class(void **state)
{
	unsigned int c, kept = 0;

	for (c = 0; c <= KEY_MAX; c++) {
		if (map[c] == c)
			kept++;
		else
			assert_true(it_keyclass_is_class(map[c]));
	}
	/* 10 modifiers (shift, ctrl, alt, meta, Fn, Fn+right shift), 3 locks, and the
	 * buttons: 0x100..0x151, 4 D-pad, 40 trigger-happy */
	assert_int_equal(kept, 13 + 0x52 + 4 + 40);
}

/* Buttons (BTN_*) are exactly it_key_is_button(), which none keeps in the kernel. */
static void test_buttons_match_table(void **state)
{
	static const unsigned int btns[] = {
		BTN_0, BTN_9, BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA, BTN_TASK,
		BTN_TRIGGER, BTN_DEAD, BTN_SOUTH, BTN_THUMBR, BTN_TOOL_PEN, BTN_TOUCH,
		BTN_STYLUS, BTN_STYLUS2, BTN_TOOL_FINGER, BTN_TOOL_DOUBLETAP, BTN_TOOL_QUADTAP,
		BTN_GEAR_DOWN, BTN_GEAR_UP, BTN_DPAD_UP, BTN_DPAD_RIGHT, BTN_TRIGGER_HAPPY1,
		BTN_TRIGGER_HAPPY40,
	};
	unsigned int c;
	size_t i, j;

	for (c = 0; c <= KEY_MAX; c++) {
		bool row_btn = false;

		for (j = 0; j < NROWS; j++)
			if (c >= it_keyclass_table[j].first && c <= it_keyclass_table[j].last)
				row_btn = it_keyclass_table[j].cls == IT_KC_KEEP_BUTTON;
		if (row_btn != !!it_key_is_button(c))
			fail_msg("code 0x%x: table says button %d, it_key_is_button %d", c, row_btn,
				 it_key_is_button(c));
		if (row_btn)
			assert_int_equal(map[c], c);
	}
	for (i = 0; i < sizeof(btns) / sizeof(btns[0]); i++) {
		assert_true(it_key_is_button(btns[i]));
		assert_int_equal(map[btns[i]], btns[i]);
	}
	assert_false(it_key_is_button(KEY_A));
	assert_false(it_key_is_button(KEY_LEFTCTRL));
	assert_false(it_key_is_button(KEY_OK));	/* 0x160, past the BTN block */
	assert_false(it_key_is_button(KEY_MAX));
}

/* The whole main block, key by key. */
static void test_main_block(void **state)
{
	static const unsigned int letters[] = {
		KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L,
		KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X,
		KEY_Y, KEY_Z,
	};
	static const unsigned int digits[] = {
		KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9,
	};
	static const unsigned int symbols[] = {
		KEY_MINUS, KEY_EQUAL, KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_SEMICOLON, KEY_APOSTROPHE,
		KEY_GRAVE, KEY_BACKSLASH, KEY_COMMA, KEY_DOT, KEY_SLASH, KEY_102ND, KEY_RO, KEY_YEN,
	};
	static const struct { unsigned int code, cls; } one[] = {
		{ KEY_SPACE, IT_KC_WHITESPACE }, { KEY_TAB, IT_KC_WHITESPACE },
		{ KEY_ENTER, IT_KC_WHITESPACE }, { KEY_BACKSPACE, IT_KC_EDITING },
		{ KEY_DELETE, IT_KC_EDITING }, { KEY_INSERT, IT_KC_EDITING },
		{ KEY_UP, IT_KC_NAVIGATION }, { KEY_DOWN, IT_KC_NAVIGATION },
		{ KEY_LEFT, IT_KC_NAVIGATION }, { KEY_RIGHT, IT_KC_NAVIGATION },
		{ KEY_HOME, IT_KC_NAVIGATION }, { KEY_END, IT_KC_NAVIGATION },
		{ KEY_PAGEUP, IT_KC_NAVIGATION }, { KEY_PAGEDOWN, IT_KC_NAVIGATION },
		{ KEY_F1, IT_KC_FUNCTION }, { KEY_F10, IT_KC_FUNCTION }, { KEY_F11, IT_KC_FUNCTION },
		{ KEY_F12, IT_KC_FUNCTION }, { KEY_F13, IT_KC_FUNCTION }, { KEY_F24, IT_KC_FUNCTION },
		{ KEY_KP0, IT_KC_KEYPAD }, { KEY_KP9, IT_KC_KEYPAD }, { KEY_KPENTER, IT_KC_KEYPAD },
		{ KEY_KPASTERISK, IT_KC_KEYPAD }, { KEY_KPSLASH, IT_KC_KEYPAD },
		{ KEY_KPMINUS, IT_KC_KEYPAD }, { KEY_KPPLUS, IT_KC_KEYPAD }, { KEY_KPDOT, IT_KC_KEYPAD },
		{ KEY_MUTE, IT_KC_MEDIA }, { KEY_VOLUMEUP, IT_KC_MEDIA }, { KEY_PLAYPAUSE, IT_KC_MEDIA },
		{ KEY_POWER, IT_KC_MEDIA }, { KEY_SYSRQ, IT_KC_MEDIA }, { KEY_PAUSE, IT_KC_MEDIA },
		{ KEY_COPY, IT_KC_MEDIA }, { KEY_BRIGHTNESSUP, IT_KC_MEDIA },
		{ KEY_ESC, IT_KC_OTHER }, { KEY_RESERVED, IT_KC_OTHER }, { KEY_COMPOSE, IT_KC_OTHER },
		{ KEY_HENKAN, IT_KC_OTHER }, { KEY_UNKNOWN, IT_KC_OTHER }, { 84, IT_KC_OTHER },
		{ KEY_MAX, IT_KC_OTHER },
	};
	static const unsigned int kept[] = {
		KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT,
		KEY_RIGHTALT, KEY_LEFTMETA, KEY_RIGHTMETA, KEY_CAPSLOCK, KEY_NUMLOCK,
		KEY_SCROLLLOCK,
	};
	size_t i;

	for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		assert_int_equal(map[letters[i]], IT_KC_LETTER);
	for (i = 0; i < sizeof(digits) / sizeof(digits[0]); i++)
		assert_int_equal(map[digits[i]], IT_KC_DIGIT);
	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		assert_int_equal(map[symbols[i]], IT_KC_SYMBOL);
	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		if (map[one[i].code] != one[i].cls)
			fail_msg("code %u: 0x%x, want 0x%x", one[i].code, map[one[i].code], one[i].cls);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_int_equal(map[kept[i]], kept[i]);
}

/* Keys that type text elsewhere than the main block are redacted too. */
static void test_other_text_keys(void **state)
{
	unsigned int c;

	for (c = 0x1f1; c <= 0x1fa; c++)	/* KEY_BRL_DOT1..10: braille text */
		assert_int_equal(map[c], IT_KC_LETTER);
	for (c = 0x200; c <= 0x20f; c++)	/* KEY_NUMERIC_*: phone keypads */
		assert_int_equal(map[c], IT_KC_KEYPAD);
	assert_int_equal(map[0x1e0], IT_KC_LETTER);	/* KEY_FN_D */
	assert_int_equal(map[0x1de], IT_KC_DIGIT);	/* KEY_FN_1 */
	assert_int_equal(map[0x1b3], IT_KC_SYMBOL);	/* KEY_EURO */
}

/* The modifiers that unlock shortcuts: Ctrl, Alt, Meta, each side; not Shift. */
static void test_modifier_bits(void **state)
{
	assert_int_equal(it_mod_bit(KEY_LEFTCTRL), IT_MOD_LCTRL);
	assert_int_equal(it_mod_bit(KEY_RIGHTCTRL), IT_MOD_RCTRL);
	assert_int_equal(it_mod_bit(KEY_LEFTALT), IT_MOD_LALT);
	assert_int_equal(it_mod_bit(KEY_RIGHTALT), IT_MOD_RALT);
	assert_int_equal(it_mod_bit(KEY_LEFTMETA), IT_MOD_LMETA);
	assert_int_equal(it_mod_bit(KEY_RIGHTMETA), IT_MOD_RMETA);
	assert_int_equal(IT_MOD_LCTRL | IT_MOD_RCTRL | IT_MOD_LALT | IT_MOD_RALT | IT_MOD_LMETA |
			 IT_MOD_RMETA, IT_MOD_ALL);
	assert_int_equal(it_mod_bit(KEY_LEFTSHIFT), 0);
	assert_int_equal(it_mod_bit(KEY_RIGHTSHIFT), 0);
	assert_int_equal(it_mod_bit(KEY_CAPSLOCK), 0);
	assert_int_equal(it_mod_bit(KEY_C), 0);
	/* and the classes they unlock */
	assert_int_equal(IT_KC_SHORTCUT_CLASSES,
			 1u << (IT_KC_LETTER - IT_KC_BASE) | 1u << (IT_KC_DIGIT - IT_KC_BASE) |
			 1u << (IT_KC_SYMBOL - IT_KC_BASE) | 1u << (IT_KC_WHITESPACE - IT_KC_BASE));
}

/* JSON names: "KEYCLASS_*" for class codes of EV_KEY, libevdev's names otherwise. */
static void test_names(void **state)
{
	static const char *const want[] = {
		"KEYCLASS_LETTER", "KEYCLASS_DIGIT", "KEYCLASS_SYMBOL", "KEYCLASS_WHITESPACE",
		"KEYCLASS_EDITING", "KEYCLASS_NAVIGATION", "KEYCLASS_FUNCTION", "KEYCLASS_KEYPAD",
		"KEYCLASS_MEDIA", "KEYCLASS_OTHER",
	};
	char tmp[16];
	unsigned int k;

	for (k = IT_KC_BASE; k < IT_KC_END; k++) {
		assert_string_equal(it_code_name(EV_KEY, k, tmp), want[k - IT_KC_BASE]);
		assert_string_equal(it_keyclass_name(k), want[k - IT_KC_BASE]);
	}
	assert_string_equal(it_code_name(EV_KEY, IT_KC_LETTER, tmp), "KEYCLASS_LETTER");
	assert_string_equal(it_code_name(EV_KEY, KEY_A, tmp), "KEY_A");
	assert_string_equal(it_code_name(EV_KEY, KEY_LEFTCTRL, tmp), "KEY_LEFTCTRL");
	assert_string_equal(it_code_name(EV_KEY, BTN_LEFT, tmp), "BTN_LEFT");
	assert_string_equal(it_code_name(EV_KEY, IT_KC_END, tmp), "0x30a");
	assert_null(it_keyclass_name(KEY_A));
	assert_null(it_keyclass_name(IT_KC_END));
	/* only EV_KEY codes are classes */
	assert_string_equal(it_code_name(EV_REL, IT_KC_LETTER, tmp), "0x300");
	assert_string_equal(it_code_name(EV_ABS, IT_KC_DIGIT, tmp), "0x301");
}

static void test_event_record_with_class(void **state)
{
	struct it_buf b = { 0 };

	it_rec_event(&b, 3, 14704248000ull, 0, EV_KEY, IT_KC_LETTER, 1, false);
	it_buf_putc(&b, 0);
	assert_false(b.oom);
	assert_string_equal(b.p, "{\"record\":\"event\",\"dev\":3,\"sec\":14,\"usec\":704248,"
			    "\"type\":\"EV_KEY\",\"code\":\"KEYCLASS_LETTER\",\"value\":1}\n");
	it_buf_free(&b);
}

/* --keys: the four modes, class by default, a one-line error naming the flag. */
static void test_cli_keys(void **state)
{
	static const struct { const char *arg; enum it_keys_mode m; } ok[] = {
		{ "class", IT_KEYS_CLASS }, { "shortcuts", IT_KEYS_SHORTCUTS },
		{ "none", IT_KEYS_NONE }, { "raw", IT_KEYS_RAW },
	};
	static const char *const bad[] = { "", "Class", "RAW", "all", "shortcut", "raw ", "0" };
	struct it_opts o;
	char err[256];
	size_t i;

	{
		char *argv[] = { "inputtrace", NULL };

		assert_int_equal(it_parse_args(1, argv, &o, err, sizeof(err), stdout), 0);
		assert_int_equal(o.keys, IT_KEYS_CLASS);
	}
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *argv[] = { "inputtrace", "--keys", (char *)ok[i].arg, NULL };
		char joined[64];
		char *argv2[] = { "inputtrace", joined, NULL };

		assert_int_equal(it_parse_args(3, argv, &o, err, sizeof(err), stdout), 0);
		assert_int_equal(o.keys, ok[i].m);
		assert_string_equal(it_keys_name(ok[i].m), ok[i].arg);
		snprintf(joined, sizeof(joined), "--keys=%s", ok[i].arg);
		assert_int_equal(it_parse_args(2, argv2, &o, err, sizeof(err), stdout), 0);
		assert_int_equal(o.keys, ok[i].m);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "inputtrace", "--keys", (char *)bad[i], NULL };

		err[0] = 0;
		assert_int_equal(it_parse_args(3, argv, &o, err, sizeof(err), stdout), -1);
		assert_non_null(strstr(err, "--keys"));
		assert_null(strchr(err, '\n'));
	}
	{
		char *argv[] = { "inputtrace", "--keys", NULL };

		assert_int_equal(it_parse_args(2, argv, &o, err, sizeof(err), stdout), -1);
		assert_non_null(strstr(err, "--keys"));
	}
	/* the last one given wins, as for the other flags */
	{
		char *argv[] = { "inputtrace", "--keys", "raw", "--keys", "none", NULL };

		assert_int_equal(it_parse_args(5, argv, &o, err, sizeof(err), stdout), 0);
		assert_int_equal(o.keys, IT_KEYS_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_well_formed),
		cmocka_unit_test(test_class_codes_outside_key_range),
		cmocka_unit_test(test_map_identity_or_class),
		cmocka_unit_test(test_buttons_match_table),
		cmocka_unit_test(test_main_block),
		cmocka_unit_test(test_other_text_keys),
		cmocka_unit_test(test_modifier_bits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_event_record_with_class),
		cmocka_unit_test(test_cli_keys),
	};

	return cmocka_run_group_tests_name("keyclass", tests, build, NULL);
}
