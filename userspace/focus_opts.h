/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * focus_opts.h - the agent's application-context flags (docs/context.md, docs/usage.md):
 * --apps, --pause-apps, --no-default-pause-apps, --focus (focus reports from the
 * session's helper) and --tools (tool activity from the kernel). An option group of
 * cli.c, as kafka_conf.h's; values are checked here so that a bad id never reaches an
 * output format.
 */
#ifndef IT_FOCUS_OPTS_H
#define IT_FOCUS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include "focusctx.h"
#include "json.h"

#define IT_FOCUS_TOOLS_MAX 64	/* --tools entries */
#define IT_FOCUS_TOOL_LEN 128	/* an entry's bytes, NUL included */

struct it_focus_opts {
	bool on;		/* focus reports accepted: --focus, --apps or --pause-apps */
	struct it_focusctx_config cfg;	/* the lists (the default pause list not in it) */
	char tools[IT_FOCUS_TOOLS_MAX][IT_FOCUS_TOOL_LEN];	/* --tools, as given */
	unsigned int ntools;
};

/* getopt_long values (above cli.c's own and Kafka's) and the longopts entries. */
enum {
	IT_OPT_FOCUS = 0x4600,
	IT_OPT_APPS,
	IT_OPT_PAUSE_APPS,
	IT_OPT_NO_DEFAULT_PAUSE,
	IT_OPT_TOOLS,
};
#define IT_FOCUS_LONGOPTS							\
	{ "focus", no_argument, NULL, IT_OPT_FOCUS },				\
	{ "apps", required_argument, NULL, IT_OPT_APPS },			\
	{ "pause-apps", required_argument, NULL, IT_OPT_PAUSE_APPS },		\
	{ "no-default-pause-apps", no_argument, NULL, IT_OPT_NO_DEFAULT_PAUSE },	\
	{ "tools", required_argument, NULL, IT_OPT_TOOLS }

/*
 * One flag from getopt_long (c, optarg). Returns 1 when c is one of IT_OPT_FOCUS..TOOLS
 * and was taken, 0 when c is not ours, -1 on a bad value with one line in err: an id
 * that is not 1..64 characters of A-Z a-z 0-9 . _ - (and where), a list file that
 * cannot be read, too many entries, a --tools entry that is empty, too long or has a
 * byte outside A-Z a-z 0-9 . _ + - /. --apps and --pause-apps take "ID,ID,..." or
 * @FILE (or any argument with a '/': a file, one id a line, '#' comments).
 */
int it_focus_opt(struct it_focus_opts *f, int c, const char *arg, char *err, size_t errlen);

/* The pause list in force: cfg.pause and, unless --no-default-pause-apps, the
 * defaults (focusctx.h it_focus_default_pause), as "a,b,c" into buf. */
void it_focus_opts_pause_list(const struct it_focus_opts *f, char *buf, size_t len);

/* One line for the start notice and the status file: "off", or "apps=... pause-apps=...
 * rate=10/s" (focusctx.h it_focusctx_describe()), then " tools=a,b" when --tools. */
void it_focus_opts_describe(const struct it_focus_opts *f, char *buf, size_t len);

/* The header's settings for them: ,"focus":BOOL,"apps":[...],"pause_apps":[...],
 * "tools":[...] (pause_apps the list in force, defaults included; [] when off). */
void it_focus_opts_json(const struct it_focus_opts *f, struct it_buf *b);

#endif
