// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* part_opts.c - the participation flags (part_opts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "part_opts.h"

void it_part_opts_init(struct it_part_opts *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = IT_PART_EVERYONE;
	p->state_dir = IT_STATE_DIR_DEFAULT;
}

static int absolute(const char *flag, const char *arg, char *err, size_t errlen)
{
	if (arg[0] == '/')
		return 1;
	snprintf(err, errlen, "invalid %s '%s': expected an absolute path", flag, arg);
	return -1;
}

int it_part_opt(struct it_part_opts *p, int c, const char *arg, char *err, size_t errlen)
{
	unsigned long long n;
	char *end;

	switch (c) {
	case IT_OPT_PARTICIPATION:
		if (it_part_mode_parse(arg, &p->mode)) {
			snprintf(err, errlen, "invalid --participation '%s': expected opt-in, "
				 "opt-out or everyone", arg);
			return -1;
		}
		return 1;
	case IT_OPT_SUBJECT_KEY:
		p->subject_key = arg;
		return absolute("--subject-key", arg, err, errlen);
	case IT_OPT_STATE_DIR:
		p->state_dir = arg;
		return absolute("--state-dir", arg, err, errlen);
	case IT_OPT_NOTICE_VERSION:
		errno = 0;
		n = strtoull(arg, &end, 10);
		if (!*arg || *arg == '-' || *arg == '+' || *end || errno || n > UINT32_MAX) {
			snprintf(err, errlen, "invalid --notice-version '%s': expected a whole number "
				 "from 0 to 4294967295", arg);
			return -1;
		}
		p->notice = (uint32_t)n;
		return 1;
	}
	return 0;
}
