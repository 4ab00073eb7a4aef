// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* finish.c - the end of a run's output (finish.h). */
#include <stdio.h>
#include <string.h>
#include "finish.h"
#include "log.h"

/* One output at the end: "" when complete, else what it could not write (msg). Returns
 * 0 when complete, -1 when not. */
static int output_end(struct it_collector *c, struct it_output *out, bool stats_lost,
		      bool closed, char *msg, size_t len)
{
	struct it_output_stats st;
	int e;

	out->ops->stats(out, &st);
	if (len)
		msg[0] = 0;
	if (st.failed)
		return -1;	/* the output said why, once */
	if (!stats_lost && !st.err && !st.unmarked_lines && !st.unmarked_bytes)
		return closed ? 0 : -1;
	e = st.err ? st.err : st.last_err;
	if (len)
		snprintf(msg, len, "cannot write to %s at exit: %s; %llu lines (%llu bytes) of this "
			 "run were not written%s", out->name, e ? strerror(e) : "write error",
			 (unsigned long long)c->st.output_lost_lines,
			 (unsigned long long)c->st.output_lost_bytes,
			 stats_lost && c->fmt->stats ? ", the final stats record among them" : "");
	return -1;
}

int it_finish_output(struct it_collector *c, char *msg, size_t len)
{
	struct it_outputs *l = &c->outs;
	uint64_t before[IT_OUTPUTS_MAX];
	bool closed[IT_OUTPUTS_MAX], stats_lost[IT_OUTPUTS_MAX];
	unsigned int i;
	int rc = 0;

	if (len)
		msg[0] = 0;
	it_collector_stats(c);	/* the stats record, with the outputs' counts so far */
	for (i = 0; i < l->n; i++) {
		struct it_output_stats st;

		if (l->v[i]->ops->ending)
			l->v[i]->ops->ending(l->v[i]);	/* try now, not at the next interval */
		l->v[i]->ops->stats(l->v[i], &st);
		before[i] = st.lost_lines;
	}
	it_collector_flush(c);
	for (i = 0; i < l->n; i++) {
		struct it_output_stats st;

		l->v[i]->ops->stats(l->v[i], &st);
		closed[i] = !l->v[i]->ops->close(l->v[i]);
		stats_lost[i] = st.lost_lines != before[i];
	}
	it_collector_update_stats(c);
	for (i = 0; i < l->n; i++) {
		char m[512];

		if (!output_end(c, l->v[i], stats_lost[i], closed[i], m, sizeof(m)))
			continue;
		if (!rc && len)
			snprintf(msg, len, "%s", m);	/* the first one, for the caller */
		else if (m[0])
			it_err("%s", m);
		rc = -1;
	}
	return rc;
}
