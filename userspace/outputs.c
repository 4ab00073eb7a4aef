// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* outputs.c - the list of outputs a collector writes to (outputs.h). */
#include <string.h>
#include "outputs.h"

int it_outputs_add(struct it_outputs *l, struct it_output *out, const struct it_output_feed *feed)
{
	if (l->n == IT_OUTPUTS_MAX)
		return -1;
	out->feed = feed;
	l->v[l->n++] = out;
	return 0;
}

int it_outputs_write(struct it_outputs *l, const void *p, size_t n)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < l->n; i++)
		if (l->v[i]->ops->write(l->v[i], p, n))
			rc = -1;
	return rc;
}

void it_outputs_tick(struct it_outputs *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		l->v[i]->ops->tick(l->v[i]);
}

void it_outputs_stats(struct it_outputs *l, struct it_output_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < l->n; i++) {
		struct it_output_stats s;

		l->v[i]->ops->stats(l->v[i], &s);
		st->lost_lines += s.lost_lines;
		st->lost_bytes += s.lost_bytes;
		st->unmarked_lines += s.unmarked_lines;
		st->unmarked_bytes += s.unmarked_bytes;
		st->bytes_written += s.bytes_written;
		st->files_completed += s.files_completed;
		st->files_deleted += s.files_deleted;
		st->files_recovered += s.files_recovered;
		if (!st->err)
			st->err = s.err;
		if (!st->last_err)
			st->last_err = s.last_err;
		st->failed |= s.failed;
	}
}
