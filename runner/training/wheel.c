/* wheel.c: the wheel's pick: a scenario by weight, the person who played
 * least, both from a seed. */
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "wheel.h"

uint64_t
gd_wheel_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A double in [0, 1) from the top 53 bits of a draw. */
static double
unit(uint64_t *state)
{
	return (double)(gd_wheel_rand(state) >> 11) * 0x1.0p-53;
}

double
gd_wheel_weight(const char *const *tags, size_t ntags, const struct gd_wheel_weight *w, size_t nw)
{
	double total = 1;
	size_t i, j;

	for (i = 0; i < ntags; i++)
		for (j = 0; j < nw; j++)
			if (strcmp(tags[i], w[j].tag) == 0)
				total *= w[j].w;
	return total;
}

static int
in_list(const char *id, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(id, list[i]) == 0)
			return 1;
	return 0;
}

int
gd_wheel_pick(const struct gd_wheel_scn *s, size_t ns, const char *const *recent,
    size_t nrecent, const struct gd_wheel_person *p, size_t np, uint64_t seed,
    struct gd_wheel_pick *out, char *err, size_t errlen)
{
	uint64_t state = seed;
	double total = 0, target, cum = 0;
	unsigned least = 0;
	size_t i, k, last = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ns; i++) {
		if (s[i].weight <= 0 || in_list(s[i].id, recent, nrecent))
			continue;
		total += s[i].weight;
		out->eligible++;
		last = i;
	}
	if (out->eligible == 0)
		return gd_errf(err, errlen, "no scenario left to pick: each of the %zu is among the "
		    "last %zu played or weighs 0", ns, nrecent);
	if (np == 0)
		return gd_errf(err, errlen, "nobody to play: the roster has no participants");
	/* the scenario takes the first draw and the tie the second, always, so
	 * that one does not shift the other */
	target = unit(&state) * total;
	out->scenario = last;   /* rounding can leave target at total */
	for (i = 0; i < ns; i++) {
		if (s[i].weight <= 0 || in_list(s[i].id, recent, nrecent))
			continue;
		cum += s[i].weight;
		if (target < cum) {
			out->scenario = i;
			break;
		}
	}
	for (i = 0; i < np; i++)
		if (i == 0 || p[i].plays < least)
			least = p[i].plays;
	for (i = 0; i < np; i++)
		out->ties += p[i].plays == least;
	k = (size_t)(unit(&state) * (double)out->ties);
	for (i = 0; i < np; i++) {
		if (p[i].plays != least)
			continue;
		if (k-- == 0) {
			out->person = i;
			break;
		}
	}
	return 0;
}

static int
by_when_desc(const void *a, const void *b)
{
	const struct gd_wheel_play *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? 1 : -1;
	return strcmp(x->scenario, y->scenario);
}

size_t
gd_wheel_recent(struct gd_wheel_play *plays, size_t nplays, size_t n, const char **ids)
{
	size_t i, got = 0;

	if (nplays > 0)
		qsort(plays, nplays, sizeof(*plays), by_when_desc);
	for (i = 0; i < nplays && got < n; i++)
		if (!in_list(plays[i].scenario, ids, got))
			ids[got++] = plays[i].scenario;
	return got;
}
