/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * counters.h - the kernel's counters in userspace: summing the per-CPU copies and
 * the table of reported names, both generated from IT_COUNTERS (inputtrace.h), so
 * the stats record, the metrics, `ctl status` and the tests list the same counters.
 */
#ifndef IT_COUNTERS_H
#define IT_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include "inputtrace.h"

/* One counter of IT_COUNTERS, as reported. */
struct it_counter_info {
	const char *name;	/* stats record and ctl status key */
	const char *metric;	/* Prometheus name, without the inputtrace_ prefix */
	const char *help;
	size_t offset;		/* in struct it_counters */
};

/* IT_COUNTERS_REPORTED: how many counters are reported (a constant, for arrays). */
#define IT_COUNTER_SKIP_(...)
enum {
#define IT_COUNTER_ENUM_(field, ...) IT_COUNTER_IDX_##field,
	IT_COUNTERS(IT_COUNTER_ENUM_, IT_COUNTER_SKIP_)
#undef IT_COUNTER_ENUM_
	IT_COUNTERS_REPORTED
};

/* The reported counters (those with a name), in IT_COUNTERS order. */
extern const struct it_counter_info it_counter_info[];
extern const size_t it_counter_count;

/* Value of reported counter i (< it_counter_count) in c. */
static inline uint64_t it_counter_get(const struct it_counters *c, size_t i)
{
	return *(const __u64 *)((const char *)c + it_counter_info[i].offset);
}

/* Sum n per-CPU copies v[0..n-1] of the counters into *sum (every field). */
void it_counters_sum(const struct it_counters *v, int n, struct it_counters *sum);

/* The sum of the outcome counters of c: equals c->seen when every event was
 * accounted for (the identity in inputtrace.h). */
uint64_t it_counters_outcomes(const struct it_counters *c);

#endif
