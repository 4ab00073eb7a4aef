// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_json.c - the JSON string escaper (it_json_str, userspace/json.c) and the device
 * record it writes names with (it_rec_device_ex, userspace/output.c), on any bytes.
 * Properties: the output is exactly one valid JSON string (json_check.h, strict RFC
 * 8259) with no raw control byte, and it decodes to the input up to its first NUL with
 * each byte outside well-formed UTF-8 replaced by U+FFFD; a device record built from
 * any bytes (names not NUL-terminated) is one valid JSON object and one line whose
 * name, phys, uniq and sysname decode the same way.
 */
#include "json.h"
#include "format_jsonl.h"
#include "output.h"
#include "fuzz.h"

/* it_json_str(s, max) against the reference. */
static void check_str(const char *s, size_t max)
{
	struct it_buf b = { 0 };
	size_t wlen, glen;
	char *want = fuzz_utf8_ref(s, max, 0, &wlen), *got;

	it_json_str(&b, s, max);
	FUZZ_ASSERT(!b.oom, "out of memory");
	FUZZ_ASSERT(fuzz_no_ctl(b.p, b.len), "raw control byte in %.*s", (int)b.len, b.p);
	got = malloc(b.len + 1);
	FUZZ_ASSERT(got && !jc_decode_string(b.p, b.len, got, b.len, &glen),
		    "not one valid JSON string: %.*s", (int)b.len, b.p);
	FUZZ_ASSERT(glen == wlen && !memcmp(got, want, wlen), "decodes to %zu bytes, want %zu: %.*s",
		    glen, wlen, (int)b.len, b.p);
	free(got);
	free(want);
	it_buf_free(&b);
}

/* The decoded string member k of fields[nf] equals the reference of s[max]. */
static void check_member(const struct jc_field *f, int nf, const char *k, const char *s, size_t max)
{
	const struct jc_field *x = jc_find(f, nf, k);
	size_t wlen, glen;
	char *want = fuzz_utf8_ref(s, max, 0, &wlen), got[4 * IT_NAME_LEN + 8];

	FUZZ_ASSERT(x, "no member %s", k);
	FUZZ_ASSERT(!jc_decode_string(x->val, x->vlen, got, sizeof(got), &glen) &&
		    glen == wlen && !memcmp(got, want, wlen), "member %s: %.*s", k, (int)x->vlen, x->val);
	free(want);
}

static void check_device(const uint8_t *data, size_t size)
{
	struct it_devinfo info;
	struct it_buf b = { 0 };
	struct jc_field f[16];
	int nf;

	memset(&info, 0, sizeof(info));
	memcpy(&info, data, size < sizeof(info) ? size : sizeof(info));
	it_rec_device_ex(&b, 7, &info, "add", "/dev/input/event3", 1);
	FUZZ_ASSERT(!b.oom && b.len > 1 && b.p[b.len - 1] == '\n', "not one line");
	FUZZ_ASSERT(fuzz_no_ctl(b.p, b.len - 1), "raw control byte in %.*s", (int)b.len, b.p);
	FUZZ_ASSERT(!jc_check(b.p, b.len - 1, f, 16, &nf), "not one JSON object: %.*s", (int)b.len, b.p);
	check_member(f, nf, "name", info.name, sizeof(info.name));
	check_member(f, nf, "phys", info.phys, sizeof(info.phys));
	check_member(f, nf, "uniq", info.uniq, sizeof(info.uniq));
	check_member(f, nf, "sysname", info.sysname, sizeof(info.sysname));
	it_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	check_str(s, size);
	check_str(s, size / 2);	/* a bound that cuts a UTF-8 sequence or comes before the NUL */
	check_device(data, size);
	return 0;
}
