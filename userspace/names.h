/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* names.h - event type and code names, from libevdev's tables. */
#ifndef IT_NAMES_H
#define IT_NAMES_H

/* Name of event type t ("EV_KEY"), or its number as "0x1d" (written into tmp[16]). */
const char *it_type_name(unsigned int t, char tmp[16]);

/* Name of code c of type t ("KEY_A", "SYN_REPORT"), the class name of a redacted key
 * (EV_KEY, "KEYCLASS_LETTER": keyclass.h), or "0x2ff" (in tmp[16]). */
const char *it_code_name(unsigned int t, unsigned int c, char tmp[16]);

#endif
