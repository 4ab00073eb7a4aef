/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stage.h - the collector's processing stages: what is made of the records of the
 * captured devices before they are written. The collector keeps the devices (their
 * slots, --device/--exclude-device, sysfs), --count and the counters, and hands each
 * stage, in the order added, the devices' appearance and removal, the losses and the
 * events; a stage writes records through the collector's format into its buffer:
 *     c->fmt->event(&c->fc, &c->buf, d, e);
 * and the collector's outputs take them from there. The raw record writer
 * (stage_raw.c, it_stage_raw) is the first stage and writes every record as it came.
 *
 * Adding a stage (aggregates, tool context): a file stage_NAME.c with a struct that
 * embeds struct it_stage as its first member (or a static one if it keeps no state),
 * one `static const struct it_stage_ops` (NULL for the hooks it does not need), and
 * it_collector_add_stage() by whoever sets the collector up. Records of a new kind
 * need a writer in each format (format.h) first.
 */
#ifndef IT_STAGE_H
#define IT_STAGE_H

#include <stdint.h>
#include "format.h"

struct it_collector;
struct it_stage;

struct it_stage_ops {
	const char *name;
	/* A captured device's record is due: action "add", "present" (both once, when
	 * the device becomes known) or "remove". */
	void (*device)(struct it_stage *st, struct it_collector *c, const struct it_fmt_dev *d,
		       const char *action);
	/* count events the full ring buffer refused before what follows (dev: whose,
	 * IT_DEV_MIXED several); also when the events after it are not captured. */
	void (*loss)(struct it_stage *st, struct it_collector *c, uint64_t count, uint32_t dev);
	/* One event of a captured device (e->real_ns 0 with --no-time), before --count
	 * is reached. */
	void (*event)(struct it_stage *st, struct it_collector *c, const struct it_fmt_dev *d,
		      const struct it_event *e);
	/* The capture ends: write what is still held, before the stats record. */
	void (*finish)(struct it_stage *st, struct it_collector *c);
};

struct it_stage {
	const struct it_stage_ops *ops;
};

/* The raw record writer: device, loss and event records, one per record seen. */
extern struct it_stage it_stage_raw;

#endif
