// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_focus.c - libFuzzer target for focus reports (userspace/focusctx.c): any bytes
 * as one report line. Whatever comes in, an accepted line is exactly "focus " + a
 * valid id, and what the agent would record is a valid id, "other" or "unknown".
 * Build and run: make fuzz-focus (FUZZ_TIME=seconds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "focusctx.h"

static struct it_focusctx ctx;
static uint64_t now;

static void check_context(const char *c)
{
	if (!it_focus_id_valid(c))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[IT_FOCUS_ID_MAX + 1], reason[256];
	struct it_focus_decision d;
	static int ready;

	if (!ready) {
		struct it_focusctx_config cfg = { .rate = 3 };
		char err[256];

		if (it_focus_list_add(&cfg.apps, "zenity,org.gtk.Demo", err, sizeof(err)) ||
		    it_focusctx_init(&ctx, &cfg, err, sizeof(err)))
			abort();
		ready = 1;
	}
	if (!it_focus_parse((const char *)data, size, id, reason, sizeof(reason))) {
		if (!it_focus_id_valid(id) || size != 6 + strlen(id) ||
		    memcmp(data, "focus ", 6) || memcmp(data + 6, id, strlen(id)))
			abort();
	} else if (!reason[0]) {
		abort();	/* every refusal says why */
	}
	/* through the whole decision, 0.1 s apart, now and then from another uid */
	now += 100000000ull;
	if (!it_focusctx_report(&ctx, (const char *)data, size, 1000, size % 7 ? 1000 : 1001, now,
				&d, reason, sizeof(reason)))
		check_context(d.context);
	if (it_focusctx_tick(&ctx, now, &d))
		check_context(d.context);
	check_context(ctx.cur.context);
	if (ctx.cur.paused != (ctx.cur.pause_app[0] != 0))
		abort();
	return 0;
}
