// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_collector.c - the collector's device table (userspace/collector.c) over a long
 * run: the slots of removed devices are reused, so after many more hotplugs than the
 * table holds, --device/--exclude-device still decide (an excluded device's events
 * never reach the output); and a loss record is written even when the event that
 * carries the gap is dropped in user space. The seams (collector.h): a second output
 * gets the same lines as the file, with the collector's preamble, and its counts in the
 * stats; an added stage sees every event and device and finishes before the stats
 * record; a format table the collector was not built with is used for every record.
 * Issue 14: the loss still pending at the end is a loss record before the stats, and
 * device records the kernel lost are reconstructed from a fake sysfs.
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
#include "fakesysfs.h"
#include "finish.h"
#include "flags.h"
#include "slurp.h"
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
	int n;

	sum_after(path, needle, &n);
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

/* An output that keeps what it is given in memory: a stream that starts with the
 * collector's preamble, as a shipper's would. */
struct mem_output {
	struct it_output out;
	struct it_buf got;
	bool started;
	int closed;
	uint64_t lost;		/* reported as lost_lines */
};

static int mem_write(struct it_output *o, const void *p, size_t n)
{
	struct mem_output *m = (struct mem_output *)o;

	if (!m->started && o->feed && o->feed->preamble)
		o->feed->preamble(o->feed->ctx, 1, &m->got);
	m->started = true;
	it_buf_put(&m->got, p, n);
	return 0;
}

static int mem_flush(struct it_output *o) { return 0; }
static void mem_tick(struct it_output *o) { }

static int mem_close(struct it_output *o)
{
	((struct mem_output *)o)->closed++;
	return 0;
}

static void mem_stats(struct it_output *o, struct it_output_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lost_lines = ((struct mem_output *)o)->lost;
	st->unmarked_lines = 0;
}

static const struct it_output_ops mem_ops = {
	.write = mem_write, .flush = mem_flush, .tick = mem_tick, .close = mem_close,
	.stats = mem_stats,
};

/* A second output gets exactly the lines of the file after their header records
 * (each output asks for its preamble when it starts: the clocks read then), is closed
 * by it_finish_output, and its losses count. */
static void test_second_output(void **state)
{
	static struct it_collector c;
	struct mem_output m = { .out = { .ops = &mem_ops, .name = "memory" } };
	struct it_sink *sink;
	struct it_opts o;
	char err[256], *file, *a, *b;
	uint32_t i;

	sink = start(&c, &o, "--flush-interval 30");
	assert_int_equal(it_collector_add_output(&c, &m.out), 0);
	dev_rec(&c, IT_REC_DEVICE_ADD, 4, "kbd");
	for (i = 0; i < 50; i++)
		key(&c, 4, i == 20 ? 3 : 0);
	it_collector_flush(&c);
	m.lost = 5;
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	assert_int_equal(m.closed, 1);
	assert_int_equal(c.st.output_lost_lines, 5);
	file = slurp(path);
	it_buf_putc(&m.got, 0);
	a = strchr(file, '\n');
	b = strchr(m.got.p, '\n');
	assert_true(a && b);
	assert_int_equal(strncmp(file, "{\"record\":\"header\"", 18), 0);
	assert_int_equal(strncmp(m.got.p, "{\"record\":\"header\"", 18), 0);
	assert_non_null(strstr(m.got.p, "\"file_seq\":1,"));
	assert_true(strlen(a) > 50 * 60);
	assert_string_equal(b, a);		/* devices, events, loss, stats */
	assert_int_equal(count_lines("{\"record\":\"event\",\"dev\":4,"), 50);
	assert_int_equal(count_lines("{\"record\":\"loss\",\"count\":3,\"dev\":4}"), 1);
	it_collector_free(&c);
	it_sink_free(sink);
	it_buf_free(&m.got);
}

/* A stage after the raw writer: sees each captured device once and every event
 * written, not the excluded device's; its finish comes before the stats record. */
struct count_stage {
	struct it_stage st;
	unsigned int devices, removed, events, losses, finished;
	size_t buf_at_finish;
};

static void cs_device(struct it_stage *s, struct it_collector *c, const struct it_fmt_dev *d,
		      const char *action)
{
	struct count_stage *cs = (struct count_stage *)s;

	if (!strcmp(action, "remove"))
		cs->removed++;
	else
		cs->devices++;
}

static void cs_loss(struct it_stage *s, struct it_collector *c, uint64_t n, uint32_t dev)
{
	((struct count_stage *)s)->losses += (unsigned int)n;
}

static void cs_event(struct it_stage *s, struct it_collector *c, const struct it_fmt_dev *d,
		     const struct it_event *e)
{
	((struct count_stage *)s)->events++;
}

static void cs_finish(struct it_stage *s, struct it_collector *c)
{
	struct count_stage *cs = (struct count_stage *)s;

	cs->finished++;
	cs->buf_at_finish = c->buf.len;
}

static const struct it_stage_ops count_ops = {
	.name = "count", .device = cs_device, .loss = cs_loss, .event = cs_event,
	.finish = cs_finish,
};

static void test_added_stage(void **state)
{
	static struct it_collector c;
	struct count_stage cs = { .st = { .ops = &count_ops } };
	struct it_sink *sink;
	struct it_opts o;
	uint32_t i;

	sink = start(&c, &o, "--exclude-device name:SECRET* --count 30");
	assert_int_equal(it_collector_add_stage(&c, &cs.st), 0);
	dev_rec(&c, IT_REC_DEVICE_ADD, 5, "mouse");
	dev_rec(&c, IT_REC_DEVICE_ADD, 6, "SECRET");
	for (i = 0; i < 20; i++) {
		key(&c, 5, i == 3 ? 2 : 0);
		key(&c, 6, 0);
	}
	dev_rec(&c, IT_REC_DEVICE_DEL, 5, "mouse");
	for (i = 0; i < 20; i++)
		key(&c, 7, 0);		/* unknown device, no filter match: captured */
	it_collector_stats(&c);
	assert_int_equal(cs.devices, 2);	/* 5, and 7 (asked of sysfs) */
	assert_int_equal(cs.removed, 1);
	assert_int_equal(cs.events, 30);	/* --count */
	assert_int_equal(cs.events, c.st.events_out);
	assert_int_equal(cs.losses, 2);
	assert_int_equal(cs.finished, 1);
	assert_true(cs.buf_at_finish < c.buf.len);	/* the stats record after it */
	assert_non_null(strstr(c.buf.p + cs.buf_at_finish, "{\"record\":\"stats\""));
	it_collector_flush(&c);
	it_sink_close(sink);
	it_collector_free(&c);
	it_sink_free(sink);
}

/* A format the collector was not built with: every record goes through its table. */
static unsigned int tf_calls[8];

static void tf_header(struct it_format_ctx *fc, struct it_buf *b, uint64_t seq)
{
	tf_calls[0]++;
	it_buf_puts(b, "H\n");
}

static void tf_device(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		      const char *action)
{
	tf_calls[1]++;
	it_buf_puts(b, "D ");
	it_buf_puts(b, action);
	it_buf_putc(b, '\n');
}

static void tf_event(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		     const struct it_event *e)
{
	tf_calls[2]++;
	it_buf_puts(b, d->info ? d->info->name : "?");
	it_buf_putc(b, '\n');
}

static void tf_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t n, uint32_t dev)
{
	tf_calls[3]++;
	it_buf_puts(b, "L\n");
}

static void tf_output_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t lines,
			   uint64_t bytes, int error)
{
	tf_calls[4]++;
}

static void tf_stats(struct it_format_ctx *fc, struct it_buf *b, const struct it_stats *s)
{
	tf_calls[5]++;
	it_buf_puts(b, "S\n");
}

static const struct it_format_ops test_format = {
	.name = "test", .ext = "txt", .header = tf_header, .device = tf_device,
	.event = tf_event, .loss = tf_loss, .output_loss = tf_output_loss, .stats = tf_stats,
};

static void test_format_table(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_opts o;
	char err[256];

	memset(tf_calls, 0, sizeof(tf_calls));
	sink = start(&c, &o, "");
	c.fmt = &test_format;
	dev_rec(&c, IT_REC_DEVICE_ADD, 8, "pad");
	key(&c, 8, 1);
	key(&c, 8, 0);
	dev_rec(&c, IT_REC_DEVICE_DEL, 8, "pad");
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "H\nD add\nL\npad\npad\nD remove\nS\n");
	assert_int_equal(tf_calls[0], 1);
	assert_int_equal(tf_calls[4], 0);
	assert_int_equal(c.st.devices_removed, 1);
	it_collector_free(&c);
	it_sink_free(sink);
}

/* Each --format has its table, of its name. */
/* Events lost after the last record the kernel wrote (its lost_pending at the end)
 * get a loss record of their own, before the stats record: the loss records add up
 * to the stats record's lost. */
static void test_loss_at_end(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_opts o;
	char err[256], *file, *last;
	int n;

	sink = start(&c, &o, "");
	dev_rec(&c, IT_REC_DEVICE_ADD, 4, "kbd");
	key(&c, 4, 0);
	key(&c, 4, 300);
	key(&c, 4, 0);
	key(&c, 4, 11);
	/* what the agent reads after the last drain */
	c.st.k.lost = 300 + 11 + 297;
	c.st.k.lost_pending = 297;
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	assert_int_equal(sum_after(path, "{\"record\":\"loss\",\"count\":", &n), 300 + 11 + 297);
	assert_int_equal(n, 3);
	assert_int_equal(sum_after(path, "\"lost\":", &n), 300 + 11 + 297);
	assert_int_equal(n, 1);
	/* the last loss record has no device (per CPU, not known), the stats follow */
	file = slurp(path);
	assert_non_null(strstr(file, "{\"record\":\"loss\",\"count\":297}\n{\"record\":\"stats\""));
	last = strrchr(file, '\n');
	*last = 0;
	assert_int_equal(strncmp(strrchr(file, '\n') + 1, "{\"record\":\"stats\",", 18), 0);
	it_collector_free(&c);
	it_sink_free(sink);
}

/* Device records the kernel lost in a hotplug storm (dev_lost): the collector
 * compares its devices with sysfs and writes the missed "remove" and "add" records,
 * marked reconstructed; a device added during capture whose "add" was lost is never
 * "present"; the devices gauge ends at the devices really there. */
static void test_lost_device_records(void **state)
{
	static struct it_collector c;
	struct it_sink *sink;
	struct it_opts o;
	char err[256], root[64], *file, *last;

	fake_sysfs(root, sizeof(root));
	fake_dev(root, 3, true);
	sink = start(&c, &o, "");
	c.sysfs_root = root;
	it_collector_present(&c);		/* input3: present at start */
	fake_dev(root, 4, true);		/* added, its record lost */
	fake_dev(root, 5, true);
	dev_rec(&c, IT_REC_DEVICE_ADD, 5, "dev 5");
	fake_dev(root, 6, true);
	dev_rec(&c, IT_REC_DEVICE_ADD, 6, "dev 6");
	fake_dev(root, 5, false);		/* gone, its record lost */
	fake_dev(root, 7, true);		/* added, no event, its record lost */
	key(&c, 4, 40);
	c.st.k.dev_lost = 3;
	it_collector_flush(&c);
	assert_int_equal(count_lines("\"action\":\"present\""), 1);
	assert_int_equal(count_lines("\"action\":\"present\",\"dev\":3,"), 1);
	assert_int_equal(count_lines("{\"record\":\"device\",\"action\":\"add\",\"dev\":4,\"name\":\"dev 4\""), 1);
	assert_int_equal(count_lines("\"action\":\"remove\",\"dev\":5,"), 1);
	assert_int_equal(count_lines("\"action\":\"add\",\"dev\":7,"), 1);
	assert_int_equal(count_lines("\"reconstructed\":true}"), 3);
	assert_int_equal(count_lines("\"dev\":6,"), 1);	/* its own add, not repeated */
	assert_int_equal(c.st.devices - c.st.devices_removed, 4);
	/* at the end: a remove lost after the last reconciling, written before the stats */
	fake_dev(root, 6, false);
	c.st.k.dev_lost = 4;
	assert_int_equal(it_finish_output(&c, err, sizeof(err)), 0);
	assert_int_equal(count_lines("\"action\":\"remove\",\"dev\":6,"), 1);
	assert_int_equal(count_lines("\"reconstructed\":true}"), 4);
	assert_int_equal(count_lines("\"reconstructed\""), 4);
	assert_int_equal(c.st.devices - c.st.devices_removed, 3);	/* 3, 4, 7 */
	file = slurp(path);
	last = strrchr(file, '\n');
	*last = 0;
	assert_int_equal(strncmp(strrchr(file, '\n') + 1, "{\"record\":\"stats\",", 18), 0);
	it_collector_free(&c);
	it_sink_free(sink);
	fake_sysfs_free(root);
}

static void test_format_of(void **state)
{
	enum it_format f[] = { IT_FMT_JSONL, IT_FMT_CSV, IT_FMT_EVEMU };
	unsigned int i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		assert_string_equal(it_format_of(f[i])->name, it_format_name(f[i]));
	assert_true(it_format_of(IT_FMT_EVEMU)->dir_only);
	assert_null(it_format_of(IT_FMT_CSV)->stats);
	assert_true(it_format_known_head("record,dev,device,sec,usec,time,type,code,value\n", 48));
	assert_true(it_format_known_head("{\"record\":\"header\",\"schema\":1", 29));
	assert_false(it_format_known_head("{\"record\":\"event\"", 17));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_reused_after_many_hotplugs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_before_dropped_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_stage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_at_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_device_records, setup, teardown),
		cmocka_unit_test(test_format_of),
	};

	return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}
