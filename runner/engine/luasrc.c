/* luasrc.c: finding a module in the Lua built into the binary. */
#include <string.h>

#include "luasrc.h"

const struct gd_lua_module *
gd_lua_module(const char *name)
{
	const struct gd_lua_module *m;

	for (m = gd_lua_modules; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}
