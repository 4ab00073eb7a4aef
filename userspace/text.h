/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * text.h - the one escaping rule for text meant for terminals, logs and line-based
 * files (the start notice, the status file, ctl status, --list-devices, evemu's N:
 * line, option errors): device names and other outside strings never carry a control
 * byte or invalid UTF-8 there (issue 14, defect 5: a CR or ESC in a device name could
 * rewrite a log line or drive a terminal).
 */
#ifndef IT_TEXT_H
#define IT_TEXT_H

#include <stddef.h>
#include "json.h"

/* Room it_text_escs() needs for n input bytes, NUL included: each byte becomes at most
 * four ("\xNN"). */
#define IT_TEXT_ESC_LEN(n) (4 * (size_t)(n) + 1)

/*
 * Append s (at most maxlen bytes, stopping at a NUL) to b escaped: '\\' as "\\\\"; C0
 * controls (0x00-0x1f), DEL (0x7f), C1 controls (U+0080-U+009F) and every byte not
 * part of valid UTF-8 (it_utf8_len()) as "\xNN" (lower-case hex; a C1 control's two
 * bytes each); everything else, printable ASCII and valid UTF-8, as is.
 */
void it_text_esc(struct it_buf *b, const char *s, size_t maxlen);

/* The same into out[len] (NUL-terminated; cut before an escape that does not fit, so
 * len >= IT_TEXT_ESC_LEN(strnlen(s, maxlen)) never cuts). Returns out. */
const char *it_text_escs(char *out, size_t len, const char *s, size_t maxlen);

/* Escape the NUL-terminated s[len] in place (cut as it_text_escs() cuts). */
void it_text_esc_inplace(char *s, size_t len);

#endif
