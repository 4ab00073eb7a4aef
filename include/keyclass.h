/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * keyclass.h - key redaction: the key classes, the one table that assigns every key
 * code (0 .. KEY_MAX) its class, and the --keys modes.
 *
 * The collector builds a KEY_MAX+1 array of __u16 from it_keyclass_table
 * (it_keyclass_build()) and writes it to the BPF array map it_keyclass before it
 * attaches; the BPF side then redacts an EV_KEY value with one array lookup
 * (bpf/capture.bpf.h, it_redact()). docs/data-contract.md documents this table.
 *
 * Class codes live above KEY_MAX (0x2ff), from 0x300, so a redacted code can never be
 * mistaken for a real key code; the JSON names them "KEYCLASS_LETTER" etc.
 */
#ifndef IT_KEYCLASS_H
#define IT_KEYCLASS_H

#include <linux/types.h>
#include <linux/input-event-codes.h>

/* --keys MODE (struct it_config.keys_mode). 0 is class, so a configuration that
 * forgets the field redacts rather than records keystrokes. */
enum it_keys_mode {
	IT_KEYS_CLASS = 0,	/* keys become their class; modifiers and buttons kept */
	IT_KEYS_SHORTCUTS = 1,	/* class, but letters/digits/symbols/whitespace kept under Ctrl/Alt/Meta */
	IT_KEYS_NONE = 2,	/* key events dropped (counted), buttons kept */
	IT_KEYS_RAW = 3,	/* everything as the kernel has it */
};

/* Key classes: the code an EV_KEY value carries instead of the key's own. */
enum it_keyclass {
	IT_KC_BASE = 0x300,		/* KEY_MAX + 1 */
	IT_KC_LETTER = IT_KC_BASE,	/* A..Z, Fn+letter, braille dots */
	IT_KC_DIGIT,			/* 1..0 of the main block, Fn+1/2 */
	IT_KC_SYMBOL,			/* punctuation and symbols: - = [ ] ; ' ` \ , . / 102nd ... */
	IT_KC_WHITESPACE,		/* space, tab, enter, linefeed */
	IT_KC_EDITING,			/* backspace, delete, insert, delete-line keys */
	IT_KC_NAVIGATION,		/* arrows, home/end, page up/down, scroll up/down */
	IT_KC_FUNCTION,			/* F1..F24, Fn+Esc, Fn+F1..F12 */
	IT_KC_KEYPAD,			/* numeric keypad, phone keypads */
	IT_KC_MEDIA,			/* media, application and system keys */
	IT_KC_OTHER,			/* Esc, IME/language keys, Compose, unassigned codes */
	IT_KC_END
};
#define IT_KC_COUNT (IT_KC_END - IT_KC_BASE)

/* Classes whose keys keep their identity in shortcuts mode while Ctrl, Alt or Meta is
 * held on the same device (Ctrl+C, Alt+Tab). */
#define IT_KC_SHORTCUT_CLASSES                                                         \
	((1u << (IT_KC_LETTER - IT_KC_BASE)) | (1u << (IT_KC_DIGIT - IT_KC_BASE)) |    \
	 (1u << (IT_KC_SYMBOL - IT_KC_BASE)) | (1u << (IT_KC_WHITESPACE - IT_KC_BASE)))

static inline int it_keyclass_is_class(unsigned int code)
{
	return code >= IT_KC_BASE && code < IT_KC_END;
}

/*
 * Mouse, pen, touch and gamepad buttons (BTN_*): kept in every mode, and the only
 * EV_KEY codes that `none` keeps. These ranges are the table's IT_KC_KEEP_BUTTON rows
 * (tests/unit/test_keyclass.c checks that they agree).
 */
static inline int it_key_is_button(unsigned int code)
{
	return (code >= BTN_MISC && code <= 0x151 /* BTN_GEAR_UP */) ||
	       (code >= 0x220 /* BTN_DPAD_UP */ && code <= 0x223 /* BTN_DPAD_RIGHT */) ||
	       (code >= 0x2c0 /* BTN_TRIGGER_HAPPY1 */ && code <= 0x2e7 /* BTN_TRIGGER_HAPPY40 */);
}

/* Modifiers whose state unlocks shortcuts (struct it_modstate.held bits). Shift is
 * not one of them: Shift+letter is typed text. */
enum it_mod_bit {
	IT_MOD_LCTRL = 1u << 0,
	IT_MOD_RCTRL = 1u << 1,
	IT_MOD_LALT = 1u << 2,
	IT_MOD_RALT = 1u << 3,
	IT_MOD_LMETA = 1u << 4,
	IT_MOD_RMETA = 1u << 5,
};
#define IT_MOD_ALL 0x3fu

/* The it_mod_bit of code, 0 if code is not Ctrl, Alt or Meta. */
static inline __u32 it_mod_bit(unsigned int code)
{
	switch (code) {
	case KEY_LEFTCTRL: return IT_MOD_LCTRL;
	case KEY_RIGHTCTRL: return IT_MOD_RCTRL;
	case KEY_LEFTALT: return IT_MOD_LALT;
	case KEY_RIGHTALT: return IT_MOD_RALT;
	case KEY_LEFTMETA: return IT_MOD_LMETA;
	case KEY_RIGHTMETA: return IT_MOD_RMETA;
	default: return 0;
	}
}

#ifndef __bpf__
/* --- userspace only: the table --------------------------------------------------- */

/* Table rows that keep the code itself instead of a class. */
enum {
	IT_KC_KEEP_MODIFIER = 0xfff0,	/* shift, ctrl, alt, meta, Fn; caps/num/scroll lock */
	IT_KC_KEEP_BUTTON = 0xfff1,	/* BTN_*: see it_key_is_button() */
};

struct it_keyclass_row {
	__u16 first, last;	/* key codes, inclusive */
	__u16 cls;		/* enum it_keyclass, or IT_KC_KEEP_* */
};

/*
 * Every key code in one of these rows gets the row's class; every other code from 0
 * to KEY_MAX (KEY_RESERVED, unassigned codes) is IT_KC_OTHER. Rows do not overlap.
 * Codes are from linux/input-event-codes.h; those added after Linux 4.x are written
 * as numbers so that older headers build.
 */
static const struct it_keyclass_row it_keyclass_table[] = {
	/* main block */
	{ KEY_ESC, KEY_ESC, IT_KC_OTHER },
	{ KEY_1, KEY_0, IT_KC_DIGIT },
	{ KEY_MINUS, KEY_EQUAL, IT_KC_SYMBOL },
	{ KEY_BACKSPACE, KEY_BACKSPACE, IT_KC_EDITING },
	{ KEY_TAB, KEY_TAB, IT_KC_WHITESPACE },
	{ KEY_Q, KEY_P, IT_KC_LETTER },
	{ KEY_LEFTBRACE, KEY_RIGHTBRACE, IT_KC_SYMBOL },
	{ KEY_ENTER, KEY_ENTER, IT_KC_WHITESPACE },
	{ KEY_LEFTCTRL, KEY_LEFTCTRL, IT_KC_KEEP_MODIFIER },
	{ KEY_A, KEY_L, IT_KC_LETTER },
	{ KEY_SEMICOLON, KEY_GRAVE, IT_KC_SYMBOL },	/* ; ' ` */
	{ KEY_LEFTSHIFT, KEY_LEFTSHIFT, IT_KC_KEEP_MODIFIER },
	{ KEY_BACKSLASH, KEY_BACKSLASH, IT_KC_SYMBOL },
	{ KEY_Z, KEY_M, IT_KC_LETTER },
	{ KEY_COMMA, KEY_SLASH, IT_KC_SYMBOL },		/* , . / */
	{ KEY_RIGHTSHIFT, KEY_RIGHTSHIFT, IT_KC_KEEP_MODIFIER },
	{ KEY_KPASTERISK, KEY_KPASTERISK, IT_KC_KEYPAD },
	{ KEY_LEFTALT, KEY_LEFTALT, IT_KC_KEEP_MODIFIER },
	{ KEY_SPACE, KEY_SPACE, IT_KC_WHITESPACE },
	{ KEY_CAPSLOCK, KEY_CAPSLOCK, IT_KC_KEEP_MODIFIER },
	{ KEY_F1, KEY_F10, IT_KC_FUNCTION },
	{ KEY_NUMLOCK, KEY_SCROLLLOCK, IT_KC_KEEP_MODIFIER },
	{ KEY_KP7, KEY_KPDOT, IT_KC_KEYPAD },
	/* 84 unassigned */
	{ KEY_ZENKAKUHANKAKU, KEY_ZENKAKUHANKAKU, IT_KC_OTHER },
	{ KEY_102ND, KEY_102ND, IT_KC_SYMBOL },		/* ISO < > key */
	{ KEY_F11, KEY_F12, IT_KC_FUNCTION },
	{ KEY_RO, KEY_RO, IT_KC_SYMBOL },		/* JIS \ _ key */
	{ KEY_KATAKANA, KEY_MUHENKAN, IT_KC_OTHER },	/* IME keys */
	{ KEY_KPJPCOMMA, KEY_KPENTER, IT_KC_KEYPAD },
	{ KEY_RIGHTCTRL, KEY_RIGHTCTRL, IT_KC_KEEP_MODIFIER },
	{ KEY_KPSLASH, KEY_KPSLASH, IT_KC_KEYPAD },
	{ KEY_SYSRQ, KEY_SYSRQ, IT_KC_MEDIA },		/* PrintScreen/SysRq */
	{ KEY_RIGHTALT, KEY_RIGHTALT, IT_KC_KEEP_MODIFIER },
	{ KEY_LINEFEED, KEY_LINEFEED, IT_KC_WHITESPACE },
	{ KEY_HOME, KEY_PAGEDOWN, IT_KC_NAVIGATION },	/* home up pgup left right end down pgdn */
	{ KEY_INSERT, KEY_DELETE, IT_KC_EDITING },
	{ KEY_MACRO, KEY_POWER, IT_KC_MEDIA },		/* macro mute vol- vol+ power */
	{ KEY_KPEQUAL, KEY_KPPLUSMINUS, IT_KC_KEYPAD },
	{ KEY_PAUSE, KEY_SCALE, IT_KC_MEDIA },
	{ KEY_KPCOMMA, KEY_KPCOMMA, IT_KC_KEYPAD },
	{ KEY_HANGEUL, KEY_HANJA, IT_KC_OTHER },	/* IME keys */
	{ KEY_YEN, KEY_YEN, IT_KC_SYMBOL },
	{ KEY_LEFTMETA, KEY_RIGHTMETA, IT_KC_KEEP_MODIFIER },
	{ KEY_COMPOSE, KEY_COMPOSE, IT_KC_OTHER },	/* the Menu/Compose key */
	/* consumer, application and system keys */
	{ KEY_STOP, KEY_EDIT, IT_KC_MEDIA },		/* 128..176: stop .. copy paste cut .. edit */
	{ KEY_SCROLLUP, KEY_SCROLLDOWN, IT_KC_NAVIGATION },
	{ KEY_KPLEFTPAREN, KEY_KPRIGHTPAREN, IT_KC_KEYPAD },
	{ KEY_NEW, KEY_REDO, IT_KC_MEDIA },
	{ KEY_F13, KEY_F24, IT_KC_FUNCTION },
	/* 195..199 unassigned */
	{ KEY_PLAYCD, KEY_UWB, IT_KC_MEDIA },		/* 200..239 */
	/* 240 KEY_UNKNOWN: other */
	{ 241 /* KEY_VIDEO_NEXT */, 248 /* KEY_MICMUTE */, IT_KC_MEDIA },
	/* buttons: mouse, joystick, gamepad, pen and touch tools, wheel */
	{ BTN_MISC, 0x151 /* BTN_GEAR_UP */, IT_KC_KEEP_BUTTON },
	{ KEY_OK, 0x1b1 /* KEY_LOGOFF */, IT_KC_MEDIA },
	{ 0x1b2 /* KEY_DOLLAR */, 0x1b3 /* KEY_EURO */, IT_KC_SYMBOL },
	{ 0x1b4 /* KEY_FRAMEBACK */, 0x1bf /* KEY_LINK_PHONE */, IT_KC_MEDIA },
	{ 0x1c0 /* KEY_DEL_EOL */, 0x1c3 /* KEY_DEL_LINE */, IT_KC_EDITING },
	{ 0x1d0 /* KEY_FN */, 0x1d0, IT_KC_KEEP_MODIFIER },
	{ 0x1d1 /* KEY_FN_ESC */, 0x1dd /* KEY_FN_F12 */, IT_KC_FUNCTION },
	{ 0x1de /* KEY_FN_1 */, 0x1df /* KEY_FN_2 */, IT_KC_DIGIT },
	{ 0x1e0 /* KEY_FN_D */, 0x1e4 /* KEY_FN_B */, IT_KC_LETTER },
	{ 0x1e5 /* KEY_FN_RIGHT_SHIFT */, 0x1e5, IT_KC_KEEP_MODIFIER },
	{ 0x1f1 /* KEY_BRL_DOT1 */, 0x1fa /* KEY_BRL_DOT10 */, IT_KC_LETTER },	/* braille: text */
	{ 0x200 /* KEY_NUMERIC_0 */, 0x20f /* KEY_NUMERIC_D */, IT_KC_KEYPAD },	/* phone keypads */
	{ 0x210 /* KEY_CAMERA_FOCUS */, 0x21e /* KEY_LIGHTS_TOGGLE */, IT_KC_MEDIA },
	{ 0x220 /* BTN_DPAD_UP */, 0x223 /* BTN_DPAD_RIGHT */, IT_KC_KEEP_BUTTON },
	{ 0x230 /* KEY_ALS_TOGGLE */, 0x232 /* KEY_REFRESH_RATE_TOGGLE */, IT_KC_MEDIA },
	{ 0x240 /* KEY_BUTTONCONFIG */, 0x24a /* KEY_DICTATE */, IT_KC_MEDIA },
	{ 0x250 /* KEY_BRIGHTNESS_MIN */, 0x251 /* KEY_BRIGHTNESS_MAX */, IT_KC_MEDIA },
	/* 0x260..0x265 KEY_KBDINPUTASSIST_*: IME candidate keys, other */
	{ 0x260, 0x265, IT_KC_OTHER },
	{ 0x266 /* KEY_RIGHT_UP */, 0x269 /* KEY_LEFT_DOWN */, IT_KC_NAVIGATION },
	{ 0x26a /* KEY_ROOT_MENU */, 0x26b /* KEY_MEDIA_TOP_MENU */, IT_KC_MEDIA },
	{ 0x26c /* KEY_NUMERIC_11 */, 0x26d /* KEY_NUMERIC_12 */, IT_KC_KEYPAD },
	{ 0x26e /* KEY_AUDIO_DESC */, 0x289 /* KEY_BRIGHTNESS_MENU */, IT_KC_MEDIA },
	{ 0x290 /* KEY_MACRO1 */, 0x2bc /* KEY_KBD_LCD_MENU5 */, IT_KC_MEDIA },
	{ 0x2c0 /* BTN_TRIGGER_HAPPY1 */, 0x2e7 /* BTN_TRIGGER_HAPPY40 */, IT_KC_KEEP_BUTTON },
};

/*
 * Fill map[0 .. KEY_MAX] (the it_keyclass BPF map's contents): the class code of each
 * key, or the code itself for modifiers and buttons.
 */
static inline void it_keyclass_build(__u16 map[KEY_MAX + 1])
{
	unsigned int i, c;

	for (c = 0; c <= KEY_MAX; c++)
		map[c] = IT_KC_OTHER;
	for (i = 0; i < sizeof(it_keyclass_table) / sizeof(it_keyclass_table[0]); i++) {
		const struct it_keyclass_row *r = &it_keyclass_table[i];

		for (c = r->first; c <= r->last && c <= KEY_MAX; c++)
			map[c] = r->cls >= IT_KC_KEEP_MODIFIER ? (__u16)c : r->cls;
	}
}

static const char *const it_keyclass_names[IT_KC_COUNT] = {
	[IT_KC_LETTER - IT_KC_BASE] = "KEYCLASS_LETTER",
	[IT_KC_DIGIT - IT_KC_BASE] = "KEYCLASS_DIGIT",
	[IT_KC_SYMBOL - IT_KC_BASE] = "KEYCLASS_SYMBOL",
	[IT_KC_WHITESPACE - IT_KC_BASE] = "KEYCLASS_WHITESPACE",
	[IT_KC_EDITING - IT_KC_BASE] = "KEYCLASS_EDITING",
	[IT_KC_NAVIGATION - IT_KC_BASE] = "KEYCLASS_NAVIGATION",
	[IT_KC_FUNCTION - IT_KC_BASE] = "KEYCLASS_FUNCTION",
	[IT_KC_KEYPAD - IT_KC_BASE] = "KEYCLASS_KEYPAD",
	[IT_KC_MEDIA - IT_KC_BASE] = "KEYCLASS_MEDIA",
	[IT_KC_OTHER - IT_KC_BASE] = "KEYCLASS_OTHER",
};

/* "KEYCLASS_LETTER" for a class code, NULL for anything else. */
static inline const char *it_keyclass_name(unsigned int code)
{
	return it_keyclass_is_class(code) ? it_keyclass_names[code - IT_KC_BASE] : NULL;
}
#endif /* !__bpf__ */

#endif /* IT_KEYCLASS_H */
