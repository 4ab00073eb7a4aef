// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* participate.c - `ctl participate` requests (participate.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "participate.h"

enum verb { V_STATUS, V_YES, V_NO, V_LIST };

struct request {
	enum verb verb;
	bool has_uid, has_notice;
	uint64_t uid, notice;
};

static void error_reply(struct it_buf *reply, const char *why)
{
	it_buf_puts(reply, "error: ");
	it_buf_puts(reply, why);
	it_buf_putc(reply, '\n');
}

/* "NAME=decimal" with the value at most max into *v: 1, 0 when word is not NAME=,
 * -1 when the number is bad. */
static int word_num(const char *word, const char *name, uint64_t max, uint64_t *v)
{
	size_t n = strlen(name);
	const char *p;

	if (strncmp(word, name, n) || word[n] != '=')
		return 0;
	p = word + n + 1;
	if (!*p || strlen(p) > 10)
		return -1;
	*v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	return *v <= max ? 1 : -1;
}

/* Parse line (NUL-terminated, no newline) into r; on error, why says. */
static int parse(char *line, struct request *r, const char **why)
{
	static const char *const verbs[] = { "status", "yes", "no", "list" };
	char *save = NULL, *w;
	size_t i;

	*why = "malformed request: expected \"participate yes|no|status|list\"";
	memset(r, 0, sizeof(*r));
	w = strtok_r(line, " ", &save);
	if (!w || strcmp(w, "participate"))
		return -1;
	w = strtok_r(NULL, " ", &save);
	for (i = 0; w && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(w, verbs[i]))
			break;
	if (!w || i == sizeof(verbs) / sizeof(verbs[0]))
		return -1;
	r->verb = (enum verb)i;
	while ((w = strtok_r(NULL, " ", &save))) {
		int u = word_num(w, "uid", UINT32_MAX - 1, &r->uid);
		int n = u ? 0 : word_num(w, "notice", UINT32_MAX, &r->notice);

		if (u < 0 || n < 0) {
			*why = "malformed number";
			return -1;
		}
		if ((u && (r->has_uid || r->verb == V_YES || r->verb == V_LIST)) ||
		    (n && (r->has_notice || r->verb != V_YES)) || (!u && !n)) {
			*why = "malformed request: unexpected word";
			return -1;
		}
		r->has_uid |= u > 0;
		r->has_notice |= n > 0;
	}
	return 0;
}

/* The request's line into line (NUL-terminated, newline dropped); -1 with why when
 * it is too long, empty or holds anything but printable ASCII. */
static int take_line(const char *req, size_t len, char *line, const char **why)
{
	size_t i;

	if (len && req[len - 1] == '\n')
		len--;
	if (len >= IT_PART_REQ_MAX) {
		*why = "request too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (req[i] < 0x20 || req[i] > 0x7e) {
			*why = "malformed request: not one line of printable ASCII";
			return -1;
		}
		line[i] = req[i];
	}
	line[len] = 0;
	if (line[0] == ' ' || (len && line[len - 1] == ' ') || strstr(line, "  ")) {
		*why = "malformed request: words are separated by one space";
		return -1;
	}
	return 0;
}

/* One "subject=... choice=... time=... notice=... mode=... recorded=..." line. */
static void state_line(const struct it_part_ctx *c, uint32_t uid, const struct it_choice *ch,
		       struct it_buf *reply)
{
	char subject[IT_SUBJECT_HEX + 1], when[32] = "-";

	if (it_subject_of(c->key, uid, subject))
		snprintf(subject, sizeof(subject), "-");
	if (ch) {
		time_t t = (time_t)(ch->time_ns / 1000000000ULL);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	it_buf_puts(reply, "subject=");
	it_buf_puts(reply, subject);
	it_buf_puts(reply, ch ? (ch->yes ? " choice=yes" : " choice=no") : " choice=none");
	it_buf_puts(reply, " time=");
	it_buf_puts(reply, when);
	it_buf_puts(reply, " notice=");
	if (ch)
		it_buf_u64(reply, ch->notice);
	else
		it_buf_putc(reply, '-');
	it_buf_puts(reply, " mode=");
	it_buf_puts(reply, it_part_mode_name(c->mode));
	it_buf_puts(reply, it_part_allows(c->mode, ch) ? " recorded=yes\n" : " recorded=no\n");
}

static void list_reply(const struct it_part_ctx *c, struct it_buf *reply)
{
	it_buf_puts(reply, "ok ");
	it_buf_u64(reply, c->choices->n);
	it_buf_puts(reply, " choices\n");
	for (size_t i = 0; i < c->choices->n; i++) {
		it_buf_puts(reply, "uid=");
		it_buf_u64(reply, c->choices->v[i].uid);
		it_buf_putc(reply, ' ');
		state_line(c, c->choices->v[i].uid, &c->choices->v[i], reply);
	}
}

/* --- the bound on changes (participate.h) ------------------------------------------ */

#define REFILL_NS ((uint64_t)IT_PART_REFILL_S * 1000000000ULL)

/* uid's slot, or a free or forgettable one (set to uid, bucket full). */
static size_t rate_slot(struct it_part_rate *rt, uint32_t uid)
{
	size_t i, best = 0;

	for (i = 0; i < rt->n; i++)
		if (rt->v[i].uid == uid)
			return i;
	if (rt->n < IT_PART_RATE_SLOTS) {
		i = rt->n++;
	} else {	/* the one whose bucket fills first */
		for (i = 1; i < rt->n; i++)
			if (rt->v[i].tat_ns < rt->v[best].tat_ns)
				best = i;
		i = best;
	}
	rt->v[i].uid = uid;
	rt->v[i].tat_ns = 0;
	return i;
}

/* Count a change of uid (a generic cell rate: a bucket of IT_PART_BURST that refills
 * one per REFILL_NS). 0, or the seconds to wait when it is over the bound and may be
 * refused; a withdrawal is counted all the same (force). */
static uint64_t rate_take(const struct it_part_ctx *c, uint32_t uid, bool force)
{
	struct it_part_rate *rt = c->rate;
	uint64_t now = c->mono_ns, tat, limit = now + (IT_PART_BURST - 1) * REFILL_NS;
	size_t i;

	if (!rt)
		return 0;
	i = rate_slot(rt, uid);
	tat = rt->v[i].tat_ns > now ? rt->v[i].tat_ns : now;
	if (tat > limit && !force)
		return (tat - limit + 999999999ULL) / 1000000000ULL;
	tat += REFILL_NS;
	rt->v[i].tat_ns = tat < limit + REFILL_NS ? tat : limit + REFILL_NS;
	return 0;
}

/* A yes/no of uid: nothing when it changes nothing, else within the bound or a
 * withdrawal. */
static enum it_part_result change(const struct it_part_ctx *c, uint32_t uid, bool yes,
				  struct it_buf *reply, struct it_part_change *chg)
{
	const struct it_choice *old = it_choices_get(c->choices, uid);
	char msg[64];
	uint64_t wait;

	if (old && old->yes == yes && old->notice == c->notice) {
		it_buf_puts(reply, "ok ");
		state_line(c, uid, old, reply);
		return IT_PART_REPLY;
	}
	wait = rate_take(c, uid, !yes && (!old || old->yes));
	if (wait) {
		snprintf(msg, sizeof(msg), "too many changes; try again in %llu s",
			 (unsigned long long)wait);
		error_reply(reply, msg);
		return IT_PART_ERROR;
	}
	memset(chg, 0, sizeof(*chg));
	chg->choice = (struct it_choice){ .uid = uid, .yes = yes, .time_ns = c->now_ns,
					  .notice = c->notice };
	if (it_subject_of(c->key, uid, chg->subject)) {
		error_reply(reply, "cannot compute the subject");
		return IT_PART_ERROR;
	}
	it_buf_puts(reply, "ok ");
	state_line(c, uid, &chg->choice, reply);
	return IT_PART_CHANGE;
}

enum it_part_result it_participate_handle(const struct it_part_ctx *c, uid_t caller,
					  const char *request, size_t len,
					  struct it_buf *reply, struct it_part_change *chg)
{
	char line[IT_PART_REQ_MAX];
	struct request r;
	const char *why;
	uint32_t uid;

	if (take_line(request, len, line, &why) || parse(line, &r, &why)) {
		error_reply(reply, why);
		return IT_PART_ERROR;
	}
	uid = r.has_uid ? (uint32_t)r.uid : (uint32_t)caller;
	if (uid != caller && caller != 0) {
		error_reply(reply, "permission denied: only root may ask about another user");
		return IT_PART_ERROR;
	}
	if (r.verb == V_LIST && caller != 0) {
		error_reply(reply, "permission denied: only root may list everyone's choices");
		return IT_PART_ERROR;
	}
	if (r.verb == V_YES && r.has_notice && r.notice != c->notice) {
		error_reply(reply, "the notice changed since you read it: read the current one "
			    "and agree again");
		return IT_PART_ERROR;
	}
	if (r.verb == V_LIST) {
		list_reply(c, reply);
		return IT_PART_REPLY;
	}
	if (r.verb == V_STATUS) {
		it_buf_puts(reply, "ok ");
		state_line(c, uid, it_choices_get(c->choices, uid), reply);
		return IT_PART_REPLY;
	}
	return change(c, uid, r.verb == V_YES, reply, chg);
}
