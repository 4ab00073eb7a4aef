// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* helper.c - `inputtrace focus` alone (it_focus_main), for tests/focus/run.sh until
 * the agent's subcommand table has it. */
#include "focus.h"

int main(int argc, char **argv)
{
	return it_focus_main(argc, argv);
}
