// SPDX-License-Identifier: GPL-2.0
/*
 * inputtrace.bpf.c - capture every input event evdev delivers, with evdev's timestamp.
 *
 * Hook: evdev_events() (drivers/input/evdev.c), the evdev handler's callback that the
 * input core calls with one frame of values (input_pass_values() in
 * drivers/input/input.c), after the core's own filtering (duplicate key states, ABS
 * fuzz), including the kernel's software autorepeat (input_repeat_key(), value 2) and
 * the SYN_REPORT of every frame. On return, evdev_events() has fixed the frame's
 * timestamp (input_get_timestamp()), which is the one its clients read: the programs
 * run at function exit (fexit, or a kprobe/kretprobe pair) so the recorded time is
 * exactly evdev's.
 *
 * Two mechanisms, one body: fexit (BTF trampoline, cheapest) and kprobe+kretprobe
 * (kernels or lockdowns without fentry). Userspace turns off the set it does not use
 * before load (bpf_program__set_autoload), as libbpf-tools do.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "input_core.h"
#include "capture.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* kprobe mode: evdev_events() arguments, kept between entry and return. The input
 * core calls it under dev->event_lock with interrupts off, so calls never nest on
 * one CPU and a per-CPU slot is enough. */
struct it_stash_val {
	__u64 handle;
	__u64 vals;
	__u32 count;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_stash_val);
} it_stash SEC(".maps");

/* kprobe mode: input_(un)register_device() may sleep and migrate, so their argument
 * is kept per task (pid_tgid) until the kretprobe. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u64);
} it_reg_stash SEC(".maps");

/*
 * Injected input (README "Injected versus physical input"): a write to an evdev node
 * (evemu-play, remappers) reaches the input core through input_inject_event(), which
 * takes dev->event_lock with interrupts off and, at a SYN_REPORT, flushes the frame to
 * the handlers, evdev_events() included, in the writing task. The entry probe
 * records "task T is injecting into device D" (it_inject: pid_tgid -> input_dev), the
 * exit probe removes it; a frame is marked injected when evdev_events() runs in a task
 * that is injecting into that very device. Keyed by task, not CPU: the task may be
 * preempted or migrated between the entry probe and the lock (the lock is taken
 * inside the function, after the probe), so a per-CPU flag could be left on a CPU the
 * injection no longer runs on. While the lock is held nothing else runs on that CPU
 * (interrupts off), so the only frame that can be mistaken is a physical frame of the
 * same device whose interrupt arrives in the few instructions between the entry probe
 * and the lock (or the unlock and the exit probe) on the injecting CPU.
 * it_injecting counts injections in flight, so that the per-frame cost when nothing
 * injects is one load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} it_inject SEC(".maps");

__u32 it_injecting;

static __always_inline void it_inject_begin(struct input_handle *handle)
{
	__u64 tid = bpf_get_current_pid_tgid(), dev = (__u64)BPF_CORE_READ(handle, dev);

	if (!bpf_map_update_elem(&it_inject, &tid, &dev, BPF_ANY))
		__sync_fetch_and_add(&it_injecting, 1);
}

static __always_inline void it_inject_end(void)
{
	__u64 tid = bpf_get_current_pid_tgid();

	if (!bpf_map_delete_elem(&it_inject, &tid))
		__sync_fetch_and_add(&it_injecting, -1);
}

/* IT_EVF_INJECTED if the current task is injecting into dev, else 0. A global
 * function: the verifier checks it once, and to the frame program its result is one
 * unknown value, so the frame loop is explored once, not once per branch taken here
 * (inlined, the fexit program went past the verifier's 1M-instruction limit). */
__attribute__((noinline)) __u32 it_inject_flag(__u64 dev)
{
	__u64 tid, *d;

	if (!*(volatile __u32 *)&it_injecting)
		return 0;
	tid = bpf_get_current_pid_tgid();
	d = bpf_map_lookup_elem(&it_inject, &tid);
	return d && *d == dev ? IT_EVF_INJECTED : 0;
}

static __always_inline void it_fill_info(struct it_devinfo *i, struct input_dev *dev)
{
	i->bustype = BPF_CORE_READ(dev, id.bustype);
	i->vendor = BPF_CORE_READ(dev, id.vendor);
	i->product = BPF_CORE_READ(dev, id.product);
	i->version = BPF_CORE_READ(dev, id.version);
	bpf_probe_read_kernel_str(i->name, sizeof(i->name), BPF_CORE_READ(dev, name));
	bpf_probe_read_kernel_str(i->phys, sizeof(i->phys), BPF_CORE_READ(dev, phys));
	bpf_probe_read_kernel_str(i->uniq, sizeof(i->uniq), BPF_CORE_READ(dev, uniq));
	bpf_probe_read_kernel_str(i->sysname, sizeof(i->sysname), BPF_CORE_READ(dev, dev.kobj.name));
}

/*
 * Ctrl/Alt/Meta down in the input core's key bitmap (dev->key), which at
 * evdev_events() exit holds the state after the whole frame. A modifier it shows up
 * was not down at any point of the frame unless the frame pressed it, which the
 * per-event tracking sees: so tracked state outside this mask is stale (a release
 * that no evdev reader received, or that a truncated frame did not copy) and must
 * not unlock a shortcut. Codes 0..127 are the first 16 bytes of the bitmap on
 * 64-bit kernels.
 */
static __always_inline __u32 it_kernel_mods(struct input_dev *dev)
{
	__u64 w[2];

	if (bpf_core_read(w, sizeof(w), &dev->key))
		return IT_MOD_ALL;
#define IT_KBIT(n) ((w[(n) / 64] >> ((n) % 64)) & 1)
	return (IT_KBIT(KEY_LEFTCTRL) ? IT_MOD_LCTRL : 0) | (IT_KBIT(KEY_RIGHTCTRL) ? IT_MOD_RCTRL : 0) |
	       (IT_KBIT(KEY_LEFTALT) ? IT_MOD_LALT : 0) | (IT_KBIT(KEY_RIGHTALT) ? IT_MOD_RALT : 0) |
	       (IT_KBIT(KEY_LEFTMETA) ? IT_MOD_LMETA : 0) | (IT_KBIT(KEY_RIGHTMETA) ? IT_MOD_RMETA : 0);
#undef IT_KBIT
}

/*
 * One frame of device dev: values at vals, count of them; mono_ns, real_ns: the
 * device's timestamp[] as evdev_events() left it (0: none, the kernel predates it).
 * The caller reads dev and the timestamps: directly in fexit (typed kernel pointers,
 * no helper call), with bpf_probe_read_kernel() in kprobe mode.
 */
static __always_inline int it_handle_frame(struct input_dev *dev, const struct input_value *vals,
					   unsigned int count, __u64 mono_ns, __u64 real_ns)
{
	struct it_device *d;
	struct it_frame *f;
	bool created = false;

	d = it_dev_lookup((__u64)dev);
	if (!d) {
		struct it_device *tmpl = bpf_map_lookup_elem(&it_dev_scratch, &zero);

		if (tmpl) {
			__builtin_memset(tmpl, 0, sizeof(*tmpl));
			it_fill_info(&tmpl->info, dev);
			d = it_dev_insert((__u64)dev, tmpl, &created);
		}
	}
	f = it_frame_begin(d, (__u64)dev, (__u64)vals);
	if (!f)
		return 0;
	if (created && d)
		it_dev_announce(d, IT_REC_DEVICE_ADD, bpf_map_lookup_elem(&it_counters, &zero));
	if (f->keys == IT_KEYS_SHORTCUTS)
		f->kmods = it_kernel_mods(dev);

	f->mono_ns = mono_ns;
	f->real_ns = real_ns;
	if (!f->mono_ns) {
		f->mono_ns = bpf_ktime_get_ns();
		f->real_ns = 0;
		f->flags = IT_EVF_SYNTH_TS;
	}
	/* f->key, not dev: in fexit dev is a typed kernel pointer, which a global
	 * function does not take; read back from the map it is a plain number */
	f->flags |= it_inject_flag(f->key);
	it_frame_run(count);
	return 0;
}

/* A device registered during capture: announce it now, before any event. */
static __always_inline int it_handle_register(struct input_dev *dev, int ret)
{
	struct it_device *tmpl, *d;
	bool created = false;

	if (ret || it_dev_lookup((__u64)dev))
		return 0;
	tmpl = bpf_map_lookup_elem(&it_dev_scratch, &zero);
	if (!tmpl)
		return 0;
	__builtin_memset(tmpl, 0, sizeof(*tmpl));
	it_fill_info(&tmpl->info, dev);
	d = it_dev_insert((__u64)dev, tmpl, &created);
	if (d && created)
		it_dev_announce(d, IT_REC_DEVICE_ADD, bpf_map_lookup_elem(&it_counters, &zero));
	return 0;
}

static __always_inline int it_handle_unregister(struct input_dev *dev)
{
	it_dev_forget((__u64)dev);
	return 0;
}

/* --- fentry/fexit --- */

SEC("fexit/evdev_events")
int BPF_PROG(it_evdev_fexit, struct input_handle *handle, const struct input_value *vals,
	     unsigned int count)
{
	struct input_dev *dev;
	__u64 mono = 0, real = 0;

	/* paused: first, before the device or any value is read (capture.bpf.h) */
	if (it_paused_skip(count))
		return 0;
	/* the arguments are typed kernel pointers (BTF): plain loads, no helper calls */
	dev = handle->dev;
	if (bpf_core_field_exists(dev->timestamp)) {
		mono = dev->timestamp[IT_INPUT_CLK_MONO];
		real = dev->timestamp[IT_INPUT_CLK_REAL];
	}
	return it_handle_frame(dev, vals, count, mono, real);
}

/* After the device is gone: the key releases the core sends while unregistering
 * (input_dev_release_keys()) have been recorded by then. */
SEC("fexit/input_unregister_device")
int BPF_PROG(it_unreg_fexit, struct input_dev *dev)
{
	return it_handle_unregister(dev);
}

SEC("fexit/input_register_device")
int BPF_PROG(it_reg_fexit, struct input_dev *dev, int ret)
{
	return it_handle_register(dev, ret);
}

SEC("fentry/input_inject_event")
int BPF_PROG(it_inject_fentry, struct input_handle *handle)
{
	it_inject_begin(handle);
	return 0;
}

SEC("fexit/input_inject_event")
int BPF_PROG(it_inject_fexit, struct input_handle *handle)
{
	it_inject_end();
	return 0;
}

/* --- kprobe/kretprobe --- */

SEC("kprobe/evdev_events")
int BPF_KPROBE(it_evdev_kprobe, struct input_handle *handle, const struct input_value *vals,
	       unsigned int count)
{
	struct it_stash_val *s = bpf_map_lookup_elem(&it_stash, &zero);

	if (s) {
		s->handle = (__u64)handle;
		s->vals = (__u64)vals;
		s->count = count;
	}
	return 0;
}

SEC("kretprobe/evdev_events")
int BPF_KRETPROBE(it_evdev_kret)
{
	struct it_stash_val *s = bpf_map_lookup_elem(&it_stash, &zero);
	struct input_handle *handle;
	struct input_dev *dev;
	__u64 mono = 0, real = 0;

	if (!s || !s->handle)
		return 0;
	if (it_paused_skip(s->count)) {
		s->handle = 0;
		return 0;
	}
	handle = (struct input_handle *)s->handle;
	dev = BPF_CORE_READ(handle, dev);
	if (bpf_core_field_exists(dev->timestamp)) {
		mono = BPF_CORE_READ(dev, timestamp[IT_INPUT_CLK_MONO]);
		real = BPF_CORE_READ(dev, timestamp[IT_INPUT_CLK_REAL]);
	}
	it_handle_frame(dev, (const struct input_value *)s->vals, s->count, mono, real);
	s->handle = 0;
	return 0;
}

static __always_inline int it_stash_arg(void *dev)
{
	__u64 tid = bpf_get_current_pid_tgid(), p = (__u64)dev;

	bpf_map_update_elem(&it_reg_stash, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline struct input_dev *it_unstash_arg(void)
{
	__u64 tid = bpf_get_current_pid_tgid(), *p, dev;

	p = bpf_map_lookup_elem(&it_reg_stash, &tid);
	if (!p)
		return NULL;
	dev = *p;
	bpf_map_delete_elem(&it_reg_stash, &tid);
	return (struct input_dev *)dev;
}

SEC("kprobe/input_register_device")
int BPF_KPROBE(it_reg_kprobe, struct input_dev *dev)
{
	return it_stash_arg(dev);
}

SEC("kretprobe/input_register_device")
int BPF_KRETPROBE(it_reg_kret, int ret)
{
	struct input_dev *dev = it_unstash_arg();

	return dev ? it_handle_register(dev, ret) : 0;
}

SEC("kprobe/input_unregister_device")
int BPF_KPROBE(it_unreg_kprobe, struct input_dev *dev)
{
	return it_stash_arg(dev);
}

SEC("kretprobe/input_unregister_device")
int BPF_KRETPROBE(it_unreg_kret)
{
	struct input_dev *dev = it_unstash_arg();

	return dev ? it_handle_unregister(dev) : 0;
}

SEC("kprobe/input_inject_event")
int BPF_KPROBE(it_inject_kprobe, struct input_handle *handle)
{
	it_inject_begin(handle);
	return 0;
}

SEC("kretprobe/input_inject_event")
int BPF_KRETPROBE(it_inject_kret)
{
	it_inject_end();
	return 0;
}
