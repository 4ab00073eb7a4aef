/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ctl.h - `inputtrace ctl COMMAND`: talk to a running agent through its pinned maps. */
#ifndef IT_CTL_H
#define IT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "inputtrace.h"

/* `inputtrace ctl ...` (argv[0] is "ctl"). Returns the exit status: 0, 1 (no agent,
 * cannot read), 2 (bad usage). */
int it_ctl_main(int argc, char **argv, FILE *out);

/* Sum n per-CPU copies of the counters. */
void it_counters_sum(const struct it_counters *v, int n, struct it_counters *sum);

/* Print the status of the agent whose maps are pinned in dir: counters summed over
 * CPUs, devices, settings; a table, or one JSON object with json. Returns 0, or -1
 * with a one-line reason in err. */
int it_ctl_status(const char *dir, bool json, FILE *out, char *err, size_t errlen);

#endif
