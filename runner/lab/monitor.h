/* monitor.h: real monitoring for a lab (`gameday lab up --monitoring`):
 * Debian's prometheus-node-exporter inside every lab host's namespaces, and
 * Prometheus and Alertmanager in the root namespace, listening only on the
 * lab bridge's address. Everything is recorded in DIR/monitoring/state.json
 * so that `lab down` stops it by pid. */
#ifndef GD_LAB_MONITOR_H
#define GD_LAB_MONITOR_H

#include <stddef.h>
#include <stdio.h>

#define GD_MON_PROM_PORT 9090
#define GD_MON_AM_PORT 9093
#define GD_MON_NODE_PORT 9100

/* Starts monitoring for the running lab in dir: one node exporter per host
 * (in its network, PID, mount and UTS namespaces), a /metrics file for the
 * lab web service when it runs, Prometheus (scrape and evaluation every 1s)
 * loading the nrules rule files (each checked with promtool and copied into
 * DIR/monitoring/rules), and Alertmanager. Appends gameday_prometheus_url
 * and gameday_alertmanager_url to DIR/inventory.yaml as variables of all.
 * Returns 0, or -1 with err filled; on failure it stops what it started. */
int gd_lab_monitor_up(const char *dir, const char *const *rules, int nrules, char *err,
    size_t errlen);

/* Stops every process gd_lab_monitor_up recorded, by pid (after checking
 * each still runs our command line), and removes DIR/monitoring. Idempotent:
 * 0 when there is nothing to stop. */
int gd_lab_monitor_down(const char *dir, char *err, size_t errlen);

/* Whether dir has monitoring state; fills the URLs (may be NULL). */
int gd_lab_monitor_urls(const char *dir, char *prom, size_t plen, char *am, size_t alen);

/* How many scrape targets Prometheus should see up, from the state. */
int gd_lab_monitor_targets(const char *dir);

/* One line per monitoring process: what, pid, running or gone. Returns
 * the number that are gone. */
int gd_lab_monitor_status(const char *dir, FILE *out);

#endif
