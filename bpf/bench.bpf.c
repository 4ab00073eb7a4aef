// SPDX-License-Identifier: GPL-2.0
/*
 * bench.bpf.c - programs for `make bench` (bench/), not part of the agent.
 *
 * 1. A synthetic producer (syscall programs, run with BPF_PROG_TEST_RUN on any kernel
 *    that has them): it_bench_produce writes n values, in struct it_frame_rec records
 *    as the agent writes them, into a ring buffer laid out exactly like the agent's
 *    it_events, with bpf_loop, in a fixed mix
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
__u64 produced;		/* values committed (in frame records) */
__u64 lost;		/* values whose record the full ring buffer refused */

struct bench_args {
	__u32 n;		/* events to write in this run */
	__u32 n_devices;	/* fake devices, ids first_dev .. first_dev + n_devices - 1 */
	__u32 first_dev;
	__u32 pad;
	__u64 seq;		/* event number of the first event (continues the mix) */
};

/* The index one past the last value of the frame that pattern value p is in. */
static __always_inline __u32 frame_end(__u32 p)
{
	return p < 3 ? 3 : p < 5 ? 5 : p < 11 ? 11 : p < 14 ? 14 : 16;
}

struct loop_ctx {
	__u64 seq;
	__u64 now;
	__u32 n_devices;
	__u32 first_dev;
	__u64 written;
	__u64 lost;
	__u32 n;		/* values to write in this run */
	__u32 done;		/* values written or lost so far */
	struct it_frame_rec rec;
};

/* The producer's state: a frame record is too big for the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loop_ctx);
} bench_scratch SEC(".maps");

static const __u32 zero;

/* One frame record, as the agent writes them (capture.bpf.h it_frame_emit(): built
 * in memory, sent with bpf_ringbuf_output): the values of one pattern frame, or of
 * the part of it this run still owes. */
static long produce_one(__u64 i, void *data)
{
	struct loop_ctx *c = bpf_map_lookup_elem(&bench_scratch, &zero);
	__u64 k, size;
	__u32 p, frame, len, j;

	if (!c || c->done >= c->n)
		return 1;
	k = c->seq + c->done;
	p = k % BENCH_PATTERN;
	frame = k / BENCH_PATTERN;
	len = frame_end(p) - p;
	if (len > c->n - c->done)
		len = c->n - c->done;
	if (len == 0 || len > 6)
		return 1;
	/* devices of a kind take turns frame by frame */
	c->rec.hdr.kind = IT_REC_FRAME;
	c->rec.hdr.flags = 0;
	c->rec.hdr.dev = c->first_dev + (pattern[p].dev_slot + 4 * frame) % c->n_devices;
	c->rec.mono_ns = c->now + k * 1000;
	c->rec.real_ns = c->rec.mono_ns + 1700000000000000000ull;
	c->rec.n = len;
	c->rec.lost_before = 0;
	c->rec.lost_dev = 0;
	for (j = 0; j < 6 && j < len; j++) {
		__u32 q = (p + j) % BENCH_PATTERN;

		c->rec.v[j].type = pattern[q].type;
		c->rec.v[j].code = pattern[q].code;
		c->rec.v[j].value = pattern[q].type == 0 ? 0 :
				    (pattern[q].type == 1 ? 1 : (int)((k + j) % 97) - 48);
	}
	size = IT_FRAME_REC_SIZE((__u64)len);
	barrier_var(size);
	if (size > sizeof(c->rec))
		return 1;
	if (bpf_ringbuf_output(&bench_events, &c->rec, size, 0))
		c->lost += len;
	else
		c->written += len;
	c->done += len;
	return 0;
}

SEC("syscall")
int it_bench_produce(struct bench_args *a)
{
	struct loop_ctx *c = bpf_map_lookup_elem(&bench_scratch, &zero);

	if (!c)
		return 1;
	c->seq = a->seq;
	c->now = bpf_ktime_get_ns();
	c->n_devices = a->n_devices ? a->n_devices : 1;
	c->first_dev = a->first_dev;
	c->written = 0;
	c->lost = 0;
	c->n = a->n;
	c->done = 0;
	bpf_loop(a->n, produce_one, NULL, 0);	/* the state is in bench_scratch */
	produced += c->written;
	lost += c->lost;
	return 0;
}

struct dev_ctx {
	__u64 now;
	__u32 first_dev;
	__u32 written;
};

static long announce_one(__u64 i, void *data)
{
	struct dev_ctx *c = data;
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
	struct dev_ctx c = { .now = bpf_ktime_get_ns(), .first_dev = a->first_dev };

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
