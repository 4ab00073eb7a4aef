// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format_csv.c - --format csv (format_csv.h). */
#include <string.h>
#include "feat_intervals.h"
#include "format_csv.h"
#include "format_context.h"
#include "names.h"

void it_csv_field(struct it_buf *b, const char *s, size_t maxlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, maxlen), i = 0;
	bool quote = strcspn(s, ",\"\r\n") < n;

	if (quote)
		it_buf_putc(b, '"');
	if (n && strchr(IT_CSV_FORMULA_LEAD, s[0]))
		it_buf_putc(b, '\'');	/* not a formula: OWASP, "CSV Injection" */
	while (i < n) {
		size_t l = it_utf8_len(u + i, n - i);

		if (!l) {
			it_buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD, as in the JSON records */
			i++;
		} else if (u[i] == '"') {
			it_buf_puts(b, "\"\"");
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			it_buf_putc(b, ' ');
			i++;
		} else {
			it_buf_put(b, s + i, l);
			i += l;
		}
	}
	if (quote)
		it_buf_putc(b, '"');
}

void it_csv_event(struct it_buf *b, uint32_t dev, const char *devname, uint64_t mono_ns,
		  uint64_t real_ns, unsigned int type, unsigned int code, int32_t value)
{
	char t1[16], t2[16];

	it_buf_puts(b, "event,");
	it_buf_u64(b, dev);
	it_buf_putc(b, ',');
	it_csv_field(b, devname ? devname : "", 256);
	it_buf_putc(b, ',');
	it_buf_u64(b, mono_ns / 1000000000ull);
	it_buf_putc(b, ',');
	it_buf_u64(b, mono_ns % 1000000000ull / 1000);
	it_buf_putc(b, ',');
	if (real_ns)
		it_rfc3339_bare(b, real_ns);
	it_buf_putc(b, ',');
	it_buf_puts(b, it_type_name(type, t1));
	it_buf_putc(b, ',');
	it_buf_puts(b, it_code_name(type, code, t2));
	it_buf_putc(b, ',');
	it_buf_i64(b, value);
	it_buf_putc(b, '\n');
}

void it_csv_count(struct it_buf *b, const char *record, uint64_t count)
{
	it_buf_puts(b, record);
	it_buf_puts(b, ",,,,,,,,");
	it_buf_u64(b, count);
	it_buf_putc(b, '\n');
}

void it_csv_start(struct it_buf *b, const char *kind, uint64_t mono_ns, uint64_t real_ns)
{
	it_buf_puts(b, kind);
	it_buf_puts(b, ",,,");
	it_buf_u64(b, mono_ns / 1000000000ull);
	it_buf_putc(b, ',');
	it_buf_u64(b, mono_ns % 1000000000ull / 1000);
	it_buf_putc(b, ',');
	it_rfc3339_bare(b, real_ns);
	it_buf_putc(b, ',');
}

void it_csv_control(struct it_buf *b, bool pause, const struct it_ctl_req *r, uint64_t mono_ns,
		    uint64_t real_ns)
{
	it_csv_start(b, pause ? "pause" : "resume", mono_ns, real_ns);
	it_buf_puts(b, ",,");
	it_buf_u64(b, r->uid);
	it_buf_putc(b, '\n');
}

/* --- the format -------------------------------------------------------------------- */

/* With a subject key (participation.md) every row gets a last column, subject: the
 * row just written (ending in '\n') gets ",SUBJECT" before its newline. */
static void subject_col(struct it_format_ctx *fc, struct it_buf *b, const char *subject)
{
	if (!fc->subject_key || b->oom || !b->len)
		return;
	b->len--;
	it_buf_putc(b, ',');
	it_buf_puts(b, subject ? subject : "");
	it_buf_putc(b, '\n');
}

static void csv_header(struct it_format_ctx *fc, struct it_buf *b, uint64_t file_seq)
{
	it_buf_puts(b, fc->subject_key ? IT_CSV_HEAD ",subject\n" : IT_CSV_HEADER);
}

static void csv_event(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		      const struct it_event *e)
{
	it_csv_event(b, e->hdr.dev, d->info ? d->info->name : "", e->mono_ns, e->real_ns, e->type,
		     e->code, e->value);
	subject_col(fc, b, fc->subject);
}

static void csv_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t count, uint32_t dev)
{
	it_csv_count(b, "loss", count);
	subject_col(fc, b, fc->subject);
}

static void csv_output_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t lines,
			    uint64_t bytes, int error)
{
	it_csv_count(b, "output_loss", lines);
	subject_col(fc, b, "");
}

static void csv_control(struct it_format_ctx *fc, struct it_buf *b, bool pause,
			const struct it_ctl_req *r, uint64_t mono_ns, uint64_t real_ns)
{
	char subj[IT_SUBJECT_HEX + 1];
	size_t uid_at;

	it_csv_control(b, pause, r, mono_ns, real_ns);
	if (!fc->subject_key || b->oom)
		return;
	/* who asked: the subject instead of the uid (the value column left empty) */
	for (uid_at = b->len - 1; uid_at && b->p[uid_at - 1] != ','; uid_at--)
		;
	b->len = uid_at;
	it_buf_putc(b, '\n');
	subject_col(fc, b, it_subject_of(fc->subject_key, r->uid, subj) ? "" : subj);
}

/* A table's row in the event lines' columns, one line per cell (a long table: pivot
 * on dev, sec, usec and type): RECORD,DEV,DEVICE,SEC,USEC,,SUBJECT,COLUMN,VALUE, where
 * sec and usec are the row's start_ns and type its subject. */
static void csv_table_row(struct it_format_ctx *fc, struct it_buf *b, const char *record,
			  const char *const *cols, const struct it_fval *vals, const char *devname)
{
	const struct it_fval *dev = NULL, *start = NULL, *subject = NULL;
	unsigned int i;

	for (i = 0; cols[i]; i++) {
		if (!strcmp(cols[i], "dev"))
			dev = &vals[i];
		else if (!strcmp(cols[i], "start_ns"))
			start = &vals[i];
		else if (!strcmp(cols[i], "subject"))
			subject = &vals[i];
	}
	for (i = 0; cols[i]; i++) {
		if (&vals[i] == dev || &vals[i] == subject)
			continue;
		it_buf_puts(b, record);
		it_buf_putc(b, ',');
		if (dev)
			it_feat_put_val(b, dev, false);
		it_buf_putc(b, ',');
		it_csv_field(b, devname ? devname : "", 256);
		it_buf_putc(b, ',');
		if (start && start->kind == IT_FV_INT) {
			it_buf_u64(b, (uint64_t)start->i / 1000000000ull);
			it_buf_putc(b, ',');
			it_buf_u64(b, (uint64_t)start->i % 1000000000ull / 1000);
		} else {
			it_buf_putc(b, ',');
		}
		it_buf_puts(b, ",,");
		if (subject)
			it_feat_put_val(b, subject, false);
		it_buf_putc(b, ',');
		it_buf_puts(b, cols[i]);
		it_buf_putc(b, ',');
		it_feat_put_val(b, &vals[i], false);
		it_buf_putc(b, '\n');
	}
}

/* No device records (a device is named on each event line) and no stats record (no
 * place for it: stderr and the exit status say what went wrong). */
const struct it_format_ops it_format_csv = {
	.name = "csv",
	.ext = "csv",
	.head = IT_CSV_HEAD,
	.header = csv_header,
	.event = csv_event,
	.loss = csv_loss,
	.output_loss = csv_output_loss,
	.control = csv_control,
	.table_row = csv_table_row,
	.focus = it_csv_focus,
	.tool = it_csv_tool,
};
