// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_kafka.c - the Kafka modules' pure parts: flags and librdkafka configuration
 * (kafka_conf.c), stream stamping (stream.c), the state file (spool_state.c) and the
 * spool reader over plain and multi-member gzip files (spool_reader.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "kafka_conf.h"
#include "spool_reader.h"
#include "spool_state.h"
#include "stream.h"

static char dir[64];

static int mkdir_tmp(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_kafka.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void write_file(const char *name, const void *p, size_t n, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	fchmod(fd, mode);
	close(fd);
}

static void append_file(const char *name, const void *p, size_t n)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* --- kafka_conf ------------------------------------------------------------------------- */

static void test_parse_line(void **state)
{
	char l1[] = "  acks = all  \r\n", l2[] = "# comment", l3[] = "   ", l4[] = "noequals",
	     l5[] = "=value", l6[] = "sasl.password=a=b c";
	char *k, *v;

	assert_int_equal(it_kafka_parse_line(l1, &k, &v), 1);
	assert_string_equal(k, "acks");
	assert_string_equal(v, "all");
	assert_int_equal(it_kafka_parse_line(l2, &k, &v), 0);
	assert_int_equal(it_kafka_parse_line(l3, &k, &v), 0);
	assert_int_equal(it_kafka_parse_line(l4, &k, &v), -1);
	assert_int_equal(it_kafka_parse_line(l5, &k, &v), -1);
	assert_int_equal(it_kafka_parse_line(l6, &k, &v), 1);
	assert_string_equal(k, "sasl.password");
	assert_string_equal(v, "a=b c");	/* the first '=' splits; the rest is the value */
}

static void test_flags(void **state)
{
	struct it_kafka_opts k;
	char err[256];

	it_kafka_opts_init(&k);
	assert_string_equal(k.topic, "inputtrace");
	assert_int_equal(it_kafka_opt(&k, 'o', "x", err, sizeof(err)), 0);	/* not ours */
	assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_TOPIC, "bad topic", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--kafka-topic"));
	assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_OPTION, "novalue", err, sizeof(err)), -1);
	assert_int_equal(it_kafka_opt(&k, IT_OPT_SPOOL_MAX_BYTES, "64M", err, sizeof(err)), 1);
	assert_int_equal(k.spool_max_bytes, 64ull << 20);
	assert_int_equal(it_kafka_opt(&k, IT_OPT_SPOOL_MAX_BYTES, "1K", err, sizeof(err)), -1);
	assert_int_equal(it_kafka_opt(&k, IT_OPT_SPOOL_MAX_BYTES, "12X", err, sizeof(err)), -1);
	/* the other flags need --kafka-brokers; brokers need a spool in JSON Lines */
	assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_OPTION, "acks=1", err, sizeof(err)), 1);
	assert_int_equal(it_kafka_opts_check(&k, "/var/spool", true, err, sizeof(err)), -1);
	assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_BROKERS, "b1:9092,b2:9092", err, sizeof(err)), 1);
	assert_int_equal(it_kafka_opts_check(&k, "-", true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs a spool"));
	assert_int_equal(it_kafka_opts_check(&k, "/var/spool", false, err, sizeof(err)), -1);
	assert_int_equal(it_kafka_opts_check(&k, "/var/spool", true, err, sizeof(err)), 0);
}

static const char *conf_get(rd_kafka_conf_t *c, const char *key)
{
	static char v[256];
	size_t n = sizeof(v);

	assert_int_equal(rd_kafka_conf_get(c, key, v, &n), RD_KAFKA_CONF_OK);
	return v;
}

static void test_build_defaults_and_order(void **state)
{
	static const char text[] = "# secrets\ncompression.codec=lz4\nlinger.ms = 7\n";
	struct it_kafka_opts k;
	rd_kafka_conf_t *c;
	char err[512], path[256];

	it_kafka_opts_init(&k);
	k.brokers = "127.0.0.1:9";
	c = it_kafka_conf_build(&k, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(conf_get(c, "acks"), "-1");		/* all */
	assert_string_equal(conf_get(c, "enable.idempotence"), "true");
	assert_string_equal(conf_get(c, "bootstrap.servers"), "127.0.0.1:9");
	rd_kafka_conf_destroy(c);
	/* the file, then --kafka-option (later wins) */
	write_file("k.conf", text, strlen(text), 0600);
	snprintf(path, sizeof(path), "%s/k.conf", dir);
	k.config_file = path;
	k.options[k.n_options++] = "linger.ms=9";
	k.options[k.n_options++] = "acks=1";
	k.options[k.n_options++] = "enable.idempotence=false";
	c = it_kafka_conf_build(&k, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(conf_get(c, "compression.codec"), "lz4");
	assert_string_equal(conf_get(c, "linger.ms"), "9");
	assert_string_equal(conf_get(c, "acks"), "1");
	rd_kafka_conf_destroy(c);
}

static void test_build_errors(void **state)
{
	static const char bad[] = "acks=all\nno.such.property=1\n";
	struct it_kafka_opts k;
	char err[512], path[256];

	it_kafka_opts_init(&k);
	k.brokers = "127.0.0.1:9";
	k.options[k.n_options++] = "acks=sometimes";
	assert_null(it_kafka_conf_build(&k, err, sizeof(err)));
	/* one line: where, the key, then librdkafka's own words */
	assert_non_null(strstr(err, "--kafka-option: acks: "));
	assert_null(strchr(err, '\n'));
	k.n_options = 0;
	write_file("bad.conf", bad, strlen(bad), 0600);
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	k.config_file = path;
	assert_null(it_kafka_conf_build(&k, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.conf:2: no.such.property: No such configuration property"));
}

static void test_config_file_refused(void **state)
{
	static const char text[] = "acks=all\n";
	char err[512], path[256];
	size_t len;
	char *t;

	write_file("open.conf", text, strlen(text), 0644);
	snprintf(path, sizeof(path), "%s/open.conf", dir);
	assert_null(it_kafka_config_read(path, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0644"));
	write_file("grpw.conf", text, strlen(text), 0620);
	snprintf(path, sizeof(path), "%s/grpw.conf", dir);
	assert_null(it_kafka_config_read(path, &len, err, sizeof(err)));
	/* not a regular file: a directory, a symlink */
	assert_null(it_kafka_config_read(dir, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	write_file("ok.conf", text, strlen(text), 0600);
	snprintf(path, sizeof(path), "%s/link.conf", dir);
	assert_int_equal(symlink("ok.conf", path), 0);
	assert_null(it_kafka_config_read(path, &len, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	t = it_kafka_config_read(path, &len, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(len, strlen(text));
	free(t);
}

/* --- stream ------------------------------------------------------------------------------ */

static void test_stamp_and_parse(void **state)
{
	static const char in[] = "{\"record\":\"event\",\"dev\":3}\n"
				 "{\"record\":\"header\",\"schema\":1}\n"
				 "time,dev\n";	/* not a record line: as it is */
	struct it_stream st = { .id = "0123456789abcdef", .next_seq = 41, .reserved = 1000, .dirfd = -1 };
	struct it_buf out = { 0 };
	char id[IT_STREAM_ID_LEN + 1];
	uint64_t seq;
	char *nl;

	assert_int_equal(it_stream_stamp(&st, in, strlen(in), &out), 2);
	it_buf_putc(&out, 0);
	assert_string_equal(out.p,
		"{\"record\":\"event\",\"stream\":\"0123456789abcdef\",\"seq\":41,\"dev\":3}\n"
		"{\"record\":\"header\",\"stream\":\"0123456789abcdef\",\"seq\":42,\"schema\":1}\n"
		"time,dev\n");
	assert_int_equal(st.next_seq, 43);
	nl = strchr(out.p, '\n');
	assert_true(it_stream_parse(nl + 1, strlen(nl + 1), id, &seq));
	assert_string_equal(id, "0123456789abcdef");
	assert_int_equal(seq, 42);
	assert_false(it_stream_parse("{\"record\":\"event\"}", 18, id, &seq));
	assert_false(it_stream_parse("{\"record\":\"x\",\"stream\":\"01\",\"seq\":1}", 36, id, &seq));
	it_buf_free(&out);
}

static void test_stream_persists(void **state)
{
	struct it_stream a, b;
	char err[256], id[IT_STREAM_ID_LEN + 1];
	struct it_buf out = { 0 };

	assert_int_equal(it_stream_open(&a, dir, "h", NULL, err, sizeof(err)), 0);
	assert_int_equal(a.next_seq, 1);
	assert_int_equal(strspn(a.id, "0123456789abcdef"), IT_STREAM_ID_LEN);
	it_stream_stamp(&a, "{\"record\":\"e\"}\n{\"record\":\"e\"}\n", 30, &out);
	memcpy(id, a.id, sizeof(id));
	it_stream_close(&a);
	/* a clean stop: the same stream, the next seq */
	assert_int_equal(it_stream_open(&b, dir, "h", NULL, err, sizeof(err)), 0);
	assert_string_equal(b.id, id);
	assert_int_equal(b.next_seq, 3);
	/* a crash (no close): the saved floor, ahead of anything stamped */
	it_stream_stamp(&b, "{\"record\":\"e\"}\n", 15, &out);
	close(b.dirfd);
	assert_int_equal(it_stream_open(&a, dir, "h", NULL, err, sizeof(err)), 0);
	assert_int_equal(a.next_seq, 3 + IT_STREAM_RESERVE);
	it_stream_close(&a);
	it_buf_free(&out);
}

/* The spool's newest records deleted (by hand) while the agent was stopped: their seqs
 * are never given again - after a clean stop the saved next is a floor, and after a
 * crash the seq the Kafka state says was acknowledged. */
static void test_stream_no_reuse(void **state)
{
	static const char name[] = "inputtrace-20260101T000000.000000Z-h.jsonl";
	struct it_buf out = { 0 };
	struct it_spool_state ks = { 0 };
	struct it_stream a;
	char err[256], path[256];
	size_t three;
	int fd, i;

	assert_int_equal(it_stream_open(&a, dir, "h", NULL, err, sizeof(err)), 0);
	for (i = 0; i < 5; i++)
		it_stream_stamp(&a, "{\"record\":\"e\"}\n", 15, &out);
	/* the spool keeps only the first 3 of the 5 records */
	for (i = 0, three = 0; i < 3; i++)
		three += (size_t)(strchr(out.p + three, '\n') + 1 - (out.p + three));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, out.p, three), (ssize_t)three);
	close(fd);
	memcpy(ks.stream, a.id, sizeof(ks.stream));
	it_stream_close(&a);
	assert_int_equal(it_stream_open(&a, dir, "h", dir, err, sizeof(err)), 0);
	assert_int_equal(a.next_seq, 6);	/* not 4: seqs 4 and 5 were given */
	/* a crash (no clean stop), Kafka had acknowledged up to 5 */
	close(a.dirfd);
	snprintf(ks.acked.name, sizeof(ks.acked.name), "%s", name);
	ks.acked_seq = 5;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(it_spool_state_save(fd, ".inputtrace-h.kafka-state", &ks), 0);
	close(fd);
	assert_int_equal(it_stream_open(&a, dir, "h", dir, err, sizeof(err)), 0);
	assert_int_equal(a.next_seq, 6);
	it_stream_close(&a);
	it_buf_free(&out);
}

/* --- spool state ----------------------------------------------------------------------- */

static void test_state_roundtrip(void **state)
{
	struct it_spool_state s = { .stream = "0123456789abcdef", .acked_seq = 99,
				    .delivered_records = 99, .delivered_bytes = 12345 };
	struct it_spool_loss l1 = { 10, 20, 11 }, l2 = { 30, 40, 5 };
	struct it_spool_state t;
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	snprintf(s.acked.name, sizeof(s.acked.name), "inputtrace-x-h.jsonl.gz");
	s.acked.off = 777;
	it_spool_state_add_loss(&s, &l1);
	it_spool_state_add_loss(&s, &l2);
	assert_int_equal(it_spool_state_load(fd, "none", &t), 1);
	assert_int_equal(it_spool_state_save(fd, "st", &s), 0);
	assert_int_equal(it_spool_state_load(fd, "st", &t), 0);
	assert_string_equal(t.stream, s.stream);
	assert_string_equal(t.acked.name, s.acked.name);
	assert_int_equal(t.acked.off, 777);
	assert_int_equal(t.acked_seq, 99);
	assert_int_equal(t.delivered_bytes, 12345);
	assert_int_equal(t.n_loss, 2);
	assert_int_equal(t.loss[1].count, 5);
	it_spool_state_drop_loss(&t, 10);
	assert_int_equal(t.n_loss, 1);
	assert_int_equal(t.loss[0].first, 30);
	/* no temporary left, and not a state file -> EINVAL */
	assert_int_equal(faccessat(fd, "st.tmp", F_OK, 0), -1);
	write_file("junk", "hello\n", 6, 0600);
	assert_int_equal(it_spool_state_load(fd, "junk", &t), -1);
	/* numbers without a sign, a loss range that makes sense, a name not a path */
	write_file("neg", "seq -1\n", 7, 0600);
	assert_int_equal(it_spool_state_load(fd, "neg", &t), -1);
	write_file("loss", "loss 5 1 18446744073709551615\n", 30, 0600);
	assert_int_equal(it_spool_state_load(fd, "loss", &t), -1);
	write_file("loss2", "loss 1 5 6\n", 11, 0600);
	assert_int_equal(it_spool_state_load(fd, "loss2", &t), -1);
	write_file("path", "file ../../etc/passwd\n", 22, 0600);
	assert_int_equal(it_spool_state_load(fd, "path", &t), -1);
	close(fd);
}

/* --- spool reader ---------------------------------------------------------------------- */

/* one gzip member holding text */
static size_t gz_member(const char *text, unsigned char *out, size_t cap)
{
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static long read_all(struct it_spool_reader *r, struct it_buf *b, size_t max)
{
	uint64_t lines, total = 0;
	long got;

	while ((got = it_spool_read(r, b, max, &lines)) > 0)
		total += lines;
	return got < 0 ? -1 : (long)total;
}

static void test_reader_gzip_members(void **state)
{
	static const char *const A = "inputtrace-20260101T000000.000000Z-h.jsonl.gz";
	static const char *const B = "inputtrace-20260101T000100.000000Z-h.jsonl.gz";
	unsigned char m[4096];
	struct it_spool_reader r;
	struct it_spool_pos pos;
	struct it_buf b = { 0 };
	char err[256], tmpname[128];
	size_t n;

	n = gz_member("a1\na2\n", m, sizeof(m));
	write_file(A, m, n, 0600);
	n = gz_member("a3\n", m, sizeof(m));
	append_file(A, m, n);
	/* B is being written: one member, then half of the next */
	snprintf(tmpname, sizeof(tmpname), "%s.tmp", B);
	n = gz_member("b1\n", m, sizeof(m));
	write_file(tmpname, m, n, 0600);
	n = gz_member("b2\nb3\n", m, sizeof(m));
	append_file(tmpname, m, n / 2);
	write_file("inputtrace-20260101T000000.000000Z-other.jsonl", "x\n", 2, 0600);	/* not ours */

	assert_int_equal(it_spool_reader_open(&r, dir, "h", err, sizeof(err)), 0);
	/* the half member is not a record yet */
	assert_int_equal(read_all(&r, &b, 4), 4);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "a1\na2\na3\nb1\n");
	assert_string_equal(r.pos.name, B);
	assert_int_equal(r.pos.off, 3);
	pos = r.pos;
	/* the rest of the member arrives, the file is renamed into place */
	append_file(tmpname, m + n / 2, n - n / 2);
	{
		char from[256], to[256];

		snprintf(from, sizeof(from), "%s/%s", dir, tmpname);
		snprintf(to, sizeof(to), "%s/%s", dir, B);
		assert_int_equal(rename(from, to), 0);
	}
	it_buf_reset(&b);
	assert_int_equal(read_all(&r, &b, 1 << 16), 2);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "b2\nb3\n");
	it_spool_reader_close(&r);
	/* resumed from a saved position: the same lines again */
	assert_int_equal(it_spool_reader_open(&r, dir, "h", err, sizeof(err)), 0);
	it_spool_seek(&r, &pos);
	it_buf_reset(&b);
	assert_int_equal(read_all(&r, &b, 1 << 16), 2);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "b2\nb3\n");
	/* a position in a deleted file goes on with the next one */
	snprintf(pos.name, sizeof(pos.name), "inputtrace-20251231T000000.000000Z-h.jsonl");
	pos.off = 5;
	it_spool_seek(&r, &pos);
	it_buf_reset(&b);
	assert_int_equal(read_all(&r, &b, 1 << 16), 6);
	assert_int_equal(r.files_skipped, 1);
	it_spool_reader_close(&r);
	it_buf_free(&b);
}

/* A complete file rewritten under the reader (subject erase: a new file renamed over
 * it) is read again from its start, passing what was returned before by seq: the
 * erased lines not yet read are never returned, and nothing comes twice; the same
 * after a restart from a saved position in the old file. */
static void rewrite(const char *name, const int *seqs, int n)
{
	char text[1024] = "", line[128], from[256], to[256];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"record\":\"event\",\"stream\":\"0123456789abcdef\","
			 "\"seq\":%d,\"x\":%d}\n", seqs[i], seqs[i]);
		strcat(text, line);
	}
	write_file("new.tmp", text, strlen(text), 0600);
	snprintf(from, sizeof(from), "%s/new.tmp", dir);
	snprintf(to, sizeof(to), "%s/%s", dir, name);
	assert_int_equal(rename(from, to), 0);
}

static void test_reader_rewritten(void **state)
{
	static const char *const F = "inputtrace-20260101T000000.000000Z-h.jsonl";
	static const int all[] = { 1, 2, 3, 4, 5, 6 }, kept[] = { 1, 3, 5 };
	struct it_spool_reader r;
	struct it_spool_pos pos;
	struct it_buf b = { 0 };
	uint64_t lines;
	char err[256];

	rewrite(F, all, 6);
	assert_int_equal(it_spool_reader_open(&r, dir, "h", err, sizeof(err)), 0);
	assert_true(it_spool_read(&r, &b, 1, &lines) > 0);
	assert_true(it_spool_read(&r, &b, 1, &lines) > 0);
	assert_int_equal(r.last_seq, 2);
	pos = r.pos;
	rewrite(F, kept, 3);	/* seqs 2, 4, 6 erased */
	it_buf_reset(&b);
	assert_int_equal(read_all(&r, &b, 1), 2);
	it_buf_putc(&b, 0);
	assert_non_null(strstr(b.p, "\"seq\":3,"));
	assert_non_null(strstr(b.p, "\"seq\":5,"));
	assert_null(strstr(b.p, "\"seq\":1,"));
	assert_int_equal(r.files_rewritten, 1);
	it_spool_reader_close(&r);
	/* restarted at the position saved in the old file, seq 2 acknowledged */
	assert_int_equal(it_spool_reader_open(&r, dir, "h", err, sizeof(err)), 0);
	it_spool_seek(&r, &pos);
	r.last_seq = 2;
	it_buf_reset(&b);
	assert_int_equal(read_all(&r, &b, 1 << 16), 2);
	it_buf_putc(&b, 0);
	assert_null(strstr(b.p, "\"seq\":1,"));
	assert_non_null(strstr(b.p, "\"seq\":3,"));
	assert_int_equal(r.files_rewritten, 1);
	it_spool_reader_close(&r);
	it_buf_free(&b);
}

static void test_reader_one_file(void **state)
{
	struct it_spool_reader r;
	struct it_buf b = { 0 };
	char err[256], path[256];

	write_file("one.jsonl", "l1\nl2\npart", 10, 0600);
	snprintf(path, sizeof(path), "%s/one.jsonl", dir);
	assert_int_equal(it_spool_reader_open(&r, path, "h", err, sizeof(err)), 0);
	assert_int_equal(read_all(&r, &b, 1 << 16), 2);
	append_file("one.jsonl", "ial\n", 4);
	assert_int_equal(read_all(&r, &b, 1 << 16), 1);
	it_buf_putc(&b, 0);
	assert_string_equal(b.p, "l1\nl2\npartial\n");
	assert_int_equal(r.pos.off, 14);
	it_spool_reader_close(&r);
	it_buf_free(&b);
}

static void test_spool_names(void **state)
{
	assert_int_equal(it_spool_name("inputtrace-20260101T000000.000000Z-h.jsonl", "h"), 1);
	assert_int_equal(it_spool_name("inputtrace-20260101T000000.000000Z-h.jsonl.gz.tmp", "h"), 2);
	assert_int_equal(it_spool_name("inputtrace-20260101T000000.000000Z-h.csv", "h"), 0);
	assert_int_equal(it_spool_name("inputtrace-20260101T000000.000000Z-xh.jsonl", "h"), 0);
	assert_int_equal(it_spool_name("inputtrace-2026010XT000000.000000Z-h.jsonl", "h"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_flags),
		cmocka_unit_test_setup_teardown(test_build_defaults_and_order, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_build_errors, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_config_file_refused, mkdir_tmp, rm_tmp),
		cmocka_unit_test(test_stamp_and_parse),
		cmocka_unit_test_setup_teardown(test_stream_persists, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_stream_no_reuse, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_state_roundtrip, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_reader_gzip_members, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_reader_one_file, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_reader_rewritten, mkdir_tmp, rm_tmp),
		cmocka_unit_test(test_spool_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
