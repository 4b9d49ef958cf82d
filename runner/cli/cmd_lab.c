/* cmd_lab.c: `gameday lab up|down|status`, throwaway local hosts. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gd.h"
#include "lab.h"
#include "lab_monitor_cli.h"
#include "monitor.h"

#define LAB_DEFAULT_DIR ".lab"
#define LAB_DEFAULT_HOSTS 3

static const char usage_up[] =
	"usage: gameday lab up [--hosts N] [--bastion] [--services] [--srv-size MiB] [--dir DIR]\n"
	"                     [--monitoring [--rules FILE]...]\n";
static const char usage_down[] =
	"usage: gameday lab down [--dir DIR]\n";
static const char usage_status[] =
	"usage: gameday lab status [--dir DIR]\n";

static const char about[] =
	"\n"
	"A lab is a set of throwaway hosts on this machine, for training and\n"
	"tests. Each host is a network namespace on the bridge gdlabK (K is the\n"
	"first free index, 0 to 63, so several labs can run at once), with its\n"
	"own PID, UTS and mount namespaces and its own sshd with a fresh host\n"
	"key: host labI has address 10.231.K.(I+1) (past 252 hosts, 10.232.K.x,\n"
	"10.233.K.x ...), a private 64 MiB tmpfs on /srv, and accepts root\n"
	"logins with the lab's key. Nothing outside those subnets and the\n"
	"interfaces and namespaces gdlabK, gdKh*, gdK-lab* is ever touched.\n"
	"Needs root.\n";

static const char about_up[] =
	"\n"
	"up builds N hosts (default 3, at most 1000), waits until every sshd\n"
	"answers, and writes into DIR (made if missing):\n"
	"  inventory.yaml  Ansible inventory: group lab, hosts lab1..labN\n"
	"  ssh_config      with --bastion: where each host is and that it is\n"
	"                  reached through the bastion (ProxyJump), which the\n"
	"                  inventory names only through ansible_ssh_common_args -F\n"
	"  known_hosts     the hosts' keys, for strict host key checking\n"
	"  id_ed25519      the key pair that logs in as root\n"
	"  lab.json        what down needs to remove it all (and hosts/, one\n"
	"                  dir per host with its sshd_config, key and sshd.log)\n"
	"It refuses a DIR that already holds a lab, running or stale: run\n"
	"gameday lab down first. If up fails or is interrupted, it removes what\n"
	"it made; if it is killed, gameday lab down cleans up.\n";

static const char about_down[] =
	"\n"
	"down stops the hosts' sshds by their recorded pids (after checking each\n"
	"is still the process lab up started), deletes the lab's namespaces,\n"
	"veths and bridge, and removes the files up wrote, and DIR if that\n"
	"leaves it empty. It is safe to run twice, and after an up that was\n"
	"killed halfway. With no lab in DIR it says so and exits 0.\n";

static const char about_status[] =
	"\n"
	"status prints one line per host: name, address, sshd pid, and up (the\n"
	"sshd runs and port 22 answers) or down.\n";

static const char options[] =
	"\n"
	"options:\n"
	"  --hosts N   hosts to build, 1 to 1000 (up only; default 3)\n"
	"  --bastion   (up) one more host, bastion (10.231.K.254): the other hosts'\n"
	"              sshd answers it only (nftables inside each host); the\n"
	"              inventory and ssh_config reach them through it\n"
	"  --srv-size N  (up) each host's private /srv tmpfs, in MiB (default 64)\n"
	"  --services  (up) every host also runs a service to break: HTTP on\n"
	"              :8080 (/health), restarted a second after it dies by a\n"
	"              supervisor; pidfiles /run/web.pid, /run/web-supervisor.pid\n"
	"  --dir DIR   the lab's state dir (default .lab); letters, digits\n"
	"              and . _ / - only\n"
	"  --monitoring  (up) also runs Prometheus and Alertmanager on the bridge\n"
	"              (10.231.K.1:9090 and :9093, scrape and evaluation every 1s)\n"
	"              and a node exporter inside every host (:9100); with\n"
	"              --services Prometheus also scrapes each web service's\n"
	"              /metrics. The inventory gets gameday_prometheus_url and\n"
	"              gameday_alertmanager_url; down stops it all by pid\n"
	"  --rules FILE  (up, with --monitoring) alerting rules to load, checked\n"
	"              with promtool; repeatable (default: the shipped\n"
	"              scenarios/monitoring/lab-rules.yml)\n"
	"  -h, --help  this help\n"
	"\n"
	"examples:\n"
	"  sudo gameday lab up --hosts 5\n"
	"  ssh -i .lab/id_ed25519 -o UserKnownHostsFile=.lab/known_hosts \\\n"
	"      root@10.231.0.2 hostname\n"
	"  gameday hosts -i .lab/inventory.yaml lab\n"
	"  sudo gameday lab status\n"
	"  sudo gameday lab down\n"
	"\n"
	"exit codes:\n"
	"  0  done; status: all hosts up\n"
	"  1  status: some hosts down\n"
	"  2  usage, not root, DIR already holds a lab (up), no lab (status)\n"
	"  3  a tool (ip, ssh-keygen, sshd) failed or a host did not come up\n"
	"  4  up was interrupted (what it had made is removed)\n";

static void
help(FILE *f, const char *action)
{
	if (action == NULL || strcmp(action, "up") == 0)
		fputs(usage_up, f);
	if (action == NULL || strcmp(action, "down") == 0)
		fputs(action == NULL ? "       gameday lab down [--dir DIR]\n" :
		    usage_down, f);
	if (action == NULL || strcmp(action, "status") == 0)
		fputs(action == NULL ? "       gameday lab status [--dir DIR]\n" :
		    usage_status, f);
	fputs(about, f);
	if (action == NULL || strcmp(action, "up") == 0)
		fputs(about_up, f);
	if (action == NULL || strcmp(action, "down") == 0)
		fputs(about_down, f);
	if (action == NULL || strcmp(action, "status") == 0)
		fputs(about_status, f);
	fputs(options, f);
}

struct lab_args {
	const char *action, *dir;
	struct gd_lab_opts lo;
	int have_hosts, monitoring, nrules;
	const char *rules[32];
};

static int
cmd_up(const struct lab_args *a)
{
	const char *dir = a->dir;
	int nhosts = a->lo.nhosts;
	char err[GD_ERRLEN];
	long long t0 = gd_now_ms();
	int r;

	if (gd_lab_present(dir)) {
		r = gd_lab_status(dir, NULL, err, sizeof err);
		gd_warnx("%s already holds a %s lab; run gameday lab down --dir %s "
		    "first", dir, r == 0 ? "running" : "stale", dir);
		return GD_EXIT_USAGE;
	}
	if (gd_lab_up(dir, &a->lo, err, sizeof err) == -1) {
		gd_warnx("lab up: %s", err);
		return gd_lab_interrupted() ? GD_EXIT_ABORTED : GD_EXIT_UNREACHABLE;
	}
	printf("lab: %d host%s up in %.1f s%s; inventory: %s/inventory.yaml\n",
	    nhosts, nhosts == 1 ? "" : "s", (gd_now_ms() - t0) / 1000.0,
	    a->lo.bastion ? ", behind a bastion" : "", dir);
	if (a->monitoring && gd_lab_cli_monitor_up(dir, a->rules, a->nrules) == -1) {
		if (gd_lab_down(dir, err, sizeof err) == -1)
			gd_warnx("lab down: %s", err);
		return GD_EXIT_UNREACHABLE;
	}
	return GD_EXIT_OK;
}

static int
cmd_down(const char *dir)
{
	char err[GD_ERRLEN];
	long long t0 = gd_now_ms();

	if (gd_lab_monitor_down(dir, err, sizeof err) == -1) {
		gd_warnx("lab down: monitoring: %s", err);
		return GD_EXIT_UNREACHABLE;
	}
	if (!gd_lab_present(dir)) {
		/* still tidies what an up killed in its first milliseconds left */
		if (gd_lab_down(dir, err, sizeof err) == -1)
			gd_warnx("lab down: %s", err);
		printf("lab: no lab in %s\n", dir);
		return GD_EXIT_OK;
	}
	if (gd_lab_down(dir, err, sizeof err) == -1) {
		gd_warnx("lab down: %s", err);
		return GD_EXIT_UNREACHABLE;
	}
	printf("lab: removed the lab in %s in %.1f s\n", dir,
	    (gd_now_ms() - t0) / 1000.0);
	return GD_EXIT_OK;
}

static int
cmd_status(const char *dir)
{
	char err[GD_ERRLEN];
	int r;

	if (!gd_lab_present(dir)) {
		gd_warnx("no lab in %s", dir);
		return GD_EXIT_USAGE;
	}
	if ((r = gd_lab_status(dir, stdout, err, sizeof err)) == -1) {
		gd_warnx("lab status: %s", err);
		return GD_EXIT_UNREACHABLE;
	}
	if (gd_lab_monitor_status(dir, stdout) > 0 && r == 0)
		r = 1;
	return r == 0 ? GD_EXIT_OK : GD_EXIT_FAIL;
}

/* Reads the options after the action into a; an exit code, or -1 to go on. */
static int
parse_args(int argc, char **argv, struct lab_args *a)
{
	static const struct option longopts[] = {
		{ "hosts", required_argument, NULL, 'n' },
		{ "services", no_argument, NULL, 's' },
		{ "bastion", no_argument, NULL, 'b' },
		{ "srv-size", required_argument, NULL, 'S' },
		{ "dir", required_argument, NULL, 'd' },
		{ "monitoring", no_argument, NULL, 'M' },
		{ "rules", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *action = a->action;
	char *end;
	long v;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v < 1 ||
			    v > GD_LAB_MAX_HOSTS) {
				gd_warnx("lab %s: --hosts must be a number from 1 to %d, not %s",
				    action, GD_LAB_MAX_HOSTS, optarg);
				return GD_EXIT_USAGE;
			}
			a->lo.nhosts = (int)v;
			a->have_hosts = 1;
			break;
		case 'd': a->dir = optarg; break;
		case 's': a->lo.services = 1; break;
		case 'b': a->lo.bastion = 1; break;
		case 'M': a->monitoring = 1; break;
		case 'R':
			if (a->nrules == 32) {
				gd_warnx("lab %s: at most 32 --rules files", action);
				return GD_EXIT_USAGE;
			}
			a->rules[a->nrules++] = optarg;
			break;
		case 'S':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || (*end != '\0' && strcmp(end, "M") != 0 &&
			    strcmp(end, "m") != 0) || v < 16 || v > 4096) {
				gd_warnx("lab %s: --srv-size is MiB from 16 to 4096 (like 512M), not %s",
				    action, optarg);
				return GD_EXIT_USAGE;
			}
			a->lo.srv_mb = (int)v;
			break;
		case 'h':
			help(stdout, action);
			return GD_EXIT_OK;
		default:
			gd_warnx("lab %s: unknown option or missing value: %s", action,
			    argv[optind]);  /* argv + 1 shifted: this is the bad word */
			fprintf(stderr, "run gameday lab %s --help for usage\n", action);
			return GD_EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		gd_warnx("lab %s: unexpected argument %s", action, argv[optind + 1]);
		return GD_EXIT_USAGE;
	}
	return -1;
}

int
gd_cmd_lab(int argc, char **argv)
{
	struct lab_args a = { .dir = LAB_DEFAULT_DIR, .lo = { .nhosts = LAB_DEFAULT_HOSTS,
	    .srv_mb = 64 } };
	char err[GD_ERRLEN];
	int rc;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		help(argc < 2 ? stderr : stdout, NULL);
		return argc < 2 ? GD_EXIT_USAGE : GD_EXIT_OK;
	}
	a.action = argv[1];
	if (strcmp(a.action, "up") != 0 && strcmp(a.action, "down") != 0 &&
	    strcmp(a.action, "status") != 0) {
		gd_warnx("lab: unknown action %s (up, down or status)", a.action);
		return GD_EXIT_USAGE;
	}
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		return rc;
	if ((a.have_hosts || a.lo.services || a.lo.bastion || a.monitoring || a.nrules) &&
	    strcmp(a.action, "up") != 0) {
		gd_warnx("lab %s: --hosts, --services, --bastion, --monitoring and --rules are "
		    "only for lab up", a.action);
		return GD_EXIT_USAGE;
	}
	if (a.nrules > 0 && !a.monitoring) {
		gd_warnx("lab up: --rules needs --monitoring");
		return GD_EXIT_USAGE;
	}
	if (gd_lab_check_dir(a.dir, err, sizeof err) == -1) {
		gd_warnx("lab %s: %s", a.action, err);
		return GD_EXIT_USAGE;
	}
	if (strcmp(a.action, "status") != 0 && geteuid() != 0) {
		gd_warnx("lab %s needs root (network namespaces, a bridge, sshd); "
		    "run it with sudo", a.action);
		return GD_EXIT_USAGE;
	}
	if (strcmp(a.action, "up") == 0)
		return cmd_up(&a);
	if (strcmp(a.action, "down") == 0)
		return cmd_down(a.dir);
	return cmd_status(a.dir);
}
