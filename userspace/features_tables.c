// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* features_tables.c - the dataset tables (feat.h) and the helpers they share. */
#include <libevdev/libevdev.h>
#include <stdlib.h>
#include <string.h>
#include "feat.h"
#include "keyclass.h"

extern const struct it_feat_table_ops it_feat_keystrokes;
extern const struct it_feat_table_ops it_feat_actions;
extern const struct it_feat_table_ops it_feat_intervals;

const struct it_feat_table_ops *const it_feat_tables[] = {
	&it_feat_keystrokes,
	&it_feat_actions,
	&it_feat_intervals,
	NULL,
};

const struct it_feat_table_ops *it_feat_table_find(const char *name)
{
	for (size_t i = 0; it_feat_tables[i]; i++)
		if (!strcmp(it_feat_tables[i]->name, name))
			return it_feat_tables[i];
	return NULL;
}

void it_feat_opts_default(struct it_feat_opts *o)
{
	o->interval_ns = 60ull * 1000000000ull;	/* aw-watcher-input's is 5 s; 1 min for datasets */
	o->idle_ns = 180ull * 1000000000ull;	/* ActivityWatch's AFK watcher */
}

int it_feat_key_num(const char *code)
{
	char *end;
	long v;

	if (!strncmp(code, "KEYCLASS_", 9)) {
		for (unsigned int i = 0; i < IT_KC_COUNT; i++)
			if (!strcmp(code, it_keyclass_names[i]))
				return IT_KC_BASE + i;
		return -1;
	}
	if (!strncmp(code, "0x", 2)) {
		v = strtol(code + 2, &end, 16);
		return *end || end == code + 2 || v < 0 || v >= IT_KC_END ? -1 : (int)v;
	}
	return libevdev_event_code_from_name(EV_KEY, code);
}

unsigned int it_feat_key_class(int num)
{
	static __u16 map[KEY_MAX + 1];
	static bool built;

	if (num < 0)
		return 0;
	if (it_keyclass_is_class((unsigned int)num))
		return (unsigned int)num;
	if (num > KEY_MAX)
		return 0;
	if (!built) {	/* one thread: the command, or the agent's collector */
		it_keyclass_build(map);
		built = true;
	}
	return map[num] == num ? 0 : map[num];
}

bool it_feat_is_button(const char *code)
{
	int num;

	if (!strncmp(code, "KEY", 3))
		return false;	/* KEY_*, KEYCLASS_*: the fast path */
	if (!strncmp(code, "BTN_", 4))
		return true;
	num = it_feat_key_num(code);
	return num >= 0 && num <= KEY_MAX && it_key_is_button((unsigned int)num);
}
