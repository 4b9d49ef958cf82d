/* history.c: distributions of times and scores across past results, and
 * the dates of doc-repo twins (for gameday history). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gd.h"
#include "history.h"

void
gd_dist_add(struct gd_dist *d, long long v)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = gd_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n++] = v;
	d->sorted = 0;
}

void
gd_dist_free(struct gd_dist *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

long long
gd_dist_pct(struct gd_dist *d, int p)
{
	size_t rank;

	if (d->n == 0)
		return -1;
	if (!d->sorted) {
		qsort(d->v, d->n, sizeof(*d->v), cmp_ll);
		d->sorted = 1;
	}
	rank = ((size_t)p * d->n + 99) / 100;  /* ceil(p/100 * n) */
	if (rank < 1)
		rank = 1;
	if (rank > d->n)
		rank = d->n;
	return d->v[rank - 1];
}

void
gd_dist_hist(struct gd_dist *d, size_t nb, size_t *counts, long long *lo, long long *width)
{
	long long min, max;
	size_t i, b;

	memset(counts, 0, nb * sizeof(*counts));
	*lo = *width = 0;
	if (d->n == 0 || nb == 0)
		return;
	min = gd_dist_pct(d, 0);
	max = gd_dist_pct(d, 100);
	*lo = min;
	*width = (max - min + (long long)nb - 1) / (long long)nb;  /* whole ms, covering max */
	if (*width == 0 && max > min)
		*width = 1;
	for (i = 0; i < d->n; i++) {
		b = *width == 0 ? 0 : (size_t)((d->v[i] - min) / *width);
		if (b >= nb)
			b = nb - 1;
		counts[b]++;
	}
}

int
gd_history_date(const char *name, const json_t *twin, char date[11])
{
	const char *s;
	long long ms = -1;
	time_t t;
	struct tm tm;
	int i;

	for (i = 0; i < 10; i++)
		if (!(i == 4 || i == 7 ? name[i] == '-' : isdigit((unsigned char)name[i])))
			break;
	if (i == 10) {
		memcpy(date, name, 10);
		date[10] = '\0';
		return 0;
	}
	s = json_string_value(json_object_get(twin, "date"));
	if (s != NULL && strlen(s) >= 10) {
		memcpy(date, s, 10);
		date[10] = '\0';
		return 0;
	}
	if (json_is_number(json_object_get(twin, "started")))
		ms = (long long)json_number_value(json_object_get(twin, "started"));
	else if (json_is_number(json_object_get(twin, "ended")))
		ms = (long long)json_number_value(json_object_get(twin, "ended"));
	if (ms <= 0)
		return -1;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	strftime(date, 11, "%Y-%m-%d", &tm);
	return 0;
}

int
gd_history_since(const char *date, const char *since)
{
	return since == NULL || strcmp(date, since) >= 0;
}
