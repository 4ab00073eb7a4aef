// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * driver.c - the agent's output path without the kernel: takes the agent's own flags
 * (it_parse_args), opens the sink and the collector exactly as main.c does, and feeds
 * the collector synthetic ring buffer records (two devices with hostile names, EV_REL
 * frames, a lost_before every 1000 events) at IT_RATE events/s (default 2000) until
 * --count events, SIGINT or SIGTERM, and ends the output as the agent does
 * (it_finish_output). SIGHUP reopens the output as in the agent.
 * Used by tests/output/run.sh: this host's kernel cannot attach the agent, and these
 * tests are about the files.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "collector.h"
#include "finish.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static uint64_t ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void device(struct it_collector *c, uint32_t id, const char *name)
{
	struct it_device_rec r = { .hdr = { .kind = IT_REC_DEVICE_ADD, .dev = id } };

	r.mono_ns = ns(CLOCK_MONOTONIC);
	r.info.bustype = 3;
	r.info.vendor = 0x046d;
	r.info.product = 0xc52b;
	snprintf(r.info.name, sizeof(r.info.name), "%s", name);
	snprintf(r.info.sysname, sizeof(r.info.sysname), "input%u", id);
	it_collector_on_record(c, &r, sizeof(r));
}

int main(int argc, char **argv)
{
	static struct it_collector col;
	struct it_sink *sink;
	struct it_sink_cfg cfg;
	struct it_opts o;
	struct sigaction sa = { .sa_handler = on_stop };
	const char *r = getenv("IT_RATE");
	long rate = r ? atol(r) : 2000;
	uint64_t n = 0;
	char err[512];
	int rc;

	rc = it_parse_args(argc, argv, &o, err, sizeof(err), stdout);
	if (rc)
		return rc > 0 ? 0 : (fprintf(stderr, "driver: %s\n", err), 2);
	it_sink_cfg_from_opts(&cfg, &o);
	it_sink_cfg_user(&cfg, o.user);
	sink = it_sink_open_cfg(&cfg, err, sizeof(err));
	if (!sink) {
		fprintf(stderr, "inputtrace: %s\n", err);
		return 2;
	}
	it_sink_set_stop(sink, &stop);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	it_sink_catch_sighup();
	it_collector_init(&col, &o, sink, "/nonexistent");
	/* "capture started": complete what a killed run left, as main.c does */
	col.st.files_recovered = (uint64_t)it_sink_recover(sink);
	device(&col, 3, "Mouse \"quoted\" \\ back\tslash, comma");
	device(&col, 7, "Keyboard \xff\xfe bytes");
	it_collector_flush(&col);
	fprintf(stderr, "driver: capturing to %s\n", it_sink_name(sink));
	while (!stop && !col.count_reached && !it_sink_failed(sink)) {
		long i;

		for (i = 0; i < rate / 100 && !col.count_reached; i++, n++) {
			struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = n % 4 < 2 ? 3 : 7 } };

			e.mono_ns = ns(CLOCK_MONOTONIC);
			e.real_ns = ns(CLOCK_REALTIME);
			if (n % 2) {
				e.type = 0;	/* EV_SYN SYN_REPORT */
			} else {
				e.type = 2;	/* EV_REL REL_X */
				e.value = (int32_t)(n % 200) - 100;
			}
			if (n && n % 1000 == 0)
				e.lost_before = 3;
			it_collector_on_record(&col, &e, sizeof(e));
		}
		it_collector_flush(&col);
		usleep(10000);
	}
	/* the end as in the agent (main.c): stats record, one last attempt, close */
	rc = it_finish_output(&col, err, sizeof(err));
	if (rc && err[0])
		fprintf(stderr, "inputtrace: %s\n", err);
	it_collector_free(&col);
	it_sink_free(sink);
	return rc ? 1 : 0;
}
