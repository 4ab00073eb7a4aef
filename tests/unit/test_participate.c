// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_participate.c - `ctl participate` requests (userspace/participate.c): each
 * verb's reply and change, the permissions (own choice only; root lists and may
 * withdraw for others; nobody consents for another), the notice check, and malformed
 * requests refused with one error line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "participate.h"

static struct it_subject_key key;
static struct it_choices choices;
static struct it_part_ctx ctx;
static struct it_buf reply;
static struct it_part_change chg;

static const char key32[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
#define SUBJ_1000 "254fc84271d1f54860fa0cc6d1b4130a"	/* python hmac, see test_subject.c */
#define SUBJ_1001 "90d1709c28b8030d4bb9d4abd3c19405"

static int setup(void **state)
{
	assert_int_equal(it_subject_key_parse(key32, 64, &key), 0);
	it_choices_free(&choices);
	ctx = (struct it_part_ctx){ .mode = IT_PART_OPT_IN, .choices = &choices, .key = &key,
				    .notice = 3, .now_ns = 1700000000000000000ULL };
	return 0;
}

/* Send req as uid; returns the result, reply as a string. */
static enum it_part_result ask(uid_t uid, const char *req, const char **text)
{
	enum it_part_result r;

	it_buf_reset(&reply);
	r = it_participate_handle(&ctx, uid, req, strlen(req), &reply, &chg);
	it_buf_putc(&reply, 0);
	*text = reply.p;
	assert_int_equal(reply.p[reply.len - 2], '\n');	/* every reply ends a line */
	return r;
}

static void apply(void)
{
	assert_int_equal(it_choices_set(&choices, &chg.choice), 0);
}

static void test_yes_status_no(void **state)
{
	const char *t;

	assert_int_equal(ask(1000, "participate status\n", &t), IT_PART_REPLY);
	assert_string_equal(t, "ok subject=" SUBJ_1000 " choice=none time=- notice=- mode=opt-in "
			    "recorded=no\n");
	assert_int_equal(ask(1000, "participate yes\n", &t), IT_PART_CHANGE);
	assert_int_equal(chg.choice.uid, 1000);
	assert_true(chg.choice.yes);
	assert_int_equal(chg.choice.notice, 3);
	assert_int_equal(chg.choice.time_ns, ctx.now_ns);
	assert_string_equal(chg.subject, SUBJ_1000);
	assert_string_equal(t, "ok subject=" SUBJ_1000 " choice=yes time=2023-11-14T22:13:20Z "
			    "notice=3 mode=opt-in recorded=yes\n");
	apply();
	assert_int_equal(ask(1000, "participate status", &t), IT_PART_REPLY);	/* no newline: fine */
	assert_non_null(strstr(t, "choice=yes"));
	/* the same choice and notice again: ok, nothing to record or save */
	assert_int_equal(ask(1000, "participate yes notice=3\n", &t), IT_PART_REPLY);
	assert_non_null(strstr(t, "ok subject=" SUBJ_1000 " choice=yes"));
	assert_int_equal(ask(1000, "participate no\n", &t), IT_PART_CHANGE);
	assert_false(chg.choice.yes);
	assert_non_null(strstr(t, "choice=no"));
	assert_non_null(strstr(t, "recorded=no"));
	apply();
	ctx.mode = IT_PART_OPT_OUT;
	assert_int_equal(ask(1001, "participate status\n", &t), IT_PART_REPLY);
	assert_string_equal(t, "ok subject=" SUBJ_1001 " choice=none time=- notice=- mode=opt-out "
			    "recorded=yes\n");
}

static void test_permissions(void **state)
{
	const char *t;

	assert_int_equal(ask(1001, "participate status uid=1000\n", &t), IT_PART_ERROR);
	assert_string_equal(t, "error: permission denied: only root may ask about another user\n");
	assert_int_equal(ask(1001, "participate no uid=1000\n", &t), IT_PART_ERROR);
	assert_int_equal(ask(1000, "participate status uid=1000\n", &t), IT_PART_REPLY);
	assert_int_equal(ask(1000, "participate list\n", &t), IT_PART_ERROR);
	assert_non_null(strstr(t, "only root"));
	/* nobody says yes for another, root included */
	assert_int_equal(ask(0, "participate yes uid=1000\n", &t), IT_PART_ERROR);
	/* root may withdraw for someone (a written objection) and see anyone's */
	assert_int_equal(ask(0, "participate no uid=1001\n", &t), IT_PART_CHANGE);
	assert_int_equal(chg.choice.uid, 1001);
	assert_string_equal(chg.subject, SUBJ_1001);
	apply();
	assert_int_equal(ask(1000, "participate yes\n", &t), IT_PART_CHANGE);
	apply();
	assert_int_equal(ask(0, "participate list\n", &t), IT_PART_REPLY);
	assert_string_equal(t, "ok 2 choices\n"
			    "uid=1000 subject=" SUBJ_1000 " choice=yes time=2023-11-14T22:13:20Z "
			    "notice=3 mode=opt-in recorded=yes\n"
			    "uid=1001 subject=" SUBJ_1001 " choice=no time=2023-11-14T22:13:20Z "
			    "notice=3 mode=opt-in recorded=no\n");
	assert_int_equal(ask(0, "participate status uid=1001\n", &t), IT_PART_REPLY);
	assert_non_null(strstr(t, "choice=no"));
}

static void test_notice(void **state)
{
	const char *t;

	assert_int_equal(ask(1000, "participate yes notice=2\n", &t), IT_PART_ERROR);
	assert_non_null(strstr(t, "the notice changed"));
	assert_int_equal(ask(1000, "participate no notice=3\n", &t), IT_PART_ERROR);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "\n", "participate", "participate\n", "participate maybe\n", "Participate yes\n",
		"participate  yes\n" /* two spaces: "" is no verb */, "participate yes\n\n",
		"participate yes\r\n", "participate status uid=\n", "participate status uid=-1\n",
		"participate status uid=4294967295\n", "participate status uid=99999999999\n",
		"participate status uid=1x\n", "participate status uid=1 uid=1\n",
		"participate yes notice=1 notice=1\n", "participate status foo\n",
		"participate list uid=1\n", "pause\n", "participate yes\tnotice=3\n",
		"participate st\xc3\xa4tus\n",
	};
	char longreq[400];
	const char *t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ask(0, bad[i], &t) != IT_PART_ERROR || strncmp(t, "error: ", 7))
			fail_msg("request %zu \"%s\" was not refused: %s", i, bad[i], t);
	}
	/* a NUL inside */
	it_buf_reset(&reply);
	assert_int_equal(it_participate_handle(&ctx, 0, "participate yes\0x\n", 18, &reply, &chg),
			 IT_PART_ERROR);
	memset(longreq, 'a', sizeof(longreq));
	memcpy(longreq, "participate status ", 19);
	assert_int_equal(it_participate_handle(&ctx, 0, longreq, sizeof(longreq), &reply, &chg),
			 IT_PART_ERROR);
	assert_int_equal(ask(0, "participate status\n", &t), IT_PART_REPLY);
}

/* A flood of yes/no: a burst of changes, then yes is refused with the wait while
 * every no that stops recording still works; repeats change nothing; the table of
 * changers stays bounded. */
static void test_flood(void **state)
{
	static struct it_part_rate rate;
	int changes = 0, refused = 0;
	const char *t;

	memset(&rate, 0, sizeof(rate));
	ctx.rate = &rate;
	ctx.mono_ns = 1000000000000ULL;
	for (int i = 0; i < 1000; i++) {
		const struct it_choice *old = it_choices_get(&choices, 1000);
		bool was_yes = old && old->yes;
		enum it_part_result r = ask(1000, i % 2 ? "participate no\n" :
					    "participate yes\n", &t);

		if (i % 2 && was_yes)	/* a withdrawal: always */
			assert_int_equal(r, IT_PART_CHANGE);
		if (r == IT_PART_CHANGE) {
			changes++;
			apply();
		} else if (r == IT_PART_ERROR) {
			assert_string_equal(t, "error: too many changes; try again in 10 s\n");
			refused++;
		}
	}
	assert_int_equal(changes, 2 * 3);	/* yes,no x3: the burst of 5 and a withdrawal */
	assert_int_equal(refused, 500 - 3);
	/* 10 s later: one more yes */
	ctx.mono_ns += IT_PART_REFILL_S * 1000000000ULL;
	assert_int_equal(ask(1000, "participate yes\n", &t), IT_PART_CHANGE);
	apply();
	assert_int_equal(ask(1000, "participate yes\n", &t), IT_PART_REPLY);	/* a repeat */
	assert_int_equal(ask(1000, "participate no\n", &t), IT_PART_CHANGE);
	apply();
	assert_int_equal(ask(1000, "participate yes\n", &t), IT_PART_ERROR);
	/* another uid has its own bound; many uids: the table stays bounded */
	assert_int_equal(ask(1001, "participate yes\n", &t), IT_PART_CHANGE);
	for (uid_t u = 2000; u < 3000; u++)
		assert_int_equal(ask(u, "participate yes\n", &t), IT_PART_CHANGE);
	assert_int_equal(rate.n, IT_PART_RATE_SLOTS);
	ctx.rate = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_yes_status_no, setup),
		cmocka_unit_test_setup(test_permissions, setup),
		cmocka_unit_test_setup(test_notice, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_flood, setup),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	it_buf_free(&reply);
	it_choices_free(&choices);
	return r;
}
