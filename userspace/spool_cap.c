// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * spool_cap.c - the spool's size, and --spool-max-bytes: when the spool's files take
 * more, the oldest complete files are deleted until they fit (never the file being
 * written). Records in them that the shipper had not read yet are lost: counted
 * exactly (each deleted file is read first), saved in the state file before anything
 * is deleted, and said by a loss record sent to the topic with their seq range.
 * Records already read are in librdkafka's queue and still delivered.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include "log.h"
#include "shipper_int.h"

/* Lines of file name from offset off to its end, and their first and last seq. */
static int count_rest(struct it_shipper *sh, const char *name, uint64_t off,
		      struct it_spool_loss *l)
{
	struct it_spool_pos pos = { .off = off };
	struct it_spool_reader r;
	struct it_buf b = { 0 };
	uint64_t lines, first, last;
	char err[256];
	long got;

	if (it_spool_reader_open(&r, sh->cfg.spool, sh->cfg.host, err, sizeof(err)))
		return -1;
	snprintf(pos.name, sizeof(pos.name), "%s", name);
	it_spool_seek(&r, &pos);
	while ((got = it_spool_read(&r, &b, 1 << 20, &lines)) > 0 && !strcmp(r.pos.name, name)) {
		const char *p = b.p, *end = b.p + b.len;
		char id[IT_STREAM_ID_LEN + 1];
		uint64_t s;

		l->count += lines;
		for (first = last = 0; p < end; p = memchr(p, '\n', (size_t)(end - p)) + 1)
			if (it_stream_parse(p, (size_t)(end - p), id, &s))
				first = first ? first : s, last = s;
		if (first && (!l->first || first < l->first))
			l->first = first;
		if (last > l->last)
			l->last = last;
		it_buf_reset(&b);
	}
	it_buf_free(&b);
	it_spool_reader_close(&r);
	return got < 0 ? -1 : 0;
}

/* The spool's size on disk, and what of it the reader has not reached. */
static uint64_t sizes(struct it_shipper *sh, const struct it_spool_file *v, long n)
{
	uint64_t total = 0, backlog = 0;
	long i;

	for (i = 0; i < n; i++) {
		int c = strcmp(v[i].name, sh->rd.pos.name);

		total += v[i].size;
		if (c > 0 || (c == 0 && !sh->rd.pos_done && sh->rd.fd < 0))
			backlog += v[i].size;
		else if (c == 0 && sh->rd.fd >= 0 && v[i].size > sh->rd.raw_off)
			backlog += v[i].size - sh->rd.raw_off;
	}
	sh->spool_bytes = total;
	sh->backlog_bytes = backlog;
	return total;
}

void ship_spool_check(struct it_shipper *sh)
{
	struct it_spool_loss loss = { 0 };
	struct it_spool_file *v;
	char passed[NAME_MAX + 1] = "";
	long n = it_spool_list(&sh->rd, &v), i, del = 0;
	uint64_t total;

	if (n < 0)
		return;
	total = sizes(sh, v, n);
	for (i = 0; sh->cfg.spool_max_bytes && total > sh->cfg.spool_max_bytes && i < n; i++) {
		int c = strcmp(v[i].name, sh->rd.pos.name);

		if (v[i].tmp || !sh->rd.dir_mode)
			break;	/* the file being written, and what is newer */
		if (c > 0 || (c == 0 && !sh->rd.pos_done)) {
			if (count_rest(sh, v[i].name, c == 0 ? sh->rd.pos.off : 0, &loss))
				break;
			snprintf(passed, sizeof(passed), "%s", v[i].name);
		}
		total -= v[i].size;
		del = i + 1;
	}
	if (loss.count) {
		it_spool_state_add_loss(&sh->st, &loss);
		if (ship_save_state(sh)) {
			it_spool_state_drop_loss(&sh->st, loss.first);
			del = 0;	/* not known after a crash: delete nothing */
		}
	}
	if (del && passed[0]) {
		it_spool_pass(&sh->rd, passed);
		sh->resume_checked = true;
	}
	for (i = 0; i < del; i++)
		if (unlinkat(sh->rd.dirfd, v[i].name, 0) && errno != ENOENT)
			it_warn("kafka: cannot delete %s for --spool-max-bytes: %s", v[i].name, strerror(errno));
	if (del && loss.count) {
		static struct it_log_limit lim = { .interval_s = 60 };

		sh->lost += loss.count;
		it_log_limited(&lim, LOG_WARNING, "warning: kafka: spool over --spool-max-bytes: %" PRIu64
			       " records never sent were deleted (seq %" PRIu64 "-%" PRIu64 ")",
			       loss.count, loss.first, loss.last);
		ship_loss(sh, &loss);
	}
	if (del)
		sizes(sh, v + del, n - del);
	free(v);
}
