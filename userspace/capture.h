/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* capture.h - loading, attaching and reading the BPF side. */
#ifndef IT_CAPTURE_H
#define IT_CAPTURE_H

#include <bpf/libbpf.h>
#include <stddef.h>
#include "cli.h"
#include "inputtrace.h"

struct inputtrace_bpf;

struct it_capture {
	struct inputtrace_bpf *skel;
	struct ring_buffer *rb;
	enum it_attach used;		/* IT_ATTACH_FENTRY or IT_ATTACH_KPROBE */
	int ncpus;
};

/*
 * Open, configure (ring size, type mask, default device verdict), load and attach,
 * trying the mechanisms o->attach allows in order (fentry/fexit, then
 * kprobe/kretprobe), and set up the ring buffer reader with cb(ctx, data, size).
 * Returns 0, or -1 with a one-line reason in err ("fentry not permitted by this
 * kernel (EPERM); kprobes not available (no kprobe PMU, no kprobe_events)").
 */
int it_capture_start(struct it_capture *c, const struct it_opts *o, ring_buffer_sample_fn cb,
		     void *ctx, char *err, size_t errlen);

/* Detach the programs (no new records from here on) but keep the maps and the ring
 * buffer readable: stop, then drain, then read the counters, so that every event
 * counted written is in what was drained. */
void it_capture_detach(struct it_capture *c);

/* Detach and free everything; safe on a zeroed or failed *c. */
void it_capture_stop(struct it_capture *c);

/* Sum the per-CPU counters into *sum. Returns 0 or a negative errno. */
int it_capture_counters(struct it_capture *c, struct it_counters *sum);

/* Set the filter verdict (enum it_verdict) of device id in the kernel's table.
 * Returns 0, or -ENOENT if the kernel has no such device (gone). */
int it_capture_set_verdict(struct it_capture *c, uint32_t id, uint32_t verdict);

/* Set it_config.paused (ctl pause/resume, SIGUSR1/SIGUSR2): read-modify-write of the
 * config slot. Returns 0 or -errno. */
int it_capture_set_paused(struct it_capture *c, bool paused);

/* The loaded BPF object (its maps, for --pin), or NULL. */
struct bpf_object *it_capture_object(struct it_capture *c);

/* Name of a mechanism, for messages. */
const char *it_attach_name(enum it_attach a);

#endif
