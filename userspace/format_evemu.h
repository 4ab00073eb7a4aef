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
 * O_RDONLY|O_NONBLOCK, never grabbed) when its first record is written; without a
 * node only N: and I: are written.
 *
 * The format (it_format_evemu, format.h): events go to the per-device files
 * (evemu_files.h) in the output directory; everything else (header, devices, loss,
 * pause, stats) is written as JSON Lines to the record stream, the directory's index.
 */
#ifndef IT_FORMAT_EVEMU_H
#define IT_FORMAT_EVEMU_H

#include <stdint.h>
#include "format.h"

/* The description lines of a device into b. node: "/dev/input/eventN" or NULL.
 * Returns 0, or -1 if the node could not be read (N: and I: are still written). */
int it_evemu_describe(struct it_buf *b, const struct it_devinfo *info, const char *node);

/* One E: line; t0_ns is the time of the file's first event. */
void it_evemu_event(struct it_buf *b, uint64_t mono_ns, uint64_t t0_ns,
		    unsigned int type, unsigned int code, int32_t value);

#endif
