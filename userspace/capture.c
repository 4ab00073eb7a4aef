// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * capture.c - the BPF side's lifecycle, as in libbpf-bootstrap: open -> configure ->
 * load -> attach -> ring buffer. Mechanisms are tried in order, each in a fresh
 * skeleton with only its own programs set to load (libbpf-tools' fentry/kprobe
 * twins, bpf_program__set_autoload). Settings go into .rodata before load; pause and
 * keys mode into the memory-mapped .bss (inputtrace.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <syslog.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include "capture.h"
#include "counters.h"
#include "keys.h"
#include "log.h"
#include "inputtrace.skel.h"

const char *it_attach_name(enum it_attach a)
{
	switch (a) {
	case IT_ATTACH_FENTRY: return "fentry";
	case IT_ATTACH_KPROBE: return "kprobe";
	default: return "auto";
	}
}

/* True if the kernel can create kprobes: a kprobe PMU (4.17+) or tracefs kprobe_events. */
static bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", W_OK);
}

/* True if /proc/kallsyms lists sym (a function of the kernel or a loaded module). */
static bool kallsyms_has(const char *sym)
{
	char line[512], name[256];
	FILE *f = fopen("/proc/kallsyms", "re");
	bool found = false;

	if (!f)
		return true;	/* cannot tell: let the load say */
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %255s", name) == 1 && !strcmp(name, sym))
			found = true;
	fclose(f);
	return found;
}

static void describe(char *buf, size_t len, enum it_attach a, const char *step, int e)
{
	e = e < 0 ? -e : e;
	if (a == IT_ATTACH_KPROBE && !strcmp(step, "attach") && !kprobes_available())
		snprintf(buf, len, "kprobes not available (no kprobe PMU, no kprobe_events)");
	else if (e == EPERM || e == EACCES)
		snprintf(buf, len, "%s not permitted by this kernel (%s failed: %s)", it_attach_name(a),
			 step, strerror(e));
	else if (e == ENOTSUP || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */)
		snprintf(buf, len, "%s not supported by this kernel (%s failed)", it_attach_name(a), step);
	else if (e == ESRCH || e == ENOENT)
		snprintf(buf, len, "%s: a hooked function is missing (%s failed: %s)", it_attach_name(a),
			 step, strerror(e));
	else
		snprintf(buf, len, "%s: %s failed: %s", it_attach_name(a), step, strerror(e));
}

/* Load only mechanism a's programs: the fentry/fexit ones (BPF_PROG_TYPE_TRACING) or
 * the kprobe/kretprobe ones (libbpf-tools' twins; bpf/inputtrace.bpf.c). */
static void choose_mechanism(struct bpf_object *obj, enum it_attach a)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, (bpf_program__type(p) == BPF_PROG_TYPE_TRACING) ==
					  (a == IT_ATTACH_FENTRY));
}

static int try_mechanism(struct it_capture *c, const struct it_opts *o, enum it_attach a,
			 char *why, size_t whylen)
{
	struct inputtrace_bpf *s;
	int err;

	s = inputtrace_bpf__open();
	if (!s) {
		describe(why, whylen, a, "open", errno);
		return -1;
	}
	choose_mechanism(s->obj, a);
	bpf_map__set_max_entries(s->maps.it_events, o->ring_size);
	s->rodata->it_config = (struct it_config){
		.type_mask = o->type_mask,
		.default_verdict = o->n_devices || o->n_exclude ? IT_DEV_PENDING : IT_DEV_CAPTURE,
		.pointer_mode = o->pointer,
		.pointer_grid = o->pointer_grid,
		.owner_pid = (__u32)getpid(),
	};
	s->bss->it_switches.keys_mode = o->keys;
	s->bss->it_switches.paused = c->start_paused;

	err = inputtrace_bpf__load(s);
	if (err) {
		if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
			snprintf(why, whylen, "permission denied loading BPF: run as root, or with "
				 "CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (README: Privileges)");
		else
			describe(why, whylen, a, "load", err);
		inputtrace_bpf__destroy(s);
		return -1;
	}
	/* the key classes first: from attach on, every key is redacted by the table */
	err = it_keyclass_load(bpf_map__fd(s->maps.it_keyclass));
	if (err) {
		describe(why, whylen, a, "config", errno);
		inputtrace_bpf__destroy(s);
		return -1;
	}
	err = inputtrace_bpf__attach(s);
	if (err) {
		describe(why, whylen, a, "attach", err);
		inputtrace_bpf__destroy(s);
		return -1;
	}
	c->skel = s;
	c->used = a;
	return 0;
}

int it_capture_start(struct it_capture *c, const struct it_opts *o, ring_buffer_sample_fn cb,
		     void *ctx, char *err, size_t errlen)
{
	enum it_attach order[2];
	char why[2][256] = { "", "" };
	bool start_paused = c->start_paused;
	int n = 0, i;

	memset(c, 0, sizeof(*c));
	c->start_paused = start_paused;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0) {
		snprintf(err, errlen, "cannot count CPUs: %s", strerror(-c->ncpus));
		return -1;
	}
	if (!kallsyms_has("evdev_events")) {
		snprintf(err, errlen, "the kernel's evdev handler is not loaded (no evdev_events in "
			 "/proc/kallsyms): modprobe evdev");
		return -1;
	}
	if (o->attach != IT_ATTACH_KPROBE)
		order[n++] = IT_ATTACH_FENTRY;
	if (o->attach != IT_ATTACH_FENTRY)
		order[n++] = IT_ATTACH_KPROBE;

	for (i = 0; i < n; i++) {
		if (!try_mechanism(c, o, order[i], why[i], sizeof(why[i])))
			break;
		if (o->verbose)
			it_log(LOG_INFO, "%s skipped: %s", it_attach_name(order[i]), why[i]);
		if (strstr(why[i], "permission denied loading"))
			break;	/* the next mechanism needs the same privileges */
	}
	if (!c->skel) {
		if (strstr(why[0], "permission denied loading"))
			snprintf(err, errlen, "%s", why[0]);
		else if (n == 2)
			snprintf(err, errlen, "cannot attach to the input core: %s; %s", why[0], why[1]);
		else
			snprintf(err, errlen, "cannot attach to the input core: %s", why[0]);
		return -1;
	}
	if (o->verbose)
		it_log(LOG_INFO, "attached with %s: evdev_events (%s), input_register_device, "
		       "input_unregister_device, input_inject_event", it_attach_name(c->used),
		       c->used == IT_ATTACH_FENTRY ? "fexit" : "kprobe+kretprobe");

	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.it_events), cb, ctx, NULL);
	if (!c->rb) {
		snprintf(err, errlen, "cannot set up the ring buffer reader: %s", strerror(errno));
		it_capture_stop(c);
		return -1;
	}
	return 0;
}

struct bpf_object *it_capture_object(struct it_capture *c)
{
	return c->skel ? c->skel->obj : NULL;
}

void it_capture_detach(struct it_capture *c)
{
	if (c->skel)
		inputtrace_bpf__detach(c->skel);
}

void it_capture_stop(struct it_capture *c)
{
	ring_buffer__free(c->rb);
	c->rb = NULL;
	inputtrace_bpf__destroy(c->skel);
	c->skel = NULL;
}

int it_capture_counters(struct it_capture *c, struct it_counters *sum)
{
	struct it_counters *v;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	v = calloc(c->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.it_counters), &zero, v)) {
		int e = -errno;

		free(v);
		return e;
	}
	it_counters_sum(v, c->ncpus, sum);
	free(v);
	return 0;
}

/* True if the running kernel is at least major.minor (uname(2) release). */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

bool it_capture_misses_counted(enum it_attach used)
{
	return used == IT_ATTACH_FENTRY ? kernel_at_least(5, 12) : kernel_at_least(6, 7);
}

/* recursion_misses of one loaded program, 0 if it is not loaded or unreadable. */
static uint64_t prog_misses(struct bpf_program *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

uint64_t it_capture_missed_frames(struct it_capture *c)
{
	uint64_t a, b;

	if (!c->skel)
		return 0;
	if (c->used == IT_ATTACH_FENTRY)
		return prog_misses(c->skel->progs.it_evdev_fexit);
	/* entry and return probe of one frame are skipped together (the frame runs with
	 * interrupts off, so the reason holds for both): the larger count */
	a = prog_misses(c->skel->progs.it_evdev_kprobe);
	b = prog_misses(c->skel->progs.it_evdev_kret);
	return a > b ? a : b;
}

int it_capture_set_paused(struct it_capture *c, bool paused)
{
	/* through the skeleton's mapping of .bss, as the verdicts */
	if (!c->skel || !c->skel->bss)
		return -EINVAL;
	__atomic_store_n(&c->skel->bss->it_switches.paused, paused ? 1 : 0, __ATOMIC_RELEASE);
	return 0;
}

int it_capture_set_verdict(struct it_capture *c, uint32_t id, uint32_t verdict)
{
	/* through the skeleton's mapping of .bss, not bpf(): inputtrace.h, it_verdicts */
	if (id == IT_DEV_NONE || !c->skel->bss)
		return -EINVAL;
	__atomic_store_n(&c->skel->bss->it_verdicts[id % IT_VERDICT_SLOTS], IT_VERDICT_WORD(id, verdict),
			 __ATOMIC_RELEASE);
	return 0;
}
