/* size.h: the one size grammar and formatter, for flags (--lua-memory) and
 * scenario fields (fault sizes): bytes as people write them. */
#ifndef GD_SIZE_H
#define GD_SIZE_H

#include <stddef.h>

/* Reads a size: whole digits and an optional unit k, M, G or T (any case,
 * powers of 1024), which may be followed by "i" and "B" ("64M", "64MiB",
 * "1g", "512kB", "4096", "100B"). Up to 8 PiB (2^53 bytes). Returns 0 with *bytes
 * set, or -1 with err "'5x' is not a size (like 64M, 1G or 4096)". */
int gd_size_parse(const char *s, unsigned long long *bytes, char *err, size_t errlen);

/* Formats bytes in the largest binary unit it fills, to three figures:
 * "512 B", "1.50 KiB", "256 MiB", "12.3 GiB". Returns buf. */
const char *gd_size_fmt(unsigned long long bytes, char *buf, size_t len);

/* Enough for any gd_size_fmt result. */
#define GD_SIZE_LEN 32

#endif
