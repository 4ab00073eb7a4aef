// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* evemu_files.c - --format evemu's per-device files (evemu_files.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "evemu_files.h"
#include "format_evemu.h"
#include "sink.h"

struct it_evemu_file *it_evemu_open(const struct it_dir_place *place, uint32_t id,
				    const char *desc, size_t desc_len)
{
	unsigned int mode = place->mode ? place->mode : 0600;
	struct it_evemu_file *f;
	char suffix[32];

	if (place->dirfd < 0 || !(f = calloc(1, sizeof(*f))))
		return NULL;
	snprintf(suffix, sizeof(suffix), "-input%u.evemu", id);
	it_dir_file_name(f->name, sizeof(f->name), place->wall_ns(), place->host, suffix);
	snprintf(f->tmp, sizeof(f->tmp), "%.240s.tmp", f->name);
	f->dirfd = place->dirfd;
	f->fd = openat(f->dirfd, f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW |
		       O_CLOEXEC | O_NOCTTY, mode);
	if (f->fd < 0) {
		free(f);
		return NULL;
	}
	(void)!fchmod(f->fd, mode);
	it_buf_put(&f->buf, desc, desc_len);
	return f;
}

void it_evemu_add(struct it_evemu_file *f, uint64_t mono_ns, unsigned int type,
		  unsigned int code, int32_t value)
{
	if (!f->started) {
		f->t0_ns = mono_ns;
		f->started = true;
	}
	it_evemu_event(&f->buf, mono_ns, f->t0_ns, type, code, value);
	if (f->buf.len >= 64 * 1024)
		it_evemu_flush(f);
}

int it_evemu_flush(struct it_evemu_file *f)
{
	size_t off = 0;

	while (off < f->buf.len) {
		ssize_t w = write(f->fd, f->buf.p + off, f->buf.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* whole lines only: count the lines dropped */
			const char *p = f->buf.p + off, *e = f->buf.p + f->buf.len;

			while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
				f->dropped++;
				p++;
			}
			it_buf_reset(&f->buf);
			return -1;
		}
		off += (size_t)w;
	}
	it_buf_reset(&f->buf);
	return 0;
}

int it_evemu_close(struct it_evemu_file *f)
{
	int rc;

	if (!f)
		return 0;
	rc = it_evemu_flush(f);
	if (fsync(f->fd))
		rc = -1;
	close(f->fd);
	if (renameat(f->dirfd, f->tmp, f->dirfd, f->name))
		rc = -1;
	it_buf_free(&f->buf);
	free(f);
	return rc;
}
