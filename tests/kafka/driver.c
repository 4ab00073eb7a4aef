// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * driver.c - the agent's delivery path without the kernel: writes synthetic event
 * records, stamped with stream and seq (stream.h), through the sink (sink.h) into a
 * spool, as the agent does, while the shipper (shipper.h) delivers the spool to Kafka
 * on its thread, as in the agent.
 *
 *   kafka_driver -o SPOOL --kafka-brokers B [--kafka-option K=V ...] [--kafka-config F]
 *       [--spool-max-bytes N] [--compress] [--rotate-size N]
 *       [--records N] [--rate RECORDS/S] [--ship-rate BYTES/S] [--inflight BYTES]
 *       [--stats FILE] [--wait SECONDS] [--big-every N] [--max-files N]
 *
 * Every --big-every'th record is an 8 kB one (for message.max.bytes).
 * Writes --records records at --rate (0: as fast as it can) and then waits, up to
 * --wait seconds (default 120), until the broker acknowledged them all; SIGINT or
 * SIGTERM stop it earlier (the shipper drains for 5 s). --stats FILE is replaced
 * every 0.2 s with one JSON line: the shipper's counters, the seqs written and the
 * process's VmRSS (kB). Prints one line at the end:
 *   driver: wrote N records (seq A-B), delivered D, acked_seq S, lost L
 * Exit 0 when all were acknowledged (or lost to the cap), 1 otherwise, 2 usage.
 * Without --kafka-brokers it only writes the spool (the file alone, for `make bench`).
 */
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "header.h"
#include "kafka_conf.h"
#include "log.h"
#include "output.h"
#include "shipper.h"
#include "format_jsonl.h"
#include "sink.h"
#include "spool_state.h"
#include "stream.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

struct args {
	struct it_kafka_opts k;
	struct it_sink_cfg sink;
	uint64_t records, big_every;
	double rate, wait_s;
	struct it_shipper_cfg ship;
	const char *stats;
};

static int parse(int argc, char **argv, struct args *a)
{
	enum { O_RECORDS = 1000, O_RATE, O_SHIP_RATE, O_INFLIGHT, O_STATS, O_WAIT, O_ROTATE, O_BIG,
	       O_MAX_FILES };
	static const struct option longopts[] = {
		IT_KAFKA_LONGOPTS,
		{ "compress", no_argument, NULL, 'z' },
		{ "rotate-size", required_argument, NULL, O_ROTATE },
		{ "records", required_argument, NULL, O_RECORDS },
		{ "rate", required_argument, NULL, O_RATE },
		{ "ship-rate", required_argument, NULL, O_SHIP_RATE },
		{ "inflight", required_argument, NULL, O_INFLIGHT },
		{ "stats", required_argument, NULL, O_STATS },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "big-every", required_argument, NULL, O_BIG },
		{ "max-files", required_argument, NULL, O_MAX_FILES },
		{ 0 },
	};
	char err[512];
	int c, rc;

	it_kafka_opts_init(&a->k);
	a->records = 100000;
	a->wait_s = 120;
	a->sink.ext = "jsonl";
	a->sink.flush_interval_s = 0.1;
	while ((c = getopt_long(argc, argv, "o:z", longopts, NULL)) != -1) {
		rc = it_kafka_opt(&a->k, c, optarg, err, sizeof(err));
		if (rc < 0)
			return fprintf(stderr, "driver: %s\n", err), -1;
		if (rc)
			continue;
		switch (c) {
		case 'o': a->sink.path = optarg; break;
		case 'z': a->sink.compress = 6; break;
		case O_ROTATE: a->sink.rotate_size = strtoull(optarg, NULL, 0); break;
		case O_RECORDS: a->records = strtoull(optarg, NULL, 0); break;
		case O_RATE: a->rate = atof(optarg); break;
		case O_SHIP_RATE: a->ship.rate_bytes = atof(optarg); break;
		case O_INFLIGHT: a->ship.inflight_bytes = strtoull(optarg, NULL, 0); break;
		case O_STATS: a->stats = optarg; break;
		case O_WAIT: a->wait_s = atof(optarg); break;
		case O_BIG: a->big_every = strtoull(optarg, NULL, 0); break;
		case O_MAX_FILES: a->sink.max_files = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: return fprintf(stderr, "driver: bad flag\n"), -1;
		}
	}
	if (it_kafka_opts_check(&a->k, a->sink.path, true, err, sizeof(err)))
		return fprintf(stderr, "driver: %s\n", err), -1;
	return 0;
}

static void write_stats(const char *path, struct it_shipper *sh, const struct it_stream *st,
			uint64_t first_seq)
{
	struct it_shipper_stats s;
	struct it_buf b = { 0 };
	char tmp[4096];
	FILE *f;

	it_shipper_get_stats(sh, &s);
	it_buf_puts(&b, "{\"record\":\"driver\"");
	it_json_kv_u64(&b, "first_seq", first_seq);
	it_json_kv_u64(&b, "next_seq", st->next_seq);
	it_json_kv_u64(&b, "rss_kb", (uint64_t)rss_kb());
	it_shipper_json(&b, &s);
	it_buf_puts(&b, "}\n");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f) {
		fwrite(b.p, 1, b.len, f);
		fclose(f);
		rename(tmp, path);
	}
	it_buf_free(&b);
}

/* Write a.records records at a.rate; returns how many were written. */
static uint64_t produce(const struct args *a, struct it_sink *sink, struct it_stream *st,
			struct it_shipper *sh, uint64_t first_seq)
{
	struct it_buf rec = { 0 };
	double t0 = mono(), last_stats = 0;
	uint64_t n = 0;

	while (n < a->records && !stop && !it_sink_failed(sink)) {
		uint64_t due = a->rate > 0 ? (uint64_t)((mono() - t0) * a->rate) + 1 : n + 1000;

		for (; n < due && n < a->records; n++) {
			if (a->big_every && n % a->big_every == a->big_every - 1) {
				it_buf_puts(&rec, "{\"record\":\"big\",\"pad\":\"");
				for (int i = 0; i < 200; i++)
					it_buf_puts(&rec, "0123456789012345678901234567890123456789");
				it_buf_puts(&rec, "\"}\n");
				continue;
			}
			it_rec_event(&rec, 3, ns(CLOCK_MONOTONIC), ns(CLOCK_REALTIME), 2, 0,
				     (int32_t)(n % 200) - 100, 0);
		}
		it_sink_write(sink, rec.p, rec.len);	/* stamped there (it_sink_set_stream) */
		it_buf_reset(&rec);
		it_sink_tick(sink);
		if (a->stats && mono() - last_stats >= 0.2) {
			write_stats(a->stats, sh, st, first_seq);
			last_stats = mono();
		}
		if (a->rate > 0)
			usleep(5000);
	}
	it_buf_free(&rec);
	return n;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct args a = { 0 };
	struct it_hostinfo hi;
	struct it_shipper_stats s;
	struct it_shipper *sh;
	struct it_stream st;
	struct it_sink *sink;
	rd_kafka_conf_t *conf;
	char host[64], err[512], *copy;
	const char *state_dir;
	uint64_t first, n;
	struct stat sb;
	double until;

	if (parse(argc, argv, &a))
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	it_hostinfo_read(&hi, "/proc");
	it_sink_hostname(host, sizeof(host));
	conf = a.k.brokers ? it_kafka_conf_build(&a.k, err, sizeof(err)) : NULL;
	if (a.k.brokers && !conf)
		return fprintf(stderr, "driver: %s\n", err), 2;
	sink = it_sink_open_cfg(&a.sink, err, sizeof(err));
	if (!sink)
		return fprintf(stderr, "driver: %s\n", err), 2;
	it_sink_recover(sink);
	copy = strdup(a.sink.path);
	state_dir = !stat(a.sink.path, &sb) && S_ISDIR(sb.st_mode) ? a.sink.path : dirname(copy);
	if (it_stream_open(&st, state_dir, host, a.sink.path, err, sizeof(err)))
		return fprintf(stderr, "driver: %s\n", err), 2;
	first = st.next_seq;
	it_sink_set_stream(sink, &st);	/* as the agent: the sink stamps what it writes */
	a.ship.spool = a.sink.path;
	a.ship.state_dir = state_dir;
	a.ship.host = host;
	a.ship.key_host = hi.host;
	a.ship.boot_id = hi.boot_id;
	a.ship.topic = a.k.topic;
	a.ship.stream = &st;
	a.ship.spool_max_bytes = a.k.spool_max_bytes;
	if (!conf) {	/* the file alone */
		n = produce(&a, sink, &st, NULL, first);
		it_sink_close(sink);
		it_sink_free(sink);
		it_stream_close(&st);
		printf("driver: wrote %" PRIu64 " records (seq %" PRIu64 "-%" PRIu64 "), not shipped\n",
		       n, first, st.next_seq - 1);
		free(copy);
		return 0;
	}
	sh = it_shipper_start(&a.ship, conf, err, sizeof(err));
	if (!sh)
		return fprintf(stderr, "driver: %s\n", err), 2;
	it_sink_set_may_delete(sink, it_shipper_may_delete, sh);	/* --max-files asks */
	fprintf(stderr, "driver: stream %s from seq %" PRIu64 "\n", st.id, first);
	n = produce(&a, sink, &st, sh, first);
	it_sink_close(sink);
	it_sink_free(sink);
	/* all written: wait for the broker to have them all */
	until = mono() + a.wait_s;
	do {
		it_shipper_get_stats(sh, &s);
		if (a.stats)
			write_stats(a.stats, sh, &st, first);
		if (s.acked_seq + 1 >= st.next_seq && !s.inflight_records)
			break;
		usleep(100000);
	} while (!stop && mono() < until);
	it_shipper_stop(sh, 5);
	it_stream_close(&st);
	printf("driver: wrote %" PRIu64 " records (seq %" PRIu64 "-%" PRIu64 "), delivered %" PRIu64
	       ", acked_seq %" PRIu64 ", lost %" PRIu64 ", too large %" PRIu64 "\n", n, first,
	       st.next_seq - 1, s.delivered_records, s.acked_seq, s.lost_records, s.too_large_records);
	free(copy);
	return s.acked_seq + 1 >= st.next_seq ? 0 : 1;
}
