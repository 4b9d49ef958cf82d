/* cmd_lab.c: `gameday lab` (not built yet). */
#include "gd.h"

int
gd_cmd_lab(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	gd_warnx("lab: not built yet");
	return GD_EXIT_USAGE;
}
