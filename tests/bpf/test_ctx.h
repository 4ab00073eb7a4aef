/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * test_ctx.h - mirrors of bpf/inputtrace_test.bpf.c's ctx structs, for the BPF tests.
 * test_capture.c's test_ctx_layout checks them against the BTF of the loaded object,
 * so a change on either side fails loudly.
 */
#ifndef IT_TEST_CTX_H
#define IT_TEST_CTX_H

#include "inputtrace.h"

#define IT_TEST_VALS 64

struct it_test_value {
	__u16 type;
	__u16 code;
	__s32 value;
};

struct it_test_frame {
	__u64 dev_key;
	__u64 mono_ns;
	__u64 real_ns;
	__u32 count;
	__u32 pad;
	struct it_devinfo info;
	struct it_test_value vals[IT_TEST_VALS];
};

struct it_test_unreg {
	__u64 dev_key;
};

#endif
