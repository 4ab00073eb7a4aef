// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* participation.c - the participation mode and the choices store (participation.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomicfile.h"
#include "participation.h"

#define MAGIC "inputtrace-participation 1"
#define FILE_MAX (64u << 20)

static const char *const mode_names[] = {
	[IT_PART_EVERYONE] = "everyone",
	[IT_PART_OPT_IN] = "opt-in",
	[IT_PART_OPT_OUT] = "opt-out",
};

int it_part_mode_parse(const char *s, enum it_part_mode *m)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(s, mode_names[i])) {
			*m = (enum it_part_mode)i;
			return 0;
		}
	return -1;
}

const char *it_part_mode_name(enum it_part_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

/* Index of uid in c, or where it would go (*found false). */
static size_t find(const struct it_choices *c, uint32_t uid, bool *found)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->n && c->v[lo].uid == uid;
	return lo;
}

const struct it_choice *it_choices_get(const struct it_choices *c, uint32_t uid)
{
	bool found;
	size_t i = find(c, uid, &found);

	return found ? &c->v[i] : NULL;
}

int it_choices_set(struct it_choices *c, const struct it_choice *ch)
{
	bool found;
	size_t i = find(c, ch->uid, &found);

	if (found) {
		c->v[i] = *ch;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct it_choice *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
	c->v[i] = *ch;
	c->n++;
	return 0;
}

void it_choices_free(struct it_choices *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void it_choices_format(const struct it_choices *c, struct it_buf *b)
{
	it_buf_puts(b, MAGIC "\n");
	for (size_t i = 0; i < c->n; i++) {
		it_buf_u64(b, c->v[i].uid);
		it_buf_puts(b, c->v[i].yes ? " yes " : " no ");
		it_buf_u64(b, c->v[i].time_ns);
		it_buf_putc(b, ' ');
		it_buf_u64(b, c->v[i].notice);
		it_buf_putc(b, '\n');
	}
}

/* An unsigned decimal of at most max at *p, followed by end (' ' or '\n'). */
static int parse_uint(const char **p, const char *lim, char end, uint64_t max, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	if (s >= lim || *s < '0' || *s > '9')
		return -1;
	for (; s < lim && *s >= '0' && *s <= '9'; s++) {
		if (*v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	if (s >= lim || *s != end)
		return -1;
	*p = s + 1;
	return 0;
}

/* One "UID yes|no TIME NOTICE\n" line at *p into ch. */
static int parse_line(const char **p, const char *lim, struct it_choice *ch)
{
	uint64_t uid, t, notice;

	if (parse_uint(p, lim, ' ', UINT32_MAX - 1, &uid))
		return -1;
	if (lim - *p >= 4 && !memcmp(*p, "yes ", 4))
		ch->yes = true, *p += 4;
	else if (lim - *p >= 3 && !memcmp(*p, "no ", 3))
		ch->yes = false, *p += 3;
	else
		return -1;
	if (parse_uint(p, lim, ' ', UINT64_MAX, &t) || parse_uint(p, lim, '\n', UINT32_MAX, &notice))
		return -1;
	ch->uid = (uint32_t)uid;
	ch->time_ns = t;
	ch->notice = (uint32_t)notice;
	return 0;
}

int it_choices_parse(const char *text, size_t len, struct it_choices *c, char *err,
		     size_t errlen)
{
	const char *p = text, *lim = text + len;
	size_t line = 1;

	it_choices_free(c);
	if (len < sizeof(MAGIC) || memcmp(text, MAGIC "\n", sizeof(MAGIC))) {
		snprintf(err, errlen, "line 1: not an inputtrace participation file");
		return -1;
	}
	for (p += sizeof(MAGIC); p < lim; ) {
		struct it_choice ch;

		line++;
		if (parse_line(&p, lim, &ch)) {
			snprintf(err, errlen, "line %zu: expected \"UID yes|no TIME_NS NOTICE\"", line);
			goto bad;
		}
		/* sorted, one line per uid: anything else was not written by us */
		if (c->n && c->v[c->n - 1].uid >= ch.uid) {
			snprintf(err, errlen, "line %zu: uid %u out of order or repeated", line, ch.uid);
			goto bad;
		}
		if (c->n >= IT_PART_MAX_CHOICES || it_choices_set(c, &ch)) {
			snprintf(err, errlen, "line %zu: too many choices", line);
			goto bad;
		}
	}
	return 0;
bad:
	it_choices_free(c);
	return -1;
}

/* The whole file (at most FILE_MAX) into b. */
static int read_all(int fd, struct it_buf *b)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (b->len + (size_t)n > FILE_MAX)
			return -EFBIG;
		it_buf_put(b, chunk, (size_t)n);
		if (b->oom)
			return -ENOMEM;
	}
	return 0;
}

int it_choices_load(int dirfd, struct it_choices *c, char *err, size_t errlen)
{
	struct it_buf b = { 0 };
	struct stat st;
	char why[200];
	int fd, r;

	it_choices_free(c);
	fd = openat(dirfd, IT_PART_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", IT_PART_FILE,
			 errno == ELOOP ? "is a symlink: refused" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 022)) {
		snprintf(err, errlen, "%s: not a regular file, or writable by others: refused",
			 IT_PART_FILE);
		close(fd);
		return -1;
	}
	r = read_all(fd, &b);
	close(fd);
	if (r) {
		snprintf(err, errlen, "%s: %s", IT_PART_FILE, strerror(-r));
	} else if (it_choices_parse(b.p ? b.p : "", b.len, c, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", IT_PART_FILE, why);
		r = -1;
	}
	it_buf_free(&b);
	return r ? -1 : 0;
}

int it_choices_save(int dirfd, const struct it_choices *c, char *err, size_t errlen)
{
	struct it_buf b = { 0 };
	int r;

	it_choices_format(c, &b);
	r = b.oom ? -ENOMEM : it_atomic_write(dirfd, IT_PART_FILE, b.p, b.len, 0600, false);
	it_buf_free(&b);
	if (r)
		snprintf(err, errlen, "cannot save %s: %s", IT_PART_FILE, strerror(-r));
	return r ? -1 : 0;
}

bool it_part_allows(enum it_part_mode m, const struct it_choice *ch)
{
	switch (m) {
	case IT_PART_EVERYONE:
		return true;
	case IT_PART_OPT_IN:
		return ch && ch->yes;
	case IT_PART_OPT_OUT:
		return !ch || ch->yes;
	}
	return false;
}

struct it_session_state it_part_decide(enum it_part_mode m, const struct it_session_state *s,
				       const struct it_choices *c)
{
	struct it_session_state v = { .why = IT_WHY_NO_LOGIND, .uid = (uid_t)-1 };

	if (!s) {
		/* without logind only "everyone" records, as before this existed */
		v.record = m == IT_PART_EVERYONE;
		v.why = v.record ? IT_WHY_ACTIVE : IT_WHY_NO_LOGIND;
		return v;
	}
	v = *s;
	if (v.record && !it_part_allows(m, it_choices_get(c, (uint32_t)v.uid))) {
		v.record = false;
		v.why = IT_WHY_NOT_PARTICIPATING;
	}
	return v;
}
