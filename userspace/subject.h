/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * subject.h - the pseudonymous subject of a record (docs/participation.md):
 *
 *   subject = lower-case hex of the first 16 bytes of
 *             HMAC-SHA256(key, "uid:" + the uid in decimal)
 *
 * under a deployment key (--subject-key FILE): one person has one subject on every
 * machine that shares the key and the uid; without the key the subject cannot be
 * tied back to a uid (nor guessed from the small space of uids). HMAC from OpenSSL's
 * libcrypto.
 *
 * The key file holds 32 to 64 bytes as hex (64 to 128 hex digits, an optional final
 * newline), like `openssl rand -hex 32`. It must be a regular file of the agent's own
 * user, not readable or writable by group or others, and not a symlink. When missing
 * it is created (0600, 32 random bytes from getrandom, crash-safe: atomicfile.h).
 */
#ifndef IT_SUBJECT_H
#define IT_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IT_SUBJECT_BYTES 16
#define IT_SUBJECT_HEX (2 * IT_SUBJECT_BYTES)	/* characters, without the NUL */
#define IT_SUBJECT_KEY_MIN 32
#define IT_SUBJECT_KEY_MAX 64

struct it_subject_key {
	unsigned char k[IT_SUBJECT_KEY_MAX];
	size_t len;
};

/*
 * Load the key at path; create it first when it is missing and create is set.
 * *created says whether it was. Returns 0, or -1 with one line in err (missing,
 * a symlink, group/world-accessible, another owner, malformed, I/O).
 */
int it_subject_key_load(const char *path, bool create, struct it_subject_key *key,
			bool *created, char *err, size_t errlen);

/* Hex text (len bytes; whitespace at the end allowed) -> key. 0, or -1 if malformed. */
int it_subject_key_parse(const char *text, size_t len, struct it_subject_key *key);

/* Overwrite the key in memory. */
void it_subject_key_wipe(struct it_subject_key *key);

/* The subject of uid under key: IT_SUBJECT_HEX lower-case hex digits and a NUL.
 * Returns 0, or -1 (out "") when libcrypto cannot compute it (checked once by
 * it_subject_key_load(), so not seen after a successful load). */
int it_subject_of(const struct it_subject_key *key, uint32_t uid, char out[IT_SUBJECT_HEX + 1]);

/* Whether s is a well-formed subject (IT_SUBJECT_HEX lower-case hex digits). */
bool it_subject_valid(const char *s);

#endif
