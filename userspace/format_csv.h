/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * format_csv.h - --format csv (RFC 4180, for spreadsheets): a header line, then one
 * line per event, loss or output_loss:
 *   record,dev,device,sec,usec,time,type,code,value
 *   event,3,"Lenovo ThinkPad Compact USB Keyboard",14,704248,2026-11-29T19:00:40.705030Z,EV_KEY,KEYCLASS_LETTER,1
 *   loss,,,,,,,,12            (value: events the full ring buffer refused before the next line)
 *   output_loss,,,,,,,,40     (value: lines that could not be written before this one)
 *   pause,,,SEC,USEC,TIME,,,UID   (and resume: capture paused or resumed by UID)
 * With a subject key (fc->subject_key, docs/participation.md) every row has a last
 * column, subject (pause/resume: who asked, the UID column left empty).
 */
#ifndef IT_FORMAT_CSV_H
#define IT_FORMAT_CSV_H

#include <stdbool.h>
#include <stdint.h>
#include "format.h"

#define IT_CSV_HEAD "record,dev,device,sec,usec,time,type,code,value"
#define IT_CSV_HEADER IT_CSV_HEAD "\n"

/* First bytes that make a spreadsheet read a cell as a formula (OWASP, "CSV
 * Injection"): a text cell starting with one gets a leading "'". */
#define IT_CSV_FORMULA_LEAD "=+-@\t\r"

/* A text field: quoted when it holds a comma, quote, CR or LF ('"' doubled); other
 * control characters become spaces, so a line is always one record; a field starting
 * with one of IT_CSV_FORMULA_LEAD gets a leading "'" (numbers are not text fields). */
void it_csv_field(struct it_buf *b, const char *s, size_t maxlen);

void it_csv_event(struct it_buf *b, uint32_t dev, const char *devname, uint64_t mono_ns,
		  uint64_t real_ns, unsigned int type, unsigned int code, int32_t value);

/* "loss" or "output_loss" with its count. */
void it_csv_count(struct it_buf *b, const char *record, uint64_t count);

/* "pause" or "resume", when and by whom. */
/* The columns every non-event row starts with: "KIND,,,SEC,USEC,TIME," (mono_ns split
 * as evdev splits it, real_ns as RFC 3339 without quotes). */
void it_csv_start(struct it_buf *b, const char *kind, uint64_t mono_ns, uint64_t real_ns);

void it_csv_control(struct it_buf *b, bool pause, const struct it_ctl_req *r, uint64_t mono_ns,
		    uint64_t real_ns);

#endif
