// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_control.c - the control socket's request parser (it_ctl_parse, userspace/control.c):
 * what any local client that may connect sends. Input: one byte of flags (bit 0: the
 * peer has shut down its side, eof), then the bytes the connection delivered.
 * Properties: the result is 1, 0 or -1; a whole request is exactly "pause", "resume"
 * or "status" before its first "\n" (one "\r" allowed before it) or before eof, within
 * IT_CTL_LINE_MAX bytes; "more" only without a newline, a NUL or eof and below the
 * bound; a refusal says why in one line; and the server, which parses each time bytes
 * arrive, decides on the same prefix whatever the chunks: once a prefix is decided,
 * every longer one gives the same decision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include <stdint.h>
#include "control.h"

static const char *const names[] = { [IT_CTL_PAUSE] = "pause", [IT_CTL_RESUME] = "resume",
				     [IT_CTL_STATUS] = "status" };

/* Parse and check what any one result must be. */
static int parse_checked(const char *p, size_t n, bool eof, enum it_ctl_cmd *cmd)
{
	const char *why = (const char *)1, *nl = memchr(p, '\n', n);
	size_t line = nl ? (size_t)(nl - p) : n;
	int rc = it_ctl_parse(p, n, eof, cmd, &why);

	FUZZ_ASSERT(rc == 1 || rc == 0 || rc == -1, "rc %d", rc);
	if (rc == 1) {
		size_t want;

		FUZZ_ASSERT(!why && *cmd >= IT_CTL_PAUSE && *cmd <= IT_CTL_STATUS, "cmd %d", *cmd);
		FUZZ_ASSERT(nl || eof, "a command without its newline or eof");
		FUZZ_ASSERT(line + (nl != NULL) <= IT_CTL_LINE_MAX, "a line of %zu bytes", line);
		want = strlen(names[*cmd]);
		FUZZ_ASSERT(!memcmp(p, names[*cmd], want) &&
			    (line == want || (line == want + 1 && p[want] == '\r')),
			    "'%.*s' taken as %s", (int)line, p, names[*cmd]);
	} else if (rc == 0) {
		FUZZ_ASSERT(!why && !eof && !nl && n < IT_CTL_LINE_MAX && !memchr(p, 0, n),
			    "more asked of %zu bytes (eof %d)", n, eof);
	} else {
		FUZZ_ASSERT(why && why[0] && !strchr(why, '\n') && *cmd == IT_CTL_NONE,
			    "refused without a reason");
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum it_ctl_cmd cmd, first_cmd = IT_CTL_NONE;
	const char *p = (const char *)data + 1;
	size_t n, k, decided = 0;
	bool eof;
	int rc, first = 0;

	if (size < 1)
		return 0;
	eof = data[0] & 1;
	n = size - 1;
	/* what the server sees as bytes arrive: the first decided prefix, then longer ones */
	for (k = 0; k <= n && k <= 4 * IT_CTL_LINE_MAX; k++) {
		rc = parse_checked(p, k, false, &cmd);
		if (!rc)
			continue;
		if (!first) {
			first = rc;
			first_cmd = cmd;
			decided = k;
			continue;
		}
		FUZZ_ASSERT(rc == first && cmd == first_cmd,
			    "decided %d (%d) at %zu bytes, then %d (%d) at %zu", first, first_cmd,
			    decided, rc, cmd, k);
	}
	rc = parse_checked(p, n, eof, &cmd);
	if (first)	/* decided before eof: eof changes nothing */
		FUZZ_ASSERT(rc == first && cmd == first_cmd, "eof changed the decision");
	return 0;
}
