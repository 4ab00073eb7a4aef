// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cli.c - command-line parsing: getopt_long, one-line errors, no side effects. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libevdev/libevdev.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

#ifndef INPUTTRACE_VERSION
#define INPUTTRACE_VERSION "dev"
#endif

#define EV_MAX_TYPE 0x1f

static const char usage_text[] =
"Usage: inputtrace [OPTIONS]\n"
"Record input events (keyboard, mouse, touchpad, touchscreen, tablet, gamepad) as\n"
"evdev delivers them, with eBPF at the kernel's input core, as JSON Lines.\n"
"\n"
"  -o, --output PATH       write to PATH (created 0600, never through a symlink);\n"
"                          '-' is stdout (default)\n"
"  -t, --types LIST        event types to capture, comma-separated: EV_SYN,EV_KEY,\n"
"                          EV_REL,EV_ABS,EV_MSC,EV_SW,EV_LED,EV_SND,EV_REP,EV_FF,\n"
"                          EV_PWR,EV_FF_STATUS (EV_ optional, any case) or 'all'\n"
"                          (default); filtered in the kernel\n"
"  -d, --device SPEC       capture only matching devices (repeatable, any match):\n"
"                          /dev/input/eventN, inputN, VVVV:PPPP (hex vendor:product),\n"
"                          name:GLOB or a name GLOB (fnmatch); others are dropped\n"
"                          in the kernel once seen\n"
"  -D, --duration SECONDS  stop after SECONDS (decimals allowed)\n"
"  -c, --count N           stop after N event records\n"
"  -l, --list-devices      list the input devices (from sysfs) and exit\n"
"      --keys MODE         what key events keep, decided in the kernel: class\n"
"                          (default: the key's class, e.g. KEYCLASS_LETTER;\n"
"                          modifiers and buttons as they are), shortcuts (class,\n"
"                          but keys pressed with Ctrl/Alt/Meta held as they are),\n"
"                          none (key events dropped, buttons kept) or raw (every\n"
"                          key as typed: records what people type)\n"
"      --attach MODE       auto (default: fentry, else kprobe), fentry or kprobe\n"
"      --ring-size BYTES   BPF ring buffer size, a power of two >= 4096; K and M\n"
"                          suffixes allowed (default 4M)\n"
"      --no-time           leave out the wall-clock \"time\" field of events\n"
"  -v, --verbose           say which mechanism was attached, and show libbpf's log\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 done, 1 capture impossible here (privileges, kernel), 2 bad usage.\n";

void it_opts_init(struct it_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output = "-";
	o->type_mask = 0xffffffffu;
	o->ring_size = 4u << 20;
	o->attach = IT_ATTACH_AUTO;
	o->keys = IT_KEYS_CLASS;
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

int it_parse_args(int argc, char **argv, struct it_opts *o, char *err, size_t errlen, FILE *out)
{
	enum { OPT_ATTACH = 256, OPT_RING, OPT_NO_TIME, OPT_KEYS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "types", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'c' },
		{ "list-devices", no_argument, NULL, 'l' },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "no-time", no_argument, NULL, OPT_NO_TIME },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static const char optstring[] = ":o:t:d:D:c:lvhV";
	int c;

	it_opts_init(o);
	optind = 0;	/* full reset: tests call this more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg) {
				snprintf(err, errlen, "invalid --output '': empty path");
				return -1;
			}
			o->output = optarg;
			break;
		case 't':
			if (it_parse_types(optarg, &o->type_mask, err, errlen))
				return -1;
			break;
		case 'd':
			if (o->n_devices >= IT_MAX_SPECS) {
				snprintf(err, errlen, "too many --device options (at most %d)", IT_MAX_SPECS);
				return -1;
			}
			if (it_devspec_parse(optarg, "/sys", &o->devices[o->n_devices], err, errlen))
				return -1;
			o->n_devices++;
			break;
		case 'D': {
			char *end;
			double d;

			errno = 0;
			d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(d) || d <= 0 || d > 1e9) {
				snprintf(err, errlen, "invalid --duration '%s': expected seconds > 0", optarg);
				return -1;
			}
			o->duration_s = d;
			break;
		}
		case 'c':
			if (parse_u64(optarg, &o->count) || o->count == 0) {
				snprintf(err, errlen, "invalid --count '%s': expected a whole number > 0", optarg);
				return -1;
			}
			break;
		case 'l':
			o->list_devices = true;
			break;
		case OPT_KEYS:
			if (it_parse_keys(optarg, &o->keys, err, errlen))
				return -1;
			break;
		case OPT_ATTACH:
			if (!strcmp(optarg, "auto"))
				o->attach = IT_ATTACH_AUTO;
			else if (!strcmp(optarg, "fentry"))
				o->attach = IT_ATTACH_FENTRY;
			else if (!strcmp(optarg, "kprobe"))
				o->attach = IT_ATTACH_KPROBE;
			else {
				snprintf(err, errlen, "invalid --attach '%s': expected auto, fentry or kprobe", optarg);
				return -1;
			}
			break;
		case OPT_RING:
			if (parse_size(optarg, &o->ring_size) || o->ring_size < 4096 ||
			    (o->ring_size & (o->ring_size - 1))) {
				snprintf(err, errlen, "invalid --ring-size '%s': expected a power of two from 4096 to 1G", optarg);
				return -1;
			}
			break;
		case OPT_NO_TIME:
			o->no_time = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			fputs(usage_text, out);
			return 1;
		case 'V':
			fprintf(out, "inputtrace %s (schema %d)\n", INPUTTRACE_VERSION, IT_SCHEMA_VERSION);
			return 1;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			/* getopt_long sets optopt to 0 for an unknown long option, and to the
			 * option's val (a known letter, or >= 256) for a long flag given a
			 * value ("--no-time=1"); optind is then past the long option. */
			if (optopt > 0 && optopt < 256 && (optopt == ':' || !strchr(optstring, optopt)))
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
			else if (optopt)
				snprintf(err, errlen, "option '%.*s' takes no value", (int)strcspn(argv[optind - 1], "="),
					 argv[optind - 1]);
			else
				snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	return 0;
}
