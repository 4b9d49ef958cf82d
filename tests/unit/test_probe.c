/* test_probe.c: probe.c and the gameday.net binding against a real HTTP
 * server: a fork()ed child of this test on 127.0.0.1, loopback only. */
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "probe.h"

#define BIG_SIZE (1024 * 1024)

static pid_t server_pid = -1;
static int server_port, closed_port;
static char base_url[64];

/* --- the server: one process per connection, so a probe that gives up on
 * /slow does not hold up the next test --- */

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			_exit(0);  /* the client went away: fine */
		p += w;
		n -= (size_t)w;
	}
}

static void
respond(int fd, const char *status, const char *extra, const char *body, size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, extra, len);

	write_all(fd, head, (size_t)n);
	write_all(fd, body, len);
}

static void
respond_s(int fd, const char *status, const char *body)
{
	respond(fd, status, "Content-Type: application/json\r\n", body, strlen(body));
}

static void
serve(int fd)
{
	static char req[16384];
	size_t len = 0, want;
	static char big[BIG_SIZE];
	char *end, *cl;
	struct timespec ts = { 1, 500000000 };
	ssize_t n;

	alarm(10);  /* never outlive a broken test */
	while ((end = memmem(req, len, "\r\n\r\n", 4)) == NULL) {
		if (len == sizeof(req) - 1 || (n = read(fd, req + len, sizeof(req) - 1 - len)) <= 0)
			_exit(0);
		len += (size_t)n;
	}
	req[len] = '\0';
	/* the body, for /echo: Content-Length only, which is what curl sends */
	want = (size_t)(end + 4 - req);
	if ((cl = strcasestr(req, "\r\nContent-Length:")) != NULL && cl < end)
		want += strtoul(cl + 17, NULL, 10);
	while (len < want && len < sizeof(req) - 1 && (n = read(fd, req + len, sizeof(req) - 1 - len)) > 0)
		len += (size_t)n;
	req[len] = '\0';
	if (strchr(req, ' ') == NULL)
		_exit(0);

	if (strncmp(strchr(req, ' ') + 1, "/ok ", 4) == 0)
		respond(fd, "200 OK", "", "healthy", 7);
	else if (strncmp(strchr(req, ' ') + 1, "/slow ", 6) == 0) {
		nanosleep(&ts, NULL);
		respond(fd, "200 OK", "", "slow", 4);
	} else if (strncmp(strchr(req, ' ') + 1, "/big ", 5) == 0) {
		memset(big, 'x', BIG_SIZE);
		respond(fd, "200 OK", "", big, BIG_SIZE);
	} else if (strncmp(strchr(req, ' ') + 1, "/500 ", 5) == 0)
		respond(fd, "500 Internal Server Error", "", "boom", 4);
	else if (strncmp(strchr(req, ' ') + 1, "/redirect ", 10) == 0)
		respond(fd, "301 Moved Permanently", "Location: /ok\r\n", "moved", 5);
	else if (strncmp(strchr(req, ' ') + 1, "/echo ", 6) == 0)
		respond(fd, "200 OK", "", req, len);
	/* canned replies of Prometheus's and Alertmanager's APIs */
	else if (strncmp(strchr(req, ' ') + 1, "/prom/api/v1/query?query=vec ", 29) == 0)
		respond_s(fd, "200 OK", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		    "\"result\":[{\"metric\":{\"host\":\"lab1\"},\"value\":[1,\"2.5\"]},"
		    "{\"metric\":{\"host\":\"lab2\"},\"value\":[1,\"NaN\"]}]}}");
	else if (strncmp(strchr(req, ' ') + 1, "/prom/api/v1/query?query=none ", 30) == 0)
		respond_s(fd, "200 OK", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		    "\"result\":[]}}");
	else if (strncmp(strchr(req, ' ') + 1, "/prom/api/v1/query?query=up%5B5m%5D ", 36) == 0)
		respond_s(fd, "200 OK", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		    "\"result\":[]}}");
	else if (strncmp(strchr(req, ' ') + 1, "/prom/api/v1/query?query=", 25) == 0)
		respond_s(fd, "400 Bad Request", "{\"status\":\"error\",\"errorType\":\"bad_data\","
		    "\"error\":\"parse error\"}");
	else if (strncmp(strchr(req, ' ') + 1, "/prom/api/v1/alerts ", 20) == 0)
		respond_s(fd, "200 OK", "{\"status\":\"success\",\"data\":{\"alerts\":[{\"labels\":"
		    "{\"alertname\":\"WebDown\"},\"annotations\":{},\"state\":\"firing\","
		    "\"activeAt\":\"2024-05-01T12:00:03.250Z\",\"value\":\"0e+00\"}]}}");
	else if (strncmp(strchr(req, ' ') + 1, "/am/api/v2/status ", 18) == 0)
		respond_s(fd, "200 OK", "{\"versionInfo\":{\"version\":\"0.25.0\"}}");
	else if (strncmp(strchr(req, ' ') + 1, "/am/api/v2/alerts ", 18) == 0)
		respond_s(fd, "200 OK", "[{\"labels\":{\"alertname\":\"DiskAlmostFull\"},"
		    "\"startsAt\":\"2024-05-01T14:00:00+02:00\",\"status\":{\"state\":\"suppressed\"}}]");
	else if (strncmp(strchr(req, ' ') + 1, "/html/", 6) == 0)
		respond_s(fd, "200 OK", "<html>not an API</html>");
	else
		respond(fd, "404 Not Found", "", "no", 2);
	shutdown(fd, SHUT_WR);
	_exit(0);
}

static int
listen_loopback(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int
group_setup(void **state)
{
	int lfd, fd;

	(void)state;
	/* loopback must never go through a proxy from the environment */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");

	/* a port nobody listens on: bound, then closed */
	fd = listen_loopback(&closed_port);
	close(fd);

	/* listening before fork: the server answers as soon as we connect */
	lfd = listen_loopback(&server_port);
	assert_int_equal(listen(lfd, 64), 0);
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d", server_port);

	/* connection children orphaned by the server's death come to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		setpgid(0, 0);  /* the group goes down together at teardown */
		prctl(PR_SET_PDEATHSIG, SIGTERM);  /* and with us, should we crash */
		signal(SIGCHLD, SIG_IGN);  /* connection children reap themselves */
		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			int c = accept(lfd, NULL, NULL);

			if (c < 0)
				continue;
			if (fork() == 0) {
				close(lfd);
				serve(c);
			}
			close(c);
		}
	}
	setpgid(server_pid, server_pid);  /* whichever of parent and child runs first */
	close(lfd);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(-server_pid, SIGTERM);  /* its process group, by its pid */
		/* the server, then its orphans: until none of the group is left */
		while (waitpid(-server_pid, NULL, 0) > 0 || errno == EINTR)
			;
		server_pid = -1;
	}
	gd_probe_cleanup();
	return 0;
}

/* --- assertions that print the probe's own error --- */

#define assert_probe_ok(r) do { \
	if (!(r).ok) \
		fail_msg("%s:%d: probe failed: %s", __FILE__, __LINE__, (r).error); \
} while (0)

#define assert_contains(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) \
		fail_msg("%s:%d: '%s' not in '%s'", __FILE__, __LINE__, (needle), (hay)); \
} while (0)

static void
get(const char *path, long timeout_ms, size_t max_body, struct gd_probe_result *r)
{
	char url[128];
	struct gd_http_req req = { 0 };

	snprintf(url, sizeof(url), "%s%s", base_url, path);
	req.url = url;
	req.timeout_ms = timeout_ms;
	req.max_body = max_body;
	assert_int_equal(gd_probe_http(&req, r), 0);
}

/* --- HTTP --- */

static void
test_http_ok(void **state)
{
	struct gd_probe_result r;

	(void)state;
	get("/ok", 5000, 0, &r);
	assert_probe_ok(r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 7);
	assert_string_equal(r.body.data, "healthy");
	assert_int_equal(r.body_total, 7);
	assert_true(r.ms >= 0 && r.ms < 1000);
	gd_probe_result_free(&r);
}

static void
test_http_500_is_ok(void **state)
{
	struct gd_probe_result r;

	(void)state;
	get("/500", 5000, 0, &r);
	assert_probe_ok(r);  /* the request completed; the status is Lua's to judge */
	assert_int_equal(r.status, 500);
	assert_string_equal(r.body.data, "boom");
	gd_probe_result_free(&r);
}

static void
test_http_redirect_not_followed(void **state)
{
	struct gd_probe_result r;

	(void)state;
	get("/redirect", 5000, 0, &r);
	assert_probe_ok(r);
	assert_int_equal(r.status, 301);
	assert_string_equal(r.body.data, "moved");
	gd_probe_result_free(&r);
}

static void
test_http_big_bounded(void **state)
{
	struct gd_probe_result r;

	(void)state;
	get("/big", 5000, 0, &r);  /* default bound, 64 KiB */
	assert_probe_ok(r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 64 * 1024);
	assert_int_equal(r.body_total, BIG_SIZE);
	assert_int_equal(r.body.data[r.body.len - 1], 'x');
	assert_int_equal(r.body.data[r.body.len], '\0');
	gd_probe_result_free(&r);

	get("/big", 5000, 1000, &r);
	assert_probe_ok(r);
	assert_int_equal(r.body.len, 1000);
	assert_int_equal(r.body_total, BIG_SIZE);
	gd_probe_result_free(&r);
}

static void
test_http_slow_latency(void **state)
{
	struct gd_probe_result r;

	(void)state;
	get("/slow", 5000, 0, &r);
	assert_probe_ok(r);
	assert_int_equal(r.status, 200);
	assert_true(r.ms >= 1400);
	assert_true(r.ms < 4000);
	gd_probe_result_free(&r);
}

static void
test_http_timeout(void **state)
{
	struct gd_probe_result r;

	(void)state;
	get("/slow", 300, 0, &r);
	assert_false(r.ok);
	assert_contains(r.error, "timed out after 0.3 s");
	assert_true(r.ms >= 250);
	assert_true(r.ms < 1000);
	gd_probe_result_free(&r);
}

static void
test_http_refused(void **state)
{
	struct gd_probe_result r;
	struct gd_http_req req = { 0 };
	char url[64], want[64];

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", closed_port);
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%d refused", closed_port);
	req.url = url;
	req.timeout_ms = 2000;
	assert_int_equal(gd_probe_http(&req, &r), 0);
	assert_false(r.ok);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.error, want);
	gd_probe_result_free(&r);
}

static void
test_http_echo_request(void **state)
{
	const char *headers[] = { "X-Probe: 1", "Content-Type: text/plain", NULL };
	struct gd_probe_result r;
	struct gd_http_req req = { 0 };
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "%s/echo", base_url);
	req.url = url;
	req.method = "PUT";
	req.body = "payload";
	req.headers = headers;
	req.timeout_ms = 5000;
	assert_int_equal(gd_probe_http(&req, &r), 0);
	assert_probe_ok(r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body.data, "PUT /echo HTTP/1.1\r\n");
	assert_contains(r.body.data, "\r\nUser-Agent: gameday/" GD_VERSION " (synthetic user)\r\n");
	assert_contains(r.body.data, "\r\nX-Probe: 1\r\n");
	assert_contains(r.body.data, "\r\n\r\npayload");
	assert_null(strstr(r.body.data, "Expect:"));
	gd_probe_result_free(&r);

	/* a body without a method is a POST */
	req.method = NULL;
	req.headers = NULL;
	assert_int_equal(gd_probe_http(&req, &r), 0);
	assert_probe_ok(r);
	assert_contains(r.body.data, "POST /echo HTTP/1.1\r\n");
	gd_probe_result_free(&r);

	req.method = "HEAD";
	req.body = NULL;
	assert_int_equal(gd_probe_http(&req, &r), 0);
	assert_probe_ok(r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_total, 0);
	gd_probe_result_free(&r);
}

static void
test_http_misuse(void **state)
{
	const char *crlf[] = { "X-A: 1\r\nX-Injected: 1", NULL };
	struct gd_probe_result r;
	struct gd_http_req req = { 0 };
	char url[128];

	(void)state;
	assert_int_equal(gd_probe_http(&req, &r), -1);
	assert_string_equal(r.error, "url is missing");

	req.url = "file:///etc/passwd";
	assert_int_equal(gd_probe_http(&req, &r), -1);
	assert_contains(r.error, "scheme must be http or https");

	req.url = "gopher://127.0.0.1/";
	assert_int_equal(gd_probe_http(&req, &r), -1);
	assert_contains(r.error, "scheme must be http or https");

	req.url = "127.0.0.1/ok";  /* no scheme guessing */
	assert_int_equal(gd_probe_http(&req, &r), -1);

	snprintf(url, sizeof(url), "%s/ok", base_url);
	req.url = url;
	req.method = "GET /x HTTP/1.0\r\n";
	assert_int_equal(gd_probe_http(&req, &r), -1);
	assert_contains(r.error, "bad method");

	req.method = NULL;
	req.headers = crlf;
	assert_int_equal(gd_probe_http(&req, &r), -1);
	assert_contains(r.error, "bad header");
	gd_probe_result_free(&r);
}

/* --- TCP --- */

static void
test_tcp(void **state)
{
	struct gd_probe_result r;
	char want[64];

	(void)state;
	assert_int_equal(gd_probe_tcp("127.0.0.1", server_port, 2000, &r), 0);
	assert_probe_ok(r);
	assert_int_equal(r.status, 0);
	assert_true(r.ms < 1000);

	assert_int_equal(gd_probe_tcp("localhost", server_port, 2000, &r), 0);
	assert_probe_ok(r);

	assert_int_equal(gd_probe_tcp("127.0.0.1", closed_port, 2000, &r), 0);
	assert_false(r.ok);
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%d refused", closed_port);
	assert_string_equal(r.error, want);

	/* IPv6 loopback: refused or unreachable when ::1 is not configured */
	assert_int_equal(gd_probe_tcp("::1", closed_port, 2000, &r), 0);
	assert_false(r.ok);
	snprintf(want, sizeof(want), "connect to [::1]:%d", closed_port);
	assert_contains(r.error, want);

	assert_int_equal(gd_probe_tcp("127.0.0.1", 0, 2000, &r), -1);
	assert_contains(r.error, "port 0");
	assert_int_equal(gd_probe_tcp("", 80, 2000, &r), -1);
	/* tcp timeout is not tested: no loopback address drops SYNs safely */
}

/* --- regex --- */

static void
test_regex(void **state)
{
	char err[GD_ERRLEN];

	(void)state;
	assert_int_equal(gd_regex_match("^heal+thy$", "healthy", 7, err, sizeof(err)), 1);
	assert_int_equal(gd_regex_match("\"status\": *\"(up|ok)\"", "{\"status\": \"ok\"}", 16, err, sizeof(err)), 1);
	assert_int_equal(gd_regex_match("down", "healthy", 7, err, sizeof(err)), 0);
	/* len is honoured: "abc" cut to "ab" */
	assert_int_equal(gd_regex_match("c$", "abc", 2, err, sizeof(err)), 0);
	/* embedded NUL: never read past len, never crash */
	assert_int_equal(gd_regex_match("^a", "a\0b", 3, err, sizeof(err)), 1);
#ifdef REG_STARTEND
	assert_int_equal(gd_regex_match("b$", "a\0b", 3, err, sizeof(err)), 1);
#else
	assert_int_equal(gd_regex_match("b$", "a\0b", 3, err, sizeof(err)), 0);
#endif
	assert_int_equal(gd_regex_match("(", "x", 1, err, sizeof(err)), -1);
	assert_contains(err, "bad regex '(':");
	assert_int_equal(gd_regex_match("a{2,1}", "x", 1, err, sizeof(err)), -1);
	/* back-references take exponential time in regexec: refused before it runs */
	assert_int_equal(gd_regex_match("^(a*)*\\1b$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 30, err,
	    sizeof(err)), -1);
	assert_contains(err, "back-references");
	/* in a bracket a backslash is itself; an escaped backslash is no reference */
	assert_int_equal(gd_regex_match("^[\\1]+$", "1\\1", 3, err, sizeof(err)), 1);
	assert_int_equal(gd_regex_match("^a\\\\1$", "a\\1", 3, err, sizeof(err)), 1);
}

/* --- the Lua binding --- */

static int
lua_setup(void **state)
{
	lua_State *L = luaL_newstate();

	assert_non_null(L);
	luaL_openlibs(L);
	luaL_requiref(L, "gameday.net", luaopen_gameday_net, 0);
	lua_setglobal(L, "net");
	lua_pushstring(L, base_url);
	lua_setglobal(L, "BASE");
	lua_pushinteger(L, server_port);
	lua_setglobal(L, "PORT");
	lua_pushinteger(L, closed_port);
	lua_setglobal(L, "CLOSED");
	*state = L;
	return 0;
}

static int
lua_teardown(void **state)
{
	lua_close(*state);
	return 0;
}

/* Runs code, which must not raise; its results stay on the stack. */
#define run_lua(L, code) do { \
	lua_settop((L), 0); \
	if (luaL_dostring((L), (code)) != LUA_OK) \
		fail_msg("%s:%d: lua: %s", __FILE__, __LINE__, lua_tostring((L), -1)); \
} while (0)

/* Runs code, which must raise an error containing want. */
#define lua_raises(L, code, want) do { \
	lua_settop((L), 0); \
	if (luaL_dostring((L), (code)) == LUA_OK) \
		fail_msg("%s:%d: lua: no error from %s", __FILE__, __LINE__, (code)); \
	assert_contains(lua_tostring((L), -1), (want)); \
} while (0)

static void
test_lua_http(void **state)
{
	lua_State *L = *state;

	run_lua(L, "local r = net.http{ url = BASE .. '/ok', timeout_ms = 2000 }\n"
	    "return r.ok, r.status, r.body, r.body_bytes, r.error, r.ms");
	assert_int_equal(lua_gettop(L), 6);
	assert_true(lua_isboolean(L, 1) && lua_toboolean(L, 1));
	assert_int_equal(lua_tointeger(L, 2), 200);
	assert_string_equal(lua_tostring(L, 3), "healthy");
	assert_int_equal(lua_tointeger(L, 4), 7);
	assert_true(lua_isnil(L, 5));
	assert_true(lua_isinteger(L, 6));

	run_lua(L, "local r = net.http{ url = BASE .. '/big', max_body = 10 }\n"
	    "return r.ok, #r.body, r.body_bytes");
	assert_true(lua_toboolean(L, 1));
	assert_int_equal(lua_tointeger(L, 2), 10);
	assert_int_equal(lua_tointeger(L, 3), BIG_SIZE);

	run_lua(L, "local r = net.http{ url = BASE .. '/echo', method = 'POST', body = 'a\\0b',\n"
	    "  headers = { 'X-Probe: lua' }, insecure = true }\n"
	    "return r.status, r.body");
	assert_int_equal(lua_tointeger(L, 1), 200);
	assert_contains(lua_tostring(L, 2), "POST /echo ");
	assert_contains(lua_tostring(L, 2), "\r\nX-Probe: lua\r\n");
	assert_contains(lua_tostring(L, 2), "\r\nContent-Length: 3\r\n");

	run_lua(L, "local r = net.http{ url = BASE .. '/slow', timeout_ms = 300 }\n"
	    "return r.ok, r.error, r.ms, r.status");
	assert_false(lua_toboolean(L, 1));
	assert_contains(lua_tostring(L, 2), "timed out");
	assert_true(lua_tointeger(L, 3) < 1000);
	assert_int_equal(lua_tointeger(L, 4), 0);

	run_lua(L, "local r = net.http{ url = 'http://127.0.0.1:' .. CLOSED .. '/' }\n"
	    "return r.ok, r.error");
	assert_false(lua_toboolean(L, 1));
	assert_contains(lua_tostring(L, 2), "refused");

	run_lua(L, "return net.http{ url = BASE .. '/redirect' }.status");
	assert_int_equal(lua_tointeger(L, 1), 301);
}

static void
test_lua_tcp_match(void **state)
{
	lua_State *L = *state;

	run_lua(L, "local r = net.tcp{ host = '127.0.0.1', port = PORT, timeout_ms = 1000 }\n"
	    "return r.ok, r.error, r.ms");
	assert_true(lua_toboolean(L, 1));
	assert_true(lua_isnil(L, 2));
	assert_true(lua_isinteger(L, 3));

	run_lua(L, "local r = net.tcp{ host = '127.0.0.1', port = CLOSED }\nreturn r.ok, r.error");
	assert_false(lua_toboolean(L, 1));
	assert_contains(lua_tostring(L, 2), "refused");

	run_lua(L, "return net.match('^heal', 'healthy'), net.match('down', 'healthy'),\n"
	    "  net.match('b$', 'a\\0b'), net.match('^a$', 'a\\0b')");
	assert_true(lua_isboolean(L, 1) && lua_toboolean(L, 1));
	assert_true(lua_isboolean(L, 2) && !lua_toboolean(L, 2));
	/* a Lua string with a NUL reaches the regex whole, as gd_regex_match documents */
	assert_true(lua_isboolean(L, 3) && lua_isboolean(L, 4));
#ifdef REG_STARTEND
	assert_true(lua_toboolean(L, 3));
	assert_false(lua_toboolean(L, 4));
#else
	assert_false(lua_toboolean(L, 3));
	assert_true(lua_toboolean(L, 4));
#endif
}

static void
test_lua_misuse(void **state)
{
	lua_State *L = *state;

	lua_raises(L, "net.http{}", "bad argument #1 to 'http' (field 'url' must be a string)");
	lua_raises(L, "net.http('http://x')", "table expected");
	lua_raises(L, "net.http{ url = 42 }", "field 'url' must be a string");
	lua_raises(L, "net.http{ url = BASE, timeout_ms = 'soon' }", "field 'timeout_ms' must be a number");
	lua_raises(L, "net.http{ url = BASE, timeout_ms = 2.5 }", "must be an integer");
	lua_raises(L, "net.http{ url = BASE, timeout_ms = -1 }", "field 'timeout_ms' must be in");
	lua_raises(L, "net.http{ url = BASE, timeout = 300 }", "unknown field 'timeout'");
	lua_raises(L, "net.http{ url = BASE, headers = { 42 } }", "field 'headers'");
	lua_raises(L, "net.http{ url = BASE, headers = { 'X: a\\r\\nY: b' } }", "bad header");
	lua_raises(L, "net.http{ url = BASE, insecure = 'yes' }", "field 'insecure' must be a boolean");
	lua_raises(L, "net.http{ url = 'file:///etc/passwd' }", "scheme must be http or https");
	lua_raises(L, "net.http{ url = BASE, method = 'GET / HTTP/1.0' }", "bad method");
	lua_raises(L, "net.tcp{ port = PORT }", "field 'host' must be a string");
	lua_raises(L, "net.tcp{ host = '127.0.0.1' }", "field 'port'");
	lua_raises(L, "net.tcp{ host = '127.0.0.1', port = 70000 }", "field 'port' must be in 1-65535");
	lua_raises(L, "net.match('(', 'x')", "bad regex '(':");
	lua_raises(L, "net.match('x')", "bad argument #2 to 'match'");
	/* errors carry the caller's position */
	lua_raises(L, "net.http{}", "[string \"net.http{}\"]:1:");
}

static void
test_rfc3339(void **state)
{
	(void)state;
	assert_int_equal(gd_rfc3339_ms("1970-01-01T00:00:01Z"), 1000);
	assert_int_equal(gd_rfc3339_ms("2024-05-01T12:00:03.250Z"), 1714564803250LL);
	assert_int_equal(gd_rfc3339_ms("2024-05-01T12:00:03.123456789Z"), 1714564803123LL);
	assert_int_equal(gd_rfc3339_ms("2024-05-01T14:00:03+02:00"), 1714564803000LL);
	assert_int_equal(gd_rfc3339_ms("2024-05-01T10:00:03-02:00"), 1714564803000LL);
	assert_int_equal(gd_rfc3339_ms("2024-05-01 12:00:03"), -1);
	assert_int_equal(gd_rfc3339_ms("2024-05-01T12:00:03"), -1);
	assert_int_equal(gd_rfc3339_ms("0001-01-01T00:00:00Zjunk"), -1);
	assert_int_equal(gd_rfc3339_ms(NULL), -1);
}

static void
prom_query(const char *path, const char *q, enum gd_prom_outcome want, size_t n)
{
	struct gd_prom_result r;
	char url[128];

	snprintf(url, sizeof(url), "%s%s", base_url, path);
	assert_int_equal(gd_prom_query(url, q, 3000, &r), 0);
	if (r.outcome != want)
		fail_msg("%s %s: outcome %s, want %s (%s)", path, q, gd_prom_outcome_name(r.outcome),
		    gd_prom_outcome_name(want), r.error);
	assert_int_equal(json_array_size(r.items), n);
	gd_prom_result_free(&r);
}

static void
test_prom_query(void **state)
{
	struct gd_prom_result r;
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "%s/prom/", base_url);  /* a trailing slash is fine */
	assert_int_equal(gd_prom_query(url, "vec", 3000, &r), 0);
	assert_int_equal(r.outcome, GD_PROM_OK);
	assert_int_equal(json_array_size(r.items), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(r.items, 0), "labels"), "host")), "lab1");
	assert_true(json_real_value(json_object_get(json_array_get(r.items, 0), "value")) == 2.5);
	assert_null(json_object_get(json_array_get(r.items, 1), "value"));  /* NaN */
	assert_string_equal(json_string_value(json_object_get(json_array_get(r.items, 1), "text")), "NaN");
	gd_prom_result_free(&r);

	prom_query("/prom", "none", GD_PROM_EMPTY, 0);
	prom_query("/prom", "up{", GD_PROM_QUERY_ERROR, 0);
	prom_query("/prom", "up[5m]", GD_PROM_QUERY_ERROR, 0);
	prom_query("/html", "up", GD_PROM_BAD_REPLY, 0);
	prom_query("/nothing-here", "up", GD_PROM_BAD_REPLY, 0);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port);
	assert_int_equal(gd_prom_query(url, "up", 2000, &r), 0);
	assert_int_equal(r.outcome, GD_PROM_UNREACHABLE);
	assert_non_null(strstr(r.error, "refused"));
	gd_prom_result_free(&r);
	assert_int_equal(gd_prom_query("ftp://x/", "up", 2000, &r), -1);  /* misuse */
	gd_prom_result_free(&r);
}

static void
test_prom_alerts(void **state)
{
	struct gd_prom_result r;
	char url[128];
	json_t *a;

	(void)state;
	snprintf(url, sizeof(url), "%s/prom", base_url);
	assert_int_equal(gd_prom_alerts(url, NULL, 3000, &r), 0);  /* no /api/v2: prometheus */
	assert_int_equal(r.outcome, GD_PROM_OK);
	assert_string_equal(r.source, "prometheus");
	a = json_array_get(r.items, 0);
	assert_string_equal(json_string_value(json_object_get(a, "state")), "firing");
	assert_int_equal(json_integer_value(json_object_get(a, "active_at_ms")), 1714564803250LL);
	gd_prom_result_free(&r);

	snprintf(url, sizeof(url), "%s/am", base_url);
	assert_int_equal(gd_prom_alerts(url, NULL, 3000, &r), 0);
	assert_int_equal(r.outcome, GD_PROM_OK);
	assert_string_equal(r.source, "alertmanager");
	a = json_array_get(r.items, 0);
	assert_string_equal(json_string_value(json_object_get(a, "state")), "suppressed");
	assert_int_equal(json_integer_value(json_object_get(a, "active_at_ms")), 1714564800000LL);
	gd_prom_result_free(&r);

	assert_int_equal(gd_prom_alerts(url, "grafana", 3000, &r), -1);
	gd_prom_result_free(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port);
	assert_int_equal(gd_prom_alerts(url, "alertmanager", 2000, &r), 0);
	assert_int_equal(r.outcome, GD_PROM_UNREACHABLE);
	gd_prom_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_ok),
		cmocka_unit_test(test_http_500_is_ok),
		cmocka_unit_test(test_http_redirect_not_followed),
		cmocka_unit_test(test_http_big_bounded),
		cmocka_unit_test(test_http_slow_latency),
		cmocka_unit_test(test_http_timeout),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_http_echo_request),
		cmocka_unit_test(test_http_misuse),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_prom_query),
		cmocka_unit_test(test_prom_alerts),
		cmocka_unit_test_setup_teardown(test_lua_http, lua_setup, lua_teardown),
		cmocka_unit_test_setup_teardown(test_lua_tcp_match, lua_setup, lua_teardown),
		cmocka_unit_test_setup_teardown(test_lua_misuse, lua_setup, lua_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
