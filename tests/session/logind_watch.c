// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * logind_watch.c - the session test's program (tests/session/run.py): follows seat0
 * with userspace/logind.c as the agent would, from a poll loop, and prints one line
 * per state change:
 *   state record=0|1 why=NAME uid=N session=ID locked=0|1 cause_ns=T cb_ns=T
 * (times: CLOCK_MONOTONIC ns; cause: when the causing D-Bus message was dispatched,
 * cb: when the callback ran). Stops at EOF on stdin. An open failure is one line on
 * stderr and exit 1, as the agent would do for opt-in/opt-out.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "logind.h"

static void on_change(const struct it_session_state *s, void *ud)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("state record=%d why=%s uid=%d session=%s locked=%d cause_ns=%llu cb_ns=%llu\n",
	       s->record, it_why_name(s->why), (int)s->uid, s->session[0] ? s->session : "-",
	       s->locked, (unsigned long long)s->cause_ns,
	       (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct it_logind *l;
	char err[256];

	if (it_logind_open(&l, argc > 1 ? argv[1] : NULL, on_change, NULL, err, sizeof(err))) {
		it_err("%s", err);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = it_logind_fd(l), .events = it_logind_events(l) },
			{ .fd = 0, .events = POLLIN },
		};
		char buf[64];
		int r = poll(p, 2, it_logind_timeout_ms(l));

		if (r < 0 && errno != EINTR)
			break;
		if (p[1].revents && read(0, buf, sizeof(buf)) <= 0)
			break;
		r = it_logind_process(l);
		if (r < 0) {
			it_err("logind connection failed: %s", strerror(-r));
			break;
		}
	}
	it_logind_close(l);
	return 0;
}
