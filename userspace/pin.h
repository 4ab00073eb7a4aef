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

/* The maps pinned, by name; each is pinned as DIR/<name>. it_config and it_switches
 * are the object's .rodata and .bss maps, named for the variable that matters in them
 * (inputtrace.h: struct it_config, struct it_switches). */
extern const char *const it_pin_maps_names[];
extern const size_t it_pin_maps_count;

/* The map of obj pinned as name (one of it_pin_maps_names): the map of that name, or
 * for it_config and it_switches the .rodata and .bss maps. NULL if obj has none. */
struct bpf_map *it_pin_map(struct bpf_object *obj, const char *name);

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

/* Read the global variable var (size bytes, e.g. struct it_config it_config) from
 * the section map pinned as DIR/var (it_config, it_switches), finding it by name in
 * the map's BTF as bpftool does. Returns 0, or -1 with errno (ENOENT: no such pin or
 * no such variable of that size). */
int it_pin_read_var(const char *dir, const char *var, void *buf, size_t size);

/* Remove the pins and DIR (if empty), release the lock. Safe on a zeroed p with
 * dirfd -1, and more than once. */
void it_pin_release(struct it_pin *p);

#endif
