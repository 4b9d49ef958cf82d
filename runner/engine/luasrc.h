/* luasrc.h: gameday's Lua (lua/), built into the binary at build time by
 * runner/engine/embed-lua.sh, as wrk builds wrk.lua into wrk: an installed
 * binary always runs the Lua it was built with. $GAMEDAY_LUA_DIR still loads
 * it from a directory instead, for development. */
#ifndef GD_LUASRC_H
#define GD_LUASRC_H

#include <stddef.h>

struct gd_lua_module {
	const char *name;   /* "gameday.engine.verdict" */
	const char *path;   /* "lua/gameday/engine/verdict.lua", for messages */
	const char *src;
	size_t len;
};

/* The built-in module called name, or NULL. */
const struct gd_lua_module *gd_lua_module(const char *name);

/* Every built-in module, ending with one whose name is NULL. */
extern const struct gd_lua_module gd_lua_modules[];

#endif
