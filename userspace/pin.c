// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pin.c - --pin DIR: pinned maps and the lock that says who owns them (pin.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "inputtrace.h"
#include "pin.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

const char *const it_pin_maps_names[] = {
	"it_devices", "it_counters", "it_config", "it_switches", "it_keyclass", "it_mods",
};
const size_t it_pin_maps_count = sizeof(it_pin_maps_names) / sizeof(it_pin_maps_names[0]);

struct bpf_map *it_pin_map(struct bpf_object *obj, const char *name)
{
	if (!strcmp(name, "it_config"))
		name = ".rodata";
	else if (!strcmp(name, "it_switches"))
		name = ".bss";
	return bpf_object__find_map_by_name(obj, name);
}

/* Offset of global var (size bytes) in the section map fd's value, from the map's
 * BTF (a DATASEC), or -1. */
static long var_offset(int fd, const char *var, size_t size, __u32 *value_size)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	struct btf *btf;
	long off = -1;
	int i;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.btf_id)
		return -1;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -1;
	t = btf__type_by_id(btf, info.btf_value_type_id);
	if (t && btf_is_datasec(t)) {
		vs = btf_var_secinfos(t);
		for (i = 0; i < btf_vlen(t) && off < 0; i++) {
			const struct btf_type *v = btf__type_by_id(btf, vs[i].type);

			if (v && !strcmp(btf__name_by_offset(btf, v->name_off), var) && vs[i].size == size &&
			    vs[i].offset + size <= info.value_size)
				off = vs[i].offset;
		}
	}
	btf__free(btf);
	*value_size = info.value_size;
	return off;
}

int it_pin_read_var(const char *dir, const char *var, void *buf, size_t size)
{
	char path[320];
	__u32 zero = 0, vsize = 0;
	unsigned char *v = NULL;
	long off;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, var);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	off = var_offset(fd, var, size, &vsize);
	if (off < 0)
		errno = ENOENT;
	else if (!(v = malloc(vsize)))
		errno = ENOMEM;
	else if (!bpf_map_lookup_elem(fd, &zero, v)) {
		memcpy(buf, v + off, size);
		rc = 0;
	}
	free(v);
	close(fd);
	return rc;
}

/* The owner pid recorded in a pinned it_config, or 0. */
static unsigned int pinned_owner(const char *dir)
{
	struct it_config cfg;

	return it_pin_read_var(dir, "it_config", &cfg, sizeof(cfg)) ? 0 : cfg.owner_pid;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == (unsigned long)BPF_FS_MAGIC;
}

int it_pin_acquire(struct it_pin *p, const char *dir, char *err, size_t errlen)
{
	char parent[256];
	struct stat a, b;
	size_t i;
	int tries;

	memset(p, 0, sizeof(*p));
	p->dirfd = -1;
	if (!*dir || strlen(dir) >= sizeof(p->dir) - 32) {
		snprintf(err, errlen, "invalid --pin '%s': empty or too long", dir);
		return -1;
	}
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	dirname(parent);
	if (!on_bpffs(parent) && !on_bpffs(dir)) {
		snprintf(err, errlen, "--pin %s: not in a BPF file system (pin under /sys/fs/bpf; "
			 "if it is not mounted: mount -t bpf bpf /sys/fs/bpf)", dir);
		return -1;
	}
	for (tries = 0; tries < 5; tries++) {
		if (mkdir(dir, 0700) && errno != EEXIST) {
			snprintf(err, errlen, "--pin %s: cannot create it: %s", dir, strerror(errno));
			return -1;
		}
		p->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (p->dirfd < 0) {
			snprintf(err, errlen, "--pin %s: cannot open it: %s", dir, strerror(errno));
			return -1;
		}
		if (flock(p->dirfd, LOCK_EX | LOCK_NB)) {
			int e = errno;
			unsigned int pid = pinned_owner(dir);

			close(p->dirfd);
			p->dirfd = -1;
			if (e == EWOULDBLOCK) {
				if (pid)
					snprintf(err, errlen, "another inputtrace (pid %u) is running with "
						 "--pin %s", pid, dir);
				else
					snprintf(err, errlen, "another inputtrace is running with --pin %s", dir);
				return -2;
			}
			snprintf(err, errlen, "--pin %s: cannot lock it: %s", dir, strerror(e));
			return -1;
		}
		/* the previous owner may have removed DIR between our mkdir and flock */
		if (!fstat(p->dirfd, &a) && !stat(dir, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(p->dirfd);
		p->dirfd = -1;
	}
	if (p->dirfd < 0) {
		snprintf(err, errlen, "--pin %s: it keeps being replaced", dir);
		return -1;
	}
	/* locked: whatever pins are here belong to an agent that is gone */
	for (i = 0; i < it_pin_maps_count; i++)
		if (!unlinkat(p->dirfd, it_pin_maps_names[i], 0))
			p->stale_removed++;
	return 0;
}

int it_pin_maps(struct it_pin *p, struct bpf_object *obj, char *err, size_t errlen)
{
	char path[320];
	size_t i;

	for (i = 0; i < it_pin_maps_count; i++) {
		struct bpf_map *m = it_pin_map(obj, it_pin_maps_names[i]);
		int rc;

		if (!m) {
			snprintf(err, errlen, "--pin: no map %s", it_pin_maps_names[i]);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", p->dir, it_pin_maps_names[i]);
		rc = bpf_map__pin(m, path);
		if (rc) {
			snprintf(err, errlen, "--pin: cannot pin %s: %s", path, strerror(-rc));
			return -1;
		}
		p->pinned++;
	}
	return 0;
}

int it_pin_chown(struct it_pin *p, uid_t uid, gid_t gid)
{
	return p->dirfd < 0 ? 0 : fchown(p->dirfd, uid, gid);
}

void it_pin_release(struct it_pin *p)
{
	size_t i;

	if (p->dirfd < 0)
		return;
	for (i = 0; i < it_pin_maps_count; i++)
		unlinkat(p->dirfd, it_pin_maps_names[i], 0);
	/* while still holding the lock: a new agent then creates a fresh DIR */
	rmdir(p->dir);
	close(p->dirfd);
	p->dirfd = -1;
	p->pinned = 0;
}
