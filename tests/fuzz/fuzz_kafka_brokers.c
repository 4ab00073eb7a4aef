// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_kafka_brokers.c - libFuzzer target: any bytes as a --kafka-brokers list
 * (it_kafka_brokers_check), without and with a security.protocol. Must never crash or
 * read out of bounds; an error is one terminated line naming --kafka-brokers; a list
 * taken has no empty element and every element's port is 1-65535.
 *   make fuzz-kafka-brokers [FUZZ_RUNS=N]
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kafka_conf.h"

/* the port of every element of a list that was taken */
static void check_ports(const char *list)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *c = NULL;
		size_t i;

		for (i = 0; i < n; i++)
			if (p[i] == ':')
				c = p + i;
		if (!c || atoi(c + 1) < 1 || atoi(c + 1) > 65535)
			abort();
		p += n;
		if (!*p++)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *list = malloc(size + 1);
	int rc;

	memcpy(list, data, size);
	list[size] = 0;
	memset(err, 'x', sizeof(err));
	rc = it_kafka_brokers_check(list, NULL, err, sizeof(err));
	if (rc && (!memchr(err, 0, sizeof(err)) || !strstr(err, "--kafka-brokers") ||
		   (strchr(err, '\n') && !strchr(list, '\n'))))
		abort();
	if (!rc && strlen(list) == size)
		check_ports(list);
	it_kafka_brokers_check(list, "SASL_SSL", err, sizeof(err));
	free(list);
	return 0;
}
