/* history.h: distributions (percentiles, histograms) of past results. */
#ifndef GD_HISTORY_H
#define GD_HISTORY_H

#include <stddef.h>

/* A distribution of millisecond (or percent) values. */
struct gd_dist {
	long long *v;
	size_t n, cap;
	int sorted;
};

void gd_dist_add(struct gd_dist *d, long long v);
void gd_dist_free(struct gd_dist *d);
/* The p-th percentile by the nearest-rank method: the value at rank
 * ceil(p/100 * n) (at least 1) of the sorted values; sorts d in place.
 * -1 when d is empty. */
long long gd_dist_pct(struct gd_dist *d, int p);
/* A histogram of at most nb buckets from the minimum to the maximum:
 * edges[0] is the minimum, edges[n] the maximum (edges has room for nb + 1),
 * counts[i] the values in [edges[i], edges[i+1]), the last bucket taking the
 * maximum too. Fewer buckets are used when two edges would read the same
 * through fmt (NULL: compared as numbers), so every label is distinct. With
 * all values equal, one bucket from the value to itself. Returns the number
 * of buckets, 0 when d is empty. */
size_t gd_dist_hist(struct gd_dist *d, size_t nb, size_t *counts, long long *edges,
    const char *(*fmt)(long long v, char *buf, size_t len));

/* Whether date (YYYY-MM-DD) is on or after since; a NULL since takes all. */
int gd_history_since(const char *date, const char *since);

#endif
