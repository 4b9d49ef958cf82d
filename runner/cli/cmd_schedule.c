/* cmd_schedule.c: `gameday schedule`, a systemd timer for a recurring drill. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gd.h"
#include "proc.h"

static const char schedule_usage[] =
"usage: gameday schedule PLAN.lua [--day N] [--at HH:MM] [--dir DIR] [--name NAME]\n"
"                        [--inventory INV] [--metrics FILE] [--user USER]\n"
"\n"
"Writes a systemd .service and .timer pair that runs `gameday drill` on the\n"
"same day every month (by default the 2nd, at 03:00 local time), so restores\n"
"are proven without anyone remembering to. The service runs:\n"
"    /abs/gameday drill /abs/PLAN.lua -i /abs/INV --metrics FILE\n"
"with absolute paths (the binary is the one running now), Type=oneshot,\n"
"Nice=10 and TimeoutStartSec=6h. The timer has Persistent=true: a drill missed\n"
"while the machine was off runs at the next boot.\n"
"\n"
"options:\n"
"  -d, --day N          day of the month, 1 to 28 so that every month has it\n"
"                       (default 2)\n"
"  -a, --at HH:MM       time of day, 24-hour (default 03:00)\n"
"  -D, --dir DIR        write NAME.service and NAME.timer into DIR (atomically)\n"
"                       and print the systemctl commands to enable them;\n"
"                       without it both units are printed on stdout\n"
"  -n, --name NAME      unit name (default gameday-drill-PLAN, from the plan's\n"
"                       file name without .lua)\n"
"  -i, --inventory INV  the inventory (default $GAMEDAY_INVENTORY)\n"
"  -m, --metrics FILE   the Prometheus textfile the drill writes (default\n"
"                       /var/lib/prometheus/node-exporter/NAME.prom, the textfile\n"
"                       directory of Debian's node exporter)\n"
"  -u, --user USER      run the drill as USER (User=); default root\n"
"  -h, --help           this help\n"
"\n"
"When systemd-analyze is on PATH, the units are checked with\n"
"`systemd-analyze verify` before anything is written, and the next run is\n"
"printed from `systemd-analyze calendar`; otherwise gameday says that they\n"
"were not verified. Notes go to stderr when the units go to stdout.\n"
"\n"
"Alert when drills stop passing, e.g.:\n"
"    time() - gameday_drill_last_success_timestamp_seconds > 35 * 86400\n"
"\n"
"exit status:\n"
"  0  the units were written or printed\n"
"  2  bad input (a day past 28, a bad time, a missing plan or inventory, a bad\n"
"     name), units that systemd-analyze refuses, or a file that cannot be written\n"
"\n"
"examples:\n"
"  gameday schedule plans/orders-db.lua -i inventory.yaml\n"
"  sudo gameday schedule plans/orders-db.lua -i /etc/gameday/inventory.yaml \\\n"
"      --day 2 --at 03:00 --dir /etc/systemd/system\n";

struct sched {
	int day, hour, min;
	char *exe, *plan, *inv, *metrics, *name, *user, *dir;
};

/* 0 and *v in [lo, hi] when s is all digits (at most 2) */
static int
parse_num(const char *s, size_t n, int lo, int hi, int *v)
{
	size_t i;

	if (n == 0 || n > 2)
		return -1;
	for (*v = 0, i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return *v >= lo && *v <= hi ? 0 : -1;
}

static int
parse_at(const char *s, int *h, int *m)
{
	const char *c = strchr(s, ':');

	if (c == NULL || strlen(c + 1) != 2)
		return -1;
	if (parse_num(s, (size_t)(c - s), 0, 23, h) != 0 || parse_num(c + 1, 2, 0, 59, m) != 0)
		return -1;
	return 0;
}

/* systemd unit names: ASCII letters, digits, ":-_.\" (we leave out "\" and "@") */
static int
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 200 || *s == '.' || *s == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(":-_.", *s) == NULL)
			return 0;
	return 1;
}

static int
valid_user(const char *s)
{
	if (*s == '\0' || strlen(s) > 32 || *s == '-' || isdigit((unsigned char)*s))
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

/* gameday-drill-BASE: the plan's file name without .lua, other bytes as '_' */
static char *
default_name(const char *plan)
{
	const char *base = strrchr(plan, '/') ? strrchr(plan, '/') + 1 : plan;
	size_t n = strlen(base);
	char *s, *p;

	if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
		n -= 4;
	if (n > 150)
		n = 150;
	s = gd_xasprintf("gameday-drill-%.*s", (int)n, base);
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-_.:", *p) == NULL)
			*p = '_';
	return s;
}

/* An absolute path for a file that must exist (malloc'd), or NULL. */
static char *
abs_existing(const char *what, const char *path, char *err, size_t errlen)
{
	char *r = realpath(path, NULL);
	struct stat st;

	if (r == NULL || stat(r, &st) != 0 || !S_ISREG(st.st_mode)) {
		gd_errf(err, errlen, "%s %s: %s", what, path, r == NULL ? strerror(errno) :
		    "not a regular file");
		free(r);
		return NULL;
	}
	return r;
}

/* An absolute path for a file that may not exist yet (malloc'd). */
static char *
abs_path(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return gd_xstrdup(path);
	return gd_xasprintf("%s/%s", cwd, path);
}

/* Control bytes cannot be put in a unit file line. */
static int
printable(const char *what, const char *s, char *err, size_t errlen)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return gd_errf(err, errlen, "%s %s: control characters cannot go in a unit file",
			    what, s);
	return 0;
}

/* % (specifiers) everywhere in a unit file; $ too in ExecStart= */
static void
unit_escape(struct gd_buf *b, const char *s, int dollar)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			gd_buf_adds(b, "%%");
		else if (*s == '$' && dollar)
			gd_buf_adds(b, "$$");
		else
			gd_buf_add(b, s, 1);
	}
}

/* One ExecStart= word, double-quoted the systemd way when it needs it. */
static void
exec_word(struct gd_buf *b, const char *s)
{
	const char *p;

	if (*s != '\0' && strpbrk(s, " \t\"'\\;") == NULL) {
		unit_escape(b, s, 1);
		return;
	}
	gd_buf_adds(b, "\"");
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			gd_buf_printf(b, "\\%c", *p);
		else if (*p == '%' || *p == '$')
			gd_buf_printf(b, "%c%c", *p, *p);
		else
			gd_buf_add(b, p, 1);
	}
	gd_buf_adds(b, "\"");
}

static void
build_units(const struct sched *s, struct gd_buf *svc, struct gd_buf *tmr)
{
	char *dir = gd_xstrdup(s->plan);

	*strrchr(dir, '/') = '\0';  /* plan is absolute */
	gd_buf_printf(svc, "# Written by gameday schedule %s: a R.A.D. restore drill.\n"
	    "[Unit]\n"
	    "Description=gameday restore drill %s\n"
	    "Wants=network-online.target\n"
	    "After=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=oneshot\n", GD_VERSION, s->name);
	gd_buf_adds(svc, "ExecStart=");
	exec_word(svc, s->exe);
	gd_buf_adds(svc, " drill ");
	exec_word(svc, s->plan);
	gd_buf_adds(svc, " -i ");
	exec_word(svc, s->inv);
	gd_buf_adds(svc, " --metrics ");
	exec_word(svc, s->metrics);
	gd_buf_adds(svc, "\nWorkingDirectory=");
	unit_escape(svc, *dir != '\0' ? dir : "/", 0);
	gd_buf_adds(svc, "\n");
	if (s->user != NULL)
		gd_buf_printf(svc, "User=%s\n", s->user);
	/* a drill streams a whole backup: low priority, a long but finite budget */
	gd_buf_adds(svc, "Nice=10\n"
	    "IOSchedulingClass=best-effort\n"
	    "IOSchedulingPriority=7\n"
	    "TimeoutStartSec=6h\n");
	gd_buf_printf(tmr, "# Written by gameday schedule %s.\n"
	    "[Unit]\n"
	    "Description=Monthly gameday restore drill %s\n"
	    "\n"
	    "[Timer]\n"
	    "OnCalendar=*-*-%02d %02d:%02d:00\n"
	    "Persistent=true\n"
	    "RandomizedDelaySec=0\n"
	    "Unit=%s.service\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=timers.target\n", GD_VERSION, s->name, s->day, s->hour, s->min, s->name);
	free(dir);
}

static int
on_path(const char *tool)
{
	const char *path = getenv("PATH");
	char *copy, *d, *save = NULL, *f;
	int found = 0;

	if (path == NULL)
		return 0;
	copy = gd_xstrdup(path);
	for (d = strtok_r(copy, ":", &save); d != NULL && !found; d = strtok_r(NULL, ":", &save)) {
		f = gd_xasprintf("%s/%s", d, tool);
		found = access(f, X_OK) == 0;
		free(f);
	}
	free(copy);
	return found;
}

/* systemd-analyze verify of both units from a temporary directory, then
 * calendar of the expression; the next elapse into next. */
static int
verify_units(const struct sched *s, const struct gd_buf *svc, const struct gd_buf *tmr,
    char *next, size_t nextlen, char *err, size_t errlen)
{
	char tmp[] = "/tmp/gameday-schedule.XXXXXX";
	const char *vargv[] = { "systemd-analyze", "verify", NULL, NULL, NULL };
	const char *cargv[] = { "systemd-analyze", "calendar", NULL, NULL };
	char *sp = NULL, *tp = NULL, *cal = NULL, *out = NULL, *line, *e;
	char why[GD_ERRLEN] = "";
	int ret = -1, rc;

	if (mkdtemp(tmp) == NULL)
		return gd_errf(err, errlen, "mkdtemp: %s", strerror(errno));
	sp = gd_xasprintf("%s/%s.service", tmp, s->name);
	tp = gd_xasprintf("%s/%s.timer", tmp, s->name);
	if (gd_write_atomic(sp, svc->data, svc->len, 0644, err, errlen) != 0 ||
	    gd_write_atomic(tp, tmr->data, tmr->len, 0644, err, errlen) != 0)
		goto out;
	vargv[2] = sp;
	vargv[3] = tp;
	if ((rc = gd_proc_run((char *const *)vargv, NULL, why, sizeof(why))) != 0) {
		gd_errf(err, errlen, "systemd-analyze verify %s: %s", rc > 0 ? "refused the units" :
		    "could not run", why);
		goto out;
	}
	cal = gd_xasprintf("*-*-%02d %02d:%02d:00", s->day, s->hour, s->min);
	cargv[2] = cal;
	if (gd_proc_run((char *const *)cargv, &out, why, sizeof(why)) != 0) {
		gd_errf(err, errlen, "systemd-analyze calendar %s: %s", cal, why);
		goto out;
	}
	*next = '\0';
	if ((line = strstr(out, "Next elapse:")) != NULL) {
		line += strlen("Next elapse:");
		line += strspn(line, " ");
		if ((e = strchr(line, '\n')) != NULL)
			*e = '\0';
		snprintf(next, nextlen, "%s", line);
	}
	ret = 0;
out:
	unlink(sp);
	unlink(tp);
	rmdir(tmp);
	free(sp);
	free(tp);
	free(cal);
	free(out);
	return ret;
}

/* systemctl's own search paths need no `systemctl link` */
static const char *
unit_scope(const char *dir)
{
	static const char *const sys[] = { "/etc/systemd/system", "/run/systemd/system",
		"/usr/lib/systemd/system", "/lib/systemd/system", NULL };
	const char *home = getenv("HOME");
	char *user;
	int is_user;
	size_t i;

	for (i = 0; sys[i] != NULL; i++)
		if (strcmp(dir, sys[i]) == 0)
			return "system";
	if (home == NULL)
		return NULL;
	user = gd_xasprintf("%s/.config/systemd/user", home);
	is_user = strcmp(dir, user) == 0;
	free(user);
	return is_user ? "user" : NULL;
}

static int
write_units(const struct sched *s, const struct gd_buf *svc, const struct gd_buf *tmr,
    char *err, size_t errlen)
{
	char *sp = gd_xasprintf("%s/%s.service", s->dir, s->name);
	char *tp = gd_xasprintf("%s/%s.timer", s->dir, s->name);
	const char *scope = unit_scope(s->dir);
	int ret = -1;

	/* the service first: a timer never points at a missing service */
	if (gd_write_atomic(sp, svc->data, svc->len, 0644, err, errlen) != 0 ||
	    gd_write_atomic(tp, tmr->data, tmr->len, 0644, err, errlen) != 0)
		goto out;
	printf("wrote %s\nwrote %s\n\nto enable the drill, run:\n", sp, tp);
	if (scope == NULL)
		printf("  systemctl link %s %s\n", sp, tp);
	printf("  systemctl%s daemon-reload && systemctl%s enable --now %s.timer\n",
	    scope != NULL && strcmp(scope, "user") == 0 ? " --user" : "",
	    scope != NULL && strcmp(scope, "user") == 0 ? " --user" : "", s->name);
	printf("and check it with:\n  systemctl list-timers %s.timer\n", s->name);
	ret = 0;
out:
	free(sp);
	free(tp);
	return ret;
}

/* The plan, inventory, binary, unit name, metrics file and --dir, checked and
 * absolute, into s (which owns them). */
static int
resolve_paths(struct sched *s, const char *plan, const char *inv, const char *name,
    const char *metrics, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if ((s->plan = abs_existing("plan", plan, err, errlen)) == NULL ||
	    (s->inv = abs_existing("inventory", inv, err, errlen)) == NULL)
		return -1;
	if ((s->exe = realpath("/proc/self/exe", NULL)) == NULL) {
		gd_errf(err, errlen, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	s->name = name != NULL ? gd_xstrdup(name) : default_name(s->plan);
	if (!valid_name(s->name)) {
		gd_errf(err, errlen, "--name %s: a unit name takes letters, digits and :-_. only",
		    s->name);
		return -1;
	}
	s->metrics = metrics != NULL ? abs_path(metrics) :
	    gd_xasprintf("/var/lib/prometheus/node-exporter/%s.prom", s->name);
	if (printable("plan", s->plan, err, errlen) != 0 ||
	    printable("inventory", s->inv, err, errlen) != 0 ||
	    printable("metrics file", s->metrics, err, errlen) != 0 ||
	    printable("gameday binary", s->exe, err, errlen) != 0)
		return -1;
	if (dir != NULL) {
		if ((s->dir = realpath(dir, NULL)) == NULL || stat(s->dir, &st) != 0 ||
		    !S_ISDIR(st.st_mode)) {
			gd_errf(err, errlen, "--dir %s: %s", dir,
			    s->dir == NULL ? strerror(errno) : "not a directory");
			return -1;
		}
	}
	return 0;
}

int
gd_cmd_schedule(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "day", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, 'a' },
		{ "dir", required_argument, NULL, 'D' },
		{ "name", required_argument, NULL, 'n' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sched s = { .day = 2, .hour = 3, .min = 0 };
	struct gd_buf svc = { 0 }, tmr = { 0 };
	const char *inv = getenv("GAMEDAY_INVENTORY"), *metrics = NULL, *name = NULL, *dir = NULL;
	char err[GD_ERRLEN] = "", next[128] = "";
	FILE *note;
	int ch, ret = GD_EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:a:D:n:i:m:u:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (parse_num(optarg, strlen(optarg), 1, 28, &s.day) != 0) {
				gd_warnx("--day %s: must be 1 to 28 (every month has those days)", optarg);
				goto out;
			}
			break;
		case 'a':
			if (parse_at(optarg, &s.hour, &s.min) != 0) {
				gd_warnx("--at %s: must be HH:MM, 00:00 to 23:59", optarg);
				goto out;
			}
			break;
		case 'D':
			dir = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'i':
			inv = optarg;
			break;
		case 'm':
			metrics = optarg;
			break;
		case 'u':
			if (!valid_user(optarg)) {
				gd_warnx("--user %s: not a user name", optarg);
				goto out;
			}
			s.user = gd_xstrdup(optarg);
			break;
		case 'h':
			fputs(schedule_usage, stdout);
			ret = GD_EXIT_OK;
			goto out;
		default:
			fputs(schedule_usage, stderr);
			goto out;
		}
	}
	if (argc - optind != 1) {
		gd_warnx("schedule: %s", argc - optind == 0 ? "which plan? (gameday schedule PLAN.lua)" :
		    "one plan at a time");
		goto out;
	}
	if (inv == NULL || *inv == '\0') {
		gd_warnx("schedule: a drill needs an inventory: -i INV or GAMEDAY_INVENTORY");
		goto out;
	}
	if (resolve_paths(&s, argv[optind], inv, name, metrics, dir, err, sizeof(err)) != 0)
		goto out;
	build_units(&s, &svc, &tmr);
	note = dir != NULL ? stdout : stderr;
	if (on_path("systemd-analyze")) {
		if (verify_units(&s, &svc, &tmr, next, sizeof(next), err, sizeof(err)) != 0)
			goto out;
		fprintf(note, "verified with systemd-analyze; next run: %s\n",
		    *next != '\0' ? next : "(unknown)");
	} else {
		fprintf(note, "not verified: systemd-analyze is not on PATH\n");
	}
	if (dir != NULL) {
		if (write_units(&s, &svc, &tmr, err, sizeof(err)) != 0)
			goto out;
	} else {
		printf("# %s.service\n%s\n# %s.timer\n%s", s.name, svc.data, s.name, tmr.data);
	}
	ret = GD_EXIT_OK;
out:
	if (*err != '\0')
		gd_warnx("schedule: %s", err);
	gd_buf_free(&svc);
	gd_buf_free(&tmr);
	free(s.exe);
	free(s.plan);
	free(s.inv);
	free(s.metrics);
	free(s.name);
	free(s.user);
	free(s.dir);
	return ret;
}
