/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ops.h - what makes the capture an operable agent, around main.c's loop: --pin,
 * --user, --stats-interval, --metrics-file and the loss-rate warning.
 *
 *   it_ops_prepare()        before loading: resolve --user, lock --pin DIR
 *   it_ops_after_attach()   pin the maps, then drop to --user
 *   it_ops_tick()           in the loop: periodic stats record, metrics, loss check
 *   it_ops_finish()         at exit: last metrics, remove the pins
 */
#ifndef IT_OPS_H
#define IT_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "capture.h"
#include "collector.h"
#include "pin.h"

#define IT_METRICS_DEFAULT_INTERVAL 15.0
#define IT_LOSS_WARN_FRACTION 0.01	/* warn when more than 1% of an interval's events are lost */

struct it_ops {
	const struct it_opts *o;
	struct it_pin pin;
	bool have_user;
	uid_t uid;
	gid_t gid;
	double interval_s;		/* 0: no periodic work */
	double next_tick;		/* CLOCK_MONOTONIC seconds */
	double start_time;		/* CLOCK_REALTIME seconds */
	struct it_counters prev;	/* at the previous tick (loss check) */
	bool metrics_failed;		/* said once */
	bool started;			/* attached: metrics are written from here on */
	struct it_sink *sink;		/* the output, given to --user before the switch
					 * (set after it_ops_prepare; NULL: none) */
};

/* Returns 0; 1 on a usage error (exit 2); -1 when it cannot run (exit 1). err says. */
int it_ops_prepare(struct it_ops *ops, const struct it_opts *o, char *err, size_t errlen);

/* Returns 0, or -1 with a message in err (exit 1). */
int it_ops_after_attach(struct it_ops *ops, struct it_capture *cap, char *err, size_t errlen);

/* Seconds until the next tick is due (for the poll timeout), or -1 for none. */
double it_ops_next_in(const struct it_ops *ops, double now_mono);

/* Do what is due at now_mono (CLOCK_MONOTONIC seconds). */
void it_ops_tick(struct it_ops *ops, struct it_capture *cap, struct it_collector *col,
		 double now_mono);

/* At exit, after the final counters are in col->st: write the metrics a last time and
 * remove the pins. Safe after a failed prepare. */
void it_ops_finish(struct it_ops *ops, struct it_collector *col);

#endif
