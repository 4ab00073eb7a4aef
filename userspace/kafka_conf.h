/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kafka_conf.h - the Kafka flags (docs/kafka.md "Flags") and librdkafka's
 * configuration built from them.
 *
 * Order of precedence, later wins: our defaults (acks=all, enable.idempotence=true,
 * message.timeout.ms=0: never give a message up), then --kafka-config FILE's lines in
 * order, then each --kafka-option in order, then --kafka-brokers (bootstrap.servers).
 * Every error is one line without a trailing newline; for an unknown property or a bad
 * value it ends with librdkafka's own message.
 */
#ifndef IT_KAFKA_CONF_H
#define IT_KAFKA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

#define IT_KAFKA_MAX_OPTIONS 64
#define IT_KAFKA_TOPIC_DEFAULT "inputtrace"
/* a --kafka-config file larger than this is refused (it holds a few properties) */
#define IT_KAFKA_CONFIG_MAX (1u << 20)

struct it_kafka_opts {
	const char *brokers;		/* --kafka-brokers host:port,...; NULL: no Kafka */
	const char *topic;		/* --kafka-topic, default IT_KAFKA_TOPIC_DEFAULT */
	const char *config_file;	/* --kafka-config FILE; NULL: none */
	const char *options[IT_KAFKA_MAX_OPTIONS];	/* --kafka-option KEY=VALUE, in order */
	int n_options;
	uint64_t spool_max_bytes;	/* --spool-max-bytes; 0: no cap */
};

/* getopt_long values of the Kafka flags (above cli.c's own, which end below 512) and
 * the entries to add to its longopts table. */
enum {
	IT_OPT_KAFKA_BROKERS = 0x4b00,
	IT_OPT_KAFKA_TOPIC,
	IT_OPT_KAFKA_OPTION,
	IT_OPT_KAFKA_CONFIG,
	IT_OPT_SPOOL_MAX_BYTES,
};
#define IT_KAFKA_LONGOPTS							\
	{ "kafka-brokers", required_argument, NULL, IT_OPT_KAFKA_BROKERS },	\
	{ "kafka-topic", required_argument, NULL, IT_OPT_KAFKA_TOPIC },		\
	{ "kafka-option", required_argument, NULL, IT_OPT_KAFKA_OPTION },	\
	{ "kafka-config", required_argument, NULL, IT_OPT_KAFKA_CONFIG },	\
	{ "spool-max-bytes", required_argument, NULL, IT_OPT_SPOOL_MAX_BYTES }

void it_kafka_opts_init(struct it_kafka_opts *k);

/* One flag from getopt_long (c, optarg). Returns 1 when c is one of IT_OPT_KAFKA_*
 * and was taken, 0 when c is not ours, -1 on a bad value (err set). Values are
 * checked for form here; properties are checked by it_kafka_conf_build(). */
int it_kafka_opt(struct it_kafka_opts *k, int c, const char *arg, char *err, size_t errlen);

/* The flags together with the output: Kafka needs a spool (-o a file or directory,
 * not "-") in JSON Lines (jsonl true); the other Kafka flags need --kafka-brokers.
 * Returns 0 or -1 (err set): a usage error, exit 2. */
int it_kafka_opts_check(const struct it_kafka_opts *k, const char *output, bool jsonl,
			char *err, size_t errlen);

/*
 * One line of a --kafka-config file, in place: leading and trailing blanks are
 * dropped; an empty line or one starting with '#' gives 0; "KEY=VALUE" gives 1 with
 * *key and *val pointing into line (the key's trailing and the value's leading blanks
 * dropped, both NUL-terminated); anything else -1. line is changed.
 */
int it_kafka_parse_line(char *line, char **key, char **val);

/* Set "KEY=VALUE" (kv) on conf; what names the source in messages ("--kafka-option",
 * "FILE:LINE"). Returns 0, or -1 with "WHAT: KEY: librdkafka's message" in err. */
int it_kafka_conf_kv(rd_kafka_conf_t *conf, const char *kv, const char *what,
		     char *err, size_t errlen);

/* The lines of a config file's text (n bytes, need not be NUL-terminated) set on conf
 * in order; name names the file in messages. Returns 0 or -1 (err set: the first bad
 * line, "NAME:LINE: ..."). */
int it_kafka_conf_text(rd_kafka_conf_t *conf, const char *text, size_t n, const char *name,
		       char *err, size_t errlen);

/* Read a --kafka-config file into a NUL-terminated malloc()ed string (*len bytes).
 * Refused: a symlink or not a regular file, readable or writable by group or others,
 * owned by a user other than root or the effective uid, in a directory that group or
 * others may write without the sticky bit, larger than IT_KAFKA_CONFIG_MAX. Opened
 * with O_NOFOLLOW below the directory's fd, checked with fstat() on the open fds (no
 * check-then-open race). Returns the text or NULL (err set). */
char *it_kafka_config_read(const char *path, size_t *len, char *err, size_t errlen);

/*
 * The --kafka-brokers list: comma-separated elements, blanks around each allowed, each
 * [SCHEME://]host:port with port 1-65535, host a name (letters, digits, - . _) or an
 * IPv6 address in [brackets], SCHEME one of librdkafka's security.protocol names; when
 * protocol is not NULL (security.protocol) a SCHEME must equal it. Returns 0 or -1
 * (err: one line naming the bad element).
 */
int it_kafka_brokers_check(const char *list, const char *protocol, char *err, size_t errlen);

/* Does a property's name suggest a secret (password, secret, key.pem, token, ...)?
 * Its value is never put in a message, log line, status or metrics. */
bool it_kafka_secret_name(const char *key);

/* For a secret key: every occurrence of val in msg (NUL-terminated, cap bytes of room)
 * and whatever librdkafka quoted after "value" become "(value hidden)". Other keys:
 * msg is left as it is. */
void it_kafka_hide_value(char *msg, size_t cap, const char *key, const char *val);

/* The values of conf's secret properties (taken before rd_kafka_new(), which clears
 * them), to scrub librdkafka's runtime messages with. */
#define IT_KAFKA_MAX_SECRETS 16
struct it_kafka_secrets {
	char *v[IT_KAFKA_MAX_SECRETS];
	int n;
};
void it_kafka_secrets_init(struct it_kafka_secrets *s, rd_kafka_conf_t *conf);
/* Every secret value in msg (cap bytes of room) becomes "(value hidden)". */
void it_kafka_secrets_scrub(const struct it_kafka_secrets *s, char *msg, size_t cap);
/* Zero and free the values. */
void it_kafka_secrets_free(struct it_kafka_secrets *s);

/* librdkafka's configuration from k (precedence above). Returns a new conf for
 * rd_kafka_new(), or NULL with err set. */
rd_kafka_conf_t *it_kafka_conf_build(const struct it_kafka_opts *k, char *err, size_t errlen);

#endif
