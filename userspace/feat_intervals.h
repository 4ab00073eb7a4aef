/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feat_intervals.h - the intervals table (feat_intervals.c, docs/features.md
 * "intervals"), and how a cell of any table is written (feat_val.c), for the offline
 * command's row writers and the agent's interval records alike.
 */
#ifndef IT_FEAT_INTERVALS_H
#define IT_FEAT_INTERVALS_H

#include "feat.h"
#include "json.h"

extern const struct it_feat_table_ops it_feat_intervals;

/* Cell v as JSON: null, a string, an integer, milliseconds with 3 decimals
 * (IT_FV_MS: nanoseconds truncated to microseconds, by integer arithmetic) or %.3f. */
void it_fval_json(struct it_buf *b, const struct it_fval *v);

/* The same as a CSV cell: empty for null, a string as it_csv_field() quotes it. */
void it_fval_csv(struct it_buf *b, const struct it_fval *v);

#endif
