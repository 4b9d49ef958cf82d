/* test_slo.c: gameday.slo, the SLIs, nearest-rank percentiles, SLO
 * judgement and error budget of SLO steady states and `gameday probe`. Each
 * case of tests/unit/lua/slotest.lua is one cmocka test. */
#include "luacases.h"

int
main(void)
{
	return lua_cases_main("slotest", "slo");
}
