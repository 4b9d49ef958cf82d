/* main.c: the gameday command line; dispatches to the gd_cmd_* functions. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <libssh2.h>

#include "gd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);  /* NULL: not built yet */
	const char *synopsis;
	const char *what;
};

static const struct command commands[] = {
	{ "hosts", gd_cmd_hosts, "hosts -i INV PATTERN", "the hosts a pattern resolves to (as ansible --list-hosts)" },
	{ "exec", gd_cmd_exec, "exec -i INV PATTERN -- CMD...", "run a command on many hosts at once" },
	{ "lab", gd_cmd_lab, "lab up|down|status [--hosts N]", "throwaway local hosts for training and tests (root)" },
	{ "run", gd_cmd_run, "run SCENARIO.lua [-i INV]", "run a game day: steady state, inject, observe, revert, report" },
	{ "drill", gd_cmd_drill, "drill PLAN.lua [-i INV]", "a R.A.D. restore drill: fetch, verify, restore, time it" },
	{ "verify", gd_cmd_verify, "verify ARCHIVE [--manifest FILE]", "prove a backup archive whole, entry by entry" },
	{ "recover", gd_cmd_recover, "recover [RUN-ID]", "revert everything a crashed or killed run left behind" },
	{ "check", gd_cmd_check, "check FILE...", "validate scenarios, plans, banks, inventories without touching a host" },
	{ "list", gd_cmd_list, "list [DIR]", "the scenario catalog with ids, tags, topics, last played" },
	{ "wheel", gd_cmd_wheel, "wheel [--roster FILE] [--tabletop|--live]", "spin the wheel of misfortune" },
	{ "quiz", gd_cmd_quiz, "quiz BANK.yaml --participant NAME", "a scored internal test" },
	{ "readiness", gd_cmd_readiness, "readiness NAME --profile FILE", "the pre-on-call readiness check" },
	{ "history", gd_cmd_history, "history [--docs DIR]", "TTD/TTR, RTO and score distributions across past results" },
	{ "docs", gd_cmd_docs, "docs push|add [--docs DIR]", "push pending report commits; file results made elsewhere" },
	{ "schedule", gd_cmd_schedule, "schedule PLAN", "write a systemd timer for a recurring drill" },
	{ "probe", gd_cmd_probe, "probe [SCENARIO | --http URL] [--every D] [--for D]", "the synthetic user on demand: SLIs" },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: gameday COMMAND [options]\n"
	    "       gameday COMMAND --help\n"
	    "\n"
	    "gameday runs game days, fault injection and restore drills on real hosts over\n"
	    "SSH, and scores training sessions. It reads Ansible inventories and checks\n"
	    "host keys against known_hosts.\n"
	    "\n"
	    "commands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-42s %s%s\n", commands[i].synopsis, commands[i].what,
		    commands[i].fn == NULL ? " [not built yet]" : "");
	fputs("\n"
	    "exit status:\n"
	    "  0  success\n"
	    "  1  the run completed but its check, command, drill or test failed\n"
	    "  2  usage or bad input (the message names the file, line and what is wrong)\n"
	    "  3  a host or tool could not be reached or used\n"
	    "  4  aborted (signal or stop condition) after reverting\n"
	    "\n"
	    "environment:\n"
	    "  GAMEDAY_INVENTORY  the inventory when -i is not given\n"
	    "  NO_COLOR           no colour in output\n"
	    "\n"
	    "start with:  sudo gameday lab up --hosts 3\n"
	    "             gameday exec -i .lab/inventory.yaml lab -- uptime\n", f);
}

/* A full disk or a closed pipe must not look like success. */
static int
close_stdout(int ret)
{
	if (fclose(stdout) != 0) {
		fprintf(stderr, "gameday: cannot write output: %s\n", strerror(errno));
		return ret == GD_EXIT_OK ? GD_EXIT_UNREACHABLE : ret;
	}
	return ret;
}

int
main(int argc, char **argv)
{
	const char *name;
	size_t i;
	int ret;

	signal(SIGPIPE, SIG_IGN);  /* a dropped connection is an error, not a death */
	if (argc < 2) {
		usage(stderr);
		return GD_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		if (strcmp(name, "help") == 0 && argc > 2) {
			char *sub[] = { argv[2], (char *)"--help", NULL };

			for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (strcmp(commands[i].name, argv[2]) == 0 && commands[i].fn != NULL)
					return close_stdout(commands[i].fn(2, sub));
		}
		usage(stdout);
		return close_stdout(GD_EXIT_OK);
	}
	if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
		printf("gameday %s (libssh2 %s)\n", GD_VERSION, libssh2_version(0));
		return close_stdout(GD_EXIT_OK);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (commands[i].fn == NULL) {
			fprintf(stderr, "gameday: %s is not built yet\n", name);
			return GD_EXIT_USAGE;
		}
		if (libssh2_init(0) != 0) {
			fprintf(stderr, "gameday: cannot initialise libssh2\n");
			return GD_EXIT_UNREACHABLE;
		}
		ret = commands[i].fn(argc - 1, argv + 1);
		libssh2_exit();
		return close_stdout(ret);
	}
	fprintf(stderr, "gameday: unknown command '%s'\ntry 'gameday --help'\n", name);
	return GD_EXIT_USAGE;
}
