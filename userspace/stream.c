// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stream.c - the per-host stream id and the per-record sequence number. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spool_reader.h"
#include "spool_state.h"
#include "stream.h"

#define RECORD_PREFIX "{\"record\":\""

/* Write the stream file (id, next; "clean" when next is exact: a clean stop, not a
 * floor saved ahead) atomically. */
static int save(struct it_stream *st, uint64_t next, bool clean)
{
	char text[96];
	int n;

	if (st->dirfd < 0)
		return 0;
	n = snprintf(text, sizeof(text), "id %s\nnext %" PRIu64 "\n%s", st->id, next,
		     clean ? "clean\n" : "");
	return it_file_replace(st->dirfd, st->file, text, (size_t)n);
}

static bool hex_id(const char *s)
{
	return strlen(s) == IT_STREAM_ID_LEN &&
	       strspn(s, "0123456789abcdef") == IT_STREAM_ID_LEN;
}

/* Read "id X\nnext N\n[clean\n]". Returns 0 (found), 1 (no file), -1 (unreadable, bad). */
static int load(struct it_stream *st, uint64_t *next, bool *clean)
{
	char text[256], id[64];
	int rc = it_file_read(st->dirfd, st->file, text, sizeof(text));

	if (rc)
		return rc;
	if (sscanf(text, "id %63s\nnext %" SCNu64, id, next) != 2 || !hex_id(id))
		return errno = EINVAL, -1;
	memcpy(st->id, id, sizeof(st->id));
	*clean = strstr(text, "\nclean\n") != NULL;
	return 0;
}

/* The seq the Kafka state file beside the stream says was acknowledged (0: none, or
 * of another stream): a seq given before, whatever the spool still holds. */
static uint64_t acked_seq(struct it_stream *st, const char *host)
{
	struct it_spool_state ks;
	char name[NAME_MAX + 1];

	it_spool_state_name(name, sizeof(name), host);
	if (it_spool_state_load(st->dirfd, name, &ks) || strcmp(ks.stream, st->id))
		return 0;
	return ks.acked_seq;
}

static int new_id(struct it_stream *st)
{
	unsigned char r[IT_STREAM_ID_LEN / 2];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (i = 0; i < sizeof(r); i++)
		snprintf(st->id + 2 * i, 3, "%02x", r[i]);
	return 0;
}

int it_stream_open(struct it_stream *st, const char *state_dir, const char *host,
		   const char *spool_path, char *err, size_t errlen)
{
	uint64_t next = 1, last = 0;
	bool clean = false;
	int rc = 1;

	memset(st, 0, sizeof(*st));
	st->dirfd = -1;
	snprintf(st->file, sizeof(st->file), ".inputtrace-%s.stream", host);
	if (state_dir) {
		st->dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (st->dirfd < 0 || (rc = load(st, &next, &clean)) < 0) {
			snprintf(err, errlen, "stream file %s/%s: %s", state_dir, st->file, strerror(errno));
			goto fail;
		}
	}
	if (rc == 1 && new_id(st)) {
		snprintf(err, errlen, "stream id: getrandom: %s", strerror(errno));
		goto fail;
	}
	if (spool_path && it_stream_last_in_spool(spool_path, host, st->id, &last)) {
		snprintf(err, errlen, "reading the last seq from %s: %s", spool_path, strerror(errno));
		goto fail;
	}
	st->next_seq = last ? last + 1 : (next ? next : 1);
	/* the spool's newest records deleted (by hand): never give their seqs again -
	 * the exact next of a clean stop, and the seq Kafka acknowledged, are floors */
	if (clean && next > st->next_seq)
		st->next_seq = next;
	if (rc == 0 && acked_seq(st, host) >= st->next_seq)
		st->next_seq = acked_seq(st, host) + 1;
	st->reserved = st->next_seq + IT_STREAM_RESERVE;
	if (save(st, st->reserved, false)) {
		snprintf(err, errlen, "stream file %s/%s: %s", state_dir, st->file, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
	return -1;
}

void it_stream_close(struct it_stream *st)
{
	if (st->dirfd < 0)
		return;
	save(st, st->next_seq, true);
	close(st->dirfd);
	st->dirfd = -1;
}

uint64_t it_stream_stamp(struct it_stream *st, const char *p, size_t n, struct it_buf *out)
{
	const size_t plen = sizeof(RECORD_PREFIX) - 1;
	const char *end = p + n;
	uint64_t stamped = 0, seq = st->next_seq;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		const char *q = len > plen && !memcmp(p, RECORD_PREFIX, plen) ?
				memchr(p + plen, '"', len - plen) : NULL;

		if (!q) {
			it_buf_put(out, p, len);
		} else {
			q++;	/* after the kind's closing quote */
			it_buf_put(out, p, (size_t)(q - p));
			it_buf_puts(out, ",\"stream\":\"");
			it_buf_puts(out, st->id);
			it_buf_puts(out, "\",\"seq\":");
			it_buf_u64(out, seq++);
			it_buf_put(out, q, len - (size_t)(q - p));
			stamped++;
		}
		p += len;
	}
	/* the shipper's thread reads it for its pending count */
	__atomic_store_n(&st->next_seq, seq, __ATOMIC_RELAXED);
	if (st->next_seq >= st->reserved) {
		st->reserved = st->next_seq + IT_STREAM_RESERVE;
		save(st, st->reserved, false);
	}
	return stamped;
}

bool it_stream_parse(const char *line, size_t n, char id[IT_STREAM_ID_LEN + 1], uint64_t *seq)
{
	static const char sk[] = "\"stream\":\"", qk[] = "\"seq\":";
	size_t lim = n < 160 ? n : 160;	/* both are right after "record" */
	const char *s = memmem(line, lim, sk, sizeof(sk) - 1), *q;
	uint64_t v = 0;

	if (!s || (size_t)(s - line) + sizeof(sk) - 1 + IT_STREAM_ID_LEN + 1 > n)
		return false;
	s += sizeof(sk) - 1;
	if (s[IT_STREAM_ID_LEN] != '"')
		return false;
	q = memmem(line, lim, qk, sizeof(qk) - 1);
	if (!q)
		return false;
	q += sizeof(qk) - 1;
	if (q >= line + n || *q < '0' || *q > '9')
		return false;
	while (q < line + n && *q >= '0' && *q <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*q++ - '0');
	}
	memcpy(id, s, IT_STREAM_ID_LEN);
	id[IT_STREAM_ID_LEN] = 0;
	*seq = v;
	return true;
}

/* The highest seq of id in one file of the spool (0: none). */
static int last_in_file(struct it_spool_reader *r, const char *name, const char *id, uint64_t *seq)
{
	struct it_spool_pos pos = { 0 };
	struct it_buf b = { 0 };
	uint64_t lines;
	long got;

	snprintf(pos.name, sizeof(pos.name), "%s", name);
	it_spool_seek(r, &pos);
	*seq = 0;
	while ((got = it_spool_read(r, &b, 1 << 20, &lines)) > 0 && !strcmp(r->pos.name, name)) {
		const char *p = b.p, *end = b.p + b.len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			char sid[IT_STREAM_ID_LEN + 1];
			uint64_t s;

			if (it_stream_parse(p, (size_t)(nl - p), sid, &s) && !strcmp(sid, id) && s > *seq)
				*seq = s;
			p = nl + 1;
		}
		it_buf_reset(&b);
	}
	it_buf_free(&b);
	return got < 0 ? -1 : 0;
}

int it_stream_last_in_spool(const char *path, const char *host, const char *id, uint64_t *seq)
{
	struct it_spool_reader r;
	struct it_spool_file *v;
	char err[256];
	long n, i;
	int rc = 0;

	*seq = 0;
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	if (it_spool_reader_open(&r, path, host, err, sizeof(err)))
		return -1;
	n = it_spool_list(&r, &v);
	for (i = n - 1; i >= 0 && !*seq && !rc; i--)
		rc = last_in_file(&r, v[i].name, id, seq);
	free(v);
	it_spool_reader_close(&r);
	return n < 0 ? -1 : rc;
}
