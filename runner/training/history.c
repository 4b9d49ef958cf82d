/* history.c: distributions of times and scores across past results (for
 * gameday history). */
#include <stdlib.h>
#include <string.h>

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

/* the edges of nb buckets from min to max: whole numbers, the last max */
static void
edges_of(long long min, long long max, size_t nb, long long *edges)
{
	size_t i;

	for (i = 0; i <= nb; i++)
		edges[i] = min + (long long)(((double)(max - min) * (double)i) / (double)nb);
	edges[nb] = max;
}

size_t
gd_dist_hist(struct gd_dist *d, size_t nb, size_t *counts, long long *edges,
    const char *(*fmt)(long long v, char *buf, size_t len))
{
	char a[64], b[64];
	long long min, max;
	size_t i, k;

	if (d->n == 0 || nb == 0)
		return 0;
	min = gd_dist_pct(d, 0);
	max = gd_dist_pct(d, 100);
	if (max == min) {
		nb = 1;
		edges[0] = edges[1] = min;
	} else {
		/* fewer buckets until every edge reads differently: no two labels alike */
		for (; nb > 1; nb--) {
			edges_of(min, max, nb, edges);
			for (i = 0; i < nb; i++)
				if (edges[i] == edges[i + 1] || (fmt != NULL &&
				    strcmp(fmt(edges[i], a, sizeof(a)), fmt(edges[i + 1], b, sizeof(b))) == 0))
					break;
			if (i == nb)
				break;
		}
		if (nb == 1)
			edges_of(min, max, 1, edges);
	}
	memset(counts, 0, nb * sizeof(*counts));
	for (i = 0; i < d->n; i++) {
		for (k = 0; k + 1 < nb && d->v[i] >= edges[k + 1]; k++)
			;
		counts[k]++;
	}
	return nb;
}

int
gd_history_since(const char *date, const char *since)
{
	return since == NULL || strcmp(date, since) >= 0;
}
