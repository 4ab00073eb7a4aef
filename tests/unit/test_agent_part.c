// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_agent_part.c - participation in the agent (userspace/agent_part.c), without a
 * bus: logind's callback driven by hand into a collector whose output is kept in
 * memory and a pause state whose kernel hooks are traced. Asserted: the order of
 * flag, drain and record on each change (held: flag, drain, record; released: record,
 * flag), the session records with their reasons, the subject (the HMAC of the uid,
 * computed with Python's hmac for the key 00..1f) only while recording and on the
 * events recorded, ctl pause kept across a session change; and the flags
 * (--participation and friends).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "agent_part.h"
#include "cli.h"
#include "collector.h"
#include "format.h"

#define ALICE_SUBJECT "254fc84271d1f54860fa0cc6d1b4130a"	/* uid 1000, key 00..1f */
#define KEYHEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char trace[256];	/* K1 flag set, K0 cleared, D drained, R a record written */

static int t_kernel(void *ctx, bool paused)
{
	strcat(trace, paused ? "K1 " : "K0 ");
	return 0;
}

static void t_drain(void *ctx)
{
	strcat(trace, "D ");
}

struct mem_output {
	struct it_output out;
	struct it_buf got;
};

static int mem_write(struct it_output *o, const void *p, size_t n)
{
	strcat(trace, "R ");
	it_buf_put(&((struct mem_output *)o)->got, p, n);
	return 0;
}

static int mem_flush(struct it_output *o) { return 0; }
static void mem_tick(struct it_output *o) { }
static int mem_close(struct it_output *o) { return 0; }
static void mem_stats(struct it_output *o, struct it_output_stats *st) { memset(st, 0, sizeof(*st)); }

static const struct it_output_ops mem_ops = {
	.write = mem_write, .flush = mem_flush, .tick = mem_tick, .close = mem_close,
	.stats = mem_stats,
};

struct fixture {
	struct it_opts o;
	struct it_collector col;
	struct it_pause_state ps;
	struct it_agent_part p;
	struct mem_output m;
};

static void parse(struct it_opts *o, const char *a, const char *b)
{
	char *argv[] = { "inputtrace", (char *)a, (char *)b, NULL };
	char err[256];

	assert_int_equal(it_parse_args(3, argv, o, err, sizeof(err), stdout), 0);
}

/* A part following logind (opt-in, alice said yes), armed by hand as
 * it_agent_part_arm() does, minus the bus and the control socket. */
static struct fixture *setup(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct it_choice yes = { .uid = 1000, .yes = true, .time_ns = 1, .notice = 1 };

	assert_non_null(f);
	parse(&f->o, "--participation", "opt-in");
	assert_int_equal(it_collector_init(&f->col, &f->o, NULL, "/nonexistent"), 0);
	f->m.out = (struct it_output){ .ops = &mem_ops, .name = "memory" };
	assert_int_equal(it_collector_add_output(&f->col, &f->m.out), 0);
	f->ps.ops = (struct it_pause_ops){ .set_kernel = t_kernel, .drain = t_drain };
	f->ps.status.fd = -1;
	f->ps.holds = IT_HOLD_SESSION;	/* attached paused */
	f->p = (struct it_agent_part){ .o = &f->o, .mode = IT_PART_OPT_IN, .dirfd = -1,
		.watched_fd = -1, .follow = true, .armed = true, .have_key = true,
		.col = &f->col, .ps = &f->ps,
		.sess = { .why = IT_WHY_STARTING, .uid = (uid_t)-1 },
		.cur = { .why = IT_WHY_STARTING, .uid = (uid_t)-1 } };
	assert_int_equal(it_subject_key_parse(KEYHEX, strlen(KEYHEX), &f->p.key), 0);
	assert_int_equal(it_choices_set(&f->p.choices, &yes), 0);
	f->col.fc.subject = f->p.subject;
	it_collector_flush(&f->col);	/* the header records, out of the way */
	f->m.got.len = 0;
	trace[0] = 0;
	return f;
}

static void teardown(struct fixture *f)
{
	it_choices_free(&f->p.choices);
	it_collector_free(&f->col);
	it_buf_free(&f->m.got);
	free(f);
}

/* Drive one state; return what was written (NUL-terminated, reset after). */
static char *state(struct fixture *f, enum it_why why, uid_t uid, const char *sid)
{
	struct it_session_state s = { .record = why == IT_WHY_ACTIVE, .why = why, .uid = uid };
	static char out[4096];

	snprintf(s.session, sizeof(s.session), "%s", sid);
	trace[0] = 0;
	it_agent_part_on_session(&s, &f->p);
	snprintf(out, sizeof(out), "%.*s", (int)f->m.got.len, f->m.got.p ? f->m.got.p : "");
	f->m.got.len = 0;
	return out;
}

static void key(struct fixture *f)
{
	struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = 4 }, .mono_ns = 1000,
			      .type = 1, .code = 30, .value = 1 };

	it_collector_on_record(&f->col, &e, sizeof(e));
	it_collector_flush(&f->col);
}

static void test_decisions(void **st)
{
	struct fixture *f = setup();
	uid_t uid;
	char *out;

	out = state(f, IT_WHY_NO_SESSION, (uid_t)-1, "");
	assert_string_equal(trace, "R ");	/* still held: the record only */
	assert_non_null(strstr(out, "{\"record\":\"session\",\"time\":"));
	assert_non_null(strstr(out, "\"recording\":false,\"why\":\"no-session\"}\n"));
	assert_false(it_agent_part_active_uid(&f->p, &uid));

	out = state(f, IT_WHY_ACTIVE, 1000, "c1");	/* alice, who said yes */
	assert_string_equal(trace, "R K0 ");		/* record, then the flag cleared */
	assert_non_null(strstr(out, "{\"record\":\"session\",\"subject\":\"" ALICE_SUBJECT "\""));
	assert_non_null(strstr(out, "\"recording\":true,\"why\":\"active\"}\n"));
	assert_string_equal(f->p.subject, ALICE_SUBJECT);
	assert_true(it_agent_part_active_uid(&f->p, &uid));
	assert_int_equal(uid, 1000);
	key(f);
	assert_non_null(strstr(f->m.got.p, "{\"record\":\"event\",\"subject\":\"" ALICE_SUBJECT
			       "\",\"dev\":4,"));
	f->m.got.len = 0;

	out = state(f, IT_WHY_LOCKED, 1000, "c1");
	assert_string_equal(trace, "K1 D R ");	/* flag, drain, then the record */
	assert_non_null(strstr(out, "\"recording\":false,\"why\":\"locked\"}"));
	assert_null(strstr(out, "subject"));
	assert_string_equal(f->p.subject, "");

	out = state(f, IT_WHY_ACTIVE, 1001, "c2");	/* bob: never agreed */
	assert_string_equal(trace, "R ");
	assert_non_null(strstr(out, "\"why\":\"not-participating\""));
	assert_null(strstr(out, "subject"));
	assert_true(it_agent_part_active_uid(&f->p, &uid));
	assert_int_equal(uid, 1001);

	/* ctl pause, then alice comes back: recorded in principle, the kernel stays paused */
	assert_int_equal(it_pause_set(&f->ps, true, &(struct it_ctl_req){ .via = "socket" }), 0);
	out = state(f, IT_WHY_ACTIVE, 1000, "c1");
	assert_string_equal(trace, "R ");
	assert_non_null(strstr(out, "\"recording\":true"));
	assert_int_equal(f->ps.holds, IT_HOLD_MANUAL);
	out = state(f, IT_WHY_ACTIVE, 1000, "c1");	/* no change: nothing */
	assert_string_equal(trace, "");
	assert_string_equal(out, "");
	teardown(f);
}

/* Loss records carry the subject; pause/resume records the subject of who asked
 * instead of uid, gid, pid and user. */
static void test_records(void **st)
{
	struct fixture *f = setup();
	struct it_ctl_req r = { .via = "socket", .uid = 1000, .gid = 1000, .pid = 42,
				.user = "alice" };
	struct it_buf b = { 0 };

	snprintf(f->p.subject, sizeof(f->p.subject), "%s", ALICE_SUBJECT);
	f->col.fmt->loss(&f->col.fc, &b, 12, IT_DEV_MIXED);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "{\"record\":\"loss\",\"subject\":\"" ALICE_SUBJECT
			    "\",\"count\":12}\n");
	b.len = 0;
	f->col.fc.subject_key = &f->p.key;
	f->col.fmt->control(&f->col.fc, &b, true, &r, 812443120000ull, 1000000000000000000ull);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "{\"record\":\"pause\",\"subject\":\"" ALICE_SUBJECT
			    "\",\"time\":\"2001-09-09T01:46:40.000000Z\",\"sec\":812,"
			    "\"usec\":443120,\"via\":\"socket\"}\n");
	b.len = 0;
	f->col.fc.subject_key = NULL;	/* without a key: as before */
	f->col.fmt->control(&f->col.fc, &b, false, &r, 812443120000ull, 1000000000000000000ull);
	it_buf_putc(&b, 0);
	assert_non_null(strstr(b.p, "\"uid\":1000,\"gid\":1000,\"pid\":42,\"user\":\"alice\"}"));
	assert_null(strstr(b.p, "subject"));
	it_buf_free(&b);
	teardown(f);
}

/* CSV with a key: a last column, subject, on every row (the pause row: the subject of
 * who asked, no uid); without a key: the columns as before. */
static void test_csv(void **st)
{
	struct it_subject_key key;
	struct it_format_ctx fc = { .subject = ALICE_SUBJECT, .subject_key = &key };
	struct it_ctl_req r = { .via = "socket", .uid = 1000 };
	struct it_event e = { .hdr = { .kind = IT_REC_EVENT, .dev = 4 }, .mono_ns = 14704248000ull,
			      .type = 1, .code = 30, .value = 1 };
	struct it_fmt_dev d = { .id = 4, .virt = -1 };
	struct it_buf b = { 0 };

	assert_int_equal(it_subject_key_parse(KEYHEX, strlen(KEYHEX), &key), 0);
	it_format_csv.header(&fc, &b, 1);
	it_format_csv.event(&fc, &b, &d, &e);
	it_format_csv.loss(&fc, &b, 3, IT_DEV_MIXED);
	it_format_csv.control(&fc, &b, true, &r, 812443120000ull, 1000000000000000000ull);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p,
		"record,dev,device,sec,usec,time,type,code,value,subject\n"
		"event,4,,14,704248,,EV_KEY,KEY_A,1," ALICE_SUBJECT "\n"
		"loss,,,,,,,,3," ALICE_SUBJECT "\n"
		"pause,,,812,443120,2001-09-09T01:46:40.000000Z,,,," ALICE_SUBJECT "\n");
	b.len = 0;
	fc.subject_key = NULL;
	it_format_csv.header(&fc, &b, 1);
	it_format_csv.event(&fc, &b, &d, &e);
	it_format_csv.control(&fc, &b, true, &r, 812443120000ull, 1000000000000000000ull);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p,
		"record,dev,device,sec,usec,time,type,code,value\n"
		"event,4,,14,704248,,EV_KEY,KEY_A,1\n"
		"pause,,,812,443120,2001-09-09T01:46:40.000000Z,,,1000\n");
	it_buf_free(&b);
}

static void test_flags(void **st)
{
	struct it_opts o;
	char err[256];
	char *bad[][3] = {
		{ "inputtrace", "--participation", "sometimes" },
		{ "inputtrace", "--subject-key", "relative.key" },
		{ "inputtrace", "--state-dir", "var/lib" },
		{ "inputtrace", "--notice-version", "-1" },
		{ "inputtrace", "--notice-version", "4294967296" },
	};
	size_t i;

	parse(&o, "--participation", "opt-out");
	assert_int_equal(o.part.mode, IT_PART_OPT_OUT);
	assert_string_equal(o.control_socket, "/run/inputtrace/control.sock");
	assert_string_equal(o.part.state_dir, "/var/lib/inputtrace");
	assert_null(o.part.subject_key);
	parse(&o, "--notice-version", "4294967295");
	assert_int_equal(o.part.notice, 4294967295u);
	assert_int_equal(o.part.mode, IT_PART_EVERYONE);
	assert_null(o.control_socket);	/* everyone: no socket unless asked */
	assert_false(it_part_opts_subjects(&o.part));
	parse(&o, "--subject-key", "/etc/it.key");
	assert_true(it_part_opts_subjects(&o.part));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(it_parse_args(3, bad[i], &o, err, sizeof(err), stdout), -1);
		assert_non_null(strstr(err, bad[i][1]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
