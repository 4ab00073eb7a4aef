// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* atomicfile.c - crash-safe file replacement (atomicfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomicfile.h"

int it_atomic_tmpname(const char *name, char *tmp, size_t len)
{
	if (strchr(name, '/') || (size_t)snprintf(tmp, len, ".%s.new", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int it_atomic_begin(int dirfd, const char *name, mode_t mode)
{
	char tmp[512];
	int fd, r = it_atomic_tmpname(name, tmp, sizeof(tmp));

	if (r)
		return r;
	unlinkat(dirfd, tmp, 0);	/* a crash's leftover: the old file is still whole */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode)) {	/* not narrowed by the umask's surprises, nor widened */
		r = -errno;
		it_atomic_abort(dirfd, fd, name);
		return r;
	}
	return fd;
}

void it_atomic_abort(int dirfd, int fd, const char *name)
{
	char tmp[512];

	if (fd >= 0)
		close(fd);
	if (!it_atomic_tmpname(name, tmp, sizeof(tmp)))
		unlinkat(dirfd, tmp, 0);
}

int it_atomic_commit(int dirfd, int fd, const char *name, bool noreplace)
{
	char tmp[512];
	int r = it_atomic_tmpname(name, tmp, sizeof(tmp));

	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && noreplace && linkat(dirfd, tmp, dirfd, name, 0))
		r = -errno;
	else if (!r && !noreplace && renameat(dirfd, tmp, dirfd, name))
		r = -errno;
	unlinkat(dirfd, tmp, 0);	/* after link(), or after a failure; gone after rename() */
	if (!r && fsync(dirfd))
		r = -errno;
	return r;
}

int it_atomic_write(int dirfd, const char *name, const void *p, size_t len, mode_t mode,
		    bool noreplace)
{
	const char *c = p;
	int fd = it_atomic_begin(dirfd, name, mode);

	if (fd < 0)
		return fd;
	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			it_atomic_abort(dirfd, fd, name);
			return r;
		}
		c += n;
		len -= (size_t)n;
	}
	return it_atomic_commit(dirfd, fd, name, noreplace);
}

int it_atomic_dir_open(const char *dir, mode_t mode)
{
	struct stat st;
	int fd;

	if (mkdir(dir, mode) && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;	/* ELOOP: a symlink */
	if (fstat(fd, &st) || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}
