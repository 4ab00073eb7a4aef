/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_check.h - a strict RFC 8259 checker for the unit tests, written independently
 * of userspace/json.c so that it can serve as the oracle:
 *   - exactly one value, optional whitespace around it, nothing else;
 *   - raw bytes inside strings must be well-formed UTF-8 as in Unicode Table 3-7
 *     (no overlongs, no surrogates, nothing past U+10FFFF) and >= 0x20;
 *   - \u escapes must not leave a lone surrogate; pairs are combined;
 *   - objects: duplicate keys are an error; the members of the top-level object can
 *     be collected (decoded key, raw value span) for the tests to inspect.
 */
#ifndef IT_TEST_JSON_CHECK_H
#define IT_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct jc_field {
	char key[64];
	const char *val;	/* raw JSON text of the value */
	size_t vlen;
};

struct jc {
	const unsigned char *p, *end;
	int depth;
	struct jc_field *fields;	/* top-level object members, or NULL */
	int nfields, maxfields;
};

/* Length of the well-formed UTF-8 sequence at p (Unicode 15, Table 3-7), 0 if none. */
static inline size_t jc_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c == 0xe0)
		len = 3, lo = 0xa0;
	else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		len = 3;
	else if (c == 0xed)
		len = 3, hi = 0x9f;
	else if (c == 0xf0)
		len = 4, lo = 0x90;
	else if (c >= 0xf1 && c <= 0xf3)
		len = 4;
	else if (c == 0xf4)
		len = 4, hi = 0x8f;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static inline void jc_emit(char *out, size_t cap, size_t *olen, const char *b, size_t n)
{
	if (out && *olen + n <= cap)
		memcpy(out + *olen, b, n);
	*olen += n;
}

static inline void jc_emit_cp(char *out, size_t cap, size_t *olen, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80)
		b[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	else if (cp < 0x10000)
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	else
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	jc_emit(out, cap, olen, b, n);
}

static inline int jc_hex4(struct jc *j, unsigned *v)
{
	int i;

	*v = 0;
	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned char c = *j->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

/* A string at j->p; decoded into out[cap] (may be NULL), decoded length in *olen. */
static inline int jc_string(struct jc *j, char *out, size_t cap, size_t *olen)
{
	*olen = 0;
	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	for (;;) {
		unsigned char c;

		if (j->p >= j->end)
			return -1;
		c = *j->p;
		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			unsigned cp, lo;

			j->p++;
			if (j->p >= j->end)
				return -1;
			switch (*j->p++) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (jc_hex4(j, &cp))
					return -1;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return -1;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
						return -1;
					j->p += 2;
					if (jc_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return -1;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				break;
			default:
				return -1;
			}
			jc_emit_cp(out, cap, olen, cp);
		} else {
			size_t l = jc_utf8_len(j->p, (size_t)(j->end - j->p));

			if (!l)
				return -1;
			jc_emit(out, cap, olen, (const char *)j->p, l);
			j->p += l;
		}
	}
}

static inline void jc_ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline int jc_digits(struct jc *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : -1;
}

static inline int jc_number(struct jc *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		jc_digits(j);
	else
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (jc_digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (jc_digits(j))
			return -1;
	}
	return 0;
}

static inline int jc_value(struct jc *j);

static inline int jc_object(struct jc *j)
{
	bool top = j->depth == 1 && j->fields;
	char keys[64][64];
	int nkeys = 0, i;

	j->p++;	/* '{' */
	jc_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		char key[64];
		size_t klen;
		const unsigned char *v;

		jc_ws(j);
		if (jc_string(j, key, sizeof(key) - 1, &klen) || klen >= sizeof(key))
			return -1;	/* (keys longer than 63 bytes are not expected) */
		key[klen] = 0;
		if (memchr(key, 0, klen))
			return -1;
		for (i = 0; i < nkeys; i++)
			if (!strcmp(keys[i], key))
				return -1;	/* duplicate key */
		if (nkeys == 64)
			return -1;
		strcpy(keys[nkeys++], key);
		jc_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		jc_ws(j);
		v = j->p;
		if (jc_value(j))
			return -1;
		if (top) {
			struct jc_field *f;

			if (j->nfields >= j->maxfields)
				return -1;
			f = &j->fields[j->nfields++];
			strcpy(f->key, key);
			f->val = (const char *)v;
			f->vlen = (size_t)(j->p - v);
		}
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static inline int jc_array(struct jc *j)
{
	j->p++;	/* '[' */
	jc_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		jc_ws(j);
		if (jc_value(j))
			return -1;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static inline int jc_lit(struct jc *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return -1;
	j->p += n;
	return 0;
}

static inline int jc_value(struct jc *j)
{
	size_t dummy;
	int rc;

	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '{':
		if (++j->depth > 64)
			return -1;
		rc = jc_object(j);
		j->depth--;
		return rc;
	case '[':
		if (++j->depth > 64)
			return -1;
		rc = jc_array(j);
		j->depth--;
		return rc;
	case '"':
		return jc_string(j, NULL, 0, &dummy);
	case 't':
		return jc_lit(j, "true");
	case 'f':
		return jc_lit(j, "false");
	case 'n':
		return jc_lit(j, "null");
	default:
		return jc_number(j);
	}
}

/*
 * 0 if [s, s+n) is exactly one JSON value (optional whitespace around it), else -1.
 * If fields is not NULL and the value is an object, its members are stored there
 * (at most maxf, in order) and their number in *nf.
 */
static inline int jc_check(const char *s, size_t n, struct jc_field *fields, int maxf, int *nf)
{
	struct jc j = { (const unsigned char *)s, (const unsigned char *)s + n, 0, fields, 0, maxf };

	jc_ws(&j);
	if (jc_value(&j))
		return -1;
	jc_ws(&j);
	if (nf)
		*nf = j.nfields;
	return j.p == j.end ? 0 : -1;
}

/* Decode the JSON string that spans exactly [s, s+n) into out[cap]; -1 if invalid. */
static inline int jc_decode_string(const char *s, size_t n, char *out, size_t cap, size_t *olen)
{
	struct jc j = { (const unsigned char *)s, (const unsigned char *)s + n, 0, NULL, 0, 0 };

	if (jc_string(&j, out, cap, olen) || j.p != j.end || *olen > cap)
		return -1;
	return 0;
}

/* The top-level member named key among fields[nf], or NULL. */
static inline const struct jc_field *jc_find(const struct jc_field *fields, int nf, const char *key)
{
	int i;

	for (i = 0; i < nf; i++)
		if (!strcmp(fields[i].key, key))
			return &fields[i];
	return NULL;
}

#endif
