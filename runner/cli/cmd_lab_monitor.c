/* cmd_lab_monitor.c: the --monitoring part of `gameday lab up`: starts
 * runner/lab/monitor.c's processes, then waits until Prometheus itself says
 * every target is up and the rules have been evaluated, so a test or the
 * demo can rely on the alerts from its first second. */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gd.h"
#include "lab_monitor_cli.h"
#include "monitor.h"
#include "probe.h"

#define READY_MS 30000

/* The value of a one-series query, or -1 (no answer, empty, error). */
static double
query1(const char *url, const char *q, char *why, size_t len)
{
	struct gd_prom_result r;
	double v = -1;

	gd_prom_query(url, q, 2000, &r);
	if (r.outcome == GD_PROM_OK)
		v = json_real_value(json_object_get(json_array_get(r.items, 0), "value"));
	else
		snprintf(why, len, "%s: %.400s", gd_prom_outcome_name(r.outcome),
		    r.error[0] ? r.error : q);
	gd_prom_result_free(&r);
	return v;
}

static int
wait_ready(const char *dir, int nrules, char *err, size_t errlen)
{
	char url[128], why[GD_ERRLEN] = "", q[64];
	long long deadline = gd_now_ms() + READY_MS;
	int want = gd_lab_monitor_targets(dir);
	double up = -1, evald = nrules > 0 ? -1 : 1;

	gd_lab_monitor_urls(dir, url, sizeof url, NULL, 0);
	snprintf(q, sizeof q, "count(up == 1)");
	while (gd_now_ms() < deadline) {
		up = query1(url, q, why, sizeof why);
		if (nrules > 0)
			evald = query1(url, "count(prometheus_rule_group_last_evaluation_timestamp_seconds"
			    " > 0)", why, sizeof why);
		if (up >= want && evald >= 1)
			return 0;
		poll(NULL, 0, 250);
	}
	return gd_errf(err, errlen, "Prometheus at %s sees %.0f of %d targets up%s%s after %d s",
	    url, up < 0 ? 0 : up, want, evald < 1 ? ", rules not evaluated yet" : "",
	    why[0] ? (why[0] = ' ', why) : "", READY_MS / 1000);
}

/* The shipped lab rules: scenarios/ beside the binary (a build tree, or
 * build/ in one), else PREFIX/share/gameday/scenarios (installed). */
char *
gd_lab_default_rules(void)
{
	static const char *const where[] = { "%s/scenarios", "%s/../scenarios", "%s/../share/gameday/scenarios" };
	char exe[PATH_MAX], *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t i;

	if (n <= 0)
		return gd_xstrdup("scenarios/monitoring/lab-rules.yml");
	exe[n] = '\0';
	if (strrchr(exe, '/') != NULL)
		*strrchr(exe, '/') = '\0';
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char *dir = gd_xasprintf(where[i], exe);

		p = gd_xasprintf("%s/monitoring/lab-rules.yml", dir);
		free(dir);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return gd_xasprintf("%s/../share/gameday/scenarios/monitoring/lab-rules.yml", exe);
}

int
gd_lab_cli_monitor_up(const char *dir, const char *const *rules, int nrules)
{
	char err[GD_ERRLEN], prom[128], am[128];
	char *deflt = NULL;
	const char *one[1];
	long long t0 = gd_now_ms();

	if (nrules == 0) {
		one[0] = deflt = gd_lab_default_rules();
		rules = one;
		nrules = 1;
	}
	if (gd_lab_monitor_up(dir, rules, nrules, err, sizeof err) == -1 ||
	    wait_ready(dir, nrules, err, sizeof err) == -1) {
		char e2[GD_ERRLEN];

		gd_warnx("lab up --monitoring: %s", err);
		if (gd_lab_monitor_down(dir, e2, sizeof e2) == -1)
			gd_warnx("lab up --monitoring: stopping it: %s", e2);
		free(deflt);
		return -1;
	}
	gd_lab_monitor_urls(dir, prom, sizeof prom, am, sizeof am);
	printf("lab: monitoring up in %.1f s: Prometheus %s, Alertmanager %s, "
	    "%d target%s up, rules from %s%s\n", (gd_now_ms() - t0) / 1000.0, prom, am,
	    gd_lab_monitor_targets(dir), gd_lab_monitor_targets(dir) == 1 ? "" : "s", rules[0],
	    nrules > 1 ? " and more" : "");
	free(deflt);
	return 0;
}
