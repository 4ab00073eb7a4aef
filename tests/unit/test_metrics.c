// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_metrics.c - --metrics-file and the loss check (userspace/metrics.c), and the
 * parsing of the operator flags (--pin, --user, --stats-interval, --metrics-file).
 *
 * Asserts: the metrics file passes tests/ops/check_metrics.py (a strict reader of the
 * Prometheus text format: HELP/TYPE before each sample, counter names end in _total,
 * integer values) with the exact values given; it is replaced by rename (a reader
 * holding the old file keeps a complete old version, no temporary file is left); an
 * unwritable directory gives a one-line error; the loss check fires above 1% of an
 * interval's events only, once per call, naming the numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "metrics.h"

static char tmpdir[64];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/it-metrics-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) ? -1 : 0;
}

static int check(const char *path, const char *expect)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "python3 tests/ops/check_metrics.py %s %s", path, expect);
	return system(cmd);
}

static void test_metrics_file(void **state)
{
	struct it_stats s = { .k = { .seen = 1000, .filtered = 10, .written = 900, .lost = 50,
				     .truncated = 0, .keys_dropped = 20, .redact_dropped = 20,
				     .dev_lost = 1, .dev_overflow = 2 },
			      .filtered_user = 3, .events_out = 897, .not_output = 0, .devices = 4 };
	char path[128], err[256], buf[64];
	FILE *old;
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/inputtrace.prom", tmpdir);
	assert_int_equal(it_metrics_write(path, &s, 1700000000.5, 1700000010.25, err, sizeof(err)), 0);
	assert_int_equal(check(path, "inputtrace_events_seen_total=1000 inputtrace_events_lost_total=50 "
			       "inputtrace_events_written_total=900 inputtrace_events_filtered_total=10 "
			       "inputtrace_keys_dropped_total=20 inputtrace_redact_dropped_total=20 "
			       "inputtrace_device_records_lost_total=1 inputtrace_device_table_overflow_total=2 "
			       "inputtrace_events_filtered_user_total=3 inputtrace_events_output_total=897 "
			       "inputtrace_device_records_total=4 inputtrace_start_time_seconds=1700000000.5 "
			       "inputtrace_last_update_time_seconds=1700000010.25"), 0);

	/* replaced atomically: an open reader keeps the old version whole */
	old = fopen(path, "r");
	assert_non_null(old);
	s.k.seen = 2000;
	assert_int_equal(it_metrics_write(path, &s, 1700000000.5, 1700000020, err, sizeof(err)), 0);
	assert_int_equal(check(path, "inputtrace_events_seen_total=2000"), 0);
	assert_non_null(fgets(buf, sizeof(buf), old));
	assert_int_equal(strncmp(buf, "# HELP inputtrace_events_seen_total", 35), 0);
	while (fgets(buf, sizeof(buf), old))
		if (!strncmp(buf, "inputtrace_events_seen_total ", 29))
			assert_string_equal(buf, "inputtrace_events_seen_total 1000\n");
	fclose(old);
	d = opendir(tmpdir);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++, assert_string_equal(e->d_name, "inputtrace.prom");
	closedir(d);
	assert_int_equal(n, 1);

	/* the checker itself rejects a broken file */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("# TYPE inputtrace_x counter\ninputtrace_x 1\n", f);
		fclose(f);
		assert_int_not_equal(check(path, "2>/dev/null"), 0);
	}
}

static void test_metrics_unwritable(void **state)
{
	struct it_stats s = {};
	char err[256];

	assert_int_equal(it_metrics_write("/nonexistent-dir/x.prom", &s, 0, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write metrics /nonexistent-dir/x.prom.tmp."));
	assert_null(strchr(err, '\n'));
}

static void test_loss_check(void **state)
{
	struct it_counters a = { .written = 1000, .lost = 5 }, b = a;
	char msg[256];

	b.written += 990;
	b.lost += 10;	/* exactly 1% of 1000: not above */
	assert_false(it_loss_check(&a, &b, 0.01, 10, msg, sizeof(msg)));
	b.lost += 1;
	assert_true(it_loss_check(&a, &b, 0.01, 10, msg, sizeof(msg)));
	assert_string_equal(msg, "11 of 1001 events lost in the last 10 s (1.1%): the ring buffer "
			    "was full; raise --ring-size");
	assert_false(it_loss_check(&b, &b, 0.01, 10, msg, sizeof(msg)));	/* nothing new */
}

static int parse(const char *line, struct it_opts *o, char *err, size_t errlen)
{
	char buf[512], *argv[16], *save = NULL, *t;
	static char keep[16][512];
	int argc = 0, i;
	FILE *out = fopen("/dev/null", "w");

	snprintf(buf, sizeof(buf), "inputtrace %s", line);
	for (t = strtok_r(buf, " ", &save); t && argc < 15; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	for (i = 0; i < argc; i++) {
		snprintf(keep[i], sizeof(keep[i]), "%s", argv[i]);
		argv[i] = keep[i];
	}
	argv[argc] = NULL;
	i = it_parse_args(argc, argv, o, err, errlen, out);
	fclose(out);
	return i;
}

static void test_ops_flags(void **state)
{
	struct it_opts o;
	char err[256];

	assert_int_equal(parse("-o x", &o, err, sizeof(err)), 0);
	assert_null(o.pin);
	assert_null(o.user);
	assert_null(o.metrics_file);
	assert_true(o.stats_interval_s == 0);
	assert_int_equal(parse("--pin", &o, err, sizeof(err)), 0);
	assert_string_equal(o.pin, "/sys/fs/bpf/inputtrace");
	assert_int_equal(parse("--pin /sys/fs/bpf/x -o y", &o, err, sizeof(err)), 0);
	assert_string_equal(o.pin, "/sys/fs/bpf/x");
	assert_string_equal(o.output, "y");
	assert_int_equal(parse("--pin=/sys/fs/bpf/z", &o, err, sizeof(err)), 0);
	assert_string_equal(o.pin, "/sys/fs/bpf/z");
	assert_int_equal(parse("--pin=rel", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid --pin 'rel': expected an absolute directory");
	assert_int_equal(parse("--user nobody --stats-interval 2.5 --metrics-file /tmp/m.prom", &o,
			       err, sizeof(err)), 0);
	assert_string_equal(o.user, "nobody");
	assert_true(o.stats_interval_s == 2.5);
	assert_string_equal(o.metrics_file, "/tmp/m.prom");
	assert_int_equal(parse("--stats-interval 0", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid --stats-interval '0'"));
	assert_int_equal(parse("--stats-interval 1m", &o, err, sizeof(err)), 0);
	assert_true(o.stats_interval_s == 60);
	assert_int_equal(parse("--user", &o, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_metrics_file, setup, teardown),
		cmocka_unit_test(test_metrics_unwritable),
		cmocka_unit_test(test_loss_check),
		cmocka_unit_test(test_ops_flags),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
