/* session.c: the one session of every command that changes hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gd.h"
#include "recover.h"
#include "script.h"
#include "session.h"

struct gd_session {
	struct gd_inventory inv;
	struct gd_ssh_opts so;
	char *run_id, token[16], *state;
	struct gd_journal *j;
	int journal_kept;         /* the journal file is still there */
	int recovered;            /* the recover pass ran */
	struct gd_pool *pool;
	struct gd_script *script;
	struct gd_script_env env;
};

/* YYYYmmdd-HHMMSS-xxxxxx: sortable, and unique enough with 24 random bits. */
static char *
make_run_id(char token[16])
{
	unsigned char b[3] = { 0, 0, 0 };
	FILE *f = fopen("/dev/urandom", "r");
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	if (f != NULL) {
		if (fread(b, 1, sizeof(b), f) != sizeof(b))
			b[0] = (unsigned char)getpid();
		fclose(f);
	}
	snprintf(token, 16, "%02x%02x%02x", b[0], b[1], b[2]);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return gd_xasprintf("%s-%s", stamp, token);
}

int
gd_session_open(struct gd_session **sp, const struct gd_session_opts *o, char *err,
    size_t errlen)
{
	struct gd_session *s = gd_xcalloc(1, sizeof(*s));
	int ret = GD_EXIT_USAGE;

	*sp = NULL;
	if (gd_inventory_load(&s->inv, o->inventory, err, errlen) != 0)
		goto fail;
	gd_ssh_opts_default(&s->so);
	s->so.known_hosts = o->known_hosts;
	s->so.accept_new = o->accept_new;
	if (o->max_output > 0)
		s->so.max_output = o->max_output;
	s->run_id = make_run_id(s->token);
	s->state = gd_state_dir(o->state_dir);
	ret = GD_EXIT_UNREACHABLE;
	if (!o->dry_run && gd_journal_create(s->state, s->run_id, &s->j, err, errlen) != 0)
		goto fail;
	s->journal_kept = s->j != NULL;
	s->pool = gd_pool_new(&s->so, &s->inv);
	s->env.inv = &s->inv;
	s->env.ssh = &s->so;
	s->env.journal = s->j;
	s->env.pool = s->pool;
	s->env.lua_memory = o->lua_memory;
	s->script = gd_script_new(gd_lua_override(), &s->env, err, errlen);
	if (s->script == NULL)
		goto fail;
	if (!o->quiet && s->j != NULL)
		gd_warnx("%s %s; journal %s", o->what != NULL ? o->what : "run", s->run_id,
		    gd_journal_path(s->j));
	*sp = s;
	return GD_EXIT_OK;
fail:
	gd_session_close(s);
	return ret;
}

json_t *
gd_session_call(struct gd_session *s, const char *module, const char *fn, const json_t *args,
    char *err, size_t errlen)
{
	char *text = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY), *result = NULL;
	json_error_t jerr;
	json_t *res = NULL;

	if (text == NULL) {
		gd_errf(err, errlen, "cannot encode the arguments of %s.%s", module, fn);
		return NULL;
	}
	if (gd_script_call(s->script, module, fn, text, &result, err, errlen) == 0 &&
	    (res = json_loads(result, JSON_DECODE_ANY, &jerr)) == NULL)
		gd_errf(err, errlen, "%s.%s: bad result: %s", module, fn, jerr.text);
	free(result);
	free(text);
	return res;
}

void
gd_session_recover(struct gd_session *s)
{
	struct gd_recover_opts ro = { 0 };
	char err[GD_ERRLEN];
	struct stat st;

	if (s->recovered || s->j == NULL)
		return;
	s->recovered = 1;
	ro.ssh = &s->so;
	ro.pool = s->pool;
	ro.held_by_me = s->j;
	ro.log = stderr;
	ro.quiet = 1;
	if (gd_recover_journal_report(gd_journal_path(s->j), &ro, err, sizeof(err)) < 0)
		gd_warnx("%s", err);
	/* a run that stopped before its first record (a bad scenario) leaves no journal */
	if (stat(gd_journal_path(s->j), &st) == 0 && st.st_size == 0 &&
	    unlink(gd_journal_path(s->j)) == 0)
		s->journal_kept = 0;
}

int
gd_session_finish(struct gd_session *s, int ret, const json_t *res,
    const struct gd_output *outs, size_t nouts)
{
	gd_session_recover(s);
	return gd_outputs_write(ret, res, outs, nouts);
}

int
gd_outputs_write(int ret, const json_t *res, const struct gd_output *outs, size_t nouts)
{
	char err[GD_ERRLEN];
	size_t i;

	for (i = 0; res != NULL && i < nouts; i++) {
		if (outs[i].path == NULL)
			continue;
		if (outs[i].write(res, outs[i].path, outs[i].author, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = gd_exit_output_failed(ret);
		}
	}
	return ret;
}

const char *
gd_session_run_id(const struct gd_session *s)
{
	return s->run_id;
}

const char *
gd_session_token(const struct gd_session *s)
{
	return s->token;
}

const char *
gd_session_journal_path(const struct gd_session *s)
{
	return s->j != NULL && s->journal_kept ? gd_journal_path(s->j) : NULL;
}

struct gd_journal *
gd_session_journal(struct gd_session *s)
{
	return s->j;
}

const struct gd_inventory *
gd_session_inventory(const struct gd_session *s)
{
	return &s->inv;
}

struct gd_pool *
gd_session_pool(struct gd_session *s)
{
	return s->pool;
}

void
gd_session_close(struct gd_session *s)
{
	if (s == NULL)
		return;
	gd_script_free(s->script);   /* first: its bindings use the pool */
	gd_pool_free(s->pool);
	gd_journal_close(s->j);
	free(s->state);
	free(s->run_id);
	gd_inventory_free(&s->inv);
	free(s);
}
