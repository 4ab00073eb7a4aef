// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format_context.c - focus and tool records in JSON Lines and CSV (format_context.h). */
#include "format_context.h"
#include "format_csv.h"

#define NS 1000000000ull

/* {"record":NAME,"time":..,"sec":..,"usec":.. (the pause record's order) */
static void jsonl_start(struct it_buf *b, const char *name, uint64_t mono_ns, uint64_t real_ns)
{
	it_buf_puts(b, "{\"record\":\"");
	it_buf_puts(b, name);
	it_buf_puts(b, "\",\"time\":");
	it_rfc3339(b, real_ns);
	it_json_kv_u64(b, "sec", mono_ns / NS);
	it_json_kv_u64(b, "usec", mono_ns % NS / 1000);
}

void it_jsonl_focus(struct it_format_ctx *fc, struct it_buf *b, const char *app,
		    const char *paused_by, uint64_t mono_ns, uint64_t real_ns)
{
	jsonl_start(b, "focus", mono_ns, real_ns);
	it_json_key(b, "app");
	it_json_str(b, app, 128);
	if (paused_by) {
		it_json_key(b, "paused_by");
		it_json_str(b, paused_by, 128);
	}
	it_buf_puts(b, "}\n");
}

void it_jsonl_tool(struct it_format_ctx *fc, struct it_buf *b, const struct it_tool_rec *t)
{
	jsonl_start(b, "tool", t->mono_ns, t->real_ns);
	it_json_key(b, "event");
	it_buf_puts(b, t->start ? "\"start\"" : "\"stop\"");
	it_json_key(b, "tool");
	it_json_str(b, t->tool, 256);
	it_json_kv_u64(b, "pid", t->pid);
	if (!t->start) {
		it_json_key(b, "exit_code");
		it_buf_i64(b, t->exit_code);
	}
	it_buf_puts(b, "}\n");
}

void it_csv_focus(struct it_format_ctx *fc, struct it_buf *b, const char *app,
		  const char *paused_by, uint64_t mono_ns, uint64_t real_ns)
{
	it_csv_start(b, "focus", mono_ns, real_ns);
	if (paused_by)
		it_buf_puts(b, "paused");
	it_buf_putc(b, ',');
	it_csv_field(b, app, 128);
	it_buf_puts(b, ",\n");
}

void it_csv_tool(struct it_format_ctx *fc, struct it_buf *b, const struct it_tool_rec *t)
{
	it_csv_start(b, "tool", t->mono_ns, t->real_ns);
	it_buf_puts(b, t->start ? "start," : "stop,");
	it_csv_field(b, t->tool, 256);
	it_buf_putc(b, ',');
	it_buf_u64(b, t->pid);
	it_buf_putc(b, '\n');
}

void it_context_stats_json(struct it_buf *b, const struct it_context_stats *c)
{
	if (c->focus) {
		it_json_key(b, "focus");
		it_buf_putc(b, '{');
		it_buf_puts(b, "\"reports\":");
		it_buf_u64(b, c->reports);
		it_json_kv_u64(b, "records", c->records);
		it_json_kv_u64(b, "refused_uid", c->refused_uid);
		it_json_kv_u64(b, "malformed", c->malformed);
		it_json_kv_u64(b, "coalesced", c->coalesced);
		it_json_kv_u64(b, "pauses", c->pauses);
		it_buf_putc(b, '}');
	}
	if (c->tools) {
		it_json_key(b, "tools");
		it_buf_puts(b, "{\"records\":");
		it_buf_u64(b, c->tool_records);
		it_json_kv_u64(b, "lost", c->tools_lost);
		it_buf_putc(b, '}');
	}
}
