/* lua_bind.h: shared by the Lua binding files (and only them). */
#ifndef GD_LUA_BIND_H
#define GD_LUA_BIND_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "script.h"

/* The script's environment, kept in the registry under this key. */
#define GD_ENV_KEY "gameday.env"
const struct gd_script_env *gd_lua_env(lua_State *L);

/* Lua value at idx to JSON: tables with keys 1..n become arrays, others
 * objects with string keys; functions and userdata are refused. Returns a
 * new reference, or NULL with err filled. */
json_t *gd_lua_to_json(lua_State *L, int idx, char *err, size_t errlen);
/* Pushes the Lua form of j (null becomes nil). */
void gd_lua_push_json(lua_State *L, const json_t *j);

/* What stops a script. Stops are raised as values the sandbox's pcall and
 * xpcall do not catch, and, once due, again at every hook tick in scenario
 * code (the engine's own code meets them at its next wait). */
enum gd_stop {
	GD_STOP_NONE,
	GD_STOP_ABORT,     /* a signal, unless shielded */
	GD_STOP_DEADLINE,  /* the window's deadline passed */
	GD_STOP_MEMORY,    /* the allocator's cap was reached */
	GD_STOP_OUTSIDE,   /* scenario code ran with no window open */
	GD_STOP_N
};

/* The limits a Lua state runs under (script.c); one per state, found from
 * the state's allocator. A window is the time scenario code may run in: it
 * opens with a deadline and closes when the deadline is cleared. */
struct gd_lua_guard {
	size_t mem_used, mem_limit;    /* bytes the state holds, and its cap */
	size_t mem_reserve;            /* more allowed while no window is open */
	int mem_refused;               /* the cap refused something in this window */
	_Atomic long long deadline_ms; /* monotonic; 0: no window open (the watchdog reads it) */
	long long window_ms;           /* the window's length, for messages */
	int shielded;                  /* while reverting: an abort waits */
	int depth;                     /* gd_script_call nesting */
	char what[256];                /* what the window is for (a file), or "" */
	char where[256];               /* "file.lua:12": where the stop was raised */
	char *trusted;                 /* "@LUA_DIR/": the chunk names of gameday's own code */
	size_t ntrusted;
	pthread_mutex_t mu;            /* what, where and deadline_ms, for the watchdog */
	char said[GD_STOP_N][512];     /* what each stop said when last raised */
};

struct gd_lua_guard *gd_lua_guard(lua_State *L);
/* The allocator (ud: the guard), the count hook, the stop values, the
 * engine's pcall and xpcall in _G, and the message handler that adds a
 * traceback (a stop goes on as it is): what script.c sets a state up with. */
void *gd_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void gd_lua_hook(lua_State *L, lua_Debug *ar);
void gd_lua_open_stops(lua_State *L);
void gd_lua_open_pcalls(lua_State *L);
int gd_lua_msghandler(lua_State *L);
const char *gd_lua_signame(int sig);
/* Opens a window of ms from now for what (borrowed, copied), or closes it (ms < 0). */
void gd_lua_set_window(lua_State *L, long long ms, const char *what);
/* The stop due now (abort, deadline), or GD_STOP_NONE. */
enum gd_stop gd_lua_stop_due(lua_State *L);
/* Raises the stop due now, if any: every binding that blocks calls it. An
 * abort is raised only when scenario code is on the stack: the engine's own
 * reverts and checks after an abort go on. */
void gd_lua_check_stop(lua_State *L);
/* The kind of the stop at idx, or GD_STOP_NONE when it is not one. */
enum gd_stop gd_lua_stop_kind(lua_State *L, int idx);
/* Pushes the error value at idx as text. A __tostring of it (scenario
 * code) runs only within a short window of its own. Returns the text. */
const char *gd_lua_error_text(lua_State *L, int idx);
/* core.within(ms, what, fn, ...) -> true, results... | false, text, kind:
 * fn(...) within a window of ms, closed before anything else runs. */
int gd_lua_within(lua_State *L);
/* Pushes the sandbox's own pcall, xpcall and setmetatable as a table. */
void gd_lua_push_sandbox(lua_State *L);

/* Bounded string.find/match/gmatch/gsub/rep and table functions (lua_bounded.c):
 * replaces them in the state's string and table libraries. */
void gd_lua_bound_libs(lua_State *L);

int luaopen_gameday_core(lua_State *L);
int luaopen_gameday_json(lua_State *L);
int luaopen_gameday_ssh(lua_State *L);
int luaopen_gameday_journal(lua_State *L);
int luaopen_gameday_net(lua_State *L);
int luaopen_gameday_restore(lua_State *L);

#endif
