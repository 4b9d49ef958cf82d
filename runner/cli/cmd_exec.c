/* cmd_exec.c: `gameday exec`, one command on many hosts at once. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "duration.h"
#include "inventory.h"
#include "report.h"
#include "ssh.h"

static const char exec_usage[] =
"usage: gameday exec -i INVENTORY PATTERN [options] -- COMMAND...\n"
"\n"
"Runs COMMAND on every host PATTERN matches, all at once over SSH, and prints\n"
"each host's output under its name, in inventory order.\n"
"\n"
"COMMAND is shell text run by the remote user's shell, as with ssh: several\n"
"words are joined with spaces. Put it after -- when it has options of its own.\n"
"\n"
"options:\n"
"  -i, --inventory SRC     an Ansible inventory: YAML or INI, a directory, a\n"
"                          plugin or script (through ansible-inventory); repeat\n"
"                          to merge (default: $GAMEDAY_INVENTORY, comma-separated)\n"
"  -f, --forks N           hosts worked on at once (default 50)\n"
"  -t, --timeout D         how long a command may run (60, 90s, 5m); 0 for no limit\n"
"                          (default 60s)\n"
"      --connect-timeout D to connect and log in (default 10s)\n"
"      --known-hosts FILE  check host keys against FILE instead of the inventory's\n"
"                          gameday_known_hosts or ssh_config's UserKnownHostsFile\n"
"                          (the global /etc/ssh/ssh_known_hosts is read too)\n"
"      --ssh-config FILE   OpenSSH's configuration from FILE (ssh -F FILE) instead of\n"
"                          ~/.ssh/config and /etc/ssh/ssh_config (also $GAMEDAY_SSH_CONFIG)\n"
"      --no-ssh-config     no ssh_config at all (ssh -F /dev/null)\n"
"      --accept-new        record the keys of hosts not yet in known_hosts\n"
"                          (changed keys are still refused)\n"
"      --max-output BYTES  keep at most BYTES of each host's stdout and of its\n"
"                          stderr (default 1048576); the rest is counted, not kept\n"
"      --json              print a JSON array of {host, exit, stdout, stderr, ms, ...}\n"
"      --metrics FILE      write a Prometheus textfile (atomically): hosts total,\n"
"                          failed and unreachable, and the duration, labelled\n"
"                          with the pattern (gameday_exec_*)\n"
"  -q, --quiet             no summary or progress on stderr\n"
"  -h, --help              this help\n"
"\n"
"Where and as whom: OpenSSH's own configuration for each host (ssh -G: HostName,\n"
"User, Port, IdentityFile, IdentitiesOnly, ProxyJump, known_hosts files), the\n"
"inventory's values winning. Jump hosts (ProxyJump, ansible_ssh_common_args' -J,\n"
"gameday_jump) are tunnelled, one session per jump host. Logs in with ssh-agent\n"
"keys first, then the key files; with IdentitiesOnly (or a key the inventory\n"
"names) only those keys. Host keys must be known: an unknown, changed or revoked\n"
"key is refused with its SHA256 fingerprint.\n"
"Hosts with ansible_become run COMMAND through sudo -n (-u ansible_become_user).\n"
"\n"
"exit status:\n"
"  0  every host ran COMMAND and it exited 0\n"
"  1  some command exited non-zero, was killed or timed out\n"
"  2  usage or inventory error (or, all else fine, the metrics not written)\n"
"  3  some host could not be reached (connect, host key or login failed)\n"
"\n"
"examples:\n"
"  gameday exec -i .lab/inventory.yaml lab -- uptime\n"
"  gameday exec -i inventory.yaml 'web:!web[0]' --timeout 5 -- systemctl is-active nginx\n"
"  gameday exec -i inventory.yaml db --json -- 'df -h /var/lib/postgresql' | jq .\n";

struct progress {
	int on;
};

static void
show_progress(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;

	if (p->on)
		fprintf(stderr, "\rexec: %zu/%zu hosts done", done, total);
}

static json_t *
json_text(const struct gd_buf *b)
{
	char *clean = gd_utf8_clean(b->data ? b->data : "", b->len);
	json_t *j = json_string(clean);

	free(clean);
	return j != NULL ? j : json_string("");
}

static void
print_json(const struct gd_host *hosts, const size_t *idx, size_t n, struct gd_ssh_result *res)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		struct gd_ssh_result *r = &res[i];
		json_t *o = json_object();

		json_object_set_new(o, "host", json_string(hosts[idx[i]].name));
		json_object_set_new(o, "status", json_string(r->status == GD_SSH_OK ? "ok" :
		    r->status == GD_SSH_TIMEOUT ? "timeout" : "unreachable"));
		json_object_set_new(o, "exit", r->status == GD_SSH_OK && r->exit_code >= 0 ?
		    json_integer(r->exit_code) : json_null());
		if (r->exit_signal[0] != '\0')
			json_object_set_new(o, "signal", json_string(r->exit_signal));
		json_object_set_new(o, "stdout", json_text(&r->out));
		json_object_set_new(o, "stderr", json_text(&r->err));
		json_object_set_new(o, "stdout_bytes", json_integer((json_int_t)r->out_total));
		json_object_set_new(o, "stderr_bytes", json_integer((json_int_t)r->err_total));
		json_object_set_new(o, "ms", json_integer(r->ms));
		if (r->status != GD_SSH_OK)
			json_object_set_new(o, "error", json_string(r->errmsg));
		json_array_append_new(arr, o);
	}
	json_dumpf(arr, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(arr);
}

static void
print_stream(const struct gd_buf *b, size_t total)
{
	if (b->len > 0) {
		fwrite(b->data, 1, b->len, stdout);
		if (b->data[b->len - 1] != '\n')
			fputc('\n', stdout);
	}
	if (total > b->len)
		printf("[gameday: output cut at %zu of %zu bytes; see --max-output]\n", b->len, total);
}

/* A short reason for a host that did not succeed, into buf. */
static const char *
reason(const struct gd_ssh_result *r, char *buf, size_t len)
{
	if (r->status != GD_SSH_OK)
		snprintf(buf, len, "%s: %s", r->status == GD_SSH_TIMEOUT ? "timeout" : "unreachable",
		    r->errmsg);
	else if (r->exit_code < 0)
		snprintf(buf, len, "killed by signal %s", r->exit_signal);
	else
		snprintf(buf, len, "exit %d", r->exit_code);
	return buf;
}

static void
print_text(const struct gd_host *hosts, const size_t *idx, size_t n, struct gd_ssh_result *res,
    int color)
{
	const char *on = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	const char *bad = color ? "\033[1;31m" : "";
	char why[GD_ERRLEN + 64];
	size_t i;

	for (i = 0; i < n; i++) {
		struct gd_ssh_result *r = &res[i];
		int ok = r->status == GD_SSH_OK && r->exit_code == 0;

		if (r->status == GD_SSH_OK && r->exit_code >= 0)
			printf("%s=== %s: exit %d (%lld ms)%s\n", ok ? on : bad, hosts[idx[i]].name,
			    r->exit_code, r->ms, off);
		else
			printf("%s=== %s: %s (%lld ms)%s\n", bad, hosts[idx[i]].name,
			    reason(r, why, sizeof(why)), r->ms, off);
		print_stream(&r->out, r->out_total);
		if (r->err_total > 0) {
			printf("--- %s stderr\n", hosts[idx[i]].name);
			print_stream(&r->err, r->err_total);
		}
	}
}

static long
parse_num(const char *opt, const char *s, long min, long max, int *bad)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		gd_warnx("exec: %s takes a whole number from %ld to %ld, not '%s'", opt, min, max, s);
		*bad = 1;
	}
	return v;
}

/* a timeout flag: the one duration grammar (a bare number is seconds), from
 * min ms to a day */
static int
parse_secs(const char *opt, const char *s, long long min, int *bad)
{
	char err[GD_ERRLEN];
	long long ms = 0;

	if (gd_duration_parse(s, &ms, err, sizeof(err)) != 0) {
		gd_warnx("exec: %s: %s", opt, err);
		*bad = 1;
	} else if (ms < min || ms > 86400000) {
		gd_warnx("exec: %s must be from %s to 1 day, not '%s'", opt, min ? "1ms" : "0", s);
		*bad = 1;
	}
	return (int)ms;
}

struct exec_args {
	const char *invpath, *pattern, *metrics;
	struct gd_buf cmd;
	int json, quiet;
};

/* Reads the options into a and o. Returns 0 to go on, 1 after --help, -1 on
 * a usage error (already said). */
static int
parse_args(int argc, char **argv, struct exec_args *a, struct gd_ssh_opts *o)
{
	enum { O_CONNECT = 256, O_KNOWN, O_ACCEPT, O_MAXOUT, O_JSON, O_METRICS, O_SSHCFG, O_NOSSHCFG };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "forks", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "connect-timeout", required_argument, NULL, O_CONNECT },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "ssh-config", required_argument, NULL, O_SSHCFG },
		{ "no-ssh-config", no_argument, NULL, O_NOSSHCFG },
		{ "max-output", required_argument, NULL, O_MAXOUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, bad = 0, i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:f:t:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': a->invpath = gd_inventory_arg(a->invpath, optarg); break;
		case 'f': o->forks = (int)parse_num("--forks", optarg, 1, 1000, &bad); break;
		case 't': o->cmd_timeout_ms = parse_secs("--timeout", optarg, 0, &bad); break;
		case O_CONNECT:
			o->connect_timeout_ms = parse_secs("--connect-timeout", optarg, 1, &bad);
			o->connect_timeout_set = 1;
			break;
		case O_SSHCFG: o->ssh_config = optarg; o->no_ssh_config = 0; break;
		case O_NOSSHCFG: o->no_ssh_config = 1; o->ssh_config = NULL; break;
		case O_KNOWN: o->known_hosts = optarg; break;
		case O_ACCEPT: o->accept_new = 1; break;
		case O_MAXOUT: o->max_output = (size_t)parse_num("--max-output", optarg, 0, 1L << 30, &bad); break;
		case O_JSON: a->json = 1; break;
		case O_METRICS: a->metrics = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'h': fputs(exec_usage, stdout); return 1;
		default: bad = 1; break;
		}
	}
	if (bad)
		return -1;
	if (a->invpath == NULL) {
		gd_warnx("exec: no inventory: give -i FILE or set GAMEDAY_INVENTORY");
		return -1;
	}
	if (argc - optind < 2) {
		gd_warnx("exec: give a host pattern and a command");
		return -1;
	}
	a->pattern = argv[optind++];
	for (i = optind; i < argc; i++)
		gd_buf_printf(&a->cmd, "%s%s", i > optind ? " " : "", argv[i]);
	return 0;
}

/* A jump host that could not be reached: said once, with every host behind it. */
static void
report_jumps(const struct gd_inventory *inv, const size_t *idx, size_t n,
    const struct gd_ssh_result *res)
{
	unsigned char *said = gd_xcalloc(n + 1, 1);
	struct gd_buf b = { 0 };
	size_t i, k, count;

	for (i = 0; i < n; i++) {
		if (res[i].jump[0] == '\0' || said[i])
			continue;
		b.len = 0;
		for (k = i, count = 0; k < n; k++)
			if (!said[k] && strcmp(res[k].jump, res[i].jump) == 0 &&
			    strcmp(res[k].errmsg, res[i].errmsg) == 0) {
				said[k] = 1;
				if (count++ < 20)
					gd_buf_printf(&b, "%s%s", count > 1 ? ", " : "",
					    inv->hosts[idx[k]].name);
			}
		if (count > 20)
			gd_buf_printf(&b, " and %zu more", count - 20);
		{
			const char *why = strstr(res[i].errmsg, ": ");

			gd_warnx("jump host %s is unreachable: %s; %zu host%s behind it: %s",
			    res[i].jump, why ? why + 2 : res[i].errmsg, count, count == 1 ? "" : "s",
			    b.data);
		}
	}
	gd_buf_free(&b);
	free(said);
}

/* Prints the results and the summary; returns the exit code. */
static int
report(const struct exec_args *a, const struct gd_inventory *inv, const size_t *idx, size_t n,
    struct gd_ssh_result *res, long long t0)
{
	char err[GD_ERRLEN], why[GD_ERRLEN + 64];
	size_t i, nfail = 0, nunreach = 0;
	int ret;

	if (a->json)
		print_json(inv->hosts, idx, n, res);
	else
		print_text(inv->hosts, idx, n, res, gd_use_color(stdout));
	for (i = 0; i < n; i++) {
		if (res[i].status == GD_SSH_UNREACHABLE)
			nunreach++;
		else if (res[i].status != GD_SSH_OK || res[i].exit_code != 0)
			nfail++;
		else
			continue;
		if ((!a->quiet || a->json) && res[i].jump[0] == '\0')
			gd_warnx("%s: %s", inv->hosts[idx[i]].name, reason(&res[i], why, sizeof(why)));
	}
	if (!a->quiet || a->json)
		report_jumps(inv, idx, n, res);
	if (!a->quiet)
		gd_warnx("exec: %zu host%s: %zu ok, %zu failed, %zu unreachable (%.1f s)", n,
		    n == 1 ? "" : "s", n - nfail - nunreach, nfail, nunreach,
		    (gd_now_ms() - t0) / 1000.0);
	ret = nunreach > 0 ? GD_EXIT_UNREACHABLE : nfail > 0 ? GD_EXIT_FAIL : GD_EXIT_OK;
	if (a->metrics != NULL && gd_report_exec_metrics_write(a->pattern, n, nfail, nunreach,
	    gd_now_ms() - t0, a->metrics, err, sizeof(err)) != 0) {
		gd_warnx("exec: %s", err);
		if (ret == GD_EXIT_OK)
			ret = GD_EXIT_USAGE;
	}
	return ret;
}

int
gd_cmd_exec(int argc, char **argv)
{
	struct exec_args a = { .invpath = getenv("GAMEDAY_INVENTORY") };
	struct gd_inventory inv = { 0 };
	struct gd_ssh_opts o;
	struct gd_ssh *m = NULL;
	struct gd_ssh_result *res = NULL;
	struct progress prog = { 0 };
	const char **cmds = NULL;
	char err[GD_ERRLEN];
	size_t *idx = NULL, n = 0, i;
	int ret = GD_EXIT_USAGE;
	long long t0;

	gd_ssh_opts_default(&o);
	switch (parse_args(argc, argv, &a, &o)) {
	case 1:
		return GD_EXIT_OK;
	case -1:
		fputs("try 'gameday exec --help'\n", stderr);
		goto out;
	}
	if (gd_inventory_load(&inv, a.invpath, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (gd_inventory_match(&inv, a.pattern, &idx, &n, err, sizeof(err)) != 0) {
		gd_warnx("%s: %s", inv.path, err);
		goto out;
	}
	if (n == 0) {
		gd_warnx("exec: pattern '%s' matches no host in %s", a.pattern, inv.path);
		ret = GD_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < inv.nwarnings; i++)
		gd_warnx("%s", inv.warnings[i]);
	if (gd_inventory_report_hosts(&inv, idx, n, NULL) > 0) {
		for (i = 0; i < n; i++)
			if (inv.hosts[idx[i]].refusal != NULL)
				gd_warnx("%s", inv.hosts[idx[i]].refusal);
		gd_warnx("exec: refusing to run: fix the inventory for the hosts above");
		goto out;
	}

	prog.on = !a.quiet && isatty(STDERR_FILENO);
	o.progress = show_progress;
	o.progress_arg = &prog;
	m = gd_ssh_new(&o);
	cmds = gd_xcalloc(n, sizeof(*cmds));
	res = gd_xcalloc(n, sizeof(*res));
	for (i = 0; i < n; i++) {
		gd_ssh_add(m, &inv.hosts[idx[i]]);
		cmds[i] = a.cmd.data;
	}
	t0 = gd_now_ms();
	gd_ssh_exec(m, cmds, n, res);
	if (prog.on)
		fputs("\r\033[K", stderr);
	ret = report(&a, &inv, idx, n, res, t0);
out:
	if (res != NULL)
		for (i = 0; i < n; i++)
			gd_ssh_result_free(&res[i]);
	free(res);
	free(cmds);
	gd_ssh_free(m);
	free(idx);
	gd_buf_free(&a.cmd);
	gd_inventory_free(&inv);
	return ret;
}
