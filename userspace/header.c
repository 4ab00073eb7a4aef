// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* header.c - what the header record says about this machine, and its clocks (header.h). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "header.h"

void it_hostinfo_read(struct it_hostinfo *h, const char *proc_root)
{
	struct utsname u;
	char path[512];
	FILE *f;

	memset(h, 0, sizeof(*h));
	if (gethostname(h->host, sizeof(h->host) - 1))
		h->host[0] = 0;
	if (!uname(&u))
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", proc_root);
	if ((f = fopen(path, "re"))) {
		if (fgets(h->boot_id, sizeof(h->boot_id), f))
			h->boot_id[strcspn(h->boot_id, "\n")] = 0;
		fclose(f);
	}
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

void it_clock_pair(uint64_t *mono_ns, uint64_t *real_ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		struct timespec a, r, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ts_ns(&b) - ts_ns(&a) < best) {
			best = ts_ns(&b) - ts_ns(&a);
			*mono_ns = ts_ns(&a) + best / 2;
			*real_ns = ts_ns(&r);
		}
	}
}
