/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output.h - the JSON Lines records (README "Output format"). Each function appends
 * one complete line, newline included, to b.
 */
#ifndef IT_OUTPUT_H
#define IT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include "inputtrace.h"
#include "json.h"

#define IT_STATS_TYPES 32	/* EV_CNT */

/* The event types always listed in the stats record's "events_by_type" and the
 * metrics (others appear when their count is not 0). */
extern const unsigned int it_stats_types[12];
bool it_stats_type_listed(unsigned int t);

/* What the collector adds to the kernel's counters for the stats record. */
struct it_stats {
	struct it_counters k;		/* summed over CPUs */
	uint64_t missed_frames;		/* frames the kernel skipped the programs for
					 * (capture.h it_capture_missed_frames()) */
	bool missed_counted;		/* the kernel counts them for this mechanism */
	uint64_t filtered_user;		/* events of devices not yet judged, dropped here */
	uint64_t events_out;		/* event records written */
	uint64_t not_output;		/* events read after --count was reached */
	uint64_t devices;		/* device records written */
	uint64_t output_lost_lines;	/* lines the sink could not write (disk full, EIO) */
	uint64_t output_lost_bytes;
	uint64_t devices_removed;	/* "remove" device records written */
	uint64_t bytes_written;		/* bytes written to output files (after gzip) */
	uint64_t files_completed;	/* output files completed (renamed into place) */
	uint64_t files_deleted;		/* complete files deleted by --max-files/--max-age */
	uint64_t files_recovered;	/* leftover .tmp files of a crashed run completed at start */
	uint64_t by_type[IT_STATS_TYPES];	/* event records output, by EV_ type */
};

/*
 * {"record":"device","action":ACTION,"dev":ID,"name":...,"bus":..,"vendor":..,
 *  "product":..,"version":..,"phys":..,"uniq":..,"sysname":"inputN"[,"node":NODE]}
 * action: "present" (already there when capture started), "add" (appeared during
 * capture), "remove". node: "/dev/input/eventM" or NULL to leave it out.
 */
void it_rec_device(struct it_buf *b, uint32_t id, const struct it_devinfo *info,
		   const char *action, const char *node);

/* The same, with ,"virtual":true or false at the end when virt is 1 or 0 (the device
 * sits under /sys/devices/virtual/: uinput and other software devices); -1 leaves
 * it out (not known). */
void it_rec_device_ex(struct it_buf *b, uint32_t id, const struct it_devinfo *info,
		      const char *action, const char *node, int virt);

/*
 * {"record":"event","dev":ID,"sec":S,"usec":U,"type":..,"code":..,"value":V[,"time":..]}
 * sec/usec: mono_ns split as evdev does (ktime_to_timespec64, then tv_nsec / 1000).
 * time: RFC 3339 UTC with microseconds from real_ns, left out when real_ns is 0.
 * flags (IT_EVF_*): IT_EVF_SYNTH_TS (or true) adds "synth_ts":true (the kernel had no
 * per-device timestamp), IT_EVF_INJECTED adds "injected":true (written to an evdev
 * node: input_inject_event()).
 */
void it_rec_event(struct it_buf *b, uint32_t dev, uint64_t mono_ns, uint64_t real_ns,
		  unsigned int type, unsigned int code, int32_t value, unsigned int flags);

/* {"record":"loss","count":N[,"dev":D]}: N events the full ring buffer refused, at
 * this point; dev when they were all of one device (dev IT_DEV_MIXED: several, left out). */
void it_rec_loss(struct it_buf *b, uint64_t count, uint32_t dev);

/* {"record":"stats",...}: the counters (README "Counters"), ending with
 * "events_by_type":{"EV_SYN":N,...}. */
void it_rec_stats(struct it_buf *b, const struct it_stats *s);

/* "2026-11-29T18:48:55.123456Z" for real_ns (ns since the epoch); appends quoted. */
void it_rfc3339(struct it_buf *b, uint64_t real_ns);

#endif
