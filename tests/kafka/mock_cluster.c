// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mock_cluster.c - librdkafka's mock Kafka cluster (rdkafka_mock.h: the real protocol,
 * spoken to the real client) for the Kafka tests: no broker is packaged here.
 *
 *   mock_cluster [-b BROKERS] [-t TOPIC] [-p PARTITIONS]
 *
 * Prints "bootstrap HOST:PORT,..." on stdout, then takes one command a line on stdin
 * (a terminal, a pipe or a fifo) and answers each with "ok" or "error: ...":
 *   down [ID|all]      brokers stop answering (connections closed, refused)
 *   up [ID|all]        and come back
 *   errors API ERR N   the next N requests of ApiKey API fail with error code ERR
 *                      (e.g. "errors 0 7 5": 5 Produce requests time out)
 *   rtt ID|all MS      round-trip time of a broker
 *   quit               (or end of input) stop
 * Listens on 127.0.0.1 only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int nbrokers = 3;

static int each_broker(rd_kafka_mock_cluster_t *mc, const char *which,
		       rd_kafka_resp_err_t (*fn)(rd_kafka_mock_cluster_t *, int32_t))
{
	int id, err = 0;

	if (!which || !strcmp(which, "all")) {
		for (id = 1; id <= nbrokers; id++)
			err |= fn(mc, id);
		return err;
	}
	return fn(mc, atoi(which));
}

static int set_rtt(rd_kafka_mock_cluster_t *mc, const char *which, int ms)
{
	int id, err = 0;

	if (!strcmp(which, "all")) {
		for (id = 1; id <= nbrokers; id++)
			err |= rd_kafka_mock_broker_set_rtt(mc, id, ms);
		return err;
	}
	return rd_kafka_mock_broker_set_rtt(mc, atoi(which), ms);
}

static int command(rd_kafka_mock_cluster_t *mc, char *line)
{
	char *save = NULL, *cmd = strtok_r(line, " \t\n", &save);
	char *a = strtok_r(NULL, " \t\n", &save), *b = strtok_r(NULL, " \t\n", &save);
	char *c = strtok_r(NULL, " \t\n", &save);

	if (!cmd)
		return 0;
	if (!strcmp(cmd, "down"))
		return each_broker(mc, a, rd_kafka_mock_broker_set_down);
	if (!strcmp(cmd, "up"))
		return each_broker(mc, a, rd_kafka_mock_broker_set_up);
	if (!strcmp(cmd, "rtt") && a && b)
		return set_rtt(mc, a, atoi(b));
	if (!strcmp(cmd, "errors") && a && b && c) {
		size_t i, n = (size_t)atol(c);
		rd_kafka_resp_err_t *errs = calloc(n ? n : 1, sizeof(*errs));

		for (i = 0; i < n; i++)
			errs[i] = (rd_kafka_resp_err_t)atoi(b);
		rd_kafka_mock_push_request_errors_array(mc, (int16_t)atoi(a), n, errs);
		free(errs);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	const char *topic = "inputtrace";
	int partitions = 1, opt;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf;
	char err[512], line[256];
	rd_kafka_t *rk;

	while ((opt = getopt(argc, argv, "b:t:p:")) != -1) {
		switch (opt) {
		case 'b': nbrokers = atoi(optarg); break;
		case 't': topic = optarg; break;
		case 'p': partitions = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: mock_cluster [-b BROKERS] [-t TOPIC] [-p PARTITIONS]\n");
			return 2;
		}
	}
	/* the mock cluster runs on a client instance's threads; this one sends nothing */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "mock_cluster: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, nbrokers);
	if (!mc) {
		fprintf(stderr, "mock_cluster: cannot start the mock cluster\n");
		return 1;
	}
	if (rd_kafka_mock_topic_create(mc, topic, partitions, nbrokers < 3 ? nbrokers : 3)) {
		fprintf(stderr, "mock_cluster: cannot create topic %s\n", topic);
		return 1;
	}
	printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "quit", 4))
			break;
		printf(command(mc, line) ? "error: %s" : "ok\n", line);
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
