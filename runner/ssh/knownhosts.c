/* knownhosts.c: host keys checked against and recorded in known_hosts
 * files, as OpenSSH's hostfile.c reads them: markers (@revoked,
 * @cert-authority), comma lists of names with '*', '?' and '!' patterns,
 * hashed names (HMAC-SHA1, OpenSSL), [host]:port off port 22. libssh2's own
 * reader knows none of the markers and no patterns, so it is not used. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ssh_internal.h"

const char *
gd_hostkey_type_name(int keytype)
{
	switch (keytype) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
	default: return "unknown";
	}
}

void
gd_hostkey_fingerprint(const char *key, size_t keylen, char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[64];
	int n;

	EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL);
	n = EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	while (n > 0 && b64[n - 1] == '=')  /* OpenSSH prints it unpadded */
		b64[--n] = '\0';
	snprintf(out, 64, "SHA256:%.56s", b64);
}

/* Base64 of OpenSSH's files into out; returns the length, -1 when not base64. */
static int
b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap)
{
	int n, pad = 0;

	if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > outcap)
		return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
	if (n < 0)
		return -1;
	if (in[inlen - 1] == '=')
		pad++;
	if (in[inlen - 2] == '=')
		pad++;
	return n - pad;
}

/* OpenSSH's match_pattern(): '*' any run, '?' any one character. */
static int
wild(const char *s, const char *p)
{
	for (; *p != '\0'; p++, s++) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return 1;
			for (; *s != '\0'; s++)
				if (wild(s, p))
					return 1;
			return 0;
		}
		if (*s == '\0' || (*p != '?' && *p != *s))
			return 0;
	}
	return *s == '\0';
}

/* A hashed name |1|SALT|HASH: HMAC-SHA1 of name keyed by SALT. */
static int
hashed_match(const char *name, const char *pat, size_t len)
{
	unsigned char salt[64], want[64], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *bar;
	int sl, wl;

	if (len < 4 || strncmp(pat, "|1|", 3) != 0 || (bar = memchr(pat + 3, '|', len - 3)) == NULL)
		return 0;
	sl = b64_decode(pat + 3, (size_t)(bar - pat - 3), salt, sizeof(salt));
	wl = b64_decode(bar + 1, (size_t)(pat + len - bar - 1), want, sizeof(want));
	if (sl <= 0 || wl != 20)
		return 0;
	if (HMAC(EVP_sha1(), salt, sl, (const unsigned char *)name, strlen(name), md, &mdlen) == NULL)
		return 0;
	return mdlen == 20 && memcmp(md, want, 20) == 0;
}

/* OpenSSH's match_hostname() over a comma list, the name lowercased:
 * 1 when a pattern matches and no negated one does, else 0. */
static int
names_match(const char *name, const char *list)
{
	const char *p = list, *e;
	int yes = 0;

	if (strncmp(list, "|1|", 3) == 0)
		return hashed_match(name, list, strlen(list));
	for (; *p != '\0'; p = *e ? e + 1 : e) {
		char pat[1024];
		size_t n, i;
		int neg;

		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		neg = n > 0 && *p == '!';
		if (neg) {
			p++;
			n--;
		}
		if (n == 0 || n >= sizeof(pat))
			continue;
		for (i = 0; i < n; i++)
			pat[i] = (char)tolower((unsigned char)p[i]);
		pat[n] = '\0';
		if (wild(name, pat)) {
			if (neg)
				return 0;   /* a negated match rules the line out */
			yes = 1;
		}
	}
	return yes;
}

/* The name OpenSSH looks up: host, or [host]:port off port 22; lowercased. */
static void
lookup_name(const char *host, int port, char *out, size_t len)
{
	size_t i;

	if (port == 22)
		snprintf(out, len, "%s", host);
	else
		snprintf(out, len, "[%s]:%d", host, port);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

enum { MRK_NONE, MRK_REVOKED, MRK_CA };

/* One line of a known_hosts file, split; 0 when it is not a key line. */
static int
split_line(char *line, int *marker, char **names, char **type, char **b64)
{
	char *save = NULL, *w;

	*marker = MRK_NONE;
	w = strtok_r(line, " \t", &save);
	if (w == NULL || w[0] == '#')
		return 0;
	if (w[0] == '@') {
		if (strcmp(w, "@revoked") == 0)
			*marker = MRK_REVOKED;
		else if (strcmp(w, "@cert-authority") == 0)
			*marker = MRK_CA;
		else
			return 0;
		w = strtok_r(NULL, " \t", &save);
	}
	*names = w;
	*type = strtok_r(NULL, " \t", &save);
	*b64 = strtok_r(NULL, " \t", &save);
	return *names != NULL && *type != NULL && *b64 != NULL;
}

struct khscan {
	const char *name, *key, *type;
	size_t keylen;
	int found[5];              /* per outcome: seen in this file */
	struct gd_hostkey_where *where;
	int revoked, match, changed, ca;
};

static void
note(struct khscan *k, int *flag, const char *file, size_t line)
{
	if (*flag)
		return;
	*flag = 1;
	if (k->where != NULL && (flag == &k->revoked || (!k->where->line))) {
		snprintf(k->where->file, sizeof(k->where->file), "%s", file);
		k->where->line = line;
	}
}

/* Goes through one file; a missing file reads as empty. */
static int
scan_file(struct khscan *k, const char *file, char *err, size_t errlen)
{
	unsigned char blob[8192];
	char *line = NULL, *names, *type, *b64;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	FILE *f;
	int marker, n;

	if ((f = fopen(file, "re")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!split_line(line, &marker, &names, &type, &b64) || !names_match(k->name, names))
			continue;
		if (marker == MRK_CA) {
			note(k, &k->ca, file, lineno);
			continue;
		}
		n = b64_decode(b64, strlen(b64), blob, sizeof(blob));
		if (n < 0)
			continue;
		if ((size_t)n == k->keylen && memcmp(blob, k->key, k->keylen) == 0) {
			if (marker == MRK_REVOKED)
				note(k, &k->revoked, file, lineno);
			else
				note(k, &k->match, file, lineno);
		} else if (marker == MRK_NONE && strcmp(type, k->type) == 0) {
			note(k, &k->changed, file, lineno);
		} else if (marker == MRK_NONE && k->where != NULL &&
		    strlen(k->where->other_types) + strlen(type) + 2 < sizeof(k->where->other_types)) {
			if (k->where->other_types[0] != '\0')
				strcat(k->where->other_types, ",");
			strcat(k->where->other_types, type);
		}
	}
	free(line);
	if (ferror(f)) {
		gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int
gd_knownhosts_check_files(const char *const *files, size_t nfiles, const char *host, int port,
    const char *key, size_t keylen, int keytype, struct gd_hostkey_where *where, char *err,
    size_t errlen)
{
	struct khscan k = { 0 };
	char name[600];
	size_t i;

	lookup_name(host, port, name, sizeof(name));
	k.name = name;
	k.key = key;
	k.keylen = keylen;
	k.type = gd_hostkey_type_name(keytype);
	k.where = where;
	if (where != NULL)
		memset(where, 0, sizeof(*where));
	for (i = 0; i < nfiles; i++)
		if (files[i] != NULL && scan_file(&k, files[i], err, errlen) < 0)
			return -1;
	if (k.revoked)
		return GD_HOSTKEY_REVOKED;   /* whatever else says: OpenSSH refuses it */
	if (k.match)
		return GD_HOSTKEY_MATCH;
	if (k.changed)
		return GD_HOSTKEY_CHANGED;
	if (k.ca)
		return GD_HOSTKEY_CA_ONLY;
	return GD_HOSTKEY_UNKNOWN;
}

int
gd_knownhosts_check(const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	return gd_knownhosts_check_files(&file, 1, host, port, key, keylen, keytype, NULL, err,
	    errlen);
}

int
gd_knownhosts_add(const char *file, const char *host, int port, const char *key, size_t keylen,
    int keytype, char *err, size_t errlen)
{
	return gd_knownhosts_record(file, host, port, key, keylen, keytype, 0, err, errlen);
}

int
gd_knownhosts_record(const char *file, const char *host, int port, const char *key,
    size_t keylen, int keytype, int hash, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	char name[600], *b64;
	unsigned char salt[20], md[EVP_MAX_MD_SIZE];
	char s64[64], h64[64];
	unsigned int mdlen = 0;
	int fd = -1, ret = -1;

	if (port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	if (hash) {   /* HashKnownHosts yes: |1|salt|HMAC-SHA1(salt, name) */
		if (RAND_bytes(salt, sizeof(salt)) != 1 || HMAC(EVP_sha1(), salt, sizeof(salt),
		    (const unsigned char *)name, strlen(name), md, &mdlen) == NULL) {
			gd_errf(err, errlen, "cannot hash the name of %s", name);
			goto out;
		}
		EVP_EncodeBlock((unsigned char *)s64, salt, sizeof(salt));
		EVP_EncodeBlock((unsigned char *)h64, md, (int)mdlen);
		gd_buf_printf(&b, "|1|%s|%s", s64, h64);
	} else {
		gd_buf_adds(&b, name);
	}
	b64 = gd_xmalloc(keylen / 3 * 4 + 8);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)key, (int)keylen);
	gd_buf_printf(&b, " %s %s\n", gd_hostkey_type_name(keytype), b64);
	free(b64);
	/* One O_APPEND write of the whole line: hosts recorded at once do not interleave. */
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0) {
		gd_errf(err, errlen, "cannot write %s: %s", file, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0 && close(fd) != 0 && ret == 0)
		ret = gd_errf(err, errlen, "cannot write %s: %s", file, strerror(errno));
	gd_buf_free(&b);
	return ret;
}
