/* probe.h: the synthetic user's network primitives (HTTP, TCP, regex).
 * Policy (what counts as healthy) lives in Lua; these only measure. */
#ifndef GD_PROBE_H
#define GD_PROBE_H

#include <stddef.h>

#include <jansson.h>

#include "gd.h"

struct gd_probe_result {
	int ok;                 /* the request completed (any HTTP status) / the TCP connect succeeded */
	long long ms;           /* total time */
	long status;            /* HTTP status, 0 for tcp or when no response */
	struct gd_buf body;     /* response body, at most max_body bytes kept */
	size_t body_total;      /* bytes received in all */
	char error[GD_ERRLEN];  /* why, when !ok */
};

struct gd_http_req {
	const char *url;        /* http:// or https:// only */
	const char *method;     /* NULL = GET (POST when body is set) */
	const char *body;       /* request body, may be NULL */
	size_t body_len;        /* 0 = strlen(body) */
	const char *const *headers; /* NULL-terminated "K: V", may be NULL */
	long timeout_ms;        /* whole request; <= 0 = 10 s */
	size_t max_body;        /* 0 = 64 KiB */
	int insecure;           /* skip TLS verification */
};

/* Initialises libcurl; gd_probe_http calls it when needed. 0 or -1.
 * Not thread-safe: gameday is single-threaded. */
int gd_probe_init(char *err, size_t errlen);
/* Undoes gd_probe_init, if it ran (at exit, for leak checkers). */
void gd_probe_cleanup(void);

/* One HTTP request; redirects are not followed (a probe sees the 301).
 * Returns 0 when it ran (r->ok says how it went) or -1 on misuse (bad url,
 * scheme, method or header), both with r->error filled when something
 * failed. r is overwritten; free it with gd_probe_result_free. */
int gd_probe_http(const struct gd_http_req *req, struct gd_probe_result *r);

/* One TCP connect to host (a name or an IPv4/IPv6 address) and port,
 * closed at once. 0 when it ran (r->ok), -1 on misuse. */
int gd_probe_tcp(const char *host, int port, long timeout_ms, struct gd_probe_result *r);

void gd_probe_result_free(struct gd_probe_result *r);

/* POSIX extended regex (REG_EXTENDED|REG_NOSUB) against the len bytes at
 * subject: 1 match, 0 no match, -1 bad regex with err filled. Embedded
 * NULs are part of the subject where REG_STARTEND exists (glibc, BSD);
 * elsewhere the subject ends at the first NUL. A back-reference (\1..\9) is
 * refused: it is what makes regexec take exponential time. */
int gd_regex_match(const char *re, const char *subject, size_t len, char *err, size_t errlen);

/* What a call to Prometheus's or Alertmanager's HTTP API came to: each a
 * distinct outcome, so a probe never takes a dead server for a quiet one. */
enum gd_prom_outcome {
	GD_PROM_OK,             /* an answer with one or more series or alerts */
	GD_PROM_EMPTY,          /* an answer with none */
	GD_PROM_QUERY_ERROR,    /* the server refused the query (bad PromQL, a range vector) */
	GD_PROM_UNREACHABLE,    /* no answer: refused, timed out, name not resolved */
	GD_PROM_BAD_REPLY,      /* an answer that is not the API's JSON (a wrong URL) */
};

struct gd_prom_result {
	enum gd_prom_outcome outcome;
	long long ms;
	/* owned; an array. Query: { labels = {..}, value = n, text = "n" } per
	 * series (value left out when NaN or infinite: JSON has neither).
	 * Alerts: { labels, annotations, state = "firing" | "pending" |
	 * "suppressed", active_at_ms (since the epoch, -1 unknown) }. */
	json_t *items;
	char source[16];        /* alerts: "prometheus" or "alertmanager" */
	char error[GD_ERRLEN];
};

/* The outcome's word: "ok", "empty", "query-error", "unreachable", "bad-reply". */
const char *gd_prom_outcome_name(enum gd_prom_outcome o);

/* An instant query (GET base/api/v1/query). base is the server's URL
 * ("http://10.231.0.1:9090", a path prefix allowed). 0 when it ran (the
 * outcome says how), -1 on misuse (bad url), both with r->error filled
 * when something failed. Free r with gd_prom_result_free. */
int gd_prom_query(const char *base, const char *query, long timeout_ms,
    struct gd_prom_result *r);

/* The alerts a server knows: Prometheus's /api/v1/alerts (firing and
 * pending) or Alertmanager's /api/v2/alerts (what would page). source is
 * "prometheus", "alertmanager" or NULL to ask the server which it is
 * (Alertmanager answers /api/v2/status). 0 or -1 as gd_prom_query. */
int gd_prom_alerts(const char *base, const char *source, long timeout_ms,
    struct gd_prom_result *r);

void gd_prom_result_free(struct gd_prom_result *r);

/* "2024-05-01T12:00:03.123Z" (RFC 3339, any offset) to ms since the
 * epoch; -1 when it is not such a time. */
long long gd_rfc3339_ms(const char *s);

/* The Lua binding (lua_net.c); declared here without lua.h. */
struct lua_State;
int luaopen_gameday_net(struct lua_State *L);

#endif
