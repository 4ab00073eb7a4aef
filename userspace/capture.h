/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* capture.h - loading, attaching and reading the BPF side. */
#ifndef IT_CAPTURE_H
#define IT_CAPTURE_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "inputtrace.h"

struct inputtrace_bpf;

struct it_capture {
	struct inputtrace_bpf *skel;
	struct ring_buffer *rb;
	enum it_attach used;		/* IT_ATTACH_FENTRY or IT_ATTACH_KPROBE */
	int ncpus;
	bool start_paused;		/* set before it_capture_start(): attach with the
					 * pause flag set (a participation hold, control.h) */
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

/*
 * Frames of evdev_events() the kernel did not run the frame programs for, so not
 * captured and not in seen: bpf_prog_info.recursion_misses of it_evdev_fexit, or the
 * larger of it_evdev_kprobe's and it_evdev_kret's. A kprobe program is skipped while
 * any other kprobe/tracepoint program or a bpf() map call runs on its CPU
 * (bpf_prog_active, kernel/trace/bpf_trace.c trace_call_bpf()): input delivered by an
 * interrupt then is missed. A trampoline (fexit) program is skipped only when it
 * re-enters itself, which evdev_events() (interrupts off) does not allow.
 * it_capture_misses_counted() says whether this kernel counts them for a mechanism:
 * fentry since Linux 5.12, kprobe since 6.7; where not, this reads 0.
 */
uint64_t it_capture_missed_frames(struct it_capture *c);
bool it_capture_misses_counted(enum it_attach used);

/* Hand the filter verdict (enum it_verdict) of device id to the kernel, through the
 * memory-mapped it_verdicts (inputtrace.h: why no syscall); the device's next frame
 * adopts it. Returns 0, or -EINVAL for IT_DEV_NONE or an object without .bss. */
int it_capture_set_verdict(struct it_capture *c, uint32_t id, uint32_t verdict);

/* Set it_switches.paused (ctl pause/resume, SIGUSR1/SIGUSR2) through the memory-mapped
 * .bss: no bpf() call. The next frame sees it. Returns 0, or -EINVAL when nothing is
 * loaded. */
int it_capture_set_paused(struct it_capture *c, bool paused);

/* The loaded BPF object (its maps, for --pin), or NULL. */
struct bpf_object *it_capture_object(struct it_capture *c);

/* Name of a mechanism, for messages. */
const char *it_attach_name(enum it_attach a);

#endif
