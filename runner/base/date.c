/* date.c: the one date reader (UTC). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"

int
gd_date_parse(const char *s, long long *when)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, m = 0;
	time_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
			return -1;
		s += 1 + m;
		if (*s == ':' && sscanf(s + 1, "%2d%n", &sec, &m) == 1)
			s += 1 + m;
		if (*s == 'Z')
			s++;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*when = (long long)t;
	return 0;
}

void
gd_date_day(long long secs, char d[11])
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(d, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(d, 11, "1970-01-01");
}
