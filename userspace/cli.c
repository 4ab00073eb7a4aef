// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cli.c - command-line parsing: getopt_long, one-line errors, no side effects. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libevdev/libevdev.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"
#include "collector.h"
#include "spool_state.h"
#include "text.h"

#ifndef INPUTTRACE_VERSION
#define INPUTTRACE_VERSION "dev"
#endif

#define EV_MAX_TYPE 0x1f

static const char usage_text[] =
"Usage: inputtrace [OPTIONS]\n"
"Record input events (keyboard, mouse, touchpad, touchscreen, tablet, gamepad) as\n"
"evdev delivers them, with eBPF at the kernel's input core, as JSON Lines.\n"
"\n"
"  -o, --output PATH       write to PATH (created 0600, appended to, never through a\n"
"                          symlink); '-' is stdout (default); a directory (existing,\n"
"                          ending in '/', or with --rotate-*/--max-*/--format evemu)\n"
"                          gets time-named, rotated files\n"
"  -t, --types LIST        event types to capture, comma-separated: EV_SYN,EV_KEY,\n"
"                          EV_REL,EV_ABS,EV_MSC,EV_SW,EV_LED,EV_SND,EV_REP,EV_FF,\n"
"                          EV_PWR,EV_FF_STATUS (EV_ optional, any case) or 'all'\n"
"                          (default); filtered in the kernel\n"
"  -d, --device SPEC       capture only matching devices (repeatable, any match):\n"
"                          /dev/input/eventN, inputN, VVVV:PPPP (hex vendor:product),\n"
"                          name:GLOB or a name GLOB (fnmatch); others are dropped\n"
"                          in the kernel once seen. A SPEC that matches no device\n"
"                          present at start gets a warning and is kept: it applies\n"
"                          to devices plugged in later\n"
"      --exclude-device SPEC  never capture matching devices (repeatable; same\n"
"                          SPEC syntax and start-up warning as --device; wins over\n"
"                          --device); dropped in the kernel\n"
"  -D, --duration SECONDS  stop after SECONDS (decimals allowed)\n"
"  -c, --count N           stop after N event records\n"
"  -l, --list-devices      list the input devices (from sysfs) and exit\n"
"      --keys MODE         what key events keep, decided in the kernel: class\n"
"                          (default: the key's class, e.g. KEYCLASS_LETTER;\n"
"                          modifiers and buttons as they are), shortcuts (class,\n"
"                          but keys pressed with Ctrl/Alt/Meta held as they are),\n"
"                          none (key events dropped, buttons kept) or raw (every\n"
"                          key as typed: records what people type)\n"
"      --pointer MODE      what absolute pointer positions keep, decided in the\n"
"                          kernel: exact (default) or coarse (touchscreen, tablet\n"
"                          and touchpad X/Y, multitouch included, floored to a grid of\n"
"                          --pointer-grid device units; relative motion exact)\n"
"      --pointer-grid UNITS  grid step of --pointer coarse, in the device's own\n"
"                          units (default 64)\n"
"      --attach MODE       auto (default: fentry, else kprobe), fentry or kprobe\n"
"      --ring-size BYTES   BPF ring buffer size, a power of two >= 4096; K and M\n"
"                          suffixes allowed (default 4M)\n"
"      --no-time           leave out the wall-clock \"time\" field of events\n"
"      --format FORMAT     jsonl (default), csv, or evemu (evemu-record's text\n"
"                          format, one file per device in the -o directory)\n"
"      --record MODE       raw (default: every event) or intervals (only activity\n"
"                          counts per device and --interval: no event is written)\n"
"      --interval SECONDS  --record intervals: the window (default 60)\n"
"      --idle SECONDS      --record intervals: input gaps longer than this are\n"
"                          idle time (default 180)\n"
"  -z, --compress[=LEVEL]  gzip the output files (level 1-9, default 6)\n"
"      --flush-interval SECONDS  write and sync what is buffered at least this\n"
"                          often (default 1; bounds what a crash can lose)\n"
"      --rotate-size BYTES start a new file once this size is reached (K, M, G)\n"
"      --rotate-interval SECONDS  start a new file this often (s, m, h, d)\n"
"      --max-files N       keep at most N complete files in the -o directory\n"
"      --max-age SECONDS   delete complete files older than this (s, m, h, d)\n"
"      --file-mode OCTAL   mode of created files (default 0600; directories get\n"
"                          x where r is set: 0700)\n"
"      --pin[=DIR]         pin the maps in DIR (default /sys/fs/bpf/inputtrace, a BPF\n"
"                          file system) while running, for bpftool and 'ctl status';\n"
"                          one agent per DIR\n"
"      --user NAME         after loading, attaching, opening the output and pinning,\n"
"                          run as user NAME with no capabilities\n"
"      --stats-interval SECONDS  write a stats record this often (and check the\n"
"                          loss rate); default: only at the end\n"
"      --metrics-file PATH write the counters in Prometheus text format to PATH\n"
"                          (replaced atomically) every --stats-interval, or\n"
"                          every 15 s without it\n"
"      --control-socket PATH  accept 'inputtrace ctl pause|resume|status' on this\n"
"                          unix socket (default with --control-group or --focus:\n"
"                          /run/inputtrace/control.sock)\n"
"      --control-group NAME  members of group NAME may use the control socket\n"
"                          (root:NAME, mode 0660); without it, root only\n"
"      --status-file PATH  world-readable file saying capture is running, the modes,\n"
"                          since when, whether paused (default /run/inputtrace/status;\n"
"                          'none': no file); removed at exit\n"
"      --syslog            also send every message (the start-up notice, pause and\n"
"                          resume, warnings, errors) to syslog\n"
"      --kafka-brokers LIST  also deliver every record to Kafka (host:port,...),\n"
"                          from the -o file or directory as a spool (JSON Lines;\n"
"                          docs/kafka.md)\n"
"      --kafka-topic NAME  topic (default inputtrace)\n"
"      --kafka-option KEY=VALUE  a librdkafka property (repeatable)\n"
"      --kafka-config FILE  librdkafka properties as KEY=VALUE lines; the file must\n"
"                          not be readable by group or others (chmod 600), owned\n"
"                          by root or the agent's user\n"
"      --spool-max-bytes BYTES  cap on the spool's files (K, M, G); undelivered\n"
"                          records deleted by it are counted in a loss record\n"
"      --participation MODE  whose input is recorded: everyone (default: whoever\n"
"                          is at the keyboard), opt-in (only users who ran 'inputtrace\n"
"                          ctl participate yes') or opt-out (all but those who said\n"
"                          no); opt-in/opt-out need systemd-logind. With logind,\n"
"                          never at the login or lock screen (docs/participation.md)\n"
"      --subject-key FILE  key of the pseudonymous \"subject\" on every record\n"
"                          (created 0600 if missing; default with opt-in/opt-out:\n"
"                          STATEDIR/subject.key)\n"
"      --state-dir DIR     where participation choices are kept (default\n"
"                          /var/lib/inputtrace)\n"
"      --notice-version N  the version of the notice people are shown, kept with\n"
"                          their choice\n"
"      --focus             record which application has the focus, as the session's\n"
"                          'inputtrace focus' helper reports it on the control socket\n"
"                          (docs/context.md); implied by --apps and --pause-apps\n"
"      --apps ID,...|@FILE  applications recorded by their id; any other one is\n"
"                          recorded as 'other'\n"
"      --pause-apps ID,...|@FILE  pause capture while one of these has the focus,\n"
"                          besides the default list (password managers and prompts)\n"
"      --no-default-pause-apps  leave the default pause list out\n"
"      --tools EXE,...     record start and stop of these executables (paths, or\n"
"                          names found in $PATH), from the kernel\n"
"  -v, --verbose           say which mechanism was attached and why others were\n"
"                          skipped; -vv also shows libbpf's log\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"\n"
"       inputtrace ctl status [--json] [--pin DIR]\n"
"       inputtrace ctl status [--json] [--socket PATH] [--status-file PATH]\n"
"  print a running agent's counters, devices and settings from its pinned maps;\n"
"  without them (no --pin, nothing pinned at the default DIR), its state and\n"
"  settings from its control socket and status file (exit 1 if no agent runs)\n"
"       inputtrace ctl pause|resume [--socket PATH]\n"
"  pause or resume a running agent through its control socket (SIGUSR1/SIGUSR2\n"
"  to the agent do the same); while paused the kernel copies nothing\n"
"       inputtrace ctl participate yes|no|status|list [notice=N] [uid=N] [--socket PATH]\n"
"  agree to be recorded, withdraw, or see your choice (any user; list: root)\n"
"       inputtrace subject export|erase PSEUDONYM PATH\n"
"  one person's records in the output files: copy them to stdout, or remove them\n"
"       inputtrace features TABLE [--format csv|jsonl] [-o FILE] [--interval S]\n"
"                           [--idle S] CAPTURE...\n"
"  a dataset table (keystrokes, actions, intervals) from the agent's JSON Lines\n"
"  captures (docs/features.md)\n"
"       inputtrace focus [--socket PATH] [--stdout] [--source auto|atspi|x11]\n"
"  the per-session focus helper: tell the agent which application has the focus\n"
"  (started in each graphical session by its autostart entry or user unit)\n"
"\n"
"Exit status: 0 done, 1 capture impossible here (privileges, kernel) or the output\n"
"still failing at the end (one line says what was not written), 2 bad usage.\n";

void it_opts_init(struct it_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output = "-";
	o->type_mask = 0xffffffffu;
	o->ring_size = 4u << 20;
	o->attach = IT_ATTACH_AUTO;
	o->keys = IT_KEYS_CLASS;
	o->pointer = IT_POINTER_EXACT;
	o->pointer_grid = IT_POINTER_GRID_DEFAULT;
	o->format = IT_FMT_JSONL;
	o->flush_interval_s = 1;
	o->file_mode = 0600;
	o->status_file = "/run/inputtrace/status";
	o->interval_s = 60;
	o->idle_s = 180;
	it_kafka_opts_init(&o->kafka);
	it_part_opts_init(&o->part);
}

static const char *const format_names[] = {
	[IT_FMT_JSONL] = "jsonl",
	[IT_FMT_CSV] = "csv",
	[IT_FMT_EVEMU] = "evemu",
};

const char *it_format_name(enum it_format f)
{
	return (unsigned int)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] : "?";
}

/* "90", "1.5", "30s", "10m", "2h", "7d" -> seconds > 0. */
static int parse_seconds(const char *s, double *v)
{
	char *end;
	double d;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || !isfinite(d) || d <= 0)
		return -1;
	switch (*end) {
	case 0: case 's': break;
	case 'm': d *= 60; break;
	case 'h': d *= 3600; break;
	case 'd': d *= 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (d > 1e9)
		return -1;
	*v = d;
	return 0;
}

static const char *const keys_names[] = {
	[IT_KEYS_CLASS] = "class",
	[IT_KEYS_SHORTCUTS] = "shortcuts",
	[IT_KEYS_NONE] = "none",
	[IT_KEYS_RAW] = "raw",
};

const char *it_keys_name(enum it_keys_mode m)
{
	return (unsigned int)m < sizeof(keys_names) / sizeof(keys_names[0]) ? keys_names[m] : "?";
}

int it_parse_keys(const char *s, enum it_keys_mode *m, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < sizeof(keys_names) / sizeof(keys_names[0]); i++)
		if (s && !strcmp(s, keys_names[i])) {
			*m = (enum it_keys_mode)i;
			return 0;
		}
	snprintf(err, errlen, "invalid --keys '%s': expected class, shortcuts, none or raw",
		 s ? s : "");
	return -1;
}

static const char *const pointer_names[] = {
	[IT_POINTER_EXACT] = "exact",
	[IT_POINTER_COARSE] = "coarse",
};

const char *it_pointer_name(enum it_pointer_mode m)
{
	return (unsigned int)m < sizeof(pointer_names) / sizeof(pointer_names[0]) ? pointer_names[m] : "?";
}

int it_parse_pointer(const char *s, enum it_pointer_mode *m, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < sizeof(pointer_names) / sizeof(pointer_names[0]); i++)
		if (s && !strcmp(s, pointer_names[i])) {
			*m = (enum it_pointer_mode)i;
			return 0;
		}
	snprintf(err, errlen, "invalid --pointer '%s': expected exact or coarse", s ? s : "");
	return -1;
}

int it_parse_types(const char *list, uint32_t *mask, char *err, size_t errlen)
{
	char buf[512], *save = NULL, *tok;
	uint32_t m = 0;

	if (!list || !*list) {
		snprintf(err, errlen, "invalid --types '': empty list");
		return -1;
	}
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "invalid --types: list too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char name[64];
		int t;
		size_t i;

		while (isspace((unsigned char)*tok))
			tok++;
		for (i = strlen(tok); i > 0 && isspace((unsigned char)tok[i - 1]); i--)
			tok[i - 1] = 0;
		if (!strcasecmp(tok, "all")) {
			m = 0xffffffffu;
			continue;
		}
		snprintf(name, sizeof(name), "%s%s", strncasecmp(tok, "EV_", 3) ? "EV_" : "", tok);
		for (i = 0; name[i]; i++)
			name[i] = toupper((unsigned char)name[i]);
		t = libevdev_event_type_from_name(name);
		if (t < 0 || t > EV_MAX_TYPE || !strcmp(name, "EV_MAX") || !strcmp(name, "EV_CNT")) {
			snprintf(err, errlen, "invalid --types: unknown event type '%s'", tok);
			return -1;
		}
		m |= 1u << t;
	}
	if (!m) {
		snprintf(err, errlen, "invalid --types '%s': no type named", list);
		return -1;
	}
	*mask = m;
	return 0;
}

/* Leading decimal number of s into *v, *end after it; -1 if none, negative or too big. */
static int parse_num(const char *s, unsigned long long *v, char **end)
{
	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno || *end == s ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (parse_num(s, &x, &end) || *end)
		return -1;
	*v = x;
	return 0;
}

/* "4096", "64K", "4M" -> bytes, at most 1 GiB. */
static int parse_size(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (parse_num(s, &x, &end) || x > (1ull << 30))
		return -1;
	if (*end == 'K' || *end == 'k')
		x <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		x <<= 20, end++;
	if (*end || x > (1ull << 30))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* "1000000", "64K", "10M", "1G" -> bytes > 0. */
static int parse_size64(const char *s, uint64_t *v)
{
	unsigned long long x;
	unsigned int shift = 0;
	char *end;

	if (parse_num(s, &x, &end))
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end || !x || x > (1ull << 50) >> shift)
		return -1;
	*v = x << shift;
	return 0;
}

/* Combinations of output flags that cannot work, said before anything is captured. */
static int it_check_output_opts(const struct it_opts *o, char *err, size_t errlen)
{
	bool to_stdout = !strcmp(o->output, "-");
	const char *dir_flag = o->rotate_size ? "--rotate-size" : o->rotate_interval_s ? "--rotate-interval" :
			       o->max_files ? "--max-files" : o->max_age_s ? "--max-age" : NULL;

	if (to_stdout && dir_flag) {
		snprintf(err, errlen, "%s needs -o DIRECTORY (files are rotated there)", dir_flag);
		return -1;
	}
	if (o->format == IT_FMT_EVEMU) {
		if (to_stdout) {
			snprintf(err, errlen, "--format evemu needs -o DIRECTORY (one file per device)");
			return -1;
		}
		if (o->compress || o->rotate_size || o->rotate_interval_s) {
			snprintf(err, errlen, "--format evemu writes plain files, one per device: "
				 "--compress and --rotate-* do not apply");
			return -1;
		}
	}
	return 0;
}

/* A one-line message in err; returns -1. */
static int __attribute__((format(printf, 3, 4))) fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

enum { OPT_ATTACH = 256, OPT_RING, OPT_NO_TIME, OPT_KEYS, OPT_FORMAT, OPT_FLUSH,
       OPT_ROT_SIZE, OPT_ROT_INT, OPT_MAX_FILES, OPT_MAX_AGE, OPT_FILE_MODE,
       OPT_PIN, OPT_USER, OPT_STATS_INT, OPT_METRICS, OPT_EXCLUDE, OPT_CTL_SOCK,
       OPT_CTL_GROUP, OPT_STATUS_FILE, OPT_SYSLOG, OPT_POINTER, OPT_POINTER_GRID,
       OPT_RECORD, OPT_INTERVAL, OPT_IDLE };

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "types", required_argument, NULL, 't' },
	{ "device", required_argument, NULL, 'd' },
	{ "duration", required_argument, NULL, 'D' },
	{ "count", required_argument, NULL, 'c' },
	{ "list-devices", no_argument, NULL, 'l' },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "pointer", required_argument, NULL, OPT_POINTER },
	{ "pointer-grid", required_argument, NULL, OPT_POINTER_GRID },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "ring-size", required_argument, NULL, OPT_RING },
	{ "no-time", no_argument, NULL, OPT_NO_TIME },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "compress", optional_argument, NULL, 'z' },
	{ "flush-interval", required_argument, NULL, OPT_FLUSH },
	{ "rotate-size", required_argument, NULL, OPT_ROT_SIZE },
	{ "rotate-interval", required_argument, NULL, OPT_ROT_INT },
	{ "max-files", required_argument, NULL, OPT_MAX_FILES },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "file-mode", required_argument, NULL, OPT_FILE_MODE },
	{ "pin", optional_argument, NULL, OPT_PIN },
	{ "user", required_argument, NULL, OPT_USER },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INT },
	{ "metrics-file", required_argument, NULL, OPT_METRICS },
	{ "exclude-device", required_argument, NULL, OPT_EXCLUDE },
	{ "control-socket", required_argument, NULL, OPT_CTL_SOCK },
	{ "control-group", required_argument, NULL, OPT_CTL_GROUP },
	{ "status-file", required_argument, NULL, OPT_STATUS_FILE },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "idle", required_argument, NULL, OPT_IDLE },
	IT_KAFKA_LONGOPTS,
	IT_PART_LONGOPTS,
	IT_FOCUS_LONGOPTS,
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};
static const char optstring[] = ":o:t:d:D:c:lvhVz::";

/* Returned by an option group's handler for an option of another group. */
#define NOT_MINE 1

/* One --device or --exclude-device spec into specs[*n]. */
static int add_spec(const char *arg, bool exclude, struct it_devspec *specs, int *n, char *err,
		    size_t errlen)
{
	const char *flag = exclude ? "--exclude-device" : "--device";
	char tmp[512];

	if (*n >= IT_MAX_SPECS)
		return fail(err, errlen, "too many %s options (at most %d)", flag, IT_MAX_SPECS);
	if (it_devspec_parse(arg, "/sys", &specs[*n], err, errlen)) {
		/* the parser names --device: name the flag given */
		if (exclude && !strncmp(err, "invalid --device", 16)) {
			snprintf(tmp, sizeof(tmp), "invalid --exclude-device%s", err + 16);
			snprintf(err, errlen, "%s", tmp);
		}
		return -1;
	}
	(*n)++;
	return 0;
}

/* What is captured, and how: -t, -d, --exclude-device, -D, -c, -l, --keys, --pointer,
 * --pointer-grid, --attach, --ring-size, --no-time. */
static int capture_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	uint64_t g;
	char *end;

	switch (c) {
	case 't':
		return it_parse_types(arg, &o->type_mask, err, errlen);
	case 'd':
		return add_spec(arg, false, o->devices, &o->n_devices, err, errlen);
	case OPT_EXCLUDE:
		return add_spec(arg, true, o->exclude, &o->n_exclude, err, errlen);
	case 'D':
		errno = 0;
		o->duration_s = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(o->duration_s) || o->duration_s <= 0 ||
		    o->duration_s > 1e9)
			return fail(err, errlen, "invalid --duration '%s': expected seconds > 0", arg);
		return 0;
	case 'c':
		if (parse_u64(arg, &o->count) || o->count == 0)
			return fail(err, errlen, "invalid --count '%s': expected a whole number > 0", arg);
		return 0;
	case 'l':
		o->list_devices = true;
		return 0;
	case OPT_KEYS:
		return it_parse_keys(arg, &o->keys, err, errlen);
	case OPT_POINTER:
		return it_parse_pointer(arg, &o->pointer, err, errlen);
	case OPT_POINTER_GRID:
		if (parse_u64(arg, &g) || g == 0 || g > 0x7fffffffu)
			return fail(err, errlen, "invalid --pointer-grid '%s': expected device units "
				    "from 1 to 2147483647", arg);
		o->pointer_grid = (uint32_t)g;
		return 0;
	case OPT_ATTACH:
		if (!strcmp(arg, "auto"))
			o->attach = IT_ATTACH_AUTO;
		else if (!strcmp(arg, "fentry"))
			o->attach = IT_ATTACH_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			o->attach = IT_ATTACH_KPROBE;
		else
			return fail(err, errlen, "invalid --attach '%s': expected auto, fentry or kprobe", arg);
		return 0;
	case OPT_RING:
		if (parse_size(arg, &o->ring_size) || o->ring_size < 4096 ||
		    (o->ring_size & (o->ring_size - 1)))
			return fail(err, errlen, "invalid --ring-size '%s': expected a power of two "
				    "from 4096 to 1G", arg);
		return 0;
	case OPT_NO_TIME:
		o->no_time = true;
		return 0;
	}
	return NOT_MINE;
}

/* Where and how records are written: -o, --format, -z, --flush-interval, --rotate-*,
 * --max-files, --max-age, --file-mode. */
static int output_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	unsigned long m;
	unsigned int i;
	uint64_t n;
	char *end;

	switch (c) {
	case 'o':
		if (!*arg)
			return fail(err, errlen, "invalid --output '': empty path");
		o->output = arg;
		return 0;
	case OPT_FORMAT:
		for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
			if (!strcmp(arg, format_names[i])) {
				o->format = (enum it_format)i;
				return 0;
			}
		return fail(err, errlen, "invalid --format '%s': expected jsonl, csv or evemu", arg);
	case 'z':
		o->compress = 6;
		if (arg && (strlen(arg) != 1 || arg[0] < '1' || arg[0] > '9'))
			return fail(err, errlen, "invalid --compress level '%s': expected 1 to 9", arg);
		if (arg)
			o->compress = arg[0] - '0';
		return 0;
	case OPT_FLUSH:
		if (parse_seconds(arg, &o->flush_interval_s) || o->flush_interval_s > 3600)
			return fail(err, errlen, "invalid --flush-interval '%s': expected seconds, > 0 "
				    "and <= 3600", arg);
		return 0;
	case OPT_ROT_SIZE:
		if (parse_size64(arg, &o->rotate_size) || o->rotate_size < 4096)
			return fail(err, errlen, "invalid --rotate-size '%s': expected bytes >= 4096 "
				    "(K, M, G suffixes)", arg);
		return 0;
	case OPT_ROT_INT:
	case OPT_MAX_AGE:
		if (parse_seconds(arg, c == OPT_ROT_INT ? &o->rotate_interval_s : &o->max_age_s))
			return fail(err, errlen, "invalid --%s '%s': expected seconds > 0 (s, m, h, d "
				    "suffixes)", c == OPT_ROT_INT ? "rotate-interval" : "max-age", arg);
		return 0;
	case OPT_MAX_FILES:
		if (parse_u64(arg, &n) || !n || n > 1000000)
			return fail(err, errlen, "invalid --max-files '%s': expected a whole number "
				    "from 1 to 1000000", arg);
		o->max_files = (unsigned int)n;
		return 0;
	case OPT_FILE_MODE:
		errno = 0;
		m = strtoul(arg, &end, 8);
		if (!*arg || *end || errno || (m & ~0666ul) || (m & 0600) != 0600)
			return fail(err, errlen, "invalid --file-mode '%s': expected octal, at most "
				    "0666, owner rw (e.g. 0640)", arg);
		o->file_mode = (unsigned int)m;
		return 0;
	}
	return NOT_MINE;
}

/* Operating the agent: --pin, --user, --stats-interval, --metrics-file,
 * --control-socket, --control-group, --status-file, --syslog, -v. */
static int ops_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	switch (c) {
	case OPT_PIN:
		o->pin = arg ? arg : "/sys/fs/bpf/inputtrace";
		if (!*o->pin || o->pin[0] != '/')
			return fail(err, errlen, "invalid --pin '%s': expected an absolute directory", o->pin);
		return 0;
	case OPT_USER:
		if (!*arg)
			return fail(err, errlen, "invalid --user '': empty name");
		o->user = arg;
		return 0;
	case OPT_STATS_INT:
		if (parse_seconds(arg, &o->stats_interval_s) || o->stats_interval_s < 0.1 ||
		    o->stats_interval_s > 86400)
			return fail(err, errlen, "invalid --stats-interval '%s': expected seconds from "
				    "0.1 to 86400", arg);
		return 0;
	case OPT_METRICS:
		if (!*arg)
			return fail(err, errlen, "invalid --metrics-file '': empty path");
		o->metrics_file = arg;
		return 0;
	case OPT_CTL_SOCK:
		if (arg[0] != '/' || strlen(arg) >= 108)
			return fail(err, errlen, "invalid --control-socket '%s': expected an absolute "
				    "path shorter than 108 bytes", arg);
		o->control_socket = arg;
		return 0;
	case OPT_CTL_GROUP:
		if (!*arg)
			return fail(err, errlen, "invalid --control-group '': empty name");
		o->control_group = arg;
		return 0;
	case OPT_STATUS_FILE:
		if (!strcmp(arg, "none"))
			o->status_file = NULL;
		else if (arg[0] == '/')
			o->status_file = arg;
		else
			return fail(err, errlen, "invalid --status-file '%s': expected an absolute path "
				    "or 'none'", arg);
		return 0;
	case OPT_SYSLOG:
		o->syslog = true;
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	}
	return NOT_MINE;
}

static const char *const record_names[] = {
	[IT_RECORD_RAW] = "raw",
	[IT_RECORD_INTERVALS] = "intervals",
};

const char *it_record_name(enum it_record_mode m)
{
	return (unsigned int)m < sizeof(record_names) / sizeof(record_names[0]) ? record_names[m] : "?";
}

/* What is recorded: --record, --interval, --idle. */
static int record_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	unsigned int i;

	switch (c) {
	case OPT_RECORD:
		for (i = 0; i < sizeof(record_names) / sizeof(record_names[0]); i++)
			if (!strcmp(arg, record_names[i])) {
				o->record = (enum it_record_mode)i;
				return 0;
			}
		return fail(err, errlen, "invalid --record '%s': expected raw or intervals", arg);
	case OPT_INTERVAL:
	case OPT_IDLE:
		if (parse_seconds(arg, c == OPT_INTERVAL ? &o->interval_s : &o->idle_s) ||
		    (c == OPT_INTERVAL ? o->interval_s : o->idle_s) < 0.001)
			return fail(err, errlen, "invalid --%s '%s': expected seconds >= 0.001 (s, m, "
				    "h, d suffixes)", c == OPT_INTERVAL ? "interval" : "idle", arg);
		o->record_set |= c == OPT_INTERVAL ? 1 : 2;
		return 0;
	}
	return NOT_MINE;
}

/* --interval and --idle belong to --record intervals; evemu files hold events only. */
static int check_record_opts(const struct it_opts *o, char *err, size_t errlen)
{
	if (o->record != IT_RECORD_INTERVALS && o->record_set)
		return fail(err, errlen, "--%s needs --record intervals",
			    o->record_set & 1 ? "interval" : "idle");
	if (o->record == IT_RECORD_INTERVALS && o->format == IT_FMT_EVEMU)
		return fail(err, errlen, "--record intervals writes no event: --format evemu "
			    "(event files for replay) does not apply; use jsonl or csv");
	return 0;
}

/* Delivery to Kafka (docs/kafka.md): --kafka-brokers, --kafka-topic, --kafka-option,
 * --kafka-config, --spool-max-bytes. */
static int kafka_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	int rc = it_kafka_opt(&o->kafka, c, arg, err, errlen);

	return rc > 0 ? 0 : rc < 0 ? -1 : NOT_MINE;
}

/* Participation (docs/participation.md): --participation, --subject-key, --state-dir,
 * --notice-version. */
static int part_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	int rc = it_part_opt(&o->part, c, arg, err, errlen);

	return rc > 0 ? 0 : rc < 0 ? -1 : NOT_MINE;
}

/* Application context (docs/context.md): --focus, --apps, --pause-apps,
 * --no-default-pause-apps, --tools. */
static int focus_opt(int c, const char *arg, struct it_opts *o, char *err, size_t errlen)
{
	int rc = it_focus_opt(&o->focus, c, arg, err, errlen);

	return rc > 0 ? 0 : rc < 0 ? -1 : NOT_MINE;
}

/* The Kafka flags with the output: a spool in JSON Lines, librdkafka's own check of
 * every property (built here and thrown away; the agent builds it again), and the
 * spool's state file. */
static int check_kafka_opts(const struct it_opts *o, char *err, size_t errlen)
{
	struct it_sink_cfg scfg;
	rd_kafka_conf_t *conf;

	if (it_kafka_opts_check(&o->kafka, o->output, o->format == IT_FMT_JSONL, err, errlen))
		return -1;
	if (!o->kafka.brokers)
		return 0;
	conf = it_kafka_conf_build(&o->kafka, err, errlen);
	if (!conf)
		return -1;
	rd_kafka_conf_destroy(conf);
	/* a state file that cannot be used: said now, before any file is made; where
	 * the sink will put the spool (a directory or one file) */
	it_sink_cfg_from_opts(&scfg, o);
	return it_spool_state_check(o->output, scfg.dir_mode, err, errlen);
}

/* What getopt_long could not take: a missing value, an unknown option, a value given
 * to a flag. */
static int getopt_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return fail(err, errlen, "option '%s' needs a value", arg);
	/* getopt_long sets optopt to 0 for an unknown long option, and to the option's
	 * val (a known letter, or >= 256) for a long flag given a value ("--no-time=1");
	 * optind is then past the long option. */
	if (optopt > 0 && optopt < 256 && (optopt == ':' || !strchr(optstring, optopt)))
		return fail(err, errlen, "unknown option '-%c' (see --help)", optopt);
	if (optopt)
		return fail(err, errlen, "option '%.*s' takes no value", (int)strcspn(arg, "="), arg);
	return fail(err, errlen, "unknown option '%s' (see --help)", arg);
}

static int parse_args(int argc, char **argv, struct it_opts *o, char *err, size_t errlen, FILE *out)
{
	static int (*const groups[])(int c, const char *arg, struct it_opts *o, char *err,
				     size_t errlen) = { capture_opt, output_opt, ops_opt, kafka_opt,
						     record_opt, part_opt, focus_opt };
	unsigned int i;
	int c, rc;

	it_opts_init(o);
	optind = 0;	/* full reset: tests call this more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, out);
			return 1;
		}
		if (c == 'V') {
			fprintf(out, "inputtrace %s (schema %d)\n", INPUTTRACE_VERSION, IT_SCHEMA_VERSION);
			return 1;
		}
		/* --pin, --pin=DIR, and "--pin DIR" for an absolute DIR */
		if (c == OPT_PIN && !optarg && optind < argc && argv[optind][0] == '/')
			optarg = argv[optind++];
		rc = NOT_MINE;
		for (i = 0; rc == NOT_MINE && i < sizeof(groups) / sizeof(groups[0]); i++)
			rc = groups[i](c, optarg, o, err, errlen);
		if (rc == NOT_MINE)
			return getopt_error(c, argv, err, errlen);
		if (rc)
			return -1;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	/* opt-in/opt-out: people manage their choice over the socket; --focus: the
	 * helper reports there */
	if ((o->control_group || o->part.mode != IT_PART_EVERYONE || o->focus.on) &&
	    !o->control_socket)
		o->control_socket = "/run/inputtrace/control.sock";
	if (it_check_output_opts(o, err, errlen) || check_record_opts(o, err, errlen))
		return -1;
	return check_kafka_opts(o, err, errlen);
}

int it_parse_args(int argc, char **argv, struct it_opts *o, char *err, size_t errlen, FILE *out)
{
	int rc = parse_args(argc, argv, o, err, errlen, out);

	/* messages quote the arguments: keep them one line on a terminal ("-\n" is an
	 * unknown option too), escaped as every text output is (text.h) */
	if (rc < 0)
		it_text_esc_inplace(err, errlen);
	return rc;
}
