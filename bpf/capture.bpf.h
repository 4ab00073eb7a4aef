/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture.bpf.h - maps, settings and the whole frame path, from the prologue
 * (it_handle_frame()) to the ring buffer, shared by the real programs
 * (inputtrace.bpf.c) and the test-only programs (inputtrace_test.bpf.c), so that
 * BPF_PROG_TEST_RUN exercises the same code through the same verifier. What differs
 * by program is only how it reads its arguments and the device (it_src_info(),
 * it_src_kmods()).
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

/* Settings fixed at load (inputtrace.h): .rodata, set by the agent between open and
 * load. Without volatile, clang would fold these defaults into the code. */
const volatile struct it_config it_config = {
	.type_mask = ~0u,
	.default_verdict = IT_DEV_PENDING,
};

/* Device table: input_dev address -> identity and filter verdict; what
 * `bpftool map dump name it_devices` shows. Entries leave at input_unregister_device(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IT_MAX_DEVICES);
	__type(key, __u64);
	__type(value, struct it_device);
} it_devices SEC(".maps");

/* Key classification (docs/data-contract.md): key code -> class code (keyclass.h),
 * or the code itself for modifiers and buttons. Written by userspace from
 * it_keyclass_table before attach; read with one lookup per EV_KEY value. An entry
 * still 0 (never written) counts as KEYCLASS_OTHER, so an unfilled table redacts. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KEY_MAX + 1);
	__type(key, __u32);
	__type(value, __u16);
} it_keyclass SEC(".maps");

/* Ctrl/Alt/Meta held, per device (struct it_modstate, inputtrace.h: why not in
 * it_devices). An entry appears at a device's first modifier press and leaves with
 * the device. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IT_MAX_DEVICES);
	__type(key, __u64);
	__type(value, struct it_modstate);
} it_mods SEC(".maps");

static const __u32 zero;

/* Verdicts from the agent, by device id (inputtrace.h, IT_VERDICT_WORD): .bss,
 * written by userspace through the skeleton's mapping, never by a syscall. */
__u64 it_verdicts[IT_VERDICT_SLOTS];

/* Pause and keys mode (inputtrace.h): .bss too, written the same way; read whole,
 * once per frame (volatile: userspace changes them under the programs' feet). */
struct it_switches it_switches;

/* The verdict of device slot d: its own, or, while it is IT_DEV_PENDING, the one the
 * agent has left in it_verdicts for its id (then kept in d). */
static __always_inline __u32 it_dev_verdict(struct it_device *d)
{
	__u64 w;

	if (d->verdict != IT_DEV_PENDING || d->id == IT_DEV_NONE)
		return d->verdict;
	w = *(volatile __u64 *)&it_verdicts[d->id % IT_VERDICT_SLOTS];
	if ((__u32)(w >> 32) == d->id + 1)
		d->verdict = (__u32)w;
	return d->verdict;
}

/* Scratch space for building a new device's slot (too big for the 512-byte stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_device);
} it_dev_scratch SEC(".maps");

/* Per-frame state: what every value of one evdev_events() call shares. Kept in a
 * per-CPU slot (it_frame_st), not on the stack, so that the per-value work can be one
 * global function (it_frame_chunk()) that the verifier checks once: the input core
 * calls evdev_events() with the device's event_lock held and interrupts off, so frames
 * never nest on one CPU. */
struct it_frame {
	__u64 key;		/* the input_dev address (it_devices, it_mods key) */
	__u64 vals;		/* address of the frame's struct input_value array */
	__u64 mono_ns;
	__u64 real_ns;
	__u32 id;
	__u32 type_mask;
	__u32 keys;		/* enum it_keys_mode */
	__u32 kmods;		/* modifiers the input core's key bitmap shows down at the end
				 * of the frame (IT_MOD_ALL: not known); held bits outside it
				 * are stale (a release evdev never saw) and unlock nothing */
	__u16 flags;
	__u16 state;		/* IT_FS_* of the current frame, from it_redact() */
	__u16 dev_drop;		/* the device's verdict was IT_DEV_DROP when the frame began */
	__u16 no_dev;		/* the device table had no slot for it */
	__u32 lost_dev;		/* device of the events lost since this CPU's last written
				 * event (IT_DEV_MIXED: several); kept across frames */
	__u32 grid;		/* --pointer coarse: it_config.pointer_grid; 0: exact */
	__u32 pad;
	struct it_val raw[IT_FRAME_VALS];	/* a chunk of the frame, as read */
	struct it_frame_rec rec;		/* what passed, as it goes to the ring */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_frame);
} it_frame_st SEC(".maps");

/* "inputN" -> N; IT_DEV_NONE if the name is not of that form. */
static __always_inline __u32 it_sysname_id(const char *s)
{
	__u32 n = 0, i;

	if (s[0] != 'i' || s[1] != 'n' || s[2] != 'p' || s[3] != 'u' || s[4] != 't' ||
	    s[5] < '0' || s[5] > '9')
		return IT_DEV_NONE;
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
	tmpl->id = it_sysname_id(tmpl->info.sysname);
	tmpl->verdict = it_config.default_verdict;
	*created = !bpf_map_update_elem(&it_devices, &key, tmpl, BPF_NOEXIST);
	return bpf_map_lookup_elem(&it_devices, &key);
}

/*
 * Pause (it_switches.paused, set by the agent on `ctl pause` / SIGUSR1): the first
 * thing the frame path checks. While paused the frame's values are not read, not filtered,
 * not copied: only their number is added to seen and paused (so the counters' identity
 * holds). Returns true when the frame is to be skipped.
 */
static __always_inline bool it_paused_skip(__u32 count)
{
	struct it_counters *cnt;

	if (!*(volatile __u32 *)&it_switches.paused)
		return false;
	cnt = bpf_map_lookup_elem(&it_counters, &zero);
	if (cnt) {
		cnt->seen += count;
		cnt->paused += count;
	}
	return true;
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
 * Start a frame for device slot d (NULL: table full) of input_dev address key, whose
 * values are at address vals. Returns the per-CPU frame state, or NULL when the frame
 * is to be skipped (no map slot: cannot happen after a successful load).
 */
static __always_inline struct it_frame *it_frame_begin(struct it_device *d, __u64 key, __u64 vals)
{
	struct it_frame *f = bpf_map_lookup_elem(&it_frame_st, &zero);

	if (!f)
		return NULL;
	f->key = key;
	f->vals = vals;
	f->mono_ns = 0;
	f->real_ns = 0;
	f->id = d ? d->id : IT_DEV_NONE;
	f->no_dev = !d;
	f->dev_drop = d && it_dev_verdict(d) == IT_DEV_DROP;
	f->type_mask = it_config.type_mask;
	f->keys = *(volatile __u32 *)&it_switches.keys_mode;
	f->grid = it_config.pointer_mode == IT_POINTER_COARSE ? it_config.pointer_grid : 0;
	f->kmods = IT_MOD_ALL;
	f->flags = 0;
	f->state = 0;
	return f;
}

/* it_redact()'s result: the code to record (bits 0..15), what to do with the value
 * (IT_RD_* << 16), and the frame's next state (IT_FS_* << 20). */
enum { IT_RD_WRITE = 0, IT_RD_FILTERED = 1, IT_RD_DROP_KEY = 2, IT_RD_DROP = 3 };
/* Frame state (struct it_frame.state) between values: */
#define IT_FS_REDACTED 1		/* redaction dropped a value of this frame */
#define IT_FS_KEPT 2			/* a value of this frame was written (or lost) */

/*
 * Filter and redact (--keys) one value of device dev_key; docs/data-contract.md.
 * cfg: keys mode (enum it_keys_mode) | kmods << 8 | frame state << 16 | dev_drop << 24,
 * kmods being what the input core's key bitmap shows of Ctrl/Alt/Meta (IT_MOD_ALL if
 * unknown) and dev_drop the device's IT_DEV_DROP verdict. tc: type | code << 16.
 *
 * Counts the value in filtered, keys_dropped or redact_dropped unless IT_RD_WRITE.
 *
 * - type not in type_mask, or device dropped: IT_RD_FILTERED.
 * - EV_KEY, in every mode and before the filter: follow the device's Ctrl, Alt and
 *   Meta in it_mods (so that a mode changed at run time finds the state right).
 * - raw: nothing else.
 * - EV_KEY, class: the class from it_keyclass in place of the code (modifiers, lock
 *   keys and buttons map to themselves; an unfilled entry or a code past KEY_MAX is
 *   KEYCLASS_OTHER). shortcuts: as class, but a letter, digit, symbol or whitespace
 *   key keeps its code while Ctrl, Alt or Meta is held on the device, by the tracked
 *   state and by kmods. none: every key but buttons dropped (IT_RD_DROP_KEY).
 * - MSC_SCAN, MSC_RAW carry the key's scan code: IT_RD_DROP.
 * - EV_LED in none: lock LEDs would show Caps/Num/Scroll Lock presses: IT_RD_DROP.
 * - the SYN_REPORT closing a frame of which redaction dropped values and nothing was
 *   written: IT_RD_DROP, so that none leaves no keystroke timing behind.
 *
 * A global (not inlined) function: the verifier checks it once rather than in each
 * of the 512 iterations of the frame loop, whose every extra branch there multiplies
 * the states it explores (inlined, this passed the 1M-instruction limit; as it is,
 * it_evdev_fexit takes ~530k on Debian's 6.1, ~460k before redaction). One call per
 * value; the class is one array lookup; it_mods is looked up only for a modifier,
 * and in shortcuts for a key of a class a modifier unlocks.
 */
__attribute__((noinline)) int it_redact(__u64 dev_key, __u32 cfg, __u32 type_mask, __u32 tc,
					__s32 value)
{
	__u32 mode = cfg & 0xff, kmods = (cfg >> 8) & IT_MOD_ALL, state = (cfg >> 16) & 3;
	__u32 type = tc & 0xffff, code = tc >> 16, out = code, act = IT_RD_WRITE;
	bool syn = type == EV_SYN && code == SYN_REPORT;

	if (type > 31 || !(type_mask & (1u << type)) || (cfg >> 24) & 1)
		act = IT_RD_FILTERED;
	if (type == EV_KEY) {
		__u32 bit = it_mod_bit(code);
		struct it_modstate *m;
		__u16 *t, cls = 0;

		if (bit) {
			m = bpf_map_lookup_elem(&it_mods, &dev_key);
			if (!m && value) {
				struct it_modstate z = {};

				bpf_map_update_elem(&it_mods, &dev_key, &z, BPF_NOEXIST);
				m = bpf_map_lookup_elem(&it_mods, &dev_key);
			}
			/* a device's events come one at a time (dev->event_lock) */
			if (m && value)
				m->held |= bit;
			else if (m)
				m->held &= ~bit;
		}
		if (act != IT_RD_WRITE || mode == IT_KEYS_RAW) {
			/* as it is */
		} else if (mode == IT_KEYS_NONE) {
			if (!it_key_is_button(code))
				act = IT_RD_DROP_KEY;
		} else {
			if (code <= KEY_MAX) {
				t = bpf_map_lookup_elem(&it_keyclass, &code);
				if (t)
					cls = *t;
			}
			if (cls == code) {
				/* modifier, lock key or button */
			} else if (!it_keyclass_is_class(cls)) {
				out = it_key_is_button(code) ? code : IT_KC_OTHER;
			} else {
				out = cls;
				if (mode == IT_KEYS_SHORTCUTS &&
				    ((IT_KC_SHORTCUT_CLASSES >> (cls - IT_KC_BASE)) & 1)) {
					/* decided at the press: a shortcut (Ctrl+C keeps its C)
					 * if a modifier is held then; its repeats and release
					 * follow the press, whatever the modifier does since */
					__u64 bit = code < 128 ? 1ull << (code & 63) : 0;
					__u32 w = (code >> 6) & 1;

					m = bpf_map_lookup_elem(&it_mods, &dev_key);
					if (!m) {
						/* no modifier ever pressed on this device */
					} else if (value == 1) {
						if (m->held & kmods) {
							out = code;
							m->unlocked[w] |= bit;
						} else {
							m->unlocked[w] &= ~bit;
						}
					} else if (bit ? m->unlocked[w] & bit : m->held & kmods) {
						out = code;
						if (!value)
							m->unlocked[w] &= ~bit;
					}
				}
			}
		}
	} else if (act != IT_RD_WRITE || mode == IT_KEYS_RAW) {
		/* as it is */
	} else if ((type == EV_MSC && (code == MSC_SCAN || code == MSC_RAW)) ||
		   (type == EV_LED && mode == IT_KEYS_NONE) ||
		   (syn && (state & IT_FS_REDACTED) && !(state & IT_FS_KEPT))) {
		act = IT_RD_DROP;
	}
	if (syn)
		state = 0;	/* the next frame starts */
	else if (act == IT_RD_DROP_KEY || act == IT_RD_DROP)
		state |= IT_FS_REDACTED;
	else if (act == IT_RD_WRITE)
		state |= IT_FS_KEPT;
	if (act != IT_RD_WRITE) {
		struct it_counters *cnt = bpf_map_lookup_elem(&it_counters, &zero);

		if (cnt) {
			if (act == IT_RD_FILTERED)
				cnt->filtered++;
			else if (act == IT_RD_DROP_KEY)
				cnt->keys_dropped++;
			else
				cnt->redact_dropped++;
		}
	}
	return out | act << 16 | state << 20;
}

/*
 * --pointer coarse: value floored to a multiple of grid (> 0), in the device's own
 * units: value - (value mod grid), the mod taken toward the grid line below for
 * negative values too (-1 -> -grid). Unsigned 64-bit arithmetic only (BPF before
 * cpu v4 has no signed division); a result below INT32_MIN, possible only for a grid
 * that is not a power of two and a value within one grid step of it, is clamped there.
 */
static __always_inline __s32 it_coarsen(__s32 value, __u32 grid)
{
	__s64 v = value;
	__u64 r;

	if (v >= 0)
		return (__s32)(v - (__s64)((__u64)v % grid));
	r = (__u64)(-v) % grid;
	if (r)
		v = v + (__s64)r - (__s64)grid;
	return v < -2147483647 - 1 ? -2147483647 - 1 : (__s32)v;
}

/*
 * Send rec's first n values (1..IT_FRAME_VALS) as one frame record, or count them lost
 * when the ring buffer is full (the loss is reported with the next record written).
 */
static __always_inline void it_frame_emit(struct it_frame *f, struct it_counters *cnt, __u32 n)
{
	__u64 size = IT_FRAME_REC_SIZE((__u64)n);

	barrier_var(size);
	if (n == 0 || size > sizeof(f->rec))
		return;
	f->rec.hdr.kind = IT_REC_FRAME;
	f->rec.hdr.flags = f->flags;
	f->rec.hdr.dev = f->id;
	f->rec.mono_ns = f->mono_ns;
	f->rec.real_ns = f->real_ns;
	f->rec.n = n;
	f->rec.lost_before = (__u32)cnt->lost_pending;
	f->rec.lost_dev = cnt->lost_pending ? f->lost_dev : 0;
	f->rec.pad = 0;
	if (bpf_ringbuf_output(&it_events, &f->rec, size, 0)) {
		if (!cnt->lost_pending)
			f->lost_dev = f->id;
		else if (f->lost_dev != f->id)
			f->lost_dev = IT_DEV_MIXED;
		cnt->lost += n;
		cnt->lost_pending += n;
		return;
	}
	cnt->lost_pending = 0;
	cnt->written += n;
}

/*
 * Values base .. base+n-1 (n <= IT_FRAME_VALS) of the current frame (it_frame_st): read
 * them with one copy, filter and redact each (it_redact(); relative and absolute
 * motion of a device and type let through take a shorter path, as they need neither),
 * coarsen absolute positions (--pointer coarse, it_coarsen()), and send what passed
 * as one frame record (it_frame_emit()). Returns 0, or 1 when the values cannot be
 * read (the caller stops the frame).
 *
 * A global function, verified once: the frame's chunks call it, and the loop here is
 * over IT_FRAME_VALS values whose branches the verifier explores in this function
 * only (inlined in the frame program, the states multiplied and the program took
 * seconds to load under TCG).
 */
__attribute__((noinline)) int it_frame_chunk(__u32 base, __u32 n)
{
	struct it_counters *cnt = bpf_map_lookup_elem(&it_counters, &zero);
	struct it_frame *f = bpf_map_lookup_elem(&it_frame_st, &zero);
	__u32 i, k, cfg;
	__u64 len;
	int r;

	if (!cnt || !f || n == 0 || n > IT_FRAME_VALS)
		return 1;
	len = (__u64)n * sizeof(struct it_val);
	barrier_var(len);	/* bound the register the helper gets, not a copy of it */
	if (len > sizeof(f->raw))
		return 1;
	if (bpf_probe_read_kernel(f->raw, len, (const void *)(f->vals + (__u64)base * sizeof(struct it_val))))
		return 1;
	cnt->seen += n;
	if (f->no_dev)
		cnt->dev_overflow += n;
	cfg = f->keys | f->kmods << 8 | (__u32)f->dev_drop << 24;
	/* the count of values kept and the redaction state live in f, not in registers:
	 * the verifier then finds the same state at the loop head whatever path a value
	 * took, and prunes (with them in registers it explored every combination) */
	f->rec.n = 0;
	for (i = 0; i < IT_FRAME_VALS; i++) {
		struct it_val v;

		if (i >= n)
			break;
		v = f->raw[i];
		if ((v.type == EV_REL || v.type == EV_ABS) && !f->dev_drop &&
		    (f->type_mask >> v.type) & 1) {
			f->state |= IT_FS_KEPT;	/* it_redact() would let it through as is */
		} else {
			r = it_redact(f->key, cfg | (__u32)f->state << 16, f->type_mask,
				      v.type | (__u32)v.code << 16, v.value);
			f->state = (r >> 20) & 3;
			if ((r >> 16) & 3)
				continue;	/* filtered or dropped, and counted */
			v.code = r & 0xffff;
		}
		/* --pointer coarse (docs/data-contract.md): one test of f->grid when exact */
		if (f->grid && v.type == EV_ABS && v.code < 64 && ((IT_ABS_POS_MASK >> v.code) & 1))
			v.value = it_coarsen(v.value, f->grid);
		f->rec.v[f->rec.n & (IT_FRAME_VALS - 1)] = v;
		f->rec.n++;
	}
	k = f->rec.n;
	it_frame_emit(f, cnt, k);
	return 0;
}

/* Run it_frame_chunk() over count values, IT_FRAME_VALS at a time. Of a frame longer
 * than IT_MAX_VALS, values IT_MAX_VALS - 1 .. count - 2 are counted seen and
 * truncated, not copied; its last value (the SYN_REPORT that ends it) is. */
static __always_inline void it_frame_run(__u32 count)
{
	__u32 c, base, n = count > IT_MAX_VALS ? IT_MAX_VALS - 1 : count;
	struct it_counters *cnt;

	for (c = 0; c < IT_MAX_VALS / IT_FRAME_VALS; c++) {
		base = c * IT_FRAME_VALS;
		if (base >= n)
			break;
		if (it_frame_chunk(base, n - base < IT_FRAME_VALS ? n - base : IT_FRAME_VALS))
			return;	/* unreadable: the frame stops here, as when nothing was read */
	}
	if (count > IT_MAX_VALS) {
		if (it_frame_chunk(count - 1, 1))
			return;
		cnt = bpf_map_lookup_elem(&it_counters, &zero);
		if (cnt) {
			cnt->seen += count - IT_MAX_VALS;
			cnt->truncated += count - IT_MAX_VALS;
		}
	}
}

/* A device went away (input_unregister_device()): send its remove record and drop
 * it from the table; the kernel may hand its address to a new device. */
static __always_inline int it_dev_forget(__u64 key)
{
	struct it_device *d = bpf_map_lookup_elem(&it_devices, &key);

	bpf_map_delete_elem(&it_mods, &key);
	if (!d)
		return 1;
	it_dev_announce(d, IT_REC_DEVICE_DEL, bpf_map_lookup_elem(&it_counters, &zero));
	bpf_map_delete_elem(&it_devices, &key);
	return 0;
}

/*
 * Injected input (docs/operations.md "Injected versus physical input"): a write to an evdev node
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

/* Task T starts injecting into the input_dev at address dev (input_inject_event()
 * entry). */
static __always_inline void it_inject_begin(__u64 dev)
{
	__u64 tid = bpf_get_current_pid_tgid();

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

/*
 * The prologue's parts that differ by program, defined by the file that includes this
 * one, from src (what the program has of the device: the input_dev in the real
 * programs, the test's ctx in the test programs): the identity of a new device, and
 * the modifiers the input core shows down at the end of the frame (shortcuts mode).
 */
static __always_inline void it_src_info(const void *src, struct it_devinfo *i);
static __always_inline __u32 it_src_kmods(const void *src);

/* The device slot of input_dev address key; a device not in the table yet is added,
 * its identity from it_src_info(src), and announced with a device record. NULL when
 * the table is full. */
static __always_inline struct it_device *it_dev_get(const void *src, __u64 key)
{
	struct it_device *tmpl, *d = it_dev_lookup(key);
	bool created = false;

	if (d)
		return d;
	tmpl = bpf_map_lookup_elem(&it_dev_scratch, &zero);
	if (!tmpl)
		return NULL;
	__builtin_memset(tmpl, 0, sizeof(*tmpl));
	it_src_info(src, &tmpl->info);
	d = it_dev_insert(key, tmpl, &created);
	if (d && created)
		it_dev_announce(d, IT_REC_DEVICE_ADD, bpf_map_lookup_elem(&it_counters, &zero));
	return d;
}

/*
 * One frame: the prologue every frame program runs, the real ones and the test one
 * alike (look up or add the device and announce it, begin the frame, timestamps with
 * the synthetic fallback, the injected flag), then the values (it_frame_run()).
 * src: as for it_dev_get(); key: the input_dev address; vals: address of its count
 * values; mono_ns, real_ns: the device's timestamp[] as evdev_events() left it (0:
 * none, the kernel predates it: bpf_ktime_get_ns() and IT_EVF_SYNTH_TS, real_ns 0).
 * The caller has checked it_paused_skip() first, before reading anything.
 */
static __always_inline int it_handle_frame(const void *src, __u64 key, __u64 vals, __u32 count,
					   __u64 mono_ns, __u64 real_ns)
{
	struct it_device *d = it_dev_get(src, key);
	struct it_frame *f = it_frame_begin(d, key, vals);

	if (!f)
		return 0;
	if (f->keys == IT_KEYS_SHORTCUTS)
		f->kmods = it_src_kmods(src);
	f->mono_ns = mono_ns;
	f->real_ns = real_ns;
	if (!f->mono_ns) {
		f->mono_ns = bpf_ktime_get_ns();
		f->real_ns = 0;
		f->flags = IT_EVF_SYNTH_TS;
	}
	/* f->key, not src: in fexit src is a typed kernel pointer, which a global
	 * function does not take; read back from the map it is a plain number */
	f->flags |= it_inject_flag(f->key);
	it_frame_run(count);
	return 0;
}

#endif /* CAPTURE_BPF_H */
