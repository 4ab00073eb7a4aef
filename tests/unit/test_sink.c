// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_sink.c - the output writers (userspace/sink.c, header.c, format_csv.c,
 * format_evemu.c) with a fake clock: gzip that zlib and gzip -t accept, complete at
 * every flush; rotation boundaries by size and by interval; retention by count and
 * age; write errors (/dev/full) counted, not fatal, and marked by a gap record;
 * header record content; CSV quoting; evemu lines; leftover .tmp files of a killed run
 * cut to their complete part and completed, locked ones left alone; a single file's
 * torn end cut before appending.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "cli.h"
#include "format_csv.h"
#include "format_evemu.h"
#include "format.h"
#include "format_jsonl.h"
#include "header.h"
#include "sink_impl.h"
#include "json_check.h"

static double fake_now;
static uint64_t fake_wall = 1795980000000000000ull;	/* 2026-11-29 */

static double now_fn(void) { return fake_now; }
static uint64_t wall_fn(void) { return fake_wall; }

static char dir[256];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_sink.XXXXXX");
	assert_non_null(mkdtemp(dir));
	fake_now = 100;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void pre(void *ctx, uint64_t file_seq, struct it_buf *b)
{
	it_buf_puts(b, "{\"record\":\"header\"}\n");
}

static void gap(void *ctx, uint64_t lines, uint64_t bytes, int e, struct it_buf *b)
{
	it_rec_output_loss(b, lines, bytes, e);
}

static const struct it_output_feed feed = { .preamble = pre, .gap = gap };

/* A sink for cfg on the fake clocks, fed the test's header and gap records (as the
 * collector feeds it: it_outputs_add). */
static struct it_sink *open_sink(struct it_sink_cfg *cfg)
{
	struct it_outputs l = { 0 };
	struct it_sink *s;
	char err[256];

	/* clocks must be in place before the first file is named */
	cfg->now = now_fn;
	cfg->wall_ns = wall_fn;
	s = it_sink_open_cfg(cfg, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(it_outputs_add(&l, it_sink_output(s), &feed), 0);
	return s;
}

/* Read a whole file, gunzipping every member (RFC 1952 2.2) with zlib. */
static char *slurp(const char *path, size_t *len, bool gz)
{
	FILE *f = fopen(path, "rb");
	char *raw = malloc(1 << 24), *out = malloc(1 << 26);
	size_t n, o = 0, off = 0;

	assert_non_null(f);
	n = fread(raw, 1, 1 << 24, f);
	fclose(f);
	if (!gz) {
		memcpy(out, raw, n);
		o = n;
	}
	while (gz && off < n) {
		z_stream z = { 0 };
		int rc;

		assert_int_equal(inflateInit2(&z, 31), Z_OK);
		z.next_in = (Bytef *)raw + off;
		z.avail_in = (uInt)(n - off);
		z.next_out = (Bytef *)out + o;
		z.avail_out = (uInt)((1 << 26) - o);
		rc = inflate(&z, Z_FINISH);
		assert_int_equal(rc, Z_STREAM_END);	/* every member complete */
		off = n - z.avail_in;
		o = (1 << 26) - z.avail_out;
		inflateEnd(&z);
	}
	free(raw);
	out[o] = 0;
	*len = o;
	return out;
}

static void line(char *b, size_t len, unsigned int i)
{
	snprintf(b, len, "{\"record\":\"event\",\"n\":%u,\"pad\":\"%040u\"}\n", i, i);
}

static void test_gzip_members(void **state)
{
	struct it_sink_cfg cfg = { .compress = 6, .flush_interval_s = 1 };
	struct it_sink *s;
	char path[300], cmd[800], l[128], *txt;
	size_t len, want = 0;
	unsigned int i;

	snprintf(path, sizeof(path), "%s/a.jsonl.gz", dir);
	cfg.path = path;
	s = open_sink(&cfg);
	for (i = 0; i < 5000; i++) {
		line(l, sizeof(l), i);
		assert_int_equal(it_sink_write(s, l, strlen(l)), 0);
		want += strlen(l);
		if (i == 2000) {
			/* a flush leaves a complete gzip file on disk: what kill -9 finds */
			fake_now += 1.5;
			it_sink_tick(s);
			snprintf(cmd, sizeof(cmd), "gzip -t %s", path);
			assert_int_equal(system(cmd), 0);
			txt = slurp(path, &len, true);
			assert_int_equal(len, want + strlen("{\"record\":\"header\"}\n"));
			assert_int_equal(txt[len - 1], '\n');
			free(txt);
		}
	}
	assert_int_equal(it_sink_close(s), 0);
	it_sink_free(s);
	snprintf(cmd, sizeof(cmd), "gzip -t %s && test \"$(zcat %s | wc -l)\" = 5001", path, path);
	assert_int_equal(system(cmd), 0);
	txt = slurp(path, &len, true);
	assert_int_equal(len, want + 20);
	assert_memory_equal(txt, "{\"record\":\"header\"}\n", 20);
	free(txt);
}

/* One complete gzip member (RFC 1952) of text into out; returns its length. */
static size_t gz_member(const char *text, unsigned char *out, size_t cap)
{
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

/* Write p (n bytes) to dir/name, return an O_RDWR fd to it. */
static int put_file(const char *name, const void *p, size_t n)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	return fd;
}

static uint64_t complete_len(const char *name, const void *p, size_t n, bool gzip)
{
	uint64_t len = 12345;
	int fd = put_file(name, p, n);

	assert_int_equal(it_sink_complete_len(fd, gzip, &len), 0);
	close(fd);
	return len;
}

/* The complete part of a file a crash left: whole gzip members (checked by zlib), or
 * text up to its last newline. */
static void test_complete_len(void **state)
{
	static unsigned char f[300000];
	const char *m1 = "{\"record\":\"header\"}\n";
	const char *m2 = "{\"record\":\"event\",\"n\":1}\n{\"record\":\"event\",\"n\":2}\n";
	const char garbage[] = "\x1f\x8b\x08\x00 not gzip \x00\xff\n";
	size_t l1, l2, l3, n;

	l1 = gz_member(m1, f, sizeof(f));
	l2 = gz_member(m2, f + l1, sizeof(f) - l1);
	assert_true(l1 > 18 && l2 > 18);
	/* two complete members, then half of a third and garbage: only the two are kept */
	l3 = gz_member(m2, f + l1 + l2, sizeof(f) - l1 - l2);
	n = l1 + l2 + l3 / 2;
	memcpy(f + n, garbage, sizeof(garbage) - 1);
	n += sizeof(garbage) - 1;
	assert_int_equal(complete_len("g1", f, n, true), l1 + l2);
	/* exactly the two: all of it */
	assert_int_equal(complete_len("g2", f, l1 + l2, true), l1 + l2);
	/* the second cut one byte short (its length field): only the first */
	assert_int_equal(complete_len("g3", f, l1 + l2 - 1, true), l1);
	/* the second's CRC wrong: zlib refuses it, only the first */
	f[l1 + l2 - 8] ^= 0x55;
	assert_int_equal(complete_len("g4", f, l1 + l2, true), l1);
	f[l1 + l2 - 8] ^= 0x55;
	/* zeros after the first (a power cut: blocks allocated, never written) */
	memset(f + l1, 0, 4096);
	assert_int_equal(complete_len("g5", f, l1 + 4096, true), l1);
	/* garbage, or nothing: nothing complete */
	assert_int_equal(complete_len("g6", garbage, sizeof(garbage) - 1, true), 0);
	assert_int_equal(complete_len("g7", "", 0, true), 0);
	/* text */
	assert_int_equal(complete_len("t1", "a\nbb\nccc", 8, false), 5);
	assert_int_equal(complete_len("t2", "a\nbb\n", 5, false), 5);
	assert_int_equal(complete_len("t3", "abc", 3, false), 0);
	assert_int_equal(complete_len("t4", "", 0, false), 0);
	/* the last newline far from the end (more than one read back from the end) */
	memset(f, 'x', sizeof(f));
	f[10] = '\n';
	assert_int_equal(complete_len("t5", f, sizeof(f), false), 11);
}

static bool exists(const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !lstat(path, &st);
}

static void assert_file(const char *name, const void *p, size_t n)
{
	char path[1024], *got = malloc(n + 1);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(got, 1, n + 1, f), n);
	fclose(f);
	assert_memory_equal(got, p, n);
	free(got);
}

/* it_sink_recover: leftovers of this host completed, cut to their complete part;
 * empty ones removed; a .tmp locked by a live writer (another sink) left alone, and
 * evemu leftovers too while another sink has the directory; other hosts' files and
 * symlinks never touched. */
static void test_recover(void **state)
{
	struct it_sink_cfg cfg = { .path = dir, .ext = "jsonl", .compress = 1, .dir_mode = true };
	static unsigned char f[4096];
	const char *ev = "# EVEMU 1.3\nN: x\nI: 0003 046d c52b 0000\nE: 0.000";
	char suffixed[256], suffixed_ev[256];
	char host[64], gz[256], gzt[256], held[256], empty[256], other[256], evt[256],
	     evt2[256], link[256], path[600], mine[NAME_MAX + 1];
	struct it_sink *s, *s2;
	size_t l1, l2;
	int hfd;

	it_sink_hostname(host, sizeof(host));
	snprintf(gz, sizeof(gz), "inputtrace-20200101T000000.000000Z-%s.jsonl.gz", host);
	snprintf(gzt, sizeof(gzt), "inputtrace-20200101T000000.000000Z-%s.jsonl.gz.tmp", host);
	snprintf(held, sizeof(held), "inputtrace-20200101T000001.000000Z-%s.jsonl.tmp", host);
	snprintf(empty, sizeof(empty), "inputtrace-20200101T000002.000000Z-%s.csv.tmp", host);
	snprintf(other, sizeof(other), "inputtrace-20200101T000003.000000Z-otherhost.jsonl.tmp");
	/* hosts whose names end in ours ("db", "staging-db"): theirs, not ours */
	snprintf(suffixed, sizeof(suffixed), "inputtrace-20200101T000007.000000Z-x-%s.jsonl.tmp", host);
	snprintf(suffixed_ev, sizeof(suffixed_ev), "inputtrace-20200101T000008.000000Z-x-%s-input9.evemu.tmp", host);
	snprintf(evt, sizeof(evt), "inputtrace-20200101T000004.000000Z-%s-input7.evemu.tmp", host);
	snprintf(evt2, sizeof(evt2), "inputtrace-20200101T000005.000000Z-%s-input8.evemu.tmp", host);
	snprintf(link, sizeof(link), "inputtrace-20200101T000006.000000Z-%s.jsonl.tmp", host);

	l1 = gz_member("{\"record\":\"header\"}\n", f, sizeof(f));
	l2 = gz_member("{\"record\":\"event\"}\n{\"record\":\"event\"}\n", f + l1, sizeof(f) - l1);
	memcpy(f + l1 + l2, "\x1f\x8b\x08garbage", 10);
	close(put_file(gzt, f, l1 + l2 + 10));
	hfd = put_file(held, "{}\n", 3);
	assert_int_equal(flock(hfd, LOCK_EX | LOCK_NB), 0);	/* a live writer's lock */
	close(put_file(empty, "", 0));
	close(put_file(other, "{}\n{", 4));
	close(put_file(suffixed, "{}\n{", 4));
	close(put_file(suffixed_ev, "E: 1\nE", 6));
	close(put_file(evt, ev, strlen(ev)));
	close(put_file("victim", "secret", 6));
	snprintf(path, sizeof(path), "%s/%s", dir, link);
	assert_int_equal(symlink("victim", path), 0);

	s = open_sink(&cfg);
	snprintf(mine, sizeof(mine), "%s", s->tmp);
	assert_true(exists(mine));
	assert_int_equal(it_sink_recover(s), 2);	/* the gzip file and the evemu file */
	assert_int_equal(s->files_recovered, 2);
	assert_false(exists(gzt));
	assert_file(gz, f, l1 + l2);			/* the two members, without the tail */
	assert_true(exists(held));			/* locked: left alone, whole */
	assert_file(held, "{}\n", 3);
	assert_false(exists(empty));			/* nothing complete: removed */
	snprintf(path, sizeof(path), "%.*s", (int)strlen(empty) - 4, empty);
	assert_false(exists(path));
	assert_file(other, "{}\n{", 4);			/* another host's */
	assert_file(suffixed, "{}\n{", 4);
	assert_file(suffixed_ev, "E: 1\nE", 6);
	assert_false(exists(evt));
	snprintf(path, sizeof(path), "%.*s", (int)strlen(evt) - 4, evt);
	assert_file(path, ev, strlen(ev) - 8);		/* up to the last newline */
	assert_true(exists(link));			/* never followed */
	assert_file("victim", "secret", 6);
	assert_true(exists(mine));			/* this sink's own file */

	/* a second sink on the same directory (another agent): the first one's .tmp is
	 * locked, and evemu leftovers may be the first one's: both left alone */
	close(put_file(evt2, ev, strlen(ev)));
	fake_wall += 1000000000ull;
	s2 = open_sink(&cfg);
	assert_int_equal(it_sink_recover(s2), 0);
	assert_true(exists(mine));
	assert_true(exists(evt2));
	/* the writer of the held file is gone: its lock with it */
	close(hfd);
	assert_int_equal(it_sink_recover(s2), 1);
	assert_false(exists(held));
	snprintf(path, sizeof(path), "%.*s", (int)strlen(held) - 4, held);
	assert_file(path, "{}\n", 3);
	assert_int_equal(it_sink_close(s), 0);
	assert_true(exists(evt2));
	/* alone on the directory now: the evemu leftover too */
	assert_int_equal(it_sink_recover(s2), 1);
	assert_false(exists(evt2));
	assert_int_equal(s2->files_recovered, 2);
	assert_int_equal(it_sink_close(s2), 0);
	it_sink_free(s);
	it_sink_free(s2);
	snprintf(path, sizeof(path), "%.*s", (int)strlen(mine) - 4, mine);
	assert_true(exists(path));			/* completed by its own sink */
}

/* A single file appended to: a fragment a crash left at the end of one of ours (as
 * the formats' heads say: a CSV header line here) is cut first; a file that is not
 * ours is not appended to (test_append_refused). */
static void test_append_repair(void **state)
{
#define CSV_DONE "record,dev,device,sec,usec,time,type,code,value\nevent,3,kbd,1,2,,EV_KEY,KEY_A,1\n"
	struct it_sink_cfg cfg = { .known_head = it_format_known_head };
	char path[600];
	struct it_sink *s;

	snprintf(path, sizeof(path), "%s/a.csv", dir);
	close(put_file("a.csv", CSV_DONE "event,3,kb", strlen(CSV_DONE) + 10));
	cfg.path = path;
	s = open_sink(&cfg);
	assert_int_equal(it_sink_write(s, "x\n", 2), 0);
	it_sink_free(s);
	assert_file("a.csv", CSV_DONE "{\"record\":\"header\"}\nx\n", strlen(CSV_DONE) + 22);

}

/* Opening dir/name to append must fail with a reason containing why; the file is
 * left as it was (n bytes of p). */
static void refused(struct it_sink_cfg *cfg, const char *name, const void *p, size_t n,
		    const char *why)
{
	char path[600], err[256] = "";

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cfg->path = path;
	assert_null(it_sink_open_cfg(cfg, err, sizeof(err)));
	if (!strstr(err, why)) {
		print_error("%s: got '%s'\n", name, err);
		fail();
	}
	assert_file(name, p, n);
}

/* An existing file is appended to only if it is ours: owned by the agent (or the
 * --user it runs as), writable by no one else beyond --file-mode, and empty or
 * starting with one of our headers (gzip: inflated). In a shared directory another
 * user could otherwise create the path first and own the capture. */
static void test_append_refused(void **state)
{
	struct it_sink_cfg cfg = { .known_head = it_format_known_head };
	unsigned char gz[256];
	size_t gn;
	char path[600];
	int fd;

	close(put_file("other", "notes\nhalf", 10));
	refused(&cfg, "other", "notes\nhalf", 10, "was not written by inputtrace");
	gn = gz_member("{\"record\":\"event\"}\n", gz, sizeof(gz));
	close(put_file("o.gz", gz, gn));
	cfg.compress = 6;
	refused(&cfg, "o.gz", gz, gn, "was not written by inputtrace");
	cfg.compress = 0;

	fd = put_file("loose.csv", CSV_DONE, strlen(CSV_DONE));
	assert_int_equal(fchmod(fd, 0620), 0);
	close(fd);
	refused(&cfg, "loose.csv", CSV_DONE, strlen(CSV_DONE), "others may write it");
	cfg.file_mode = 0660;	/* what --file-mode asks is not held against it */
	snprintf(path, sizeof(path), "%s/loose.csv", dir);
	cfg.path = path;
	it_sink_free(open_sink(&cfg));
	cfg.file_mode = 0;

	fd = put_file("theirs.jsonl", "", 0);
	assert_int_equal(fchown(fd, 65534, 65534), 0);
	close(fd);
	refused(&cfg, "theirs.jsonl", "", 0, "belongs to another user");
	cfg.have_user = true;	/* --user: its own files are ours */
	cfg.user_uid = 65534;
	snprintf(path, sizeof(path), "%s/theirs.jsonl", dir);
	cfg.path = path;
	it_sink_free(open_sink(&cfg));
	cfg.have_user = false;

	/* ours: gzip whose start inflates to a header record */
	gn = gz_member("{\"record\":\"header\",\"schema\":1}\n", gz, sizeof(gz));
	close(put_file("h.gz", gz, gn));
	cfg.compress = 6;
	snprintf(path, sizeof(path), "%s/h.gz", dir);
	cfg.path = path;
	it_sink_free(open_sink(&cfg));
}

static int list(char names[][256], int max, const char *suffix)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort), i, k = 0;

	for (i = 0; i < n; i++) {
		size_t l = strlen(v[i]->d_name), sl = strlen(suffix);

		if (v[i]->d_name[0] != '.' && l > sl && !strcmp(v[i]->d_name + l - sl, suffix) && k < max)
			snprintf(names[k++], 256, "%s", v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return k;
}

static void test_rotate_size(void **state)
{
	struct it_sink_cfg cfg = { .path = dir, .rotate_size = 4096, .ext = "jsonl" };
	static char names[64][256];
	struct it_sink *s;
	char l[128], host[64], p[1024];
	unsigned int i, next = 0;
	int n, k;

	s = open_sink(&cfg);
	assert_true(s->dir_mode);
	for (i = 0; i < 400; i++) {
		line(l, sizeof(l), i);
		fake_wall += 1000000;	/* 1 ms: distinct, increasing names */
		assert_int_equal(it_sink_write(s, l, strlen(l)), 0);
		assert_int_equal(list(names, 64, ".tmp"), 1);	/* one file being written */
	}
	assert_int_equal(it_sink_close(s), 0);
	it_sink_free(s);
	assert_int_equal(list(names, 64, ".tmp"), 0);
	n = list(names, 64, ".jsonl");
	it_sink_hostname(host, sizeof(host));
	assert_true(n >= 7);
	for (k = 0; k < n; k++) {
		size_t len;
		char *txt, *q;
		struct stat st;

		/* inputtrace-YYYYMMDDTHHMMSS.uuuuuuZ-HOST.jsonl */
		assert_int_equal(strncmp(names[k], "inputtrace-2026", 15), 0);
		assert_non_null(strstr(names[k], host));
		snprintf(p, sizeof(p), "%.300s/%.255s", dir, names[k]);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		/* the boundary: a file ends with the first write that takes it to 4096 */
		if (k < n - 1) {
			assert_true(st.st_size >= 4096);
			assert_true(st.st_size < 4096 + 128);
		}
		txt = slurp(p, &len, false);
		assert_memory_equal(txt, "{\"record\":\"header\"}\n", 20);
		/* lines continue exactly where the previous file stopped */
		for (q = txt + 20; *q; q = strchr(q, '\n') + 1) {
			unsigned int got;

			assert_int_equal(sscanf(q, "{\"record\":\"event\",\"n\":%u", &got), 1);
			assert_int_equal(got, next++);
		}
		free(txt);
	}
	assert_int_equal(next, 400);
}


/* The one file in dir/sub (a complete one: no .tmp), read whole. */
static char *only_file(const char *sub, size_t *len)
{
	char d[600], path[1200];
	struct dirent **v;
	int n, i;

	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	n = scandir(d, &v, NULL, alphasort);
	assert_int_equal(n, 3);	/* ".", "..", the file */
	snprintf(path, sizeof(path), "%s/%s", d, v[2]->d_name);
	assert_null(strstr(v[2]->d_name, ".tmp"));
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return slurp(path, len, false);
}

/* rm -rf of the output directory while a file is written in it: the lines of that
 * file are counted as not written, the directory made again at the next flush, and
 * the next file starts with its header and a gap record saying how much was lost. A
 * path that cannot be made a directory again (a file put there) is retried, the
 * lines meanwhile counted too. */
static void test_dir_removed(void **state)
{
	struct it_sink_cfg cfg = { .dir_mode = true, .ext = "jsonl", .flush_interval_s = 1 };
	char out[600], cmd[700], l[128], want[512], *txt;
	uint64_t bytes = 0;
	unsigned int i;
	struct it_sink *s;
	size_t len;
	int fd;

	snprintf(out, sizeof(out), "%s/out", dir);
	cfg.path = out;
	s = open_sink(&cfg);
	for (i = 0; i < 10; i++) {
		line(l, sizeof(l), i);
		bytes += strlen(l);
		assert_int_equal(it_sink_write(s, l, strlen(l)), 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", out);
	assert_int_equal(system(cmd), 0);
	fake_now += 1.1;
	it_sink_tick(s);		/* the flush sees it */
	assert_int_equal(s->dropped_lines, 10);
	assert_int_equal(s->dropped_bytes, bytes);
	assert_true(exists("out"));
	assert_int_equal(it_sink_write(s, "{\"b\":2}\n", 8), 0);
	assert_int_equal(it_sink_close(s), 0);
	assert_int_equal(s->gap_lines, 0);	/* marked */
	txt = only_file("out", &len);
	snprintf(want, sizeof(want), "{\"record\":\"header\"}\n{\"record\":\"output_loss\",\"lines\":10,"
		 "\"bytes\":%llu,\"error\":\"No such file or directory\"}\n{\"b\":2}\n",
		 (unsigned long long)bytes);
	assert_string_equal(txt, want);
	free(txt);
	it_sink_free(s);

	/* removed, and a file put at its path: retried every flush interval */
	assert_int_equal(system(cmd), 0);
	s = open_sink(&cfg);
	assert_int_equal(system(cmd), 0);
	fd = put_file("out", "x", 1);
	close(fd);
	fake_now += 1.1;
	it_sink_tick(s);
	assert_false(s->failed);
	assert_int_equal(s->err, ENOTDIR);
	assert_int_equal(it_sink_write(s, "{\"c\":3}\n", 8), -1);	/* counted */
	assert_int_equal(s->dropped_lines, 1);
	assert_int_equal(unlink(out), 0);
	fake_now += 1.1;
	assert_int_equal(it_sink_write(s, "{\"d\":4}\n", 8), 0);
	assert_int_equal(it_sink_close(s), 0);
	txt = only_file("out", &len);
	assert_string_equal(txt, "{\"record\":\"header\"}\n{\"record\":\"output_loss\",\"lines\":1,"
			    "\"bytes\":8,\"error\":\"Not a directory\"}\n{\"d\":4}\n");
	free(txt);
	it_sink_free(s);
}

/* A rename that fails at rotation (here: a directory in the way of the complete
 * name; a directory made read-only for a moment does the same for a --user agent)
 * is survived: the file is written on and the rotation tried again a flush interval
 * later; nothing is lost, nothing left as .tmp. */
static void test_rotate_rename_retried(void **state)
{
	struct it_sink_cfg cfg = { .path = dir, .rotate_size = 50, .ext = "jsonl",
				   .flush_interval_s = 1 };
	char l[128], cur[NAME_MAX + 1];
	static char names[8][256];
	struct it_sink *s;

	s = open_sink(&cfg);
	snprintf(cur, sizeof(cur), "%s", s->cur);
	assert_int_equal(mkdirat(s->dirfd, cur, 0700), 0);
	line(l, sizeof(l), 1);
	assert_int_equal(it_sink_write(s, l, strlen(l)), -1);	/* size reached: rename fails */
	assert_false(s->failed);
	assert_int_equal(s->dropped_lines, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(it_sink_write(s, l, strlen(l)), 0);	/* written on, not retried yet */
	assert_int_equal(unlinkat(s->dirfd, cur, AT_REMOVEDIR), 0);
	fake_now += 1.1;
	fake_wall += 1000000;
	assert_int_equal(it_sink_write(s, l, strlen(l)), 0);	/* rotated */
	assert_int_equal(s->files_done, 1);
	assert_int_equal(it_sink_close(s), 0);
	assert_int_equal(s->dropped_lines, 0);
	assert_int_equal(list(names, 8, ".tmp"), 0);
	assert_int_equal(list(names, 8, ".jsonl"), 2);
	it_sink_free(s);
}

static void test_rotate_interval_and_retention(void **state)
{
	struct it_sink_cfg cfg = { .path = dir, .rotate_interval_s = 60, .max_files = 3, .ext = "jsonl",
				   .compress = 1 };
	static char names[64][256];
	char l[128], p[600], old[600];
	struct it_sink *s;
	int i, fd;

	/* an old file of ours, and one of another host: max-age removes only ours */
	snprintf(old, sizeof(old), "%s/inputtrace-20200101T000000.000000Z-otherhost.jsonl.gz", dir);
	fd = open(old, O_CREAT | O_WRONLY, 0600);
	close(fd);
	s = open_sink(&cfg);
	for (i = 0; i < 10; i++) {
		line(l, sizeof(l), (unsigned)i);
		assert_int_equal(it_sink_write(s, l, strlen(l)), 0);
		fake_now += 61;			/* past the interval: the next tick rotates */
		fake_wall += 61000000000ull;
		it_sink_tick(s);
	}
	assert_int_equal(it_sink_close(s), 0);
	/* 11 files were completed (the last holds only a header); 3 newest kept */
	assert_int_equal(s->files_done, 11);
	it_sink_free(s);
	assert_int_equal(list(names, 64, ".gz"), 4);	/* + the other host's */
	assert_non_null(strstr(names[0], "otherhost"));
	snprintf(p, sizeof(p), "gzip -t %s/inputtrace-2026*", dir);
	assert_int_equal(system(p), 0);

	/* --max-age: mtime older than the age is deleted, only files of this host */
	{
		struct it_sink_cfg c2 = { .path = dir, .max_age_s = 3600, .ext = "jsonl", .compress = 1 };
		struct it_sink *s2;

		struct timespec ts;

		/* files now look 2 h old: their mtimes are the real clock's, so the fake
		 * wall clock moves to 2 h past the real now */
		clock_gettime(CLOCK_REALTIME, &ts);
		fake_wall = ((uint64_t)ts.tv_sec + 7200) * 1000000000ull;
		s2 = open_sink(&c2);
		/* opening deletes nothing (a start that fails must not); retention does: the
		 * 3 files of this host were 2 h old */
		assert_int_equal(s2->files_deleted, 0);
		assert_int_equal(it_sink_retention(s2), 3);
		assert_int_equal(s2->files_deleted, 3);
		assert_int_equal(it_sink_close(s2), 0);
		it_sink_free(s2);
		assert_int_equal(access(old, F_OK), 0);
	}
}

static void test_write_error_counted(void **state)
{
	struct it_sink_cfg cfg = { .path = "/dev/full", .flush_interval_s = 1 };
	struct it_sink *s;
	char l[128];
	int i;

	s = open_sink(&cfg);
	for (i = 0; i < 10; i++) {
		line(l, sizeof(l), (unsigned)i);
		assert_int_equal(it_sink_write(s, l, strlen(l)), -1);
		fake_now += 0.3;	/* retried every second */
	}
	assert_false(s->failed);		/* ENOSPC is survived, not fatal */
	assert_int_equal(s->err, ENOSPC);
	assert_int_equal(s->dropped_lines, 10);
	assert_int_equal(s->dropped_bytes, 10 * strlen(l));
	it_sink_free(s);
}

static void test_gap_record_after_error(void **state)
{
	struct it_sink_cfg cfg = { .flush_interval_s = 1 };
	struct it_sink *s;
	char path[300], l[128], *txt;
	size_t len;

	snprintf(path, sizeof(path), "%s/g.jsonl", dir);
	cfg.path = path;
	s = open_sink(&cfg);
	assert_int_equal(it_sink_write(s, "{\"a\":1}\n", 8), 0);
	/* simulate a failed write: the sink's own error path */
	s->err = ENOSPC;
	s->last_err = ENOSPC;
	s->retry_at = fake_now + 1;
	line(l, sizeof(l), 1);
	assert_int_equal(it_sink_write(s, l, strlen(l)), -1);	/* before retry time: dropped */
	fake_now += 1.1;
	assert_int_equal(it_sink_write(s, "{\"b\":2}\n", 8), 0);
	it_sink_free(s);
	txt = slurp(path, &len, false);
	assert_string_equal(txt, "{\"record\":\"header\"}\n{\"a\":1}\n"
			    "{\"record\":\"output_loss\",\"lines\":1,\"bytes\":74,\"error\":\"No space left on device\"}\n"
			    "{\"b\":2}\n");
	free(txt);
}

static void test_header_record(void **state)
{
	struct it_opts o;
	struct it_hostinfo h;
	struct it_buf b = { 0 };
	struct jc_field f[32];
	char err[128], *argv[] = { "inputtrace", "--keys", "raw", "-t", "EV_KEY,EV_SYN",
				   "-d", "name:*Mouse*", "-z", "-o", "x/", "--rotate-size", "1M",
				   "--pointer", "coarse", "--pointer-grid", "32", NULL };
	int nf = 0, i;
	bool seen_clock = false;

	assert_int_equal(it_parse_args(16, argv, &o, err, sizeof(err), stdout), 0);
	memset(&h, 0, sizeof(h));
	snprintf(h.host, sizeof(h.host), "ws-\"7\"");
	snprintf(h.boot_id, sizeof(h.boot_id), "18eb48ab-a581-46fb-b621-6821b8fc780d");
	snprintf(h.kernel, sizeof(h.kernel), "6.1.0-28-amd64");
	it_rec_header(&b, &o, &h, 3, 5000000000ull, 1795980000000000000ull);
	it_buf_putc(&b, 0);
	assert_int_equal(jc_check(b.p, b.len - 2, f, 32, &nf), 0);
	assert_non_null(strstr(b.p, "{\"record\":\"header\",\"schema\":1,\"agent\":\"inputtrace\","));
	assert_non_null(strstr(b.p, "\"host\":\"ws-\\\"7\\\"\""));
	assert_non_null(strstr(b.p, "\"boot_id\":\"18eb48ab-a581-46fb-b621-6821b8fc780d\""));
	assert_non_null(strstr(b.p, "\"kernel\":\"6.1.0-28-amd64\",\"file_seq\":3,\"format\":\"jsonl\""));
	assert_non_null(strstr(b.p, "\"settings\":{\"types\":[\"EV_SYN\",\"EV_KEY\"],\"devices\":[\"*Mouse*\"],"
				    "\"keys\":\"raw\",\"pointer\":\"coarse\",\"pointer_grid\":32,\"no_time\":false"));
	assert_non_null(strstr(b.p, "\"compress\":6,\"flush_interval\":1,\"rotate_size\":1048576"));
	assert_non_null(strstr(b.p, "\"clock\":{\"mono_ns\":5000000000,\"real_ns\":1795980000000000000,"
				    "\"offset_ns\":1795979995000000000}"));
	for (i = 0; i < nf; i++)
		seen_clock |= !strcmp(f[i].key, "clock");
	assert_true(seen_clock);
	it_buf_free(&b);

	/* the live clocks: offset = real - mono, as CLOCK_REALTIME - CLOCK_MONOTONIC */
	it_hostinfo_read(&h, "/proc");
	assert_true(h.kernel[0]);
	assert_int_equal(strlen(h.boot_id), 36);
}

static void test_csv_writer(void **state)
{
	struct it_buf b = { 0 };

	it_buf_puts(&b, IT_CSV_HEADER);
	it_csv_event(&b, 3, "A \"b\", c\n\xff", 14704248000ull, 1795980000123456000ull, 1, 0x110, 1);
	it_csv_count(&b, "loss", 12);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "record,dev,device,sec,usec,time,type,code,value\n"
			    "event,3,\"A \"\"b\"\", c \xef\xbf\xbd\",14,704248,2026-11-29T19:20:00.123456Z,"
			    "EV_KEY,BTN_LEFT,1\n"
			    "loss,,,,,,,,12\n");
	it_buf_free(&b);
}

static void test_evemu_writer(void **state)
{
	struct it_devinfo info = { .bustype = 0x11, .vendor = 2, .product = 8, .version = 0x300 };
	struct it_buf b = { 0 };

	snprintf(info.name, sizeof(info.name), "AlpsPS/2 ALPS GlidePoint");
	snprintf(info.sysname, sizeof(info.sysname), "input9");
	assert_int_equal(it_evemu_describe(&b, &info, NULL), -1);	/* no node: N and I only */
	it_evemu_event(&b, 5000001000ull, 5000000000ull, 3, 0x35, 1204);
	it_evemu_event(&b, 6399995000ull, 5000000000ull, 1, 0x1d, -1);
	it_buf_putc(&b, 0);
	assert_memory_equal(b.p, "# EVEMU 1.3\n", 12);
	assert_non_null(strstr(b.p, "\nN: AlpsPS/2 ALPS GlidePoint\nI: 0011 0002 0008 0300\n"));
	assert_non_null(strstr(b.p, "\nE: 0.000001 0003 0035 1204\nE: 1.399995 0001 001d -001\n"));
	it_buf_free(&b);
}

/* The output flags: values parsed, and combinations that cannot work refused (exit 2). */
static void test_output_flags(void **state)
{
	struct { const char *args[8]; const char *err; } bad[] = {
		{ { "--compress=0" }, "invalid --compress level '0'" },
		{ { "--compress=10" }, "invalid --compress level" },
		{ { "--format", "xml" }, "invalid --format 'xml'" },
		{ { "--rotate-size", "1M" }, "--rotate-size needs -o DIRECTORY" },
		{ { "--max-files", "0", "-o", "d/" }, "invalid --max-files" },
		{ { "--rotate-size", "100", "-o", "d/" }, "invalid --rotate-size" },
		{ { "--max-age", "3x", "-o", "d/" }, "invalid --max-age" },
		{ { "--file-mode", "0777" }, "invalid --file-mode" },
		{ { "--file-mode", "0044" }, "invalid --file-mode" },
		{ { "--format", "evemu" }, "--format evemu needs -o DIRECTORY" },
		{ { "--format", "evemu", "-z", "-o", "d" }, "--compress and --rotate-* do not apply" },
		{ { "--flush-interval", "0" }, "invalid --flush-interval" },
	};
	char err[256], *argv[12];
	struct it_opts o;
	unsigned int i;
	int n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = "inputtrace";
		for (n = 0; bad[i].args[n]; n++)
			argv[n + 1] = (char *)bad[i].args[n];
		argv[n + 1] = NULL;
		err[0] = 0;
		assert_int_equal(it_parse_args(n + 1, argv, &o, err, sizeof(err), stdout), -1);
		if (!strstr(err, bad[i].err)) {
			print_error("%s: got '%s'\n", bad[i].args[0], err);
			fail();
		}
	}
	{
		char *ok[] = { "inputtrace", "-z9", "--flush-interval", "250ms", NULL };

		/* "250ms" is not a form we accept: m is minutes, and "ms" is two suffixes */
		assert_int_equal(it_parse_args(4, ok, &o, err, sizeof(err), stdout), -1);
	}
	{
		char *ok[] = { "inputtrace", "-z9", "--flush-interval", "0.25", "-o", "d/", "--rotate-size", "10M",
			       "--rotate-interval", "1h", "--max-age", "30d", "--max-files", "100",
			       "--file-mode", "0640", "--format", "csv", NULL };

		assert_int_equal(it_parse_args(18, ok, &o, err, sizeof(err), stdout), 0);
		assert_int_equal(o.compress, 9);
		assert_true(o.flush_interval_s == 0.25);
		assert_int_equal(o.rotate_size, 10u << 20);
		assert_true(o.rotate_interval_s == 3600 && o.max_age_s == 30 * 86400.0);
		assert_int_equal(o.max_files, 100);
		assert_int_equal(o.file_mode, 0640);
		assert_int_equal(o.format, IT_FMT_CSV);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gzip_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_interval_and_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_record_after_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_rename_retried, setup, teardown),
		cmocka_unit_test(test_header_record),
		cmocka_unit_test(test_csv_writer),
		cmocka_unit_test(test_evemu_writer),
		cmocka_unit_test(test_output_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
