// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_output.c - the JSON Lines records (userspace/output.c): exact text of each
 * record, the sec/usec split, RFC 3339 UTC time, event names, and that every line is
 * one valid JSON object (json_check.h, and python3's json module as a second opinion)
 * whatever bytes the device strings hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "format_jsonl.h"
#include "json_check.h"

/* Every line produced by any test, checked together by python3 at the end. */
static struct it_buf all_lines;

static char *take(struct it_buf *b)
{
	char *s;

	assert_false(b->oom);
	s = malloc(b->len + 1);
	assert_non_null(s);
	memcpy(s, b->p, b->len);
	s[b->len] = 0;
	it_buf_put(&all_lines, b->p, b->len);
	it_buf_free(b);
	return s;
}

/* One line: exactly one '\n', at the end, and a JSON object in front of it. */
static void assert_one_json_line(const char *s, struct jc_field *f, int maxf, int *nf)
{
	size_t n = strlen(s);

	assert_true(n >= 2);
	assert_int_equal(s[n - 1], '\n');
	assert_null(memchr(s, '\n', n - 1));
	assert_null(memchr(s, '\r', n));
	assert_int_equal(s[0], '{');
	if (jc_check(s, n - 1, f, maxf, nf)) {
		print_error("not valid JSON: %s", s);
		fail();
	}
}

#define assert_line(buf_expr, want) do {				\
	struct it_buf b_ = { 0 };					\
	char *got_;							\
	buf_expr;							\
	got_ = take(&b_);						\
	assert_string_equal(got_, (want));				\
	assert_one_json_line(got_, NULL, 0, NULL);			\
	free(got_);							\
} while (0)

static struct it_devinfo logitech(void)
{
	struct it_devinfo i = { .bustype = 3, .vendor = 0x046d, .product = 0xc52b, .version = 0x0111 };

	strcpy(i.name, "Logitech USB Receiver");
	strcpy(i.phys, "usb-0000:00:14.0-1/input0");
	strcpy(i.sysname, "input5");
	return i;
}

static void test_device_record(void **state)
{
	struct it_devinfo i = logitech();

	assert_line(it_rec_device(&b_, 5, &i, "add", "/dev/input/event3"),
		"{\"record\":\"device\",\"action\":\"add\",\"dev\":5,\"name\":\"Logitech USB Receiver\","
		"\"bus\":3,\"vendor\":1133,\"product\":50475,\"version\":273,"
		"\"phys\":\"usb-0000:00:14.0-1/input0\",\"uniq\":\"\",\"sysname\":\"input5\","
		"\"node\":\"/dev/input/event3\"}\n");
	/* no node: the key is left out */
	strcpy(i.uniq, "00:11:22:33:44:55");
	assert_line(it_rec_device(&b_, 5, &i, "remove", NULL),
		"{\"record\":\"device\",\"action\":\"remove\",\"dev\":5,\"name\":\"Logitech USB Receiver\","
		"\"bus\":3,\"vendor\":1133,\"product\":50475,\"version\":273,"
		"\"phys\":\"usb-0000:00:14.0-1/input0\",\"uniq\":\"00:11:22:33:44:55\","
		"\"sysname\":\"input5\"}\n");
	/* extremes of the numeric fields */
	memset(&i, 0, sizeof(i));
	i.bustype = i.vendor = i.product = i.version = 0xffff;
	assert_line(it_rec_device(&b_, UINT32_MAX, &i, "present", NULL),
		"{\"record\":\"device\",\"action\":\"present\",\"dev\":4294967295,\"name\":\"\","
		"\"bus\":65535,\"vendor\":65535,\"product\":65535,\"version\":65535,"
		"\"phys\":\"\",\"uniq\":\"\",\"sysname\":\"\"}\n");
}

static void test_event_record_names(void **state)
{
	assert_line(it_rec_event(&b_, 5, 1234567890123ull, 0, 1, 30, 1, false),
		"{\"record\":\"event\",\"dev\":5,\"sec\":1234,\"usec\":567890,"
		"\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1}\n");
	assert_line(it_rec_event(&b_, 5, 1234567890123ull, 0, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":5,\"sec\":1234,\"usec\":567890,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 12, 1000, 0, 3, 0x2f, 2, false),
		"{\"record\":\"event\",\"dev\":12,\"sec\":0,\"usec\":1,"
		"\"type\":\"EV_ABS\",\"code\":\"ABS_MT_SLOT\",\"value\":2}\n");
	assert_line(it_rec_event(&b_, 1, 0, 0, 0, 3, 0, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_DROPPED\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 1, 0, 0, 4, 4, 458756, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_MSC\",\"code\":\"MSC_SCAN\",\"value\":458756}\n");
	/* unknown type: both names as hex */
	assert_line(it_rec_event(&b_, 1, 0, 0, 0x1d, 5, 0, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"0x1d\",\"code\":\"0x5\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 1, 0, 0, 0xffff, 0xffff, 0, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"0xffff\",\"code\":\"0xffff\",\"value\":0}\n");
	/* known type, unknown code */
	assert_line(it_rec_event(&b_, 1, 0, 0, 1, 0x2fe, 1, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_KEY\",\"code\":\"0x2fe\",\"value\":1}\n");
	/* a key the kernel redacted to its class (above KEY_MAX): the class name */
	assert_line(it_rec_event(&b_, 1, 0, 0, 1, 0x300, 1, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_KEY\",\"code\":\"KEYCLASS_LETTER\",\"value\":1}\n");
	assert_line(it_rec_event(&b_, 1, 0, 0, 1, 0x309, 0, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_KEY\",\"code\":\"KEYCLASS_OTHER\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 1, 0, 0, 1, 0x30a, 0, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_KEY\",\"code\":\"0x30a\",\"value\":0}\n");
	/* class codes mean nothing for other types */
	assert_line(it_rec_event(&b_, 1, 0, 0, 3, 0x300, 0, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_ABS\",\"code\":\"0x300\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 1, 0, 0, 2, 0x0d, -1, false),
		"{\"record\":\"event\",\"dev\":1,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_REL\",\"code\":\"0xd\",\"value\":-1}\n");
}

static void test_event_record_values(void **state)
{
	assert_line(it_rec_event(&b_, 0, 0, 0, 3, 0, INT32_MIN, false),
		"{\"record\":\"event\",\"dev\":0,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_ABS\",\"code\":\"ABS_X\",\"value\":-2147483648}\n");
	assert_line(it_rec_event(&b_, 0, 0, 0, 3, 0, INT32_MAX, false),
		"{\"record\":\"event\",\"dev\":0,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_ABS\",\"code\":\"ABS_X\",\"value\":2147483647}\n");
	/* sec/usec: truncation, not rounding; the ns below one usec are dropped */
	assert_line(it_rec_event(&b_, 0, 999999999ull, 0, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":0,\"sec\":0,\"usec\":999999,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 0, 1000000000ull, 0, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":0,\"sec\":1,\"usec\":0,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0}\n");
	assert_line(it_rec_event(&b_, 0, UINT64_MAX, 0, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":0,\"sec\":18446744073,\"usec\":709551,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0}\n");
	/* synth_ts */
	assert_line(it_rec_event(&b_, 7, 5000000001000ull, 0, 1, 30, 0, true),
		"{\"record\":\"event\",\"dev\":7,\"sec\":5000,\"usec\":1,"
		"\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":0,\"synth_ts\":true}\n");
}

static void test_event_record_time(void **state)
{
	/* a zone far from UTC: the time must not depend on it */
	setenv("TZ", "LINT-14", 1);	/* POSIX form: UTC+14, no tzdata needed */
	tzset();
	assert_line(it_rec_event(&b_, 5, 1234567890123ull, 1700000000123456789ull, 1, 30, 1, false),
		"{\"record\":\"event\",\"dev\":5,\"sec\":1234,\"usec\":567890,"
		"\"type\":\"EV_KEY\",\"code\":\"KEY_A\",\"value\":1,"
		"\"time\":\"2023-11-14T22:13:20.123456Z\"}\n");
	/* same second again (cached), then other seconds: each right */
	assert_line(it_rec_event(&b_, 5, 0, 1700000000999999999ull, 0, 0, 0, true),
		"{\"record\":\"event\",\"dev\":5,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0,"
		"\"time\":\"2023-11-14T22:13:20.999999Z\",\"synth_ts\":true}\n");
	assert_line(it_rec_event(&b_, 5, 0, 1700000001000000000ull, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":5,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0,"
		"\"time\":\"2023-11-14T22:13:21.000000Z\"}\n");
	assert_line(it_rec_event(&b_, 5, 0, 1700000000000001000ull, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":5,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0,"
		"\"time\":\"2023-11-14T22:13:20.000001Z\"}\n");
	assert_line(it_rec_event(&b_, 5, 0, 951782400000001000ull, 0, 0, 0, false),
		"{\"record\":\"event\",\"dev\":5,\"sec\":0,\"usec\":0,"
		"\"type\":\"EV_SYN\",\"code\":\"SYN_REPORT\",\"value\":0,"
		"\"time\":\"2000-02-29T00:00:00.000001Z\"}\n");
	unsetenv("TZ");
	tzset();
}

/* A fragment that is not a line: exactly want, and a valid JSON value by itself. */
#define assert_frag(buf_expr, want) do {				\
	struct it_buf b_ = { 0 };					\
	char *got_;							\
	buf_expr;							\
	got_ = take(&b_);						\
	it_buf_putc(&all_lines, '\n');					\
	assert_string_equal(got_, (want));				\
	assert_int_equal(jc_check(got_, strlen(got_), NULL, 0, NULL), 0); \
	free(got_);							\
} while (0)

static void test_rfc3339(void **state)
{
	setenv("TZ", "NST3:30NDT,M3.2.0,M11.1.0", 1);	/* POSIX: UTC-3:30 with DST, no tzdata needed */
	tzset();
	assert_frag(it_rfc3339(&b_, 999), "\"1970-01-01T00:00:00.000000Z\"");
	assert_frag(it_rfc3339(&b_, 1000), "\"1970-01-01T00:00:00.000001Z\"");
	assert_frag(it_rfc3339(&b_, 1783000800123456000ull), "\"2026-07-02T14:00:00.123456Z\"");
	assert_frag(it_rfc3339(&b_, 1783000800123456999ull), "\"2026-07-02T14:00:00.123456Z\"");
	assert_frag(it_rfc3339(&b_, UINT64_MAX), "\"2554-07-21T23:34:33.709551Z\"");
	unsetenv("TZ");
	tzset();
}

static int count_sub(const char *p, size_t n, const char *sub)
{
	size_t i, l = strlen(sub);
	int k = 0;

	for (i = 0; i + l <= n; i++)
		if (!memcmp(p + i, sub, l))
			k++;
	return k;
}

static void test_loss_and_stats(void **state)
{
	struct it_stats s = {
		.k = { .seen = 1, .filtered = 2, .written = 3, .lost = 4, .truncated = 5,
		       .dev_lost = 6, .dev_overflow = 7, .lost_pending = 99,
		       .keys_dropped = 12, .redact_dropped = 13, .paused = 14 },
		.missed_frames = 19, .missed_counted = true,
		.filtered_user = 8, .events_out = 9, .not_output = 10, .devices = 11,
		.devices_removed = 15, .bytes_written = 16, .files_completed = 17, .files_deleted = 18,
		.files_recovered = 20,
		.by_type = { [0] = 5, [1] = 4 },
	};

	assert_line(it_rec_loss(&b_, 7, 3), "{\"record\":\"loss\",\"count\":7,\"dev\":3}\n");
	assert_line(it_rec_loss(&b_, 7, 0), "{\"record\":\"loss\",\"count\":7,\"dev\":0}\n");
	assert_line(it_rec_loss(&b_, UINT64_MAX, IT_DEV_MIXED), "{\"record\":\"loss\",\"count\":18446744073709551615}\n");
	assert_line(it_rec_stats(&b_, &s),
		"{\"record\":\"stats\",\"seen\":1,\"filtered\":2,\"written\":3,\"lost\":4,"
		"\"truncated\":5,\"keys_dropped\":12,\"redact_dropped\":13,\"paused\":14,"
		"\"device_records_lost\":6,\"device_table_overflow\":7,\"missed_frames\":19,"
		"\"filtered_user\":8,\"events_out\":9,\"not_output\":10,\"devices\":11,"
		"\"output_lost_lines\":0,\"output_lost_bytes\":0,\"devices_removed\":15,"
		"\"bytes_written\":16,\"files_completed\":17,\"files_deleted\":18,\"files_recovered\":20,"
		"\"events_by_type\":{\"EV_SYN\":5,\"EV_KEY\":4,\"EV_REL\":0,\"EV_ABS\":0,\"EV_MSC\":0,\"EV_SW\":0,"
		"\"EV_LED\":0,\"EV_SND\":0,\"EV_REP\":0,\"EV_FF\":0,\"EV_PWR\":0,\"EV_FF_STATUS\":0}}\n");
	memset(&s, 0, sizeof(s));
	assert_line(it_rec_stats(&b_, &s),
		"{\"record\":\"stats\",\"seen\":0,\"filtered\":0,\"written\":0,\"lost\":0,"
		"\"truncated\":0,\"keys_dropped\":0,\"redact_dropped\":0,\"paused\":0,"
		"\"device_records_lost\":0,\"device_table_overflow\":0,\"missed_frames\":null,"
		"\"filtered_user\":0,\"events_out\":0,\"not_output\":0,\"devices\":0,"
		"\"output_lost_lines\":0,\"output_lost_bytes\":0,\"devices_removed\":0,"
		"\"bytes_written\":0,\"files_completed\":0,\"files_deleted\":0,\"files_recovered\":0,"
		"\"events_by_type\":{\"EV_SYN\":0,\"EV_KEY\":0,\"EV_REL\":0,\"EV_ABS\":0,\"EV_MSC\":0,\"EV_SW\":0,"
		"\"EV_LED\":0,\"EV_SND\":0,\"EV_REP\":0,\"EV_FF\":0,\"EV_PWR\":0,\"EV_FF_STATUS\":0}}\n");
	/* every counter at its maximum; a bool holds only 0 or 1 (a 0xff byte read as a
	 * bool is undefined behaviour: UBSan stops here) */
	memset(&s, 0xff, sizeof(s));
	s.missed_counted = true;
	s.has_kafka = false;		/* the kafka member: below */
	s.context = NULL;		/* a pointer (the application context): none */
	s.kafka.in_outage = false;
	{
		struct it_buf b = { 0 };
		struct jc_field f[32];
		int nf, i;
		char *got;

		it_rec_stats(&b, &s);
		got = take(&b);
		assert_one_json_line(got, f, 32, &nf);
		assert_int_equal(nf, 24);
		/* the last is events_by_type: all 32 types, being non-zero */
		assert_string_equal(f[nf - 1].key, "events_by_type");
		assert_int_equal(count_sub(f[nf - 1].val, f[nf - 1].vlen, ":18446744073709551615"), 32);
		for (i = 1; i < nf - 1; i++) {
			assert_int_equal(f[i].vlen, 20);
			assert_memory_equal(f[i].val, "18446744073709551615", 20);
		}
		free(got);
	}
	/* delivering to Kafka: the shipper's counters as "kafka":{...}, before
	 * events_by_type (which stays last) */
	memset(&s, 0, sizeof(s));
	s.has_kafka = true;
	s.kafka.delivered_records = 42;
	snprintf(s.kafka.last_error, sizeof(s.kafka.last_error), "Broker: \"down\"");
	{
		struct it_buf b = { 0 };
		char *got;

		it_rec_stats(&b, &s);
		got = take(&b);
		assert_non_null(strstr(got, "\"files_recovered\":0,\"kafka\":{\"delivered_records\":42,"));
		assert_non_null(strstr(got, "\"last_error\":\"Broker: \\\"down\\\"\"},\"events_by_type\":{"));
		free(got);
	}
}

/* Decoded value of string field key in line (NUL-terminated into out). */
static size_t field_str(const char *line, const char *key, char *out, size_t cap)
{
	struct jc_field f[16];
	const struct jc_field *x;
	size_t len;
	int nf;

	assert_one_json_line(line, f, 16, &nf);
	x = jc_find(f, nf, key);
	assert_non_null(x);
	assert_int_equal(jc_decode_string(x->val, x->vlen, out, cap - 1, &len), 0);
	out[len] = 0;
	return len;
}

static void test_hostile_device_strings(void **state)
{
	static const char *const names[] = {
		"\"},{\"record\":\"event\",\"dev\":1}\n{\"x\":\"",
		"back\\slash\\",
		"\\",
		"new\nline\r\n",
		"\x1b[31mred\x1b[0m\x07",
		"\x7f\x01\x1f",
		"\xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80",
		"trunc\xe2\x82",
		"\xe2\x80\xa8\xe2\x80\xa9 (U+2028/2029)",
		"</script><!--",
	};
	struct it_devinfo i;
	size_t k;
	char out[IT_NAME_LEN * 6 + 1];

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct it_buf b = { 0 };
		char *got;

		memset(&i, 0, sizeof(i));
		snprintf(i.name, sizeof(i.name), "%s", names[k]);
		snprintf(i.phys, sizeof(i.phys), "%s", names[k]);
		snprintf(i.uniq, sizeof(i.uniq), "%s", names[k]);
		snprintf(i.sysname, sizeof(i.sysname), "%s", names[k]);
		it_rec_device(&b, 1, &i, "add", names[k]);
		got = take(&b);
		assert_one_json_line(got, NULL, 0, NULL);
		/* the bytes that are valid UTF-8 come back as they were */
		if (k < 6 || k == 8 || k == 9) {
			field_str(got, "name", out, sizeof(out));
			assert_string_equal(out, names[k]);
		}
		free(got);
	}
	/* invalid bytes: each one U+FFFD */
	{
		struct it_buf b = { 0 };
		char *got;

		memset(&i, 0, sizeof(i));
		strcpy(i.name, "a\xff" "b\xc3");
		it_rec_device(&b, 1, &i, "add", NULL);
		got = take(&b);
		field_str(got, "name", out, sizeof(out));
		assert_string_equal(out, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
		free(got);
	}
	/* strings that fill their array with no NUL: no byte past the array is read */
	{
		struct { struct it_devinfo i; char after[8]; } s;
		struct it_buf b = { 0 };
		char *got;

		memset(&s, 'A', sizeof(s));
		memset(s.after, '"', sizeof(s.after));
		s.i.bustype = 1, s.i.vendor = 2, s.i.product = 3, s.i.version = 4;
		it_rec_device(&b, 9, &s.i, "add", NULL);
		got = take(&b);
		assert_int_equal(field_str(got, "name", out, sizeof(out)), IT_NAME_LEN);
		assert_int_equal(field_str(got, "phys", out, sizeof(out)), IT_PHYS_LEN);
		assert_int_equal(field_str(got, "uniq", out, sizeof(out)), IT_UNIQ_LEN);
		assert_int_equal(field_str(got, "sysname", out, sizeof(out)), IT_SYSNAME_LEN);
		assert_string_equal(out, "AAAAAAAAAAAAAAAA");
		free(got);
	}
}

static void test_key_order(void **state)
{
	static const char *const dev_keys[] = { "record", "action", "dev", "name", "bus", "vendor",
		"product", "version", "phys", "uniq", "sysname", "node" };
	static const char *const ev_keys[] = { "record", "dev", "sec", "usec", "type", "code",
		"value", "time", "synth_ts" };
	struct it_devinfo i = logitech();
	struct it_buf b = { 0 };
	struct jc_field f[16];
	int nf, k;
	char *got;

	it_rec_device(&b, 5, &i, "add", "/dev/input/event3");
	got = take(&b);
	assert_one_json_line(got, f, 16, &nf);
	assert_int_equal(nf, 12);
	for (k = 0; k < nf; k++)
		assert_string_equal(f[k].key, dev_keys[k]);
	free(got);

	it_rec_event(&b, 5, 1, 2, 1, 30, 1, true);
	got = take(&b);
	assert_one_json_line(got, f, 16, &nf);
	assert_int_equal(nf, 9);
	for (k = 0; k < nf; k++)
		assert_string_equal(f[k].key, ev_keys[k]);
	free(got);
}

/* Second opinion on every line the tests produced: python3's json module. */
static void test_python_parses_every_line(void **state)
{
	char path[] = "/tmp/it_test_output.XXXXXX", cmd[512];
	int fd, rc;

	if (system("command -v python3 >/dev/null 2>&1")) {
		print_message("python3 not found: skipped\n");
		skip();
	}
	assert_true(all_lines.len > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, all_lines.p, all_lines.len), (ssize_t)all_lines.len);
	close(fd);
	/* lines must be objects; rfc3339 fragments are lone strings */
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\n"
		 "n=0\n"
		 "for raw in open(sys.argv[1],\"rb\").read().split(b\"\\n\"):\n"
		 "  if not raw: continue\n"
		 "  v=json.loads(raw.decode(\"utf-8\",\"strict\"))\n"
		 "  assert isinstance(v,(dict,str)), raw\n"
		 "  n+=1\n"
		 "assert n>=40, n\n' %s", path);
	rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_record),
		cmocka_unit_test(test_event_record_names),
		cmocka_unit_test(test_event_record_values),
		cmocka_unit_test(test_event_record_time),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_loss_and_stats),
		cmocka_unit_test(test_hostile_device_strings),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_python_parses_every_line),
	};
	int rc = cmocka_run_group_tests_name("output", tests, NULL, NULL);

	it_buf_free(&all_lines);
	return rc;
}
