/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* filter.h - device selection (--device SPEC). */
#ifndef IT_FILTER_H
#define IT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "inputtrace.h"

enum it_spec_kind {
	IT_SPEC_NAME,		/* fnmatch(3) glob on the device name */
	IT_SPEC_ID,		/* vendor:product, hex */
	IT_SPEC_NODE,		/* /dev/input/eventN: matched through its sysfs inputM name */
	IT_SPEC_SYSNAME,	/* inputM, as in /sys/class/input */
};

struct it_devspec {
	enum it_spec_kind kind;
	char text[256];		/* the glob, or the spec as given */
	uint16_t vendor, product;
	char sysname[IT_SYSNAME_LEN];	/* IT_SPEC_NODE (resolved) and IT_SPEC_SYSNAME */
};

/*
 * Parse one --device SPEC: "/dev/input/eventN", "inputN", "VVVV:PPPP" (hex vendor and
 * product, 1-4 digits each), "name:GLOB" or any other text as a name glob.
 * A /dev/input/eventN spec is resolved now through sysfs_root (normally "/sys").
 * Returns 0, or -1 with a one-line reason in err.
 */
int it_devspec_parse(const char *spec, const char *sysfs_root, struct it_devspec *out,
		     char *err, size_t errlen);

/* True when info matches any of the n specs, or when n is 0. */
bool it_devspec_match(const struct it_devspec *specs, int n, const struct it_devinfo *info);

/*
 * Which specs match none of the ndev devices in devs (e.g. the devices present at
 * start: a typo, or a device not plugged in yet). Sets unmatched[i] (an array of n)
 * for each spec i that matches no device and clears it for the others; devs may be
 * NULL when ndev is 0 (then every spec is unmatched). Returns the number of unmatched
 * specs, 0..n.
 */
int it_devspec_unmatched(const struct it_devspec *specs, int n, const struct it_devinfo *devs,
			 int ndev, bool *unmatched);

/* The spec in --device syntax, into buf (len bytes, always terminated): a name glob as
 * "name:GLOB" (as parsed, whether or not "name:" was given), any other form as given. */
void it_devspec_format(const struct it_devspec *s, char *buf, size_t len);

#endif
