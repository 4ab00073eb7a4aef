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

/* The prologue's per-program parts (capture.bpf.h): src is the test's ctx. */
static __always_inline void it_src_info(const void *src, struct it_devinfo *i)
{
	const struct it_test_frame *ctx = src;

	__builtin_memcpy(i, &ctx->info, sizeof(*i));
}

static __always_inline __u32 it_src_kmods(const void *src)
{
	return it_test_kernel_mods;
}

/* A frame, through the real programs' path: it_paused_skip() first, then
 * it_handle_frame(), the prologue and all. */
SEC("syscall")
int it_test_frame(struct it_test_frame *ctx)
{
	struct it_test_vals *vals;
	__u32 count = ctx->count;

	if (it_paused_skip(count))
		return 0;	/* as the real programs: before anything is read */
	vals = bpf_map_lookup_elem(&it_test_vals_scratch, &zero);
	if (!vals)
		return 1;
	__builtin_memcpy(vals->v, ctx->vals, sizeof(vals->v));
	/* the frame's values are read from the scratch copy, by address, as the real
	 * programs read the kernel's input_value array */
	return it_handle_frame(ctx, ctx->dev_key, (__u64)vals->v,
			       count < IT_TEST_VALS ? count : IT_TEST_VALS, ctx->mono_ns, ctx->real_ns);
}

/* input_inject_event()'s entry (begin) or exit probe, for device dev_key, in the
 * calling task: what the real programs run around an injection. */
SEC("syscall")
int it_test_inject(struct it_test_inject *ctx)
{
	if (ctx->begin)
		it_inject_begin(ctx->dev_key);
	else
		it_inject_end();
	return 0;
}

SEC("syscall")
int it_test_unreg(struct it_test_unreg *ctx)
{
	return it_dev_forget(ctx->dev_key);
}
