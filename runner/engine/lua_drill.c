/* lua_drill.c: gameday.restore: the drill's one C primitive, an archive
 * streamed from a backup host through the verifier into tar on a target:
 * every entry hashed and checked, only accepted entries re-emitted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "lua_bind.h"
#include "verify.h"

int luaopen_gameday_restore(lua_State *L);

struct job {
	gd_ssh_read_fn rd;
	gd_ssh_write_fn wr;
	void *ctx;
	struct archive *aw;
	const struct gd_manifest *manifest;
	const char *name;
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

/* The filter of gd_ssh_stream: verify what src says, re-emit it as tar. */
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
	j->aw = archive_write_new();
	if (j->aw == NULL || archive_write_set_format_pax_restricted(j->aw) != ARCHIVE_OK ||
	    archive_write_open(j->aw, j, NULL, aw_write, NULL) != ARCHIVE_OK) {
		gd_errf(err, errlen, "cannot start the tar stream: %s",
		    j->aw != NULL ? archive_error_string(j->aw) : "out of memory");
		j->failed = 1;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	gd_verify_limits_default(&o.limits);
	o.name = j->name;
	o.manifest = j->manifest;
	o.sink = &sink;
	o.threads = 1;
	j->vrc = gd_verify_stream(v_read, j, &o, NULL, NULL, &j->vr, err, errlen);
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

/* restore.stream { src =, src_cmd =, dst =, dst_cmd =, name =, manifest = TEXT,
 * timeout_ms = } -> { ok, error, refused, entries, files, bytes, archive_bytes,
 * whole, missing, extra, mismatched, src_exit, dst_exit, src_stderr, dst_stderr,
 * src_status, dst_status, bytes_in, bytes_out, connect_ms, stream_ms } */
static int
l_stream(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);
	const char *src, *dst, *src_cmd, *dst_cmd, *mtext;
	struct gd_ssh_opts o;
	struct gd_ssh *m = NULL;
	struct gd_manifest man;
	struct gd_ssh_stream_result sr;
	struct job j;
	char err[GD_ERRLEN] = "";
	size_t mlen = 0;
	long si, di;
	int rc, have_man = 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (env == NULL || env->inv == NULL)
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
	j.name = field(L, "name", 0);
	lua_getfield(L, 1, "manifest");
	mtext = lua_tolstring(L, -1, &mlen);
	lua_pop(L, 1);
	if (mtext != NULL) {
		have_man = 1;
		if (gd_manifest_parse(&man, "SHA256SUMS", mtext, mlen, err, sizeof(err)) != 0) {
			gd_manifest_free(&man);
			luaL_pushfail(L);
			lua_pushstring(L, err);
			return 2;
		}
		j.manifest = &man;
	}

	if (env->ssh != NULL)
		o = *env->ssh;
	else
		gd_ssh_opts_default(&o);
	o.progress = NULL;
	lua_getfield(L, 1, "timeout_ms");
	if (lua_isinteger(L, -1))
		o.cmd_timeout_ms = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	o.max_output = 65536;
	m = gd_ssh_new(&o);
	gd_ssh_add(m, &env->inv->hosts[si]);
	if (di != si)
		gd_ssh_add(m, &env->inv->hosts[di]);
	rc = gd_ssh_stream(m, 0, src_cmd, di != si ? 1 : 0, dst_cmd, drill_filter, &j, &sr,
	    err, sizeof(err));
	gd_ssh_free(m);

	lua_createtable(L, 0, 24);
	lua_pushboolean(L, rc == 0 && j.vrc == 0);
	lua_setfield(L, -2, "ok");
	if (rc != 0 || j.vrc != 0) {
		lua_pushstring(L, err);
		lua_setfield(L, -2, "error");
	}
	lua_pushboolean(L, j.vr.refused);
	lua_setfield(L, -2, "refused");
	lua_pushboolean(L, j.vrc == 0 && gd_verify_ok(&j.vr));
	lua_setfield(L, -2, "verified");
	push_int(L, "entries", (long long)j.vr.entries);
	push_int(L, "files", (long long)j.vr.files);
	push_int(L, "bytes", (long long)j.vr.bytes);
	push_int(L, "archive_bytes", (long long)j.vr.archive_bytes);
	push_int(L, "whole", j.vr.whole);
	lua_pushboolean(L, have_man);
	lua_setfield(L, -2, "manifest");
	push_paths(L, "missing", j.vr.missing, j.vr.nmissing);
	push_paths(L, "extra", j.vr.extra, j.vr.nextra);
	push_paths(L, "mismatched", j.vr.mismatched, j.vr.nmismatched);
	push_int(L, "src_exit", sr.src_exit);
	push_int(L, "dst_exit", sr.dst_exit);
	lua_pushstring(L, status_name(sr.src_status));
	lua_setfield(L, -2, "src_status");
	lua_pushstring(L, status_name(sr.dst_status));
	lua_setfield(L, -2, "dst_status");
	push_buf(L, "src_stderr", &sr.src_err);
	push_buf(L, "dst_stderr", &sr.dst_err);
	push_int(L, "bytes_in", (long long)sr.bytes_in);
	push_int(L, "bytes_out", (long long)sr.bytes_out);
	push_int(L, "connect_ms", sr.connect_ms);
	push_int(L, "stream_ms", sr.stream_ms);
	gd_ssh_stream_result_free(&sr);
	gd_verify_result_free(&j.vr);
	gd_manifest_free(&man);
	return 1;
}

int
luaopen_gameday_restore(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "stream", l_stream },
		{ NULL, NULL },
	};

	luaL_newlib(L, fns);
	return 1;
}
