// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tools.c - tool activity from the kernel (tools_user.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/libbpf.h>
#include "tools.skel.h"
#include "tools_user.h"

struct it_tools {
	struct tools_bpf *skel;
	struct ring_buffer *rb;
	it_tool_cb cb;
	void *ctx;
};

int it_tool_key_of(const char *path, struct it_tool_key *k)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	memset(k, 0, sizeof(*k));
	k->ino = st.st_ino;
	k->dev = (major(st.st_dev) << 20) | minor(st.st_dev);	/* the kernel's MKDEV */
	return 0;
}

static int on_record(void *data, void *rec, size_t len)
{
	struct it_tools *t = data;

	if (len >= sizeof(struct it_tool_event))
		t->cb(t->ctx, rec);
	return 0;
}

struct it_tools *it_tools_open(const char *const *paths, unsigned int n, it_tool_cb cb,
			       void *ctx, char *err, size_t errlen)
{
	struct it_tools *t = calloc(1, sizeof(*t));
	struct it_tool_key k;
	unsigned int i;
	int rc;

	if (!t || n > IT_TOOLS_MAX) {
		snprintf(err, errlen, "tools: %s", t ? "more than 256 executables" : strerror(ENOMEM));
		free(t);
		return NULL;
	}
	t->cb = cb;
	t->ctx = ctx;
	t->skel = tools_bpf__open_and_load();
	if (!t->skel) {
		snprintf(err, errlen, "tools: failed to load BPF object: %d", -errno);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (it_tool_key_of(paths[i], &k)) {
			snprintf(err, errlen, "tools: %s: %s", paths[i], strerror(errno));
			goto fail;
		}
		rc = bpf_map__update_elem(t->skel->maps.tools, &k, sizeof(k), &i, sizeof(i), BPF_ANY);
		if (rc) {
			snprintf(err, errlen, "tools: cannot add %s: %d", paths[i], rc);
			goto fail;
		}
	}
	rc = tools_bpf__attach(t->skel);
	if (rc) {
		snprintf(err, errlen, "tools: failed to attach sched_process_exec/exit: %d", rc);
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.tool_events), on_record, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "tools: failed to create ring buffer: %d", -errno);
		goto fail;
	}
	return t;
fail:
	it_tools_close(t);
	return NULL;
}

int it_tools_fd(const struct it_tools *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

int it_tools_poll(struct it_tools *t, int timeout_ms)
{
	return ring_buffer__poll(t->rb, timeout_ms);
}

unsigned long long it_tools_lost(const struct it_tools *t)
{
	return t->skel->bss->lost_events;
}

void it_tools_close(struct it_tools *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	tools_bpf__destroy(t->skel);
	free(t);
}
