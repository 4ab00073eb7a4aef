/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json.h - a growable byte buffer and the JSON string escaping the records use. */
#ifndef IT_JSON_H
#define IT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte buffer; oom is set (and further writes ignored) if it cannot grow. */
struct it_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void it_buf_free(struct it_buf *b);
static inline void it_buf_reset(struct it_buf *b) { b->len = 0; }
void it_buf_put(struct it_buf *b, const char *s, size_t n);
void it_buf_puts(struct it_buf *b, const char *s);
void it_buf_putc(struct it_buf *b, char c);
void it_buf_u64(struct it_buf *b, uint64_t v);
void it_buf_i64(struct it_buf *b, int64_t v);

/* Length of the valid UTF-8 sequence at s (1-4 bytes, at most n), or 0 if it is not
 * one (overlong forms, surrogates and values past U+10FFFF are invalid: RFC 3629). */
size_t it_utf8_len(const unsigned char *s, size_t n);

/*
 * Append s (at most maxlen bytes, stopping at a NUL) as a quoted JSON string
 * (RFC 8259): '"' and '\\' escaped, control characters as \n, \t, ... or \u00XX,
 * and every byte that is not part of valid UTF-8 (overlong forms, surrogates, values
 * past U+10FFFF included) replaced by U+FFFD, so the output is always valid JSON.
 */
void it_json_str(struct it_buf *b, const char *s, size_t maxlen);

/* ,"k": -- the start of a member after the first; k is written as is (a fixed,
 * ASCII key that needs no escaping). */
void it_json_key(struct it_buf *b, const char *k);

/* ,"k":v with v an unsigned decimal. */
void it_json_kv_u64(struct it_buf *b, const char *k, uint64_t v);

#endif
