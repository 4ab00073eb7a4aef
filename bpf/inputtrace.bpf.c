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

static __always_inline void it_fill_info(struct it_devinfo *i, struct input_dev *dev)
{
	const char *name = BPF_CORE_READ(dev, name);
	char more = 0;

	i->bustype = BPF_CORE_READ(dev, id.bustype);
	i->vendor = BPF_CORE_READ(dev, id.vendor);
	i->product = BPF_CORE_READ(dev, id.product);
	i->version = BPF_CORE_READ(dev, id.version);
	/* a full buffer is a name of exactly IT_NAME_LEN - 1 bytes, or a cut one */
	if (bpf_probe_read_kernel_str(i->name, sizeof(i->name), name) == sizeof(i->name) &&
	    !bpf_probe_read_kernel(&more, 1, name + sizeof(i->name) - 1) && more)
		i->flags |= IT_DEVF_NAME_TRUNCATED;
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

/* The prologue's per-program parts (capture.bpf.h): src is the input_dev. */
static __always_inline void it_src_info(const void *src, struct it_devinfo *i)
{
	it_fill_info(i, (struct input_dev *)src);
}

static __always_inline __u32 it_src_kmods(const void *src)
{
	return it_kernel_mods((struct input_dev *)src);
}

/* A device registered during capture: announce it now, before any event. */
static __always_inline int it_handle_register(struct input_dev *dev, int ret)
{
	if (!ret)
		it_dev_get(dev, (__u64)dev);
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
	return it_handle_frame(dev, (__u64)dev, (__u64)vals, count, mono, real);
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
	it_inject_begin((__u64)BPF_CORE_READ(handle, dev));
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
	it_handle_frame(dev, (__u64)dev, s->vals, s->count, mono, real);
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
	it_inject_begin((__u64)BPF_CORE_READ(handle, dev));
	return 0;
}

SEC("kretprobe/input_inject_event")
int BPF_KRETPROBE(it_inject_kret)
{
	it_inject_end();
	return 0;
}
