/* duration.c: the one duration grammar and formatter (see duration.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "gd.h"

#define DUR_MAX_MS (100LL * 365 * 86400000)

static const struct unit {
	const char *name;
	long long ms;
} units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
};

/* A non-negative decimal at *p ("12", "1.5", ".5"), advancing *p; -1 when none. */
static double
number(const char **p)
{
	double v = 0, scale = 1;
	int digits = 0;

	for (; isdigit((unsigned char)**p); (*p)++, digits++)
		v = v * 10 + (**p - '0');
	if (**p == '.') {
		for ((*p)++; isdigit((unsigned char)**p); (*p)++, digits++) {
			scale /= 10;
			v += (**p - '0') * scale;
		}
	}
	return digits > 0 && v <= (double)DUR_MAX_MS ? v : -1;
}

int
gd_duration_parse(const char *s, long long *ms, char *err, size_t errlen)
{
	const char *p = s;
	double total = 0;

	if (s == NULL || *s == '\0')
		return gd_errf(err, errlen, "an empty duration (give one like 90s, 1h30m or 500ms)");
	while (*p != '\0') {
		double v = number(&p);
		size_t i, n = 0;

		if (v < 0)
			goto bad;
		while (isalpha((unsigned char)p[n]))
			n++;
		if (n == 0 && *p == '\0' && total == 0 && strspn(s, "0123456789.") == strlen(s)) {
			total = v * 1000;  /* a bare number: seconds */
			break;
		}
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == n && strncmp(p, units[i].name, n) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			goto bad;
		total += v * (double)units[i].ms;
		p += n;
		if (total > (double)DUR_MAX_MS)
			return gd_errf(err, errlen, "'%s' is longer than 100 years", s);
	}
	*ms = (long long)(total + 0.5);
	return 0;
bad:
	return gd_errf(err, errlen, "'%s' is not a duration (like 90s, 1h30m or 500ms; units ms s m h d)", s);
}

/* ms rounded to the nearest multiple of step */
static long long
round_to(long long ms, long long step)
{
	return (ms + step / 2) / step * step;
}

const char *
gd_duration_fmt(long long ms, char *buf, size_t len)
{
	long long r;

	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%lld ms", ms);
	else if (ms < 10000)
		snprintf(buf, len, "%lld.%03lld s", ms / 1000, ms % 1000);
	else if ((r = round_to(ms, 100)) < 120000)
		snprintf(buf, len, "%lld.%lld s", r / 1000, r % 1000 / 100);
	else if ((r = round_to(ms, 1000)) < 3600000)
		snprintf(buf, len, "%lldm%02llds", r / 60000, r % 60000 / 1000);
	else if ((r = round_to(ms, 60000)) < 48 * 3600000LL)
		snprintf(buf, len, "%lldh%02lldm", r / 3600000, r % 3600000 / 60000);
	else {
		r = round_to(ms, 3600000);
		snprintf(buf, len, "%lldd%02lldh", r / 86400000, r % 86400000 / 3600000);
	}
	return buf;
}
