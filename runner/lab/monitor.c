/* monitor.c: Prometheus, Alertmanager and node exporters for a lab.
 * The exporters run inside each host's own namespaces (nsenter into its
 * sshd, PID 1 there), so they see the host's /srv, processes and TCP
 * counters; Prometheus and Alertmanager listen on the bridge address
 * 10.231.K.1 only. Every pid goes into DIR/monitoring/state.json before
 * anything else happens, so a down after a crash still finds it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "gd.h"
#include "monitor.h"
#include "proc.h"

#define MON_PROMETHEUS "/usr/bin/prometheus"
#define MON_ALERTMANAGER "/usr/bin/prometheus-alertmanager"
#define MON_NODE "/usr/bin/prometheus-node-exporter"
#define MON_PROMTOOL "/usr/bin/promtool"
#define MON_UP_MS 20000
#define MON_TERM_MS 3000
#define MON_MAX_RULES 32
#define MON_DIR_MAX 200             /* as lab.c's limit */

/* what runs; the kind names it in status and errors */
struct proc {
	char what[32];      /* "prometheus", "alertmanager", "node lab1" */
	pid_t pid;          /* the program itself */
	pid_t wrapper;      /* the nsenter that waits for it, 0 if none */
	char addr[32];
	int port;
};

struct mon {
	char dir[MON_DIR_MAX + 1];  /* the lab dir, absolute */
	char mdir[MON_DIR_MAX + 16]; /* DIR/monitoring */
	int k;                  /* lab index */
	char bridge_addr[32];   /* 10.231.K.1 */
	int services;           /* the web service runs: scrape it */
	int nhosts;
	struct { char name[16], addr[32]; pid_t sshd; } *hosts;
	struct proc *procs;
	int nprocs;
};

static void
mon_free(struct mon *m)
{
	free(m->hosts);
	free(m->procs);
	m->hosts = NULL;
	m->procs = NULL;
}

/* Reads DIR/lab.json, written by lab.c, for the hosts and the index. */
static int
load_lab(struct mon *m, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	json_error_t je;
	json_t *root, *hosts, *h;
	size_t i;
	int rc = -1;
	char abs[PATH_MAX];

	memset(m, 0, sizeof *m);
	if (realpath(dir, abs) == NULL)
		return gd_errf(err, errlen, "%s: %s", dir, strerror(errno));
	if (strlen(abs) > MON_DIR_MAX)
		return gd_errf(err, errlen, "%s: over %d characters", abs, MON_DIR_MAX);
	snprintf(m->dir, sizeof m->dir, "%s", abs);
	snprintf(m->mdir, sizeof m->mdir, "%s/monitoring", m->dir);
	snprintf(path, sizeof path, "%s/lab.json", m->dir);
	if ((root = json_load_file(path, 0, &je)) == NULL)
		return gd_errf(err, errlen, "%s: no running lab (%s)", path, je.text);
	if (json_unpack_ex(root, &je, 0, "{s:i, s:o}", "index", &m->k, "hosts", &hosts) == -1 ||
	    !json_is_array(hosts) || m->k < 0 || json_array_size(hosts) == 0) {
		gd_errf(err, errlen, "%s: not the state of a running lab", path);
		goto out;
	}
	snprintf(m->bridge_addr, sizeof m->bridge_addr, "10.231.%d.1", m->k);
	m->hosts = gd_xcalloc(json_array_size(hosts), sizeof *m->hosts);
	json_array_foreach(hosts, i, h) {
		const char *name, *addr;
		json_int_t spid;

		if (json_unpack_ex(h, &je, 0, "{s:s, s:s, s:I}", "name", &name, "addr", &addr,
		    "sshd_pid", &spid) == -1 || spid <= 1) {
			gd_errf(err, errlen, "%s: host %zu: %s", path, i + 1, je.text);
			goto out;
		}
		snprintf(m->hosts[i].name, sizeof m->hosts[i].name, "%s", name);
		snprintf(m->hosts[i].addr, sizeof m->hosts[i].addr, "%s", addr);
		m->hosts[i].sshd = (pid_t)spid;
		m->nhosts++;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int
state_save(const struct mon *m, char *err, size_t errlen)
{
	char path[PATH_MAX], *s;
	json_t *root, *procs = json_array();
	int i, rc;

	for (i = 0; i < m->nprocs; i++)
		json_array_append_new(procs, json_pack("{s:s, s:I, s:I, s:s, s:i}", "what",
		    m->procs[i].what, "pid", (json_int_t)m->procs[i].pid, "wrapper",
		    (json_int_t)m->procs[i].wrapper, "addr", m->procs[i].addr, "port", m->procs[i].port));
	root = json_pack("{s:i, s:s, s:s, s:s, s:i, s:o}", "version", 1, "dir", m->mdir,
	    "prometheus", "", "alertmanager", "", "targets", 0, "procs", procs);
	json_object_set_new(root, "prometheus", json_sprintf("http://%s:%d", m->bridge_addr,
	    GD_MON_PROM_PORT));
	json_object_set_new(root, "alertmanager", json_sprintf("http://%s:%d", m->bridge_addr,
	    GD_MON_AM_PORT));
	/* the exporters, the web services, Prometheus and Alertmanager */
	json_object_set_new(root, "targets", json_integer(m->nhosts * (1 + m->services) + 2));
	s = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	snprintf(path, sizeof path, "%s/state.json", m->mdir);
	rc = gd_write_atomic(path, s, strlen(s), 0600, err, errlen);
	free(s);
	return rc;
}

static int
state_load(struct mon *m, const char *dir, json_t **rootp)
{
	char path[PATH_MAX], abs[PATH_MAX];
	json_t *root, *procs, *p;
	size_t i;

	memset(m, 0, sizeof *m);
	if (realpath(dir, abs) == NULL || strlen(abs) > MON_DIR_MAX)
		return 0;
	snprintf(m->dir, sizeof m->dir, "%s", abs);
	snprintf(m->mdir, sizeof m->mdir, "%s/monitoring", abs);
	snprintf(path, sizeof path, "%s/state.json", m->mdir);
	if ((root = json_load_file(path, 0, NULL)) == NULL)
		return access(m->mdir, F_OK) == 0 ? -1 : 0;
	procs = json_object_get(root, "procs");
	m->procs = gd_xcalloc(json_array_size(procs) + 1, sizeof *m->procs);
	json_array_foreach(procs, i, p) {
		struct proc *pr = &m->procs[m->nprocs++];

		snprintf(pr->what, sizeof pr->what, "%s", json_string_value(json_object_get(p, "what")) ?
		    json_string_value(json_object_get(p, "what")) : "?");
		pr->pid = (pid_t)json_integer_value(json_object_get(p, "pid"));
		pr->wrapper = (pid_t)json_integer_value(json_object_get(p, "wrapper"));
		snprintf(pr->addr, sizeof pr->addr, "%s", json_string_value(json_object_get(p, "addr")) ?
		    json_string_value(json_object_get(p, "addr")) : "");
		pr->port = (int)json_integer_value(json_object_get(p, "port"));
	}
	if (rootp != NULL)
		*rootp = root;
	else
		json_decref(root);
	return 1;
}

/* Whether pid runs one of our programs: a word of its cmdline holds
 * DIR/monitoring/, so a recycled pid is never taken for ours. */
static int
ours(const struct mon *m, pid_t pid)
{
	char path[64], buf[8192], want[PATH_MAX + 2];
	ssize_t n, i;
	int fd;

	if (pid <= 1)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	snprintf(want, sizeof want, "%s/", m->mdir);
	for (i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		if (strstr(buf + i, want) != NULL)
			return 1;
	return 0;
}

/* The first child of pid (nsenter forks the program into the PID
 * namespace), waited for up to 2 s; 0 when none. */
static pid_t
child_of(pid_t pid)
{
	char path[64];
	long long deadline = gd_now_ms() + 2000;
	FILE *f;
	int c;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	while (gd_now_ms() < deadline) {
		if ((f = fopen(path, "re")) != NULL) {
			int got = fscanf(f, "%d", &c);

			fclose(f);
			if (got == 1)
				return (pid_t)c;
		}
		poll(NULL, 0, 10);
	}
	return 0;
}

static int
port_open(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, ok;

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* Waits until every process listens on its port; a process that exits
 * first fails at once, naming its log. */
static int
wait_ports(const struct mon *m, char *err, size_t errlen)
{
	long long deadline = gd_now_ms() + MON_UP_MS;
	int i, left;

	for (;;) {
		for (i = left = 0; i < m->nprocs; i++) {
			const struct proc *p = &m->procs[i];

			if (port_open(p->addr, p->port))
				continue;
			if (!ours(m, p->pid))
				return gd_errf(err, errlen, "%s exited before it listened on %s:%d; "
				    "see %s/%s.log", p->what, p->addr, p->port, m->mdir, p->what);
			left++;
		}
		if (left == 0)
			return 0;
		if (gd_now_ms() >= deadline)
			break;
		poll(NULL, 0, 50);
	}
	for (i = 0; port_open(m->procs[i].addr, m->procs[i].port); i++)
		;
	return gd_errf(err, errlen, "%s did not listen on %s:%d within %d s", m->procs[i].what,
	    m->procs[i].addr, m->procs[i].port, MON_UP_MS / 1000);
}

static int
spawn(struct mon *m, const char *what, char *const argv[], const char *addr, int port,
    int wrapped, char *err, size_t errlen)
{
	char log[PATH_MAX + 64];
	struct proc *p;
	pid_t pid;

	snprintf(log, sizeof log, "%s/%s.log", m->mdir, what);
	for (char *s = strrchr(log, '/'); s != NULL && *s != '\0'; s++)
		if (*s == ' ')
			*s = '-';
	if (gd_proc_spawn_detached(argv, log, &pid, err, errlen) == -1)
		return -1;
	m->procs = gd_xrealloc(m->procs, (size_t)(m->nprocs + 1) * sizeof *m->procs);
	p = &m->procs[m->nprocs++];
	memset(p, 0, sizeof *p);
	snprintf(p->what, sizeof p->what, "%s", what);
	for (char *s = p->what; *s != '\0'; s++)
		if (*s == ' ')
			*s = '-';
	snprintf(p->addr, sizeof p->addr, "%s", addr);
	p->port = port;
	p->pid = pid;
	if (wrapped) {
		p->wrapper = pid;
		if ((p->pid = child_of(pid)) == 0) {
			p->pid = pid;
			state_save(m, err, errlen);
			return gd_errf(err, errlen, "%s: nsenter did not start it; see %s", what, log);
		}
	}
	return state_save(m, err, errlen);
}

static int
write_file(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return gd_write_atomic(path, text, strlen(text), 0644, err, errlen);
}

/* prometheus.yml: every host's exporter and web service, Prometheus and
 * Alertmanager themselves; a `host` label names the lab host. */
static int
write_prometheus_yml(const struct mon *m, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	int i, rc;

	gd_buf_printf(&b, "# written by gameday lab up --monitoring\n"
	    "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n"
	    "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['%s:%d']\n"
	    "rule_files:\n  - %s/rules/*.yml\n"
	    "scrape_configs:\n"
	    "  - job_name: prometheus\n    static_configs:\n      - targets: ['%s:%d']\n"
	    "  - job_name: alertmanager\n    static_configs:\n      - targets: ['%s:%d']\n"
	    "  - job_name: node\n    static_configs:\n", m->bridge_addr, GD_MON_AM_PORT, m->mdir,
	    m->bridge_addr, GD_MON_PROM_PORT, m->bridge_addr, GD_MON_AM_PORT);
	for (i = 0; i < m->nhosts; i++)
		gd_buf_printf(&b, "      - targets: ['%s:%d']\n        labels: { host: %s }\n",
		    m->hosts[i].addr, GD_MON_NODE_PORT, m->hosts[i].name);
	if (m->services) {
		gd_buf_adds(&b, "  - job_name: web\n    static_configs:\n");
		for (i = 0; i < m->nhosts; i++)
			gd_buf_printf(&b, "      - targets: ['%s:8080']\n        labels: { host: %s }\n",
			    m->hosts[i].addr, m->hosts[i].name);
	}
	rc = write_file(m->mdir, "prometheus.yml", b.data, err, errlen);
	gd_buf_free(&b);
	return rc;
}

static const char alertmanager_yml[] =
	"# written by gameday lab up --monitoring: every alert goes to one\n"
	"# receiver without notifiers; /api/v2/alerts shows what would page\n"
	"route:\n  receiver: lab\n  group_by: [alertname, host]\n"
	"  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n"
	"receivers:\n  - name: lab\n";

/* Checks each rule file with promtool and copies it into DIR/monitoring/rules. */
static int
copy_rules(const struct mon *m, const char *const *rules, int nrules, char *err, size_t errlen)
{
	char dst[PATH_MAX], e[GD_ERRLEN], *text, *out = NULL;
	size_t len;
	int i, r;

	for (i = 0; i < nrules; i++) {
		const char *argv[] = { MON_PROMTOOL, "check", "rules", rules[i], NULL };

		r = gd_proc_run((char *const *)argv, &out, e, sizeof e);
		free(out);
		out = NULL;
		if (r != 0)
			return gd_errf(err, errlen, "%s: promtool check rules failed: %s", rules[i], e);
		if ((text = gd_read_file(rules[i], 16 << 20, &len, err, errlen)) == NULL)
			return -1;
		snprintf(dst, sizeof dst, "%s/rules/%02d-%s", m->mdir, i + 1,
		    strrchr(rules[i], '/') != NULL ? strrchr(rules[i], '/') + 1 : rules[i]);
		if (strlen(dst) < 4 || strcmp(dst + strlen(dst) - 4, ".yml") != 0)
			strncat(dst, ".yml", sizeof dst - strlen(dst) - 1);
		r = gd_write_atomic(dst, text, len, 0644, err, errlen);
		free(text);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* The lab web service serves /srv/www: a /metrics there makes it a
 * scrape target, so a dead web process is a failed scrape (up == 0). */
static int
web_metrics(const struct mon *m, char *err, size_t errlen)
{
	static const char sh[] = "[ -d /srv/www ] || exit 3; "
	    "printf '# TYPE lab_web_info gauge\\nlab_web_info 1\\n' > /srv/www/metrics";
	char pid[16], e[GD_ERRLEN];
	int i, r;

	for (i = 0; i < m->nhosts; i++) {
		const char *argv[] = { "nsenter", "--target", pid, "--mount", "--", "/bin/sh", "-c",
		    sh, NULL };

		snprintf(pid, sizeof pid, "%d", (int)m->hosts[i].sshd);
		if ((r = gd_proc_run((char *const *)argv, NULL, e, sizeof e)) != 0)
			return gd_errf(err, errlen, "%s: cannot write /srv/www/metrics: %s",
			    m->hosts[i].name, r == 3 ? "no web service (lab up --services)" : e);
	}
	return 0;
}

static int
start_exporters(struct mon *m, char *err, size_t errlen)
{
	char pid[16], listen[64], tdir[PATH_MAX + 32], targ[PATH_MAX + 64], what[32];
	int i;

	for (i = 0; i < m->nhosts; i++) {
		const char *argv[] = { "nsenter", "--target", pid, "--net", "--pid", "--mount",
		    "--uts", "--", MON_NODE, listen, "--collector.disable-defaults",
		    "--collector.cpu", "--collector.filesystem", "--collector.netstat",
		    "--collector.processes", "--collector.loadavg", "--collector.meminfo",
		    "--collector.textfile", targ, NULL };

		snprintf(pid, sizeof pid, "%d", (int)m->hosts[i].sshd);
		snprintf(listen, sizeof listen, "--web.listen-address=%s:%d", m->hosts[i].addr,
		    GD_MON_NODE_PORT);
		/* a textfile dir per host: tests and teams can add metrics */
		snprintf(tdir, sizeof tdir, "%s/textfile-%s", m->mdir, m->hosts[i].name);
		if (mkdir(tdir, 0755) == -1 && errno != EEXIST)
			return gd_errf(err, errlen, "cannot create %s: %s", tdir, strerror(errno));
		snprintf(targ, sizeof targ, "--collector.textfile.directory=%s", tdir);
		snprintf(what, sizeof what, "node %s", m->hosts[i].name);
		if (spawn(m, what, (char *const *)argv, m->hosts[i].addr, GD_MON_NODE_PORT, 1, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

static int
start_servers(struct mon *m, char *err, size_t errlen)
{
	char conf[PATH_MAX + 32], data[PATH_MAX + 32], listen[64], ext[128];
	const char *prom[] = { MON_PROMETHEUS, conf, data, listen, ext,
	    "--storage.tsdb.retention.time=1d", "--web.enable-lifecycle", NULL };
	const char *am[] = { MON_ALERTMANAGER, conf, data, listen, "--cluster.listen-address=",
	    ext, NULL };

	snprintf(conf, sizeof conf, "--config.file=%s/alertmanager.yml", m->mdir);
	snprintf(data, sizeof data, "--storage.path=%s/alertmanager", m->mdir);
	snprintf(listen, sizeof listen, "--web.listen-address=%s:%d", m->bridge_addr, GD_MON_AM_PORT);
	snprintf(ext, sizeof ext, "--web.external-url=http://%s:%d/", m->bridge_addr, GD_MON_AM_PORT);
	if (spawn(m, "alertmanager", (char *const *)am, m->bridge_addr, GD_MON_AM_PORT, 0, err,
	    errlen) == -1)
		return -1;
	snprintf(conf, sizeof conf, "--config.file=%s/prometheus.yml", m->mdir);
	snprintf(data, sizeof data, "--storage.tsdb.path=%s/prometheus", m->mdir);
	snprintf(listen, sizeof listen, "--web.listen-address=%s:%d", m->bridge_addr,
	    GD_MON_PROM_PORT);
	snprintf(ext, sizeof ext, "--web.external-url=http://%s:%d/", m->bridge_addr,
	    GD_MON_PROM_PORT);
	return spawn(m, "prometheus", (char *const *)prom, m->bridge_addr, GD_MON_PROM_PORT, 0,
	    err, errlen);
}

/* The URLs as variables of all, so scenarios find them as ${prometheus}
 * and ${alertmanager}. Appended as `all: vars:`; refused when the
 * inventory already has a top-level vars block. */
static int
inventory_vars(const struct mon *m, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct gd_buf b = { 0 };
	char *text;
	size_t len;
	int rc = -1;

	snprintf(path, sizeof path, "%s/inventory.yaml", m->dir);
	if ((text = gd_read_file(path, 64 << 20, &len, err, errlen)) == NULL)
		return -1;
	if (strncmp(text, "  vars:\n", 8) == 0 || strstr(text, "\n  vars:\n") != NULL ||
	    strstr(text, "gameday_prometheus_url") != NULL) {
		gd_errf(err, errlen, "%s: already has variables for all; cannot add "
		    "gameday_prometheus_url", path);
		goto out;
	}
	gd_buf_add(&b, text, len);
	if (len > 0 && text[len - 1] != '\n')
		gd_buf_adds(&b, "\n");
	gd_buf_printf(&b, "  vars:\n    # written by gameday lab up --monitoring\n"
	    "    gameday_prometheus_url: http://%s:%d\n    gameday_alertmanager_url: http://%s:%d\n",
	    m->bridge_addr, GD_MON_PROM_PORT, m->bridge_addr, GD_MON_AM_PORT);
	rc = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
out:
	free(text);
	gd_buf_free(&b);
	return rc;
}

int
gd_lab_monitor_up(const char *dir, const char *const *rules, int nrules, char *err,
    size_t errlen)
{
	static const char *const tools[] = { MON_PROMETHEUS, MON_ALERTMANAGER, MON_NODE,
	    MON_PROMTOOL, NULL };
	char path[PATH_MAX + 16], e2[GD_ERRLEN];
	struct mon m = { .k = -1 };
	int i, made = 0, rc = -1;

	for (i = 0; tools[i] != NULL; i++)
		if (access(tools[i], X_OK) == -1)
			return gd_errf(err, errlen, "%s: %s (install prometheus, "
			    "prometheus-alertmanager and prometheus-node-exporter)", tools[i],
			    strerror(errno));
	if (nrules > MON_MAX_RULES)
		return gd_errf(err, errlen, "at most %d rule files", MON_MAX_RULES);
	if (load_lab(&m, dir, err, errlen) == -1)
		goto out;
	if (access(m.mdir, F_OK) == 0) {
		gd_errf(err, errlen, "%s already exists: the lab has monitoring", m.mdir);
		goto out;
	}
	snprintf(path, sizeof path, "%s/rules", m.mdir);
	if (mkdir(m.mdir, 0755) == -1) {
		gd_errf(err, errlen, "cannot create %s: %s", m.mdir, strerror(errno));
		goto out;
	}
	made = 1;
	if (mkdir(path, 0755) == -1) {
		gd_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	m.services = web_metrics(&m, e2, sizeof e2) == 0;
	if (state_save(&m, err, errlen) == -1 || copy_rules(&m, rules, nrules, err, errlen) == -1 ||
	    write_prometheus_yml(&m, err, errlen) == -1 ||
	    write_file(m.mdir, "alertmanager.yml", alertmanager_yml, err, errlen) == -1 ||
	    start_exporters(&m, err, errlen) == -1 || start_servers(&m, err, errlen) == -1 ||
	    wait_ports(&m, err, errlen) == -1 || inventory_vars(&m, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && made && gd_lab_monitor_down(dir, e2, sizeof e2) == -1) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; stopping the monitoring failed too: %s", e2);
	}
	mon_free(&m);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
gd_lab_monitor_down(const char *dir, char *err, size_t errlen)
{
	struct mon m;
	int *fd = NULL, i, r, left, rc = -1;
	long long deadline;

	if ((r = state_load(&m, dir, NULL)) == 0)
		return 0;
	if (r == -1) {
		/* an up killed before its first state: nothing was started yet */
		nftw(m.mdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		return 0;
	}
	fd = gd_xcalloc((size_t)m.nprocs + 1, sizeof *fd);
	for (i = 0; i < m.nprocs; i++) {
		fd[i] = ours(&m, m.procs[i].pid) ? pidfd_open(m.procs[i].pid, 0) : -1;
		/* the pidfd refers to the process we checked, even if it exits now */
		if (fd[i] != -1 && pidfd_send_signal(fd[i], SIGTERM, NULL, 0) == -1 && errno != ESRCH) {
			close(fd[i]);
			fd[i] = -1;
		}
	}
	deadline = gd_now_ms() + MON_TERM_MS;
	for (;;) {
		struct pollfd p;

		for (i = left = 0; i < m.nprocs; i++) {
			if (fd[i] == -1)
				continue;
			p.fd = fd[i];
			p.events = POLLIN;
			if (poll(&p, 1, 0) == 1) {
				close(fd[i]);
				fd[i] = -1;
			} else
				left++;
		}
		if (left == 0)
			break;
		if (gd_now_ms() >= deadline) {
			for (i = 0; i < m.nprocs; i++)
				if (fd[i] != -1)
					pidfd_send_signal(fd[i], SIGKILL, NULL, 0);
			if (gd_now_ms() >= deadline + 2000) {
				gd_errf(err, errlen, "a monitoring process did not exit after SIGKILL");
				goto out;
			}
		}
		poll(NULL, 0, 20);
	}
	if (nftw(m.mdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 && errno != ENOENT) {
		gd_errf(err, errlen, "cannot remove %s: %s", m.mdir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < m.nprocs; i++)
		if (fd[i] != -1)
			close(fd[i]);
	free(fd);
	mon_free(&m);
	return rc;
}

int
gd_lab_monitor_urls(const char *dir, char *prom, size_t plen, char *am, size_t alen)
{
	struct mon m;
	json_t *root = NULL;
	int r = state_load(&m, dir, &root);

	if (r == 1) {
		if (prom != NULL)
			snprintf(prom, plen, "%s", json_string_value(json_object_get(root, "prometheus")));
		if (am != NULL)
			snprintf(am, alen, "%s", json_string_value(json_object_get(root, "alertmanager")));
	}
	json_decref(root);
	mon_free(&m);
	return r == 1;
}

int
gd_lab_monitor_targets(const char *dir)
{
	struct mon m;
	json_t *root = NULL;
	int n = 0;

	if (state_load(&m, dir, &root) == 1)
		n = (int)json_integer_value(json_object_get(root, "targets"));
	json_decref(root);
	mon_free(&m);
	return n;
}

int
gd_lab_monitor_status(const char *dir, FILE *out)
{
	struct mon m;
	int i, gone = 0;

	if (state_load(&m, dir, NULL) != 1)
		return 0;
	for (i = 0; i < m.nprocs; i++) {
		int up = ours(&m, m.procs[i].pid) && port_open(m.procs[i].addr, m.procs[i].port);

		if (out != NULL)
			fprintf(out, "%-13s %s:%-5d pid %-8d %s\n", m.procs[i].what, m.procs[i].addr,
			    m.procs[i].port, (int)m.procs[i].pid, up ? "up" : "down");
		gone += !up;
	}
	mon_free(&m);
	return gone;
}
