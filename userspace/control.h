/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * control.h - the agent's control socket (`inputtrace ctl pause|resume|status`), pausing
 * (the socket and SIGUSR1/SIGUSR2) and the pause and resume records (docs/operations.md
 * "Pause and resume"). The status file it rewrites is status.h's.
 *
 * The socket is a unix stream socket, owned by root and --control-group, mode 0660:
 * the file permissions let only root and the group's members connect, and the agent
 * checks again when it accepts, from the socket (SO_PEERCRED, SO_PEERGROUPS: uid 0,
 * or the group among the peer's groups when it connected) and records who asked.
 * Protocol: one line per connection, "pause\n", "resume\n" or "status\n"; one line
 * back, "ok paused\n", "ok capturing\n" or "error: REASON\n". Clients are served
 * from the agent's loop without ever blocking it: non-blocking sockets, a bounded
 * request, a deadline per client and a cap on clients at once. Features add verbs of
 * their own (it_control_add_verb: participate, focus), possibly open to every local
 * user, and hold the kernel's pause for reasons of their own (it_pause_hold).
 */
#ifndef IT_CONTROL_H
#define IT_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "json.h"
#include "log.h"
#include "status.h"

#define IT_CONTROL_SOCKET_DEFAULT "/run/inputtrace/control.sock"

enum it_ctl_cmd { IT_CTL_NONE = 0, IT_CTL_PAUSE, IT_CTL_RESUME, IT_CTL_STATUS };

/* Limits of the server side (docs/operations.md "Pause and resume"). */
#define IT_CTL_LINE_MAX 64	/* a request longer than this, newline included, is refused */
#define IT_CTL_MAX_CLIENTS 64	/* connections being read at once; more are closed at once */
#define IT_CTL_MAX_PER_UID 8	/* of those, one user's other than root's */
#define IT_CTL_DEADLINE_S 1.0	/* a client's whole request must arrive within this */
#define IT_CTL_BUF_MAX 512	/* the longest request of any verb, newline included */
#define IT_CTL_REPLY_MAX 8192	/* the longest answer of an added verb */
#define IT_CTL_VERBS_MAX 4	/* verbs added with it_control_add_verb() */
#define IT_CTL_WATCH_MAX 4	/* fds added with it_control_add_watch() */

/*
 * Another fd the agent's wait watches (the D-Bus connection to logind, the tool
 * tracker's ring buffer): ready() is called from it_control_tick() after a wait that
 * found it readable (or with an error). timeout_ms, when set, bounds the wait (-1: no
 * bound), e.g. sd_bus_get_timeout().
 */
struct it_ctl_watch {
	int fd;
	void (*ready)(void *ctx);
	int (*timeout_ms)(void *ctx);
	void *ctx;
	bool fired;		/* the last wait found it ready (the module's) */
};

struct it_ctl_req;

/*
 * A request verb added by a feature (participate, focus): one line "NAME" or
 * "NAME ARGS", newline-terminated, answered by handle(). Unlike pause, resume and
 * status, a verb may be open to every local user (everyone): the socket is then
 * mode 0666 and the handler judges the caller from r (uid, gid, pid: SO_PEERCRED).
 */
struct it_ctl_verb {
	const char *name;
	size_t max_line;	/* the longest request, newline included (<= IT_CTL_BUF_MAX) */
	bool everyone;		/* any local user may send it; else root and --control-group */
	/* Answer line (len bytes, no newline, no NUL) from r: the reply in reply, one or
	 * more lines each ending in "\n" (at most replylen bytes, NUL-terminated). Runs
	 * in the agent's loop: it must not block. */
	void (*handle)(void *ctx, const struct it_ctl_req *r, const char *line, size_t len,
		       char *reply, size_t replylen);
	void *ctx;
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

/* One connection being read: its peer judged when it was accepted. */
struct it_ctl_client {
	int fd;			/* -1: a free slot */
	bool allowed;		/* root or a member of the group, from the socket's credentials */
	double deadline;	/* CLOCK_MONOTONIC seconds: answered or closed by then */
	struct it_ctl_req req;	/* pid, uid, gid from SO_PEERCRED (user filled when served) */
	int verb;		/* index in it_control.verbs of an added verb; -1: a built-in */
	size_t len;
	char line[IT_CTL_BUF_MAX];
};

struct it_control {
	int fd;			/* listening socket, -1: none */
	char path[108];		/* sun_path */
	gid_t gid;		/* --control-group */
	bool have_gid;
	double deadline_s;	/* per client; IT_CTL_DEADLINE_S unless a test changes it */
	int epfd;		/* epoll: the listening socket and the clients (valid with fd) */
	bool ready;		/* the last it_control_wait() saw epfd readable */
	double next_deadline;	/* the earliest client's deadline */
	int nclients;		/* slots in use, clients[0..nclients) */
	struct it_ctl_client clients[IT_CTL_MAX_CLIENTS];
	int nverbs;
	struct it_ctl_verb verbs[IT_CTL_VERBS_MAX];
	int nwatches;
	struct it_ctl_watch watches[IT_CTL_WATCH_MAX];
	struct it_log_limit lim_bad;	/* malformed, too long, too slow, too many */
	struct it_log_limit lim_refused;	/* not root nor in the group */
	uint64_t served, refused, bad;	/* requests answered ok, refused, malformed/late/busy */
};

/*
 * c must be zeroed (or { .fd = -1 }) before its first use: the verbs and watches added
 * before it_control_open() are kept by it.
 *
 * Listen on path (its directory created 0755 if missing; a stale socket replaced),
 * chown root:gid (have_gid) and chmod 0660 (0600 without a group). Returns 0, or -1
 * with a one-line reason in err. c->fd is -1 after a failure.
 */
int it_control_open(struct it_control *c, const char *path, bool have_gid, gid_t gid,
		    char *err, size_t errlen);

/*
 * Add a verb (copied). Before or after it_control_open(); a verb open to everyone
 * makes the socket 0666. Returns 0, or -1 (too many verbs, a name already taken,
 * max_line out of range).
 */
int it_control_add_verb(struct it_control *c, const struct it_ctl_verb *v);

/*
 * Watch w->fd in the agent's wait (copied); before or after it_control_open(), and
 * without a control socket too. Returns 0, or -1 when IT_CTL_WATCH_MAX are watched.
 * it_control_del_watch() stops watching fd (the caller closes it).
 */
int it_control_add_watch(struct it_control *c, const struct it_ctl_watch *w);
void it_control_del_watch(struct it_control *c, int fd);

/* Close the listening socket and every client, and unlink (if it can). Safe on a
 * closed one. */
void it_control_close(struct it_control *c);

/*
 * Parse a request: the len bytes read so far from one connection (eof: the peer has
 * shut down its side, nothing more comes). Pure (no I/O), for the server and the
 * fuzzer. Returns 1 with *cmd set for a whole request ("pause", "resume" or "status",
 * ended by "\n" or "\r\n", or by eof; bytes after the newline are ignored); 0 when more
 * bytes are needed; -1 with *why set (a constant string) for a bad one: unknown, longer
 * than IT_CTL_LINE_MAX, a NUL byte, or empty at eof.
 */
int it_ctl_parse(const char *buf, size_t len, bool eof, enum it_ctl_cmd *cmd, const char **why);

/*
 * True when the peer may control the agent: root, or (have_gid) gid as its primary
 * group pgid or among its ngroups supplementary groups (from SO_PEERGROUPS, taken
 * when it connected). ngroups < 0: the kernel did not say (before 4.13); the uid's
 * groups in the group database are used instead.
 */
bool it_control_peer_allowed(uid_t uid, gid_t pgid, const gid_t *groups, int ngroups,
			     bool have_gid, gid_t gid);

/* The uid's user name into buf, or the number (looked up at most once a minute). */
void it_user_name(uid_t uid, char *buf, size_t len);

/* Client side: send cmd ("pause", "participate list", ...; a newline is added) to the
 * agent on path and put its whole answer in reply (its lines joined by '\n', no last
 * newline). "error: busy", or the connection closed before the request went out, is
 * tried again for 2 s. Returns 0 when it answered "ok ...", 1 when it answered an
 * error, -1 when it could not be reached (err says). */
int it_control_request(const char *path, const char *cmd, char *reply, size_t replylen,
		       char *err, size_t errlen);

/* it_control_request(), and the pid of the process listening on path (SO_PEERCRED:
 * the agent) into *peer_pid when it answered (0 if the kernel did not say). On a
 * connection failure errno is the connect() error (ENOENT, ECONNREFUSED, EACCES...). */
int it_control_request_peer(const char *path, const char *cmd, char *reply, size_t replylen,
			    pid_t *peer_pid, char *err, size_t errlen);

/*
 * Pausing (docs/operations.md "Pause and resume"). The module decides when and records
 * who asked; what pausing does to the kernel and to the output is the agent's, through these
 * hooks. it_pause_set() orders them so that the record sits between the last event
 * before and the first after: pause = set_kernel(true), drain, record; resume =
 * record, set_kernel(false).
 */
struct it_pause_ops {
	int (*set_kernel)(void *kctx, bool paused);	/* 0 or -errno */
	void (*drain)(void *kctx);	/* read what the ring buffer holds now */
	/* write the pause or resume record of r at these clocks, and flush */
	void (*record)(void *rctx, bool pause, const struct it_ctl_req *r, uint64_t mono_ns,
		       uint64_t real_ns);
	void *kctx, *rctx;
};

/*
 * The reasons the kernel does not copy events: the kernel's flag is set while any is.
 * Each feature owns one, so `ctl resume` never resumes at a locked screen and a session
 * change never undoes `ctl pause`.
 */
enum it_hold {
	IT_HOLD_MANUAL = 1u << 0,	/* ctl pause, SIGUSR1 */
	IT_HOLD_SESSION = 1u << 1,	/* logind: nobody who may be recorded is at the seat */
	IT_HOLD_FOCUS = 1u << 2,	/* a --pause-apps application has the focus */
};

struct it_pause_state {
	bool paused;			/* IT_HOLD_MANUAL is held */
	unsigned int holds;		/* enum it_hold bits held now */
	struct it_pause_ops ops;
	struct it_status status;	/* rewritten on each change (fd -1: none) */
};

/* Pause or resume for r (a no-op if already so): the hooks, the status file, one
 * notice. Returns 0 or the hook's -errno (then nothing changed). */
int it_pause_set(struct it_pause_state *ps, bool pause, const struct it_ctl_req *r);

/*
 * Hold (on) or release one reason (an enum it_hold bit) for the kernel not to copy
 * events. Holding: the kernel's flag set first (when no reason held it yet), then the
 * ring buffer drained, then rec() writes the record that says why; releasing: rec()
 * first, then the flag cleared when no reason is left. So every event before the
 * record was captured before the change and none after it while held. rec may be
 * NULL; a no-op (rec not called) when the reason is already so. Returns 0 or the
 * set_kernel hook's -errno (then nothing changed and rec was not called).
 */
int it_pause_hold(struct it_pause_state *ps, unsigned int reason, bool on,
		  void (*rec)(void *ctx, uint64_t mono_ns, uint64_t real_ns), void *ctx);

/* SIGUSR1 pauses, SIGUSR2 resumes (the last one wins; the sender from siginfo):
 * install the handlers; it_control_tick() acts on them. */
void it_pause_catch_signals(void);

/*
 * The agent's wait, once per loop iteration: poll extra_fd (the ring buffer's epoll
 * fd, or -1) and the control socket's epoll fd (the listening socket and the clients
 * being read), for at most timeout_ms (less when a client's deadline comes first).
 * Two fds whatever the number of clients, so a loop that turns thousands of times a
 * second pays nothing for them. Returns > 0 when something is ready, 0 on timeout,
 * -errno (-EINTR after a signal).
 */
int it_control_wait(struct it_control *c, int extra_fd, int timeout_ms);

/*
 * Once per loop iteration, after it_control_wait(), never blocking: act on a pending
 * pause signal; when the wait saw the control socket ready, accept the
 * waiting connections (at most IT_CTL_MAX_CLIENTS a call, so the ring buffer is
 * drained between batches), judging each peer from its socket; read what each client
 * sent; answer every whole request ("ok paused", "ok capturing", "error: ...") and
 * close it; close clients past their deadline, and new ones beyond the cap
 * ("error: busy"). now: CLOCK_MONOTONIC seconds. Bad requests are logged at most
 * once per 10 s.
 */
void it_control_tick(struct it_control *c, struct it_pause_state *ps, double now);

#endif
