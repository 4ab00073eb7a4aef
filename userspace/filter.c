// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* filter.c - device selection (--device SPEC). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "filter.h"

static bool is_hex_id(const char *s, size_t len, uint16_t *v)
{
	unsigned long x = 0;
	size_t i;

	if (len < 1 || len > 4)
		return false;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		x = x * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	*v = (uint16_t)x;
	return true;
}

static bool is_sysname(const char *s)
{
	if (strncmp(s, "input", 5) || !s[5])
		return false;
	for (s += 5; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int it_devspec_parse(const char *spec, const char *sysfs_root, struct it_devspec *out,
		     char *err, size_t errlen)
{
	const char *colon;

	memset(out, 0, sizeof(*out));
	if (!spec || !*spec) {
		snprintf(err, errlen, "invalid --device '': empty spec");
		return -1;
	}
	if (strlen(spec) >= sizeof(out->text)) {
		snprintf(err, errlen, "invalid --device: spec longer than %zu bytes", sizeof(out->text) - 1);
		return -1;
	}
	snprintf(out->text, sizeof(out->text), "%s", spec);

	if (!strncmp(spec, "/dev/input/", 11)) {
		const char *node = spec + 11;
		char path[PATH_MAX], link[PATH_MAX];
		ssize_t n;
		const char *base;

		if (strncmp(node, "event", 5) || !node[5] || strspn(node + 5, "0123456789") != strlen(node + 5)) {
			snprintf(err, errlen, "invalid --device '%s': only /dev/input/eventN nodes are supported", spec);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/class/input/%s/device", sysfs_root, node);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0) {
			snprintf(err, errlen, "invalid --device '%s': no such input device (%s)", spec, strerror(errno));
			return -1;
		}
		link[n] = 0;
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		if (!is_sysname(base) || strlen(base) >= sizeof(out->sysname)) {
			snprintf(err, errlen, "invalid --device '%s': unexpected sysfs link %s", spec, link);
			return -1;
		}
		out->kind = IT_SPEC_NODE;
		snprintf(out->sysname, sizeof(out->sysname), "%s", base);
		return 0;
	}
	if (!strncmp(spec, "/", 1)) {
		snprintf(err, errlen, "invalid --device '%s': a path must be /dev/input/eventN", spec);
		return -1;
	}
	if (is_sysname(spec)) {
		if (strlen(spec) >= sizeof(out->sysname)) {
			snprintf(err, errlen, "invalid --device '%s': number too long", spec);
			return -1;
		}
		out->kind = IT_SPEC_SYSNAME;
		snprintf(out->sysname, sizeof(out->sysname), "%s", spec);
		return 0;
	}
	if (!strncmp(spec, "name:", 5)) {
		out->kind = IT_SPEC_NAME;
		snprintf(out->text, sizeof(out->text), "%s", spec + 5);
		return 0;
	}
	colon = strchr(spec, ':');
	if (colon && !strchr(colon + 1, ':') &&
	    is_hex_id(spec, colon - spec, &out->vendor) &&
	    is_hex_id(colon + 1, strlen(colon + 1), &out->product)) {
		out->kind = IT_SPEC_ID;
		return 0;
	}
	out->kind = IT_SPEC_NAME;
	return 0;
}

bool it_devspec_match(const struct it_devspec *specs, int n, const struct it_devinfo *info)
{
	int i;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++) {
		const struct it_devspec *s = &specs[i];

		switch (s->kind) {
		case IT_SPEC_NAME:
			if (!fnmatch(s->text, info->name, 0))
				return true;
			break;
		case IT_SPEC_ID:
			if (s->vendor == info->vendor && s->product == info->product)
				return true;
			break;
		case IT_SPEC_NODE:
		case IT_SPEC_SYSNAME:
			if (!strcmp(s->sysname, info->sysname))
				return true;
			break;
		}
	}
	return false;
}

int it_devspec_unmatched(const struct it_devspec *specs, int n, const struct it_devinfo *devs,
			 int ndev, bool *unmatched)
{
	int i, j, count = 0;

	for (i = 0; i < n; i++) {
		unmatched[i] = true;
		for (j = 0; j < ndev && unmatched[i]; j++)
			if (it_devspec_match(&specs[i], 1, &devs[j]))
				unmatched[i] = false;
		count += unmatched[i];
	}
	return count;
}

void it_devspec_format(const struct it_devspec *s, char *buf, size_t len)
{
	if (!len)
		return;
	snprintf(buf, len, "%s%s", s->kind == IT_SPEC_NAME ? "name:" : "", s->text);
}
