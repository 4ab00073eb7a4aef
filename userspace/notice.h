/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * notice.h - the start notice (docs/data-contract.md "Transparency"): what is recorded, said on stderr
 * and syslog (log.h) once capture runs, and the texts the status file repeats; and the
 * warning for a --device/--exclude-device spec that matches no device present.
 *
 *   it_notice_text_init()     the texts the options decide (types, pointer, specs, control)
 *   it_notice_text_devices()  the captured and dropped devices, once announced
 *   it_notice_start()         the notice lines, ending with "capturing input events"
 */
#ifndef IT_NOTICE_H
#define IT_NOTICE_H

#include <stdbool.h>
#include "capture.h"
#include "cli.h"
#include "collector.h"

/* One line each, NUL-terminated; the status file (control.h) points into them, so
 * they live as long as the agent. */
struct it_notice_text {
	char types[512];	/* "all" or "EV_SYN,EV_KEY" */
	char pointer[64];	/* "exact" or "coarse grid=N" */
	char exclude[4096];	/* the --exclude-device specs, ", "-separated; "" for none */
	char select[4096];	/* the --device specs, the same way */
	char why_off[8400];	/* " (not matching --device ..., or matching --exclude-device ...)" */
	char control[256];	/* how to pause: the socket and who may use it, the signals */
	char devs_on[8192];	/* inputN "name" /dev/input/eventM, ...; "(starting)" until known */
	char devs_off[8192];	/* the same for the devices dropped; "none" */
};

/* Fill what the options decide; devs_on says "(starting)". */
void it_notice_text_init(struct it_notice_text *t, const struct it_opts *o);

/* devs_on and devs_off from the devices col has announced and not seen removed. */
void it_notice_text_devices(struct it_notice_text *t, const struct it_collector *col);

/*
 * Say the start notice: the --keys raw warning, the "notice: " lines (output and
 * format, devices captured and not, event types, keys, pointer, pause and status
 * file), the kprobe-mode warning (missed_counted: this kernel counts the frames it
 * skips), and last "capturing input events (MECHANISM) to OUTPUT", the line tests and
 * operators wait for.
 */
void it_notice_start(const struct it_notice_text *t, const struct it_opts *o, const char *output,
		     enum it_attach used, bool missed_counted);

/* One warning per --device/--exclude-device spec that matches no device in sysfs now
 * (it is kept: it applies to devices that appear later). Silent when sysfs cannot be
 * read. */
void it_notice_unmatched(const struct it_opts *o, const char *sysfs_root);

#endif
