/* date.h: the one date reader, for rosters, results and --since. */
#ifndef GD_DATE_H
#define GD_DATE_H

/* "2024-05-02", "2024-05-02T10:00:00Z", "2024-05-02T10:00Z" or
 * "2024-05-02 10:00" as seconds since the epoch, UTC, into *when.
 * -1 when it is not such a date. */
int gd_date_parse(const char *s, long long *when);

/* secs since the epoch as "YYYY-MM-DD" (UTC) into d[11]. */
void gd_date_day(long long secs, char d[11]);

#endif
