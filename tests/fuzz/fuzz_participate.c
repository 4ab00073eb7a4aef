// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_participate.c - libFuzzer target for the `ctl participate` request parser
 * (userspace/participate.c), built with clang -fsanitize=fuzzer,address,undefined
 * (make fuzz-participate; a short run is part of make test-participation).
 *
 * Input: the first byte picks the caller (0: root, else uid 1000 + byte), the rest is
 * the request as a client would send it. Checked beyond the sanitizers: every reply
 * is one or more whole lines starting "ok " or "error: "; a change is the caller's
 * own unless root withdraws; only root gets a list; nobody says yes for another.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "participate.h"

static struct it_subject_key key;
static struct it_choices choices;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	struct it_choice ch = { .uid = 1000, .yes = true, .time_ns = 1, .notice = 1 };

	if (it_subject_key_parse(hex, 64, &key) || it_choices_set(&choices, &ch))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct it_part_ctx c = { .mode = IT_PART_OPT_IN, .choices = &choices, .key = &key,
				 .notice = 1, .now_ns = 2 };
	struct it_buf reply = { 0 };
	struct it_part_change chg;
	enum it_part_result r;
	uid_t caller;

	if (!size)
		return 0;
	caller = data[0] ? 1000u + data[0] : 0;
	r = it_participate_handle(&c, caller, (const char *)data + 1, size - 1, &reply, &chg);
	if (reply.oom || reply.len < 4 || reply.p[reply.len - 1] != '\n')
		abort();
	if (r == IT_PART_ERROR && memcmp(reply.p, "error: ", 7))
		abort();
	if (r != IT_PART_ERROR && memcmp(reply.p, "ok ", 3))
		abort();
	/* one line, except root's list */
	if (memchr(reply.p, '\n', reply.len - 1) && !(caller == 0 && r == IT_PART_REPLY))
		abort();
	if (r == IT_PART_CHANGE && chg.choice.uid != caller && (caller != 0 || chg.choice.yes))
		abort();
	if (r == IT_PART_CHANGE && !it_subject_valid(chg.subject))
		abort();
	it_buf_free(&reply);
	return 0;
}
