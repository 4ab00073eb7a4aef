// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * agent.c - start, run and stop the capturing agent (agent.h): one setup order, one
 * cleanup path that undoes it in reverse.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "agent.h"
#include "agent_focus.h"
#include "agent_part.h"
#include "capture.h"
#include "collector.h"
#include "control.h"
#include "finish.h"
#include "log.h"
#include "notice.h"
#include "notify.h"
#include "ops.h"
#include "shipper.h"
#include "sink.h"
#include "stage_intervals.h"
#include "stream.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* The session tracking's news for the focus feature (agent_part.h, on_active). */
static void focus_active(void *focus, bool known, uid_t uid)
{
	it_agent_focus_set_active_uid(focus, known, uid);
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

static void pause_record(void *col, bool pause, const struct it_ctl_req *r, uint64_t mono,
			 uint64_t real)
{
	it_collector_control(col, pause, r, mono, real);
	it_stage_intervals_pause(col);	/* --record intervals: a gap in the input */
	it_collector_flush(col);
}

struct it_agent {
	const struct it_opts *o;
	/* the output (sink.h) and what feeds it (collector.h) */
	struct it_sink *sink;
	bool output_open;		/* it_sink_open_cfg() succeeded */
	bool output_closed;		/* it_finish_output() closed it */
	struct it_collector col;
	struct it_stage *intervals;	/* --record intervals: in place of the raw writer */
	/* stream and seq in every JSON Lines record of a file (stream.h), and the Kafka
	 * shipper that delivers the file as a spool (shipper.h, docs/kafka.md) */
	struct it_stream stream;
	bool stream_open;
	char state_dir[PATH_MAX];	/* the -o directory, or the -o file's directory */
	char host[64];			/* it_sink_hostname; -o FILE: HOST-FILE */
	rd_kafka_conf_t *kconf;		/* built before the drop to --user; given to the shipper */
	struct it_shipper *sh;
	/* around the capture, in the order start sets them up */
	struct it_ops ops;
	struct it_capture cap;
	struct it_control ctl;
	struct it_pause_state ps;	/* its status: the status file */
	struct it_agent_focus focus;	/* focus reports, tool records (docs/context.md) */
	struct it_notice_text text;	/* the notice; the status file points into it */
	struct it_agent_part part;	/* participation: logind, choices, subject */
	double deadline;		/* CLOCK_MONOTONIC seconds of --duration's end; 0 none */
	double status_at;		/* with Kafka: the status file rewritten then (its counters) */
};

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

/* What the options alone cannot be, given this machine's files and groups. */
static int check_opts(const struct it_opts *o)
{
	if (same_file(o->output, o->metrics_file) || same_file(o->output, o->status_file) ||
	    same_file(o->metrics_file, o->status_file)) {
		it_err("--output, --metrics-file and --status-file must be different files");
		return -1;
	}
	if (o->control_group && !getgrnam(o->control_group)) {
		it_err("invalid --control-group '%s': no such group", o->control_group);
		return -1;
	}
	return 0;
}

/* Stream and seq for a JSON Lines file (not stdout: no place to keep the stream), kept
 * beside the records: in the -o directory, or the -o file's directory. Opened once
 * capture is attached (a failed start leaves no stream file) and while still
 * privileged, before anything is written. */
static int open_stream(struct it_agent *a)
{
	const struct it_opts *o = a->o;
	char err[768], copy[PATH_MAX], base[PATH_MAX];
	size_t l;

	if (o->format != IT_FMT_JSONL || !strcmp(o->output, "-"))
		return 0;
	snprintf(copy, sizeof(copy), "%s", o->output);
	snprintf(a->state_dir, sizeof(a->state_dir), "%s",
		 it_sink_is_dir(a->sink) ? o->output : dirname(copy));
	it_sink_hostname(a->host, sizeof(a->host));
	if (!it_sink_is_dir(a->sink)) {
		/* one stream (and Kafka state) per file: agents writing files side by side
		 * in one directory must not share a stream */
		snprintf(copy, sizeof(copy), "%s", o->output);
		snprintf(base, sizeof(base), "%s", basename(copy));
		l = strlen(a->host);
		snprintf(a->host + l, sizeof(a->host) - l, "-%s", base);
	}
	if (it_stream_open(&a->stream, a->state_dir, a->host, o->output, err, sizeof(err))) {
		it_err("%s", err);
		return -1;
	}
	a->stream_open = true;
	it_sink_set_stream(a->sink, &a->stream);
	if (o->kafka.brokers) {
		/* now, while the --kafka-config file can still be read (it is 0600) */
		a->kconf = it_kafka_conf_build(&o->kafka, err, sizeof(err));
		if (!a->kconf) {
			it_err("%s", err);
			return -1;
		}
	}
	return 0;
}

/* The shipper, after the drop to --user (the network code runs unprivileged). Brokers
 * that cannot be reached are no error: capture starts, the spool grows. */
static int start_shipper(struct it_agent *a)
{
	const struct it_opts *o = a->o;
	struct it_shipper_cfg c = { .spool = o->output, .state_dir = a->state_dir,
		.host = a->host, .key_host = a->col.host.host, .boot_id = a->col.host.boot_id,
		.topic = o->kafka.topic, .stream = &a->stream,
		.spool_max_bytes = o->kafka.spool_max_bytes };
	rd_kafka_conf_t *conf = a->kconf;
	char err[768];

	if (!conf)
		return 0;
	a->kconf = NULL;	/* the shipper takes it, also on failure */
	a->sh = it_shipper_start(&c, conf, err, sizeof(err));
	if (!a->sh) {
		it_err("%s", err);
		return -1;
	}
	it_sink_set_may_delete(a->sink, it_shipper_may_delete, a->sh);
	a->col.shipper = a->sh;		/* the stats record and --metrics-file */
	a->ps.status.shipper = a->sh;	/* the status file: ctl status */
	return 0;
}

/* The output and the collector that writes to it (sink.h, collector.h). */
static int open_output(struct it_agent *a)
{
	struct it_sink_cfg scfg;
	char err[512];

	it_sink_cfg_from_opts(&scfg, a->o);
	it_sink_cfg_user(&scfg, a->o->user);
	a->sink = it_sink_open_cfg(&scfg, err, sizeof(err));
	if (!a->sink) {
		it_err("%s", err);
		return -1;
	}
	a->output_open = true;
	it_sink_set_stop(a->sink, &stop_signal);	/* after SIGINT/SIGTERM, writes to a pipe are bounded */
	if (it_collector_init(&a->col, a->o, a->sink, "/sys")) {
		it_err("out of memory setting up the %s format", it_format_name(a->o->format));
		return -1;
	}
	a->col.set_verdict = set_verdict;
	a->col.verdict_ctx = &a->cap;
	if (a->o->record == IT_RECORD_INTERVALS &&
	    (!(a->intervals = it_stage_intervals_new(a->o)) ||
	     it_stage_intervals_use(&a->col, a->intervals))) {
		it_err("out of memory setting up --record intervals");
		return -1;
	}
	return 0;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	it_pause_catch_signals();	/* SIGUSR1 pause, SIGUSR2 resume */
	signal(SIGPIPE, SIG_IGN);
	it_sink_catch_sighup();		/* reopen the output (logrotate) */
}

/* The control socket and the status file, while still root (in /run). */
static int open_control(struct it_agent *a)
{
	const struct it_opts *o = a->o;
	struct it_status *st = &a->ps.status;
	struct group *g = NULL;
	uint64_t mono;
	char err[512];

	if (o->control_socket) {
		if (o->control_group && !(g = getgrnam(o->control_group)))
			snprintf(err, sizeof(err), "--control-group %s: no such group", o->control_group);
		if ((o->control_group && !g) ||
		    it_control_open(&a->ctl, o->control_socket, g != NULL, g ? g->gr_gid : 0, err,
				    sizeof(err))) {
			it_err("%s", err);
			return -1;
		}
	}
	*st = (struct it_status){ .path = o->status_file, .fd = -1, .pid = getpid(),
		.keys = it_keys_name(o->keys), .pointer = a->text.pointer, .types = a->text.types,
		.devices = a->text.devs_on, .exclude = a->text.exclude, .output = it_sink_name(a->sink),
		.format = it_format_name(o->format), .control = a->text.control,
		.record = it_record_name(o->record) };
	it_clock_pair(&mono, &st->since_real_ns);
	if (it_status_open(st)) {
		it_err("cannot write the status file %s: %s (--status-file PATH or none)",
		       o->status_file, errno == EBUSY ? "another inputtrace agent is using it" :
		       errno == EEXIST ? "it exists and is not an inputtrace status file" : strerror(errno));
		return -1;
	}
	return 0;
}

/* Capture runs: the first records, the status file and the notice. */
static void begin(struct it_agent *a)
{
	/* only now may retention delete old files (a failed start deletes nothing) */
	it_sink_retention(a->sink);
	it_collector_present(&a->col);
	it_collector_flush(&a->col);
	it_notice_text_devices(&a->text, &a->col);
	it_status_write(&a->ps.status);
	it_agent_focus_begin(&a->focus);	/* its notice line, the first focus record */
	a->col.st.missed_counted = it_capture_misses_counted(a->cap.used);
	/* transparency (docs/data-contract.md "Transparency"): what is recorded, to stderr and syslog */
	it_notice_start(&a->text, a->o, it_sink_name(a->sink), a->cap.used, a->col.st.missed_counted);
	if (a->o->duration_s > 0)
		a->deadline = now_s() + a->o->duration_s;
}

/* Undo what start set up, in reverse order. Every step is safe on a part that was
 * never set up (or already closed), so a failed start and stop share it. */
static void cleanup(struct it_agent *a)
{
	it_status_remove(&a->ps.status);
	it_agent_part_close(&a->part);
	it_agent_focus_close(&a->focus);
	it_control_close(&a->ctl);
	it_capture_stop(&a->cap);
	it_ops_finish(&a->ops, &a->col);	/* the last metrics; the pins removed */
	if (a->sh) {
		/* after the output is finished: the last records, the stats record, are in
		 * the spool; what is not acknowledged in 5 s goes with the next run */
		it_sink_set_may_delete(a->sink, NULL, NULL);
		a->col.shipper = NULL;
		it_shipper_stop(a->sh, 5);
		a->sh = NULL;
	}
	if (a->kconf)
		rd_kafka_conf_destroy(a->kconf);
	if (a->stream_open)
		it_stream_close(&a->stream);	/* saves the next seq */
	it_collector_free(&a->col);
	it_stage_intervals_free(a->intervals);
	if (a->output_open && !a->output_closed)
		it_sink_abort(a->sink);	/* a failed start: no new file left behind */
	it_sink_free(a->sink);
	free(a);
}

int it_agent_start(struct it_agent **out, const struct it_opts *o)
{
	struct it_agent *a;
	char err[512];
	int rc, ret = 1;

	*out = NULL;
	if (o->syslog)
		it_log_syslog(true);
	a = calloc(1, sizeof(*a));
	if (!a) {
		it_err("out of memory");
		return 1;
	}
	a->o = o;
	a->ops.pin.dirfd = -1;
	a->ctl.fd = -1;
	a->ps.status.fd = -1;
	a->part.dirfd = -1;
	a->part.watched_fd = -1;
	a->ps.ops = (struct it_pause_ops){ .set_kernel = pause_kernel, .drain = pause_drain,
		.record = pause_record, .kctx = &a->cap, .rctx = &a->col };
	it_notice_text_init(&a->text, o);
	if (check_opts(o) || open_output(a)) {
		ret = 2;
		goto cleanup;
	}
	libbpf_set_print(o->verbose > 1 ? libbpf_print : libbpf_quiet);
	catch_signals();
	rc = it_ops_prepare(&a->ops, o, err, sizeof(err));
	a->ops.sink = a->sink;	/* --user: given to the user before the switch */
	if (rc) {
		it_err("%s", err);
		ret = rc > 0 ? 2 : 1;
		goto cleanup;
	}
	/* before attaching, so that a mistyped spec shows even when attaching fails */
	it_notice_unmatched(o, "/sys");
	if (it_agent_part_open(&a->part, o, &a->col, &a->ctl, &a->cap.start_paused))
		goto cleanup;
	a->part.on_active = focus_active;	/* focus reports: the active session's user */
	a->part.on_active_ctx = &a->focus;
	if (it_capture_start(&a->cap, o, it_collector_on_record, &a->col, err, sizeof(err))) {
		it_err("%s", err);
		goto cleanup;
	}
	if (open_control(a) || it_agent_focus_start(&a->focus, o, &a->ctl, &a->ps, &a->col,
						     a->ctl.have_gid, a->ctl.gid))
		goto cleanup;
	/* capture is attached: complete what a crashed run left as .tmp, while still
	 * privileged (those files may be root's; a failed start before here touched
	 * nothing) */
	a->col.st.files_recovered = (uint64_t)it_sink_recover(a->sink);
	/* stream and seq continue after the records of the files just completed */
	if (open_stream(a))
		goto cleanup;
	/* pin the maps, then drop to --user: from here on no privilege is needed */
	if (it_ops_after_attach(&a->ops, &a->cap, err, sizeof(err))) {
		it_err("%s", err);
		goto cleanup;
	}
	if (start_shipper(a)) {
		ret = 2;
		goto cleanup;
	}
	begin(a);
	it_agent_part_arm(&a->part, &a->col, &a->ps);
	it_notify_ready("capturing");	/* systemd (Type=notify): the start is done */
	*out = a;
	return 0;
cleanup:
	cleanup(a);
	return ret;
}

/* The poll timeout in ms: 100, or less to meet --duration's end or the next ops tick;
 * -1 once --duration is over. */
static int poll_timeout(const struct it_agent *a)
{
	double tick = it_ops_next_in(&a->ops, now_s());
	int timeout = 100;

	if (a->deadline) {
		double left = a->deadline - now_s();

		if (left <= 0)
			return -1;
		if (left * 1000 < timeout)
			timeout = (int)(left * 1000) + 1;
	}
	if (tick >= 0 && tick * 1000 < timeout)
		timeout = (int)(tick * 1000) + 1;
	return timeout;
}

int it_agent_run(struct it_agent *a)
{
	while (!stop_signal && !a->col.count_reached && !it_sink_failed(a->sink)) {
		int timeout = poll_timeout(a), rc;

		if (timeout < 0)
			break;
		/* the ring buffer and the control socket's clients, never blocked by either */
		rc = it_control_wait(&a->ctl, ring_buffer__epoll_fd(a->cap.rb), timeout);
		if (rc >= 0)
			rc = ring_buffer__consume(a->cap.rb);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			it_err("reading the ring buffer failed: %s", strerror(-rc));
			return 1;
		}
		it_ops_tick(&a->ops, &a->cap, &a->col, now_s());
		it_control_tick(&a->ctl, &a->ps, now_s());	/* pause signals, control requests */
		it_agent_part_tick(&a->part, now_s());		/* logind's timeouts, reconnecting */
		if (a->sh && now_s() - a->status_at >= 1) {	/* the delivery counters */
			a->status_at = now_s();
			it_status_write(&a->ps.status);
		}
		it_collector_flush(&a->col);
	}
	return 0;
}

int it_agent_stop(struct it_agent *a, int status)
{
	char err[512];

	it_notify_stopping();
	/* stop the programs, then drain what they wrote: it is part of the capture, and
	 * the counters read after it match what was drained */
	it_capture_detach(&a->cap);
	ring_buffer__consume(a->cap.rb);
	if (it_capture_counters(&a->cap, &a->col.st.k))
		it_err("cannot read the counters: %s", strerror(errno));
	a->col.st.missed_frames = it_capture_missed_frames(&a->cap);
	it_agent_focus_end(&a->focus);	/* the last tool records */
	if (a->col.st.missed_frames)
		it_warn("the kernel skipped the capture programs for %llu frames (%s mode): those "
			"events are not recorded", (unsigned long long)a->col.st.missed_frames,
			it_attach_name(a->cap.used));
	/* the stats record, one last write attempt and close: bounded however the output
	 * fails; one line says what could not be written */
	if (it_finish_output(&a->col, err, sizeof(err))) {
		if (err[0])
			it_err("%s", err);
		status = 1;
	}
	a->output_closed = true;
	if (it_sink_failed(a->sink))
		status = 1;
	if (a->col.buf.oom) {
		it_err("out of memory formatting records");
		status = 1;
	}
	cleanup(a);
	return status;
}
