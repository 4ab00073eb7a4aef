/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tools_user.h - tool activity from the kernel (bpf/tools.bpf.c, docs/context.md): loads
 * its own BPF object, puts the operator's executables in its map and hands each
 * start/stop to a callback. Apart from the capture object: either runs without the
 * other.
 */
#ifndef IT_TOOLS_USER_H
#define IT_TOOLS_USER_H

#include <stddef.h>
#include "tools.h"

struct it_tools;

/* Called from it_tools_poll() for each record: e->tool indexes the paths given. */
typedef void (*it_tool_cb)(void *ctx, const struct it_tool_event *e);

/* The map key of the executable at path (stat: its inode and device, the device in the
 * kernel's encoding). Returns 0, or -1 with errno. */
int it_tool_key_of(const char *path, struct it_tool_key *k);

/*
 * Load and attach the tool programs for the n executables in paths (n <= IT_TOOLS_MAX).
 * Returns the handle, or NULL with a one-line reason in err (an executable that cannot
 * be stat'ed, a load or attach failure with libbpf's error number).
 */
struct it_tools *it_tools_open(const char *const *paths, unsigned int n, it_tool_cb cb,
			       void *ctx, char *err, size_t errlen);

/* The fd to poll for records (the ring buffer's epoll fd). */
int it_tools_fd(const struct it_tools *t);

/* Hand waiting records to the callback, waiting at most timeout_ms. Returns the number
 * of records, or a negative error (-EINTR: interrupted). */
int it_tools_poll(struct it_tools *t, int timeout_ms);

/* Records the ring buffer had no room for (the kernel side's counter). */
unsigned long long it_tools_lost(const struct it_tools *t);

void it_tools_close(struct it_tools *t);

#endif
