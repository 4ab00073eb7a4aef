// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_cli.c - the agent's command line (it_parse_args, userspace/cli.c). Input: the
 * arguments after argv[0], separated by NUL bytes (at most 64).
 * Properties: -1, 0 or 1; -1 with a one-line message (no control byte at all); 1 only with --help or --version
 * text written; 0 only with every option inside the range its parser promises and the
 * combinations it_check_output_opts refuses absent; the same result when parsed again
 * (getopt's state is reset).
 */
#include <math.h>
#include <stdbool.h>
#include "cli.h"
#include "fuzz.h"

#define MAX_ARGS 64

struct result {
	int rc;
	char err[512];
	struct it_opts o;
	char *out;
	size_t outlen;
};

static void parse(int argc, char **args, struct result *r)
{
	char *argv[MAX_ARGS + 2];
	FILE *out;

	memcpy(argv, args, sizeof(char *) * (argc + 1));	/* getopt permutes argv */
	memset(r, 0, sizeof(*r));
	out = open_memstream(&r->out, &r->outlen);
	if (!out)
		abort();
	r->rc = it_parse_args(argc, argv, &r->o, r->err, sizeof(r->err), out);
	fclose(out);
}

static bool seconds_ok(double v, double max)
{
	return v == 0 || (isfinite(v) && v > 0 && v <= max);
}

static void check_specs(const struct it_devspec *s, int n)
{
	int i;

	FUZZ_ASSERT(n >= 0 && n <= IT_MAX_SPECS, "%d specs", n);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned int)s[i].kind <= IT_SPEC_SYSNAME && memchr(s[i].text, 0, sizeof(s[i].text)),
			    "spec %d: kind %d", i, s[i].kind);
}

/* Every field of a parse that returned 0. */
static void check_opts(const struct it_opts *o)
{
	bool to_stdout = !strcmp(o->output, "-");

	FUZZ_ASSERT(o->output[0], "empty output");
	FUZZ_ASSERT(o->type_mask, "no event type");
	check_specs(o->devices, o->n_devices);
	check_specs(o->exclude, o->n_exclude);
	FUZZ_ASSERT(seconds_ok(o->duration_s, 1e9), "duration %g", o->duration_s);
	FUZZ_ASSERT(o->ring_size >= 4096 && o->ring_size <= 1u << 30 && !(o->ring_size & (o->ring_size - 1)),
		    "ring size %u", o->ring_size);
	FUZZ_ASSERT((unsigned int)o->attach <= IT_ATTACH_KPROBE && (unsigned int)o->keys <= IT_KEYS_RAW &&
		    (unsigned int)o->pointer <= IT_POINTER_COARSE && (unsigned int)o->format <= IT_FMT_EVEMU,
		    "attach %d keys %d pointer %d format %d", o->attach, o->keys, o->pointer, o->format);
	FUZZ_ASSERT(o->pointer_grid >= 1 && o->pointer_grid <= 0x7fffffffu, "grid %u", o->pointer_grid);
	FUZZ_ASSERT(o->compress >= 0 && o->compress <= 9, "compress %d", o->compress);
	FUZZ_ASSERT(o->flush_interval_s > 0 && seconds_ok(o->flush_interval_s, 3600), "flush %g",
		    o->flush_interval_s);
	FUZZ_ASSERT(!o->rotate_size || (o->rotate_size >= 4096 && o->rotate_size <= 1ull << 50),
		    "rotate size %llu", (unsigned long long)o->rotate_size);
	FUZZ_ASSERT(seconds_ok(o->rotate_interval_s, 1e9) && seconds_ok(o->max_age_s, 1e9),
		    "rotate interval %g max age %g", o->rotate_interval_s, o->max_age_s);
	FUZZ_ASSERT(o->max_files <= 1000000, "max files %u", o->max_files);
	/* "at most 0666, owner rw": no x, setuid, setgid or sticky bit */
	FUZZ_ASSERT(!(o->file_mode & ~0666u) && (o->file_mode & 0600) == 0600, "file mode 0%o", o->file_mode);
	FUZZ_ASSERT(o->stats_interval_s == 0 || (o->stats_interval_s >= 0.1 && o->stats_interval_s <= 86400),
		    "stats interval %g", o->stats_interval_s);
	FUZZ_ASSERT(!o->pin || o->pin[0] == '/', "pin '%s'", o->pin);
	FUZZ_ASSERT(!o->user || o->user[0], "empty user");
	FUZZ_ASSERT(!o->metrics_file || o->metrics_file[0], "empty metrics file");
	FUZZ_ASSERT(!o->control_socket || (o->control_socket[0] == '/' && strlen(o->control_socket) < 108),
		    "control socket '%s'", o->control_socket);
	FUZZ_ASSERT(!o->control_group || (o->control_group[0] && o->control_socket), "control group");
	FUZZ_ASSERT(!o->status_file || o->status_file[0] == '/', "status file '%s'", o->status_file);
	FUZZ_ASSERT(o->verbose >= 0, "verbose %d", o->verbose);
	FUZZ_ASSERT(!to_stdout || (!o->rotate_size && !o->rotate_interval_s && !o->max_files && !o->max_age_s),
		    "rotation to stdout");
	FUZZ_ASSERT(o->format != IT_FMT_EVEMU || (!to_stdout && !o->compress && !o->rotate_size &&
						  !o->rotate_interval_s), "evemu with stdout, gzip or rotation");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *args[MAX_ARGS + 2], *p;
	struct result r1, r2;
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	args[0] = "inputtrace";
	for (p = buf; argc <= MAX_ARGS && p <= buf + size; p += strlen(p) + 1)
		args[argc++] = p;
	args[argc] = NULL;

	parse(argc, args, &r1);
	FUZZ_ASSERT(r1.rc >= -1 && r1.rc <= 1, "rc %d", r1.rc);
	if (r1.rc == -1)
		FUZZ_ASSERT(memchr(r1.err, 0, sizeof(r1.err)) && r1.err[0] && fuzz_no_ctl(r1.err, strlen(r1.err)),
			    "error '%.512s'", r1.err);
	else if (r1.rc == 1)
		FUZZ_ASSERT(r1.outlen && (!strncmp(r1.out, "Usage: inputtrace", 17) ||
					  !strncmp(r1.out, "inputtrace ", 11)), "printed '%s'", r1.out);
	else
		check_opts(&r1.o);
	FUZZ_ASSERT(r1.rc != 0 || !r1.outlen, "printed '%s' and ran", r1.out);

	parse(argc, args, &r2);
	FUZZ_ASSERT(r2.rc == r1.rc && !strcmp(r2.err, r1.err) && !memcmp(&r2.o, &r1.o, sizeof(r1.o)) &&
		    r2.outlen == r1.outlen, "parsed again: rc %d '%s', first %d '%s'", r2.rc, r2.err, r1.rc, r1.err);
	free(r1.out);
	free(r2.out);
	free(buf);
	return 0;
}
