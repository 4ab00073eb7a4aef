// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ops.c - --pin, --user, --stats-interval, --metrics-file around the capture (ops.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include "log.h"
#include "metrics.h"
#include "ops.h"
#include "privdrop.h"
#include "sink.h"

static double realtime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int it_ops_prepare(struct it_ops *ops, const struct it_opts *o, char *err, size_t errlen)
{
	int rc;

	memset(ops, 0, sizeof(*ops));
	ops->o = o;
	ops->pin.dirfd = -1;
	ops->start_time = realtime_s();
	ops->interval_s = o->stats_interval_s;
	if (!ops->interval_s && o->metrics_file)
		ops->interval_s = IT_METRICS_DEFAULT_INTERVAL;
	if (o->user) {
		if (it_user_resolve(o->user, &ops->uid, &ops->gid, err, errlen))
			return 1;
		ops->have_user = true;
	}
	if (o->pin) {
		rc = it_pin_acquire(&ops->pin, o->pin, err, errlen);
		if (rc)
			return -1;
		if (ops->pin.stale_removed)
			it_notice("removed %d stale pins in %s (their agent is gone)",
				  ops->pin.stale_removed, o->pin);
	}
	return 0;
}

int it_ops_after_attach(struct it_ops *ops, struct it_capture *cap, char *err, size_t errlen)
{
	if (ops->o->pin && it_pin_maps(&ops->pin, it_capture_object(cap), err, errlen))
		return -1;
	if (ops->have_user) {
		if (ops->o->pin && it_pin_chown(&ops->pin, ops->uid, ops->gid)) {
			snprintf(err, errlen, "--user: cannot give %s to uid %u: %s", ops->pin.dir,
				 (unsigned)ops->uid, strerror(errno));
			return -1;
		}
		/* the output: rotation, retention and SIGHUP create, rename and delete
		 * files there as the user */
		if (ops->sink && it_sink_chown(ops->sink, ops->uid, ops->gid)) {
			snprintf(err, errlen, "--user: cannot give the output %s to %s: %s%s",
				 it_sink_name(ops->sink), ops->o->user, strerror(errno),
				 errno == EPERM && it_sink_is_dir(ops->sink) ?
				 " (a directory inputtrace did not create must already belong to "
				 "that user)" : "");
			return -1;
		}
		if (it_drop_privileges(ops->uid, ops->gid, err, errlen))
			return -1;
		if (ops->o->verbose)
			it_log(LOG_INFO, "running as %s (uid %u), no capabilities",
			       ops->o->user, (unsigned)ops->uid);
	}
	ops->started = true;
	return 0;
}

double it_ops_next_in(const struct it_ops *ops, double now_mono)
{
	if (!ops->interval_s)
		return -1;
	if (!ops->next_tick)
		return ops->interval_s;
	return ops->next_tick > now_mono ? ops->next_tick - now_mono : 0;
}

static void write_metrics(struct it_ops *ops, const struct it_stats *st)
{
	char err[512];

	if (!ops->o->metrics_file)
		return;
	if (it_metrics_write(ops->o->metrics_file, st, ops->start_time, realtime_s(), err,
			     sizeof(err))) {
		if (!ops->metrics_failed)
			it_err("%s", err);
		ops->metrics_failed = true;
	} else {
		ops->metrics_failed = false;
	}
}

void it_ops_tick(struct it_ops *ops, struct it_capture *cap, struct it_collector *col,
		 double now_mono)
{
	char msg[256];

	if (!ops->interval_s)
		return;
	if (!ops->next_tick) {
		/* the first call starts the clock; metrics exist from the start */
		ops->next_tick = now_mono + ops->interval_s;
		if (!it_capture_counters(cap, &col->st.k))
			ops->prev = col->st.k;
		it_collector_update_stats(col);
		write_metrics(ops, &col->st);
		return;
	}
	if (now_mono < ops->next_tick)
		return;
	ops->next_tick = now_mono + ops->interval_s;
	if (it_capture_counters(cap, &col->st.k))
		return;
	col->st.missed_frames = it_capture_missed_frames(cap);
	/* once per interval, whatever the number of lost events */
	if (it_loss_check(&ops->prev, &col->st.k, IT_LOSS_WARN_FRACTION, ops->interval_s, msg,
			  sizeof(msg)))
		it_warn("%s", msg);
	ops->prev = col->st.k;
	/* the same record as the final one: the sink's counts too (output_lost_*, bytes,
	 * files) */
	if (ops->o->stats_interval_s)
		it_collector_stats_record(col);
	else
		it_collector_update_stats(col);
	write_metrics(ops, &col->st);
}

void it_ops_finish(struct it_ops *ops, struct it_collector *col)
{
	if (ops->started) {
		it_collector_update_stats(col);	/* the last file is complete by now */
		write_metrics(ops, &col->st);
	}
	it_pin_release(&ops->pin);
}
