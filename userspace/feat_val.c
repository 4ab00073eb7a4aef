// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* feat_val.c - how a cell of a dataset table is written (feat_intervals.h). */
#include <stdio.h>
#include "feat_intervals.h"
#include "format_csv.h"

/* Everything but strings and null: the same text in JSON and CSV. */
static void number(struct it_buf *b, const struct it_fval *v)
{
	char s[48];
	uint64_t us;

	switch (v->kind) {
	case IT_FV_INT:
		it_buf_i64(b, v->i);
		break;
	case IT_FV_MS:
		us = (v->i < 0 ? -(uint64_t)v->i : (uint64_t)v->i) / 1000;
		snprintf(s, sizeof(s), "%s%llu.%03u", v->i < 0 && us ? "-" : "",
			 (unsigned long long)(us / 1000), (unsigned int)(us % 1000));
		it_buf_puts(b, s);
		break;
	case IT_FV_REAL:
		snprintf(s, sizeof(s), "%.3f", v->d);
		it_buf_puts(b, s);
		break;
	default:
		break;
	}
}

void it_fval_json(struct it_buf *b, const struct it_fval *v)
{
	if (v->kind == IT_FV_NULL)
		it_buf_puts(b, "null");
	else if (v->kind == IT_FV_STR)
		it_json_str(b, v->s ? v->s : "", 4096);
	else
		number(b, v);
}

void it_fval_csv(struct it_buf *b, const struct it_fval *v)
{
	if (v->kind == IT_FV_STR)
		it_csv_field(b, v->s ? v->s : "", 4096);
	else
		number(b, v);
}
