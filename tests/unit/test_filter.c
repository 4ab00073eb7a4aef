// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_filter.c - --device specs (userspace/filter.c): parsing of each form, matching,
 * /dev/input/eventN resolved through a fake sysfs tree built in a temporary directory,
 * the specs that must be refused, and which specs match none of the devices present
 * (the start-up warning), read from a fake sysfs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "filter.h"
#include "sysfs.h"

static char root[256];	/* the fake sysfs */

static void mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	assert_int_equal(mkdir(path, 0755), 0);
}

static void link_at(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

/*
 * root/class/input/event3/device       -> ../input7            (flat, as the brief's example)
 * root/class/input/event5              -> ../../devices/platform/i8042/serio0/input/input12/event5
 *   .../input12/event5/device           -> ../../input12        (as the kernel lays it out)
 * root/class/input/event4/              no device link (half-gone device)
 * root/class/input/event6/device       -> ../mouse0            (not an inputN)
 * root/class/input/event8/device       -> ../input             (no number)
 * root/class/input/event9/device       -> ../input123456789012345 (longer than a sysname)
 */
static int setup(void **state)
{
	char tmpl[] = "/tmp/it_test_sysfs.XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	snprintf(root, sizeof(root), "%s", tmpl);
	mkdirs("class/input/event3");
	link_at("../input7", "class/input/event3/device");
	mkdirs("devices/platform/i8042/serio0/input/input12/event5");
	link_at("../../input12", "devices/platform/i8042/serio0/input/input12/event5/device");
	link_at("../../devices/platform/i8042/serio0/input/input12/event5", "class/input/event5");
	link_at("../../devices/platform/i8042/serio0/input/input12", "class/input/input12");
	mkdirs("class/input/event4");
	mkdirs("class/input/event6");
	link_at("../mouse0", "class/input/event6/device");
	mkdirs("class/input/event8");
	link_at("../input", "class/input/event8/device");
	mkdirs("class/input/event9");
	link_at("../input123456789012345", "class/input/event9/device");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	if (root[0] && !strncmp(root, "/tmp/it_test_sysfs.", 19)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		return system(cmd) ? -1 : 0;
	}
	return 0;
}

static struct it_devinfo dev(const char *name, uint16_t vendor, uint16_t product, const char *sysname)
{
	struct it_devinfo i = { .bustype = 3, .vendor = vendor, .product = product };

	snprintf(i.name, sizeof(i.name), "%s", name);
	snprintf(i.sysname, sizeof(i.sysname), "%s", sysname);
	return i;
}

static struct it_devspec spec(const char *s)
{
	struct it_devspec sp;
	char err[256] = "";

	if (it_devspec_parse(s, root, &sp, err, sizeof(err))) {
		print_error("'%s' refused: %s\n", s, err);
		fail();
	}
	return sp;
}

/* -1 and a one-line message naming --device and the spec (and `also`, if any). */
static void assert_refused(const char *s, const char *also)
{
	struct it_devspec sp;
	char err[512] = "", want[300];

	if (!it_devspec_parse(s, root, &sp, err, sizeof(err))) {
		print_error("'%s' accepted (kind %d)\n", s, sp.kind);
		fail();
	}
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "--device"));
	if (s && strlen(s) < 200) {
		snprintf(want, sizeof(want), "'%s'", s);
		if (!strstr(err, want)) {
			print_error("message '%s' does not name %s\n", err, want);
			fail();
		}
	}
	if (also && !strstr(err, also)) {
		print_error("message '%s' does not say '%s'\n", err, also);
		fail();
	}
}

static void test_name_globs(void **state)
{
	struct it_devinfo logi = dev("Logitech USB Receiver", 0x046d, 0xc52b, "input5");
	struct it_devinfo kbd = dev("AT Translated Set 2 keyboard", 0x0001, 0x0001, "input3");
	struct it_devinfo odd = dev("[weird] name*?", 0, 0, "input9");
	struct it_devspec s;

	s = spec("Logitech*");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	assert_string_equal(s.text, "Logitech*");
	assert_true(it_devspec_match(&s, 1, &logi));
	assert_false(it_devspec_match(&s, 1, &kbd));

	s = spec("Logitech USB Receiver");	/* no wildcard: the whole name */
	assert_true(it_devspec_match(&s, 1, &logi));
	s = spec("Logitech");
	assert_false(it_devspec_match(&s, 1, &logi));
	s = spec("logitech*");			/* case-sensitive */
	assert_false(it_devspec_match(&s, 1, &logi));
	s = spec("*[Kk]eyboard");
	assert_false(it_devspec_match(&s, 1, &logi));
	assert_true(it_devspec_match(&s, 1, &kbd));
	s = spec("AT?Translated*");
	assert_true(it_devspec_match(&s, 1, &kbd));
	s = spec("\\[weird\\] name\\*\\?");	/* escaped metacharacters match themselves */
	assert_true(it_devspec_match(&s, 1, &odd));
	assert_false(it_devspec_match(&s, 1, &logi));
	s = spec("*");
	assert_true(it_devspec_match(&s, 1, &logi));
	assert_true(it_devspec_match(&s, 1, &odd));

	/* things that look like other forms but are not: name globs */
	s = spec("input");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec("input7a");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec("event3");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec("12345:1");			/* 5 hex digits */
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec("046g:c52b");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec(":c52b");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec("046d:");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	s = spec("1:2:3");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	assert_string_equal(s.text, "1:2:3");
	s = spec("dev/input/event3");		/* relative: a name */
	assert_int_equal(s.kind, IT_SPEC_NAME);
}

static void test_name_prefix(void **state)
{
	struct it_devinfo d7 = dev("input7", 0x046d, 0xc52b, "input3");
	struct it_devinfo dh = dev("046d:c52b", 1, 2, "input4");
	struct it_devspec s;

	/* name: makes any text a name glob, with the prefix removed */
	s = spec("name:input7");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	assert_string_equal(s.text, "input7");
	assert_true(it_devspec_match(&s, 1, &d7));	/* by name, not sysname */
	assert_false(it_devspec_match(&s, 1, &dh));

	s = spec("name:046d:c52b");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	assert_string_equal(s.text, "046d:c52b");
	assert_true(it_devspec_match(&s, 1, &dh));
	assert_false(it_devspec_match(&s, 1, &d7));	/* not by id */

	s = spec("name:/dev/input/event3");
	assert_int_equal(s.kind, IT_SPEC_NAME);
	assert_string_equal(s.text, "/dev/input/event3");

	s = spec("name:");				/* empty glob: empty names only */
	assert_int_equal(s.kind, IT_SPEC_NAME);
	assert_string_equal(s.text, "");
	assert_false(it_devspec_match(&s, 1, &d7));
	{
		struct it_devinfo empty = dev("", 0, 0, "input1");

		assert_true(it_devspec_match(&s, 1, &empty));
	}
	s = spec("name:AT *");
	assert_string_equal(s.text, "AT *");
}

static void test_vendor_product(void **state)
{
	struct it_devinfo logi = dev("Logitech USB Receiver", 0x046d, 0xc52b, "input5");
	struct it_devinfo other = dev("Logitech USB Receiver", 0x046d, 0xc52c, "input6");
	struct it_devinfo swapped = dev("x", 0xc52b, 0x046d, "input7");
	struct it_devspec s;

	s = spec("046d:c52b");
	assert_int_equal(s.kind, IT_SPEC_ID);
	assert_int_equal(s.vendor, 0x046d);
	assert_int_equal(s.product, 0xc52b);
	assert_true(it_devspec_match(&s, 1, &logi));
	assert_false(it_devspec_match(&s, 1, &other));		/* product differs */
	assert_false(it_devspec_match(&s, 1, &swapped));

	s = spec("46D:C52B");
	assert_int_equal(s.kind, IT_SPEC_ID);
	assert_int_equal(s.vendor, 0x046d);
	assert_int_equal(s.product, 0xc52b);
	assert_true(it_devspec_match(&s, 1, &logi));

	s = spec("1:2");
	assert_int_equal(s.kind, IT_SPEC_ID);
	assert_int_equal(s.vendor, 1);
	assert_int_equal(s.product, 2);

	s = spec("ffff:0");
	assert_int_equal(s.kind, IT_SPEC_ID);
	assert_int_equal(s.vendor, 0xffff);
	assert_int_equal(s.product, 0);
	{
		struct it_devinfo d = dev("y", 0xffff, 0, "input8");

		assert_true(it_devspec_match(&s, 1, &d));
	}
	/* decimal-looking digits are hex */
	s = spec("0010:0020");
	assert_int_equal(s.vendor, 0x10);
	assert_int_equal(s.product, 0x20);
}

static void test_sysname(void **state)
{
	struct it_devinfo d7 = dev("A", 1, 1, "input7");
	struct it_devinfo d70 = dev("A", 1, 1, "input70");
	struct it_devinfo d0 = dev("A", 1, 1, "input0");
	struct it_devspec s;

	s = spec("input7");
	assert_int_equal(s.kind, IT_SPEC_SYSNAME);
	assert_string_equal(s.sysname, "input7");
	assert_true(it_devspec_match(&s, 1, &d7));
	assert_false(it_devspec_match(&s, 1, &d70));
	assert_false(it_devspec_match(&s, 1, &d0));

	s = spec("input0");
	assert_int_equal(s.kind, IT_SPEC_SYSNAME);
	assert_true(it_devspec_match(&s, 1, &d0));

	s = spec("input1234567890");		/* 15 bytes: the longest that fits */
	assert_int_equal(s.kind, IT_SPEC_SYSNAME);
	assert_string_equal(s.sysname, "input1234567890");
	assert_refused("input12345678901", "too long");
}

static void test_event_node(void **state)
{
	struct it_devinfo d7 = dev("Receiver", 1, 2, "input7");
	struct it_devinfo d12 = dev("Keyboard", 1, 1, "input12");
	struct it_devinfo d3 = dev("Other", 1, 1, "input3");
	struct it_devspec s;

	s = spec("/dev/input/event3");
	assert_int_equal(s.kind, IT_SPEC_NODE);
	assert_string_equal(s.text, "/dev/input/event3");
	assert_string_equal(s.sysname, "input7");
	assert_true(it_devspec_match(&s, 1, &d7));
	assert_false(it_devspec_match(&s, 1, &d3));	/* event3 is not input3 */

	s = spec("/dev/input/event5");		/* through the class symlink, as the kernel has it */
	assert_int_equal(s.kind, IT_SPEC_NODE);
	assert_string_equal(s.sysname, "input12");
	assert_true(it_devspec_match(&s, 1, &d12));
	assert_false(it_devspec_match(&s, 1, &d7));
}

static void test_bad_specs(void **state)
{
	char longspec[300];

	assert_refused("", "empty");
	assert_refused(NULL, NULL);
	assert_refused("/dev/input/mouse0", "eventN");
	assert_refused("/dev/input/mice", "eventN");
	assert_refused("/dev/input/js0", "eventN");
	assert_refused("/dev/input/event", "eventN");
	assert_refused("/dev/input/event3x", "eventN");
	assert_refused("/dev/input/event-1", "eventN");
	assert_refused("/dev/input/event3/", "eventN");
	assert_refused("/dev/input/by-id/usb-Logitech-event-kbd", "eventN");
	assert_refused("/dev/input/../../etc/passwd", NULL);
	assert_refused("/etc/passwd", "/dev/input/eventN");
	assert_refused("/", NULL);
	assert_refused("/dev/null", NULL);
	/* nodes that sysfs does not know, or knows oddly */
	assert_refused("/dev/input/event99", "no such input device");
	assert_refused("/dev/input/event4", "no such input device");	/* no device link */
	assert_refused("/dev/input/event6", "../mouse0");
	assert_refused("/dev/input/event8", NULL);
	assert_refused("/dev/input/event9", NULL);
	/* too long */
	memset(longspec, 'a', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = 0;
	assert_refused(longspec, "--device");
	longspec[255] = 0;			/* 255 bytes: fits */
	{
		struct it_devspec s = spec(longspec);

		assert_int_equal(s.kind, IT_SPEC_NAME);
		assert_int_equal(strlen(s.text), 255);
	}
}

static void test_sysfs_root_used(void **state)
{
	struct it_devspec s;
	char err[256];

	/* the same node under another root does not exist */
	assert_int_equal(it_devspec_parse("/dev/input/event3", "/nonexistent-sysfs", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such input device"));
	/* forms other than a node do not touch sysfs at all */
	assert_int_equal(it_devspec_parse("input3", "/nonexistent-sysfs", &s, err, sizeof(err)), 0);
	assert_int_equal(it_devspec_parse("046d:c52b", "/nonexistent-sysfs", &s, err, sizeof(err)), 0);
}

static void test_match_lists(void **state)
{
	struct it_devinfo logi = dev("Logitech USB Receiver", 0x046d, 0xc52b, "input5");
	struct it_devinfo kbd = dev("AT Translated Set 2 keyboard", 0x0001, 0x0001, "input3");
	struct it_devinfo recv = dev("Receiver", 1, 2, "input7");
	struct it_devinfo pad = dev("Touchpad", 0x06cb, 0x0001, "input9");
	struct it_devspec s[4];

	/* no specs: everything */
	assert_true(it_devspec_match(NULL, 0, &logi));
	assert_true(it_devspec_match(s, 0, &kbd));

	s[0] = spec("046d:c52b");
	s[1] = spec("input3");
	s[2] = spec("/dev/input/event3");	/* -> input7 */
	s[3] = spec("Touch*");
	assert_true(it_devspec_match(s, 4, &logi));
	assert_true(it_devspec_match(s, 4, &kbd));
	assert_true(it_devspec_match(s, 4, &recv));
	assert_true(it_devspec_match(s, 4, &pad));
	/* n limits the specs looked at */
	assert_false(it_devspec_match(s, 3, &pad));
	assert_false(it_devspec_match(s, 1, &kbd));
	{
		struct it_devinfo none = dev("Mouse", 0x1234, 0x5678, "input11");

		assert_false(it_devspec_match(s, 4, &none));
	}
}

/* Which specs match none of the devices present: the start-up warning's test. */
static void test_unmatched(void **state)
{
	struct it_devinfo present[] = {
		dev("Logitech USB Receiver", 0x046d, 0xc52b, "input5"),
		dev("AT Translated Set 2 keyboard", 0x0001, 0x0001, "input3"),
		dev("Receiver", 1, 2, "input7"),
	};
	struct it_devspec s[6];
	bool un[6];
	char buf[300];

	s[0] = spec("Logitech*");		/* by name */
	s[1] = spec("0001:0001");		/* by id */
	s[2] = spec("/dev/input/event3");	/* -> input7 */
	s[3] = spec("Logitec USB*");		/* a typo */
	s[4] = spec("input42");			/* not plugged in */
	s[5] = spec("046d:c52c");		/* another product */
	memset(un, 0xff, sizeof(un));
	assert_int_equal(it_devspec_unmatched(s, 6, present, 3, un), 3);
	assert_false(un[0]);
	assert_false(un[1]);
	assert_false(un[2]);
	assert_true(un[3]);
	assert_true(un[4]);
	assert_true(un[5]);
	/* n limits the specs looked at; a spec matching several devices is matched */
	assert_int_equal(it_devspec_unmatched(s, 3, present, 3, un), 0);
	s[0] = spec("*");
	assert_int_equal(it_devspec_unmatched(s, 1, present, 3, un), 0);
	assert_false(un[0]);
	/* no devices present (a machine at boot): every spec is unmatched */
	assert_int_equal(it_devspec_unmatched(s, 6, NULL, 0, un), 6);
	assert_true(un[0] && un[1] && un[2] && un[3] && un[4] && un[5]);
	/* no specs: nothing to say */
	assert_int_equal(it_devspec_unmatched(NULL, 0, present, 3, NULL), 0);
	/* a device matching one spec says nothing of the others */
	assert_int_equal(it_devspec_unmatched(&s[4], 2, &present[0], 1, un), 2);

	/* the specs as the warning names them: --device syntax, name globs with name: */
	it_devspec_format(&s[3], buf, sizeof(buf));
	assert_string_equal(buf, "name:Logitec USB*");
	s[3] = spec("name:AT *");
	it_devspec_format(&s[3], buf, sizeof(buf));
	assert_string_equal(buf, "name:AT *");
	it_devspec_format(&s[4], buf, sizeof(buf));
	assert_string_equal(buf, "input42");
	it_devspec_format(&s[5], buf, sizeof(buf));
	assert_string_equal(buf, "046d:c52c");
	it_devspec_format(&s[2], buf, sizeof(buf));
	assert_string_equal(buf, "/dev/input/event3");
	it_devspec_format(&s[2], buf, 5);		/* truncated, terminated */
	assert_string_equal(buf, "/dev");
}

/* The devices present, from a sysfs tree: what the warning matches the specs against. */
static void test_devinfos(void **state)
{
	char tmpl[] = "/tmp/it_test_sysfs2.XXXXXX", path[PATH_MAX], cmd[PATH_MAX + 16];
	struct it_devinfo *d = NULL;
	struct it_devspec s[2];
	bool un[2];
	const char *const files[][2] = {
		{ "class/input/input12/name", "Logitech USB Receiver\n" },
		{ "class/input/input12/id/vendor", "046d\n" },
		{ "class/input/input12/id/product", "c52b\n" },
		{ "class/input/input3/name", "AT Translated Set 2 keyboard\n" },
		{ "class/input/event3/dev", "13:67\n" },	/* not an inputN: skipped */
	};
	unsigned int i;

	assert_non_null(mkdtemp(tmpl));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\"", tmpl, files[i][0]);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/%s", tmpl, files[i][0]);
		assert_non_null(f = fopen(path, "w"));
		fputs(files[i][1], f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/class/input/input7", tmpl);	/* no name: gone */
	assert_int_equal(mkdir(path, 0755), 0);

	assert_int_equal(it_sysfs_devinfos(tmpl, &d), 2);
	assert_string_equal(d[0].sysname, "input3");		/* in number order */
	assert_string_equal(d[0].name, "AT Translated Set 2 keyboard");
	assert_string_equal(d[1].sysname, "input12");
	assert_int_equal(d[1].vendor, 0x046d);
	assert_int_equal(d[1].product, 0xc52b);
	s[0] = spec("046d:c52b");
	s[1] = spec("input7");
	assert_int_equal(it_devspec_unmatched(s, 2, d, 2, un), 1);
	assert_false(un[0]);
	assert_true(un[1]);
	free(d);

	/* no devices: 0 and NULL; no class/input at all: -1 */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/class/input/*", tmpl);
	assert_int_equal(system(cmd), 0);
	d = (struct it_devinfo *)1;
	assert_int_equal(it_sysfs_devinfos(tmpl, &d), 0);
	assert_null(d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(it_sysfs_devinfos(tmpl, &d), -1);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_globs),
		cmocka_unit_test(test_name_prefix),
		cmocka_unit_test(test_vendor_product),
		cmocka_unit_test(test_sysname),
		cmocka_unit_test(test_event_node),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_sysfs_root_used),
		cmocka_unit_test(test_match_lists),
		cmocka_unit_test(test_unmatched),
		cmocka_unit_test(test_devinfos),
	};

	return cmocka_run_group_tests_name("filter", tests, setup, teardown);
}
