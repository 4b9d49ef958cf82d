/* manifest_pg.c: PostgreSQL's backup_manifest (pg_basebackup writes it beside
 * base.tar): JSON read with jansson, its own SHA-256 checked, and every file's
 * SHA-256 as a manifest of the base archive's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "gd.h"
#include "manifest.h"

/* The manifest's own checksum is the SHA-256 of every byte before the line
 * that holds it, as pg_verifybackup checks it. */
static int
self_check(const struct gd_manifest *m, const char *text, size_t len, const char *want,
    char *err, size_t errlen)
{
	const char *key = "\"Manifest-Checksum\"", *at = NULL, *p = text;
	unsigned char md[32], w[32];
	unsigned int mdlen;

	while ((p = memmem(p, len - (size_t)(p - text), key, strlen(key))) != NULL)
		at = p++;
	while (at != NULL && at > text && at[-1] != '\n')
		at--;
	if (at == NULL || want == NULL || strlen(want) != 64 || gd_manifest_unhex(want, w) != 0)
		return gd_errf(err, errlen, "%s: no Manifest-Checksum (a backup_manifest of "
		    "pg_basebackup has one)", m->file);
	if (EVP_Digest(text, (size_t)(at - text), md, &mdlen, EVP_sha256(), NULL) != 1)
		return gd_errf(err, errlen, "%s: cannot hash it (OpenSSL)", m->file);
	if (memcmp(md, w, 32) != 0)
		return gd_errf(err, errlen, "%s: its Manifest-Checksum does not match its content: the "
		    "manifest is damaged", m->file);
	return 0;
}

int
gd_manifest_pg(struct gd_manifest *m, const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *files, *f;
	size_t i;
	int ret = -1;

	if (root == NULL) {
		gd_errf(err, errlen, "%s: line %d: %s (a backup_manifest is JSON)", m->file, je.line,
		    je.text);
		goto out;
	}
	if (!json_is_integer(json_object_get(root, "PostgreSQL-Backup-Manifest-Version"))) {
		gd_errf(err, errlen, "%s: no PostgreSQL-Backup-Manifest-Version: not a backup_manifest "
		    "of pg_basebackup", m->file);
		goto out;
	}
	if (self_check(m, text, len, json_string_value(json_object_get(root, "Manifest-Checksum")),
	    err, errlen) != 0)
		goto out;
	files = json_object_get(root, "Files");
	if (!json_is_array(files) || json_array_size(files) == 0) {
		gd_errf(err, errlen, "%s: no Files in it", m->file);
		goto out;
	}
	json_array_foreach(files, i, f) {
		const char *path = json_string_value(json_object_get(f, "Path"));
		const char *alg = json_string_value(json_object_get(f, "Checksum-Algorithm"));
		const char *sum = json_string_value(json_object_get(f, "Checksum"));
		unsigned char sha[32];

		if (path == NULL) {
			gd_errf(err, errlen, "%s: file %zu: no Path (an Encoded-Path is not supported)",
			    m->file, i + 1);
			goto out;
		}
		if (alg == NULL || strcmp(alg, "SHA256") != 0) {
			gd_errf(err, errlen, "%s: %s: checksums are %s, not SHA256: make the backup with "
			    "pg_basebackup --manifest-checksums=SHA256", m->file, path,
			    alg != NULL ? alg : "missing");
			goto out;
		}
		if (sum == NULL || strlen(sum) != 64 || gd_manifest_unhex(sum, sha) != 0) {
			gd_errf(err, errlen, "%s: %s: a Checksum that is not 64 hex digits", m->file, path);
			goto out;
		}
		if (gd_manifest_add(m, path, sha, (unsigned)i + 1, err, errlen) != 0)
			goto out;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}
