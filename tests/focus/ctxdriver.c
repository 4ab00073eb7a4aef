// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ctxdriver.c - focus report lines on stdin through the agent's decisions
 * (userspace/focusctx.c), as the agent will take them from the helper: prints
 * "record CONTEXT", "pause APP" and "resume", one a line. Usage:
 *	ctxdriver [--apps LIST] [--pause-apps LIST]  (reports from our own uid)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "focusctx.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void show(const struct it_focus_decision *d)
{
	if (d->pause_changed && d->paused)
		printf("pause %s\n", d->pause_app);
	if (d->pause_changed && !d->paused)
		printf("resume\n");
	if (d->record)
		printf("record %s\n", d->context);
}

int main(int argc, char **argv)
{
	struct it_focusctx_config cfg = { 0 };
	struct it_focusctx ctx;
	struct it_focus_decision d;
	char line[256], err[256];
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		struct it_focus_list *l = !strcmp(argv[i], "--apps") ? &cfg.apps : &cfg.pause;

		if (it_focus_list_add(l, argv[i + 1], err, sizeof(err))) {
			fprintf(stderr, "ctxdriver: %s\n", err);
			return 2;
		}
	}
	if (it_focusctx_init(&ctx, &cfg, err, sizeof(err)))
		return 2;
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strcspn(line, "\n");

		if (it_focusctx_report(&ctx, line, n, getuid(), getuid(), now_ns(), &d, err,
				       sizeof(err)))
			printf("refused %s\n", err);
		else
			show(&d);
	}
	while (it_focusctx_deadline(&ctx)) {
		usleep(10000);
		if (it_focusctx_tick(&ctx, now_ns(), &d))
			show(&d);
	}
	return 0;
}
