// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sysfs.c - reading /sys/class/input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sysfs.h"
#include "text.h"

/*
 * The whole of sysfs attribute path (one page at most: the kernel formats it with
 * "%s\n") into buf[len], NUL-terminated, with only its final newline stripped: a
 * newline inside a device name is kept, as the kernel side (bpf) records it. Returns
 * 1 if it did not fit (buf holds its first len - 1 bytes), 0 if it did, -1 if the
 * file cannot be opened.
 */
static int read_attr(const char *path, char *buf, size_t len)
{
	char page[4096];
	size_t got = 0, n;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf[0] = 0;
	if (fd < 0)
		return -1;
	while (got < sizeof(page) && (r = read(fd, page + got, sizeof(page) - got)) > 0)
		got += (size_t)r;
	close(fd);
	if (got && page[got - 1] == '\n')
		got--;
	n = got < len - 1 ? got : len - 1;
	memcpy(buf, page, n);
	buf[n] = 0;
	return got > n;
}

static unsigned read_hex(const char *root, const char *sysname, const char *field)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "%s/class/input/%s/id/%s", root, sysname, field);
	if (read_attr(path, buf, sizeof(buf)) < 0)
		return 0;
	return (unsigned)strtoul(buf, NULL, 16);
}

int it_sysfs_event_node(const char *root, const char *sysname, char *node, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/class/input/%s", root, sysname);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "event", 5) && de->d_name[5] >= '0' && de->d_name[5] <= '9') {
			snprintf(node, len, "/dev/input/%s", de->d_name);
			rc = 0;
			break;
		}
	}
	closedir(d);
	return rc;
}

int it_sysfs_is_virtual(const char *root, const char *sysname)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/class/input/%s", root, sysname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = 0;
	return strstr(target, "/devices/virtual/") != NULL;
}

int it_sysfs_devinfo(const char *root, const char *sysname, struct it_devinfo *info)
{
	char path[PATH_MAX];
	int cut;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "%s/class/input/%s/name", root, sysname);
	cut = read_attr(path, info->name, sizeof(info->name));
	if (cut < 0)
		return -1;
	if (cut)
		info->flags |= IT_DEVF_NAME_TRUNCATED;	/* as the kernel side marks it */
	snprintf(path, sizeof(path), "%s/class/input/%s/phys", root, sysname);
	read_attr(path, info->phys, sizeof(info->phys));
	snprintf(path, sizeof(path), "%s/class/input/%s/uniq", root, sysname);
	read_attr(path, info->uniq, sizeof(info->uniq));
	info->bustype = read_hex(root, sysname, "bustype");
	info->vendor = read_hex(root, sysname, "vendor");
	info->product = read_hex(root, sysname, "product");
	info->version = read_hex(root, sysname, "version");
	snprintf(info->sysname, sizeof(info->sysname), "%s", sysname);
	return 0;
}

static int by_number(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name + 5) - atoi((*b)->d_name + 5);
}

static int is_input(const struct dirent *de)
{
	return !strncmp(de->d_name, "input", 5) && de->d_name[5] >= '0' && de->d_name[5] <= '9';
}

int it_sysfs_foreach(const char *root, void (*cb)(void *ctx, const char *sysname), void *ctx)
{
	char path[PATH_MAX];
	struct dirent **list;
	int n, i;

	snprintf(path, sizeof(path), "%s/class/input", root);
	n = scandir(path, &list, is_input, by_number);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		cb(ctx, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return n;
}

struct infos_ctx {
	const char *root;
	struct it_devinfo *v;
	int n, cap;
	bool oom;
};

static void info_one(void *ctx, const char *sysname)
{
	struct infos_ctx *c = ctx;

	if (c->oom)
		return;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		struct it_devinfo *v = realloc(c->v, (size_t)cap * sizeof(*v));

		if (!v) {
			c->oom = true;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	if (!it_sysfs_devinfo(c->root, sysname, &c->v[c->n]))
		c->n++;	/* else gone meanwhile */
}

int it_sysfs_devinfos(const char *root, struct it_devinfo **out)
{
	struct infos_ctx c = { .root = root };

	*out = NULL;
	if (it_sysfs_foreach(root, info_one, &c) < 0 || c.oom) {
		if (c.oom)
			errno = ENOMEM;
		free(c.v);
		return -1;
	}
	if (!c.n) {
		free(c.v);
		c.v = NULL;
	}
	*out = c.v;
	return c.n;
}

struct list_ctx {
	const char *root;
	FILE *out;
	int shown;
};

static void list_one(void *ctx, const char *sysname)
{
	struct list_ctx *l = ctx;
	struct it_devinfo info;
	char node[64], phys[IT_TEXT_ESC_LEN(IT_PHYS_LEN)], name[IT_TEXT_ESC_LEN(IT_NAME_LEN)];

	if (it_sysfs_devinfo(l->root, sysname, &info))
		return;	/* gone meanwhile */
	if (it_sysfs_event_node(l->root, sysname, node, sizeof(node)))
		snprintf(node, sizeof(node), "-");
	/* names, phys: whatever the driver (or a USB device) says: escaped (text.h) */
	fprintf(l->out, "%-9s %-18s %04x:%04x:%04x  %-28s %s\n", info.sysname, node,
		info.bustype, info.vendor, info.product,
		info.phys[0] ? it_text_escs(phys, sizeof(phys), info.phys, sizeof(info.phys)) : "-",
		it_text_escs(name, sizeof(name), info.name, sizeof(info.name)));
	l->shown++;
}

int it_sysfs_list(const char *root, FILE *out)
{
	struct list_ctx l = { .root = root, .out = out };

	if (it_sysfs_foreach(root, list_one, &l) < 0)
		return -1;
	return l.shown;
}
