// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shipper_resume.c - where the shipper starts when the state file cannot say it
 * exactly (docs/kafka.md "A missing or stale state file"):
 *
 * - no state file, but the spool holds records written before this start: they are
 *   sent from the oldest (nothing is lost), and as they may have been delivered by a
 *   run whose state was lost, one warning says how many may arrive again, counted in
 *   resend_records (and state_resets);
 * - a state file naming a file no longer in the spool: sending resumes at the next
 *   file after it by name, or, when no file sorts after it (the clock went back), at
 *   the oldest; either way records of the state's stream up to its acknowledged seq
 *   are passed, not sent again, and a gap after it is said by a loss record.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "shipper_int.h"

/* Is name (final, or still NAME.tmp) in the spool directory? */
static bool in_spool(struct it_shipper *sh, const char *name)
{
	char tmp[NAME_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	return !faccessat(sh->rd.dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) ||
	       !faccessat(sh->rd.dirfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW);
}

void ship_resume_init(struct it_shipper *sh, bool state_missing)
{
	struct it_spool_file *v;
	struct it_spool_pos start = { .name = "" };
	long n, i;

	sh->state_missing = state_missing;
	sh->start_seq = sh->cfg.stream ? __atomic_load_n(&sh->cfg.stream->next_seq, __ATOMIC_RELAXED) : 0;
	if (state_missing || !sh->rd.dir_mode || !sh->st.acked.name[0] ||
	    in_spool(sh, sh->st.acked.name))
		return;
	sh->state_stale = true;
	sh->state_resets = 1;
	sh->skip_seq = sh->st.acked_seq;
	n = it_spool_list(&sh->rd, &v);
	for (i = 0; i < n && strcmp(v[i].name, sh->st.acked.name) < 0; i++)
		;
	it_warn("kafka: the state file names %s, no longer in the spool: resuming at %s%s, "
		"passing records up to seq %" PRIu64 " (acknowledged before)", sh->st.acked.name,
		i < n ? "the next file, " : "the oldest file", i < n ? v[i].name : "", sh->skip_seq);
	if (i >= n) {
		/* nothing after it by name: from the oldest, and retention may delete
		 * nothing until the first acknowledgement */
		it_spool_seek(&sh->rd, &start);
		sh->st.acked = start;
	}
	free(v);
}

/* Lines at the head of the batch already acknowledged (stale state: of the state's
 * stream, seq up to skip_seq) are passed. Seqs grow along the spool: the first line
 * past them ends the passing. */
void ship_resume_trim(struct it_shipper *sh)
{
	const char *p = sh->batch.p, *end = sh->batch.p + sh->batch.len;
	char id[IT_STREAM_ID_LEN + 1];
	uint64_t s, dropped = 0;

	while (sh->skip_seq && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl || !it_stream_parse(p, (size_t)(nl - p), id, &s) ||
		    strcmp(id, sh->state_stream) || s > sh->skip_seq) {
			sh->skip_seq = 0;
			break;
		}
		p = nl + 1;
		dropped++;
	}
	if (!dropped)
		return;
	memmove(sh->batch.p, p, (size_t)(end - p));
	sh->batch.len = (size_t)(end - p);
	sh->batch_lines -= dropped;
	if (!sh->batch.len) {
		/* all acknowledged before: the position moves over them */
		sh->st.acked = sh->batch_end;
		sh->state_dirty = true;
	}
}

/* No state file: the records written before this start (seq below start_seq) are
 * sent, and may be duplicates. */
static void say_resend(struct it_shipper *sh, uint64_t first)
{
	char name[NAME_MAX + 1];

	if (!sh->state_missing || !sh->start_seq || first >= sh->start_seq)
		return;
	sh->state_resets = 1;
	sh->resend_records = sh->start_seq - first;
	it_spool_state_name(name, sizeof(name), sh->cfg.host);
	it_warn("kafka: no state file %s: sending the spool from its oldest record (seq %" PRIu64
		"); up to %" PRIu64 " records written before this start may arrive again, as "
		"duplicates by (stream, seq), if a run whose state was lost had delivered them",
		name, first, sh->resend_records);
}

void ship_resume_check(struct it_shipper *sh, uint64_t first)
{
	struct it_spool_loss l = { sh->st.acked_seq + 1, first - 1, first - 1 - sh->st.acked_seq };
	int i;

	sh->resume_checked = true;
	say_resend(sh, first);
	/* the acknowledged file was deleted (by the cap, in a run that died before its
	 * loss record was saved... or by hand): the records between the acknowledged
	 * seq and the first one read are lost, said by a loss record */
	if (!(sh->rd.files_skipped || sh->state_stale) || !sh->st.acked_seq ||
	    first <= sh->st.acked_seq + 1 || strcmp(sh->state_stream, sh->st.stream))
		return;
	for (i = 0; i < sh->st.n_loss; i++)
		if (sh->st.loss[i].first <= l.first && sh->st.loss[i].last >= l.last)
			return;
	it_warn("kafka: the spool lost records %" PRIu64 "-%" PRIu64 " before they were sent",
		l.first, l.last);
	sh->lost += l.count;
	it_spool_state_add_loss(&sh->st, &l);
	ship_save_state(sh);
	ship_loss(sh, &l);
}
