/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * collector.h - turns ring buffer records into output records: device bookkeeping,
 * the userspace device filter, --count, loss records, and buffered writing to a sink.
 * Independent of how the records were produced (the agent's BPF programs, a test, a
 * benchmark's producer).
 */
#ifndef IT_COLLECTOR_H
#define IT_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "output.h"
#include "sink.h"

#define IT_COLLECTOR_DEV_SLOTS 4096	/* devices one run tracks; power of two */
#define IT_COLLECTOR_FLUSH_BYTES (64 * 1024)

struct it_dev_state {
	uint32_t id;
	bool used;
	bool announced;		/* device record written */
	bool capture;		/* matches --device */
};

struct it_collector {
	const struct it_opts *o;
	const char *sysfs_root;		/* "/sys" */
	struct it_sink *sink;
	struct it_buf buf;		/* formatted, not yet written */
	struct it_stats st;
	bool count_reached;
	/* tell the kernel a device's verdict (enum it_verdict); NULL: nobody to tell */
	int (*set_verdict)(void *ctx, uint32_t id, uint32_t verdict);
	void *verdict_ctx;
	struct it_dev_state devs[IT_COLLECTOR_DEV_SLOTS];
};

/* Set up c (zeroes it); it is large, so allocate it statically or on the heap. */
void it_collector_init(struct it_collector *c, const struct it_opts *o, struct it_sink *sink,
		       const char *sysfs_root);

/* ring_buffer_sample_fn: one struct it_event / it_device_rec. Always returns 0. */
int it_collector_on_record(void *ctx, void *data, size_t size);

/* A "present" device record for each device sysfs lists now. */
void it_collector_present(struct it_collector *c);

/* Write what is buffered to the sink. Returns 0 or -1 (the sink said why). */
int it_collector_flush(struct it_collector *c);

void it_collector_free(struct it_collector *c);

#endif
