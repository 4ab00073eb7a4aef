// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_csv.c - the CSV field escaper (it_csv_field) and event line (it_csv_event) of
 * userspace/format_csv.c, on any bytes. Input: 8 bytes (type u16, code u16, value
 * i32, host order), then the device name.
 * Properties: a field is exactly one RFC 4180 field, a line exactly one record of 9
 * fields ending in its only '\n'; neither has a control byte or invalid UTF-8; the
 * field decodes to the input up to its first NUL with invalid UTF-8 as U+FFFD and
 * control bytes as spaces, and a leading "'" exactly when the name starts with a byte
 * that makes a spreadsheet read a formula (= + - @ TAB CR: issue 14, defect 4), so no
 * text cell starts with one; type, code and value read back.
 */
#include "format_csv.h"
#include "names.h"
#include "fuzz.h"

#define NFIELDS 9

struct csv_field {
	const char *s;
	size_t len;
};

/* Split the record p[n] (no line end) as RFC 4180 says, fields decoded into buf (n
 * bytes at least). Returns the number of fields, or -1 if it is not well-formed (an
 * unquoted '"', CR or LF; an unterminated quote; text after a closing quote). */
static int csv_parse(const char *p, size_t n, char *buf, struct csv_field *f, int max)
{
	size_t i = 0, o = 0;
	int nf = 0;

	for (;;) {
		if (nf == max)
			return -1;
		f[nf].s = buf + o;
		if (i < n && p[i] == '"') {
			for (i++;; i++) {
				if (i >= n)
					return -1;
				if (p[i] == '"' && (i + 1 >= n || p[i + 1] != '"'))
					break;
				if (p[i] == '"')
					i++;
				buf[o++] = p[i];
			}
			i++;
			if (i < n && p[i] != ',')
				return -1;
		} else {
			for (; i < n && p[i] != ','; i++) {
				if (p[i] == '"' || p[i] == '\r' || p[i] == '\n')
					return -1;
				buf[o++] = p[i];
			}
		}
		f[nf].len = (size_t)(buf + o - f[nf].s);
		nf++;
		if (i == n)
			return nf;
		i++;	/* ',' */
	}
}

/* The decoded text cell got equals the reference of name[max], with a "'" before it
 * exactly when name starts with a formula lead (IT_CSV_FORMULA_LEAD); so no text cell
 * starts with one. */
static void check_cell(const struct csv_field *got, const char *name, size_t max)
{
	size_t wlen;
	char *want = fuzz_utf8_ref(name, max, ' ', &wlen);
	int lead = name[0] && max && strchr(IT_CSV_FORMULA_LEAD, name[0]);
	int same = !lead && got->len == wlen && !memcmp(got->s, want, wlen);
	int quoted = lead && got->len == wlen + 1 && got->s[0] == '\'' &&
		     !memcmp(got->s + 1, want, wlen);

	FUZZ_ASSERT(same || quoted, "cell '%.*s' (%zu bytes), want '%s%.*s' (%zu bytes)",
		    (int)got->len, got->s, got->len, lead ? "'" : "", (int)wlen, want, wlen);
	FUZZ_ASSERT(!got->len || !strchr(IT_CSV_FORMULA_LEAD, got->s[0]) || !got->s[0],
		    "text cell starts with a formula lead: '%.*s'", (int)got->len, got->s);
	free(want);
}

static void check_field(const char *name)
{
	struct it_buf b = { 0 };
	struct csv_field f[2];
	char *dec;

	it_csv_field(&b, name, SIZE_MAX);
	FUZZ_ASSERT(!b.oom, "out of memory");
	FUZZ_ASSERT(fuzz_no_ctl(b.p, b.len), "control byte in %.*s", (int)b.len, b.p);
	FUZZ_ASSERT(fuzz_utf8_valid(b.p, b.len), "invalid UTF-8 in %.*s", (int)b.len, b.p);
	dec = malloc(b.len + 1);
	FUZZ_ASSERT(dec && csv_parse(b.p, b.len, dec, f, 2) == 1, "not one field: %.*s",
		    (int)b.len, b.p);
	check_cell(&f[0], name, SIZE_MAX);
	free(dec);
	it_buf_free(&b);
}

static void check_line(const char *name, unsigned int type, unsigned int code, int32_t value)
{
	struct it_buf b = { 0 };
	struct csv_field f[NFIELDS + 1];
	char *dec, t[16], num[16];

	it_csv_event(&b, 5, name, 14704248000ull, 1764442840705030000ull, type, code, value);
	FUZZ_ASSERT(!b.oom && b.len && b.p[b.len - 1] == '\n', "no line end");
	FUZZ_ASSERT(fuzz_no_ctl(b.p, b.len - 1), "control byte in %.*s", (int)b.len, b.p);
	FUZZ_ASSERT(fuzz_utf8_valid(b.p, b.len), "invalid UTF-8 in %.*s", (int)b.len, b.p);
	dec = malloc(b.len);
	FUZZ_ASSERT(dec && csv_parse(b.p, b.len - 1, dec, f, NFIELDS + 1) == NFIELDS,
		    "not one record of %d fields: %.*s", NFIELDS, (int)b.len, b.p);
	FUZZ_ASSERT(f[0].len == 5 && !memcmp(f[0].s, "event", 5), "record %.*s", (int)f[0].len, f[0].s);
	check_cell(&f[2], name, 256);	/* it_csv_event's bound */
	FUZZ_ASSERT(!f[6].len || !strchr(IT_CSV_FORMULA_LEAD, f[6].s[0]), "type cell '%.*s'",
		    (int)f[6].len, f[6].s);
	FUZZ_ASSERT(!f[7].len || !strchr(IT_CSV_FORMULA_LEAD, f[7].s[0]), "code cell '%.*s'",
		    (int)f[7].len, f[7].s);
	FUZZ_ASSERT(f[5].len == 27, "time '%.*s'", (int)f[5].len, f[5].s);
	FUZZ_ASSERT(f[6].len == strlen(it_type_name(type, t)) && !memcmp(f[6].s, it_type_name(type, t), f[6].len),
		    "type '%.*s'", (int)f[6].len, f[6].s);
	FUZZ_ASSERT(f[7].len == strlen(it_code_name(type, code, t)) &&
		    !memcmp(f[7].s, it_code_name(type, code, t), f[7].len), "code '%.*s'", (int)f[7].len, f[7].s);
	snprintf(num, sizeof(num), "%d", value);
	FUZZ_ASSERT(f[8].len == strlen(num) && !memcmp(f[8].s, num, f[8].len), "value '%.*s', want %s",
		    (int)f[8].len, f[8].s, num);
	free(dec);
	it_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t type = 0, code = 0;
	int32_t value = 0;
	char *name;

	if (size >= 8) {
		memcpy(&type, data, 2);
		memcpy(&code, data + 2, 2);
		memcpy(&value, data + 4, 4);
		data += 8, size -= 8;
	}
	/* a device name is a C string (the kernel's, read with bpf_probe_read_kernel_str) */
	name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = 0;
	check_field(name);
	check_line(name, type, code, value);
	free(name);
	return 0;
}
