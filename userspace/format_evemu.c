// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* format_evemu.c - evemu-record's text format, one file per device. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include "format_evemu.h"

static void putf(struct it_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void putf(struct it_buf *b, const char *fmt, ...)
{
	char s[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (n > 0)
		it_buf_put(b, s, (size_t)n < sizeof(s) ? (size_t)n : sizeof(s) - 1);
}

/* Bitmask bytes, 8 per line, as evemu writes them ("B: 01 ff 00 ..."). */
static void mask_lines(struct it_buf *b, const char *tag, int idx, const unsigned char *m, size_t bytes)
{
	size_t i, j;

	for (i = 0; i < bytes; i += 8) {
		if (idx >= 0)
			putf(b, "%s: %02x", tag, idx);
		else
			putf(b, "%s:", tag);
		for (j = i; j < i + 8; j++)
			putf(b, " %02x", j < bytes ? m[j] : 0);
		it_buf_putc(b, '\n');
	}
}

/* bytes evdev's EVIOCGBIT returns for a type: whole longs covering its codes */
static size_t mask_bytes(unsigned int cnt)
{
	return (cnt + 63) / 64 * 8;
}

int it_evemu_describe(struct it_buf *b, const struct it_devinfo *info, const char *node)
{
	static const struct { unsigned int type, cnt; } types[] = {
		{ EV_SYN, EV_CNT }, { EV_KEY, KEY_CNT }, { EV_REL, REL_CNT }, { EV_ABS, ABS_CNT },
		{ EV_MSC, MSC_CNT }, { EV_SW, SW_CNT }, { EV_LED, LED_CNT }, { EV_SND, SND_CNT },
		{ EV_REP, REP_CNT }, { EV_FF, FF_CNT },
	};
	struct libevdev *dev = NULL;
	char name[IT_NAME_LEN + 1];
	unsigned char m[KEY_CNT / 8 + 8];
	unsigned int t, c, i;
	int fd = -1, rc = -1;

	snprintf(name, sizeof(name), "%.*s", IT_NAME_LEN, info->name);
	for (i = 0; name[i]; i++)
		if (name[i] == '\n' || name[i] == '\r')
			name[i] = ' ';
	it_buf_puts(b, "# EVEMU 1.3\n");
	putf(b, "# Input device name: \"%s\"\n", name);
	putf(b, "# Recorded by inputtrace from %s (%s)\n", info->sysname, node ? node : "no node");
	if (node) {
		fd = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && libevdev_new_from_fd(fd, &dev) < 0)
			dev = NULL;
	}
	/* the sanitized name: a newline in the device name would end the N: line */
	putf(b, "N: %s\n", name);
	if (dev)
		putf(b, "I: %04x %04x %04x %04x\n", libevdev_get_id_bustype(dev),
		     libevdev_get_id_vendor(dev), libevdev_get_id_product(dev), libevdev_get_id_version(dev));
	else
		putf(b, "I: %04x %04x %04x %04x\n", info->bustype, info->vendor, info->product, info->version);
	if (dev) {
		memset(m, 0, sizeof(m));
		for (c = 0; c < INPUT_PROP_CNT; c++)
			if (libevdev_has_property(dev, c))
				m[c / 8] |= (unsigned char)(1u << (c % 8));
		mask_lines(b, "P", -1, m, mask_bytes(INPUT_PROP_CNT));
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			t = types[i].type;
			memset(m, 0, sizeof(m));
			for (c = 0; c < types[i].cnt; c++) {
				bool has = t == EV_SYN ? libevdev_has_event_type(dev, c)
						       : libevdev_has_event_code(dev, t, c);

				if (has)
					m[c / 8] |= (unsigned char)(1u << (c % 8));
			}
			mask_lines(b, "B", (int)t, m, mask_bytes(types[i].cnt));
		}
		for (c = 0; c < ABS_CNT; c++) {
			const struct input_absinfo *a = libevdev_get_abs_info(dev, c);

			if (a && libevdev_has_event_code(dev, EV_ABS, c))
				putf(b, "A: %02x %d %d %d %d %d\n", c, a->minimum, a->maximum, a->fuzz,
				     a->flat, a->resolution);
		}
		for (c = 0; c < LED_CNT; c++)
			if (libevdev_has_event_code(dev, EV_LED, c))
				putf(b, "L: %02x %d\n", c, libevdev_get_event_value(dev, EV_LED, c));
		for (c = 0; c < SW_CNT; c++)
			if (libevdev_has_event_code(dev, EV_SW, c))
				putf(b, "S: %02x %d\n", c, libevdev_get_event_value(dev, EV_SW, c));
		rc = 0;
	}
	if (dev)
		libevdev_free(dev);
	if (fd >= 0)
		close(fd);
	it_buf_puts(b, "################################\n"
		       "#      Waiting for events      #\n"
		       "################################\n");
	return rc;
}

void it_evemu_event(struct it_buf *b, uint64_t mono_ns, uint64_t t0_ns,
		    unsigned int type, unsigned int code, int32_t value)
{
	uint64_t d = mono_ns >= t0_ns ? mono_ns - t0_ns : 0;

	putf(b, "E: %llu.%06u %04x %04x %04d\n", (unsigned long long)(d / 1000000000ull),
	     (unsigned)(d % 1000000000ull / 1000), type & 0xffff, code & 0xffff, value);
}

struct it_evemu_file *it_evemu_open(int dirfd, const char *host, uint32_t id,
				    const char *desc, size_t desc_len, unsigned int mode)
{
	struct it_evemu_file *f = calloc(1, sizeof(*f));
	struct timespec ts;
	struct tm tm;
	char t[32];

	if (!f)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%S", &tm);
	snprintf(f->name, sizeof(f->name), "inputtrace-%s.%06uZ-%s-input%u.evemu", t,
		 (unsigned)(ts.tv_nsec / 1000), host, id);
	snprintf(f->tmp, sizeof(f->tmp), "%.240s.tmp", f->name);
	f->dirfd = dirfd;
	f->fd = openat(dirfd, f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		       mode ? mode : 0600);
	if (f->fd < 0) {
		free(f);
		return NULL;
	}
	(void)!fchmod(f->fd, mode ? mode : 0600);
	it_buf_put(&f->buf, desc, desc_len);
	return f;
}

void it_evemu_add(struct it_evemu_file *f, uint64_t mono_ns, unsigned int type,
		  unsigned int code, int32_t value)
{
	if (!f->started) {
		f->t0_ns = mono_ns;
		f->started = true;
	}
	it_evemu_event(&f->buf, mono_ns, f->t0_ns, type, code, value);
	if (f->buf.len >= 64 * 1024)
		it_evemu_flush(f);
}

int it_evemu_flush(struct it_evemu_file *f)
{
	size_t off = 0;

	while (off < f->buf.len) {
		ssize_t w = write(f->fd, f->buf.p + off, f->buf.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* whole lines only: count the lines dropped */
			const char *p = f->buf.p + off, *e = f->buf.p + f->buf.len;

			while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
				f->dropped++;
				p++;
			}
			it_buf_reset(&f->buf);
			return -1;
		}
		off += (size_t)w;
	}
	it_buf_reset(&f->buf);
	return 0;
}

int it_evemu_close(struct it_evemu_file *f)
{
	int rc;

	if (!f)
		return 0;
	rc = it_evemu_flush(f);
	if (fsync(f->fd))
		rc = -1;
	close(f->fd);
	if (renameat(f->dirfd, f->tmp, f->dirfd, f->name))
		rc = -1;
	it_buf_free(&f->buf);
	free(f);
	return rc;
}
