// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_devspec.c - the --device / --exclude-device SPEC parser (it_devspec_parse,
 * userspace/filter.c) and matcher. Input: the spec, then optionally a NUL and a
 * device name to match it against. /dev/input/eventN resolves through a fake sysfs
 * made at start: event3 -> input7, event6 -> mouse0, event9 -> a name too long.
 * Properties: 0 or -1; a refusal says why in a message that starts "invalid --device"
 * and stays inside the error buffer; an accepted spec has the kind its text calls for
 * (VVVV:PPPP with the right numbers, inputN, /dev/input/event3 as input7, else a name
 * glob that is the text as given or after "name:"), and it_devspec_format gives text
 * that parses back to the same spec.
 */
#include <ctype.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "filter.h"
#include "fuzz.h"

static char root[64];	/* the fake sysfs */

static void cleanup(void)
{
	static const char *const rm[] = { "class/input/event3/device", "class/input/event6/device",
		"class/input/event9/device", "class/input/event3", "class/input/event6",
		"class/input/event9", "class/input", "class", "" };
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, rm[i]);
		if (unlink(path))
			rmdir(path);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const node[][2] = { { "event3", "../input7" }, { "event6", "../mouse0" },
		{ "event9", "../input123456789012345" } };
	char path[PATH_MAX];
	unsigned int i;

	snprintf(root, sizeof(root), "/tmp/it_fuzz_sysfs.XXXXXX");
	if (!mkdtemp(root))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/class", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/class/input", root);
	mkdir(path, 0755);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/class/input/%s", root, node[i][0]);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/class/input/%s/device", root, node[i][0]);
		if (symlink(node[i][1], path))
			abort();
	}
	return 0;
}

/* s is 1-4 hex digits, ':', 1-4 hex digits; their values in *v, *p. */
static int is_id(const char *s, unsigned long *v, unsigned long *p)
{
	size_t a = strspn(s, "0123456789abcdefABCDEF"), b;

	if (a < 1 || a > 4 || s[a] != ':')
		return 0;
	b = strspn(s + a + 1, "0123456789abcdefABCDEF");
	if (b < 1 || b > 4 || s[a + 1 + b])
		return 0;
	*v = strtoul(s, NULL, 16);
	*p = strtoul(s + a + 1, NULL, 16);
	return 1;
}

static int is_sysname(const char *s)
{
	return !strncmp(s, "input", 5) && s[5] && strspn(s + 5, "0123456789") == strlen(s + 5);
}

/* Parse spec; on success check the kind and fields against the text. Returns rc. */
static int parse_checked(const char *spec, struct it_devspec *s)
{
	char err[300];
	unsigned long v, p;
	int rc;

	memset(err, 0xaa, sizeof(err));
	rc = it_devspec_parse(spec, root, s, err, 256);
	FUZZ_ASSERT(rc == 0 || rc == -1, "rc %d", rc);
	FUZZ_ASSERT((unsigned char)err[256] == 0xaa && (unsigned char)err[299] == 0xaa,
		    "wrote past the error buffer");
	if (rc) {
		/* (it quotes the spec as given: it_parse_args, its one caller, makes
		 * control bytes '?', fuzz_cli.c checks that) */
		FUZZ_ASSERT(memchr(err, 0, 256) && !strncmp(err, "invalid --device", 16),
			    "error '%.256s'", err);
		return rc;
	}
	FUZZ_ASSERT(memchr(s->text, 0, sizeof(s->text)) && memchr(s->sysname, 0, sizeof(s->sysname)),
		    "unterminated text or sysname");
	FUZZ_ASSERT(spec[0] != '/' || s->kind == IT_SPEC_NODE, "a path taken as kind %d", s->kind);
	switch (s->kind) {
	case IT_SPEC_NODE:
		FUZZ_ASSERT(!strcmp(spec, "/dev/input/event3") && !strcmp(s->sysname, "input7"),
			    "'%s' resolved to '%s'", spec, s->sysname);
		break;
	case IT_SPEC_SYSNAME:
		FUZZ_ASSERT(is_sysname(spec) && !strcmp(s->sysname, spec), "'%s' as sysname '%s'",
			    spec, s->sysname);
		break;
	case IT_SPEC_ID:
		FUZZ_ASSERT(is_id(spec, &v, &p) && v == s->vendor && p == s->product,
			    "'%s' as id %04x:%04x", spec, s->vendor, s->product);
		break;
	case IT_SPEC_NAME:
		if (!strncmp(spec, "name:", 5)) {
			FUZZ_ASSERT(!strcmp(s->text, spec + 5), "'%s' as glob '%s'", spec, s->text);
		} else {
			FUZZ_ASSERT(!is_id(spec, &v, &p) && !is_sysname(spec) && !strcmp(s->text, spec),
				    "'%s' as glob '%s'", spec, s->text);
		}
		break;
	default:
		FUZZ_ASSERT(0, "kind %d", s->kind);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1), fmt[512];
	struct it_devspec s, again;
	struct it_devinfo info;
	size_t n;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	if (parse_checked(spec, &s) == 0) {
		it_devspec_format(&s, fmt, sizeof(fmt));
		if (strlen(fmt) < sizeof(s.text)) {
			/* the same spec: the fields its kind uses (the parser may leave a
			 * vendor in a name spec that only looked like an id) */
			FUZZ_ASSERT(parse_checked(fmt, &again) == 0 && again.kind == s.kind &&
				    !strcmp(again.sysname, s.sysname) &&
				    (s.kind != IT_SPEC_ID || (again.vendor == s.vendor &&
							      again.product == s.product)) &&
				    (s.kind != IT_SPEC_NAME || !strcmp(again.text, s.text)),
				    "'%s' formatted as '%s' does not parse back", spec, fmt);
		}
		/* the matcher on the device name after the NUL (a glob can be slow) */
		n = strlen(spec) + 1;
		memset(&info, 0, sizeof(info));
		if (n < size)
			snprintf(info.name, sizeof(info.name), "%.*s", (int)(size - n), spec + n);
		snprintf(info.sysname, sizeof(info.sysname), "input7");
		info.vendor = 0x046d;
		info.product = 0xc52b;
		if (s.kind == IT_SPEC_ID)
			FUZZ_ASSERT(it_devspec_match(&s, 1, &info) == (s.vendor == 0x046d && s.product == 0xc52b),
				    "id match");
		else
			(void)it_devspec_match(&s, 1, &info);
	}
	free(spec);
	return 0;
}
