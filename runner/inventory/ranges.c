/* ranges.c: host names and addresses (parsing/utils/addresses.py) and
 * host ranges (expand_hostname_range). */
#include <ctype.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_internal.h"

/* ---- host names: parse_address() ---- */

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Python's \w, roughly: ASCII letters, digits, '_' and any non-ASCII byte. */
static int
is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static size_t
span_digits(const char *s)
{
	size_t i = 0;

	while (isdigit((unsigned char)s[i]))
		i++;
	return i;
}

/* Length of an alphanumeric_range at s: [a:z] or [0:9], with an optional
 * :step; 0 when there is none. */
static size_t
alnum_range(const char *s)
{
	size_t i = 1, d;

	if (s[0] != '[')
		return 0;
	if (isalpha((unsigned char)s[1]) && s[2] == ':' && isalpha((unsigned char)s[3])) {
		i = 4;
	} else {
		if ((d = span_digits(s + i)) == 0)
			return 0;
		i += d;
		if (s[i++] != ':' || (d = span_digits(s + i)) == 0)
			return 0;
		i += d;
	}
	if (s[i] == ':') {
		if ((d = span_digits(s + i + 1)) == 0)
			return 0;
		i += 1 + d;
	}
	return s[i] == ']' ? i + 1 : 0;
}

/* Length of a numeric_range at s ([1:9] or [1:9:2]), 0 when there is none. */
static size_t
num_range(const char *s)
{
	return (s[0] == '[' && isdigit((unsigned char)s[1])) ? alnum_range(s) : 0;
}

/* The 'hostname' pattern of ansible/parsing/utils/addresses.py: labels of
 * word characters, '-' and ranges, not ending with '-' or '_'. */
static int
is_hostname(const char *s, size_t len)
{
	size_t i = 0, start, r;

	if (len == 0)
		return 0;
	for (;;) {
		start = i;
		while (i < len && s[i] != '.') {
			if (s[i] == '[') {
				if ((r = alnum_range(s + i)) == 0 || i + r > len)
					return 0;
				i += r;
			} else if (is_word((unsigned char)s[i]) || (s[i] == '-' && i > start)) {
				i++;
			} else {
				return 0;
			}
		}
		if (i == start || s[i - 1] == '-' || s[i - 1] == '_')
			return 0;
		if (i == len)
			return 1;
		i++;   /* the dot */
	}
}

static int
is_ipv4(const char *s, size_t len)
{
	size_t i = 0, part, d;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		if (i < len && s[i] == '[') {
			if ((d = num_range(s + i)) == 0 || i + d > len)
				return 0;
			i += d;
			continue;
		}
		d = 0;
		while (i + d < len && isdigit((unsigned char)s[i + d]))
			d++;
		if (d == 0 || d > 3)
			return 0;
		if (d == 3 && s[i] > '1' && !(s[i] == '2' &&
		    (s[i + 1] < '5' || (s[i + 1] == '5' && s[i + 2] <= '5'))))
			return 0;
		i += d;
	}
	return i == len;
}

/* Ansible's 'ipv6' pattern in POSIX ERE. Note its '^' and '$' bind only to
 * the first and last alternatives, so most alternatives match a prefix:
 * ansible takes 'a::b' as one address, and so do we. */
static int
is_ipv6(struct addr_re *r, const char *s)
{
	static const char C[] = "([0-9a-f]{1,4}|\\[[0-9a-f]+:[0-9a-f]+(:[0-9]+)?\\])";
	char *re;

	if (r->state == 0) {
		re = gd_xasprintf("^((%1$s:){7}%1$s|(%1$s:){1,6}:|(%1$s:)(:%1$s){1,6}|"
		    "(%1$s:){2}(:%1$s){1,5}|(%1$s:){3}(:%1$s){1,4}|(%1$s:){4}(:%1$s){1,3}|"
		    "(%1$s:){5}(:%1$s){1,2}|(%1$s:){6}(:%1$s)|:(:%1$s){1,6}|%1$s?::|"
		    "(0:){6}(%1$s\\.){3}%1$s|::(ffff:)?(%1$s\\.){3}%1$s|"
		    "(0:){5}ffff:(%1$s\\.){3}%1$s$)", C);
		r->state = regcomp(&r->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0 ? 1 : -1;
		free(re);
	}
	return r->state == 1 && regexec(&r->re, s, 0, NULL, 0) == 0;
}

void
gd_inv_addr_re_free(struct addr_re *r)
{
	if (r->state == 1)
		regfree(&r->re);
	r->state = 0;
}

/* parse_address(s, allow_ranges=True): returns 1 and the host part (malloc'd)
 * and the port digits (malloc'd or NULL) when s is a host with an optional
 * :port; 0 when it is not a recognizable host. */
int
gd_inv_parse_address(struct addr_re *r, const char *s, char **hostp, char **portp)
{
	char *a = gd_xstrdup(s), *q, *port = NULL, *p;
	size_t len;
	int ok;

	/* bracketed_hostport: [anything]:port */
	q = strrchr(a, ':');
	if (a[0] == '[' && q != NULL && q - a >= 3 && q[-1] == ']' && all_digits(q + 1)) {
		port = gd_xstrdup(q + 1);
		q[-1] = '\0';
		memmove(a, a + 1, strlen(a + 1) + 1);
	}
	/* hostport: (non-[]: chars or [...] groups):port */
	q = strrchr(a, ':');
	if (q != NULL && all_digits(q + 1)) {
		for (p = a, ok = 1; p < q && ok; p++) {
			if (*p == '[') {
				char *e = strchr(p, ']');

				if (e == NULL || e >= q)
					ok = 0;
				else
					p = e;
			} else if (*p == ']' || *p == ':') {
				ok = 0;
			}
		}
		if (ok) {
			free(port);
			port = gd_xstrdup(q + 1);
			*q = '\0';
		}
	}
	len = strlen(a);
	if (len > 0 && (is_ipv4(a, len) || is_hostname(a, len) || is_ipv6(r, a))) {
		*hostp = a;
		*portp = port;
		return 1;
	}
	free(a);
	free(port);
	return 0;
}

/* int() of a range bound: an optional sign and decimal digits. */
static int
range_int(const char *s, long long *v)
{
	char *end;

	if (!(isdigit((unsigned char)s[0]) || ((s[0] == '-' || s[0] == '+') &&
	    isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v > 1000000000000LL || *v < -1000000000000LL)
		return -1;
	return 0;
}

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* One step of expand_hostname_range(): the first [x:y(:z)] of line,
 * expanded into out. */
static int
expand_once(struct loader *ld, const char *line, struct strv *out, size_t lineno,
    const char *whole, size_t mult)
{
	char *s = gd_xstrdup(line), *a, *b, *bounds[3], *beg, *end, *t;
	const char *pb, *pe;
	long long lb, le, step = 1, x, count;
	size_t nb = 0, rlen = 0;
	int rc = -1, alpha = 0;

	/* line.replace('[', '|', 1).replace(']', '|', 1).split('|') */
	if ((a = strchr(s, '[')) != NULL)
		*a = '|';
	if ((b = strchr(s, ']')) != NULL)
		*b = '|';
	if (a == NULL || b == NULL || strchr(strchr(strchr(s, '|') + 1, '|') + 1, '|') != NULL) {
		gd_inv_err(ld, lineno, "bad host range in '%s'", line);
		goto out;
	}
	a = strchr(s, '|');
	b = strchr(a + 1, '|');
	*a = *b = '\0';
	/* nrange.split(':'): 2 or 3 fields */
	bounds[nb++] = a + 1;
	for (t = a + 1; *t != '\0'; t++)
		if (*t == ':') {
			if (nb == 3) {
				nb = 4;
				break;
			}
			*t = '\0';
			bounds[nb++] = t + 1;
		}
	if (nb != 2 && nb != 3) {
		gd_inv_err(ld, lineno, "host range in '%s' must be begin:end or begin:end:step", line);
		goto out;
	}
	beg = bounds[0][0] == '\0' ? (char *)"0" : bounds[0];
	end = bounds[1];
	if (*end == '\0') {
		gd_inv_err(ld, lineno, "host range in '%s' must specify an end value", line);
		goto out;
	}
	if (beg[0] == '0' && beg[1] != '\0') {
		rlen = strlen(beg);
		if (rlen != strlen(end)) {
			gd_inv_err(ld, lineno, "host range in '%s' must have begin and end of "
			    "equal length", line);
			goto out;
		}
	}
	if (nb == 3 && range_int(bounds[2], &step) < 0) {
		gd_inv_err(ld, lineno, "bad step in host range '%s'", line);
		goto out;
	}
	if (step == 0) {
		gd_inv_err(ld, lineno, "host range step in '%s' must not be 0", line);
		goto out;
	}
	pb = strstr(letters, beg);   /* string.ascii_letters.index() */
	pe = strstr(letters, end);
	if (pb != NULL && pe != NULL) {
		alpha = 1;
		lb = pb - letters;
		le = pe - letters;
		if (lb > le) {
			gd_inv_err(ld, lineno, "host range in '%s' must have begin <= end", line);
			goto out;
		}
	} else if (range_int(beg, &lb) < 0 || range_int(end, &le) < 0) {
		gd_inv_err(ld, lineno, "bad host range in '%s'", line);
		goto out;
	}
	count = step > 0 ? (le + 1 - lb + step - 1) / step : (lb - le - 1 + -step - 1) / -step;
	if (alpha && step < 0)
		count = 0;   /* letters[b:e+1:-n] with b <= e is empty */
	if (count < 0)
		count = 0;
	/* counted before anything is made: a few bytes must not take the machine */
	if (count > 0 && ((unsigned long long)count > (unsigned long long)MAX_HOSTS ||
	    (unsigned long long)count * mult + ld->nhosts > (unsigned long long)MAX_HOSTS)) {
		gd_inv_err(ld, lineno, "host range '%s' makes %llu hosts or more; gameday takes "
		    "at most %d hosts in an inventory", whole,
		    (unsigned long long)count * (mult ? mult : 1), MAX_HOSTS);
		goto out;
	}
	if (gd_inv_spend(ld, (size_t)count, lineno) < 0)
		goto out;
	for (x = lb; count-- > 0; x += step) {
		if (alpha)
			strv_push(out, gd_xasprintf("%s%c%s", s, letters[x], b + 1));
		else if (rlen > 0 && x < 0)   /* str(x).zfill(rlen) */
			strv_push(out, gd_xasprintf("%s-%0*lld%s", s, (int)rlen - 1, -x, b + 1));
		else
			strv_push(out, gd_xasprintf("%s%0*lld%s", s, (int)rlen, x, b + 1));
	}
	rc = 0;
out:
	free(s);
	return rc;
}

/* expand_hostname_range(): every [x:y] of line, leftmost first, in order.
 * Level by level instead of recursively: same order, bounded stack. */
int
gd_inv_expand_ranges(struct loader *ld, const char *line, struct strv *out, size_t lineno)
{
	struct strv cur = { 0 }, next = { 0 };
	size_t i;
	int rc = -1, again = 1;

	strv_push(&cur, gd_xstrdup(line));
	while (again) {
		again = 0;
		for (i = 0; i < cur.n; i++) {
			if (strchr(cur.v[i], '[') == NULL) {
				strv_push(&next, cur.v[i]);
				cur.v[i] = NULL;
				continue;
			}
			again = 1;
			if (expand_once(ld, cur.v[i], &next, lineno, line, cur.n) < 0)
				goto out;
		}
		strv_free(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
	}
	*out = cur;
	memset(&cur, 0, sizeof(cur));
	rc = 0;
out:
	strv_free(&cur);
	strv_free(&next);
	return rc;
}


int
gd_inv_valid_addr(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[INET6_ADDRSTRLEN + 64];
	const char *pct;
	size_t i, len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return 0;
	if (inet_pton(AF_INET, s, buf) == 1)
		return 1;
	if (strchr(s, ':') != NULL) {   /* IPv6, with an optional %zone */
		pct = strchr(s, '%');
		if (pct != NULL && (pct[1] == '\0' || strspn(pct + 1, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(pct + 1)))
			return 0;
		len = pct ? (size_t)(pct - s) : len;
		if (len >= sizeof(tmp))
			return 0;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		return inet_pton(AF_INET6, tmp, buf) == 1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_') || (c == '-' && label == 0))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label == 0 ? len > 1 : s[len - 1] != '-';   /* a final dot is allowed */
}

int
gd_host_addr_valid(const char *s)
{
	return gd_inv_valid_addr(s);
}
