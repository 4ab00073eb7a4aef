/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feat_intervals.h - the intervals table (feat_intervals.c, docs/features.md
 * "intervals"), and how a cell of any table is written (features.c), for the agent's
 * interval records as for the features command's rows.
 */
#ifndef IT_FEAT_INTERVALS_H
#define IT_FEAT_INTERVALS_H

#include "feat.h"
#include "json.h"

extern const struct it_feat_table_ops it_feat_intervals;

/* Cell v as the features command writes it (features.c): JSON (jsonl) or a CSV cell;
 * null/empty, a string, an integer, IT_FV_MS as milliseconds with 3 decimals, exactly,
 * IT_FV_REAL as %.3f. */
void it_feat_put_val(struct it_buf *b, const struct it_fval *v, bool jsonl);

#endif
