// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_kafka_config.c - libFuzzer target: any bytes as a --kafka-config file's text
 * (it_kafka_conf_text) and as one --kafka-option (it_kafka_conf_kv) into a fresh
 * librdkafka configuration. Must never crash, read out of bounds or leave err
 * unterminated or multi-line; an error names the file and line.
 *   make fuzz-kafka-config [FUZZ_RUNS=N]
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kafka_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[512], *kv;

	memset(err, 'x', sizeof(err));
	if (it_kafka_conf_text(conf, (const char *)data, size, "fuzz.conf", err, sizeof(err))) {
		if (!memchr(err, 0, sizeof(err)) || strncmp(err, "fuzz.conf:", 10))
			abort();
	}
	kv = malloc(size + 1);
	memcpy(kv, data, size);
	kv[size] = 0;
	if (it_kafka_conf_kv(conf, kv, "--kafka-option", err, sizeof(err)) && !memchr(err, 0, sizeof(err)))
		abort();
	free(kv);
	rd_kafka_conf_destroy(conf);
	return 0;
}
