/* knownhosts.c: host keys checked against and recorded in known_hosts
 * files, as OpenSSH does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

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

static int
knownhost_keytype(int keytype)
{
	switch (keytype) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
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

/* Reads file line by line into a fresh known-hosts set of session s, so that
 * one line libssh2 cannot parse (a certificate authority, a security key
 * type) does not hide the lines after it. A missing file reads as empty. */
static LIBSSH2_KNOWNHOSTS *
knownhosts_read(LIBSSH2_SESSION *s, const char *file, char *err, size_t errlen)
{
	LIBSSH2_KNOWNHOSTS *kh;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	kh = libssh2_knownhost_init(s);
	if (kh == NULL) {
		gd_errf(err, errlen, "cannot set up host key checking");
		return NULL;
	}
	f = fopen(file, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return kh;
		gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
		libssh2_knownhost_free(kh);
		return NULL;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		(void)libssh2_knownhost_readline(kh, line, (size_t)len,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	}
	free(line);
	if (ferror(f)) {
		gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
		fclose(f);
		libssh2_knownhost_free(kh);
		return NULL;
	}
	fclose(f);
	return kh;
}

/* Needs a session only because libssh2's known-hosts API hangs off one. */
static LIBSSH2_SESSION *
scratch_session(void)
{
	return libssh2_session_init();
}

int
gd_knownhosts_check_s(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_KNOWNHOSTS *kh;
	struct libssh2_knownhost *found = NULL;
	int rc, ret;

	kh = knownhosts_read(s, file, err, errlen);
	if (kh == NULL)
		return -1;
	rc = libssh2_knownhost_checkp(kh, host, port, key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    knownhost_keytype(keytype), &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH: ret = GD_HOSTKEY_MATCH; break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: ret = GD_HOSTKEY_CHANGED; break;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: ret = GD_HOSTKEY_UNKNOWN; break;
	default: ret = gd_errf(err, errlen, "cannot check host key in %s", file); break;
	}
	libssh2_knownhost_free(kh);
	return ret;
}

int
gd_knownhosts_check(const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_SESSION *s = scratch_session();
	int rc;

	if (s == NULL)
		return gd_errf(err, errlen, "cannot set up host key checking");
	rc = gd_knownhosts_check_s(s, file, host, port, key, keylen, keytype, err, errlen);
	libssh2_session_free(s);
	return rc;
}

int
gd_knownhosts_add_s(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_KNOWNHOSTS *kh;
	struct libssh2_knownhost *entry = NULL;
	char name[300], line[8192];
	size_t linelen = 0;
	int fd = -1, ret = -1;

	kh = libssh2_knownhost_init(s);
	if (kh == NULL)
		return gd_errf(err, errlen, "cannot set up host key checking");
	if (port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	if (libssh2_knownhost_addc(kh, name, NULL, key, keylen, NULL, 0,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    knownhost_keytype(keytype), &entry) != 0 ||
	    libssh2_knownhost_writeline(kh, entry, line, sizeof(line), &linelen,
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		gd_errf(err, errlen, "cannot record the host key of %s", name);
		goto out;
	}
	/* One O_APPEND write of the whole line: hosts recorded at once do not interleave. */
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, linelen) != (ssize_t)linelen || fsync(fd) != 0) {
		gd_errf(err, errlen, "cannot write %s: %s", file, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0 && close(fd) != 0 && ret == 0)
		ret = gd_errf(err, errlen, "cannot write %s: %s", file, strerror(errno));
	libssh2_knownhost_free(kh);
	return ret;
}

int
gd_knownhosts_add(const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_SESSION *s = scratch_session();
	int rc;

	if (s == NULL)
		return gd_errf(err, errlen, "cannot set up host key checking");
	rc = gd_knownhosts_add_s(s, file, host, port, key, keylen, keytype, err, errlen);
	libssh2_session_free(s);
	return rc;
}

