// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_pin.c - --pin and `inputtrace ctl status` on this machine's kernel, without
 * attaching anything: the maps of the test object (bpf/inputtrace_test.bpf.c, the
 * same capture.bpf.h maps as the agent's) are loaded, filled, and pinned in a
 * private BPF file system mounted on a temporary directory.
 *
 * Asserts: pins appear under DIR with the agent's map names and are the loaded maps;
 * a second owner of DIR is refused with a one-line message naming the first's pid
 * while the first lives; pins left by an owner killed with SIGKILL are removed by the
 * next acquire; release removes pins and DIR; a DIR outside a BPF file system is
 * refused; ctl status reads counters summed over every CPU, the devices and the
 * settings, as valid JSON and as a table.
 *
 * Needs root (loading maps, mounting a BPF file system).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "inputtrace.h"
#include "inputtrace_test.skel.h"
#include "ctl.h"
#include "pin.h"
#include "../unit/json_check.h"

static char mnt[64];
static char dir[128];
static struct inputtrace_test_bpf *skel;

static int setup(void **state)
{
	if (geteuid() != 0) {
		print_message("pin tests need root: skipped\n");
		skip();
	}
	snprintf(mnt, sizeof(mnt), "/tmp/it-bpffs-XXXXXX");
	assert_non_null(mkdtemp(mnt));
	if (mount("bpf", mnt, "bpf", 0, NULL)) {
		print_message("cannot mount a BPF file system (%s): skipped\n", strerror(errno));
		rmdir(mnt);
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/inputtrace", mnt);
	skel = inputtrace_test_bpf__open_and_load();
	assert_non_null(skel);
	return 0;
}

static int teardown(void **state)
{
	inputtrace_test_bpf__destroy(skel);
	skel = NULL;
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	return 0;
}

/* Load the programs anew as agent pid would, with keys mode keys: settings in
 * .rodata before load, the mode in .bss. */
static void set_owner(unsigned int pid, __u32 keys)
{
	inputtrace_test_bpf__destroy(skel);
	skel = inputtrace_test_bpf__open();
	assert_non_null(skel);
	skel->rodata->it_config = (struct it_config){ .type_mask = 0x3,
		.default_verdict = IT_DEV_CAPTURE, .owner_pid = pid };
	skel->bss->it_switches.keys_mode = keys;
	assert_int_equal(inputtrace_test_bpf__load(skel), 0);
}

static bool exists(const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return !stat(p, &st);
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static void test_pin_and_release(void **state)
{
	struct it_pin p;
	char err[256], path[256];
	size_t i;

	set_owner(getpid(), IT_KEYS_CLASS);
	assert_int_equal(it_pin_acquire(&p, dir, err, sizeof(err)), 0);
	assert_int_equal(p.stale_removed, 0);
	assert_int_equal(it_pin_maps(&p, skel->obj, err, sizeof(err)), 0);
	for (i = 0; i < it_pin_maps_count; i++) {
		struct bpf_map *m = it_pin_map(skel->obj, it_pin_maps_names[i]);
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, it_pin_maps_names[i]);
		fd = bpf_obj_get(path);
		assert_true(fd >= 0);
		assert_int_equal(map_id(fd), map_id(bpf_map__fd(m)));
		close(fd);
	}
	assert_true(exists("it_keyclass"));
	it_pin_release(&p);
	for (i = 0; i < it_pin_maps_count; i++)
		assert_false(exists(it_pin_maps_names[i]));
	assert_int_equal(access(dir, F_OK), -1);
	it_pin_release(&p);	/* twice is harmless */
}

/* A child owns DIR (and pins, with its pid as owner); the parent is refused. Then the
 * child is killed with SIGKILL: its pins stay, its lock goes; the next acquire takes
 * DIR over and removes them. */
static void test_second_owner_and_stale(void **state)
{
	int ready[2], hold[2];
	struct it_pin p;
	char err[256], c;
	pid_t child;
	int status;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct it_pin cp;
		char e[256];

		set_owner(getpid(), IT_KEYS_RAW);
		if (it_pin_acquire(&cp, dir, e, sizeof(e)) || it_pin_maps(&cp, skel->obj, e, sizeof(e)))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)!read(hold[0], &c, 1);	/* until killed */
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);

	assert_int_equal(it_pin_acquire(&p, dir, err, sizeof(err)), -2);
	{
		char want[256];

		snprintf(want, sizeof(want), "another inputtrace (pid %d) is running with --pin %s",
			 (int)child, dir);
		assert_string_equal(err, want);
	}
	assert_null(strchr(err, '\n'));
	assert_true(exists("it_config"));	/* the refused one touched nothing */

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_true(exists("it_counters"));	/* stale: nobody removed them */

	assert_int_equal(it_pin_acquire(&p, dir, err, sizeof(err)), 0);
	assert_int_equal(p.stale_removed, (int)it_pin_maps_count);
	assert_false(exists("it_counters"));
	assert_int_equal(it_pin_maps(&p, skel->obj, err, sizeof(err)), 0);
	assert_true(exists("it_counters"));
	it_pin_release(&p);
	assert_int_equal(access(dir, F_OK), -1);
	close(ready[0]);
	close(ready[1]);
	close(hold[0]);
	close(hold[1]);
}

static void test_not_bpffs(void **state)
{
	struct it_pin p;
	char err[256];

	assert_int_equal(it_pin_acquire(&p, "/tmp/inputtrace-not-bpffs", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not in a BPF file system"));
	assert_int_equal(access("/tmp/inputtrace-not-bpffs", F_OK), -1);
}

static void fill_maps(int ncpus)
{
	struct it_counters *v = calloc(ncpus, sizeof(*v));
	struct it_device d = {};
	__u64 key = 0xffff888012345678ull;
	__u32 zero = 0;
	int i;

	assert_non_null(v);
	for (i = 0; i < ncpus; i++) {
		v[i].seen = 10 * (i + 1);
		v[i].written = 7 * (i + 1);
		v[i].lost = i + 1;
		v[i].redact_dropped = 2 * (i + 1);
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.it_counters), &zero, v, 0), 0);
	free(v);
	snprintf(d.info.name, sizeof(d.info.name), "Test \"Keyboard\"");
	snprintf(d.info.sysname, sizeof(d.info.sysname), "input42");
	d.id = 42;
	d.verdict = IT_DEV_DROP;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.it_devices), &key, &d, 0), 0);
}

static char *status_of(bool json)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(it_ctl_status(dir, json, f, err, sizeof(err)), 0);
	fclose(f);
	return buf;
}

static void test_ctl_status(void **state)
{
	int n = libbpf_num_possible_cpus(), nf = 0;
	unsigned long long tri = (unsigned long long)n * (n + 1) / 2;
	struct jc_field f[16];
	const struct jc_field *fv;
	struct it_pin p;
	char err[256], want[128], *s;

	set_owner(4242, IT_KEYS_SHORTCUTS);
	fill_maps(n);
	assert_int_equal(it_pin_acquire(&p, dir, err, sizeof(err)), 0);
	assert_int_equal(it_pin_maps(&p, skel->obj, err, sizeof(err)), 0);

	s = status_of(true);
	assert_int_equal(jc_check(s, strlen(s), f, 16, &nf), 0);
	fv = jc_find(f, nf, "owner_pid");
	assert_non_null(fv);
	assert_int_equal(strncmp(fv->val, "4242", fv->vlen), 0);
	snprintf(want, sizeof(want), "\"seen\":%llu,", 10 * tri);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), "\"lost\":%llu,", tri);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), "\"redact_dropped\":%llu,", 2 * tri);
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "\"keys\":\"shortcuts\""));
	assert_non_null(strstr(s, "\"pointer\":\"exact\",\"pointer_grid\":0,"));
	assert_non_null(strstr(s, "\"type_mask\":3,"));
	assert_non_null(strstr(s, "{\"dev\":42,\"sysname\":\"input42\",\"name\":\"Test \\\"Keyboard\\\"\",\"verdict\":\"drop\"}"));
	free(s);

	s = status_of(false);
	snprintf(want, sizeof(want), "\n  seen                   %llu\n", 10 * tri);
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "agent pid 4242"));
	assert_non_null(strstr(s, "keys=shortcuts pointer=exact"));
	assert_non_null(strstr(s, "input42"));
	free(s);

	it_pin_release(&p);
	/* no agent: a one-line reason */
	{
		FILE *f = fopen("/dev/null", "w");

		assert_int_equal(it_ctl_status(dir, false, f, err, sizeof(err)), -1);
		fclose(f);
		assert_non_null(strstr(err, "no agent running"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_owner_and_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_bpffs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_status, setup, teardown),
	};

	return cmocka_run_group_tests_name("pin", tests, NULL, NULL);
}
