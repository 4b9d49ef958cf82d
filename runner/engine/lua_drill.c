/* lua_drill.c: gameday.restore: the drill's one C primitive, an archive
 * streamed from a backup host through the verifier into tar on a target:
 * every entry hashed and checked, only accepted entries re-emitted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <inttypes.h>
#include <stdio.h>

#include "lua_bind.h"
#include "quote.h"
#include "zipcd.h"
#include "pool.h"
#include "verify.h"

int luaopen_gameday_restore(lua_State *L);

struct job {
	gd_ssh_read_fn rd;
	gd_ssh_write_fn wr;
	void *ctx;
	struct archive *aw;
	const struct gd_manifest *manifest;
	const char *name;
	const char *compress;           /* "zstd", "gzip" or NULL: the stream to the target */
	int raw;                        /* one file, not an archive: hashed whole */
	int same;                       /* src and dst are one host: one session, one thread */
	const struct gd_map *zip_links; /* a zip file's symlinks, from its central directory */
	struct gd_verify_result vr;
	int vrc, failed;
	char werr[GD_ERRLEN];
};

static ssize_t
v_read(void *arg, void *buf, size_t len, char *err, size_t errlen)
{
	struct job *j = arg;

	if (gd_abort_signal) {
		gd_errf(err, errlen, "aborted by a signal");
		return -1;
	}
	return j->rd(j->ctx, buf, len, err, errlen);
}

/* libarchive's writer into dst's stdin; after a failure it swallows the rest */
static la_ssize_t
aw_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct job *j = arg;

	if (j->failed)
		return (la_ssize_t)len;
	if (j->wr(j->ctx, buf, len, j->werr, sizeof(j->werr)) != 0) {
		archive_set_error(a, EIO, "%s", j->werr);
		return -1;
	}
	return (la_ssize_t)len;
}

static int
aw_fail(struct job *j, char *err, size_t errlen)
{
	gd_errf(err, errlen, "%s", j->werr[0] ? j->werr : archive_error_string(j->aw));
	j->failed = 1;
	return -1;
}

static int
sink_header(void *arg, const struct gd_verify_entry *e, char *err, size_t errlen)
{
	struct job *j = arg;

	if (e->path[0] == '\0')  /* the root: the target dir itself */
		return 0;
	if (archive_write_header(j->aw, e->ae) != ARCHIVE_OK)
		return aw_fail(j, err, errlen);
	return 0;
}

static int
sink_data(void *arg, const void *buf, size_t len, char *err, size_t errlen)
{
	struct job *j = arg;

	if (len > 0 && archive_write_data(j->aw, buf, len) < 0)
		return aw_fail(j, err, errlen);
	return 0;
}

static int
sink_done(void *arg, const struct gd_verify_entry *e, char *err, size_t errlen)
{
	struct job *j = arg;

	if (e->path[0] != '\0' && archive_write_finish_entry(j->aw) != ARCHIVE_OK)
		return aw_fail(j, err, errlen);
	return 0;
}

/* libarchive's writer to the target: pax tar, or one raw file, compressed on
 * the way when the target can undo it. */
static int
writer_open(struct job *j, char *err, size_t errlen)
{
	int rc;

	j->aw = archive_write_new();
	if (j->aw == NULL)
		return gd_errf(err, errlen, "cannot start the stream: out of memory");
	rc = j->raw ? archive_write_set_format_raw(j->aw) :
	    archive_write_set_format_pax_restricted(j->aw);
	if (rc == ARCHIVE_OK && j->compress != NULL && strcmp(j->compress, "zstd") == 0) {
		rc = archive_write_add_filter_zstd(j->aw);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(j->aw, "zstd", "compression-level", "1");
	} else if (rc == ARCHIVE_OK && j->compress != NULL && strcmp(j->compress, "gzip") == 0) {
		rc = archive_write_add_filter_gzip(j->aw);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(j->aw, "gzip", "compression-level", "1");
	}
	/* whole blocks as they come: no padding to 10 KiB records on a pipe */
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_in_last_block(j->aw, 1);
	if (rc == ARCHIVE_OK)
		rc = archive_write_open(j->aw, j, NULL, aw_write, NULL);
	if (rc != ARCHIVE_OK) {
		gd_errf(err, errlen, "cannot start the stream: %s", archive_error_string(j->aw));
		j->failed = 1;
		return -1;
	}
	return 0;
}

/* One file that is not an archive (a pg_dump -Fc, a .sql.gz): its bytes as
 * they are, hashed whole, written to the target as one raw entry. */
static int
raw_copy(struct job *j, char *err, size_t errlen)
{
	struct archive_entry *ae = archive_entry_new();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = gd_xmalloc(1u << 20);
	unsigned int mdlen;
	ssize_t n;
	int ret = -1;

	memset(&j->vr, 0, sizeof(j->vr));
	j->vr.whole = -1;
	archive_entry_set_pathname(ae, "data");
	archive_entry_set_filetype(ae, AE_IFREG);
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    archive_write_header(j->aw, ae) != ARCHIVE_OK) {
		gd_errf(err, errlen, "%s: cannot start the copy", j->name);
		goto out;
	}
	while ((n = v_read(j, buf, 1u << 20, err, errlen)) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		j->vr.archive_bytes += (uint64_t)n;
		if (archive_write_data(j->aw, buf, (size_t)n) < 0) {
			aw_fail(j, err, errlen);
			goto out;
		}
	}
	if (n < 0)
		goto out;
	EVP_DigestFinal_ex(ctx, j->vr.archive_sha256, &mdlen);
	j->vr.entries = j->vr.files = 1;
	j->vr.bytes = j->vr.archive_bytes;
	snprintf(j->vr.format, sizeof(j->vr.format), "a file");
	if (j->manifest != NULL) {
		const struct gd_manifest_item *w = gd_manifest_whole(j->manifest, j->name);

		if (w == NULL) {
			gd_errf(err, errlen, "%s: the manifest lists files, but this backup is one file: "
			    "give it one hash of the whole file (sha256sum FILE > FILE.sha256)", j->name);
			goto out;
		}
		j->vr.whole = memcmp(w->sha256, j->vr.archive_sha256, 32) == 0;
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	archive_entry_free(ae);
	free(buf);
	return ret;
}

/* The filter of gd_ssh_stream: verify what src says, re-emit it to the target. */
static int
drill_filter(void *arg, gd_ssh_read_fn rd, gd_ssh_write_fn wr, void *ctx, char *err, size_t errlen)
{
	struct job *j = arg;
	struct gd_verify_sink sink = { sink_header, sink_data, sink_done, j };
	struct gd_verify_opts o;
	int ret = -1;

	j->rd = rd;
	j->wr = wr;
	j->ctx = ctx;
	if (writer_open(j, err, errlen) != 0)
		goto out;
	if (j->raw) {
		j->vrc = raw_copy(j, err, errlen);
	} else {
		memset(&o, 0, sizeof(o));
		gd_verify_limits_default(&o.limits);
		o.name = j->name;
		o.manifest = j->manifest;
		o.zip_links = j->zip_links;
		o.sink = &sink;
		o.threads = j->same ? 1 : 2;  /* libssh2: one thread per session */
		j->vrc = gd_verify_stream(v_read, j, &o, NULL, NULL, &j->vr, err, errlen);
	}
	if (j->vrc != 0) {
		j->failed = 1;  /* no end-of-archive: the target's tar must see a cut stream */
		goto out;
	}
	if (archive_write_close(j->aw) != ARCHIVE_OK) {
		aw_fail(j, err, errlen);
		goto out;
	}
	ret = 0;
out:
	if (j->aw != NULL)
		archive_write_free(j->aw);
	j->aw = NULL;
	return ret;
}

/* A command's stdout on host si, at most cap bytes of it, into out. */
struct capture {
	struct gd_buf *out;
	size_t cap;
	struct gd_zipcd *cd;      /* or: fed to this parser */
	struct gd_manifest *man;  /* or: to this one */
	int failed;               /* the parser refused it */
};

static int
capture_filter(void *arg, gd_ssh_read_fn rd, gd_ssh_write_fn wr, void *ctx, char *err,
    size_t errlen)
{
	struct capture *f = arg;
	char buf[65536];
	ssize_t n;

	(void)wr;
	while ((n = rd(ctx, buf, sizeof(buf), err, errlen)) > 0) {
		if (f->cd != NULL || f->man != NULL) {
			if ((f->cd != NULL ? gd_zipcd_feed(f->cd, buf, (size_t)n, err, errlen) :
			    gd_manifest_feed(f->man, buf, (size_t)n, err, errlen)) != 0) {
				f->failed = 1;
				return -1;
			}
		} else if (f->out->len + (size_t)n <= f->cap) {
			gd_buf_add(f->out, buf, (size_t)n);
		}
	}
	return n < 0 ? -1 : 0;
}

/* Runs cmd on host si through the capture f; *unreachable (when not NULL)
 * says whether a failure was the host's. */
static int
run_capture(struct gd_ssh *s, size_t si, const char *cmd, struct capture *f, int *unreachable,
    char *err, size_t errlen)
{
	struct gd_ssh_stream_result sr;
	int rc = gd_ssh_stream(s, si, cmd, si, "cat >/dev/null", capture_filter, f, &sr, err, errlen);

	if (unreachable != NULL)
		*unreachable = rc != 0 && !f->failed && sr.src_status != GD_SSH_OK;
	if (rc == 0 && sr.src_exit != 0) {
		char *e = gd_utf8_clean(sr.src_err.data != NULL ? sr.src_err.data : "", sr.src_err.len);

		gd_errf(err, errlen, "%s: exit %d: %s", cmd, sr.src_exit, e);
		free(e);
		rc = -1;
	}
	gd_ssh_stream_result_free(&sr);
	return rc;
}

static int
zip_link_rec(void *arg, const struct gd_zipcd_rec *r, char *err, size_t errlen)
{
	struct gd_map *links = arg;
	char *name, *norm;

	(void)err;
	(void)errlen;
	if (r->host != 3 || (r->mode & 0170000) != 0120000)
		return 0;
	name = gd_xasprintf("%.*s", (int)r->nlen, r->name);
	gd_path_norm(name, &norm);  /* the verifier refuses what does not normalise well */
	gd_map_put(links, norm, 1);
	free(norm);
	free(name);
	return 0;
}

/* The symlinks of the zip file at path on host si, from its central
 * directory (read by offset, before its entries stream), into links. */
static int
fetch_zip_links(struct gd_ssh *s, size_t si, const char *path, struct gd_map *links,
    char *err, size_t errlen)
{
	struct gd_buf q = { 0 }, cmd = { 0 }, tail = { 0 };
	struct capture f = { &tail, 70000, NULL, NULL, 0 };
	struct gd_zipcd cd;
	uint64_t fsize, off, size;
	char *nl;
	int ret = -1;

	gd_shell_quote_str(&q, path);
	gd_buf_printf(&cmd, "stat -c %%s -- %s && tail -c 65634 -- %s", q.data, q.data);
	if (run_capture(s, si, cmd.data, &f, NULL, err, errlen) != 0)
		goto out;
	gd_buf_add(&tail, "", 1);
	nl = memchr(tail.data, '\n', tail.len);
	if (nl == NULL || sscanf(tail.data, "%" SCNu64, &fsize) != 1) {
		gd_errf(err, errlen, "%s: cannot read its size and end", path);
		goto out;
	}
	if (gd_zipcd_locate((unsigned char *)nl + 1, tail.len - 1 - (size_t)(nl + 1 - tail.data),
	    fsize, &off, &size, err, errlen) != 0)
		goto out;
	cmd.len = 0;
	gd_buf_printf(&cmd, "tail -c +%" PRIu64 " -- %s | head -c %" PRIu64, off + 1, q.data, size);
	gd_zipcd_begin(&cd, off, zip_link_rec, links);
	f.cd = &cd;
	ret = run_capture(s, si, cmd.data, &f, NULL, err, errlen);
	gd_zipcd_free(&cd);
out:
	if (ret != 0 && strncmp(err, path, strlen(path)) != 0) {
		char e[GD_ERRLEN];

		snprintf(e, sizeof(e), "%s: the zip central directory: %s", path, err);
		snprintf(err, errlen, "%s", e);
	}
	gd_buf_free(&q);
	gd_buf_free(&cmd);
	gd_buf_free(&tail);
	return ret;
}

/* Reads the manifest that cmd prints on host si into m, streamed whatever its
 * size. Returns 0, or -1 with err filled (*unreachable set when the host
 * could not be used). */
static int
fetch_manifest(struct gd_ssh *s, size_t si, const char *cmd, struct gd_manifest *m,
    int *unreachable, char *err, size_t errlen)
{
	struct capture f = { NULL, 0, NULL, m, 0 };
	int rc = run_capture(s, si, cmd, &f, unreachable, err, errlen);

	if (rc == 0 && gd_manifest_end(m, err, errlen) != 0)
		rc = -1;
	return rc;
}

static long
host_index(const struct gd_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->nhosts; i++)
		if (strcmp(inv->hosts[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const char *
field(lua_State *L, const char *k, int required)
{
	const char *v;

	lua_getfield(L, 1, k);
	v = lua_tostring(L, -1);
	lua_pop(L, 1);  /* the table still holds it */
	if (v == NULL && required)
		luaL_error(L, "restore.stream: '%s' must be a string", k);
	return v;
}

static void
push_paths(lua_State *L, const char *k, char **v, size_t n)
{
	size_t i;

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, k);
}

static void
push_buf(lua_State *L, const char *k, const struct gd_buf *b)
{
	lua_pushlstring(L, b->data != NULL ? b->data : "", b->len);
	lua_setfield(L, -2, k);
}

static void
push_int(lua_State *L, const char *k, long long v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

static const char *
status_name(enum gd_ssh_status st)
{
	return st == GD_SSH_OK ? "ok" : st == GD_SSH_TIMEOUT ? "timeout" : "unreachable";
}

static void
push_result(lua_State *L, int rc, const struct job *j, int have_man,
    const struct gd_ssh_stream_result *sr, const char *err)
{
	char hex[65];
	int i;

	lua_createtable(L, 0, 26);
	lua_pushboolean(L, rc == 0 && j->vrc == 0);
	lua_setfield(L, -2, "ok");
	if (rc != 0 || j->vrc != 0) {
		lua_pushstring(L, err);
		lua_setfield(L, -2, "error");
	}
	lua_pushboolean(L, j->vr.refused);
	lua_setfield(L, -2, "refused");
	lua_pushboolean(L, j->vrc == 0 && gd_verify_ok(&j->vr));
	lua_setfield(L, -2, "verified");
	push_int(L, "entries", (long long)j->vr.entries);
	push_int(L, "files", (long long)j->vr.files);
	push_int(L, "bytes", (long long)j->vr.bytes);
	push_int(L, "archive_bytes", (long long)j->vr.archive_bytes);
	push_int(L, "whole", j->vr.whole);
	if (j->raw || !have_man || j->vr.whole != -1) {  /* the whole archive was hashed */
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", j->vr.archive_sha256[i]);
		lua_pushstring(L, hex);
		lua_setfield(L, -2, "sha256");
	}
	lua_pushboolean(L, have_man);
	lua_setfield(L, -2, "manifest");
	push_paths(L, "missing", j->vr.missing, j->vr.nmissing);
	push_paths(L, "extra", j->vr.extra, j->vr.nextra);
	push_paths(L, "mismatched", j->vr.mismatched, j->vr.nmismatched);
	push_int(L, "src_exit", sr->src_exit);
	push_int(L, "dst_exit", sr->dst_exit);
	lua_pushstring(L, status_name(sr->src_status));
	lua_setfield(L, -2, "src_status");
	lua_pushstring(L, status_name(sr->dst_status));
	lua_setfield(L, -2, "dst_status");
	push_buf(L, "src_stderr", &sr->src_err);
	push_buf(L, "dst_stderr", &sr->dst_err);
	push_int(L, "bytes_in", (long long)sr->bytes_in);
	push_int(L, "bytes_out", (long long)sr->bytes_out);
	push_int(L, "connect_ms", sr->connect_ms);
	push_int(L, "stream_ms", sr->stream_ms);
}

/* restore.stream { src =, src_cmd =, dst =, dst_cmd =, name =, raw = BOOL,
 * compress = "zstd"|"gzip"|nil, manifest_cmd =, manifest_name =,
 * manifest_format = "sha256sum"|"backup_manifest", timeout_ms = } ->
 * { ok, error, refused, verified, entries, files, bytes, archive_bytes, whole,
 * sha256, manifest, missing, extra, mismatched, src_exit, dst_exit, src_stderr,
 * dst_stderr, src_status, dst_status, bytes_in, bytes_out, connect_ms,
 * stream_ms }, or nil, message, kind ("manifest" or "unreachable") when the
 * manifest cannot be read. The manifest is streamed from manifest_cmd's stdout
 * on src, whatever its size. */
static int
l_stream(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);
	const char *src, *dst, *src_cmd, *dst_cmd, *mcmd, *mfmt, *zpath;
	struct gd_map zlinks = { 0 };
	struct gd_ssh *s;
	struct gd_manifest man;
	struct gd_ssh_stream_result sr;
	struct job j;
	char err[GD_ERRLEN] = "";
	long si, di;
	size_t sc, dc;
	int rc, have_man = 0, unreachable = 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (env == NULL || env->inv == NULL || env->pool == NULL)
		return luaL_error(L, "no inventory: give -i FILE");
	src = field(L, "src", 1);
	dst = field(L, "dst", 1);
	src_cmd = field(L, "src_cmd", 1);
	dst_cmd = field(L, "dst_cmd", 1);
	si = host_index(env->inv, src);
	di = host_index(env->inv, dst);
	if (si < 0 || di < 0)
		return luaL_error(L, "restore.stream: no host '%s' in the inventory", si < 0 ? src : dst);
	memset(&j, 0, sizeof(j));
	memset(&man, 0, sizeof(man));
	memset(&sr, 0, sizeof(sr));
	j.name = field(L, "name", 0);
	j.compress = field(L, "compress", 0);
	lua_getfield(L, 1, "raw");
	j.raw = lua_toboolean(L, -1);
	lua_pop(L, 1);
	mcmd = field(L, "manifest_cmd", 0);
	mfmt = field(L, "manifest_format", 0);
	if (mfmt != NULL && gd_manifest_format_parse(mfmt) < 0)
		return luaL_error(L, "restore.stream: manifest_format '%s'", mfmt);

	/* the session's connections: the stream reuses what the drill's execs opened */
	s = gd_pool_ssh(env->pool);
	sc = gd_pool_host(env->pool, (size_t)si);
	dc = gd_pool_host(env->pool, (size_t)di);
	lua_getfield(L, 1, "timeout_ms");
	gd_ssh_set_timeout(s, lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) :
	    gd_pool_timeout(env->pool));
	lua_pop(L, 1);
	if (mcmd != NULL) {
		const char *mname = field(L, "manifest_name", 0);

		have_man = 1;
		gd_manifest_begin(&man, mname != NULL ? mname : "manifest", mfmt != NULL ?
		    (enum gd_manifest_format)gd_manifest_format_parse(mfmt) : GD_MANIFEST_SHA256SUM);
		if (fetch_manifest(s, sc, mcmd, &man, &unreachable, err, sizeof(err)) != 0) {
			gd_ssh_set_timeout(s, gd_pool_timeout(env->pool));
			gd_manifest_free(&man);
			luaL_pushfail(L);
			lua_pushstring(L, err);
			lua_pushstring(L, unreachable ? "unreachable" : "manifest");
			return 3;
		}
		j.manifest = &man;
	}
	zpath = field(L, "zip_path", 0);
	if (zpath != NULL && fetch_zip_links(s, sc, zpath, &zlinks, err, sizeof(err)) != 0) {
		gd_ssh_set_timeout(s, gd_pool_timeout(env->pool));
		gd_manifest_free(&man);
		gd_map_free(&zlinks);
		luaL_pushfail(L);
		lua_pushstring(L, err);
		lua_pushstring(L, "manifest");
		return 3;
	}
	j.zip_links = zpath != NULL ? &zlinks : NULL;
	j.same = sc == dc;
	rc = gd_ssh_stream(s, sc, src_cmd, dc, dst_cmd, drill_filter, &j, &sr, err, sizeof(err));
	gd_ssh_set_timeout(s, gd_pool_timeout(env->pool));
	push_result(L, rc, &j, have_man, &sr, err);
	gd_ssh_stream_result_free(&sr);
	gd_verify_result_free(&j.vr);
	gd_manifest_free(&man);
	gd_map_free(&zlinks);
	return 1;
}

static int
ident_char(int c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The first "key =" in text at or after from, as a whole word; NULL when none. */
static const char *
find_key(const char *text, const char *from, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = from; (p = strstr(p, key)) != NULL; p += n) {
		const char *e = p + n;

		if (p > text && ident_char((unsigned char)p[-1]))
			continue;
		while (*e == ' ' || *e == '\t')
			e++;
		if (e[0] == '=' && e[1] != '=')
			return p;
	}
	return NULL;
}

/* restore.line_of(file, { "backup", "pick" }) -> the line of the last key,
 * each found after the one before it, or nil: where a plan error points. */
static int
l_line_of(lua_State *L)
{
	const char *file = luaL_checkstring(L, 1), *p, *at = NULL;
	char err[GD_ERRLEN], *text;
	lua_Integer i, n;
	size_t len;
	int line = 1;

	luaL_checktype(L, 2, LUA_TTABLE);
	if ((text = gd_read_file(file, 16u << 20, &len, err, sizeof(err))) == NULL)
		return 0;
	p = text;
	n = (lua_Integer)lua_rawlen(L, 2);
	for (i = 1; i <= n; i++) {
		const char *k;

		lua_rawgeti(L, 2, i);
		k = lua_tostring(L, -1);
		at = k != NULL && *k != '\0' ? find_key(text, p, k) : NULL;
		lua_pop(L, 1);
		if (at == NULL)
			break;
		p = at + 1;
	}
	if (at != NULL) {
		for (p = text; p < at; p++)
			line += *p == '\n';
		lua_pushinteger(L, line);
	}
	free(text);
	return at != NULL ? 1 : 0;
}

int
luaopen_gameday_restore(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "stream", l_stream },
		{ "line_of", l_line_of },
		{ NULL, NULL },
	};

	luaL_newlib(L, fns);
	return 1;
}
