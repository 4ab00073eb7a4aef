// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_devflags.c - injected and virtual input in the records (issue 5, point 4):
 * it_sysfs_is_virtual() on a fake sysfs tree (virtual device, bus device, unknown),
 * "virtual" in device records, "injected" in event records, always valid JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "format_jsonl.h"
#include "sysfs.h"
#include "json_check.h"

static char root[64];

static int setup(void **state)
{
	char p[512];

	snprintf(root, sizeof(root), "/tmp/it-sysfs-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "mkdir -p %s/class/input/input9 %s/devices/virtual/input/input3 "
		 "%s/devices/platform/i8042/serio0/input/input0", root, root, root);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof(p), "%s/class/input/input3", root);
	assert_int_equal(symlink("../../devices/virtual/input/input3", p), 0);
	snprintf(p, sizeof(p), "%s/class/input/input0", root);
	assert_int_equal(symlink("../../devices/platform/i8042/serio0/input/input0", p), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) ? -1 : 0;
}

static void test_is_virtual(void **state)
{
	assert_int_equal(it_sysfs_is_virtual(root, "input3"), 1);
	assert_int_equal(it_sysfs_is_virtual(root, "input0"), 0);
	assert_int_equal(it_sysfs_is_virtual(root, "input9"), -1);	/* not a link */
	assert_int_equal(it_sysfs_is_virtual(root, "input77"), -1);	/* gone */
}

static const char *line_of(struct it_buf *b)
{
	assert_false(b->oom);
	it_buf_putc(b, 0);
	b->len--;
	assert_int_equal(jc_check(b->p, b->len, NULL, 0, NULL), 0);
	return b->p;
}

static void test_device_virtual(void **state)
{
	struct it_devinfo info = { .bustype = 3 };
	struct it_buf b = {};

	snprintf(info.name, sizeof(info.name), "kbd");
	snprintf(info.sysname, sizeof(info.sysname), "input3");
	it_rec_device_ex(&b, 3, &info, "add", "/dev/input/event2", 1);
	assert_non_null(strstr(line_of(&b), ",\"node\":\"/dev/input/event2\",\"virtual\":true}\n"));
	it_buf_reset(&b);
	it_rec_device_ex(&b, 3, &info, "remove", NULL, 0);
	assert_non_null(strstr(line_of(&b), "\"sysname\":\"input3\",\"virtual\":false}\n"));
	it_buf_reset(&b);
	it_rec_device_ex(&b, 3, &info, "present", NULL, -1);
	assert_null(strstr(line_of(&b), "virtual"));
	it_buf_reset(&b);
	it_rec_device(&b, 3, &info, "present", NULL);
	assert_null(strstr(line_of(&b), "virtual"));
	it_buf_free(&b);
}

static void test_event_injected(void **state)
{
	struct it_buf b = {};

	it_rec_event(&b, 3, 1500000000ull, 0, 1, 30, 1, IT_EVF_INJECTED);
	assert_string_equal(line_of(&b), "{\"record\":\"event\",\"dev\":3,\"sec\":1,\"usec\":500000,"
			    "\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1,\"injected\":true}\n");
	it_buf_reset(&b);
	it_rec_event(&b, 3, 1500000000ull, 0, 1, 30, 1, IT_EVF_INJECTED | IT_EVF_SYNTH_TS);
	assert_non_null(strstr(line_of(&b), ",\"synth_ts\":true,\"injected\":true}\n"));
	it_buf_reset(&b);
	it_rec_event(&b, 3, 1500000000ull, 0, 1, 30, 1, 0);
	assert_null(strstr(line_of(&b), "injected"));
	it_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_is_virtual, setup, teardown),
		cmocka_unit_test(test_device_virtual),
		cmocka_unit_test(test_event_injected),
	};

	return cmocka_run_group_tests_name("devflags", tests, NULL, NULL);
}
