/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * notify.h - tell the service manager what the agent is doing (sd_notify(3), libsystemd):
 * READY=1 once capture is live, so that with Type=notify `systemctl start` returns
 * only then (and fails when the agent exits before); STOPPING=1 when it ends; STATUS=
 * a line `systemctl status` shows. Without $NOTIFY_SOCKET (not started by systemd)
 * nothing is sent.
 */
#ifndef IT_NOTIFY_H
#define IT_NOTIFY_H

/* READY=1 with STATUS=status (a short line, may be NULL) and MAINPID. */
void it_notify_ready(const char *status);

/* STOPPING=1. */
void it_notify_stopping(void);

#endif
