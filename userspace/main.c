// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the inputtrace agent: parse flags, load and attach the BPF side, drain the
 * ring buffer into JSON Lines until a signal, --duration or --count, then drain what
 * is left, write the stats record and detach.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "cli.h"
#include "collector.h"
#include "ctl.h"
#include "ops.h"
#include "sink.h"
#include "sysfs.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("inputtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return vfprintf(stderr, fmt, args);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

static int set_verdict(void *ctx, uint32_t id, uint32_t verdict)
{
	return it_capture_set_verdict(ctx, id, verdict);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct it_collector col;
	static struct it_capture cap;
	static struct it_ops ops;
	struct it_sink sink;
	struct it_sink_cfg scfg;
	struct it_opts o;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	double deadline = 0;
	int rc, ret = 0;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return it_ctl_main(argc - 1, argv + 1, stdout);
	rc = it_parse_args(argc, argv, &o, err, sizeof(err), stdout);
	if (rc > 0)
		return 0;
	if (rc < 0) {
		errorf("%s", err);
		return 2;
	}
	if (o.list_devices) {
		int n = it_sysfs_list("/sys", stdout);

		if (n < 0) {
			errorf("cannot read /sys/class/input: %s", strerror(errno));
			return 1;
		}
		if (n == 0)
			fprintf(stderr, "inputtrace: no input devices\n");
		return 0;
	}

	it_sink_cfg_from_opts(&scfg, &o);
	if (it_sink_open_cfg(&sink, &scfg, err, sizeof(err))) {
		errorf("%s", err);
		return 2;
	}
	it_collector_init(&col, &o, &sink, "/sys");
	col.set_verdict = set_verdict;
	col.verdict_ctx = &cap;
	libbpf_set_print(o.verbose > 1 ? libbpf_print : libbpf_quiet);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	it_sink_catch_sighup();		/* reopen the output (logrotate) */

	rc = it_ops_prepare(&ops, &o, err, sizeof(err));
	if (rc) {
		errorf("%s", err);
		it_sink_close(&sink);
		return rc > 0 ? 2 : 1;
	}
	if (it_capture_start(&cap, &o, it_collector_on_record, &col, err, sizeof(err))) {
		errorf("%s", err);
		it_ops_finish(&ops, &col);
		it_sink_close(&sink);
		return 1;
	}
	/* pin the maps, then drop to --user: from here on no privilege is needed */
	if (it_ops_after_attach(&ops, &cap, err, sizeof(err))) {
		errorf("%s", err);
		it_capture_stop(&cap);
		it_ops_finish(&ops, &col);
		it_sink_close(&sink);
		return 1;
	}
	it_collector_present(&col);
	it_collector_flush(&col);
	if (o.keys == IT_KEYS_RAW)
		fprintf(stderr, "inputtrace: warning: --keys raw: keystroke content is being "
			"recorded (every key code as typed: the output shows what was typed)\n");
	/* the notice tests and operators wait for: from here on, nothing is missed */
	fprintf(stderr, "inputtrace: capturing input events (%s) to %s\n",
		it_attach_name(cap.used), sink.name);
	if (o.duration_s > 0)
		deadline = now_s() + o.duration_s;

	while (!stop_signal && !col.count_reached && !sink.failed) {
		int timeout = 100;
		double tick = it_ops_next_in(&ops, now_s());

		if (deadline) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		if (tick >= 0 && tick * 1000 < timeout)
			timeout = (int)(tick * 1000) + 1;
		rc = ring_buffer__poll(cap.rb, timeout);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			errorf("reading the ring buffer failed: %s", strerror(-rc));
			ret = 1;
			break;
		}
		it_ops_tick(&ops, &cap, &col, now_s());
		it_collector_flush(&col);
	}
	/* what the kernel wrote before we stopped is part of the capture */
	ring_buffer__consume(cap.rb);
	if (it_capture_counters(&cap, &col.st.k))
		errorf("cannot read the counters: %s", strerror(errno));
	it_collector_stats(&col);	/* the stats record, with the sink's counts */
	it_collector_flush(&col);
	if (it_sink_close(&sink))
		ret = 1;
	it_capture_stop(&cap);
	it_ops_finish(&ops, &col);
	if (sink.failed)
		ret = 1;
	if (col.buf.oom) {
		errorf("out of memory formatting records");
		ret = 1;
	}
	it_collector_free(&col);
	return ret;
}
