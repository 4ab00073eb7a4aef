/* SPDX-License-Identifier: GPL-2.0 */
/*
 * input_core.h - the few kernel types inputtrace reads, declared for CO-RE.
 *
 * Instead of a generated vmlinux.h (tens of thousands of lines, tied to one build),
 * only the fields read are declared, with preserve_access_index: libbpf relocates
 * each access against the running kernel's BTF at load time, so one object runs
 * on every kernel that has the field. Layouts: include/linux/input.h,
 * include/linux/device.h, include/linux/kobject.h.
 */
#ifndef INPUT_CORE_H
#define INPUT_CORE_H

#include <linux/types.h>
#include <asm/ptrace.h>	/* struct pt_regs (UAPI names), for BPF_KPROBE */

typedef __s64 ktime_t;

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)

struct kobject {
	const char *name;
};

struct device {
	struct kobject kobj;
};

struct input_id {
	__u16 bustype;
	__u16 vendor;
	__u16 product;
	__u16 version;
};

/* enum input_clock_type: INPUT_CLK_REAL, INPUT_CLK_MONO, INPUT_CLK_BOOT (since 5.4) */
enum { IT_INPUT_CLK_REAL = 0, IT_INPUT_CLK_MONO = 1 };

struct input_dev {
	const char *name;
	const char *phys;
	const char *uniq;
	struct input_id id;
	unsigned long key[12];	/* BITS_TO_LONGS(KEY_CNT): keys down, as the core sees them */
	ktime_t timestamp[3];	/* since v5.4 (commit 3b51c44bd693) */
	struct device dev;
};

struct input_handle {
	struct input_dev *dev;
};

/* Not relocated: a plain three-field struct, unchanged since 2.6.36. */
#pragma clang attribute pop

struct input_value {
	__u16 type;
	__u16 code;
	__s32 value;
};

#endif /* INPUT_CORE_H */
