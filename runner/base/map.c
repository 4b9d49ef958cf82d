/* map.c: the one string hash and the one string map (see map.h). */
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "map.h"

uint64_t
gd_hash(const char *s, uint64_t seed)
{
	uint64_t h = seed;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* where key is, or the empty slot where it would go */
static size_t
slot(const struct gd_map *m, const char *key)
{
	size_t i;

	for (i = gd_hash(key, GD_HASH_SEED) & (m->cap - 1); m->slots[i].key != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->slots[i].key, key) == 0)
			break;
	return i;
}

size_t *
gd_map_get(const struct gd_map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = slot(m, key);
	return m->slots[i].key != NULL ? &m->slots[i].val : NULL;
}

static void
grow(struct gd_map *m)
{
	struct gd_map g = { NULL, m->cap ? m->cap * 2 : 64, m->n };
	size_t i;

	g.slots = gd_xcalloc(g.cap, sizeof(*g.slots));
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL)
			g.slots[slot(&g, m->slots[i].key)] = m->slots[i];
	free(m->slots);
	*m = g;
}

void
gd_map_put(struct gd_map *m, const char *key, size_t val)
{
	size_t *v = gd_map_get(m, key), i;

	if (v != NULL) {
		*v = val;
		return;
	}
	if ((m->n + 1) * 4 > m->cap * 3)  /* keep probes short */
		grow(m);
	i = slot(m, key);
	m->slots[i].key = gd_xstrdup(key);
	m->slots[i].val = val;
	m->n++;
}

void
gd_map_free(struct gd_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
