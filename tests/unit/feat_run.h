/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feat_run.h - the dataset tables' unit tests (test_feat_*.c): a capture written line by
 * line as the agent writes it, run through the reader and one table, the rows back as
 * CSV lines; and the same capture cut into "rotated files" (each new file starts with a
 * header of the next file_seq and a "present" record per device, as the agent's do).
 */
#ifndef IT_TEST_FEAT_RUN_H
#define IT_TEST_FEAT_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feat.h"
#include "json.h"

#define FR_LINES 4096

static struct {
	char *line[FR_LINES];
	size_t n;
} fr_cap;

static const char *fr_subject;	/* events carry "subject" when set */

static void fr_reset(void)
{
	fr_subject = NULL;
	for (size_t i = 0; i < fr_cap.n; i++)
		free(fr_cap.line[i]);
	fr_cap.n = 0;
}

static void fr_line(const char *s)
{
	assert_true(fr_cap.n < FR_LINES);
	fr_cap.line[fr_cap.n++] = strdup(s);
}

/* An event at us microseconds of the capture's clock. */
static void fr_ev(unsigned int dev, uint64_t us, const char *type, const char *code, int value)
{
	char s[256];

	snprintf(s, sizeof(s),
		 "{\"record\":\"event\",\"stream\":\"5f0c2a9e01b4d7c3\",\"seq\":%zu,%s%s%s\"dev\":%u,"
		 "\"sec\":%llu,\"usec\":%llu,\"type\":\"%s\",\"code\":\"%s\",\"value\":%d,"
		 "\"time\":\"2026-11-29T19:00:40.705030Z\"}", fr_cap.n, fr_subject ? "\"subject\":\"" : "",
		 fr_subject ? fr_subject : "", fr_subject ? "\"," : "", dev,
		 (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000), type, code,
		 value);
	fr_line(s);
}

static void fr_syn(unsigned int dev, uint64_t us)
{
	fr_ev(dev, us, "EV_SYN", "SYN_REPORT", 0);
}

static void fr_key(unsigned int dev, uint64_t us, const char *code, int value)
{
	fr_ev(dev, us, "EV_KEY", code, value);
	fr_syn(dev, us);
}

static void fr_device(unsigned int dev, const char *action)
{
	char s[256];

	snprintf(s, sizeof(s), "{\"record\":\"device\",\"action\":\"%s\",\"dev\":%u,"
		 "\"name\":\"kbd \\\"x\\\"\",\"bus\":3,\"virtual\":false}", action, dev);
	fr_line(s);
}

static void fr_row(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *v)
{
	it_feat_format_row(ctx, t, v, false);
}

static void fr_feed(struct it_feat_reader *rd, const char *s, uint64_t lineno)
{
	int r = it_feat_read_line(rd, s, strlen(s), "capture", lineno);

	if (r)
		fail_msg("%s", rd->err);
}

/* The rows of table over the capture, cut before each line index in cuts[] (ascending),
 * as CSV lines without the header: a static buffer the next call reuses. */
static const char *fr_run_cut(const char *table, const size_t *cuts, size_t ncuts)
{
	static struct it_buf out;
	const struct it_feat_table_ops *t = it_feat_table_find(table);
	struct it_feat_out o = { .row = fr_row, .ctx = &out };
	struct it_feat_reader rd = { .t = t, .out = &o };
	struct it_feat_opts opts;
	size_t c = 0;
	uint32_t devs[64];
	size_t ndevs = 0;
	char s[256];

	assert_non_null(t);
	it_feat_opts_default(&opts);
	rd.state = t->create(&opts);
	assert_non_null(rd.state);
	it_buf_reset(&out);
	fr_feed(&rd, "{\"record\":\"header\",\"schema\":1,\"file_seq\":1,\"settings\":{\"devices\":[]}}", 0);
	for (size_t i = 0; i < fr_cap.n; i++) {
		unsigned int dev;

		if (c < ncuts && cuts[c] == i) {	/* a rotated file: header, present records */
			snprintf(s, sizeof(s), "{\"record\":\"header\",\"schema\":1,\"file_seq\":%zu}", c + 2);
			fr_feed(&rd, s, 0);
			for (size_t k = 0; k < ndevs; k++) {
				snprintf(s, sizeof(s), "{\"record\":\"device\",\"action\":\"present\",\"dev\":%u}",
					 devs[k]);
				fr_feed(&rd, s, 0);
			}
			c++;
		}
		fr_feed(&rd, fr_cap.line[i], i + 1);
		/* the devices the agent has announced: every one with a record or event */
		if (sscanf(strstr(fr_cap.line[i], "\"dev\":") ? strstr(fr_cap.line[i], "\"dev\":") : "",
			   "\"dev\":%u", &dev) == 1) {
			size_t k;

			for (k = 0; k < ndevs && devs[k] != dev; k++)
				;
			if (strstr(fr_cap.line[i], "\"remove\"")) {
				if (k < ndevs)
					devs[k] = devs[--ndevs];
			} else if (k == ndevs && ndevs < 64) {
				devs[ndevs++] = dev;
			}
		}
	}
	t->finish(rd.state, &o);
	t->destroy(rd.state);
	it_feat_reader_free(&rd);
	it_buf_putc(&out, 0);
	assert_false(out.oom);
	return out.p;
}

static const char *fr_run(const char *table)
{
	return fr_run_cut(table, NULL, 0);
}

/* The capture gives the same rows cut into two files at every line, and into many
 * files at every 3rd, 7th, ... line. */
static void fr_check_chunking(const char *table)
{
	char *whole = strdup(fr_run(table));
	size_t cuts[FR_LINES];

	for (size_t k = 1; k < fr_cap.n; k++) {
		cuts[0] = k;
		assert_string_equal(fr_run_cut(table, cuts, 1), whole);
	}
	for (size_t step = 1; step < 12; step += 2) {
		size_t n = 0;

		for (size_t k = step; k < fr_cap.n; k += step)
			cuts[n++] = k;
		assert_string_equal(fr_run_cut(table, cuts, n), whole);
	}
	free(whole);
}

#endif
