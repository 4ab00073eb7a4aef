// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_cli.c - it_parse_args and it_parse_types (userspace/cli.c): defaults, every
 * option, every bad value (-1 and a one-line message naming the option, nothing
 * printed), --help/--version (1, text to the FILE given).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cli.h"

#define MAX_ARGS 80

struct run {
	int rc;
	struct it_opts o;
	char err[512];
	char *out;	/* what was printed to the FILE */
	size_t outlen;
	char *argv[MAX_ARGS + 2];
};

static struct run R;

/* it_parse_args on "inputtrace" + the NULL-terminated args; output into R. */
static int parse_v(const char *const *args)
{
	FILE *f;
	int argc = 0;

	free(R.out);
	memset(&R, 0, sizeof(R));
	memset(R.err, 'Z', sizeof(R.err) - 1);	/* to see what was written */
	R.argv[argc++] = "inputtrace";
	while (*args) {
		assert_true(argc <= MAX_ARGS);
		R.argv[argc++] = (char *)*args++;
	}
	R.argv[argc] = NULL;
	f = open_memstream(&R.out, &R.outlen);
	assert_non_null(f);
	R.rc = it_parse_args(argc, R.argv, &R.o, R.err, sizeof(R.err), f);
	assert_int_equal(fclose(f), 0);
	return R.rc;
}

#define parse(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })
#define parse0() parse_v((const char *const[]){ NULL })

/* -1, nothing printed, a single line naming `needle` (the option, and the value). */
#define assert_bad(needle, ...) do {					\
	assert_int_equal(parse(__VA_ARGS__), -1);			\
	assert_int_equal(R.outlen, 0);					\
	assert_non_null(memchr(R.err, 0, sizeof(R.err)));		\
	assert_null(strchr(R.err, '\n'));				\
	assert_true(strlen(R.err) > 10);				\
	if (!strstr(R.err, (needle))) {					\
		print_error("message '%s' does not name '%s'\n", R.err, (needle)); \
		fail();							\
	}								\
} while (0)

static void test_defaults(void **state)
{
	struct it_opts o;

	assert_int_equal(parse0(), 0);
	assert_string_equal(R.o.output, "-");
	assert_int_equal(R.o.type_mask, 0xffffffffu);
	assert_int_equal(R.o.n_devices, 0);
	assert_true(R.o.duration_s == 0);
	assert_int_equal(R.o.count, 0);
	assert_int_equal(R.o.ring_size, 4u << 20);
	assert_int_equal(R.o.attach, IT_ATTACH_AUTO);
	assert_int_equal(R.o.keys, IT_KEYS_CLASS);	/* redacting unless asked not to */
	assert_int_equal(R.o.pointer, IT_POINTER_EXACT);
	assert_int_equal(R.o.pointer_grid, IT_POINTER_GRID_DEFAULT);
	assert_false(R.o.list_devices);
	assert_false(R.o.no_time);
	assert_int_equal(R.o.verbose, 0);
	assert_int_equal(R.outlen, 0);

	memset(&o, 0x5a, sizeof(o));
	it_opts_init(&o);
	assert_string_equal(o.output, "-");
	assert_int_equal(o.type_mask, 0xffffffffu);
	assert_int_equal(o.ring_size, 4u << 20);
	assert_int_equal(o.n_devices, 0);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.verbose, 0);
}

static void test_output_option(void **state)
{
	assert_int_equal(parse("-o", "/tmp/cap.jsonl"), 0);
	assert_string_equal(R.o.output, "/tmp/cap.jsonl");
	assert_int_equal(parse("--output", "x y"), 0);
	assert_string_equal(R.o.output, "x y");
	assert_int_equal(parse("--output=a.jsonl"), 0);
	assert_string_equal(R.o.output, "a.jsonl");
	assert_int_equal(parse("-ob.jsonl"), 0);
	assert_string_equal(R.o.output, "b.jsonl");
	assert_int_equal(parse("-o", "-"), 0);
	assert_string_equal(R.o.output, "-");
	assert_bad("--output", "-o", "");
	assert_bad("--output", "--output=");
}

static void test_types_option(void **state)
{
	assert_int_equal(parse("-t", "key,syn"), 0);
	assert_int_equal(R.o.type_mask, (1u << 1) | (1u << 0));
	assert_int_equal(parse("--types", "EV_ABS"), 0);
	assert_int_equal(R.o.type_mask, 1u << 3);
	assert_int_equal(parse("--types=rel,msc"), 0);
	assert_int_equal(R.o.type_mask, (1u << 2) | (1u << 4));
	/* the last one wins */
	assert_int_equal(parse("-t", "key", "-t", "sw"), 0);
	assert_int_equal(R.o.type_mask, 1u << 5);

	assert_bad("--types", "-t", "bogus");
	assert_bad("bogus", "--types", "key,bogus");
	assert_bad("--types", "--types", "");
	assert_bad("--types", "--types", ",");
	assert_bad("--types", "--types", "EV_MAX");
}

static void test_device_option(void **state)
{
	assert_int_equal(parse("-d", "Logitech*", "--device", "046d:c52b", "-d", "input7",
			       "--device=name:AT Translated*"), 0);
	assert_int_equal(R.o.n_devices, 4);
	assert_int_equal(R.o.devices[0].kind, IT_SPEC_NAME);
	assert_string_equal(R.o.devices[0].text, "Logitech*");
	assert_int_equal(R.o.devices[1].kind, IT_SPEC_ID);
	assert_int_equal(R.o.devices[1].vendor, 0x046d);
	assert_int_equal(R.o.devices[1].product, 0xc52b);
	assert_int_equal(R.o.devices[2].kind, IT_SPEC_SYSNAME);
	assert_string_equal(R.o.devices[2].sysname, "input7");
	assert_int_equal(R.o.devices[3].kind, IT_SPEC_NAME);
	assert_string_equal(R.o.devices[3].text, "AT Translated*");

	assert_bad("--device", "-d", "");
	assert_bad("--device", "-d", "/etc/passwd");
	assert_bad("--device", "-d", "/dev/input/mouse0");
	{
		/* IT_MAX_SPECS accepted, one more refused */
		const char *args[2 * (IT_MAX_SPECS + 1) + 1];
		int i;

		for (i = 0; i < IT_MAX_SPECS + 1; i++) {
			args[2 * i] = "-d";
			args[2 * i + 1] = "dev*";
		}
		args[2 * IT_MAX_SPECS] = NULL;
		assert_int_equal(parse_v(args), 0);
		assert_int_equal(R.o.n_devices, IT_MAX_SPECS);
		args[2 * IT_MAX_SPECS] = "-d";
		args[2 * IT_MAX_SPECS + 2] = NULL;
		assert_int_equal(parse_v(args), -1);
		assert_non_null(strstr(R.err, "--device"));
	}
}

/* --pointer exact|coarse, --pointer-grid UNITS (> 0). */
static void test_pointer_options(void **state)
{
	assert_int_equal(parse("--pointer", "coarse"), 0);
	assert_int_equal(R.o.pointer, IT_POINTER_COARSE);
	assert_int_equal(R.o.pointer_grid, 64);
	assert_int_equal(parse("--pointer=coarse", "--pointer-grid", "100"), 0);
	assert_int_equal(R.o.pointer, IT_POINTER_COARSE);
	assert_int_equal(R.o.pointer_grid, 100);
	assert_int_equal(parse("--pointer", "coarse", "--pointer", "exact", "--pointer-grid=1"), 0);
	assert_int_equal(R.o.pointer, IT_POINTER_EXACT);
	assert_int_equal(R.o.pointer_grid, 1);
	assert_int_equal(parse("--pointer-grid", "2147483647"), 0);
	assert_int_equal(R.o.pointer_grid, 2147483647u);
	assert_string_equal(it_pointer_name(IT_POINTER_EXACT), "exact");
	assert_string_equal(it_pointer_name(IT_POINTER_COARSE), "coarse");
	assert_bad("--pointer 'fine'", "--pointer", "fine");
	assert_bad("--pointer 'COARSE'", "--pointer", "COARSE");
	assert_bad("--pointer ''", "--pointer", "");
	assert_bad("--pointer", "--pointer");
	assert_bad("--pointer-grid '0'", "--pointer-grid", "0");
	assert_bad("--pointer-grid '-64'", "--pointer-grid", "-64");
	assert_bad("--pointer-grid '64x'", "--pointer-grid", "64x");
	assert_bad("--pointer-grid ''", "--pointer-grid", "");
	assert_bad("--pointer-grid '2147483648'", "--pointer-grid", "2147483648");
	assert_bad("--pointer-grid", "--pointer-grid");
}

static void test_privacy_options(void **state)
{
	assert_int_equal(parse0(), 0);
	assert_int_equal(R.o.n_exclude, 0);
	assert_null(R.o.control_socket);
	assert_null(R.o.control_group);
	assert_string_equal(R.o.status_file, "/run/inputtrace/status");
	assert_false(R.o.syslog);

	assert_int_equal(parse("--exclude-device", "046d:c52b", "--exclude-device=name:*Yubikey*",
			       "-d", "input7"), 0);
	assert_int_equal(R.o.n_exclude, 2);
	assert_int_equal(R.o.n_devices, 1);
	assert_int_equal(R.o.exclude[0].kind, IT_SPEC_ID);
	assert_int_equal(R.o.exclude[0].vendor, 0x046d);
	assert_int_equal(R.o.exclude[1].kind, IT_SPEC_NAME);
	assert_string_equal(R.o.exclude[1].text, "*Yubikey*");
	assert_bad("--exclude-device", "--exclude-device", "");
	assert_bad("--exclude-device", "--exclude-device", "/etc/passwd");

	/* --control-group alone: the default socket */
	assert_int_equal(parse("--control-group", "itpause"), 0);
	assert_string_equal(R.o.control_group, "itpause");
	assert_string_equal(R.o.control_socket, "/run/inputtrace/control.sock");
	assert_int_equal(parse("--control-socket", "/tmp/c.sock", "--status-file", "none", "--syslog"), 0);
	assert_string_equal(R.o.control_socket, "/tmp/c.sock");
	assert_null(R.o.control_group);
	assert_null(R.o.status_file);
	assert_true(R.o.syslog);
	assert_int_equal(parse("--status-file", "/tmp/st"), 0);
	assert_string_equal(R.o.status_file, "/tmp/st");
	assert_bad("--control-socket", "--control-socket", "rel.sock");
	assert_bad("--control-group", "--control-group", "");
	assert_bad("--status-file", "--status-file", "relative");
	assert_bad("--syslog", "--syslog=1");
}

static void test_duration_option(void **state)
{
	assert_int_equal(parse("-D", "5"), 0);
	assert_true(R.o.duration_s == 5.0);
	assert_int_equal(parse("--duration", "0.25"), 0);
	assert_true(R.o.duration_s == 0.25);
	assert_int_equal(parse("--duration=1e3"), 0);
	assert_true(R.o.duration_s == 1000.0);
	assert_int_equal(parse("-D", "1000000000"), 0);
	assert_true(R.o.duration_s == 1e9);

	assert_bad("--duration", "--duration", "0");
	assert_bad("--duration", "--duration", "0.0");
	assert_bad("--duration", "--duration", "-1");
	assert_bad("--duration", "--duration", "abc");
	assert_bad("--duration", "--duration", "inf");
	assert_bad("--duration", "--duration", "-inf");
	assert_bad("--duration", "--duration", "nan");
	assert_bad("--duration", "--duration", "5s");
	assert_bad("--duration", "--duration", "1e10");
	assert_bad("--duration", "--duration", "1e999");
	assert_bad("--duration", "--duration", "");
	assert_bad("'abc'", "-D", "abc");
}

static void test_count_option(void **state)
{
	assert_int_equal(parse("-c", "1"), 0);
	assert_int_equal(R.o.count, 1);
	assert_int_equal(parse("--count", "1000000"), 0);
	assert_int_equal(R.o.count, 1000000);
	assert_int_equal(parse("--count=18446744073709551615"), 0);
	assert_int_equal(R.o.count, UINT64_MAX);

	assert_bad("--count", "--count", "0");
	assert_bad("--count", "--count", "-5");
	assert_bad("--count", "--count", "x");
	assert_bad("--count", "--count", "");
	assert_bad("--count", "--count", "5x");
	assert_bad("--count", "--count", " 5");
	assert_bad("--count", "--count", "1.5");
	assert_bad("--count", "--count", "18446744073709551616");
	assert_bad("'-5'", "-c", "-5");
}

static void test_ring_size_option(void **state)
{
	static const struct { const char *arg; uint32_t want; } ok[] = {
		{ "4096", 4096 }, { "8192", 8192 }, { "4K", 4096 }, { "64k", 65536 },
		{ "1M", 1u << 20 }, { "16m", 16u << 20 }, { "1024M", 1u << 30 },
		{ "1073741824", 1u << 30 }, { "1048576K", 1u << 30 },
	};
	static const char *const bad[] = {
		"1000", "3000", "5000", "4095", "2048", "0", "1", "-4096", "abc", "", "4096x",
		"4G", "2048M", "2147483648", "1K", "4KB", " 4096", "99999999999999999999",
		/* these wrap to 4096 when the suffix shift overflows 64 bits */
		"18014398509481988K", "17592186044420M",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse("--ring-size", ok[i].arg), 0);
		assert_int_equal(R.o.ring_size, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "--ring-size '%s'", bad[i]);
		assert_bad(want, "--ring-size", bad[i]);
	}
}

static void test_attach_and_flags(void **state)
{
	assert_int_equal(parse("--attach", "fentry"), 0);
	assert_int_equal(R.o.attach, IT_ATTACH_FENTRY);
	assert_int_equal(parse("--attach=kprobe"), 0);
	assert_int_equal(R.o.attach, IT_ATTACH_KPROBE);
	assert_int_equal(parse("--attach", "kprobe", "--attach", "auto"), 0);
	assert_int_equal(R.o.attach, IT_ATTACH_AUTO);
	assert_bad("--attach", "--attach", "bogus");
	assert_bad("--attach", "--attach", "FENTRY");
	assert_bad("--attach", "--attach", "");

	assert_int_equal(parse("--keys", "raw"), 0);
	assert_int_equal(R.o.keys, IT_KEYS_RAW);
	assert_int_equal(parse("--keys=none"), 0);
	assert_int_equal(R.o.keys, IT_KEYS_NONE);
	assert_int_equal(parse("--keys", "shortcuts"), 0);
	assert_int_equal(R.o.keys, IT_KEYS_SHORTCUTS);
	assert_int_equal(parse("--keys", "raw", "--keys", "class"), 0);
	assert_int_equal(R.o.keys, IT_KEYS_CLASS);
	assert_bad("--keys", "--keys", "RAW");
	assert_bad("--keys", "--keys", "all");
	assert_bad("--keys", "--keys", "");
	assert_bad("--keys", "--keys");

	assert_int_equal(parse("-l"), 0);
	assert_true(R.o.list_devices);
	assert_int_equal(parse("--list-devices"), 0);
	assert_true(R.o.list_devices);
	assert_int_equal(parse("--no-time"), 0);
	assert_true(R.o.no_time);
	assert_false(R.o.list_devices);
	assert_int_equal(parse("-v"), 0);
	assert_int_equal(R.o.verbose, 1);
	assert_int_equal(parse("-v", "--verbose", "-vv"), 0);
	assert_int_equal(R.o.verbose, 4);

	/* everything at once, short options bundled */
	assert_int_equal(parse("-lv", "-t", "key", "-c", "3", "-D", "2", "-o", "f",
			       "--ring-size", "8K", "--attach", "kprobe", "--no-time", "-d", "input3"), 0);
	assert_true(R.o.list_devices);
	assert_int_equal(R.o.verbose, 1);
	assert_int_equal(R.o.type_mask, 1u << 1);
	assert_int_equal(R.o.count, 3);
	assert_true(R.o.duration_s == 2.0);
	assert_string_equal(R.o.output, "f");
	assert_int_equal(R.o.ring_size, 8192);
	assert_int_equal(R.o.attach, IT_ATTACH_KPROBE);
	assert_true(R.o.no_time);
	assert_int_equal(R.o.n_devices, 1);
	assert_string_equal(R.o.devices[0].sysname, "input3");
}

/* The options are handled in groups (capture, output, operating): options of every
 * group interleaved all land, and a bad value in each group is that option's error,
 * not "unknown option". */
static void test_option_groups(void **state)
{
	static const char *const bad[][3] = {
		{ "--user", "", "--user ''" },
		{ "--metrics-file", "", "--metrics-file ''" },
		{ "--control-socket", "rel.sock", "--control-socket 'rel.sock'" },
		{ "--control-group", "", "--control-group ''" },
		{ "--status-file", "rel", "--status-file 'rel'" },
		{ "--stats-interval", "0.01", "--stats-interval '0.01'" },
		{ "--format", "xml", "--format 'xml'" },
		{ "--flush-interval", "3601", "--flush-interval '3601'" },
		{ "--max-files", "0", "--max-files '0'" },
		{ "--max-age", "1x", "--max-age '1x'" },
		{ "--rotate-interval", "0", "--rotate-interval '0'" },
		{ "--file-mode", "0700", "--file-mode '0700'" },
		{ "--pointer-grid", "0", "--pointer-grid '0'" },
	};
	unsigned int i;

	assert_int_equal(parse("-t", "key", "--format", "csv", "--pin", "/sys/fs/bpf/t", "-c", "5",
			       "-o", "d/", "--user", "nobody", "-z3", "--keys", "none",
			       "--metrics-file", "/tmp/m", "--max-files", "7", "--syslog",
			       "--exclude-device", "input9", "--rotate-interval", "1h",
			       "--control-group", "wheel", "--file-mode", "0640", "-v"), 0);
	assert_int_equal(R.o.type_mask, 1u << 1);
	assert_int_equal(R.o.format, IT_FMT_CSV);
	assert_string_equal(R.o.pin, "/sys/fs/bpf/t");
	assert_int_equal(R.o.count, 5);
	assert_string_equal(R.o.output, "d/");
	assert_string_equal(R.o.user, "nobody");
	assert_int_equal(R.o.compress, 3);
	assert_int_equal(R.o.keys, IT_KEYS_NONE);
	assert_string_equal(R.o.metrics_file, "/tmp/m");
	assert_int_equal(R.o.max_files, 7);
	assert_true(R.o.syslog);
	assert_int_equal(R.o.n_exclude, 1);
	assert_string_equal(R.o.exclude[0].sysname, "input9");
	assert_true(R.o.rotate_interval_s == 3600);
	assert_string_equal(R.o.control_group, "wheel");
	assert_string_equal(R.o.control_socket, "/run/inputtrace/control.sock");
	assert_int_equal(R.o.file_mode, 0640);
	assert_int_equal(R.o.verbose, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_bad(bad[i][2], "-o", "d/", bad[i][0], bad[i][1]);
}

static void test_unknown_missing_stray(void **state)
{
	assert_bad("--bogus", "--bogus");
	assert_bad("--bogus", "-l", "--bogus");
	assert_bad("-x", "-x");
	assert_bad("-x", "-lx");
	assert_bad("-:", "-:");
	/* flags take no value: named as given, whatever their short letter */
	assert_bad("option '--no-time' takes no value", "--no-time=1");
	assert_bad("option '--help' takes no value", "--help=yes");
	assert_bad("option '--list-devices' takes no value", "--list-devices=");
	assert_bad("option '--verbose' takes no value", "-l", "--verbose=2");

	/* missing values: long and short */
	assert_bad("--count", "--count");
	assert_bad("--output", "-l", "--output");
	assert_bad("--types", "--types");
	assert_bad("--device", "--device");
	assert_bad("--duration", "--duration");
	assert_bad("--ring-size", "--ring-size");
	assert_bad("--attach", "--attach");
	assert_bad("-c", "-c");
	assert_bad("-o", "-o");

	/* stray arguments, before, between or after options */
	assert_bad("'foo'", "foo");
	assert_bad("'foo'", "-l", "foo");
	assert_bad("'foo'", "foo", "-l");
	assert_bad("'bar'", "-c", "3", "bar", "-l");

	/* a second call after a failure starts from scratch, even one that stopped in
	 * the middle of a bundle of short options */
	assert_bad("-x", "-xl");
	assert_int_equal(parse("-c", "5"), 0);
	assert_int_equal(R.o.count, 5);
	assert_false(R.o.list_devices);
	assert_int_equal(parse("-c", "2"), 0);
	assert_int_equal(R.o.count, 2);
	assert_int_equal(parse0(), 0);
	assert_int_equal(R.o.count, 0);
}

static void test_help_version(void **state)
{
	static const char *const mentioned[] = { "--output", "--types", "--device", "--duration",
		"--count", "--list-devices", "--attach", "--ring-size", "--keys", "--pointer", "--pointer-grid", "--no-time", "--verbose",
		"--help", "--version", "Exit status" };
	char want[128];
	size_t i;

	assert_int_equal(parse("--help"), 1);
	assert_non_null(R.out);
	assert_int_equal(strncmp(R.out, "Usage: inputtrace ", 18), 0);
	assert_int_equal(R.out[R.outlen - 1], '\n');
	for (i = 0; i < sizeof(mentioned) / sizeof(mentioned[0]); i++)
		assert_non_null(strstr(R.out, mentioned[i]));
	assert_int_equal(parse("-h"), 1);
	assert_int_equal(strncmp(R.out, "Usage: inputtrace ", 18), 0);
	/* help wins over what follows it */
	assert_int_equal(parse("-l", "--help", "--bogus"), 1);
	assert_int_equal(strncmp(R.out, "Usage: ", 7), 0);

	snprintf(want, sizeof(want), "inputtrace %s (schema %d)\n", INPUTTRACE_VERSION, IT_SCHEMA_VERSION);
	assert_int_equal(parse("--version"), 1);
	assert_string_equal(R.out, want);
	assert_int_equal(parse("-V"), 1);
	assert_string_equal(R.out, want);
}

static void test_parse_types(void **state)
{
	static const struct { const char *list; uint32_t want; } ok[] = {
		{ "EV_SYN", 1u << 0 }, { "syn", 1u << 0 }, { "key", 1u << 1 }, { "EV_KEY", 1u << 1 },
		{ "ev_key", 1u << 1 }, { "Ev_KeY", 1u << 1 }, { "KEY", 1u << 1 }, { "rel", 1u << 2 },
		{ "abs", 1u << 3 }, { "msc", 1u << 4 }, { "sw", 1u << 5 }, { "led", 1u << 0x11 },
		{ "snd", 1u << 0x12 }, { "rep", 1u << 0x14 }, { "ff", 1u << 0x15 },
		{ "pwr", 1u << 0x16 }, { "ff_status", 1u << 0x17 }, { "EV_FF_STATUS", 1u << 0x17 },
		{ "key,syn", 0x3 }, { "EV_KEY,syn,Rel", 0x7 }, { " key , syn ", 0x3 },
		{ "\tkey,\nabs ", (1u << 1) | (1u << 3) }, { "key,key", 1u << 1 },
		{ "key,,syn", 0x3 }, { ",key,", 1u << 1 },
		{ "all", 0xffffffffu }, { "ALL", 0xffffffffu }, { "All", 0xffffffffu },
		{ " all ", 0xffffffffu }, { "key,all", 0xffffffffu }, { "all,key", 0xffffffffu },
	};
	static const char *const bad[] = {
		"bogus", "EV_BOGUS", "key,bogus", "EV_", "ev_ev_key", "k ey", "EV_MAX", "max",
		"EV_CNT", "cnt", "0", "1", "", ",", " , ", "key;syn", "alls",
	};
	char err[256];
	uint32_t mask;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		mask = 0x12345678;
		if (it_parse_types(ok[i].list, &mask, err, sizeof(err))) {
			print_error("'%s' refused: %s\n", ok[i].list, err);
			fail();
		}
		if (mask != ok[i].want) {
			print_error("'%s': mask 0x%x, want 0x%x\n", ok[i].list, mask, ok[i].want);
			fail();
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mask = 0x12345678;
		err[0] = 0;
		if (!it_parse_types(bad[i], &mask, err, sizeof(err))) {
			print_error("'%s' accepted: 0x%x\n", bad[i], mask);
			fail();
		}
		assert_int_equal(mask, 0x12345678);	/* untouched on error */
		assert_non_null(strstr(err, "--types"));
		assert_null(strchr(err, '\n'));
	}
	/* the message names the bad word */
	it_parse_types("key, Bogus ,syn", &mask, err, sizeof(err));
	assert_non_null(strstr(err, "'Bogus'"));
	/* NULL and overlong lists */
	assert_int_equal(it_parse_types(NULL, &mask, err, sizeof(err)), -1);
	{
		char longlist[600];

		memset(longlist, 0, sizeof(longlist));
		for (i = 0; i + 4 < sizeof(longlist) - 1; i += 4)
			memcpy(longlist + i, "key,", 4);
		assert_int_equal(it_parse_types(longlist, &mask, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--types"));
	}
	/* a tiny err buffer is not overrun */
	{
		char small[8];

		memset(small, 'x', sizeof(small));
		assert_int_equal(it_parse_types("bogus", &mask, small, 5), -1);
		assert_int_equal(small[4], 0);
		assert_int_equal(small[5], 'x');
	}
}

static int teardown(void **state)
{
	free(R.out);
	R.out = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_output_option),
		cmocka_unit_test(test_types_option),
		cmocka_unit_test(test_device_option),
		cmocka_unit_test(test_duration_option),
		cmocka_unit_test(test_count_option),
		cmocka_unit_test(test_ring_size_option),
		cmocka_unit_test(test_attach_and_flags),
		cmocka_unit_test(test_option_groups),
		cmocka_unit_test(test_unknown_missing_stray),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_parse_types),
		cmocka_unit_test(test_privacy_options),
		cmocka_unit_test(test_pointer_options),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, teardown);
}
