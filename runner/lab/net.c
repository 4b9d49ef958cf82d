/* net.c: a lab's network: its index K (claimed by renaming a bridge to
 * gdlabK), the bridge, one namespace and veth pair per host, and their removal. */
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

/* Whether s is prefix followed by one or more digits. */
int
gd_lab_prefix_num(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0 || s[n] == '\0')
		return 0;
	return strspn(s + n, "0123456789") == strlen(s + n);
}

/* Whether dir has an entry named prefix+digits; puts it into name. */
int
gd_lab_any_matching(const char *dir, const char *prefix, char *name, size_t len)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		if ((found = gd_lab_prefix_num(de->d_name, prefix)))
			snprintf(name, len, "%s", de->d_name);
	closedir(d);
	return found;
}

int
gd_lab_nsubnets(const struct lab *lab)
{
	int hosts = lab->n - lab->bastion;

	return hosts <= LAB_PER_SUBNET ? 1 : (hosts + LAB_PER_SUBNET - 1) / LAB_PER_SUBNET;
}

/* lab1 is 10.231.K.2, lab253 10.232.K.2, ...; the bastion is 10.231.K.254
 * in the netns gdK-lab0 (so that everything of a lab is gdK-lab<digits>). */
static void
lab_names(struct lab *lab)
{
	int i;

	for (i = 0; i < lab->n; i++) {
		struct host *h = &lab->hosts[i];

		if (gd_lab_is_bastion(lab, i)) {
			snprintf(h->name, sizeof h->name, "bastion");
			snprintf(h->addr, sizeof h->addr, "10.231.%d.254", lab->k);
			snprintf(h->netns, sizeof h->netns, "gd%d-lab0", lab->k);
			continue;
		}
		snprintf(h->name, sizeof h->name, "lab%d", i + 1);
		snprintf(h->addr, sizeof h->addr, "10.%d.%d.%d", 231 + i / LAB_PER_SUBNET, lab->k,
		    i % LAB_PER_SUBNET + 2);
		snprintf(h->netns, sizeof h->netns, "gd%d-lab%d", lab->k, i + 1);
	}
}

/* The veth of hosts[i] on the bridge: gdKhI (gdKh0 for the bastion). */
static void
veth_name(const struct lab *lab, int i, char *buf, size_t len)
{
	snprintf(buf, len, "gd%dh%d", lab->k, gd_lab_is_bastion(lab, i) ? 0 : i + 1);
}

int
gd_lab_run(const char *in, char *err, size_t errlen, ...)
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
int
gd_lab_lock(char *err, size_t errlen)
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
void
gd_lab_link_alias(const char *ifname, char *buf, size_t len)
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
int
gd_lab_claim(struct lab *lab, char *err, size_t errlen)
{
	char bridge[IFNAMSIZ], pfx[24], path[PATH_MAX], idx[16];
	char left[NAME_MAX + 1];
	struct gd_buf b = { 0 };
	static const char *const addr_argv[] = { "ip", "-o", "-4", "addr",
	    "show", NULL };
	static const char *const route_argv[] = { "ip", "-4", "route", "show",
	    "table", "all", NULL };
	char *addrs = NULL, *routes = NULL;
	int k, j, rc = -1;

	/* one ip run, so that our death cannot come between add and alias */
	gd_buf_printf(&b, "link add %s type bridge\nlink set dev %s alias "
	    LAB_ALIAS "%s\n", lab->newbr, lab->newbr, lab->dir);
	if (gd_lab_run(b.data, err, errlen, "ip", "-batch", "-", (char *)NULL) == -1)
		goto out;
	/* never take a subnet that something else on this machine uses */
	if (gd_proc_run((char *const *)addr_argv, &addrs, err, errlen) != 0 ||
	    gd_proc_run((char *const *)route_argv, &routes, err, errlen) != 0)
		goto out;
	for (k = 0; k < LAB_MAX_INDEX; k++) {
		snprintf(bridge, sizeof bridge, "gdlab%d", k);
		if (if_nametoindex(bridge) != 0)
			continue;
		for (j = 0; j < gd_lab_nsubnets(lab); j++) {
			snprintf(pfx, sizeof pfx, "10.%d.%d.", 231 + j, k);
			if (strstr(addrs, pfx) != NULL || strstr(routes, pfx) != NULL)
				break;
		}
		if (j < gd_lab_nsubnets(lab))
			continue;
		/* nor an index whose names a crashed lab elsewhere still holds */
		snprintf(pfx, sizeof pfx, "gd%d-lab", k);
		if (gd_lab_any_matching("/run/netns", pfx, left, sizeof left))
			continue;
		snprintf(pfx, sizeof pfx, "gd%dh", k);
		if (gd_lab_any_matching("/sys/class/net", pfx, left, sizeof left))
			continue;
		lab->k = k;
		lab_names(lab);
		snprintf(idx, sizeof idx, "%d\n", k);
		snprintf(path, sizeof path, "%s/lab.index", lab->dir);
		if (gd_write_atomic(path, idx, strlen(idx), 0600, err, errlen) == -1 ||
		    gd_lab_state_save(lab, err, errlen) == -1)
			goto out;
		if (gd_lab_run(NULL, err, errlen, "ip", "link", "set", "dev", lab->newbr,
		    "name", bridge, (char *)NULL) == 0) {
			rc = 0;
			goto out;
		}
		if (if_nametoindex(bridge) == 0)
			goto out;       /* failed for another reason than a race */
	}
	gd_errf(err, errlen, "no free lab index: gdlab0..gdlab%d or their "
	    "subnets 10.231-%d.0-%d.0/24 are all in use", LAB_MAX_INDEX - 1,
	    230 + gd_lab_nsubnets(lab), LAB_MAX_INDEX - 1);
out:
	gd_buf_free(&b);
	free(addrs);
	free(routes);
	return rc;
}

/* Bridge addresses, one netns and veth pair per host: one `ip -batch` in
 * the root namespace and one per host, instead of nine ip runs per host.
 * Each subnet is on the same bridge: every host has on-link routes to the
 * others, so any host reaches any other (and the bastion all of them). */
int
gd_lab_net_up(struct lab *lab, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	char br[IFNAMSIZ], veth[IFNAMSIZ];
	int i, j, nsub = gd_lab_nsubnets(lab), rc = -1;

	snprintf(br, sizeof br, "gdlab%d", lab->k);
	for (j = 0; j < nsub; j++)
		gd_buf_printf(&b, "addr add 10.%d.%d.1/24 dev %s\n", 231 + j, lab->k, br);
	gd_buf_printf(&b, "link set %s up\n", br);
	for (i = 0; i < lab->n; i++) {
		veth_name(lab, i, veth, sizeof veth);
		gd_buf_printf(&b, "netns add %s\n"
		    "link add %s type veth peer name eth0 netns %s\n"
		    "link set %s master %s up\n", lab->hosts[i].netns, veth,
		    lab->hosts[i].netns, veth, br);
	}
	if (gd_lab_run(b.data, err, errlen, "ip", "-batch", "-", (char *)NULL) == -1)
		goto out;
	for (i = 0; i < lab->n && !gd_lab_intr; i++) {
		int own = gd_lab_is_bastion(lab, i) ? 0 : i / LAB_PER_SUBNET;

		b.len = 0;
		gd_buf_printf(&b, "addr add %s/24 dev eth0\nlink set eth0 up\n"
		    "link set lo up\n", lab->hosts[i].addr);
		for (j = 0; j < nsub; j++)
			if (j != own)
				gd_buf_printf(&b, "route add 10.%d.%d.0/24 dev eth0\n", 231 + j, lab->k);
		if (gd_lab_run(b.data, err, errlen, "ip", "-n", lab->hosts[i].netns,
		    "-batch", "-", NULL) == -1)
			goto out;
	}
	rc = 0;
out:
	gd_buf_free(&b);
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
		if (gd_lab_prefix_num(de->d_name, prefix))
			gd_buf_printf(b, "%s del %s\n", what, de->d_name);
	closedir(d);
}

/* Deletes our netnses, veths and bridge (owned), plus any link carrying
 * our alias (a bridge still under its temporary name), then checks that
 * they are gone; veths go with their netns, asynchronously. */
int
gd_lab_net_down(const struct lab *lab, int owned, char *err, size_t errlen)
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
			gd_lab_link_alias(de->d_name, alias, sizeof alias);
			if (strcmp(alias, want) == 0)
				gd_buf_printf(&b, "link del %s\n", de->d_name);
		}
		closedir(d);
	}
	/* our temporary bridge, alias-less when ip itself was killed */
	if (lab->newbr[0] != '\0' && if_nametoindex(lab->newbr) != 0) {
		gd_lab_link_alias(lab->newbr, alias, sizeof alias);
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
			if (!gd_lab_any_matching("/run/netns", pfx, left, sizeof left)) {
				snprintf(pfx, sizeof pfx, "gd%dh", lab->k);
				gd_lab_any_matching("/sys/class/net", pfx, left, sizeof left);
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
