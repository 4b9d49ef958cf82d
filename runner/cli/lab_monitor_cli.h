/* lab_monitor_cli.h: `gameday lab up --monitoring`, called from cmd_lab.c. */
#ifndef GD_LAB_MONITOR_CLI_H
#define GD_LAB_MONITOR_CLI_H

/* Starts monitoring for the lab in dir with the rule files (none: the
 * shipped scenarios/monitoring/lab-rules.yml), waits until Prometheus sees
 * every target up, prints the URLs. 0, or -1 after a message (and after
 * stopping what it started). */
int gd_lab_cli_monitor_up(const char *dir, const char *const *rules, int nrules);

/* Malloc'd path of the shipped lab rules. */
char *gd_lab_default_rules(void);

#endif
