// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_finish.c - the end of a run's output (userspace/finish.c): with an output that
 * still fails (/dev/full) it returns at once, without waiting for the retry interval,
 * with one line saying how many lines could not be written, the final stats record
 * among them; an output that failed during the run but works again at the end gets
 * its output_loss record and the stats record at once (one last attempt, not the next
 * retry), and a healthy one ends with the stats record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "collector.h"
#include "finish.h"
#include "flags.h"
#include "slurp.h"
#include "sink_impl.h"

static char tmpdir[64];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/it-finish-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* n EV_REL/EV_SYN events of device 3 into c */
static void feed(struct it_collector *c, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = 3 },
				      .mono_ns = 1000000000ull + (uint64_t)i * 1000,
				      .type = i % 2 ? 0 : 2, .value = i % 2 ? 0 : 5 };

		it_collector_on_record(c, &e, sizeof(e));
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_healthy(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_sink_cfg cfg;
	struct it_opts o;
	char path[128], line[160], err[512], *text, *last;
	size_t n;

	snprintf(path, sizeof(path), "%s/ok.jsonl", tmpdir);
	snprintf(line, sizeof(line), "-o %s", path);
	parse_flags(line, &o);
	it_sink_cfg_from_opts(&cfg, &o);
	assert_non_null(sink = it_sink_open_cfg(&cfg, err, sizeof(err)));
	it_collector_init(&c, &o, sink, "/nonexistent");
	feed(&c, 10);
	strcpy(err, "x");
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	text = slurp(path);
	n = strlen(text);
	assert_true(n > 1 && text[n - 1] == '\n');
	text[n - 1] = 0;
	last = strrchr(text, '\n');
	assert_non_null(last);
	assert_int_equal(strncmp(last + 1, "{\"record\":\"stats\"", 17), 0);	/* last */
	assert_int_equal(c.st.output_lost_lines, 0);
	it_collector_free(&c);
	it_sink_free(sink);
}

/* -o /dev/full to the end: -1 at once, one line that says what was not written */
static void test_still_failing(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_sink_cfg cfg;
	struct it_opts o;
	char err[512], want[512];
	double t0;

	parse_flags("-o /dev/full --flush-interval 30", &o);
	it_sink_cfg_from_opts(&cfg, &o);
	assert_non_null(sink = it_sink_open_cfg(&cfg, err, sizeof(err)));
	it_collector_init(&c, &o, sink, "/nonexistent");
	feed(&c, 100);
	it_collector_flush(&c);		/* fails: retried in 30 s */
	assert_int_not_equal(sink->dropped_lines, 0);
	t0 = now_s();
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), -1);
	assert_true(now_s() - t0 < 1.0);	/* no waiting for the retry interval */
	assert_null(strchr(err, '\n'));
	snprintf(want, sizeof(want), "cannot write to /dev/full at exit: No space left on device; "
		 "%llu lines (%llu bytes) of this run were not written, the final stats record "
		 "among them", (unsigned long long)c.st.output_lost_lines,
		 (unsigned long long)c.st.output_lost_bytes);
	assert_string_equal(err, want);
	assert_true(c.st.output_lost_lines >= 101);	/* the events, the device, the stats */
	it_collector_free(&c);
	it_sink_free(sink);

	/* CSV has no stats record: the line does not claim one */
	parse_flags("-o /dev/full --format csv", &o);
	it_sink_cfg_from_opts(&cfg, &o);
	assert_non_null(sink = it_sink_open_cfg(&cfg, err, sizeof(err)));
	it_collector_init(&c, &o, sink, "/nonexistent");
	feed(&c, 10);
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write to /dev/full at exit: No space left on device; "));
	assert_null(strstr(err, "stats"));
	it_collector_free(&c);
	it_sink_free(sink);
}

/* Failed during the run, works again at the end: the last attempt is made at once
 * (not at the next retry, 30 s away), so the file gets the output_loss record and the
 * stats record, and the run ends well. */
static void test_recovered_at_exit(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_sink_cfg cfg;
	struct it_opts o;
	char path[128], line[160], err[512], *text, *loss, *stats;
	int full, saved;

	snprintf(path, sizeof(path), "%s/back.jsonl", tmpdir);
	snprintf(line, sizeof(line), "-o %s --flush-interval 30", path);
	parse_flags(line, &o);
	it_sink_cfg_from_opts(&cfg, &o);
	assert_non_null(sink = it_sink_open_cfg(&cfg, err, sizeof(err)));
	it_collector_init(&c, &o, sink, "/nonexistent");
	feed(&c, 4);
	it_collector_flush(&c);		/* header, device, 4 events written */
	/* the disk fills: the file's descriptor now writes to /dev/full */
	full = open("/dev/full", O_WRONLY);
	saved = dup(sink->fd);
	assert_true(full >= 0 && saved >= 0);
	assert_int_equal(dup2(full, sink->fd), sink->fd);
	feed(&c, 6);
	it_collector_flush(&c);
	assert_int_equal(sink->dropped_lines, 6);
	/* and has room again */
	assert_int_equal(dup2(saved, sink->fd), sink->fd);
	close(saved);
	close(full);
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	text = slurp(path);
	loss = strstr(text, "{\"record\":\"output_loss\",\"lines\":6,");
	stats = strstr(text, "{\"record\":\"stats\"");
	assert_non_null(loss);
	assert_non_null(stats);
	assert_true(loss < stats);
	assert_non_null(strstr(stats, "\"output_lost_lines\":6,"));
	it_collector_free(&c);
	it_sink_free(sink);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_still_failing),
		cmocka_unit_test(test_recovered_at_exit),
	};

	return cmocka_run_group_tests_name("finish", tests, setup, teardown);
}
