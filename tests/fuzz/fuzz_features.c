// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_features.c - the capture reader of `inputtrace features` (it_feat_read_line,
 * userspace/features_read.c) and the keystrokes, actions and intervals tables, on any
 * bytes.
 * Input: lines of a capture ('\n'-separated). The first byte picks where a rotated
 * file's header (file_seq 2) is inserted for the second run.
 * Properties: a line the strict oracle (json_check.h) accepts as JSON is never called
 * "not JSON" by the reader; every row of each table, as JSON Lines, is one valid JSON
 * object whose keys are the table's columns in order; the rows are the same when a
 * rotated file's header is inserted between two lines (the chunking of files does not
 * change a table).
 */
#include "feat.h"
#include "json.h"
#include "fuzz.h"

static void row(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *v)
{
	struct it_buf *out = ctx, b = { 0 };
	struct jc_field f[32];	/* the widest table: intervals, 26 columns */
	int nf = 0, i;

	it_feat_format_row(&b, t, v, true);
	FUZZ_ASSERT(!b.oom && b.len && b.p[b.len - 1] == '\n', "no row");
	FUZZ_ASSERT(!jc_check(b.p, b.len - 1, f, 32, &nf), "row not JSON: %.*s", (int)b.len, b.p);
	for (i = 0; t->columns[i]; i++)
		FUZZ_ASSERT(i < nf && !strcmp(f[i].key, t->columns[i]), "column %d of %.*s", i,
			    (int)b.len, b.p);
	FUZZ_ASSERT(i == nf, "%d members, want %d", nf, i);
	it_buf_put(out, b.p, b.len);
	it_buf_free(&b);
}

/* The rows of table over data (a header inserted before line cut, if any). */
static void run(const char *table, const uint8_t *data, size_t size, long cut, struct it_buf *out)
{
	static const char hdr[] = "{\"record\":\"header\",\"file_seq\":2}";
	const struct it_feat_table_ops *t = it_feat_table_find(table);
	struct it_feat_out o = { .row = row, .ctx = out };
	struct it_feat_reader rd = { .t = t, .out = &o };
	struct it_feat_opts opts;
	const char *p = (const char *)data, *end = p + size;
	long line = 0;

	it_feat_opts_default(&opts);
	rd.state = t->create(&opts);
	FUZZ_ASSERT(rd.state, "create");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (line++ == cut)
			FUZZ_ASSERT(!it_feat_read_line(&rd, hdr, sizeof(hdr) - 1, "h", 0), "header");
		if (it_feat_read_line(&rd, p, n, "f", (uint64_t)line)) {
			FUZZ_ASSERT(jc_check(p, n, NULL, 0, NULL) || !strstr(rd.err, ": not JSON: "),
				    "valid JSON called not JSON: %s: %.*s", rd.err, (int)n, p);
		}
		p += n + 1;
	}
	t->finish(rd.state, &o);
	t->destroy(rd.state);
	it_feat_reader_free(&rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tables[] = { "keystrokes", "actions", "intervals" };
	long cut;

	if (size < 1)
		return 0;
	cut = data[0] % 16;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct it_buf a = { 0 }, b = { 0 };

		run(tables[i], data + 1, size - 1, -1, &a);
		run(tables[i], data + 1, size - 1, cut, &b);
		FUZZ_ASSERT(a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len)),
			    "%s: rows change with a rotated file's header before line %ld", tables[i], cut);
		it_buf_free(&a);
		it_buf_free(&b);
	}
	return 0;
}
