// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_subject.c - pseudonymous subjects (userspace/subject.c): the HMAC against
 * values computed independently with Python's hmac module
 * (hmac.new(key, b"uid:%d" % uid, hashlib.sha256).hexdigest()[:32]), the key file's
 * creation (0600, hex, kept across loads) and every refusal (symlink, group/world
 * access, malformed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "tmpdir.h"
#include "subject.h"

static char path[128];

static int setup(void **state)
{
	tmpdir_setup(state);
	snprintf(path, sizeof(path), "%s/key", dir);
	return 0;
}

static void write_file(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static const char key32[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static void test_hmac_matches_python(void **state)
{
	static const struct { uint32_t uid; const char *hex; } want[] = {
		{ 0, "c68b40cfae594605942d546b168c3329" },
		{ 1000, "254fc84271d1f54860fa0cc6d1b4130a" },
		{ 1001, "90d1709c28b8030d4bb9d4abd3c19405" },
		{ 4294967294u, "983094e18d392561a912f81e6431af54" },
	};
	struct it_subject_key k;
	char out[IT_SUBJECT_HEX + 1];
	char key64[129];

	assert_int_equal(it_subject_key_parse(key32, strlen(key32), &k), 0);
	assert_int_equal(k.len, 32);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(it_subject_of(&k, want[i].uid, out), 0);
		assert_string_equal(out, want[i].hex);
		assert_true(it_subject_valid(out));
	}
	/* a 64-byte key: bytes 0..63 */
	for (int i = 0; i < 64; i++)
		snprintf(key64 + 2 * i, 3, "%02X", i);	/* upper case hex is read too */
	assert_int_equal(it_subject_key_parse(key64, 128, &k), 0);
	assert_int_equal(it_subject_of(&k, 1000, out), 0);
	assert_string_equal(out, "47df13bfac4722ded43f0d97c8ce737f");
}

static void test_key_parse_refuses(void **state)
{
	struct it_subject_key k;
	char long_key[200];

	assert_int_equal(it_subject_key_parse("00", 2, &k), -1);	/* too short */
	assert_int_equal(it_subject_key_parse(key32, 63, &k), -1);	/* odd */
	memset(long_key, 'a', 130);
	assert_int_equal(it_subject_key_parse(long_key, 130, &k), -1);	/* > 64 bytes */
	memcpy(long_key, key32, 64);
	long_key[10] = 'g';
	assert_int_equal(it_subject_key_parse(long_key, 64, &k), -1);
	assert_false(it_subject_valid("254fc84271d1f54860fa0cc6d1b4130"));	/* 31 */
	assert_false(it_subject_valid("254FC84271D1F54860FA0CC6D1B4130A"));	/* upper */
	assert_false(it_subject_valid("254fc84271d1f54860fa0cc6d1b4130a0"));
}

static void test_key_created_once(void **state)
{
	struct it_subject_key k1, k2;
	char err[256], a[IT_SUBJECT_HEX + 1], b[IT_SUBJECT_HEX + 1];
	struct stat st;
	bool created;

	assert_int_equal(it_subject_key_load(path, false, &k1, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(it_subject_key_load(path, true, &k1, &created, err, sizeof(err)), 0);
	assert_true(created);
	assert_int_equal(k1.len, 32);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	assert_int_equal(it_subject_key_load(path, true, &k2, &created, err, sizeof(err)), 0);
	assert_false(created);
	assert_memory_equal(k1.k, k2.k, 32);
	it_subject_of(&k1, 1000, a);
	it_subject_of(&k2, 1000, b);
	assert_string_equal(a, b);
	/* no temp file left behind */
	snprintf(err, sizeof(err), "%s/.key.new", dir);
	assert_int_equal(access(err, F_OK), -1);
}

static void test_key_refusals(void **state)
{
	struct it_subject_key k;
	char err[256], other[160];
	bool created;

	write_file(path, key32, 0640);
	assert_int_equal(it_subject_key_load(path, true, &k, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "readable or writable by group or others"));
	write_file(path, key32, 0604);
	assert_int_equal(it_subject_key_load(path, true, &k, &created, err, sizeof(err)), -1);
	write_file(path, "not hex at all\n", 0600);
	assert_int_equal(it_subject_key_load(path, true, &k, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hex digits"));
	/* a symlink to a good key: refused, and not replaced by a new key */
	snprintf(other, sizeof(other), "%s/real", dir);
	write_file(other, key32, 0600);
	unlink(path);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(it_subject_key_load(path, true, &k, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symlink"));
	assert_false(created);
	/* a dangling symlink is not "missing": nothing is created through it */
	unlink(other);
	assert_int_equal(it_subject_key_load(path, true, &k, &created, err, sizeof(err)), -1);
	assert_int_equal(access(other, F_OK), -1);
	/* another owner (needs root to chown) */
	if (geteuid() == 0) {
		unlink(path);
		write_file(path, key32, 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(it_subject_key_load(path, true, &k, &created, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "owned by uid 65534"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_matches_python),
		cmocka_unit_test(test_key_parse_refuses),
		cmocka_unit_test_setup_teardown(test_key_created_once, setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_refusals, setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
