// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* focus_app.c - a process to its application id (focus.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "focus.h"

/* Read at most len - 1 bytes of proc/pid/name into buf, NUL-terminated. Returns the
 * byte count, or -1. */
static ssize_t read_proc(const char *proc, pid_t pid, const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/%s", proc, (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* Copy start..end into id when it is a valid app id. */
static int take(char *id, const char *start, size_t n)
{
	char tmp[IT_FOCUS_ID_MAX + 1];

	if (n == 0 || n > IT_FOCUS_ID_MAX)
		return -1;
	memcpy(tmp, start, n);
	tmp[n] = 0;
	if (!it_focus_id_valid(tmp))
		return -1;
	memcpy(id, tmp, n + 1);
	return 0;
}

/* Flatpak's sandbox says its app id in /.flatpak-info: [Application] name=ID. */
static int flatpak_id(const char *proc, pid_t pid, char *id)
{
	char buf[4096], *p;
	bool in_app = false;

	if (read_proc(proc, pid, "root/.flatpak-info", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		if (*p == '[')
			in_app = !strcmp(p, "[Application]");
		else if (in_app && !strncmp(p, "name=", 5))
			return take(id, p + 5, strlen(p + 5));
	}
	return -1;
}

/* The value of name= in a NUL-separated environment block, or NULL. */
static const char *env_get(const char *env, size_t len, const char *name)
{
	size_t nl = strlen(name), off = 0;

	while (off < len) {
		const char *e = env + off;
		size_t el = strnlen(e, len - off);

		if (el > nl && !memcmp(e, name, nl) && e[nl] == '=')
			return e + nl + 1;
		off += el + 1;
	}
	return NULL;
}

/* GIO (g_desktop_app_info_launch) sets both in what it starts; children inherit them,
 * so the file counts only for the pid it names. */
static int desktop_id(const char *proc, pid_t pid, char *id)
{
	static char env[65536];
	const char *file, *fpid, *base;
	ssize_t n = read_proc(proc, pid, "environ", env, sizeof(env));
	size_t blen;

	if (n <= 0)
		return -1;
	file = env_get(env, (size_t)n, "GIO_LAUNCHED_DESKTOP_FILE");
	fpid = env_get(env, (size_t)n, "GIO_LAUNCHED_DESKTOP_FILE_PID");
	if (!file || !fpid || atoi(fpid) != (int)pid)
		return -1;
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	blen = strlen(base);
	if (blen > 8 && !strcmp(base + blen - 8, ".desktop"))
		blen -= 8;
	return take(id, base, blen);
}

/* The executable's file name; comm instead when it is not the start of that name
 * (a script run by its interpreter: comm is the script's name; or a renamed process). */
static int exe_id(const char *proc, pid_t pid, char *id)
{
	char path[256], exe[4096], comm[64];
	const char *base = NULL;
	ssize_t n;
	size_t cl;

	snprintf(path, sizeof(path), "%s/%d/exe", proc, (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
			exe[n - 10] = 0;
		base = strrchr(exe, '/');
		base = base ? base + 1 : exe;
	}
	if (read_proc(proc, pid, "comm", comm, sizeof(comm)) <= 0)
		return base ? take(id, base, strlen(base)) : -1;
	cl = strcspn(comm, "\n");
	comm[cl] = 0;
	if (base && !strncmp(base, comm, cl) && !take(id, base, strlen(base)))
		return 0;
	return take(id, comm, cl);
}

int it_focus_app_id(const char *proc, pid_t pid, char *id)
{
	char path[256];
	struct stat st;

	snprintf(id, IT_FOCUS_ID_MAX + 1, "unknown");
	if (pid <= 0)
		return -1;
	/* our own processes only: a pid of another namespace (X11's _NET_WM_PID of a
	 * sandboxed client) names someone else here */
	snprintf(path, sizeof(path), "%s/%d", proc, (int)pid);
	if (stat(path, &st) || st.st_uid != geteuid())
		return -1;
	if (!flatpak_id(proc, pid, id) || !desktop_id(proc, pid, id) || !exe_id(proc, pid, id))
		return 0;
	snprintf(id, IT_FOCUS_ID_MAX + 1, "unknown");
	return -1;
}
