/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * format_context.h - the application context records (docs/context.md,
 * docs/output-format.md "focus" and "tool"): their writers for each format
 * (format.h's focus and tool entries; evemu writes the JSON Lines ones in its index).
 *
 * JSON Lines:
 *   {"record":"focus","time":..,"sec":S,"usec":U,"app":"ID"|"other"|"unknown"[,"paused_by":"ID"]}
 *   {"record":"tool","time":..,"sec":S,"usec":U,"event":"start"|"stop","tool":"NAME","pid":N[,"exit_code":N]}
 * CSV (record,dev,device,sec,usec,time,type,code,value):
 *   focus,,,SEC,USEC,TIME,[paused],APP,
 *   tool,,,SEC,USEC,TIME,start|stop,NAME,PID
 */
#ifndef IT_FORMAT_CONTEXT_H
#define IT_FORMAT_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include "format.h"

void it_jsonl_focus(struct it_format_ctx *fc, struct it_buf *b, const char *app,
		    const char *paused_by, uint64_t mono_ns, uint64_t real_ns);
void it_jsonl_tool(struct it_format_ctx *fc, struct it_buf *b, const struct it_tool_rec *t);
void it_csv_focus(struct it_format_ctx *fc, struct it_buf *b, const char *app,
		  const char *paused_by, uint64_t mono_ns, uint64_t real_ns);
void it_csv_tool(struct it_format_ctx *fc, struct it_buf *b, const struct it_tool_rec *t);

/* In the stats record: ,"focus":{"reports":N,"records":N,"refused_uid":N,"malformed":N,
 * "coalesced":N,"pauses":N} when focus reports are on, ,"tools":{"records":N,"lost":N}
 * when --tools is. */
void it_context_stats_json(struct it_buf *b, const struct it_context_stats *c);

#endif
