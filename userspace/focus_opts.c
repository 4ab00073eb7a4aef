// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* focus_opts.c - --focus, --apps, --pause-apps, --no-default-pause-apps, --tools
 * (focus_opts.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "focus_opts.h"

static bool tool_char(int c)
{
	return isascii(c) && (isalnum(c) || strchr("._+-/", c));
}

/* --tools EXE,...: each entry a path or a name found in $PATH when the agent starts. */
static int add_tools(struct it_focus_opts *f, const char *arg, char *err, size_t errlen)
{
	const char *p = arg, *end;
	size_t n, i;

	for (;;) {
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		if (n == 0 || n >= IT_FOCUS_TOOL_LEN) {
			snprintf(err, errlen, "--tools %s: %s executable (1 to %d characters)", arg,
				 n ? "too long an" : "empty", IT_FOCUS_TOOL_LEN - 1);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (!tool_char((unsigned char)p[i])) {
				snprintf(err, errlen, "--tools %s: bad byte 0x%02x at offset %zu (allowed: "
					 "A-Z a-z 0-9 . _ + - /)", arg, (unsigned char)p[i],
					 (size_t)(p - arg) + i);
				return -1;
			}
		if (f->ntools >= IT_FOCUS_TOOLS_MAX) {
			snprintf(err, errlen, "--tools: more than %d executables", IT_FOCUS_TOOLS_MAX);
			return -1;
		}
		memcpy(f->tools[f->ntools], p, n);
		f->tools[f->ntools++][n] = 0;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

/* "ID,..." or @FILE (a file named without a '/' is made "./FILE") into l. */
static int add_list(struct it_focus_list *l, const char *flag, const char *arg, char *err,
		    size_t errlen)
{
	char spec[4096], why[512];

	if (arg[0] == '@')
		snprintf(spec, sizeof(spec), "%s%s", strchr(arg, '/') ? "" : "./", arg + 1);
	else
		snprintf(spec, sizeof(spec), "%s", arg);
	if (it_focus_list_add(l, spec, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", flag, why);
		return -1;
	}
	return 0;
}

int it_focus_opt(struct it_focus_opts *f, int c, const char *arg, char *err, size_t errlen)
{
	switch (c) {
	case IT_OPT_FOCUS:
		f->on = true;
		return 1;
	case IT_OPT_APPS:
		f->on = true;
		return add_list(&f->cfg.apps, "--apps", arg, err, errlen) ? -1 : 1;
	case IT_OPT_PAUSE_APPS:
		f->on = true;
		return add_list(&f->cfg.pause, "--pause-apps", arg, err, errlen) ? -1 : 1;
	case IT_OPT_NO_DEFAULT_PAUSE:
		f->cfg.no_default_pause = true;
		return 1;
	case IT_OPT_TOOLS:
		return add_tools(f, arg, err, errlen) ? -1 : 1;
	}
	return 0;
}

/* The list in force: the operator's, then the defaults not in it already. */
static void pause_in_force(const struct it_focus_opts *f, struct it_focus_list *l)
{
	unsigned int i;

	*l = f->cfg.pause;
	for (i = 0; !f->cfg.no_default_pause && it_focus_default_pause[i]; i++)
		if (!it_focus_list_find(l, it_focus_default_pause[i]) && l->n < IT_FOCUS_LIST_MAX)
			snprintf(l->ids[l->n++], sizeof(l->ids[0]), "%s", it_focus_default_pause[i]);
}

void it_focus_opts_pause_list(const struct it_focus_opts *f, char *buf, size_t len)
{
	static struct it_focus_list l;	/* 16 KiB: not on the stack */

	pause_in_force(f, &l);
	it_focus_list_format(&l, buf, len);
}

void it_focus_opts_describe(const struct it_focus_opts *f, char *buf, size_t len)
{
	static struct it_focusctx ctx;	/* 33 KiB: not on the stack */
	char err[256];
	size_t off;
	unsigned int i;

	if (!f->on || it_focusctx_init(&ctx, &f->cfg, err, sizeof(err)))
		snprintf(buf, len, "off");
	else
		it_focusctx_describe(&ctx, buf, len);
	for (i = 0; i < f->ntools; i++) {
		off = strlen(buf);
		snprintf(buf + off, len - off, "%s%s", i ? "," : " tools=", f->tools[i]);
	}
}

/* ,"key":["a","b"] from n strings of stride bytes each at base */
static void json_strs(struct it_buf *b, const char *key, const char *base, size_t stride,
		      unsigned int n)
{
	unsigned int i;

	it_json_key(b, key);
	it_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			it_buf_putc(b, ',');
		it_json_str(b, base + i * stride, stride);
	}
	it_buf_putc(b, ']');
}

void it_focus_opts_json(const struct it_focus_opts *f, struct it_buf *b)
{
	static struct it_focus_list pause;

	pause_in_force(f, &pause);
	it_json_key(b, "focus");
	it_buf_puts(b, f->on ? "true" : "false");
	json_strs(b, "apps", f->cfg.apps.ids[0], sizeof(f->cfg.apps.ids[0]), f->on ? f->cfg.apps.n : 0);
	json_strs(b, "pause_apps", pause.ids[0], sizeof(pause.ids[0]), f->on ? pause.n : 0);
	json_strs(b, "tools", f->tools[0], sizeof(f->tools[0]), f->ntools);
}
