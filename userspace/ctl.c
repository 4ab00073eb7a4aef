// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ctl.c - `inputtrace ctl status [--json] [--pin DIR]`: read a running agent's pinned
 * maps (pin.h) and print its counters, devices and settings; without pinned maps, ask
 * its control socket and read its status file (control.h). */
#include <errno.h>
#include <sys/file.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "control.h"
#include "counters.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "part_ctl.h"
#include "pin.h"
#include "text.h"

static const char ctl_usage[] =
"Usage: inputtrace ctl status [--json] [--pin DIR]\n"
"       inputtrace ctl status [--json] [--socket PATH] [--status-file PATH]\n"
"       inputtrace ctl pause|resume [--socket PATH]\n"
"       inputtrace ctl participate yes|no|status|list [notice=N] [uid=N] [--socket PATH]\n"
"status: print the counters (summed over CPUs), devices and settings of the agent\n"
"running with --pin DIR (default " IT_PIN_DEFAULT "), read from its pinned maps.\n"
"Without --pin, and when no agent has pinned maps there: its state from its control\n"
"socket (--socket, default " IT_CONTROL_SOCKET_DEFAULT ") and its pid, settings\n"
"and devices from its status file (--status-file, default " IT_STATUS_FILE_DEFAULT ";\n"
"'none': not read); exit 1 when neither shows a running agent.\n"
"pause, resume: ask the agent listening on --socket PATH (its --control-socket,\n"
"default " IT_CONTROL_SOCKET_DEFAULT ") to stop or restart capturing; root or a\n"
"member of its --control-group.\n"
"participate: agree to be recorded (yes, notice=N: the notice you read), withdraw\n"
"(no), or see your choice and subject (status); any user, for themselves; root may\n"
"ask about uid=N, withdraw for uid=N, and list everyone's (docs/participation.md).\n";

static int open_pinned(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		snprintf(err, errlen, "cannot open %s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (no agent running with this --pin?)" : "");
	return fd;
}

static const char *verdict_name(__u32 v)
{
	return v == IT_DEV_CAPTURE ? "capture" : v == IT_DEV_DROP ? "drop" : "pending";
}

/* What `ctl status --pin DIR` shows, read from the pinned maps. */
struct pinned_view {
	const char *dir;
	int ncpus;
	struct it_config cfg;
	struct it_switches sw;
	/* the counters summed over CPUs, in the order printed */
	int ncounters;
	const char *names[IT_COUNTERS_REPORTED];
	__u64 vals[IT_COUNTERS_REPORTED];
	struct it_device *devs;
	int ndev;
};

/* Every device of the pinned it_devices map into v->devs. */
static int read_devices(int fd, struct pinned_view *v, char *err, size_t errlen)
{
	__u64 key, next, *prev = NULL;
	int cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (v->ndev == cap) {
			struct it_device *d = reallocarray(v->devs, cap ? cap * 2 : 64, sizeof(*d));

			if (!d) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			v->devs = d;
			cap = cap ? cap * 2 : 64;
		}
		if (bpf_map_lookup_elem(fd, &key, &v->devs[v->ndev]))
			continue;
		v->devs[v->ndev].info.name[IT_NAME_LEN - 1] = 0;
		v->devs[v->ndev].info.sysname[IT_SYSNAME_LEN - 1] = 0;
		v->ndev++;
	}
	return 0;
}

/* Read the maps pinned in dir into v (v->devs to be freed). Returns 0 or -1, err says. */
static int read_pinned(const char *dir, struct pinned_view *v, char *err, size_t errlen)
{
	int fd_cnt = -1, fd_dev = -1, rc = -1;
	size_t c;
	struct it_counters *per = NULL, sum;
	__u32 zero = 0;

	memset(v, 0, sizeof(*v));
	v->dir = dir;
	v->ncpus = libbpf_num_possible_cpus();
	if (v->ncpus <= 0) {
		snprintf(err, errlen, "cannot count CPUs");
		return -1;
	}
	if ((fd_cnt = open_pinned(dir, "it_counters", err, errlen)) < 0 ||
	    (fd_dev = open_pinned(dir, "it_devices", err, errlen)) < 0)
		goto out;
	per = calloc(v->ncpus, sizeof(*per));
	if (!per) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (bpf_map_lookup_elem(fd_cnt, &zero, per) ||
	    it_pin_read_var(dir, "it_config", &v->cfg, sizeof(v->cfg)) ||
	    it_pin_read_var(dir, "it_switches", &v->sw, sizeof(v->sw))) {
		snprintf(err, errlen, "cannot read the pinned maps in %s: %s", dir, strerror(errno));
		goto out;
	}
	it_counters_sum(per, v->ncpus, &sum);
	for (c = 0; c < it_counter_count && c < IT_COUNTERS_REPORTED; c++) {
		v->names[c] = it_counter_info[c].name;
		v->vals[c] = it_counter_get(&sum, c);
	}
	v->ncounters = (int)c;
	rc = read_devices(fd_dev, v, err, errlen);
out:
	free(per);
	if (fd_cnt >= 0)
		close(fd_cnt);
	if (fd_dev >= 0)
		close(fd_dev);
	return rc;
}

/* ,"k":"s" */
static void json_kv_str(struct it_buf *b, const char *k, const char *s)
{
	it_json_key(b, k);
	it_json_str(b, s, strlen(s));
}

/* {"name":value,...} of n counters */
static void json_counters(struct it_buf *b, const char *const *names, const __u64 *vals, int n)
{
	int i;

	it_buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			it_buf_putc(b, ',');
		it_json_str(b, names[i], strlen(names[i]));
		it_buf_putc(b, ':');
		it_buf_u64(b, vals[i]);
	}
	it_buf_putc(b, '}');
}

/* Write b (one JSON object and its newline) to out and free it. */
static int json_flush(struct it_buf *b, FILE *out, char *err, size_t errlen)
{
	int rc = 0;

	if (b->oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else {
		fwrite(b->p, 1, b->len, out);
	}
	it_buf_free(b);
	return rc;
}

static const char *pointer_name(__u32 mode)
{
	return mode == IT_POINTER_COARSE ? "coarse" : "exact";
}

/* {"pin","owner_pid","settings":{...},"counters":{...},"devices":[{...},...]} */
static int print_pinned_json(const struct pinned_view *v, FILE *out, char *err, size_t errlen)
{
	const struct it_config *cfg = &v->cfg;
	struct it_buf b = { 0 };
	int i;

	it_buf_puts(&b, "{\"pin\":");
	it_json_str(&b, v->dir, strlen(v->dir));
	it_json_kv_u64(&b, "owner_pid", cfg->owner_pid);
	it_json_key(&b, "settings");
	it_buf_puts(&b, "{\"keys\":");
	it_json_str(&b, it_keys_name((enum it_keys_mode)v->sw.keys_mode), 16);
	json_kv_str(&b, "pointer", pointer_name(cfg->pointer_mode));
	it_json_kv_u64(&b, "pointer_grid", cfg->pointer_grid);
	it_json_kv_u64(&b, "type_mask", cfg->type_mask);
	json_kv_str(&b, "default_verdict", verdict_name(cfg->default_verdict));
	it_json_key(&b, "paused");
	it_buf_puts(&b, v->sw.paused ? "true}" : "false}");
	it_json_key(&b, "counters");
	json_counters(&b, v->names, v->vals, v->ncounters);
	it_json_key(&b, "devices");
	it_buf_putc(&b, '[');
	for (i = 0; i < v->ndev; i++) {
		const struct it_device *d = &v->devs[i];

		it_buf_puts(&b, i ? ",{\"dev\":" : "{\"dev\":");
		it_buf_u64(&b, d->id);
		it_json_key(&b, "sysname");
		it_json_str(&b, d->info.sysname, IT_SYSNAME_LEN);
		it_json_key(&b, "name");
		it_json_str(&b, d->info.name, IT_NAME_LEN);
		json_kv_str(&b, "verdict", verdict_name(d->verdict));
		it_buf_putc(&b, '}');
	}
	it_buf_puts(&b, "]}\n");
	return json_flush(&b, out, err, errlen);
}

void it_ctl_devices_plain(const struct it_device *devs, int n, FILE *out)
{
	char sys[IT_TEXT_ESC_LEN(IT_SYSNAME_LEN)], name[IT_TEXT_ESC_LEN(IT_NAME_LEN)];
	int i;

	fprintf(out, "devices:\n  %-6s %-9s %-10s %s\n", "ID", "VERDICT", "SYSNAME", "NAME");
	for (i = 0; i < n; i++)
		fprintf(out, "  %-6u %-9s %-10s %s\n", devs[i].id, verdict_name(devs[i].verdict),
			it_text_escs(sys, sizeof(sys), devs[i].info.sysname, IT_SYSNAME_LEN),
			it_text_escs(name, sizeof(name), devs[i].info.name, IT_NAME_LEN));
}

/* The same as a few lines and two tables. */
static void print_pinned_plain(const struct pinned_view *v, FILE *out)
{
	const struct it_config *cfg = &v->cfg;
	int i;

	fprintf(out, "agent pid %u, maps pinned in %s\n", cfg->owner_pid, v->dir);
	fprintf(out, "settings: keys=%s pointer=%s pointer_grid=%u type_mask=0x%08x default_verdict=%s paused=%s\n",
		it_keys_name((enum it_keys_mode)v->sw.keys_mode), pointer_name(cfg->pointer_mode),
		cfg->pointer_grid, cfg->type_mask, verdict_name(cfg->default_verdict),
		v->sw.paused ? "yes" : "no");
	fprintf(out, "counters (summed over %d CPUs):\n", v->ncpus);
	for (i = 0; i < v->ncounters; i++)
		fprintf(out, "  %-22s %llu\n", v->names[i], (unsigned long long)v->vals[i]);
	it_ctl_devices_plain(v->devs, v->ndev, out);
}

int it_ctl_status(const char *dir, bool json, FILE *out, char *err, size_t errlen)
{
	struct pinned_view v;
	int rc;

	rc = read_pinned(dir, &v, err, errlen);
	if (!rc && json)
		rc = print_pinned_json(&v, out, err, errlen);
	else if (!rc)
		print_pinned_plain(&v, out);
	free(v.devs);
	return rc;
}

static const char *kv_get(const char **keys, const char **vals, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return vals[i];
	return NULL;
}

/* True when a live agent holds path (its pin directory or status file: the agent keeps
 * flock(LOCK_EX) on both while it runs, pin.c and control.c); a kill -9 leaves them
 * unlocked. Not readable: false. */
static bool held_by_agent(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* What `ctl status` without pins shows: the agent's control socket's answer and its
 * status file. */
struct agent_view {
	const char *sock, *status_file;	/* where to ask; NULL: not asked */
	bool sock_ok;			/* the socket answered "ok STATE" */
	bool sock_refused;		/* it answered something else */
	bool file_live;			/* the status file is a running agent's */
	const char *state;		/* "capturing", "paused" */
	pid_t peer;			/* the socket's process (SO_PEERCRED), 0 unknown */
	long fpid;			/* the status file's pid= */
	char reply[256];
	char why_sock[640], why_file[640];	/* why one of them shows no agent */
	char buf[65536];		/* the status file; keys and vals point into it */
	const char *keys[64], *vals[64];
	int nkv;
};

/* A "status" request to v->sock. */
static void ask_socket(struct agent_view *v)
{
	char serr[512];
	int rc;

	rc = it_control_request_peer(v->sock, "status", v->reply, sizeof(v->reply), &v->peer, serr,
				     sizeof(serr));
	if (!rc && !strncmp(v->reply, "ok ", 3)) {
		v->sock_ok = true;
		v->state = v->reply + 3;
	} else if (rc >= 0) {
		v->sock_refused = true;
		snprintf(v->why_sock, sizeof(v->why_sock), "the agent on %s answered: %s", v->sock,
			 v->reply);
	} else if (!strncmp(serr, "cannot connect", 14)) {
		snprintf(v->why_sock, sizeof(v->why_sock), "cannot connect to %s: %s", v->sock,
			 strerror(errno));
	} else {
		snprintf(v->why_sock, sizeof(v->why_sock), "%s", serr);
	}
}

/* Read v->status_file and decide whether a running agent wrote it. */
static void read_status_file(struct agent_view *v)
{
	const char *sf = v->status_file, *st, *p;

	v->nkv = it_status_read(sf, v->buf, sizeof(v->buf), v->keys, v->vals, 64);
	if (v->nkv < 0) {
		snprintf(v->why_file, sizeof(v->why_file), "%s %s%s%s",
			 errno == ENOENT ? "no status file" : "cannot read the status file", sf,
			 errno == ENOENT ? "" : ": ", errno == ENOENT ? "" :
			 errno == EINVAL ? "not an inputtrace status file" : strerror(errno));
		v->nkv = 0;
		return;
	}
	st = kv_get(v->keys, v->vals, v->nkv, "state");
	p = kv_get(v->keys, v->vals, v->nkv, "pid");
	v->fpid = p ? strtol(p, NULL, 10) : 0;
	if (st && !strcmp(st, "stopped"))
		snprintf(v->why_file, sizeof(v->why_file), "the status file %s says stopped (pid %ld)",
			 sf, v->fpid);
	else if (v->fpid <= 0 || (kill((pid_t)v->fpid, 0) && errno == ESRCH))
		snprintf(v->why_file, sizeof(v->why_file), "the status file %s names pid %ld, "
			 "which is not running", sf, v->fpid);
	else if (!held_by_agent(sf))
		/* a pid reused after a kill -9: the file's agent is gone */
		snprintf(v->why_file, sizeof(v->why_file), "the status file %s names pid %ld, "
			 "but no agent holds it (left by an agent that was killed)", sf, v->fpid);
	else if (v->sock_ok && v->peer > 0 && v->peer != (pid_t)v->fpid)
		/* two agents: the socket's and the file's; report the socket's */
		snprintf(v->why_file, sizeof(v->why_file), "the status file %s is of pid %ld, "
			 "not of the agent on %s (pid %ld)", sf, v->fpid, v->sock, (long)v->peer);
	else
		v->file_live = true;
	if (v->file_live && !v->state)
		v->state = st ? st : "?";
}

/* The status file's key=value pairs worth repeating: all but state and pid. */
static bool kv_shown(const struct agent_view *v, int i)
{
	return v->file_live && strcmp(v->keys[i], "state") && strcmp(v->keys[i], "pid");
}

static long agent_pid(const struct agent_view *v)
{
	return v->sock_ok && v->peer > 0 ? v->peer : v->file_live ? v->fpid : 0;
}

/* {"state","pid","control_socket","status_file", and the status file's keys} */
static int print_agent_json(const struct agent_view *v, FILE *out, char *err, size_t errlen)
{
	struct it_buf b = { 0 };
	long pid = agent_pid(v);
	int i;

	it_buf_puts(&b, "{\"state\":");
	it_json_str(&b, v->state, strlen(v->state));
	it_json_key(&b, "pid");
	if (pid > 0)
		it_buf_u64(&b, (uint64_t)pid);
	else
		it_buf_puts(&b, "null");
	if (v->sock_ok)
		json_kv_str(&b, "control_socket", v->sock);
	else
		it_buf_puts(&b, ",\"control_socket\":null");
	if (v->file_live)
		json_kv_str(&b, "status_file", v->status_file);
	else
		it_buf_puts(&b, ",\"status_file\":null");
	for (i = 0; i < v->nkv; i++) {
		if (!kv_shown(v, i))
			continue;
		it_buf_putc(&b, ',');
		it_json_str(&b, v->keys[i], strlen(v->keys[i]));
		it_buf_putc(&b, ':');
		it_json_str(&b, v->vals[i], strlen(v->vals[i]));
	}
	it_buf_puts(&b, "}\n");
	return json_flush(&b, out, err, errlen);
}

/* "agent pid N: STATE (from ...)", the status file's lines, where counters are. */
static void print_agent_plain(const struct agent_view *v, FILE *out)
{
	long pid = agent_pid(v);
	int i;

	if (pid > 0)
		fprintf(out, "agent pid %ld: %s", pid, v->state);
	else
		fprintf(out, "agent: %s", v->state);
	if (v->sock_ok && v->file_live)
		fprintf(out, " (from the control socket %s and the status file %s)\n", v->sock,
			v->status_file);
	else if (v->sock_ok)
		fprintf(out, " (from the control socket %s%s%s)\n", v->sock,
			v->why_file[0] ? "; " : "", v->why_file);
	else
		fprintf(out, " (from the status file %s%s%s)\n", v->status_file,
			v->why_sock[0] ? "; " : "", v->why_sock);
	for (i = 0; i < v->nkv; i++)
		if (kv_shown(v, i))
			fprintf(out, "%s=%s\n", v->keys[i], v->vals[i]);
	fprintf(out, "counters: from pinned maps only (run the agent with --pin, then ctl status "
		"--pin DIR), or its stats records and --metrics-file\n");
}

int it_ctl_agent_status(const char *sock, const char *status_file, bool json, FILE *out,
			char *err, size_t errlen)
{
	struct agent_view *v = calloc(1, sizeof(*v));
	int rc = 0;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	v->sock = sock;
	v->status_file = status_file;
	if (sock)
		ask_socket(v);
	if (status_file)
		read_status_file(v);
	if (!v->sock_ok && !v->file_live) {
		if (v->sock_refused)
			snprintf(err, errlen, "%s", v->why_sock);
		else if (!sock && !status_file)
			snprintf(err, errlen, "no agent to ask: no --socket, and --status-file none");
		else
			snprintf(err, errlen, "no agent: %s%s%s", v->why_sock,
				 v->why_sock[0] && v->why_file[0] ? "; " : "", v->why_file);
		rc = -1;
	} else if (json) {
		rc = print_agent_json(v, out, err, errlen);
	} else {
		print_agent_plain(v, out);
	}
	free(v);
	return rc;
}

/* ctl pause|resume [--socket PATH] */
static int ctl_pause(int argc, char **argv, FILE *out)
{
	const char *path = IT_CONTROL_SOCKET_DEFAULT;
	char reply[256], err[512];
	int i, rc;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--socket=", 9))
			path = argv[i] + 9;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(ctl_usage, out);
			return 0;
		} else {
			it_err("ctl %s: bad argument '%s' (see ctl --help)", argv[1], argv[i]);
			return 2;
		}
	}
	rc = it_control_request(path, argv[1], reply, sizeof(reply), err, sizeof(err));
	if (rc) {
		it_err("ctl %s: %s", argv[1], rc < 0 ? err : reply);
		return 1;
	}
	fprintf(out, "%s\n", reply);
	return 0;
}

/* The pin directory of a running agent at the default place, or NULL. The systemd
 * unit runs with --pin; a killed agent's pins stay until the next start: not an
 * agent. */
static const char *default_pin(void)
{
	int fd = bpf_obj_get(IT_PIN_DEFAULT "/it_counters");

	if (fd < 0)
		return NULL;
	close(fd);
	return held_by_agent(IT_PIN_DEFAULT) ? IT_PIN_DEFAULT : NULL;
}

/* ctl status [--json] [--pin DIR | --socket PATH --status-file PATH] */
static int ctl_status(int argc, char **argv, FILE *out)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pin", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "status-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = NULL, *sock = NULL, *status_file = NULL;
	bool json = false;
	char err[1600];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			dir = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'f':
			status_file = optarg;
			break;
		case 'h':
			fputs(ctl_usage, out);
			return 0;
		default:
			it_err("ctl status: bad option '%s' (see ctl --help)", (argv + 1)[optind - 1]);
			return 2;
		}
	}
	if (optind < argc - 1) {
		it_err("ctl status: unexpected argument '%s'", argv[optind + 1]);
		return 2;
	}
	if (dir && (sock || status_file)) {
		it_err("ctl status: --pin reads pinned maps; --socket and --status-file are for an "
		       "agent without them: give one or the other");
		return 2;
	}
	libbpf_set_print(NULL);
	/* without --pin: the default pins if an agent has pinned its maps there, else
	 * its control socket and status file */
	if (!dir && !sock && !status_file)
		dir = default_pin();
	if (dir) {
		if (it_ctl_status(dir, json, out, err, sizeof(err))) {
			it_err("ctl status: %s", err);
			return 1;
		}
		return 0;
	}
	if (it_ctl_agent_status(sock ? sock : IT_CONTROL_SOCKET_DEFAULT,
				!status_file ? IT_STATUS_FILE_DEFAULT :
				strcmp(status_file, "none") ? status_file : NULL,
				json, out, err, sizeof(err))) {
		it_err("ctl status: %s%s", err, !sock && !status_file &&
		       !strncmp(err, "no agent: ", 10) ? "; no maps pinned in " IT_PIN_DEFAULT : "");
		return 1;
	}
	return 0;
}

/* `inputtrace ctl NAME`: argv[1] is NAME. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv, FILE *out);
} ctl_cmds[] = {
	{ "status", ctl_status },
	{ "pause", ctl_pause },
	{ "resume", ctl_pause },
	{ "participate", it_ctl_participate },
};

int it_ctl_main(int argc, char **argv, FILE *out)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(ctl_usage, argc < 2 ? stderr : out);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(argv[1], ctl_cmds[i].name))
			return ctl_cmds[i].run(argc, argv, out);
	it_err("unknown ctl command '%s' (see ctl --help)", argv[1]);
	return 2;
}
