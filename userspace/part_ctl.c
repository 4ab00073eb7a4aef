// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* part_ctl.c - `inputtrace ctl participate ...` (part_ctl.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "control.h"
#include "log.h"
#include "participate.h"
#include "part_ctl.h"

#define REPLY_MAX IT_CTL_REPLY_MAX

/* The request's first word is one the agent knows: a usage error is said here, not
 * after a connection (or as a missing agent). */
static bool known_verb(const char *w)
{
	static const char *const verbs[] = { "yes", "no", "status", "list" };
	size_t n = strcspn(w, " ");
	unsigned int i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i]) == n && !strncmp(w, verbs[i], n))
			return true;
	return false;
}

int it_ctl_participate(int argc, char **argv, FILE *out)
{
	const char *path = IT_CONTROL_SOCKET_DEFAULT;
	static char reply[REPLY_MAX + 1];
	char req[IT_PART_REQ_MAX + 1] = "participate", err[512];
	size_t l = strlen(req);
	int i, rc;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			path = argv[i] + 9;
		} else if (argv[i][0] == '-') {
			it_err("ctl participate: bad option '%s' (see ctl --help)", argv[i]);
			return 2;
		} else if (l + 1 + strlen(argv[i]) + 1 >= sizeof(req)) {
			it_err("ctl participate: request too long");
			return 2;
		} else {
			l += (size_t)snprintf(req + l, sizeof(req) - l, " %s", argv[i]);
		}
	}
	if (argc < 3 || l == strlen("participate") || !known_verb(req + strlen("participate "))) {
		it_err("ctl participate: expected yes, no, status or list (see ctl --help)");
		return 2;
	}
	/* the control socket's client: the whole answer, and "busy" retried for 2 s */
	rc = it_control_request(path, req, reply, sizeof(reply), err, sizeof(err));
	if (rc < 0) {
		it_err("ctl participate: %s", err);
		return 1;
	}
	if (!rc) {
		fprintf(out, "%s\n", reply);
		return 0;
	}
	reply[strcspn(reply, "\n")] = 0;
	it_err("ctl participate: %s", reply);
	return 1;
}
