/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * format_jsonl.h - --format jsonl, JSON Lines (docs/output-format.md), and the
 * record writers behind it: each function appends one complete line, newline
 * included, to b. The stats record is it_rec_stats() in output.h. The evemu format
 * writes its index file with these too.
 */
#ifndef IT_FORMAT_JSONL_H
#define IT_FORMAT_JSONL_H

#include <stdbool.h>
#include <stdint.h>
#include "format.h"

/*
 * {"record":"device","action":ACTION,"dev":ID,"name":...,"bus":..,"vendor":..,
 *  "product":..,"version":..,"phys":..,"uniq":..,"sysname":"inputN"[,"node":NODE]}
 * action: "present" (already there when capture started), "add" (appeared during
 * capture), "remove". node: "/dev/input/eventM" or NULL to leave it out.
 */
void it_rec_device(struct it_buf *b, uint32_t id, const struct it_devinfo *info,
		   const char *action, const char *node);

/* The same, with ,"virtual":true or false at the end when virt is 1 or 0 (the device
 * sits under /sys/devices/virtual/: uinput and other software devices); -1 leaves
 * it out (not known). */
void it_rec_device_ex(struct it_buf *b, uint32_t id, const struct it_devinfo *info,
		      const char *action, const char *node, int virt);

/*
 * {"record":"event","dev":ID,"sec":S,"usec":U,"type":..,"code":..,"value":V[,"time":..]}
 * sec/usec: mono_ns split as evdev does (ktime_to_timespec64, then tv_nsec / 1000).
 * time: RFC 3339 UTC with microseconds from real_ns, left out when real_ns is 0.
 * flags (IT_EVF_*): IT_EVF_SYNTH_TS (or true) adds "synth_ts":true (the kernel had no
 * per-device timestamp), IT_EVF_INJECTED adds "injected":true (written to an evdev
 * node: input_inject_event()).
 */
void it_rec_event(struct it_buf *b, uint32_t dev, uint64_t mono_ns, uint64_t real_ns,
		  unsigned int type, unsigned int code, int32_t value, unsigned int flags);

/* {"record":"loss","count":N[,"dev":D]}: N events the full ring buffer refused, at
 * this point; dev when they were all of one device (dev IT_DEV_MIXED: several, left out). */
void it_rec_loss(struct it_buf *b, uint64_t count, uint32_t dev);

/*
 * {"record":"header","schema":1,"agent":"inputtrace","version":"0.1.0","host":..,
 *  "boot_id":..,"kernel":..,"file_seq":N,"format":"jsonl","settings":{...},
 *  "clock":{"mono_ns":M,"real_ns":R,"offset_ns":R-M},"time":"RFC 3339"}
 * mono_ns/real_ns: CLOCK_MONOTONIC and CLOCK_REALTIME read together (it_clock_pair),
 * so real = mono + offset_ns places any event's sec/usec in wall-clock time. mono_ns
 * 0 reads the clocks now.
 */
void it_rec_header(struct it_buf *b, const struct it_opts *o, const struct it_hostinfo *h,
		   uint64_t file_seq, uint64_t mono_ns, uint64_t real_ns);

/* {"record":"output_loss","lines":N,"bytes":B,"error":"No space left on device"}:
 * N lines (B bytes) before this point could not be written. */
void it_rec_output_loss(struct it_buf *b, uint64_t lines, uint64_t bytes, int error);

/* {"record":"pause"|"resume","time":..,"sec":..,"usec":..,"via":..,"uid":..,"gid":..,
 *  "pid":..,"user":..}: capture paused or resumed by r. */
void it_rec_control(struct it_buf *b, bool pause, const struct it_ctl_req *r,
		    uint64_t mono_ns, uint64_t real_ns);

/* The writers behind the evemu format's index file (format_evemu.c). */
void it_jsonl_header(struct it_format_ctx *fc, struct it_buf *b, uint64_t file_seq);
void it_jsonl_device(struct it_format_ctx *fc, struct it_buf *b, const struct it_fmt_dev *d,
		     const char *action);
void it_jsonl_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t count, uint32_t dev);
void it_jsonl_output_loss(struct it_format_ctx *fc, struct it_buf *b, uint64_t lines,
			  uint64_t bytes, int error);
void it_jsonl_control(struct it_format_ctx *fc, struct it_buf *b, bool pause,
		      const struct it_ctl_req *r, uint64_t mono_ns, uint64_t real_ns);
void it_jsonl_stats(struct it_format_ctx *fc, struct it_buf *b, const struct it_stats *s);

#define IT_JSONL_HEAD "{\"record\":\"header\""

#endif
