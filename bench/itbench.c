// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * itbench - the measuring tools of `make bench` (bench/run.py drives them).
 *
 *   itbench ring [--seconds S] [--ring-size BYTES]
 *       Collector throughput on this machine's kernel: a producer thread runs
 *       it_bench_produce (bpf/bench.bpf.c) with BPF_PROG_TEST_RUN, writing it_event
 *       records from several fake devices into a real ring buffer, while a consumer
 *       thread drains it with ring_buffer__poll, through (a) a callback that only
 *       counts (the drain limit) or (b) the agent's collector (it_collector_on_record)
 *       writing each output format to a file on tmpfs. Then lost events at paced
 *       offered rates. Prints one JSON object.
 *   itbench floor fentry|kprobe
 *       Attach the counting-only programs on evdev_events() (the floor of each attach
 *       mechanism), say "floor: attached", and on SIGINT/SIGTERM print calls and values.
 *   itbench uinput --devices N --rate FRAMES_PER_S --frames N [--ready FILE]
 *                  [--go FILE] [--hold] [--mark]
 *       Create N mouse-like uinput devices, write their nodes to FILE, wait for FILE
 *       --go to exist, then write N frames (REL_X, REL_Y, SYN_REPORT; round robin over
 *       the devices) paced at the given total rate; --hold opens the evdev nodes (and
 *       never reads them) so that evdev delivers the frames; --mark ends each device's
 *       stream with a SYN_CONFIG 271828 frame. Prints a JSON line, then waits for a
 *       signal before destroying the devices.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/uinput.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.skel.h"
#include "cli.h"
#include "collector.h"
#include "sink.h"
#include "stage_intervals.h"

#define MARK 271828

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rusage_thread(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int quiet(enum libbpf_print_level l, const char *f, va_list a)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, f, a) : 0;
}

/* --- ring ------------------------------------------------------------------------ */

#define N_DEVICES 6
#define FIRST_DEV 9001
#define BATCH 4096

struct bench_args {	/* bpf/bench.bpf.c */
	__u32 n, n_devices, first_dev, pad;
	__u64 seq;
};

struct run {
	struct bench_bpf *skel;
	struct ring_buffer *rb;
	int prog_fd;
	/* what to do */
	double seconds;
	double rate;		/* offered events/s; 0: as fast as possible */
	bool collector;
	const char *label;
	struct it_collector *col;
	const char *path;	/* the collector's output file */
	/* results */
	_Atomic uint64_t consumed;
	_Atomic int producer_done;
	uint64_t produced, lost, seq;
	double prod_cpu, cons_cpu, cons_user, cons_sys, wall;
};

static int cb_count(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	const struct it_hdr *h = data;

	if (h->kind == IT_REC_FRAME)
		atomic_fetch_add_explicit(&r->consumed, ((const struct it_frame_rec *)data)->n,
					  memory_order_relaxed);
	return 0;
}

static int cb_collect(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	const struct it_hdr *h = data;

	if (h->kind == IT_REC_FRAME)
		atomic_fetch_add_explicit(&r->consumed, ((const struct it_frame_rec *)data)->n,
					  memory_order_relaxed);
	it_collector_on_record(r->col, data, size);
	/* keep tmpfs small: start the file over past 256 MB (O_APPEND writes follow) */
	if ((r->consumed & 0xffff) == 0) {
		struct stat st;

		if (!stat(r->path, &st) && S_ISREG(st.st_mode) && st.st_size > (256 << 20) &&
		    truncate(r->path, 0))
			return 0;
	}
	return 0;
}

static int run_prog(struct run *r, __u32 n)
{
	struct bench_args a = { .n = n, .n_devices = N_DEVICES, .first_dev = FIRST_DEV,
				.seq = r->seq };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = &a, .ctx_size_in = sizeof(a));
	int err = bpf_prog_test_run_opts(r->prog_fd, &t);

	r->seq += n;
	return err;
}

static void *producer(void *arg)
{
	struct run *r = arg;
	double t0 = mono_s(), c0 = thread_cpu_s();
	uint64_t p0 = r->skel->bss->produced, l0 = r->skel->bss->lost, offered = 0;

	while (mono_s() - t0 < r->seconds) {
		if (r->rate <= 0) {
			run_prog(r, BATCH);
			continue;
		}
		/* paced: every millisecond, what the rate owes so far */
		double due = (mono_s() - t0) * r->rate;
		if (due > offered) {
			uint64_t n = (uint64_t)due - offered;

			if (n > 1000000)
				n = 1000000;
			if (n) {
				run_prog(r, (__u32)n);
				offered += n;
			}
		}
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	r->prod_cpu = thread_cpu_s() - c0;
	r->produced = r->skel->bss->produced - p0;
	r->lost = r->skel->bss->lost - l0;
	atomic_store(&r->producer_done, 1);
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	double c0 = thread_cpu_s(), u0, s0, u1, s1;

	rusage_thread(&u0, &s0);
	for (;;) {
		int done = atomic_load(&r->producer_done);

		ring_buffer__poll(r->rb, 20);
		if (done && atomic_load(&r->consumed) >= r->produced) {
			ring_buffer__consume(r->rb);
			break;
		}
	}
	if (r->collector)
		it_collector_flush(r->col);
	r->cons_cpu = thread_cpu_s() - c0;
	rusage_thread(&u1, &s1);
	r->cons_user = u1 - u0;
	r->cons_sys = s1 - s0;
	return NULL;
}

/* One timed run: producer and consumer threads. */
static int do_run(struct run *r)
{
	pthread_t tp, tc;
	double t0 = mono_s();

	atomic_store(&r->consumed, 0);
	atomic_store(&r->producer_done, 0);
	pthread_create(&tc, NULL, consumer, r);
	pthread_create(&tp, NULL, producer, r);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	r->wall = mono_s() - t0;
	return 0;
}

/*
 * Drain from a full ring: the producer fills the ring buffer (nobody consuming), then
 * ring_buffer__consume empties it; only the consume is timed (thread CPU). The pure
 * per-record cost of a consumer, with no waiting and no wakeups.
 */
static void do_burst(struct run *r, double seconds, uint32_t ring)
{
	double cpu = 0, t0 = mono_s();
	/* the pattern's 16 values take 5 frame records (bpf/bench.bpf.c): 3, 2, 6, 3, 2
	 * values, each record 40 + 8 per value bytes and the ring's 8-byte header */
	const uint64_t pattern_bytes = 5 * (40 + 8) + 16 * 8;
	uint64_t n = 0, per_fill = ring / pattern_bytes * 16 - 64;

	while (mono_s() - t0 < seconds) {
		uint64_t before;
		double c0;

		run_prog(r, (__u32)per_fill);
		before = atomic_load(&r->consumed);
		c0 = thread_cpu_s();
		ring_buffer__consume(r->rb);
		if (r->collector)
			it_collector_flush(r->col);
		cpu += thread_cpu_s() - c0;
		n += atomic_load(&r->consumed) - before;
	}
	printf("    {\"consumer\":\"%s\",\"mode\":\"burst\",\"consumed\":%llu,"
	       "\"consumer_cpu_s\":%.4f,\"consumer_ns_per_event\":%.1f,"
	       "\"events_per_s_per_core\":%.0f,\"cpu_ms_per_million\":%.1f},\n",
	       r->label, (unsigned long long)n, cpu, n ? cpu * 1e9 / n : 0,
	       cpu ? n / cpu : 0, n ? cpu * 1e9 / n : 0);
}

struct fmt {
	const char *name;	/* as results.json names it */
	const char *args[4];	/* flags after -o PATH; tried with it_parse_args */
	const char *suffix;
};

static const struct fmt formats[] = {
	{ "jsonl", { NULL }, ".jsonl" },
	{ "jsonl+gzip", { "--format", "jsonl", "--compress" }, ".jsonl.gz" },
	{ "evemu", { "--format", "evemu", NULL }, ".evemu/" },	/* a directory */
	{ "csv", { "--format", "csv", NULL }, ".csv" },
	/* aggregates only: the same stream into the intervals table, rows written */
	{ "intervals", { "--record", "intervals", NULL }, ".jsonl" },
};

static void print_run(const char *label, struct run *r, bool last)
{
	uint64_t n = atomic_load(&r->consumed);
	double ns = n ? r->cons_cpu * 1e9 / n : 0;

	printf("    {\"consumer\":\"%s\",\"mode\":\"%s\",\"seconds\":%.3f,\"offered_rate\":%.0f,"
	       "\"produced\":%llu,\"lost\":%llu,\"consumed\":%llu,"
	       "\"events_per_s_wall\":%.0f,\"consumer_cpu_s\":%.4f,\"consumer_user_s\":%.4f,"
	       "\"consumer_sys_s\":%.4f,\"consumer_ns_per_event\":%.1f,"
	       "\"events_per_s_per_core\":%.0f,\"cpu_ms_per_million\":%.1f,"
	       "\"producer_cpu_s\":%.4f,\"producer_ns_per_event\":%.1f}%s\n",
	       r->label, label, r->wall, r->rate, (unsigned long long)r->produced,
	       (unsigned long long)r->lost, (unsigned long long)n, n / r->wall, r->cons_cpu,
	       r->cons_user, r->cons_sys, ns, ns ? 1e9 / ns : 0, ns, r->prod_cpu,
	       r->produced ? r->prod_cpu * 1e9 / (r->produced + r->lost) : 0, last ? "" : ",");
}

static int cmd_ring(int argc, char **argv)
{
	double seconds = 2, loss_seconds = 1;
	const char *dir = "/dev/shm";
	uint32_t ring = 4u << 20;
	struct bench_bpf *skel;
	struct run r = {};
	static struct it_collector col;
	int i, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--loss-seconds") && i + 1 < argc)
			loss_seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ring-size") && i + 1 < argc)
			ring = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
	}
	libbpf_set_print(quiet);
	skel = bench_bpf__open();
	if (!skel) {
		fprintf(stderr, "itbench: cannot open bench.bpf.o\n");
		return 1;
	}
	bpf_program__set_autoload(skel->progs.it_floor_fexit, false);
	bpf_program__set_autoload(skel->progs.it_floor_kprobe, false);
	bpf_program__set_autoload(skel->progs.it_floor_kret, false);
	bpf_map__set_max_entries(skel->maps.bench_events, ring);
	err = bench_bpf__load(skel);
	if (err) {
		fprintf(stderr, "itbench: load failed: %s\n", strerror(-err));
		return 1;
	}
	r.skel = skel;
	r.prog_fd = bpf_program__fd(skel->progs.it_bench_produce);

	printf("{\"ring_size\":%u,\"record\":\"it_frame_rec\",\"values_per_record\":3.2,"
	       "\"fake_devices\":%d,\"runs\":[\n", ring, N_DEVICES);

	/* throughput: producer flat out, each consumer */
	for (i = -1; i < (int)(sizeof(formats) / sizeof(formats[0])); i++) {
		char path[256], perr[256], label[64];
		struct it_opts o;
		struct it_sink *sink = NULL;
		struct it_stage *ivs = NULL;
		const char *av[12] = { "itbench", "-o", path };
		int ac = 3, k;
		double rates[] = { 1e3, 1e4, 1e5, 3e5, 1e6, 2e6, 4e6, 8e6, 16e6 };

		if (i >= 0) {
			snprintf(path, sizeof(path), "%s/itbench%s", dir, formats[i].suffix);
			for (k = 0; k < 4 && formats[i].args[k]; k++)
				av[ac++] = formats[i].args[k];
			if (it_parse_args(ac, (char **)av, &o, perr, sizeof(perr), stderr) != 0) {
				fprintf(stderr, "itbench: format %s not available: %s\n",
					formats[i].name, perr);
				continue;
			}
			unlink(path);
			struct it_sink_cfg scfg;

			it_sink_cfg_from_opts(&scfg, &o);	/* as the agent does (main.c) */
			sink = it_sink_open_cfg(&scfg, perr, sizeof(perr));
			if (!sink) {
				fprintf(stderr, "itbench: %s\n", perr);
				continue;
			}
			it_collector_init(&col, &o, sink, "/nonexistent");
			if (o.record == IT_RECORD_INTERVALS) {	/* as the agent does (agent.c) */
				ivs = it_stage_intervals_new(&o);
				if (!ivs || it_stage_intervals_use(&col, ivs))
					return 1;
			}
			r.col = &col;
			r.path = path;
			r.collector = true;
			snprintf(label, sizeof(label), "%s", formats[i].name);
		} else {
			r.collector = false;
			snprintf(label, sizeof(label), "empty");
		}
		r.rb = ring_buffer__new(bpf_map__fd(skel->maps.bench_events),
					r.collector ? cb_collect : cb_count, &r, NULL);
		if (!r.rb) {
			fprintf(stderr, "itbench: ring_buffer__new failed\n");
			return 1;
		}
		if (r.collector) {
			/* announce the fake devices so the collector knows them */
			struct bench_args a = { .n_devices = N_DEVICES, .first_dev = FIRST_DEV };
			LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = &a, .ctx_size_in = sizeof(a));

			bpf_prog_test_run_opts(bpf_program__fd(skel->progs.it_bench_devices), &t);
			ring_buffer__consume(r.rb);
		}
		r.label = label;
		do_burst(&r, seconds, ring);
		r.rate = 0;
		r.seconds = seconds;
		do_run(&r);
		print_run("stream", &r, false);
		fflush(stdout);
		for (k = 0; k < (int)(sizeof(rates) / sizeof(rates[0])); k++) {
			r.rate = rates[k];
			r.seconds = loss_seconds;
			do_run(&r);
			print_run("paced", &r, false);
			fflush(stdout);
			if (r.lost)
				break;
		}
		ring_buffer__free(r.rb);
		if (r.collector) {
			it_sink_close(sink);
			it_collector_free(&col);
			it_sink_free(sink);
			it_stage_intervals_free(ivs);
			if (unlink(path))
				(void)!system("rm -rf /dev/shm/itbench.evemu");
		}
	}
	printf("    {\"consumer\":\"end\"}\n]}\n");
	bench_bpf__destroy(skel);
	return 0;
}

/* --- floor ----------------------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void on_signal(int s)
{
	got_signal = s;
}

static int cmd_floor(int argc, char **argv)
{
	bool kprobe = argc > 2 && !strcmp(argv[2], "kprobe");
	struct bench_bpf *skel;
	int err;

	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = bench_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.it_bench_produce, false);
	bpf_program__set_autoload(skel->progs.it_bench_devices, false);
	bpf_program__set_autoload(skel->progs.it_floor_fexit, !kprobe);
	bpf_program__set_autoload(skel->progs.it_floor_kprobe, kprobe);
	bpf_program__set_autoload(skel->progs.it_floor_kret, kprobe);
	bpf_map__set_max_entries(skel->maps.bench_events, 4096);
	err = bench_bpf__load(skel);
	if (!err)
		err = bench_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "itbench floor: %s\n", strerror(-err));
		return 1;
	}
	fprintf(stderr, "floor: attached (%s)\n", kprobe ? "kprobe" : "fentry");
	while (!got_signal)
		pause();
	printf("{\"calls\":%llu,\"values\":%llu}\n", (unsigned long long)skel->bss->floor_calls,
	       (unsigned long long)skel->bss->floor_values);
	bench_bpf__destroy(skel);
	return 0;
}

/* --- uinput ---------------------------------------------------------------------- */

static int uinput_create(int k, char *node, size_t len)
{
	struct uinput_setup us = {};
	char sys[64], pat[160];
	glob_t g;
	int fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	ioctl(fd, UI_SET_KEYBIT, BTN_LEFT);
	ioctl(fd, UI_SET_KEYBIT, BTN_RIGHT);
	ioctl(fd, UI_SET_EVBIT, EV_REL);
	ioctl(fd, UI_SET_RELBIT, REL_X);
	ioctl(fd, UI_SET_RELBIT, REL_Y);
	us.id.bustype = BUS_USB;
	us.id.vendor = 0x1209;
	us.id.product = 0x8000 + k;
	snprintf(us.name, sizeof(us.name), "itbench 8kHz mouse %d", k);
	if (ioctl(fd, UI_DEV_SETUP, &us) || ioctl(fd, UI_DEV_CREATE)) {
		close(fd);
		return -1;
	}
	if (ioctl(fd, UI_GET_SYSNAME(sizeof(sys)), sys) < 0) {
		close(fd);
		return -1;
	}
	snprintf(pat, sizeof(pat), "/sys/devices/virtual/input/%s/event*", sys);
	for (int tries = 0; tries < 400; tries++) {
		if (!glob(pat, 0, NULL, &g) && g.gl_pathc) {
			snprintf(node, len, "/dev/input/%s", strrchr(g.gl_pathv[0], '/') + 1);
			globfree(&g);
			for (; tries < 400 && access(node, R_OK); tries++)
				usleep(10000);
			return fd;
		}
		usleep(10000);
	}
	close(fd);
	return -1;
}

static int emit(int fd, const struct input_event *ev, int n)
{
	ssize_t w = write(fd, ev, n * sizeof(*ev));

	return w == (ssize_t)(n * sizeof(*ev)) ? 0 : -1;
}

static int cmd_uinput(int argc, char **argv)
{
	int ndev = 1, i, *fds, *holds;
	double rate = 8000, t0, c0, u0, s0, u1, s1;
	long frames = 10000, f, errors = 0;
	const char *ready = NULL, *go = NULL;
	bool hold = false, mark = false;
	char (*nodes)[64];
	FILE *rf;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--devices") && i + 1 < argc)
			ndev = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			frames = atol(argv[++i]);
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else if (!strcmp(argv[i], "--hold"))
			hold = true;
		else if (!strcmp(argv[i], "--mark"))
			mark = true;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fds = calloc(ndev, sizeof(*fds));
	holds = calloc(ndev, sizeof(*holds));
	nodes = calloc(ndev, sizeof(*nodes));
	for (i = 0; i < ndev; i++) {
		fds[i] = uinput_create(i, nodes[i], sizeof(nodes[i]));
		if (fds[i] < 0) {
			fprintf(stderr, "itbench uinput: cannot create device %d: %s\n", i,
				strerror(errno));
			return 1;
		}
		holds[i] = hold ? open(nodes[i], O_RDONLY | O_NONBLOCK) : -1;
	}
	if (ready) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		rf = fopen(tmp, "w");
		for (i = 0; rf && i < ndev; i++)
			fprintf(rf, "%s\n", nodes[i]);
		if (rf)
			fclose(rf);
		rename(tmp, ready);
	}
	while (go && access(go, F_OK) && !got_signal)
		usleep(20000);

	t0 = mono_s();
	c0 = thread_cpu_s();
	rusage_thread(&u0, &s0);
	for (f = 0; f < frames && !got_signal; f++) {
		int d = f % ndev;
		int dx = (int)(f % 7) - 3, dy = (int)(f % 5) - 2;
		struct input_event ev[3] = {
			{ .type = EV_REL, .code = REL_X, .value = dx ? dx : 4 },
			{ .type = EV_REL, .code = REL_Y, .value = dy ? dy : -4 },
			{ .type = EV_SYN, .code = SYN_REPORT, .value = 0 },
		};
		double due = t0 + f / rate;

		/* pace in 1 ms steps: sleep only when more than 1 ms ahead */
		if (due - mono_s() > 0.001) {
			double w = due - mono_s();
			struct timespec ts = { (time_t)w, (long)((w - (time_t)w) * 1e9) };

			nanosleep(&ts, NULL);
		}
		if (emit(fds[d], ev, 3))
			errors++;
	}
	double wall = mono_s() - t0, cpu = thread_cpu_s() - c0;

	rusage_thread(&u1, &s1);
	if (mark) {
		for (i = 0; i < ndev; i++) {
			struct input_event m[2] = {
				{ .type = EV_SYN, .code = SYN_CONFIG, .value = MARK },
				{ .type = EV_SYN, .code = SYN_REPORT, .value = 0 },
			};
			emit(fds[i], m, 2);
		}
	}
	printf("{\"devices\":%d,\"frames\":%ld,\"events\":%ld,\"target_frames_per_s\":%.0f,"
	       "\"wall_s\":%.3f,\"frames_per_s\":%.0f,\"events_per_s\":%.0f,\"writer_cpu_s\":%.3f,"
	       "\"writer_user_s\":%.3f,\"writer_sys_s\":%.3f,\"write_errors\":%ld}\n",
	       ndev, f, f * 3, rate, wall, f / wall, f * 3 / wall, cpu, u1 - u0, s1 - s0, errors);
	fflush(stdout);
	while (!got_signal)
		pause();
	for (i = 0; i < ndev; i++) {
		if (holds[i] >= 0)
			close(holds[i]);
		ioctl(fds[i], UI_DEV_DESTROY);
		close(fds[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "ring"))
		return cmd_ring(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "floor"))
		return cmd_floor(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "uinput"))
		return cmd_uinput(argc, argv);
	fprintf(stderr, "usage: itbench ring|floor|uinput ... (see bench/itbench.c)\n");
	return 2;
}
