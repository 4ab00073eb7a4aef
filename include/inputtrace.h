/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * inputtrace.h - every struct and constant that crosses the kernel/user boundary.
 *
 * Included by the BPF programs (bpf/) and by the collector (userspace/). Fixed-width
 * types, explicit padding and _Static_assert on sizes, so that both compilers lay the
 * records out identically (the style of Tetragon's bpf/lib and Falco's
 * shared_definitions).
 */
#ifndef INPUTTRACE_H
#define INPUTTRACE_H

#include <linux/types.h>
#include "keyclass.h"

#define IT_SCHEMA_VERSION 1

/* Most devices registered at once that the device table holds; events of further
 * devices carry dev IT_DEV_NONE and are counted in it_counters.dev_overflow. */
#define IT_MAX_DEVICES 1024

/* Device id of no device: table full, or a sysfs name not of the form "inputN".
 * (Not 0: "input0" is a real device, usually the PS/2 keyboard.) */
#define IT_DEV_NONE 0xffffffffu
/* it_event.lost_dev when the events lost before it were of several devices. */
#define IT_DEV_MIXED 0xfffffffeu
/* Most values one evdev_events() call may carry that are copied; the input core
 * flushes a frame at dev->max_vals (drivers/input/input.c:
 * input_estimate_events_per_packet(): about 12 per multitouch slot, ~750 for 60
 * slots). Of a larger frame the first IT_MAX_VALS - 1 values and its last one (its
 * SYN_REPORT, so that readers still see where it ends) are copied, and the rest
 * counted in it_counters.truncated. */
#define IT_MAX_VALS 2048

/* String sizes, bytes, NUL included; longer kernel strings are truncated (a name so
 * cut is flagged: IT_DEVF_NAME_TRUNCATED). IT_NAME_LEN holds a HID device's whole name
 * (struct hid_device.name is char[128], include/linux/hid.h; uinput's are at most 80,
 * UINPUT_MAX_NAME_SIZE); hid-input's per-application suffixes can go past it. */
#define IT_NAME_LEN 128
#define IT_PHYS_LEN 64
#define IT_UNIQ_LEN 64
#define IT_SYSNAME_LEN 16

/* Kinds of ring buffer record (struct it_hdr.kind). */
enum it_kind {
	IT_REC_EVENT = 1,	/* struct it_event */
	IT_REC_DEVICE_ADD = 2,	/* struct it_device_rec: first sight of a device */
	IT_REC_DEVICE_DEL = 3,	/* struct it_device_rec: input_unregister_device() */
	IT_REC_FRAME = 4,	/* struct it_frame_rec: the values of one frame, or of
				 * IT_FRAME_VALS of them (what the agent's programs write) */
};

/*
 * Device id: the N of the input_dev's sysfs name "inputN" (/sys/class/input/inputN),
 * which the input core numbers from an ever-increasing counter (input_allocate_device()
 * in drivers/input/input.c), so an id names one device for the whole boot.
 */
struct it_hdr {
	__u16 kind;	/* enum it_kind */
	__u16 flags;	/* IT_EVF_* for events, 0 otherwise */
	__u32 dev;	/* device id, IT_DEV_NONE when unknown (device table full) */
};

/* Event flags. */
#define IT_EVF_SYNTH_TS (1u << 0) /* kernel had no per-device timestamp: bpf_ktime_get_ns() */
#define IT_EVF_INJECTED (1u << 1) /* the frame was flushed inside input_inject_event() on
				   * its device: written to an evdev node (evemu-play, remappers) */

/*
 * One input event, as evdev delivered it to its clients.
 * mono_ns/real_ns: the input_dev's timestamp[] (ns, CLOCK_MONOTONIC and CLOCK_REALTIME)
 * that evdev_events() hands to its clients (drivers/input/evdev.c); real_ns is 0 when
 * the kernel has no per-device timestamp.
 * lost_before: events this CPU failed to reserve in the ring buffer since its
 * previous successful write (the gap sits right before this event).
 */
struct it_event {
	struct it_hdr hdr;
	__u64 mono_ns;
	__u64 real_ns;
	__u16 type;
	__u16 code;
	__s32 value;
	__u32 lost_before;
	__u32 lost_dev;	/* with lost_before: the device those events were of, or
			 * IT_DEV_MIXED if of several; 0 otherwise */
};
_Static_assert(sizeof(struct it_event) == 40, "it_event layout");

/* One value, laid out as the kernel's struct input_value (include/linux/input.h,
 * unchanged since 2.6.36). */
struct it_val {
	__u16 type;
	__u16 code;
	__s32 value;
};

/* Values in one frame record at most; a longer frame spans several records. */
#define IT_FRAME_VALS 32

/*
 * The values of one evdev_events() call that passed the filters, in order: one ring
 * buffer record per frame (per IT_FRAME_VALS values), so one reserve and one commit.
 * mono_ns, real_ns, flags, dev: as in struct it_event, shared by every value.
 * lost_before, lost_dev: as in struct it_event, the gap sits before v[0].
 * The record is 40 + 8 * n bytes long.
 */
struct it_frame_rec {
	struct it_hdr hdr;
	__u64 mono_ns;
	__u64 real_ns;
	__u32 n;		/* values in v[], 1..IT_FRAME_VALS */
	__u32 lost_before;
	__u32 lost_dev;
	__u32 pad;
	struct it_val v[IT_FRAME_VALS];
};
_Static_assert(sizeof(struct it_frame_rec) == 40 + 8 * IT_FRAME_VALS, "it_frame_rec layout");
#define IT_FRAME_REC_SIZE(n) (40u + 8u * (n))

/* Value i (< r->n) of frame record r as one event: what a consumer of per-event
 * records sees (lost_before and lost_dev on the first value only). */
static inline void it_frame_event(const struct it_frame_rec *r, __u32 i, struct it_event *e)
{
	e->hdr = r->hdr;
	e->hdr.kind = IT_REC_EVENT;
	e->mono_ns = r->mono_ns;
	e->real_ns = r->real_ns;
	e->type = r->v[i].type;
	e->code = r->v[i].code;
	e->value = r->v[i].value;
	e->lost_before = i ? 0 : r->lost_before;
	e->lost_dev = i ? 0 : r->lost_dev;
}

/* Identity of an input_dev (struct input_dev, include/linux/input.h). */
struct it_devinfo {
	__u16 bustype;
	__u16 vendor;
	__u16 product;
	__u16 version;
	char name[IT_NAME_LEN];
	char phys[IT_PHYS_LEN];
	char uniq[IT_UNIQ_LEN];
	char sysname[IT_SYSNAME_LEN];	/* kobject name, "inputN" (/sys/class/input) */
	__u32 flags;	/* IT_DEVF_* */
	__u32 pad;
};
_Static_assert(sizeof(struct it_devinfo) == 288, "it_devinfo layout");

/* it_devinfo.flags: the kernel's name is longer than IT_NAME_LEN - 1 bytes, and name
 * holds its first IT_NAME_LEN - 1 */
#define IT_DEVF_NAME_TRUNCATED 0x1u

/* Device filter verdicts (struct it_device.verdict), set by userspace. */
enum it_verdict {
	IT_DEV_PENDING = 0,	/* userspace has not decided yet: events pass */
	IT_DEV_CAPTURE = 1,
	IT_DEV_DROP = 2,	/* filtered in the kernel, counted in it_counters.filtered */
};

/* Value of the it_devices hash map, keyed by the input_dev's kernel address (__u64).
 * Written by BPF when it first sees the device; the agent hands its verdict over
 * through it_verdicts (below), tests and tools may also rewrite verdict here. */
struct it_device {
	struct it_devinfo info;
	__u32 id;	/* see struct it_hdr */
	__u32 verdict;	/* enum it_verdict */
};

/*
 * Verdicts the agent has reached, handed to the kernel without a bpf() syscall: an
 * array in the object's .bss, which libbpf memory-maps (BPF_F_MMAPABLE, Linux 5.5).
 * Why: a map syscall holds bpf_prog_active on its CPU for its duration, and a kprobe
 * program that fires meanwhile (an interrupt delivering input) is skipped by the
 * kernel (kernel/trace/bpf_trace.c, trace_call_bpf()), so an agent setting verdicts
 * with syscalls would make kprobe-mode agents miss input. Slot id % IT_VERDICT_SLOTS
 * holds IT_VERDICT_WORD(id, verdict), one 64-bit word so that it is read and written
 * whole; 0 is empty. A frame of a device still IT_DEV_PENDING adopts the slot's
 * verdict when the slot names its id. Two live devices whose ids share a slot: the
 * one overwritten stays pending and is filtered in userspace instead.
 */
#define IT_VERDICT_SLOTS 1024
#define IT_VERDICT_WORD(id, verdict) ((((__u64)(id) + 1) << 32) | (__u32)(verdict))

struct it_device_rec {
	struct it_hdr hdr;
	__u64 mono_ns;
	struct it_devinfo info;
};

/*
 * The counters, one line each (the style of ___BPF_FUNC_MAPPER in linux/bpf.h):
 * X(field, outcome, name, metric, help) for each reported counter, in the order it is
 * reported, and I(field, help) for internal ones. field: member of struct
 * it_counters (one copy per CPU in the it_counters map, summed over CPUs by
 * userspace). outcome: 1 if the counter is one of the exclusive fates of an event
 * (below). name: its key in the stats record and in `ctl status`. metric:
 * inputtrace_<metric> in --metrics-file. help: its # HELP text, what it counts.
 *
 * Every event evdev delivered is counted once in seen and once in exactly one
 * outcome: seen = filtered + written + lost + truncated + keys_dropped
 * + redact_dropped + paused. dev_overflow counts events that are also in an outcome;
 * dev_lost counts device records, not events. A new counter is one line here.
 */
#define IT_COUNTERS(X, I)								\
	X(seen, 0, "seen", "events_seen_total",						\
	  "Input events evdev delivered, seen by the BPF program.")			\
	X(filtered, 1, "filtered", "events_filtered_total",				\
	  "Events dropped in the kernel by --types or --device.")			\
	X(written, 1, "written", "events_written_total",				\
	  "Event records the kernel wrote to the ring buffer.")				\
	X(lost, 1, "lost", "events_lost_total",						\
	  "Event records lost because the ring buffer was full.")			\
	X(truncated, 1, "truncated", "events_truncated_total",				\
	  "Values past the per-frame limit, not copied.")				\
	X(keys_dropped, 1, "keys_dropped", "keys_dropped_total",			\
	  "Key events dropped by --keys none.")						\
	X(redact_dropped, 1, "redact_dropped", "redact_dropped_total",			\
	  "Events dropped because they would reveal keys (scan codes, LEDs, empty frames).") \
	X(paused, 1, "paused", "events_paused_total",					\
	  "Events that arrived while capture was paused: counted, not copied.")		\
	X(dev_lost, 0, "device_records_lost", "device_records_lost_total",		\
	  "Device records lost because the ring buffer was full.")			\
	X(dev_overflow, 0, "device_table_overflow", "device_table_overflow_total",	\
	  "Events of devices beyond the device table's size.")				\
	I(lost_pending,									\
	  "Lost since this CPU's last written event: the next record's lost_before.")

/* Counters, one copy per CPU (it_counters, a one-slot per-CPU array): IT_COUNTERS. */
struct it_counters {
#define IT_COUNTER_FIELD(field, ...) __u64 field;
	IT_COUNTERS(IT_COUNTER_FIELD, IT_COUNTER_FIELD)
#undef IT_COUNTER_FIELD
};

/*
 * Settings fixed at load: the programs' `const volatile struct it_config it_config`
 * in the object's .rodata, which the agent sets between open and load (libbpf-tools
 * style); the frame path reads them with no map lookup. Pinned as DIR/it_config.
 */
struct it_config {
	__u32 type_mask;	/* bit N set: capture event type N (EV_SYN=0 .. EV_MAX=0x1f) */
	__u32 default_verdict;	/* verdict of a newly seen device: PENDING or CAPTURE */
	__u32 owner_pid;	/* pid of the agent that loaded the programs (ctl status,
				 * and the message a second agent on the same --pin gives) */
	__u32 pointer_mode;	/* enum it_pointer_mode; 0 is exact */
	__u32 pointer_grid;	/* coarse: grid step in the device's own units (> 0) */
	__u32 pad;
};

/*
 * Switches that change while capturing: the programs' `struct it_switches
 * it_switches` in the object's .bss, beside it_verdicts, which libbpf memory-maps:
 * the agent writes them through the skeleton, without a bpf() call (why that matters:
 * it_verdicts below), and the frame path reads them with no map lookup. Pinned as
 * DIR/it_switches.
 */
struct it_switches {
	__u32 paused;		/* 1: paused (ctl pause, SIGUSR1): the frame path checks this
				 * first and copies nothing, not even the values */
	__u32 keys_mode;	/* enum it_keys_mode (keyclass.h); 0 is class */
};

/* --pointer: what absolute pointer positions keep (docs/data-contract.md). */
enum it_pointer_mode {
	IT_POINTER_EXACT = 0,	/* as the device reports them */
	IT_POINTER_COARSE = 1,	/* position axes (IT_ABS_POS_MASK) floored to a multiple of
				 * it_config.pointer_grid, in the kernel */
};

/* Default --pointer-grid, device units. */
#define IT_POINTER_GRID_DEFAULT 64

/* EV_ABS codes that --pointer coarse quantizes, as a mask of bits 1 << code (all < 64):
 * ABS_X, ABS_Y, ABS_MT_POSITION_X/Y (0x35, 0x36), ABS_MT_TOOL_X/Y (0x3c, 0x3d). */
#define IT_ABS_POS_MASK ((1ull << 0x00) | (1ull << 0x01) | (1ull << 0x35) | (1ull << 0x36) | \
			 (1ull << 0x3c) | (1ull << 0x3d))

/*
 * Modifier state of one device (it_mods hash map, keyed like it_devices by the
 * input_dev's address), for --keys shortcuts: which of Ctrl, Alt, Meta are down
 * (enum it_mod_bit). Kept apart from struct it_device, whose values tools may
 * rewrite whole (a verdict set with bpftool or a map update): a rewrite racing a key
 * release would bring back a stale "Ctrl held" bit and unlock typed letters.
 */
struct it_modstate {
	__u32 held;
	__u32 pad;
	__u64 unlocked[2];	/* --keys shortcuts: keys 0..127 whose press kept its code
				 * (a modifier was held): their repeats and release keep it
				 * too, so that a reader sees the release of what it saw
				 * pressed; cleared at the release */
};

#endif /* INPUTTRACE_H */
