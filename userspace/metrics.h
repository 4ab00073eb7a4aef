/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * metrics.h - health: --metrics-file PATH (Prometheus text exposition format 0.0.4,
 * for node_exporter's textfile collector, replaced atomically) and the loss check
 * logged once per --stats-interval.
 */
#ifndef IT_METRICS_H
#define IT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "output.h"

/* Append the metrics of s to b: every counter of the stats record as
 * inputtrace_<name>_total (counter), with # HELP and # TYPE lines, plus
 * inputtrace_start_time_seconds and inputtrace_last_update_time_seconds (gauges,
 * seconds since the epoch). */
void it_metrics_format(struct it_buf *b, const struct it_stats *s, double start_time,
		       double now);

/* Write the metrics to PATH.tmp.PID (0644) and rename it over PATH. Returns 0, or -1
 * with a one-line reason in err. */
int it_metrics_write(const char *path, const struct it_stats *s, double start_time,
		     double now, char *err, size_t errlen);

/* Loss over an interval: true if, from prev to cur, more than threshold (a fraction,
 * e.g. 0.01) of the events the kernel tried to write were lost; msg then says how
 * many, over how many seconds. */
bool it_loss_check(const struct it_counters *prev, const struct it_counters *cur,
		   double threshold, double interval_s, char *msg, size_t msglen);

#endif
