// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* names.c - event names through libevdev (libevdev_event_{type,code}_get_name(3)). */
#include <libevdev/libevdev.h>
#include <stdio.h>
#include "keyclass.h"
#include "names.h"

const char *it_type_name(unsigned int t, char tmp[16])
{
	const char *n = libevdev_event_type_get_name(t);

	if (n)
		return n;
	snprintf(tmp, 16, "0x%x", t);
	return tmp;
}

const char *it_code_name(unsigned int t, unsigned int c, char tmp[16])
{
	const char *n;

	/* a key redacted in the kernel carries its class (keyclass.h), above KEY_MAX */
	if (t == EV_KEY && (n = it_keyclass_name(c)))
		return n;
	n = libevdev_event_code_get_name(t, c);

	if (n)
		return n;
	snprintf(tmp, 16, "0x%x", c);
	return tmp;
}
