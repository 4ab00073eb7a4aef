// SPDX-License-Identifier: GPL-2.0
/*
 * bench.bpf.c - programs for `make bench` (bench/), not part of the agent.
 *
 * 1. A synthetic producer (syscall programs, run with BPF_PROG_TEST_RUN on any kernel
 *    that has them): it_bench_produce writes n struct it_event records into a ring
 *    buffer laid out exactly like the agent's it_events, with bpf_loop, in a fixed mix
 *    of frames from several fake devices (mouse, keyboard with a redacted key class,
 *    touchpad, gamepad), so the collector's full path can be timed on this machine
 *    without attaching anything. it_bench_devices announces the fake devices first.
 * 2. The floor of each attach mechanism on the agent's hook: programs on
 *    evdev_events() that only count calls and values (fexit; kprobe + kretprobe, as
 *    the agent's kprobe mode uses both). bench/itbench.c loads only the set it needs
 *    (bpf_program__set_autoload).
 */
#include <linux/bpf.h>
#include <asm/ptrace.h>	/* struct pt_regs, for BPF_KPROBE */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "inputtrace.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* set by userspace before load */
} bench_events SEC(".maps");

/* One frame pattern, 16 values: mouse (REL_X, REL_Y, SYN), keyboard (key class
 * press, SYN), touchpad (MT X/Y, X, Y, pressure, SYN), mouse again, gamepad button. */
struct bench_val {
	__u16 type;
	__u16 code;
	__u16 dev_slot;		/* which of the four device kinds */
	__u16 pad;
};

#define BENCH_PATTERN 16
static const struct bench_val pattern[BENCH_PATTERN] = {
	{ 2, 0x00, 0 }, { 2, 0x01, 0 }, { 0, 0, 0 },			/* REL_X REL_Y SYN */
	{ 1, IT_KC_LETTER, 1 }, { 0, 0, 1 },				/* KEYCLASS_LETTER SYN */
	{ 3, 0x35, 2 }, { 3, 0x36, 2 }, { 3, 0x00, 2 }, { 3, 0x01, 2 },	/* MT_X MT_Y X Y */
	{ 3, 0x18, 2 }, { 0, 0, 2 },					/* PRESSURE SYN */
	{ 2, 0x00, 0 }, { 2, 0x01, 0 }, { 0, 0, 0 },			/* REL_X REL_Y SYN */
	{ 1, 0x130, 3 }, { 0, 0, 3 },					/* BTN_SOUTH SYN */
};

/* Results of the last run (read through the skeleton's bss). */
__u64 produced;		/* records committed */
__u64 lost;		/* reserve failures: the ring buffer was full */

struct bench_args {
	__u32 n;		/* events to write in this run */
	__u32 n_devices;	/* fake devices, ids first_dev .. first_dev + n_devices - 1 */
	__u32 first_dev;
	__u32 pad;
	__u64 seq;		/* event number of the first event (continues the mix) */
};

struct loop_ctx {
	__u64 seq;
	__u64 now;
	__u32 n_devices;
	__u32 first_dev;
	__u64 written;
	__u64 lost;
};

static long produce_one(__u64 i, void *data)
{
	struct loop_ctx *c = data;
	__u64 k = c->seq + i;
	__u32 p = k % BENCH_PATTERN, frame = k / BENCH_PATTERN;
	struct it_event *e;
	__u32 dev;

	e = bpf_ringbuf_reserve(&bench_events, sizeof(*e), 0);
	if (!e) {
		c->lost++;
		return 0;
	}
	/* devices of a kind take turns frame by frame */
	dev = c->first_dev + (pattern[p].dev_slot + 4 * frame) % c->n_devices;
	e->hdr.kind = IT_REC_EVENT;
	e->hdr.flags = 0;
	e->hdr.dev = dev;
	e->mono_ns = c->now + k * 1000;
	e->real_ns = e->mono_ns + 1700000000000000000ull;
	e->type = pattern[p].type;
	e->code = pattern[p].code;
	e->value = pattern[p].type == 0 ? 0 : (pattern[p].type == 1 ? 1 : (int)(k % 97) - 48);
	e->lost_before = 0;
	e->lost_dev = 0;
	bpf_ringbuf_submit(e, 0);
	c->written++;
	return 0;
}

SEC("syscall")
int it_bench_produce(struct bench_args *a)
{
	struct loop_ctx c = {
		.seq = a->seq,
		.now = bpf_ktime_get_ns(),
		.n_devices = a->n_devices ? a->n_devices : 1,
		.first_dev = a->first_dev,
	};

	bpf_loop(a->n, produce_one, &c, 0);
	produced += c.written;
	lost += c.lost;
	return 0;
}

static long announce_one(__u64 i, void *data)
{
	struct loop_ctx *c = data;
	struct it_device_rec *r = bpf_ringbuf_reserve(&bench_events, sizeof(*r), 0);
	__u32 id = c->first_dev + (__u32)i;

	if (!r)
		return 1;
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.kind = IT_REC_DEVICE_ADD;
	r->hdr.dev = id;
	r->mono_ns = c->now;
	r->info.bustype = 3;
	r->info.vendor = 0x1234;
	r->info.product = 0x5678 + (__u16)i;
	__builtin_memcpy(r->info.name, "inputtrace bench device", 24);
	r->info.sysname[0] = 'i';
	r->info.sysname[1] = 'n';
	r->info.sysname[2] = 'p';
	r->info.sysname[3] = 'u';
	r->info.sysname[4] = 't';
	r->info.sysname[5] = '0' + id / 1000 % 10;
	r->info.sysname[6] = '0' + id / 100 % 10;
	r->info.sysname[7] = '0' + id / 10 % 10;
	r->info.sysname[8] = '0' + id % 10;
	bpf_ringbuf_submit(r, 0);
	c->written++;
	return 0;
}

SEC("syscall")
int it_bench_devices(struct bench_args *a)
{
	struct loop_ctx c = { .now = bpf_ktime_get_ns(), .first_dev = a->first_dev };

	bpf_loop(a->n_devices, announce_one, &c, 0);
	return (int)c.written;
}

/* --- floor: count calls and values on evdev_events(), nothing else --- */

__u64 floor_calls;
__u64 floor_values;

SEC("fexit/evdev_events")
int BPF_PROG(it_floor_fexit, void *handle, const void *vals, unsigned long count)
{
	__sync_fetch_and_add(&floor_calls, 1);
	__sync_fetch_and_add(&floor_values, count);
	return 0;
}

SEC("kprobe/evdev_events")
int BPF_KPROBE(it_floor_kprobe, void *handle, const void *vals, unsigned long count)
{
	__sync_fetch_and_add(&floor_values, count);
	return 0;
}

SEC("kretprobe/evdev_events")
int BPF_KRETPROBE(it_floor_kret)
{
	__sync_fetch_and_add(&floor_calls, 1);
	return 0;
}
