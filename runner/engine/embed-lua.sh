#!/bin/sh
# embed-lua.sh FILE...: C source holding each of gameday's Lua files (lua/...)
# as a byte array, with its module name, for luasrc.h. Run by the Makefile.
set -eu
echo '/* generated from lua/ by runner/engine/embed-lua.sh: do not edit */'
echo '#include <stddef.h>'
echo '#include "luasrc.h"'
n=0
for f in "$@"; do
	echo "static const char m$n[] = {"
	od -An -v -tx1 "$f" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'
	echo "0 };"
	n=$((n + 1))
done
echo 'const struct gd_lua_module gd_lua_modules[] = {'
n=0
for f in "$@"; do
	# lua/gameday/fault/init.lua -> gameday.fault; lua/gameday/util.lua -> gameday.util
	name=$(echo "$f" | sed -e 's|^lua/||' -e 's|/init\.lua$||' -e 's|\.lua$||' -e 's|/|.|g')
	echo "	{ \"$name\", \"$f\", m$n, sizeof(m$n) - 1 },"
	n=$((n + 1))
done
echo '	{ NULL, NULL, NULL, 0 },'
echo '};'
