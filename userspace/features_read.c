// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * features_read.c - the agent's JSON Lines captures read back for the dataset tables
 * (feat.h, docs/features.md): plain or gzip files, stdin, rotated directories; each
 * line checked as JSON and turned into a struct it_frec.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "feat.h"
#include "json.h"
#include "log.h"

/* --- a strict JSON check of one line, with the members the tables need ------------ */

#define STR_MAX 64	/* longest string member kept (type, code, subject, action) */

struct line {
	const char *s;
	size_t i, n;
	const char *why;	/* what is wrong, when a step returns false */
	bool json;		/* it is not JSON (else: JSON, not a record of ours) */
};

struct members {
	char record[STR_MAX], type[STR_MAX], code[STR_MAX], subject[STR_MAX], action[STR_MAX];
	char stream[STR_MAX];
	int64_t dev, sec, usec, value, file_seq, seq;
	unsigned int have;	/* HAVE_* bits */
};

enum { HAVE_DEV = 1, HAVE_SEC = 2, HAVE_USEC = 4, HAVE_VALUE = 8, HAVE_FILE_SEQ = 16, HAVE_SEQ = 32 };

static void ws(struct line *l)
{
	while (l->i < l->n && (l->s[l->i] == ' ' || l->s[l->i] == '\t' || l->s[l->i] == '\r'))
		l->i++;
}

/* Not JSON (RFC 8259) at l->i. */
static bool fail(struct line *l, const char *why)
{
	if (!l->why) {
		l->why = why;
		l->json = true;
	}
	return false;
}

/* JSON, but not what the agent writes. */
static bool unlike(struct line *l, const char *why)
{
	if (!l->why)
		l->why = why;
	return false;
}

/* A string at s[i] (RFC 8259 escapes checked); its bytes are [*b, *e), *esc when it
 * holds a backslash. */
static bool str(struct line *l, size_t *b, size_t *e, bool *esc)
{
	if (l->i >= l->n || l->s[l->i] != '"')
		return fail(l, "a string expected");
	*b = ++l->i;
	*esc = false;
	while (l->i < l->n) {
		unsigned char c = (unsigned char)l->s[l->i];

		if (c == '"') {
			*e = l->i++;
			return true;
		}
		if (c < 0x20)
			return fail(l, "a control character in a string");
		if (c >= 0x80) {
			size_t u = it_utf8_len((const unsigned char *)l->s + l->i, l->n - l->i);

			if (!u)
				return fail(l, "a string that is not UTF-8");
			l->i += u;
			continue;
		}
		if (c == '\\') {
			*esc = true;
			if (++l->i >= l->n)
				break;
			c = (unsigned char)l->s[l->i];
			if (c == 'u') {
				for (int k = 1; k <= 4; k++)
					if (l->i + k >= l->n || !strchr("0123456789abcdefABCDEF", l->s[l->i + k]) ||
					    !l->s[l->i + k])
						return fail(l, "a bad \\u escape");
				l->i += 4;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return fail(l, "a bad escape");
			}
		}
		l->i++;
	}
	return fail(l, "a string not closed");
}

/* A number (RFC 8259 grammar); *ival and *isint when it is an integer that fits. */
static bool num(struct line *l, int64_t *ival, bool *isint)
{
	size_t b = l->i;
	char tmp[32], *end;

	if (l->i < l->n && l->s[l->i] == '-')
		l->i++;
	if (l->i >= l->n || l->s[l->i] < '0' || l->s[l->i] > '9')
		return fail(l, "a bad value");
	if (l->s[l->i] == '0')
		l->i++;
	else
		while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
			l->i++;
	*isint = true;
	if (l->i < l->n && l->s[l->i] == '.') {
		*isint = false;
		if (++l->i >= l->n || l->s[l->i] < '0' || l->s[l->i] > '9')
			return fail(l, "a bad number");
		while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
			l->i++;
	}
	if (l->i < l->n && (l->s[l->i] == 'e' || l->s[l->i] == 'E')) {
		*isint = false;
		if (++l->i < l->n && (l->s[l->i] == '+' || l->s[l->i] == '-'))
			l->i++;
		if (l->i >= l->n || l->s[l->i] < '0' || l->s[l->i] > '9')
			return fail(l, "a bad number");
		while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
			l->i++;
	}
	if (*isint) {
		if (l->i - b >= sizeof(tmp)) {
			*isint = false;
			return true;
		}
		memcpy(tmp, l->s + b, l->i - b);
		tmp[l->i - b] = 0;
		errno = 0;
		*ival = strtoll(tmp, &end, 10);
		*isint = !errno;
	}
	return true;
}

static bool value(struct line *l, int depth);
static bool member(struct line *l, struct members *m);

/* A member's name and its ':': the name is [*b, *e). */
static bool key_colon(struct line *l, size_t *b, size_t *e)
{
	bool esc;

	if (!str(l, b, e, &esc))
		return false;
	ws(l);
	if (l->i >= l->n || l->s[l->i++] != ':')
		return fail(l, "':' expected");
	ws(l);
	return true;
}

/* An object or array at s[i], members checked; depth bounds the nesting. The
 * members of the line's object (m not NULL) are kept in m. */
static bool nested(struct line *l, int depth, struct members *m)
{
	char close = l->s[l->i] == '{' ? '}' : ']';
	size_t b, e;

	if (depth >= 64)
		return fail(l, "nested deeper than 64");
	l->i++;
	ws(l);
	if (l->i < l->n && l->s[l->i] == close) {
		l->i++;
		return true;
	}
	for (;;) {
		if (m) {
			if (!member(l, m))
				return false;
		} else if ((close == '}' && !key_colon(l, &b, &e)) || !value(l, depth + 1)) {
			return false;
		}
		ws(l);
		if (l->i < l->n && l->s[l->i] == ',') {
			l->i++;
			ws(l);
			continue;
		}
		if (l->i < l->n && l->s[l->i] == close) {
			l->i++;
			return true;
		}
		return fail(l, "',' or the end of an object or array expected");
	}
}

static bool literal(struct line *l, const char *w)
{
	size_t k = strlen(w);

	if (l->n - l->i < k || memcmp(l->s + l->i, w, k))
		return fail(l, "a bad value");
	l->i += k;
	return true;
}

static bool value(struct line *l, int depth)
{
	size_t b, e;
	bool esc, isint;
	int64_t v;

	if (l->i >= l->n)
		return fail(l, "a value expected");
	switch (l->s[l->i]) {
	case '"': return str(l, &b, &e, &esc);
	case '{': case '[': return nested(l, depth, NULL);
	case 't': return literal(l, "true");
	case 'f': return literal(l, "false");
	case 'n': return literal(l, "null");
	default: return num(l, &v, &isint);
	}
}

/* The string members kept, by name. */
static char *str_member(struct members *m, const char *k, size_t kn)
{
	static const char *const names[] = { "record", "type", "code", "subject", "action", "stream" };
	char *const dst[] = { m->record, m->type, m->code, m->subject, m->action, m->stream };

	for (size_t i = 0; i < 6; i++)
		if (kn == strlen(names[i]) && !memcmp(k, names[i], kn))
			return dst[i];
	return NULL;
}

static int64_t *int_member(struct members *m, const char *k, size_t kn, unsigned int *bit)
{
	static const char *const names[] = { "dev", "sec", "usec", "value", "file_seq", "seq" };
	int64_t *const dst[] = { &m->dev, &m->sec, &m->usec, &m->value, &m->file_seq, &m->seq };

	for (size_t i = 0; i < 6; i++)
		if (kn == strlen(names[i]) && !memcmp(k, names[i], kn)) {
			*bit = 1u << i;
			return dst[i];
		}
	return NULL;
}

/* One member "k":v of the top-level object into m. */
static bool member(struct line *l, struct members *m)
{
	size_t kb, ke, vb, ve;
	bool esc, isint;
	unsigned int bit;
	int64_t *iv;
	char *sv;

	if (!key_colon(l, &kb, &ke))
		return false;
	sv = str_member(m, l->s + kb, ke - kb);
	iv = sv ? NULL : int_member(m, l->s + kb, ke - kb, &bit);
	if (sv && l->i < l->n && l->s[l->i] == '"') {
		if (!str(l, &vb, &ve, &esc))
			return false;
		if (esc || ve - vb >= STR_MAX)
			return unlike(l, "a record's type, code, subject or action is not a plain name");
		memcpy(sv, l->s + vb, ve - vb);
		sv[ve - vb] = 0;
		return true;
	}
	if (iv && l->i < l->n && l->s[l->i] != '"' && l->s[l->i] != '{' && l->s[l->i] != '[' &&
	    l->s[l->i] != 't' && l->s[l->i] != 'f' && l->s[l->i] != 'n') {
		if (!num(l, iv, &isint))
			return false;
		if (!isint)
			return unlike(l, "an integer expected");
		m->have |= bit;
		return true;
	}
	if (sv || iv)
		return unlike(l, sv ? "a string expected" : "an integer expected");
	return value(l, 1);
}

/* The line as one top-level object, its members into m. */
static bool parse(struct line *l, struct members *m)
{
	memset(m, 0, sizeof(*m));
	ws(l);
	if (l->i >= l->n || l->s[l->i] != '{') {
		if (!value(l, 0))
			return false;
		ws(l);
		return l->i == l->n ? unlike(l, "not an object") : fail(l, "more after the value");
	}
	if (!nested(l, 0, m))
		return false;
	ws(l);
	if (l->i != l->n)
		return fail(l, "more after the object");
	if (!m->record[0])
		return unlike(l, "no \"record\" member");
	return true;
}

/* --- records to the table ------------------------------------------------------------ */

static bool dev_known(struct it_feat_reader *rd, uint32_t dev, bool add, bool del)
{
	for (size_t i = 0; i < rd->ndevs; i++)
		if (rd->devs[i] == dev) {
			if (del)
				rd->devs[i] = rd->devs[--rd->ndevs];
			return true;
		}
	if (add) {
		if (rd->ndevs == rd->capdevs) {
			size_t cap = rd->capdevs ? rd->capdevs * 2 : 16;
			uint32_t *p = realloc(rd->devs, cap * sizeof(*p));

			if (!p)
				return false;	/* forgotten: only a new run's removal misses it */
			rd->devs = p;
			rd->capdevs = cap;
		}
		rd->devs[rd->ndevs++] = dev;
	}
	return false;
}

/* false when dev's previous event in this run is later than ns; else ns is now its
 * last time (forgotten when out of memory: not checked). */
static bool forward(struct it_feat_reader *rd, uint32_t dev, uint64_t ns)
{
	size_t i;

	for (i = 0; i < rd->ntimes && rd->times[i].dev != dev; i++)
		;
	if (i == rd->ntimes) {
		if (rd->ntimes == rd->captimes) {
			size_t cap = rd->captimes ? rd->captimes * 2 : 16;
			struct it_feat_devtime *p = realloc(rd->times, cap * sizeof(*p));

			if (!p)
				return true;
			rd->times = p;
			rd->captimes = cap;
		}
		rd->times[rd->ntimes++] = (struct it_feat_devtime){ .dev = dev, .ns = ns };
		return true;
	}
	if (ns < rd->times[i].ns)
		return false;
	rd->times[i].ns = ns;
	return true;
}

static void feed(struct it_feat_reader *rd, const struct it_frec *r)
{
	rd->t->feed(rd->state, r, rd->out);
}

/* A header of file_seq 1 starts a new run: device numbers and times start again. */
static void new_run(struct it_feat_reader *rd)
{
	struct it_frec r = { .kind = IT_FREC_GAP, .code = "", .subject = "" };

	feed(rd, &r);
	r.kind = IT_FREC_DEVICE;
	r.action = "remove";
	for (size_t i = 0; i < rd->ndevs; i++) {
		r.dev = rd->devs[i];
		feed(rd, &r);
	}
	rd->ndevs = 0;
	rd->ntimes = 0;
}

/* A record of m's stream with its seq or an earlier one came before: true. New
 * streams are remembered (at most 64; more are not checked). */
static bool seen(struct it_feat_reader *rd, const struct members *m)
{
	size_t i;

	if (!m->stream[0] || !(m->have & HAVE_SEQ))
		return false;
	for (i = 0; i < rd->nstreams && strcmp(rd->streams[i].id, m->stream); i++)
		;
	if (i == rd->nstreams) {
		struct it_feat_stream *p = i < 64 ? realloc(rd->streams, (i + 1) * sizeof(*p)) : NULL;

		if (!p)
			return false;
		rd->streams = p;
		rd->nstreams++;
		snprintf(p[i].id, sizeof(p[i].id), "%s", m->stream);
	} else if (m->seq <= rd->streams[i].seq) {
		rd->duplicates++;
		return true;
	}
	rd->streams[i].seq = m->seq;
	return false;
}

static const char *event(struct it_feat_reader *rd, const struct members *m, struct it_frec *r)
{
	int type;

	if ((m->have & (HAVE_DEV | HAVE_SEC | HAVE_USEC | HAVE_VALUE)) !=
	    (HAVE_DEV | HAVE_SEC | HAVE_USEC | HAVE_VALUE) || !m->type[0] || !m->code[0])
		return "an event needs dev, sec, usec, type, code and value";
	if (m->dev < 0 || m->dev > UINT32_MAX || m->sec < 0 || m->sec > INT64_MAX / 1000000000 - 1 ||
	    m->usec < 0 || m->usec > 999999 || m->value < INT32_MIN || m->value > INT32_MAX)
		return "dev, sec, usec or value out of range";
	if (!strncmp(m->type, "0x", 2)) {
		char *end;

		type = (int)strtol(m->type + 2, &end, 16);
		if (*end || end == m->type + 2 || type < 0 || type > EV_MAX)
			type = -1;
	} else {
		type = libevdev_event_type_from_name(m->type);
	}
	if (type < 0)
		return "an unknown event type";
	r->kind = IT_FREC_EVENT;
	r->dev = (uint32_t)m->dev;
	r->time_ns = (uint64_t)m->sec * 1000000000u + (uint64_t)m->usec * 1000u;
	r->type = (uint16_t)type;
	r->value = (int32_t)m->value;
	if (!forward(rd, r->dev, r->time_ns))
		return "time goes backwards (before the device's previous event)";
	dev_known(rd, r->dev, true, false);
	return NULL;
}

static const char *device(struct it_feat_reader *rd, const struct members *m, struct it_frec *r)
{
	bool present = !strcmp(m->action, "present"), remove = !strcmp(m->action, "remove");

	if (!(m->have & HAVE_DEV) || m->dev < 0 || m->dev > UINT32_MAX)
		return "a device record needs dev";
	if (!present && !remove && strcmp(m->action, "add"))
		return "a device's action is add, present or remove";
	r->kind = IT_FREC_DEVICE;
	r->dev = (uint32_t)m->dev;
	r->action = m->action;
	if (dev_known(rd, r->dev, !remove, remove) && present)
		r->action = NULL;	/* repeated at the top of a rotated file */
	return NULL;
}

int it_feat_read_line(struct it_feat_reader *rd, const char *s, size_t n, const char *name,
		      uint64_t lineno)
{
	struct line l = { .s = s, .n = n };
	struct members m;
	struct it_frec r = { .kind = IT_FREC_GAP };
	const char *why = NULL;

	if (!parse(&l, &m)) {
		snprintf(rd->err, sizeof(rd->err), "%s:%llu: %s: %s", name, (unsigned long long)lineno,
			 l.json ? "not JSON" : "not a capture record", l.why);
		return -1;
	}
	if (seen(rd, &m))
		return 0;
	r.code = m.code;
	r.subject = m.subject;
	if (!strcmp(m.record, "event")) {
		why = event(rd, &m, &r);
	} else if (!strcmp(m.record, "device")) {
		why = device(rd, &m, &r);
		if (!why && !r.action)
			return 0;
	} else if (!strcmp(m.record, "header")) {
		if (!(m.have & HAVE_FILE_SEQ) || m.file_seq <= 1)
			new_run(rd);
		return 0;
	} else if (!strcmp(m.record, "loss") || !strcmp(m.record, "output_loss") ||
		   !strcmp(m.record, "pause") || !strcmp(m.record, "session")) {
		if ((m.have & (HAVE_SEC | HAVE_USEC)) == (HAVE_SEC | HAVE_USEC) && m.sec >= 0 &&
		    m.sec < INT64_MAX / 1000000000 - 1 && m.usec >= 0 && m.usec <= 999999)
			r.time_ns = (uint64_t)m.sec * 1000000000u + (uint64_t)m.usec * 1000u;
	} else {
		return 0;	/* stats, resume, focus, participation, ...: no input */
	}
	if (why) {
		snprintf(rd->err, sizeof(rd->err), "%s:%llu: %s", name, (unsigned long long)lineno, why);
		return -1;
	}
	feed(rd, &r);
	return 0;
}

/* --- files -------------------------------------------------------------------------- */

#define LINE_MAX_BYTES (16u << 20)

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), e = strlen(end);

	return n >= e && !strcmp(s + n - e, end);
}

/* The complete lines in buf[0, *len) to the table; what follows the last newline is
 * moved to the front. *lineno counts. 0 or -1. */
static int lines(struct it_feat_reader *rd, char *buf, size_t *len, const char *name,
		 uint64_t *lineno)
{
	char *p = buf, *end = buf + *len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		if (it_feat_read_line(rd, p, (size_t)(nl - p), name, ++*lineno))
			return -1;
		p = nl + 1;
	}
	*len = (size_t)(end - p);
	memmove(buf, p, *len);
	return 0;
}

/* fd (owned) to the table: gzip when it starts with gzip's magic, plain otherwise
 * (zlib reads both, and concatenated members as one stream). A file being written or
 * left by a crash (NAME.tmp) may end in a partial line or gzip member: dropped, with a
 * warning; anywhere else that is an error. */
static int read_fd(struct it_feat_reader *rd, int fd, const char *name)
{
	bool tmp = ends_with(name, ".tmp");
	size_t cap = 1u << 20, len = 0;
	uint64_t lineno = 0;
	char *buf = malloc(cap);
	gzFile g = gzdopen(fd, "rb");
	int r = 0, n, e;

	if (!buf || !g) {
		snprintf(rd->err, sizeof(rd->err), "%s: out of memory", name);
		free(buf);
		if (g)
			gzclose(g);
		else
			close(fd);
		return -1;
	}
	gzbuffer(g, 1u << 18);
	for (;;) {
		if (len == cap) {
			char *p = cap < LINE_MAX_BYTES ? realloc(buf, cap * 2) : NULL;

			if (!p) {
				snprintf(rd->err, sizeof(rd->err), "%s:%llu: a line longer than %u bytes",
					 name, (unsigned long long)lineno + 1, LINE_MAX_BYTES);
				r = -1;
				break;
			}
			buf = p;
			cap *= 2;
		}
		n = gzread(g, buf + len, (unsigned int)(cap - len));
		if (n <= 0) {
			const char *msg = gzerror(g, &e);

			if (e == Z_BUF_ERROR && tmp) {
				it_warn("%s: ends in an incomplete gzip member (being written?): "
					"read up to it", name);
			} else if (n < 0 || e != Z_OK) {
				snprintf(rd->err, sizeof(rd->err), "%s: %s", name,
					 e == Z_BUF_ERROR ? "gzip data cut short" : msg);
				r = -1;
			}
			break;
		}
		len += (size_t)n;
		if (lines(rd, buf, &len, name, &lineno)) {
			r = -1;
			break;
		}
	}
	if (!r && len) {
		if (tmp)
			it_warn("%s: ends in an incomplete line (being written?): ignored", name);
		else
			r = it_feat_read_line(rd, buf, len, name, lineno + 1);
	}
	free(buf);
	gzclose(g);
	return r;
}

/* The agent's JSON Lines files, complete or being written, no dotfiles. */
static int ours(const struct dirent *d)
{
	const char *n = d->d_name;

	return n[0] != '.' && (ends_with(n, ".jsonl") || ends_with(n, ".jsonl.gz") ||
			       ends_with(n, ".jsonl.tmp") || ends_with(n, ".jsonl.gz.tmp"));
}

/* Names start with the UTC time they were opened (inputtrace-20261129T193317.008153Z-
 * HOST...), so byte order is time order; a .tmp sorts with its time. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* path opened for reading if it is a regular file (never through a symlink when
 * nofollow: a directory's entries); else -1 with rd->err set. O_NONBLOCK so that a
 * FIFO or a device is refused, not waited on. */
static int open_regular(struct it_feat_reader *rd, const char *path, bool nofollow)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(rd->err, sizeof(rd->err), "%s: %s", path,
			 fd >= 0 ? "not a regular file" :
			 nofollow && errno == ELOOP ? "a symlink: refused" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A directory's capture files, regular files only (like subject export: a symlink,
 * a FIFO or a subdirectory named *.jsonl is an error, not followed or waited on). */
static int read_dir(struct it_feat_reader *rd, const char *path)
{
	struct dirent **v;
	int n = scandir(path, &v, ours, by_name), r = 0, fd;
	char full[4096];

	if (n < 0) {
		snprintf(rd->err, sizeof(rd->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	if (n == 0) {
		snprintf(rd->err, sizeof(rd->err), "%s: no capture files (*.jsonl, *.jsonl.gz)", path);
		r = -1;
	}
	for (int i = 0; i < n; i++) {
		if (!r) {
			snprintf(full, sizeof(full), "%s/%s", path, v[i]->d_name);
			fd = open_regular(rd, full, true);
			r = fd < 0 ? -1 : read_fd(rd, fd, full);
		}
		free(v[i]);
	}
	free(v);
	return r;
}

int it_feat_read_path(struct it_feat_reader *rd, const char *path)
{
	struct stat st;
	int fd;

	if (!strcmp(path, "-")) {
		fd = dup(0);
		if (fd < 0) {
			snprintf(rd->err, sizeof(rd->err), "stdin: %s", strerror(errno));
			return -1;
		}
		return read_fd(rd, fd, "stdin");
	}
	if (stat(path, &st)) {
		snprintf(rd->err, sizeof(rd->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return read_dir(rd, path);
	if (S_ISFIFO(st.st_mode)) {	/* named on the command line: read like stdin */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(rd->err, sizeof(rd->err), "%s: %s", path, strerror(errno));
			return -1;
		}
		return read_fd(rd, fd, path);
	}
	fd = open_regular(rd, path, false);
	return fd < 0 ? -1 : read_fd(rd, fd, path);
}

void it_feat_reader_free(struct it_feat_reader *rd)
{
	free(rd->devs);
	free(rd->streams);
	free(rd->times);
	rd->devs = NULL;
	rd->streams = NULL;
	rd->times = NULL;
	rd->ndevs = rd->capdevs = rd->nstreams = 0;
	rd->ntimes = rd->captimes = 0;
}
