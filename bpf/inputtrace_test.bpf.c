// SPDX-License-Identifier: GPL-2.0
/*
 * inputtrace_test.bpf.c - test-only programs around the capture logic.
 *
 * The real programs need an input device and a kernel that attaches tracing
 * programs; these run the same capture.bpf.h code (device table, filters, counters,
 * ring buffer) through BPF_PROG_TEST_RUN with a frame supplied by the test
 * (tests/bpf/test_capture.c), on any kernel that runs syscall programs (5.14+).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "capture.bpf.h"
#include "inputtrace_test.h"

char LICENSE[] SEC("license") = "GPL";

/* What the real programs read from the input core's key bitmap (it_kernel_mods() in
 * inputtrace.bpf.c) in shortcuts mode; tests set it to check that stale modifier
 * state unlocks nothing. IT_MOD_ALL: no limit. */
__u32 it_test_kernel_mods = IT_MOD_ALL;

/* The values of a frame, copied out of ctx first: the verifier refuses a ctx access
 * through a modified pointer ("dereference of modified ctx ptr"), which is what
 * indexing ctx->vals[i] in a loop compiles to; the copy reads fixed offsets only. */
struct it_test_vals {
	struct it_test_value v[IT_TEST_VALS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct it_test_vals);
} it_test_vals_scratch SEC(".maps");

SEC("syscall")
int it_test_frame(struct it_test_frame *ctx)
{
	struct it_test_vals *vals;
	struct it_device *d;
	struct it_frame *f;
	bool created = false;

	if (it_paused_skip(ctx->count))
		return 0;	/* as the real programs: before anything is read */
	vals = bpf_map_lookup_elem(&it_test_vals_scratch, &zero);
	if (!vals)
		return 1;
	__builtin_memcpy(vals->v, ctx->vals, sizeof(vals->v));
	d = it_dev_lookup(ctx->dev_key);
	if (!d) {
		struct it_device *tmpl = bpf_map_lookup_elem(&it_dev_scratch, &zero);

		if (tmpl) {
			__builtin_memset(tmpl, 0, sizeof(*tmpl));
			__builtin_memcpy(&tmpl->info, &ctx->info, sizeof(tmpl->info));
			d = it_dev_insert(ctx->dev_key, tmpl, &created);
		}
	}
	/* the frame's values are read from the scratch copy, by address, as the real
	 * programs read the kernel's input_value array */
	f = it_frame_begin(d, ctx->dev_key, (__u64)vals->v);
	if (!f)
		return 1;
	if (created && d)
		it_dev_announce(d, IT_REC_DEVICE_ADD, bpf_map_lookup_elem(&it_counters, &zero));
	if (f->keys == IT_KEYS_SHORTCUTS)
		f->kmods = it_test_kernel_mods;
	f->mono_ns = ctx->mono_ns;
	f->real_ns = ctx->real_ns;
	if (!f->mono_ns) {
		f->mono_ns = bpf_ktime_get_ns();
		f->flags = IT_EVF_SYNTH_TS;
	}
	it_frame_run(ctx->count < IT_TEST_VALS ? ctx->count : IT_TEST_VALS);
	return 0;
}

SEC("syscall")
int it_test_unreg(struct it_test_unreg *ctx)
{
	return it_dev_forget(ctx->dev_key);
}
