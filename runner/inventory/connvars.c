/* connvars.c: a host's connection fields from its merged variables, as
 * Ansible's ssh connection takes them (constants.py MAGIC_VARIABLE_MAPPING:
 * the legacy ansible_ssh_* name wins over the new one), and a warning or a
 * refusal for every connection variable gameday does not implement. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inv_internal.h"

/* Variables gameday reads, or that only change how Ansible moves files and
 * modules (nothing gameday does): no warning for these. */
static const char *const known_vars[] = {
	"ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port", "ansible_user",
	"ansible_ssh_user", "ansible_ssh_private_key_file", "ansible_private_key_file",
	"ansible_become", "ansible_become_user", "ansible_become_method", "ansible_connection",
	"ansible_ssh_common_args", "ansible_ssh_extra_args", "ansible_ssh_args",
	"ansible_ssh_timeout", "ansible_timeout", "ansible_group_priority",
	"ansible_pipelining", "ansible_ssh_pipelining", "ansible_ssh_transfer_method",
	"ansible_scp_if_ssh", "ansible_scp_extra_args", "ansible_sftp_extra_args",
	"ansible_sftp_batch_mode", "ansible_scp_executable", "ansible_sftp_executable",
	"ansible_module_compression", "ansible_shell_type", "ansible_python_interpreter",
	NULL,
};

/* Read by Ansible's ssh connection or become, and not by gameday. */
static const struct { const char *name, *why; } ignored_vars[] = {
	{ "ansible_password", "gameday logs in with keys only" },
	{ "ansible_ssh_pass", "gameday logs in with keys only" },
	{ "ansible_ssh_password", "gameday logs in with keys only" },
	{ "ansible_sshpass_prompt", "gameday logs in with keys only" },
	{ "ansible_become_pass", "gameday becomes with sudo -n, which never asks" },
	{ "ansible_become_password", "gameday becomes with sudo -n, which never asks" },
	{ "ansible_become_exe", "gameday runs sudo from the remote PATH" },
	{ "ansible_become_flags", "gameday runs sudo -n -u USER" },
	{ "ansible_ssh_executable", "gameday speaks SSH itself (libssh2)" },
	{ "ansible_control_path", "gameday keeps its own connections" },
	{ "ansible_control_path_dir", "gameday keeps its own connections" },
	{ "ansible_ssh_retries", "gameday connects once" },
	{ "ansible_ssh_use_tty", "gameday asks for no tty" },
	{ "ansible_ssh_pkcs11_provider", "gameday offers agent keys and key files" },
	{ "ansible_host_key_checking", "gameday always checks host keys "
	    "(--accept-new records unknown ones)" },
	{ "ansible_ssh_host_key_checking", "gameday always checks host keys "
	    "(--accept-new records unknown ones)" },
	{ "ansible_shell_executable", "commands run in the login shell" },
	{ "ansible_network_os", "gameday runs shell commands" },
	{ NULL, NULL },
};

struct fill {
	struct loader *ld;
	struct gd_host *h;
	struct strv warn;
	char *refusal;
};

static void
add_note(struct fill *f, int refuse, const struct gd_var *v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "FILE: line N: host H: " + the message, as a warning or the refusal. */
static void
add_note(struct fill *f, int refuse, const struct gd_var *v, const char *fmt, ...)
{
	char msg[GD_ERRLEN];
	va_list ap;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v != NULL && v->file != NULL && v->line > 0)
		s = gd_xasprintf("%s: line %zu: host %s: %s", v->file, v->line, f->h->name, msg);
	else if (v != NULL && v->file != NULL)
		s = gd_xasprintf("%s: host %s: %s", v->file, f->h->name, msg);
	else
		s = gd_xasprintf("host %s: %s", f->h->name, msg);
	if (!refuse) {
		strv_push(&f->warn, s);
	} else if (f->refusal == NULL) {
		f->refusal = s;
	} else {
		strv_push(&f->warn, s);   /* only the first refusal is the refusal */
	}
}

static int
truthy(const char *v)
{
	static const char *const yes[] = { "y", "yes", "on", "1", "true", "t", "1.0", NULL };
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	return 0;
}

static char *
expand_home(const char *v)
{
	const char *home = getenv("HOME");

	if (v == NULL)
		return NULL;
	if (home != NULL && home[0] != '\0' && v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
		return gd_xasprintf("%s%s", home, v + 1);
	return gd_xstrdup(v);
}

/* The winning one of Ansible's names for a setting (the first set, as
 * set_task_and_variable_override takes them), or NULL. */
static const struct gd_var *
pick(const struct vlist *m, const char *first, const char *second)
{
	const struct gd_var *v = gd_inv_vlist_get(m, first);

	if ((v == NULL || v->value == NULL) && second != NULL)
		v = gd_inv_vlist_get(m, second);
	return v != NULL && v->value != NULL ? v : NULL;
}

static int
templated(const char *s)
{
	return strstr(s, "{{") != NULL || strstr(s, "{%") != NULL;
}

static int
fill_addr(struct fill *f, const struct vlist *m)
{
	const struct gd_var *v = pick(m, "ansible_ssh_host", "ansible_host");
	struct gd_host *h = f->h;

	if (v == NULL) {
		h->addr = gd_xstrdup(h->name);
		if (!gd_inv_valid_addr(h->addr))
			add_note(f, 1, NULL, "its name is not a host name nor an IP address, and it "
			    "has no ansible_host: gameday cannot connect to it");
		return 0;
	}
	f->ld->path = v->file;
	if (templated(v->value))
		return gd_inv_err(f->ld, v->line, "%s of host '%s' is a Jinja template ('%s'), "
		    "which gameday does not evaluate: give the address itself", v->key, h->name,
		    v->value);
	if (!gd_inv_valid_addr(v->value))
		return gd_inv_err(f->ld, v->line, "%s of host '%s' must be a host name or an IP "
		    "address, not '%s'", v->key, h->name, v->value);
	h->addr = gd_xstrdup(v->value);
	return 0;
}

static int
fill_port(struct fill *f, const struct vlist *m)
{
	const struct gd_var *v = pick(m, "ansible_ssh_port", "ansible_port");
	char *end;
	long p;

	f->h->port = 22;
	if (v == NULL)
		return 0;
	errno = 0;
	p = strtol(v->value, &end, 10);
	if (!isdigit((unsigned char)v->value[0]) || v->value[0] == '0' || *end != '\0' ||
	    errno != 0 || p < 1 || p > 65535) {
		f->ld->path = v->file;
		return gd_inv_err(f->ld, v->line, "%s of host '%s' must be a number from 1 to "
		    "65535, not '%s'", v->key, f->h->name, v->value);
	}
	f->h->port = (int)p;
	f->h->port_set = 1;
	return 0;
}

/* become, become_user and become_method: sudo only. */
static void
fill_become(struct fill *f, const struct vlist *m)
{
	const struct gd_var *v = pick(m, "ansible_become", NULL);
	struct gd_host *h = f->h;

	h->become = v ? truthy(v->value) : 0;
	if ((v = pick(m, "ansible_become_user", NULL)) != NULL) {
		if (templated(v->value) || v->value[0] == '\0' ||
		    strspn(v->value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-") != strlen(v->value) || v->value[0] == '-')
			add_note(f, 1, v, "ansible_become_user '%s' is not a user name", v->value);
		else
			h->become_user = gd_xstrdup(v->value);
	}
	if ((v = pick(m, "ansible_become_method", NULL)) != NULL &&
	    strcmp(v->value, "sudo") != 0)
		add_note(f, h->become, v, "ansible_become_method '%s': gameday becomes another "
		    "user with sudo -n only%s", v->value, h->become ? "" : " (become is off here)");
}

/* ansible_connection: ssh (and paramiko, the same protocol) only. */
static void
fill_connection(struct fill *f, const struct vlist *m)
{
	const struct gd_var *v = pick(m, "ansible_connection", NULL);
	const char *c = v ? v->value : NULL;

	if (c == NULL || strcmp(c, "ssh") == 0 || strcmp(c, "smart") == 0 ||
	    strcmp(c, "ansible.builtin.ssh") == 0)
		return;
	if (strcmp(c, "paramiko") == 0 || strcmp(c, "paramiko_ssh") == 0 ||
	    strcmp(c, "ansible.builtin.paramiko_ssh") == 0) {
		add_note(f, 0, v, "ansible_connection '%s': gameday connects with its own SSH "
		    "client (libssh2)", c);
		return;
	}
	add_note(f, 1, v, "ansible_connection '%s': gameday reaches hosts over SSH only, so "
	    "connecting to it would not reach what Ansible reaches", c);
}

static void
push_arg(struct strv *a, const char *s)
{
	strv_push(a, gd_xstrdup(s));
}

/* The ssh options of an ansible_ssh_*_args value, for `ssh -G`: what ssh -G
 * can resolve goes in; what gameday cannot do is warned about. */
static void
parse_ssh_args(struct fill *f, const struct gd_var *v, struct strv *out)
{
	static const char with_value[] = "bcDEeIiJLlmOoPpQRSWwBF";
	static const char passed[] = "bciJlmopF";      /* of those, what ssh -G takes */
	static const char flags[] = "46AaCgKkMNnqsTtvXxYy";
	struct strv tok = { 0 };
	const char *why = NULL;
	size_t i;

	if (gd_inv_shlex(v->value, &tok, &why) < 0) {
		add_note(f, 1, v, "%s cannot be split as ssh would: %s", v->key, why);
		return;
	}
	for (i = 0; i < tok.n; i++) {
		const char *t = tok.v[i];
		char opt, *val = NULL;

		if (t[0] != '-' || t[1] == '\0') {
			add_note(f, 1, v, "%s: '%s' is not an ssh option", v->key, t);
			break;
		}
		opt = t[1];
		if (strchr(flags, opt) != NULL && t[2] == '\0')
			continue;   /* ssh -G cannot tell: nothing gameday needs */
		if (strchr(with_value, opt) == NULL) {
			add_note(f, 0, v, "%s: option '%s' is not used", v->key, t);
			continue;
		}
		if (t[2] != '\0')
			val = gd_xstrdup(t + 2);
		else if (i + 1 < tok.n)
			val = gd_xstrdup(tok.v[++i]);
		else {
			add_note(f, 1, v, "%s: option '%s' needs a value", v->key, t);
			break;
		}
		if (strchr(passed, opt) == NULL) {
			add_note(f, 0, v, "%s: option '-%c %s' is not used (no forwarding, no "
			    "control sockets)", v->key, opt, val);
		} else {
			char o[3] = { '-', opt, '\0' };

			if (opt == 'J' || (opt == 'o' && strncasecmp(val, "proxyjump", 9) == 0 &&
			    (val[9] == '=' || val[9] == ' '))) {
				free(f->h->jump);
				f->h->jump = gd_xstrdup(opt == 'J' ? val : val + 10);
			}
			push_arg(out, o);
			push_arg(out, val);
		}
		free(val);
	}
	strv_free(&tok);
}

/* The arguments `ssh -G` gets for this host, in the order Ansible's ssh
 * connection builds its command (ssh takes the first value it is given):
 * ansible_ssh_args, then the inventory's port, key, user and timeout, then
 * gameday_jump, ansible_ssh_common_args and ansible_ssh_extra_args. */
static void
fill_ssh_args(struct fill *f, const struct vlist *m)
{
	struct gd_host *h = f->h;
	struct strv a = { 0 };
	const struct gd_var *v;

	if ((v = pick(m, "ansible_ssh_args", NULL)) != NULL)
		parse_ssh_args(f, v, &a);
	if (h->port_set) {
		push_arg(&a, "-o");
		strv_push(&a, gd_xasprintf("Port=%d", h->port));
	}
	if (h->key_file != NULL) {
		push_arg(&a, "-o");
		strv_push(&a, gd_xasprintf("IdentityFile=%s", h->key_file));
	}
	if (h->user != NULL) {
		push_arg(&a, "-o");
		strv_push(&a, gd_xasprintf("User=%s", h->user));
	}
	if (h->connect_timeout_ms > 0) {
		push_arg(&a, "-o");
		strv_push(&a, gd_xasprintf("ConnectTimeout=%d", h->connect_timeout_ms / 1000));
	}
	if ((v = pick(m, "gameday_jump", NULL)) != NULL) {
		free(h->jump);
		h->jump = gd_xstrdup(v->value);
		push_arg(&a, "-o");
		strv_push(&a, gd_xasprintf("ProxyJump=%s", v->value));
	}
	if ((v = pick(m, "ansible_ssh_common_args", NULL)) != NULL)
		parse_ssh_args(f, v, &a);
	if ((v = pick(m, "ansible_ssh_extra_args", NULL)) != NULL)
		parse_ssh_args(f, v, &a);
	if (a.n == 0)
		return;
	strv_push(&a, NULL);
	h->ssh_args = a.v;
}

/* Warnings for the variables of m gameday does not read. */
static void
check_unknown(struct fill *f, const struct vlist *m)
{
	const struct gd_var *v;
	size_t i, k;

	for (i = 0; i < m->n; i++) {
		int known = 0;

		v = &m->v[i];
		if (strncmp(v->key, "ansible_", 8) != 0)
			continue;
		for (k = 0; known_vars[k] != NULL && !known; k++)
			known = strcmp(known_vars[k], v->key) == 0;
		if (known || strstr(v->key, "_interpreter") != NULL)
			continue;
		for (k = 0; ignored_vars[k].name != NULL; k++)
			if (strcmp(ignored_vars[k].name, v->key) == 0) {
				add_note(f, 0, v, "%s is not used: %s", v->key, ignored_vars[k].why);
				known = 1;
			}
		if (!known && (strncmp(v->key, "ansible_ssh_", 12) == 0 ||
		    strncmp(v->key, "ansible_become_", 15) == 0))
			add_note(f, 0, v, "%s is not a connection variable gameday knows; it is "
			    "not used", v->key);
	}
	v = pick(m, "ansible_shell_type", NULL);
	if (v != NULL && strcmp(v->value, "sh") != 0)
		add_note(f, 1, v, "ansible_shell_type '%s': gameday quotes commands for a POSIX "
		    "shell only", v->value);
}

int
gd_inv_host_fill(struct loader *ld, struct gd_host *h, struct vlist *m)
{
	struct fill f = { .ld = ld, .h = h };
	const struct gd_var *v;

	if (fill_addr(&f, m) < 0 || fill_port(&f, m) < 0)
		goto fail;
	v = pick(m, "ansible_ssh_user", "ansible_user");
	h->user = v ? gd_xstrdup(v->value) : NULL;
	if (v != NULL && (templated(v->value) || v->value[0] == '\0' || v->value[0] == '-' ||
	    strpbrk(v->value, " \t\n'\"$`\\;&|<>()*?[]{}!") != NULL))
		add_note(&f, 1, v, "%s '%s' is not a user name", v->key, v->value);
	v = pick(m, "ansible_ssh_private_key_file", "ansible_private_key_file");
	h->key_file = v ? expand_home(v->value) : NULL;
	if ((v = pick(m, "ansible_ssh_timeout", "ansible_timeout")) != NULL) {
		long t = strtol(v->value, NULL, 10);

		if (t > 0 && t <= 86400)
			h->connect_timeout_ms = (int)t * 1000;
		else
			add_note(&f, 0, v, "%s '%s' is not a number of seconds; the default is used",
			    v->key, v->value);
	}
	fill_become(&f, m);
	fill_connection(&f, m);
	v = pick(m, "gameday_known_hosts", NULL);
	h->known_hosts = v ? expand_home(v->value) : NULL;
	v = pick(m, "production", NULL);
	h->production = v ? truthy(v->value) : 0;
	fill_ssh_args(&f, m);
	check_unknown(&f, m);

	h->warnings = f.warn.v;
	h->nwarnings = f.warn.n;
	h->refusal = f.refusal;
	h->vars = m->v;
	h->nvars = m->n;
	gd_map_free(&m->idx);
	memset(m, 0, sizeof(*m));
	return 0;
fail:
	strv_free(&f.warn);
	free(f.refusal);
	return -1;
}
