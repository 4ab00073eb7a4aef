/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sink.h - where formatted records go: stdout or a file. */
#ifndef IT_SINK_H
#define IT_SINK_H

#include <stdbool.h>
#include <stddef.h>

struct it_sink {
	int fd;
	const char *name;	/* for messages: the path, or "stdout" */
	bool failed;		/* a write failed; later writes are refused */
};

/*
 * Open path for appending ("-" is stdout). Files are created 0600 and never opened
 * through a symbolic link (O_NOFOLLOW), so an unprivileged user cannot redirect a
 * root agent's writes. Returns 0, or -1 with a one-line reason in err.
 */
int it_sink_open(struct it_sink *s, const char *path, char *err, size_t errlen);

/* Write all n bytes. Returns 0, or -1 after saying once on stderr why (errno kept). */
int it_sink_write(struct it_sink *s, const void *p, size_t n);

/* fsync and close a file (stdout is left open). Returns 0 or -1 (said on stderr). */
int it_sink_close(struct it_sink *s);

#endif
