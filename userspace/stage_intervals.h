/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stage_intervals.h - `--record intervals`: the collector stage that writes the
 * intervals table (feat_intervals.c) instead of events. It takes the place of the raw
 * record writer (stage.h): device and loss records are written as before, events go
 * into the table only, and the table's rows leave as interval records (the formats'
 * table_row writer: {"record":"interval",...} in JSON Lines). Each event is handed to
 * the table with the code name and microsecond time the JSON Lines writer would have
 * written, so `inputtrace features intervals` over a raw capture of the same input
 * gives the same rows.
 */
#ifndef IT_STAGE_INTERVALS_H
#define IT_STAGE_INTERVALS_H

#include "cli.h"
#include "stage.h"

struct it_collector;

/* A new intervals stage for o's --interval and --idle; NULL when out of memory. */
struct it_stage *it_stage_intervals_new(const struct it_opts *o);

/* st in the place of c's raw record writer (appended if c has none). 0, or -1 when
 * c's stage list is full. */
int it_stage_intervals_use(struct it_collector *c, struct it_stage *st);

/* Capture paused (control.h): events in between are not captured, so what follows is
 * not continuous with what came before (a key down is forgotten). Nothing when c has
 * no intervals stage. */
void it_stage_intervals_pause(struct it_collector *c);

/* Free st (after the collector's last use of it). NULL: nothing. */
void it_stage_intervals_free(struct it_stage *st);

#endif
