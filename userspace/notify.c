// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* notify.c - sd_notify(3) at the agent's start and stop (notify.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "log.h"
#include "notify.h"

void it_notify_ready(const char *status)
{
	int rc = sd_notifyf(0, "READY=1\nMAINPID=%d%s%s", (int)getpid(),
			    status ? "\nSTATUS=" : "", status ? status : "");

	/* 0: no $NOTIFY_SOCKET. A failure is worth a line: with Type=notify systemd
	 * will time the start out and stop the agent. */
	if (rc < 0)
		it_warn("cannot tell systemd that capture is live (sd_notify): %s", strerror(-rc));
}

void it_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
