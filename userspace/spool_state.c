// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* spool_state.c - the acknowledged position, replaced atomically. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "json.h"
#include "sink.h"
#include "spool_state.h"

#define MAGIC "inputtrace-kafka-state 1"

int it_file_replace(int dirfd, const char *name, const void *p, size_t n)
{
	char tmp[NAME_MAX + 8];
	size_t done = 0;
	int fd, e;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (done < n) {
		ssize_t w = write(fd, (const char *)p + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd))
		goto fail;
	close(fd);
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name))
		goto fail;
	fsync(dirfd);	/* the rename itself survives a power cut */
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}

int it_spool_state_save(int dirfd, const char *name, const struct it_spool_state *s)
{
	char line[NAME_MAX + 64];
	struct it_buf b = { 0 };
	int i, rc;

	snprintf(line, sizeof(line), MAGIC "\nstream %s\nfile %s\n", s->stream, s->acked.name);
	it_buf_puts(&b, line);
	snprintf(line, sizeof(line), "offset %" PRIu64 "\nino %" PRIu64 "\nseq %" PRIu64 "\n",
		 s->acked.off, s->acked.ino, s->acked_seq);
	it_buf_puts(&b, line);
	snprintf(line, sizeof(line), "delivered_records %" PRIu64 "\ndelivered_bytes %" PRIu64 "\n",
		 s->delivered_records, s->delivered_bytes);
	it_buf_puts(&b, line);
	for (i = 0; i < s->n_loss; i++) {
		snprintf(line, sizeof(line), "loss %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			 s->loss[i].first, s->loss[i].last, s->loss[i].count);
		it_buf_puts(&b, line);
	}
	if (b.oom) {
		it_buf_free(&b);
		return errno = ENOMEM, -1;
	}
	rc = it_file_replace(dirfd, name, b.p, b.len);
	it_buf_free(&b);
	return rc;
}

/* One "key value" line into s. Returns 0, or -1 when it is not one of ours. */
/* A whole unsigned decimal number, no sign, no space (sscanf's %u takes "-1"). */
static int parse_u64(const char *val, uint64_t *v)
{
	char *end;

	if (*val < '0' || *val > '9')
		return -1;
	errno = 0;
	*v = strtoull(val, &end, 10);
	return errno || *end ? -1 : 0;
}

/* "FIRST LAST COUNT": a range of seqs, FIRST <= LAST, COUNT at most its size. */
static int parse_loss(const char *val, struct it_spool_loss *l)
{
	char a[24], b[24], c[24];

	if (sscanf(val, "%23s %23s %23s", a, b, c) != 3 || parse_u64(a, &l->first) ||
	    parse_u64(b, &l->last) || parse_u64(c, &l->count))
		return -1;
	return l->first > l->last || l->count == 0 || l->count - 1 > l->last - l->first ? -1 : 0;
}

static int load_line(struct it_spool_state *s, const char *key, const char *val)
{
	uint64_t *num = !strcmp(key, "offset") ? &s->acked.off :
			!strcmp(key, "ino") ? &s->acked.ino :
			!strcmp(key, "seq") ? &s->acked_seq :
			!strcmp(key, "delivered_records") ? &s->delivered_records :
			!strcmp(key, "delivered_bytes") ? &s->delivered_bytes : NULL;
	struct it_spool_loss l;

	if (num)
		return parse_u64(val, num);
	if (!strcmp(key, "stream")) {
		if (strlen(val) != IT_STREAM_ID_LEN)
			return -1;
		memcpy(s->stream, val, IT_STREAM_ID_LEN + 1);
		return 0;
	}
	if (!strcmp(key, "file")) {
		/* a file name of the spool directory, never a path */
		if (strlen(val) >= sizeof(s->acked.name) || strchr(val, '/') || val[0] == '.')
			return -1;
		strcpy(s->acked.name, val);
		return 0;
	}
	if (!strcmp(key, "loss")) {
		if (parse_loss(val, &l))
			return -1;
		it_spool_state_add_loss(s, &l);
		return 0;
	}
	return -1;
}

int it_file_read(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

int it_spool_state_load(int dirfd, const char *name, struct it_spool_state *s)
{
	char text[4096], *line, *save = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = it_file_read(dirfd, name, text, sizeof(text))))
		return rc;
	if (strncmp(text, MAGIC "\n", sizeof(MAGIC)))
		return errno = EINVAL, -1;
	for (line = strtok_r(text + sizeof(MAGIC), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			return errno = EINVAL, -1;
		*sp = 0;
		if (load_line(s, line, sp + 1))
			return errno = EINVAL, -1;
	}
	return 0;
}

void it_spool_state_add_loss(struct it_spool_state *s, const struct it_spool_loss *l)
{
	struct it_spool_loss *last;

	if (s->n_loss < IT_STATE_MAX_LOSS) {
		s->loss[s->n_loss++] = *l;
		return;
	}
	last = &s->loss[s->n_loss - 1];
	if (l->first < last->first)
		last->first = l->first;
	if (l->last > last->last)
		last->last = l->last;
	last->count += l->count;
}

void it_spool_state_drop_loss(struct it_spool_state *s, uint64_t first)
{
	int i;

	for (i = 0; i < s->n_loss; i++) {
		if (s->loss[i].first != first)
			continue;
		memmove(&s->loss[i], &s->loss[i + 1], (size_t)(s->n_loss - i - 1) * sizeof(s->loss[0]));
		s->n_loss--;
		return;
	}
}

void it_spool_state_name(char *buf, size_t len, const char *host)
{
	snprintf(buf, len, ".inputtrace-%s.kafka-state", host);
}

int it_spool_state_check(const char *output, bool dir_mode, char *err, size_t errlen)
{
	char dir[PATH_MAX], copy[PATH_MAX], host[64], name[NAME_MAX + 1];
	size_t n = strlen(output), l;
	struct it_spool_state st;
	struct stat sb;
	int fd, rc;

	/* as the agent places it (agent.c open_stream): the -o directory, or beside the
	 * -o file with the file's name in the host part */
	it_sink_hostname(host, sizeof(host));
	snprintf(copy, sizeof(copy), "%s", output);
	if (dir_mode || (n && output[n - 1] == '/') || (!lstat(output, &sb) && S_ISDIR(sb.st_mode))) {
		snprintf(dir, sizeof(dir), "%s", output);
	} else {
		snprintf(dir, sizeof(dir), "%s", dirname(copy));
		snprintf(copy, sizeof(copy), "%s", output);
		l = strlen(host);
		snprintf(host + l, sizeof(host) - l, "-%s", basename(copy));
	}
	it_spool_state_name(name, sizeof(name), host);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* no spool yet: no state either */
	rc = it_spool_state_load(fd, name, &st);
	close(fd);
	if (rc >= 0)
		return 0;
	snprintf(err, errlen, "kafka state %s%s%s: %s (move it away to send the spool from its oldest record)",
		 dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name,
		 errno == EINVAL ? "not a valid state file" : strerror(errno));
	return -1;
}
