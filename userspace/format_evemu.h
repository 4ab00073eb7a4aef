/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * format_evemu.h - --format evemu: one file per device in evemu-record's text format
 * (version 1.3), which evemu-device and evemu-play read back:
 *   # EVEMU 1.3
 *   N: <name>
 *   I: <bus> <vendor> <product> <version>          (hex, 4 digits)
 *   P: <property bitmask bytes, 8 per line>
 *   B: <type> <bitmask bytes of that type, 8 per line>   (type 00: the event types)
 *   A: <abs code> <min> <max> <fuzz> <flat> <resolution>
 *   L: <led code> <state>   S: <switch code> <state>
 *   E: <sec>.<usec> <type> <code> <value>           (time since the file's first event)
 * The description is read with libevdev from the device's /dev/input/eventN (opened
 * O_RDONLY|O_NONBLOCK, never grabbed); without a node only N: and I: are written.
 */
#ifndef IT_FORMAT_EVEMU_H
#define IT_FORMAT_EVEMU_H

#include <stdint.h>
#include "inputtrace.h"
#include "json.h"

/* The description lines of a device into b. node: "/dev/input/eventN" or NULL.
 * Returns 0, or -1 if the node could not be read (N: and I: are still written). */
int it_evemu_describe(struct it_buf *b, const struct it_devinfo *info, const char *node);

/* One E: line; t0_ns is the time of the file's first event. */
void it_evemu_event(struct it_buf *b, uint64_t mono_ns, uint64_t t0_ns,
		    unsigned int type, unsigned int code, int32_t value);

/* One open per-device file (written as NAME.tmp, renamed into place by close). */
struct it_evemu_file {
	int fd;
	int dirfd;
	char name[256], tmp[256];
	uint64_t t0_ns;
	bool started;
	struct it_buf buf;
	uint64_t dropped;	/* events that could not be written */
};

/* Create DIR/inputtrace-<time>-HOST-inputN.evemu(.tmp) with mode and write desc. */
struct it_evemu_file *it_evemu_open(int dirfd, const char *host, uint32_t id,
				    const char *desc, size_t desc_len, unsigned int mode);
void it_evemu_add(struct it_evemu_file *f, uint64_t mono_ns, unsigned int type,
		  unsigned int code, int32_t value);
/* Write what is buffered. Returns 0 or -1. */
int it_evemu_flush(struct it_evemu_file *f);
/* Flush, fsync, rename into place, free. */
int it_evemu_close(struct it_evemu_file *f);

#endif
