/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * agent.h - the capturing agent's lifecycle, as libbpf-bootstrap's examples run:
 *
 *   it_agent_start()  open the output, load and attach the BPF side, open the control
 *                     socket and the status file, pin, drop to --user, say the notice
 *   it_agent_run()    drain the ring buffer into the output until SIGINT/SIGTERM,
 *                     --duration, --count or an output that cannot go on
 *   it_agent_stop()   detach, drain the rest, write the stats record, then undo
 *                     everything start did, in reverse order
 *
 * A failed start undoes what it did through the same cleanup path as stop, so it
 * leaves nothing behind (no new output file, no old file deleted, no pins). Messages
 * go to stderr and, with --syslog, to syslog (log.h).
 */
#ifndef IT_AGENT_H
#define IT_AGENT_H

#include "cli.h"

struct it_agent;

/*
 * Start capturing what o asks (o must outlive the agent). Returns 0 with *out set, or
 * the exit status (2 bad usage, such as an output that cannot be opened; 1 capture
 * impossible here) after one line on stderr saying why; *out is then NULL and nothing
 * is left to undo.
 */
int it_agent_start(struct it_agent **out, const struct it_opts *o);

/* The capture loop. Returns 0 when it ended as asked (or the output failed: stop says
 * so), 1 when reading the ring buffer failed. */
int it_agent_run(struct it_agent *a);

/* Stop, finish the output and free a. Returns the exit status: status (what
 * it_agent_run returned) or 1 when the output did not end complete. */
int it_agent_stop(struct it_agent *a, int status);

#endif
