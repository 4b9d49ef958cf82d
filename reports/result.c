/* result.c: the one result model (the envelope, a run's TTD/TTM/TTR) and the
 * one reader of past results. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "date.h"
#include "gd.h"
#include "result.h"

#define MAX_RESULTS 100000

static const char *const kind_names[] = {
	[GD_RESULT_OTHER] = "other", [GD_RESULT_RUN] = "run", [GD_RESULT_DRILL] = "drill",
	[GD_RESULT_QUIZ] = "quiz", [GD_RESULT_WHEEL] = "wheel", [GD_RESULT_READINESS] = "readiness",
};

const char *
gd_result_kind_name(enum gd_result_kind k)
{
	return k <= GD_RESULT_READINESS ? kind_names[k] : "other";
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long
ms(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) && json_number_value(v) >= 0 ? (long long)json_number_value(v) : -1;
}

enum gd_result_kind
gd_result_kind(const json_t *res)
{
	const char *k = str(res, "kind");
	size_t i;

	if (k != NULL)
		for (i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
			if (strcmp(k, kind_names[i]) == 0)
				return (enum gd_result_kind)i;
	if (json_is_string(json_object_get(json_object_get(res, "scenario"), "id")))
		return GD_RESULT_RUN;
	if (json_is_string(json_object_get(res, "bank")) && json_is_number(json_object_get(res, "percent")))
		return GD_RESULT_QUIZ;
	if (json_is_array(json_object_get(res, "requirements")) && json_is_boolean(json_object_get(res, "ready")))
		return GD_RESULT_READINESS;
	if (json_is_string(json_object_get(res, "scenario")) && json_is_integer(json_object_get(res, "seed")))
		return GD_RESULT_WHEEL;
	if (json_is_object(json_object_get(res, "backup")) || json_is_number(json_object_get(res, "rto_ms")) ||
	    json_is_object(json_object_get(res, "objectives")) || json_is_object(json_object_get(res, "drill")))
		return GD_RESULT_DRILL;
	return GD_RESULT_OTHER;
}

static long long
first_inject(const json_t *res)
{
	long long first = -1, t;
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(res, "faults"), i, f) {
		t = ms(f, "injected_ms");
		if (t >= 0 && (first < 0 || t < first))
			first = t;
	}
	return first;
}

static long long
since(const json_t *res, long long first, const char *mark, const char *stored)
{
	long long t = ms(res, mark);

	if (first >= 0 && t >= 0)
		return t > first ? t - first : 0;
	return ms(res, stored);
}

void
gd_result_times(const json_t *res, struct gd_result_times *t)
{
	long long first = first_inject(res);

	t->ttd = since(res, first, "detected_ms", "ttd_ms");
	t->ttm = since(res, first, "mitigated_ms", "ttm_ms");
	t->ttr = since(res, first, "recovered_ms", "ttr_ms");
}

/* a date string of the body ("2024-05-02T10:00:00Z") as epoch ms; -1 */
static long long
date_ms(const json_t *res)
{
	long long s;

	return gd_date_parse(str(res, "date"), &s) == 0 ? s * 1000 : -1;
}

long long
gd_result_started(const json_t *res)
{
	long long t = ms(res, "started");

	if (t < 0)
		t = date_ms(res);
	if (t < 0)
		t = ms(res, "ended");
	return t > 0 ? t : 0;
}

static void
add_name(json_t *arr, const char *s)
{
	json_t *x;
	size_t i;

	if (s == NULL || *s == '\0')
		return;
	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return;
	json_array_append_new(arr, json_string(s));
}

static void
add_names(json_t *arr, const json_t *v)
{
	json_t *x;
	size_t i;

	if (json_is_string(v))
		add_name(arr, json_string_value(v));
	json_array_foreach(v, i, x)
		if (json_is_string(x))
			add_name(arr, json_string_value(x));
}

static json_t *
participants_of(const json_t *res, enum gd_result_kind kind, const char *const *extra, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	add_names(arr, json_object_get(res, "participants"));
	add_names(arr, json_object_get(res, "participant"));
	if (kind == GD_RESULT_READINESS)
		add_name(arr, str(res, "name"));
	for (i = 0; i < n; i++)
		add_name(arr, extra[i]);
	return arr;
}

static json_t *
hosts_of(const json_t *res, enum gd_result_kind kind)
{
	json_t *arr = json_array(), *x, *h;
	size_t i, j;

	add_names(arr, json_object_get(res, "hosts"));
	if (kind == GD_RESULT_RUN) {
		json_array_foreach(json_object_get(res, "faults"), i, x)
			add_name(arr, str(x, "host"));
		json_array_foreach(json_object_get(res, "timeline"), i, x)
			add_name(arr, str(x, "host"));
	} else if (kind == GD_RESULT_DRILL) {
		add_name(arr, str(json_object_get(res, "backup"), "host"));
		add_name(arr, str(json_object_get(res, "target"), "host"));
	} else if (kind == GD_RESULT_QUIZ) {
		json_array_foreach(json_object_get(res, "questions"), i, x)
			json_array_foreach(json_object_get(x, "probe"), j, h)
				add_name(arr, str(h, "host"));
	}
	return arr;
}

static const char *
id_of(const json_t *res, enum gd_result_kind kind)
{
	const char *s = NULL;

	switch (kind) {
	case GD_RESULT_RUN: s = str(json_object_get(res, "scenario"), "id"); break;
	case GD_RESULT_DRILL:
		s = str(res, "id");
		if (s == NULL)
			s = str(json_object_get(res, "drill"), "id");
		break;
	case GD_RESULT_QUIZ: s = str(res, "bank"); break;
	case GD_RESULT_WHEEL: s = str(res, "scenario"); break;
	case GD_RESULT_READINESS: s = str(res, "profile"); break;
	case GD_RESULT_OTHER: s = str(res, "id"); break;
	}
	return s != NULL ? s : "";
}

static const char *
verdict_of(const json_t *res, enum gd_result_kind kind)
{
	const char *v = str(res, "verdict");

	if (kind == GD_RESULT_QUIZ && json_is_boolean(json_object_get(res, "passed")))
		return json_is_true(json_object_get(res, "passed")) ? "pass" : "fail";
	if (kind == GD_RESULT_READINESS && json_is_boolean(json_object_get(res, "ready")))
		return json_is_true(json_object_get(res, "ready")) ? "pass" : "fail";
	if (kind == GD_RESULT_WHEEL && v == NULL)
		return "none";
	return v != NULL ? v : "error";
}

static json_t *
ms_or_null(long long v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

void
gd_result_envelope(json_t *res, enum gd_result_kind kind, const char *const *participants,
    size_t nparticipants)
{
	long long started, ended;
	struct gd_result_times t;
	const char *id;

	if (!json_is_object(res))
		return;
	if (kind == GD_RESULT_OTHER)
		kind = gd_result_kind(res);
	id = id_of(res, kind);
	json_object_set_new(res, "kind", json_string(gd_result_kind_name(kind)));
	json_object_set_new(res, "id", json_string(id));
	json_object_set_new(res, "verdict", json_string(verdict_of(res, kind)));
	started = gd_result_started(res);
	ended = ms(res, "ended");
	if (ended < 0 && started > 0 && ms(res, "duration_ms") >= 0)
		ended = started + ms(res, "duration_ms");
	if (ended < 0)
		ended = started;
	json_object_set_new(res, "started", json_integer((json_int_t)started));
	json_object_set_new(res, "ended", json_integer((json_int_t)ended));
	json_object_set_new(res, "participants", participants_of(res, kind, participants, nparticipants));
	json_object_set_new(res, "hosts", hosts_of(res, kind));
	if (kind == GD_RESULT_RUN) {
		gd_result_times(res, &t);
		json_object_set_new(res, "ttd_ms", ms_or_null(t.ttd));
		json_object_set_new(res, "ttm_ms", ms_or_null(t.ttm));
		json_object_set_new(res, "ttr_ms", ms_or_null(t.ttr));
	}
}

int
gd_result_names(const json_t *res, const char *name)
{
	json_t *arr = participants_of(res, gd_result_kind(res), NULL, 0), *x;
	size_t i;
	int found = 0;

	json_array_foreach(arr, i, x)
		found |= strcmp(json_string_value(x), name) == 0;
	json_decref(arr);
	return found;
}

/* ---- the reader ---- */

struct names {
	char **v;
	size_t n;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the *.json of dir (a path relative to nothing: as given) into list */
static int
list_dir(const char *dir, struct names *list, int missing_ok, char *err, size_t errlen)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL) {
		if (missing_ok && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return gd_errf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (list->n == MAX_RESULTS) {
			closedir(d);
			return gd_errf(err, errlen, "%s: more than %d results", dir, MAX_RESULTS);
		}
		list->v = gd_xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
		list->v[list->n++] = gd_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	return 0;
}

int
gd_results_load(const char *dir, json_t **out, char *err, size_t errlen)
{
	static const char *const folders[] = { "ha-tests", "ha-tests/wheel", "restore-drills",
		"internal-tests", "internal-tests/readiness" };
	struct names list = { 0 };
	json_t *all = json_array();
	size_t i;
	int ret = -1, repo = 0;

	*out = NULL;
	/* a doc repo: its report folders; else the directory's own files */
	for (i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		char *sub = gd_xasprintf("%s/%s", dir, folders[i]);
		struct stat st;

		repo |= stat(sub, &st) == 0 && S_ISDIR(st.st_mode);
		free(sub);
	}
	if (!repo && list_dir(dir, &list, 0, err, errlen) != 0)
		goto out;
	for (i = 0; repo && i < sizeof(folders) / sizeof(folders[0]); i++) {
		char *sub = gd_xasprintf("%s/%s", dir, folders[i]);
		int r = list_dir(sub, &list, 1, err, errlen);

		free(sub);
		if (r != 0)
			goto out;
	}
	if (list.n > 0)
		qsort(list.v, list.n, sizeof(*list.v), by_name);
	for (i = 0; i < list.n; i++) {
		json_error_t je;
		json_t *o = json_load_file(list.v[i], 0, &je);

		if (o == NULL) {
			gd_errf(err, errlen, "%s: line %d: not valid JSON: %s", list.v[i], je.line, je.text);
			goto out;
		}
		if (!json_is_object(o)) {
			json_decref(o);
			gd_errf(err, errlen, "%s: a result must be a JSON object", list.v[i]);
			goto out;
		}
		gd_result_envelope(o, GD_RESULT_OTHER, NULL, 0);
		json_object_set_new(o, "__file", json_string(list.v[i]));
		json_array_append_new(all, o);
	}
	*out = all;
	all = NULL;
	ret = 0;
out:
	for (i = 0; i < list.n; i++)
		free(list.v[i]);
	free(list.v);
	json_decref(all);
	return ret;
}
