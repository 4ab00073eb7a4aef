// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* focusctx.c - focus reports to recorded context and focus pause (focusctx.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "focusctx.h"

#define NS_PER_S 1000000000ull

/*
 * Where the person types secrets. Desktop-file ids and executable names both, since
 * the helper reports the desktop-file id when the application was started from one
 * and the executable's name otherwise (WM_CLASS on X11 without a pid: matching is
 * without regard to case, so "KeePassXC" is "keepassxc").
 */
const char *const it_focus_default_pause[] = {
	/* password managers */
	"org.keepassxc.KeePassXC", "keepassxc", "keepassx", "keepass2",
	"org.gnome.World.Secrets", "com.bitwarden.desktop", "bitwarden", "1password",
	/* keyring and key managers, their password prompts */
	"gcr-prompter", "org.gnome.seahorse.Application", "seahorse",
	"org.kde.kwalletmanager5", "kwalletmanager5", "kwalletd5", "kwalletd6",
	/* GnuPG's pinentry in its graphical variants */
	"pinentry", "pinentry-gnome3", "pinentry-gtk-2", "pinentry-gtk", "pinentry-qt",
	"pinentry-qt5", "pinentry-fltk", "pinentry-x2go",
	/* ssh passphrase and polkit (administrator password) prompts */
	"ssh-askpass", "gnome-ssh-askpass", "ksshaskpass",
	"polkit-gnome-authentication-agent-1", "polkit-kde-authentication-agent-1",
	"polkit-mate-authentication-agent-1", "lxpolkit",
	NULL
};

static bool id_char(int c)
{
	return isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-');
}

bool it_focus_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (i >= IT_FOCUS_ID_MAX || !id_char((unsigned char)id[i]))
			return false;
	return i > 0;
}

int it_focus_parse(const char *line, size_t len, char *id, char *reason, size_t reasonlen)
{
	const size_t plen = sizeof(IT_FOCUS_PREFIX) - 1;
	size_t i;

	if (len > IT_FOCUS_LINE_MAX) {
		snprintf(reason, reasonlen, "oversized focus report (%zu bytes, at most %zu)", len,
			 (size_t)IT_FOCUS_LINE_MAX);
		return -1;
	}
	if (len < plen || memcmp(line, IT_FOCUS_PREFIX, plen)) {
		snprintf(reason, reasonlen, "malformed focus report (not \"focus ID\")");
		return -1;
	}
	if (len == plen) {
		snprintf(reason, reasonlen, "malformed focus report (empty app id)");
		return -1;
	}
	for (i = plen; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (!id_char(c)) {
			snprintf(reason, reasonlen,
				 "bad app id in focus report: byte 0x%02x at offset %zu (allowed: A-Z a-z 0-9 . _ -)",
				 c, i);
			return -1;
		}
		id[i - plen] = (char)c;
	}
	id[len - plen] = 0;
	return 0;
}

const char *it_focus_list_find(const struct it_focus_list *l, const char *id)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->ids[i], id))
			return l->ids[i];
	return NULL;
}

/* One id (start..end, trimmed of blanks) into l; where names it for errors. */
static int list_add_one(struct it_focus_list *l, const char *start, const char *end,
			const char *where, char *err, size_t errlen)
{
	char id[IT_FOCUS_ID_MAX + 1];
	size_t n;

	while (start < end && isblank((unsigned char)*start))
		start++;
	while (end > start && isblank((unsigned char)end[-1]))
		end--;
	n = (size_t)(end - start);
	if (n == 0 || n > IT_FOCUS_ID_MAX) {
		snprintf(err, errlen, "%s: app id %s (1 to %d characters of A-Z a-z 0-9 . _ -)",
			 where, n ? "too long" : "empty", IT_FOCUS_ID_MAX);
		return -1;
	}
	memcpy(id, start, n);
	id[n] = 0;
	if (!it_focus_id_valid(id)) {
		snprintf(err, errlen, "%s: bad app id \"%.*s\" (allowed: A-Z a-z 0-9 . _ -)", where,
			 (int)n, start);
		return -1;
	}
	if (it_focus_list_find(l, id))
		return 0;
	if (l->n >= IT_FOCUS_LIST_MAX) {
		snprintf(err, errlen, "%s: more than %d app ids", where, IT_FOCUS_LIST_MAX);
		return -1;
	}
	memcpy(l->ids[l->n++], id, n + 1);
	return 0;
}

static int list_add_file(struct it_focus_list *l, const char *path, char *err, size_t errlen)
{
	char line[256], where[300];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "cannot read app list %s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		size_t n = strcspn(p, "\r\n");

		lineno++;
		if (!p[n] && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -1;
			break;
		}
		if (n == 0 || *p == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		rc = list_add_one(l, p, p + n, where, err, errlen);
	}
	fclose(f);
	return rc;
}

int it_focus_list_add(struct it_focus_list *l, const char *spec, char *err, size_t errlen)
{
	const char *p = spec, *comma;

	if (strchr(spec, '/'))
		return list_add_file(l, spec, err, errlen);
	for (;;) {
		comma = strchr(p, ',');
		if (list_add_one(l, p, comma ? comma : p + strlen(p), spec, err, errlen))
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

void it_focus_list_format(const struct it_focus_list *l, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	if (!len)
		return;
	buf[0] = 0;
	for (i = 0; i < l->n; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? "," : "", l->ids[i]);

		if (n < 0 || (size_t)n >= len - off) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		off += (size_t)n;
	}
}

int it_focusctx_init(struct it_focusctx *ctx, const struct it_focusctx_config *cfg,
		     char *err, size_t errlen)
{
	unsigned int i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = *cfg;
	if (!ctx->cfg.rate)
		ctx->cfg.rate = IT_FOCUS_RATE_DEFAULT;
	for (i = 0; !cfg->no_default_pause && it_focus_default_pause[i]; i++)
		if (it_focus_list_add(&ctx->cfg.pause, it_focus_default_pause[i], err, errlen))
			return -1;
	snprintf(ctx->cur.context, sizeof(ctx->cur.context), "unknown");
	return 0;
}

/* The state a reported id asks for. */
static void target_of(const struct it_focusctx *ctx, const char *id, struct it_focus_state *t)
{
	const char *named = it_focus_list_find(&ctx->cfg.apps, id);
	const char *pause = strcmp(id, "unknown") ? it_focus_list_find(&ctx->cfg.pause, id) : NULL;

	memset(t, 0, sizeof(*t));
	if (!strcmp(id, "unknown"))
		snprintf(t->context, sizeof(t->context), "unknown");
	else
		snprintf(t->context, sizeof(t->context), "%s", named ? named : "other");
	t->paused = pause != NULL;
	if (pause)
		snprintf(t->pause_app, sizeof(t->pause_app), "%s", pause);
}

static bool same_state(const struct it_focus_state *a, const struct it_focus_state *b)
{
	return !strcmp(a->context, b->context) && a->paused == b->paused &&
	       !strcmp(a->pause_app, b->pause_app);
}

/* d: nothing to do, and what is in force. */
static void current(const struct it_focusctx *ctx, struct it_focus_decision *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->context, ctx->cur.context, sizeof(d->context));
	d->paused = ctx->cur.paused;
	memcpy(d->pause_app, ctx->cur.pause_app, sizeof(d->pause_app));
}

/* Make t the state in force; d says what changed. Counts toward the rate window. */
static void apply(struct it_focusctx *ctx, const struct it_focus_state *t,
		  struct it_focus_decision *d)
{
	bool record = strcmp(t->context, ctx->cur.context) != 0;
	bool pause_changed = t->paused != ctx->cur.paused;

	if (record)
		ctx->stats.records++;
	if (pause_changed && t->paused)
		ctx->stats.pauses++;
	ctx->cur = *t;
	ctx->window_records++;
	current(ctx, d);
	d->record = record;
	d->pause_changed = pause_changed;
}

/* t is wanted at now_ns: applied now, or kept for the next window (rate bound).
 * Entering a pause is never delayed. */
static void want(struct it_focusctx *ctx, const struct it_focus_state *t, uint64_t now_ns,
		 struct it_focus_decision *d)
{
	if (now_ns - ctx->window_start_ns >= NS_PER_S || now_ns < ctx->window_start_ns) {
		ctx->window_start_ns = now_ns;
		ctx->window_records = 0;
	}
	current(ctx, d);
	if (ctx->pending && same_state(t, &ctx->next))
		return;		/* the same change again: it waits already */
	if (ctx->pending)
		ctx->stats.coalesced++;	/* the waiting change is replaced by this one */
	ctx->pending = false;
	if (same_state(t, &ctx->cur))
		return;
	if (ctx->window_records < ctx->cfg.rate || (t->paused && !ctx->cur.paused)) {
		apply(ctx, t, d);
		return;
	}
	ctx->pending = true;
	ctx->next = *t;
}

int it_focusctx_report(struct it_focusctx *ctx, const char *line, size_t len, uid_t peer_uid,
		       uid_t session_uid, uint64_t now_ns, struct it_focus_decision *d,
		       char *reason, size_t reasonlen)
{
	char id[IT_FOCUS_ID_MAX + 1];
	struct it_focus_state t;

	if (session_uid == IT_FOCUS_NO_UID || peer_uid != session_uid) {
		ctx->stats.refused_uid++;
		if (session_uid == IT_FOCUS_NO_UID)
			snprintf(reason, reasonlen, "focus report from uid %u refused: no active session",
				 (unsigned)peer_uid);
		else
			snprintf(reason, reasonlen,
				 "focus report from uid %u refused: the active session's user is uid %u",
				 (unsigned)peer_uid, (unsigned)session_uid);
		return -1;
	}
	if (it_focus_parse(line, len, id, reason, reasonlen)) {
		ctx->stats.malformed++;
		return -1;
	}
	ctx->stats.reports++;
	target_of(ctx, id, &t);
	want(ctx, &t, now_ns, d);
	return 0;
}

uint64_t it_focusctx_deadline(const struct it_focusctx *ctx)
{
	return ctx->pending ? ctx->window_start_ns + NS_PER_S : 0;
}

bool it_focusctx_tick(struct it_focusctx *ctx, uint64_t now_ns, struct it_focus_decision *d)
{
	if (!ctx->pending || now_ns < ctx->window_start_ns + NS_PER_S)
		return false;
	ctx->pending = false;
	ctx->window_start_ns = now_ns;
	ctx->window_records = 0;
	apply(ctx, &ctx->next, d);
	return d->record || d->pause_changed;
}

/* Force context "unknown" now (no rate bound: these are the agent's own events);
 * keep_pause says whether a focus pause stays. */
static bool force_unknown(struct it_focusctx *ctx, bool keep_pause, struct it_focus_decision *d)
{
	struct it_focus_state t = { .context = "unknown" };

	if (keep_pause) {
		t.paused = ctx->cur.paused;
		memcpy(t.pause_app, ctx->cur.pause_app, sizeof(t.pause_app));
	}
	if (ctx->pending)
		ctx->stats.coalesced++;
	ctx->pending = false;
	if (same_state(&t, &ctx->cur))
		return false;
	apply(ctx, &t, d);
	return true;
}

bool it_focusctx_gone(struct it_focusctx *ctx, uint64_t now_ns, struct it_focus_decision *d)
{
	return force_unknown(ctx, true, d);
}

bool it_focusctx_session(struct it_focusctx *ctx, uint64_t now_ns, struct it_focus_decision *d)
{
	return force_unknown(ctx, false, d);
}

void it_focusctx_describe(const struct it_focusctx *ctx, char *buf, size_t len)
{
	char apps[1024], pause[2048];

	it_focus_list_format(&ctx->cfg.apps, apps, sizeof(apps));
	it_focus_list_format(&ctx->cfg.pause, pause, sizeof(pause));
	snprintf(buf, len, "apps=%s pause-apps=%s rate=%u/s", apps[0] ? apps : "(none: all other)",
		 pause[0] ? pause : "(none)", ctx->cfg.rate);
}
