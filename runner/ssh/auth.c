/* auth.c: who the host is (its key against the known_hosts files) and who
 * we are (the identities offered). Agent keys first, then key files, as
 * OpenSSH offers them; with IdentitiesOnly (from ssh_config, or when the
 * inventory names a key) only the configured keys, agent ones included
 * when their public key is beside the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ssh_internal.h"

int
gd_ssh_check_hostkey(struct gd_ssh *m, struct conn *c)
{
	struct gd_hostkey_where w;
	const char *key, *name = c->is_jump ? c->jumpname : c->host->name;
	size_t keylen;
	int type, rc;
	char fp[64], err[GD_ERRLEN];

	(void)m;
	key = libssh2_session_hostkey(c->s, &keylen, &type);
	if (key == NULL)
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "no host key from %s", c->addr);
	gd_hostkey_fingerprint(key, keylen, fp);
	rc = gd_knownhosts_check_files((const char *const *)c->kh, c->nkh, c->khname, c->port,
	    key, keylen, type, &w, err, sizeof(err));
	if (rc < 0)
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "%s", err);
	switch (rc) {
	case GD_HOSTKEY_MATCH:
		return 0;
	case GD_HOSTKEY_REVOKED:
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "host key for %s:%d is REVOKED: "
		    "%s %s is marked @revoked in %s line %zu; refusing to connect (and never "
		    "recording it)", c->khname, c->port, gd_hostkey_type_name(type), fp, w.file,
		    w.line);
	case GD_HOSTKEY_CHANGED:
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE,
		    "host key for %s:%d has CHANGED: the server offers %s %s, which does not "
		    "match %s line %zu; this may be a man-in-the-middle attack; if the change is "
		    "expected, remove the old key with ssh-keygen -R and connect again",
		    c->khname, c->port, gd_hostkey_type_name(type), fp, w.file, w.line);
	case GD_HOSTKEY_CA_ONLY:
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "host %s:%d is trusted through "
		    "@cert-authority (%s line %zu), whose host certificates gameday cannot check "
		    "(libssh2 has no host certificates); its plain key %s %s is not known: add "
		    "it to known_hosts after checking the fingerprint", c->khname, c->port, w.file,
		    w.line, gd_hostkey_type_name(type), fp);
	default:
		break;
	}
	if (!c->accept)
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE,
		    "unknown host key for %s:%d: %s %s is not in %s%s%s%s; check the fingerprint, "
		    "then use --accept-new to record it", c->khname, c->port,
		    gd_hostkey_type_name(type), fp, c->nkh ? c->kh[0] : "known_hosts",
		    c->nkh > 1 ? " nor the other known_hosts files" : "",
		    w.other_types[0] ? "; keys of other types are known for it: " : "",
		    w.other_types);
	if (c->nkh == 0 || gd_knownhosts_record(c->kh[0], c->khname, c->port, key, keylen,
	    type, c->hash, err, sizeof(err)) != 0)
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "%s", c->nkh ? err :
		    "no known_hosts file to record the key in");
	gd_warnx("%s: recorded new host key %s %s in %s%s", name, gd_hostkey_type_name(type),
	    fp, c->kh[0], c->hash ? " (hashed, HashKnownHosts yes)" : "");
	return 0;
}

/* The public key blob of keyfile.pub into pubs (length, then bytes). */
static void
add_pub(struct conn *c, const char *keyfile)
{
	char *path = gd_xasprintf("%s.pub", keyfile), *text, *sp, *end;
	unsigned char blob[8192];
	size_t len;
	int n;

	text = gd_read_file(path, 65536, &len, NULL, 0);
	free(path);
	if (text == NULL)
		return;
	if ((sp = strchr(text, ' ')) != NULL) {
		sp++;
		end = sp + strcspn(sp, " \r\n");
		if ((size_t)(end - sp) % 4 == 0 && end - sp < (long)sizeof(blob) * 4 / 3 &&
		    (n = EVP_DecodeBlock(blob, (unsigned char *)sp, (int)(end - sp))) > 0) {
			uint32_t l;

			n -= (end[-1] == '=') + (end[-2] == '=');
			l = (uint32_t)n;
			gd_buf_add(&c->pubs, &l, sizeof(l));
			gd_buf_add(&c->pubs, blob, (size_t)n);
		}
	}
	free(text);
}

static int
pub_known(const struct conn *c, const unsigned char *blob, size_t len)
{
	size_t off = 0;

	while (off + sizeof(uint32_t) <= c->pubs.len) {
		uint32_t l;

		memcpy(&l, c->pubs.data + off, sizeof(l));
		off += sizeof(l);
		if (l == len && memcmp(c->pubs.data + off, blob, len) == 0)
			return 1;
		off += l;
	}
	return 0;
}

/* Key files to offer after the agent: the inventory's, else OpenSSH's
 * configuration's (IdentityFile, defaults included), those that exist. */
static void
keyfiles(struct conn *c)
{
	size_t i;

	if (c->keyfiles != NULL)
		return;
	c->keyfiles = gd_xcalloc(c->cfg ? c->cfg->nidentityfiles + 2 : 2, sizeof(char *));
	if (c->host->key_file != NULL && !c->is_jump) {
		c->keyfiles[c->nkeyfiles++] = gd_xstrdup(c->host->key_file);
	} else if (c->cfg != NULL) {
		for (i = 0; i < c->cfg->nidentityfiles; i++) {
			const char *f = c->cfg->identityfiles[i];
			char *p = f[0] == '~' && f[1] == '/' ? gd_ssh_home_path(f + 2) : gd_xstrdup(f);

			if (access(p, R_OK) == 0 || c->identities_only)
				c->keyfiles[c->nkeyfiles++] = p;
			else
				free(p);
		}
	}
	if (c->identities_only)
		for (i = 0; i < c->nkeyfiles; i++)
			add_pub(c, c->keyfiles[i]);
}

/* Whether rc from an auth call means the session itself went away (the
 * server hung up), not that one key was refused. */
static int
session_lost(int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_RECV ||
	    rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	    rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_BANNER_RECV;
}

static void
note(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct conn *c, const char *fmt, ...)
{
	char msg[GD_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gd_buf_printf(&c->autherr, "%s%s", c->autherr.len ? "; " : "", msg);
}

/* Agent keys: 1 in, 0 would block, -1 none left, -2 the server hung up. */
static int
agent_step(struct conn *c)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	int rc;

	if (c->agent_tried)
		return -1;
	if (c->no_agent || (c->identities_only && c->pubs.len == 0) ||
	    ((c->cfg == NULL || c->cfg->identityagent == NULL ||
	    strcmp(c->cfg->identityagent, "SSH_AUTH_SOCK") == 0) && (sock == NULL || sock[0] == '\0'))) {
		c->agent_tried = 1;   /* once done with, never again: a file's auth may be under way */
		return -1;
	}
	if (c->agent == NULL) {
		c->agent = libssh2_agent_init(c->s);
		if (c->agent != NULL && c->cfg != NULL && c->cfg->identityagent != NULL &&
		    strcmp(c->cfg->identityagent, "SSH_AUTH_SOCK") != 0)
			libssh2_agent_set_identity_path(c->agent, c->cfg->identityagent);
		if (c->agent == NULL || libssh2_agent_connect(c->agent) != 0 ||
		    libssh2_agent_list_identities(c->agent) != 0) {
			note(c, "ssh-agent unusable (%s)", gd_ssh_last_error(c->s));
			c->agent_tried = 1;
			return -1;
		}
		if (libssh2_agent_get_identity(c->agent, &c->ident, NULL) != 0)
			c->ident = NULL;
	}
	while (c->ident != NULL) {
		if (c->identities_only && !pub_known(c, c->ident->blob, c->ident->blob_len)) {
			if (libssh2_agent_get_identity(c->agent, &c->ident, c->ident) != 0)
				c->ident = NULL;
			continue;
		}
		rc = libssh2_agent_userauth(c->agent, c->user, c->ident);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc == 0)
			return 1;
		c->tries++;
		if (session_lost(rc) || c->disconnect[0] != '\0' ||
		    libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_SOCKET_DISCONNECT)
			return -2;
		c->agent_refused++;
		if (libssh2_agent_get_identity(c->agent, &c->ident, c->ident) != 0)
			c->ident = NULL;
	}
	if (c->agent_refused > 0)
		note(c, "%d ssh-agent key(s) refused", c->agent_refused);
	c->agent_tried = 1;
	return -1;
}

int
gd_ssh_auth_step(struct conn *c)
{
	int rc;

	keyfiles(c);   /* before the agent: IdentitiesOnly needs their public keys */
	rc = agent_step(c);

	if (rc == 0 || rc == 1)
		return rc;
	if (rc == -2)
		goto lost;
	while (c->keyidx < c->nkeyfiles) {
		const char *kf = c->keyfiles[c->keyidx];

		if (access(kf, R_OK) != 0) {
			note(c, "key %s unreadable (%s)", kf, strerror(errno));
			c->keyidx++;
			continue;
		}
		rc = libssh2_userauth_publickey_fromfile_ex(c->s, c->user,
		    (unsigned int)strlen(c->user), NULL, kf, NULL);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc == 0)
			return 1;
		if (rc == LIBSSH2_ERROR_FILE) {
			note(c, "key %s unreadable (%s)", kf, gd_ssh_last_error(c->s));
		} else {
			c->tries++;
			if (session_lost(rc) || c->disconnect[0] != '\0' ||
			    libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_SOCKET_DISCONNECT)
				goto lost;
			note(c, "key %s refused", kf);
		}
		c->keyidx++;
	}
	return -1;
lost:
	c->autherr.len = 0;
	if (c->tries > 1)
		note(c, "the server closed the connection after %d keys were offered%s%s: too many "
		    "authentication failures (sshd's MaxAuthTries, 6 by default); offer only this "
		    "host's key: set IdentitiesOnly yes for it in ssh_config, or name its key with "
		    "ansible_ssh_private_key_file", c->tries, c->disconnect[0] ? ", saying: " : "",
		    c->disconnect);
	else
		note(c, "the server closed the connection during authentication (%s)",
		    gd_ssh_last_error(c->s));
	return -1;
}

void
gd_ssh_auth_reset(struct conn *c)
{
	if (c->agent != NULL) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
		c->agent = NULL;
	}
	c->ident = NULL;
	c->agent_tried = c->agent_refused = c->tries = 0;
	c->keyidx = 0;
	gd_buf_free(&c->autherr);
}

void
gd_ssh_auth_free(struct conn *c)
{
	size_t k;

	gd_ssh_auth_reset(c);
	for (k = 0; k < c->nkeyfiles; k++)
		free(c->keyfiles[k]);
	free(c->keyfiles);
	c->keyfiles = NULL;
	c->nkeyfiles = 0;
	gd_buf_free(&c->pubs);
}
