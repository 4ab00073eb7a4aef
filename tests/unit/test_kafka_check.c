// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_kafka_check.c - what the Kafka flags refuse before anything is created: the
 * --kafka-brokers list's form (kafka_check.c), a --kafka-config file someone else
 * could read, own or replace (kafka_conf.c), and secrets kept out of every message.
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
#include "kafka_conf.h"
#include "tmpdir.h"

static void test_brokers_good(void **state)
{
	static const char *const good[] = {
		"127.0.0.1:9092", "k1.example.net:9093,k2.example.net:9093", "a:1, b:65535",
		"[::1]:9092", "[fe80::1]:1", "localhost:9092", "PLAINTEXT://a:1", "sasl_ssl://b_c:2",
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (it_kafka_brokers_check(good[i], NULL, err, sizeof(err)))
			fail_msg("'%s' refused: %s", good[i], err);
}

static void test_brokers_bad(void **state)
{
	static const char *const bad[] = {
		"", ",", "a", "a:", ":9092", "a:0", "a:65536", "a:123456", "a:+1", "a:1x", "a:1,",
		"a:1,,b:2", "::1:9092", "[::1]", "[zz]:1", "[::1:1", "a b:1", "foo://a:1", "a:1;b:2",
		"SSL://", "a/b:1",
	};
	struct it_kafka_opts k;
	char err[256];
	size_t i;

	it_kafka_opts_init(&k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (it_kafka_brokers_check(bad[i], NULL, err, sizeof(err)) != -1)
			fail_msg("'%s' taken", bad[i]);
		assert_true(strstr(err, "--kafka-brokers") != NULL);
		assert_null(strchr(err, '\n'));
		/* the flag itself refuses it while parsing */
		assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_BROKERS, bad[i], err, sizeof(err)), -1);
	}
	assert_null(k.brokers);
	/* the element is named */
	it_kafka_brokers_check("good:1,bad:0", NULL, err, sizeof(err));
	assert_non_null(strstr(err, "'bad:0'"));
}

/* A scheme is librdkafka's, and only the one of security.protocol (it would drop the
 * broker with a log line only). */
static void test_brokers_scheme(void **state)
{
	struct it_kafka_opts k;
	rd_kafka_conf_t *conf;
	char err[256];

	assert_int_equal(it_kafka_brokers_check("SSL://a:1", "ssl", err, sizeof(err)), 0);
	assert_int_equal(it_kafka_brokers_check("SSL://a:1", "plaintext", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "security.protocol=plaintext"));
	it_kafka_opts_init(&k);
	k.brokers = "SASL_SSL://a:1";
	assert_null(it_kafka_conf_build(&k, err, sizeof(err)));
	k.options[k.n_options++] = "security.protocol=SASL_SSL";
	k.options[k.n_options++] = "sasl.mechanisms=PLAIN";
	conf = it_kafka_conf_build(&k, err, sizeof(err));
	assert_non_null(conf);
	rd_kafka_conf_destroy(conf);
}

static void put(const char *name, mode_t mode, uid_t uid)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "acks=all\n", 9), 9);
	assert_int_equal(fchmod(fd, mode), 0);
	if (uid != geteuid())
		assert_int_equal(fchown(fd, uid, (gid_t)-1), 0);
	close(fd);
}

static char *read_conf(const char *name, char *err, size_t errlen)
{
	char path[256];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return it_kafka_config_read(path, &len, err, errlen);
}

/* Owned by someone else (who could rewrite it): refused, even at mode 0600. */
static void test_config_owner(void **state)
{
	char err[512], *t;

	if (geteuid() != 0)
		skip();		/* giving a file away needs root */
	put("theirs.conf", 0600, 65534);
	assert_null(read_conf("theirs.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "owned by uid 65534"));
	put("root.conf", 0600, 0);
	t = read_conf("root.conf", err, sizeof(err));
	assert_non_null(t);
	free(t);
}

/* A directory others may write (they could replace the file): refused, unless it has
 * the sticky bit (as /tmp: then only the file's owner may rename or remove it). */
static void test_config_directory(void **state)
{
	char err[512], *t;

	put("k.conf", 0600, geteuid());
	assert_int_equal(chmod(dir, 0777), 0);
	assert_null(read_conf("k.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "its directory (mode 0777)"));
	assert_int_equal(chmod(dir, 0770), 0);
	assert_null(read_conf("k.conf", err, sizeof(err)));
	assert_int_equal(chmod(dir, 01777), 0);
	t = read_conf("k.conf", err, sizeof(err));
	assert_non_null(t);
	free(t);
	assert_int_equal(chmod(dir, 0700), 0);
}

/* librdkafka quotes a value it refuses: for a secret property it is hidden. */
static void test_hide_value(void **state)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "Invalid value \"hunter2\" for configuration property \"sasl.password\"");
	it_kafka_hide_value(msg, sizeof(msg), "sasl.password", "hunter2");
	assert_null(strstr(msg, "hunter2"));
	assert_non_null(strstr(msg, "(value hidden)"));
	assert_non_null(strstr(msg, "sasl.password"));
	/* a part of the value quoted, or the value elsewhere */
	snprintf(msg, sizeof(msg), "Invalid value \"hunt\" for property; got hunter2-x");
	it_kafka_hide_value(msg, sizeof(msg), "ssl.key.password", "hunter2-x");
	assert_null(strstr(msg, "hunt"));
	/* no room to grow: cut, never the value */
	snprintf(msg, 12, "ab hunter2");
	it_kafka_hide_value(msg, 12, "ssl.keystore.password", "hunter2");
	assert_null(strstr(msg, "hunt"));
	assert_true(strlen(msg) < 12);
	/* other properties: librdkafka's message as it is */
	snprintf(msg, sizeof(msg), "Invalid value \"bogus\" for configuration property \"compression.codec\"");
	it_kafka_hide_value(msg, sizeof(msg), "compression.codec", "bogus");
	assert_non_null(strstr(msg, "\"bogus\""));
	assert_true(it_kafka_secret_name("sasl.password"));
	assert_true(it_kafka_secret_name("ssl.key.pem"));
	assert_true(it_kafka_secret_name("sasl.oauthbearer.client.secret"));
	assert_false(it_kafka_secret_name("ssl.certificate.location"));
}

/* No message of the flags or of the configuration says a secret's value. */
static void test_no_secret_in_errors(void **state)
{
	static const char text[] = "sasl.password=hunter2-file\nsasl.oauthbearer.client.secret=hunter2-cs\n";
	struct it_kafka_opts k;
	char err[512], path[256];

	it_kafka_opts_init(&k);
	/* a separator other than '=' */
	assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_OPTION, "sasl.password:hunter2", err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter2"));
	assert_int_equal(it_kafka_opt(&k, IT_OPT_KAFKA_OPTION, "=hunter2", err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter2"));
	/* a property this build refuses, set from a file */
	put("s.conf", 0600, geteuid());
	snprintf(path, sizeof(path), "%s/s.conf", dir);
	{
		int fd = open(path, O_WRONLY | O_TRUNC);

		assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
		close(fd);
	}
	k.brokers = "a:1";
	k.config_file = path;
	if (!it_kafka_conf_build(&k, err, sizeof(err)))
		assert_null(strstr(err, "hunter2"));
}

/* Runtime messages of librdkafka: the configured secrets are scrubbed out. */
static void test_scrub(void **state)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	struct it_kafka_secrets s;
	char msg[128], e[256];

	assert_int_equal(rd_kafka_conf_set(conf, "sasl.password", "pw-123456", e, sizeof(e)), 0);
	assert_int_equal(rd_kafka_conf_set(conf, "ssl.key.pem", "PEMPEMPEM", e, sizeof(e)), 0);
	assert_int_equal(rd_kafka_conf_set(conf, "client.id", "visible", e, sizeof(e)), 0);
	it_kafka_secrets_init(&s, conf);
	assert_int_equal(s.n, 2);
	snprintf(msg, sizeof(msg), "auth failed for pw-123456 (PEMPEMPEM) client visible pw-123456");
	it_kafka_secrets_scrub(&s, msg, sizeof(msg));
	assert_string_equal(msg, "auth failed for (value hidden) ((value hidden)) client visible (value hidden)");
	it_kafka_secrets_free(&s);
	rd_kafka_conf_destroy(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brokers_good),
		cmocka_unit_test(test_brokers_bad),
		cmocka_unit_test(test_brokers_scheme),
		cmocka_unit_test_setup_teardown(test_config_owner, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_config_directory, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_hide_value),
		cmocka_unit_test_setup_teardown(test_no_secret_in_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_scrub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
