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
#include "format_evemu.h"
#include "header.h"
#include "output.h"
#include "sink.h"

#define IT_COLLECTOR_DEV_SLOTS 4096	/* devices one run tracks; power of two */
#define IT_COLLECTOR_FLUSH_BYTES (64 * 1024)

struct it_dev_state {
	uint32_t id;
	bool used;
	bool dead;		/* its device went away: free for another, kept in the probe
				 * chain (open addressing) */
	bool announced;		/* device record written */
	bool capture;		/* matches --device */
	int8_t virt;		/* it_sysfs_is_virtual() when announced: 1, 0, -1 unknown */
	/* output files (issue 3) */
	bool removed;		/* its "remove" record was written */
	bool has_info;		/* info/node below are set */
	uint64_t announce_gen;	/* c->flush_gen when its record was buffered */
	struct it_devinfo info;	/* repeated at the top of each new file */
	char node[64];		/* "/dev/input/eventN" or "" */
	char *evemu_desc;	/* --format evemu: description lines, read at announce */
	size_t evemu_desc_len;
	struct it_evemu_file *evemu;	/* --format evemu: its file, from its first event */
};

struct it_collector {
	const struct it_opts *o;
	const char *sysfs_root;		/* "/sys" */
	struct it_sink *sink;
	struct it_buf buf;		/* formatted, not yet written */
	struct it_stats st;
	bool count_reached;
	uint64_t flush_gen;		/* it_collector_flush() calls */
	uint64_t lost_lines_here;	/* lines lost outside the sink: evemu files (closed
					 * ones, or one that could not be opened) */
	struct it_hostinfo host;	/* for the header record */
	/* tell the kernel a device's verdict (enum it_verdict); NULL: nobody to tell */
	int (*set_verdict)(void *ctx, uint32_t id, uint32_t verdict);
	void *verdict_ctx;
	struct it_dev_state devs[IT_COLLECTOR_DEV_SLOTS];
};

/* Set up c (zeroes it); it is large, so allocate it statically or on the heap. */
void it_collector_init(struct it_collector *c, const struct it_opts *o, struct it_sink *sink,
		       const char *sysfs_root);

/* ring_buffer_sample_fn: one struct it_frame_rec, it_event or it_device_rec. Always
 * returns 0. */
int it_collector_on_record(void *ctx, void *data, size_t size);

/* A "present" device record for each device sysfs lists now. */
void it_collector_present(struct it_collector *c);

/* The sink settings the options ask for (--compress, --rotate-*, --format, ...). */
void it_sink_cfg_from_opts(struct it_sink_cfg *cfg, const struct it_opts *o);

/* Copy the sink's counts (bytes written, files completed and deleted, lines and
 * bytes it could not write) and the evemu files' losses into c->st. */
void it_collector_update_stats(struct it_collector *c);

/* A periodic stats record (--stats-interval): it_collector_update_stats(), then the
 * record (not in CSV). c->st.k must be fresh. */
void it_collector_stats_record(struct it_collector *c);

/* At the end of a capture, before it_sink_close(): complete the evemu files, copy the
 * sink's counts into the stats and buffer the stats record (the last line). */
void it_collector_stats(struct it_collector *c);

/* Write what is buffered to the sink, then let the sink do its time-driven work
 * (it_sink_tick: flush interval, rotation, retry, SIGHUP). Returns 0 or -1 (the sink
 * said why). */
int it_collector_flush(struct it_collector *c);

void it_collector_free(struct it_collector *c);

#endif
