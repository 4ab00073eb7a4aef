// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* subject.c - pseudonymous subjects: HMAC-SHA256 of the uid (subject.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "atomicfile.h"
#include "subject.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int it_subject_key_parse(const char *text, size_t len, struct it_subject_key *key)
{
	size_t i;

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\r'))
		len--;
	if (len % 2 || len < 2 * IT_SUBJECT_KEY_MIN || len > 2 * IT_SUBJECT_KEY_MAX)
		return -1;
	for (i = 0; i < len; i += 2) {
		int hi = hexval(text[i]), lo = hexval(text[i + 1]);

		if (hi < 0 || lo < 0) {
			it_subject_key_wipe(key);
			return -1;
		}
		key->k[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	key->len = len / 2;
	return 0;
}

void it_subject_key_wipe(struct it_subject_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

/* A new key file at name in dirfd: 32 random bytes as hex. 0 or -errno (-EEXIST:
 * another agent made one meanwhile; then that one is used). */
static int create_key(int dirfd, const char *name)
{
	unsigned char raw[IT_SUBJECT_KEY_MIN];
	char hex[2 * sizeof(raw) + 1];
	int r;

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -errno;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[sizeof(hex) - 1] = '\n';
	r = it_atomic_write(dirfd, name, hex, sizeof(hex), 0600, true);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(hex, sizeof(hex));
	return r;
}

/* Open name in dirfd for reading and check it is a private regular file of ours. */
static int open_key(int dirfd, const char *name, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "--subject-key %s: %s", path,
			 errno == ELOOP ? "is a symlink: refused" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "--subject-key %s: not a regular file", path);
	else if (st.st_mode & 077)
		snprintf(err, errlen, "--subject-key %s: readable or writable by group or others "
			 "(mode %03o): refused; chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	else if (st.st_uid != geteuid())
		snprintf(err, errlen, "--subject-key %s: owned by uid %u, not by this user: refused",
			 path, (unsigned)st.st_uid);
	else
		return fd;
	close(fd);
	return -1;
}

int it_subject_key_load(const char *path, bool create, struct it_subject_key *key,
			bool *created, char *err, size_t errlen)
{
	char dcopy[4096], bcopy[4096], text[2 * IT_SUBJECT_KEY_MAX + 8];
	const char *name;
	ssize_t n;
	int dirfd, fd = -1, r = -1;

	*created = false;
	if (snprintf(dcopy, sizeof(dcopy), "%s", path) >= (int)sizeof(dcopy)) {
		snprintf(err, errlen, "--subject-key: path too long");
		return -1;
	}
	snprintf(bcopy, sizeof(bcopy), "%s", path);
	name = basename(bcopy);
	dirfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(err, errlen, "--subject-key %s: its directory: %s", path, strerror(errno));
		return -1;
	}
	if (create && faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) && errno == ENOENT) {
		int c = create_key(dirfd, name);

		if (c && c != -EEXIST) {
			snprintf(err, errlen, "--subject-key %s: cannot create it: %s", path, strerror(-c));
			goto out;
		}
		*created = !c;
	}
	fd = open_key(dirfd, name, path, err, errlen);
	if (fd < 0)
		goto out;
	n = read(fd, text, sizeof(text));
	if (n < 0)
		snprintf(err, errlen, "--subject-key %s: %s", path, strerror(errno));
	else if (it_subject_key_parse(text, (size_t)n, key))
		snprintf(err, errlen, "--subject-key %s: expected %d to %d hex digits", path,
			 2 * IT_SUBJECT_KEY_MIN, 2 * IT_SUBJECT_KEY_MAX);
	else if (it_subject_of(key, 0, text))
		snprintf(err, errlen, "--subject-key: this libcrypto cannot compute HMAC-SHA256");
	else
		r = 0;
	OPENSSL_cleanse(text, sizeof(text));
out:
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return r;
}

int it_subject_of(const struct it_subject_key *key, uint32_t uid, char out[IT_SUBJECT_HEX + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char msg[16];
	int n = snprintf(msg, sizeof(msg), "uid:%u", uid);

	if (!HMAC(EVP_sha256(), key->k, (int)key->len, (const unsigned char *)msg, (size_t)n,
		  mac, &maclen) || maclen < IT_SUBJECT_BYTES) {
		/* libcrypto without SHA-256 (a broken FIPS setup): no subject, not a wrong one */
		out[0] = 0;
		return -1;
	}
	for (int i = 0; i < IT_SUBJECT_BYTES; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

bool it_subject_valid(const char *s)
{
	int i;

	for (i = 0; i < IT_SUBJECT_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == 0;
}
