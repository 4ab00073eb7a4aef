/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * finish.h - the end of a run's output, shared by the agent (main.c) and the output
 * tests' driver (tests/output/driver.c), so that both stop the same way when the
 * output keeps failing (docs/usage.md, exit status).
 */
#ifndef IT_FINISH_H
#define IT_FINISH_H

#include <stddef.h>
#include "collector.h"

/*
 * After the capture has stopped (--count reached, --duration, SIGINT/SIGTERM): buffer
 * the final stats record (it_collector_stats), write what is buffered to every output
 * with one last attempt even when one is waiting to retry after a write error (its
 * ending()), and close each (the file sink tries once more to write the output_loss
 * record). Never waits for an output to recover: a handful of write attempts, then
 * done, however the output fails. What was written before stays intact (the sink cuts
 * back partial writes). c->st is up to date afterwards (it_collector_update_stats).
 * The outputs are closed, not freed: their owners free them.
 *
 * Returns 0 when every output ends complete: the stats record written, and any lines
 * lost earlier marked by an output_loss record. Returns -1 when one does not: msg (len
 * bytes, no "inputtrace: " prefix, no newline) then says in one line what could not be
 * written, e.g. "cannot write to /dev/full at exit: No space left on device; 1204
 * lines (96310 bytes) of this run were not written, the final stats record among
 * them"; msg is "" when the output has already said why (a write error it does not
 * retry, such as EPIPE, or a failed sync or rename at close). Further outputs that
 * end incomplete say so on stderr (it_err).
 */
int it_finish_output(struct it_collector *c, char *msg, size_t len);

#endif
