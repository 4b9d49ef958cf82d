/* size.c: the one size grammar and formatter (see size.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gd.h"
#include "size.h"

#define SIZE_MAX_BYTES (1ULL << 53)  /* what a Lua number holds exactly */

static const char units[] = "kmgt";  /* 1024^1 .. 1024^4 */

int
gd_size_parse(const char *s, unsigned long long *bytes, char *err, size_t errlen)
{
	unsigned long long v = 0, mult = 1;
	const char *p = s, *u;

	if (s == NULL || !isdigit((unsigned char)*s))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > SIZE_MAX_BYTES)
			goto big;
	}
	if (*p != '\0' && (u = strchr(units, tolower((unsigned char)*p))) != NULL) {
		mult <<= 10 * (u - units + 1);
		p++;
		if (*p == 'i')
			p++;
	}
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p != '\0')
		goto bad;
	if (v > SIZE_MAX_BYTES / mult)
		goto big;
	*bytes = v * mult;
	return 0;
big:
	return gd_errf(err, errlen, "'%s' is more than 8 PiB", s);
bad:
	return gd_errf(err, errlen, "'%s' is not a size (like 64M, 1G or 4096)", s != NULL ? s : "");
}

const char *
gd_size_fmt(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t i = 0;

	while (v >= 1024 && i + 1 < sizeof(names) / sizeof(names[0])) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", bytes);
	else if (v == (double)(unsigned long long)v)
		snprintf(buf, len, "%.0f %s", v, names[i]);
	else
		snprintf(buf, len, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, names[i]);
	return buf;
}
