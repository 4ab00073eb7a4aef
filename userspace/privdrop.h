/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* privdrop.h - --user NAME: after loading, attaching, opening the output and pinning,
 * become NAME with no capabilities at all. */
#ifndef IT_PRIVDROP_H
#define IT_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Look NAME up (passwd; or a number). Returns 0, or -1 with a message in err. */
int it_user_resolve(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/*
 * Switch to uid/gid (supplementary groups dropped: only gid), and clear every
 * capability, effective, permitted, inheritable and ambient; set no_new_privs.
 * What the agent does afterwards needs none: reading the ring buffer (mmap and epoll
 * on a map fd it holds), reading the counters and setting device verdicts (map fds
 * it holds: no capability check), writing the output (fd already open), reading
 * sysfs, detaching (closing link fds). Returns 0, or -1 with a message in err.
 */
int it_drop_privileges(uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
