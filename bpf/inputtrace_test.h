/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * inputtrace_test.h - the ctx structs of the test-only programs
 * (bpf/inputtrace_test.bpf.c), one definition for the programs and the BPF tests
 * (tests/bpf), which pass them as BPF_PROG_TEST_RUN's ctx_in. test_capture.c's
 * test_ctx_layout checks them against the BTF of the loaded object.
 */
#ifndef IT_INPUTTRACE_TEST_H
#define IT_INPUTTRACE_TEST_H

#include "inputtrace.h"

#define IT_TEST_VALS 64

struct it_test_value {
	__u16 type;
	__u16 code;
	__s32 value;
};

/* What the test passes as ctx_in of it_test_frame. */
struct it_test_frame {
	__u64 dev_key;		/* stands for the input_dev address */
	__u64 mono_ns;		/* 0: no per-device timestamp, use bpf_ktime_get_ns() */
	__u64 real_ns;
	__u32 count;
	__u32 pad;
	struct it_devinfo info;	/* used when the device is new */
	struct it_test_value vals[IT_TEST_VALS];
};

/* What the test passes as ctx_in of it_test_inject. */
struct it_test_inject {
	__u64 dev_key;		/* the device injected into */
	__u32 begin;		/* 1: input_inject_event() entry; 0: its exit */
	__u32 pad;
};

struct it_test_unreg {
	__u64 dev_key;
};

#endif
