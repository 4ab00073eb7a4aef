// SPDX-License-Identifier: GPL-2.0
/*
 * tools.bpf.c - tool activity: exec and exit of allow-listed executables (bpf/tools.h)
 * from the scheduler's BTF tracepoints, as start/stop records on a ring buffer. Its
 * own object, apart from the capture programs: it shares no map with them.
 *
 * sched_process_exec(p, old_pid, bprm): bprm->file is the executable; a process that
 * execs something else stops being the tool it was. sched_process_exit(p, ...): once
 * per thread; the process stops when its last thread goes (signal->live is 0 by
 * then), whichever thread that is.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tools.h"

char LICENSE[] SEC("license") = "GPL";

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
struct super_block { __u32 s_dev; };
struct inode { unsigned long i_ino; struct super_block *i_sb; };
struct file { struct inode *f_inode; };
struct linux_binprm { struct file *file; };
typedef struct { int counter; } atomic_t;
struct signal_struct { atomic_t live; };
struct task_struct { int pid; int tgid; int exit_code; struct signal_struct *signal; };
#pragma clang attribute pop

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IT_TOOLS_MAX);
	__type(key, struct it_tool_key);
	__type(value, __u32);
} tools SEC(".maps");

/* tgid -> tool index, while it runs */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IT_TOOLS_RUNNING);
	__type(key, __u32);
	__type(value, __u32);
} running SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} tool_events SEC(".maps");

/* records the ring buffer had no room for, and tools the running map could not take */
__u64 lost_events;
__u64 lost_running;

static __always_inline void emit(__u32 pid, __u32 tool, __u32 kind, __s32 code)
{
	struct it_tool_event *e = bpf_ringbuf_reserve(&tool_events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return;
	}
	e->mono_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->tool = tool;
	e->kind = kind;
	e->exit_code = code;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tools_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	struct it_tool_key key = {};
	struct inode *ino = bprm->file->f_inode;
	__u32 tgid = p->tgid, *was, *tool;

	key.ino = ino->i_ino;
	key.dev = ino->i_sb->s_dev;
	tool = bpf_map_lookup_elem(&tools, &key);
	was = bpf_map_lookup_elem(&running, &tgid);
	if (was && (!tool || *was != *tool)) {	/* the tool it was is replaced */
		emit(tgid, *was, IT_TOOL_STOP, 0);
		bpf_map_delete_elem(&running, &tgid);
	}
	if (!tool || (was && *was == *tool))
		return 0;
	if (bpf_map_update_elem(&running, &tgid, tool, BPF_ANY))
		__sync_fetch_and_add(&lost_running, 1);
	emit(tgid, *tool, IT_TOOL_START, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tools_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid, *tool;

	tool = bpf_map_lookup_elem(&running, &tgid);
	if (!tool || p->signal->live.counter != 0)
		return 0;
	emit(tgid, *tool, IT_TOOL_STOP, p->exit_code);
	bpf_map_delete_elem(&running, &tgid);
	return 0;
}
