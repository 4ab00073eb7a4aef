// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kafka_check.c - the --kafka-brokers list's form, and secrets kept out of messages. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "kafka_conf.h"

/* The scheme prefixes librdkafka takes in bootstrap.servers (its security.protocol
 * names; it compares them without case and refuses one that differs from
 * security.protocol, but only in a log line: the broker is then ignored). */
static const char *const protocols[] = { "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL" };

/* "host" of host:port: a name of letters, digits, '-', '.', '_', or [IPv6]. */
static int host_ok(const char *h, size_t n)
{
	char a[INET6_ADDRSTRLEN + 1];
	struct in6_addr in6;
	size_t i;

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		if (n - 2 >= sizeof(a))
			return 0;
		memcpy(a, h + 1, n - 2);
		a[n - 2] = 0;
		return inet_pton(AF_INET6, a, &in6) == 1;
	}
	if (!n || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", h[i]))
			return 0;
	return 1;
}

static int port_ok(const char *p, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (!n || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* One element (n bytes at e, blanks around it already dropped). Returns 0, or -1
 * with err set. */
static int broker_ok(const char *e, size_t n, const char *protocol, char *err, size_t errlen)
{
	const char *sep = memmem(e, n, "://", 3), *colon;
	size_t i, skip = 0;

	if (sep) {
		size_t pl = (size_t)(sep - e);

		for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
			if (strlen(protocols[i]) == pl && !strncasecmp(e, protocols[i], pl))
				break;
		if (i == sizeof(protocols) / sizeof(protocols[0])) {
			snprintf(err, errlen, "invalid --kafka-brokers element '%.*s': unknown scheme "
				 "(PLAINTEXT://, SSL://, SASL_PLAINTEXT:// or SASL_SSL://)", (int)n, e);
			return -1;
		}
		if (protocol && strcasecmp(protocol, protocols[i])) {
			snprintf(err, errlen, "--kafka-brokers element '%.*s': the scheme differs from "
				 "security.protocol=%s (librdkafka would ignore this broker)", (int)n, e,
				 protocol);
			return -1;
		}
		skip = pl + 3;
	}
	colon = NULL;
	for (i = skip; i < n; i++)
		if (e[i] == ':')
			colon = e + i;
	if (!colon || !host_ok(e + skip, (size_t)(colon - e) - skip) ||
	    !port_ok(colon + 1, (size_t)(e + n - colon - 1))) {
		snprintf(err, errlen, "invalid --kafka-brokers element '%.*s': expected host:port "
			 "(port 1-65535, an IPv6 address as [addr]:port)", (int)n, e);
		return -1;
	}
	return 0;
}

int it_kafka_brokers_check(const char *list, const char *protocol, char *err, size_t errlen)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *e = p;

		while (n && (*e == ' ' || *e == '\t'))
			e++, n--;
		while (n && (e[n - 1] == ' ' || e[n - 1] == '\t'))
			n--;
		if (!n) {
			snprintf(err, errlen, "invalid --kafka-brokers '%s': an empty element; expected "
				 "host:port,...", list);
			return -1;
		}
		if (broker_ok(e, n, protocol, err, errlen))
			return -1;
		p += strcspn(p, ",");
		if (!*p++)
			return 0;
	}
}

/* --- secrets -------------------------------------------------------------------------- */

bool it_kafka_secret_name(const char *key)
{
	static const char *const words[] = { "password", "secret", "key.pem", "ssl_key",
		"oauthbearer.config", "token", "credential", "jaas" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(key, words[i]))
			return true;
	return false;
}

#define HIDDEN "(value hidden)"

/* Replace every occurrence of val (not empty) in msg by HIDDEN, in place; the result
 * is cut to cap - 1 bytes. */
static void hide(char *msg, size_t cap, const char *val)
{
	size_t vl = strlen(val), hl = strlen(HIDDEN), o = 0;
	char *out, *p = msg, *q;

	if (!vl || !cap || !strstr(msg, val) || !(out = malloc(cap)))
		return;
	while ((q = strstr(p, val)) && o < cap - 1) {
		size_t k = (size_t)(q - p);

		k = k < cap - 1 - o ? k : cap - 1 - o;
		memcpy(out + o, p, k);
		o += k;
		k = hl < cap - 1 - o ? hl : cap - 1 - o;
		memcpy(out + o, HIDDEN, k);
		o += k;
		p = q + vl;
	}
	if (o < cap - 1) {
		size_t k = strlen(p);

		k = k < cap - 1 - o ? k : cap - 1 - o;
		memcpy(out + o, p, k);
		o += k;
	}
	out[o] = 0;
	memcpy(msg, out, o + 1);
	free(out);
}

void it_kafka_hide_value(char *msg, size_t cap, const char *key, const char *val)
{
	char *q, *end;

	if (!it_kafka_secret_name(key))
		return;
	hide(msg, cap, val);
	/* librdkafka quotes a value it refuses ("Invalid value \"...\" for ..."), maybe
	 * only part of it: whatever is quoted after "value" goes too */
	while ((q = strcasestr(msg, "value \"")) && (end = strchr(q + 7, '"'))) {
		size_t tail = strlen(end + 1) + 1, hl = strlen(HIDDEN);

		q += 6;
		if ((size_t)(q - msg) + hl + tail > cap)
			break;
		memmove(q + hl, end + 1, tail);
		memcpy(q, HIDDEN, hl);
	}
}

void it_kafka_secrets_init(struct it_kafka_secrets *s, rd_kafka_conf_t *conf)
{
	size_t cnt, i;
	const char **d = rd_kafka_conf_dump(conf, &cnt);

	memset(s, 0, sizeof(*s));
	for (i = 0; i + 1 < cnt && s->n < IT_KAFKA_MAX_SECRETS; i += 2)
		if (d[i + 1][0] && it_kafka_secret_name(d[i]) && (s->v[s->n] = strdup(d[i + 1])))
			s->n++;
	rd_kafka_conf_dump_free(d, cnt);
}

void it_kafka_secrets_scrub(const struct it_kafka_secrets *s, char *msg, size_t cap)
{
	int i;

	for (i = 0; i < s->n; i++)
		hide(msg, cap, s->v[i]);
}

void it_kafka_secrets_free(struct it_kafka_secrets *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		explicit_bzero(s->v[i], strlen(s->v[i]));
		free(s->v[i]);
	}
	s->n = 0;
}
