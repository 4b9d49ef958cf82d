/* history.h: distributions (percentiles, histograms) and twin dates. */
#ifndef GD_HISTORY_H
#define GD_HISTORY_H

#include <stddef.h>

#include <jansson.h>

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
/* nb equal-width buckets from the minimum to the maximum; counts[i] gets the
 * values in [lo + i*width, lo + (i+1)*width), the last bucket also takes the
 * maximum. With all values equal, every value is in bucket 0 (width 0). */
void gd_dist_hist(struct gd_dist *d, size_t nb, size_t *counts, long long *lo, long long *width);

/* The date a doc-repo twin is from: the file name's YYYY-MM-DD prefix, else
 * the twin's "date" (quiz), else "started" or "ended" (epoch ms, UTC). Fills
 * date[11]; returns -1 when none is found. */
int gd_history_date(const char *name, const json_t *twin, char date[11]);
/* Whether date (YYYY-MM-DD) is on or after since; a NULL since takes all. */
int gd_history_since(const char *date, const char *since);

#endif
