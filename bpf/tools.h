/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tools.h - tool activity (docs/context.md "Tool activity"): what crosses between
 * bpf/tools.bpf.c and userspace. A tool is an executable file on the operator's list,
 * known by its (device, inode): renaming or linking it keeps it a tool, a copy is
 * another file.
 */
#ifndef IT_TOOLS_H
#define IT_TOOLS_H

#include <linux/types.h>

#define IT_TOOLS_MAX 256	/* executables on the list */
#define IT_TOOLS_RUNNING 8192	/* tool processes followed at once */

/* Key of the tools map: the executable's inode. dev is the kernel's encoding of the
 * superblock's device (MAJOR << 20 | MINOR), not stat()'s st_dev. */
struct it_tool_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

enum { IT_TOOL_START = 1, IT_TOOL_STOP = 2 };

/* One ring buffer record. */
struct it_tool_event {
	__u64 mono_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;		/* the process (thread group) */
	__u32 tool;		/* the tools map's value: the index in the operator's list */
	__u32 kind;		/* IT_TOOL_START or IT_TOOL_STOP */
	__s32 exit_code;	/* stop: the process's exit code (wait status), else 0 */
};

_Static_assert(sizeof(struct it_tool_key) == 16, "it_tool_key layout");
_Static_assert(sizeof(struct it_tool_event) == 24, "it_tool_event layout");

#endif
