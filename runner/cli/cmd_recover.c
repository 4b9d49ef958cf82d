/* cmd_recover.c: `gameday recover`, revert what killed runs left behind. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "gd.h"
#include "journal.h"
#include "recover.h"
#include "report.h"
#include "ssh.h"

static const char recover_usage[] =
"usage: gameday recover [RUN-ID] [--state-dir DIR] [--known-hosts FILE] [--json]\n"
"                       [--metrics FILE]\n"
"\n"
"Reverts every fault that a crashed or killed run left on its hosts.\n"
"\n"
"Before a run changes a host, it writes an intent to its journal: the host,\n"
"the fault, and the exact command that reverts it; it flushes that to disk\n"
"(fsync) before touching the host, and writes the outcome after. A run that\n"
"ends normally reverts its own faults. When it cannot (the runner crashed, was\n"
"killed with kill -9, lost its network, or the laptop lid closed) intents stay\n"
"open, and recover reverts them: newest first, different hosts at once, then\n"
"disarms each fault's dead-man timer on the host and runs its check to verify\n"
"the fault is gone. Each outcome is appended to the journal.\n"
"\n"
"Journals live in STATE/runs/RUN-ID.jsonl, where STATE is --state-dir, else\n"
"$XDG_STATE_HOME/gameday, else ~/.local/state/gameday. They are JSON Lines:\n"
"  jq -c 'select(.type == \"intent\")' ~/.local/state/gameday/runs/RUN-ID.jsonl\n"
"\n"
"Without RUN-ID, recovers every journal that has open intents. A journal whose\n"
"run is still going (it holds a lock on it) is skipped: that run reverts its\n"
"own faults. If it hangs, stop it, then run recover again.\n"
"\n"
"It is safe to run recover twice, or any time: reverts are idempotent, and a\n"
"journal with nothing open is left alone. When a host cannot be reached, its\n"
"intents stay open: bring the host back, and run recover again. A host whose\n"
"lease another run holds (one run per host: see gameday run --help) is left\n"
"alone, its intents open, until that run has ended.\n"
"\n"
"options:\n"
"  RUN-ID                  the run to recover (a path with a / names a journal file)\n"
"      --state-dir DIR     where journals are (default as above)\n"
"      --known-hosts FILE  check host keys against FILE instead of the one the run\n"
"                          used (host keys are always checked)\n"
"      --json              print a JSON array of {run, host, seq, fault, label,\n"
"                          result, error}; result is reverted, revert_failed,\n"
"                          unreachable, leased or skipped_live. Progress goes\n"
"                          to stderr\n"
"      --metrics FILE      write a Prometheus textfile (atomically):\n"
"                          gameday_recover_reverted, _failed, _unreachable,\n"
"                          _last_timestamp_seconds\n"
"  -h, --help              this help\n"
"\n"
"exit status:\n"
"  0  nothing is left open (or only live runs' intents, which were skipped)\n"
"  1  some revert failed, or its check says the fault is still active\n"
"  2  usage error, no such run, or a journal that cannot be read (the message\n"
"     names the file and line)\n"
"  3  some host could not be reached, or another run holds its lease; its\n"
"     intents stay open\n"
"When several apply, 2 wins over 3, and 3 over 1.\n"
"\n"
"examples:\n"
"  gameday recover                          after a crash: everything left open\n"
"  gameday recover 20240502-0312-db-latency one run\n"
"  gameday recover --json | jq '.[] | select(.result != \"reverted\")'\n";

/* Journals in runs, newest first (by last change). Returns a malloc'd array
 * of malloc'd paths; *n is its length. A missing dir holds none. */
static int
list_journals(const char *runs, char ***paths, size_t *n, char *err, size_t errlen)
{
	struct entry { char *path; struct timespec mtime; } *e = NULL;
	struct dirent *d;
	struct stat st;
	size_t i, k, len, cap = 0;
	DIR *dir;

	*paths = NULL;
	*n = 0;
	dir = opendir(runs);
	if (dir == NULL) {
		if (errno == ENOENT)
			return 0;
		return gd_errf(err, errlen, "cannot read %s: %s", runs, strerror(errno));
	}
	while ((d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		if (d->d_name[0] == '.' || len <= 6 || strcmp(d->d_name + len - 6, ".jsonl") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			e = gd_xrealloc(e, cap * sizeof(*e));
		}
		e[*n].path = gd_xasprintf("%s/%s", runs, d->d_name);
		if (stat(e[*n].path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(e[*n].path);
			continue;
		}
		e[*n].mtime = st.st_mtim;
		(*n)++;
	}
	closedir(dir);
	/* insertion sort: newest first, then by name */
	for (i = 1; i < *n; i++) {
		struct entry x = e[i];

		for (k = i; k > 0; k--) {
			struct entry *y = &e[k - 1];
			int newer = x.mtime.tv_sec != y->mtime.tv_sec ? x.mtime.tv_sec > y->mtime.tv_sec :
			    x.mtime.tv_nsec != y->mtime.tv_nsec ? x.mtime.tv_nsec > y->mtime.tv_nsec :
			    strcmp(x.path, y->path) < 0;

			if (!newer)
				break;
			e[k] = *y;
		}
		e[k] = x;
	}
	*paths = gd_xcalloc(*n, sizeof(**paths));
	for (i = 0; i < *n; i++)
		(*paths)[i] = e[i].path;
	free(e);
	return 0;
}

/* The journal a RUN-ID argument names (malloc'd). */
static char *
journal_for(const char *runs, const char *arg)
{
	size_t len = strlen(arg);

	if (strchr(arg, '/') != NULL)
		return gd_xstrdup(arg);
	if (len > 6 && strcmp(arg + len - 6, ".jsonl") == 0)
		return gd_xasprintf("%s/%s", runs, arg);
	return gd_xasprintf("%s/%s.jsonl", runs, arg);
}

int
gd_cmd_recover(int argc, char **argv)
{
	enum { O_STATE = 256, O_KNOWN, O_JSON, O_METRICS };
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "json", no_argument, NULL, O_JSON },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_recover_stats st;
	struct gd_recover_opts ro = { 0 };
	struct gd_ssh_opts o;
	const char *state_arg = NULL, *metrics = NULL;
	char *state = NULL, *runs = NULL, **paths = NULL, err[GD_ERRLEN];
	json_t *results = NULL;
	size_t i, n = 0;
	int ch, json = 0, bad_input = 0, ret = GD_EXIT_USAGE;
	FILE *log;

	memset(&st, 0, sizeof(st));
	gd_ssh_opts_default(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_STATE: state_arg = optarg; break;
		case O_KNOWN: o.known_hosts = optarg; break;
		case O_JSON: json = 1; break;
		case O_METRICS: metrics = optarg; break;
		case 'h': fputs(recover_usage, stdout); return GD_EXIT_OK;
		default: goto usage;
		}
	}
	if (argc - optind > 1) {
		gd_warnx("recover: give at most one RUN-ID");
		goto usage;
	}
	log = json ? stderr : stdout;
	results = json ? json_array() : NULL;
	state = gd_state_dir(state_arg);
	runs = gd_xasprintf("%s/runs", state);

	if (optind < argc) {
		paths = gd_xcalloc(1, sizeof(*paths));
		paths[0] = journal_for(runs, argv[optind]);
		n = 1;
		if (access(paths[0], F_OK) != 0) {
			if (errno == ENOENT)
				gd_warnx("recover: no journal for run %s: %s does not exist", argv[optind],
				    paths[0]);
			else
				gd_warnx("recover: cannot use %s: %s", paths[0], strerror(errno));
			goto out;
		}
	} else if (list_journals(runs, &paths, &n, err, sizeof(err)) != 0) {
		gd_warnx("recover: %s", err);
		goto out;
	}

	ro.ssh = &o;
	ro.pool = gd_pool_new(&o, NULL);  /* one connection per host for every journal */
	ro.log = log;
	ro.quiet = optind == argc;  /* alone, a run says "nothing to do"; in a scan only journals with work speak */
	ro.st = &st;
	ro.results = results;
	for (i = 0; i < n; i++) {
		if (gd_recover_journal_report(paths[i], &ro, err, sizeof(err)) < 0) {
			gd_warnx("recover: %s", err);
			bad_input = 1;
		}
	}
	if (optind == argc && st.journals == 0 && st.skipped_live == 0 && !bad_input)
		fprintf(log, "nothing to recover: no open intents in %zu journal%s under %s\n", n,
		    n == 1 ? "" : "s", runs);
	else if (optind == argc) {
		fprintf(log, "recover: %zu reverted, %zu failed, %zu unreachable, %zu skipped (live run)",
		    st.reverted, st.failed, st.unreachable, st.skipped_live);
		if (st.leased > 0)
			fprintf(log, ", %zu left alone (host leased by another run)", st.leased);
		fputc('\n', log);
	}
	if (json) {
		json_dumpf(results, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	if (metrics != NULL && gd_report_recover_metrics_write(st.reverted, st.failed, st.unreachable,
	    metrics, err, sizeof(err)) != 0) {
		gd_warnx("recover: %s", err);
		bad_input = 1;
	}
	ret = bad_input ? GD_EXIT_USAGE : st.unreachable + st.leased > 0 ? GD_EXIT_UNREACHABLE :
	    st.failed > 0 ? GD_EXIT_FAIL : GD_EXIT_OK;
	goto out;
usage:
	fputs("try 'gameday recover --help'\n", stderr);
out:
	gd_pool_free(ro.pool);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(runs);
	free(state);
	json_decref(results);
	return ret;
}
