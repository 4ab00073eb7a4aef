/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fakesysfs.h - a stand-in for /sys for the collector's sysfs_root: root/class/input
 * with a directory inputN per device, holding only its name ("dev N"). Include after
 * cmocka.h.
 */
#ifndef IT_TEST_FAKESYSFS_H
#define IT_TEST_FAKESYSFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* A fresh root (/tmp/it-sysfs-XXXXXX) with an empty class/input, into root[len]. */
static void fake_sysfs(char *root, size_t len)
{
	char p[128];

	snprintf(root, len, "/tmp/it-sysfs-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/class", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/class/input", root);
	assert_int_equal(mkdir(p, 0700), 0);
}

/* Device inputN appears under root (present), or goes away. */
static void fake_dev(const char *root, uint32_t id, bool present)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/class/input/input%u/name", root, id);
	if (!present) {
		assert_int_equal(unlink(p), 0);
		*strrchr(p, '/') = 0;
		assert_int_equal(rmdir(p), 0);
		return;
	}
	*strrchr(p, '/') = 0;
	assert_int_equal(mkdir(p, 0700), 0);
	strcat(p, "/name");
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "dev %u\n", id);
	fclose(f);
}

/* Remove root and everything under it. */
static void fake_sysfs_free(const char *root)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

#endif
