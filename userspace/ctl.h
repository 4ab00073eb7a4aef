/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ctl.h - `inputtrace ctl COMMAND`: talk to a running agent through its pinned maps,
 * its control socket or its status file. */
#ifndef IT_CTL_H
#define IT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "inputtrace.h"

/* `inputtrace ctl ...` (argv[0] is "ctl"). Returns the exit status: 0, 1 (no agent,
 * cannot read), 2 (bad usage). */
int it_ctl_main(int argc, char **argv, FILE *out);

/* Print the status of the agent whose maps are pinned in dir: counters summed over
 * CPUs, devices, settings; a table, or one JSON object with json. Returns 0, or -1
 * with a one-line reason in err. */
int it_ctl_status(const char *dir, bool json, FILE *out, char *err, size_t errlen);

/*
 * Print the status of an agent through what exists without pinned maps: its state
 * ("capturing" or "paused") and pid from its control socket sock (a "status" request;
 * NULL: not asked), and its pid, state, since, settings, devices and output from its
 * status file status_file (NULL: not read). Text: a line "agent pid N: STATE (from
 * ...)" then the status file's key=value lines; json: one object {"state", "pid",
 * "control_socket", "status_file", and the status file's keys as strings}. The socket
 * wins for the state; a status file is used only when it names a running process and
 * not state=stopped. Returns 0; -1 with one line in err: "no agent: cannot connect to
 * SOCK: ERROR; no status file FILE" (or "status file FILE names pid N, which is not
 * running", "... says stopped") when neither shows a running agent, or "the agent on
 * SOCK answered: error: ..." when it refused and no status file stands in.
 */
int it_ctl_agent_status(const char *sock, const char *status_file, bool json, FILE *out,
			char *err, size_t errlen);

/* The "devices:" table of `ctl status` (plain): one line per device, id, verdict,
 * sysname and name, the strings escaped (text.h). */
void it_ctl_devices_plain(const struct it_device *devs, int n, FILE *out);

#endif
