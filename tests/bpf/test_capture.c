// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_capture.c - the kernel side's capture logic (bpf/capture.bpf.h) run for real:
 * the test-only syscall programs of bpf/inputtrace_test.bpf.c are loaded through the
 * verifier and driven with BPF_PROG_TEST_RUN, frames supplied here, then the ring
 * buffer is drained and the per-CPU counters summed over libbpf_num_possible_cpus().
 *
 * Needs root (CAP_BPF + CAP_SYS_ADMIN for syscall programs). The test pins itself to
 * one CPU: the counters, and lost_before in particular, are per CPU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/input-event-codes.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "inputtrace.h"
#include "cli.h"
#include "collector.h"
#include "counters.h"
#include "finish.h"
#include "sink.h"
#include "inputtrace_test.skel.h"
#include "../unit/fakesysfs.h"
#include "../unit/flags.h"
#include "../unit/slurp.h"

#include "inputtrace_test.h"


/* Bytes a record of n bytes takes in a BPF ring buffer (8-byte header, 8-aligned). */
#define RB_SLOT(n) ((((n) + 8) + 7) & ~7u)

#define MAX_RECS 4096

struct rec {
	size_t size;
	union {
		struct it_hdr h;
		struct it_event e;
		struct it_device_rec d;
		unsigned char raw[512];
	};
};

struct fx {
	struct inputtrace_test_bpf *skel;
	struct ring_buffer *rb;
	int ncpus;
	int nrecs;		/* records in recs[], frames expanded to their events */
	int nraw;		/* ring buffer records read */
	int nframes;		/* of which frame records */
	__u32 frame_n[MAX_RECS];	/* their n, in order */
	bool overflow;
	struct rec recs[MAX_RECS];
};

/* One ring buffer record: a frame record becomes one struct it_event per value
 * (it_frame_event(), as the collector sees them); others are kept as they are. */
static int on_rec(void *ctx, void *data, size_t size)
{
	const struct it_frame_rec *fr = data;
	struct fx *f = ctx;
	__u32 i;

	f->nraw++;
	if (fr->hdr.kind == IT_REC_FRAME) {
		if (size != IT_FRAME_REC_SIZE(fr->n) || fr->n == 0 || fr->n > IT_FRAME_VALS ||
		    f->nrecs + (int)fr->n > MAX_RECS) {
			f->overflow = true;
			return 0;
		}
		f->frame_n[f->nframes++] = fr->n;
		for (i = 0; i < fr->n; i++) {
			f->recs[f->nrecs].size = sizeof(struct it_event);
			it_frame_event(fr, i, &f->recs[f->nrecs].e);
			f->nrecs++;
		}
		return 0;
	}
	if (f->nrecs >= MAX_RECS || size > sizeof(f->recs[0].raw)) {
		f->overflow = true;
		return 0;
	}
	f->recs[f->nrecs].size = size;
	memcpy(f->recs[f->nrecs].raw, data, size);
	f->nrecs++;
	return 0;
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Open with the given ring size and settings (.rodata, as the agent sets them between
 * open and load) and load. Loading runs the verifier over the whole capture path
 * (seconds under TCG), so the tests share two fixtures, reset before each test and
 * loaded again only when the settings change. */
static struct fx *fx_open(uint32_t ring_size, uint32_t type_mask, uint32_t default_verdict)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ncpus = libbpf_num_possible_cpus();
	assert_true(f->ncpus > 0);
	f->skel = inputtrace_test_bpf__open();
	assert_non_null(f->skel);
	assert_int_equal(bpf_map__set_max_entries(f->skel->maps.it_events, ring_size), 0);
	f->skel->rodata->it_config.type_mask = type_mask;
	f->skel->rodata->it_config.default_verdict = default_verdict;
	/* keys raw: these tests are about the capture core; redaction (the default,
	 * keys_mode 0) would rewrite KEY_* codes and drop MSC_SCAN */
	f->skel->bss->it_switches.keys_mode = IT_KEYS_RAW;
	assert_int_equal(inputtrace_test_bpf__load(f->skel), 0);
	assert_int_equal(bpf_map__max_entries(f->skel->maps.it_events), ring_size);
	f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.it_events), on_rec, f, NULL);
	assert_non_null(f->rb);
	return f;
}

static void fx_free(struct fx *f)
{
	if (f) {
		ring_buffer__free(f->rb);
		inputtrace_test_bpf__destroy(f->skel);
		free(f);
	}
}

/* Back to the state right after load: ring empty, hash maps (device table, and any
 * other per-device state) empty, counters zero. */
static void fx_reset(struct fx *f)
{
	struct it_counters *zeros = calloc(f->ncpus, sizeof(*zeros));
	struct bpf_map *m;
	__u32 zero = 0;

	assert_non_null(zeros);
	ring_buffer__consume(f->rb);
	f->nrecs = 0;
	bpf_object__for_each_map(m, f->skel->obj) {
		unsigned char key[64];
		int fd = bpf_map__fd(m);

		if (bpf_map__type(m) != BPF_MAP_TYPE_HASH)
			continue;
		assert_true(bpf_map__key_size(m) <= sizeof(key));
		while (!bpf_map_get_next_key(fd, NULL, key))
			assert_int_equal(bpf_map_delete_elem(fd, key), 0);
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(f->skel->maps.it_counters), &zero, zeros, BPF_ANY), 0);
	free(zeros);
}

#define RING_SMALL 4096u
#define RING_BIG (4u << 20)

static struct fx *fx_small, *fx_big;

/* The fixture with that ring size and settings, reset; also stored in *state. */
static struct fx *fx_get(void **state, uint32_t ring_size, uint32_t type_mask, uint32_t default_verdict)
{
	struct fx **slot = ring_size == RING_SMALL ? &fx_small : &fx_big;

	if (*slot && ((*slot)->skel->rodata->it_config.type_mask != type_mask ||
		      (*slot)->skel->rodata->it_config.default_verdict != default_verdict)) {
		fx_free(*slot);
		*slot = NULL;
	}
	if (!*slot)
		*slot = fx_open(ring_size, type_mask, default_verdict);
	fx_reset(*slot);
	(*slot)->skel->bss->it_switches.paused = 0;
	*state = *slot;
	return *slot;
}

static int need_root(void **state)
{
	*state = NULL;
	if (geteuid() != 0) {
		print_message("BPF tests need root: skipped\n");
		skip();
	}
	return 0;
}

static struct it_devinfo devinfo(const char *sysname, const char *name)
{
	struct it_devinfo i;

	memset(&i, 0, sizeof(i));
	i.bustype = 0x03;
	i.vendor = 0x046d;
	i.product = 0xc52b;
	i.version = 0x0111;
	snprintf(i.name, sizeof(i.name), "%s", name);
	snprintf(i.phys, sizeof(i.phys), "usb-0000:00:14.0-1/%s", sysname);
	snprintf(i.uniq, sizeof(i.uniq), "uniq-%s", name);
	snprintf(i.sysname, sizeof(i.sysname), "%s", sysname);
	return i;
}

struct val {
	uint16_t type, code;
	int32_t value;
};

/* Run it_test_frame; returns the program's return value. */
static int frame(struct fx *f, uint64_t key, uint64_t mono, uint64_t real, const struct it_devinfo *info,
		 const struct val *v, unsigned n)
{
	struct it_test_frame fr;
	unsigned i;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &fr, .ctx_size_in = sizeof(fr));

	memset(&fr, 0, sizeof(fr));
	fr.dev_key = key;
	fr.mono_ns = mono;
	fr.real_ns = real;
	fr.count = n;
	if (info)
		fr.info = *info;
	assert_true(n <= IT_TEST_VALS);
	for (i = 0; i < n; i++) {
		fr.vals[i].type = v[i].type;
		fr.vals[i].code = v[i].code;
		fr.vals[i].value = v[i].value;
	}
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.it_test_frame), &o), 0);
	return (int)o.retval;
}

/* n events of EV_KEY KEY_A with values first, first+1, ... */
static int key_frame(struct fx *f, uint64_t key, const struct it_devinfo *info, unsigned n, int first)
{
	struct val v[IT_TEST_VALS];
	unsigned i;

	for (i = 0; i < n; i++)
		v[i] = (struct val){ EV_KEY, KEY_A, first + (int)i };
	return frame(f, key, 1000000000ull + (uint64_t)first, 0, info, v, n);
}

static int unreg(struct fx *f, uint64_t key)
{
	struct it_test_unreg u = { .dev_key = key };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &u, .ctx_size_in = sizeof(u));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.it_test_unreg), &o), 0);
	return (int)o.retval;
}

/* Consume everything in the ring into f->recs; returns the number of records, each
 * frame record counted as its events. */
static int drain(struct fx *f)
{
	int n;

	f->nrecs = 0;
	f->nraw = 0;
	f->nframes = 0;
	f->overflow = false;
	n = ring_buffer__consume(f->rb);
	assert_false(f->overflow);
	assert_int_equal(n, f->nraw);
	return f->nrecs;
}

static struct it_counters counters(struct fx *f)
{
	struct it_counters *v = calloc(f->ncpus, sizeof(*v)), s;
	__u32 zero = 0;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.it_counters), &zero, v), 0);
	it_counters_sum(v, f->ncpus, &s);
	free(v);
	assert_int_equal(s.seen, it_counters_outcomes(&s));
	return s;
}

#define assert_counters(f, SEEN, FILTERED, WRITTEN, LOST) do {	\
	struct it_counters c_ = counters(f);				\
	assert_int_equal(c_.seen, (SEEN));				\
	assert_int_equal(c_.filtered, (FILTERED));			\
	assert_int_equal(c_.written, (WRITTEN));			\
	assert_int_equal(c_.lost, (LOST));				\
	assert_int_equal(c_.truncated, 0);				\
	assert_int_equal(c_.keys_dropped, 0);				\
	assert_int_equal(c_.redact_dropped, 0);				\
	assert_int_equal(c_.paused, 0);					\
} while (0)

static void assert_event(const struct rec *r, uint32_t dev, uint16_t flags, uint64_t mono, uint64_t real,
			 uint16_t type, uint16_t code, int32_t value, uint32_t lost_before)
{
	assert_int_equal(r->size, sizeof(struct it_event));
	assert_int_equal(r->e.hdr.kind, IT_REC_EVENT);
	assert_int_equal(r->e.hdr.flags, flags);
	assert_int_equal(r->e.hdr.dev, dev);
	if (!(flags & IT_EVF_SYNTH_TS))
		assert_int_equal(r->e.mono_ns, mono);
	assert_int_equal(r->e.real_ns, real);
	assert_int_equal(r->e.type, type);
	assert_int_equal(r->e.code, code);
	assert_int_equal(r->e.value, value);
	assert_int_equal(r->e.lost_before, lost_before);
	if (!lost_before)
		assert_int_equal(r->e.lost_dev, 0);
}

static void assert_devrec(const struct rec *r, uint16_t kind, uint32_t id, const struct it_devinfo *info,
			  uint64_t t0, uint64_t t1)
{
	assert_int_equal(r->size, sizeof(struct it_device_rec));
	assert_int_equal(r->d.hdr.kind, kind);
	assert_int_equal(r->d.hdr.flags, 0);
	assert_int_equal(r->d.hdr.dev, id);
	assert_true(r->d.mono_ns >= t0 && r->d.mono_ns <= t1);
	assert_memory_equal(&r->d.info, info, sizeof(*info));
}

/* The it_devices entry of key; false if there is none. */
static bool table_get(struct fx *f, uint64_t key, struct it_device *d)
{
	return !bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.it_devices), &key, d);
}

/* Set the verdict of the device whose id is id, found by iterating it_devices as the
 * agent does (capture.c it_capture_set_verdict); returns its key. */
static uint64_t set_verdict_by_id(struct fx *f, uint32_t id, uint32_t verdict)
{
	int fd = bpf_map__fd(f->skel->maps.it_devices);
	__u64 key, next, *prev = NULL;
	struct it_device d;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		assert_int_equal(bpf_map_lookup_elem(fd, &key, &d), 0);
		if (d.id != id)
			continue;
		d.verdict = verdict;
		assert_int_equal(bpf_map_update_elem(fd, &key, &d, BPF_EXIST), 0);
		return key;
	}
	fail_msg("no device with id %u in it_devices", id);
	return 0;
}

static int table_count(struct fx *f)
{
	int fd = bpf_map__fd(f->skel->maps.it_devices), n = 0;
	__u64 key, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------------------------- */

static void check_member(const struct btf *btf, const struct btf_type *t, const char *name, size_t off)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), name)) {
			assert_int_equal(btf_member_bit_offset(t, i), off * 8);
			return;
		}
	fail_msg("no member %s", name);
}

static void test_ctx_layout(void **state)
{
	struct fx *f = fx_get(state, RING_SMALL, ~0u, IT_DEV_CAPTURE);
	const struct btf *btf = bpf_object__btf(f->skel->obj);
	const struct btf_type *t;
	int id;

	assert_non_null(btf);
	id = btf__find_by_name_kind(btf, "it_test_frame", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(btf, id);
	assert_int_equal(t->size, sizeof(struct it_test_frame));
	assert_int_equal(btf_vlen(t), 7);
	check_member(btf, t, "dev_key", offsetof(struct it_test_frame, dev_key));
	check_member(btf, t, "mono_ns", offsetof(struct it_test_frame, mono_ns));
	check_member(btf, t, "real_ns", offsetof(struct it_test_frame, real_ns));
	check_member(btf, t, "count", offsetof(struct it_test_frame, count));
	check_member(btf, t, "pad", offsetof(struct it_test_frame, pad));
	check_member(btf, t, "info", offsetof(struct it_test_frame, info));
	check_member(btf, t, "vals", offsetof(struct it_test_frame, vals));

	id = btf__find_by_name_kind(btf, "it_test_value", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(btf, id);
	assert_int_equal(t->size, sizeof(struct it_test_value));
	check_member(btf, t, "type", offsetof(struct it_test_value, type));
	check_member(btf, t, "code", offsetof(struct it_test_value, code));
	check_member(btf, t, "value", offsetof(struct it_test_value, value));

	id = btf__find_by_name_kind(btf, "it_test_unreg", BTF_KIND_STRUCT);
	assert_true(id > 0);
	assert_int_equal(btf__type_by_id(btf, id)->size, sizeof(struct it_test_unreg));

	/* and the shared structs as the BPF compiler laid them out */
	id = btf__find_by_name_kind(btf, "it_devinfo", BTF_KIND_STRUCT);
	assert_true(id > 0);
	assert_int_equal(btf__type_by_id(btf, id)->size, sizeof(struct it_devinfo));
	id = btf__find_by_name_kind(btf, "it_device", BTF_KIND_STRUCT);
	assert_true(id > 0);
	assert_int_equal(btf__type_by_id(btf, id)->size, sizeof(struct it_device));
	id = btf__find_by_name_kind(btf, "it_config", BTF_KIND_STRUCT);
	assert_true(id > 0);
	assert_int_equal(btf__type_by_id(btf, id)->size, sizeof(struct it_config));
	id = btf__find_by_name_kind(btf, "it_counters", BTF_KIND_STRUCT);
	assert_true(id > 0);
	assert_int_equal(btf__type_by_id(btf, id)->size, sizeof(struct it_counters));
}

static void test_new_device_then_events(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo info = devinfo("input42", "Logitech USB Receiver");
	const struct val v[] = {
		{ EV_KEY, KEY_A, 1 }, { EV_SYN, SYN_REPORT, 0 }, { EV_ABS, ABS_X, -5 },
		{ EV_REL, REL_X, INT32_MIN }, { EV_MSC, 4, INT32_MAX }, { 0x1f, 0xffff, 7 },
	};
	const uint64_t key = 0xffff888012345678ull;
	struct it_device d;
	uint64_t t0, t1;
	int i;

	t0 = mono_now();
	assert_int_equal(frame(f, key, 1234567890123ull, 1700000000123456789ull, &info, v, 6), 0);
	t1 = mono_now();
	assert_int_equal(drain(f), 7);
	assert_devrec(&f->recs[0], IT_REC_DEVICE_ADD, 42, &info, t0, t1);
	for (i = 0; i < 6; i++)
		assert_event(&f->recs[1 + i], 42, 0, 1234567890123ull, 1700000000123456789ull,
			     v[i].type, v[i].code, v[i].value, 0);
	assert_counters(f, 6, 0, 6, 0);

	/* the table holds it: id, verdict, info */
	assert_true(table_get(f, key, &d));
	assert_int_equal(d.id, 42);
	assert_int_equal(d.verdict, IT_DEV_CAPTURE);
	assert_memory_equal(&d.info, &info, sizeof(info));
	assert_int_equal(table_count(f), 1);

	/* the same device again: no second DEVICE_ADD; the info of a known device is not
	 * re-read from the frame */
	{
		struct it_devinfo other = devinfo("input99", "changed");

		assert_int_equal(frame(f, key, 2000000000001ull, 0, &other, v, 2), 0);
		assert_int_equal(drain(f), 2);
		assert_event(&f->recs[0], 42, 0, 2000000000001ull, 0, EV_KEY, KEY_A, 1, 0);
		assert_event(&f->recs[1], 42, 0, 2000000000001ull, 0, EV_SYN, SYN_REPORT, 0, 0);
		assert_true(table_get(f, key, &d));
		assert_int_equal(d.id, 42);
		assert_memory_equal(&d.info, &info, sizeof(info));
	}
	/* a frame without values still announces a new device */
	{
		struct it_devinfo i2 = devinfo("input43", "Second");

		assert_int_equal(frame(f, key + 8, 1, 0, &i2, NULL, 0), 0);
		assert_int_equal(drain(f), 1);
		assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
		assert_int_equal(f->recs[0].h.dev, 43);
		assert_memory_equal(&f->recs[0].d.info, &i2, sizeof(i2));
	}
	assert_counters(f, 8, 0, 8, 0);
	/* at most IT_TEST_VALS values of a frame are read */
	{
		struct it_test_frame fr;
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &fr, .ctx_size_in = sizeof(fr));

		memset(&fr, 0, sizeof(fr));
		fr.dev_key = key;
		fr.mono_ns = 5;
		fr.count = 1000;
		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.it_test_frame), &o), 0);
		assert_int_equal(o.retval, 0);
		assert_int_equal(drain(f), IT_TEST_VALS);
		assert_counters(f, 8 + IT_TEST_VALS, 0, 8 + IT_TEST_VALS, 0);
	}
}

static void test_ids_from_sysname(void **state)
{
	static const struct { const char *sysname; uint32_t id; } cases[] = {
		{ "input42", 42 }, { "input0", 0 }, { "input7", 7 }, { "input123456", 123456 },
		{ "input4294967295", 4294967295u }, { "input7x", 7 }, { "input", IT_DEV_NONE },
		{ "event3", IT_DEV_NONE }, { "Input5", IT_DEV_NONE }, { "inpu5", IT_DEV_NONE },
		{ "", IT_DEV_NONE }, { "mouse0", IT_DEV_NONE }, { "inputx9", IT_DEV_NONE },
	};
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct it_devinfo info = devinfo(cases[k].sysname, "dev");
		struct it_device d;

		assert_int_equal(key_frame(f, 100 + k, &info, 1, (int)k), 0);
		assert_int_equal(drain(f), 2);
		if (f->recs[0].h.dev != cases[k].id || f->recs[1].h.dev != cases[k].id)
			fail_msg("sysname '%s': id %u/%u, want %u", cases[k].sysname, f->recs[0].h.dev,
				 f->recs[1].h.dev, cases[k].id);
		assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
		assert_memory_equal(&f->recs[0].d.info, &info, sizeof(info));
		assert_true(table_get(f, 100 + k, &d));
		assert_int_equal(d.id, cases[k].id);
	}
	/* a 16-byte sysname with no NUL: read within the field only */
	{
		struct it_devinfo info = devinfo("x", "dev");

		memcpy(info.sysname, "input00000000012", IT_SYSNAME_LEN);
		assert_int_equal(key_frame(f, 99, &info, 1, 0), 0);
		assert_int_equal(drain(f), 2);
		assert_int_equal(f->recs[0].h.dev, 12);
	}
}

static void test_synth_ts(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo info = devinfo("input3", "kbd");
	const struct val v[] = { { EV_KEY, KEY_A, 1 }, { EV_SYN, SYN_REPORT, 0 } };
	uint64_t t0, t1;

	/* mono 0: the kernel had no per-device time; bpf_ktime_get_ns() instead, flagged */
	t0 = mono_now();
	assert_int_equal(frame(f, 1, 0, 0, &info, v, 2), 0);
	t1 = mono_now();
	assert_int_equal(drain(f), 3);
	assert_event(&f->recs[1], 3, IT_EVF_SYNTH_TS, 0, 0, EV_KEY, KEY_A, 1, 0);
	assert_event(&f->recs[2], 3, IT_EVF_SYNTH_TS, 0, 0, EV_SYN, SYN_REPORT, 0, 0);
	assert_true(f->recs[1].e.mono_ns != 0);
	assert_true(f->recs[1].e.mono_ns >= t0 && f->recs[1].e.mono_ns <= t1);
	assert_int_equal(f->recs[2].e.mono_ns, f->recs[1].e.mono_ns);	/* one time per frame */

	/* no mono time, whatever real_ns says: the real programs' prologue
	 * (it_handle_frame()) gives real_ns 0 with the synthetic time, as the record
	 * format promises (inputtrace.h); a test program with a prologue of its own
	 * passed real_ns through here */
	assert_int_equal(frame(f, 1, 0, 1700000000000000000ull, &info, v, 1), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 3, IT_EVF_SYNTH_TS, 0, 0, EV_KEY, KEY_A, 1, 0);
	assert_true(f->recs[0].e.mono_ns >= t1);

	/* a real timestamp: no flag, the time as given, even a small one */
	assert_int_equal(frame(f, 1, 1, 2, &info, v, 1), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 3, 0, 1, 2, EV_KEY, KEY_A, 1, 0);
	assert_int_equal(frame(f, 1, UINT64_MAX, UINT64_MAX, &info, v, 1), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 3, 0, UINT64_MAX, UINT64_MAX, EV_KEY, KEY_A, 1, 0);
}

static void test_type_mask(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, (1u << EV_SYN) | (1u << EV_KEY) | (1u << 31), IT_DEV_CAPTURE);
	struct it_devinfo info = devinfo("input5", "mixed");
	const struct val v[] = {
		{ EV_SYN, SYN_REPORT, 0 }, { EV_KEY, KEY_A, 1 }, { EV_REL, REL_X, 3 },
		{ EV_ABS, ABS_X, 4 }, { EV_MSC, 4, 5 }, { 31, 1, 6 }, { 32, 1, 7 },
		{ 0xffff, 1, 8 }, { 0x1e, 1, 9 }, { EV_KEY, KEY_A, 0 },
	};
	const struct val filtered_only[] = { { EV_REL, REL_X, 1 }, { EV_ABS, ABS_X, 2 }, { 33, 0, 3 } };

	assert_int_equal(frame(f, 7, 10, 20, &info, v, 10), 0);
	assert_int_equal(drain(f), 1 + 4);
	assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
	assert_event(&f->recs[1], 5, 0, 10, 20, EV_SYN, SYN_REPORT, 0, 0);
	assert_event(&f->recs[2], 5, 0, 10, 20, EV_KEY, KEY_A, 1, 0);
	assert_event(&f->recs[3], 5, 0, 10, 20, 31, 1, 6, 0);
	assert_event(&f->recs[4], 5, 0, 10, 20, EV_KEY, KEY_A, 0, 0);
	assert_counters(f, 10, 6, 4, 0);
	/* the four that passed, in one frame record (the ring holds no gaps for the six) */
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->frame_n[0], 4);

	/* only filtered types: nothing reaches the ring */
	assert_int_equal(frame(f, 7, 11, 0, &info, filtered_only, 3), 0);
	assert_int_equal(drain(f), 0);
	assert_counters(f, 13, 9, 4, 0);

	/* mask 0 (loaded anew): every event filtered, but a new device is still announced */
	f = fx_get(state, RING_BIG, 0, IT_DEV_CAPTURE);
	{
		struct it_devinfo i2 = devinfo("input6", "second");

		assert_int_equal(frame(f, 8, 12, 0, &i2, v, 10), 0);
		assert_int_equal(drain(f), 1);
		assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
		assert_int_equal(f->recs[0].h.dev, 6);
	}
	assert_counters(f, 10, 10, 0, 0);

	/* another mask: another set of types passes */
	f = fx_get(state, RING_BIG, 1u << EV_REL, IT_DEV_CAPTURE);
	assert_int_equal(frame(f, 7, 13, 0, &info, v, 10), 0);
	assert_int_equal(drain(f), 2);
	assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
	assert_event(&f->recs[1], 5, 0, 13, 0, EV_REL, REL_X, 3, 0);
	assert_counters(f, 10, 9, 1, 0);

	/* a frame longer than a record: IT_FRAME_VALS values a record, in order */
	f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	assert_int_equal(key_frame(f, 7, &info, 50, 100), 0);
	assert_int_equal(drain(f), 1 + 50);
	assert_int_equal(f->nframes, 2);
	assert_int_equal(f->frame_n[0], IT_FRAME_VALS);
	assert_int_equal(f->frame_n[1], 50 - IT_FRAME_VALS);
	assert_event(&f->recs[1 + IT_FRAME_VALS], 5, 0, 1000000100ull, 0, EV_KEY, KEY_A, 100 + IT_FRAME_VALS, 0);
	assert_event(&f->recs[50], 5, 0, 1000000100ull, 0, EV_KEY, KEY_A, 149, 0);
}

static void test_default_verdict(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_PENDING);
	struct it_devinfo a = devinfo("input1", "pending one");
	struct it_devinfo b = devinfo("input2", "captured one");
	struct it_device d;

	/* PENDING: in the table as pending, and its events pass (userspace decides) */
	assert_int_equal(key_frame(f, 0xa, &a, 3, 0), 0);
	assert_true(table_get(f, 0xa, &d));
	assert_int_equal(d.verdict, IT_DEV_PENDING);
	assert_int_equal(drain(f), 4);
	assert_int_equal(f->recs[3].e.value, 2);
	assert_counters(f, 3, 0, 3, 0);

	/* loaded with CAPTURE (no --device, no --exclude-device): every new device is
	 * captured, and its events pass */
	f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	assert_int_equal(key_frame(f, 0xb, &b, 2, 0), 0);
	assert_true(table_get(f, 0xb, &d));
	assert_int_equal(d.verdict, IT_DEV_CAPTURE);
	assert_int_equal(key_frame(f, 0xa, &a, 1, 0), 0);
	assert_true(table_get(f, 0xa, &d));
	assert_int_equal(d.verdict, IT_DEV_CAPTURE);
	assert_int_equal(drain(f), 3 + 2);
	assert_counters(f, 3, 0, 3, 0);
}

static void test_verdict_drop(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_PENDING);
	struct it_devinfo a = devinfo("input42", "dropped");
	struct it_devinfo b = devinfo("input43", "kept");
	struct it_device d;
	uint64_t key;

	assert_int_equal(key_frame(f, 0x1000, &a, 1, 0), 0);
	assert_int_equal(key_frame(f, 0x2000, &b, 1, 0), 0);
	assert_int_equal(drain(f), 4);
	assert_counters(f, 2, 0, 2, 0);

	/* userspace judges input42: DROP, found by id as the agent does */
	key = set_verdict_by_id(f, 42, IT_DEV_DROP);
	assert_int_equal(key, 0x1000);
	assert_true(table_get(f, 0x1000, &d));
	assert_int_equal(d.verdict, IT_DEV_DROP);
	assert_int_equal(d.id, 42);
	assert_memory_equal(&d.info, &a, sizeof(a));	/* the rest of the slot intact */

	assert_int_equal(key_frame(f, 0x1000, &a, 5, 10), 0);
	assert_int_equal(drain(f), 0);
	assert_counters(f, 7, 5, 2, 0);
	/* the other device is not affected */
	assert_int_equal(key_frame(f, 0x2000, &b, 2, 20), 0);
	assert_int_equal(drain(f), 2);
	assert_event(&f->recs[0], 43, 0, 1000000020ull, 0, EV_KEY, KEY_A, 20, 0);
	assert_counters(f, 9, 5, 4, 0);

	/* back to CAPTURE: events flow again */
	set_verdict_by_id(f, 42, IT_DEV_CAPTURE);
	assert_int_equal(key_frame(f, 0x1000, &a, 1, 30), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 42, 0, 1000000030ull, 0, EV_KEY, KEY_A, 30, 0);
	assert_counters(f, 10, 5, 5, 0);
}

/* The agent's way (capture.c it_capture_set_verdict): a word in the memory-mapped
 * it_verdicts, adopted by the device's next frame; a slot that names another id (two
 * ids 1024 apart) leaves the device pending. */
static void test_verdict_slots(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_PENDING);
	struct it_devinfo a = devinfo("input77", "dropped by slot");
	struct it_devinfo b = devinfo("input1101", "same slot");
	__u64 *slot = &f->skel->bss->it_verdicts[77 % IT_VERDICT_SLOTS];
	struct it_device d;

	assert_int_equal(1101 % IT_VERDICT_SLOTS, 77 % IT_VERDICT_SLOTS);
	assert_int_equal(key_frame(f, 0x7700, &a, 1, 0), 0);
	assert_int_equal(key_frame(f, 0x7800, &b, 1, 0), 0);
	assert_int_equal(drain(f), 4);
	assert_counters(f, 2, 0, 2, 0);

	*slot = IT_VERDICT_WORD(77, IT_DEV_DROP);
	assert_int_equal(key_frame(f, 0x7700, &a, 3, 10), 0);
	assert_int_equal(key_frame(f, 0x7800, &b, 2, 10), 0);
	assert_int_equal(drain(f), 2);		/* input1101's two; input77's three filtered */
	assert_event(&f->recs[0], 1101, 0, 1000000010ull, 0, EV_KEY, KEY_A, 10, 0);
	assert_counters(f, 7, 3, 4, 0);
	assert_true(table_get(f, 0x7700, &d));
	assert_int_equal(d.verdict, IT_DEV_DROP);	/* adopted, kept */
	assert_true(table_get(f, 0x7800, &d));
	assert_int_equal(d.verdict, IT_DEV_PENDING);

	/* the slot now names input1101: input77 keeps the verdict it adopted */
	*slot = IT_VERDICT_WORD(1101, IT_DEV_CAPTURE);
	assert_int_equal(key_frame(f, 0x7800, &b, 1, 20), 0);
	assert_int_equal(key_frame(f, 0x7700, &a, 1, 20), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 1101, 0, 1000000020ull, 0, EV_KEY, KEY_A, 20, 0);
	assert_true(table_get(f, 0x7800, &d));
	assert_int_equal(d.verdict, IT_DEV_CAPTURE);
	assert_counters(f, 9, 4, 5, 0);
	*slot = 0;
}

/* input_inject_event()'s entry (begin 1) or exit probe for device key, in this task. */
static void inject(struct fx *f, uint64_t key, uint32_t begin)
{
	struct it_test_inject in = { .dev_key = key, .begin = begin };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &in, .ctx_size_in = sizeof(in));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.it_test_inject), &o), 0);
	assert_int_equal(o.retval, 0);
}

/* Injected input (docs/operations.md "Injected versus physical input"): a frame of a device flushed
 * while this task injects into that very device is flagged IT_EVF_INJECTED, by the
 * real programs' prologue (it_handle_frame()); another device's frame, or one after the
 * injection ended, is not. A test program with a prologue of its own never set it. */
static void test_injected_flag(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo a = devinfo("input11", "uinput kbd");
	struct it_devinfo b = devinfo("input12", "physical kbd");

	assert_int_equal(key_frame(f, 0xa, &a, 1, 0), 0);
	assert_int_equal(key_frame(f, 0xb, &b, 1, 0), 0);
	assert_int_equal(drain(f), 4);
	assert_event(&f->recs[1], 11, 0, 1000000000ull, 0, EV_KEY, KEY_A, 0, 0);

	inject(f, 0xa, 1);
	assert_int_equal(f->skel->bss->it_injecting, 1);
	assert_int_equal(key_frame(f, 0xa, &a, 2, 10), 0);
	assert_int_equal(key_frame(f, 0xb, &b, 1, 20), 0);
	assert_int_equal(drain(f), 3);
	assert_event(&f->recs[0], 11, IT_EVF_INJECTED, 1000000010ull, 0, EV_KEY, KEY_A, 10, 0);
	assert_event(&f->recs[1], 11, IT_EVF_INJECTED, 1000000010ull, 0, EV_KEY, KEY_A, 11, 0);
	assert_event(&f->recs[2], 12, 0, 1000000020ull, 0, EV_KEY, KEY_A, 20, 0);
	/* with a synthetic time too: both flags */
	assert_int_equal(frame(f, 0xa, 0, 0, &a, (const struct val[]){ { EV_KEY, KEY_A, 1 } }, 1), 0);
	assert_int_equal(drain(f), 1);
	assert_int_equal(f->recs[0].e.hdr.flags, IT_EVF_INJECTED | IT_EVF_SYNTH_TS);

	inject(f, 0xa, 0);
	assert_int_equal(f->skel->bss->it_injecting, 0);
	assert_int_equal(key_frame(f, 0xa, &a, 1, 30), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 11, 0, 1000000030ull, 0, EV_KEY, KEY_A, 30, 0);
}

/* As the agent pauses (capture.c it_capture_set_paused()): a store to the
 * memory-mapped .bss, no bpf() call. */
static void set_paused(struct fx *f, uint32_t paused)
{
	__atomic_store_n(&f->skel->bss->it_switches.paused, paused, __ATOMIC_RELEASE);
}

/* Pause (it_switches.paused): the frame path checks it first; nothing of a paused frame
 * is read or copied (no event, no device record, no device table entry, no modifier
 * state), only counted in seen and paused; resuming lets frames flow again. */
static void test_paused(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo a = devinfo("input7", "kbd");
	struct it_devinfo b = devinfo("input8", "new while paused");
	const struct val ctrl[] = { { EV_KEY, KEY_LEFTCTRL, 1 }, { EV_SYN, SYN_REPORT, 0 } };
	struct it_test_frame fr;
	struct it_counters c;
	struct it_device d;
	struct it_modstate m;
	__u64 key = 0xb;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &fr, .ctx_size_in = sizeof(fr));

	assert_int_equal(key_frame(f, 0xa, &a, 2, 0), 0);
	assert_int_equal(drain(f), 3);			/* device add + 2 events */

	set_paused(f, 1);
	assert_int_equal(key_frame(f, 0xa, &a, 5, 10), 0);
	assert_int_equal(frame(f, 0xb, 0, 0, &b, ctrl, 2), 0);
	/* a frame longer than the test program can read: counted whole, not read */
	memset(&fr, 0, sizeof(fr));
	fr.dev_key = 0xa;
	fr.count = 300;
	fr.info = a;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.it_test_frame), &o), 0);
	assert_int_equal(o.retval, 0);
	assert_int_equal(drain(f), 0);			/* nothing copied */
	assert_false(table_get(f, 0xb, &d));		/* the new device not even looked at */
	assert_int_not_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.it_mods), &key, &m), 0);
	c = counters(f);				/* the identity holds (counters()) */
	assert_int_equal(c.seen, 2 + 5 + 2 + 300);
	assert_int_equal(c.paused, 5 + 2 + 300);
	assert_int_equal(c.written, 2);
	assert_int_equal(c.filtered + c.lost + c.truncated + c.keys_dropped + c.redact_dropped, 0);

	/* resumed: the next frame is captured as before */
	set_paused(f, 0);
	assert_int_equal(key_frame(f, 0xa, &a, 1, 40), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 7, 0, 1000000040ull, 0, EV_KEY, KEY_A, 40, 0);
	assert_int_equal(frame(f, 0xb, 5, 0, &b, ctrl, 2), 0);
	assert_int_equal(drain(f), 3);
	assert_true(table_get(f, 0xb, &d));
	c = counters(f);
	assert_int_equal(c.paused, 307);
	assert_int_equal(c.written, 2 + 1 + 2);
	set_paused(f, 0);
}

static void test_lost_smallest_ring(void **state)
{
	struct fx *f = fx_get(state, RING_SMALL, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo a = devinfo("input4", "flood");
	struct it_devinfo b = devinfo("input5", "late");
	/* the kernel refuses a reservation that would make the ring exactly full
	 * (kernel/bpf/ringbuf.c: new_prod_pos - cons_pos > mask), so size - 1 bytes; a
	 * frame record of IT_FRAME_VALS values takes `full` of them */
	const unsigned full = RB_SLOT(IT_FRAME_REC_SIZE(IT_FRAME_VALS));
	const unsigned room = RING_SMALL - 1 - RB_SLOT(sizeof(struct it_device_rec));
	const unsigned fits = room / full * IT_FRAME_VALS;	/* values in whole records */
	const unsigned sent = 7 * 64;
	struct it_counters c;
	struct it_device d;
	unsigned i;

	assert_int_equal(full, 304);	/* 40 + 32 * 8 bytes, and the ring's 8-byte header */
	assert_int_equal(fits, 12 * 32);	/* 4095 - 312 bytes of device record */
	/* fill without draining: 7 frames of 64 values, 2 records each; 12 records fit */
	for (i = 0; i < 7; i++)
		assert_int_equal(key_frame(f, 1, &a, 64, (int)i * 64), 0);
	c = counters(f);
	assert_int_equal(c.seen, sent);
	assert_int_equal(c.written, fits);
	assert_int_equal(c.lost, sent - fits);
	assert_int_equal(c.lost_pending, sent - fits);
	assert_int_equal(c.filtered, 0);
	assert_int_equal(c.dev_lost, 0);
	/* full ring for a record of 32: a new device's record is refused too (dev_lost),
	 * and its events lost; filtered events are still only filtered */
	assert_int_equal(key_frame(f, 2, &b, 64, 1000), 0);
	assert_true(table_get(f, 2, &d));	/* in the table all the same */
	assert_int_equal(d.id, 5);
	{
		const struct val bad[] = { { 40, 0, 0 } };

		assert_int_equal(frame(f, 1, 5, 0, &a, bad, 1), 0);
	}
	c = counters(f);
	assert_int_equal(c.dev_lost, 1);
	assert_int_equal(c.seen, sent + 65);
	assert_int_equal(c.written, fits);
	assert_int_equal(c.lost, sent - fits + 64);
	assert_int_equal(c.filtered, 1);
	assert_int_equal(c.seen, c.filtered + c.written + c.lost);

	/* 135 bytes left: a record of 10 values (120 + 8) fits, and carries the gap on
	 * its first value: devices 4 and 5 */
	assert_int_equal(room - room / full * full, 135);
	assert_int_equal(key_frame(f, 1, &a, 10, (int)sent), 0);
	c = counters(f);
	assert_int_equal(c.written, fits + 10);
	assert_int_equal(c.lost_pending, 0);
	assert_int_equal(c.lost, sent - fits + 64);	/* lost stays a running total */

	/* what did fit: the device record and the values, in order, 32 to a record */
	assert_int_equal(drain(f), 1 + fits + 10);
	assert_int_equal(f->nframes, 12 + 1);
	for (i = 0; i < 12; i++)
		assert_int_equal(f->frame_n[i], IT_FRAME_VALS);
	assert_int_equal(f->frame_n[12], 10);
	assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
	for (i = 0; i < fits; i++)
		assert_event(&f->recs[1 + i], 4, 0, 1000000000ull + i / 64 * 64, 0, EV_KEY, KEY_A,
			     (int32_t)i, 0);
	for (i = 0; i < 10; i++)
		assert_event(&f->recs[1 + fits + i], 4, 0, 1000000000ull + sent, 0, EV_KEY, KEY_A,
			     (int32_t)(sent + i), i ? 0 : sent - fits + 64);
	assert_int_equal(f->recs[1 + fits].e.lost_dev, IT_DEV_MIXED);

	/* the next record has no gap */
	assert_int_equal(key_frame(f, 1, &a, 2, 500), 0);
	assert_int_equal(drain(f), 2);
	assert_int_equal(f->nframes, 1);
	assert_event(&f->recs[0], 4, 0, 1000000500ull, 0, EV_KEY, KEY_A, 500, 0);
	assert_event(&f->recs[1], 4, 0, 1000000500ull, 0, EV_KEY, KEY_A, 501, 0);

	/* the device whose record was lost: events with its id, no DEVICE_ADD resent */
	assert_int_equal(key_frame(f, 2, &b, 1, 600), 0);
	assert_int_equal(drain(f), 1);
	assert_event(&f->recs[0], 5, 0, 1000000600ull, 0, EV_KEY, KEY_A, 600, 0);
	assert_counters(f, sent + 65 + 10 + 3, 1, fits + 10 + 3, sent - fits + 64);

	/* losses of one device only: the gap names it. An empty ring, no device record:
	 * 13 records of 32 fit in 4095 bytes, the 14th is lost whole */
	for (i = 0; i < 7; i++)
		assert_int_equal(key_frame(f, 2, &b, 64, 700 + (int)i * 64), 0);
	c = counters(f);
	assert_int_equal((RING_SMALL - 1) / full, 13);
	assert_int_equal(c.lost_pending, 32);
	assert_int_equal(drain(f), 13 * 32);
	assert_int_equal(key_frame(f, 2, &b, 1, 900), 0);
	assert_int_equal(drain(f), 1);
	assert_int_equal(f->recs[0].e.lost_before, 32);
	assert_int_equal(f->recs[0].e.lost_dev, 5);
}

/* Lines of file path holding needle. */
static int lines_with(const char *path, const char *needle)
{
	int n;

	sum_after(path, needle, &n);
	return n;
}

/* The collector fed by the capture path over a 4 KiB ring, as the agent runs it
 * (drain, flush; at the end the counters, then it_finish_output()): a device appears
 * and another goes away while the ring is full, so both records are lost; floods
 * leave losses both between records and after the last one. The loss records add up
 * to the stats record's lost, the lost device records are reconstructed from sysfs,
 * the device added during capture is never "present". */
static void test_collector_small_ring(void **state)
{
	struct fx *f = fx_get(state, RING_SMALL, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo a = devinfo("input4", "dev 4"), b = devinfo("input5", "dev 5");
	static struct it_collector col;
	char out[] = "/tmp/it-bpfcol-XXXXXX", root[64], err[256], flags[64], line[4096];
	char *last = NULL;
	struct ring_buffer *rb;
	struct it_sink_cfg cfg;
	struct it_sink *sink;
	struct it_opts o;
	FILE *fp;
	int n, i;

	fake_sysfs(root, sizeof(root));
	fake_dev(root, 3, true);
	assert_true((n = mkstemp(out)) >= 0);
	close(n);
	unlink(out);
	snprintf(flags, sizeof(flags), "-o %s", out);
	parse_flags(flags, &o);
	it_sink_cfg_from_opts(&cfg, &o);
	sink = it_sink_open_cfg(&cfg, err, sizeof(err));
	assert_non_null(sink);
	assert_int_equal(it_collector_init(&col, &o, sink, root), 0);
	rb = ring_buffer__new(bpf_map__fd(f->skel->maps.it_events), it_collector_on_record, &col, NULL);
	assert_non_null(rb);
	it_collector_present(&col);		/* input3 */

	fake_dev(root, 4, true);
	for (i = 0; i < 7; i++)			/* its add record, then the ring full */
		assert_int_equal(key_frame(f, 1, &a, 64, i * 64), 0);
	fake_dev(root, 5, true);
	assert_int_equal(key_frame(f, 2, &b, 64, 1000), 0);	/* add lost */
	assert_int_equal(unreg(f, 1), 0);			/* remove lost */
	fake_dev(root, 4, false);
	assert_int_equal(counters(f).dev_lost, 2);
	ring_buffer__consume(rb);
	it_collector_flush(&col);
	assert_int_equal(key_frame(f, 2, &b, 17, 2000), 0);	/* carries the gap */
	ring_buffer__consume(rb);
	it_collector_flush(&col);
	for (i = 0; i < 7; i++)			/* 13 records fit, 32 values pending */
		assert_int_equal(key_frame(f, 2, &b, 64, 3000 + i * 64), 0);

	ring_buffer__consume(rb);
	col.st.k = counters(f);
	assert_int_equal(col.st.k.lost_pending, 32);
	assert_int_equal(it_finish_output(&col, err, sizeof(err)), 0);
	assert_int_equal(col.st.k.lost, 64 + 64 + 32);	/* 2 floods, the frame of input5 */
	assert_int_equal(sum_after(out, "{\"record\":\"loss\",\"count\":", &n), col.st.k.lost);
	assert_int_equal(n, 2);
	assert_int_equal(sum_after(out, ",\"lost\":", &n), col.st.k.lost);
	assert_int_equal(n, 1);
	assert_int_equal(lines_with(out, "\"action\":\"present\""), 1);
	assert_int_equal(lines_with(out, "\"action\":\"present\",\"dev\":3,"), 1);
	assert_int_equal(lines_with(out, "\"action\":\"add\",\"dev\":4,"), 1);
	assert_int_equal(lines_with(out, "\"action\":\"add\",\"dev\":5,"), 1);
	assert_int_equal(lines_with(out, "\"action\":\"remove\",\"dev\":4,"), 1);
	assert_int_equal(lines_with(out, "\"reconstructed\":true}"), 2);
	assert_int_equal(col.st.devices - col.st.devices_removed, 2);	/* 3 and 5 */
	fp = fopen(out, "r");		/* the stats record last */
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		last = line;
	fclose(fp);
	assert_int_equal(strncmp(last, "{\"record\":\"stats\",", 18), 0);
	ring_buffer__free(rb);
	it_collector_free(&col);
	it_sink_free(sink);
	unlink(out);
	fake_sysfs_free(root);
}

static void test_unregister(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo a = devinfo("input42", "going away");
	struct it_devinfo a2 = devinfo("input44", "new at the same address");
	const uint64_t key = 0xffff888000abc000ull;
	struct it_device d;
	uint64_t t0, t1;

	assert_int_equal(key_frame(f, key, &a, 1, 0), 0);
	assert_int_equal(key_frame(f, key + 1, &a2, 1, 0), 0);
	assert_int_equal(drain(f), 4);
	assert_int_equal(table_count(f), 2);

	t0 = mono_now();
	assert_int_equal(unreg(f, key), 0);
	t1 = mono_now();
	assert_int_equal(drain(f), 1);
	assert_devrec(&f->recs[0], IT_REC_DEVICE_DEL, 42, &a, t0, t1);
	assert_false(table_get(f, key, &d));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(table_count(f), 1);
	assert_true(table_get(f, key + 1, &d));	/* the other one stays */

	/* a second unregister of the same device: 1, no record */
	assert_int_equal(unreg(f, key), 1);
	assert_int_equal(drain(f), 0);
	assert_int_equal(unreg(f, 0xdead), 1);
	assert_int_equal(drain(f), 0);

	/* the address reused by a new device: announced afresh, with its own id */
	{
		struct it_devinfo n = devinfo("input45", "newcomer");

		assert_int_equal(key_frame(f, key, &n, 1, 7), 0);
		assert_int_equal(drain(f), 2);
		assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
		assert_int_equal(f->recs[0].h.dev, 45);
		assert_memory_equal(&f->recs[0].d.info, &n, sizeof(n));
		assert_event(&f->recs[1], 45, 0, 1000000007ull, 0, EV_KEY, KEY_A, 7, 0);
	}
	assert_counters(f, 3, 0, 3, 0);
	assert_int_equal(counters(f).dev_lost, 0);
}

static void test_device_table_full(void **state)
{
	struct fx *f = fx_get(state, RING_BIG, ~0u, IT_DEV_CAPTURE);
	struct it_devinfo info;
	char sysname[IT_SYSNAME_LEN];
	struct it_counters c;
	int i;

	for (i = 0; i < IT_MAX_DEVICES; i++) {
		snprintf(sysname, sizeof(sysname), "input%d", i + 1);
		info = devinfo(sysname, "many");
		assert_int_equal(frame(f, 0x10000 + i, 1, 0, &info, NULL, 0), 0);
	}
	assert_int_equal(drain(f), IT_MAX_DEVICES);
	assert_int_equal(table_count(f), IT_MAX_DEVICES);
	assert_int_equal(f->recs[IT_MAX_DEVICES - 1].h.dev, IT_MAX_DEVICES);

	/* one more: no slot, no DEVICE_ADD, its events sent as IT_DEV_NONE and counted */
	info = devinfo("input5000", "one too many");
	assert_int_equal(key_frame(f, 0x90000, &info, 3, 0), 0);
	assert_int_equal(drain(f), 3);
	for (i = 0; i < 3; i++)
		assert_event(&f->recs[i], IT_DEV_NONE, 0, 1000000000ull, 0, EV_KEY, KEY_A, i, 0);
	c = counters(f);
	assert_int_equal(c.dev_overflow, 3);
	assert_int_equal(c.seen, 3);
	assert_int_equal(c.written, 3);
	assert_int_equal(c.dev_lost, 0);

	/* one leaves: the next newcomer gets its slot */
	assert_int_equal(unreg(f, 0x10000), 0);
	assert_int_equal(drain(f), 1);
	assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_DEL);
	assert_int_equal(f->recs[0].h.dev, 1);
	assert_int_equal(key_frame(f, 0x90000, &info, 1, 9), 0);
	assert_int_equal(drain(f), 2);
	assert_int_equal(f->recs[0].h.kind, IT_REC_DEVICE_ADD);
	assert_int_equal(f->recs[0].h.dev, 5000);
	assert_event(&f->recs[1], 5000, 0, 1000000009ull, 0, EV_KEY, KEY_A, 9, 0);
	assert_int_equal(counters(f).dev_overflow, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ctx_layout, need_root),
		cmocka_unit_test_setup(test_new_device_then_events, need_root),
		cmocka_unit_test_setup(test_ids_from_sysname, need_root),
		cmocka_unit_test_setup(test_synth_ts, need_root),
		cmocka_unit_test_setup(test_type_mask, need_root),
		cmocka_unit_test_setup(test_default_verdict, need_root),
		cmocka_unit_test_setup(test_verdict_drop, need_root),
		cmocka_unit_test_setup(test_verdict_slots, need_root),
		cmocka_unit_test_setup(test_paused, need_root),
		cmocka_unit_test_setup(test_injected_flag, need_root),
		cmocka_unit_test_setup(test_lost_smallest_ring, need_root),
		cmocka_unit_test_setup(test_collector_small_ring, need_root),
		cmocka_unit_test_setup(test_unregister, need_root),
		cmocka_unit_test_setup(test_device_table_full, need_root),
	};
	cpu_set_t set, one;
	int cpu, rc;

	/* one CPU for the whole run: per-CPU counters and lost_before are then exact */
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
			;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			perror("sched_setaffinity");
	}
	rc = cmocka_run_group_tests_name("bpf_capture", tests, NULL, NULL);
	fx_free(fx_small);
	fx_free(fx_big);
	return rc;
}
