// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_subject_files.c - `inputtrace subject export|erase` (userspace/subject_files.c):
 * the member match (top level only, not inside strings or nested objects), and the
 * round trip on a directory of plain and multi-member gzip files: export gives exactly
 * the person's lines; erase removes exactly them, every other line byte-identical,
 * mode kept, untouched files not rewritten, a file a writer holds locked left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "tmpdir.h"
#include "json.h"
#include "subject_files.h"

#define A "254fc84271d1f54860fa0cc6d1b4130a"
#define B "90d1709c28b8030d4bb9d4abd3c19405"

static bool m(const char *line)
{
	return it_sf_line_matches(line, strlen(line), A);
}

static void test_match(void **state)
{
	assert_true(m("{\"record\":\"event\",\"subject\":\"" A "\",\"value\":1}"));
	assert_true(m("{\"subject\":\"" A "\"}"));
	assert_true(m(" { \"a\" : [1,{\"x\":\"}\"}] , \"subject\" : \"" A "\" }\n"));
	assert_false(m("{\"subject\":\"" B "\"}"));
	assert_false(m("{\"subject\":\"" A "0\"}"));		/* longer */
	assert_false(m("{\"subject\":\"254fc842\"}"));		/* shorter */
	assert_false(m("{\"nested\":{\"subject\":\"" A "\"}}"));	/* not top level */
	assert_false(m("{\"name\":\"\\\"subject\\\":\\\"" A "\\\"\"}"));	/* inside a string */
	assert_false(m("{\"xsubject\":\"" A "\"}"));
	assert_false(m("[\"subject\",\"" A "\"]"));
	assert_false(m("subject," A));
	assert_false(m("{\"subject\":\"" A));			/* cut */
	assert_false(m(""));
	assert_false(m("{\"a\":\"x\\\\\",\"subject\":\"" B "\"}"));
	assert_true(m("{\"a\":\"x\\\\\",\"subject\":\"" A "\"}"));	/* escaped backslash */
}

/* The test's records: mixed subjects, a header and device records without one. */
static void records(struct it_buf *all, struct it_buf *mine, struct it_buf *rest, int n0)
{
	for (int i = n0; i < n0 + 40; i++) {
		char line[256];
		const char *s = i % 3 == 0 ? A : i % 3 == 1 ? B : NULL;

		if (s)
			snprintf(line, sizeof(line), "{\"record\":\"event\",\"subject\":\"%s\",\"value\":%d,"
				 "\"name\":\"k\\u00e9y \\\"subject\\\":\\\"%s\\\"\"}\n", s, i, A);
		else
			snprintf(line, sizeof(line), "{\"record\":\"device\",\"dev\":%d}\n", i);
		it_buf_puts(all, line);
		it_buf_puts(s && !strcmp(s, A) ? mine : rest, line);
	}
}

static void write_plain(const char *name, const struct it_buf *b, mode_t mode)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->len), (ssize_t)b->len);
	close(fd);
	chmod(p, mode);
}

/* Two gzip members, as the agent's flushes write them. */
static void write_gz(const char *name, const struct it_buf *b)
{
	char p[128];
	size_t half = b->len / 2;
	gzFile g;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	g = gzopen(p, "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, b->p, (unsigned)half), (int)half);
	assert_int_equal(gzclose(g), Z_OK);
	g = gzopen(p, "ab");
	assert_int_equal(gzwrite(g, b->p + half, (unsigned)(b->len - half)), (int)(b->len - half));
	assert_int_equal(gzclose(g), Z_OK);
	chmod(p, 0640);
}

/* The whole content of a file, decompressed. */
static void read_all(const char *name, struct it_buf *b)
{
	char p[128], chunk[4096];
	gzFile g;
	int n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	it_buf_reset(b);
	g = gzopen(p, "rb");
	assert_non_null(g);
	while ((n = gzread(g, chunk, sizeof(chunk))) > 0)
		it_buf_put(b, chunk, (size_t)n);
	assert_int_equal(n, 0);
	gzclose(g);
}

/* Export subject from dir into b (through a pipe-less temp file). */
static int export(const char *subject, struct it_buf *b, struct it_sf_result *res)
{
	char p[128], err[256];
	int fd, r;

	snprintf(p, sizeof(p), "%s/.export", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	r = it_subject_files(IT_SF_EXPORT, subject, dir, fd, res, err, sizeof(err));
	close(fd);
	read_all(".export", b);
	unlink(p);
	return r;
}

static void assert_buf_equal(const struct it_buf *a, const struct it_buf *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->p, b->p, a->len);
}

static void test_round_trip(void **state)
{
	struct it_buf all1 = { 0 }, mine1 = { 0 }, rest1 = { 0 }, all2 = { 0 }, mine2 = { 0 },
		rest2 = { 0 }, other = { 0 }, got = { 0 }, mine = { 0 };
	struct it_sf_result res;
	struct stat before, after;
	char err[256], p[128];

	records(&all1, &mine1, &rest1, 0);
	records(&all2, &mine2, &rest2, 100);
	it_buf_puts(&other, "{\"record\":\"header\",\"host\":\"h\"}\n{\"subject\":\"" B "\"}");
	write_plain("inputtrace-20240101T000000.000000Z-h.jsonl", &all1, 0600);
	write_gz("inputtrace-20240102T000000.000000Z-h.jsonl.gz", &all2);
	write_plain("inputtrace-20240103T000000.000000Z-h.jsonl", &other, 0644);	/* none of A */
	write_plain("notes.txt", &all1, 0600);	/* not ours: never read */
	snprintf(p, sizeof(p), "%s/inputtrace-20240103T000000.000000Z-h.jsonl", dir);
	assert_int_equal(stat(p, &before), 0);

	/* export: A's lines, in file order */
	assert_int_equal(export(A, &got, &res), 0);
	it_buf_put(&mine, mine1.p, mine1.len);
	it_buf_put(&mine, mine2.p, mine2.len);
	assert_buf_equal(&got, &mine);
	assert_int_equal(res.files, 3);
	assert_int_equal(res.matched, 14 + 13);

	/* erase: A gone, everything else byte-identical */
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, dir, -1, &res, err, sizeof(err)), 0);
	assert_int_equal(res.matched, 14 + 13);
	assert_int_equal(res.files_changed, 2);
	read_all("inputtrace-20240101T000000.000000Z-h.jsonl", &got);
	assert_buf_equal(&got, &rest1);
	read_all("inputtrace-20240102T000000.000000Z-h.jsonl.gz", &got);
	assert_buf_equal(&got, &rest2);
	read_all("inputtrace-20240103T000000.000000Z-h.jsonl", &got);
	assert_buf_equal(&got, &other);
	read_all("notes.txt", &got);
	assert_buf_equal(&got, &all1);
	/* still gzip, mode kept; the file without A was not rewritten */
	snprintf(p, sizeof(p), "%s/inputtrace-20240102T000000.000000Z-h.jsonl.gz", dir);
	{
		unsigned char magic[2];
		int fd = open(p, O_RDONLY);

		assert_int_equal(read(fd, magic, 2), 2);
		close(fd);
		assert_int_equal(magic[0], 0x1f);
		assert_int_equal(magic[1], 0x8b);
		assert_int_equal(stat(p, &after), 0);
		assert_int_equal(after.st_mode & 0777, 0640);
	}
	snprintf(p, sizeof(p), "%s/inputtrace-20240103T000000.000000Z-h.jsonl", dir);
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	/* nothing of A is left; B is all there */
	assert_int_equal(export(A, &got, &res), 0);
	assert_int_equal(res.matched, 0);
	assert_int_equal(export(B, &got, &res), 0);
	assert_int_equal(res.matched, 13 + 14 + 1);
	/* no temp files left */
	snprintf(p, sizeof(p), "ls -A %s | grep -q '\\.new$'", dir);
	assert_int_equal(system(p) == 0, false);
	it_buf_free(&all1); it_buf_free(&mine1); it_buf_free(&rest1); it_buf_free(&all2);
	it_buf_free(&mine2); it_buf_free(&rest2); it_buf_free(&other); it_buf_free(&got);
	it_buf_free(&mine);
}

static void test_busy_and_bad(void **state)
{
	struct it_buf all = { 0 }, mine = { 0 }, rest = { 0 }, got = { 0 };
	struct it_sf_result res;
	char err[256], p[128];
	int lock;

	records(&all, &mine, &rest, 0);
	write_plain("inputtrace-20240101T000000.000000Z-h.jsonl.tmp", &all, 0600);
	snprintf(p, sizeof(p), "%s/inputtrace-20240101T000000.000000Z-h.jsonl.tmp", dir);
	lock = open(p, O_RDONLY);
	assert_int_equal(flock(lock, LOCK_EX), 0);	/* an agent writing it */
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, p, -1, &res, err, sizeof(err)), 0);
	assert_int_equal(res.files_busy, 1);
	assert_int_equal(res.matched, 0);
	read_all("inputtrace-20240101T000000.000000Z-h.jsonl.tmp", &got);
	assert_buf_equal(&got, &all);
	close(lock);	/* a crash's leftover: erased like the rest */
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, p, -1, &res, err, sizeof(err)), 0);
	assert_int_equal(res.matched, 14);
	read_all("inputtrace-20240101T000000.000000Z-h.jsonl.tmp", &got);
	assert_buf_equal(&got, &rest);
	/* a cut gzip file: an error, and the file is not changed */
	write_gz("inputtrace-20240102T000000.000000Z-h.jsonl.gz", &all);
	snprintf(p, sizeof(p), "%s/inputtrace-20240102T000000.000000Z-h.jsonl.gz", dir);
	assert_int_equal(truncate(p, 300), 0);
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, p, -1, &res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cut or corrupt"));
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, "/nonexistent/x", -1, &res, err,
					  sizeof(err)), -1);
	it_buf_free(&all); it_buf_free(&mine); it_buf_free(&rest); it_buf_free(&got);
}

/* A hard link keeps the old inode: refused, left unchanged; a line over
 * IT_SF_LINE_MAX is an error naming the file, unchanged; a killed erase's temp is
 * removed by the next run, unless its file is locked (an erase at work). */
static void test_link_long_temp(void **state)
{
	struct it_buf all = { 0 }, mine = { 0 }, rest = { 0 }, got = { 0 }, big = { 0 };
	struct it_sf_result res;
	char err[256], p[128], q[128], t[160];
	struct stat st;
	int lock;

	records(&all, &mine, &rest, 0);
	write_plain("inputtrace-20240101T000000.000000Z-h.jsonl", &all, 0600);
	snprintf(p, sizeof(p), "%s/inputtrace-20240101T000000.000000Z-h.jsonl", dir);
	snprintf(q, sizeof(q), "%s/copy", dir);
	assert_int_equal(link(p, q), 0);
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, dir, -1, &res, err, sizeof(err)), 0);
	assert_int_equal(res.files_linked, 1);
	assert_int_equal(res.matched, 0);
	assert_int_equal(res.files_changed, 0);
	read_all("inputtrace-20240101T000000.000000Z-h.jsonl", &got);
	assert_buf_equal(&got, &all);
	assert_int_equal(unlink(q), 0);

	/* a 2 MiB line after the records: an error, nothing changed */
	it_buf_put(&big, all.p, all.len);
	it_buf_puts(&big, "{\"subject\":\"" A "\",\"x\":\"");
	while (big.len < 2 * IT_SF_LINE_MAX)
		it_buf_puts(&big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	it_buf_puts(&big, "\"}\n");
	write_plain("inputtrace-20240101T000000.000000Z-h.jsonl", &big, 0600);
	assert_int_equal(it_subject_files(IT_SF_ERASE, A, dir, -1, &res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inputtrace-20240101T000000.000000Z-h.jsonl: a line longer"));
	read_all("inputtrace-20240101T000000.000000Z-h.jsonl", &got);
	assert_buf_equal(&got, &big);
	assert_int_equal(export(A, &got, &res), -1);

	/* a killed erase's temp: gone after the next run, not while its file is locked */
	write_plain("inputtrace-20240101T000000.000000Z-h.jsonl", &all, 0600);
	write_plain(".inputtrace-20240101T000000.000000Z-h.jsonl.new", &rest, 0600);
	write_plain(".notes.txt.new", &rest, 0600);	/* not of our naming: kept */
	snprintf(t, sizeof(t), "%s/.inputtrace-20240101T000000.000000Z-h.jsonl.new", dir);
	lock = open(p, O_RDONLY);
	assert_int_equal(flock(lock, LOCK_EX), 0);
	assert_int_equal(export(A, &got, &res), 0);
	assert_int_equal(stat(t, &st), 0);
	close(lock);
	assert_int_equal(export(A, &got, &res), 0);
	assert_buf_equal(&got, &mine);
	assert_int_equal(stat(t, &st), -1);
	snprintf(t, sizeof(t), "%s/.notes.txt.new", dir);
	assert_int_equal(stat(t, &st), 0);
	it_buf_free(&all); it_buf_free(&mine); it_buf_free(&rest); it_buf_free(&got);
	it_buf_free(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test_setup_teardown(test_round_trip, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_busy_and_bad, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_link_long_temp, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
