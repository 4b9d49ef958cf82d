/* duration.h: the one duration grammar and the one duration formatter, for
 * every flag, every scenario and plan field, and every output. */
#ifndef GD_DURATION_H
#define GD_DURATION_H

#include <stddef.h>

/* Reads a duration: one or more NUMBER UNIT pairs ("300ms", "1.5s", "2m",
 * "1h30m", "7d"; units ms s m h d), or a bare number of seconds ("90").
 * Numbers are non-negative decimals; the total is rounded to the nearest ms
 * and may not pass 100 years. Returns 0 with *ms set, or -1 with err filled:
 * "'1x' is not a duration (like 90s, 1h30m or 500ms)". */
int gd_duration_parse(const char *s, long long *ms, char *err, size_t errlen);

/* Formats ms with the resolution its size calls for, rounded to the nearest
 * (never truncated), so one figure reads the same in every output:
 *   under 1 s  "498 ms"      under 10 s  "2.345 s"    under 2 min  "12.3 s"
 *   under 1 h  "14m05s"      under 48 h  "26h00m"     longer       "3d04h"
 * A negative ms (unknown) is "-". Returns buf. */
const char *gd_duration_fmt(long long ms, char *buf, size_t len);

/* Enough for any gd_duration_fmt result. */
#define GD_DURATION_LEN 32

#endif
