/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * log.h - the agent's messages: one line each on stderr, prefixed "inputtrace: ", and
 * also to syslog (facility LOG_DAEMON, ident "inputtrace") once it_log_syslog(true)
 * was called (--syslog). Every module logs through these, so the prefix and the
 * syslog copy are decided in one place.
 *
 * Text is passed through as given: callers escape outside text (device names) first.
 */
#ifndef IT_LOG_H
#define IT_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Also send every message to syslog from now on (openlog is called once). */
void it_log_syslog(bool on);

/* One message at syslog priority prio (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO).
 * stderr gets "inputtrace: " + text + "\n"; syslog gets the text alone. */
void it_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void it_vlog(int prio, const char *fmt, va_list ap);

/* Shorthands: an error (LOG_ERR), a warning (LOG_WARNING: "warning: " is added to
 * the text), a notice (LOG_NOTICE). */
void it_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void it_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void it_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A message at most once per interval_s seconds of CLOCK_MONOTONIC per limiter (a
 * static struct per call site): the ones held back are counted and the next one that
 * goes out says "(N similar messages suppressed)". For what outsiders can cause at
 * will (bad control requests, bad focus reports).
 */
struct it_log_limit {
	double interval_s;	/* 0: 10 s */
	double last;		/* CLOCK_MONOTONIC seconds of the last one out */
	unsigned long suppressed;
};
void it_log_limited(struct it_log_limit *l, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
