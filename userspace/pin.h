/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pin.h - --pin DIR: the agent's maps pinned in a BPF file system directory while it
 * runs, for `bpftool map dump pinned DIR/<map>` and `inputtrace ctl status`.
 *
 * Ownership: the agent holds an exclusive flock(2) on DIR itself for as long as it
 * runs. The kernel drops the lock when the process dies, however it dies (kill -9
 * included), so "locked" means "a live agent owns these pins", and pins found in an
 * unlocked DIR are stale (their agent died without removing them) and are removed.
 * Links are not pinned: a pinned link would keep the programs attached (and
 * recording into a ring buffer nobody reads) after a kill -9; unpinned, they close
 * with the process.
 */
#ifndef IT_PIN_H
#define IT_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define IT_PIN_DEFAULT "/sys/fs/bpf/inputtrace"

struct bpf_object;

/* The maps pinned, by name; each is pinned as DIR/<name>. */
extern const char *const it_pin_maps_names[];
extern const size_t it_pin_maps_count;

struct it_pin {
	char dir[256];
	int dirfd;		/* open, flock()ed; -1 when not held */
	int stale_removed;	/* pins of a dead agent removed at acquire */
	int pinned;		/* how many maps are pinned */
};

/*
 * Create DIR (mode 0700, in a BPF file system) if needed, lock it, and remove pins a
 * dead agent left. Returns 0; -1 with a one-line message in err when DIR is not in a
 * BPF file system or cannot be made, or -2 when another live agent holds it
 * ("another inputtrace (pid N) is running with --pin DIR").
 */
int it_pin_acquire(struct it_pin *p, const char *dir, char *err, size_t errlen);

/* Pin the maps of obj named in it_pin_maps_names. Returns 0 or -1 (err says). */
int it_pin_maps(struct it_pin *p, struct bpf_object *obj, char *err, size_t errlen);

/* Give DIR to uid:gid so that an agent that dropped to that user can still remove
 * its pins at exit. Returns 0 or -1 (errno). */
int it_pin_chown(struct it_pin *p, uid_t uid, gid_t gid);

/* Remove the pins and DIR (if empty), release the lock. Safe on a zeroed p with
 * dirfd -1, and more than once. */
void it_pin_release(struct it_pin *p);

#endif
