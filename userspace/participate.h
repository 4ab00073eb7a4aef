/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * participate.h - the agent's side of `inputtrace ctl participate yes|no|status|list`,
 * apart from any socket: the control socket's server hands over the caller's uid
 * (SO_PEERCRED) and the request line, and gets back the reply text and, for yes/no,
 * the change to apply (docs/participation.md).
 *
 * Requests (one line, at most IT_PART_REQ_MAX bytes with its newline, printable
 * ASCII, words separated by one space):
 *   participate status [uid=N]      the caller's choice (root: anyone's)
 *   participate yes [notice=N]      agree; with notice=N, only if N is the notice in force
 *   participate no [uid=N]          object / withdraw (root may do it for uid N)
 *   participate list                root only: every choice
 * Nobody, root included, can say yes for someone else: consent is the person's own.
 *
 * Replies: one line "ok subject=HEX choice=yes|no|none time=ISO8601|- notice=N|-
 * mode=MODE recorded=yes|no" ("list": "ok N choices" and then one such line per
 * choice, with uid=N first), or one line "error: REASON". Every reply ends in '\n'.
 */
#ifndef IT_PARTICIPATE_H
#define IT_PARTICIPATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "json.h"
#include "participation.h"
#include "subject.h"

#define IT_PART_REQ_MAX 256

/*
 * The bound on changes, per uid (a change: a yes/no that alters the saved choice or
 * its notice; each one is a participation record and a save of the choices file).
 * A burst of IT_PART_BURST changes, then one per IT_PART_REFILL_S seconds. Over it a
 * yes (or a no that only updates the notice of a no) answers "error: too many
 * changes; try again in N s". A no that stops recording (from yes, or from no choice
 * at all) is never refused: it is counted, but withdrawal always works. A yes/no
 * that would change nothing answers ok and changes, records and saves nothing.
 * The table holds IT_PART_RATE_SLOTS uids; a uid whose bound has run out is
 * forgotten first, then the one nearest to it.
 */
#define IT_PART_BURST 5
#define IT_PART_REFILL_S 10
#define IT_PART_RATE_SLOTS 64

struct it_part_rate {
	struct {
		uint32_t uid;
		uint64_t tat_ns;	/* CLOCK_MONOTONIC ns: when the uid's bucket is full */
	} v[IT_PART_RATE_SLOTS];
	size_t n;
};

struct it_part_ctx {
	enum it_part_mode mode;
	const struct it_choices *choices;
	const struct it_subject_key *key;
	uint32_t notice;	/* the notice version in force */
	uint64_t now_ns;	/* CLOCK_REALTIME ns: the time of a change */
	struct it_part_rate *rate;	/* the bound on changes; NULL: none (tests, fuzzing) */
	uint64_t mono_ns;	/* CLOCK_MONOTONIC ns, for the bound */
};

/* A yes/no to apply: it_choices_set() + it_choices_save(), then decide again. */
struct it_part_change {
	struct it_choice choice;
	char subject[IT_SUBJECT_HEX + 1];	/* for the choice's record */
};

enum it_part_result {
	IT_PART_REPLY = 0,	/* reply holds the answer; nothing changes */
	IT_PART_CHANGE = 1,	/* apply *chg, then send reply (it holds the state after) */
	IT_PART_ERROR = -1,	/* reply holds "error: ..." */
};

/*
 * Handle request (len bytes, need not be NUL-terminated) from caller. The reply is
 * appended to reply. For IT_PART_CHANGE the agent applies the change before it
 * answers, so that a withdrawal has taken effect (the kernel flag set) when the
 * command returns; if that fails it answers "error: ..." instead.
 */
enum it_part_result it_participate_handle(const struct it_part_ctx *c, uid_t caller,
					  const char *request, size_t len,
					  struct it_buf *reply, struct it_part_change *chg);

#endif
