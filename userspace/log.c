// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * log.c - see log.h.
 */
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include "log.h"

static bool to_syslog;

void it_log_syslog(bool on)
{
	static bool opened;

	if (on && !opened) {
		openlog("inputtrace", LOG_PID, LOG_DAEMON);
		opened = true;
	}
	to_syslog = on;
}

void it_vlog(int prio, const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "inputtrace: %s\n", msg);
	if (to_syslog)
		syslog(prio, "%s", msg);
}

void it_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	it_vlog(prio, fmt, ap);
	va_end(ap);
}

void it_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	it_vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void it_warn(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	it_log(LOG_WARNING, "warning: %s", msg);
}

void it_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	it_vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void it_log_limited(struct it_log_limit *l, int prio, const char *fmt, ...)
{
	double every = l->interval_s > 0 ? l->interval_s : 10;
	struct timespec ts;
	char msg[4096];
	va_list ap;
	double now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	if (l->last && now - l->last < every) {
		l->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->suppressed)
		it_log(prio, "%s (%lu similar messages suppressed)", msg, l->suppressed);
	else
		it_log(prio, "%s", msg);
	l->last = now;
	l->suppressed = 0;
}
