/* test_engine.c: the game-day engine (lua/gameday/engine*.lua, built into the
 * binary) against fake gameday.ssh and gameday.journal modules
 * (tests/unit/lua/): verdicts, exit codes, journal records and the order of
 * injects and reverts, without root or a lab. Each case of
 * tests/unit/lua/enginetest.lua is one cmocka test. */
#include "luacases.h"

int
main(void)
{
	return lua_cases_main("enginetest", "engine");
}
