/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sysfs.h - input devices as /sys/class/input shows them (Documentation/ABI/testing/sysfs-class-input). */
#ifndef IT_SYSFS_H
#define IT_SYSFS_H

#include <stddef.h>
#include <stdio.h>
#include "inputtrace.h"

/*
 * The evdev node of input device sysname ("input5" -> "/dev/input/event3") into
 * node[len]. Returns 0, or -1 when it has none (no evdev handler bound, or gone).
 */
int it_sysfs_event_node(const char *sysfs_root, const char *sysname, char *node, size_t len);

/* 1 if input device sysname is virtual (/sys/class/input/<sysname> links under
 * /devices/virtual/: uinput and other software devices), 0 if it has a parent
 * device (USB, serio, platform...), -1 if not known (gone, or not a link). */
int it_sysfs_is_virtual(const char *sysfs_root, const char *sysname);

/* Fill info from /sys/class/input/<sysname>/: the whole name (only the final newline
 * dropped), IT_DEVF_NAME_TRUNCATED set when it is longer than IT_NAME_LEN - 1 bytes,
 * as the BPF side reads it. Returns 0, or -1 if the device is gone. */
int it_sysfs_devinfo(const char *sysfs_root, const char *sysname, struct it_devinfo *info);

/*
 * Call cb(ctx, sysname) for each input device ("inputN"), in number order.
 * Returns the number of devices, or -1 (errno set) if sysfs_root/class/input cannot be read.
 */
int it_sysfs_foreach(const char *sysfs_root, void (*cb)(void *ctx, const char *sysname), void *ctx);

/*
 * The input devices present now, read with it_sysfs_devinfo(), in number order: a
 * malloc()ed array into *out (free() it; NULL when there are none). Devices gone while
 * reading are left out. Returns how many, or -1 (errno set) when
 * sysfs_root/class/input cannot be read or memory runs out.
 */
int it_sysfs_devinfos(const char *sysfs_root, struct it_devinfo **out);

/*
 * Print one line per input device, sorted by number, to out:
 * "input5  event3  0003:046d:c52b  usb-0000:00:14.0-1/input0  Logitech USB Receiver".
 * Returns the number of devices, or -1 if sysfs_root/class/input cannot be read.
 */
int it_sysfs_list(const char *sysfs_root, FILE *out);

#endif
