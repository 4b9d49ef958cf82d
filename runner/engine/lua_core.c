/* lua_core.c: gameday.core: quoting, clocks, sleep, logging, the sandboxed
 * loader for scenario files, and the Lua side of the limits of lua_guard.c:
 * windows (deadlines), the revert shield, the sandbox's own functions. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "lua_bind.h"
#include "quote.h"
#include "size.h"

/* core.quote(s) -> one shell word */
static int
l_quote(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	struct gd_buf b = { 0 };

	if (gd_shell_quote(&b, s, len) != 0)
		return luaL_argerror(L, 1, "a NUL byte cannot go into a shell command");
	lua_pushlstring(L, b.data, b.len);
	gd_buf_free(&b);
	return 1;
}

static int
l_now_ms(lua_State *L)
{
	lua_pushinteger(L, gd_now_ms());
	return 1;
}

/* core.epoch_ms() -> wall clock, for journals and reports */
static int
l_epoch_ms(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)gd_epoch_ms());
	return 1;
}

/* core.duration_ms(v, what) -> ms: the one duration grammar (duration.h); a
 * Lua number is seconds. Raises "WHAT: why" when v is not a duration. */
static int
l_duration_ms(lua_State *L)
{
	const char *what = luaL_optstring(L, 2, "duration");
	char err[GD_ERRLEN];
	long long ms;

	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_Number v = lua_tonumber(L, 1);

		if (!(v >= 0 && v <= 100.0 * 365 * 86400))
			return luaL_error(L, "%s: a duration in seconds from 0 to 100 years is needed", what);
		lua_pushinteger(L, (lua_Integer)(v * 1000 + 0.5));
		return 1;
	}
	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "%s: a duration like \"30s\" or \"5m\" is needed, not a %s", what,
		    luaL_typename(L, 1));
	if (gd_duration_parse(lua_tostring(L, 1), &ms, err, sizeof(err)) != 0)
		return luaL_error(L, "%s: %s", what, err);
	lua_pushinteger(L, (lua_Integer)ms);
	return 1;
}

/* core.fmt_ms(ms) -> text: the one duration formatter (duration.h) */
static int
l_fmt_ms(lua_State *L)
{
	char buf[GD_DURATION_LEN];

	lua_pushstring(L, gd_duration_fmt((long long)luaL_checknumber(L, 1), buf, sizeof(buf)));
	return 1;
}

/* core.date(fmt, epoch_s) -> strftime in UTC */
static int
l_date(lua_State *L)
{
	const char *fmt = luaL_checkstring(L, 1);
	time_t t = (time_t)luaL_optinteger(L, 2, time(NULL));
	struct tm tm;
	char buf[256];

	gmtime_r(&t, &tm);
	if (strftime(buf, sizeof(buf), fmt, &tm) == 0)
		buf[0] = '\0';
	lua_pushstring(L, buf);
	return 1;
}

/* core.sleep(ms) -> true, or false when an abort came first (unless
 * shielded); a deadline that passes raises its stop */
static int
l_sleep(lua_State *L)
{
	long long end = gd_now_ms() + luaL_checkinteger(L, 1);
	long long left;

	while ((left = end - gd_now_ms()) > 0) {
		struct timespec ts = { 0, (left > 100 ? 100 : left) * 1000000L };

		if (gd_lua_stop_due(L) == GD_STOP_ABORT) {
			lua_pushboolean(L, 0);
			return 1;
		}
		gd_lua_check_stop(L);
		nanosleep(&ts, NULL);
	}
	gd_lua_check_stop(L);
	lua_pushboolean(L, 1);
	return 1;
}

/* core.log(text): a progress line on stderr */
static int
l_log(lua_State *L)
{
	fflush(stdout);
	fprintf(stderr, "%s\n", luaL_checkstring(L, 1));
	return 0;
}

/* core.out(text): to stdout as it is */
static int
l_out(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);

	fwrite(s, 1, len, stdout);
	return 0;
}

static int
l_aborted(lua_State *L)
{
	if (!gd_abort_signal)
		return 0;
	lua_pushstring(L, gd_lua_signame(gd_abort_signal));
	return 1;
}

/* core.shield(on): while on, an abort waits (for reverts to finish) */
static int
l_shield(lua_State *L)
{
	gd_lua_guard(L)->shielded = lua_toboolean(L, 1);
	return 0;
}

/* core.set_deadline(ms_from_now [, what]) opens a window for scenario code;
 * core.set_deadline(nil) closes it. Prefer core.within. */
static int
l_set_deadline(lua_State *L)
{
	if (lua_isnoneornil(L, 1))
		gd_lua_set_window(L, -1, NULL);
	else
		gd_lua_set_window(L, luaL_checkinteger(L, 1), luaL_optstring(L, 2, ""));
	return 0;
}

/* core.error_text(e) -> text: an error value as text; a __tostring of it runs
 * only within a short window of its own */
static int
l_error_text(lua_State *L)
{
	luaL_checkany(L, 1);
	gd_lua_error_text(L, 1);
	return 1;
}

/* core.stop_kind(v) -> "abort" | "deadline" | "memory" | "outside" | nil: what
 * stop v is, if it is one */
static int
l_stop_kind(lua_State *L)
{
	static const char *const names[GD_STOP_N] = { NULL, "abort", "deadline", "memory", "outside" };
	enum gd_stop k = gd_lua_stop_kind(L, 1);

	if (k == GD_STOP_NONE)
		return 0;
	lua_pushstring(L, names[k]);
	return 1;
}

/* core.sandbox() -> { pcall, xpcall, setmetatable }: the sandbox's own */
static int
l_sandbox(lua_State *L)
{
	gd_lua_push_sandbox(L);
	return 1;
}

/* core.size_bytes(v, what) -> bytes: the one size grammar (size.h); a Lua
 * number is bytes. Raises "WHAT: why" when v is not a size. */
static int
l_size_bytes(lua_State *L)
{
	const char *what = luaL_optstring(L, 2, "size");
	unsigned long long v;
	char err[GD_ERRLEN];

	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_Number n = lua_tonumber(L, 1);

		if (!(n >= 0 && n <= 9007199254740992.0))
			return luaL_error(L, "%s: a size in bytes from 0 to 8 PiB is needed", what);
		lua_pushinteger(L, (lua_Integer)n);
		return 1;
	}
	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "%s: a size like \"64M\" or \"1G\" is needed, not a %s", what,
		    luaL_typename(L, 1));
	if (gd_size_parse(lua_tostring(L, 1), &v, err, sizeof(err)) != 0)
		return luaL_error(L, "%s: %s", what, err);
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

/* core.memory() -> bytes in use, the cap */
static int
l_memory(lua_State *L)
{
	struct gd_lua_guard *g = gd_lua_guard(L);

	lua_pushinteger(L, (lua_Integer)g->mem_used);
	lua_pushinteger(L, (lua_Integer)g->mem_limit);
	return 2;
}

/* core.loadfile(path, env) -> function | nil, err: a text chunk whose _ENV is env */
static int
l_loadfile(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);

	luaL_checktype(L, 2, LUA_TTABLE);
	if (luaL_loadfilex(L, path, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushvalue(L, 2);
	if (lua_setupvalue(L, -2, 1) == NULL)
		lua_pop(L, 1);
	return 1;
}

/* core.random_hex(nbytes) -> hex string from the kernel's CSPRNG */
static int
l_random_hex(lua_State *L)
{
	lua_Integer n = luaL_optinteger(L, 1, 4);
	unsigned char buf[32];
	char hex[65];
	int fd, i;

	luaL_argcheck(L, n > 0 && n <= 32, 1, "from 1 to 32 bytes");
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, (size_t)n) != n) {
		if (fd >= 0)
			close(fd);
		return luaL_error(L, "cannot read /dev/urandom: %s", strerror(errno));
	}
	close(fd);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	lua_pushlstring(L, hex, (size_t)(2 * n));
	return 1;
}

/* core.traceback(msg) -> msg with a traceback: a message handler for
 * xpcall (a stop goes on as it is) */
static int
l_traceback(lua_State *L)
{
	return gd_lua_msghandler(L);
}

static int
l_hostname(lua_State *L)
{
	char buf[256];

	if (gethostname(buf, sizeof(buf)) != 0)
		strcpy(buf, "localhost");
	buf[sizeof(buf) - 1] = '\0';
	lua_pushstring(L, buf);
	return 1;
}

static int
l_pid(lua_State *L)
{
	lua_pushinteger(L, getpid());
	return 1;
}

/* Waits up to ms for stdin to be readable, in slices so that an abort is
 * seen; 1 readable, 0 timed out or aborted. */
static int
wait_input(long long ms)
{
	long long end = gd_now_ms() + ms, left;
	struct pollfd p = { 0, POLLIN, 0 };

	while ((left = end - gd_now_ms()) > 0 && !gd_abort_signal) {
		if (poll(&p, 1, left > 100 ? 100 : (int)left) > 0)
			return 1;
	}
	return 0;
}

/* core.key(timeout_ms) -> a one-character string, nil on timeout or abort, ""
 * at end of input. On a terminal, one raw key: no echo, no Enter, signals
 * still on; the terminal is restored before returning, so no exit path can
 * leave it raw. Otherwise one key per line (the line's first non-blank). */
static int
l_key(lua_State *L)
{
	long long ms = luaL_checkinteger(L, 1), end = gd_now_ms() + ms;
	struct termios old, raw;
	char c = 0, line = 0;
	ssize_t n;

	if (isatty(0) && tcgetattr(0, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &raw);
		n = wait_input(ms) ? read(0, &c, 1) : -1;
		tcsetattr(0, TCSANOW, &old);
		if (gd_lua_stop_due(L) == GD_STOP_DEADLINE)  /* with the terminal as it was */
			gd_lua_check_stop(L);
		if (n == 1) {
			lua_pushlstring(L, &c, 1);
			return 1;
		}
		return 0;
	}
	while (wait_input(end - gd_now_ms())) {
		/* the rest of the line, blocking: a script writes whole lines */
		while ((n = read(0, &c, 1)) == 1 && c != '\n') {
			if (line == 0 && c != ' ' && c != '\t' && c != '\r')
				line = c;
		}
		if (line != 0) {
			lua_pushlstring(L, &line, 1);
			return 1;
		}
		if (n == 0) {
			lua_pushliteral(L, "");
			return 1;
		}
		if (n < 0 && errno != EINTR)
			return luaL_error(L, "cannot read the game master's keys: %s", strerror(errno));
	}
	if (gd_lua_stop_due(L) == GD_STOP_DEADLINE)
		gd_lua_check_stop(L);
	return 0;
}

static int
l_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

static int
l_color(lua_State *L)
{
	lua_pushboolean(L, gd_use_color(luaL_checkinteger(L, 1) == 2 ? stderr : stdout));
	return 1;
}

int
luaopen_gameday_core(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "quote", l_quote },
		{ "now_ms", l_now_ms },
		{ "epoch_ms", l_epoch_ms },
		{ "date", l_date },
		{ "duration_ms", l_duration_ms },
		{ "fmt_ms", l_fmt_ms },
		{ "sleep", l_sleep },
		{ "log", l_log },
		{ "out", l_out },
		{ "aborted", l_aborted },
		{ "shield", l_shield },
		{ "set_deadline", l_set_deadline },
		{ "within", gd_lua_within },
		{ "error_text", l_error_text },
		{ "stop_kind", l_stop_kind },
		{ "sandbox", l_sandbox },
		{ "size_bytes", l_size_bytes },
		{ "memory", l_memory },
		{ "loadfile", l_loadfile },
		{ "random_hex", l_random_hex },
		{ "hostname", l_hostname },
		{ "traceback", l_traceback },
		{ "pid", l_pid },
		{ "isatty", l_isatty },
		{ "key", l_key },
		{ "color", l_color },
		{ NULL, NULL },
	};

	luaL_newlib(L, fns);
	lua_pushstring(L, GD_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
