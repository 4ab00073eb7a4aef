/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * header.h - the records that make an output file self-describing (README "Output
 * files"): the header record every file starts with, and the output_loss record that
 * marks lines the agent could not write (disk full, I/O error).
 */
#ifndef IT_HEADER_H
#define IT_HEADER_H

#include <stdint.h>
#include "cli.h"
#include "json.h"

/* What the header says about this machine, read once at start. */
struct it_hostinfo {
	char host[256];		/* gethostname() */
	char boot_id[64];	/* /proc/sys/kernel/random/boot_id, "" if unreadable */
	char kernel[128];	/* uname -r */
};

/* Fill h; proc_root is "/proc" (tests pass another). */
void it_hostinfo_read(struct it_hostinfo *h, const char *proc_root);

/*
 * {"record":"header","schema":1,"agent":"inputtrace","version":"0.1.0","host":..,
 *  "boot_id":..,"kernel":..,"file_seq":N,"format":"jsonl","settings":{...},
 *  "clock":{"mono_ns":M,"real_ns":R,"offset_ns":R-M},"time":"RFC 3339"}
 * mono_ns/real_ns: CLOCK_MONOTONIC and CLOCK_REALTIME read together (the smallest of
 * three bracketed reads), so real = mono + offset_ns places any event's sec/usec in
 * wall-clock time. mono_ns 0 reads the clocks now.
 */
void it_rec_header(struct it_buf *b, const struct it_opts *o, const struct it_hostinfo *h,
		   uint64_t file_seq, uint64_t mono_ns, uint64_t real_ns);

/* {"record":"output_loss","lines":N,"bytes":B,"error":"No space left on device"}:
 * N lines (B bytes) before this point could not be written. */
void it_rec_output_loss(struct it_buf *b, uint64_t lines, uint64_t bytes, int error);

/* The clocks read together, as it_rec_header uses them. */
void it_clock_pair(uint64_t *mono_ns, uint64_t *real_ns);

#endif
