// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* metrics.c - Prometheus textfile metrics and the loss-rate check (metrics.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "counters.h"
#include "metrics.h"
#include "names.h"

struct metric {
	const char *name;
	const char *help;
	uint64_t v;
};

static void put_metric(struct it_buf *b, const char *name, const char *type, const char *help,
		       const char *value)
{
	it_buf_puts(b, "# HELP inputtrace_");
	it_buf_puts(b, name);
	it_buf_putc(b, ' ');
	it_buf_puts(b, help);
	it_buf_puts(b, "\n# TYPE inputtrace_");
	it_buf_puts(b, name);
	it_buf_putc(b, ' ');
	it_buf_puts(b, type);
	it_buf_puts(b, "\ninputtrace_");
	it_buf_puts(b, name);
	it_buf_putc(b, ' ');
	it_buf_puts(b, value);
	it_buf_putc(b, '\n');
}

void it_metrics_format(struct it_buf *b, const struct it_stats *s, double start_time, double now)
{
	const struct metric m[] = {
		{ "frames_missed_total", "Frames the kernel skipped the capture programs for (0 where the kernel does not count them).", s->missed_frames },
		{ "events_filtered_user_total", "Events of devices not yet judged, dropped in user space.", s->filtered_user },
		{ "events_output_total", "Event records written to the output.", s->events_out },
		{ "events_not_output_total", "Events read after --count was reached.", s->not_output },
		{ "device_records_total", "Device records written to the output.", s->devices },
		{ "device_removals_total", "Device remove records written to the output.", s->devices_removed },
		{ "output_bytes_total", "Bytes written to the output files (after gzip).", s->bytes_written },
		{ "output_files_completed_total", "Output files completed (renamed into place).", s->files_completed },
		{ "output_files_deleted_total", "Complete output files deleted by --max-files or --max-age.", s->files_deleted },
		{ "output_files_recovered_total", "Files a crashed run left as .tmp, completed at start.", s->files_recovered },
		{ "output_lost_lines_total", "Lines that could not be written (disk full, write errors).", s->output_lost_lines },
		{ "output_lost_bytes_total", "Bytes that could not be written (disk full, write errors).", s->output_lost_bytes },
	};
	char v[64];
	size_t i;

	/* the kernel's counters (IT_COUNTERS), then the collector's */
	for (i = 0; i < it_counter_count; i++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)it_counter_get(&s->k, i));
		put_metric(b, it_counter_info[i].metric, "counter", it_counter_info[i].help, v);
	}
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)m[i].v);
		put_metric(b, m[i].name, "counter", m[i].help, v);
	}
	/* one family, one sample per event type */
	it_buf_puts(b, "# HELP inputtrace_events_output_by_type_total Event records written to the "
		    "output, by event type.\n# TYPE inputtrace_events_output_by_type_total counter\n");
	for (i = 0; i < IT_STATS_TYPES; i++) {
		char tmp[16];

		if (!s->by_type[i] && !it_stats_type_listed((unsigned int)i))
			continue;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)s->by_type[i]);
		it_buf_puts(b, "inputtrace_events_output_by_type_total{type=\"");
		it_buf_puts(b, it_type_name((unsigned int)i, tmp));
		it_buf_puts(b, "\"} ");
		it_buf_puts(b, v);
		it_buf_putc(b, '\n');
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(s->devices > s->devices_removed ?
		 s->devices - s->devices_removed : 0));
	put_metric(b, "devices", "gauge", "Devices captured now (device records minus removals).", v);
	snprintf(v, sizeof(v), "%.3f", start_time);
	put_metric(b, "start_time_seconds", "gauge", "When the agent started capturing, seconds since the epoch.", v);
	snprintf(v, sizeof(v), "%.3f", now);
	put_metric(b, "last_update_time_seconds", "gauge", "When this file was written, seconds since the epoch.", v);
}

int it_metrics_write(const char *path, const struct it_stats *s, double start_time, double now,
		     char *err, size_t errlen)
{
	struct it_buf b = {};
	char tmp[4096];
	size_t off = 0;
	int fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "--metrics-file: path too long");
		return -1;
	}
	it_metrics_format(&b, s, start_time, now);
	if (s->has_kafka)
		it_shipper_metrics(&b, &s->kafka);
	if (b.oom) {
		snprintf(err, errlen, "--metrics-file: out of memory");
		goto out;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write metrics %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < b.len) {
		ssize_t w = write(fd, b.p + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, errlen, "cannot write metrics %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd) || rename(tmp, path)) {
		snprintf(err, errlen, "cannot replace metrics %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	it_buf_free(&b);
	return rc;
}

bool it_loss_check(const struct it_counters *prev, const struct it_counters *cur,
		   double threshold, double interval_s, char *msg, size_t msglen)
{
	uint64_t lost = cur->lost - prev->lost;
	uint64_t tried = lost + (cur->written - prev->written);

	if (!lost || (double)lost <= threshold * (double)tried)
		return false;
	snprintf(msg, msglen, "%llu of %llu events lost in the last %.0f s (%.1f%%): the ring "
		 "buffer was full; raise --ring-size", (unsigned long long)lost,
		 (unsigned long long)tried, interval_s, 100.0 * (double)lost / (double)tried);
	return true;
}
