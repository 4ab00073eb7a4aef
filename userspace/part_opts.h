/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * part_opts.h - the participation flags (docs/participation.md): --participation,
 * --subject-key, --state-dir, --notice-version. One option group of cli.c, as the
 * Kafka flags are (kafka_conf.h).
 */
#ifndef IT_PART_OPTS_H
#define IT_PART_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "participation.h"

#define IT_STATE_DIR_DEFAULT "/var/lib/inputtrace"
#define IT_SUBJECT_KEY_NAME "subject.key"	/* in --state-dir, when opt-in/opt-out */

struct it_part_opts {
	enum it_part_mode mode;		/* --participation; IT_PART_EVERYONE by default */
	const char *subject_key;	/* --subject-key FILE; NULL: STATEDIR/subject.key
					 * with opt-in/opt-out, no subject with everyone */
	const char *state_dir;		/* --state-dir DIR: the choices file */
	uint32_t notice;		/* --notice-version N: the notice in force (0: none) */
};

enum {
	IT_OPT_PARTICIPATION = 0x5000,
	IT_OPT_SUBJECT_KEY,
	IT_OPT_STATE_DIR,
	IT_OPT_NOTICE_VERSION,
};

#define IT_PART_LONGOPTS							\
	{ "participation", required_argument, NULL, IT_OPT_PARTICIPATION },	\
	{ "subject-key", required_argument, NULL, IT_OPT_SUBJECT_KEY },		\
	{ "state-dir", required_argument, NULL, IT_OPT_STATE_DIR },		\
	{ "notice-version", required_argument, NULL, IT_OPT_NOTICE_VERSION }

void it_part_opts_init(struct it_part_opts *p);

/* One flag from getopt_long (c, optarg). Returns 1 when c is one of IT_OPT_* above
 * and was taken, 0 when c is not ours, -1 on a bad value (err: one line). */
int it_part_opt(struct it_part_opts *p, int c, const char *arg, char *err, size_t errlen);

/* Whether the agent computes subjects: a participation mode, or --subject-key. */
static inline bool it_part_opts_subjects(const struct it_part_opts *p)
{
	return p->mode != IT_PART_EVERYONE || p->subject_key;
}

#endif
