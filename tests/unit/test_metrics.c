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
 * interval's events only, once per call, naming the numbers. The stats record and the
 * metrics carry events by type (a labelled family), bytes written, files completed and
 * deleted, device removals and the output losses; the collector counts by type what it
 * wrote and hands the sink's counts to a periodic stats record too (not only the final
 * one): a sink on /dev/full loses lines, and the periodic record says how many.
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
#include "collector.h"
#include "metrics.h"
#include "sink.h"

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
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "python3 tests/ops/check_metrics.py %s %s", path, expect);
	return system(cmd);
}

static void test_metrics_file(void **state)
{
	struct it_stats s = { .k = { .seen = 1000, .filtered = 10, .written = 900, .lost = 50,
				     .truncated = 0, .keys_dropped = 20, .redact_dropped = 20,
				     .dev_lost = 1, .dev_overflow = 2 },
			      .missed_frames = 6, .filtered_user = 3, .events_out = 897, .not_output = 0, .devices = 4,
			      .devices_removed = 1, .bytes_written = 123456, .files_completed = 7,
			      .files_deleted = 2, .files_recovered = 8, .output_lost_lines = 5, .output_lost_bytes = 600,
			      .by_type = { [0] = 400, [1] = 300, [2] = 197, [0x1d] = 0 } };
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
			       "inputtrace_frames_missed_total=6 inputtrace_events_filtered_user_total=3 inputtrace_events_output_total=897 "
			       "inputtrace_device_records_total=4 inputtrace_start_time_seconds=1700000000.5 "
			       "inputtrace_device_removals_total=1 inputtrace_devices=3 "
			       "inputtrace_output_bytes_total=123456 inputtrace_output_files_completed_total=7 "
			       "inputtrace_output_files_deleted_total=2 inputtrace_output_files_recovered_total=8 "
			       "inputtrace_output_lost_lines_total=5 "
			       "inputtrace_output_lost_bytes_total=600 "
			       "'inputtrace_events_output_by_type_total{type=\"EV_SYN\"}=400' "
			       "'inputtrace_events_output_by_type_total{type=\"EV_KEY\"}=300' "
			       "'inputtrace_events_output_by_type_total{type=\"EV_REL\"}=197' "
			       "'inputtrace_events_output_by_type_total{type=\"EV_FF_STATUS\"}=0' "
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

	/* a type nobody listed appears once counted; absent ones are not invented */
	s.by_type[0x1d] = 9;
	assert_int_equal(it_metrics_write(path, &s, 1700000000.5, 1700000020, err, sizeof(err)), 0);
	assert_int_equal(check(path, "'inputtrace_events_output_by_type_total{type=\"0x1d\"}=9'"), 0);
	assert_int_not_equal(check(path, "'inputtrace_events_output_by_type_total{type=\"0x1c\"}=0' "
				   "2>/dev/null"), 0);

	/* the checker itself rejects broken files */
	{
		static const char *const broken[] = {
			"# TYPE inputtrace_x counter\ninputtrace_x 1\n",	/* no HELP */
			"# HELP inputtrace_x_total x\n# TYPE inputtrace_x_total counter\n"
			"inputtrace_x_total{type=EV_KEY} 1\n",		/* unquoted label */
			"# HELP inputtrace_x_total x\n# TYPE inputtrace_x_total counter\n"
			"inputtrace_x_total{type=\"a\"} 1\ninputtrace_x_total{type=\"a\"} 2\n",
			"# HELP inputtrace_x_total x\n# TYPE inputtrace_x_total counter\n"
			"# HELP inputtrace_y y\n# TYPE inputtrace_y gauge\n"
			"inputtrace_x_total{type=\"a\"} 1\ninputtrace_y 1\n"
			"inputtrace_x_total{type=\"b\"} 2\n",		/* family split */
		};
		size_t i;

		for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
			FILE *f = fopen(path, "w");

			assert_non_null(f);
			fputs(broken[i], f);
			fclose(f);
			assert_int_not_equal(check(path, "2>/dev/null"), 0);
		}
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

static int parse(const char *line, struct it_opts *o, char *err, size_t errlen);

static struct it_event ev(uint32_t dev, uint16_t type, uint16_t code, int32_t value)
{
	struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = dev }, .mono_ns = 1000000000ull,
			      .type = type, .code = code, .value = value };

	return e;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)))
		n++, hay++;
	return n;
}

/* Periodic stats records carry what the final one does: the sink's losses, bytes and
 * files, and the events by type the collector wrote. */
static void test_collector_stats(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_output_stats os;
	struct it_sink_cfg cfg = { 0 };
	struct it_opts o;
	struct it_event e;
	char err[256], *rec, dir[128];
	int i;

	/* a sink that cannot write: every line is lost, and counted */
	assert_int_equal(parse("-o /dev/full", &o, err, sizeof(err)), 0);
	it_sink_cfg_from_opts(&cfg, &o);
	assert_non_null(sink = it_sink_open_cfg(&cfg, err, sizeof(err)));
	it_collector_init(&c, &o, sink, "/nonexistent");
	for (i = 0; i < 3; i++) {
		e = ev(7, 1, 30, 1);	/* EV_KEY */
		it_collector_on_record(&c, &e, sizeof(e));
		e = ev(7, 0, 0, 0);	/* EV_SYN */
		it_collector_on_record(&c, &e, sizeof(e));
	}
	e = ev(7, 2, 0, -1);	/* EV_REL */
	it_collector_on_record(&c, &e, sizeof(e));
	it_collector_flush(&c);		/* ENOSPC: the lines are counted, not written */
	it_sink_stats(sink, &os);
	assert_true(os.lost_lines >= 8);	/* header, device, 7 events */
	it_collector_stats_record(&c);	/* what ops.c writes every --stats-interval */
	assert_int_equal(c.st.output_lost_lines, os.lost_lines);
	assert_int_equal(c.st.output_lost_bytes, os.lost_bytes);
	assert_int_equal(c.st.events_out, 7);
	assert_int_equal(c.st.by_type[1], 3);
	assert_int_equal(c.st.by_type[0], 3);
	assert_int_equal(c.st.by_type[2], 1);
	assert_non_null(c.buf.p);
	rec = strndup(c.buf.p, c.buf.len);
	{
		char want[128];

		snprintf(want, sizeof(want), "\"output_lost_lines\":%llu,",
			 (unsigned long long)os.lost_lines);
		assert_non_null(strstr(rec, want));
	}
	assert_non_null(strstr(rec, "\"events_by_type\":{\"EV_SYN\":3,\"EV_KEY\":3,\"EV_REL\":1,"
			       "\"EV_ABS\":0,"));
	assert_non_null(strstr(rec, "\"EV_FF_STATUS\":0}}\n"));
	free(rec);
	it_buf_reset(&c.buf);
	it_sink_close(sink);
	it_collector_free(&c);
	it_sink_free(sink);

	/* a directory of rotated files: bytes written and files completed and deleted */
	snprintf(dir, sizeof(dir), "%s/rot", tmpdir);
	{
		char line[256];

		snprintf(line, sizeof(line), "-o %s --rotate-size 4K --max-files 2", dir);
		assert_int_equal(parse(line, &o, err, sizeof(err)), 0);
	}
	it_sink_cfg_from_opts(&cfg, &o);
	assert_non_null(sink = it_sink_open_cfg(&cfg, err, sizeof(err)));
	it_collector_init(&c, &o, sink, "/nonexistent");
	for (i = 0; i < 600; i++) {
		e = ev(7, 3, 0, i);	/* EV_ABS */
		it_collector_on_record(&c, &e, sizeof(e));
		if (i % 10 == 9)
			it_collector_flush(&c);
	}
	it_collector_flush(&c);
	it_collector_stats_record(&c);
	assert_int_equal(c.st.by_type[3], 600);
	assert_true(c.st.files_completed >= 5);
	assert_int_equal(c.st.files_deleted, c.st.files_completed - 2);
	it_sink_stats(sink, &os);
	assert_int_equal(c.st.bytes_written, os.bytes_written);
	assert_true(c.st.bytes_written > 5 * 4096);
	assert_int_equal(c.st.output_lost_lines, 0);
	rec = strndup(c.buf.p, c.buf.len);
	assert_int_equal(count_str(rec, "\"record\":\"stats\""), 1);
	assert_non_null(strstr(rec, "\"EV_ABS\":600,"));
	free(rec);
	it_collector_flush(&c);
	it_sink_close(sink);
	it_collector_free(&c);
	it_sink_free(sink);
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
		cmocka_unit_test_setup_teardown(test_collector_stats, setup, teardown),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
