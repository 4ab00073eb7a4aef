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
#include "pin.h"

static const char ctl_usage[] =
"Usage: inputtrace ctl status [--json] [--pin DIR]\n"
"       inputtrace ctl status [--json] [--socket PATH] [--status-file PATH]\n"
"       inputtrace ctl pause|resume [--socket PATH]\n"
"status: print the counters (summed over CPUs), devices and settings of the agent\n"
"running with --pin DIR (default " IT_PIN_DEFAULT "), read from its pinned maps.\n"
"Without --pin, and when no agent has pinned maps there: its state from its control\n"
"socket (--socket, default " IT_CONTROL_SOCKET_DEFAULT ") and its pid, settings\n"
"and devices from its status file (--status-file, default " IT_STATUS_FILE_DEFAULT ";\n"
"'none': not read); exit 1 when neither shows a running agent.\n"
"pause, resume: ask the agent listening on --socket PATH (its --control-socket,\n"
"default " IT_CONTROL_SOCKET_DEFAULT ") to stop or restart capturing; root or a\n"
"member of its --control-group.\n";

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

int it_ctl_status(const char *dir, bool json, FILE *out, char *err, size_t errlen)
{
	int fd_cnt = -1, fd_dev = -1, ncpus, ndev = 0, rc = -1;
	struct it_counters *per = NULL, sum;
	struct it_config cfg;
	struct it_switches sw;
	__u64 key, next, *prev = NULL;
	size_t c;
	struct it_device d;
	struct it_buf b = {};
	__u32 zero = 0;

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		snprintf(err, errlen, "cannot count CPUs");
		return -1;
	}
	if ((fd_cnt = open_pinned(dir, "it_counters", err, errlen)) < 0 ||
	    (fd_dev = open_pinned(dir, "it_devices", err, errlen)) < 0)
		goto out;
	per = calloc(ncpus, sizeof(*per));
	if (!per) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (bpf_map_lookup_elem(fd_cnt, &zero, per) || it_pin_read_var(dir, "it_config", &cfg, sizeof(cfg)) ||
	    it_pin_read_var(dir, "it_switches", &sw, sizeof(sw))) {
		snprintf(err, errlen, "cannot read the pinned maps in %s: %s", dir, strerror(errno));
		goto out;
	}
	it_counters_sum(per, ncpus, &sum);

	if (json) {
		it_buf_puts(&b, "{\"pin\":");
		it_json_str(&b, dir, strlen(dir));
		it_buf_puts(&b, ",\"owner_pid\":");
		it_buf_u64(&b, cfg.owner_pid);
		it_buf_puts(&b, ",\"settings\":{\"keys\":");
		it_json_str(&b, it_keys_name((enum it_keys_mode)sw.keys_mode), 16);
		it_buf_puts(&b, ",\"pointer\":");
		it_json_str(&b, cfg.pointer_mode == IT_POINTER_COARSE ? "coarse" : "exact", 16);
		it_buf_puts(&b, ",\"pointer_grid\":");
		it_buf_u64(&b, cfg.pointer_grid);
		it_buf_puts(&b, ",\"type_mask\":");
		it_buf_u64(&b, cfg.type_mask);
		it_buf_puts(&b, ",\"default_verdict\":");
		it_json_str(&b, verdict_name(cfg.default_verdict), 16);
		it_buf_puts(&b, ",\"paused\":");
		it_buf_puts(&b, sw.paused ? "true" : "false");
		it_buf_puts(&b, "},\"counters\":{");
		for (c = 0; c < it_counter_count; c++) {
			if (c)
				it_buf_putc(&b, ',');
			it_json_str(&b, it_counter_info[c].name, 64);
			it_buf_putc(&b, ':');
			it_buf_u64(&b, it_counter_get(&sum, c));
		}
		it_buf_puts(&b, "},\"devices\":[");
	} else {
		fprintf(out, "agent pid %u, maps pinned in %s\n", cfg.owner_pid, dir);
		fprintf(out, "settings: keys=%s pointer=%s pointer_grid=%u type_mask=0x%08x default_verdict=%s paused=%s\n",
			it_keys_name((enum it_keys_mode)sw.keys_mode),
			cfg.pointer_mode == IT_POINTER_COARSE ? "coarse" : "exact", cfg.pointer_grid, cfg.type_mask,
			verdict_name(cfg.default_verdict), sw.paused ? "yes" : "no");
		fprintf(out, "counters (summed over %d CPUs):\n", ncpus);
		for (c = 0; c < it_counter_count; c++)
			fprintf(out, "  %-22s %llu\n", it_counter_info[c].name,
				(unsigned long long)it_counter_get(&sum, c));
		fprintf(out, "devices:\n  %-6s %-9s %-10s %s\n", "ID", "VERDICT", "SYSNAME", "NAME");
	}
	while (!bpf_map_get_next_key(fd_dev, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd_dev, &key, &d))
			continue;
		d.info.name[IT_NAME_LEN - 1] = d.info.sysname[IT_SYSNAME_LEN - 1] = 0;
		if (json) {
			if (ndev)
				it_buf_putc(&b, ',');
			it_buf_puts(&b, "{\"dev\":");
			it_buf_u64(&b, d.id);
			it_buf_puts(&b, ",\"sysname\":");
			it_json_str(&b, d.info.sysname, IT_SYSNAME_LEN);
			it_buf_puts(&b, ",\"name\":");
			it_json_str(&b, d.info.name, IT_NAME_LEN);
			it_buf_puts(&b, ",\"verdict\":");
			it_json_str(&b, verdict_name(d.verdict), 16);
			it_buf_putc(&b, '}');
		} else {
			fprintf(out, "  %-6u %-9s %-10s %s\n", d.id, verdict_name(d.verdict),
				d.info.sysname, d.info.name);
		}
		ndev++;
	}
	if (json) {
		it_buf_puts(&b, "]}\n");
		if (b.oom) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		fwrite(b.p, 1, b.len, out);
	}
	rc = 0;
out:
	it_buf_free(&b);
	free(per);
	if (fd_cnt >= 0)
		close(fd_cnt);
	if (fd_dev >= 0)
		close(fd_dev);
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

int it_ctl_agent_status(const char *sock, const char *status_file, bool json, FILE *out,
			char *err, size_t errlen)
{
	static char buf[65536];
	const char *keys[64], *vals[64], *state = NULL;
	char reply[256], serr[512], why_sock[640] = "", why_file[640] = "";
	bool sock_ok = false, sock_refused = false, file_live = false;
	pid_t peer = 0;
	long pid = 0, fpid = 0;
	int nkv = 0, rc, i;

	if (sock) {
		rc = it_control_request_peer(sock, "status", reply, sizeof(reply), &peer, serr,
					     sizeof(serr));
		if (!rc && !strncmp(reply, "ok ", 3)) {
			sock_ok = true;
			state = reply + 3;
		} else if (rc >= 0) {
			sock_refused = true;
			snprintf(why_sock, sizeof(why_sock), "the agent on %s answered: %s", sock, reply);
		} else if (!strncmp(serr, "cannot connect", 14)) {
			snprintf(why_sock, sizeof(why_sock), "cannot connect to %s: %s", sock,
				 strerror(errno));
		} else {
			snprintf(why_sock, sizeof(why_sock), "%s", serr);
		}
	}
	if (status_file) {
		nkv = it_status_read(status_file, buf, sizeof(buf), keys, vals, 64);
		if (nkv < 0) {
			snprintf(why_file, sizeof(why_file), "%s %s%s%s",
				 errno == ENOENT ? "no status file" : "cannot read the status file",
				 status_file, errno == ENOENT ? "" : ": ",
				 errno == ENOENT ? "" : errno == EINVAL ? "not an inputtrace status file" :
				 strerror(errno));
			nkv = 0;
		} else {
			const char *st = kv_get(keys, vals, nkv, "state");
			const char *p = kv_get(keys, vals, nkv, "pid");

			fpid = p ? strtol(p, NULL, 10) : 0;
			if (st && !strcmp(st, "stopped"))
				snprintf(why_file, sizeof(why_file), "the status file %s says stopped (pid %ld)",
					 status_file, fpid);
			else if (fpid <= 0 || (kill((pid_t)fpid, 0) && errno == ESRCH))
				snprintf(why_file, sizeof(why_file), "the status file %s names pid %ld, "
					 "which is not running", status_file, fpid);
			else if (!held_by_agent(status_file))
				/* a pid reused after a kill -9: the file's agent is gone */
				snprintf(why_file, sizeof(why_file), "the status file %s names pid %ld, "
					 "but no agent holds it (left by an agent that was killed)",
					 status_file, fpid);
			else if (sock_ok && peer > 0 && peer != (pid_t)fpid)
				/* two agents: the socket's and the file's; report the socket's */
				snprintf(why_file, sizeof(why_file), "the status file %s is of pid %ld, "
					 "not of the agent on %s (pid %ld)", status_file, fpid, sock,
					 (long)peer);
			else
				file_live = true;
			if (file_live && !state)
				state = st ? st : "?";
		}
	}
	if (!sock_ok && !file_live) {
		if (sock_refused)
			snprintf(err, errlen, "%s", why_sock);
		else if (!sock && !status_file)
			snprintf(err, errlen, "no agent to ask: no --socket, and --status-file none");
		else
			snprintf(err, errlen, "no agent: %s%s%s", why_sock, why_sock[0] && why_file[0] ?
				 "; " : "", why_file);
		return -1;
	}
	pid = sock_ok && peer > 0 ? peer : file_live ? fpid : 0;
	if (json) {
		struct it_buf b = { 0 };

		it_buf_puts(&b, "{\"state\":");
		it_json_str(&b, state, strlen(state));
		it_buf_puts(&b, ",\"pid\":");
		if (pid > 0)
			it_buf_u64(&b, (uint64_t)pid);
		else
			it_buf_puts(&b, "null");
		it_buf_puts(&b, ",\"control_socket\":");
		if (sock_ok)
			it_json_str(&b, sock, strlen(sock));
		else
			it_buf_puts(&b, "null");
		it_buf_puts(&b, ",\"status_file\":");
		if (file_live)
			it_json_str(&b, status_file, strlen(status_file));
		else
			it_buf_puts(&b, "null");
		for (i = 0; file_live && i < nkv; i++) {
			if (!strcmp(keys[i], "state") || !strcmp(keys[i], "pid"))
				continue;
			it_buf_putc(&b, ',');
			it_json_str(&b, keys[i], strlen(keys[i]));
			it_buf_putc(&b, ':');
			it_json_str(&b, vals[i], strlen(vals[i]));
		}
		it_buf_puts(&b, "}\n");
		if (b.oom) {
			it_buf_free(&b);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		fwrite(b.p, 1, b.len, out);
		it_buf_free(&b);
		return 0;
	}
	if (pid > 0)
		fprintf(out, "agent pid %ld: %s", pid, state);
	else
		fprintf(out, "agent: %s", state);
	if (sock_ok && file_live)
		fprintf(out, " (from the control socket %s and the status file %s)\n", sock, status_file);
	else if (sock_ok)
		fprintf(out, " (from the control socket %s%s%s)\n", sock, why_file[0] ? "; " : "", why_file);
	else
		fprintf(out, " (from the status file %s%s%s)\n", status_file, why_sock[0] ? "; " : "",
			why_sock);
	for (i = 0; file_live && i < nkv; i++)
		if (strcmp(keys[i], "state") && strcmp(keys[i], "pid"))
			fprintf(out, "%s=%s\n", keys[i], vals[i]);
	fprintf(out, "counters: from pinned maps only (run the agent with --pin, then ctl status "
		"--pin DIR), or its stats records and --metrics-file\n");
	return 0;
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
			fprintf(stderr, "inputtrace: ctl %s: bad argument '%s' (see ctl --help)\n",
				argv[1], argv[i]);
			return 2;
		}
	}
	rc = it_control_request(path, argv[1], reply, sizeof(reply), err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "inputtrace: ctl %s: %s\n", argv[1], err);
		return 1;
	}
	if (rc > 0) {
		fprintf(stderr, "inputtrace: ctl %s: %s\n", argv[1], reply);
		return 1;
	}
	fprintf(out, "%s\n", reply);
	return 0;
}

int it_ctl_main(int argc, char **argv, FILE *out)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pin", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "status-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = NULL, *cmd, *sock = NULL, *status_file = NULL;
	bool json = false;
	char err[1600];
	int c, fd;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(ctl_usage, argc < 2 ? stderr : out);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume"))
		return ctl_pause(argc, argv, out);
	if (strcmp(cmd, "status")) {
		fprintf(stderr, "inputtrace: unknown ctl command '%s' (see ctl --help)\n", cmd);
		return 2;
	}
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
			fprintf(stderr, "inputtrace: ctl status: bad option '%s' (see ctl --help)\n",
				(argv + 1)[optind - 1]);
			return 2;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, "inputtrace: ctl status: unexpected argument '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (dir && (sock || status_file)) {
		fprintf(stderr, "inputtrace: ctl status: --pin reads pinned maps; --socket and "
			"--status-file are for an agent without them: give one or the other\n");
		return 2;
	}
	libbpf_set_print(NULL);
	/* without --pin: the default pins if an agent has pinned its maps there (the
	 * systemd unit runs with --pin), else its control socket and status file */
	if (!dir && !sock && !status_file) {
		fd = bpf_obj_get(IT_PIN_DEFAULT "/it_counters");
		if (fd >= 0) {
			close(fd);
			/* a killed agent's pins stay until the next start: not an agent */
			if (held_by_agent(IT_PIN_DEFAULT))
				dir = IT_PIN_DEFAULT;
		}
	}
	if (dir) {
		if (it_ctl_status(dir, json, out, err, sizeof(err))) {
			fprintf(stderr, "inputtrace: ctl status: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (it_ctl_agent_status(sock ? sock : IT_CONTROL_SOCKET_DEFAULT,
				!status_file ? IT_STATUS_FILE_DEFAULT :
				strcmp(status_file, "none") ? status_file : NULL,
				json, out, err, sizeof(err))) {
		fprintf(stderr, "inputtrace: ctl status: %s%s\n", err, !sock && !status_file &&
			!strncmp(err, "no agent: ", 10) ? "; no maps pinned in " IT_PIN_DEFAULT : "");
		return 1;
	}
	return 0;
}
