/* hosts.c: the lab's hosts: each one's keys, sshd_config and sshd (PID 1 of
 * its own PID, UTS and mount namespaces), waiting until they answer, and
 * stopping them by pid. */
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

#include "lab_internal.h"
#include "proc.h"

/* Run inside each host as PID 1 of its namespace; $1 host name, $2 config,
 * $3 "home" for a private /root (not when the lab dir is under /root),
 * $4 "web" for the lab's service, $5 the host's address, $6 /srv's size in MiB,
 * $7 the bastion's address when only it may reach sshd (nftables, in the
 * host's own netns), else "". Fixed text: names and paths come in as
 * arguments, never pasted in. */
static const char host_script[] =
	"set -e; hostname \"$1\"; "
	"if [ -n \"$7\" ]; then printf 'table inet gameday_lab {\\n chain input {\\n"
	"  type filter hook input priority -10; policy accept;\\n"
	"  tcp dport 22 ip saddr != %s drop\\n }\\n}\\n' \"$7\" | nft -f -; fi; "
	"mount -t tmpfs -o size=16m tmpfs /run; mkdir -p /run/sshd; "
	/* a user who is not root and has no sudo: gdsre, in this host only */
	"cp /etc/passwd /run/passwd; echo 'gdsre:x:4242:4242:gameday lab user:/run:/bin/sh' >> /run/passwd; "
	"cp /etc/group /run/group; echo 'gdsre:x:4242:' >> /run/group; "
	"mount --bind /run/passwd /etc/passwd; mount --bind /run/group /etc/group; "
	/* its keys where it can read them (sshd reads them as the user) */
	"cp \"${2%/hosts/*}/authorized_keys\" /run/gdsre.keys; chmod 644 /run/gdsre.keys; "
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


void
gd_lab_host_path(char *buf, size_t len, const struct lab *lab, const struct host *h,
    const char *file)
{
	const char *dir = strchr(h->netns, '-');   /* gdK-labI: hosts/labI (lab0: the bastion) */

	snprintf(buf, len, "%s/hosts/%s%s%s", lab->dir, dir ? dir + 1 : h->name,
	    file != NULL ? "/" : "", file != NULL ? file : "");
}

/* Reads the "type base64" part of an OpenSSH .pub file into buf. */
int
gd_lab_read_pub(const char *path, char *buf, size_t len, char *err, size_t errlen)
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
	return gd_lab_run(NULL, err, errlen, "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
	    "-C", comment, "-f", path, NULL);
}

/* User key, authorized_keys, and per host a host key and sshd_config. */
int
gd_lab_host_files(struct lab *lab, char *err, size_t errlen)
{
	char path[PATH_MAX], key[PATH_MAX], pub[1024];
	struct gd_buf b = { 0 };
	int i, rc = -1;

	snprintf(path, sizeof path, "%s/id_ed25519", lab->dir);
	if (keygen(path, "gameday-lab", err, errlen) == -1)
		goto out;
	snprintf(path, sizeof path, "%s/id_ed25519.pub", lab->dir);
	if (gd_lab_read_pub(path, pub, sizeof pub, err, errlen) == -1)
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
	for (i = 0; i < lab->n && !gd_lab_intr; i++) {
		struct host *h = &lab->hosts[i];

		gd_lab_host_path(path, sizeof path, lab, h, NULL);
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			gd_errf(err, errlen, "cannot create %s: %s", path,
			    strerror(errno));
			goto out;
		}
		gd_lab_host_path(key, sizeof key, lab, h, "ssh_host_ed25519_key");
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
		    "MaxSessions 50\n"
		    "Match User gdsre\n"
		    "  AuthorizedKeysFile /run/gdsre.keys\n", h->addr, key, lab->dir);
		gd_lab_host_path(path, sizeof path, lab, h, "sshd_config");
		if (gd_write_atomic(path, b.data, b.len, 0600, err, errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	gd_buf_free(&b);
	return rc;
}

int
gd_lab_spawn_hosts(struct lab *lab, char *err, size_t errlen)
{
	char conf[PATH_MAX], log[PATH_MAX];
	const char *home = strncmp(lab->dir, "/root/", 6) == 0 ? "shared" : "home";
	char srv_mb[16];
	int i;

	snprintf(srv_mb, sizeof(srv_mb), "%d", lab->srv_mb > 0 ? lab->srv_mb : 64);
	for (i = 0; i < lab->n && !gd_lab_intr; i++) {
		struct host *h = &lab->hosts[i];
		const char *guard = lab->bastion && !gd_lab_is_bastion(lab, i) ?
		    lab->hosts[lab->n - 1].addr : "";
		const char *argv[] = { "ip", "netns", "exec", h->netns, "unshare",
		    "--pid", "--uts", "--mount", "--fork", "--kill-child",
		    "--mount-proc", "--propagation", "private", "sh", "-c",
		    host_script, "gameday-lab-host", h->name, conf, home,
		    lab->services ? "web" : "none", h->addr, srv_mb, guard, NULL };

		gd_lab_host_path(conf, sizeof conf, lab, h, "sshd_config");
		gd_lab_host_path(log, sizeof log, lab, h, "sshd.log");
		if (gd_proc_spawn_detached((char *const *)argv, log, &h->unshare_pid, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

/* Whether something in pid's network namespace listens on TCP port 22
 * (/proc/PID/net/tcp: local address ...:0016, state 0A). */
static int
listening22(pid_t pid)
{
	char path[64], line[256];
	unsigned int port, st;
	FILE *f;
	int found = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/net/tcp", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, " %*d: %*8x:%4x %*8x:%*4x %2x", &port, &st) == 2)
			found = port == 22 && st == 0x0A;
	fclose(f);
	return found;
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
	gd_lab_host_path(path, sizeof path, lab, h, "sshd.log");
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
int
gd_lab_wait_ssh(struct lab *lab, int timeout_ms, int starting, char *err,
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
			if (lab->bastion && !gd_lab_is_bastion(lab, i)) {
				/* only the bastion may connect: look at its netns's sockets */
				if ((h->up = listening22(h->unshare_pid)))
					nup++;
				continue;
			}
			if (np >= 256)
				continue;   /* the others next round: file descriptors are few */
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
		if (gd_lab_intr) {
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
int
gd_lab_cmdline_has(const struct lab *lab, pid_t pid, const char *want, int any_host)
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

/* A process to stop: its pid and the sshd_config word its cmdline must
 * hold (exactly, or as DIR/hosts/lab*\/sshd_config when any_host). */
struct victim {
	pid_t pid;
	int fd;
	int host;           /* index in lab->hosts, or -1: any host of DIR */
	int termed;         /* sent SIGTERM */
};

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
		if (!gd_lab_prefix_num(de->d_name, pfx) || stat(path, &st) == -1)
			continue;
		ns = gd_xrealloc(ns, (size_t)(nns + 1) * sizeof *ns);
		ns[nns++] = st;
	}
	closedir(d);
	if (nns == 0 || (d = opendir("/proc")) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (!gd_lab_prefix_num(de->d_name, ""))
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
int
gd_lab_stop_hosts(const struct lab *lab, int owned, char *err, size_t errlen)
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
			gd_lab_host_path(conf, sizeof conf, lab, &lab->hosts[v[i].host],
			    "sshd_config");
		if (!gd_lab_cmdline_has(lab, v[i].pid, conf, v[i].host < 0)) {
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

/* The sshd is the only child of its unshare; sh has exec'd it by the
 * time port 22 answers. */
int
gd_lab_find_sshd(struct lab *lab, struct host *h, char *err, size_t errlen)
{
	char path[64], conf[PATH_MAX];
	long long deadline = gd_now_ms() + 2000;
	FILE *f;
	int pid;

	gd_lab_host_path(conf, sizeof conf, lab, h, "sshd_config");
	snprintf(path, sizeof path, "/proc/%d/task/%d/children",
	    (int)h->unshare_pid, (int)h->unshare_pid);
	while (gd_now_ms() < deadline) {
		if ((f = fopen(path, "re")) != NULL) {
			if (fscanf(f, "%d", &pid) == 1 &&
			    gd_lab_cmdline_has(lab, pid, conf, 0)) {
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

void
gd_lab_rm_files(const char *dir, const char *const names[])
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
void
gd_lab_files_down(const struct lab *lab)
{
	static const char *const host_files_[] = { "sshd_config",
	    "ssh_host_ed25519_key", "ssh_host_ed25519_key.pub", "sshd.log", NULL };
	static const char *const top[] = { "inventory.yaml", "known_hosts", "ssh_config",
	    "authorized_keys", "id_ed25519", "id_ed25519.pub", NULL };
	static const char *const state[] = { "lab.json", "lab.index", NULL };
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s/hosts", lab->dir);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (!gd_lab_prefix_num(de->d_name, "lab"))
				continue;
			snprintf(path, sizeof path, "%s/hosts/%s", lab->dir, de->d_name);
			gd_lab_rm_files(path, host_files_);
			rmdir(path);
		}
		closedir(d);
		snprintf(path, sizeof path, "%s/hosts", lab->dir);
		rmdir(path);
	}
	gd_lab_rm_files(lab->dir, top);
	gd_lab_rm_files(lab->dir, state);
	rmdir(lab->dir);
}
