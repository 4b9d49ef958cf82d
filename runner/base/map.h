/* map.h: the one string hash and the one string map. */
#ifndef GD_MAP_H
#define GD_MAP_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis: the seed for a plain hash. */
#define GD_HASH_SEED 14695981039346656037ULL

/* FNV-1a (64 bits) of the string s, starting from seed. */
uint64_t gd_hash(const char *s, uint64_t seed);

/* String keys (copied) to size_t values; open addressing, at most 3/4 full. */
struct gd_map {
	struct gd_map_slot { char *key; size_t val; } *slots;
	size_t cap, n;  /* cap is 0 or a power of two */
};

/* The value stored for key, or NULL. Returns borrowed. */
size_t *gd_map_get(const struct gd_map *m, const char *key);
/* Stores key (copied) with val, or replaces its value. */
void gd_map_put(struct gd_map *m, const char *key, size_t val);
void gd_map_free(struct gd_map *m);

#endif
