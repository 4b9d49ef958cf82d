/* pyval.c: the two pieces of Python the INI inventory plugin leans on:
 * ast.literal_eval() of a value (plugins/inventory/ini.py _parse_value: a
 * value Python reads as a literal takes its type, anything else stays the
 * string it is) and shlex.split(line, comments=True) of a host line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_internal.h"

#define MAX_NEST 100   /* Python gives up long before this, too */

struct py {
	const char *p;
	struct gd_buf out;     /* the text of a top-level scalar */
	int depth;
	int named;             /* a \\N{NAME} escape, which gameday cannot decode */
};

/* Python's tokenizer between tokens: blanks, and a comment to the end. */
static void
skip_space(struct py *x)
{
	for (;;) {
		while (*x->p == ' ' || *x->p == '\t' || *x->p == '\f')
			x->p++;
		if (*x->p == '#') {
			x->p += strlen(x->p);
			continue;
		}
		if (x->p[0] == '\\' && x->p[1] == '\n') {
			x->p += 2;
			continue;
		}
		return;
	}
}

/* Digits of the given kind with single '_' between them; returns how many
 * characters, 0 when none or a misplaced '_'. */
static size_t
digits(const char *s, int (*ok)(int))
{
	size_t i = 0;

	if (!ok((unsigned char)s[0]))
		return 0;
	while (ok((unsigned char)s[i]) || (s[i] == '_' && ok((unsigned char)s[i + 1])))
		i++;
	return i;
}

static int is_dec(int c) { return c >= '0' && c <= '9'; }
static int is_oct(int c) { return c >= '0' && c <= '7'; }
static int is_bin(int c) { return c == '0' || c == '1'; }
static int is_hex(int c) { return isxdigit(c); }

static int
name_char(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* A number token at x->p: GD_VAR_INT or GD_VAR_FLOAT (text into out), or
 * -1 when it is not one (a complex 'j' number counts as not one). */
static int
number(struct py *x, int neg)
{
	const char *s = x->p, *start = s;
	size_t n;
	int type = GD_VAR_INT, base = 10;
	char *clean, *end;
	unsigned long long v;

	if (s[0] == '0' && strchr("xXoObB", s[1]) != NULL && s[1] != '\0') {
		base = strchr("xX", s[1]) ? 16 : strchr("oO", s[1]) ? 8 : 2;
		s += 2;
		if (*s == '_')
			s++;
		n = digits(s, base == 16 ? is_hex : base == 8 ? is_oct : is_bin);
		if (n == 0)
			return -1;
		s += n;
	} else {
		n = digits(s, is_dec);
		if (n == 0 && !(s[0] == '.' && is_dec((unsigned char)s[1])))
			return -1;
		s += n;
		if (*s == '.') {
			type = GD_VAR_FLOAT;
			s++;
			s += digits(s, is_dec);
		}
		if ((*s == 'e' || *s == 'E') && (is_dec((unsigned char)s[1]) ||
		    ((s[1] == '+' || s[1] == '-') && is_dec((unsigned char)s[2])))) {
			type = GD_VAR_FLOAT;
			s += 1 + (s[1] == '+' || s[1] == '-');
			s += digits(s, is_dec);
		}
		if (type == GD_VAR_INT && start[0] == '0')   /* 00 is 0; 01 is an error */
			for (const char *q = start; q < s; q++)
				if (*q != '0' && *q != '_')
					return -1;
	}
	if (*s == 'j' || *s == 'J' || name_char((unsigned char)*s))
		return -1;
	clean = gd_xmalloc((size_t)(s - start) + 2);
	n = 0;
	if (neg)
		clean[n++] = '-';
	for (const char *q = start + (base != 10 ? 2 : 0); q < s; q++)
		if (*q != '_')
			clean[n++] = *q;
	clean[n] = '\0';
	x->p = s;
	x->out.len = 0;
	if (type == GD_VAR_INT) {
		errno = 0;
		v = strtoull(clean + neg, &end, base);
		if (errno == 0 && *end == '\0')
			gd_buf_printf(&x->out, "%s%llu", neg && v != 0 ? "-" : "", v);
		else
			gd_buf_adds(&x->out, clean);   /* bigger than 64 bits: as written */
	} else {
		gd_buf_adds(&x->out, clean);
	}
	free(clean);
	return type;
}

/* Appends the UTF-8 of code point c. */
static void
put_utf8(struct gd_buf *b, unsigned long c)
{
	char u[4];

	if (c < 0x80) {
		u[0] = (char)c;
		gd_buf_add(b, u, 1);
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		gd_buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		gd_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		gd_buf_add(b, u, 4);
	}
}

/* One escape after '\' at *sp (a str, or bytes when bytes) into b; 0 or -1
 * (-2: a \N{NAME}). */
static int
escape(const char **sp, struct gd_buf *b, int bytes)
{
	static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
	const char *s = *sp, *k;
	unsigned long c = 0;
	int i, n;

	if (*s != '\0' && (k = strchr(from, *s)) != NULL) {
		gd_buf_add(b, &to[k - from], 1);
		*sp = s + 1;
		return 0;
	}
	if (*s == '\n') {   /* a continued line */
		*sp = s + 1;
		return 0;
	}
	if (is_oct((unsigned char)*s)) {
		for (i = 0; i < 3 && is_oct((unsigned char)s[i]); i++)
			c = c * 8 + (unsigned long)(s[i] - '0');
		*sp = s + i;
		if (bytes) {
			char ch = (char)(c & 0xFF);

			gd_buf_add(b, &ch, 1);
		} else {
			put_utf8(b, c);
		}
		return 0;
	}
	n = *s == 'x' ? 2 : (!bytes && *s == 'u') ? 4 : (!bytes && *s == 'U') ? 8 : 0;
	if (n > 0) {
		for (i = 1; i <= n; i++) {
			if (!is_hex((unsigned char)s[i]))
				return -1;
			c = c * 16 + (unsigned long)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
			    (tolower((unsigned char)s[i]) - 'a' + 10));
		}
		if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return -1;   /* not text gameday can hold */
		*sp = s + n + 1;
		if (bytes && n == 2) {
			char ch = (char)c;

			gd_buf_add(b, &ch, 1);
		} else {
			put_utf8(b, c);
		}
		return 0;
	}
	if (*s == 'N' && !bytes)
		return -2;   /* \N{NAME}: names gameday does not carry */
	gd_buf_add(b, "\\", 1);   /* an unknown escape stays, as in Python */
	return 0;
}

/* One string literal (with its prefix) into b; -1 when it is not one. */
static int
string1(struct py *x, struct gd_buf *b, int *kind)
{
	const char *s = x->p;
	int raw = 0, bytes = 0, k;
	char q;
	size_t ql;

	for (k = 0; k < 2 && strchr("rRbBuU", *s) != NULL && *s != '\0'; k++, s++) {
		if (*s == 'r' || *s == 'R')
			raw = 1;
		else if (*s == 'b' || *s == 'B')
			bytes = 1;
	}
	if (*s != '\'' && *s != '"')
		return -1;
	q = *s;
	ql = (s[1] == q && s[2] == q) ? 3 : 1;
	s += ql;
	if (*kind != -1 && *kind != bytes)
		return -1;   /* str and bytes do not concatenate */
	*kind = bytes;
	for (;;) {
		if (*s == '\0')
			return -1;
		if (*s == q && (ql == 1 || (s[1] == q && s[2] == q))) {
			s += ql;
			break;
		}
		if (*s == '\n' && ql == 1)
			return -1;
		if (*s == '\\' && !raw) {
			int e;

			s++;
			if ((e = escape(&s, b, bytes)) < 0) {
				x->named |= e == -2;
				return -1;
			}
			continue;
		}
		if (*s == '\\' && raw && s[1] != '\0') {
			gd_buf_add(b, s, 2);
			s += 2;
			continue;
		}
		if (bytes && (unsigned char)*s >= 0x80)
			return -1;
		gd_buf_add(b, s, 1);
		s++;
	}
	x->p = s;
	return 0;
}

static int value(struct py *x, int top);

/* The items of a [..], (..) or {..} up to close; returns the type. */
static int
container(struct py *x, char close, int type)
{
	int first = 1, dict = -1, items = 0, comma = 0;

	if (++x->depth > MAX_NEST)
		return -1;
	for (;;) {
		skip_space(x);
		if (*x->p == close) {
			x->p++;
			break;
		}
		if (!first && !comma)
			return -1;
		if (value(x, 0) < 0)
			return -1;
		skip_space(x);
		if (type == GD_VAR_MAP && (dict == 1 || (first && *x->p == ':'))) {
			if (*x->p != ':')
				return -1;
			dict = 1;
			x->p++;
			if (value(x, 0) < 0)
				return -1;
			skip_space(x);
		} else if (type == GD_VAR_MAP) {
			dict = 0;   /* a set */
		}
		items++;
		first = 0;
		comma = *x->p == ',';
		if (comma)
			x->p++;
	}
	x->depth--;
	if (close == ')' && items == 1 && !comma)
		return -2;   /* (x) is x itself: the caller keeps the inner value */
	return type == GD_VAR_MAP && dict == 0 ? GD_VAR_LIST : type;
}

/* One literal at x->p; at top level its text goes into x->out. */
static int
value(struct py *x, int top)
{
	struct gd_buf b = { 0 };
	const char *save;
	int neg = 0, kind = -1, type;

	skip_space(x);
	if (*x->p == '-' || *x->p == '+') {
		neg = *x->p == '-';
		x->p++;
		skip_space(x);
		return number(x, neg);
	}
	if (is_dec((unsigned char)*x->p) || (*x->p == '.' && is_dec((unsigned char)x->p[1])))
		return number(x, 0);
	if (*x->p == '[' || *x->p == '{' || *x->p == '(') {
		char open = *x->p++;

		save = x->p;
		type = container(x, open == '[' ? ']' : open == '{' ? '}' : ')',
		    open == '{' ? GD_VAR_MAP : GD_VAR_LIST);
		if (type == -2) {   /* a parenthesised value: read it again as itself */
			x->p = save;
			type = value(x, top);
			skip_space(x);
			if (*x->p != ')')
				return -1;
			x->p++;
		}
		return type;
	}
	if (strchr("rRbBuU'\"", *x->p) != NULL && *x->p != '\0') {
		save = x->p;
		while (string1(x, &b, &kind) == 0) {
			skip_space(x);
			save = x->p;
		}
		x->p = save;
		if (kind == -1) {   /* not a string after all: a name such as 'rabbit' */
			gd_buf_free(&b);
			return -1;
		}
		if (top) {
			x->out.len = 0;
			gd_buf_add(&x->out, b.data ? b.data : "", b.len);
		}
		gd_buf_free(&b);
		return GD_VAR_STR;
	}
	if (strncmp(x->p, "True", 4) == 0 || strncmp(x->p, "False", 5) == 0 ||
	    strncmp(x->p, "None", 4) == 0) {
		size_t n = x->p[0] == 'F' ? 5 : 4;

		if (name_char((unsigned char)x->p[n]))
			return -1;
		if (top) {
			x->out.len = 0;
			gd_buf_add(&x->out, x->p, n);
		}
		type = x->p[0] == 'N' ? GD_VAR_NULL : GD_VAR_BOOL;
		x->p += n;
		return type;
	}
	return -1;
}

int
gd_inv_pyval(const char *s, char **out, int *unsure)
{
	struct py x = { .p = s };
	int type;

	*out = NULL;
	*unsure = 0;
	while (*x.p == ' ' || *x.p == '\t')   /* literal_eval strips these */
		x.p++;
	type = value(&x, 1);
	if (type >= 0) {
		skip_space(&x);
		while (*x.p == ',' && type >= 0) {   /* 1, 2 is a tuple */
			x.p++;
			skip_space(&x);
			type = *x.p == '\0' || value(&x, 0) >= 0 ? GD_VAR_LIST : -1;
			skip_space(&x);
		}
		if (*x.p != '\0')
			type = -1;
	}
	if (type < 0 || memchr(x.out.data ? x.out.data : "", '\0', x.out.len) != NULL) {
		*unsure = x.named;
		gd_buf_free(&x.out);
		*out = gd_xstrdup(s);   /* not a literal: the string as it is */
		return GD_VAR_STR;
	}
	if (type == GD_VAR_NULL || type == GD_VAR_LIST || type == GD_VAR_MAP) {
		gd_buf_free(&x.out);
		return type;
	}
	*out = x.out.data ? x.out.data : gd_xstrdup("");
	return type;
}

/* ---- shlex.split(s, comments=True), POSIX mode ---- */

int
gd_inv_shlex(const char *s, struct strv *out, const char **why)
{
	struct gd_buf tok = { 0 };
	int in_tok = 0;
	char q = 0;

	for (;; s++) {
		char c = *s;

		if (q == '\'') {
			if (c == '\0')
				goto unclosed;
			if (c == '\'')
				q = 0;
			else
				gd_buf_add(&tok, s, 1);
			continue;
		}
		if (q == '"') {
			if (c == '\0')
				goto unclosed;
			if (c == '"')
				q = 0;
			else if (c == '\\' && (s[1] == '"' || s[1] == '\\'))
				gd_buf_add(&tok, ++s, 1);
			else
				gd_buf_add(&tok, s, 1);
			continue;
		}
		if (c == '\0' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_tok) {
				strv_push(out, tok.data ? gd_xstrdup(tok.data) : gd_xstrdup(""));
				tok.len = 0;
				if (tok.data)
					tok.data[0] = '\0';
				in_tok = 0;
			}
			if (c == '\0' || c == '#')
				break;
			continue;
		}
		in_tok = 1;
		if (c == '\'' || c == '"') {
			q = c;
			gd_buf_add(&tok, "", 0);
		} else if (c == '\\') {
			if (s[1] == '\0') {
				*why = "no escaped character";
				gd_buf_free(&tok);
				return -1;
			}
			gd_buf_add(&tok, ++s, 1);
		} else {
			gd_buf_add(&tok, s, 1);
		}
	}
	gd_buf_free(&tok);
	return 0;
unclosed:
	*why = "no closing quotation";
	gd_buf_free(&tok);
	return -1;
}
