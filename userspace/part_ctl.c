// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* part_ctl.c - `inputtrace ctl participate ...` (part_ctl.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "control.h"
#include "log.h"
#include "participate.h"
#include "part_ctl.h"

#define REPLY_MAX IT_CTL_REPLY_MAX

/* Send req on a new connection to path and read the whole answer (the agent closes
 * the connection after it) into buf. Returns its length, or -1 with err. */
static ssize_t exchange(const char *path, const char *req, char *buf, size_t len, char *err,
			size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct pollfd p;
	size_t n = 0;
	ssize_t got;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(err, errlen, "cannot connect to %s: %s (no agent running with "
			 "--participation opt-in or opt-out?)", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		snprintf(err, errlen, "cannot write to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (n >= len - 1 || poll(&p, 1, 5000) <= 0)
			break;
		got = read(fd, buf + n, len - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = 0;
	if (!n) {
		snprintf(err, errlen, "no answer from the agent on %s", path);
		return -1;
	}
	return (ssize_t)n;
}

int it_ctl_participate(int argc, char **argv, FILE *out)
{
	const char *path = IT_CONTROL_SOCKET_DEFAULT;
	static char reply[REPLY_MAX + 1];
	char req[IT_PART_REQ_MAX + 1] = "participate", err[512];
	size_t l = strlen(req);
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			path = argv[i] + 9;
		} else if (argv[i][0] == '-') {
			it_err("ctl participate: bad option '%s' (see ctl --help)", argv[i]);
			return 2;
		} else if (l + 1 + strlen(argv[i]) + 1 >= sizeof(req)) {
			it_err("ctl participate: request too long");
			return 2;
		} else {
			l += (size_t)snprintf(req + l, sizeof(req) - l, " %s", argv[i]);
		}
	}
	if (argc < 3 || l == strlen("participate")) {
		it_err("ctl participate: expected yes, no, status or list (see ctl --help)");
		return 2;
	}
	snprintf(req + l, sizeof(req) - l, "\n");
	if (exchange(path, req, reply, sizeof(reply), err, sizeof(err)) < 0) {
		it_err("ctl participate: %s", err);
		return 1;
	}
	if (!strncmp(reply, "ok", 2)) {
		fputs(reply, out);
		return 0;
	}
	reply[strcspn(reply, "\n")] = 0;
	it_err("ctl participate: %s", reply);
	return 1;
}
