// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* counters.c - the counter list of IT_COUNTERS expanded for userspace (counters.h). */
#include <string.h>
#include "counters.h"

#define IT_COUNTER_NONE(...)

const struct it_counter_info it_counter_info[] = {
#define IT_COUNTER_INFO(field, outcome, name, metric, help)			\
	{ name, metric, help, offsetof(struct it_counters, field) },
	IT_COUNTERS(IT_COUNTER_INFO, IT_COUNTER_NONE)
#undef IT_COUNTER_INFO
};

const size_t it_counter_count = sizeof(it_counter_info) / sizeof(it_counter_info[0]);

void it_counters_sum(const struct it_counters *v, int n, struct it_counters *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
#define IT_COUNTER_ADD(field, ...) sum->field += v[i].field;
		IT_COUNTERS(IT_COUNTER_ADD, IT_COUNTER_ADD)
#undef IT_COUNTER_ADD
	}
}

uint64_t it_counters_outcomes(const struct it_counters *c)
{
	uint64_t s = 0;

#define IT_COUNTER_OUTCOME(field, outcome, ...) s += (outcome) ? c->field : 0;
	IT_COUNTERS(IT_COUNTER_OUTCOME, IT_COUNTER_NONE)
#undef IT_COUNTER_OUTCOME
	return s;
}
