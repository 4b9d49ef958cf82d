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

#include "gd.h"
#include "lab.h"
#include "proc.h"

#define LAB_MAX_INDEX 64            /* gdlab0..gdlab63, 10.231.0-63.0/24 */
#define LAB_DIR_MAX 200             /* keeps every path and ifalias short */
#define LAB_ALIAS "gameday-lab:"    /* ifalias of our bridge: owner dir */
#define LAB_LOCK "/run/gameday-lab.lock"
#define LAB_UP_MS 15000             /* all sshds must listen by then */
#define LAB_TERM_MS 3000            /* SIGTERM grace before SIGKILL */
#define LAB_KILL_MS 5000
#define LAB_SSHD "/usr/sbin/sshd"
#define LAB_PYTHON "/usr/bin/python3"

/* Run inside each host as PID 1 of its namespace; $1 host name, $2 config,
 * $3 "home" for a private /root (not when the lab dir is under /root),
 * $4 "web" for the lab's service, $5 the host's address, $6 /srv's size in MiB.
 * Fixed text: names and paths come in as arguments, never pasted in. */
static const char host_script[] =
	"set -e; hostname \"$1\"; "
	"mount -t tmpfs -o size=16m tmpfs /run; mkdir -p /run/sshd; "
	"mount -t tmpfs -o size=\"$6\"m tmpfs /srv; "
	/* a home of its own: the machine's dotfiles (a slow .bashrc) stay out */
	"if [ \"$3\" = home ]; then mount -t tmpfs -o size=16m,mode=0700 tmpfs /root; fi; "
	/* the service to break: HTTP on :8080 under a supervisor that restarts it
	 * a second after it dies (pidfiles /run/web.pid, /run/web-supervisor.pid) */
	"if [ \"$4\" = web ]; then mkdir -p /srv/www; echo ok > /srv/www/health; "
	"/bin/sh -c 'echo $$ > /run/web-supervisor.pid; while :; do "
	LAB_PYTHON " -m http.server 8080 --bind \"$0\" --directory /srv/www >/dev/null 2>&1 & "
	"echo $! > /run/web.pid; wait $!; sleep 1; done' \"$5\" </dev/null >/dev/null 2>&1 & fi; "
	"exec " LAB_SSHD " -D -e -f \"$2\"";

struct host {
	char name[16];      /* lab3 */
	char addr[32];      /* 10.231.K.4 */
	char netns[32];     /* gdK-lab3 */
	pid_t unshare_pid;  /* 0 when not known */
	pid_t sshd_pid;
	int up;
};

struct lab {
	char dir[LAB_DIR_MAX + 1]; /* absolute */
	int k;              /* lab index, -1 until claimed */
	char newbr[IFNAMSIZ]; /* the bridge's name until it is gdlabK */
	int n;
	int services;       /* run the web service on every host */
	int srv_mb;         /* size of each host's /srv tmpfs */
	struct host *hosts;
};

/* A process to stop: its pid and the sshd_config word its cmdline must
 * hold (exactly, or as DIR/hosts/lab*\/sshd_config when any_host). */
struct victim {
	pid_t pid;
	int fd;
	int host;           /* index in lab->hosts, or -1: any host of DIR */
	int termed;         /* sent SIGTERM */
};

static volatile sig_atomic_t lab_intr;

static void
on_signal(int sig)
{
	lab_intr = sig;
}

int
gd_lab_interrupted(void)
{
	return lab_intr != 0;
}

/* Whether s is prefix followed by one or more digits. */
static int
prefix_num(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0 || s[n] == '\0')
		return 0;
	return strspn(s + n, "0123456789") == strlen(s + n);
}

/* Whether dir has an entry named prefix+digits; puts it into name. */
static int
any_matching(const char *dir, const char *prefix, char *name, size_t len)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		if ((found = prefix_num(de->d_name, prefix)))
			snprintf(name, len, "%s", de->d_name);
	closedir(d);
	return found;
}

static void
lab_names(struct lab *lab)
{
	int i;

	for (i = 0; i < lab->n; i++) {
		struct host *h = &lab->hosts[i];

		snprintf(h->name, sizeof h->name, "lab%d", i + 1);
		snprintf(h->addr, sizeof h->addr, "10.231.%d.%d", lab->k, i + 2);
		snprintf(h->netns, sizeof h->netns, "gd%d-lab%d", lab->k, i + 1);
	}
}

static void
host_path(char *buf, size_t len, const struct lab *lab, const struct host *h,
    const char *file)
{
	snprintf(buf, len, "%s/hosts/%s%s%s", lab->dir, h->name,
	    file != NULL ? "/" : "", file != NULL ? file : "");
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


static int
state_save(const struct lab *lab, char *err, size_t errlen)
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
	root = json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:i, s:o}", "version", 1,
	    "dir", lab->dir, "index", lab->k, "bridge", bridge, "subnet", subnet,
	    "new_bridge", lab->newbr, "nhosts", lab->n, "hosts", hosts);
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
	int rc = -1, k, have_index = 0;

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
	if (json_unpack_ex(root, &je, 0, "{s:i, s:o, s?s}", "index", &k,
	    "hosts", &hosts, "new_bridge", &newbr) == -1 || !json_is_array(hosts) ||
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

/* Runs a NULL-terminated list of words, with in as stdin when not NULL.
 * On failure err names the command and carries its stderr. */
static int run(const char *in, char *err, size_t errlen, ...) __attribute__((sentinel));

static int
run(const char *in, char *err, size_t errlen, ...)
{
	const char *argv[32];
	char e[GD_ERRLEN];
	struct gd_buf cmd = { 0 };
	va_list ap;
	int argc = 0, rc;

	va_start(ap, errlen);
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	rc = gd_proc_run_input((char *const *)argv, in, in != NULL ? strlen(in) : 0, NULL, e,
	    sizeof e);
	if (rc == 0)
		return 0;
	for (int i = 0; i < argc; i++)
		gd_buf_printf(&cmd, "%s%s", i ? " " : "", argv[i]);
	gd_errf(err, errlen, "%s: %s", cmd.data, e);
	gd_buf_free(&cmd);
	return -1;
}

/* One lock for all labs on the machine, held while an index is claimed
 * and its namespaces made, and while `down` decides what is its own. Not
 * close-on-exec: the ip runs inherit it, so when we are killed the lock
 * stays held until the orphaned `ip -batch` has finished too, and a down
 * never races with it. */
static int
lab_lock(char *err, size_t errlen)
{
	int fd;

	if ((fd = open(LAB_LOCK, O_RDWR | O_CREAT, 0600)) == -1)
		return gd_errf(err, errlen, "cannot open %s: %s", LAB_LOCK,
		    strerror(errno));
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			gd_errf(err, errlen, "cannot lock %s: %s", LAB_LOCK,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Reads /sys/class/net/IF/ifalias into buf ("" when none or no link). */
static void
link_alias(const char *ifname, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof path, "/sys/class/net/%s/ifalias", ifname);
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The bridge is made under a temporary name, marked with DIR in its
 * ifalias, then renamed to gdlabK: the rename is the atomic claim of K,
 * and whoever finds gdlabK knows from the alias whose lab it is. */
static int
claim(struct lab *lab, char *err, size_t errlen)
{
	char bridge[IFNAMSIZ], pfx[24], path[PATH_MAX], idx[16];
	char left[NAME_MAX + 1];
	struct gd_buf b = { 0 };
	static const char *const addr_argv[] = { "ip", "-o", "-4", "addr",
	    "show", NULL };
	static const char *const route_argv[] = { "ip", "-4", "route", "show",
	    "table", "all", NULL };
	char *addrs = NULL, *routes = NULL;
	int k, rc = -1;

	/* one ip run, so that our death cannot come between add and alias */
	gd_buf_printf(&b, "link add %s type bridge\nlink set dev %s alias "
	    LAB_ALIAS "%s\n", lab->newbr, lab->newbr, lab->dir);
	if (run(b.data, err, errlen, "ip", "-batch", "-", (char *)NULL) == -1)
		goto out;
	/* never take a subnet that something else on this machine uses */
	if (gd_proc_run((char *const *)addr_argv, &addrs, err, errlen) != 0 ||
	    gd_proc_run((char *const *)route_argv, &routes, err, errlen) != 0)
		goto out;
	for (k = 0; k < LAB_MAX_INDEX; k++) {
		snprintf(bridge, sizeof bridge, "gdlab%d", k);
		snprintf(pfx, sizeof pfx, "10.231.%d.", k);
		if (if_nametoindex(bridge) != 0 || strstr(addrs, pfx) != NULL ||
		    strstr(routes, pfx) != NULL)
			continue;
		/* nor an index whose names a crashed lab elsewhere still holds */
		snprintf(pfx, sizeof pfx, "gd%d-lab", k);
		if (any_matching("/run/netns", pfx, left, sizeof left))
			continue;
		snprintf(pfx, sizeof pfx, "gd%dh", k);
		if (any_matching("/sys/class/net", pfx, left, sizeof left))
			continue;
		lab->k = k;
		lab_names(lab);
		snprintf(idx, sizeof idx, "%d\n", k);
		snprintf(path, sizeof path, "%s/lab.index", lab->dir);
		if (gd_write_atomic(path, idx, strlen(idx), 0600, err, errlen) == -1 ||
		    state_save(lab, err, errlen) == -1)
			goto out;
		if (run(NULL, err, errlen, "ip", "link", "set", "dev", lab->newbr,
		    "name", bridge, (char *)NULL) == 0) {
			rc = 0;
			goto out;
		}
		if (if_nametoindex(bridge) == 0)
			goto out;       /* failed for another reason than a race */
	}
	gd_errf(err, errlen, "no free lab index: gdlab0..gdlab%d or their "
	    "subnets 10.231.0-%d.0/24 are all in use", LAB_MAX_INDEX - 1,
	    LAB_MAX_INDEX - 1);
out:
	gd_buf_free(&b);
	free(addrs);
	free(routes);
	return rc;
}

/* Bridge address, one netns and veth pair per host: one `ip -batch` in
 * the root namespace and one per host, instead of nine ip runs per host. */
static int
net_up(struct lab *lab, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	char br[IFNAMSIZ];
	int i, rc = -1;

	snprintf(br, sizeof br, "gdlab%d", lab->k);
	gd_buf_printf(&b, "addr add 10.231.%d.1/24 dev %s\nlink set %s up\n",
	    lab->k, br, br);
	for (i = 0; i < lab->n; i++)
		gd_buf_printf(&b, "netns add %s\n"
		    "link add gd%dh%d type veth peer name eth0 netns %s\n"
		    "link set gd%dh%d master %s up\n", lab->hosts[i].netns,
		    lab->k, i + 1, lab->hosts[i].netns, lab->k, i + 1, br);
	if (run(b.data, err, errlen, "ip", "-batch", "-", (char *)NULL) == -1)
		goto out;
	for (i = 0; i < lab->n && !lab_intr; i++) {
		b.len = 0;
		gd_buf_printf(&b, "addr add %s/24 dev eth0\nlink set eth0 up\n"
		    "link set lo up\n", lab->hosts[i].addr);
		if (run(b.data, err, errlen, "ip", "-n", lab->hosts[i].netns,
		    "-batch", "-", NULL) == -1)
			goto out;
	}
	rc = 0;
out:
	gd_buf_free(&b);
	return rc;
}

/* Reads the "type base64" part of an OpenSSH .pub file into buf. */
static int
read_pub(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	char *sp;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return gd_errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	if (fgets(buf, (int)len, f) == NULL || (sp = strchr(buf, ' ')) == NULL) {
		fclose(f);
		return gd_errf(err, errlen, "%s: not an OpenSSH public key", path);
	}
	fclose(f);
	sp[strcspn(sp + 1, " \n") + 1] = '\0';  /* drop the comment */
	return 0;
}

static int
keygen(const char *path, const char *comment, char *err, size_t errlen)
{
	char pub[PATH_MAX + 8];

	snprintf(pub, sizeof pub, "%s.pub", path);
	unlink(path);   /* ssh-keygen asks before overwriting */
	unlink(pub);
	return run(NULL, err, errlen, "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
	    "-C", comment, "-f", path, NULL);
}

/* User key, authorized_keys, and per host a host key and sshd_config. */
static int
host_files(struct lab *lab, char *err, size_t errlen)
{
	char path[PATH_MAX], key[PATH_MAX], pub[1024];
	struct gd_buf b = { 0 };
	int i, rc = -1;

	snprintf(path, sizeof path, "%s/id_ed25519", lab->dir);
	if (keygen(path, "gameday-lab", err, errlen) == -1)
		goto out;
	snprintf(path, sizeof path, "%s/id_ed25519.pub", lab->dir);
	if (read_pub(path, pub, sizeof pub, err, errlen) == -1)
		goto out;
	gd_buf_printf(&b, "%s gameday-lab\n", pub);
	snprintf(path, sizeof path, "%s/authorized_keys", lab->dir);
	if (gd_write_atomic(path, b.data, b.len, 0600, err, errlen) == -1)
		goto out;
	snprintf(path, sizeof path, "%s/hosts", lab->dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		gd_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < lab->n && !lab_intr; i++) {
		struct host *h = &lab->hosts[i];

		host_path(path, sizeof path, lab, h, NULL);
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			gd_errf(err, errlen, "cannot create %s: %s", path,
			    strerror(errno));
			goto out;
		}
		host_path(key, sizeof key, lab, h, "ssh_host_ed25519_key");
		if (keygen(key, h->name, err, errlen) == -1)
			goto out;
		b.len = 0;
		gd_buf_printf(&b, "ListenAddress %s:22\n"
		    "HostKey %s\n"
		    "AuthorizedKeysFile %s/authorized_keys\n"
		    "PermitRootLogin prohibit-password\n"
		    "PasswordAuthentication no\n"
		    "KbdInteractiveAuthentication no\n"
		    "UsePAM no\n"
		    "StrictModes no\n"
		    "UseDNS no\n"
		    "PidFile /run/sshd.pid\n"
		    "MaxStartups 100:30:200\n"
		    "MaxSessions 50\n", h->addr, key, lab->dir);
		host_path(path, sizeof path, lab, h, "sshd_config");
		if (gd_write_atomic(path, b.data, b.len, 0600, err, errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	gd_buf_free(&b);
	return rc;
}

static int
spawn_hosts(struct lab *lab, char *err, size_t errlen)
{
	char conf[PATH_MAX], log[PATH_MAX];
	const char *home = strncmp(lab->dir, "/root/", 6) == 0 ? "shared" : "home";
	char srv_mb[16];
	int i;

	snprintf(srv_mb, sizeof(srv_mb), "%d", lab->srv_mb > 0 ? lab->srv_mb : 64);
	for (i = 0; i < lab->n && !lab_intr; i++) {
		struct host *h = &lab->hosts[i];
		const char *argv[] = { "ip", "netns", "exec", h->netns, "unshare",
		    "--pid", "--uts", "--mount", "--fork", "--kill-child",
		    "--mount-proc", "--propagation", "private", "sh", "-c",
		    host_script, "gameday-lab-host", h->name, conf, home,
		    lab->services ? "web" : "none", h->addr, srv_mb, NULL };

		host_path(conf, sizeof conf, lab, h, "sshd_config");
		host_path(log, sizeof log, lab, h, "sshd.log");
		if (gd_proc_spawn_detached((char *const *)argv, log, &h->unshare_pid, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

/* The last bytes of a host's sshd.log on one line, for error messages. */
static void
log_tail(const struct lab *lab, const struct host *h, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = 0;
	off_t size;
	int fd;

	buf[0] = '\0';
	host_path(path, sizeof path, lab, h, "sshd.log");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0 && lseek(fd, size > (off_t)len - 1 ? size - (off_t)len + 1 :
	    0, SEEK_SET) != -1 && (n = read(fd, buf, len - 1)) < 0)
		n = 0;
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = '|';
}

/* "lab: 37/100 hosts up" on a TTY, rewritten in place, erased when done. */
static void
progress(const struct lab *lab, int nup, int done)
{
	static int shown = -1;

	if (!isatty(STDERR_FILENO))
		return;
	if (!done && nup != shown)
		fprintf(stderr, "\rlab: %d/%d hosts up", nup, lab->n);
	else if (done && shown != -1)
		fputs("\r\033[K", stderr);
	shown = done ? -1 : nup;
}

/* Connects to port 22 of every host not yet up, over and over, until all
 * answer or timeout_ms passes. When starting, a host whose unshare exited
 * fails at once. Returns 0 when all are up, 1 on timeout, -1 on failure;
 * err names the first host that is not up. */
static int
wait_ssh(struct lab *lab, int timeout_ms, int starting, char *err,
    size_t errlen)
{
	struct pollfd *pfd = gd_xcalloc((size_t)lab->n, sizeof *pfd);
	int *idx = gd_xcalloc((size_t)lab->n, sizeof *idx);
	long long deadline = gd_now_ms() + timeout_ms;
	char tail[200];
	int i, np, nup = 0, rc = -1, st, soerr;
	socklen_t sl;

	for (;;) {
		for (i = np = nup = 0; i < lab->n; i++) {
			struct host *h = &lab->hosts[i];
			struct sockaddr_in sa = { .sin_family = AF_INET,
			    .sin_port = htons(22) };
			int fd;

			if (h->up) {
				nup++;
				continue;
			}
			if (starting && waitpid(h->unshare_pid, &st, WNOHANG) ==
			    h->unshare_pid) {
				log_tail(lab, h, tail, sizeof tail);
				gd_errf(err, errlen, "%s: sshd exited before it listened; "
				    "sshd.log: %s", h->name, tail[0] ? tail : "(empty)");
				goto out;
			}
			inet_pton(AF_INET, h->addr, &sa.sin_addr);
			fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd == -1) {
				gd_errf(err, errlen, "socket: %s", strerror(errno));
				goto out;
			}
			if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
				h->up = 1;
				nup++;
				close(fd);
			} else if (errno == EINPROGRESS) {
				pfd[np].fd = fd;
				pfd[np].events = POLLOUT;
				idx[np++] = i;
			} else
				close(fd);
		}
		if (np > 0 && poll(pfd, (nfds_t)np, 100) == -1 && errno != EINTR) {
			gd_errf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
		for (i = 0; i < np; i++) {
			sl = sizeof soerr;
			if (pfd[i].revents != 0 && getsockopt(pfd[i].fd, SOL_SOCKET,
			    SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
				lab->hosts[idx[i]].up = 1;
				nup++;
			}
			close(pfd[i].fd);
		}
		if (starting)
			progress(lab, nup, 0);
		if (nup == lab->n) {
			rc = 0;
			goto out;
		}
		if (lab_intr) {
			gd_errf(err, errlen, "interrupted");
			goto out;
		}
		if (gd_now_ms() >= deadline)
			break;
		poll(NULL, 0, 20);      /* refused: sshd not listening yet */
	}
	for (i = 0; lab->hosts[i].up; i++)
		;
	log_tail(lab, &lab->hosts[i], tail, sizeof tail);
	gd_errf(err, errlen, "%s (%s) did not answer on port 22 within %.1f s%s%s",
	    lab->hosts[i].name, lab->hosts[i].addr, timeout_ms / 1000.0,
	    starting ? "; sshd.log: " : "",
	    starting ? (tail[0] ? tail : "(empty)") : "");
	rc = 1;
out:
	if (starting)
		progress(lab, nup, 1);
	free(pfd);
	free(idx);
	return rc;
}

/* Whether pid's cmdline has a word equal to want, or with any_host a word
 * DIR/hosts/lab<N>/sshd_config. That word is in the cmdline of the
 * unshare, the sh and the sshd we start (sshd keeps it in its title), so
 * a recycled pid or a zombie never matches. */
static int
cmdline_has(const struct lab *lab, pid_t pid, const char *want, int any_host)
{
	char path[64], buf[4096], pfx[PATH_MAX];
	size_t plen;
	ssize_t n;
	char *w, *save;
	int fd, found = 0;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	plen = (size_t)snprintf(pfx, sizeof pfx, "%s/hosts/lab", lab->dir);
	for (w = strtok_r(buf, " ", &save); w != NULL && !found;
	    w = strtok_r(NULL, " ", &save)) {
		if (!any_host)
			found = strcmp(w, want) == 0;
		else if (strncmp(w, pfx, plen) == 0 && strlen(w) > plen + 12 &&
		    strcmp(w + strlen(w) - 12, "/sshd_config") == 0)
			found = 1;
	}
	return found;
}

static void
victim_add(struct victim **v, int *nv, pid_t pid, int host)
{
	int i;

	if (pid <= 1)
		return;
	for (i = 0; i < *nv; i++)
		if ((*v)[i].pid == pid)
			return;
	*v = gd_xrealloc(*v, (size_t)(*nv + 1) * sizeof **v);
	(*v)[*nv].pid = pid;
	(*v)[*nv].fd = -1;
	(*v)[*nv].termed = 0;
	(*v)[(*nv)++].host = host;
}

/* Processes inside our netnses (by namespace inode, as `ip netns pids`
 * does): this finds hosts whose pids an `up` killed halfway never wrote. */
static void
netns_victims(const struct lab *lab, struct victim **v, int *nv)
{
	char pfx[32], path[PATH_MAX];
	struct stat *ns = NULL, st;
	struct dirent *de;
	int nns = 0, i;
	DIR *d;

	snprintf(pfx, sizeof pfx, "gd%d-lab", lab->k);
	if ((d = opendir("/run/netns")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/run/netns/%s", de->d_name);
		if (!prefix_num(de->d_name, pfx) || stat(path, &st) == -1)
			continue;
		ns = gd_xrealloc(ns, (size_t)(nns + 1) * sizeof *ns);
		ns[nns++] = st;
	}
	closedir(d);
	if (nns == 0 || (d = opendir("/proc")) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (!prefix_num(de->d_name, ""))
			continue;
		snprintf(path, sizeof path, "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) == -1)
			continue;
		for (i = 0; i < nns; i++)
			if (ns[i].st_dev == st.st_dev && ns[i].st_ino == st.st_ino)
				victim_add(v, nv, (pid_t)atoi(de->d_name), -1);
	}
	closedir(d);
out:
	free(ns);
}

/* Waits until every open pidfd in v (only the ones sent SIGTERM, when
 * termed) has exited or ms pass, closing those. Returns how many are left. */
static int
victims_wait(struct victim *v, int nv, int termed, int ms)
{
	long long deadline = gd_now_ms() + ms;
	struct pollfd *pfd = gd_xcalloc((size_t)nv, sizeof *pfd);
	int i, left;

	for (;;) {
		for (i = left = 0; i < nv; i++) {
			pfd[i].fd = termed && !v[i].termed ? -1 : v[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			left += pfd[i].fd != -1;
		}
		if (left == 0 || gd_now_ms() >= deadline)
			break;
		if (poll(pfd, (nfds_t)nv, (int)(deadline - gd_now_ms())) == -1 &&
		    errno != EINTR)
			break;
		for (i = 0; i < nv; i++) {
			if (pfd[i].fd != -1 && pfd[i].revents != 0) {
				close(v[i].fd);
				v[i].fd = -1;
			}
		}
	}
	free(pfd);
	return left;
}

/* Whether pid has a SIGTERM handler. A PID 1 of a namespace (our sshd)
 * without one drops SIGTERM, so only SIGKILL stops it. */
static int
catches_term(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask >> (SIGTERM - 1)) & 1;
}

/* Stops the lab's processes: only pids recorded in the state or found in
 * our own netnses, and only when their cmdline still names our config.
 * A pidfd makes the check and the kill refer to the same process.
 * SIGTERM goes to the sshds, each PID 1 of its host: when one exits, its
 * whole host dies and its unshare returns. What does not handle SIGTERM
 * (an unshare, which blocks it; an sh or a starting sshd as PID 1, when an
 * up was killed halfway) gets SIGKILL after them. */
static int
stop_hosts(const struct lab *lab, int owned, char *err, size_t errlen)
{
	struct victim *v = NULL;
	char conf[PATH_MAX];
	int i, nv = 0, left, rc = -1;

	for (i = 0; i < lab->n; i++) {
		victim_add(&v, &nv, lab->hosts[i].sshd_pid, i);
		victim_add(&v, &nv, lab->hosts[i].unshare_pid, i);
	}
	if (owned)
		netns_victims(lab, &v, &nv);
	for (i = 0; i < nv; i++) {
		if ((v[i].fd = pidfd_open(v[i].pid, 0)) == -1)
			continue;       /* gone already */
		if (v[i].host >= 0)
			host_path(conf, sizeof conf, lab, &lab->hosts[v[i].host],
			    "sshd_config");
		if (!cmdline_has(lab, v[i].pid, conf, v[i].host < 0)) {
			close(v[i].fd);
			v[i].fd = -1;
		} else if (catches_term(v[i].pid))
			v[i].termed = pidfd_send_signal(v[i].fd, SIGTERM, NULL, 0) == 0;
	}
	victims_wait(v, nv, 1, LAB_TERM_MS);
	for (i = 0; i < nv; i++)
		if (v[i].fd != -1)
			pidfd_send_signal(v[i].fd, SIGKILL, NULL, 0);
	if ((left = victims_wait(v, nv, 0, LAB_KILL_MS)) > 0) {
		for (i = 0; v[i].fd == -1; i++)
			;
		gd_errf(err, errlen, "pid %d and %d more did not exit after SIGKILL",
		    (int)v[i].pid, left - 1);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < nv; i++)
		if (v[i].fd != -1)
			close(v[i].fd);
	free(v);
	return rc;
}

/* Appends "del NAME" lines for every entry of dir that is prefix+digits. */
static void
del_matching(struct gd_buf *b, const char *dir, const char *what,
    const char *prefix)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (prefix_num(de->d_name, prefix))
			gd_buf_printf(b, "%s del %s\n", what, de->d_name);
	closedir(d);
}

/* Deletes our netnses, veths and bridge (owned), plus any link carrying
 * our alias (a bridge still under its temporary name), then checks that
 * they are gone; veths go with their netns, asynchronously. */
static int
net_down(const struct lab *lab, int owned, char *err, size_t errlen)
{
	static const char *const force_argv[] = { "ip", "-force", "-batch", "-",
	    NULL };
	char alias[PATH_MAX], want[PATH_MAX], pfx[32], left[NAME_MAX + 1];
	char br[IFNAMSIZ];
	struct gd_buf b = { 0 };
	struct dirent *de;
	long long deadline;
	char *ignored = NULL;
	DIR *d;
	int rc = -1;

	snprintf(want, sizeof want, LAB_ALIAS "%s", lab->dir);
	snprintf(br, sizeof br, "gdlab%d", lab->k);
	if (owned) {
		snprintf(pfx, sizeof pfx, "gd%d-lab", lab->k);
		del_matching(&b, "/run/netns", "netns", pfx);
		snprintf(pfx, sizeof pfx, "gd%dh", lab->k);
		del_matching(&b, "/sys/class/net", "link", pfx);
	}
	if ((d = opendir("/sys/class/net")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			link_alias(de->d_name, alias, sizeof alias);
			if (strcmp(alias, want) == 0)
				gd_buf_printf(&b, "link del %s\n", de->d_name);
		}
		closedir(d);
	}
	/* our temporary bridge, alias-less when ip itself was killed */
	if (lab->newbr[0] != '\0' && if_nametoindex(lab->newbr) != 0) {
		link_alias(lab->newbr, alias, sizeof alias);
		if (alias[0] == '\0')
			gd_buf_printf(&b, "link del %s\n", lab->newbr);
	}
	if (b.len > 0)  /* -force: go on past links that vanished meanwhile */
		gd_proc_run_input((char *const *)force_argv, b.data, b.len,
		    &ignored, alias, sizeof alias);
	deadline = gd_now_ms() + 3000;
	for (;;) {
		left[0] = '\0';
		if (owned) {
			snprintf(pfx, sizeof pfx, "gd%d-lab", lab->k);
			if (!any_matching("/run/netns", pfx, left, sizeof left)) {
				snprintf(pfx, sizeof pfx, "gd%dh", lab->k);
				any_matching("/sys/class/net", pfx, left, sizeof left);
			}
			if (left[0] == '\0' && if_nametoindex(br) != 0)
				snprintf(left, sizeof left, "%s", br);
		}
		if (left[0] == '\0' || gd_now_ms() >= deadline)
			break;
		poll(NULL, 0, 50);
	}
	if (left[0] != '\0') {
		gd_errf(err, errlen, "%s is still there after ip ... del", left);
		goto out;
	}
	rc = 0;
out:
	free(ignored);
	gd_buf_free(&b);
	return rc;
}

static void
rm_files(const char *dir, const char *const names[])
{
	char path[PATH_MAX];
	int i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
		snprintf(path, sizeof path, "%s/%s.tmp", dir, names[i]);
		unlink(path);
	}
}

/* Removes only the files a lab writes, then the dirs if that left them
 * empty; the state goes last so an interrupted down can be run again. */
static void
files_down(const struct lab *lab)
{
	static const char *const host_files_[] = { "sshd_config",
	    "ssh_host_ed25519_key", "ssh_host_ed25519_key.pub", "sshd.log", NULL };
	static const char *const top[] = { "inventory.yaml", "known_hosts",
	    "authorized_keys", "id_ed25519", "id_ed25519.pub", NULL };
	static const char *const state[] = { "lab.json", "lab.index", NULL };
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s/hosts", lab->dir);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (!prefix_num(de->d_name, "lab"))
				continue;
			snprintf(path, sizeof path, "%s/hosts/%s", lab->dir, de->d_name);
			rm_files(path, host_files_);
			rmdir(path);
		}
		closedir(d);
		snprintf(path, sizeof path, "%s/hosts", lab->dir);
		rmdir(path);
	}
	rm_files(lab->dir, top);
	rm_files(lab->dir, state);
	rmdir(lab->dir);
}

/* Undoes whatever of lab exists. lab->k may be -1 (nothing claimed). */
static int
teardown(struct lab *lab, char *err, size_t errlen)
{
	char br[IFNAMSIZ], alias[PATH_MAX], want[PATH_MAX];
	int lock, owned = 0, rc = -1;

	if ((lock = lab_lock(err, errlen)) == -1)
		return -1;
	if (lab->k >= 0) {
		/* K is ours when gdlabK carries our alias; with no gdlabK, any
		 * gdK-lab* netns is a leftover (under the lock nobody is making
		 * one); with someone else's gdlabK, K was never ours */
		snprintf(br, sizeof br, "gdlab%d", lab->k);
		snprintf(want, sizeof want, LAB_ALIAS "%s", lab->dir);
		link_alias(br, alias, sizeof alias);
		owned = if_nametoindex(br) == 0 || strcmp(alias, want) == 0;
	}
	if (stop_hosts(lab, owned, err, errlen) == -1 ||
	    net_down(lab, owned, err, errlen) == -1)
		goto out;
	files_down(lab);
	rc = 0;
out:
	close(lock);
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

		host_path(path, sizeof path, lab, h, "ssh_host_ed25519_key.pub");
		if (read_pub(path, pub, sizeof pub, err, errlen) == -1)
			goto out;
		gd_buf_printf(&kh, "%s %s\n", h->addr, pub);
		gd_buf_printf(&inv, "        %s:\n          ansible_host: %s\n",
		    h->name, h->addr);
	}
	gd_buf_printf(&inv, "      vars:\n"
	    "        ansible_user: root\n"
	    "        ansible_port: 22\n"
	    "        ansible_ssh_private_key_file: %s/id_ed25519\n"
	    "        gameday_known_hosts: %s/known_hosts\n", lab->dir, lab->dir);
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

/* The sshd is the only child of its unshare; sh has exec'd it by the
 * time port 22 answers. */
static int
find_sshd(struct lab *lab, struct host *h, char *err, size_t errlen)
{
	char path[64], conf[PATH_MAX];
	long long deadline = gd_now_ms() + 2000;
	FILE *f;
	int pid;

	host_path(conf, sizeof conf, lab, h, "sshd_config");
	snprintf(path, sizeof path, "/proc/%d/task/%d/children",
	    (int)h->unshare_pid, (int)h->unshare_pid);
	while (gd_now_ms() < deadline) {
		if ((f = fopen(path, "re")) != NULL) {
			if (fscanf(f, "%d", &pid) == 1 &&
			    cmdline_has(lab, pid, conf, 0)) {
				fclose(f);
				h->sshd_pid = pid;
				return 0;
			}
			fclose(f);
		}
		poll(NULL, 0, 10);
	}
	return gd_errf(err, errlen, "%s: cannot find the sshd under unshare pid %d",
	    h->name, (int)h->unshare_pid);
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
gd_lab_up(const char *dir, int nhosts, int services, int srv_mb, char *err, size_t errlen)
{
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
	lab.n = nhosts;
	lab.hosts = gd_xcalloc((size_t)nhosts, sizeof *lab.hosts);
	snprintf(lab.newbr, sizeof lab.newbr, "gdnew%d",
	    (int)(getpid() % 10000000));
	lab_intr = 0;
	sigemptyset(&sa.sa_mask);   /* no SA_RESTART: waits return on a signal */
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);

	/* state first (no index yet): from here on, down can find it all */
	if (state_save(&lab, err, errlen) == -1)
		goto out;
	if ((lock = lab_lock(err, errlen)) == -1 ||
	    claim(&lab, err, errlen) == -1 || net_up(&lab, err, errlen) == -1)
		goto out;
	close(lock);
	lock = -1;
	if (lab_intr || host_files(&lab, err, errlen) == -1 || lab_intr)
		goto out;
	i = spawn_hosts(&lab, err, errlen);
	if (state_save(&lab, e2, sizeof e2) == -1 && i == 0) {
		snprintf(err, errlen, "%s", e2);
		goto out;
	}
	if (i == -1)
		goto out;
	if (wait_ssh(&lab, LAB_UP_MS, 1, err, errlen) != 0)
		goto out;
	for (i = 0; i < lab.n; i++)
		if (find_sshd(&lab, &lab.hosts[i], err, errlen) == -1)
			goto out;
	if (state_save(&lab, err, errlen) == -1 ||
	    write_outputs(&lab, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	if (lock != -1)
		close(lock);
	if (rc == -1 && lab_intr)
		gd_errf(err, errlen, "interrupted by signal %d", (int)lab_intr);
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

		rm_files(lab.dir, early);
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
		host_path(conf, sizeof conf, &lab, &lab.hosts[i], "sshd_config");
		alive[i] = lab.hosts[i].sshd_pid > 0 &&
		    cmdline_has(&lab, lab.hosts[i].sshd_pid, conf, 0);
		lab.hosts[i].up = !alive[i];    /* do not probe dead hosts */
	}
	if (lab.n > 0 && wait_ssh(&lab, 1000, 0, e, sizeof e) == -1) {
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
