// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kafka_conf.c - the Kafka flags and librdkafka's configuration. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kafka_conf.h"

void it_kafka_opts_init(struct it_kafka_opts *k)
{
	memset(k, 0, sizeof(*k));
	k->topic = IT_KAFKA_TOPIC_DEFAULT;
}

/* bytes with an optional K, M or G suffix (powers of 1024) */
static int parse_bytes(const char *s, uint64_t *v)
{
	unsigned long long x;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end || x > (UINT64_MAX >> shift))
		return -1;
	*v = (uint64_t)x << shift;
	return 0;
}

int it_kafka_opt(struct it_kafka_opts *k, int c, const char *arg, char *err, size_t errlen)
{
	switch (c) {
	case IT_OPT_KAFKA_BROKERS:
		if (it_kafka_brokers_check(arg, NULL, err, errlen))
			return -1;
		k->brokers = arg;
		return 1;
	case IT_OPT_KAFKA_TOPIC:
		/* Kafka's rule: 1..249 of [A-Za-z0-9._-], not "." or ".." */
		if (!*arg || strlen(arg) > 249 || !strcmp(arg, ".") || !strcmp(arg, "..") ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(arg)) {
			snprintf(err, errlen, "invalid --kafka-topic '%s': expected 1 to 249 of A-Z a-z 0-9 . _ -", arg);
			return -1;
		}
		k->topic = arg;
		return 1;
	case IT_OPT_KAFKA_OPTION:
		if (!strchr(arg, '=') || arg[0] == '=') {
			/* no KEY=VALUE: it may still be a secret typed with another separator */
			snprintf(err, errlen, "invalid --kafka-option '%s': expected KEY=VALUE",
				 it_kafka_secret_name(arg) || arg[0] == '=' ? "(value hidden)" : arg);
			return -1;
		}
		if (k->n_options >= IT_KAFKA_MAX_OPTIONS) {
			snprintf(err, errlen, "too many --kafka-option (at most %d; use --kafka-config FILE)",
				 IT_KAFKA_MAX_OPTIONS);
			return -1;
		}
		k->options[k->n_options++] = arg;
		return 1;
	case IT_OPT_KAFKA_CONFIG:
		if (!*arg) {
			snprintf(err, errlen, "invalid --kafka-config '': empty path");
			return -1;
		}
		k->config_file = arg;
		return 1;
	case IT_OPT_SPOOL_MAX_BYTES:
		if (parse_bytes(arg, &k->spool_max_bytes) || k->spool_max_bytes < 65536) {
			snprintf(err, errlen, "invalid --spool-max-bytes '%s': expected bytes >= 65536 (K, M, G suffixes)", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

int it_kafka_opts_check(const struct it_kafka_opts *k, const char *output, bool jsonl,
			char *err, size_t errlen)
{
	if (!k->brokers) {
		if (k->config_file || k->n_options || k->spool_max_bytes ||
		    strcmp(k->topic, IT_KAFKA_TOPIC_DEFAULT)) {
			snprintf(err, errlen, "--kafka-topic, --kafka-option, --kafka-config and "
				 "--spool-max-bytes need --kafka-brokers");
			return -1;
		}
		return 0;
	}
	if (!output || !strcmp(output, "-")) {
		snprintf(err, errlen, "--kafka-brokers needs a spool: -o FILE or -o DIRECTORY, not stdout");
		return -1;
	}
	if (!jsonl) {
		snprintf(err, errlen, "--kafka-brokers ships JSON Lines: --format jsonl only");
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

int it_kafka_parse_line(char *line, char **key, char **val)
{
	char *s = trim(line), *eq;

	if (!*s || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq || eq == s)
		return -1;
	*eq = 0;
	*key = trim(s);
	*val = trim(eq + 1);
	return **key ? 1 : -1;
}

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *val,
		    const char *what, char *err, size_t errlen)
{
	char rderr[512];

	if (rd_kafka_conf_set(conf, key, val, rderr, sizeof(rderr)) != RD_KAFKA_CONF_OK) {
		it_kafka_hide_value(rderr, sizeof(rderr), key, val);
		snprintf(err, errlen, "%s: %s: %s", what, key, rderr);
		return -1;
	}
	return 0;
}

int it_kafka_conf_kv(rd_kafka_conf_t *conf, const char *kv, const char *what,
		     char *err, size_t errlen)
{
	char line[1024], *key, *val;

	if (strlen(kv) >= sizeof(line)) {
		snprintf(err, errlen, "%s: longer than %zu bytes", what, sizeof(line) - 1);
		return -1;
	}
	snprintf(line, sizeof(line), "%s", kv);
	switch (it_kafka_parse_line(line, &key, &val)) {
	case 1:
		return conf_set(conf, key, val, what, err, errlen);
	case 0:
		return 0;
	}
	snprintf(err, errlen, "%s: expected KEY=VALUE", what);
	return -1;
}

int it_kafka_conf_text(rd_kafka_conf_t *conf, const char *text, size_t n, const char *name,
		       char *err, size_t errlen)
{
	size_t pos = 0;
	unsigned int lineno = 0;

	while (pos < n) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
		char what[300], kv[1024];

		lineno++;
		snprintf(what, sizeof(what), "%s:%u", name, lineno);
		if (memchr(text + pos, 0, len)) {
			snprintf(err, errlen, "%s: a NUL byte", what);
			return -1;
		}
		if (len >= sizeof(kv)) {
			snprintf(err, errlen, "%s: longer than %zu bytes", what, sizeof(kv) - 1);
			return -1;
		}
		memcpy(kv, text + pos, len);
		kv[len] = 0;
		if (it_kafka_conf_kv(conf, kv, what, err, errlen))
			return -1;
		pos += len + 1;
	}
	return 0;
}

/* The file's directory (path up to its last '/'), opened to stat it and to open the
 * file below it. Refused when group or others may write it without the sticky bit
 * (they could put another file in its place). Returns the fd or -1 (err set). */
static int config_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "--kafka-config %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, errlen, "--kafka-config %s: its directory (mode %04o) may be written by "
			 "group or others, who could replace the file: keep it in a directory only "
			 "its owner may write", path, (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The open file's checks (fstat on the fd: what is read is what was checked). */
static int config_file_ok(int fd, const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--kafka-config %s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "--kafka-config %s: owned by uid %u, not by root or the agent's "
			 "user (uid %u)", path, (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "--kafka-config %s: mode %04o lets group or others read or write it "
			 "(it may hold secrets): chmod 600", path, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if ((uint64_t)st.st_size > IT_KAFKA_CONFIG_MAX) {
		snprintf(err, errlen, "--kafka-config %s: larger than %u bytes", path, IT_KAFKA_CONFIG_MAX);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

char *it_kafka_config_read(const char *path, size_t *len, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	int dirfd = config_dir(path, err, errlen), fd = -1;
	char *text = NULL;
	uint64_t size;
	size_t got = 0;

	if (dirfd < 0)
		return NULL;
	fd = openat(dirfd, slash ? slash + 1 : path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dirfd);
	if (fd < 0) {
		snprintf(err, errlen, "--kafka-config %s: %s", path,
			 errno == ELOOP ? "a symlink (refused)" : strerror(errno));
		return NULL;
	}
	if (config_file_ok(fd, path, &size, err, errlen))
		goto out;
	text = malloc((size_t)size + 1);
	if (!text) {
		snprintf(err, errlen, "--kafka-config %s: out of memory", path);
		goto out;
	}
	while (got < (size_t)size) {
		ssize_t r = read(fd, text + got, (size_t)size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "--kafka-config %s: %s", path, r ? strerror(errno) : "changed while read");
			free(text);
			text = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	text[got] = 0;
	*len = got;
out:
	close(fd);
	return text;
}

rd_kafka_conf_t *it_kafka_conf_build(const struct it_kafka_opts *k, char *err, size_t errlen)
{
	static const char *const defaults[][2] = {
		{ "acks", "all" },
		{ "enable.idempotence", "true" },
		{ "message.timeout.ms", "0" },	/* the spool holds them: never give up */
		{ "client.id", "inputtrace" },
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char *text, proto[32];
	size_t i, len;
	int j;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (conf_set(conf, defaults[i][0], defaults[i][1], "default", err, errlen))
			goto fail;
	if (k->config_file) {
		text = it_kafka_config_read(k->config_file, &len, err, errlen);
		if (!text || it_kafka_conf_text(conf, text, len, k->config_file, err, errlen)) {
			free(text);
			goto fail;
		}
		free(text);
	}
	for (j = 0; j < k->n_options; j++)
		if (it_kafka_conf_kv(conf, k->options[j], "--kafka-option", err, errlen))
			goto fail;
	if (k->brokers && conf_set(conf, "bootstrap.servers", k->brokers, "--kafka-brokers", err, errlen))
		goto fail;
	/* a broker's scheme must be the protocol: librdkafka would only log and drop it */
	len = sizeof(proto);
	if (k->brokers && rd_kafka_conf_get(conf, "security.protocol", proto, &len) == RD_KAFKA_CONF_OK &&
	    it_kafka_brokers_check(k->brokers, proto, err, errlen))
		goto fail;
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}
