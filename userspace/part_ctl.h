/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * part_ctl.h - the client side of participation: `inputtrace ctl participate
 * yes|no|status|list [notice=N] [uid=N] [--socket PATH]` (docs/participation.md).
 */
#ifndef IT_PART_CTL_H
#define IT_PART_CTL_H

#include <stdio.h>

/*
 * argv[1] is "participate", the words after it are sent joined by spaces (and
 * --socket PATH is taken out). Every reply line is printed to out. Returns the exit
 * status: 0 for "ok ...", 1 for "error: ..." or an agent that cannot be reached, 2 for
 * a usage error.
 */
int it_ctl_participate(int argc, char **argv, FILE *out);

#endif
