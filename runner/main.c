/* main.c: the gameday command line; dispatches to the gd_cmd_* functions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gd.h"


int
main(int argc, char **argv)
{
	(void)argc; (void)argv;
	return 0;
}
