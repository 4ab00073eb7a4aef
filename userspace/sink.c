// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sink.c - output file handling. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "sink.h"

int it_sink_open(struct it_sink *s, const char *path, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(path, "-")) {
		s->fd = STDOUT_FILENO;
		s->name = "stdout";
		return 0;
	}
	s->name = path;
	/* append: never truncate a capture already on disk */
	s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (s->fd < 0) {
		snprintf(err, errlen, "cannot open output %s: %s", path,
			 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return -1;
	}
	return 0;
}

int it_sink_write(struct it_sink *s, const void *p, size_t n)
{
	const char *c = p;

	while (n && !s->failed) {
		ssize_t w = write(s->fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "inputtrace: cannot write to %s: %s\n", s->name, strerror(errno));
			s->failed = true;
			break;
		}
		c += w;
		n -= (size_t)w;
	}
	return s->failed ? -1 : 0;
}

int it_sink_close(struct it_sink *s)
{
	int rc = 0;

	if (s->fd == STDOUT_FILENO || s->fd < 0)
		return 0;
	if (fsync(s->fd) && !s->failed) {
		fprintf(stderr, "inputtrace: cannot sync %s: %s\n", s->name, strerror(errno));
		rc = -1;
	}
	close(s->fd);
	s->fd = -1;
	return rc;
}
