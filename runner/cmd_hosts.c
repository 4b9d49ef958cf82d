/* cmd_hosts.c: `gameday hosts` (not built yet). */
#include "gd.h"

int
gd_cmd_hosts(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	gd_warnx("hosts: not built yet");
	return GD_EXIT_USAGE;
}
