/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * evemu_files.h - where --format evemu's events go: one file per device in the output
 * directory, DIR/inputtrace-<time>-HOST-inputN.evemu, written as NAME.tmp and renamed
 * into place when complete (the directory's crash recovery, sink.h it_sink_recover,
 * completes the ones a killed agent left). What the lines look like is format_evemu.c's
 * business; this file only writes them.
 */
#ifndef IT_EVEMU_FILES_H
#define IT_EVEMU_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include "format.h"

/* One open per-device file. */
struct it_evemu_file {
	int fd;
	int dirfd;
	char name[256], tmp[256];
	uint64_t t0_ns;		/* time of its first event */
	bool started;
	struct it_buf buf;	/* not yet written */
	uint64_t dropped;	/* lines that could not be written */
};

/* Create the file of device id in place->dirfd (mode place->mode) and buffer desc
 * (its description lines). NULL if it cannot be created. */
struct it_evemu_file *it_evemu_open(const struct it_dir_place *place, uint32_t id,
				    const char *desc, size_t desc_len);
/* Buffer one E: line (written at 64 KiB, or by it_evemu_flush). */
void it_evemu_add(struct it_evemu_file *f, uint64_t mono_ns, unsigned int type,
		  unsigned int code, int32_t value);
/* Write what is buffered; lines that cannot be are counted in dropped. 0 or -1. */
int it_evemu_flush(struct it_evemu_file *f);
/* Flush, fsync, rename into place, free. 0 or -1. */
int it_evemu_close(struct it_evemu_file *f);

#endif
