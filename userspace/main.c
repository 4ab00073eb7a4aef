// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the inputtrace command: a subcommand (`inputtrace ctl|focus ...`) from the table
 * below, or the agent (agent.h) with the options of cli.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "cli.h"
#include "ctl.h"
#include "feat.h"
#include "focus.h"
#include "log.h"
#include "subject_files.h"
#include "sysfs.h"

/* `inputtrace NAME ARGS...`: argv[0] is NAME; returns the exit status. */
struct it_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
};

static int cmd_ctl(int argc, char **argv)
{
	return it_ctl_main(argc, argv, stdout);
}

static int cmd_subject(int argc, char **argv)
{
	return it_subject_cmd(argc - 1, argv + 1);
}

/* A new subcommand is one line here (bpftool's cmd_select()). */
static const struct it_cmd cmds[] = {
	{ "ctl", cmd_ctl },
	{ "features", it_features_cmd },
	{ "subject", cmd_subject },
	{ "focus", it_focus_main },	/* the per-session focus helper (docs/context.md) */
};

/* The subcommand argv[0] names, or NULL: then argv is the agent's options. */
static const struct it_cmd *cmd_select(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc > 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return &cmds[i];
	return NULL;
}

/* --list-devices: one line per device on stdout. */
static int list_devices(void)
{
	int n = it_sysfs_list("/sys", stdout);

	if (n < 0) {
		it_err("cannot read /sys/class/input: %s", strerror(errno));
		return 1;
	}
	if (n == 0)
		it_notice("no input devices");
	return 0;
}

int main(int argc, char **argv)
{
	const struct it_cmd *cmd = cmd_select(argc - 1, argv + 1);
	struct it_agent *agent;
	struct it_opts o;
	char err[512];
	int rc;

	if (cmd)
		return cmd->run(argc - 1, argv + 1);
	rc = it_parse_args(argc, argv, &o, err, sizeof(err), stdout);
	if (rc > 0)
		return 0;	/* --help, --version */
	if (rc < 0) {
		it_err("%s", err);
		return 2;
	}
	if (o.list_devices)
		return list_devices();
	rc = it_agent_start(&agent, &o);
	if (rc)
		return rc;
	return it_agent_stop(agent, it_agent_run(agent));
}
