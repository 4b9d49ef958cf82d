/* lab.c: throwaway local hosts. Each host is a network namespace on a
 * bridge, with its own PID, UTS and mount namespaces and its own sshd;
 * DIR/lab.json records everything so that `down` can undo it, even after
 * an `up` that was killed halfway. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "lab_internal.h"
#include "proc.h"

volatile sig_atomic_t gd_lab_intr;

static void
on_signal(int sig)
{
	gd_lab_intr = sig;
}

int
gd_lab_interrupted(void)
{
	return gd_lab_intr != 0;
}

#define LAB_DIR_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789._/-"

int
gd_lab_check_dir(const char *dir, char *err, size_t errlen)
{
	if (dir[0] == '\0' || strspn(dir, LAB_DIR_CHARS) != strlen(dir))
		return gd_errf(err, errlen, "%s: a lab dir may only hold letters, "
		    "digits and . _ / -", dir);
	if (strlen(dir) > LAB_DIR_MAX)
		return gd_errf(err, errlen, "%s: over %d characters", dir,
		    LAB_DIR_MAX);
	return 0;
}

/* Resolves dir to lab->dir. Returns 1 when it exists, 0 when it does not
 * (and create is 0), -1 on error. Paths are restricted to a safe set of
 * characters so they go into sshd_config, YAML and cmdlines unquoted. */
static int
lab_dir(struct lab *lab, const char *dir, int create, char *err, size_t errlen)
{
	char tmp[PATH_MAX], abs[PATH_MAX], *p, c;

	if (gd_lab_check_dir(dir, err, errlen) == -1)
		return -1;
	if (create) {
		strcpy(tmp, dir);
		for (p = tmp + 1; ; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			c = *p;
			*p = '\0';
			if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
				return gd_errf(err, errlen, "cannot create %s: %s", tmp,
				    strerror(errno));
			if ((*p = c) == '\0')
				break;
		}
	}
	if (realpath(dir, abs) == NULL) {
		if (errno == ENOENT && !create)
			return 0;
		return gd_errf(err, errlen, "%s: %s", dir, strerror(errno));
	}
	if (strlen(abs) > LAB_DIR_MAX || strspn(abs, LAB_DIR_CHARS) != strlen(abs))
		return gd_errf(err, errlen, "%s: resolves to %s, which is over %d "
		    "characters or holds characters outside letters, digits and "
		    ". _ / -", dir, abs, LAB_DIR_MAX);
	memcpy(lab->dir, abs, strlen(abs) + 1);
	return 1;
}


int
gd_lab_state_save(const struct lab *lab, char *err, size_t errlen)
{
	char path[PATH_MAX], bridge[IFNAMSIZ] = "", subnet[24] = "";
	json_t *root, *hosts;
	char *s;
	int i, rc;

	if (lab->k >= 0) {
		snprintf(bridge, sizeof bridge, "gdlab%d", lab->k);
		snprintf(subnet, sizeof subnet, "10.231.%d.0/24", lab->k);
	}
	hosts = json_array();
	for (i = 0; lab->k >= 0 && i < lab->n; i++) {
		const struct host *h = &lab->hosts[i];

		json_array_append_new(hosts, json_pack("{s:s, s:s, s:s, s:I, s:I}",
		    "name", h->name, "addr", h->addr, "netns", h->netns,
		    "unshare_pid", (json_int_t)h->unshare_pid,
		    "sshd_pid", (json_int_t)h->sshd_pid));
	}
	root = json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:i, s:b, s:i, s:o}", "version", 1,
	    "dir", lab->dir, "index", lab->k, "bridge", bridge, "subnet", subnet,
	    "new_bridge", lab->newbr, "nhosts", lab->n, "bastion", lab->bastion,
	    "subnets", lab->k >= 0 ? gd_lab_nsubnets(lab) : 0, "hosts", hosts);
	s = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	snprintf(path, sizeof path, "%s/lab.json", lab->dir);
	s = gd_xrealloc(s, strlen(s) + 2);
	strcat(s, "\n");
	rc = gd_write_atomic(path, s, strlen(s), 0600, err, errlen);
	free(s);
	return rc;
}

/* Loads DIR's state into lab (hosts malloc'd). Returns 1 when DIR holds a
 * lab, 0 when not, -1 with err when lab.json is unreadable; lab->k is then
 * taken from lab.index when that is readable, else -1. */
static int
state_load(struct lab *lab, char *err, size_t errlen)
{
	char path[PATH_MAX];
	json_error_t je;
	json_t *root = NULL, *hosts, *h;
	const char *name, *addr, *netns, *newbr = "";
	json_int_t upid, spid;
	size_t i;
	FILE *f;
	int rc = -1, k, have_index = 0, bastion = 0;

	lab->k = -1;
	lab->n = 0;
	lab->hosts = NULL;
	snprintf(path, sizeof path, "%s/lab.index", lab->dir);
	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%d", &k) == 1 && k >= 0 && k < LAB_MAX_INDEX) {
			lab->k = k;
			have_index = 1;
		}
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/lab.json", lab->dir);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return have_index;
	if ((root = json_load_file(path, 0, &je)) == NULL) {
		gd_errf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
		goto out;
	}
	if (json_unpack_ex(root, &je, 0, "{s:i, s:o, s?s, s?b}", "index", &k,
	    "hosts", &hosts, "new_bridge", &newbr, "bastion", &bastion) == -1 || !json_is_array(hosts) ||
	    k < -1 || k >= LAB_MAX_INDEX) {
		gd_errf(err, errlen, "%s: not a lab state file", path);
		goto out;
	}
	if (have_index && k != lab->k) {
		gd_errf(err, errlen, "%s: index %d, but lab.index says %d", path, k,
		    lab->k);
		goto out;
	}
	lab->k = k;
	lab->bastion = bastion && json_array_size(hosts) > 0;
	snprintf(lab->newbr, sizeof lab->newbr, "%s", newbr);
	lab->hosts = gd_xcalloc(json_array_size(hosts) + 1, sizeof *lab->hosts);
	json_array_foreach(hosts, i, h) {
		struct host *hp = &lab->hosts[i];

		if (json_unpack_ex(h, &je, 0, "{s:s, s:s, s:s, s:I, s:I}",
		    "name", &name, "addr", &addr, "netns", &netns,
		    "unshare_pid", &upid, "sshd_pid", &spid) == -1) {
			gd_errf(err, errlen, "%s: host %zu: %s", path, i + 1, je.text);
			goto out;
		}
		snprintf(hp->name, sizeof hp->name, "%s", name);
		snprintf(hp->addr, sizeof hp->addr, "%s", addr);
		snprintf(hp->netns, sizeof hp->netns, "%s", netns);
		hp->unshare_pid = (pid_t)upid;
		hp->sshd_pid = (pid_t)spid;
		lab->n++;
	}
	rc = 1;
out:
	json_decref(root);
	if (rc == -1) {
		free(lab->hosts);
		lab->hosts = NULL;
		lab->n = 0;
	}
	return rc;
}

/* Undoes whatever of lab exists. lab->k may be -1 (nothing claimed). */
static int
teardown(struct lab *lab, char *err, size_t errlen)
{
	char br[IFNAMSIZ], alias[PATH_MAX], want[PATH_MAX];
	int lock, owned = 0, rc = -1;

	if ((lock = gd_lab_lock(err, errlen)) == -1)
		return -1;
	if (lab->k >= 0) {
		/* K is ours when gdlabK carries our alias; with no gdlabK, any
		 * gdK-lab* netns is a leftover (under the lock nobody is making
		 * one); with someone else's gdlabK, K was never ours */
		snprintf(br, sizeof br, "gdlab%d", lab->k);
		snprintf(want, sizeof want, LAB_ALIAS "%s", lab->dir);
		gd_lab_link_alias(br, alias, sizeof alias);
		owned = if_nametoindex(br) == 0 || strcmp(alias, want) == 0;
	}
	if (gd_lab_stop_hosts(lab, owned, err, errlen) == -1 ||
	    gd_lab_net_down(lab, owned, err, errlen) == -1)
		goto out;
	gd_lab_files_down(lab);
	rc = 0;
out:
	close(lock);
	return rc;
}

/* With a bastion: an ssh_config that says the hosts are reached through
 * it (and where it is), and an inventory that names only that file. */
static int
write_bastion(const struct lab *lab, struct gd_buf *inv, char *err, size_t errlen)
{
	struct gd_buf cfg = { 0 };
	char path[PATH_MAX];
	int j, rc;

	gd_buf_printf(&cfg, "# written by gameday lab up --bastion; removed by gameday lab down\n"
	    "Host bastion\n  HostName %s\nHost !%s", lab->hosts[lab->n - 1].addr,
	    lab->hosts[lab->n - 1].addr);
	for (j = 0; j < gd_lab_nsubnets(lab); j++)
		gd_buf_printf(&cfg, " 10.%d.%d.*", 231 + j, lab->k);
	gd_buf_printf(&cfg, "\n  ProxyJump bastion\n"
	    "Host *\n  User root\n  IdentityFile %s/id_ed25519\n  IdentitiesOnly yes\n"
	    "  UserKnownHostsFile %s/known_hosts\n  StrictHostKeyChecking yes\n", lab->dir,
	    lab->dir);
	snprintf(path, sizeof path, "%s/ssh_config", lab->dir);
	rc = gd_write_atomic(path, cfg.data, cfg.len, 0644, err, errlen);
	gd_buf_free(&cfg);
	gd_buf_printf(inv, "      vars:\n"
	    "        # how to reach them: the ssh_config says it, for ansible too\n"
	    "        ansible_ssh_common_args: -F %s/ssh_config\n", lab->dir);
	return rc;
}

static int
write_outputs(const struct lab *lab, char *err, size_t errlen)
{
	char path[PATH_MAX], pub[1024];
	struct gd_buf kh = { 0 }, inv = { 0 };
	int i, rc = -1;

	gd_buf_adds(&inv, "# written by gameday lab up; removed by gameday lab down\n"
	    "all:\n  children:\n    lab:\n      hosts:\n");
	for (i = 0; i < lab->n; i++) {
		const struct host *h = &lab->hosts[i];

		gd_lab_host_path(path, sizeof path, lab, h, "ssh_host_ed25519_key.pub");
		if (gd_lab_read_pub(path, pub, sizeof pub, err, errlen) == -1)
			goto out;
		gd_buf_printf(&kh, "%s %s\n", h->addr, pub);
		if (!gd_lab_is_bastion(lab, i))
			gd_buf_printf(&inv, "        %s:\n          ansible_host: %s\n",
			    h->name, h->addr);
	}
	if (lab->bastion) {
		if (write_bastion(lab, &inv, err, errlen) == -1)
			goto out;
	} else {
		gd_buf_printf(&inv, "      vars:\n"
		    "        ansible_user: root\n"
		    "        ansible_port: 22\n"
		    "        ansible_ssh_private_key_file: %s/id_ed25519\n"
		    "        gameday_known_hosts: %s/known_hosts\n", lab->dir, lab->dir);
	}
	snprintf(path, sizeof path, "%s/known_hosts", lab->dir);
	if (gd_write_atomic(path, kh.data, kh.len, 0644, err, errlen) == -1)
		goto out;
	snprintf(path, sizeof path, "%s/inventory.yaml", lab->dir);
	if (gd_write_atomic(path, inv.data, inv.len, 0644, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	gd_buf_free(&kh);
	gd_buf_free(&inv);
	return rc;
}

int
gd_lab_present(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/lab.json", dir);
	if (access(path, F_OK) == 0)
		return 1;
	snprintf(path, sizeof path, "%s/lab.index", dir);
	return access(path, F_OK) == 0;
}

int
gd_lab_is_bastion(const struct lab *lab, int i)
{
	return lab->bastion && i == lab->n - 1;
}

int
gd_lab_up(const char *dir, const struct gd_lab_opts *o, char *err, size_t errlen)
{
	int nhosts = o->nhosts, services = o->services, srv_mb = o->srv_mb;
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct lab lab = { .k = -1 };
	char e2[GD_ERRLEN];
	int i, lock = -1, rc = -1;

	if (nhosts < 1 || nhosts > GD_LAB_MAX_HOSTS)
		return gd_errf(err, errlen, "--hosts must be 1 to %d, not %d",
		    GD_LAB_MAX_HOSTS, nhosts);
	if (geteuid() != 0)
		return gd_errf(err, errlen, "lab needs root (namespaces, bridge, sshd)");
	if (access(LAB_SSHD, X_OK) == -1)
		return gd_errf(err, errlen, "%s: %s (install openssh-server)",
		    LAB_SSHD, strerror(errno));
	if (services && access(LAB_PYTHON, X_OK) == -1)
		return gd_errf(err, errlen, "%s: %s (--services needs python3)",
		    LAB_PYTHON, strerror(errno));
	lab.services = services;
	lab.srv_mb = srv_mb;
	if (lab_dir(&lab, dir, 1, err, errlen) == -1)
		return -1;
	if (gd_lab_present(lab.dir))
		return gd_errf(err, errlen, "%s already holds a lab; run gameday lab "
		    "down --dir %s first", dir, dir);
	lab.bastion = o->bastion != 0;
	lab.n = nhosts + lab.bastion;
	lab.hosts = gd_xcalloc((size_t)lab.n, sizeof *lab.hosts);
	snprintf(lab.newbr, sizeof lab.newbr, "gdnew%d",
	    (int)(getpid() % 10000000));
	gd_lab_intr = 0;
	sigemptyset(&sa.sa_mask);   /* no SA_RESTART: waits return on a signal */
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);

	/* state first (no index yet): from here on, down can find it all */
	if (gd_lab_state_save(&lab, err, errlen) == -1)
		goto out;
	if ((lock = gd_lab_lock(err, errlen)) == -1 ||
	    gd_lab_claim(&lab, err, errlen) == -1 || gd_lab_net_up(&lab, err, errlen) == -1)
		goto out;
	close(lock);
	lock = -1;
	if (gd_lab_intr || gd_lab_host_files(&lab, err, errlen) == -1 || gd_lab_intr)
		goto out;
	i = gd_lab_spawn_hosts(&lab, err, errlen);
	if (gd_lab_state_save(&lab, e2, sizeof e2) == -1 && i == 0) {
		snprintf(err, errlen, "%s", e2);
		goto out;
	}
	if (i == -1)
		goto out;
	if (gd_lab_wait_ssh(&lab, LAB_UP_MS + 30 * lab.n, 1, err, errlen) != 0)
		goto out;
	for (i = 0; i < lab.n; i++)
		if (gd_lab_find_sshd(&lab, &lab.hosts[i], err, errlen) == -1)
			goto out;
	if (gd_lab_state_save(&lab, err, errlen) == -1 ||
	    write_outputs(&lab, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	if (lock != -1)
		close(lock);
	if (rc == -1 && gd_lab_intr)
		gd_errf(err, errlen, "interrupted by signal %d", (int)gd_lab_intr);
	if (rc == -1 && lab.dir[0] != '\0' && gd_lab_present(lab.dir) &&
	    teardown(&lab, e2, sizeof e2) == -1) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; removing the partial lab failed too: "
		    "%s; run gameday lab down --dir %s", e2, dir);
	}
	/* reap the unshares that exited, so they are not zombies meanwhile */
	for (i = 0; rc == -1 && i < lab.n; i++)
		if (lab.hosts[i].unshare_pid > 0)
			waitpid(lab.hosts[i].unshare_pid, NULL, WNOHANG);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	free(lab.hosts);
	return rc;
}

int
gd_lab_down(const char *dir, char *err, size_t errlen)
{
	struct lab lab = { .k = -1 };
	char e[GD_ERRLEN] = "";
	int r, rc;

	if ((r = lab_dir(&lab, dir, 0, err, errlen)) <= 0)
		return r;
	if ((r = state_load(&lab, e, sizeof e)) == 0) {
		/* an up killed before its state was renamed in made nothing yet */
		static const char *const early[] = { "lab.json", "lab.index", NULL };

		gd_lab_rm_files(lab.dir, early);
		rmdir(lab.dir);
		return 0;
	}
	/* a corrupt lab.json still leaves lab.index and the alias to go by */
	rc = teardown(&lab, err, errlen);
	free(lab.hosts);
	return rc;
}

int
gd_lab_status(const char *dir, FILE *out, char *err, size_t errlen)
{
	struct lab lab = { .k = -1 };
	char conf[PATH_MAX], e[GD_ERRLEN];
	int *alive = NULL, i, r, rc = -1, down = 0;

	if ((r = lab_dir(&lab, dir, 0, err, errlen)) <= 0)
		return r == 0 ? gd_errf(err, errlen, "no lab in %s", dir) : -1;
	if ((r = state_load(&lab, err, errlen)) <= 0) {
		if (r == 0)
			gd_errf(err, errlen, "no lab in %s", dir);
		goto out;
	}
	alive = gd_xcalloc((size_t)lab.n + 1, sizeof *alive);
	for (i = 0; i < lab.n; i++) {
		gd_lab_host_path(conf, sizeof conf, &lab, &lab.hosts[i], "sshd_config");
		alive[i] = lab.hosts[i].sshd_pid > 0 &&
		    gd_lab_cmdline_has(&lab, lab.hosts[i].sshd_pid, conf, 0);
		lab.hosts[i].up = !alive[i];    /* do not probe dead hosts */
	}
	if (lab.n > 0 && gd_lab_wait_ssh(&lab, 1000, 0, e, sizeof e) == -1) {
		gd_errf(err, errlen, "%s", e);
		goto out;
	}
	for (i = 0; i < lab.n; i++) {
		const struct host *h = &lab.hosts[i];
		int up = alive[i] && h->up;

		if (out != NULL)
			fprintf(out, "%-6s %-13s sshd %-8d %s\n", h->name, h->addr,
			    (int)h->sshd_pid, up ? "up" : "down");
		down += !up;
	}
	if (lab.n == 0 && out != NULL)
		fprintf(out, "(no hosts recorded: an up was stopped halfway)\n");
	rc = down > 0 || lab.n == 0;
out:
	free(alive);
	free(lab.hosts);
	return rc;
}


