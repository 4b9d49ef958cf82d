/* lua_bounded.c: the string and table functions that loop in C, where no
 * hook reaches, made so that they cannot hang the runner:
 *
 * - string.find, match, gmatch and gsub with a matcher of our own that
 *   counts its steps: it looks at the stops (abort, deadline) every 65536
 *   steps and gives up past a budget that grows with the subject. Lua's own
 *   backtracks without end: ("a*"):rep(40) .. "b" on 40 a's takes years. The
 *   patterns are Lua 5.4's as its manual (section 6.4.1) defines them, and
 *   tests/unit/test_script.c holds ours to Lua's on a corpus of patterns;
 * - string.rep of nothing returns at once (Lua's copies nothing n times);
 * - table.insert, remove, sort, concat and unpack refuse a __len
 *   metamethod (a length of 2^60 makes them loop over nils), and table.move
 *   more than 2^24 elements. They then run Lua's own, in the same frame, so
 *   their messages name the caller's file and line as before. */
#include <ctype.h>
#include <string.h>

#include <lualib.h>

#include "lua_bind.h"

#define MAXCAP 32                 /* as LUA_MAXCAPTURES */
#define MAXDEPTH 200              /* nesting of the matcher, as Lua's MAXCCALLS */
#define STEPS_BASE 10000000ULL    /* a budget per call, plus per subject byte: */
#define STEPS_PER_BYTE 64ULL
#define POLL_MASK 0xffffULL       /* a look at the stops every 65536 steps */
#define MOVE_MAX ((lua_Unsigned)1 << 24)
#define CAP_OPEN (-1)
#define CAP_POS (-2)

struct mstate {
	lua_State *L;
	const char *s0, *send;        /* the subject; *send is its NUL */
	const char *pend;             /* the pattern's end; *pend is its NUL */
	const char *fn;               /* "find", for messages */
	int depth, ncap;
	unsigned long long steps, budget;
	struct { const char *at; ptrdiff_t len; } cap[MAXCAP];
};

static void
prep(struct mstate *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp,
    const char *fn)
{
	m->L = L;
	m->s0 = s;
	m->send = s + ls;
	m->pend = p + lp;
	m->fn = fn;
	m->steps = 0;
	m->budget = STEPS_BASE + STEPS_PER_BYTE * ls;
}

static void
reset(struct mstate *m)
{
	m->ncap = 0;
	m->depth = MAXDEPTH;
}

static void
tick(struct mstate *m)
{
	if ((++m->steps & POLL_MASK) != 0)
		return;
	gd_lua_check_stop(m->L);
	if (m->steps > m->budget)
		luaL_error(m->L, "string.%s: the pattern backtracks too much (%d million steps on %d "
		    "bytes of text)", m->fn, (int)(m->steps / 1000000), (int)(m->send - m->s0));
}

/* %cl: a class letter, else the character itself */
static int
class_has(int cl, int c)
{
	int in;

	switch (tolower(cl)) {
	case 'a': in = isalpha(c); break;
	case 'c': in = iscntrl(c); break;
	case 'd': in = isdigit(c); break;
	case 'g': in = isgraph(c); break;
	case 'l': in = islower(c); break;
	case 'p': in = ispunct(c); break;
	case 's': in = isspace(c); break;
	case 'u': in = isupper(c); break;
	case 'w': in = isalnum(c); break;
	case 'x': in = isxdigit(c); break;
	case 'z': in = c == '\0'; break;  /* of Lua 5.1, which 5.4 still takes */
	default: return cl == c;
	}
	in = in != 0;
	return isupper(cl) ? !in : in;
}

/* [set]: p at its '[', close at its ']' */
static int
set_has(const char *p, const char *close, int c)
{
	int in = 1;

	if (*++p == '^') {
		in = 0;
		p++;
	}
	while (p < close) {
		if (*p == '%') {
			if (class_has((unsigned char)p[1], c))
				return in;
			p += 2;
		} else if (p[1] == '-' && p + 2 < close) {
			if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2])
				return in;
			p += 3;
		} else {
			if ((unsigned char)*p == c)
				return in;
			p++;
		}
	}
	return !in;
}

/* Past the one-character item at p: ".", "x", "%x" or "[set]". The first
 * ']' of a set (after '[' or "[^") is one of its characters. */
static const char *
item_end(struct mstate *m, const char *p)
{
	switch (*p++) {
	case '%':
		if (p == m->pend)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	case '[':
		if (*p == '^')
			p++;
		do {
			if (p == m->pend)
				luaL_error(m->L, "malformed pattern (missing ']')");
			if (*p++ == '%' && p < m->pend)
				p++;
		} while (*p != ']');
		return p + 1;
	default:
		return p;
	}
}

/* Whether the item [p, ep) takes the character at s. */
static int
single(const struct mstate *m, const char *s, const char *p, const char *ep)
{
	int c;

	if (s >= m->send)
		return 0;
	c = (unsigned char)*s;
	switch (*p) {
	case '.': return 1;
	case '%': return class_has((unsigned char)p[1], c);
	case '[': return set_has(p, ep - 1, c);
	default: return (unsigned char)*p == c;
	}
}

static const char *run(struct mstate *m, const char *s, const char *p);

/* One level deeper: where the matcher must come back to try another way. */
static const char *
deeper(struct mstate *m, const char *s, const char *p)
{
	if (m->depth-- == 0)
		luaL_error(m->L, "pattern too complex");
	s = run(m, s, p);
	m->depth++;
	return s;
}

/* item*: as many as it takes, then fewer */
static const char *
greedy(struct mstate *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t n = 0;
	const char *r;

	while (single(m, s + n, p, ep)) {
		tick(m);
		n++;
	}
	for (; n >= 0; n--) {
		tick(m);
		if ((r = deeper(m, s + n, ep + 1)) != NULL)
			return r;
	}
	return NULL;
}

/* item-: as few as will do */
static const char *
lazy(struct mstate *m, const char *s, const char *p, const char *ep)
{
	const char *r;

	for (;;) {
		tick(m);
		if ((r = deeper(m, s, ep + 1)) != NULL)
			return r;
		if (!single(m, s, p, ep))
			return NULL;
		s++;
	}
}

static const char *
capture_open(struct mstate *m, const char *s, const char *p, ptrdiff_t kind)
{
	const char *r;

	if (m->ncap >= MAXCAP)
		luaL_error(m->L, "too many captures");
	m->cap[m->ncap].at = s;
	m->cap[m->ncap].len = kind;
	m->ncap++;
	if ((r = deeper(m, s, p)) == NULL)
		m->ncap--;
	return r;
}

static const char *
capture_close(struct mstate *m, const char *s, const char *p)
{
	const char *r;
	int i = m->ncap - 1;

	while (i >= 0 && m->cap[i].len != CAP_OPEN)
		i--;
	if (i < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[i].len = s - m->cap[i].at;
	if ((r = deeper(m, s, p)) == NULL)
		m->cap[i].len = CAP_OPEN;
	return r;
}

/* %bxy at s: past the x..y that balances, or NULL */
static const char *
balanced(struct mstate *m, const char *s, const char *p)
{
	int depth = 1;

	if (p >= m->pend - 1)
		luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
	if (*s != *p)  /* at the end, *s is the NUL */
		return NULL;
	while (++s < m->send) {
		tick(m);
		if (*s == p[1]) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == *p) {
			depth++;
		}
	}
	return NULL;
}

/* %1..%9 at s: past the same text again, or NULL */
static const char *
backref(struct mstate *m, const char *s, int digit)
{
	int i = digit - '1';
	size_t len;

	if (i < 0 || i >= m->ncap || m->cap[i].len == CAP_OPEN)
		luaL_error(m->L, "invalid capture index %%%d", i + 1);
	len = (size_t)m->cap[i].len;  /* a position capture matches nothing */
	if ((size_t)(m->send - s) >= len && memcmp(m->cap[i].at, s, len) == 0)
		return s + len;
	return NULL;
}

/* Matches the pattern from p against the subject from s: the end of the
 * match, or NULL. Goes on in a loop where nothing is left to try, deeper
 * where another way may have to be tried. */
static const char *
run(struct mstate *m, const char *s, const char *p)
{
	const char *ep, *r;

	for (;;) {
		tick(m);
		if (p == m->pend)
			return s;
		switch (*p) {
		case '(':
			return p[1] == ')' ? capture_open(m, s, p + 2, CAP_POS) :
			    capture_open(m, s, p + 1, CAP_OPEN);
		case ')':
			return capture_close(m, s, p + 1);
		case '$':
			if (p + 1 == m->pend)
				return s == m->send ? s : NULL;
			break;  /* a '$' inside is a character */
		case '%':
			if (p[1] == 'b') {
				if ((s = balanced(m, s, p + 2)) == NULL)
					return NULL;
				p += 4;
				continue;
			}
			if (p[1] == 'f') {
				int before;

				p += 2;
				if (*p != '[')
					luaL_error(m->L, "missing '[' after '%%f' in pattern");
				ep = item_end(m, p);
				before = s == m->s0 ? '\0' : (unsigned char)s[-1];
				if (set_has(p, ep - 1, before) || !set_has(p, ep - 1, (unsigned char)*s))
					return NULL;
				p = ep;
				continue;
			}
			if (isdigit((unsigned char)p[1])) {
				if ((s = backref(m, s, (unsigned char)p[1])) == NULL)
					return NULL;
				p += 2;
				continue;
			}
			break;
		}
		ep = item_end(m, p);  /* *ep is the NUL at the end: no suffix */
		if (!single(m, s, p, ep)) {
			if (*ep == '*' || *ep == '?' || *ep == '-') {  /* none will do */
				p = ep + 1;
				continue;
			}
			return NULL;
		}
		switch (*ep) {
		case '?':
			if ((r = deeper(m, s + 1, ep + 1)) != NULL)
				return r;
			p = ep + 1;
			continue;
		case '+':
			return greedy(m, s + 1, p, ep);
		case '*':
			return greedy(m, s, p, ep);
		case '-':
			return lazy(m, s, p, ep);
		default:
			s++;
			p = ep;
		}
	}
}

/* Pushes capture i of the match [s, e): the whole match when there is none. */
static void
push_capture(struct mstate *m, int i, const char *s, const char *e)
{
	if (i >= m->ncap) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(m->L, s, (size_t)(e - s));
	} else if (m->cap[i].len == CAP_OPEN) {
		luaL_error(m->L, "unfinished capture");
	} else if (m->cap[i].len == CAP_POS) {
		lua_pushinteger(m->L, (m->cap[i].at - m->s0) + 1);
	} else {
		lua_pushlstring(m->L, m->cap[i].at, (size_t)m->cap[i].len);
	}
}

/* Pushes the captures (the whole match, when there is none and s is given). */
static int
push_captures(struct mstate *m, const char *s, const char *e)
{
	int i, n = m->ncap == 0 && s != NULL ? 1 : m->ncap;

	luaL_checkstack(m->L, n, "too many captures");
	for (i = 0; i < n; i++)
		push_capture(m, i, s, e);
	return n;
}

/* string positions: init as Lua reads it, 0-based (may be past the end) */
static size_t
start_at(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos - 1;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 0;
	return len + (size_t)pos;
}

static int
has_specials(const char *p, size_t lp)
{
	size_t i;

	for (i = 0; i < lp; i++)
		if (p[i] != '\0' && strchr("^$*+?.([%-", p[i]) != NULL)
			return 1;
	return 0;
}

static int
find_or_match(lua_State *L, int find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_at(luaL_optinteger(L, 3, 1), ls);
	struct mstate m;
	const char *s1, *e;
	int anchor;

	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
		e = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);  /* linear */
		if (e != NULL) {
			lua_pushinteger(L, (e - s) + 1);
			lua_pushinteger(L, (lua_Integer)((size_t)(e - s) + lp));
			return 2;
		}
		luaL_pushfail(L);
		return 1;
	}
	anchor = *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	prep(&m, L, s, ls, p, lp, find ? "find" : "match");
	s1 = s + init;
	do {
		reset(&m);
		if ((e = deeper(&m, s1, p)) != NULL) {
			if (!find)
				return push_captures(&m, s1, e);
			lua_pushinteger(L, (s1 - s) + 1);
			lua_pushinteger(L, e - s);
			return push_captures(&m, NULL, NULL) + 2;
		}
	} while (s1++ < m.send && !anchor);
	luaL_pushfail(L);
	return 1;
}

static int
l_find(lua_State *L)
{
	return find_or_match(L, 1);
}

static int
l_match(lua_State *L)
{
	return find_or_match(L, 0);
}

struct gmatch {
	const char *src, *p, *last;
	struct mstate m;
};

/* upvalues: the subject, the pattern (kept alive), the state */
static int
gmatch_next(lua_State *L)
{
	struct gmatch *g = lua_touserdata(L, lua_upvalueindex(3));
	const char *src, *e;

	g->m.L = L;
	g->m.steps = 0;  /* a budget for each match */
	for (src = g->src; src <= g->m.send; src++) {
		reset(&g->m);
		if ((e = deeper(&g->m, src, g->p)) != NULL && e != g->last) {
			g->src = g->last = e;
			return push_captures(&g->m, src, e);
		}
	}
	return 0;
}

static int
l_gmatch(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_at(luaL_optinteger(L, 3, 1), ls);
	struct gmatch *g;

	lua_settop(L, 2);
	g = lua_newuserdatauv(L, sizeof(*g), 0);
	if (init > ls)
		init = ls + 1;
	prep(&g->m, L, s, ls, p, lp, "gmatch");
	g->src = s + init;
	g->p = p;
	g->last = NULL;
	lua_pushcclosure(L, gmatch_next, 3);
	return 1;
}

/* The replacement string, with %0..%9 and %% */
static void
add_string(struct mstate *m, luaL_Buffer *b, const char *s, const char *e)
{
	lua_State *L = m->L;
	size_t l;
	const char *r = lua_tolstring(L, 3, &l), *pct;

	while ((pct = memchr(r, '%', l)) != NULL) {
		luaL_addlstring(b, r, (size_t)(pct - r));
		pct++;  /* at the end, the NUL */
		if (*pct == '%') {
			luaL_addchar(b, '%');
		} else if (*pct == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
		} else if (isdigit((unsigned char)*pct)) {
			push_capture(m, *pct - '1', s, e);
			luaL_tolstring(L, -1, NULL);
			lua_remove(L, -2);
			luaL_addvalue(b);
		} else {
			luaL_error(L, "invalid use of '%c' in replacement string", '%');
		}
		l -= (size_t)(pct + 1 - r);
		r = pct + 1;
	}
	luaL_addlstring(b, r, l);
}

/* Adds the replacement of the match [s, e); 1 when it changed something. */
static int
add_value(struct mstate *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = m->L;

	if (tr == LUA_TFUNCTION) {
		int n;

		lua_pushvalue(L, 3);
		n = push_captures(m, s, e);
		lua_call(L, n, 1);
	} else if (tr == LUA_TTABLE) {
		push_capture(m, 0, s, e);
		lua_gettable(L, 3);
	} else {
		add_string(m, b, s, e);
		return 1;
	}
	if (!lua_toboolean(L, -1)) {  /* nil or false: the match stays */
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return 0;
	}
	if (!lua_isstring(L, -1))
		return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return 1;
}

static int
l_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *src = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *last = NULL, *e;
	int tr = lua_type(L, 3), anchor = *p == '^', changed = 0;
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1), n = 0;
	struct mstate m;
	luaL_Buffer b;

	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
	    tr == LUA_TTABLE, 3, "string/function/table");
	luaL_buffinit(L, &b);
	if (anchor) {
		p++;
		lp--;
	}
	prep(&m, L, src, ls, p, lp, "gsub");
	while (n < max) {
		reset(&m);
		if ((e = deeper(&m, src, p)) != NULL && e != last) {
			n++;
			changed = add_value(&m, &b, src, e, tr) | changed;
			src = last = e;
		} else if (src < m.send) {
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, src, (size_t)(m.send - src));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

/* Lua's own, run in the frame of the function that checked their arguments */
static lua_CFunction orig_rep, orig_insert, orig_remove, orig_sort, orig_concat, orig_unpack, orig_move;

static int
l_rep(lua_State *L)
{
	size_t l, lsep;

	luaL_checklstring(L, 1, &l);
	luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (l == 0 && lsep == 0) {  /* nothing, however many times */
		lua_pushliteral(L, "");
		return 1;
	}
	return orig_rep(L);
}

static void
no_len(lua_State *L, const char *fn)
{
	if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL)
		luaL_error(L, "table.%s: a table with a __len metamethod is not allowed here", fn);
}

static int l_insert(lua_State *L) { no_len(L, "insert"); return orig_insert(L); }
static int l_remove(lua_State *L) { no_len(L, "remove"); return orig_remove(L); }
static int l_sort(lua_State *L) { no_len(L, "sort"); return orig_sort(L); }
static int l_concat(lua_State *L) { no_len(L, "concat"); return orig_concat(L); }
static int l_unpack(lua_State *L) { no_len(L, "unpack"); return orig_unpack(L); }

static int
l_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);

	if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= MOVE_MAX)
		return luaL_error(L, "table.move: more than %d elements", (int)MOVE_MAX);
	return orig_move(L);
}

/* lib[name] = f, keeping Lua's own in *orig */
static void
replace(lua_State *L, const char *name, lua_CFunction f, lua_CFunction *orig)
{
	lua_getfield(L, -1, name);
	if (orig != NULL)
		*orig = lua_tocfunction(L, -1);
	lua_pop(L, 1);
	lua_pushcfunction(L, f);
	lua_setfield(L, -2, name);
}

void
gd_lua_bound_libs(lua_State *L)
{
	lua_getglobal(L, LUA_STRLIBNAME);  /* also the __index of strings */
	replace(L, "find", l_find, NULL);
	replace(L, "match", l_match, NULL);
	replace(L, "gmatch", l_gmatch, NULL);
	replace(L, "gsub", l_gsub, NULL);
	replace(L, "rep", l_rep, &orig_rep);
	lua_pop(L, 1);
	lua_getglobal(L, LUA_TABLIBNAME);
	replace(L, "insert", l_insert, &orig_insert);
	replace(L, "remove", l_remove, &orig_remove);
	replace(L, "sort", l_sort, &orig_sort);
	replace(L, "concat", l_concat, &orig_concat);
	replace(L, "unpack", l_unpack, &orig_unpack);
	replace(L, "move", l_move, &orig_move);
	lua_pop(L, 1);
}
