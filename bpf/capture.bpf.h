/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture.bpf.h - maps and the per-event logic shared by the real programs
 * (inputtrace.bpf.c) and the test-only programs (inputtrace_test.bpf.c), so that
 * BPF_PROG_TEST_RUN exercises the same code through the same verifier.
 */
#ifndef CAPTURE_BPF_H
#define CAPTURE_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "inputtrace.h"

/* Ring buffer size, bytes; a power of two and a multiple of the page size.
 * Set by userspace before load (--ring-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} it_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_counters);
} it_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_config);
} it_config SEC(".maps");

/* Device table: input_dev address -> identity and filter verdict; what
 * `bpftool map dump name it_devices` shows. Entries leave at input_unregister_device(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IT_MAX_DEVICES);
	__type(key, __u64);
	__type(value, struct it_device);
} it_devices SEC(".maps");

static const __u32 zero;

/* Scratch space for building a new device's slot (too big for the 512-byte stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_device);
} it_dev_scratch SEC(".maps");

/* Per-frame state: what every value of one evdev_events() call shares. */
struct it_frame {
	struct it_counters *cnt;
	struct it_device *d;	/* NULL when the device table is full */
	__u32 id;
	__u32 type_mask;
	__u64 mono_ns;
	__u64 real_ns;
	__u16 flags;
};

/* "inputN" -> N; 0 if the name is not of that form. */
static __always_inline __u32 it_sysname_id(const char *s)
{
	__u32 n = 0, i;

	if (s[0] != 'i' || s[1] != 'n' || s[2] != 'p' || s[3] != 'u' || s[4] != 't')
		return 0;
	for (i = 5; i < IT_SYSNAME_LEN; i++) {
		char c = s[i];

		if (c < '0' || c > '9')
			break;
		n = n * 10 + (c - '0');
	}
	return n;
}

/* The device slot of an input_dev address, or NULL if not seen yet. */
static __always_inline struct it_device *it_dev_lookup(__u64 key)
{
	return bpf_map_lookup_elem(&it_devices, &key);
}

/* Insert a new device whose info the caller put in *tmpl; returns the table's slot
 * (NULL when full). A CPU that loses the race to insert gets the winner's slot. */
static __always_inline struct it_device *it_dev_insert(__u64 key, struct it_device *tmpl,
						       bool *created)
{
	struct it_config *cfg = bpf_map_lookup_elem(&it_config, &zero);

	tmpl->id = it_sysname_id(tmpl->info.sysname);
	tmpl->verdict = cfg ? cfg->default_verdict : IT_DEV_PENDING;
	*created = !bpf_map_update_elem(&it_devices, &key, tmpl, BPF_NOEXIST);
	return bpf_map_lookup_elem(&it_devices, &key);
}

/* Send a device record (add or remove) for slot d; counted in dev_lost on failure. */
static __always_inline void it_dev_announce(struct it_device *d, __u16 kind,
					    struct it_counters *cnt)
{
	struct it_device_rec *r = bpf_ringbuf_reserve(&it_events, sizeof(*r), 0);

	if (!r) {
		if (cnt)
			cnt->dev_lost++;
		return;
	}
	r->hdr.kind = kind;
	r->hdr.flags = 0;
	r->hdr.dev = d->id;
	r->mono_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&r->info, &d->info, sizeof(r->info));
	bpf_ringbuf_submit(r, 0);
}

/*
 * Start a frame for device slot d/id. Returns false when the frame is to be
 * skipped whole (no counters map: cannot happen after a successful load).
 */
static __always_inline bool it_frame_begin(struct it_frame *f, struct it_device *d)
{
	struct it_config *cfg = bpf_map_lookup_elem(&it_config, &zero);

	f->cnt = bpf_map_lookup_elem(&it_counters, &zero);
	if (!f->cnt)
		return false;
	f->d = d;
	f->id = d ? d->id : 0;
	f->type_mask = cfg ? cfg->type_mask : ~0u;
	return true;
}

/* One value of a frame: filter, then copy into the ring buffer or count it lost. */
static __always_inline void it_frame_value(struct it_frame *f, __u16 type, __u16 code, __s32 value)
{
	struct it_counters *cnt = f->cnt;
	struct it_event *e;

	cnt->seen++;
	if (!f->d)
		cnt->dev_overflow++;
	if (type > 31 || !(f->type_mask & (1u << type)) ||
	    (f->d && f->d->verdict == IT_DEV_DROP)) {
		cnt->filtered++;
		return;
	}
	e = bpf_ringbuf_reserve(&it_events, sizeof(*e), 0);
	if (!e) {
		cnt->lost++;
		cnt->lost_pending++;
		return;
	}
	e->hdr.kind = IT_REC_EVENT;
	e->hdr.flags = f->flags;
	e->hdr.dev = f->id;
	e->mono_ns = f->mono_ns;
	e->real_ns = f->real_ns;
	e->type = type;
	e->code = code;
	e->value = value;
	e->lost_before = (__u32)cnt->lost_pending;
	e->reserved = 0;
	cnt->lost_pending = 0;
	cnt->written++;
	bpf_ringbuf_submit(e, 0);
}

/* A device went away (input_unregister_device()): send its remove record and drop
 * it from the table; the kernel may hand its address to a new device. */
static __always_inline int it_dev_forget(__u64 key)
{
	struct it_device *d = bpf_map_lookup_elem(&it_devices, &key);

	if (!d)
		return 1;
	it_dev_announce(d, IT_REC_DEVICE_DEL, bpf_map_lookup_elem(&it_counters, &zero));
	bpf_map_delete_elem(&it_devices, &key);
	return 0;
}

#endif /* CAPTURE_BPF_H */
