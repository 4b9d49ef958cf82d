/* sshconfig.c: OpenSSH's own configuration for a host, from OpenSSH itself:
 * `ssh -G [-F FILE] ARGS HOST` prints the effective configuration exactly as
 * ssh would apply it, with the inventory's values given as ssh's own command
 * line options (so the inventory wins, as with Ansible's ssh connection).
 *
 * Once per distinct host and arguments. When no file ssh reads has a Host or
 * Match block other than `Host *` nor a %-token (the configuration is the
 * same for every host), one `ssh -G` is run and each host's own port, user,
 * key and timeout are applied to it the way ssh applies command line options
 * (the first value wins; IdentityFile adds), which saves a process per host. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proc.h"
#include "ssh_internal.h"

#define BASE_HOST "gameday-baseline.invalid"

static void
strs_push(char ***v, size_t *n, const char *s)
{
	*v = gd_xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = gd_xstrdup(s);
	(*v)[*n] = NULL;
}

static void
strs_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
gd_ssh_cfg_free(struct gd_ssh_cfg *c)
{
	if (c == NULL)
		return;
	free(c->hostname);
	free(c->user);
	free(c->strict);
	free(c->proxyjump);
	free(c->proxycommand);
	free(c->hostkeyalias);
	free(c->identityagent);
	free(c->addressfamily);
	strs_free(c->identityfiles, c->nidentityfiles);
	strs_free(c->user_kh, c->nuser_kh);
	strs_free(c->global_kh, c->nglobal_kh);
	strs_free(c->lines, c->nlines);
	free(c);
}

/* The words of a list value ("a b c") into v. */
static void
words_into(char ***v, size_t *n, const char *s)
{
	char *copy = gd_xstrdup(s), *save = NULL, *w;

	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		strs_push(v, n, w);
	free(copy);
}

static void
set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = gd_xstrdup(v);
}

/* Reads the "key value" lines of ssh -G into a config. */
static struct gd_ssh_cfg *
parse_g(const char *out)
{
	struct gd_ssh_cfg *c = gd_xcalloc(1, sizeof(*c));
	const char *p = out, *e;

	c->port = 22;
	c->alive_count = 3;
	while (*p != '\0') {
		char key[64], *val, *line;
		size_t kl;

		e = strchr(p, '\n');
		line = e ? gd_xasprintf("%.*s", (int)(e - p), p) : gd_xstrdup(p);
		p = e ? e + 1 : p + strlen(p);
		kl = strcspn(line, " ");
		if (kl == 0 || kl >= sizeof(key) || line[kl] == '\0') {
			free(line);
			continue;
		}
		memcpy(key, line, kl);
		key[kl] = '\0';
		for (size_t i = 0; i < kl; i++)
			key[i] = (char)tolower((unsigned char)key[i]);
		val = line + kl + 1;
		strs_push(&c->lines, &c->nlines, line);
		if (strcmp(key, "hostname") == 0)
			set_str(&c->hostname, val);
		else if (strcmp(key, "user") == 0)
			set_str(&c->user, val);
		else if (strcmp(key, "port") == 0)
			c->port = atoi(val);
		else if (strcmp(key, "identityfile") == 0)
			strs_push(&c->identityfiles, &c->nidentityfiles, val);
		else if (strcmp(key, "identitiesonly") == 0)
			c->identities_only = strcmp(val, "yes") == 0 || strcmp(val, "true") == 0;
		else if (strcmp(key, "userknownhostsfile") == 0)
			words_into(&c->user_kh, &c->nuser_kh, val);
		else if (strcmp(key, "globalknownhostsfile") == 0)
			words_into(&c->global_kh, &c->nglobal_kh, val);
		else if (strcmp(key, "stricthostkeychecking") == 0)
			set_str(&c->strict, val);
		else if (strcmp(key, "hashknownhosts") == 0)
			c->hash_known_hosts = strcmp(val, "yes") == 0;
		else if (strcmp(key, "connecttimeout") == 0)
			c->connect_timeout_s = strcmp(val, "none") == 0 ? 0 : atoi(val);
		else if (strcmp(key, "serveraliveinterval") == 0)
			c->alive_interval_s = atoi(val);
		else if (strcmp(key, "serveralivecountmax") == 0)
			c->alive_count = atoi(val);
		else if (strcmp(key, "proxyjump") == 0 && strcmp(val, "none") != 0)
			set_str(&c->proxyjump, val);
		else if (strcmp(key, "proxycommand") == 0 && strcmp(val, "none") != 0)
			set_str(&c->proxycommand, val);
		else if (strcmp(key, "hostkeyalias") == 0)
			set_str(&c->hostkeyalias, val);
		else if (strcmp(key, "identityagent") == 0)
			set_str(&c->identityagent, val);
		else if (strcmp(key, "addressfamily") == 0)
			set_str(&c->addressfamily, val);
		free(line);
	}
	return c;
}

/* The value ssh -G printed for key (the first such line), or NULL. */
static const char *
cfg_value(const struct gd_ssh_cfg *c, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < c->nlines; i++)
		if (strncmp(c->lines[i], key, n) == 0 && c->lines[i][n] == ' ')
			return c->lines[i] + n + 1;
	return NULL;
}

/* ssh -G [-F FILE] ARGS -- HOST (malloc'd array, borrowed strings). */
static const char **
g_argv(const struct gd_ssh *m, const char *const *args, const char *host)
{
	const char **argv;
	size_t n = 0, i, na = 0;

	while (args != NULL && args[na] != NULL)
		na++;
	argv = gd_xcalloc(na + 10, sizeof(*argv));
	argv[n++] = "ssh";
	argv[n++] = "-G";
	argv[n++] = "-T";
	if (m->o.no_ssh_config) {
		argv[n++] = "-F";
		argv[n++] = "/dev/null";
	} else if (m->o.ssh_config != NULL) {
		argv[n++] = "-F";
		argv[n++] = m->o.ssh_config;
	}
	for (i = 0; i < na; i++)
		argv[n++] = args[i];
	argv[n++] = "--";
	argv[n++] = host;
	argv[n] = NULL;
	return argv;
}

static int
run_g(const struct gd_ssh *m, const char *const *args, const char *host,
    struct gd_ssh_cfg **out, char *err, size_t errlen)
{
	const char **argv = g_argv(m, args, host);
	char *so = NULL, e[GD_ERRLEN];
	int rc;

	rc = gd_proc_run((char *const *)argv, &so, e, sizeof(e));
	free(argv);
	if (rc != 0) {
		free(so);
		return gd_errf(err, errlen, "ssh -G %s (OpenSSH's own configuration): %s", host,
		    rc < 0 ? e : e[0] ? e : "failed");
	}
	*out = parse_g(so);
	free(so);
	return 0;
}

/* ---- whether the configuration is the same for every host ---- */

static int scan_config(const char *file, const char *reldir, int depth);

/* An Include line: every file its globs name, relative to reldir. */
static int
scan_include(char *rest, const char *reldir, int depth)
{
	char *save = NULL, *w;
	size_t i;

	for (w = strtok_r(rest, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		char *pat;
		glob_t g;

		if (w[0] == '~' && w[1] == '/')
			pat = gd_ssh_home_path(w + 2);
		else
			pat = w[0] == '/' ? gd_xstrdup(w) : gd_xasprintf("%s/%s", reldir, w);
		if (glob(pat, 0, NULL, &g) == 0) {
			for (i = 0; i < g.gl_pathc; i++)
				if (!scan_config(g.gl_pathv[i], reldir, depth + 1)) {
					globfree(&g);
					free(pat);
					return 0;
				}
			globfree(&g);
		}
		free(pat);
	}
	return 1;
}

/* 1 when file holds nothing that depends on the host. A missing file is empty. */
static int
scan_config(const char *file, const char *reldir, int depth)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int global = 1;

	if (depth > 16)
		return 0;
	if ((f = fopen(file, "re")) == NULL)
		return errno == ENOENT;
	while (global && getline(&line, &cap, f) != -1) {
		char *p = line, *kw, *rest;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		kw = p;
		while (*p != '\0' && !isspace((unsigned char)*p) && *p != '=')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		while (isspace((unsigned char)*p) || *p == '=')
			p++;
		rest = p;
		rest[strcspn(rest, "\r\n")] = '\0';
		if (strchr(rest, '%') != NULL)
			global = 0;
		else if (strcasecmp(kw, "host") == 0)
			global = strcmp(rest, "*") == 0;
		else if (strcasecmp(kw, "match") == 0)
			global = strcasecmp(rest, "all") == 0;
		else if (strcasecmp(kw, "canonicalizehostname") == 0)
			global = strcasecmp(rest, "no") == 0;
		else if (strcasecmp(kw, "include") == 0)
			global = scan_include(rest, reldir, depth);
	}
	free(line);
	fclose(f);
	return global;
}

static int
config_is_global(const struct gd_ssh *m)
{
	char *user, *dir;
	int g;

	if (m->o.no_ssh_config)
		return 1;
	if (m->o.ssh_config != NULL) {
		dir = gd_ssh_home_path(".ssh");
		g = scan_config(m->o.ssh_config, dir, 0);
		free(dir);
		return g;
	}
	user = gd_ssh_home_path(".ssh/config");
	dir = gd_ssh_home_path(".ssh");
	g = scan_config(user, dir, 0) && scan_config("/etc/ssh/ssh_config", "/etc/ssh", 0);
	free(user);
	free(dir);
	return g;
}

/* The inventory's -o options, when they are all ones applied here. */
static int
simple_args(const char *const *args)
{
	static const char *const ok[] = { "Port=", "User=", "IdentityFile=", "ConnectTimeout=",
		NULL };
	size_t i, k;

	for (i = 0; args != NULL && args[i] != NULL; i += 2) {
		int hit = 0;

		if (strcmp(args[i], "-o") != 0 || args[i + 1] == NULL)
			return 0;
		for (k = 0; ok[k] != NULL; k++)
			hit |= strncmp(args[i + 1], ok[k], strlen(ok[k])) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

/* A copy of the baseline with host's own options applied as ssh applies
 * command line options: they come first, so they win; IdentityFile adds
 * (and the defaults go once a file is named). */
static struct gd_ssh_cfg *
from_baseline(const struct gd_ssh *m, const char *const *args, const char *host)
{
	const struct gd_ssh_cfg *b = m->base;
	struct gd_ssh_cfg *c = gd_xcalloc(1, sizeof(*c));
	size_t i;
	int named = 0;

	*c = *b;
	c->hostname = gd_xstrdup(host);
	c->user = b->user ? gd_xstrdup(b->user) : NULL;
	c->strict = b->strict ? gd_xstrdup(b->strict) : NULL;
	c->proxyjump = b->proxyjump ? gd_xstrdup(b->proxyjump) : NULL;
	c->proxycommand = b->proxycommand ? gd_xstrdup(b->proxycommand) : NULL;
	c->hostkeyalias = b->hostkeyalias ? gd_xstrdup(b->hostkeyalias) : NULL;
	c->identityagent = b->identityagent ? gd_xstrdup(b->identityagent) : NULL;
	c->addressfamily = b->addressfamily ? gd_xstrdup(b->addressfamily) : NULL;
	c->identityfiles = NULL;
	c->nidentityfiles = 0;
	c->user_kh = c->global_kh = c->lines = NULL;
	c->nuser_kh = c->nglobal_kh = c->nlines = 0;
	for (i = 0; i < b->nuser_kh; i++)
		strs_push(&c->user_kh, &c->nuser_kh, b->user_kh[i]);
	for (i = 0; i < b->nglobal_kh; i++)
		strs_push(&c->global_kh, &c->nglobal_kh, b->global_kh[i]);
	for (i = 0; i < b->nlines; i++)
		strs_push(&c->lines, &c->nlines, b->lines[i]);
	for (i = 0; args != NULL && args[i] != NULL; i += 2) {
		const char *o = args[i + 1];

		if (strncmp(o, "Port=", 5) == 0)
			c->port = atoi(o + 5);
		else if (strncmp(o, "User=", 5) == 0) {
			free(c->user);
			c->user = gd_xstrdup(o + 5);
		} else if (strncmp(o, "IdentityFile=", 13) == 0) {
			strs_push(&c->identityfiles, &c->nidentityfiles, o + 13);
			named = 1;
		} else if (strncmp(o, "ConnectTimeout=", 15) == 0)
			c->connect_timeout_s = atoi(o + 15);
	}
	/* the baseline's files, unless they are only ssh's defaults and one was named */
	if (!named || !m->base_defaults_ids)
		for (i = 0; i < b->nidentityfiles; i++)
			strs_push(&c->identityfiles, &c->nidentityfiles, b->identityfiles[i]);
	return c;
}

/* ---- what gameday does not honour ---- */

/* Options that change what ssh would do and that gameday does not do: a
 * warning when ssh -G gives them otherwise than with no configuration. */
static const struct { const char *key, *why; } unhonoured[] = {
	{ "localforward", "no port forwarding" }, { "remoteforward", "no port forwarding" },
	{ "dynamicforward", "no port forwarding" }, { "remotecommand", "gameday runs its own commands" },
	{ "certificatefile", "no user certificates (libssh2)" },
	{ "pkcs11provider", "no PKCS#11 keys" }, { "forwardagent", "no agent forwarding" },
	{ "requesttty", "no tty is asked for" }, { "permitlocalcommand", "no local commands" },
	{ "localcommand", "no local commands" }, { "controlmaster", "gameday keeps its own connections" },
	{ "bindaddress", "the system picks the source address" },
	{ "bindinterface", "the system picks the interface" }, { "tunnel", "no tun forwarding" },
	{ "forwardx11", "no X11 forwarding" }, { "verifyhostkeydns", "host keys come from known_hosts only" },
	{ "updatehostkeys", NULL }, { NULL, NULL },
};

/* Warnings and the refusal for c, against nocfg (what ssh does with no file). */
static void
judge(struct gd_ssh_cfg *c, const struct gd_ssh_cfg *nocfg, const char *host)
{
	struct gd_buf b = { 0 };
	size_t i;

	for (i = 0; unhonoured[i].key != NULL; i++) {
		const char *v = cfg_value(c, unhonoured[i].key);
		const char *d = nocfg ? cfg_value(nocfg, unhonoured[i].key) : NULL;

		if (v == NULL || unhonoured[i].why == NULL || (d != NULL && strcmp(v, d) == 0) ||
		    (d == NULL && (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
		    strcmp(v, "none") == 0)))
			continue;
		b.len = 0;
		gd_buf_printf(&b, "ssh_config for %s: %s %s is not honoured (%s)", host,
		    unhonoured[i].key, v, unhonoured[i].why);
		strs_push(&c->warnings, &c->nwarnings, b.data);
	}
	if (cfg_value(c, "pubkeyauthentication") != NULL &&
	    (strcmp(cfg_value(c, "pubkeyauthentication"), "no") == 0 ||
	    strcmp(cfg_value(c, "pubkeyauthentication"), "false") == 0))
		c->refusal = gd_xasprintf("ssh_config for %s: PubkeyAuthentication no, and gameday "
		    "logs in with keys only", host);
	if (c->proxycommand != NULL && c->proxyjump == NULL &&
	    gd_ssh_proxycommand_jump(c->proxycommand, &c->proxyjump) < 0)
		c->refusal = gd_xasprintf("ssh_config for %s: ProxyCommand '%s' cannot be honoured: "
		    "gameday tunnels only ProxyJump, or a ProxyCommand of the form "
		    "'ssh -W %%h:%%p [user@]jumphost'", host, c->proxycommand);
	gd_buf_free(&b);
}

/* ---- the public side ---- */

/* Once per set: whether the configuration is the same for every host (and
 * then its baseline), and what ssh does with no configuration at all. */
static int
cfg_init(struct gd_ssh *m, char *err, size_t errlen)
{
	const char *const none[] = { "-F", "/dev/null", NULL };
	int saved = m->o.no_ssh_config;
	const char *saved_f = m->o.ssh_config;
	size_t k;
	int rc;

	if (m->global < 0) {
		m->global = config_is_global(m);
		if (m->global && (run_g(m, NULL, BASE_HOST, &m->base, err, errlen) < 0 ||
		    (m->base->hostname != NULL && strcmp(m->base->hostname, BASE_HOST) != 0)))
			m->global = 0;   /* Host * sets a HostName: ask ssh for each host */
	}
	if (m->nocfg != NULL)
		return 0;
	m->o.no_ssh_config = 0;
	m->o.ssh_config = NULL;
	rc = run_g(m, none, BASE_HOST, &m->nocfg, err, errlen);
	m->o.no_ssh_config = saved;
	m->o.ssh_config = saved_f;
	if (rc < 0)
		return -1;
	if (m->base != NULL) {   /* are the baseline's identity files ssh's defaults? */
		m->base_defaults_ids = m->base->nidentityfiles == m->nocfg->nidentityfiles;
		for (k = 0; m->base_defaults_ids && k < m->base->nidentityfiles; k++)
			m->base_defaults_ids = strcmp(m->base->identityfiles[k],
			    m->nocfg->identityfiles[k]) == 0;
	}
	return 0;
}

static char *
cfg_key(const char *const *args, const char *host)
{
	struct gd_buf key = { 0 };
	size_t i;

	gd_buf_adds(&key, host);
	for (i = 0; args != NULL && args[i] != NULL; i++)
		gd_buf_printf(&key, "\n%s", args[i]);
	return key.data;
}

static void
cfg_store(struct gd_ssh *m, const char *key, struct gd_ssh_cfg *c, const char *host)
{
	judge(c, m->nocfg, host);
	m->cfgs = gd_xrealloc(m->cfgs, (m->ncfgs + 1) * sizeof(*m->cfgs));
	m->cfgs[m->ncfgs] = c;
	gd_map_put(&m->cfgmap, key, m->ncfgs++);
}

int
gd_ssh_cfg_get(struct gd_ssh *m, const char *const *args, const char *host,
    const struct gd_ssh_cfg **out, char *err, size_t errlen)
{
	struct gd_ssh_cfg *c = NULL;
	char *key = cfg_key(args, host);
	size_t *slot;

	if ((slot = gd_map_get(&m->cfgmap, key)) != NULL) {
		*out = m->cfgs[*slot];
		free(key);
		return 0;
	}
	if (cfg_init(m, err, errlen) < 0) {
		free(key);
		return -1;
	}
	if (m->global && simple_args(args))
		c = from_baseline(m, args, host);
	else if (run_g(m, args, host, &c, err, errlen) < 0) {
		free(key);
		return -1;
	}
	cfg_store(m, key, c, host);
	free(key);
	*out = c;
	return 0;
}

/* ---- many hosts at once: ssh -G run in parallel ---- */

struct job {
	pid_t pid;
	int fd;
	struct gd_buf out;
	char *key;
	const char *host;
};

static int
spawn_g(struct gd_ssh *m, const char *const *args, const char *host, struct job *j)
{
	posix_spawn_file_actions_t fa;
	const char **argv;
	int p[2], e;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	argv = g_argv(m, args, host);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	e = posix_spawnp(&j->pid, "ssh", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		return -1;
	}
	j->fd = p[0];
	return 0;
}

/* Reads what a job's ssh -G has said; at its end, stores the config. */
static int
job_read(struct gd_ssh *m, struct job *j)
{
	char buf[8192];
	ssize_t r = read(j->fd, buf, sizeof(buf));
	int st;

	if (r > 0) {
		gd_buf_add(&j->out, buf, (size_t)r);
		return 0;
	}
	if (r < 0 && errno == EINTR)
		return 0;
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && j->out.data != NULL &&
	    gd_map_get(&m->cfgmap, j->key) == NULL)
		cfg_store(m, j->key, parse_g(j->out.data), j->host);
	/* else left out: gd_ssh_cfg_get runs it again and says why */
	gd_buf_free(&j->out);
	free(j->key);
	j->key = NULL;
	return 1;
}

void
gd_ssh_cfg_prefetch(struct gd_ssh *m, const struct gd_host *const *hosts, size_t n)
{
	enum { PAR = 16 };
	struct job jobs[PAR];
	struct pollfd pfd[PAR];
	char err[GD_ERRLEN];
	size_t next = 0, running = 0, i;

	if (n < 2 || cfg_init(m, err, sizeof(err)) < 0)
		return;   /* one host, or an error gd_ssh_cfg_get says */
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < PAR; i++)
		jobs[i].fd = -1;
	for (;;) {
		for (i = 0; i < PAR && next < n; i++) {
			const struct gd_host *h;
			char *key;

			if (jobs[i].fd >= 0)
				continue;
			h = hosts[next++];
			if (h == NULL || (m->global && simple_args((const char *const *)h->ssh_args)))
				continue;
			key = cfg_key((const char *const *)h->ssh_args, h->addr);
			if (gd_map_get(&m->cfgmap, key) != NULL || spawn_g(m,
			    (const char *const *)h->ssh_args, h->addr, &jobs[i]) < 0) {
				free(key);
				continue;
			}
			jobs[i].key = key;
			jobs[i].host = h->addr;
			running++;
		}
		if (running == 0 && next >= n)
			break;
		for (i = 0; i < PAR; i++) {
			pfd[i].fd = jobs[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, PAR, 5000) < 0 && errno != EINTR)
			break;
		for (i = 0; i < PAR; i++)
			if (jobs[i].fd >= 0 && pfd[i].revents != 0 && job_read(m, &jobs[i]))
				running--;
	}
	for (i = 0; i < PAR; i++)   /* a poll error: stop what is left */
		if (jobs[i].fd >= 0) {
			close(jobs[i].fd);
			kill(jobs[i].pid, SIGTERM);
			waitpid(jobs[i].pid, NULL, 0);
			gd_buf_free(&jobs[i].out);
			free(jobs[i].key);
		}
}

/* Splits a ProxyCommand into words (quotes as sh has them, roughly). */
static int
split_words(const char *s, char ***v, size_t *n)
{
	struct gd_buf w = { 0 };
	char q = 0;
	int in = 0;

	for (;; s++) {
		if (q) {
			if (*s == '\0')
				goto bad;
			if (*s == q)
				q = 0;
			else
				gd_buf_add(&w, s, 1);
			continue;
		}
		if (*s == '\0' || *s == ' ' || *s == '\t') {
			if (in)
				strs_push(v, n, w.data ? w.data : "");
			w.len = 0;
			if (w.data)
				w.data[0] = '\0';
			in = 0;
			if (*s == '\0')
				break;
			continue;
		}
		in = 1;
		if (*s == '\'' || *s == '"') {
			q = *s;
			gd_buf_add(&w, "", 0);
		} else {
			gd_buf_add(&w, s, 1);
		}
	}
	gd_buf_free(&w);
	return 0;
bad:
	gd_buf_free(&w);
	return -1;
}

int
gd_ssh_proxycommand_jump(const char *cmd, char **jump)
{
	char **v = NULL, *user = NULL, *port = NULL, *host = NULL;
	const char *base;
	size_t n = 0, i;
	int rc = -1, w = 0;

	if (split_words(cmd, &v, &n) < 0 || n == 0)
		goto out;
	base = strrchr(v[0], '/') ? strrchr(v[0], '/') + 1 : v[0];
	if (strcmp(base, "ssh") != 0)
		goto out;
	for (i = 1; i < n; i++) {
		const char *a = v[i];

		if (strcmp(a, "-W") == 0 && i + 1 < n && (strcmp(v[i + 1], "%h:%p") == 0 ||
		    strcmp(v[i + 1], "[%h]:%p") == 0)) {
			w = 1;
			i++;
		} else if ((strcmp(a, "-p") == 0 || strcmp(a, "-l") == 0) && i + 1 < n) {
			set_str(a[1] == 'p' ? &port : &user, v[++i]);
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "-T") == 0 || strcmp(a, "-x") == 0 ||
		    strcmp(a, "-a") == 0 || strcmp(a, "-C") == 0 || strcmp(a, "-4") == 0 ||
		    strcmp(a, "-6") == 0) {
			continue;
		} else if (a[0] != '-' && host == NULL) {
			host = gd_xstrdup(a);
		} else {
			goto out;   /* -o, -i, -F, -J ...: not a plain jump */
		}
	}
	if (!w || host == NULL)
		goto out;
	*jump = gd_xasprintf("%s%s%s%s%s", user ? user : "", user ? "@" : "", host,
	    port ? ":" : "", port ? port : "");
	rc = 0;
out:
	strs_free(v, n);
	free(user);
	free(port);
	free(host);
	return rc;
}
