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
#include "output.h"
#include "sysfs.h"

#define FLUSH_BYTES (64 * 1024)
#define DEV_SLOTS 4096	/* power of two; open addressing on the device id */

struct dev_state {
	uint32_t id;
	bool used;
	bool announced;		/* device record written */
	bool capture;		/* matches --device */
};

struct agent {
	struct it_opts *o;
	struct it_capture cap;
	struct it_buf buf;
	int fd;
	const char *out_name;
	struct it_stats st;
	struct dev_state devs[DEV_SLOTS];
	bool count_reached;
	bool write_failed;
};

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

static void flush_out(struct agent *a)
{
	size_t off = 0;

	while (off < a->buf.len && !a->write_failed) {
		ssize_t n = write(a->fd, a->buf.p + off, a->buf.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errorf("cannot write to %s: %s", a->out_name, strerror(errno));
			a->write_failed = true;
			break;
		}
		off += n;
	}
	it_buf_reset(&a->buf);
}

static struct dev_state *dev_slot(struct agent *a, uint32_t id)
{
	uint32_t i, h = id * 2654435761u;

	for (i = 0; i < DEV_SLOTS; i++) {
		struct dev_state *d = &a->devs[(h + i) & (DEV_SLOTS - 1)];

		if (!d->used) {
			d->used = true;
			d->id = id;
			return d;
		}
		if (d->id == id)
			return d;
	}
	return NULL;
}

/* A device is known: decide whether it is captured, tell the kernel, write its record. */
static struct dev_state *dev_announce(struct agent *a, uint32_t id, const struct it_devinfo *info,
				      const char *action)
{
	struct dev_state *d = dev_slot(a, id);
	char node[64];

	if (!d)
		return NULL;
	d->capture = it_devspec_match(a->o->devices, a->o->n_devices, info);
	if (a->o->n_devices && id)
		it_capture_set_verdict(&a->cap, id, d->capture ? IT_DEV_CAPTURE : IT_DEV_DROP);
	if (d->capture && !d->announced) {
		it_rec_device(&a->buf, id, info, action,
			      it_sysfs_event_node("/sys", info->sysname, node, sizeof(node)) ? NULL : node);
		a->st.devices++;
	}
	d->announced = true;
	return d;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct it_hdr *h = data;
	struct dev_state *d;

	if (size < sizeof(*h))
		return 0;
	switch (h->kind) {
	case IT_REC_EVENT: {
		const struct it_event *e = data;

		if (size < sizeof(*e))
			return 0;
		if (a->count_reached) {
			a->st.not_output++;
			return 0;
		}
		d = dev_slot(a, e->hdr.dev);
		if (d && !d->announced) {
			/* its device record was lost or came before we started: ask sysfs */
			struct it_devinfo info;
			char sysname[IT_SYSNAME_LEN];

			snprintf(sysname, sizeof(sysname), "input%u", e->hdr.dev);
			if (it_sysfs_devinfo("/sys", sysname, &info))
				snprintf(info.sysname, sizeof(info.sysname), "%s", sysname);
			d = dev_announce(a, e->hdr.dev, &info, "present");
		}
		if (d && !d->capture) {
			a->st.filtered_user++;
			return 0;
		}
		if (e->lost_before)
			it_rec_loss(&a->buf, e->lost_before);
		it_rec_event(&a->buf, e->hdr.dev, e->mono_ns, a->o->no_time ? 0 : e->real_ns,
			     e->type, e->code, e->value, e->hdr.flags & IT_EVF_SYNTH_TS);
		a->st.events_out++;
		if (a->o->count && a->st.events_out >= a->o->count)
			a->count_reached = true;
		break;
	}
	case IT_REC_DEVICE_ADD:
	case IT_REC_DEVICE_DEL: {
		const struct it_device_rec *r = data;

		if (size < sizeof(*r))
			return 0;
		if (h->kind == IT_REC_DEVICE_ADD) {
			dev_announce(a, r->hdr.dev, &r->info, "add");
		} else {
			d = dev_slot(a, r->hdr.dev);
			if (d && d->capture && !a->count_reached)
				it_rec_device(&a->buf, r->hdr.dev, &r->info, "remove", NULL);
		}
		break;
	}
	}
	if (a->buf.len >= FLUSH_BYTES)
		flush_out(a);
	return 0;
}

static int open_output(const char *path)
{
	if (!strcmp(path, "-"))
		return STDOUT_FILENO;
	/* append: never truncate a capture already on disk; never follow a planted symlink */
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Devices present at start: a "present" record for each, before any event. */
static void announce_one(void *ctx, const char *sysname)
{
	struct agent *a = ctx;
	struct it_devinfo info;

	if (!it_sysfs_devinfo("/sys", sysname, &info))
		dev_announce(a, (uint32_t)strtoul(sysname + 5, NULL, 10), &info, "present");
}

int main(int argc, char **argv)
{
	static struct agent a;
	struct it_opts o;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	double deadline = 0;
	int rc, ret = 0;

	rc = it_parse_args(argc, argv, &o, err, sizeof(err), stdout);
	if (rc > 0)
		return 0;
	if (rc < 0) {
		errorf("%s", err);
		return 2;
	}
	a.o = &o;
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

	a.out_name = strcmp(o.output, "-") ? o.output : "stdout";
	a.fd = open_output(o.output);
	if (a.fd < 0) {
		errorf("cannot open output %s: %s", o.output,
		       errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return 2;
	}
	libbpf_set_print(o.verbose > 1 ? libbpf_print : libbpf_quiet);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (it_capture_start(&a.cap, &o, on_record, &a, err, sizeof(err))) {
		errorf("%s", err);
		if (a.fd != STDOUT_FILENO)
			close(a.fd);
		return 1;
	}
	it_sysfs_foreach("/sys", announce_one, &a);
	flush_out(&a);
	if (o.keys == IT_KEYS_RAW)
		fprintf(stderr, "inputtrace: warning: --keys raw: keystroke content is being "
			"recorded (every key code as typed: the output shows what was typed)\n");
	/* the notice tests and operators wait for: from here on, nothing is missed */
	fprintf(stderr, "inputtrace: capturing input events (%s) to %s\n",
		it_attach_name(a.cap.used), a.out_name);
	if (o.duration_s > 0)
		deadline = now_s() + o.duration_s;

	while (!stop_signal && !a.count_reached && !a.write_failed) {
		int timeout = 100;

		if (deadline) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		rc = ring_buffer__poll(a.cap.rb, timeout);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			errorf("reading the ring buffer failed: %s", strerror(-rc));
			ret = 1;
			break;
		}
		flush_out(&a);
	}
	/* what the kernel wrote before we stopped is part of the capture */
	ring_buffer__consume(a.cap.rb);
	if (it_capture_counters(&a.cap, &a.st.k))
		errorf("cannot read the counters: %s", strerror(errno));
	it_rec_stats(&a.buf, &a.st);
	flush_out(&a);
	if (a.fd != STDOUT_FILENO) {
		if (fsync(a.fd) && !a.write_failed)
			errorf("cannot sync %s: %s", a.out_name, strerror(errno));
		close(a.fd);
	}
	it_capture_stop(&a.cap);
	it_buf_free(&a.buf);
	if (a.write_failed)
		ret = 1;
	if (a.buf.oom) {
		errorf("out of memory formatting records");
		ret = 1;
	}
	return ret;
}
