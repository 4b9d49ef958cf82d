/* cmd_exec.c: `gameday exec` (not built yet). */
#include "gd.h"

int
gd_cmd_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	gd_warnx("exec: not built yet");
	return GD_EXIT_USAGE;
}
