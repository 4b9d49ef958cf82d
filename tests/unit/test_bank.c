/* test_bank.c: question banks and answers files. Each broken fixture says
 * on its first line the error it must give: "# expect line N: TEXT".
 * Run from the repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gd.h"
#include "bank.h"
#include "score.h"

#define FIX "tests/unit/fixtures/banks/"

static void
load_ok(struct gd_bank *b, const char *path)
{
	char err[GD_ERRLEN] = "";

	if (gd_bank_load(b, path, err, sizeof(err)) < 0)
		fail_msg("%s: %s", path, err);
}

static void
test_good(void **state)
{
	struct gd_bank b;
	const struct gd_question *q;
	size_t i;

	(void)state;
	load_ok(&b, FIX "good.yaml");
	assert_string_equal(b.id, "small");
	assert_string_equal(b.title, "Small bank: every type");
	assert_float_equal(b.pass, 75, 1e-9);
	assert_int_equal(b.ntopics, 3);
	assert_string_equal(b.topics[2], "security");
	assert_int_equal(b.nq, 8);

	q = gd_bank_find(&b, "sev");
	assert_non_null(q);
	assert_int_equal(q->type, GD_Q_CHOICE);
	assert_float_equal(q->points, 2, 1e-9);
	assert_int_equal(q->nopts, 3);
	assert_string_equal(q->opts[1].key, "b");
	assert_string_equal(q->opts[1].text, "SEV2");
	assert_string_equal(q->answer, "a");
	assert_string_equal(q->remedy, "runbooks/incidents.md#severity");
	assert_int_equal(q->line, 7);

	q = gd_bank_find(&b, "lag-causes");
	assert_int_equal(q->type, GD_Q_MULTI);
	assert_int_equal(q->nopts, 4);
	assert_float_equal(q->opts[2].weight, -1, 1e-9);
	assert_float_equal(q->opts[3].weight, 0.5, 1e-9);
	assert_string_equal(q->opts[0].text, "long-running query on replica");

	q = gd_bank_find(&b, "tls-check");
	assert_int_equal(q->type, GD_Q_KEYWORDS);
	assert_float_equal(q->points, 1, 1e-9);   /* the default */
	assert_string_equal(q->topic, "security");
	assert_int_equal(q->ngroups, 3);
	assert_int_equal(q->groups[1].n, 4);
	assert_string_equal(q->groups[1].words[3], "not after");
	assert_int_equal(q->groups[2].n, 1);       /* a scalar is a group of one */
	assert_string_equal(q->groups[2].words[0], "single");

	q = gd_bank_find(&b, "incident-order");
	assert_int_equal(q->type, GD_Q_ORDER);
	assert_int_equal(q->nitems, 6);
	assert_string_equal(q->items[5], "postmortem");
	{
		int seen[6] = { 0 }, identity = 1;

		for (i = 0; i < 6; i++) {
			assert_true(q->shown[i] < 6);
			seen[q->shown[i]]++;
			identity &= q->shown[i] == i;
		}
		for (i = 0; i < 6; i++)
			assert_int_equal(seen[i], 1);
		assert_false(identity);   /* the quiz never lists the answer */
	}
	{
		/* pinned: GD_SHUFFLE_SEED keeps every earlier quiz's order */
		static const size_t pinned[6] = { 1, 2, 5, 4, 3, 0 };

		for (i = 0; i < 6; i++)
			assert_int_equal(q->shown[i], pinned[i]);
	}

	q = gd_bank_find(&b, "error-budget");
	assert_int_equal(q->type, GD_Q_NUMERIC);
	assert_float_equal(q->number, 43.2, 1e-9);
	assert_float_equal(q->tolerance, 0.5, 1e-9);
	assert_false(q->tol_percent);
	assert_string_equal(q->unit, "minutes");
	q = gd_bank_find(&b, "burn");
	assert_float_equal(q->tolerance, 5, 1e-9);
	assert_true(q->tol_percent);
	assert_null(q->unit);

	q = gd_bank_find(&b, "fix-disk");
	assert_int_equal(q->type, GD_Q_PRACTICAL);
	assert_string_equal(q->probe_on, "lab[0]");
	assert_non_null(strstr(q->probe_cmd, "df --output=pcent /srv"));
	assert_int_equal(q->target_s, 5400);

	assert_null(gd_bank_find(&b, "nope"));
	/* a question without remedy loads, with a warning naming its line */
	assert_int_equal(b.nwarnings, 1);
	assert_string_equal(b.warnings[0], FIX "good.yaml: line 70: question 'no-remedy' has no "
	    "remedy: say what to study when it is missed");
	gd_bank_free(&b);
}

static const char *const broken[] = {
	"bad_alias", "bad_choice_answer", "bad_choice_no_answer", "bad_choice_weight",
	"bad_dup_id", "bad_dup_key", "bad_empty", "bad_id_chars", "bad_key_other_type",
	"bad_keywords_empty_group", "bad_multi_no_positive", "bad_multi_no_weight",
	"bad_no_questions", "bad_numeric_neg_tol", "bad_numeric_no_answer", "bad_numeric_word",
	"bad_order_dup", "bad_order_one_item", "bad_pass", "bad_points_negative",
	"bad_points_zero", "bad_practical_no_probe", "bad_practical_time", "bad_top_key",
	"bad_practical_setup", "bad_practical_cleanup_empty", "bad_setup_not_practical",
	"bad_topic", "bad_type", "bad_unknown_key", "bad_utf8", "bad_yaml",
};

static void
test_broken(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char path[256], head[512], want[512], err[GD_ERRLEN] = "";
		unsigned line;
		struct gd_bank b;
		FILE *f;
		int n = 0;

		snprintf(path, sizeof(path), FIX "%s.yaml", broken[i]);
		f = fopen(path, "r");
		if (f == NULL)
			fail_msg("%s: missing", path);
		if (fgets(head, sizeof(head), f) == NULL ||
		    sscanf(head, "# expect line %u: %n", &line, &n) != 1 || n == 0)
			fail_msg("%s: no '# expect line N: TEXT' first line", path);
		fclose(f);
		head[strcspn(head, "\n")] = '\0';
		if (gd_bank_load(&b, path, err, sizeof(err)) == 0)
			fail_msg("%s: loaded, want an error", path);
		snprintf(want, sizeof(want), "%s: line %u: ", path, line);
		if (strncmp(err, want, strlen(want)) != 0 || strstr(err, head + n) == NULL)
			fail_msg("%s:\n  want %s...%s\n  got  %s", path, want, head + n, err);
		/* the same through the entry point of `gameday check` */
		err[0] = '\0';
		assert_int_equal(gd_bank_check(path, err, sizeof(err)), -1);
		assert_int_equal(strncmp(err, want, strlen(want)), 0);
	}
}

static void
test_check_and_sniff(void **state)
{
	char err[GD_ERRLEN] = "";

	(void)state;
	assert_int_equal(gd_bank_check(FIX "good.yaml", err, sizeof(err)), 0);
	assert_int_equal(gd_bank_check(FIX "absent.yaml", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absent.yaml: No such file or directory"));
	assert_int_equal(gd_bank_sniff(FIX "good.yaml"), 1);
	assert_int_equal(gd_bank_sniff(FIX "bad_yaml.yaml"), 1);      /* broken, still a bank */
	assert_int_equal(gd_bank_sniff(FIX "bad_dup_id.yaml"), 1);
	assert_int_equal(gd_bank_sniff(FIX "bad_empty.yaml"), 0);
	assert_int_equal(gd_bank_sniff("tests/unit/fixtures/inventory/basic.yaml"), 0);
	assert_int_equal(gd_bank_sniff(FIX "absent.yaml"), 0);
}

/* A bank over the size limit is still sniffed as a bank, and says why it
 * cannot be read (not "ok: inventory of 0 hosts"). */
static void
test_big_bank(void **state)
{
	char path[] = "/tmp/gd-bigbank-XXXXXX", err[GD_ERRLEN] = "";
	int fd = mkstemp(path);
	FILE *f;
	size_t i;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("bank: big\ntitle: Big\ntopics: [process]\nquestions:\n", f);
	for (i = 0; ftell(f) < 5L << 20; i++)
		fprintf(f, "  - { id: q%zu, topic: process, type: choice, text: \"%0200d\", "
		    "options: { a: x, b: y }, answer: a, remedy: r }\n", i, 0);
	fclose(f);
	assert_int_equal(gd_bank_sniff(path), 1);
	assert_int_equal(gd_bank_check(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 4 MiB, too big for a question bank"));
	unlink(path);
}

/* The shipped bank: valid, no warnings, at least 30 questions over the four
 * topics; the sample answers name only questions it has. */
static void
test_shipped(void **state)
{
	static const char *const four[] = { "process", "architecture", "troubleshooting", "monitoring" };
	struct gd_bank b;
	struct gd_answers a;
	struct gd_quiz_score s;
	char err[GD_ERRLEN] = "";
	size_t i, j, per[4] = { 0 }, graded = 0, types[GD_Q_PRACTICAL + 1] = { 0 };

	(void)state;
	load_ok(&b, "scenarios/banks/oncall.yaml");
	assert_int_equal(b.nwarnings, 0);
	for (i = 0; i < b.nq; i++) {
		types[b.q[i].type]++;
		graded += b.q[i].type != GD_Q_PRACTICAL;
		for (j = 0; j < 4; j++)
			per[j] += strcmp(b.q[i].topic, four[j]) == 0;
		assert_non_null(b.q[i].remedy);
		assert_non_null(strstr(b.q[i].remedy, "runbooks/"));
	}
	assert_true(graded >= 30);
	for (j = 0; j < 4; j++)
		assert_true(per[j] >= 6);
	for (j = 0; j <= GD_Q_PRACTICAL; j++)
		assert_true(types[j] >= 1);

	if (gd_answers_load(&a, "scenarios/answers/oncall-sample.yaml", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	gd_score_quiz(&b, &a, &s);
	assert_int_equal(s.nunknown, 0);
	/* a mix: some right, some partial, some wrong, one missing */
	{
		size_t st[GD_ST_PRACTICAL + 1] = { 0 };

		for (i = 0; i < b.nq; i++)
			st[s.q[i].status]++;
		assert_true(st[GD_ST_RIGHT] > 0 && st[GD_ST_PARTIAL] > 0 && st[GD_ST_WRONG] > 0);
		assert_int_equal(st[GD_ST_MISSING], 1);
	}
	gd_quiz_score_free(&s);
	gd_answers_free(&a);
	gd_bank_free(&b);
}

static void
parse_answers(struct gd_answers *a, const char *text)
{
	char err[GD_ERRLEN] = "";

	if (gd_answers_parse(a, "answers.yaml", text, strlen(text), err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

static void
test_answers(void **state)
{
	struct gd_answers a;
	char err[GD_ERRLEN] = "";
	struct gd_buf big = { 0 };
	size_t i;

	(void)state;
	parse_answers(&a, "s: a\n"
	    "n: 43.20\n"
	    "l: [a, 'c']\n"
	    "e:\n"
	    "q: ''\n"
	    "y: yes\n"
	    "t: \"  spaced  \"\n");
	assert_int_equal(a.n, 7);
	assert_string_equal(a.a[0].id, "s");
	assert_int_equal(a.a[0].nparts, 1);
	assert_false(a.a[0].list);
	assert_string_equal(a.a[1].parts[0], "43.20");   /* numbers as written */
	assert_true(a.a[2].list);
	assert_int_equal(a.a[2].nparts, 2);
	assert_string_equal(a.a[2].parts[1], "c");
	assert_int_equal(a.a[3].nparts, 0);              /* `e:` answered with nothing */
	assert_int_equal(a.a[3].line, 4);
	assert_int_equal(a.a[4].nparts, 1);
	assert_string_equal(a.a[4].parts[0], "");
	assert_string_equal(a.a[5].parts[0], "yes");     /* not a YAML 1.1 boolean */
	assert_string_equal(a.a[6].parts[0], "  spaced  ");   /* verbatim */
	gd_answers_free(&a);

	parse_answers(&a, "");
	assert_int_equal(a.n, 0);
	gd_answers_free(&a);

	assert_int_equal(gd_answers_parse(&a, "answers.yaml", "x: 1\ny: { a: 1 }\n", 17, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "answers.yaml: line 2: the answer to 'y' is a mapping; an answer "
	    "is text, a number or a list");
	assert_int_equal(gd_answers_parse(&a, "answers.yaml", "x: 1\nx: 2\n", 10, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "answers.yaml: line 2: duplicate key 'x' (first at line 1)");
	assert_int_equal(gd_answers_parse(&a, "answers.yaml", "- a\n- b\n", 8, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: answers are a mapping"));
	assert_int_equal(gd_answers_parse(&a, "answers.yaml", "x: [a, [b]]\n", 12, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: the answer to 'x': a list item is a list"));

	/* over-long: cut at 4096 bytes, never inside a UTF-8 sequence */
	gd_buf_adds(&big, "long: \"");
	for (i = 0; i < 4095; i++)
		gd_buf_adds(&big, "a");
	gd_buf_adds(&big, "\xc3\xa9 and more\"\nshort: ok\n");
	parse_answers(&a, big.data);
	assert_int_equal(strlen(a.a[0].parts[0]), 4095);
	assert_true(a.a[0].truncated);
	assert_false(a.a[1].truncated);
	assert_int_equal(a.nwarnings, 1);
	assert_string_equal(a.warnings[0], "answers.yaml: line 1: the answer to 'long' is longer "
	    "than 4096 bytes; cut there");
	gd_answers_free(&a);
	gd_buf_free(&big);

	/* the cap is for the whole answer, lists included */
	gd_buf_adds(&big, "l: [");
	for (i = 0; i < 100; i++)
		gd_buf_printf(&big, "%s%0100d", i ? ", " : "", 0);
	gd_buf_adds(&big, "]\n");
	parse_answers(&a, big.data);
	{
		size_t total = 0;

		for (i = 0; i < a.a[0].nparts; i++)
			total += strlen(a.a[0].parts[i]);
		assert_int_equal(total, 4096);
		assert_true(a.a[0].truncated);
	}
	gd_answers_free(&a);
	gd_buf_free(&big);
}

static void
test_cut(void **state)
{
	char s[16];

	(void)state;
	strcpy(s, "abc");
	assert_int_equal(gd_answer_cut(s, 3), 0);
	assert_string_equal(s, "abc");
	strcpy(s, "abcdef");
	assert_int_equal(gd_answer_cut(s, 4), 1);
	assert_string_equal(s, "abcd");
	strcpy(s, "ab\xe2\x82\xac");   /* a euro sign after two letters */
	assert_int_equal(gd_answer_cut(s, 4), 1);
	assert_string_equal(s, "ab");
	strcpy(s, "ab\xe2\x82\xac");
	assert_int_equal(gd_answer_cut(s, 5), 0);   /* fits exactly */
	assert_string_equal(s, "ab\xe2\x82\xac");
	strcpy(s, "ab\xe2\x82\xac");
	assert_int_equal(gd_answer_cut(s, 0), 1);
	assert_string_equal(s, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_check_and_sniff),
		cmocka_unit_test(test_big_bank),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
