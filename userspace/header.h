/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * header.h - what the header record every file starts with says about this machine
 * (docs/output-files.md; the record itself: format_jsonl.h it_rec_header).
 */
#ifndef IT_HEADER_H
#define IT_HEADER_H

#include <stdint.h>

/* What the header says about this machine, read once at start. */
struct it_hostinfo {
	char host[256];		/* gethostname() */
	char boot_id[64];	/* /proc/sys/kernel/random/boot_id, "" if unreadable */
	char kernel[128];	/* uname -r */
};

/* Fill h; proc_root is "/proc" (tests pass another). */
void it_hostinfo_read(struct it_hostinfo *h, const char *proc_root);

/* CLOCK_MONOTONIC and CLOCK_REALTIME read together (the smallest of three bracketed
 * reads), as the header record gives them. */
void it_clock_pair(uint64_t *mono_ns, uint64_t *real_ns);

#endif
