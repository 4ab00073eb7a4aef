/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * control.h - the agent's control socket (`inputtrace ctl pause|resume`), the start-up
 * notice and the world-readable status file (the pause and resume records are the
 * formats' control writers, format.h)
 * (README "Pause and resume", "Transparency").
 *
 * The socket is a unix stream socket, owned by root and --control-group, mode 0660:
 * the file permissions let only root and the group's members connect, and the agent
 * checks again with SO_PEERCRED (uid 0, or the group among the peer's groups) and
 * records who asked. Protocol: one line per connection, "pause\n", "resume\n" or
 * "status\n"; one line back, "ok paused\n", "ok capturing\n" or "error: REASON\n".
 */
#ifndef IT_CONTROL_H
#define IT_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "json.h"

#define IT_CONTROL_SOCKET_DEFAULT "/run/inputtrace/control.sock"
#define IT_STATUS_FILE_DEFAULT "/run/inputtrace/status"

enum it_ctl_cmd { IT_CTL_NONE = 0, IT_CTL_PAUSE, IT_CTL_RESUME, IT_CTL_STATUS };

struct it_control {
	int fd;			/* listening socket, -1: none */
	char path[108];		/* sun_path */
	gid_t gid;		/* --control-group */
	bool have_gid;
};

/* Who asked, and what. */
struct it_ctl_req {
	enum it_ctl_cmd cmd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char user[64];		/* the uid's name, or the number */
	const char *via;	/* "socket" or "signal" */
};

/*
 * Listen on path (its directory created 0755 if missing; a stale socket replaced),
 * chown root:gid (have_gid) and chmod 0660 (0600 without a group). Returns 0, or -1
 * with a one-line reason in err. c->fd is -1 after a failure.
 */
int it_control_open(struct it_control *c, const char *path, bool have_gid, gid_t gid,
		    char *err, size_t errlen);

/* Close and unlink (if it can). Safe on a closed one. */
void it_control_close(struct it_control *c);

/*
 * Take one waiting connection (non-blocking), read its line and check its peer.
 * Returns 0 when nobody is waiting; 1 with *client (to answer with
 * it_control_reply()) and *r filled for an allowed, well-formed request; -1 when the
 * request was refused or malformed (already answered and closed; *r says who, and
 * why in reason).
 */
int it_control_accept(struct it_control *c, struct it_ctl_req *r, int *client, char *reason,
		      size_t reasonlen);

/* Write line (newline added) to client and close it. */
void it_control_reply(int client, const char *line);

/* True when the peer (uid, primary gid, pid for its supplementary groups in
 * /proc/PID/status, else the user's groups from getgrouplist) may control the agent:
 * root, or a member of gid when have_gid. */
bool it_control_peer_allowed(uid_t uid, gid_t pgid, pid_t pid, bool have_gid, gid_t gid);

/* The uid's user name into buf, or the number. */
void it_user_name(uid_t uid, char *buf, size_t len);

/* Client side: send cmd ("pause", ...) to the agent on path and put its answer line
 * (no newline) in reply. Returns 0 when it answered "ok ...", 1 when it answered an
 * error, -1 when it could not be reached (err says). */
int it_control_request(const char *path, const char *cmd, char *reply, size_t replylen,
		       char *err, size_t errlen);

/* it_control_request(), and the pid of the process listening on path (SO_PEERCRED:
 * the agent) into *peer_pid when it answered (0 if the kernel did not say). On a
 * connection failure errno is the connect() error (ENOENT, ECONNREFUSED, EACCES...). */
int it_control_request_peer(const char *path, const char *cmd, char *reply, size_t replylen,
			    pid_t *peer_pid, char *err, size_t errlen);

/*
 * The status file: world-readable (0644), key=value lines that tell any local user that
 * capture is running, in which mode, since when, whether paused. Opened once as root
 * (its directory created 0755) and kept open, so that it can be rewritten in place
 * after --user drops privileges. it_status_open()/it_status_write() return 0 or -1
 * (errno).
 */
struct it_status {
	const char *path;	/* NULL: none */
	int fd;			/* -1: not open */
	pid_t pid;
	uint64_t since_real_ns;
	uint64_t paused_since_real_ns;	/* 0: not paused */
	bool paused;
	const char *keys;
	const char *pointer;	/* "exact", or "coarse grid=N" */
	const char *types;	/* "all" or a list */
	const char *devices;	/* what is captured, one line */
	const char *exclude;	/* "" for none */
	const char *output;
	const char *format;
	const char *control;	/* socket path and group, or "" */
};
int it_status_open(struct it_status *s);
int it_status_write(const struct it_status *s);
/* At exit: remove the file; when that is not permitted any more (--user), rewrite it
 * to say state=stopped. Closes it. */
void it_status_remove(struct it_status *s);

/*
 * Read a status file (as it_status_write() and it_status_remove() write it) into buf
 * (len bytes; at most len - 1 are read) and point keys[i] and values[i] into it, one
 * pair per key=value line in file order, at most max pairs; comment lines are
 * skipped. Returns the number of pairs, or -1 with errno: ENOENT (no such file),
 * EINVAL (not an inputtrace status file), or the error of open/read.
 */
int it_status_read(const char *path, char *buf, size_t len, const char **keys,
		   const char **values, int max);

#endif
