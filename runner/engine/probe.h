/* probe.h: the synthetic user's network primitives (HTTP, TCP, regex).
 * Policy (what counts as healthy) lives in Lua; these only measure. */
#ifndef GD_PROBE_H
#define GD_PROBE_H

#include <stddef.h>

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
 * elsewhere the subject ends at the first NUL. */
int gd_regex_match(const char *re, const char *subject, size_t len, char *err, size_t errlen);

/* The Lua binding (lua_net.c); declared here without lua.h. */
struct lua_State;
int luaopen_gameday_net(struct lua_State *L);

#endif
