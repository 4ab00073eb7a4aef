// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * features.c - `inputtrace features TABLE [--format csv|jsonl] [-o FILE]
 * [--interval S] [--idle S] CAPTURE...`: one dataset table (feat.h) computed from the
 * agent's JSON Lines captures, written as CSV (a header line of the column names) or
 * JSON Lines (one object per row, keys = column names). docs/features.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomicfile.h"
#include "feat.h"
#include "format_csv.h"
#include "json.h"
#include "log.h"

#define USAGE "usage: inputtrace features TABLE [--format csv|jsonl] [-o FILE] " \
	      "[--interval SECONDS] [--idle SECONDS] CAPTURE..."

struct writer {
	FILE *f;
	bool jsonl;
	struct it_buf b;
};

/* ns as milliseconds with 3 decimals, by integer arithmetic: -1500 -> "-0.001". */
static void put_ms(struct it_buf *b, int64_t ns)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%s%llu.%03llu", ns < 0 ? "-" : "",
		 (unsigned long long)(a / 1000000), (unsigned long long)(a % 1000000 / 1000));
	it_buf_puts(b, tmp);
}

void it_feat_put_val(struct it_buf *b, const struct it_fval *v, bool jsonl)
{
	char tmp[48];

	switch (v->kind) {
	case IT_FV_STR:
		if (jsonl)
			it_json_str(b, v->s, strlen(v->s));
		else
			it_csv_field(b, v->s, strlen(v->s));
		return;
	case IT_FV_INT:
		it_buf_i64(b, v->i);
		return;
	case IT_FV_MS:
		put_ms(b, v->i);
		return;
	case IT_FV_REAL:
		if (isfinite(v->d)) {
			snprintf(tmp, sizeof(tmp), "%.3f", v->d);
			it_buf_puts(b, tmp);
			return;
		}
		break;
	case IT_FV_NULL:
		break;
	}
	if (jsonl)
		it_buf_puts(b, "null");
}

void it_feat_format_row(struct it_buf *b, const struct it_feat_table_ops *t,
			const struct it_fval *vals, bool jsonl)
{
	for (size_t i = 0; t->columns[i]; i++) {
		if (jsonl) {
			it_buf_puts(b, i ? ",\"" : "{\"");
			it_buf_puts(b, t->columns[i]);
			it_buf_puts(b, "\":");
		} else if (i) {
			it_buf_putc(b, ',');
		}
		it_feat_put_val(b, &vals[i], jsonl);
	}
	it_buf_puts(b, jsonl ? "}\n" : "\n");
}

static void row(void *ctx, const struct it_feat_table_ops *t, const struct it_fval *vals)
{
	struct writer *w = ctx;

	it_buf_reset(&w->b);
	it_feat_format_row(&w->b, t, vals, w->jsonl);
	if (!w->b.oom)
		fwrite(w->b.p, 1, w->b.len, w->f);
}

/* A positive number of seconds (decimals allowed) as ns; false if it is not one. */
static bool seconds(const char *s, uint64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e9)
		return false;
	*ns = (uint64_t)(v * 1e9 + 0.5);
	return *ns > 0;
}

struct args {
	const struct it_feat_table_ops *t;
	struct it_feat_opts o;
	bool jsonl;
	const char *out;	/* NULL: stdout */
	char **paths;
	int npaths;
};

/* 0, 1 for --help, or -1 with the usage error said. */
static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "idle", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	it_feat_opts_default(&a->o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) {
				it_err("features: --format is csv or jsonl, not '%s'", optarg);
				return -1;
			}
			a->jsonl = !strcmp(optarg, "jsonl");
			break;
		case 'o':
			a->out = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'i':
		case 'I':
			if (!seconds(optarg, c == 'i' ? &a->o.interval_ns : &a->o.idle_ns)) {
				it_err("features: --%s takes a positive number of seconds, not '%s'",
				       c == 'i' ? "interval" : "idle", optarg);
				return -1;
			}
			break;
		case 'h':
			printf("%s\ntables:", USAGE);
			for (size_t i = 0; it_feat_tables[i]; i++)
				printf(" %s", it_feat_tables[i]->name);
			printf(" (docs/features.md)\n");
			return 1;
		default:
			it_err("features: %s '%s'; %s", optopt ? "bad option" : "unknown option",
			       argv[optind - 1], USAGE);
			return -1;
		}
	}
	if (optind >= argc) {
		it_err("features: no table; %s", USAGE);
		return -1;
	}
	a->t = it_feat_table_find(argv[optind]);
	if (!a->t) {
		it_err("features: no table '%s' (inputtrace features --help lists them)", argv[optind]);
		return -1;
	}
	a->paths = argv + optind + 1;
	a->npaths = argc - optind - 1;
	if (!a->npaths) {
		it_err("features: no capture to read (a file, a directory or - for stdin)");
		return -1;
	}
	return 0;
}

/* Every capture through the table into w. 0 or 1 (said). */
static int compute(const struct args *a, struct writer *w)
{
	struct it_feat_out out = { .row = row, .ctx = w };
	struct it_feat_reader rd = { .t = a->t, .out = &out };
	int rc = 0;

	rd.state = a->t->create(&a->o);
	if (!rd.state) {
		it_err("features: out of memory");
		return 1;
	}
	if (!w->jsonl) {
		for (size_t i = 0; a->t->columns[i]; i++)
			fprintf(w->f, "%s%s", i ? "," : "", a->t->columns[i]);
		fputc('\n', w->f);
	}
	for (int i = 0; i < a->npaths && !rc; i++) {
		if (it_feat_read_path(&rd, a->paths[i])) {
			it_err("%s", rd.err);
			rc = 1;
		}
	}
	if (!rc)
		a->t->finish(rd.state, &out);
	if (!rc && rd.duplicates)
		it_notice("features: skipped %llu records that came before (the same stream and seq)",
			  (unsigned long long)rd.duplicates);
	a->t->destroy(rd.state);
	it_feat_reader_free(&rd);
	if (!rc && w->b.oom) {
		it_err("features: out of memory");
		rc = 1;
	}
	return rc;
}

/* -o FILE may be new or a regular file (it is replaced): not a device, a FIFO or a
 * directory (a rename would put a file in its place), nor a symlink (the link would be
 * replaced, not followed). 0, or 1 said. */
static int out_ok(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return 0;	/* missing (or unreadable: the write says why) */
	if (S_ISREG(st.st_mode))
		return 0;
	it_err("features: -o %s: %s", path,
	       S_ISLNK(st.st_mode) ? "a symlink: refused" : "not a regular file: refused");
	return 1;
}

/* The table into -o FILE: a temp file beside it, renamed over it when complete. */
static int to_file(const struct args *a, struct writer *w)
{
	char dcopy[4096], bcopy[4096];
	const char *name;
	int dirfd, fd, fd2, rc, e;

	if (out_ok(a->out))
		return 1;
	snprintf(dcopy, sizeof(dcopy), "%s", a->out);
	snprintf(bcopy, sizeof(bcopy), "%s", a->out);
	name = basename(bcopy);
	dirfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = dirfd < 0 ? -errno : it_atomic_begin(dirfd, name, 0600);
	fd2 = fd < 0 ? -1 : dup(fd);
	w->f = fd2 < 0 ? NULL : fdopen(fd2, "w");
	if (!w->f) {
		it_err("features: cannot write %s: %s", a->out, strerror(fd < 0 ? -fd : errno));
		if (fd2 >= 0)
			close(fd2);
		if (fd >= 0)
			it_atomic_abort(dirfd, fd, name);
		if (dirfd >= 0)
			close(dirfd);
		return 1;
	}
	rc = compute(a, w);
	e = ferror(w->f) ? EIO : 0;
	if (fclose(w->f) && !e)
		e = errno;
	if (!rc && e) {
		it_err("features: cannot write %s: %s", a->out, strerror(e));
		rc = 1;
	}
	if (rc) {
		it_atomic_abort(dirfd, fd, name);
	} else if ((e = it_atomic_commit(dirfd, fd, name, false))) {
		it_err("features: cannot write %s: %s", a->out, strerror(-e));
		rc = 1;
	}
	close(dirfd);
	return rc;
}

int it_features_cmd(int argc, char **argv)
{
	struct writer w = { 0 };
	struct args a;
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc > 0 ? 0 : 2;
	w.jsonl = a.jsonl;
	if (a.out) {
		rc = to_file(&a, &w);
	} else {
		w.f = stdout;
		rc = compute(&a, &w);
		if (fflush(stdout) && !rc) {
			it_err("features: cannot write to stdout: %s", strerror(errno));
			rc = 1;
		}
	}
	it_buf_free(&w.b);
	return rc;
}
