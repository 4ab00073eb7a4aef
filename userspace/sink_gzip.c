// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sink_gzip.c - the file output's gzip stream (sink.h): each flush ends a gzip member
 * (deflate Z_FINISH: the dictionary is reset and the member gets its CRC and length),
 * and only complete members are written, so the file is a valid multi-member gzip
 * file outside a write(2) call.
 */
#include <errno.h>
#include <string.h>
#include "sink_impl.h"

int it_gz_start(struct it_sink *s)
{
	memset(&s->z, 0, sizeof(s->z));
	/* windowBits 15 + 16: a gzip wrapper (RFC 1952) */
	if (deflateInit2(&s->z, s->cfg.compress, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	s->z_ready = true;
	return 0;
}

static int deflate_into(struct it_sink *s, const void *p, size_t n, int flush)
{
	int rc;

	s->z.next_in = (Bytef *)p;
	s->z.avail_in = (uInt)n;
	do {
		char out[16384];

		s->z.next_out = (Bytef *)out;
		s->z.avail_out = sizeof(out);
		rc = deflate(&s->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		it_buf_put(&s->zout, out, sizeof(out) - s->z.avail_out);
	} while (s->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return s->zout.oom ? -1 : 0;
}

/* The member is written or given up: start the next one. */
static void member_reset(struct it_sink *s)
{
	deflateReset(&s->z);
	it_buf_reset(&s->zout);
	s->zout.oom = false;
}

int it_gz_end_member(struct it_sink *s)
{
	int rc = 0;

	if (!s->z_ready || !s->member_in)
		return 0;
	if (deflate_into(s, "", 0, Z_FINISH) || it_sink_raw_write(s, s->zout.p, s->zout.len)) {
		int e = s->zout.oom ? ENOMEM : errno;

		it_sink_on_error(s, e, s->member_lines, s->member_in);
		rc = -1;
	} else {
		s->file_lines += s->member_lines;
		s->file_data += s->member_in;
	}
	member_reset(s);
	s->member_in = s->member_lines = 0;
	return rc;
}

int it_gz_emit(struct it_sink *s, const void *p, size_t n, uint64_t lines)
{
	if (deflate_into(s, p, n, Z_NO_FLUSH)) {
		it_sink_on_error(s, ENOMEM, lines, n);
		return -1;
	}
	s->member_in += n;
	s->member_lines += lines;
	if (s->member_in >= IT_SINK_MEMBER_MAX)
		return it_gz_end_member(s);
	return 0;
}

int it_gz_put_member(struct it_sink *s, const struct it_buf *b)
{
	int e = 0;

	if (it_gz_end_member(s))
		return -1;
	if (deflate_into(s, b->p, b->len, Z_FINISH))
		e = ENOMEM;
	else if (it_sink_raw_write(s, s->zout.p, s->zout.len))
		e = errno;
	member_reset(s);
	if (e) {
		it_sink_on_error(s, e, 0, 0);
		return -1;
	}
	return 0;
}

void it_gz_free(struct it_sink *s)
{
	if (s->z_ready)
		deflateEnd(&s->z);
	s->z_ready = false;
	it_buf_free(&s->zout);
}
