// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* feat_keys.c - keys and axes by their recorded names (feat_keys.h). */
#include <stdlib.h>
#include <string.h>
#include <libevdev/libevdev.h>
#include "feat_keys.h"
#include "keyclass.h"

/* The code named name of type (libevdev's names, or "0x..." as names.c writes codes
 * it has no name for), -1 when unknown. */
static int code_of(unsigned int type, const char *name)
{
	char *end;
	long v;

	if (!name)
		return -1;
	if (name[0] == '0' && name[1] == 'x') {
		v = strtol(name, &end, 16);
		return *end || v < 0 || v > 0xffff ? -1 : (int)v;
	}
	return libevdev_event_code_from_name(type, name);
}

int it_fk_code(const char *name)
{
	unsigned int i;

	if (name && !strncmp(name, "KEYCLASS_", 9)) {
		for (i = 0; i < IT_KC_COUNT; i++)
			if (!strcmp(name, it_keyclass_names[i]))
				return (int)(IT_KC_BASE + i);
		return -1;
	}
	return code_of(EV_KEY, name);
}

enum it_fk_class it_fk_class(int k)
{
	static __u16 map[KEY_MAX + 1];
	static bool built;

	if (k >= IT_KC_BASE && it_keyclass_is_class((unsigned int)k))
		return (enum it_fk_class)(k - IT_KC_BASE);
	if (k < 0 || k > KEY_MAX)
		return IT_FK_OTHER;
	if (!built) {
		it_keyclass_build(map);
		built = true;
	}
	/* the table keeps a modifier's (and a button's) own code */
	return map[k] == k ? IT_FK_MODIFIER : (enum it_fk_class)(map[k] - IT_KC_BASE);
}

bool it_fk_is_button(int k)
{
	return k >= 0 && it_key_is_button((unsigned int)k);
}

bool it_fk_is_click(int k)
{
	return k >= BTN_LEFT && k <= BTN_TASK;
}

bool it_fk_is_correction(int k)
{
	return k == KEY_BACKSPACE || k == KEY_DELETE || k == 0x1c0 /* KEY_DEL_EOL */ ||
	       k == 0x1c1 /* KEY_DEL_EOS */ || k == 0x1c3 /* KEY_DEL_LINE */ || k == IT_KC_EDITING;
}

int it_fk_rel(const char *name)
{
	return code_of(EV_REL, name);
}
