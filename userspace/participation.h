/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * participation.h - who takes part (--participation opt-in|opt-out|everyone) and the
 * choices people made, kept under the state directory across restarts
 * (docs/participation.md).
 *
 * A choice is per uid: yes or no, when (CLOCK_REALTIME ns), and the version of the
 * notice the person was shown. The store is one text file, STATEDIR/participation:
 *   inputtrace-participation 1
 *   UID yes|no TIME_NS NOTICE
 * one line per uid, sorted by uid; replaced atomically (atomicfile.h), mode 0600,
 * never read or written through a symlink. A file that does not parse is an error,
 * never "no choices": under opt-out that would record people who objected.
 */
#ifndef IT_PARTICIPATION_H
#define IT_PARTICIPATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "json.h"
#include "logind.h"

#define IT_PART_FILE "participation"
#define IT_PART_MAX_CHOICES 1000000	/* a file with more is refused */

enum it_part_mode {
	IT_PART_EVERYONE,	/* today's behaviour: whoever is at the keyboard */
	IT_PART_OPT_IN,		/* only those who said yes */
	IT_PART_OPT_OUT,	/* everyone who has not said no */
};

/* "opt-in", "opt-out", "everyone" -> *m: 0, or -1 for anything else. */
int it_part_mode_parse(const char *s, enum it_part_mode *m);
const char *it_part_mode_name(enum it_part_mode m);

/* opt-in and opt-out need to know who is at the keyboard: logind. */
static inline bool it_part_needs_logind(enum it_part_mode m) { return m != IT_PART_EVERYONE; }

struct it_choice {
	uint32_t uid;
	bool yes;
	uint64_t time_ns;	/* CLOCK_REALTIME */
	uint32_t notice;	/* version of the notice shown */
};

/* Choices sorted by uid, one per uid. */
struct it_choices {
	struct it_choice *v;
	size_t n, cap;
};

/* The choice of uid, or NULL when it never chose. */
const struct it_choice *it_choices_get(const struct it_choices *c, uint32_t uid);
/* Add or replace the choice of ch->uid. Returns 0 or -ENOMEM. */
int it_choices_set(struct it_choices *c, const struct it_choice *ch);
void it_choices_free(struct it_choices *c);

/* The file's text into b; parse it back (c is replaced). Parse returns 0, or -1 with
 * "line N: what" in err. */
void it_choices_format(const struct it_choices *c, struct it_buf *b);
int it_choices_parse(const char *text, size_t len, struct it_choices *c, char *err,
		     size_t errlen);

/* Load IT_PART_FILE from dirfd (a missing file: no choices) / save it atomically.
 * Return 0, or -1 with one line in err (a symlink, not a regular file, writable by
 * others, unparsable, I/O). */
int it_choices_load(int dirfd, struct it_choices *c, char *err, size_t errlen);
int it_choices_save(int dirfd, const struct it_choices *c, char *err, size_t errlen);

/* Whether mode lets a person with choice ch (NULL: none) be recorded. */
bool it_part_allows(enum it_part_mode m, const struct it_choice *ch);

/*
 * The final verdict: the session's (s) and then the participation of its user.
 * s NULL means "no logind" and is only meaningful for IT_PART_EVERYONE: recorded,
 * uid (uid_t)-1 (today's behaviour). Returns a copy of *s with record false and why
 * IT_WHY_NOT_PARTICIPATING when the user does not take part.
 */
struct it_session_state it_part_decide(enum it_part_mode m, const struct it_session_state *s,
				       const struct it_choices *c);

#endif
