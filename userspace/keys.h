/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* keys.h - the key redaction table's userspace side (include/keyclass.h). */
#ifndef IT_KEYS_H
#define IT_KEYS_H

/*
 * Write the key classification (it_keyclass_build()) into the it_keyclass BPF array
 * map map_fd: KEY_MAX+1 entries of __u16. Returns 0, or -1 with errno set.
 */
int it_keyclass_load(int map_fd);

#endif
