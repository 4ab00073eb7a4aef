// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_collector.c - the collector's device table (userspace/collector.c) over a long
 * run: the slots of removed devices are reused, so after many more hotplugs than the
 * table holds, --device/--exclude-device still decide (an excluded device's events
 * never reach the output); and a loss record is written even when the event that
 * carries the gap is dropped in user space.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "collector.h"
#include "flags.h"
#include "sink.h"

static char path[64];

static int setup(void **state)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/it-collector-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

/* Agent flags (-o path added) into o; a sink on path; the collector on both. */
static struct it_sink *start(struct it_collector *c, struct it_opts *o, const char *flags)
{
	char line[256], err[256];
	struct it_sink_cfg cfg;
	struct it_sink *sink;

	snprintf(line, sizeof(line), "-o %s %s", path, flags);
	parse_flags(line, o);
	it_sink_cfg_from_opts(&cfg, o);
	sink = it_sink_open_cfg(&cfg, err, sizeof(err));
	assert_non_null(sink);
	assert_int_equal(it_collector_init(c, o, sink, "/nonexistent"), 0);
	return sink;
}

static void dev_rec(struct it_collector *c, uint16_t kind, uint32_t id, const char *name)
{
	struct it_device_rec r = { .hdr = { .kind = kind, .dev = id } };

	snprintf(r.info.name, sizeof(r.info.name), "%s", name);
	snprintf(r.info.sysname, sizeof(r.info.sysname), "input%u", id);
	it_collector_on_record(c, &r, sizeof(r));
}

static void key(struct it_collector *c, uint32_t id, uint32_t lost_before)
{
	struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = id }, .mono_ns = 1000,
			      .type = 1, .code = 30, .value = 1, .lost_before = lost_before,
			      .lost_dev = lost_before ? id : 0 };

	it_collector_on_record(c, &e, sizeof(e));
}

/* Lines of the output file containing needle. */
static int count_lines(const char *needle)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static void test_table_reused_after_many_hotplugs(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_opts o;
	const uint32_t churn = 3 * IT_COLLECTOR_DEV_SLOTS;
	uint32_t i;

	sink = start(&c, &o, "--exclude-device name:SECRET*");
	for (i = 100; i < 100 + churn; i++) {
		dev_rec(&c, IT_REC_DEVICE_ADD, i, "churn");
		key(&c, i, 0);
		dev_rec(&c, IT_REC_DEVICE_DEL, i, "churn");
	}
	dev_rec(&c, IT_REC_DEVICE_ADD, 90001, "SECRET token");
	key(&c, 90001, 0);
	dev_rec(&c, IT_REC_DEVICE_ADD, 90002, "keyboard after");
	key(&c, 90002, 0);
	it_collector_flush(&c);
	assert_int_equal(count_lines("\"dev\":90001,"), 0);	/* excluded: nothing */
	assert_int_equal(count_lines("\"record\":\"event\",\"dev\":90002,"), 1);
	assert_int_equal(count_lines("\"record\":\"device\",\"action\":\"add\",\"dev\":90002,"), 1);
	assert_int_equal(c.st.events_out, churn + 1);
	assert_int_equal(c.st.filtered_user, 1);
	it_sink_close(sink);
	it_collector_free(&c);
	it_sink_free(sink);
}

/* the gap sits before the event that carries it, even if that event is not written */
static void test_loss_before_dropped_event(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_opts o;

	sink = start(&c, &o, "--exclude-device name:SECRET*");
	dev_rec(&c, IT_REC_DEVICE_ADD, 7, "SECRET token");
	key(&c, 7, 17);
	it_collector_flush(&c);
	assert_int_equal(count_lines("{\"record\":\"loss\",\"count\":17,\"dev\":7}"), 1);
	assert_int_equal(count_lines("\"record\":\"event\""), 0);
	it_sink_close(sink);
	it_collector_free(&c);
	it_sink_free(sink);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_reused_after_many_hotplugs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_before_dropped_event, setup, teardown),
	};

	return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}
