// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* finish.c - the end of a run's output (finish.h). */
#include <stdio.h>
#include <string.h>
#include "finish.h"

int it_finish_output(struct it_collector *c, char *msg, size_t len)
{
	struct it_sink *s = c->sink;
	uint64_t before;
	bool stats_lost, closed;
	int e;

	if (len)
		msg[0] = 0;
	it_collector_stats(c);	/* the stats record, with the sink's counts so far */
	if (s->err && !s->failed)
		s->retry_at = 0;	/* try now, not at the next flush interval */
	before = s->dropped_lines;
	it_collector_flush(c);
	stats_lost = s->dropped_lines != before;
	closed = !it_sink_close(s);
	it_collector_update_stats(c);
	if (s->failed)
		return -1;	/* the sink said why, once */
	if (!stats_lost && !s->err && !s->gap_lines && !s->gap_bytes)
		return closed ? 0 : -1;
	e = s->err ? s->err : s->last_err;
	if (len)
		snprintf(msg, len, "cannot write to %s at exit: %s; %llu lines (%llu bytes) of this "
			 "run were not written%s", s->name, e ? strerror(e) : "write error",
			 (unsigned long long)c->st.output_lost_lines,
			 (unsigned long long)c->st.output_lost_bytes,
			 stats_lost && c->o->format != IT_FMT_CSV ?
			 ", the final stats record among them" : "");
	return -1;
}
