/* docpush.c: the doc repo's branch pushed to its upstream with libgit2:
 * ssh:// (host keys checked by gameday's own known_hosts check, ssh-agent
 * first, then the default key files, as every SSH connection of gameday),
 * file:// and local paths. Never forced: when the remote moved on, its tip is
 * fetched, gameday's pending commits are rebuilt on it (index tables
 * regenerated, names that were taken renamed) and the push is tried again. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

#include "docs_int.h"
#include "ssh.h"

#define PUSH_TRIES 5

struct push {
	struct docs_repo *r;
	const char *url;
	char user[128];
	int port;
	int nonff;               /* the remote has commits we do not */
	int keys;                /* credential attempts made */
	char why[GD_ERRLEN];     /* a refusal of ours, or the remote's */
};

/* ---- SSH: the same host keys and keys as gameday's own connections ---- */

static char *
home_file(const char *rel)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return gd_xasprintf("%s/%s", home, rel);
}

/* the port of an ssh:// URL (22 for scp-like user@host:path) */
static int
url_port(const char *url)
{
	const char *p, *end;

	if (strncmp(url, "ssh://", 6) != 0)
		return 22;
	p = url + 6;
	end = p + strcspn(p, "/");
	if (memchr(p, '@', (size_t)(end - p)) != NULL)
		p = (const char *)memchr(p, '@', (size_t)(end - p)) + 1;
	if (*p == '[')
		p = strchr(p, ']') != NULL && strchr(p, ']') < end ? strchr(p, ']') + 1 : end;
	else
		while (p < end && *p != ':')
			p++;
	return p < end && *p == ':' && atoi(p + 1) > 0 ? atoi(p + 1) : 22;
}

static int
libssh2_type(int raw)
{
	switch (raw) {
	case GIT_CERT_SSH_RAW_TYPE_RSA: return LIBSSH2_HOSTKEY_TYPE_RSA;
	case GIT_CERT_SSH_RAW_TYPE_DSS: return LIBSSH2_HOSTKEY_TYPE_DSS;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256: return LIBSSH2_HOSTKEY_TYPE_ECDSA_256;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384: return LIBSSH2_HOSTKEY_TYPE_ECDSA_384;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521: return LIBSSH2_HOSTKEY_TYPE_ECDSA_521;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519: return LIBSSH2_HOSTKEY_TYPE_ED25519;
	default: return LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
	}
}

static int
check_cert(git_cert *cert, int valid, const char *host, void *payload)
{
	struct push *p = payload;
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	const struct gd_docs_opts *o = p->r->o;
	char *file, fp[64], e2[GD_ERRLEN];
	int type, rc;

	(void)valid;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH;   /* https: libgit2's own CA check */
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		snprintf(p->why, sizeof(p->why), "no host key from %s", host);
		return GIT_ECERTIFICATE;
	}
	type = libssh2_type(hk->raw_type);
	file = o->known_hosts != NULL ? gd_xstrdup(o->known_hosts) : home_file(".ssh/known_hosts");
	gd_hostkey_fingerprint(hk->hostkey, hk->hostkey_len, fp);
	rc = gd_knownhosts_check(file, host, p->port, hk->hostkey, hk->hostkey_len, type, e2, sizeof(e2));
	if (rc == GD_HOSTKEY_UNKNOWN && o->accept_new) {
		rc = gd_knownhosts_add(file, host, p->port, hk->hostkey, hk->hostkey_len, type, e2, sizeof(e2));
		if (rc == 0)
			gd_warnx("%s: recorded new host key %s %s in %s", host, gd_hostkey_type_name(type), fp, file);
		rc = rc == 0 ? GD_HOSTKEY_MATCH : -1;
	}
	if (rc < 0)
		snprintf(p->why, sizeof(p->why), "%s", e2);
	else if (rc == GD_HOSTKEY_CHANGED)
		snprintf(p->why, sizeof(p->why), "host key for %s:%d has CHANGED: the server offers %s %s, "
		    "which does not match %s; this may be a man-in-the-middle attack", host, p->port,
		    gd_hostkey_type_name(type), fp, file);
	else if (rc == GD_HOSTKEY_UNKNOWN)
		snprintf(p->why, sizeof(p->why), "unknown host key for %s:%d: %s %s is not in %s; check the "
		    "fingerprint, then use --accept-new to record it", host, p->port, gd_hostkey_type_name(type),
		    fp, file);
	free(file);
	return rc == GD_HOSTKEY_MATCH ? 0 : GIT_ECERTIFICATE;
}

/* ssh-agent first, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa: one per call */
static int
credentials(git_credential **out, const char *url, const char *user_from_url, unsigned int allowed,
    void *payload)
{
	static const char *const keys[] = { ".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa" };
	struct push *p = payload;
	const char *user = user_from_url != NULL && *user_from_url ? user_from_url : p->user;
	const char *sock = getenv("SSH_AUTH_SOCK");
	char *priv;

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY))
		return GIT_PASSTHROUGH;
	if (p->keys == 0 && sock != NULL && *sock != '\0') {
		p->keys++;
		return git_credential_ssh_key_from_agent(out, user);
	}
	if (p->keys == 0)
		p->keys++;
	while (p->keys <= 3) {
		priv = home_file(keys[p->keys - 1]);
		p->keys++;
		if (access(priv, R_OK) == 0) {
			int rc = git_credential_ssh_key_new(out, user, NULL, priv, NULL);

			free(priv);
			return rc;
		}
		free(priv);
	}
	snprintf(p->why, sizeof(p->why), "no key was accepted for %s (ssh-agent%s, then ~/.ssh/id_ed25519, "
	    "id_ecdsa, id_rsa)", user, sock != NULL && *sock ? "" : ": SSH_AUTH_SOCK not set");
	return GIT_EAUTH;
}

/* ---- the push ---- */

static int
negotiate(const git_push_update **u, size_t n, void *payload)
{
	struct push *p = payload;
	size_t i;

	for (i = 0; i < n; i++) {
		/* src: where the remote's branch is now; dst: what we send */
		if (git_oid_is_zero(&u[i]->src) || git_oid_equal(&u[i]->src, &u[i]->dst))
			continue;
		if (git_graph_descendant_of(p->r->repo, &u[i]->dst, &u[i]->src) != 1) {
			p->nonff = 1;
			return GIT_ENONFASTFORWARD;
		}
	}
	return 0;
}

static int
update_ref(const char *refname, const char *status, void *payload)
{
	struct push *p = payload;

	if (status != NULL) {
		p->nonff = 1;   /* refused by the remote: fetch and rebuild, a bounded number of times */
		snprintf(p->why, sizeof(p->why), "%s refused %s: %s", p->url, refname, status);
	}
	return 0;
}

static void
callbacks(git_remote_callbacks *cb, struct push *p)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = credentials;
	cb->certificate_check = check_cert;
	cb->push_negotiation = negotiate;
	cb->push_update_reference = update_ref;
	cb->payload = p;
}

static int
fetch(git_remote *remote, struct push *p, const char *merge, const char *tracking)
{
	git_fetch_options fo;
	char *spec = gd_xasprintf("+%s:%s", merge, tracking);
	git_strarray specs = { &spec, 1 };
	int rc;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	callbacks(&fo.callbacks, p);
	p->keys = 0;
	rc = git_remote_fetch(remote, &specs, &fo, "gameday: fetch before rebuilding");
	free(spec);
	return rc;
}

/* gameday's commits on the branch that upstream lacks, rebuilt on upstream */
static int
rebuild(struct docs_repo *r, const git_oid *local, const git_oid *upstream, git_oid *out, char *err,
    size_t errlen)
{
	git_revwalk *w = NULL;
	git_commit *c = NULL;
	git_oid id, at = *upstream;
	int ret = -1;

	if (git_revwalk_new(&w, r->repo) != 0 || git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) != 0 ||
	    git_revwalk_push(w, local) != 0 || git_revwalk_hide(w, upstream) != 0) {
		docs_git_err(err, errlen, "revwalk");
		goto out;
	}
	while (git_revwalk_next(&id, w) == 0) {
		struct gd_docs_change *ch;
		int rc;

		if (git_commit_lookup(&c, r->repo, &id) != 0) {
			docs_git_err(err, errlen, "commit");
			goto out;
		}
		ch = docs_change_of(r, c, err, errlen);
		git_commit_free(c);
		c = NULL;
		if (ch == NULL)
			goto out;
		rc = docs_build(r, ch, &at, &at, err, errlen);
		gd_docs_change_free(ch);
		if (rc < 0)
			goto out;   /* 1: the remote has it all already, nothing to rebuild */
	}
	*out = at;
	ret = 0;
out:
	git_revwalk_free(w);
	return ret;
}

static size_t
ahead(git_repository *repo, const git_oid *local, const git_oid *upstream, int have_upstream)
{
	size_t a = 0, b = 0;
	git_revwalk *w = NULL;
	git_oid id;

	if (have_upstream) {
		git_graph_ahead_behind(&a, &b, repo, local, upstream);
		return a;
	}
	if (git_revwalk_new(&w, repo) == 0 && git_revwalk_push(w, local) == 0)
		while (git_revwalk_next(&id, w) == 0)
			a++;
	git_revwalk_free(w);
	return a;
}

struct upstream {
	git_remote *remote;
	char name[128], merge[256], tracking[512];
};

/* the branch's upstream from git config; 1 when it has none */
static int
upstream_of(struct docs_repo *r, struct upstream *u, char *err, size_t errlen)
{
	git_buf name = { 0 }, merge = { 0 }, track = { 0 };
	int rc;

	memset(u, 0, sizeof(*u));
	rc = git_branch_upstream_remote(&name, r->repo, r->ref);
	if (rc == GIT_ENOTFOUND)
		return 1;
	if (rc != 0 || git_branch_upstream_merge(&merge, r->repo, r->ref) != 0 ||
	    git_branch_upstream_name(&track, r->repo, r->ref) != 0 ||
	    git_remote_lookup(&u->remote, r->repo, name.ptr) != 0) {
		rc = docs_git_err(err, errlen, "upstream");
	} else {
		snprintf(u->name, sizeof(u->name), "%s", name.ptr);
		snprintf(u->merge, sizeof(u->merge), "%s", merge.ptr);
		snprintf(u->tracking, sizeof(u->tracking), "%s", track.ptr);
	}
	git_buf_dispose(&name);
	git_buf_dispose(&merge);
	git_buf_dispose(&track);
	return rc;
}

static int
push_once(struct upstream *u, struct push *p, const char *ref)
{
	git_push_options po;
	char *spec = gd_xasprintf("%s:%s", ref, u->merge);
	git_strarray specs = { &spec, 1 };
	int rc;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks(&po.callbacks, p);
	p->keys = 0;
	p->nonff = 0;
	p->why[0] = '\0';
	rc = git_remote_push(u->remote, &specs, &po);
	free(spec);
	return rc;
}

static int
unpushed(struct docs_repo *r, struct upstream *u, const char *why, char *err, size_t errlen)
{
	gd_errf(err, errlen, "docs: committed on %s in %s, but not pushed to %s (%s): %s; push it later with: "
	    "gameday docs push --docs %s", r->branch, r->o->docs, u->name, git_remote_url(u->remote), why,
	    r->o->docs);
	return GD_DOCS_UNPUSHED;
}

int
docs_push(struct docs_repo *r, size_t *npushed, char *err, size_t errlen)
{
	struct upstream u;
	struct push p;
	git_oid local, up, rebuilt;
	const git_error *ge;
	int rc, k, have_up, ret;

	if ((rc = upstream_of(r, &u, err, errlen)) != 0)
		return rc == 1 ? 2 : GD_DOCS_ERROR;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.url = git_remote_url(u.remote);
	p.port = url_port(p.url);
	snprintf(p.user, sizeof(p.user), "%s", getenv("USER") != NULL ? getenv("USER") :
	    getpwuid(getuid()) != NULL ? getpwuid(getuid())->pw_name : "root");
	for (k = 0; k < PUSH_TRIES; k++) {
		if (docs_tip(r, &local, err, errlen) != 0) {
			ret = GD_DOCS_ERROR;
			goto out;
		}
		have_up = git_reference_name_to_id(&up, r->repo, u.tracking) == 0;
		*npushed = ahead(r->repo, &local, &up, have_up);
		rc = push_once(&u, &p, r->ref);
		if (rc == 0 && !p.nonff) {
			if (!r->o->quiet && *npushed > 0)
				gd_warnx("docs: pushed %zu commit%s to %s/%s (%s)", *npushed, *npushed == 1 ? "" : "s",
				    u.name, r->branch, p.url);
			ret = 0;
			goto out;
		}
		if (!p.nonff) {
			ge = git_error_last();
			ret = unpushed(r, &u, *p.why ? p.why : ge != NULL ? ge->message : "push failed", err, errlen);
			goto out;
		}
		/* the remote moved on: its tip, then ours rebuilt on it */
		if (fetch(u.remote, &p, u.merge, u.tracking) != 0 ||
		    git_reference_name_to_id(&up, r->repo, u.tracking) != 0) {
			ge = git_error_last();
			ret = unpushed(r, &u, *p.why ? p.why : ge != NULL ? ge->message : "fetch failed", err, errlen);
			goto out;
		}
		if (rebuild(r, &local, &up, &rebuilt, err, errlen) != 0 ||
		    (rc = docs_advance(r, &local, &rebuilt, err, errlen)) != 0) {
			char why[GD_ERRLEN];

			snprintf(why, sizeof(why), "%s moved on, and rebuilding on its tip failed: %s", u.name, err);
			ret = unpushed(r, &u, why, err, errlen);
			goto out;
		}
	}
	ret = unpushed(r, &u, "the remote kept moving on while pushing", err, errlen);
out:
	git_remote_free(u.remote);
	return ret;
}
