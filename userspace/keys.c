// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* keys.c - load the key classification table into the kernel. */
#include <bpf/bpf.h>
#include "inputtrace.h"
#include "keys.h"

int it_keyclass_load(int map_fd)
{
	__u16 table[KEY_MAX + 1];
	__u32 c;

	it_keyclass_build(table);
	for (c = 0; c <= KEY_MAX; c++)
		if (bpf_map_update_elem(map_fd, &c, &table[c], BPF_ANY))
			return -1;
	return 0;
}
