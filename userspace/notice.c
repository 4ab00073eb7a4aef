// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * notice.c - the start notice and the unmatched-spec warnings (notice.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <libevdev/libevdev.h>
#include "log.h"
#include "notice.h"
#include "sysfs.h"
#include "text.h"

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

void it_notice_text_init(struct it_notice_text *t, const struct it_opts *o)
{
	types_text(o->type_mask, t->types, sizeof(t->types));
	if (o->pointer == IT_POINTER_COARSE)
		snprintf(t->pointer, sizeof(t->pointer), "coarse grid=%u", o->pointer_grid);
	else
		snprintf(t->pointer, sizeof(t->pointer), "exact");
	specs_text(o->exclude, o->n_exclude, t->exclude, sizeof(t->exclude));
	specs_text(o->devices, o->n_devices, t->select, sizeof(t->select));
	/* why devices are not captured: the rules as given, each by its flag */
	snprintf(t->why_off, sizeof(t->why_off), "%s%s%s%s%s%s%s",
		 o->n_devices || o->n_exclude ? " (" : "",
		 o->n_devices ? "not matching --device " : "", o->n_devices ? t->select : "",
		 o->n_devices && o->n_exclude ? ", or " : "",
		 o->n_exclude ? "matching --exclude-device " : "", o->n_exclude ? t->exclude : "",
		 o->n_devices || o->n_exclude ? ")" : "");
	if (o->control_socket)
		snprintf(t->control, sizeof(t->control), "%s (root%s%s, SIGUSR1/SIGUSR2)",
			 o->control_socket, o->control_group ? " and group " : " only",
			 o->control_group ? o->control_group : "");
	else
		snprintf(t->control, sizeof(t->control), "SIGUSR1/SIGUSR2 only (no --control-socket)");
	snprintf(t->devs_on, sizeof(t->devs_on), "(starting)");
	snprintf(t->devs_off, sizeof(t->devs_off), "none");
}

void it_notice_text_devices(struct it_notice_text *t, const struct it_collector *col)
{
	devices_text(col, t->devs_on, sizeof(t->devs_on), true);
	devices_text(col, t->devs_off, sizeof(t->devs_off), false);
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

/* s escaped for a log line (text.h: device names may hold any byte), in b until the
 * next call with b; "" if memory runs out */
static const char *esc(struct it_buf *b, const char *s)
{
	it_buf_reset(b);
	it_text_esc(b, s, strlen(s));
	it_buf_putc(b, 0);
	return b->oom ? "" : b->p;
}

void it_notice_start(const struct it_notice_text *t, const struct it_opts *o, const char *output,
		     enum it_attach used, bool missed_counted)
{
	struct it_buf b = { 0 }, b2 = { 0 };
	bool raw = o->keys == IT_KEYS_RAW;

	if (raw)
		it_warn("--keys raw: keystroke content is being recorded (every key code as "
			"typed: the output shows what was typed)");
	it_notice("notice: recording input events of this computer to %s (%s)", esc(&b, output),
		  it_format_name(o->format));
	it_notice("notice: devices captured: %s", esc(&b, t->devs_on));
	it_notice("notice: devices not captured (dropped in the kernel): %s%s", esc(&b, t->devs_off),
		  esc(&b2, t->why_off));
	it_notice("notice: event types: %s", t->types);
	if (o->record == IT_RECORD_INTERVALS)
		it_notice("notice: record: intervals (aggregates only: activity counts per device "
			  "and %g s window, idle after %g s; no event or keystroke is written)",
			  o->interval_s, o->idle_s);
	else
		it_notice("notice: record: raw (every event)");
	it_log(raw ? LOG_WARNING : LOG_NOTICE, "notice: keys: %s (%s)%s", it_keys_name(o->keys),
	       keys_meaning(o->keys), raw ? "" : "; scan codes (MSC_SCAN/MSC_RAW) never recorded");
	if (o->pointer == IT_POINTER_COARSE)
		it_notice("notice: pointer: coarse (absolute positions floored to a grid of %u "
			  "device units in the kernel; relative motion exact)", o->pointer_grid);
	else
		it_notice("notice: pointer: exact (absolute positions as the device reports them)");
	it_notice("notice: pause and resume: %s; status file: %s", esc(&b, t->control),
		  esc(&b2, o->status_file ? o->status_file : "none"));
	if (used == IT_ATTACH_KPROBE)
		it_warn("kprobe mode: input an interrupt delivers while another BPF program or a "
			"bpf() map call runs on the same CPU is skipped by the kernel%s; fentry has "
			"no such gap", missed_counted ? " (counted: stats missed_frames)" :
			", and this kernel (before 6.7) does not count it");
	/* the notice tests and operators wait for: from here on, nothing is missed */
	it_notice("capturing input events (%s) to %s", it_attach_name(used), esc(&b, output));
	it_buf_free(&b);
	it_buf_free(&b2);
}

/* The highest N of the inputN in devs, or -1. The input core numbers devices from a
 * counter (input_allocate_device()): an inputN below it will never come back. */
static long highest_input(const struct it_devinfo *devs, int ndev)
{
	long maxid = -1;
	int i;

	for (i = 0; i < ndev; i++) {
		long id = strncmp(devs[i].sysname, "input", 5) ? -1 : strtol(devs[i].sysname + 5, NULL, 10);

		if (id > maxid)
			maxid = id;
	}
	return maxid;
}

/* A typo, or a device not plugged in yet (at boot, say): the spec is kept. */
void it_notice_unmatched(const struct it_opts *o, const char *sysfs_root)
{
	struct it_devinfo *devs;
	bool un[IT_MAX_SPECS];
	char spec[300];
	long maxid;
	int ndev, k, i;

	if (!o->n_devices && !o->n_exclude)
		return;
	ndev = it_sysfs_devinfos(sysfs_root, &devs);
	if (ndev < 0)
		return;
	maxid = highest_input(devs, ndev);
	for (k = 0; k < 2; k++) {
		const struct it_devspec *s = k ? o->exclude : o->devices;
		const char *flag = k ? "--exclude-device" : "--device";
		int n = k ? o->n_exclude : o->n_devices;

		it_devspec_unmatched(s, n, devs, ndev, un);
		for (i = 0; i < n; i++) {
			if (!un[i])
				continue;
			it_devspec_format(&s[i], spec, sizeof(spec));
			if (s[i].kind == IT_SPEC_SYSNAME && strtol(s[i].sysname + 5, NULL, 10) < maxid)
				it_warn("%s '%s' matches no device present now, and never will (input "
					"device numbers are not reused; the highest now is input%ld)",
					flag, spec, maxid);
			else
				it_warn("%s '%s' matches no device present now; it will apply to "
					"devices that appear later", flag, spec);
		}
	}
	free(devs);
}
