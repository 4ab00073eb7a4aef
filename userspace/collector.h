/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * collector.h - turns ring buffer records into output records: device bookkeeping,
 * the userspace device filter, --count, loss records, and buffered writing. The data
 * path: records -> the stages (stage.h; the raw record writer first) -> the format
 * (format.h, one table for --format) -> the buffer -> the outputs (outputs.h; the file
 * sink first). Independent of how the records were produced (the agent's BPF
 * programs, a test, a benchmark's producer).
 */
#ifndef IT_COLLECTOR_H
#define IT_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "format.h"
#include "header.h"
#include "output.h"
#include "outputs.h"
#include "sink.h"
#include "stage.h"

#define IT_COLLECTOR_DEV_SLOTS 4096	/* devices one run tracks; power of two */
#define IT_COLLECTOR_FLUSH_BYTES (64 * 1024)
#define IT_COLLECTOR_STAGES 8

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
	void *fmt_priv;		/* the format's state for this device (it_fmt_dev.priv) */
};

struct it_collector {
	const struct it_opts *o;
	const char *sysfs_root;		/* "/sys" */
	/* what the records look like: one table, never asked which (format.h) */
	const struct it_format_ops *fmt;
	struct it_format_ctx fc;
	struct it_stage *stages[IT_COLLECTOR_STAGES];	/* in order; it_stage_raw first */
	unsigned int n_stages;
	struct it_outputs outs;		/* where the buffer goes */
	struct it_output_feed feed;	/* what the outputs ask back: preamble, gap record */
	struct it_buf buf;		/* formatted, not yet written */
	struct it_stats st;
	bool count_reached;
	uint64_t flush_gen;		/* it_collector_flush() calls */
	struct it_hostinfo host;	/* for the header record */
	struct it_shipper *shipper;	/* delivering the output to Kafka; NULL: not */
	/* tell the kernel a device's verdict (enum it_verdict); NULL: nobody to tell */
	int (*set_verdict)(void *ctx, uint32_t id, uint32_t verdict);
	void *verdict_ctx;
	/* device records may have been lost (dev_lost, or the ring buffer was full):
	 * it_collector_flush() reconciles with sysfs, at most once a second */
	bool present_done;		/* it_collector_present() ran: a device first seen
					 * later was added during capture */
	bool reconcile;
	bool ended;			/* it_collector_stats() ran: no record after it */
	uint64_t reconcile_next_ns;	/* CLOCK_MONOTONIC */
	struct it_dev_state devs[IT_COLLECTOR_DEV_SLOTS];
};

/* Set up c (zeroes it) for the options' format, with the raw record writer as its
 * stage and sink (NULL: none) as its first output; a format that keeps files of its
 * own (evemu) puts them in the sink's directory. c is large: allocate it statically or
 * on the heap. Returns 0, or -1 when the format cannot be set up (out of memory). */
int it_collector_init(struct it_collector *c, const struct it_opts *o, struct it_sink *sink,
		      const char *sysfs_root);

/* One more output (a shipper, say), written after the ones before. The caller keeps
 * it: close and free it after it_finish_output(). 0, or -1 when the list is full. */
int it_collector_add_output(struct it_collector *c, struct it_output *out);

/* One more stage, after the ones before. 0, or -1 when the list is full. */
int it_collector_add_stage(struct it_collector *c, struct it_stage *st);

/* ring_buffer_sample_fn: one struct it_frame_rec, it_event or it_device_rec. Always
 * returns 0. */
int it_collector_on_record(void *ctx, void *data, size_t size);

/* A "present" device record for each device sysfs lists now. From here on a device
 * first seen without its "add" record (lost) gets a reconstructed "add". */
void it_collector_present(struct it_collector *c);

/* Device records the kernel could not write (counted in dev_lost): compare the
 * devices known here with sysfs_root/class/input and write what was missed, marked
 * "reconstructed": "remove" for each device gone, "add" for each one that appeared.
 * Nothing when sysfs cannot be read. it_collector_flush() calls it, at most once a
 * second, from the first sign of such loss on (c->st.k.dev_lost > 0, or a record
 * with lost_before: the ring buffer was full); it_collector_stats() once more. */
void it_collector_reconcile(struct it_collector *c);

/* Capture paused or resumed (by r, at mono_ns/real_ns): its record, in the format,
 * unless --count was reached. Flush after it so that it sits where it happened. */
void it_collector_control(struct it_collector *c, bool pause, const struct it_ctl_req *r,
			  uint64_t mono_ns, uint64_t real_ns);

/* The sink settings the options ask for (--compress, --rotate-*, --format, ...). */
void it_sink_cfg_from_opts(struct it_sink_cfg *cfg, const struct it_opts *o);

/* Copy the outputs' counts (bytes written, files completed, deleted and recovered,
 * lines and bytes they could not write) and the format's own losses (evemu files)
 * into c->st. */
void it_collector_update_stats(struct it_collector *c);

/* A periodic stats record (--stats-interval): it_collector_update_stats(), then the
 * record (if the format has one; CSV does not). c->st.k must be fresh. */
void it_collector_stats_record(struct it_collector *c);

/* At the end of a capture, before the outputs close, c->st.k read after the last
 * drain: devices reconciled if records were lost, the events lost after the last
 * record written (c->st.k.lost_pending: no record carries them) written as a loss
 * record, the stages finish, the format completes its own files, the counts are
 * copied into the stats and the stats record (the last line) is buffered. */
void it_collector_stats(struct it_collector *c);

/* Reconcile the devices if due (it_collector_reconcile()), write what is buffered to
 * every output, then let them do their time-driven work (flush interval, rotation,
 * retry, SIGHUP). Returns 0 or -1 (the output said why). */
int it_collector_flush(struct it_collector *c);

/* Free what the collector holds (not the outputs: their owners close and free them). */
void it_collector_free(struct it_collector *c);

#endif
