// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_participation.c - --participation and the choices store
 * (userspace/participation.c): the modes' rule for each kind of person, the final
 * verdict over logind's, the file's round trip across a "restart" (a new load), its
 * atomic replacement, and the refusals (symlink, writable by others, unparsable,
 * out of order).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "tmpdir.h"
#include "atomicfile.h"
#include "participation.h"

static void test_modes(void **state)
{
	struct it_choice yes = { .uid = 1, .yes = true }, no = { .uid = 1, .yes = false };
	enum it_part_mode m;

	assert_int_equal(it_part_mode_parse("opt-in", &m), 0);
	assert_int_equal(m, IT_PART_OPT_IN);
	assert_int_equal(it_part_mode_parse("opt-out", &m), 0);
	assert_int_equal(m, IT_PART_OPT_OUT);
	assert_int_equal(it_part_mode_parse("everyone", &m), 0);
	assert_int_equal(m, IT_PART_EVERYONE);
	assert_int_equal(it_part_mode_parse("optin", &m), -1);
	assert_int_equal(it_part_mode_parse("", &m), -1);
	assert_string_equal(it_part_mode_name(IT_PART_OPT_OUT), "opt-out");
	assert_true(it_part_needs_logind(IT_PART_OPT_IN));
	assert_false(it_part_needs_logind(IT_PART_EVERYONE));
	/* opt-in: only a yes */
	assert_true(it_part_allows(IT_PART_OPT_IN, &yes));
	assert_false(it_part_allows(IT_PART_OPT_IN, &no));
	assert_false(it_part_allows(IT_PART_OPT_IN, NULL));
	/* opt-out: all but a no */
	assert_true(it_part_allows(IT_PART_OPT_OUT, &yes));
	assert_false(it_part_allows(IT_PART_OPT_OUT, &no));
	assert_true(it_part_allows(IT_PART_OPT_OUT, NULL));
	/* everyone: even a no (the operator chose so; the status reply says recorded=yes) */
	assert_true(it_part_allows(IT_PART_EVERYONE, &no));
}

static void test_decide(void **state)
{
	struct it_choices c = { 0 };
	struct it_choice ch = { .uid = 1000, .yes = true, .time_ns = 1, .notice = 1 };
	struct it_session_state s = { .record = true, .why = IT_WHY_ACTIVE, .uid = 1000 };
	struct it_session_state v;

	/* no logind: only everyone records */
	v = it_part_decide(IT_PART_EVERYONE, NULL, &c);
	assert_true(v.record);
	v = it_part_decide(IT_PART_OPT_OUT, NULL, &c);
	assert_false(v.record);
	assert_int_equal(v.why, IT_WHY_NO_LOGIND);
	/* nobody chose yet */
	v = it_part_decide(IT_PART_OPT_IN, &s, &c);
	assert_false(v.record);
	assert_string_equal(it_why_name(v.why), "not-participating");
	assert_true(it_part_decide(IT_PART_OPT_OUT, &s, &c).record);
	assert_int_equal(it_choices_set(&c, &ch), 0);
	v = it_part_decide(IT_PART_OPT_IN, &s, &c);
	assert_true(v.record);
	assert_int_equal(v.uid, 1000);
	/* another user at the keyboard: 1000's yes is not theirs */
	s.uid = 1001;
	assert_false(it_part_decide(IT_PART_OPT_IN, &s, &c).record);
	/* a session verdict of "no" is never turned into a yes */
	s.uid = 1000;
	s.record = false;
	s.why = IT_WHY_LOCKED;
	v = it_part_decide(IT_PART_EVERYONE, &s, &c);
	assert_false(v.record);
	assert_int_equal(v.why, IT_WHY_LOCKED);
	/* a withdrawal */
	ch.yes = false;
	assert_int_equal(it_choices_set(&c, &ch), 0);
	assert_int_equal(c.n, 1);
	s.record = true;
	s.why = IT_WHY_ACTIVE;
	assert_false(it_part_decide(IT_PART_OPT_IN, &s, &c).record);
	assert_false(it_part_decide(IT_PART_OPT_OUT, &s, &c).record);
	it_choices_free(&c);
}

static void test_store_round_trip(void **state)
{
	struct it_choices c = { 0 }, d = { 0 };
	const uint32_t uids[] = { 1002, 0, 1000, 4294967294u, 1001 };
	char err[256], p[128];
	struct stat st;
	int dfd = it_atomic_dir_open(dir, 0700);

	assert_true(dfd >= 0);
	/* nothing saved yet: no choices, not an error */
	assert_int_equal(it_choices_load(dfd, &d, err, sizeof(err)), 0);
	assert_int_equal(d.n, 0);
	for (size_t i = 0; i < 5; i++) {
		struct it_choice ch = { .uid = uids[i], .yes = i % 2, .time_ns = 1700000000123456789ULL + i,
					.notice = (uint32_t)i + 1 };

		assert_int_equal(it_choices_set(&c, &ch), 0);
	}
	assert_int_equal(it_choices_save(dfd, &c, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/participation", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a restart: a fresh load gives the same, sorted by uid */
	assert_int_equal(it_choices_load(dfd, &d, err, sizeof(err)), 0);
	assert_int_equal(d.n, 5);
	for (size_t i = 0; i < 5; i++) {	/* field by field: the struct has padding */
		assert_int_equal(d.v[i].uid, c.v[i].uid);
		assert_int_equal(d.v[i].yes, c.v[i].yes);
		assert_int_equal(d.v[i].time_ns, c.v[i].time_ns);
		assert_int_equal(d.v[i].notice, c.v[i].notice);
	}
	assert_int_equal(d.v[0].uid, 0);
	assert_int_equal(d.v[4].uid, 4294967294u);
	assert_true(it_choices_get(&d, 1000)->yes == false);
	assert_true(it_choices_get(&d, 1002)->yes == false);
	assert_true(it_choices_get(&d, 0)->yes == true);
	assert_int_equal(it_choices_get(&d, 1001)->notice, 5);
	assert_null(it_choices_get(&d, 999));
	/* a crash's temp file does not disturb the next save */
	snprintf(p, sizeof(p), "%s/.participation.new", dir);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(it_choices_save(dfd, &c, err, sizeof(err)), 0);
	assert_int_equal(access(p, F_OK), -1);
	it_choices_free(&c);
	it_choices_free(&d);
	close(dfd);
}

static void put(const char *name, const char *text, mode_t mode)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(p, mode);
}

static void load_fails(int dfd, const char *want)
{
	struct it_choices c = { 0 };
	char err[256];

	assert_int_equal(it_choices_load(dfd, &c, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	assert_int_equal(c.n, 0);
}

static void test_store_refusals(void **state)
{
	char p[128], target[128];
	int dfd = it_atomic_dir_open(dir, 0700);

	assert_true(dfd >= 0);
	put("participation", "inputtrace-participation 1\n1000 yes 5 1\n", 0666);
	load_fails(dfd, "writable by others");
	put("participation", "inputtrace-participation 2\n", 0600);
	load_fails(dfd, "line 1");
	put("participation", "inputtrace-participation 1\n1000 maybe 5 1\n", 0600);
	load_fails(dfd, "line 2");
	put("participation", "inputtrace-participation 1\n1000 yes 5 1", 0600);	/* cut */
	load_fails(dfd, "line 2");
	put("participation", "inputtrace-participation 1\n1001 yes 5 1\n1000 no 6 1\n", 0600);
	load_fails(dfd, "out of order");
	put("participation", "inputtrace-participation 1\n1000 yes 5 1\n1000 no 6 1\n", 0600);
	load_fails(dfd, "line 3");
	put("participation", "inputtrace-participation 1\n4294967295 yes 5 1\n", 0600);
	load_fails(dfd, "line 2");	/* (uid_t)-1 is nobody's uid */
	put("participation", "inputtrace-participation 1\n1000 yes 18446744073709551616 1\n", 0600);
	load_fails(dfd, "line 2");
	/* a symlink, even to a good file */
	put("real", "inputtrace-participation 1\n1000 yes 5 1\n", 0600);
	snprintf(p, sizeof(p), "%s/participation", dir);
	snprintf(target, sizeof(target), "%s/real", dir);
	unlink(p);
	assert_int_equal(symlink(target, p), 0);
	load_fails(dfd, "symlink");
	close(dfd);
	/* the directory itself: not through a symlink, not writable by others */
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink(dir, p), 0);
	assert_true(it_atomic_dir_open(p, 0700) < 0);
	snprintf(p, sizeof(p), "%s/open", dir);
	assert_int_equal(mkdir(p, 0777), 0);
	chmod(p, 0777);
	assert_int_equal(it_atomic_dir_open(p, 0700), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_decide),
		cmocka_unit_test_setup_teardown(test_store_round_trip, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_store_refusals, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
