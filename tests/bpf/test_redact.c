// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_redact.c - key redaction (--keys) in the kernel, run for real: the test-only
 * syscall program it_test_frame (bpf/inputtrace_test.bpf.c, which shares
 * bpf/capture.bpf.h with the real programs) is driven with BPF_PROG_TEST_RUN, and
 * what reaches the ring buffer is compared with the C table of include/keyclass.h,
 * for every key code from 0 to KEY_MAX, in each mode (docs/data-contract.md).
 *
 * Needs root (CAP_BPF + CAP_SYS_ADMIN for syscall programs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/input-event-codes.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "inputtrace.h"
#include "counters.h"
#include "keys.h"
#include "names.h"
#include "inputtrace_test.skel.h"

#include "inputtrace_test.h"

#define KBD 0xffff888000001000ull	/* device keys: stand for input_dev addresses */
#define KBD2 0xffff888000002000ull
#define MAX_RECS 8192

struct val {
	uint16_t type, code;
	int32_t value;
};

static struct {
	struct inputtrace_test_bpf *skel;
	struct ring_buffer *rb;
	int ncpus;
	int nrecs;
	bool overflow;
	struct it_event recs[MAX_RECS];	/* events of frame records; device records skipped */
	__u16 table[KEY_MAX + 1];	/* it_keyclass_build(), what the map must hold */
} T;

/* Frame records, expanded to their events (it_frame_event()); device records skipped. */
static int on_rec(void *ctx, void *data, size_t size)
{
	const struct it_frame_rec *r = data;
	__u32 i;

	if (r->hdr.kind != IT_REC_FRAME)
		return 0;
	if (r->n > IT_FRAME_VALS || size != IT_FRAME_REC_SIZE(r->n) || T.nrecs + (int)r->n > MAX_RECS) {
		T.overflow = true;
		return 0;
	}
	for (i = 0; i < r->n; i++)
		it_frame_event(r, i, &T.recs[T.nrecs++]);
	return 0;
}

static int setup(void **state)
{
	T.ncpus = libbpf_num_possible_cpus();
	it_keyclass_build(T.table);
	return 0;	/* each test loads (reset()), or skips without root */
}

static void unload(void)
{
	ring_buffer__free(T.rb);
	inputtrace_test_bpf__destroy(T.skel);
	T.rb = NULL;
	T.skel = NULL;
}

static int teardown(void **state)
{
	unload();
	return 0;
}

/* Fresh state for a test: the programs loaded anew with settings cfg (.rodata, as the
 * agent sets them before load), keys mode in .bss, the key classes loaded by the
 * agent's own loader (userspace/keys.c); ring, tables and counters empty, no
 * kernel-bitmap limit on modifiers. */
static void reset_cfg(enum it_keys_mode mode, const struct it_config *cfg)
{
	if (geteuid() != 0) {
		print_message("BPF tests need root: skipped\n");
		skip();
	}
	unload();
	T.skel = inputtrace_test_bpf__open();
	assert_non_null(T.skel);
	assert_int_equal(bpf_map__set_max_entries(T.skel->maps.it_events, 4u << 20), 0);
	T.skel->rodata->it_config = *cfg;
	assert_int_equal(inputtrace_test_bpf__load(T.skel), 0);
	assert_int_equal(it_keyclass_load(bpf_map__fd(T.skel->maps.it_keyclass)), 0);
	T.rb = ring_buffer__new(bpf_map__fd(T.skel->maps.it_events), on_rec, NULL, NULL);
	assert_non_null(T.rb);
	T.nrecs = 0;
	T.overflow = false;
	T.skel->bss->it_switches.keys_mode = mode;
	T.skel->data->it_test_kernel_mods = IT_MOD_ALL;
}

/* reset_cfg() with every type captured, devices captured, pointer exact. */
static void reset(enum it_keys_mode mode)
{
	const struct it_config cfg = { .type_mask = ~0u, .default_verdict = IT_DEV_CAPTURE };

	reset_cfg(mode, &cfg);
}

/* One frame of n values of device key through it_test_frame. */
static void frame(uint64_t key, const struct val *v, unsigned n)
{
	struct it_test_frame fr;
	unsigned i;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &fr, .ctx_size_in = sizeof(fr));

	assert_true(n <= IT_TEST_VALS);
	memset(&fr, 0, sizeof(fr));
	fr.dev_key = key;
	fr.mono_ns = 1000000000ull;
	fr.real_ns = 1700000000000000000ull;
	fr.count = n;
	snprintf(fr.info.sysname, sizeof(fr.info.sysname), "input%u", (unsigned)(key >> 12 & 0xff));
	snprintf(fr.info.name, sizeof(fr.info.name), "test keyboard");
	for (i = 0; i < n; i++) {
		fr.vals[i].type = v[i].type;
		fr.vals[i].code = v[i].code;
		fr.vals[i].value = v[i].value;
	}
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(T.skel->progs.it_test_frame), &o), 0);
	assert_int_equal(o.retval, 0);
}

/* A frame of one value and its SYN_REPORT. */
static void key1(uint64_t key, uint16_t code, int32_t value)
{
	const struct val v[] = { { EV_KEY, code, value }, { EV_SYN, SYN_REPORT, 0 } };

	frame(key, v, 2);
}

static int drain(void)
{
	T.nrecs = 0;
	T.overflow = false;
	ring_buffer__consume(T.rb);
	assert_false(T.overflow);
	return T.nrecs;
}

/* Counters summed over CPUs; the accounting identity holds. */
static struct it_counters counters(void)
{
	struct it_counters *v = calloc(T.ncpus, sizeof(*v)), s;
	__u32 zero = 0;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(T.skel->maps.it_counters), &zero, v), 0);
	it_counters_sum(v, T.ncpus, &s);
	free(v);
	assert_int_equal(s.seen, it_counters_outcomes(&s));
	return s;
}

static void assert_rec(int i, uint16_t type, uint16_t code, int32_t value)
{
	assert_true(i < T.nrecs);
	assert_int_equal(T.recs[i].type, type);
	assert_int_equal(T.recs[i].code, code);
	assert_int_equal(T.recs[i].value, value);
	assert_int_equal(T.recs[i].mono_ns, 1000000000ull);	/* timing kept */
}

/* What the C table says of code: a button, or a modifier/lock key (kept), else its
 * class. Read from the rows themselves, not from it_keyclass_build(). */
static unsigned int table_row_class(unsigned int code)
{
	size_t i;

	for (i = 0; i < sizeof(it_keyclass_table) / sizeof(it_keyclass_table[0]); i++)
		if (code >= it_keyclass_table[i].first && code <= it_keyclass_table[i].last)
			return it_keyclass_table[i].cls;
	return IT_KC_OTHER;
}

/* Send press, repeat and release of every code 0..KEY_MAX (a modifier is released
 * in its own frame, so it never unlocks the next key), 21 codes a frame. */
static void sweep_all_codes(uint64_t key)
{
	unsigned int c = 0;

	while (c <= KEY_MAX) {
		struct val v[IT_TEST_VALS];
		unsigned n = 0;

		while (c <= KEY_MAX && n + 3 <= IT_TEST_VALS) {
			v[n++] = (struct val){ EV_KEY, c, 1 };
			v[n++] = (struct val){ EV_KEY, c, 2 };
			v[n++] = (struct val){ EV_KEY, c, 0 };
			c++;
		}
		frame(key, v, n);
	}
}

/* class, and shortcuts with no modifier held: every code becomes what the table says,
 * with value and time kept. */
static void check_sweep_classified(void)
{
	struct it_counters s;
	unsigned int c;
	int n, i = 0;

	sweep_all_codes(KBD);
	n = drain();
	assert_int_equal(n, 3 * (KEY_MAX + 1));
	for (c = 0; c <= KEY_MAX; c++) {
		unsigned int cls = table_row_class(c), want;

		want = cls == IT_KC_KEEP_MODIFIER || cls == IT_KC_KEEP_BUTTON ? c : cls;
		assert_int_equal(T.table[c], want);	/* builder == rows */
		assert_rec(i++, EV_KEY, want, 1);
		assert_rec(i++, EV_KEY, want, 2);
		assert_rec(i++, EV_KEY, want, 0);
		if (want == c)	/* identity only for modifiers, locks and buttons */
			assert_true(cls == IT_KC_KEEP_MODIFIER || cls == IT_KC_KEEP_BUTTON);
		else
			assert_true(it_keyclass_is_class(want));
	}
	s = counters();
	assert_int_equal(s.seen, 3 * (KEY_MAX + 1));
	assert_int_equal(s.written, 3 * (KEY_MAX + 1));
	assert_int_equal(s.keys_dropped, 0);
	assert_int_equal(s.redact_dropped, 0);
}

static void test_class_every_code(void **state)
{
	char tmp[16];

	reset(IT_KEYS_CLASS);
	check_sweep_classified();
	/* a few by hand, so that the table itself is checked, not only its copy */
	key1(KBD, KEY_A, 1);
	key1(KBD, KEY_7, 1);
	key1(KBD, KEY_SLASH, 1);
	key1(KBD, KEY_SPACE, 1);
	key1(KBD, KEY_BACKSPACE, 1);
	key1(KBD, KEY_PAGEDOWN, 1);
	key1(KBD, KEY_F5, 1);
	key1(KBD, KEY_KP5, 1);
	key1(KBD, KEY_VOLUMEUP, 1);
	key1(KBD, KEY_ESC, 1);
	key1(KBD, KEY_RIGHTALT, 1);
	key1(KBD, BTN_LEFT, 1);
	key1(KBD, BTN_TOUCH, 1);
	key1(KBD, BTN_SOUTH, 1);
	assert_int_equal(drain(), 28);
	assert_rec(0, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(1, EV_SYN, SYN_REPORT, 0);
	assert_rec(2, EV_KEY, IT_KC_DIGIT, 1);
	assert_rec(4, EV_KEY, IT_KC_SYMBOL, 1);
	assert_rec(6, EV_KEY, IT_KC_WHITESPACE, 1);
	assert_rec(8, EV_KEY, IT_KC_EDITING, 1);
	assert_rec(10, EV_KEY, IT_KC_NAVIGATION, 1);
	assert_rec(12, EV_KEY, IT_KC_FUNCTION, 1);
	assert_rec(14, EV_KEY, IT_KC_KEYPAD, 1);
	assert_rec(16, EV_KEY, IT_KC_MEDIA, 1);
	assert_rec(18, EV_KEY, IT_KC_OTHER, 1);
	assert_rec(20, EV_KEY, KEY_RIGHTALT, 1);
	assert_rec(22, EV_KEY, BTN_LEFT, 1);
	assert_rec(24, EV_KEY, BTN_TOUCH, 1);
	assert_rec(26, EV_KEY, BTN_SOUTH, 1);
	assert_string_equal(it_code_name(EV_KEY, T.recs[0].code, tmp), "KEYCLASS_LETTER");
	/* codes past KEY_MAX (the core never sends them) are other, not themselves */
	key1(KBD, KEY_MAX + 1, 1);
	key1(KBD, 0xffff, 1);
	assert_int_equal(drain(), 4);
	assert_rec(0, EV_KEY, IT_KC_OTHER, 1);
	assert_rec(2, EV_KEY, IT_KC_OTHER, 1);
}

static void test_shortcuts_every_code_no_modifier(void **state)
{
	reset(IT_KEYS_SHORTCUTS);
	check_sweep_classified();
}

static void test_none_every_code(void **state)
{
	struct it_counters s;
	unsigned int c, buttons = 0;
	int i = 0;

	reset(IT_KEYS_NONE);
	sweep_all_codes(KBD);
	for (c = 0; c <= KEY_MAX; c++)
		if (table_row_class(c) == IT_KC_KEEP_BUTTON)
			buttons++;
	assert_int_equal(drain(), 3 * buttons);
	for (c = 0; c <= KEY_MAX; c++) {
		if (table_row_class(c) != IT_KC_KEEP_BUTTON)
			continue;
		assert_true(it_key_is_button(c));
		assert_rec(i++, EV_KEY, c, 1);
		assert_rec(i++, EV_KEY, c, 2);
		assert_rec(i++, EV_KEY, c, 0);
	}
	s = counters();
	assert_int_equal(s.seen, 3 * (KEY_MAX + 1));
	assert_int_equal(s.written, 3 * buttons);
	assert_int_equal(s.keys_dropped, 3 * (KEY_MAX + 1 - buttons));
	assert_int_equal(s.redact_dropped, 0);	/* the sweep's frames have no SYN_REPORT */
}

/* none leaves no trace of a keystroke: its scan code, key and SYN_REPORT all go; a
 * frame with anything else keeps its SYN_REPORT. */
static void test_none_frames(void **state)
{
	const struct val kbd[] = { { EV_MSC, MSC_SCAN, 0x70004 }, { EV_KEY, KEY_A, 1 },
				   { EV_SYN, SYN_REPORT, 0 } };
	const struct val rep[] = { { EV_KEY, KEY_A, 2 }, { EV_SYN, SYN_REPORT, 0 } };
	const struct val led[] = { { EV_LED, LED_CAPSL, 1 }, { EV_SYN, SYN_REPORT, 0 } };
	const struct val btn[] = { { EV_MSC, MSC_SCAN, 0x90001 }, { EV_KEY, BTN_LEFT, 1 },
				   { EV_SYN, SYN_REPORT, 0 } };
	const struct val mixed[] = { { EV_KEY, KEY_B, 1 }, { EV_REL, REL_X, 3 },
				     { EV_SYN, SYN_REPORT, 0 } };
	const struct val rel[] = { { EV_REL, REL_X, 5 }, { EV_SYN, SYN_REPORT, 0 } };
	struct it_counters s;

	reset(IT_KEYS_NONE);
	frame(KBD, kbd, 3);
	frame(KBD, rep, 2);
	frame(KBD, led, 2);
	assert_int_equal(drain(), 0);
	s = counters();
	assert_int_equal(s.seen, 7);
	assert_int_equal(s.keys_dropped, 2);
	assert_int_equal(s.redact_dropped, 5);	/* MSC_SCAN, LED, three SYN_REPORTs */

	frame(KBD, btn, 3);
	frame(KBD, mixed, 3);
	frame(KBD, rel, 2);
	assert_int_equal(drain(), 6);
	assert_rec(0, EV_KEY, BTN_LEFT, 1);
	assert_rec(1, EV_SYN, SYN_REPORT, 0);
	assert_rec(2, EV_REL, REL_X, 3);
	assert_rec(3, EV_SYN, SYN_REPORT, 0);
	assert_rec(4, EV_REL, REL_X, 5);
	assert_rec(5, EV_SYN, SYN_REPORT, 0);
	s = counters();
	assert_int_equal(s.seen, 15);
	assert_int_equal(s.written, 6);
	assert_int_equal(s.keys_dropped, 3);
	assert_int_equal(s.redact_dropped, 6);

	/* a frame whose values the type filter dropped keeps its SYN_REPORT, as before */
	{
		const struct it_config cfg = { .type_mask = 1u << EV_SYN, .default_verdict = IT_DEV_CAPTURE };

		reset_cfg(IT_KEYS_NONE, &cfg);
		frame(KBD, rel, 2);
		frame(KBD, kbd, 3);	/* MSC and KEY filtered, not redacted: SYN kept */
		assert_int_equal(drain(), 2);
		assert_rec(0, EV_SYN, SYN_REPORT, 0);
		assert_rec(1, EV_SYN, SYN_REPORT, 0);
	}
}

/* MSC_SCAN and MSC_RAW carry the key's scan code: dropped in every mode but raw;
 * the other MSC codes stay. */
static void test_msc_redacted(void **state)
{
	static const enum it_keys_mode modes[] = { IT_KEYS_CLASS, IT_KEYS_SHORTCUTS, IT_KEYS_NONE };
	const struct val v[] = {
		{ EV_MSC, MSC_SCAN, 0x1e }, { EV_KEY, KEY_A, 1 }, { EV_MSC, MSC_RAW, 0x9e },
		{ EV_MSC, MSC_SERIAL, 77 }, { EV_MSC, MSC_TIMESTAMP, 1234 }, { EV_SYN, SYN_REPORT, 0 },
	};
	const struct val scan_only[] = { { EV_MSC, MSC_SCAN, 0x1e }, { EV_SYN, SYN_REPORT, 0 } };
	size_t m;
	int i;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct it_counters s;
		int n, k = 0;

		reset(modes[m]);
		frame(KBD, v, 6);
		frame(KBD, scan_only, 2);	/* emptied by redaction: its SYN goes too */
		n = drain();
		assert_int_equal(n, modes[m] == IT_KEYS_NONE ? 3 : 4);
		if (modes[m] != IT_KEYS_NONE)
			assert_rec(k++, EV_KEY, IT_KC_LETTER, 1);
		assert_rec(k++, EV_MSC, MSC_SERIAL, 77);
		assert_rec(k++, EV_MSC, MSC_TIMESTAMP, 1234);
		assert_rec(k++, EV_SYN, SYN_REPORT, 0);
		for (i = 0; i < n; i++)
			assert_false(T.recs[i].type == EV_MSC &&
				     (T.recs[i].code == MSC_SCAN || T.recs[i].code == MSC_RAW));
		s = counters();
		assert_int_equal(s.redact_dropped, 4);	/* SCAN, RAW, SCAN, SYN */
		assert_int_equal(s.keys_dropped, modes[m] == IT_KEYS_NONE ? 1 : 0);
	}
}

/* shortcuts: each of Ctrl, Alt, Meta (left and right) held on the device unlocks a
 * letter, digit, symbol or whitespace key, for press, repeat and release; released,
 * it unlocks nothing; other classes stay classes. */
static void test_shortcut_each_modifier(void **state)
{
	static const uint16_t mods[] = { KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT,
					 KEY_LEFTMETA, KEY_RIGHTMETA };
	static const struct { uint16_t code, cls; bool unlocks; } keys[] = {
		{ KEY_C, IT_KC_LETTER, true }, { KEY_1, IT_KC_DIGIT, true },
		{ KEY_DOT, IT_KC_SYMBOL, true }, { KEY_TAB, IT_KC_WHITESPACE, true },
		{ KEY_F4, IT_KC_FUNCTION, false }, { KEY_LEFT, IT_KC_NAVIGATION, false },
		{ KEY_DELETE, IT_KC_EDITING, false }, { KEY_KP1, IT_KC_KEYPAD, false },
		{ KEY_MUTE, IT_KC_MEDIA, false },
	};
	size_t m, k;

	reset(IT_KEYS_SHORTCUTS);
	for (m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			uint16_t held = keys[k].unlocks ? keys[k].code : keys[k].cls;

			key1(KBD, mods[m], 1);
			key1(KBD, keys[k].code, 1);
			key1(KBD, keys[k].code, 2);
			key1(KBD, keys[k].code, 0);
			key1(KBD, mods[m], 2);	/* autorepeat of the modifier: still held */
			key1(KBD, keys[k].code, 1);
			key1(KBD, keys[k].code, 0);
			key1(KBD, mods[m], 0);
			key1(KBD, keys[k].code, 1);
			key1(KBD, keys[k].code, 0);
			assert_int_equal(drain(), 20);
			assert_rec(0, EV_KEY, mods[m], 1);	/* modifiers keep identity */
			assert_rec(2, EV_KEY, held, 1);
			assert_rec(4, EV_KEY, held, 2);
			assert_rec(6, EV_KEY, held, 0);
			assert_rec(8, EV_KEY, mods[m], 2);
			assert_rec(10, EV_KEY, held, 1);
			assert_rec(12, EV_KEY, held, 0);
			assert_rec(14, EV_KEY, mods[m], 0);
			assert_rec(16, EV_KEY, keys[k].cls, 1);	/* released: class again */
			assert_rec(18, EV_KEY, keys[k].cls, 0);
		}
	}
	/* modifier and key in one frame, in that order (one HID report) */
	{
		const struct val v[] = { { EV_KEY, KEY_LEFTCTRL, 1 }, { EV_KEY, KEY_V, 1 },
					 { EV_SYN, SYN_REPORT, 0 } };
		const struct val up[] = { { EV_KEY, KEY_LEFTCTRL, 0 }, { EV_KEY, KEY_V, 0 },
					  { EV_SYN, SYN_REPORT, 0 } };

		frame(KBD, v, 3);
		frame(KBD, up, 3);
		assert_int_equal(drain(), 6);
		assert_rec(1, EV_KEY, KEY_V, 1);
		assert_rec(4, EV_KEY, KEY_V, 0);	/* the release of what was pressed */
	}
	/* both Ctrl keys down, one released: still held */
	key1(KBD, KEY_LEFTCTRL, 1);
	key1(KBD, KEY_RIGHTCTRL, 1);
	key1(KBD, KEY_LEFTCTRL, 0);
	key1(KBD, KEY_Z, 1);
	key1(KBD, KEY_RIGHTCTRL, 0);
	key1(KBD, KEY_Z, 0);
	assert_int_equal(drain(), 12);
	assert_rec(6, EV_KEY, KEY_Z, 1);
	assert_rec(10, EV_KEY, KEY_Z, 0);	/* follows its press, Ctrl released or not */
	/* the other way round: pressed alone, released with Ctrl held: a class both times */
	key1(KBD, KEY_Q, 1);
	key1(KBD, KEY_LEFTCTRL, 1);
	key1(KBD, KEY_Q, 2);
	key1(KBD, KEY_Q, 0);
	key1(KBD, KEY_LEFTCTRL, 0);
	assert_int_equal(drain(), 10);
	assert_rec(0, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(4, EV_KEY, IT_KC_LETTER, 2);
	assert_rec(6, EV_KEY, IT_KC_LETTER, 0);
	/* and a shortcut's release clears it: the next press alone is a class again */
	key1(KBD, KEY_LEFTCTRL, 1);
	key1(KBD, KEY_Q, 1);
	key1(KBD, KEY_LEFTCTRL, 0);
	key1(KBD, KEY_Q, 0);
	key1(KBD, KEY_Q, 1);
	key1(KBD, KEY_Q, 0);
	assert_int_equal(drain(), 12);
	assert_rec(2, EV_KEY, KEY_Q, 1);
	assert_rec(6, EV_KEY, KEY_Q, 0);
	assert_rec(8, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(10, EV_KEY, IT_KC_LETTER, 0);
}

static void test_shortcut_shift_alone_and_other_device(void **state)
{
	reset(IT_KEYS_SHORTCUTS);
	/* Shift+letter is typed text */
	key1(KBD, KEY_LEFTSHIFT, 1);
	key1(KBD, KEY_H, 1);
	key1(KBD, KEY_RIGHTSHIFT, 1);
	key1(KBD, KEY_1, 1);
	assert_int_equal(drain(), 8);
	assert_rec(0, EV_KEY, KEY_LEFTSHIFT, 1);
	assert_rec(2, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(4, EV_KEY, KEY_RIGHTSHIFT, 1);
	assert_rec(6, EV_KEY, IT_KC_DIGIT, 1);
	/* with Ctrl as well: a shortcut */
	key1(KBD, KEY_LEFTCTRL, 1);
	key1(KBD, KEY_T, 1);
	assert_int_equal(drain(), 4);
	assert_rec(2, EV_KEY, KEY_T, 1);
	/* Ctrl held on one keyboard unlocks nothing on another */
	key1(KBD2, KEY_P, 1);
	assert_int_equal(drain(), 2);
	assert_rec(0, EV_KEY, IT_KC_LETTER, 1);
	/* the state goes with the device: after unregistering, a device at the same
	 * address starts with nothing held */
	{
		struct it_test_unreg u = { .dev_key = KBD };
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &u, .ctx_size_in = sizeof(u));

		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(T.skel->progs.it_test_unreg),
							&o), 0);
		drain();
		key1(KBD, KEY_T, 1);
		assert_int_equal(drain(), 2);
		assert_rec(0, EV_KEY, IT_KC_LETTER, 1);
	}
}

/* A held bit the input core's key bitmap does not show (a release evdev never
 * delivered) unlocks nothing: the real programs pass that bitmap as kmods. */
static void test_shortcut_stale_modifier(void **state)
{
	reset(IT_KEYS_SHORTCUTS);
	key1(KBD, KEY_LEFTCTRL, 1);
	T.skel->data->it_test_kernel_mods = 0;	/* the core says: nothing down */
	key1(KBD, KEY_S, 1);
	T.skel->data->it_test_kernel_mods = IT_MOD_RCTRL;	/* another modifier down */
	key1(KBD, KEY_S, 1);
	T.skel->data->it_test_kernel_mods = IT_MOD_LCTRL;
	key1(KBD, KEY_S, 1);
	assert_int_equal(drain(), 8);
	assert_rec(2, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(4, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(6, EV_KEY, KEY_S, 1);
}

/* The modifier state is followed in every mode, so switching to shortcuts at run
 * time finds it right; and in class mode a held Ctrl unlocks nothing. */
static void test_mode_switch(void **state)
{
	reset(IT_KEYS_CLASS);
	key1(KBD, KEY_LEFTALT, 1);
	key1(KBD, KEY_X, 1);
	T.skel->bss->it_switches.keys_mode = IT_KEYS_SHORTCUTS;	/* a run-time switch */
	key1(KBD, KEY_X, 1);
	key1(KBD, KEY_LEFTALT, 0);
	key1(KBD, KEY_X, 1);
	assert_int_equal(drain(), 10);
	assert_rec(2, EV_KEY, IT_KC_LETTER, 1);
	assert_rec(4, EV_KEY, KEY_X, 1);
	assert_rec(8, EV_KEY, IT_KC_LETTER, 1);
}

/* raw: every code, MSC and LED as they came; nothing counted as redacted. */
static void test_raw_unchanged(void **state)
{
	const struct val v[] = { { EV_MSC, MSC_SCAN, 0x1e }, { EV_MSC, MSC_RAW, 0x9e },
				 { EV_LED, LED_CAPSL, 1 }, { EV_SYN, SYN_REPORT, 0 } };
	struct it_counters s;
	unsigned int c;
	int i = 0;

	reset(IT_KEYS_RAW);
	sweep_all_codes(KBD);
	assert_int_equal(drain(), 3 * (KEY_MAX + 1));
	for (c = 0; c <= KEY_MAX; c++) {
		assert_rec(i++, EV_KEY, c, 1);
		assert_rec(i++, EV_KEY, c, 2);
		assert_rec(i++, EV_KEY, c, 0);
	}
	key1(KBD, KEY_LEFTCTRL, 1);
	key1(KBD, KEY_C, 1);
	frame(KBD, v, 4);
	assert_int_equal(drain(), 8);
	assert_rec(2, EV_KEY, KEY_C, 1);
	assert_rec(4, EV_MSC, MSC_SCAN, 0x1e);
	assert_rec(5, EV_MSC, MSC_RAW, 0x9e);
	assert_rec(6, EV_LED, LED_CAPSL, 1);
	s = counters();
	assert_int_equal(s.keys_dropped, 0);
	assert_int_equal(s.redact_dropped, 0);
	assert_int_equal(s.written, s.seen);
}

/* A table never written (all 0) redacts every key to other; buttons keep their code. */
static void test_unfilled_table_redacts(void **state)
{
	int fd = bpf_map__fd(T.skel->maps.it_keyclass);
	__u16 z = 0;
	__u32 c;

	reset(IT_KEYS_CLASS);
	for (c = 0; c <= KEY_MAX; c++)
		assert_int_equal(bpf_map_update_elem(fd, &c, &z, BPF_ANY), 0);
	key1(KBD, KEY_A, 1);
	key1(KBD, KEY_LEFTCTRL, 1);
	key1(KBD, BTN_RIGHT, 1);
	assert_int_equal(drain(), 6);
	assert_rec(0, EV_KEY, IT_KC_OTHER, 1);
	assert_rec(2, EV_KEY, IT_KC_OTHER, 1);
	assert_rec(4, EV_KEY, BTN_RIGHT, 1);
	assert_int_equal(it_keyclass_load(fd), 0);
}

/* What bpftool shows: it_switches has keys_mode; it_keyclass is KEY_MAX+1 __u16 that
 * the loader filled from the table. */
static void test_maps_visible(void **state)
{
	const struct btf *btf;
	const struct btf_type *t;
	const struct btf_member *mb;
	int id, i, fd;
	bool found = false;
	__u32 c;

	reset(IT_KEYS_CLASS);
	btf = bpf_object__btf(T.skel->obj);
	id = btf__find_by_name_kind(btf, "it_switches", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(btf, id);
	mb = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, mb[i].name_off), "keys_mode")) {
			assert_int_equal(btf_member_bit_offset(t, i),
					 offsetof(struct it_switches, keys_mode) * 8);
			found = true;
		}
	assert_true(found);
	assert_int_equal(bpf_map__max_entries(T.skel->maps.it_keyclass), KEY_MAX + 1);
	assert_int_equal(bpf_map__value_size(T.skel->maps.it_keyclass), sizeof(__u16));
	fd = bpf_map__fd(T.skel->maps.it_keyclass);
	for (c = 0; c <= KEY_MAX; c++) {
		__u16 v;

		assert_int_equal(bpf_map_lookup_elem(fd, &c, &v), 0);
		assert_int_equal(v, T.table[c]);
	}
}

/* --pointer: reset() in class mode, loaded with these pointer settings. */
static void reset_pointer(enum it_pointer_mode mode, __u32 grid)
{
	const struct it_config cfg = { .type_mask = ~0u, .default_verdict = IT_DEV_CAPTURE,
				       .pointer_mode = mode, .pointer_grid = grid };

	reset_cfg(IT_KEYS_CLASS, &cfg);
}

/* Floor to a multiple of g, computed apart from the BPF code (signed 64-bit), clamped
 * to the __s32 range as docs/data-contract.md says. */
static int32_t floor_grid(int32_t v, uint32_t g)
{
	long long q = (long long)v / g, r = (long long)v % g, e;

	if (r < 0)
		q--;
	e = q * (long long)g;
	return e < INT32_MIN ? INT32_MIN : (int32_t)e;
}

static const int32_t pointer_samples[] = {
	0, 1, 63, 64, 65, 127, 128, 1000, 4095, 32767, 65535, -1, -63, -64, -65, -128, -1000,
	INT32_MAX, INT32_MAX - 1, INT32_MIN, INT32_MIN + 1,
};
#define N_SAMPLES (sizeof(pointer_samples) / sizeof(pointer_samples[0]))

static bool is_position(uint16_t type, uint16_t code)
{
	return type == EV_ABS && (code == ABS_X || code == ABS_Y || code == ABS_MT_POSITION_X ||
				  code == ABS_MT_POSITION_Y || code == ABS_MT_TOOL_X ||
				  code == ABS_MT_TOOL_Y);
}

/* One frame per sample: each position axis and each axis that must stay exact (other
 * EV_ABS, EV_REL, buttons) carries the sample; the records show each as expected. */
static void pointer_sweep(enum it_pointer_mode mode, uint32_t grid)
{
	static const struct { uint16_t type, code; } axes[] = {
		{ EV_ABS, ABS_X }, { EV_ABS, ABS_Y }, { EV_ABS, ABS_MT_SLOT },
		{ EV_ABS, ABS_MT_TRACKING_ID }, { EV_ABS, ABS_MT_POSITION_X },
		{ EV_ABS, ABS_MT_POSITION_Y }, { EV_ABS, ABS_MT_TOOL_X }, { EV_ABS, ABS_MT_TOOL_Y },
		{ EV_ABS, ABS_PRESSURE }, { EV_ABS, ABS_MT_PRESSURE }, { EV_ABS, ABS_MT_TOUCH_MAJOR },
		{ EV_ABS, ABS_Z }, { EV_ABS, ABS_RX }, { EV_ABS, ABS_TILT_X }, { EV_ABS, ABS_DISTANCE },
		{ EV_REL, REL_X }, { EV_REL, REL_Y }, { EV_REL, REL_WHEEL },
		{ EV_MSC, MSC_TIMESTAMP }, { EV_KEY, BTN_TOUCH },
	};
	const unsigned int na = sizeof(axes) / sizeof(axes[0]);
	struct val v[IT_TEST_VALS];
	unsigned int s, a;
	int i = 0;

	reset_pointer(mode, grid);
	for (s = 0; s < N_SAMPLES; s++) {
		for (a = 0; a < na; a++)
			v[a] = (struct val){ axes[a].type, axes[a].code, pointer_samples[s] };
		v[na] = (struct val){ EV_SYN, SYN_REPORT, 0 };
		frame(KBD, v, na + 1);
	}
	assert_int_equal(drain(), N_SAMPLES * (na + 1));
	for (s = 0; s < N_SAMPLES; s++) {
		for (a = 0; a < na; a++) {
			int32_t x = pointer_samples[s];

			if (mode == IT_POINTER_COARSE && is_position(axes[a].type, axes[a].code))
				x = floor_grid(x, grid);
			assert_rec(i++, axes[a].type, axes[a].code, x);
		}
		assert_rec(i++, EV_SYN, SYN_REPORT, 0);
	}
}

/* --pointer exact (the default, 0 in it_config): every value as it came, whatever the
 * grid field holds. */
static void test_pointer_exact(void **state)
{
	pointer_sweep(IT_POINTER_EXACT, 0);
	pointer_sweep(IT_POINTER_EXACT, 64);
}

/* --pointer coarse: position axes floored to the grid (negatives toward the grid line
 * below, values on the grid unchanged); other EV_ABS, EV_REL and the rest exact. */
static void test_pointer_coarse(void **state)
{
	const struct val v[] = {
		{ EV_ABS, ABS_X, 0 }, { EV_ABS, ABS_X, 63 }, { EV_ABS, ABS_X, 64 },
		{ EV_ABS, ABS_Y, 1000 }, { EV_ABS, ABS_Y, -1 }, { EV_ABS, ABS_Y, -64 },
		{ EV_ABS, ABS_MT_POSITION_X, -65 }, { EV_ABS, ABS_MT_POSITION_Y, 4095 },
		{ EV_ABS, ABS_MT_TRACKING_ID, -1 }, { EV_ABS, ABS_PRESSURE, 1000 },
		{ EV_REL, REL_X, -65 }, { EV_SYN, SYN_REPORT, 0 },
	};
	struct it_counters c;

	/* literal values: the grid rule itself, not just floor_grid() */
	reset_pointer(IT_POINTER_COARSE, 64);
	frame(KBD, v, 12);
	assert_int_equal(drain(), 12);
	assert_rec(0, EV_ABS, ABS_X, 0);
	assert_rec(1, EV_ABS, ABS_X, 0);
	assert_rec(2, EV_ABS, ABS_X, 64);
	assert_rec(3, EV_ABS, ABS_Y, 960);
	assert_rec(4, EV_ABS, ABS_Y, -64);
	assert_rec(5, EV_ABS, ABS_Y, -64);
	assert_rec(6, EV_ABS, ABS_MT_POSITION_X, -128);
	assert_rec(7, EV_ABS, ABS_MT_POSITION_Y, 4032);
	assert_rec(8, EV_ABS, ABS_MT_TRACKING_ID, -1);
	assert_rec(9, EV_ABS, ABS_PRESSURE, 1000);
	assert_rec(10, EV_REL, REL_X, -65);
	c = counters();
	assert_int_equal(c.written, 12);	/* coarsening drops nothing */
	/* every sample, several grids: powers of two, odd ones (INT32_MIN clamps), 1 */
	pointer_sweep(IT_POINTER_COARSE, 64);
	pointer_sweep(IT_POINTER_COARSE, 1);
	pointer_sweep(IT_POINTER_COARSE, 3);
	pointer_sweep(IT_POINTER_COARSE, 100);
	pointer_sweep(IT_POINTER_COARSE, 0x7fffffff);
	/* loaded exact again: the same frame as it came */
	reset_pointer(IT_POINTER_EXACT, 64);
	frame(KBD, v, 12);
	assert_int_equal(drain(), 12);
	assert_rec(1, EV_ABS, ABS_X, 63);
	assert_rec(6, EV_ABS, ABS_MT_POSITION_X, -65);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_visible),
		cmocka_unit_test(test_class_every_code),
		cmocka_unit_test(test_shortcuts_every_code_no_modifier),
		cmocka_unit_test(test_none_every_code),
		cmocka_unit_test(test_none_frames),
		cmocka_unit_test(test_msc_redacted),
		cmocka_unit_test(test_shortcut_each_modifier),
		cmocka_unit_test(test_shortcut_shift_alone_and_other_device),
		cmocka_unit_test(test_shortcut_stale_modifier),
		cmocka_unit_test(test_mode_switch),
		cmocka_unit_test(test_raw_unchanged),
		cmocka_unit_test(test_unfilled_table_redacts),
		cmocka_unit_test(test_pointer_exact),
		cmocka_unit_test(test_pointer_coarse),
	};

	return cmocka_run_group_tests_name("bpf_redact", tests, setup, teardown);
}
