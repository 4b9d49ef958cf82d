/* test_score.c: scoring of every question type, with partial credit and the
 * edge cases: empty answers, extra white space, unicode, over-long answers,
 * unknown ids, missing answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "bank.h"
#include "score.h"

static const char bank_yaml[] =
"bank: t\n"
"pass: 60\n"
"topics: [process, monitoring, security]\n"
"questions:\n"
"  - id: choice\n"
"    topic: process\n"
"    type: choice\n"
"    points: 2\n"
"    text: Severity?\n"
"    options: { a: SEV1, b: SEV2, c: \"Not an incident\" }\n"
"    answer: a\n"
"    remedy: r#sev\n"
"  - id: multi\n"
"    topic: process\n"
"    type: multi\n"
"    points: 4\n"
"    text: Lag causes?\n"
"    options:\n"
"      a: { text: long-running query on replica, weight: 1 }\n"
"      b: { text: network saturation, weight: 1 }\n"
"      c: { text: replica has more RAM, weight: -1 }\n"
"      d: { text: slow disk, weight: 2 }\n"
"      e: { text: a harmless extra, weight: 0 }\n"
"    remedy: r#lag\n"
"  - id: kw\n"
"    topic: security\n"
"    type: keywords\n"
"    points: 3\n"
"    text: TLS expiry?\n"
"    groups: [[openssl, s_client], [expiry, notafter, \"not after\", \"-enddate\"],"
" [\"\xc3\x89" "ch\xc3\xa9" "ance\", \xd1\x81\xd1\x80\xd0\xbe\xd0\xba]]\n"
"    remedy: r#tls\n"
"  - id: order\n"
"    topic: process\n"
"    type: order\n"
"    points: 5\n"
"    text: Order?\n"
"    items: [acknowledge, assess impact, mitigate, resolve, postmortem]\n"
"    remedy: r#order\n"
"  - id: num\n"
"    topic: monitoring\n"
"    type: numeric\n"
"    points: 2\n"
"    text: Budget?\n"
"    answer: 43.2\n"
"    tolerance: 0.5\n"
"    unit: minutes\n"
"    remedy: r#slo\n"
"  - id: pct\n"
"    topic: monitoring\n"
"    type: numeric\n"
"    text: Requests?\n"
"    answer: 200\n"
"    tolerance: 5%\n"
"    remedy: r#pct\n"
"  - id: exact\n"
"    topic: monitoring\n"
"    type: numeric\n"
"    text: Quorum?\n"
"    answer: 2\n"
"    remedy: r#quorum\n"
"  - id: lab\n"
"    topic: security\n"
"    type: practical\n"
"    points: 10\n"
"    text: Fix it.\n"
"    probe: { on: \"lab[0]\", cmd: \"true\" }\n"
"    target_time: 10m\n"
"    remedy: r#lab\n";

struct fix {
	struct gd_bank b;
};

static int
setup(void **state)
{
	struct fix *f = gd_xcalloc(1, sizeof(*f));
	char err[GD_ERRLEN] = "";

	if (gd_bank_parse(&f->b, "t.yaml", bank_yaml, strlen(bank_yaml), err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	gd_bank_free(&f->b);
	free(f);
	return 0;
}

static const struct gd_question *
Q(void **state, const char *id)
{
	struct fix *f = *state;
	const struct gd_question *q = gd_bank_find(&f->b, id);

	assert_non_null(q);
	return q;
}

/* The share one string answer earns. */
static double
one(const struct gd_question *q, const char *s)
{
	const char *parts[1] = { s };

	return gd_score_fraction(q, parts, 1);
}

#define assert_frac(q, s, want) do { \
	double got_ = one((q), (s)); \
	if (got_ < (want) - 1e-9 || got_ > (want) + 1e-9) \
		fail_msg("%s: answer '%s': got %.6f, want %.6f", (q)->id, (s), got_, (double)(want)); \
} while (0)

static void
test_norm(void **state)
{
	char *s;

	(void)state;
	s = gd_score_norm("  Not \t After\n ");
	assert_string_equal(s, "not after");
	free(s);
	/* Latin-1, Latin Extended-A, Greek, Cyrillic capitals; other UTF-8 kept */
	s = gd_score_norm("\xc3\x89" "CH\xc3\x89" "ANCE \xc5\x81\xc3\x93" "D\xc5\xb9 \xce\xa3\xce\xa9 "
	    "\xd0\x9f\xd0\xa0\xd0\x98 \xe2\x82\xac \xf0\x9f\x94\xa5 \xc3\x9f");
	assert_string_equal(s, "\xc3\xa9" "ch\xc3\xa9" "ance \xc5\x82\xc3\xb3" "d\xc5\xba \xcf\x83\xcf\x89 "
	    "\xd0\xbf\xd1\x80\xd0\xb8 \xe2\x82\xac \xf0\x9f\x94\xa5 \xc3\x9f");
	free(s);
	s = gd_score_norm("a\xc2\xa0" "b");   /* no-break space */
	assert_string_equal(s, "a b");
	free(s);
	s = gd_score_norm("");
	assert_string_equal(s, "");
	free(s);
	s = gd_score_norm(" \t\n");
	assert_string_equal(s, "");
	free(s);
}

static void
test_phrase(void **state)
{
	(void)state;
	assert_true(gd_score_has_phrase("openssl s_client -connect x:443", "s_client"));
	assert_false(gd_score_has_phrase("xs_client", "s_client"));
	assert_false(gd_score_has_phrase("openssl3", "openssl"));
	assert_true(gd_score_has_phrase("check notafter.", "notafter"));
	assert_true(gd_score_has_phrase("the not after date", "not after"));
	assert_false(gd_score_has_phrase("not afterwards", "not after"));
	assert_true(gd_score_has_phrase("openssl x509 -noout -enddate", "-enddate"));
	assert_true(gd_score_has_phrase("x509 -enddate", "enddate"));
	assert_true(gd_score_has_phrase("oom-killer fired", "oom"));
	assert_false(gd_score_has_phrase("caf\xc3\xa9s", "caf\xc3\xa9"));   /* UTF-8 is a word */
	assert_true(gd_score_has_phrase("un caf\xc3\xa9", "caf\xc3\xa9"));
	assert_false(gd_score_has_phrase("anything", ""));
	/* the second occurrence is whole when the first is not */
	assert_true(gd_score_has_phrase("ttls ttl", "ttl"));
}

static void
test_choice(void **state)
{
	const struct gd_question *q = Q(state, "choice");
	const char *two[2] = { "a", "b" }, *single[1] = { "a" };

	assert_frac(q, "a", 1);
	assert_frac(q, "A", 1);
	assert_frac(q, "  a \n", 1);
	assert_frac(q, "a)", 1);
	assert_frac(q, "a.", 1);
	assert_frac(q, "sev1", 1);                 /* the option's text */
	assert_frac(q, "  SEV1  ", 1);
	assert_frac(q, "b", 0);
	assert_frac(q, "SEV2", 0);
	assert_frac(q, "not  an   INCIDENT", 0);   /* option c, matched, and wrong */
	assert_frac(q, "z", 0);
	assert_frac(q, "a b", 0);                  /* one answer, not two */
	assert_frac(q, "", 0);
	assert_frac(q, "   ", 0);
	assert_float_equal(gd_score_fraction(q, two, 2), 0, 1e-9);
	assert_float_equal(gd_score_fraction(q, single, 1), 1, 1e-9);
	assert_true(gd_score_understood(q, "A)"));
	assert_true(gd_score_understood(q, ""));
	assert_false(gd_score_understood(q, "d"));
}

static void
test_multi(void **state)
{
	const struct gd_question *q = Q(state, "multi");
	const char *list[2] = { "a", "d" }, *texts[2] = { "Network  Saturation", "slow disk" };

	/* positive weights: a 1, b 1, d 2 = 4 */
	assert_frac(q, "a b d", 1);
	assert_frac(q, "d,b,a", 1);
	assert_frac(q, "a b d e", 1);              /* a 0-weight option costs nothing */
	assert_frac(q, "a", 0.25);
	assert_frac(q, "a, b", 0.5);
	assert_frac(q, " A ,  B ", 0.5);
	assert_frac(q, "a a a", 0.25);             /* an option counts once */
	assert_frac(q, "a b c d", 0.75);           /* c costs 1 */
	assert_frac(q, "a c", 0);                  /* 1 - 1 */
	assert_frac(q, "c", 0);                    /* negative, clamped at 0 */
	assert_frac(q, "e", 0);
	assert_frac(q, "x y", 0);
	assert_frac(q, "a x", 0.25);               /* unknown letters ignored */
	assert_frac(q, "long-running query on replica, slow disk", 0.75);
	assert_frac(q, "", 0);
	assert_float_equal(gd_score_fraction(q, list, 2), 0.75, 1e-9);
	assert_float_equal(gd_score_fraction(q, texts, 2), 0.75, 1e-9);
	assert_true(gd_score_understood(q, "a, c d"));
	assert_false(gd_score_understood(q, "a z"));
}

static void
test_keywords(void **state)
{
	const struct gd_question *q = Q(state, "kw");
	const char *parts[2] = { "OpenSSL", "the EXPIRY" };

	assert_frac(q, "openssl expiry \xc3\xa9" "ch\xc3\xa9" "ance", 1);
	assert_frac(q, "OpenSSL   s_client -connect x:443 | grep 'Not   After'", 2.0 / 3);
	assert_frac(q, "openssl x509 -noout -enddate", 2.0 / 3);
	assert_frac(q, "\xc3\x89" "CH\xc3\x89" "ANCE", 1.0 / 3);       /* capitals lowered */
	assert_frac(q, "\xd0\xa1\xd0\xa0\xd0\x9e\xd0\x9a", 1.0 / 3);   /* Cyrillic too */
	assert_frac(q, "s_client only", 1.0 / 3);    /* one synonym is enough */
	assert_frac(q, "openssl openssl s_client", 1.0 / 3);   /* a group counts once */
	assert_frac(q, "opensslx expirydate", 0);    /* whole words only */
	assert_frac(q, "not afterwards", 0);
	assert_frac(q, "", 0);
	assert_frac(q, "\t \n", 0);
	assert_float_equal(gd_score_fraction(q, parts, 2), 2.0 / 3, 1e-9);
	assert_true(gd_score_understood(q, "anything at all"));
}

/* The numbers that name items[order[0]], items[order[1]]... as the quiz
 * lists them. */
static void
numbers_for(const struct gd_question *q, const size_t *order, size_t n, char *out, size_t len)
{
	size_t i, k;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		for (k = 0; k < q->nitems; k++)
			if (q->shown[k] == order[i])
				snprintf(out + strlen(out), len - strlen(out), "%s%zu", i ? " " : "", k + 1);
}

static void
test_order(void **state)
{
	const struct gd_question *q = Q(state, "order");
	const char *list[3] = { "acknowledge", "assess impact", "mitigate" };
	const char *swapped[2] = { "mitigate", "acknowledge" };
	static const size_t right[5] = { 0, 1, 2, 3, 4 }, rev[5] = { 4, 3, 2, 1, 0 };
	static const size_t mostly[5] = { 0, 2, 1, 3, 4 };
	char nums[64];

	assert_frac(q, "acknowledge, assess impact, mitigate, resolve, postmortem", 1);
	assert_frac(q, "postmortem, resolve, mitigate, assess impact, acknowledge", 0.2);
	assert_frac(q, "acknowledge, mitigate, assess impact, resolve, postmortem", 0.8);
	assert_frac(q, "mitigate, resolve, postmortem, acknowledge, assess impact", 0.6);
	assert_frac(q, " ACKNOWLEDGE ,Assess   Impact ", 0.4);
	assert_frac(q, "acknowledge, panic, assess impact", 0.4);   /* unknown items ignored */
	assert_frac(q, "acknowledge, acknowledge, assess impact", 0.4);
	assert_frac(q, "acknowledge", 0.2);
	assert_frac(q, "panic, blame", 0);
	assert_frac(q, "", 0);
	assert_float_equal(gd_score_fraction(q, list, 3), 0.6, 1e-9);
	assert_float_equal(gd_score_fraction(q, swapped, 2), 0.2, 1e-9);

	/* numbers refer to the items as listed (shuffled) */
	numbers_for(q, right, 5, nums, sizeof(nums));
	assert_frac(q, nums, 1);
	numbers_for(q, rev, 5, nums, sizeof(nums));
	assert_frac(q, nums, 0.2);
	numbers_for(q, mostly, 5, nums, sizeof(nums));
	assert_frac(q, nums, 0.8);
	{
		char commas[64], *p;

		numbers_for(q, right, 5, commas, sizeof(commas));
		for (p = commas; *p != '\0'; p++)
			if (*p == ' ')
				*p = ',';
		assert_frac(q, commas, 1);
	}
	assert_frac(q, "9 8 7", 0);                  /* out of range */
	assert_true(gd_score_understood(q, "1 2 3"));
	assert_true(gd_score_understood(q, "acknowledge, 3"));
	assert_false(gd_score_understood(q, "1 2 6"));
	assert_false(gd_score_understood(q, "acknowledge, panic"));
}

static void
test_numeric(void **state)
{
	const struct gd_question *q = Q(state, "num"), *p = Q(state, "pct"), *e = Q(state, "exact");
	const char *two[2] = { "43.2", "43.2" };

	assert_frac(q, "43.2", 1);
	assert_frac(q, " 43.2 ", 1);
	assert_frac(q, "43.7", 1);                   /* at the tolerance */
	assert_frac(q, "42.7", 1);
	assert_frac(q, "43.71", 0);
	assert_frac(q, "42.69", 0);
	assert_frac(q, "43,2", 1);                   /* a decimal comma */
	assert_frac(q, "43.2 minutes", 1);
	assert_frac(q, "43.2   MINUTES", 1);
	assert_frac(q, "43.2 hours", 0);
	assert_frac(q, "about 43", 0);
	assert_frac(q, "0x2B", 0);
	assert_frac(q, "inf", 0);
	assert_frac(q, "nan", 0);
	assert_frac(q, "", 0);
	assert_float_equal(gd_score_fraction(q, two, 2), 0, 1e-9);   /* one number */

	assert_frac(p, "210", 1);                    /* 5% of 200 */
	assert_frac(p, "190", 1);
	assert_frac(p, "210.01", 0);
	assert_frac(p, "189.9", 0);

	assert_frac(e, "2", 1);
	assert_frac(e, "2.0", 1);
	assert_frac(e, "+2", 1);
	assert_frac(e, "2.001", 0);
	assert_frac(e, "3", 0);
	assert_true(gd_score_understood(q, "43.2 minutes"));
	assert_false(gd_score_understood(q, "forty"));
}

static void
test_question_status(void **state)
{
	const struct gd_question *c = Q(state, "choice"), *m = Q(state, "multi");
	const struct gd_question *lab = Q(state, "lab");
	char *right[1] = { (char *)"a" }, *wrong[1] = { (char *)"b" }, *blank[1] = { (char *)"  " };
	char *half[1] = { (char *)"a b" };
	struct gd_answer a = { 0 };
	struct gd_qscore s;

	gd_score_question(c, NULL, &s);
	assert_int_equal(s.status, GD_ST_MISSING);
	assert_float_equal(s.score, 0, 1e-9);
	assert_float_equal(s.max, 2, 1e-9);

	a.nparts = 0;
	gd_score_question(c, &a, &s);
	assert_int_equal(s.status, GD_ST_EMPTY);
	a.parts = blank;
	a.nparts = 1;
	gd_score_question(c, &a, &s);
	assert_int_equal(s.status, GD_ST_EMPTY);
	assert_float_equal(s.score, 0, 1e-9);

	a.parts = right;
	gd_score_question(c, &a, &s);
	assert_int_equal(s.status, GD_ST_RIGHT);
	assert_float_equal(s.score, 2, 1e-9);
	a.parts = wrong;
	gd_score_question(c, &a, &s);
	assert_int_equal(s.status, GD_ST_WRONG);
	assert_float_equal(s.score, 0, 1e-9);
	a.parts = half;
	gd_score_question(m, &a, &s);
	assert_int_equal(s.status, GD_ST_PARTIAL);
	assert_float_equal(s.score, 2, 1e-9);        /* half of 4 points */
	assert_float_equal(s.max, 4, 1e-9);

	a.parts = right;
	gd_score_question(lab, &a, &s);
	assert_int_equal(s.status, GD_ST_PRACTICAL);
	assert_float_equal(s.max, 0, 1e-9);
	assert_string_equal(gd_qstatus_name(GD_ST_PRACTICAL), "practical");
}

static void
test_quiz(void **state)
{
	struct fix *f = *state;
	static const char answers[] =
	    "choice: '  SEV1 '\n"                      /* 2 of 2 */
	    "multi: [a, c, d]\n"                       /* (1 - 1 + 2) / 4: 2 of 4 */
	    "kw: openssl and the notafter field\n"     /* 2 of 3 */
	    "order: acknowledge, mitigate, assess impact, resolve, postmortem\n"   /* 4 of 5 */
	    "num: 44\n"                                /* outside 0.5: 0 of 2 */
	    "pct: \"\"\n"                              /* empty: 0 of 1 */
	    "lab: done it\n"                           /* practical: not graded */
	    "bogus: 1\n"                               /* no such question */
	    "other: [x]\n";                            /* nor this one */
	/* exact is missing: 0 of 1 */
	struct gd_answers a;
	struct gd_quiz_score s;
	char err[GD_ERRLEN] = "";
	size_t i;

	if (gd_answers_parse(&a, "a.yaml", answers, strlen(answers), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	gd_score_quiz(&f->b, &a, &s);
	assert_float_equal(s.total, 2 + 2 + 2 + 4, 1e-9);
	assert_float_equal(s.max, 2 + 4 + 3 + 5 + 2 + 1 + 1, 1e-9);   /* practical left out */
	assert_float_equal(s.percent, 1000.0 / 18, 1e-9);
	assert_false(s.passed);                      /* 55.6% < 60% */
	assert_int_equal(s.nunknown, 2);
	assert_string_equal(s.unknown[0]->id, "bogus");
	assert_int_equal(s.unknown[0]->line, 8);
	assert_string_equal(s.unknown[1]->id, "other");

	assert_int_equal(s.ntopics, 3);
	assert_string_equal(s.topics[0].name, "process");
	assert_float_equal(s.topics[0].score, 2 + 2 + 4, 1e-9);
	assert_float_equal(s.topics[0].max, 11, 1e-9);
	assert_float_equal(s.topics[1].score, 0, 1e-9);
	assert_float_equal(s.topics[1].max, 4, 1e-9);
	assert_int_equal(s.topics[1].nq, 3);
	assert_float_equal(s.topics[2].score, 2, 1e-9);
	assert_float_equal(s.topics[2].max, 3, 1e-9);
	assert_int_equal(s.topics[2].nq, 1);         /* lab is not graded here */

	for (i = 0; i < f->b.nq; i++) {
		const char *id = f->b.q[i].id;
		enum gd_qstatus want = strcmp(id, "choice") == 0 ? GD_ST_RIGHT :
		    strcmp(id, "num") == 0 ? GD_ST_WRONG : strcmp(id, "pct") == 0 ? GD_ST_EMPTY :
		    strcmp(id, "exact") == 0 ? GD_ST_MISSING : strcmp(id, "lab") == 0 ?
		    GD_ST_PRACTICAL : GD_ST_PARTIAL;

		if (s.q[i].status != want)
			fail_msg("%s: status %s, want %s", id, gd_qstatus_name(s.q[i].status),
			    gd_qstatus_name(want));
	}
	assert_null(s.ans[6]);                       /* exact: missing */
	assert_string_equal(s.ans[0]->parts[0], "  SEV1 ");   /* verbatim */
	gd_quiz_score_free(&s);
	gd_answers_free(&a);
}

static void
test_pass_mark(void **state)
{
	struct fix *f = *state;
	struct gd_answers a;
	struct gd_quiz_score s;
	char err[GD_ERRLEN] = "";
	/* 2 + 4 + 3 + 2 = 11 of 18 is 61.1%: above 60 */
	static const char pass[] = "choice: a\nmulti: a b d\nkw: openssl expiry \xc3\xa9" "ch\xc3\xa9" "ance\n"
	    "num: 43.2\n";

	if (gd_answers_parse(&a, "a.yaml", pass, strlen(pass), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	gd_score_quiz(&f->b, &a, &s);
	assert_float_equal(s.total, 11, 1e-9);
	assert_true(s.passed);
	gd_quiz_score_free(&s);
	gd_answers_free(&a);

	/* exactly at the pass mark passes: 3 of 5 is 60% */
	{
		static const char bank[] = "bank: x\npass: 60\nquestions:\n"
		    "  - { id: o, topic: process, type: order, points: 5, text: t, remedy: r,"
		    " items: [a1, a2, a3, a4, a5] }\n";
		static const char ans[] = "o: a1, a2, a3\n";
		struct gd_bank b;

		assert_int_equal(gd_bank_parse(&b, "x", bank, strlen(bank), err, sizeof(err)), 0);
		assert_int_equal(gd_answers_parse(&a, "a", ans, strlen(ans), err, sizeof(err)), 0);
		gd_score_quiz(&b, &a, &s);
		assert_float_equal(s.percent, 60, 1e-9);
		assert_true(s.passed);
		gd_quiz_score_free(&s);
		gd_score_quiz(&b, NULL, &s);             /* no answers at all */
		assert_float_equal(s.total, 0, 1e-9);
		assert_false(s.passed);
		assert_int_equal(s.q[0].status, GD_ST_MISSING);
		gd_quiz_score_free(&s);
		gd_answers_free(&a);
		gd_bank_free(&b);
	}
}

/* An answer over 4 KiB is scored on its first 4096 bytes. */
static void
test_overlong(void **state)
{
	struct fix *f = *state;
	struct gd_buf y = { 0 };
	struct gd_answers a;
	struct gd_quiz_score s;
	char err[GD_ERRLEN] = "";
	size_t i;

	gd_buf_adds(&y, "kw: \"openssl ");
	for (i = 0; i < 5000; i++)
		gd_buf_adds(&y, "x");
	gd_buf_adds(&y, " expiry\"\n");   /* past the cut: not seen */
	if (gd_answers_parse(&a, "a.yaml", y.data, y.len, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_true(a.a[0].truncated);
	assert_int_equal(strlen(a.a[0].parts[0]), GD_ANSWER_MAX);
	gd_score_quiz(&f->b, &a, &s);
	assert_float_equal(s.q[2].score, 1, 1e-9);   /* openssl only: 1 of 3 */
	gd_quiz_score_free(&s);
	gd_answers_free(&a);
	gd_buf_free(&y);
}

/* A file's multi key or order item the bank does not have: an error naming
 * it; an order given by numbers: a warning naming each number's item. */
static void
test_answers_check(void **state)
{
	static const struct { const char *yaml, *want; } bad[] = {
		{ "multi: a zz\n", "line 1: question 'multi': 'zz' is not one of its options (" },
		{ "choice: a\nmulti: [a, q]\n", "line 2: question 'multi': 'q' is not one of its options" },
		{ "order: [acknowledge, mitigat]\n", "question 'order': 'mitigat' is not one of its items "
		    "(acknowledge, assess impact" },
	};
	struct fix *f = *state;
	struct gd_answers a;
	char err[GD_ERRLEN] = "";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gd_answers_parse(&a, "a.yaml", bad[i].yaml, strlen(bad[i].yaml), err, sizeof(err)) < 0)
			fail_msg("%s", err);
		assert_int_equal(gd_answers_check(&f->b, &a, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%s: want '%s'", err, bad[i].want);
		gd_answers_free(&a);
	}
	/* right keys, texts, blanks and unknown ids pass; numbers warn */
	static const char good[] = "multi: a, c\norder: 2 1 3 4 5\nnope: x\nkw: ''\n";

	if (gd_answers_parse(&a, "a.yaml", good, strlen(good), err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(gd_answers_check(&f->b, &a, err, sizeof(err)), 0);
	assert_int_equal(a.nwarnings, 1);
	assert_non_null(strstr(a.warnings[0], "question 'order': numbers are the items as the quiz lists them: 1 = "));
	gd_answers_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_norm),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_question_status),
		cmocka_unit_test(test_quiz),
		cmocka_unit_test(test_pass_mark),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_answers_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
