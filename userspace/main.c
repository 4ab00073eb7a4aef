// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the inputtrace agent: parse flags, load and attach the BPF side, drain the
 * ring buffer into JSON Lines until a signal, --duration or --count, then drain what
 * is left, write the stats record and detach.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <syslog.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <libevdev/libevdev.h>
#include "capture.h"
#include "control.h"
#include "cli.h"
#include "collector.h"
#include "ctl.h"
#include "finish.h"
#include "ops.h"
#include "sink.h"
#include "sysfs.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void notice(bool to_syslog, int prio, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "inputtrace: %s\n", msg);
	if (to_syslog)
		syslog(prio, "%s", msg);
}

/* Pausing's hooks (control.h, struct it_pause_ops): the kernel's switch, the drain
 * before the pause record, the record itself. */
static int pause_kernel(void *cap, bool paused)
{
	return it_capture_set_paused(cap, paused);
}

static void pause_drain(void *cap)
{
	ring_buffer__consume(((struct it_capture *)cap)->rb);
}

static void pause_record(void *ctx, bool pause, const struct it_ctl_req *r, uint64_t mono,
			 uint64_t real)
{
	struct it_collector *col = ctx;

	if (!col->count_reached)
		it_rec_control(&col->buf, col->o->format == IT_FMT_CSV, pause, r, mono, real);
	it_collector_flush(col);
}

/* "all" or "EV_SYN,EV_KEY" */
static void types_text(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;
	int t;

	buf[0] = 0;
	if (mask == 0xffffffffu) {
		snprintf(buf, len, "all");
		return;
	}
	for (t = 0; t < 32; t++) {
		const char *name = libevdev_event_type_get_name((unsigned int)t);

		if (!(mask & (1u << t)))
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "", name ? name : "?");
		if (n >= len)
			return;
	}
}

/* the captured devices as one line: inputN "name", ... */
static void devices_text(const struct it_collector *col, char *buf, size_t len, bool captured)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < IT_COLLECTOR_DEV_SLOTS && n < len; i++) {
		const struct it_dev_state *d = &col->devs[i];

		if (!d->used || !d->announced || d->capture != captured || d->removed)
			continue;
		n += snprintf(buf + n, len - n, "%sinput%u \"%s\"%s%s", n ? ", " : "", d->id,
			      d->has_info ? d->info.name : "", d->node[0] ? " " : "", d->node);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static void specs_text(const struct it_devspec *s, int n, char *buf, size_t len)
{
	size_t k = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && k < len; i++)
		k += snprintf(buf + k, len - k, "%s%s", i ? ", " : "", s[i].text);
}

/* One warning per --device/--exclude-device spec that matches no device present now: a
 * typo, or a device not plugged in yet (at boot, say). The spec is kept: it applies to
 * devices that appear later. Nothing is said when sysfs cannot be read. */
static void warn_unmatched(const struct it_opts *o)
{
	struct it_devinfo *devs;
	bool un[IT_MAX_SPECS];
	char spec[300];
	long maxid = -1;
	int ndev, k, i;

	if (!o->n_devices && !o->n_exclude)
		return;
	ndev = it_sysfs_devinfos("/sys", &devs);
	if (ndev < 0)
		return;
	/* the input core numbers devices from a counter (input_allocate_device()): an inputN
	 * below the highest present will never come back */
	for (i = 0; i < ndev; i++) {
		long id = strncmp(devs[i].sysname, "input", 5) ? -1 : strtol(devs[i].sysname + 5, NULL, 10);

		if (id > maxid)
			maxid = id;
	}
	for (k = 0; k < 2; k++) {
		const struct it_devspec *s = k ? o->exclude : o->devices;
		int n = k ? o->n_exclude : o->n_devices;

		it_devspec_unmatched(s, n, devs, ndev, un);
		for (i = 0; i < n; i++) {
			if (!un[i])
				continue;
			it_devspec_format(&s[i], spec, sizeof(spec));
			if (s[i].kind == IT_SPEC_SYSNAME &&
			    strtol(s[i].sysname + 5, NULL, 10) < maxid)
				notice(o->syslog, LOG_WARNING, "warning: %s '%s' matches no device present "
				       "now, and never will (input device numbers are not reused; the "
				       "highest now is input%ld)", k ? "--exclude-device" : "--device", spec,
				       maxid);
			else
				notice(o->syslog, LOG_WARNING, "warning: %s '%s' matches no device present "
				       "now; it will apply to devices that appear later",
				       k ? "--exclude-device" : "--device", spec);
		}
	}
	free(devs);
}

static const char *keys_meaning(enum it_keys_mode m)
{
	switch (m) {
	case IT_KEYS_CLASS: return "key codes replaced by their class in the kernel; typed text is not recorded";
	case IT_KEYS_SHORTCUTS: return "key codes replaced by their class, except keys pressed with Ctrl/Alt/Meta held; typed text is not recorded";
	case IT_KEYS_NONE: return "key events dropped in the kernel (counted only)";
	case IT_KEYS_RAW: return "every key code as typed: typed text IS recorded";
	}
	return "?";
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

/* True when a and b name the same file: the same inode if both exist, else the same
 * text. NULL, "-" and "none" name no file. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-") || !strcmp(a, "none") || !strcmp(b, "none"))
		return false;
	if (!stat(a, &sa) && !stat(b, &sb))
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return !strcmp(a, b);
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
	static struct it_control ctl = { .fd = -1 };
	static struct it_pause_state ps = { .status = { .fd = -1 }, .ops = { .set_kernel = pause_kernel,
		.drain = pause_drain, .record = pause_record, .kctx = &cap, .rctx = &col } };
	static char devs_on[8192], devs_off[8192], types[512], excl[4096], sel[4096], ctlinfo[256];
	static char why_off[8400];
	static char pointer[64];
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

	if (same_file(o.output, o.metrics_file) || same_file(o.output, o.status_file) ||
	    same_file(o.metrics_file, o.status_file)) {
		errorf("--output, --metrics-file and --status-file must be different files");
		return 2;
	}
	if (o.control_group && !getgrnam(o.control_group)) {
		errorf("invalid --control-group '%s': no such group", o.control_group);
		return 2;
	}
	it_sink_cfg_from_opts(&scfg, &o);
	if (it_sink_open_cfg(&sink, &scfg, err, sizeof(err))) {
		errorf("%s", err);
		return 2;
	}
	sink.stop = &stop_signal;	/* after SIGINT/SIGTERM, writes to a pipe are bounded */
	it_collector_init(&col, &o, &sink, "/sys");
	col.set_verdict = set_verdict;
	col.verdict_ctx = &cap;
	libbpf_set_print(o.verbose > 1 ? libbpf_print : libbpf_quiet);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	it_pause_catch_signals();	/* SIGUSR1 pause, SIGUSR2 resume */
	signal(SIGPIPE, SIG_IGN);
	if (o.syslog)
		openlog("inputtrace", LOG_PID, LOG_DAEMON);
	it_log_syslog(o.syslog);	/* the control module's messages */
	it_sink_catch_sighup();		/* reopen the output (logrotate) */

	rc = it_ops_prepare(&ops, &o, err, sizeof(err));
	ops.sink = &sink;	/* --user: given to the user before the switch */
	if (rc) {
		errorf("%s", err);
		it_sink_abort(&sink);
		return rc > 0 ? 2 : 1;
	}
	/* before attaching, so that a mistyped spec shows even when attaching fails */
	warn_unmatched(&o);
	if (it_capture_start(&cap, &o, it_collector_on_record, &col, err, sizeof(err))) {
		errorf("%s", err);
		it_ops_finish(&ops, &col);
		it_sink_abort(&sink);
		return 1;
	}
	/* the control socket and the status file, while still root (in /run) */
	if (o.control_socket) {
		struct group *g = NULL;

		if (o.control_group && !(g = getgrnam(o.control_group)))
			snprintf(err, sizeof(err), "--control-group %s: no such group", o.control_group);
		if ((o.control_group && !g) ||
		    it_control_open(&ctl, o.control_socket, g != NULL, g ? g->gr_gid : 0, err, sizeof(err))) {
			errorf("%s", err);
			it_capture_stop(&cap);
			it_ops_finish(&ops, &col);
			it_sink_abort(&sink);
			return 1;
		}
		snprintf(ctlinfo, sizeof(ctlinfo), "%s (root%s%s, SIGUSR1/SIGUSR2)", o.control_socket,
			 o.control_group ? " and group " : " only", o.control_group ? o.control_group : "");
	} else {
		snprintf(ctlinfo, sizeof(ctlinfo), "SIGUSR1/SIGUSR2 only (no --control-socket)");
	}
	types_text(o.type_mask, types, sizeof(types));
	if (o.pointer == IT_POINTER_COARSE)
		snprintf(pointer, sizeof(pointer), "coarse grid=%u", o.pointer_grid);
	else
		snprintf(pointer, sizeof(pointer), "exact");
	specs_text(o.exclude, o.n_exclude, excl, sizeof(excl));
	specs_text(o.devices, o.n_devices, sel, sizeof(sel));
	/* why devices are not captured: the rules as given, each by its flag */
	snprintf(why_off, sizeof(why_off), "%s%s%s%s%s%s%s", o.n_devices || o.n_exclude ? " (" : "",
		 o.n_devices ? "not matching --device " : "", o.n_devices ? sel : "",
		 o.n_devices && o.n_exclude ? ", or " : "",
		 o.n_exclude ? "matching --exclude-device " : "", o.n_exclude ? excl : "",
		 o.n_devices || o.n_exclude ? ")" : "");
	ps.status = (struct it_status){ .path = o.status_file, .fd = -1, .pid = getpid(),
		.keys = it_keys_name(o.keys), .pointer = pointer, .types = types, .devices = devs_on, .exclude = excl,
		.output = sink.name, .format = it_format_name(o.format), .control = ctlinfo };
	{
		uint64_t mono;

		it_clock_pair(&mono, &ps.status.since_real_ns);
	}
	snprintf(devs_on, sizeof(devs_on), "(starting)");
	if (it_status_open(&ps.status)) {
		errorf("cannot write the status file %s: %s (--status-file PATH or none)",
		       o.status_file, errno == EBUSY ? "another inputtrace agent is using it" :
		       errno == EEXIST ? "it exists and is not an inputtrace status file" : strerror(errno));
		it_control_close(&ctl);
		it_capture_stop(&cap);
		it_ops_finish(&ops, &col);
		it_sink_abort(&sink);
		return 1;
	}
	/* capture is attached: complete what a crashed run left as .tmp, while still
	 * privileged (those files may be root's; a failed start before here touched
	 * nothing) */
	col.st.files_recovered = (uint64_t)it_sink_recover(&sink);
	/* pin the maps, then drop to --user: from here on no privilege is needed */
	if (it_ops_after_attach(&ops, &cap, err, sizeof(err))) {
		errorf("%s", err);
		it_status_remove(&ps.status);
		it_control_close(&ctl);
		it_capture_stop(&cap);
		it_ops_finish(&ops, &col);
		it_sink_abort(&sink);
		return 1;
	}
	/* capture runs: only now may retention delete old files (a failed start deletes
	 * nothing) */
	it_sink_retention(&sink);
	it_collector_present(&col);
	it_collector_flush(&col);
	if (o.keys == IT_KEYS_RAW)
		fprintf(stderr, "inputtrace: warning: --keys raw: keystroke content is being "
			"recorded (every key code as typed: the output shows what was typed)\n");
	/* transparency (README "Transparency"): what is recorded, to stderr and syslog */
	devices_text(&col, devs_on, sizeof(devs_on), true);
	devices_text(&col, devs_off, sizeof(devs_off), false);
	it_status_write(&ps.status);
	notice(o.syslog, LOG_NOTICE, "notice: recording input events of this computer to %s (%s)",
	       sink.name, it_format_name(o.format));
	notice(o.syslog, LOG_NOTICE, "notice: devices captured: %s", devs_on);
	notice(o.syslog, LOG_NOTICE, "notice: devices not captured (dropped in the kernel): %s%s",
	       devs_off, why_off);
	notice(o.syslog, LOG_NOTICE, "notice: event types: %s", types);
	notice(o.syslog, o.keys == IT_KEYS_RAW ? LOG_WARNING : LOG_NOTICE, "notice: keys: %s (%s)%s",
	       it_keys_name(o.keys), keys_meaning(o.keys),
	       o.keys == IT_KEYS_RAW ? "" : "; scan codes (MSC_SCAN/MSC_RAW) never recorded");
	if (o.pointer == IT_POINTER_COARSE)
		notice(o.syslog, LOG_NOTICE, "notice: pointer: coarse (absolute positions floored to a "
		       "grid of %u device units in the kernel; relative motion exact)", o.pointer_grid);
	else
		notice(o.syslog, LOG_NOTICE, "notice: pointer: exact (absolute positions as the device "
		       "reports them)");
	notice(o.syslog, LOG_NOTICE, "notice: pause and resume: %s; status file: %s", ctlinfo,
	       o.status_file ? o.status_file : "none");
	col.st.missed_counted = it_capture_misses_counted(cap.used);
	if (cap.used == IT_ATTACH_KPROBE)
		notice(o.syslog, LOG_WARNING, "warning: kprobe mode: input an interrupt delivers while "
		       "another BPF program or a bpf() map call runs on the same CPU is skipped by the "
		       "kernel%s; fentry has no such gap", col.st.missed_counted ?
		       " (counted: stats missed_frames)" : ", and this kernel (before 6.7) does not count it");
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
		/* the ring buffer and the control socket's clients, whichever comes first */
		rc = it_control_wait(&ctl, ring_buffer__epoll_fd(cap.rb), timeout);
		if (rc >= 0)
			rc = ring_buffer__consume(cap.rb);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			errorf("reading the ring buffer failed: %s", strerror(-rc));
			ret = 1;
			break;
		}
		it_ops_tick(&ops, &cap, &col, now_s());
		it_control_tick(&ctl, &ps, now_s());	/* pause signals, control requests */
		it_collector_flush(&col);
	}
	/* stop the programs, then drain what they wrote: it is part of the capture, and
	 * the counters read after it match what was drained */
	it_capture_detach(&cap);
	ring_buffer__consume(cap.rb);
	if (it_capture_counters(&cap, &col.st.k))
		errorf("cannot read the counters: %s", strerror(errno));
	col.st.missed_frames = it_capture_missed_frames(&cap);
	if (col.st.missed_frames)
		notice(o.syslog, LOG_WARNING, "warning: the kernel skipped the capture programs for %llu "
		       "frames (%s mode): those events are not recorded",
		       (unsigned long long)col.st.missed_frames, it_attach_name(cap.used));
	/* the stats record, one last write attempt and close: bounded however the output
	 * fails; one line says what could not be written */
	if (it_finish_output(&col, err, sizeof(err))) {
		if (err[0])
			errorf("%s", err);
		ret = 1;
	}
	it_capture_stop(&cap);
	it_ops_finish(&ops, &col);
	it_control_close(&ctl);
	it_status_remove(&ps.status);
	if (sink.failed)
		ret = 1;
	if (col.buf.oom) {
		errorf("out of memory formatting records");
		ret = 1;
	}
	it_collector_free(&col);
	return ret;
}
